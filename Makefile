# webex-iac — the two commands are `make up` and `make test`; the rest is for humans and CI.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

# The local Webex emulator: the default org for `make up`. State survives restarts.
EMULATOR_HOST  := 127.0.0.1
EMULATOR_PORT  ?= 8765
EMULATOR_DIR   := .emulator
EMULATOR_URL   := http://$(EMULATOR_HOST):$(EMULATOR_PORT)
# Dev-only, public on purpose like the dev passphrase: it opens nothing but the local emulator.
# It is the emulator's own (control surface) token; the dev stack runs with the least-privilege
# tokens the sample seed issues (webex:token, webex:mintingToken in stacks/Pulumi.dev.yaml).
export WEBEX_EMULATOR_TOKEN ?= dev-emulator-admin-token
SAMPLE_APP_CLIENT_ID := C0ffee00000000000000000000000000000000000000000000000000000000001

# Offline engine settings: set here, never by the user.
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK := true
# Pulumi's own Python language host is built from this source (tools/pulumi/bootstrap.sh).
export PULUMI_LANGUAGE_PYTHON_SRC ?= $(abspath $(wildcard $(CURDIR)/../shared/pulumi-language-python))

# The engine targets run the plain CLI from the bootstrapped bundle, on a file:// backend and
# PULUMI_HOME inside this checkout (both git-ignored) unless you set your own. Not exported to
# every recipe: `make test` must not hand this checkout's backend to the tests' scratch projects.
PULUMI_BIN = $(shell tools/pulumi/bootstrap.sh --bin-dir)
DEV_PASSPHRASE := webex-iac-dev-passphrase
PULUMI_ENV = PATH="$(PULUMI_BIN):$$PATH" \
  PULUMI_BACKEND_URL="$${PULUMI_BACKEND_URL:-file://$(CURDIR)/.pulumi-state}" \
  PULUMI_HOME="$${PULUMI_HOME:-$(CURDIR)/.pulumi-home}" \
  $(if $(filter dev,$(STACK)),PULUMI_CONFIG_PASSPHRASE="$${PULUMI_CONFIG_PASSPHRASE-$(DEV_PASSPHRASE)}")
PULUMI = $(PULUMI_ENV) pulumi

# A preview writes no state, yet Pulumi 3.274 checkpoints the whole state after every step of it
# (quadratic at thousands of resources) and diffs one resource at a time: docs/pulumi-checkpoints.md,
# webex_iac/engine.py PREVIEW_ENV. `up` keeps its per-step checkpoints (crash safety).
PREVIEW_ENV = PULUMI_SKIP_CHECKPOINTS=true PULUMI_PARALLEL_DIFF=true

# The pack applies its own policies/config.json; add --policy-pack-config FILE here to override it.
POLICY_ARGS = --policy-pack policies

.PHONY: help venv bootstrap up preview policy refresh destroy test bench emulator emulator-stop schema clean actionlint postgresql

help:
	@echo "make up        bootstrap, start the local Webex emulator, pulumi up --yes --policy-pack policies on STACK ($(STACK))"
	@echo "make test      every test, including end-to-end runs of the real Pulumi engine"
	@echo "make preview   pulumi preview --diff of STACK"
	@echo "make policy    pulumi preview --policy-pack policies of STACK"
	@echo "make refresh / destroy   pulumi refresh --yes / pulumi destroy (asks) of STACK"
	@echo "make bench     benchmarks against a generated 10,000-user org (BENCH_ARGS=--quick: under 20 min)"
	@echo "make emulator / emulator-stop   start or stop the local emulator ($(EMULATOR_URL))"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[emulator,dev]'
	@touch $@

# Builds the Pulumi CLI (Go module proxy) and its Python language host (PULUMI_LANGUAGE_PYTHON_SRC)
# the first time (minutes), then reuses the cache; a complete pulumi on PATH is used instead.
bootstrap: venv
	@tools/pulumi/bootstrap.sh >/dev/null

