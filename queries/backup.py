"""Backing up and restoring the store: one verified file out, one checked file back in.

``backup(con, out)`` copies the open store through ``con`` (the dashboard's own
read-write connection will do, while other threads read through cursors): it
attaches a new file and runs ``COPY FROM DATABASE`` in one transaction, so the copy
is one consistent snapshot of every table, sequence and constraint, whatever is
committed meanwhile. Sequences are copied at their current value (they are not
transactional, so possibly past the snapshot's last id), so a store restored from
the copy gives every later import and audit entry a new, larger id. The copy is
written to ``NAME.partial-PID`` beside the target, opened again and checked (schema
version, rows and a content checksum per table) and only then renamed to ``NAME``:
a failed or killed backup never leaves a file under the final name.

``restore(backup, db)`` checks the backup the same way (a DuckDB store of this
schema or an older one, which is migrated; a newer schema is refused), prepares the
new store beside the old one, and swaps it in with one rename while holding the old
file's lock, so the path always holds either the old store or the whole restored
one. The replaced store is kept as ``NAME.before-restore-YYYYmmdd-HHMMSS``, with its
write-ahead log if it had one (DuckDB would replay a log left beside the restored
file onto it). Audit entries the replaced store made since the backup are carried
over, and the import and audit id sequences are moved past every id the replaced
store used: the audit log only grows, and no import number is reused.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import itertools
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from queries import audit
from queries.schema import SCHEMA_VERSION
from queries.store import (
    WAL_SUFFIXES,
    StoreError,
    _is_busy,
    _open_error,
    check_open_store,
    check_store_file,
    connect,
    default_db_path,
    held_by_this_process,
    wal_files,
)

#: Tables every store has had since schema 1.
REQUIRED_TABLES = ("schema_version", "imports", "incidents", "rejected_rows")
AUDIT_FIELDS = ("audit_id", "logged_at", "actor", "role", "action", "outcome", "detail")

_aliases = itertools.count(1)


class BackupError(StoreError):
    """A backup cannot be made, or a file cannot be restored; the message says why and what to do."""


@dataclass
class Contents:
    """What a store file holds: its schema version and, per table, rows and a content checksum."""

    schema_version: int
    tables: dict[str, tuple[int, int]]  # name -> (rows, checksum)

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.tables.values())

    def counts(self) -> dict[str, int]:
        return {t: n for t, (n, _) in self.tables.items()}


@dataclass
class BackupReport:
    path: Path
    store: Path | None
    schema_version: int
    tables: dict[str, int]
    bytes: int
    seconds: float
    sha256: str

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def summary(self) -> str:
        return (f"backed up {self.store or 'the store'} to {self.path}: {self.rows:,} rows in {len(self.tables)} "
                f"tables ({self.tables.get('incidents', 0):,} incidents), {_size(self.bytes)}, "
                f"{self.seconds:.1f} s, verified")


@dataclass
class RestoreReport:
    path: Path
    backup: Path
    replaced: Path | None  # where the replaced store is kept (None: there was none)
    replaced_note: str | None  # why nothing was carried over from it, if so
    backup_schema_version: int
    tables: dict[str, int]
    bytes: int
    seconds: float
    sha256: str
    carried_audit: int = 0
    wal_kept: list[Path] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def summary(self) -> str:
        kept = f"; the replaced store is kept as {self.replaced}" if self.replaced else ""
        migrated = (f" (schema {self.backup_schema_version} migrated to {SCHEMA_VERSION})"
                    if self.backup_schema_version != SCHEMA_VERSION else "")
        return (f"restored {self.backup} into {self.path}: {self.rows:,} rows in {len(self.tables)} tables "
                f"({self.tables.get('incidents', 0):,} incidents){migrated}, {_size(self.bytes)}, "
                f"{self.seconds:.1f} s{kept}")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


# --------------------------------------------------------------------------------------------- backup


def backup(
    con: duckdb.DuckDBPyConnection,
    out_path: str | Path,
    *,
    actor: str | None = None,
    role: str | None = None,
) -> BackupReport:
    """Copy the store open on ``con`` to ``out_path`` (a file, or a folder to put a dated file in).

    With ``actor``, the backup is recorded in the store's audit log (``failed`` if it fails).
    """
    started = time.perf_counter()
    store = _database_file(con)
    out = Path(out_path)
    if out.is_dir() or str(out_path).endswith(os.sep):
        stem = store.stem if store else "hotspots"
        out = out / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}.duckdb"
    try:
        report = _backup(con, store, out, started)
    except BaseException as exc:
        if actor is not None and isinstance(exc, Exception):
            _record_quietly(con, actor, "backup", role, "failed", {"file": str(out), "error": str(exc)[:500]})
        raise
    if actor is not None:
        with con.cursor() as cur:
            audit.record(cur, actor, "backup", role=role,
                         detail={"file": str(report.path), "rows": report.rows, "bytes": report.bytes,
                                 "seconds": round(report.seconds, 2), "sha256": report.sha256})
    return report


def _backup(con, store: Path | None, out: Path, started: float) -> BackupReport:
    if store is not None and out.exists() and _same_file(out, store):
        raise BackupError(f"{out}: is the store itself; give a new file for the backup")
    if out.is_dir():
        raise BackupError(f"{out}: is a folder; give a file name for the backup")
    if store is not None and out.name in {store.name + s for s in WAL_SUFFIXES} and out.parent == store.parent:
        raise BackupError(f"{out}: is the store's write-ahead log; give a new file for the backup")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{out.parent}: cannot create the folder for the backup: {exc.strerror or exc}") from None
    _remove_stale_partials(out)
    tmp = out.with_name(f"{out.name}.partial-{os.getpid()}")
    checked = out.with_name(f"{out.name}.partial-{os.getpid()}-checked")
    _remove(tmp, checked, *_siblings(tmp), *_siblings(checked))
    try:
        source = _copy_database(con, tmp)
        if wal_files(tmp):
            raise BackupError(f"{tmp}: DuckDB left a write-ahead log beside the copy; the backup was not kept")
        # The copy is checked as a byte copy of its own: while a transaction that began before the copy
        # was detached is still running (an import in another session), DuckDB keeps the detached file
        # open and will not open it again in this process.
        sha256 = _copy_file(tmp, checked)
        _remove(tmp)
        copied = inspect(checked, what="the copy")
        if copied.schema_version != source.schema_version or copied.tables != source.tables:
            differ = sorted(t for t in set(copied.tables) | set(source.tables)
                            if copied.tables.get(t) != source.tables.get(t))
            raise BackupError(f"{out}: the copy does not match the store (tables {', '.join(differ) or '-'}, "
                              f"schema {copied.schema_version} against {source.schema_version}); not kept")
        os.replace(checked, out)
        _fsync_dir(out.parent)
    except BaseException:
        _remove(tmp, checked, *_siblings(tmp), *_siblings(checked))
        raise
    return BackupReport(path=out, store=store, schema_version=source.schema_version, tables=source.counts(),
                        bytes=out.stat().st_size, seconds=time.perf_counter() - started, sha256=sha256)


def _copy_database(con: duckdb.DuckDBPyConnection, tmp: Path) -> Contents:
    """Copy the main database of ``con`` into the new file ``tmp``; returns what the snapshot held."""
    cur = con.cursor()  # its own transaction, whatever the caller's connection is doing
    alias = f"hotspots_backup_{os.getpid()}_{next(_aliases)}"
    try:
        source_db = cur.execute("SELECT current_database()").fetchone()[0]
        try:
            # READ_WRITE: a read-only connection's attachments are read-only unless asked otherwise.
            cur.execute(f"ATTACH {_sql_string(str(tmp))} AS {alias} (READ_WRITE)")
        except duckdb.Error as exc:
            raise BackupError(f"{tmp}: cannot create the backup file: {exc}") from exc
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                source = _contents(cur, source_db)  # the same snapshot as the copy
                cur.execute(f"COPY FROM DATABASE {_sql_name(source_db)} TO {alias}")
                cur.execute("COMMIT")
                # Write the copy into its file now. A plain CHECKPOINT (and the one DETACH makes) is
                # skipped while any connection of the instance has a write transaction open, such as an
                # import in another session, which would leave the copy's contents in its log; FORCE
                # CHECKPOINT of the copy alone does not wait for or abort those transactions.
                cur.execute(f"FORCE CHECKPOINT {alias}")
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
        finally:
            cur.execute(f"DETACH {alias}")
    except duckdb.IOException as exc:
        raise BackupError(f"{tmp}: the backup could not be written: {str(exc).splitlines()[0]}") from exc
    finally:
        cur.close()
    return source


def _sql_name(name: str) -> str:
    """An SQL identifier for ``name``: the database name comes from the store's file name (we"ird.duckdb)."""
    return '"' + name.replace('"', '""') + '"'


