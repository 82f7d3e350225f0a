"""Deleting data for retention: one import, or everything from one source.

Each deletion is one transaction with its audit entry, so it happens whole and
recorded, or not at all. The import stays in the log, marked deleted (when and by
whom); its rejected rows go with it, since they hold the file's raw text.
"""

from dataclasses import dataclass
from datetime import datetime

import duckdb

from queries import audit


class RetentionError(ValueError):
    """Nothing to delete, or not allowed; the message says why."""


@dataclass(frozen=True)
class Deleted:
    """What a deletion removed."""

    imports: tuple[int, ...]
    incidents: int
    rejected_rows: int

    def summary(self) -> str:
        ids = ", ".join(f"#{i}" for i in self.imports)
        return (f"deleted {self.incidents:,} incidents and {self.rejected_rows:,} rejected rows "
                f"of import{'s' if len(self.imports) != 1 else ''} {ids}")


def _delete(con, import_ids: list[int], actor: str, role: str | None, what: dict) -> Deleted:
    incidents = con.execute(
        "SELECT count(*) FROM incidents WHERE list_contains(?, import_id)", [import_ids]
    ).fetchone()[0]
    rejected = con.execute(
        "SELECT count(*) FROM rejected_rows WHERE list_contains(?, import_id)", [import_ids]
    ).fetchone()[0]
    con.execute("DELETE FROM incidents WHERE list_contains(?, import_id)", [import_ids])
    con.execute("DELETE FROM rejected_rows WHERE list_contains(?, import_id)", [import_ids])
    con.execute(
        "UPDATE imports SET deleted_at = ?, deleted_by = ? WHERE list_contains(?, import_id)",
        [datetime.now(), actor, import_ids],
    )
    done = Deleted(tuple(import_ids), incidents, rejected)
    audit.record(con, actor, "delete", role=role,
                 detail={**what, "imports": import_ids, "incidents": incidents, "rejected_rows": rejected})
    return done


def _in_transaction(con, work):
    con.execute("BEGIN TRANSACTION")
    try:
        result = work()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def delete_import(con: duckdb.DuckDBPyConnection, import_id: int, *, actor: str, role: str | None = None) -> Deleted:
    """Delete every incident and rejected row of one import."""

    def work():
        row = con.execute("SELECT deleted_at FROM imports WHERE import_id = ?", [import_id]).fetchone()
        if row is None:
            raise RetentionError(f"no import #{import_id}")
        if row[0] is not None:
            raise RetentionError(f"import #{import_id} was deleted already, on {row[0]:%Y-%m-%d %H:%M}")
        return _delete(con, [int(import_id)], actor, role, {"import": int(import_id)})

    return _in_transaction(con, work)


def delete_source(con: duckdb.DuckDBPyConnection, source: str, *, actor: str, role: str | None = None) -> Deleted:
    """Delete every incident and rejected row imported under ``source``."""

    def work():
        ids = [r[0] for r in con.execute(
            "SELECT import_id FROM imports WHERE source = ? AND deleted_at IS NULL ORDER BY import_id", [source]
        ).fetchall()]
        if not ids:
            raise RetentionError(f"no imports of source {source!r} to delete")
        return _delete(con, ids, actor, role, {"source": source})

    return _in_transaction(con, work)
