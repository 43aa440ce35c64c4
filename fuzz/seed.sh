#!/usr/bin/env bash
# Seeds the fuzzing corpora from testdata/: the plans as they are, and every key policy
# string found in them (one file per policy).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/plan_reader corpus/policy_eval
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
print(f"{len(seen)} policies")
PY
