# climpy: the two commands of the README are `make run` and `make test`; the rest are documented below them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k routing -x"` or coverage in CI.
PYTEST_ARGS ?=
# Where `make run` keeps its project (store, SQLite provenance, outputs, executed notebooks).
RUN_DIR ?= build/run

.PHONY: setup setup-test run test lab hub bench lint clean

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

## The main job: set up, generate the sample paleogeography and run the boundary-condition pipeline on it.
run: setup
	@bash scripts/run.sh $(RUN_DIR)

## The whole test suite: unit, property, notebooks, browser, hub.
test: setup-test
	@bash scripts/test.sh $(PYTEST_ARGS)

## JupyterLab at the start notebook (http://127.0.0.1:8888/lab/tree/notebooks/00_start_here.ipynb).
lab: setup
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$${PORT:-8888} \
		--ServerApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $${LAB_ARGS:-}

## A local class hub (see jupyterhub_config.py for the authentication modes).
hub: setup-test
	@bash scripts/hub.sh

## The benchmark tables (quick sizes; `make bench BENCH_ARGS=` for the full sizes).
BENCH_ARGS ?= --quick
bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b $(BENCH_ARGS) || exit 1; done

lint: setup
	$(VENV)/bin/ruff check climpy tests benchmarks

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis
