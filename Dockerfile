# Vicino web service (Debian 12: the same GDAL/GEOS/PROJ as the development machines).
FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv gdal-bin libgdal32 libgeos-c1v5 libproj25 binutils libsqlite3-mod-spatialite \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geo geo
COPY web web
COPY data_sources data_sources
COPY routing routing
COPY layers layers
COPY manage.py ./
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir --prefer-binary .
ENV PATH=/venv/bin:$PATH DJANGO_SETTINGS_MODULE=web.settings
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py collectstatic --no-input -v0 && python manage.py load_city \"$VICINO_DEFAULT_CITY\" && gunicorn -c python:web.gunicorn_conf web.wsgi --bind 0.0.0.0:8000 --workers 3"]
