# Vicino web service (Debian 12: the same GDAL/GEOS/PROJ as the development machines).
FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv gdal-bin libgdal32 libgeos-c1v5 libproj25 binutils libsqlite3-mod-spatialite \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY geo geo
COPY web web
COPY data_sources data_sources
COPY routing routing
COPY layers layers
COPY manage.py ./
# Dask settings for the scheduler and workers of docker-compose.yml (DASK_CONFIG points here).
COPY deploy/dask deploy/dask
# The locked, hash-checked dependency tree (bin/lock), then Vicino itself without dependencies.
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: -r requirements.lock \
    && /venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation .
ENV PATH=/venv/bin:$PATH DJANGO_SETTINGS_MODULE=web.settings
EXPOSE 8000
# /health/ answers 200 while the database answers, 503 otherwise (urlopen raises on 503: the check fails).
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
  CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py collectstatic --no-input -v0 && python manage.py load_city \"$VICINO_DEFAULT_CITY\" && gunicorn -c python:web.gunicorn_conf web.wsgi --bind 0.0.0.0:8000 --workers 3"]
