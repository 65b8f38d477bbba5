# Two commands: `make report` builds the demo quarter, `make test` runs the whole suite (and prints its 15 slowest
# steps, so what the suite costs stays in sight).
# `make quick` runs the unit, doctest and page tests without building a quarter (no notebook is executed).
# Both run on two processes (pytest-xdist); tests/groups.py keeps the tests of one build in one process.
# `make test WORKERS=0` runs in one process, in the order of the files.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
QUARTER ?=
WORKERS ?= 2
PARALLEL := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadgroup)
STAMP := $(VENV)/.installed

.PHONY: report test quick lint format clean benchmark

report: $(STAMP)
	$(BIN)/csp-report build $(if $(QUARTER),--quarter $(QUARTER))

test: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) --durations=15

quick: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

benchmark: $(STAMP)
	$(BIN)/python benchmarks/build_speed.py

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

clean:
	rm -rf _site reports .versions .cache $(filter-out data/processed/README.md,$(wildcard data/processed/*))
