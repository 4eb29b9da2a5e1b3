# Strongroom: every target sets up what it needs first, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PORT ?= 4566
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
export PYTHONPATH := $(CURDIR)

.PHONY: setup console browser demo serve test static lint typecheck unit synth checks benchmark benchmark-api clean

setup: $(VENV)/.installed node_modules/.installed console browser

# The web console (docs/console.md): esbuild bundles console/src into console/dist, which `serve` hosts at /console/.
console: console/dist/index.html
console/dist/index.html: node_modules/.installed console/build.mjs $(wildcard console/src/*.* console/src/*/*.*)
	node console/build.mjs

# Debian's Chromium for the browser tests (tests/browser); nothing is installed when it is already there.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# --no-compile: pip would byte-compile every installed file (aws-cdk-lib, awscli, moto: 93 of the 162 s of CPU of
# this install, docs/testing.md); Python compiles the few modules a run imports, once, on first import. Once: a
# shell's PYTHONDONTWRITEBYTECODE=1 would make every process (each `aws` call of the CLI tests, each pytest worker)
# compile what it imports anew, about 4 s of CPU each, so the targets write bytecode whatever the shell says.
PIP_INSTALL := pip install --quiet --disable-pip-version-check --no-compile
unexport PYTHONDONTWRITEBYTECODE

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m $(PIP_INSTALL) -r requirements-dev.txt
	touch $@

# cfn-lint and checkov live in their own venv: checkov pins an older boto3/botocore than the project's.
CHECKS_VENV := .venv-checks
$(CHECKS_VENV)/.installed: requirements-checks.txt
	$(PYTHON) -m venv $(CHECKS_VENV)
	$(CHECKS_VENV)/bin/python -m $(PIP_INSTALL) -r requirements-checks.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	$(PY) -m local demo

serve: $(VENV)/.installed console
	$(PY) -m local serve --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy

synth: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth --quiet > /dev/null

# cfn-lint and checkov over the templates, default and with every optional context (docs/stack-checks.md):
# any error, any warning not in .cfnlintrc, any failed check not in .checkov.yaml fails the target. The default
# template is the one `synth` (the CDK CLI) wrote, not synthesized a second time.
CHECKED_TEMPLATES = cdk.out/Strongroom.template.json cdk.out/checks/*/*.template.json
checks: setup $(CHECKS_VENV)/.installed | synth
	rm -rf cdk.out/checks
	$(PY) -m scripts.synth_variants cdk.out/checks
	$(CHECKS_VENV)/bin/cfn-lint -- $(CHECKED_TEMPLATES)
	$(CHECKS_VENV)/bin/checkov --config-file .checkov.yaml $$(printf -- "-f %s " $(CHECKED_TEMPLATES))

# Two workers (one per core), a test file to a worker so module fixtures (one local runtime, one synth) are shared.
PYTEST_WORKERS ?= 2

# Two at a time (one per core): the installs side by side on a fresh clone, then lint and mypy beside synth and
# the template checks, which take about as long (docs/testing.md); pytest, which wants both cores, after them.
static:
	$(MAKE) --no-print-directory --output-sync=target -j2 lint typecheck checks

test: static console browser
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Prints its figures; sizes as in `python -m benchmarks.scale --sizes 100 1000 10000`.
benchmark: $(VENV)/.installed
	$(PY) -m benchmarks.scale --sizes $(or $(SIZES),100 1000)

# The Backup API under load on `serve`: 1 and 16 clients, p50/p95/throughput with the machine's load (docs/performance.md).
benchmark-api: $(VENV)/.installed
	$(PY) -m benchmarks.api_load

clean:
	rm -rf $(VENV) $(CHECKS_VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
