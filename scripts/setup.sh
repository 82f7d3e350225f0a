#!/usr/bin/env bash
# Set up everything the dashboard needs on a fresh machine (Debian, Python 3.11):
# a virtual environment with the pinned packages and the browser assets the map
# serves locally. Idempotent and quick when nothing changed.
#
#   scripts/setup.sh          runtime packages
#   scripts/setup.sh --dev    plus test and benchmark packages, and Chromium for browser tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1
req=requirements.txt
[ $dev = 1 ] && req=requirements-dev.txt

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi

# Skip pip when the requirements are unchanged since the last successful install.
stamp=.venv/.installed-$(basename "$req" .txt)
want=$(cat requirements.txt "$req" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing $req"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi

bash scripts/fetch_static.sh

if [ $dev = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium and chromium-driver for the browser tests"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi
