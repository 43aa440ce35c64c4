#!/usr/bin/env bash
# Prints the cache key of the kmsguard build: the runner's OS and CPU architecture plus a
# hash of everything that goes into the binary (hashFiles() cannot read outside the
# workspace).
set -euo pipefail
cd "$ACTION_PATH"
sum=$(cat Cargo.toml Cargo.lock $(find src -type f -name '*.rs' | LC_ALL=C sort) | sha256sum | cut -c1-32)
echo "key=kmsguard-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-${sum}" >> "$GITHUB_OUTPUT"
