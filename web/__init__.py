"""The Django project: settings, URLs, API and pages."""
