# production-master: `make run` runs the demo investigation, `make test` the whole suite, `make eval` the evaluations.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PM := $(VENV)/bin/production-master
export LANGSMITH_TRACING ?= false
export LANGGRAPH_CLI_NO_ANALYTICS ?= 1
export LANGGRAPH_NO_VERSION_CHECK ?= true
NEZHA_DIR ?= $(abspath ../shared/datasets/nezha)
PETSHOP_DIR ?= $(abspath ../shared/datasets/petshop/dataset)

.PHONY: run test eval gates lint format schemas clean debian-packages-test

# What pip cannot bring, installed by scripts/ensure-debian-packages.sh (apt-get as root, else one line and exit 2).
# The tests run throwaway PostgreSQL clusters (initdb, the postgres user) and Prometheus (prometheus, promtool).
# The manifests gate and its tests render kustomize with kubectl (any kubectl on PATH, else Debian's 1.20 client)
# and the Helm chart with helm-python-sdk in .venv-gates (scripts/gates-requirements.txt): no helm binary.
# Every venv is made by scripts/make-venv.sh, which brings Debian's python3.X-venv the same way when it is missing.
TEST_DEBIAN_PACKAGES := postgresql prometheus kubernetes-client
# Two pytest-xdist workers, each with its own servers on free ports in its own temporary directories: on a 2-core
# machine the suite took 13.5 min in CI's clean run against 20 min in one process.
TEST_WORKERS ?= 2

$(VENV)/.installed: pyproject.toml
	@scripts/make-venv.sh $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed tests/vendors/atlassian-requirements.txt
	$(PY) -m pip install -q -e ".[test,redis,serving,vendors]"
	@python=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(VENV)/atlassian/bin/python ] || "$$python" -m venv $(VENV)/atlassian
	$(VENV)/atlassian/bin/python -m pip install -q -r tests/vendors/atlassian-requirements.txt
	@touch $@

run: $(VENV)/.installed
	$(PM) investigate --world demo --alert "checkout p95 latency above 2s" --out out/demo

debian-packages-test:
	@scripts/ensure-debian-packages.sh $(TEST_DEBIAN_PACKAGES)

test: debian-packages-test $(VENV)/.installed-test .venv-gates/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	PM_UNDER_MAKE=1 PM_VENDORS_REQUIRED=1 $(VENV)/bin/pytest -q -n $(TEST_WORKERS)

eval: $(VENV)/.installed
	$(PM) eval nezha --data-dir $(NEZHA_DIR) --system trainticket --out out/eval/nezha-tt
	$(PM) eval nezha --data-dir $(NEZHA_DIR) --system onlineboutique --out out/eval/nezha-ob
	$(PM) eval petshop --data-dir $(PETSHOP_DIR) --set low_traffic --out out/eval/petshop-low
	$(PM) eval petshop --data-dir $(PETSHOP_DIR) --set high_traffic --out out/eval/petshop-high
	$(PM) eval scenarios --out out/eval/scenarios

# the gates' tools live in their own venv: checkov pins dependencies of its own that must not move ours
.venv-gates/.installed: scripts/gates-requirements.txt
	@scripts/make-venv.sh .venv-gates
	.venv-gates/bin/pip install -q -r scripts/gates-requirements.txt
	@touch $@

# release gates, one line each: PASS / FAIL / SKIP (cannot run here), the reason; CI runs them after `make test`
gates: debian-packages-test $(VENV)/.installed-test .venv-gates/.installed
	PM_UNDER_MAKE=1 $(PY) scripts/gates.py

schemas: $(VENV)/.installed
	$(PM) schemas --out contracts

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .venv-gates out .production-master
