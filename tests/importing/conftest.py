"""Shared helpers for the importer tests: real DuckDB stores in tmp_path, real files on disk, no mocks."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from queries.importing import ImportReport, import_file
from queries.store import connect

#: The reference "now" for future-date checks, so tests do not depend on the clock.
NOW = datetime(2024, 12, 1, 12, 0)

POLICE_UK_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]

#: Points well inside Dartford borough (snap points and postcode centroids from the real files).
DARTFORD_LONLAT = (0.214, 51.446)  # Dartford, in LSOA E01024182 (Dartford 003C)
DARTFORD_EN = (554000.0, 174000.0)  # Dartford, in EPSG:27700
GRAVESEND_EN = (564645.0, 174172.0)  # DA11 0AA, Gravesham: outside Dartford
GRAVESEND_LONLAT = (0.367687, 51.442612)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture(scope="session")
def _shared_store(tmp_path_factory):
    # Opening a store loads DuckDB's spatial extension (about half a second), so tests share
    # one real store file and empty it between tests; tests that need a file of their own use db_path.
    c = connect(tmp_path_factory.mktemp("store") / "shared.duckdb")
    yield c
    c.close()


@pytest.fixture
def con(_shared_store):
    """A real, empty, migrated store (the shared one, emptied)."""
    c = _shared_store
    for table in ("rejected_rows", "incidents", "imports"):
        c.execute(f"DELETE FROM {table}")
    return c


def run(con, kind: str, path: Path, *, within: str = "dartford", now: datetime = NOW, **kw) -> ImportReport:
    """Import and check the report's accounting (every row ends in exactly one fate)."""
    report = import_file(con, kind, path, within=within, now=now, **kw)
    assert report.read == report.accepted + report.rejected + report.outside + report.duplicate, report
    stored = con.execute(
        "SELECT rows_read, rows_accepted, rows_rejected, rows_duplicate, rows_outside FROM imports WHERE import_id = ?",
        [report.import_id],
    ).fetchone()
    assert stored == (report.read, report.accepted, report.rejected, report.duplicate, report.outside)
    n_rej = con.execute(
        "SELECT count(*) FROM rejected_rows WHERE import_id = ?", [report.import_id]
    ).fetchone()[0]
    assert n_rej == report.rejected + report.outside, "every rejected or outside row has a rejected_rows entry"
    n_inc = con.execute("SELECT count(*) FROM incidents WHERE import_id = ?", [report.import_id]).fetchone()[0]
    assert n_inc == report.accepted
    return report


def rejected(con, report: ImportReport) -> dict[int, str]:
    """{line: reason} for one import's rejected rows (lines are unique)."""
    rows = con.execute(
        "SELECT line, reason FROM rejected_rows WHERE import_id = ? ORDER BY line", [report.import_id]
    ).fetchall()
    out = dict(rows)
    assert len(out) == len(rows), f"a line was rejected twice: {rows}"
    return out


def rejected_raw(con, report: ImportReport) -> dict[int, str]:
    return dict(
        con.execute("SELECT line, raw FROM rejected_rows WHERE import_id = ?", [report.import_id]).fetchall()
    )


def keys(con, source: str | None = None) -> list[str]:
    sql = "SELECT source_key FROM incidents" + (" WHERE source = ?" if source else "") + " ORDER BY source_key"
    return [k for (k,) in con.execute(sql, [source] if source else []).fetchall()]


def snapshot(con) -> dict:
    """A content checksum of every table in the store, the sequence and the schema objects."""
    out = {}
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database() ORDER BY 1"
    ).fetchall()]
    for t in tables:
        out[t] = con.execute(
            f'SELECT count(*), md5(coalesce(string_agg(h, \'\' ORDER BY h), \'\')) '
            f'FROM (SELECT md5(CAST(x AS VARCHAR)) AS h FROM "{t}" x)'
        ).fetchone()
    out["_sequences"] = con.execute(
        "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE NOT temporary ORDER BY 1"
    ).fetchall()
    out["_views"] = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY 1"
    ).fetchall()
    return out


def csv_text(header: list[str], rows: list[list[str]], *, delimiter: str = ",", newline: str = "\n") -> str:
    """Rows written the way a spreadsheet would (minimal quoting)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def police_uk_row(crime_id: str = "", *, month: str = "2024-01", lon: str | None = None, lat: str | None = None,
                  location: str = "On or near High Street", lsoa: str = "E01024182", lsoa_name: str = "Dartford 003C",
                  crime_type: str = "Burglary", outcome: str = "", reported_by: str = "Kent Police") -> list[str]:
    lon = f"{DARTFORD_LONLAT[0]:.6f}" if lon is None else lon
    lat = f"{DARTFORD_LONLAT[1]:.6f}" if lat is None else lat
    return [crime_id, month, reported_by, reported_by, lon, lat, location, lsoa, lsoa_name, crime_type, outcome, ""]


def physical_lines(content: str) -> list[str]:
    """The file's physical lines (1-based numbering: element 0 is line 1)."""
    return content.split("\n")
