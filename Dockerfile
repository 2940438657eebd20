# Ranking Debates in a container: `docker compose up -d` with a .env beside compose.yaml.
# The database and its backups live in the /data volume; the image holds no state.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Tier-list pictures draw Chinese, Japanese and Korean names with Noto Sans CJK (the path
# bot/render/tierlist.py looks in first); without it those characters would be left out.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the package is built from (see setup.py): the catalog in data/ ships inside it.
COPY pyproject.toml setup.py README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY data ./data
RUN pip install . && rm -rf /src
# The build fails unless the renderer finds the CJK font (a throwaway matplotlib cache: the
# runtime one must be created by the unprivileged user).
RUN MPLCONFIGDIR=/tmp/mpl-build python -c \
    "from bot.render.tierlist import cjk_font; assert cjk_font(), 'no CJK font'; print(cjk_font())" \
    && rm -rf /tmp/mpl-build

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
