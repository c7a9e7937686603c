# pipelinekit: every command a learner or an instructor needs.
# `make demo` and `make test` work on a fresh machine with Python 3.11+.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
SCALE  ?= small

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo test test-fast lab lint format typecheck security bench cards contents lessons exercises grade clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,postgres,streaming]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (pipelinekit)" >/dev/null
	touch $@

install: $(VENV)/.installed  ## create .venv and install pipelinekit

install-dev: $(VENV)/.installed-dev  ## install pipelinekit with test, lint and notebook tools

demo: install  ## the main job: run the e-commerce pipeline into warehouse.duckdb (runs/ has the artifacts)
	$(BIN)/pipelinekit run ecommerce --scale $(SCALE)

test: install-dev  ## run every test: library, notebooks (papermill + nbval), exercises
	$(PY) -m pytest

test-fast: install-dev  ## the tests without notebooks and services
	$(PY) -m pytest -m "not notebooks and not services"

lab: install-dev  ## Jupyter Lab on the lessons
	$(BIN)/jupyter lab notebooks/

lint: install-dev  ## ruff (lint and format check)
	$(BIN)/ruff check pipelinekit tests benchmarks
	$(BIN)/ruff format --check pipelinekit tests benchmarks

format: install-dev  ## ruff format and autofix
	$(BIN)/ruff format pipelinekit tests benchmarks
	$(BIN)/ruff check --fix pipelinekit tests benchmarks

typecheck: install-dev  ## mypy on the library
	$(BIN)/mypy

security: install-dev  ## bandit on the library (medium severity and above fail)
	$(BIN)/bandit -q -ll -c pyproject.toml -r pipelinekit

bench: install-dev  ## speed and memory benchmarks (prints ratios)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

cards: install  ## render datasets/*.md from the dataset cards
	$(BIN)/pipelinekit datasets cards --out datasets

contents: install  ## render notebooks/README.md from notebooks/curriculum.yml
	$(BIN)/pipelinekit curriculum contents

lessons: install-dev  ## re-run every lesson and store its outputs (after changing a generator)
	$(BIN)/pipelinekit curriculum run

exercises: install-dev  ## build exercises/ and solutions/ from solutions/source/
	$(BIN)/pipelinekit exercises build

grade: install-dev  ## grade a class: make grade SUBMISSIONS=path/to/submissions
	$(BIN)/pipelinekit grade $(SUBMISSIONS) --out grades

clean:  ## remove generated data and caches (keeps .venv)
	rm -rf data/ runs/ grades/ .pipelinekit/ warehouse.duckdb .pytest_cache .ruff_cache .mypy_cache
