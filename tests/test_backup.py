"""Backup and restore, and opening a damaged store: real DuckDB files made from real police.uk rows.

Each store here is a real store: the January 2024 Kent Police file for Dartford and
Gravesham imported with the real importer (1,004 Dartford rows). Damaged stores are
made the way they happen: a file cut short, bytes changed, a log left by a killed
process, another kind of file in its place.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from queries import audit
from queries.backup import BackupError, backup, inspect, restore
from queries.importing import import_file
from queries.schema import MIGRATIONS, SCHEMA_VERSION
from queries.store import PROJECT_ROOT, StoreError, connect, wal_files
from tests.fixtures import DARTFORD_GRAVESHAM

pytestmark = pytest.mark.skipif(not DARTFORD_GRAVESHAM.exists(), reason="shared police.uk data not present")

JAN = DARTFORD_GRAVESHAM / "2024-01-kent-street-dartford-gravesham.csv"
FEB = DARTFORD_GRAVESHAM / "2024-02-kent-street-dartford-gravesham.csv"
MAR = DARTFORD_GRAVESHAM / "2024-03-kent-street-dartford-gravesham.csv"
ACTOR = "cli:tester"
DATA_TABLES = ("imports", "incidents", "rejected_rows", "users", "store_settings", "schema_version")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A closed store holding the January file (1,004 Dartford incidents), one user and its audit entries."""
    path = tmp_path_factory.mktemp("template") / "store.duckdb"
    con = connect(path)
    report = import_file(con, "police-uk", JAN, actor=ACTOR)
    assert report.accepted == 1_004
    con.execute("INSERT INTO users VALUES ('ana', 'analyst', NULL, ['offence', 'asb'], 'KCC', now(), 'cli:tester')")
    con.close()
    assert not wal_files(path)
    return path


@pytest.fixture
def store(template, tmp_path) -> Path:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(template, path)
    return path


def checksums(path: Path, tables=DATA_TABLES) -> dict:
    """Rows and an order-independent content checksum per table (read-only)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f'SELECT count(*), sum(hash(x)) FROM "{t}" AS x').fetchone() for t in tables}
    finally:
        con.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".restoring-" in p.name)


# ------------------------------------------------------------------------------------------ round trip


def test_round_trip_restores_the_rows_keeps_the_old_store_and_continues_the_ids(store, tmp_path):
    con = connect(store)
    report = backup(con, tmp_path / "backups" / "monday.duckdb", actor=ACTOR)
    assert report.path == tmp_path / "backups" / "monday.duckdb" and report.path.exists()
    assert report.tables["incidents"] == 1_004 and report.tables["imports"] == 1 and report.tables["users"] == 1
    assert report.bytes == report.path.stat().st_size and len(report.sha256) == 64
    assert leftovers(report.path.parent) == [] and not wal_files(report.path)
    store_copy = report.path
    at_backup = checksums(store_copy)

    # Change the store after the backup: another import and a user removed.
    feb = import_file(con, "police-uk", FEB, actor=ACTOR)
    assert feb.import_id == 2 and feb.accepted == 984
    con.execute("DELETE FROM users")
    used_ids = [r[0] for r in con.execute("SELECT audit_id FROM audit").fetchall()]
    con.close()
    changed = checksums(store)
    assert changed["incidents"][0] == 1_004 + 984

    done = restore(store_copy, store, actor=ACTOR)
    assert done.path == store and done.replaced is not None and done.replaced.exists()
    assert done.replaced.name.startswith("store.duckdb.before-restore-")
    assert done.tables["incidents"] == 1_004 and done.replaced_note is None
    assert leftovers(tmp_path) == [] and not wal_files(store)

    # The data tables are exactly the backup's; the replaced store is kept whole.
    assert checksums(store, DATA_TABLES) == {t: at_backup[t] for t in DATA_TABLES}
    assert checksums(done.replaced) == changed

    con = connect(store)
    try:
        log = con.execute("SELECT audit_id, action, outcome, detail FROM audit ORDER BY audit_id").fetchall()
        actions = [a for _, a, _, _ in log]
        # January's import, the backup, February's import (carried over from the replaced store), the restore.
        assert actions == ["import", "backup", "import", "restore"], log
        assert [i for i, *_ in log][:3] == used_ids
        assert '"carried_audit_entries": 2' in log[-1][3] and str(store_copy.resolve()) in log[-1][3]
        assert len({i for i, *_ in log}) == len(log)

        # A new import after the restore gets an id above every id either store used: February's #2 is not reused.
        mar = import_file(con, "police-uk", MAR, actor=ACTOR)
        assert mar.accepted == 1_161 and mar.import_id > 2
        assert con.execute("SELECT count(*) FROM incidents WHERE import_id = ?", [mar.import_id]).fetchone()[0] == 1_161
        audit.record(con, ACTOR, "export")
        ids = [i for (i,) in con.execute("SELECT audit_id FROM audit ORDER BY logged_at, audit_id").fetchall()]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[-1] > max(used_ids)
    finally:
        con.close()


def test_backup_is_one_consistent_snapshot_while_other_threads_import_and_read(store, tmp_path):
    """The dashboard's pattern: one read-write connection, sessions importing and reading through cursors."""
    con = connect(store)
    files = [FEB, MAR, DARTFORD_GRAVESHAM / "2024-04-kent-street-dartford-gravesham.csv"]
    errors: list[BaseException] = []
    stop = threading.Event()

    def importer():
        try:
            with con.cursor() as cur:
                for f in files:
                    import_file(cur, "police-uk", f, actor=ACTOR)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    def reader():
        try:
            with con.cursor() as cur:
                while not stop.is_set():
                    cur.execute("SELECT category, count(*) FROM incidents GROUP BY ALL").fetchall()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=importer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    reports = [backup(con, tmp_path / f"b{i}.duckdb") for i in range(3)]
    threads[0].join()
    stop.set()
    threads[1].join()
    assert not errors, errors
    final = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
    con.close()
    assert final == 1_004 + 984 + 1_161 + 1_001
    for r in reports:
        b = duckdb.connect(str(r.path), read_only=True)
        try:
            per_import = b.execute(
                "SELECT i.import_id, i.rows_accepted, count(x.import_id) FROM imports i "
                "LEFT JOIN incidents x USING (import_id) GROUP BY ALL ORDER BY 1").fetchall()
            assert all(accepted == n for _, accepted, n in per_import), per_import
            assert b.execute("SELECT count(*) FROM incidents").fetchone()[0] == r.tables["incidents"]
            assert b.execute("SELECT count(*) FROM incidents WHERE import_id NOT IN "
                             "(SELECT import_id FROM imports)").fetchone()[0] == 0
        finally:
            b.close()


