# TierCredit developer entry points. `make test` is what CI runs (.ci/run).
#
# Two Python environments: .venv holds the backend and its dev tools; .venv-contracts holds
# Brownie and Slither only (eth-brownie pins python-dotenv==0.16.0, which pydantic-settings
# cannot use). Each setup step leaves a stamp and reruns only when its inputs change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test
# `test` runs its steps in the order listed, even under -j.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
CONTRACTS_VENV := .venv-contracts
REPORTS := reports

# py-solc-x (and so Brownie) finds the pinned compiler here; tools/install_solc.py puts it there.
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
# Anvil and Ganache come from npm; Brownie starts `anvil` by name from PATH.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# The compiler settings live in brownie-config.yaml's compiler section, and nowhere else.
COMPILER_SETTINGS := brownie-config.yaml
SOLC_VERSION := $(shell $(PYTHON) backend/chain/compiler_settings.py solc_version)
SOLC := $(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION)
# Brownie with its Anvil on a free port, never attached to a node it did not start.
BROWNIE := $(CONTRACTS_VENV)/bin/python tools/run_brownie.py

VENV_STAMP := $(VENV)/.installed
CONTRACTS_STAMP := $(CONTRACTS_VENV)/.installed
NODE_STAMP := node_modules/.installed
# Every Python package of each environment at an exact version, written from pyproject.toml by
# `make lock` (tests/backend/test_packaging.py fails when pyproject.toml moved on without it).
DEV_LOCK := requirements/dev.lock
CONTRACTS_LOCK := requirements/contracts.lock
UV_COMPILE := $(VENV)/bin/uv pip compile --universal --python-version 3.11 --no-header --quiet
CONTRACTS_EXTRA := $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["contracts"], sep="\n")'

.PHONY: setup lock compile test lint test-contracts test-forge slither test-backend \
	system-packages up bench clean distclean

setup: $(VENV_STAMP) $(CONTRACTS_STAMP) $(NODE_STAMP) $(SOLC)

# uv installs each environment as its lock says, exactly (`uv pip sync` also removes what the
# lock does not hold), then the project itself. pip only brings uv in, --isolated: this
# machine's own pip configuration (local wheel folders, constraints) is not the project's.
UV_VERSION = $(shell sed -n 's/^uv==//p' $(DEV_LOCK))
PIP_ISOLATED := --isolated --disable-pip-version-check --quiet

$(VENV_STAMP): pyproject.toml $(DEV_LOCK)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_ISOLATED) uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync --quiet --python $(VENV)/bin/python $(DEV_LOCK)
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python --no-deps -e .
	$(VENV)/bin/uv pip check --quiet --python $(VENV)/bin/python
	touch $@

# Only the `contracts` extra's locked requirements, by the dev environment's uv (order-only: a
# change of the dev environment leaves this one be); the project itself is not installed here.
$(CONTRACTS_STAMP): $(CONTRACTS_LOCK) | $(VENV_STAMP)
	$(PYTHON) -m venv $(CONTRACTS_VENV)
	$(VENV)/bin/uv pip sync --quiet --python $(CONTRACTS_VENV)/bin/python $(CONTRACTS_LOCK)
	touch $@

# After a change of pyproject.toml's dependencies: the locks again, newest versions that fit.
lock:
	[ -x $(VENV)/bin/uv ] || $(MAKE) $(VENV_STAMP)
	$(UV_COMPILE) pyproject.toml --extra dev -o $(DEV_LOCK)
	$(CONTRACTS_EXTRA) | $(UV_COMPILE) - -o $(CONTRACTS_LOCK)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# -h: the target may be a symlink to a native solc, which must not be touched.
$(SOLC): tools/install_solc.py $(COMPILER_SETTINGS) package.json $(NODE_STAMP)
	$(PYTHON) tools/install_solc.py
	touch -h $@

compile: setup
	$(BROWNIE) compile

test: setup lint test-contracts test-forge slither test-backend

# Seconds, and it fails first: the Python is ruff clean and formatted (pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-contracts: setup
	$(BROWNIE) test --network anvil

# forge (npm) on tests/foundry with brownie-config.yaml's compiler settings (tools/forge.py); two
# invariant campaigns (value, control) of 102,400 calls each, every rule checked after every call;
# TIERCREDIT_FUZZ_SCALE=10 ten times as many.
test-forge: setup
	$(VENV)/bin/python tools/forge.py test

# Slither reads the same standard-JSON input Brownie compiles (tools/solc_input.py explains why
# not Brownie's build folder) and fails on any High or Medium finding (slither.config.json).
slither: setup
	mkdir -p build $(REPORTS)
	rm -f $(REPORTS)/slither.json
	$(CONTRACTS_VENV)/bin/python tools/solc_input.py > build/solc-input.json
	$(CONTRACTS_VENV)/bin/slither build/solc-input.json --config-file slither.config.json \
		--solc $(SOLC) 2>&1 | tee $(REPORTS)/slither.txt

# Debian packages the tests and the benchmark drive as real programs: chromium for the portal's
# browser tests (tests/e2e/test_portal.py; never a browser Playwright downloads), with a CJK font
# for the Chinese pages' screenshots, and wrk, the benchmark's load generator for the reads (its
# smoke test runs in the suite), and nginx and iproute2 for the cluster test's load balancer and
# its hosts in network namespaces (tests/cluster). As root (CI) the missing ones are installed
# here; otherwise the browser tests and the cluster test skip saying what to install, and the
# reads benchmark says wrk is missing.
DEBIAN_PACKAGES := chromium:/usr/bin/chromium fonts-wqy-microhei:/usr/share/fonts/truetype/wqy/wqy-microhei.ttc wrk:/usr/bin/wrk \
	nginx:/usr/sbin/nginx iproute2:/usr/sbin/ip
system-packages:
	@missing=""; for entry in $(DEBIAN_PACKAGES); do \
		[ -e "$${entry#*:}" ] || missing="$$missing $${entry%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && apt-get install -y $$missing; \
		else \
			echo "not root, so not installed:$$missing (apt-get install$$missing)"; \
		fi; \
	fi

# pytest exits 5 when it collects no tests; like any non-zero status, that fails the run. Two
# workers (pytest-xdist), each taking whole files (a file's tests share its fixtures and run in
# order): most of the suite waits on the nodes, servers and browsers it starts, not on a core.
test-backend: setup system-packages
	$(VENV)/bin/pytest -n 2 --dist loadfile

up: setup
	$(VENV)/bin/tiercredit up --demo

# Platform figures (benchmarks/run.py, its own Anvil), then the gas table (Brownie's own Anvil,
# on a free port); both write their section of BENCHMARKS.md.
bench: setup system-packages
	$(VENV)/bin/python -m benchmarks.run
	$(BROWNIE) run scripts/gas_benchmark.py --network anvil

clean:
	rm -rf build $(REPORTS) crytic-export .hypothesis .pytest_cache .ruff_cache

# Also the environments, so the next `make setup` starts from nothing.
distclean: clean
	rm -rf $(VENV) $(CONTRACTS_VENV) .solcx node_modules
