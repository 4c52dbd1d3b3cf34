"""Django settings for Vicino, read from the environment (see README.md, "Settings").

SpatiaLite is the default database and needs no server; ``VICINO_DB=postgis`` with ``DATABASE_URL`` selects
PostGIS. Every variable is read through :mod:`web.env`, which fails with the bad value and the accepted ones.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from data_sources.cities import default_city_slug
from data_sources.errors import ConfigError
from web.access_groups import DEFAULT_PUBLIC, GROUPS
from web.database import DEFAULT_DATABASE_URL, postgis_database, spatialite_database
from web.env import env_bool, env_choice, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "vicino-development-only-not-secret"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
#: A refused CSRF check answers JSON to scripts asking for JSON (the wish form), Django's page otherwise.
CSRF_FAILURE_VIEW = "web.wishes.csrf_failure"

#: Where Vicino keeps its own files: the SpatiaLite database, download and graph caches, reject reports.
VICINO_HOME = env_path("VICINO_HOME", BASE_DIR / "var")
#: Where the cities' input files are found offline (the shared data folder next to the repository).
VICINO_DATA_DIR = env_path("VICINO_DATA_DIR", BASE_DIR.parent / "shared" / "data")
VICINO_CACHE_DIR = env_path("VICINO_CACHE_DIR", VICINO_HOME / "cache")
VICINO_DB = env_choice("VICINO_DB", "spatialite", ("spatialite", "postgis"))
#: A raster tile URL template for deployments that have a tile server; empty = draw the city's own base map.
VICINO_TILE_URL = env_str("VICINO_TILE_URL", "")
VICINO_TILE_ATTRIBUTION = env_str("VICINO_TILE_ATTRIBUTION", "")
#: The city the home page shows: the environment's, else the shipped city whose TOML says ``default = true``.
try:
    VICINO_DEFAULT_CITY = env_str("VICINO_DEFAULT_CITY", "") or default_city_slug()
except ConfigError as error:
    raise ImproperlyConfigured(f"VICINO_DEFAULT_CITY: {error}") from None
#: Point queries (opportunities, isochrones, routes) allowed per client and minute.
VICINO_RATE_LIMIT_PER_MINUTE = env_int("VICINO_RATE_LIMIT_PER_MINUTE", 120, minimum=1)
#: Wishes (README, "Wishes"): the fewest approved wishes agreeing on area and subject that the public view shows,
#: wishes allowed per client and hour, and the seconds a person takes at least to fill the form (faster = a robot).
VICINO_WISH_THRESHOLD = env_int("VICINO_WISH_THRESHOLD", 5, minimum=2)
VICINO_WISH_RATE_PER_HOUR = env_int("VICINO_WISH_RATE_PER_HOUR", 10, minimum=1)
VICINO_WISH_MIN_SECONDS = env_int("VICINO_WISH_MIN_SECONDS", 4, minimum=0)
#: A Dask distributed scheduler for compute_access (tcp://host:8786, or local:N); empty = in this process.
VICINO_DASK_SCHEDULER = env_str("VICINO_DASK_SCHEDULER", "")
#: Groups of data open to everyone (web/access_groups.py; README "Who can see what"); the others need a login
#: (pages, API) or an API token (API).
VICINO_PUBLIC_DATA = env_list("VICINO_PUBLIC_DATA", list(DEFAULT_PUBLIC))
if unknown_groups := [g for g in VICINO_PUBLIC_DATA if g not in GROUPS]:
    raise ImproperlyConfigured(
        f"VICINO_PUBLIC_DATA: unknown group(s) {', '.join(unknown_groups)}; groups: {', '.join(GROUPS)}"
    )
#: Reverse proxies (IPs or CIDRs) whose X-Forwarded-For is believed; from anyone else the header is ignored.
try:
    VICINO_TRUSTED_PROXIES = [ipaddress.ip_network(p, strict=False) for p in env_list("VICINO_TRUSTED_PROXIES", [])]
except ValueError as error:
    raise ImproperlyConfigured(f"VICINO_TRUSTED_PROXIES: {error} (give IPs or CIDRs, comma-separated)") from None

if VICINO_DB == "postgis":
    DATABASES = {"default": postgis_database(env_str("DATABASE_URL", DEFAULT_DATABASE_URL))}
else:
    VICINO_HOME.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": spatialite_database(VICINO_HOME)}

if VICINO_DB == "spatialite":
    SPATIALITE_LIBRARY_PATH = env_str("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "leaflet",
    "ninja",
    "axes",
    "geo",
    "web",
]

MIDDLEWARE = [
    "web.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "web.language.CityLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.security.ContentSecurityPolicyMiddleware",
    "web.errors.ErrorResponseMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while a username+address pair is locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (README, "Logging in"): 10 wrong passwords for one username from one address within 30 minutes
# lock that pair out for 30 minutes (HTTP 429); a successful login clears the count. Both /accounts/login/ and
# /admin/login/ go through it.
AXES_FAILURE_LIMIT = env_int("VICINO_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("VICINO_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "web.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner on every command; attempts are still logged

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "web" / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VICINO_HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security headers; production (DEBUG off) behind HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # web.views.LoginView sends planners to the default city's planner when it is loaded
LOGOUT_REDIRECT_URL = "home"

# In the database, so that every gunicorn worker counts the same rate limits (`migrate` creates the table).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "vicino_cache"}}

# A family's home location is used for the query only: request lines are logged without their query string.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_strings": {"()": "web.security.StripQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_query_strings"]}},
    "loggers": {
        "numexpr": {"level": "WARNING"},
        "pyogrio": {"level": "WARNING"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper(),
    },
}

# Debian 12 ships GDAL 3.6; the check asks for 3.9+ to block file/network access in spatial references.
# Vicino never passes user-supplied spatial reference strings to GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
