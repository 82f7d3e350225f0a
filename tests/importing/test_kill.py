"""An import killed with SIGKILL part way leaves the store as it was, and can be re-run.

The import runs as the real command line (``python -m hotspots import police-uk FILE
--db PATH``) in its own process, on a generated 300,000-row police.uk file. The test waits
until that process has the file open (it is importing), then kills it at several delays.
After each kill the store must open cleanly and hold exactly what it held before: the
import is one transaction, and an uncommitted transaction is not in the file. (A kill
that lands after the commit finds the import complete, which is also a consistent store;
the test counts those apart and requires most kills to land mid-import.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from queries.store import PROJECT_ROOT, connect
from tests.fixtures import DARTFORD_GRAVESHAM, KENT_MONTH, repeated_kent_rows

from .conftest import snapshot

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not KENT_MONTH.exists(), reason="shared police.uk data not present"),
              pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to see the import start")]

ROWS = 300_000
DELAYS = (0.0, 0.15, 0.4, 0.8, 1.5, 2.5, 3.5)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """The real Kent rows repeated (distinct Crime IDs, months spread over 2023) to ROWS rows, CRLF as published."""
    return repeated_kent_rows(tmp_path_factory.mktemp("kill") / "police-uk-300k.csv", ROWS)


def start_import(db: Path, csv: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("HOTSPOTS_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "hotspots", "import", "police-uk", str(csv), "--db", str(db), "--within", "none",
         "--quiet"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_until_reading(proc: subprocess.Popen, csv: Path, timeout: float = 60.0) -> None:
    """Poll the process's open files until it has ``csv`` open: the import has started."""
    fd_dir = Path(f"/proc/{proc.pid}/fd")
    target = str(csv.resolve())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"import ended before it was seen reading (rc {proc.returncode}): {err.decode()}")
        try:
            for fd in fd_dir.iterdir():
                try:
                    if os.readlink(fd) == target:
                        return
                except OSError:
                    pass
        except OSError:
            pass
        time.sleep(0.002)
    proc.kill()
    raise AssertionError("the import process never opened the file")


def test_sigkill_part_way_leaves_the_store_as_it_was_and_the_import_can_be_rerun(tmp_path, big_file):
    db = tmp_path / "store.duckdb"
    con = connect(db)
    from queries.importing import import_file

    for f in sorted(DARTFORD_GRAVESHAM.glob("2024-0[12]-*.csv")):
        import_file(con, "police-uk", f, within="none")
    con.close()
    con = connect(db)  # (a reopened store reports its sequence as it was saved, so compare reopened with reopened)
    before = snapshot(con)
    held = before["incidents"][0]
    assert held > 0
    con.close()

    mid_import, after_commit = [], []
    for delay in DELAYS:
        proc = start_import(db, big_file)
        wait_until_reading(proc, big_file)
        time.sleep(delay)
        if proc.poll() is not None:  # finished before the kill: longer delays would too
            assert proc.returncode == 0, proc.communicate()[1].decode()
            after_commit.append(delay)
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL

        con = connect(db)  # opens cleanly (replaying its write-ahead log if it has one)
        con.execute("CHECKPOINT")
        now = snapshot(con)
        n = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        con.close()
        if now == before:
            mid_import.append(delay)
            continue
        # Killed after the commit: the whole file is in, nothing partial.
        # The import's audit entry is committed with its rows.
        assert {k for k in now if now[k] != before[k]} <= {"incidents", "imports", "audit", "_sequences"}, (before, now)
        assert n == held + ROWS, f"killed at {delay}s: {n - held:,} of {ROWS:,} rows stored; changed: " + str({k: (before[k], now[k]) for k in now if now[k] != before[k]})
        after_commit.append(delay)
        break
    print(f"\nkilled mid-import after {mid_import} s; after the commit: {after_commit}")
    assert len(mid_import) >= 3, f"too few kills landed mid-import: {mid_import} (after commit: {after_commit})"

    if not after_commit:  # re-run the import to the end: it succeeds with the full counts
        started = time.perf_counter()
        proc = start_import(db, big_file)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        print(f"re-run after the kills: {time.perf_counter() - started:.1f} s: {out.decode().strip()}")
        assert f"{ROWS:,} rows read, {ROWS:,} accepted" in out.decode()
    con = connect(db)
    try:
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == held + ROWS
        last = con.execute(
            "SELECT rows_read, rows_accepted, rows_rejected, rows_duplicate FROM imports ORDER BY import_id DESC LIMIT 1"
        ).fetchone()
        assert last == (ROWS, ROWS, 0, 0)
        n_imports = con.execute("SELECT count(*) FROM imports").fetchone()[0]
        assert n_imports == before["imports"][0] + 1, "the killed imports left no trace in the import log"
        # The rows that were there before are untouched.
        assert con.execute("SELECT count(*) FROM incidents WHERE import_id IN (SELECT import_id FROM imports "
                           "WHERE file_name LIKE '2024-0%')").fetchone()[0] == held
    finally:
        con.close()
