#!/usr/bin/env bash
# Runs `kmsguard check` once over all plans, writing the text report to the log, the SARIF
# file, the job summary, the annotations and the step outputs; then exits with kmsguard's
# exit code (0 pass, 1 a finding reached fail-on, 2 an input could not be used).
set -euo pipefail

tmp="${RUNNER_TEMP:-$(mktemp -d)}"
set -f # plan paths are not globbed
read -r -d '' -a given <<< "${INPUT_PLAN:-}" || true
set +f
if [ "${#given[@]}" -eq 0 ]; then
  echo "::error title=kmsguard::the plan input is empty"
  exit 2
fi

plans=()
i=0
for p in "${given[@]}"; do
  i=$((i + 1))
  if [ -f "$p" ] && [ "$(head -c 2 "$p")" = "PK" ]; then
    # A binary planfile: only terraform/tofu can read it, from its working directory.
    tool=""
    for t in terraform tofu; do
      if command -v "$t" >/dev/null 2>&1; then tool="$t"; break; fi
    done
    if [ -z "$tool" ]; then
      echo "::error title=kmsguard::$p is a binary planfile and neither terraform nor tofu is on PATH to convert it; run 'terraform show -json $p > plan.json' and pass plan.json"
      exit 2
    fi
    workdir="${INPUT_CONFIG_DIR:-$(dirname "$p")}"
    out="$tmp/kmsguard-plan-$i.json"
    abs="$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
    echo "converting $p with $tool show -json (in $workdir)"
    (cd "$workdir" && "$tool" show -json "$abs") > "$out"
    plans+=("$out")
  else
    plans+=("$p")
  fi
done

args=(check --fail-on "${INPUT_FAIL_ON:-error}" --format text)
if [ -n "${INPUT_CONFIG_DIR:-}" ]; then
  args+=(--config-dir "$INPUT_CONFIG_DIR")
fi
if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  args+=(--output "sarif=$INPUT_SARIF_FILE")
fi
if [ "${INPUT_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  args+=(--append "markdown=$GITHUB_STEP_SUMMARY")
fi
annotations="$tmp/kmsguard-annotations.txt"
if [ "${INPUT_ANNOTATIONS:-true}" = "true" ]; then
  args+=(--output "github=$annotations")
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  args+=(--append "github-output=$GITHUB_OUTPUT")
  echo "sarif-file=${INPUT_SARIF_FILE:-}" >> "$GITHUB_OUTPUT"
fi

code=0
kmsguard "${args[@]}" -- "${plans[@]}" || code=$?
if [ "${INPUT_ANNOTATIONS:-true}" = "true" ] && [ -f "$annotations" ]; then
  cat "$annotations"
fi
exit "$code"
