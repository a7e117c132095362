#!/bin/sh
# terraform as ./cdktf has the cdktf CLI start it (TERRAFORM_BINARY_NAME), so that Ctrl-C never costs
# the state lock. On Ctrl-C the CLI writes an interrupt to terraform's pseudo-terminal and exits at
# once, without waiting; its terminal then hangs up, and a terraform still saving its state or
# releasing its lock would die of that SIGHUP, leaving the lock held (seen: the lock's GetObject sent,
# its DeleteObject never). Here terraform ignores the hangup (an ignored signal stays ignored across
# exec, and Go keeps it so), and its pid goes to CDKTF_TERRAFORM_PIDS for ./cdktf to wait on.
trap '' HUP
if [ -n "${CDKTF_TERRAFORM_PIDS:-}" ]; then echo "$$" >>"$CDKTF_TERRAFORM_PIDS"; fi
exec "${CDKTF_TERRAFORM:-terraform}" "$@"
