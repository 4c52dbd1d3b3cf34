#!/usr/bin/env python
"""Vicino's command line: `python manage.py load_city <city slug>`, `python manage.py runserver`, ..."""

import os
import sys


def main() -> None:
    """Run a management command; configuration and database problems become one clear paragraph."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(2)
    except OperationalError as error:
        from django.conf import settings

        from web.database import explain_connection_failure

        sys.stderr.write(explain_connection_failure(settings.DATABASES["default"], error) + "\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
