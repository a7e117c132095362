# Sourced by ./cdktf and tools/app.sh (with $root set to the project folder): the variables of
# project.env, and Terraform's CLI configuration with the offline provider mirror when the machine
# has one (tools/terraform_cli.py), as the Makefile sets them.
. "$root/project.env"
if [ -x "$root/.venv/bin/python" ]; then project_python="$root/.venv/bin/python"; else project_python=python3; fi
# The file tools/terraform_cli.py writes (every `make` command, `make setup` included, rewrites it)
# is used as it is, without starting an interpreter, unless something it is made of may have changed
# since: a TF_PROVIDER_MIRROR named, a TF_CLI_CONFIG_FILE of the user's that exists, or a
# ~/.terraformrc newer than it. (A provider mirror installed later is seen by the next `make`.)
# ./cdktf exports it, so the app command (tools/app.sh), which sources this file again, finds it set.
terraform_cli_config="$root/.terraform-cli/terraformrc"
if [ -f "$terraform_cli_config" ] && [ -z "${TF_PROVIDER_MIRROR:-}" ] &&
  { [ "${TF_CLI_CONFIG_FILE:-$terraform_cli_config}" = "$terraform_cli_config" ] || ! [ -f "$TF_CLI_CONFIG_FILE" ]; } &&
  ! [ "$HOME/.terraformrc" -nt "$terraform_cli_config" ]; then
  export TF_CLI_CONFIG_FILE="$terraform_cli_config"
else
  # As a module from the project root: run as a script, tools/ would be first on sys.path and its
  # inspect.py would shadow the standard library's.
  TF_CLI_CONFIG_FILE=$(cd "$root" && "$project_python" -m tools.terraform_cli) && export TF_CLI_CONFIG_FILE
fi
unset terraform_cli_config
# Emulator mode (EMULATOR_ENDPOINT, see stacks/settings.py): the AWS provider reaches the emulator
# through the SDKs' standard AWS_ENDPOINT_URL.
if [ -n "${EMULATOR_ENDPOINT:-}" ] && [ -z "${AWS_ENDPOINT_URL:-}" ]; then export AWS_ENDPOINT_URL="$EMULATOR_ENDPOINT"; fi
# Team deployments (README): a deploy, diff or destroy that finds the state locked by another run waits
# up to TF_LOCK_TIMEOUT [2m] for it, then stops with Terraform's lock error naming the holder; 0s stops
# at once. Terraform reads TF_CLI_ARGS_<command>; a -lock-timeout already there is kept.
for command in plan apply destroy; do
  eval "args=\${TF_CLI_ARGS_$command:-}"
  case "$args" in
    *-lock-timeout*) ;;
    *) export "TF_CLI_ARGS_$command=${args:+$args }-lock-timeout=${TF_LOCK_TIMEOUT:-2m}" ;;
  esac
done
unset command args
