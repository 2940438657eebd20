# Ranking Debates in a container: `docker compose up -d` with a .env beside compose.yaml.
# The database and its backups live in the /data volume; the image holds no state.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what the package is built from (see setup.py): the catalog in data/ ships inside it.
COPY pyproject.toml setup.py README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY data ./data
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home bot \
    && mkdir /data && chown bot:bot /data

# matplotlib needs a writable cache folder; the non-root user has no home to put it in.
ENV MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_PATH=/data/ranking-debates.sqlite3 \
    BACKUP_DIR=/data/backups \
    HEALTH_PORT=8080 \
    HEALTH_HOST=0.0.0.0

USER bot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4); sys.exit(0)"]

# SIGTERM (docker stop) closes the gateway and the database cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ranking-debates"]
