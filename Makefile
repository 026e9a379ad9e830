# One entry point for people and CI. `make test` is what .ci/run runs.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The slowest tests are listed at the end: the whole run should stay under 30 minutes.
PYTEST_ARGS ?= -q -p no:cacheprovider --durations=15
CODE := src tests bench

.PHONY: install serve lint test test-sqlite test-postgresql bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/tidings serve

lint: $(STAMP)
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The whole suite on SQLite, and the tests that touch a database again on PostgreSQL
# (127.0.0.1:5432, database `test`; tests/conftest.py picks them), the two side by side:
# each spends most of its time waiting on servers and peers it started, so together they
# take little longer than the slower one. Each prints when it ends.
test: lint
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite: $(STAMP)
	TIDINGS_TEST_DATABASE=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgresql: $(STAMP)
	TIDINGS_TEST_DATABASE=postgresql $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/token_and_list.py

clean:
	rm -rf $(VENV) build *.egg-info