def _contents(cur: duckdb.DuckDBPyConnection, database: str) -> Contents:
    tables = [t for (t,) in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND NOT temporary ORDER BY table_name", [database]).fetchall()]
    contents = {}
    for t in tables:
        # Reading every row also makes DuckDB check every block's checksum.
        n, h = cur.execute(
            f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {_sql_name(database)}.main.{_sql_name(t)} AS x"
        ).fetchone()
        contents[t] = (int(n), int(h))
    version = 0
    if "schema_version" in contents:
        version = cur.execute(
            f"SELECT coalesce(max(version), 0) FROM {_sql_name(database)}.main.schema_version").fetchone()[0]
    return Contents(schema_version=int(version), tables=contents)


def inspect(path: str | Path, *, what: str = "the backup") -> Contents:
    """Open the store file ``path`` read-only and read all of it; raises ``BackupError`` if it is not a
    whole store of this schema or an older one."""
    path = Path(path)
    remedy = "Choose another backup file." if what == "the backup" else "Nothing was kept; run the backup again."
    if not path.exists():
        raise BackupError(f"{path}: no such file. {remedy}")
    try:
        check_store_file(path, remedy=remedy)
    except StoreError as exc:
        raise BackupError(str(exc)) from None
    logs = wal_files(path)
    if logs:
        raise BackupError(f"{path}: has a write-ahead log beside it ({logs[0].name}): the file was opened and "
                          "changed after the backup was made, and the log holds part of its contents. Open it once "
                          f"(`python -m hotspots info --db {path}`) to fold the log in, then restore it.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupError(_open_error(path, exc, True, remedy=remedy)) from exc
    try:
        try:
            check_open_store(con, path, remedy=remedy)
            database = con.execute("SELECT current_database()").fetchone()[0]
            contents = _contents(con, database)
        except StoreError as exc:
            raise BackupError(str(exc)) from None
        except duckdb.Error as exc:
            raise BackupError(_open_error(path, exc, True, remedy=remedy)) from exc
    finally:
        con.close()
    missing = [t for t in REQUIRED_TABLES if t not in contents.tables]
    if missing:
        raise BackupError(f"{path}: is a DuckDB database but not a hotspots store (it has no "
                          f"{', '.join(missing)} table{'s' if len(missing) > 1 else ''}). {remedy}")
    if contents.schema_version > SCHEMA_VERSION:
        raise BackupError(f"{path}: was made by a newer version of this program (store schema "
                          f"{contents.schema_version}; this one knows schemas up to {SCHEMA_VERSION}). Update the "
                          "program first (git pull, then scripts/start.sh), then restore it.")
    if contents.schema_version < 1:
        raise BackupError(f"{path}: its schema_version table is empty: not a hotspots store. {remedy}")
    return contents


# -------------------------------------------------------------------------------------------- restore


@dataclass
class _Replaced:
    """The store being replaced, as read before the swap."""

    state: str  # "missing" | "ok" | "damaged"
    note: str | None = None
    audit: object = None  # a DataFrame of its audit entries
    max_import_id: int | None = None
    max_audit_id: int | None = None
    stamp: tuple | None = None


def restore(
    backup_path: str | Path,
    db_path: str | Path | None = None,
    *,
    actor: str | None = None,
    role: str | None = None,
) -> RestoreReport:
    """Replace the store at ``db_path`` with the backup ``backup_path``; see the module's notes.

    Raises ``BackupError`` for a file that is not a usable backup and ``StoreError`` when
    another process holds the store. With ``actor``, the restore is recorded in the
    restored store's audit log.
    """
    started = time.perf_counter()
    source = Path(backup_path)
    db = Path(db_path) if db_path is not None else default_db_path()
    if db.is_symlink():
        db = Path(os.path.realpath(db))
    if db.is_dir():
        raise BackupError(f"{db}: is a folder, not a store file; give the store file with --db")
    if source.exists() and db.exists() and _same_file(source, db):
        raise BackupError(f"{source}: is the store itself")
    if held_by_this_process(db):
        raise StoreError(f"{db}: this process has the store open; close it (the dashboard: stop it) before "
                         "restoring")
    contents = inspect(source)
    _remove_stale_restores(db)
    old = _read_replaced(db)

    tmp = db.with_name(f"{db.name}.restoring-{os.getpid()}")
    _remove(tmp, *_siblings(tmp))
    try:
        sha256 = _copy_file(source, tmp)
        con = connect(tmp)  # migrates a backup of an older schema
        try:
            carried = _carry_audit(con, old)
            _advance(con, "import_id_seq", old.max_import_id)
            top = con.execute("SELECT max(audit_id) FROM audit").fetchone()[0]
            _advance(con, "audit_id_seq", max(x for x in (top, old.max_audit_id, 0) if x is not None))
            if actor is not None:
                detail = {"backup": str(source.resolve()), "sha256": sha256, "rows": contents.rows,
                          "incidents": contents.counts().get("incidents", 0),
                          "backup_schema": contents.schema_version, "carried_audit_entries": carried}
                if old.state != "missing":
                    detail["replaced_state"] = old.state
                audit.record(con, actor, "restore", role=role, detail=detail)
            counts = {t: con.execute(f"SELECT count(*) FROM {_sql_name(t)}").fetchone()[0] for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND NOT temporary ORDER BY 1").fetchall()}
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if wal_files(tmp):
            raise BackupError(f"{tmp}: DuckDB left a write-ahead log beside the restored copy; nothing was replaced")
        for t, n in contents.counts().items():
            expected = n + (carried + (actor is not None) if t == "audit" else 0)
            if t != "schema_version" and counts.get(t) != expected:
                raise BackupError(f"{tmp}: table {t} holds {counts.get(t)} rows after preparing, not {expected}; "
                                  "nothing was replaced")
        replaced, kept_logs = _swap(tmp, db, old)
    except BaseException:
        _remove(tmp, *_siblings(tmp))
        raise
    return RestoreReport(path=db, backup=source, replaced=replaced, replaced_note=old.note,
                         backup_schema_version=contents.schema_version, tables=counts,
                         bytes=db.stat().st_size, seconds=time.perf_counter() - started, sha256=sha256,
                         carried_audit=carried, wal_kept=kept_logs)


def _read_replaced(db: Path) -> _Replaced:
    """Read what must outlive the replaced store (its audit entries, its largest ids), fold its
    write-ahead log into it, and note its file's identity; raises ``StoreError`` if it is busy."""
    if not db.exists():
        return _Replaced("missing")
    try:
        check_store_file(db)
    except StoreError as exc:
        return _Replaced("damaged", note=str(exc))
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as exc:
        if _is_busy(exc):
            raise StoreError(f"cannot restore now: {_open_error(db, exc, False)}") from exc
        return _Replaced("damaged", note=_open_error(db, exc, False))
    try:
        check_open_store(con, db)
        tables = {t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
        old = _Replaced("ok")
        ids = []
        if "imports" in tables:
            ids.append(con.execute("SELECT max(import_id) FROM imports").fetchone()[0])
        if "audit" in tables:
            old.audit = con.execute(f"SELECT {', '.join(AUDIT_FIELDS)} FROM audit ORDER BY audit_id").df()
            old.max_audit_id = _max_or_none([con.execute("SELECT max(audit_id) FROM audit").fetchone()[0],
                                             _sequence_value(con, "audit_id_seq")])
        old.max_import_id = _max_or_none([*ids, _sequence_value(con, "import_id_seq")])
        con.execute("CHECKPOINT")  # fold its log into it, so the kept file stands alone
    except (StoreError, duckdb.Error) as exc:
        con.close()
        text = str(exc) if isinstance(exc, StoreError) else _open_error(db, exc, False)
        return _Replaced("damaged", note=text)
    con.close()
    old.stamp = _stamp(db)
    return old


def _sequence_value(con, name: str) -> int | None:
    row = con.execute("SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ? "
                      "AND database_name = current_database()", [name]).fetchone()
    return row[0] if row else None


def _max_or_none(values) -> int | None:
    values = [int(v) for v in values if v is not None]
    return max(values) if values else None


def _carry_audit(con: duckdb.DuckDBPyConnection, old: _Replaced) -> int:
    """Append the replaced store's audit entries that the backup lacks; returns how many."""
    if old.audit is None or len(old.audit) == 0:
        return 0
    con.register("_replaced_audit", old.audit)
    con.execute("CREATE TEMP TABLE _carry AS SELECT * FROM _replaced_audit")
    con.unregister("_replaced_audit")
    con.execute(
        f"""CREATE TEMP TABLE _new AS SELECT c.* FROM _carry c WHERE NOT EXISTS (
              SELECT 1 FROM audit a WHERE {' AND '.join(f'a.{f} IS NOT DISTINCT FROM c.{f}' for f in AUDIT_FIELDS)})""")
    n = con.execute("SELECT count(*) FROM _new").fetchone()[0]
    if n:
        top = con.execute("SELECT greatest((SELECT max(audit_id) FROM audit), (SELECT max(audit_id) FROM _new))"
                          ).fetchone()[0]
        _advance(con, "audit_id_seq", top)
        # An entry keeps its number unless the backup used it for another entry (a backup of another store).
        con.execute(
            f"""INSERT INTO audit ({', '.join(AUDIT_FIELDS)})
                SELECT CASE WHEN audit_id IN (SELECT audit_id FROM audit) THEN nextval('audit_id_seq')
                            ELSE audit_id END, {', '.join(AUDIT_FIELDS[1:])}
                FROM _new ORDER BY audit_id""")
    con.execute("DROP TABLE _carry")
    con.execute("DROP TABLE _new")
    return int(n)


def _advance(con: duckdb.DuckDBPyConnection, sequence: str, at_least: int | None) -> None:
    """Move ``sequence`` on so that its next value is above ``at_least``."""
    if at_least is None:
        return
    value = con.execute(f"SELECT nextval('{sequence}')").fetchone()[0]
    if value < at_least:
        con.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [int(at_least - value)]).fetchone()


def _swap(tmp: Path, db: Path, old: _Replaced) -> tuple[Path | None, list[Path]]:
    """Put ``tmp`` in place of ``db`` with one rename, keeping the old store under a dated name."""
    before = _before_name(db)
    kept: list[Path] = []
    fd = None
    try:
        if db.exists():
            fd = os.open(db, os.O_RDWR)
            try:
                # DuckDB holds an fcntl lock on the whole file while a process has the store open (shared
                # when read-only); an exclusive one fails while any other process has it open, and keeps
                # DuckDB in other processes from opening it until the swap is done.
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EACCES, errno.EAGAIN):
                    raise StoreError(f"{db}: cannot restore now: the store is busy: another process opened it "
                                     "meanwhile (the dashboard or an import). Stop it and run this again.") from None
                raise
            if old.state == "ok" and (_stamp(db) != old.stamp or wal_files(db)):
                raise StoreError(f"{db}: cannot restore now: another process changed the store while the backup "
                                 "was being prepared. Stop it and run this again.")
            _link_or_copy(db, before)
        # Logs beside the old file go with it: DuckDB would replay them onto the restored file.
        for log in wal_files(db):
            target = before.with_name(before.name + log.name[len(db.name):])
            os.replace(log, target)
            kept.append(target)
        os.replace(tmp, db)
        _fsync_dir(db.parent)
    finally:
        if fd is not None:
            os.close(fd)
    return (before if before.exists() else None), kept


def _before_name(db: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = db.with_name(f"{db.name}.before-restore-{stamp}")
    n = 2
    while candidate.exists() or wal_files(candidate):
        candidate = db.with_name(f"{db.name}.before-restore-{stamp}-{n}")
        n += 1
    return candidate


# ---------------------------------------------------------------------------------------------- files


def _database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    with con.cursor() as cur:
        row = cur.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _siblings(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in WAL_SUFFIXES]


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _remove_stale_partials(out: Path) -> None:
    """Remove ``NAME.partial-PID`` files left by backups to ``out`` that were killed."""
    for p in out.parent.glob(f"{out.name}.partial-*"):
        pid = re.match(r"\d+", p.name[len(out.name) + len(".partial-"):])
        if pid and not _alive(int(pid.group())):
            _remove(p)


def _remove_stale_restores(db: Path) -> None:
    """Remove what a killed restore of ``db`` left: its ``NAME.restoring-PID`` copy, and a
    ``NAME.before-restore-*`` name made for the store that it never swapped out (so still the store)."""
    for p in db.parent.glob(f"{db.name}.restoring-*"):
        pid = re.match(r"\d+", p.name[len(db.name) + len(".restoring-"):])
        if pid and not _alive(int(pid.group())) and not any(p.name.endswith(s) for s in WAL_SUFFIXES):
            _remove(p, *_siblings(p))
    if db.exists():
        for p in db.parent.glob(f"{db.name}.before-restore-*"):
            if not any(p.name.endswith(s) for s in WAL_SUFFIXES) and _same_file(p, db):
                _remove(p)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _copy_file(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` and flush it to disk; returns the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("xb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _record_quietly(con, actor: str, action: str, role, outcome: str, detail: dict) -> None:
    try:
        with con.cursor() as cur:
            audit.record(cur, actor, action, role=role, outcome=outcome, detail=detail)
    except Exception:
        pass  # the failure itself is what the caller reports
