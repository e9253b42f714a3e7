# The site's everyday commands.
#
#   make            set up .venv (Python 3.11+) with the pinned requirements
#   make describe FILE=...   print a manifest entry for a release nobody has declared yet
#   make build      build cautions.db (and inspect-data.json) from data/manifest.yml, checking the figures
#   make serve      build, then serve the site on http://127.0.0.1:8001 (make serve PORT=9000)
#   make test       run the tests (make test PYTEST_ARGS="-k browser -x")
#   make bench      run the timing benchmark
#   make clean      delete everything the commands above made, except .venv
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
.PHONY: venv build serve test bench clean screenshots describe

venv: $(VENV)/.installed

# Re-installs whenever requirements.txt changes.
$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  found=$$($(PYTHON) -c 'import platform; print(platform.python_version())' 2>/dev/null || echo "no '$(PYTHON)'"); \
	  echo "Python 3.11 or newer is needed; found $$found. Install it, or run make PYTHON=/path/to/python3.11" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check -r requirements.txt
	touch $@

build: venv
	$(VENV)/bin/python build.py --strict --inspect-file inspect-data.json

# A manifest entry for a release nobody has declared: make describe FILE=data/new.xlsx [SHEET=Sheet1]
describe: venv
	@test -n "$(FILE)" || { echo "usage: make describe FILE=data/your_release.csv [SHEET=name]" >&2; exit 2; }
	@$(VENV)/bin/python build.py describe "$(FILE)" $(if $(SHEET),--sheet "$(SHEET)")

serve: build
	HOST=$(HOST) PORT=$(PORT) DATASETTE=$(VENV)/bin/datasette ./serve.sh

# The tests build their own databases; they do not need make build.
test: venv
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The README's screenshots (docs/), taken by the browser tests.
screenshots: venv
	UPDATE_DOCS_SCREENSHOTS=1 $(VENV)/bin/python -m pytest tests/test_browser.py -q

bench: venv
	$(VENV)/bin/python bench/run.py

clean:
	rm -f cautions.db cautions.db-journal inspect-data.json .ci/junit.xml
	rm -rf .pytest_cache tests/screenshots bench/out
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
