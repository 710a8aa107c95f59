# production-master: `make run` runs the demo investigation, `make test` the whole suite, `make eval` the evaluations.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PM := $(VENV)/bin/production-master
export LANGSMITH_TRACING ?= false
export LANGGRAPH_CLI_NO_ANALYTICS ?= 1
export LANGGRAPH_NO_VERSION_CHECK ?= true
NEZHA_DIR ?= $(abspath ../shared/datasets/nezha)

.PHONY: run test eval lint format schemas clean

$(VENV)/.installed: pyproject.toml
	@python=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(PY) ] || "$$python" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test,redis,serving]"
	@touch $@

run: $(VENV)/.installed
	$(PM) investigate --world demo --alert "checkout p95 latency above 2s" --out out/demo

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

eval: $(VENV)/.installed
	$(PM) eval nezha --data-dir $(NEZHA_DIR) --system trainticket --out out/eval/nezha-tt
	$(PM) eval nezha --data-dir $(NEZHA_DIR) --system onlineboutique --out out/eval/nezha-ob
	$(PM) eval scenarios --out out/eval/scenarios

schemas: $(VENV)/.installed
	$(PM) schemas --out contracts

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) out .production-master
