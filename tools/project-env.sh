# Sourced by ./cdktf and tools/app.sh (with $root set to the project folder): the variables of
# project.env, and Terraform's CLI configuration with the offline provider mirror when the machine
# has one (tools/terraform_cli.py), as the Makefile sets them.
. "$root/project.env"
if [ -x "$root/.venv/bin/python" ]; then project_python="$root/.venv/bin/python"; else project_python=python3; fi
TF_CLI_CONFIG_FILE=$("$project_python" "$root/tools/terraform_cli.py") && export TF_CLI_CONFIG_FILE
