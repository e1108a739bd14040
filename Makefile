# Every target creates the virtualenv it needs: a fresh clone with only python3 works.
#   make demo    set up .venv and run .visor.yaml.example
#   make test    set up .venv and run the whole test suite (coverage gate 90 %)
#   make fuzz    the hostile-input fuzzers, 500 examples each (make test runs 25), with counts per outcome,
#                and the stateful test of every memory context, 500 examples per backend (make test runs 20)
#   make lint    ruff check, ruff format --check, mypy (strict)
#   make bench   start-up, chain, wide (one wave), JavaScript, routing, forEach, store and concurrency benchmarks (figures vs targets)
#   make bench-crash  200 SIGKILLs per store backend through visor run (several minutes)
#   make schema  regenerate schemas/visor.schema.json (pydantic models) and docs/compatibility.md (key table)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint fuzz bench bench-crash schema clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# Mermaid's own grammar (a self-contained JS bundle the tests run in QuickJS) checks the
	# diagrams; --no-deps: its pythonmonkey dependency, a JS engine of its own, is not needed.
	$(BIN)/pip install --quiet --no-deps mermaid-syntax-parser==0.2.2
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/visor run .visor.yaml.example

test: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term:skip-covered --cov-fail-under=90

# FUZZ_EXAMPLES=5000 make fuzz for a longer run.
FUZZ_EXAMPLES ?= 500
fuzz: $(STAMP)
	VISOR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s -p no:cacheprovider tests/hostile -k fuzz
	VISOR_MODEL_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_contexts_model.py

lint: $(STAMP)
	$(BIN)/ruff check visor_mem tests bench
	$(BIN)/ruff format --check visor_mem tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/chain.py 10000 20000
	$(BIN)/python bench/chain.py 10000 --storage file
	$(BIN)/python bench/wide.py 10000 20000
	$(BIN)/python bench/js.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/foreach.py 10000 20000
	$(BIN)/python bench/store.py
	$(BIN)/python bench/concurrency.py
	$(BIN)/python bench/suite.py
	$(BIN)/python bench/durations.py

# The long durability run: 200 SIGKILLs per backend (several minutes).
bench-crash: $(STAMP)
	$(BIN)/python bench/crash.py --kills 200

schema: $(STAMP)
	$(BIN)/visor schema > schemas/visor.schema.json
	$(BIN)/python -m visor_mem.config.keydocs > docs/compatibility.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
