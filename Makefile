# `make run` and `make test` each create the virtual environment when it is missing.
# PYTHON may be set to any interpreter >= 3.12; by default the newest python3.1x found is used.
VENV   ?= .venv
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
            command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
            && { command -v $$p; break; }; done)
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench notebooks clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 found; set PYTHON=/path/to/python3.12" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,calibration]'
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

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
