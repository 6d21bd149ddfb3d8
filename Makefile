# Two commands for people: `make demo` and `make test`. Each sets itself up (venv, pip, npm).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SEED ?= ../shared/seed
NODE_CACHE := .cache/node
NODE_STAMP := $(NODE_CACHE)/.installed-stamp
RIC_VERSION := 4.0.2
RIC_STAMP := $(NODE_CACHE)/aws-lambda-ric/.installed-stamp

.PHONY: demo test lint typecheck pytest bench setup clean ric

setup: $(STAMP) $(NODE_STAMP) $(RIC_STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The seed's Express app needs its npm packages; ../shared is read-only, so install into a copy.
$(NODE_STAMP): $(SEED)/express-app/package.json
	@mkdir -p $(NODE_CACHE)/express-app
	@cp $(SEED)/express-app/package.json $(SEED)/express-app/index.js $(NODE_CACHE)/express-app/
	@cd $(NODE_CACHE)/express-app && npm install --silent --no-audit --no-fund >/dev/null
	@touch $(NODE_STAMP)

# aws-lambda-ric (npm), for the Runtime API tests. When npm runs its install scripts they build curl
# and aws-lambda-cpp from source: autoconf, automake, libtool, cmake and a C++ compiler are needed.
ric: $(RIC_STAMP)

$(RIC_STAMP):
	@mkdir -p $(NODE_CACHE)/aws-lambda-ric
	@echo '{"name": "vpcgate-ric", "private": true}' > $(NODE_CACHE)/aws-lambda-ric/package.json
	@cd $(NODE_CACHE)/aws-lambda-ric && npm install --silent --no-audit --no-fund aws-lambda-ric@$(RIC_VERSION) >/dev/null
	@touch $(RIC_STAMP)

demo: setup
	@$(VENV)/bin/vpcgate demo --seed $(SEED)

lint: $(STAMP)
	@$(VENV)/bin/ruff check src tests bench
	@$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	@$(VENV)/bin/mypy

pytest: setup
	@VPCGATE_SEED=$(abspath $(SEED)) VPCGATE_NODE_CACHE=$(abspath $(NODE_CACHE)) $(PY) -m pytest -q

test: lint typecheck pytest

bench: setup
	@VPCGATE_SEED=$(abspath $(SEED)) VPCGATE_NODE_CACHE=$(abspath $(NODE_CACHE)) $(PY) -m bench

clean:
	rm -rf $(VENV) .cache .mypy_cache .pytest_cache .ruff_cache
