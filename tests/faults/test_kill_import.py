"""SIGKILL during `import`, `backup` and `restore`: the store always reopens whole and consistent.

Each command runs as a user runs it (``python -m hotspots ...`` in its own process) on a
real store: the January and February 2024 Kent Police files for Dartford and Gravesham,
then a 60,000-row police.uk file made of the real Kent January rows (distinct Crime
IDs, months spread over 2023). A first run of each command on a copy measures how long
its work lasts once it has opened its file; the killed runs are then killed after a
seeded random delay within each of several equal slices of that time (so the kills
cover the whole of the work, the commit and the rename included), counted from the
moment the process is seen holding its file.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from queries.backup import inspect
from queries.importing import import_file
from queries.store import PROJECT_ROOT, connect
from tests.fixtures import DARTFORD_GRAVESHAM, KENT_MONTH, repeated_kent_rows

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not KENT_MONTH.exists(), reason="shared police.uk data not present"),
              pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to see a file opened")]

SEED = 20240131
ROWS = 60_000
KILLS = 7
DATA_TABLES = ("imports", "incidents", "rejected_rows", "users", "store_settings", "schema_version")


# ------------------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """The real Kent rows repeated to ROWS rows with distinct Crime IDs, CRLF as published."""
    return repeated_kent_rows(tmp_path_factory.mktemp("faults") / "police-uk-60k.csv", ROWS)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults-store") / "store.duckdb"
    con = connect(path)
    for month in ("01", "02"):
        import_file(con, "police-uk", DARTFORD_GRAVESHAM / f"2024-{month}-kent-street-dartford-gravesham.csv",
                    actor="cli:faults")
    con.close()
    return path


def hotspots(*args) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("HOTSPOTS_DB", None)
    return subprocess.Popen([sys.executable, "-m", "hotspots", *map(str, args)], cwd=PROJECT_ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_open(proc: subprocess.Popen, path: Path, timeout: float = 60.0) -> float:
    """Poll the process's open files until it holds ``path``; returns the time (monotonic) it was seen."""
    fd_dir = Path(f"/proc/{proc.pid}/fd")
    target = str(path.resolve())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"ended (rc {proc.returncode}) before it opened {path.name}: {out}{err}")
        try:
            for fd in fd_dir.iterdir():
                try:
                    if os.readlink(fd) == target:
                        return time.monotonic()
                except OSError:
                    pass
        except OSError:
            pass
        time.sleep(0.002)
    proc.kill()
    raise AssertionError(f"the process never opened {path}")


def measure(args, trigger: Path) -> float:
    """Seconds the command works once it holds ``trigger`` (a run to the end)."""
    proc = hotspots(*args)
    seen = wait_until_open(proc, trigger)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    return time.monotonic() - seen


def delays(work: float, n: int = KILLS, seed: int = SEED) -> list[float]:
    """One seeded random delay in each of ``n`` equal slices of [0, 1.1 * work]."""
    rng = random.Random(seed)
    width = 1.1 * work / n
    return [round(width * (i + rng.random()), 3) for i in range(n)]


def kill_after(args, trigger: Path, delay: float) -> bool:
    """Run the command, SIGKILL it ``delay`` s after it holds ``trigger``; False if it ended first."""
    proc = hotspots(*args)
    wait_until_open(proc, trigger)
    time.sleep(delay)
    if proc.poll() is not None:
        out, err = proc.communicate()
        assert proc.returncode == 0, out + err
        return False
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return True


