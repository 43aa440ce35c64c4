#!/usr/bin/env bash
# Collects what `kmsguard check` needs to audit an AWS account's KMS keys, with the AWS CLI
# only (docs/audit.md):
#
#   OUT/account.json   aws iam get-account-authorization-details --output json (unmodified)
#   OUT/keys.json      {"Keys": [{"KeyMetadata", "Policy" | null, "Error", "Aliases", "Tags"}]}
#
# Usage: scripts/collect-live.sh [--profile P] [--region R]... [--out DIR]
#   --region may be given several times (default: the CLI's configured region).
# The AWS CLI pages through every list itself. A key whose policy cannot be read is kept,
# with "Policy": null and the CLI's error: that is a finding, not a failure.
# Read-only: needs iam:GetAccountAuthorizationDetails, kms:ListKeys, kms:DescribeKey,
# kms:GetKeyPolicy, kms:ListAliases, kms:ListResourceTags.
set -euo pipefail

out=.
profile=()
regions=()
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile=(--profile "$2"); shift 2 ;;
        --region) regions+=("$2"); shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "collect-live.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ ${#regions[@]} -eq 0 ]; then
    r="$(aws "${profile[@]}" configure get region || true)"
    regions=("${r:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}")
    if [ -z "${regions[0]}" ]; then
        echo "collect-live.sh: no region: pass --region" >&2
        exit 2
    fi
fi
mkdir -p "$out"

# A JSON string of arbitrary text (for the CLI's error messages).
json_string() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/ }
    s=${s//$'\r'/ }
    s=${s//$'\n'/ }
    printf '"%s"' "$s"
}

aws "${profile[@]}" iam get-account-authorization-details --output json >"$out/account.json.tmp"
mv "$out/account.json.tmp" "$out/account.json"

keys="$out/keys.json.tmp"
printf '{"Keys": [' >"$keys"
first=1
for region in "${regions[@]}"; do
    a=(--region "$region" "${profile[@]}" --output json)
    for arn in $(aws "${a[@]}" kms list-keys --query 'Keys[].KeyArn' --output text); do
        [ "$arn" = None ] && continue
        meta="$(aws "${a[@]}" kms describe-key --key-id "$arn" --query KeyMetadata)"
        err=""
        if policy="$(aws "${a[@]}" kms get-key-policy --key-id "$arn" --policy-name default --query Policy 2>"$out/.err")"; then
            :
        else
            policy=null
            err="$(cat "$out/.err")"
        fi
        aliases="$(aws "${a[@]}" kms list-aliases --key-id "$arn" --query Aliases 2>/dev/null || echo '[]')"
        tags="$(aws "${a[@]}" kms list-resource-tags --key-id "$arn" --query Tags 2>/dev/null || echo '[]')"
        [ "$first" = 1 ] || printf ',' >>"$keys"
        first=0
        {
            printf '\n{"KeyMetadata": %s, "Policy": %s, "Aliases": %s, "Tags": %s' "$meta" "$policy" "$aliases" "$tags"
            if [ -n "$err" ]; then printf ', "Error": %s' "$(json_string "$err")"; fi
            printf '}'
        } >>"$keys"
    done
done
printf '\n]}\n' >>"$keys"
rm -f "$out/.err"
mv "$keys" "$out/keys.json"
echo "collect-live.sh: wrote $out/account.json and $out/keys.json; check them with: kmsguard check $out/account.json $out/keys.json" >&2
