#!/usr/bin/env bash
# Plans every scenario under testdata/ that is written as Terraform (a folder whose .tf files
# configure the aws provider) with the real Terraform and hashicorp/aws provider, offline, and
# writes its `terraform show -json` output beside it (plan.json, and state.json where the
# folder already has one). See testdata/README.md.
#
#   scripts/regenerate-plans.sh                     # every scenario
#   scripts/regenerate-plans.sh key-locked-out,sso  # the folders whose path contains a part
#
# Needs Terraform 1.11.4 on PATH (or KMSGUARD_TERRAFORM) and the provider in a filesystem
# mirror (KMSGUARD_TF_PROVIDER_MIRROR, default /opt/tf-plugins). Nothing leaves 127.0.0.1:
# the one AWS call a plan makes (STS GetCallerIdentity) is answered by the test's stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  export KMSGUARD_SCENARIOS="$1"
fi
KMSGUARD_REGENERATE_PLANS=1 cargo test --locked --test integration \
  terraform::committed_plans_are_what_terraform_writes_today -- --exact
