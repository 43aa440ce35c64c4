#!/usr/bin/env bash
# Resolves the `version` input into how kmsguard is installed, and the cache key:
#
#   ""         the release of this action's own version (Cargo.toml at this ref)
#   "0.2.0"    that release ("v0.2.0" works too)
#   "source"   build from this action's checkout with cargo (cached)
#   "path"     a kmsguard already on PATH
#
# A release is downloaded for the runner's OS and CPU architecture and verified against the
# checksums pinned in this action's repository at this ref (action/checksums/VERSION.sha256),
# never against a file fetched from the release itself.
set -euo pipefail

error() {
  echo "::error title=kmsguard::$1"
  exit 1
}

want="${INPUT_VERSION:-}"
os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$want" in
  path)
    echo "mode=path" >> "$GITHUB_OUTPUT"
    exit 0
    ;;
  source)
    cd "$ACTION_PATH"
    sum=$(cat Cargo.toml Cargo.lock $(find src -type f -name '*.rs' | LC_ALL=C sort) | sha256sum | cut -c1-32)
    {
      echo "mode=source"
      echo "key=kmsguard-source-${os}-${arch}-${sum}"
    } >> "$GITHUB_OUTPUT"
    exit 0
    ;;
  "")
    own="$(sed -n 's/^version = "\([^"]*\)"$/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)"
    version="v${own}"
    ;;
  *)
    version="v${want#v}"
    ;;
esac
if ! [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  error "version must be a release version (0.2.0), 'source' or 'path'"
fi
case "${os}-${arch}" in
  Linux-X64) target=x86_64-unknown-linux-musl ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *) error "kmsguard has no release for ${os} on ${arch}; use version: source (build with cargo)" ;;
esac
if [ ! -f "$ACTION_PATH/action/checksums/${version}.sha256" ]; then
  error "no checksums for kmsguard ${version} are pinned in this action (action/checksums/${version}.sha256); pin the action to the release tag, or use version: source"
fi
{
  echo "mode=release"
  echo "version=${version}"
  echo "target=${target}"
  echo "key=kmsguard-release-${os}-${arch}-${version}"
} >> "$GITHUB_OUTPUT"
