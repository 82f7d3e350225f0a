"""The store itself: migrations and the column list the code relies on."""

import pytest

from queries.incidents import IncidentFilter, fetch_incidents
from queries.schema import INCIDENT_COLUMNS, SCHEMA_VERSION
from queries.store import StoreError, connect, schema_version


def test_incident_columns_match_the_migrated_table(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    table = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents' ORDER BY ordinal_position"
    ).fetchall()]
    assert tuple(table) == INCIDENT_COLUMNS
    assert schema_version(con) == SCHEMA_VERSION


def test_reopening_does_not_migrate_twice(tmp_path):
    connect(tmp_path / "s.duckdb").close()
    con = connect(tmp_path / "s.duckdb")
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_read_only_needs_an_existing_store(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_fetch_refuses_unknown_columns(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    with pytest.raises(ValueError, match="unknown incident columns"):
        fetch_incidents(con, IncidentFilter(source="x"), columns=("layer", "1; DROP TABLE incidents"))
