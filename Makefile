# `make run` and `make test` each create the virtual environment when it is missing.
# PYTHON may be set to any interpreter >= 3.12; by default .ci/find-python picks one (on PATH, or
# one that pyenv manages), the same discovery as .ci/run.
VENV   ?= .venv
PYTHON ?= $(shell sh .ci/find-python)
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench mutation notebooks clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 found; set PYTHON=/path/to/python3.12" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,explorer,analysis,calibration]'
	@touch $(STAMP)

run: $(STAMP)
	rm -rf results/scenario_comparison
	$(BIN)/thaw batch scenario_comparison --out results/scenario_comparison
	$(BIN)/thaw plot results/scenario_comparison

test: $(STAMP)
	$(BIN)/ruff check model experiments tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check model experiments tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_batch.py

# Mutation testing (slow, not part of `make test`; docs/testing.md). MUTANTS picks the mutants
# to run by name: the mechanisms by default (about 30 minutes on 2 cores); the loader and core,
# MUTANTS='model.scenario.* model.schema.* model.parameters.* model.thaw.* model.state.* ...', take
# about 25; all the statistics, analysis and plotting code (7000 mutants) several hours, which is why
# docs/testing.md reports a one-in-five sample of it. `python benchmarks/mutation_score.py` prints
# the score lines per group (mechanisms, loader and core, statistics/analysis/plots).
MUTANTS ?= model.components.*
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python benchmarks/mutation_score.py

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis mutants
