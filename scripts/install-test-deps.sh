#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK. Idempotent; safe to run on a fresh machine.
#  - Node packages of the Fedify interop peer (tests/FediLearn.Interop.Tests/peer), from the committed package-lock.json.
#  - Debian's python3-icalendar for the .ics feed tests (checked with /usr/bin/python3, installed with apt-get only when missing).
#  - Debian's chromium for the browser tests (tests/FediLearn.Browser.Tests drive /usr/bin/chromium with Playwright), only when missing.
# (The interop tests also run this themselves when node_modules is missing, so plain `dotnet test FediLearn.sln` works.)
set -euo pipefail
cd "$(dirname "$0")/.."

peer=tests/FediLearn.Interop.Tests/peer
if [ -f "$peer/install.sh" ]; then
  bash "$peer/install.sh"
fi

# Debian's python3-icalendar: the real iCalendar parser the .ics feed tests (tests/FediLearn.Core.Tests/Feeds) run.
# Deliberately /usr/bin/python3 (Debian's), not a pyenv/venv python3 earlier on PATH that cannot see Debian packages.
if ! /usr/bin/python3 -c 'import icalendar' >/dev/null 2>&1; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-icalendar
fi

# Debian's Chromium: the browser tests launch /usr/bin/chromium through Microsoft.Playwright (never `playwright install`: no download here).
if [ ! -x /usr/bin/chromium ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
