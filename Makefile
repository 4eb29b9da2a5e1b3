# Strongroom: every target sets up what it needs first, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PORT ?= 4566
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
export PYTHONPATH := $(CURDIR)

.PHONY: setup demo serve test lint typecheck unit synth benchmark clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	$(PY) -m local demo

serve: $(VENV)/.installed
	$(PY) -m local serve --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy

synth: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth --quiet > /dev/null

# Two workers (one per core), a test file to a worker so module fixtures (one local runtime, one synth) are shared.
PYTEST_WORKERS ?= 2

test: setup lint typecheck synth
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# Prints its figures; sizes as in `python -m benchmarks.scale --sizes 100 1000 10000`.
benchmark: $(VENV)/.installed
	$(PY) -m benchmarks.scale --sizes $(or $(SIZES),100 1000)

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
