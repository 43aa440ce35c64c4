#!/usr/bin/env bash
# Runs `kmsguard check` once over all plans, writing the text report to the log, the SARIF
# file, the job summary, the annotations and the step outputs; then exits with kmsguard's
# exit code (0 pass, 1 a finding reached fail-on, 2 an input could not be used).
set -euo pipefail

# A workflow command's message: %, CR and LF escaped, so that no value starts a command.
escape() {
  local s="${1//%/%25}"
  s="${s//$'\r'/%0D}"
  printf '%s' "${s//$'\n'/%0A}"
}

fail() {
  echo "::error title=kmsguard::$(escape "$1")"
  exit 2
}

# Inputs that name one file or folder must be one line.
for name in INPUT_CONFIG_DIR INPUT_SARIF_FILE; do
  case "${!name:-}" in
    *$'\n'* | *$'\r'*) fail "the ${name#INPUT_} input must be one line" ;;
  esac
done

# Files of this run only: two runs in one job must not see each other's.
tmp="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/kmsguard.XXXXXXXX")"

# One path or glob per line; surrounding white space and empty lines are ignored. A line
# with *, ? or [ is a glob (** crosses folders), expanded by bash itself: no word splitting,
# no command substitution, sorted; a glob that matches nothing is an error.
shopt -s nullglob globstar
given=()
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%$'\r'}"
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] || continue
  case "$line" in
    *'*'* | *'?'* | *'['*)
      # IFS empty: the pattern is never split on spaces; unquoted, it is only globbed.
      old_ifs="$IFS"
      IFS=''
      # shellcheck disable=SC2206 # pathname expansion is the point; splitting is off.
      matches=( $line )
      IFS="$old_ifs"
      if [ "${#matches[@]}" -eq 0 ]; then
        fail "the plan glob $line matches no file"
      fi
      given+=("${matches[@]}")
      ;;
    *) given+=("$line") ;;
  esac
done <<< "${INPUT_PLAN:-}"
if [ "${#given[@]}" -eq 0 ]; then
  fail "the plan input is empty"
fi

plans=()
i=0
for p in "${given[@]}"; do
  i=$((i + 1))
  if [ -f "$p" ] && [ "$(head -c 2 -- "$p")" = "PK" ]; then
    # A binary planfile: only terraform/tofu can read it, from its working directory.
    tool=""
    for t in terraform tofu; do
      if command -v "$t" >/dev/null 2>&1; then tool="$t"; break; fi
    done
    if [ -z "$tool" ]; then
      fail "$p is a binary planfile and neither terraform nor tofu is on PATH to convert it; run 'terraform show -json PLANFILE > plan.json' and pass plan.json"
    fi
    workdir="${INPUT_CONFIG_DIR:-$(dirname -- "$p")}"
    out="$tmp/plan-$i.json"
    abs="$(cd -- "$(dirname -- "$p")" && pwd)/$(basename -- "$p")"
    echo "converting $(escape "$p") with $tool show -json (in $(escape "$workdir"))"
    if ! (cd -- "$workdir" && "$tool" show -json "$abs") > "$out"; then
      fail "$tool show -json could not convert $p (run in $workdir, which must be initialised with '$tool init')"
    fi
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
annotations="$tmp/annotations.txt"
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
  cat -- "$annotations"
fi
rm -rf -- "$tmp"
exit "$code"