def test_backup_into_a_folder_gets_a_dated_name_and_refuses_the_store_itself(store, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    con = connect(store)
    try:
        report = backup(con, folder)
        assert report.path.parent == folder and report.path.name.startswith("store-")
        assert report.path.suffix == ".duckdb"
        with pytest.raises(BackupError, match="is the store itself"):
            backup(con, store)
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        with pytest.raises(BackupError, match="cannot create the folder"):
            backup(con, blocker / "x.duckdb")
        # A failed backup is recorded as failed.
        backup(con, folder / "ok.duckdb", actor=ACTOR)
        with pytest.raises(BackupError):
            backup(con, store, actor=ACTOR)
        outcomes = con.execute("SELECT outcome FROM audit WHERE action = 'backup' ORDER BY audit_id").fetchall()
        assert outcomes == [("ok",), ("failed",)]
    finally:
        con.close()
    assert checksums(store)["incidents"][0] == 1_004
    assert sorted(p.name for p in folder.iterdir()) == sorted([report.path.name, "ok.duckdb"])


def test_backup_from_a_read_only_connection(store, tmp_path):
    con = connect(store, read_only=True)
    try:
        report = backup(con, tmp_path / "ro.duckdb")
    finally:
        con.close()
    assert report.tables["incidents"] == 1_004
    assert checksums(report.path) == checksums(store)


def test_a_stale_partial_file_from_a_killed_backup_is_removed_by_the_next_one(store, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"b.duckdb.partial-{dead.stdout.strip()}"
    stale.write_bytes(b"half a backup")
    con = connect(store)
    try:
        backup(con, tmp_path / "b.duckdb")
    finally:
        con.close()
    assert not stale.exists() and (tmp_path / "b.duckdb").exists()


def test_restore_of_an_older_schema_backup_migrates_it(tmp_path):
    old = tmp_path / "schema1.duckdb"
    con = duckdb.connect(str(old))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)")
    con.execute(MIGRATIONS[0][2])
    con.execute("INSERT INTO schema_version VALUES (1, 'x', now())")
    con.close()
    c = duckdb.connect(str(old))  # an import as schema 1 recorded it (no audit table then)
    c.execute("INSERT INTO imports VALUES (7, 'f.csv', 'x', 'police-uk', 'police.uk', 'dartford', now(), now(), "
              "1, 1, 0, 0, 0, 0, NULL)")
    c.execute("SELECT nextval('import_id_seq') FROM range(7)").fetchall()
    c.close()
    assert inspect(old).schema_version == 1

    target = tmp_path / "store.duckdb"
    done = restore(old, target, actor=ACTOR)  # onto a path with no store: nothing to keep
    assert done.replaced is None and done.backup_schema_version == 1
    assert "schema 1 migrated to" in done.summary()
    con = connect(target)
    try:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("SELECT action FROM audit").fetchall() == [("restore",)]
        assert con.execute("SELECT nextval('import_id_seq')").fetchone()[0] > 7
    finally:
        con.close()


# ------------------------------------------------------------------------------------------- refusals


def _newer_schema(store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "newer.duckdb"
    shutil.copyfile(store, path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, 'from the future', now())", [SCHEMA_VERSION + 1])
    con.close()
    return path


def _not_ours(store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE measurements AS SELECT range AS i FROM range(10)")
    con.close()
    return path


def _truncated(store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cut.duckdb"
    data = store.read_bytes()
    path.write_bytes(data[: len(data) - 100_000])
    return path


def _text(store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "notes.duckdb"
    path.write_text("Crime ID,Month\n" * 50)
    return path


def _missing(store: Path, tmp_path: Path) -> Path:
    return tmp_path / "no-such-backup.duckdb"


@pytest.mark.parametrize("make, says", [
    (_newer_schema, f"newer version of this program \\(store schema {SCHEMA_VERSION + 1}"),
    (_not_ours, "not a hotspots store"),
    (_truncated, "is truncated"),
    (_text, "is not a DuckDB store: it holds text"),
    (_missing, "no such file"),
], ids=["newer-schema", "not-ours", "truncated", "text", "missing"])
def test_restore_refuses_a_bad_backup_and_leaves_the_store_alone(store, tmp_path, make, says):
    bad = make(store, tmp_path)
    before = checksums(store)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(BackupError, match=says) as caught:
        restore(bad, store, actor=ACTOR)
    assert str(bad) in str(caught.value)
    assert checksums(store) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no kept copy, no temporary file


def test_restore_refuses_a_store_another_process_holds(store, tmp_path):
    con = connect(store)
    b = backup(con, tmp_path / "b.duckdb")
    con.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
                               "sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="the store is busy") as caught:
            restore(b.path, store, actor=ACTOR)
        assert str(store) in str(caught.value) and "stop the dashboard" in str(caught.value)
        assert leftovers(tmp_path) == [] and not list(tmp_path.glob("*before-restore*"))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # This process holding it is refused too (restoring under a live connection would lose its writes).
    con = connect(store)
    try:
        with pytest.raises(StoreError, match="this process has the store open"):
            restore(b.path, store)
    finally:
        con.close()
    assert checksums(store)["incidents"][0] == 1_004


def _leave_log(path: Path, n_users: int) -> None:
    """Commit changes and stop without a checkpoint, as a killed process does: they stay in the log."""
    con = connect(path)
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute("INSERT INTO users SELECT 'u' || range, 'viewer', NULL, NULL, NULL, now(), 'x' FROM range(?)",
                [n_users])
    con.close()
    assert wal_files(path) and path.with_name(path.name + ".wal").stat().st_size > 0


def test_restore_over_a_store_with_a_log_keeps_its_changes_with_it_and_never_replays_it(store, tmp_path):
    con = connect(store)
    b = backup(con, tmp_path / "b.duckdb")
    con.close()
    _leave_log(store, 5)
    done = restore(b.path, store)
    assert not wal_files(store)
    assert checksums(store)["users"][0] == 1  # the backup's one user: the old log was not replayed here
    # The log was folded into the kept store first, so it holds the logged users.
    assert not done.wal_kept and checksums(done.replaced)["users"][0] == 6


def test_restore_over_a_damaged_store_keeps_it_and_its_log_as_they_were(store, tmp_path):
    con = connect(store)
    b = backup(con, tmp_path / "b.duckdb")
    con.close()
    garbage = os.urandom(5_000)
    store.with_name("store.duckdb.wal").write_bytes(garbage)
    done = restore(b.path, store, actor=ACTOR)
    assert done.replaced_note and "write-ahead log" in done.replaced_note
    assert [p.name for p in done.wal_kept] == [done.replaced.name + ".wal"]
    assert done.wal_kept[0].read_bytes() == garbage
    assert not wal_files(store) and checksums(store)["incidents"][0] == 1_004

    # A store that is not a store at all (random bytes) is replaced too, and kept.
    noise = os.urandom(300_000)
    store.write_bytes(noise)
    again = restore(b.path, store, actor=ACTOR)
    assert again.replaced.read_bytes() == noise and "not a DuckDB store" in again.replaced_note
    con = connect(store)
    try:
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1_004
        assert [a for (a,) in con.execute("SELECT action FROM audit ORDER BY audit_id").fetchall()][-1] == "restore"
    finally:
        con.close()


# ------------------------------------------------------------------ opening a damaged or missing store


def _real_log(store: Path) -> bytes:
    _leave_log(store, 50)
    return store.with_name(store.name + ".wal").read_bytes()


def _cut(at):
    def make(store: Path) -> Path:
        data = store.read_bytes()
        store.write_bytes(data[: at(len(data))])
        return store
    return make


def _flip(offset):
    def make(store: Path) -> Path:
        data = bytearray(store.read_bytes())
        data[offset:offset + 64] = bytes(b ^ 0xFF for b in data[offset:offset + 64])
        store.write_bytes(bytes(data))
        return store
    return make


def _replace(content: bytes):
    def make(store: Path) -> Path:
        store.write_bytes(content)
        return store
    return make


def _garbage_log(store: Path) -> Path:
    store.with_name(store.name + ".wal").write_bytes(os.urandom(20_000))
    return store


def _text_log(store: Path) -> Path:
    store.with_name(store.name + ".wal").write_text("2024-01-01 import started\n" * 40)
    return store


def _log_with_a_bad_entry(store: Path) -> Path:
    wal = _real_log(store)
    mid = len(wal) // 2
    store.with_name(store.name + ".wal").write_bytes(wal[:mid] + bytes(64) + wal[mid + 64:])
    return store


def _folder(store: Path) -> Path:
    store.unlink()
    store.mkdir()
    return store


def _sqlite(store: Path) -> Path:
    store.unlink()
    c = sqlite3.connect(store)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    return store


#: (make, what the message must say); each damages the fresh copy of the template store.
DAMAGE = {
    "random-bytes": (_replace(os.urandom(200_000)), "is not a DuckDB store: it holds other data"),
    "text-file": (_replace(b"Crime ID,Month,Reported by\r\n" * 100), "is not a DuckDB store: it holds text"),
    "zero-bytes": (_replace(b""), "is an empty file"),
    "cut-at-100": (_cut(lambda n: 100), "is truncated"),
    "cut-at-4k": (_cut(lambda n: 4096), "is truncated"),
    "cut-after-headers": (_cut(lambda n: 12_289), "is truncated"),
    "cut-in-half": (_cut(lambda n: n // 2), "is truncated"),
    "cut-last-block": (_cut(lambda n: n - 262_144), "is truncated"),
    "cut-last-byte": (_cut(lambda n: n - 1), "is truncated"),
    "damaged-header": (_flip(100), "does not match its checksum"),
    "damaged-db-header": (_flip(4_096 + 40), "does not match its checksum"),
    "garbage-log": (_garbage_log, "write-ahead log store.duckdb.wal is damaged: it is not a DuckDB log"),
    "text-log": (_text_log, "write-ahead log store.duckdb.wal is damaged: it is not a DuckDB log"),
    "log-bad-entry": (_log_with_a_bad_entry, "write-ahead log store.duckdb.wal is damaged"),
    "folder": (_folder, "is a folder, not a store file"),
    "sqlite": (_sqlite, "is an SQLite database"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
@pytest.mark.parametrize("mode", ["read-write", "read-only", "no-create"])
def test_a_damaged_store_gives_a_clear_store_error(store, case, mode):
    make, says = DAMAGE[case]
    path = make(store)
    kwargs = {"read-write": {}, "read-only": {"read_only": True}, "no-create": {"create": False}}[mode]
    with pytest.raises(StoreError) as caught:
        connect(path, **kwargs).close()
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and says in text, text
    if case not in ("folder", "sqlite", "text-file"):  # those say to check the path first
        assert f"python -m hotspots restore BACKUP.duckdb --db {path}" in text, text
    if "log" not in case and case != "folder":
        assert f"python -m hotspots demo --db {path} --force" in text, text


@pytest.mark.parametrize("kwargs", [{"read_only": True}, {"create": False}], ids=["read-only", "no-create"])
def test_a_missing_store_says_how_to_make_one(tmp_path, kwargs):
    path = tmp_path / "nothing.duckdb"
    with pytest.raises(StoreError, match="no store here") as caught:
        connect(path, **kwargs)
    assert f"python -m hotspots demo --db {path}" in str(caught.value)
    assert f"python -m hotspots restore BACKUP.duckdb --db {path}" in str(caught.value)
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_store_says_permission_denied(store):
    store.chmod(0)
    try:
        with pytest.raises(StoreError, match="permission denied"):
            connect(store)
    finally:
        store.chmod(0o644)


def test_a_real_log_and_a_torn_log_still_open(store):
    """The log check accepts DuckDB's own logs: a whole one is replayed, a torn tail is dropped."""
    wal = _real_log(store)
    con = connect(store, read_only=True)  # read-only: replayed in memory, the log stays
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 51
    con.close()
    store.with_name(store.name + ".wal").write_bytes(wal[: len(wal) - 10])  # a crash mid-write
    con = connect(store)
    try:
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 1  # the torn transaction is dropped
    finally:
        con.close()


def test_info_on_a_damaged_store_prints_an_error_and_exits_2(template, tmp_path):
    """The real command line on each damaged file: one `error:` message, exit 2, no traceback."""
    cases = DAMAGE  # (`info` creates a store where there is none, so a missing file is not an error for it)
    procs = {}
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("HOTSPOTS_DB", None)
    for case, (make, _) in cases.items():
        folder = tmp_path / case
        folder.mkdir()
        path = folder / "store.duckdb"
        shutil.copyfile(template, path)
        path = make(path)
        procs[case] = (path, subprocess.Popen(
            [sys.executable, "-m", "hotspots", "info", "--db", str(path)], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for case, (path, proc) in procs.items():
        out, err = proc.communicate(timeout=120)
        says = cases[case][1]
        assert proc.returncode == 2, (case, out, err)
        assert err.startswith(f"error: {path}: ") and says in err, (case, err)
        assert "Traceback" not in err and out == "", (case, err)
        assert err.count("\n") == 1, (case, err)


def test_backup_and_restore_on_the_command_line(store, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("HOTSPOTS_DB", None)

    def hotspots(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "hotspots", *map(str, args)], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120, input=stdin)

    made = hotspots("backup", "--out", tmp_path / "b" / "one.duckdb", "--db", store)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"backed up {store} to {tmp_path / 'b' / 'one.duckdb'}: ")
    assert "(1,004 incidents)" in made.stdout and " MB, " in made.stdout and made.stdout.count("\n") == 1

    refused = hotspots("restore", tmp_path / "b" / "one.duckdb", "--db", store, stdin="")
    assert refused.returncode == 2 and refused.stderr.startswith("error: ") and "--yes" in refused.stderr

    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(os.urandom(10_000))
    refused = hotspots("restore", bad, "--db", store, "--yes")
    assert refused.returncode == 2 and refused.stderr.startswith(f"error: {bad}: ")
    assert "the store was not changed" in refused.stderr and "Traceback" not in refused.stderr

    put_back = hotspots("restore", tmp_path / "b" / "one.duckdb", "--db", store, "--yes")
    assert put_back.returncode == 0, put_back.stderr
    assert put_back.stdout.startswith(f"restored {tmp_path / 'b' / 'one.duckdb'} into {store}: ")
    assert "the replaced store is kept as" in put_back.stdout

    missing = hotspots("backup", "--out", tmp_path / "x.duckdb", "--db", tmp_path / "none.duckdb")
    assert missing.returncode == 2 and "no store here" in missing.stderr and not (tmp_path / "x.duckdb").exists()

    log = hotspots("audit", "--db", store)
    assert log.returncode == 0, log.stderr
    actions = [line.split()[4] for line in log.stdout.splitlines()]
    assert actions == ["restore", "backup", "import"], log.stdout


def test_restore_clears_what_a_killed_restore_left(store, tmp_path):
    con = connect(store)
    b = backup(con, tmp_path / "b.duckdb")
    con.close()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    half = tmp_path / f"store.duckdb.restoring-{dead.stdout.strip()}"
    half.write_bytes(b"part of a copy")
    linked = tmp_path / "store.duckdb.before-restore-20240101-000000"
    os.link(store, linked)  # killed after naming the old store, before swapping: still the live store
    done = restore(b.path, store)
    assert not half.exists() and not linked.exists()
    assert done.replaced.exists() and done.replaced != linked
