"""Importers under hostile and broken files: real files on disk, a real store, no mocks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from queries.importing import import_file
from queries.store import connect

ROOT = Path(__file__).resolve().parents[2]
REAL_POLICE_UK = ROOT / "demo" / "data" / "police_uk" / "2024-01-kent-street-dartford-gravesham.csv"
NOW = datetime(2024, 12, 1, 12, 0)


def test_a_real_file_imports_into_a_store_at_the_current_schema(tmp_path):
    """The import log row names its columns: schema 2 added ``deleted_at`` and ``deleted_by`` to
    ``imports``, and a positional INSERT of 15 values then failed every import."""
    con = connect(tmp_path / "store.duckdb")
    try:
        report = import_file(con, "police-uk", REAL_POLICE_UK, now=NOW)
        assert report.accepted > 0
        row = con.execute(
            "SELECT file_name, rows_read, rows_accepted, deleted_at, deleted_by FROM imports WHERE import_id = ?",
            [report.import_id],
        ).fetchone()
        assert row == (REAL_POLICE_UK.name, report.read, report.accepted, None, None)
    finally:
        con.close()