def data(path: Path) -> dict:
    """Rows and a content checksum per data table (the audit log aside), read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f'SELECT count(*), sum(hash(x)) FROM "{t}" AS x').fetchone() for t in DATA_TABLES}
    finally:
        con.close()


def per_import(con) -> dict[int, int]:
    return dict(con.execute("SELECT import_id, count(*) FROM incidents GROUP BY ALL").fetchall())


def check_consistent(con, *, audited_imports: bool = False) -> None:
    """Every import holds exactly its accepted rows and its rejected and outside rows; nothing is orphaned;
    with ``audited_imports``, each import has its audit entry and each import entry its import (a restore
    keeps the replaced store's entries, so not after one)."""
    bad = con.execute(
        """SELECT i.import_id, i.rows_accepted, (SELECT count(*) FROM incidents x WHERE x.import_id = i.import_id),
                  i.rows_rejected + i.rows_outside,
                  (SELECT count(*) FROM rejected_rows r WHERE r.import_id = i.import_id)
           FROM imports i""").fetchall()
    for import_id, accepted, stored, refused, listed in bad:
        assert stored == accepted, f"import #{import_id}: {stored:,} incidents stored, {accepted:,} accepted"
        assert listed == refused, f"import #{import_id}: {listed:,} rejected rows listed, {refused:,} counted"
    for table in ("incidents", "rejected_rows"):
        orphans = con.execute(
            f"SELECT count(*) FROM {table} WHERE import_id NOT IN (SELECT import_id FROM imports)").fetchone()[0]
        assert orphans == 0, f"{orphans} {table} rows belong to no import"
    if not audited_imports:
        return
    imports = {i for (i,) in con.execute("SELECT import_id FROM imports").fetchall()}
    audited = {int(i) for (i,) in con.execute(
        "SELECT json_extract(detail, '$.import') FROM audit WHERE action = 'import'").fetchall()}
    assert audited == imports, f"imports {sorted(imports)} but audit entries for {sorted(audited)}"


def leftovers(folder: Path, marker: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if marker in p.name)


# -------------------------------------------------------------------------------------------- import


def test_sigkill_during_import_leaves_a_consistent_store_and_the_import_can_be_rerun(tmp_path, base_store, big_file):
    started = time.perf_counter()
    db = tmp_path / "store.duckdb"
    shutil.copyfile(base_store, db)
    args = ("import", "police-uk", big_file, "--db", db, "--within", "none", "--quiet")

    scratch = tmp_path / "scratch" / "store.duckdb"
    scratch.parent.mkdir()
    shutil.copyfile(base_store, scratch)
    work = measure(("import", "police-uk", big_file, "--db", scratch, "--within", "none", "--quiet"), scratch)
    plan = delays(work)

    con = connect(db)
    earlier = per_import(con)
    con.close()
    assert sum(earlier.values()) == 1_004 + 984

    outcome = []
    for delay in plan:
        killed = kill_after(args, db, delay)
        con = connect(db)  # reopens (replaying its log when the kill left one)
        try:
            check_consistent(con, audited_imports=True)
            now = per_import(con)
            # Every earlier row is still there, and the killed import is all in or all out.
            assert {i: now.get(i) for i in earlier} == earlier
            added = {i: n for i, n in now.items() if i not in earlier}
            assert sum(added.values()) in (0, ROWS), added
            committed = bool(added)
        finally:
            con.close()
        outcome.append((delay, "killed" if killed else "finished", "committed" if committed else "rolled back"))
    mid = [d for d, k, c in outcome if k == "killed" and c == "rolled back"]
    assert len(mid) >= 3, f"too few kills landed in the import's transaction: {outcome}"

    # Re-run the import to the end: it accepts exactly the rows the killed runs did not store.
    con = connect(db)
    stored = con.execute("SELECT count(*) FROM incidents").fetchone()[0] - sum(earlier.values())
    con.close()
    proc = hotspots(*args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert f"{ROWS:,} rows read, {ROWS - stored:,} accepted, {stored:,} already in the store" in out, out
    con = connect(db)
    try:
        check_consistent(con, audited_imports=True)
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == sum(earlier.values()) + ROWS
    finally:
        con.close()
    print(f"\nimport: work {work:.2f} s after opening the store; kills {outcome}; "
          f"{time.perf_counter() - started:.1f} s in all")


# -------------------------------------------------------------------------------------------- backup


def test_sigkill_during_backup_leaves_the_store_whole_and_no_half_backup(tmp_path, base_store, big_file):
    started = time.perf_counter()
    db = tmp_path / "store.duckdb"
    shutil.copyfile(base_store, db)
    con = connect(db)
    import_file(con, "police-uk", big_file, within="none", actor="cli:faults")  # a store worth copying
    con.close()
    before = data(db)
    out = tmp_path / "backups" / "store-backup.duckdb"
    work = measure(("backup", "--out", tmp_path / "scratch" / "b.duckdb", "--db", db), db)
    assert data(db) == before

    outcome = []
    for delay in delays(work, seed=SEED + 1):
        killed = kill_after(("backup", "--out", out, "--db", db), db, delay)
        assert data(db) == before  # the store opens with all its rows
        con = connect(db)
        check_consistent(con)
        con.close()
        if out.exists():  # under the final name only a whole backup of the store
            inspect(out)
            assert data(out) == before
        outcome.append((delay, "killed" if killed else "finished", "backup there" if out.exists() else "none"))
    assert sum(1 for _, k, b in outcome if k == "killed" and b == "none") >= 2, outcome

    # A backup run to the end removes what killed ones left, and is whole.
    proc = hotspots("backup", "--out", out, "--db", db)
    stdout, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, stdout + err
    assert leftovers(out.parent, ".partial-") == []
    assert data(out) == before
    print(f"\nbackup: work {work:.2f} s after opening the store; kills {outcome}; "
          f"{time.perf_counter() - started:.1f} s in all")


# ------------------------------------------------------------------------------------------- restore


def test_sigkill_during_restore_leaves_the_old_or_the_restored_store_never_a_mix(tmp_path, base_store, big_file):
    started = time.perf_counter()
    db = tmp_path / "store.duckdb"
    shutil.copyfile(base_store, db)
    con = connect(db)
    import_file(con, "police-uk", big_file, within="none", actor="cli:faults")
    con.close()
    backup_file = tmp_path / "backup.duckdb"
    proc = hotspots("backup", "--out", backup_file, "--db", db)
    assert proc.wait(timeout=300) == 0, proc.communicate()
    restored = data(backup_file)

    def change_store():
        # After the backup: March is imported, so the store and the backup differ.
        c = connect(db)
        import_file(c, "police-uk", DARTFORD_GRAVESHAM / "2024-03-kent-street-dartford-gravesham.csv",
                    actor="cli:faults")
        c.close()
        return data(db)

    old = change_store()
    assert old != restored
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copyfile(db, scratch / "store.duckdb")
    work = measure(("restore", backup_file, "--db", scratch / "store.duckdb", "--yes"), backup_file)

    outcome = []
    for delay in delays(work, seed=SEED + 2):
        killed = kill_after(("restore", backup_file, "--db", db, "--yes"), backup_file, delay)
        assert db.is_file(), "the store path is never without a store"
        now = data(db)
        assert now in (old, restored), "the store is neither the old one nor the backup"
        con = connect(db)
        try:
            check_consistent(con)
            restores = con.execute("SELECT count(*) FROM audit WHERE action = 'restore'").fetchone()[0]
        finally:
            con.close()
        state = "old" if now == old else "restored"
        if state == "restored":  # swapped in, with its audit entry; change it again for the next kill
            assert restores >= 1
            old = change_store()
        outcome.append((delay, "killed" if killed else "finished", state))
    assert sum(1 for _, k, s in outcome if k == "killed" and s == "old") >= 2, outcome

    # Every store kept aside is a whole store.
    for kept in leftovers(tmp_path, ".before-restore-"):
        if not kept.name.endswith(".wal"):
            c = duckdb.connect(str(kept), read_only=True)
            assert c.execute("SELECT count(*) FROM incidents").fetchone()[0] > 0
            c.close()
    # A restore run to the end clears what killed ones left and puts the backup back.
    proc = hotspots("restore", backup_file, "--db", db, "--yes")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert data(db) == restored
    assert leftovers(tmp_path, ".restoring-") == []
    assert not any(os.path.samefile(p, db) for p in leftovers(tmp_path, ".before-restore-"))
    print(f"\nrestore: work {work:.2f} s after opening the backup; kills {outcome}; "
          f"{time.perf_counter() - started:.1f} s in all")
