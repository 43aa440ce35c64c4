#!/usr/bin/env bash
# Packs one release archive the way .github/workflows/release.yml publishes it, and the way
# the Action (action/install.sh) unpacks it:
#
#   OUTDIR/kmsguard-VERSION-TARGET.tar.gz   (.zip for Windows targets)
#     kmsguard-VERSION-TARGET/kmsguard      (kmsguard.exe)
#     kmsguard-VERSION-TARGET/{LICENSE,README.md,CHANGELOG.md}
#
# Usage: scripts/package-release.sh VERSION TARGET BINARY OUTDIR   (VERSION like v0.2.0)
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 VERSION TARGET BINARY OUTDIR" >&2; exit 2; }
version="$1" target="$2" binary="$3" out="$4"
repo="$(cd "$(dirname "$0")/.." && pwd)"
name="kmsguard-${version}-${target}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
case "$target" in
  *windows*) exe=kmsguard.exe ;;
  *) exe=kmsguard ;;
esac
cp "$binary" "$stage/$name/$exe"
chmod 755 "$stage/$name/$exe"
cp "$repo/LICENSE" "$repo/README.md" "$repo/CHANGELOG.md" "$stage/$name/"
out="$(cd "$out" && pwd)"
case "$target" in
  *windows*)
    (cd "$stage" && 7z a -tzip "$out/$name.zip" "$name" >/dev/null)
    echo "$out/$name.zip"
    ;;
  *)
    # Reproducible where GNU tar is there: sorted names, no owner, a fixed time.
    if tar --version 2>/dev/null | grep -q GNU; then
      tar --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="@${SOURCE_DATE_EPOCH:-0}" -C "$stage" -cf - "$name" | gzip -n >"$out/$name.tar.gz"
    else
      tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
    fi
    echo "$out/$name.tar.gz"
    ;;
esac
