#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK. Idempotent; safe to run on a fresh machine.
#  - Node packages of the Fedify interop peer (tests/FediLearn.Interop.Tests/peer), from the committed package-lock.json.
# (The interop tests also run this themselves when node_modules is missing, so plain `dotnet test FediLearn.sln` works.)
set -euo pipefail
cd "$(dirname "$0")/.."

peer=tests/FediLearn.Interop.Tests/peer
if [ -f "$peer/install.sh" ]; then
  bash "$peer/install.sh"
fi
