#!/usr/bin/env bash
# Makes kmsguard available to the next steps, as action/resolve.sh decided (MODE).
#
# release: the archive for the runner (cached in KMSGUARD_INSTALL_ROOT) is verified against
# the SHA-256 pinned in this action at this ref before anything is extracted or run; a
# mismatch (a changed, truncated or poisoned file) stops the step with an error.
set -euo pipefail

error() {
  echo "::error title=kmsguard::$1"
  exit 1
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

root="${KMSGUARD_INSTALL_ROOT:?}"
case "${MODE:?}" in
  path)
    command -v kmsguard >/dev/null 2>&1 || error "version is 'path' but no kmsguard is on PATH"
    echo "using $(command -v kmsguard) ($(kmsguard --version))"
    ;;
  source)
    if [ -x "$root/bin/kmsguard" ]; then
      echo "using the cached build in $root"
    else
      command -v cargo >/dev/null 2>&1 ||
        error "version is 'source' but cargo is not installed (add a Rust toolchain step, or use a release version)"
      cargo install --locked --path "$ACTION_PATH" --root "$root"
    fi
    echo "$root/bin" >> "$GITHUB_PATH"
    ;;
  release)
    version="${VERSION:?}"
    target="${TARGET:?}"
    case "$target" in
      *windows*) ext=zip exe=kmsguard.exe ;;
      *) ext=tar.gz exe=kmsguard ;;
    esac
    name="kmsguard-${version}-${target}"
    archive="${name}.${ext}"
    sums="$ACTION_PATH/action/checksums/${version}.sha256"
    expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$sums")"
    [ -n "$expected" ] || error "action/checksums/${version}.sha256 has no checksum for ${archive}"
    base="${KMSGUARD_RELEASE_BASE_URL:-https://github.com/kmsguard/kmsguard/releases/download}"
    mkdir -p "$root"
    if [ -f "$root/$archive" ]; then
      echo "using the cached ${archive}"
    else
      echo "downloading ${base}/${version}/${archive}"
      curl --fail --location --silent --show-error --retry 3 --max-time 300 \
        --output "$root/$archive.part" "${base}/${version}/${archive}" ||
        error "could not download ${archive} from ${base}/${version}/"
      mv "$root/$archive.part" "$root/$archive"
    fi
    actual="$(sha256 "$root/$archive")"
    if [ "$actual" != "$expected" ]; then
      rm -f "$root/$archive"
      error "${archive} does not match the checksum pinned in this action (expected ${expected}, got ${actual}); nothing was run"
    fi
    rm -rf "${root:?}/$name"
    mkdir -p "$root/$name"
    tar -xf "$root/$archive" -C "$root/$name" --strip-components 1 ||
      error "${archive} cannot be extracted"
    [ -f "$root/$name/$exe" ] || error "${archive} holds no ${exe}"
    chmod +x "$root/$name/$exe"
    echo "kmsguard ${version} (${target}), SHA-256 ${actual} verified"
    echo "$root/$name" >> "$GITHUB_PATH"
    ;;
  *)
    error "unknown install mode '${MODE}'"
    ;;
esac
