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
# stacks/Pulumi.dev.yaml holds the same value as an encrypted secret (webex:token).
export WEBEX_EMULATOR_TOKEN ?= dev-emulator-admin-token
SAMPLE_APP_CLIENT_ID := C0ffee00000000000000000000000000000000000000000000000000000000001

# Offline engine settings: set here, never by the user.
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK := true
# The backend (file://<project>/.pulumi-state) and PULUMI_HOME (<project>/.pulumi-home) default
# per project in webex_iac/engine.py; set PULUMI_BACKEND_URL yourself to use another backend.


POLICY_PACK := policies
# Until the pack exists, up and policy run without it.
POLICY_ARGS = $(if $(wildcard $(POLICY_PACK)/run-policy-pack),--policy-pack $(POLICY_PACK))

.PHONY: help venv bootstrap up preview policy refresh destroy test bench emulator emulator-stop schema clean actionlint

help:
	@echo "make up        bootstrap, start the local Webex emulator, pulumi up the '$(STACK)' stack"
	@echo "make test      every test, including end-to-end runs of the real Pulumi engine"
	@echo "make preview   pulumi preview of STACK (default dev)"
	@echo "make policy    pulumi preview with the policy pack"
	@echo "make bench     benchmarks against a generated 10,000-user org"
	@echo "make emulator / emulator-stop   start or stop the local emulator ($(EMULATOR_URL))"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[emulator,dev]'
	@touch $@

# Builds Pulumi from the Go module proxy the first time (minutes), then reuses the cache.
bootstrap: venv
	@tools/pulumi/bootstrap.sh >/dev/null

emulator: venv
	@mkdir -p $(EMULATOR_DIR)
	@if [ -f $(EMULATOR_DIR)/pid ] && kill -0 "$$(cat $(EMULATOR_DIR)/pid)" 2>/dev/null; then \
	  echo "emulator already running at $(EMULATOR_URL)"; \
	else \
	  nohup $(PY) -m emulator --host $(EMULATOR_HOST) --port $(EMULATOR_PORT) \
	    --state $(EMULATOR_DIR)/state.db --seed sample >$(EMULATOR_DIR)/emulator.log 2>&1 & \
	  echo $$! >$(EMULATOR_DIR)/pid; \
	  for i in $$(seq 1 100); do \
	    curl -fsS -o /dev/null $(EMULATOR_URL)/_emulator/health 2>/dev/null && break; \
	    kill -0 "$$(cat $(EMULATOR_DIR)/pid)" 2>/dev/null || { cat $(EMULATOR_DIR)/emulator.log; exit 1; }; \
	    sleep 0.2; \
	  done; \
	  echo "emulator running at $(EMULATOR_URL) (state $(EMULATOR_DIR)/state.db, log $(EMULATOR_DIR)/emulator.log)"; \
	fi
	@# The Control Hub step no API offers: a Full Admin authorizes the sample Service App.
	@curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"orgId": "acme"}' \
	  $(EMULATOR_URL)/_emulator/service-apps/$(SAMPLE_APP_CLIENT_ID)/authorize

emulator-stop:
	@if [ -f $(EMULATOR_DIR)/pid ]; then kill "$$(cat $(EMULATOR_DIR)/pid)" 2>/dev/null || true; rm -f $(EMULATOR_DIR)/pid; fi

# The emulator is the dev stack's org; other stacks point at theirs (webex:baseUrl).
ORG := $(if $(filter dev,$(STACK)),emulator)
# The dev stack's webex:baseUrl follows EMULATOR_PORT (config, when set, wins over this).
RUN := $(if $(filter dev,$(STACK)),WEBEX_BASE_URL=$(EMULATOR_URL)/v1) $(PY) -m webex_iac

up: bootstrap $(ORG)
	$(RUN) up --stack $(STACK) --yes $(POLICY_ARGS)

preview: bootstrap $(ORG)
	$(RUN) preview --stack $(STACK) --diff

policy: bootstrap $(ORG)
	$(RUN) preview --stack $(STACK) $(POLICY_ARGS)

refresh: bootstrap $(ORG)
	$(RUN) refresh --stack $(STACK)

destroy: bootstrap $(ORG)
	$(RUN) destroy --stack $(STACK)

# actionlint lints .github/workflows (tests/policies/test_workflow_lint.py). Built once from the
# Go module proxy like the engine; without Go the lint test is skipped and says why.
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(or $(WEBEX_IAC_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/webex-iac)/actionlint-$(ACTIONLINT_VERSION)/actionlint

actionlint: $(ACTIONLINT)

$(ACTIONLINT):
	@GOBIN=$(@D) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) \
	  || echo "actionlint not installed (needs Go and the Go module proxy); its test will be skipped"

test: bootstrap actionlint
	$(PY) -m pytest -v -rs tests

bench: bootstrap
	$(PY) -m bench

schema: venv
	$(PY) -c "from webex_iac.stack_file import write_json_schema; write_json_schema()"

clean: emulator-stop
	rm -rf $(EMULATOR_DIR) .pulumi-state .pulumi-home
