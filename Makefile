# Two commands for a fresh clone: `make lab` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.installed-lab
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: lab test lint bench clean help

help:
	@echo "make lab    set up .venv and open JupyterLab on notebooks/"
	@echo "make test   set up .venv with the dev extra, lint, and run every test"
	@echo "make lint   ruff (lint + format check) and mypy"
	@echo "make bench  benchmarks against the reference libraries"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fgsm-edu needs Python 3.11 or newer; install it and run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[lab,ja]"
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	@touch $@ $(LAB_STAMP)

ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

lint: $(DEV_STAMP)
	$(BIN)/ruff check fgsm_edu tests notebooks benchmarks
	$(BIN)/ruff format --check fgsm_edu tests notebooks benchmarks
	$(BIN)/mypy

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
