#!/usr/bin/env bash
# Set everything up, build the demo store if there is none, and start the dashboard.
# With HOTSPOTS_DB set, the dashboard opens that store instead (and builds nothing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

if [ -z "${HOTSPOTS_DB:-}" ]; then
  export HOTSPOTS_DB="$PWD/data/hotspots.duckdb"
  if [ ! -f "$HOTSPOTS_DB" ]; then
    echo "start: building the demo store at $HOTSPOTS_DB"
    .venv/bin/python -m hotspots demo --db "$HOTSPOTS_DB"
  fi
fi
# The demo store only: a demo analyst with a fresh password, printed here. Any other store has no
# default account (python -m hotspots user add NAME --role admin adds one).
.venv/bin/python -m hotspots user demo --db "$HOTSPOTS_DB" || true
echo "start: dashboard on store $HOTSPOTS_DB"
exec .venv/bin/python -m streamlit run app.py "$@"
