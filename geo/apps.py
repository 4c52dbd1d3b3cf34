from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "geo"
    verbose_name = "Vicino data"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # SQLite loads mod_spatialite with RTLD_GLOBAL, which drags Debian's GEOS/PROJ into the global symbol
        # scope. Extension modules imported after that bind to those older libraries instead of the copies their
        # wheels ship (shapely then fails with "WKB output dimension must be 2 or 3"). Importing the wheels'
        # extensions first binds them to their own libraries, whatever connects to the database later.
        import pyogrio  # noqa: F401
        import pyproj  # noqa: F401
        import shapely  # noqa: F401
