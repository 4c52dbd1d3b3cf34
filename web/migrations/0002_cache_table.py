"""The database cache table (settings.CACHES), so that `migrate` prepares it: the rate limits count there,
shared by every gunicorn worker."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("web", "0001_api_tokens")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
