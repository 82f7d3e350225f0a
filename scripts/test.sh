#!/usr/bin/env bash
# Set everything up (plus test packages and Chromium) and run every test.
# Extra arguments go to pytest, e.g. `scripts/test.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
