"""Opening the incident store: one DuckDB file, migrated to the current schema."""

import os
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
    ``StoreError`` (DuckDB allows one writing process at a time).
    """
    path = Path(db_path) if db_path is not None else default_db_path()
    if (read_only or not create) and not path.exists():
        raise StoreError(f"{path}: no store here; build one with `python -m hotspots demo --db {path}`")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
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
    load_spatial(con)
    if read_only:
        version = schema_version(con)
        if version != SCHEMA_VERSION:
            con.close()
            raise StoreError(
                f"{path}: schema version {version}, expected {SCHEMA_VERSION}; "
                "open it once for writing (for example `python -m hotspots info`) to migrate it"
            )
    else:
        migrate(con)
    return con


def _is_busy(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "different configuration" in text


def _open_error(path: Path, exc: Exception, read_only: bool) -> str:
    """What a failure to open means and what to do, in words."""
    text = str(exc)
    if _is_busy(exc):
        # DuckDB lets one process write a file, and one process cannot hold it both read-only and
        # read-write; the dashboard keeps the store open for as long as it runs.
        doing = "reading" if read_only else "writing"
        return (f"{path}: the store is busy: another process holds it (the dashboard, which keeps it open while "
                f"it runs, or another import), so it cannot be opened for {doing} now. While the dashboard "
                "runs, import on its Data page and manage users and deletions on its Admin page; or stop the "
                "dashboard, run this again, and restart it. Behind another import, add --wait SECONDS.")
    if isinstance(exc, duckdb.IOException):
        return f"{path}: cannot open the store: {text}"
    return f"{path}: not a readable DuckDB store: {text}"


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
