"""The import log and the rejected rows, for the Data view.

Every value is a bound parameter. Searching uses ``contains`` on lower-cased text,
not ``LIKE``, so ``%`` and ``_`` typed by a user are matched literally.
"""

import duckdb
import pandas as pd

from queries.incidents import check_text, check_whole

IMPORT_COLUMNS = (
    "import_id", "file_name", "kind", "source", "within_area", "started_at", "finished_at", "rows_read",
    "rows_accepted", "rows_rejected", "rows_duplicate", "rows_outside", "rows_no_location", "sha256", "notes",
    "deleted_at", "deleted_by",
)
REJECTED_COLUMNS = ("import_id", "file_name", "line", "reason", "raw")


def import_log(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """Every import, newest first (``limit`` rows when given)."""
    limit = check_whole("limit", limit, minimum=0)
    return con.execute(
        f"SELECT {', '.join(IMPORT_COLUMNS)} FROM imports ORDER BY import_id DESC LIMIT ?",
        [limit],
    ).df()


def _rejected_where(import_id: int | None, search: str | None) -> tuple[str, list]:
    import_id = check_whole("import_id", import_id)
    check_text("search", search, optional=True)
    text = search.strip().lower() if search and search.strip() else None
    where = (
        "(?::BIGINT IS NULL OR r.import_id = ?) AND (?::VARCHAR IS NULL OR contains(lower(r.reason), ?) "
        "OR contains(lower(coalesce(r.raw, '')), ?) OR contains(lower(i.file_name), ?))"
    )
    return where, [import_id, import_id, text, text, text, text]


def rejected_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    import_id: int | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> pd.DataFrame:
    """Rejected and outside rows with their file, line and reason, newest import first.

    ``search`` matches (case-insensitive, literally) the reason, the raw line or the
    file name; ``limit`` and ``offset`` page through the matches.
    """
    limit = check_whole("limit", limit, optional=False, minimum=0)
    offset = check_whole("offset", offset, optional=False, minimum=0)
    where, params = _rejected_where(import_id, search)
    return con.execute(
        f"""
        SELECT r.import_id, i.file_name, r.line, r.reason, r.raw
        FROM rejected_rows r LEFT JOIN imports i USING (import_id)
        WHERE {where}
        ORDER BY r.import_id DESC, r.line NULLS LAST
        LIMIT ? OFFSET ?
        """,
        [*params, limit, offset],
    ).df()


def count_rejected(con: duckdb.DuckDBPyConnection, *, import_id: int | None = None, search: str | None = None) -> int:
    """How many rejected rows ``rejected_rows`` would page through."""
    where, params = _rejected_where(import_id, search)
    return con.execute(
        f"SELECT count(*) FROM rejected_rows r LEFT JOIN imports i USING (import_id) WHERE {where}", params
    ).fetchone()[0]
