#!/usr/bin/env bash
# Seeds the fuzzing corpora from testdata/: the plans as they are, and every key policy
# string found in them (one file per policy).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/plan_reader corpus/policy_eval corpus/source_eval corpus/source_files corpus/live_pair
# Live documents in pairs (account export, NUL, keys document), and a plan with them.
printf '\0' | cat ../testdata/live/account.json - ../testdata/live/keys.json > corpus/live_pair/account_keys
printf '\0' | cat ../testdata/state/kms/plan.json - ../testdata/live/keys.json > corpus/live_pair/state_keys
printf '\0' | cat ../testdata/key-locked-out/role-replaced/plan.json - ../testdata/live/account.json > corpus/live_pair/plan_account
find ../testdata \( -name '*.tf' -o -name '*.tftpl' \) | while read -r f; do
  name="${f#../}"; cp "$f" "corpus/source_eval/${name//\//_}"
done
# Folders of source as one text: main.tf, then its templates, separated by `-----` lines.
find ../testdata -name '*.tf' -printf '%h\n' | sort -u | while read -r d; do
  name="${d#../}"; out="corpus/source_files/${name//\//_}"
  cat "$d"/*.tf > "$out"
  for t in "$d"/*.tftpl "$d"/*.tpl; do
    [ -f "$t" ] && { printf '\n-----\n'; cat "$t"; } >> "$out"
  done
  true
done
find ../testdata -name '*.json' | while read -r f; do
  name="${f#../}"; cp "$f" "corpus/plan_reader/${name//\//_}"
done
python3 - <<'PY'
import glob, json, hashlib, os
seen = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "policy" and isinstance(x, str) and x not in seen:
                seen.add(x)
                name = hashlib.sha1(x.encode()).hexdigest()[:16]
                with open(os.path.join("corpus/policy_eval", name), "w") as f:
                    f.write(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for f in glob.glob("../testdata/**/*.json", recursive=True):
    walk(json.load(open(f)))
# Rebuilt policies hold placeholders for values known only after apply (\u0001...\u0002).
for i, where in enumerate(["principal", "action", "resource", "condition"]):
    st = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
          "Action": "kms:*", "Resource": "*"}
    ph = "\u0001the arn of aws_iam_role.x (created by this plan)\u0002"
    if where == "principal":
        st["Principal"] = {"AWS": [ph, "arn:aws:iam::111122223333:role/a"]}
    elif where == "action":
        st["Action"] = [ph]
    elif where == "resource":
        st["Resource"] = [ph]
    else:
        st["Condition"] = {"ArnEquals": {"aws:PrincipalArn": [ph]}}
    with open(os.path.join("corpus/policy_eval", f"placeholder-{where}"), "w") as f:
        f.write(json.dumps({"Version": "2012-10-17", "Statement": [st]}))
print(f"{len(seen)} policies")
PY
