#!/usr/bin/env bash
# Writes the JSON report of every plan the project knows into a folder, one file per run, so
# that two builds can be compared byte for byte (`diff -r OLD NEW`): a refactoring must not
# change any of them.
#
#   scripts/compare-reports.sh path/to/kmsguard OUT_DIR [MORE_PLANS...]
#
# It runs `check --format json` on: every JSON file under testdata/ (alone); the scenarios
# with Terraform source, with their --config-dir; every file of the real corpus when
# KMSGUARD_CORPUS_DIR (or ../shared/corpus/real) exists; and MORE_PLANS (e.g. generated
# benchmark plans). Exit codes are recorded next to each report.
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
shift 2
cd "$(dirname "$0")/.."
mkdir -p "$out"

run() { # NAME ARGS...
  local name="$1"
  shift
  local code=0
  "$bin" check --format json "$@" > "$out/$name.json" 2> "$out/$name.stderr" || code=$?
  echo "$code" > "$out/$name.code"
}

slug() { printf '%s' "$1" | tr '/ ' '__'; }

while IFS= read -r -d '' f; do
  run "$(slug "$f")" "$f"
done < <(find testdata -name '*.json' -not -path '*/.terraform/*' -print0 | sort -z)

# Scenarios with Terraform source: each plan with its folder as --config-dir.
while IFS= read -r -d '' d; do
  for p in "$d"/*.json; do
    [ -f "$p" ] || continue
    run "config_$(slug "$d")_$(slug "$p")" --config-dir "$d" "$p"
  done
done < <(find testdata -name '*.tf' -printf '%h\0' | sort -zu)

corpus="${KMSGUARD_CORPUS_DIR:-../shared/corpus/real}"
if [ -d "$corpus" ]; then
  for f in "$corpus"/*.json; do
    run "corpus_$(basename "$f")" "$f"
  done
else
  echo "note: no corpus at $corpus; skipped" >&2
fi

for p in "$@"; do
  run "extra_$(slug "$p")" "$p"
done
echo "wrote $(ls "$out" | grep -c '\.json$') reports to $out"
