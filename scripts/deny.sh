#!/usr/bin/env bash
# Checks licenses, banned crates (OpenSSL) and sources against deny.toml,
# installing cargo-deny into the cache when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

cache_root="${STOWAGE_CACHE_DIR:-$HOME/.cache/stowage}/cargo-deny"
if ! command -v cargo-deny >/dev/null 2>&1; then
    if [ ! -x "$cache_root/bin/cargo-deny" ]; then
        echo "deny.sh: installing cargo-deny into $cache_root (a few minutes, once)" >&2
        cargo install cargo-deny --locked --root "$cache_root"
    fi
    export PATH="$cache_root/bin:$PATH"
fi
cargo deny --all-features check licenses bans sources
