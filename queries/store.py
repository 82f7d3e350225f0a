"""Opening the incident store: one DuckDB file, migrated to the current schema."""

import getpass
import os
import shlex
import time
from datetime import datetime
from pathlib import Path

import duckdb

from queries.schema import MIGRATIONS, SCHEMA_VERSION
from queries.spatial import load_spatial

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "hotspots.duckdb"


class StoreError(RuntimeError):
    """The store cannot be opened or is not one of ours; the message says why."""


def default_db_path() -> Path:
    """``$HOTSPOTS_DB`` if set, else ``data/hotspots.duckdb`` in the project."""
    env = os.environ.get("HOTSPOTS_DB")
    return Path(env) if env else DEFAULT_DB


def connect(
    db_path: str | Path | None = None, *, read_only: bool = False, wait: float = 0.0, create: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the store at ``db_path`` (created if ``create``, and migrated, if writable).

    A read-only connection requires an existing store at the current schema. When
    another process holds the store, retry for up to ``wait`` seconds before raising
    ``StoreError`` (DuckDB allows one writing process at a time). A file that is not
    a whole DuckDB store (missing, empty, truncated, another kind of file, a damaged
    write-ahead log, a folder, unreadable) raises ``StoreError`` saying so and what to do.
    """
    path = Path(db_path) if db_path is not None else default_db_path()
    if (read_only or not create) and not path.exists():
        raise StoreError(_missing(path))
    check_store_file(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    # A second connection in this process shares the first one's database (and its unwritten blocks):
    # the file was checked when the first one opened it.
    first_open = not held_by_this_process(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as exc:
            if _is_busy(exc) and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            raise StoreError(_open_error(path, exc, read_only)) from exc
    try:
        if first_open:
            check_open_store(con, path)
        load_spatial(con)
        if read_only:
            version = schema_version(con)
            if version != SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: schema version {version}, expected {SCHEMA_VERSION}; "
                    "open it once for writing (for example `python -m hotspots info`) to migrate it"
                )
        else:
            migrate(con)
    except StoreError as exc:
        con.close()
        text = str(exc)
        raise StoreError(text if text.startswith(str(path)) else f"{path}: {text}") from exc
    except duckdb.Error as exc:
        con.close()
        if not _is_damage(exc):
            raise
        raise StoreError(_open_error(path, exc, read_only)) from exc
    return con


#: The files DuckDB keeps beside a store while it has changes not yet checkpointed into it (the
#: write-ahead log, and during a checkpoint its successor and a recovery log). They belong to that
#: store file only: DuckDB 1.5 replays a log found beside a file without checking where it came from.
WAL_SUFFIXES = (".wal", ".checkpoint.wal", ".recovery.wal")
#: Bytes 8 to 11 of every DuckDB database file.
DUCKDB_MAGIC = b"DUCK"
#: How a DuckDB 1.5 write-ahead log starts: its version entry (field 100 ``wal_type`` = 98,
#: WAL_VERSION; field 101 ``version``). DuckDB reads a log that does not start so as a torn log and
#: silently ignores all of it, losing the changes it held; ``connect`` refuses it instead.
WAL_HEADER = (b"d\x00b", b"e\x00")
#: Header blocks before the first data block, in every DuckDB file (three of 4 KiB).
FILE_HEADER_BYTES = 3 * 4096


def wal_files(path: Path) -> list[Path]:
    """The write-ahead log files present beside the store file ``path``."""
    return [q for q in (path.with_name(path.name + s) for s in WAL_SUFFIXES) if q.exists()]


def restore_command(path: Path) -> str:
    return f"python -m hotspots restore BACKUP.duckdb --db {shlex.quote(str(path))}"


def _remedy(path: Path) -> str:
    p = shlex.quote(str(path))
    return (f"Restore it from a backup (`{restore_command(path)}`; the damaged file is kept beside it), "
            f"or, for the demo store, rebuild it (`python -m hotspots demo --db {p} --force`).")


def _missing(path: Path) -> str:
    p = shlex.quote(str(path))
    return (f"{path}: no store here. Build the demo store with `python -m hotspots demo --db {p}`, restore a "
            f"backup with `{restore_command(path)}`, or start an empty one with "
            f"`python -m hotspots user add NAME --role admin --db {p}`; check the path (--db or $HOTSPOTS_DB).")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return f"uid {os.getuid()}"


def check_store_file(path: Path, *, remedy: str | None = None) -> None:
    """Refuse, before DuckDB opens it, a path that cannot be a store: a folder, an unreadable file, an
    empty file, or a file that is not a DuckDB database (DuckDB would try to download an extension to
    read an SQLite file). A missing file passes (``connect`` creates it when asked to)."""
    remedy = remedy or _remedy(path)
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a store file. Give the store file itself with --db (for "
                         f"example {path / 'hotspots.duckdb'}) or set $HOTSPOTS_DB to it.")
    if not path.exists():
        return
    try:
        with path.open("rb") as f:
            head = f.read(64)
        size = path.stat().st_size
    except PermissionError:
        raise StoreError(f"{path}: cannot be read: permission denied for this user ({_user()}). Run the "
                         "command as the user that owns the store, or give this user read and write access "
                         f"to the file and its folder (see `ls -l {shlex.quote(str(path))}`).") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read: {exc.strerror or exc}. {remedy}") from None
    if size == 0:
        raise StoreError(f"{path}: is an empty file (0 bytes), not a store: a copy that did not finish or a "
                         f"full disk can leave one. {remedy}")
    if head.startswith(b"SQLite format 3\x00"):
        raise StoreError(f"{path}: is an SQLite database, not a DuckDB store. Check the path. {remedy}")
    if head[8:12] != DUCKDB_MAGIC:
        looks = "text" if _is_text(head) else "other data"
        raise StoreError(f"{path}: is not a DuckDB store: it holds {looks} ({size:,} bytes) without DuckDB's file "
                         f"header: another file was given, or the store was overwritten. "
                         f"Check the path. {remedy}")


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)


def check_open_store(con: duckdb.DuckDBPyConnection, path: Path, *, remedy: str | None = None) -> None:
    """Checks that need the store open (and locked against other writers): the file is as long as its
    header says (DuckDB opens a store cut short in its last blocks and fails later, or never notices),
    and its write-ahead log, if any, is one DuckDB can read."""
    if not path.is_file():  # e.g. ":memory:"
        return
    size = path.stat().st_size
    block_size, total_blocks, free_blocks = con.execute(
        "SELECT block_size, total_blocks, free_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchone()
    # Free blocks at the end are cut off the file by a checkpoint, so only blocks in use must fit.
    needed = FILE_HEADER_BYTES + block_size * (total_blocks - free_blocks)
    if size < needed:
        raise StoreError(f"{path}: is truncated: {size:,} bytes where the store needs {needed:,}, so part of it "
                         f"is missing (a copy that did not finish or a full disk can do this). {remedy or _remedy(path)}")
    wal = path.with_name(path.name + ".wal")
    if wal.is_file() and wal.stat().st_size > 0:
        with wal.open("rb") as f:
            head = f.read(5)
        if head[:3] != WAL_HEADER[0] or head[3:5] != WAL_HEADER[1]:
            raise StoreError(_wal_damaged(path, wal, "it is not a DuckDB log (overwritten, or copied from elsewhere)"))


def _wal_damaged(path: Path, wal: Path, what: str) -> str:
    return (f"{path}: its write-ahead log {wal.name} is damaged: {what}. It holds the changes made since the "
            "store was last checkpointed, and they cannot be read. The store file may be whole without them: "
            f"to open it as it was at its last checkpoint, move the log aside (`mv {shlex.quote(str(wal))} "
            f"{shlex.quote(str(wal) + '.damaged')}`); or restore from a backup (`{restore_command(path)}`).")


def held_by_this_process(path: Path) -> bool:
    """Whether this process has ``path`` open (a DuckDB connection holds its file open); False when
    the platform cannot tell (no /proc)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return False
    try:
        target = str(path.resolve())
    except OSError:
        return False
    try:
        entries = list(fds.iterdir())
    except OSError:
        return False
    for fd in entries:
        try:
            if os.readlink(fd) == target:
                return True
        except OSError:
            continue
    return False


def _is_busy(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "different configuration" in text


#: DuckDB's words for a damaged file, as of 1.5.
_DAMAGE = ("not a valid DuckDB database file", "Could not read enough bytes", "Corrupt database file",
           "Failure while replaying WAL", "Corrupt WAL file", "checksum")


def _is_damage(exc: Exception) -> bool:
    return isinstance(exc, duckdb.Error) and any(s in str(exc) for s in _DAMAGE)


def _open_error(path: Path, exc: Exception, read_only: bool, *, remedy: str | None = None) -> str:
    """What a failure to open means and what to do, in words."""
    text = str(exc)
    remedy = remedy or _remedy(path)
    if _is_busy(exc):
        # DuckDB lets one process write a file, and one process cannot hold it both read-only and
        # read-write; the dashboard keeps the store open for as long as it runs.
        doing = "reading" if read_only else "writing"
        return (f"{path}: the store is busy: another process holds it (the dashboard, which keeps it open while "
                f"it runs, or another import), so it cannot be opened for {doing} now. While the dashboard "
                "runs, import on its Data page and manage users and deletions on its Admin page; or stop the "
                "dashboard, run this again, and restart it. Behind another import, add --wait SECONDS.")
    said = f" (DuckDB: {text.splitlines()[0] if text else type(exc).__name__})"
    if "Failure while replaying WAL" in text or "Corrupt WAL file" in text:
        wal = path.with_name(path.name + ".wal")
        return _wal_damaged(path, wal, "DuckDB found a log entry whose checksum does not match") + said
    if "Could not read enough bytes" in text:
        return (f"{path}: is truncated: DuckDB needs parts of the store past the end of the file, so part of it "
                f"is missing (a copy that did not finish or a full disk can do this). {remedy}{said}")
    if "Corrupt database file" in text or "checksum" in text:
        return (f"{path}: is damaged: a block of the store does not match its checksum (a disk or copy error "
                f"changed it). {remedy}{said}")
    if "not a valid DuckDB database file" in text:
        return f"{path}: is not a DuckDB store. Check the path. {remedy}{said}"
    if "Permission denied" in text:
        return (f"{path}: cannot be opened: permission denied for this user ({_user()}). Run the command as the "
                "user that owns the store, or give this user read and write access to the file and its folder."
                + said)
    if "Is a directory" in text:
        return f"{path}: is a folder, not a store file. Give the store file itself with --db.{said}"
    if "does not exist" in text or "No such file" in text:
        return _missing(path) + said
    if "version number" in text or "storage version" in text.lower():
        return (f"{path}: was written by a different DuckDB version than this one ({duckdb.__version__}); use "
                f"the version pinned in requirements.txt, or restore a backup made by it.{said}")
    if "No space left" in text:
        return f"{path}: cannot be opened: the disk is full. Free some space and run this again.{said}"
    return f"{path}: cannot open the store. {remedy}{said}"


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the open store (0 for an empty file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the store; returns the resulting version."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"store schema version {current} is newer than this code ({SCHEMA_VERSION}); update the code"
        )
    for version, description, sql in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, datetime.now()]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


def compact(con: duckdb.DuckDBPyConnection) -> float:
    """Rewrite ``incidents`` in time order, so zone maps prune every row group on time filters.

    Each import is stored sorted already; this merges the sorted runs of many imports.
    Returns the seconds taken.
    """
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TEMP TABLE _ordered AS SELECT * FROM incidents ORDER BY occurred_at, layer, category")
        con.execute("DELETE FROM incidents")
        con.execute("INSERT INTO incidents SELECT * FROM _ordered")
        con.execute("DROP TABLE _ordered")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("CHECKPOINT")
    return time.perf_counter() - started
