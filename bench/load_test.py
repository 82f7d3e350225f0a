"""Load on loopback: N websocket sessions change filters while an analyst imports a file.

    python bench/load_test.py [--sessions 20] [--seconds 60] [--db PATH] [--rows 60000]
                              [--import-after 5] [--seed N] [--json FILE] [--keep]

Every session speaks Streamlit's own websocket protocol (tests/load/harness.py): it opens
a page (Explore, Weekly violence or Overview), signs in through the form, then changes a
filter every 0.1 to 0.6 s (method, area, night-time economy, week, baseline, map layers,
categories, layers...) or switches page, and each change is timed from the BackMsg to the
run's script_finished: the server's full response, map and tables included. A further
analyst session uploads a generated police extract on the Data page and presses Import a
few seconds into the load; the load goes on until the import is done and the time is up.

The store: ``--db PATH`` is copied to a temporary folder first (the run adds two users and
the imported rows to the copy, never to PATH); without ``--db`` the demo store is built
there (10 to 60 s). Prints median, 95th percentile and max response, runs, errors, the
import's time (click to page redrawn, and the importer's own from the import log) and the
load average; exits 1 when there was any error, the app crashed (its signal and crashing thread
are printed: the app runs with faulthandler on) or the imported rows did not all arrive.
Figures move with the machine's load: 2 cores shared with 20 sessions are the bottleneck.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.load import harness  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20, help="simultaneous sessions changing filters (20)")
    ap.add_argument("--seconds", type=float, default=60, help="how long they change filters (60)")
    ap.add_argument("--db", type=Path, help="store to copy and load (default: build the demo store)")
    ap.add_argument("--rows", type=int, default=60_000, help="rows of the police extract imported (0: none)")
    ap.add_argument("--import-after", type=float, default=5.0, help="seconds into the load the import starts")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (store, CSV, app log)")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="hotspots-load-"))
    try:
        store = work / "hotspots.duckdb"
        if args.db is not None:
            if not args.db.exists():
                ap.error(f"{args.db} does not exist")
            shutil.copy2(args.db, store)
            wal = args.db.with_name(args.db.name + ".wal")
            if wal.exists():
                shutil.copy2(wal, store.with_name(store.name + ".wal"))
            print(f"store: a copy of {args.db} in {work}", flush=True)
        else:
            print(f"store: building the demo store in {work} ...", flush=True)
            print(f"  built in {harness.build_demo_store(store):.0f} s", flush=True)
        t0 = time.monotonic()
        report, checks = harness.load_test(store, work, sessions=args.sessions, seconds=args.seconds,
                                           rows=args.rows, import_after_s=args.import_after, seed=args.seed)
        for line in report.lines():
            print(line)
        ok = not report.errors and not checks["store_problems"] and not checks["app_crash"]
        if checks["app_crash"]:
            print(f"APP CRASHED: {checks['app_crash']}")
        if args.rows:
            held = checks["import_store"]
            own = ", ".join(f"{i['seconds']:.1f} s" for i in held["imports"]) or "no import in the log"
            print(f"import's own time (import log, started to finished): {own}")
            print(f"store after the app stopped: {held['incidents']:,} rows of the imported source "
                  f"(file {args.rows:,} rows)")
            ok = ok and held["incidents"] == args.rows
        print(f"store: {checks['store_counts']['incidents']:,} incidents, {checks['store_counts']['imports']} imports; "
              + ("consistent" if not checks["store_problems"] else "PROBLEMS: " + "; ".join(checks["store_problems"])))
        print(f"total {time.monotonic() - t0:.0f} s; {'OK' if ok else 'FAILED'}")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({**report.as_dict(), **checks, "ok": ok}, indent=2, default=str))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
