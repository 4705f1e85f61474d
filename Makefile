# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo's own store, never DB from the environment (a shell may name a real one there).
DEMO_DB := caselog.db

.PHONY: demo test lint typecheck bench docs clean install dev

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).key
	$(BIN)/caselog --db $(DEMO_DB) ingest samples/
	$(BIN)/caselog --db $(DEMO_DB) clients
	$(BIN)/caselog --db $(DEMO_DB) sessions alicia
	$(BIN)/caselog --db $(DEMO_DB) replay alex --session 5
	$(BIN)/caselog --db $(DEMO_DB) recap marcus
	$(BIN)/caselog --db $(DEMO_DB) verify

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

# mypy cannot follow setuptools' package-dir mapping, so it checks a tree of links.
TYPECHECK_TREE := build/typecheck/caselog
typecheck: $(VENV)/.installed-dev
	@mkdir -p $(TYPECHECK_TREE)
	@for d in domain projections application adapters web cli; do ln -sfn ../../../$$d $(TYPECHECK_TREE)/$$d; done
	@for f in __init__.py __main__.py; do ln -sfn ../../../caselog/$$f $(TYPECHECK_TREE)/$$f; done
	MYPYPATH=build/typecheck $(BIN)/mypy -p caselog

lint: typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# docs/cli.md, json-schema.md and python-api-reference.md are generated from the code;
# a test fails when they drift, naming this target.
docs: $(VENV)/.installed-dev
	$(BIN)/python -m caselog.cli.reference > docs/cli.md.tmp && mv docs/cli.md.tmp docs/cli.md
	$(BIN)/python -m caselog.cli.json_reference > docs/json-schema.md.tmp && mv docs/json-schema.md.tmp docs/json-schema.md
	$(BIN)/python -m caselog.cli.api_reference > docs/python-api-reference.md.tmp && mv docs/python-api-reference.md.tmp docs/python-api-reference.md

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) *.egg-info build .pytest_cache .mypy_cache .ruff_cache
