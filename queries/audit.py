"""The audit log: sign-ins, imports, deletions and exports, appended to the store.

Every entry says who (``actor``, with their ``role``), when, what (``action``), how
it ended (``outcome``) and the particulars (``detail``, stored as JSON: filters,
profile, format, counts). Entries are never changed or deleted by this code.
"""

import json
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

OUTCOMES = ("ok", "refused", "failed")
AUDIT_COLUMNS = ("audit_id", "logged_at", "actor", "role", "action", "outcome", "detail")


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    *,
    role: str | None = None,
    outcome: str = "ok",
    detail: dict | None = None,
) -> None:
    """Append one entry. Runs in the caller's transaction when there is one."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    text = json.dumps(detail, default=_json_default, sort_keys=True) if detail else None
    con.execute(
        "INSERT INTO audit (logged_at, actor, role, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [datetime.now(), actor, role, action, outcome, text],
    )


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    search: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Entries newest first, optionally for one actor or action, since a time, or
    containing ``search`` (literally, case-insensitive) in the actor or detail."""
    text = search.strip().lower() if search and search.strip() else None
    return con.execute(
        f"""
        SELECT {', '.join(AUDIT_COLUMNS)} FROM audit
        WHERE (?::VARCHAR IS NULL OR actor = ?)
          AND (?::VARCHAR IS NULL OR action = ?)
          AND (?::TIMESTAMP IS NULL OR logged_at >= ?)
          AND (?::VARCHAR IS NULL OR contains(lower(actor), ?) OR contains(lower(coalesce(detail, '')), ?))
        ORDER BY audit_id DESC
        LIMIT ?
        """,
        [actor, actor, action, action, since, since, text, text, text, limit],
    ).df()


def count_recent(con: duckdb.DuckDBPyConnection, actor: str, action: str, outcome: str, since: datetime) -> int:
    """How many ``action`` entries of ``actor`` ended in ``outcome`` since ``since``."""
    return con.execute(
        "SELECT count(*) FROM audit WHERE actor = ? AND action = ? AND outcome = ? AND logged_at >= ?",
        [actor, action, outcome, since],
    ).fetchone()[0]
