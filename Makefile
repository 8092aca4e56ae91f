# Two commands on a fresh machine:  make run   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= 8
PYTEST_ARGS ?=
# test files run in parallel (pytest-xdist), the longest first (tests/conftest.py; xdist's
# own reorder by number of tests is off)
PYTEST_WORKERS ?= 3
STAMP  := $(VENV)/.installed

.PHONY: run test test-slurm lint dryrun report clean venv

venv: $(STAMP)

# (Re)create the virtualenv whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run the whole workflow on the embedded demo world (or on the inputs named in config.yaml);
## after a killed run, the stale lock is removed (only when no snakemake runs here) and the
## workflow profile (profiles/default) reruns the interrupted jobs
run: $(STAMP)
	$(BIN)/python -m stclusters.runlock
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --cores $(CORES)

## the whole bar: ruff, snakemake --lint, a dry run of the default DAG, then the test suite
## (skip the minutes-long DAG test locally with: make test PYTEST_ARGS='-m "not slow"')
test: $(STAMP)
	$(BIN)/ruff check .
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --lint
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake -n --quiet rules --cores $(CORES)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

## the tiny scenario through a real single-node SLURM started here (root, Debian; docs/cluster.md);
## the `slurm` extra's executor plugin is pip-installed into .venv when missing, beside the
## local reference run (.ci/test-slurm.sh)
test-slurm:
	@bash .ci/slurm-local.sh check
	@$(MAKE) --no-print-directory $(STAMP)
	PYTHON="$(abspath $(BIN))/python" INSTALL_SLURM_PLUGIN=1 bash .ci/test-slurm.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --lint

dryrun: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake -n --cores $(CORES)

## snakemake's own HTML report with every figure and its caption
report: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --report reports/workflow_report.html

clean:
	rm -rf results/* reports/*.html .snakemake logs
	touch results/.gitkeep
