#!/usr/bin/env bash
# Fetch the browser bundle of Uppy (npm package `uppy`) into stowage's cache, for the
# browser tests and the example upload page.
#
# Ensures CACHE/uppy-VERSION/ holds uppy.min.mjs (one self-contained ES module exporting
# Uppy, Dashboard, AwsS3, ...) and uppy.min.css (the styles of every plugin), both copied
# from the package's dist/. It takes them from `npm pack uppy@VERSION` (the npm registry,
# no CDN), extracted with tar. Does nothing when both files are already there.
#
# Usage:
#   scripts/uppy.sh        # prints the directory as the last line of stdout
#
# Everything else (progress, npm's messages) goes to stderr, so callers can do
#   dir="$(scripts/uppy.sh | tail -n1)"
#
# Environment:
#   STOWAGE_CACHE_DIR     cache root (default: ~/.cache/stowage), as the other scripts
#   STOWAGE_UPPY_VERSION  uppy version to fetch (default: 6.0.1)
set -euo pipefail

UPPY_VERSION="${STOWAGE_UPPY_VERSION:-6.0.1}"
CACHE_ROOT="${STOWAGE_CACHE_DIR:-$HOME/.cache/stowage}"
DEST="$CACHE_ROOT/uppy-$UPPY_VERSION"
FILES=(uppy.min.mjs uppy.min.css)

die() { echo "uppy.sh: $*" >&2; exit 1; }

complete() {
    local f
    for f in "${FILES[@]}"; do
        [ -s "$DEST/$f" ] || return 1
    done
}

if complete; then
    echo "$DEST"
    exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is not installed (Debian: apt-get install npm)"
command -v tar >/dev/null 2>&1 || die "tar is not installed"

mkdir -p "$CACHE_ROOT"
# The work directory sits in the cache root so that the final rename stays on one file system.
work="$(mktemp -d "$CACHE_ROOT/.uppy-$UPPY_VERSION.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "uppy.sh: fetching uppy@$UPPY_VERSION from the npm registry" >&2
(cd "$work" && npm pack --loglevel=error "uppy@$UPPY_VERSION" >&2) \
    || die "npm pack uppy@$UPPY_VERSION failed"
tgz=("$work"/uppy-*.tgz)
[ -f "${tgz[0]}" ] || die "npm pack left no tarball in $work"

members=()
for f in "${FILES[@]}"; do members+=("package/dist/$f"); done
tar -xzf "${tgz[0]}" -C "$work" "${members[@]}" \
    || die "tarball ${tgz[0]##*/} lacks ${members[*]}"

mkdir "$work/out"
for f in "${FILES[@]}"; do
    [ -s "$work/package/dist/$f" ] || die "package/dist/$f is empty"
    install -m 0644 "$work/package/dist/$f" "$work/out/$f"
done

# Replace an incomplete directory left by an interrupted run; if another run finished
# first (the rename fails on a non-empty directory), keep what it installed.
if [ -d "$DEST" ] && ! complete; then
    rm -rf "$DEST"
fi
mv -T "$work/out" "$DEST" 2>/dev/null || complete || die "could not install into $DEST"

for f in "${FILES[@]}"; do
    echo "uppy.sh: $DEST/$f ($(wc -c <"$DEST/$f") bytes)" >&2
done
echo "$DEST"
