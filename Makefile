# Two commands for a newcomer: `make synth` and `make test`. Each sets up what is missing first
# (pipenv, the locked Python environment in .venv, the locked cdktf CLI in node_modules).

PYTHON ?= python3
PIPENV_VERSION ?= 2026.10.3
PIPENV := $(PYTHON) -m pipenv
PYTEST_ARGS ?=

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
# Terraform uses the machine's offline AWS provider mirror when there is one (tools/terraform_cli.py).
export TF_CLI_CONFIG_FILE := $(shell $(PYTHON) tools/terraform_cli.py)

.PHONY: setup synth test cdktf-synth inspect invoke bench deploy-local destroy-local clean

setup: .venv/.synced node_modules/.installed security/.venv/.synced

.venv/.synced: Pipfile.lock
	@$(PYTHON) -m pipenv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	$(PIPENV) sync --dev
	@touch $@

# checkov has its own locked environment (security/Pipfile.lock): its pins must not move the app's.
security/.venv/.synced: security/Pipfile.lock .venv/.synced
	PIPENV_PIPFILE=$(CURDIR)/security/Pipfile $(PIPENV) sync
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

synth: setup
	$(PIPENV) run python main.py
	@ls -1 cdktf.out/stacks/*/cdk.tf.json

# Summary, wiring verification (exit 1 on a problem) and docs/wiring.md diagrams of cdktf.out.
inspect: synth
	$(PIPENV) run python -m tools.inspect cdktf.out --diagram docs/wiring.md

# Run one stack's asynchronous wiring locally (tools/engine.py), e.g.
#   make invoke STACK=response-only FUNCTION=First PAYLOAD='{"numbers": [1, 2, 3]}'
invoke: synth
	@test -n "$(STACK)" -a -n "$(FUNCTION)" -a -n '$(PAYLOAD)' || \
		{ echo "usage: make invoke STACK=<stack> FUNCTION=<construct id> PAYLOAD='<json>'"; exit 2; }
	$(PIPENV) run python -m tools.invoke async $(STACK) $(FUNCTION) --payload '$(PAYLOAD)'

cdktf-synth: setup
	npx cdktf synth

test: setup
	$(PIPENV) run pytest $(PYTEST_ARGS)

# Local AWS emulator (moto server on 127.0.0.1): deploy every stack with the cdktf CLI, then tear down.
deploy-local: setup
	$(PIPENV) run python -m tools.emulator deploy $(STACKS)

destroy-local: setup
	$(PIPENV) run python -m tools.emulator destroy $(STACKS)

bench: setup
	$(PIPENV) run python benchmarks/synth.py
	$(PIPENV) run python benchmarks/handler_import.py
	$(PIPENV) run python benchmarks/engine.py

clean:
	rm -rf cdktf.out .terraform-cli .pytest_cache .emulator
