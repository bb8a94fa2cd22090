# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "crowdaudit needs Python 3.11 or newer; run: make PYTHON=python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## demo: set up and audit the bundled real Ground Truth job into ./crowdaudit-demo/
demo: $(RUN_STAMP)
	$(BIN)/crowdaudit demo

## test: set up, lint, type-check and run the test suite
test: lint typecheck unit

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

unit: $(TEST_STAMP)
	@sh scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

## bench: speed and validation tables (not part of the tests)
bench: $(TEST_STAMP)
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/skill.py
	$(BIN)/python bench/audit_local.py
	$(BIN)/python bench/platforms.py

clean:
	rm -rf $(VENV) crowdaudit-demo .pytest_cache .mypy_cache .ruff_cache
