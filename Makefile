# The site's everyday commands.
#
#   make            set up .venv (Python 3.11+): requirements.lock, each file's hash checked
#   make describe FILE=...   print a manifest entry for a release nobody has declared yet
#   make build      build cautions.db (and inspect-data.json, cards/, exports/) from data/manifest.yml, checking the figures
#   make serve      build (only if a release, the manifest or the code changed), then serve the site on
#                   http://127.0.0.1:8001 (make serve PORT=9000)
#   make verify     check the whole database against the sha256 its build recorded
#   make test       run the tests (make test PYTEST_ARGS="-k browser -x")
#   make metamorphic  the sample exported every way a force exports it, 2,000 combinations (tests/metamorphic.py)
#   make site       build, then write site/: the whole site as static files, for any static host
#   make bench      run the timing benchmark
#   make clean      delete everything the commands above made, except .venv
#   make lock       re-pin requirements.lock and requirements-runtime.lock after editing pyproject.toml
#
# The serve command itself lives in serve.sh, which the Docker image runs too.

# python3.11 if it is on PATH, otherwise python3; override with make PYTHON=/path/to/python3.11
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
endif
VENV := .venv
HOST := 127.0.0.1
PORT ?= 8001
PYTEST_ARGS ?=

.DEFAULT_GOAL := venv
.PHONY: venv build serve verify site test bench clean screenshots describe lock metamorphic

venv: $(VENV)/.installed

# Re-installs whenever the lock or pyproject.toml changes. --require-hashes: pip refuses any file
# whose sha256 is not the one in requirements.lock. Then this project itself (foi/), editable and
# with nothing more to download (setuptools, to build it, is in the lock).
$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  found=$$($(PYTHON) -c 'import platform; print(platform.python_version())' 2>/dev/null || echo "no '$(PYTHON)'"); \
	  echo "Python 3.11 or newer is needed; found $$found. Install it, or run make PYTHON=/path/to/python3.11" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check --require-hashes -r requirements.lock
	$(VENV)/bin/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

define BUILD
$(VENV)/bin/python build.py --strict --inspect-file inspect-data.json --cards cards
$(VENV)/bin/python exports.py --database cautions.db --output exports
endef

build: venv
	$(BUILD)

# What cautions.db is made from: the releases and the manifest (data/), the site's metadata, the code
# that builds it and the locked packages. `make serve` rebuilds only when one of them changed.
BUILD_INPUTS := $(VENV)/.installed build.py exports.py metadata.yml $(wildcard foi/*.py) \
	$(shell find data -type f -not -name '*.pyc' 2>/dev/null)
cautions.db: $(BUILD_INPUTS)
	$(BUILD)

# A manifest entry for a release nobody has declared: make describe FILE=data/new.xlsx [SHEET=Sheet1]
describe: venv
	@test -n "$(FILE)" || { echo "usage: make describe FILE=data/your_release.csv [SHEET=name]" >&2; exit 2; }
	@$(VENV)/bin/python build.py describe "$(FILE)" $(if $(SHEET),--sheet "$(SHEET)")

serve: cautions.db
	HOST=$(HOST) PORT=$(PORT) DATASETTE=$(VENV)/bin/datasette ./serve.sh

# serve.sh checks the database against its inspect file by size and the sha256 of its first and
# last MiB (instant at any size); this reads it whole and compares the sha256 the build recorded.
verify: cautions.db
	./serve.sh verify

# The site as static files (static_site.py): every page rendered by the same app serve.sh runs,
# the JSON and CSV of each query, the database for SQL in the browser. Publish site/ anywhere.
site: build
	$(VENV)/bin/python static_site.py --database cautions.db --inspect-file inspect-data.json --output site

# The tests build their own databases; they do not need make build.
test: venv
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The wider metamorphic run: `make test` tries each transformation of the sample alone and 200 seeded
# combinations; this tries 2,000 (METAMORPHIC_CASES, METAMORPHIC_SEED to change them). A few minutes.
METAMORPHIC_CASES ?= 2000
metamorphic: venv
	METAMORPHIC_CASES=$(METAMORPHIC_CASES) $(VENV)/bin/python -m pytest tests/test_metamorphic.py -q $(PYTEST_ARGS)

# The README's screenshots (docs/), taken by the browser tests.
screenshots: venv
	UPDATE_DOCS_SCREENSHOTS=1 $(VENV)/bin/python -m pytest tests/test_browser.py tests/test_browser_replies.py -q

bench: venv
	$(VENV)/bin/python bench/run.py

clean:
	rm -f cautions.db cautions.db-journal inspect-data.json .ci/junit.xml
	rm -rf cards exports exports.tmp .pytest_cache tests/screenshots bench/out site site.tmp
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

# Every package pinned with its sha256, from PyPI, by uv (in a throwaway venv of its own).
# Versions already in the locks are kept; to move one, edit pyproject.toml or delete its lines.
# requirements.lock: the site, the build and the tests; requirements-runtime.lock: without the
# tests, for the Docker image.
UV_COMPILE = .lock-venv/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--index-url https://pypi.org/simple --custom-compile-command "make lock" --quiet
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --disable-pip-version-check --quiet uv==0.13.9
	$(UV_COMPILE) --extra test -o requirements.lock
	$(UV_COMPILE) -c requirements.lock -o requirements-runtime.lock
	rm -rf .lock-venv
