# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet
RUN_LOCK := requirements/run.txt
TEST_LOCK := requirements/test.txt
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# `make lock` resolves with uv, kept in a venv of its own so the project's venv holds only pins.
UV_VERSION := 0.13.9
LOCK_VENV := .venv-lock

.PHONY: demo test test-notice lint typecheck unit bench lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "crowdaudit needs Python 3.11 or newer; run: make PYTHON=python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, every file checked against its hash; then crowdaudit itself,
# editable, built offline by the locked hatchling.
$(RUN_STAMP): $(RUN_LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes --no-deps -r $(RUN_LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

$(TEST_STAMP): $(TEST_LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes --no-deps -r $(TEST_LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

## demo: set up and audit the bundled real Ground Truth job into ./crowdaudit-demo/
demo: $(RUN_STAMP)
	$(BIN)/crowdaudit demo

## test: set up, lint, type-check and run the test suite (doctests included)
test: test-notice lint typecheck unit

test-notice:
	@echo "make test installs the locked packages into $(VENV)/ and, when run as root without /usr/bin/chromium, Debian's chromium package (apt-get); nothing else outside this folder."

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

## lock: re-resolve requirements/*.txt from pyproject.toml's ranges (commit the result)
lock:
	@test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install --quiet 'uv==$(UV_VERSION)'; }
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --group install \
		--universal --generate-hashes --upgrade --quiet \
		--custom-compile-command 'make lock' -o $(RUN_LOCK)
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --group install --group test \
		--universal --generate-hashes --upgrade --quiet \
		--custom-compile-command 'make lock' -o $(TEST_LOCK)

clean:
	rm -rf $(VENV) $(LOCK_VENV) crowdaudit-demo .pytest_cache .mypy_cache .ruff_cache
