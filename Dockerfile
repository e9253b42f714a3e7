# The published site as one image: the database is built (and its published figures
# checked) while the image is built, so a release that does not add up never ships.
#
#   docker build -t cautions .
#   docker run --rm -p 8001:8001 cautions      # then open http://localhost:8001
#
# The base image is pinned by exact tag so a rebuild next year gets the same Python.

# ---- Stage 1: build cautions.db from data/ ----------------------------------------
FROM python:3.11.10-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src

# Requirements first, so editing the data does not reinstall everything. The runtime lock:
# every package pinned, each file's sha256 checked; no test tools.
COPY requirements-runtime.lock ./
RUN pip install --require-hashes -r requirements-runtime.lock

COPY build.py exports.py metadata.yml ./
COPY foi/ ./foi/
COPY data/ ./data/

# --strict: stop if any headline figure differs from the one published.
# inspect-data.json holds the row counts, so Datasette never counts them at start-up.
RUN python build.py --strict --inspect-file inspect-data.json --cards cards \
    && python exports.py --database cautions.db --output exports

# ---- Stage 2: what runs -----------------------------------------------------------
FROM python:3.11.10-slim-bookworm

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app

# The runtime dependencies only (requirements-runtime.lock, hashes checked): no pytest,
# playwright or dockerfile in the image that serves the site.
COPY requirements-runtime.lock ./
RUN pip install --require-hashes -r requirements-runtime.lock

# Datasette runs as an ordinary user, never as root.
RUN useradd --system --no-create-home --shell /usr/sbin/nologin datasette

# The database and its row counts, from the build stage.
COPY --from=build /src/cautions.db /src/inspect-data.json ./
COPY --from=build /src/cards/ ./cards/
COPY --from=build /src/exports/ ./exports/
# The site around it. plugins/ is the site's Datasette plugin package (pyproject.toml's
# `datasette` entry point), installed with foi (which it imports: the same offence-code rule
# build.py uses) and nothing more to download: Datasette loads it as it loads any installed
# plugin. Installed in place (--editable), as `make venv` does, because the plugins read the
# site's templates/ and static/ beside them (and serve.sh reads plugins/server_settings.py).
COPY pyproject.toml ./
COPY foi/ ./foi/
COPY plugins/ ./plugins/
RUN pip install --no-deps --no-build-isolation --editable . && rm -rf build *.egg-info
COPY metadata.yml serve.sh ./
COPY templates/ ./templates/
COPY static/ ./static/

# serve.sh reads HOST and PORT; it is the same script `make serve` runs.
ENV HOST=0.0.0.0 PORT=8001
EXPOSE 8001
USER datasette
CMD ["./serve.sh"]
