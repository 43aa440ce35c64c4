#!/usr/bin/env bash
# Makes kmsguard available to the next steps, as the `version` input says.
set -euo pipefail
case "${INPUT_VERSION:-source}" in
  path)
    if ! command -v kmsguard >/dev/null 2>&1; then
      echo "::error title=kmsguard::version is 'path' but no kmsguard is on PATH"
      exit 1
    fi
    echo "using $(command -v kmsguard) ($(kmsguard --version))"
    ;;
  source)
    root="${KMSGUARD_INSTALL_ROOT:?}"
    if [ -x "$root/bin/kmsguard" ]; then
      echo "using the cached build in $root"
    else
      if ! command -v cargo >/dev/null 2>&1; then
        echo "::error title=kmsguard::version is 'source' but cargo is not installed (add a Rust toolchain step, or use version: path)"
        exit 1
      fi
      cargo install --locked --path "$ACTION_PATH" --root "$root"
    fi
    echo "$root/bin" >> "$GITHUB_PATH"
    ;;
  *)
    echo "::error title=kmsguard::version must be 'source' or 'path', not '${INPUT_VERSION}'"
    exit 1
    ;;
esac