emulator: venv
	@mkdir -p $(EMULATOR_DIR)
	@# Ours only if /_emulator/health answers the instance nonce our process printed at start:
	@# a foreign process holding the port is never taken for the emulator.
	@ours() { want=$$(sed -n 's/^instance=//p' $(EMULATOR_DIR)/emulator.log 2>/dev/null); \
	  [ -n "$$want" ] && curl -fsS $(EMULATOR_URL)/_emulator/health 2>/dev/null | grep -q "\"instance\":\"$$want\""; }; \
	if [ -f $(EMULATOR_DIR)/pid ] && kill -0 "$$(cat $(EMULATOR_DIR)/pid)" 2>/dev/null && ours; then \
	  echo "emulator already running at $(EMULATOR_URL)"; \
	else \
	  umask 077; nohup $(PY) -m webex_emulator --host $(EMULATOR_HOST) --port $(EMULATOR_PORT) \
	    --state $(EMULATOR_DIR)/state.db --seed sample >$(EMULATOR_DIR)/emulator.log 2>&1 & \
	  echo $$! >$(EMULATOR_DIR)/pid; \
	  for i in $$(seq 1 150); do \
	    ours && break; \
	    kill -0 "$$(cat $(EMULATOR_DIR)/pid)" 2>/dev/null || { cat $(EMULATOR_DIR)/emulator.log >&2; rm -f $(EMULATOR_DIR)/pid; \
	      echo "the emulator did not start (log above: $(EMULATOR_DIR)/emulator.log)" >&2; exit 1; }; \
	    sleep 0.2; \
	  done; \
	  ours || { echo "something answers at $(EMULATOR_URL), but not the emulator we started (pid $$(cat $(EMULATOR_DIR)/pid)); is another process on port $(EMULATOR_PORT)?" >&2; exit 1; }; \
	  echo "emulator running at $(EMULATOR_URL) (state $(EMULATOR_DIR)/state.db, log $(EMULATOR_DIR)/emulator.log)"; \
	fi
	@# The Control Hub step no API offers: a Full Admin authorizes the sample Service App.
	@curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $$WEBEX_EMULATOR_TOKEN" \
	  -d '{"orgId": "acme"}' $(EMULATOR_URL)/_emulator/service-apps/$(SAMPLE_APP_CLIENT_ID)/authorize

emulator-stop:
	@if [ -f $(EMULATOR_DIR)/pid ]; then kill "$$(cat $(EMULATOR_DIR)/pid)" 2>/dev/null || true; rm -f $(EMULATOR_DIR)/pid; fi

# The emulator is the dev stack's org; other stacks point at theirs (webex:baseUrl).
ORG := $(if $(filter dev,$(STACK)),emulator)
# The dev stack's webex:baseUrl follows EMULATOR_PORT (config, when set, wins over this).
ORG_ENV := $(if $(filter dev,$(STACK)),WEBEX_BASE_URL=$(EMULATOR_URL)/v1)
# Refuses an unknown stack name (a typo) before anything is created and suggests close matches;
# creates a stack the project carries config for (the dev stack on a fresh clone).
STACK_READY = $(PULUMI_ENV) $(PY) -m webex_iac ensure-stack --stack $(STACK)

up: bootstrap $(ORG)
	@$(STACK_READY)
	$(ORG_ENV) $(PULUMI) up --yes --stack $(STACK) $(POLICY_ARGS)

preview: bootstrap $(ORG)
	@$(STACK_READY)
	$(ORG_ENV) $(PREVIEW_ENV) $(PULUMI) preview --diff --stack $(STACK)

policy: bootstrap $(ORG)
	@$(STACK_READY)
	$(ORG_ENV) $(PREVIEW_ENV) $(PULUMI) preview --stack $(STACK) $(POLICY_ARGS)

refresh: bootstrap $(ORG)
	@$(STACK_READY)
	$(ORG_ENV) $(PULUMI) refresh --yes --stack $(STACK)

destroy: bootstrap $(ORG)
	@$(STACK_READY)
	$(ORG_ENV) $(PULUMI) destroy --stack $(STACK)

# actionlint lints .github/workflows (tests/policies/test_workflow_lint.py). Built once from the
# Go module proxy like the engine; without Go the lint test is skipped and says why.
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(or $(WEBEX_IAC_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/webex-iac)/actionlint-$(ACTIONLINT_VERSION)/actionlint

actionlint: $(ACTIONLINT)

$(ACTIONLINT):
	@GOBIN=$(@D) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) \
	  || echo "actionlint not installed (needs Go and the Go module proxy); its test will be skipped"

# tests/team and the fleet bench start a throwaway PostgreSQL server (Pulumi's DIY postgres
# backend). Installed here as the README says when missing; without apt-get those tests skip and say how.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing PostgreSQL (apt-get install -y postgresql)"; \
	    $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y -q postgresql >/dev/null 2>&1 || \
	      { $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get update -q >/dev/null && \
	        $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y -q postgresql >/dev/null; }; \
	  else echo "PostgreSQL is not installed and there is no apt-get: tests/team will be skipped"; fi

test: bootstrap actionlint postgresql
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -v -rs tests

bench: bootstrap postgresql
	$(PY) -m bench $(BENCH_ARGS)

schema: venv
	$(PY) -c "from webex_iac.stack_file import write_json_schema; write_json_schema()"

clean: emulator-stop
	rm -rf $(EMULATOR_DIR) .pulumi-state .pulumi-home
