"""police-uk importer against the real police.uk files in ../shared/data (exact counts, no mocks).

Expected numbers come from ../shared/data/SOURCES.md and are cross-checked against an
independent read of the same files with Python's csv module.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

import pytest
from pyproj import Transformer

import geodata
from tests.fixtures import DARTFORD_GRAVESHAM, KENT_MONTH

from .conftest import rejected_raw, run, snapshot

pytestmark = pytest.mark.skipif(not KENT_MONTH.exists(), reason="shared police.uk data not present")

KENT_ROWS = 14_466
KENT_NO_LOCATION = 136
KENT_ASB = 1_663
KENT_DARTFORD = 1_004
REPEATED_IDS = (
    "a25e2f3c96782fa3c9f73a69b0ab7d42eedb9f7c3f268738d79b125fd156fb86",
    "fb5d016101fc1b7644be43b97aacbdf22c0e411500811a924ec254ba59e4c3b9",
    "9db68e1ad8cb3a573c4ecbf6c41c819992ee2ff77a4f4c6a215fe2e4a923dce3",
)
#: Dartford rows per month in the Kent subset files (SOURCES.md 1b).
KENT_DARTFORD_BY_MONTH = {"2024-01": 1_004, "2024-02": 984, "2024-03": 1_161, "2024-04": 1_001}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def is_dartford(row: dict[str, str]) -> bool:
    return row["LSOA name"].startswith("Dartford ")


@pytest.fixture(scope="module")
def kent_rows():
    return read_rows(KENT_MONTH)


def test_shared_files_are_as_documented(kent_rows):
    data = KENT_MONTH.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") == KENT_ROWS + 1, "CRLF on every line"
    assert len(kent_rows) == KENT_ROWS
    assert sum(1 for r in kent_rows if not r["Longitude"]) == KENT_NO_LOCATION
    assert sum(1 for r in kent_rows if r["Crime type"] == "Anti-social behaviour") == KENT_ASB
    assert sum(1 for r in kent_rows if is_dartford(r)) == KENT_DARTFORD


def test_kent_month_within_none_keeps_every_row(con, kent_rows):
    started = time.perf_counter()
    report = run(con, "police-uk", KENT_MONTH, within="none")
    print(f"\nwhole Kent month ({KENT_ROWS:,} rows) imported in {time.perf_counter() - started:.2f} s")

    assert (report.read, report.accepted, report.rejected, report.outside, report.duplicate) == (
        KENT_ROWS, KENT_ROWS, 0, 0, 0)
    assert report.no_location == KENT_NO_LOCATION
    assert "136 rows have no location (kept without a position" in report.summary()

    by_layer = dict(con.execute("SELECT layer, count(*) FROM incidents GROUP BY layer").fetchall())
    assert by_layer == {"asb": KENT_ASB, "offence": KENT_ROWS - KENT_ASB}
    by_category = dict(con.execute("SELECT category, count(*) FROM incidents GROUP BY category").fetchall())
    assert by_category == Counter(r["Crime type"] for r in kent_rows)

    no_loc = con.execute(
        "SELECT count(*), count(easting), count(northing), count(longitude), count(latitude), count(lsoa21cd), "
        "count(location), min(location_method), max(location_method) FROM incidents WHERE location_method = 'none'"
    ).fetchone()
    assert no_loc == (KENT_NO_LOCATION, 0, 0, 0, 0, 0, 0, "none", "none")
    located = con.execute(
        "SELECT count(*), count(easting), count(lsoa21cd), min(location_method), max(location_method) "
        "FROM incidents WHERE location_method <> 'none'"
    ).fetchone()
    assert located == (KENT_ROWS - KENT_NO_LOCATION,) * 3 + ("snap-point", "snap-point")

    # The file's own LSOA codes are kept (including the three outside Kent), not recomputed.
    lsoas = Counter(c for (c,) in con.execute("SELECT lsoa21cd FROM incidents WHERE lsoa21cd IS NOT NULL").fetchall())
    assert lsoas == Counter(r["LSOA code"] for r in kent_rows if r["LSOA code"])

    # Month precision: the first of the month, nothing finer.
    assert con.execute(
        "SELECT DISTINCT occurred_at::VARCHAR, date_precision, source, reported_by FROM incidents"
    ).fetchall() == [("2024-01-01 00:00:00", "month", "police.uk", "Kent Police")]
    outcomes = Counter(o for (o,) in con.execute("SELECT coalesce(outcome, '') FROM incidents").fetchall())
    assert outcomes == Counter(r["Last outcome category"] for r in kent_rows)


def test_kent_month_within_dartford_counts_the_rest_as_outside(con, kent_rows):
    report = run(con, "police-uk", KENT_MONTH)  # the default: within="dartford"
    assert report.within == "dartford"
    outside = KENT_ROWS - KENT_DARTFORD
    assert (report.read, report.accepted, report.rejected, report.outside, report.duplicate) == (
        KENT_ROWS, KENT_DARTFORD, 0, outside, 0)
    summary = report.summary()
    assert f"{KENT_ROWS:,} rows read, {KENT_DARTFORD:,} accepted" in summary
    assert f"{outside:,} outside dartford" in summary
    assert "136 rows have no location (cannot be placed in dartford, counted as outside)" in summary

    reasons = Counter(r for (r,) in con.execute(
        "SELECT reason FROM rejected_rows WHERE import_id = ?", [report.import_id]).fetchall())
    assert reasons == {"outside dartford": outside - KENT_NO_LOCATION,
                       "no location: cannot be placed in dartford": KENT_NO_LOCATION}

    stored = Counter(c for (c,) in con.execute("SELECT lsoa21cd FROM incidents").fetchall())
    assert stored == Counter(r["LSOA code"] for r in kent_rows if is_dartford(r))
    assert set(stored) <= geodata.dartford_lsoa_codes()
    assert con.execute("SELECT count(*) FROM incidents WHERE easting IS NULL").fetchone()[0] == 0


def test_outside_rows_are_logged_at_their_own_line(con, kent_rows):
    report = run(con, "police-uk", KENT_MONTH)
    lines = KENT_MONTH.read_bytes().decode().split("\r\n")
    raw = rejected_raw(con, report)
    assert len(raw) == KENT_ROWS - KENT_DARTFORD
    for line, text in raw.items():
        assert text == lines[line - 1], line
        assert not is_dartford(kent_rows[line - 2])


def test_positions_are_converted_to_bng_like_pyproj(con, kent_rows):
    run(con, "police-uk", KENT_MONTH, within="none")
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    got = con.execute(
        "SELECT longitude, latitude, easting, northing FROM incidents WHERE easting IS NOT NULL "
        "ORDER BY hash(source_key) LIMIT 300"
    ).fetchall()
    assert len(got) == 300
    worst = 0.0
    for lon, lat, e, n in got:
        pe, pn = to_bng.transform(lon, lat)
        worst = max(worst, ((pe - e) ** 2 + (pn - n) ** 2) ** 0.5)
        assert 400_000 < e < 700_000 and 90_000 < n < 200_000  # Kent
    assert worst < 1.0, f"furthest from pyproj: {worst:.3f} m"
    # WGS84 is stored as given (6 decimals), not round-tripped.
    given = {(float(r["Longitude"]), float(r["Latitude"])) for r in kent_rows if r["Longitude"]}
    assert all((lon, lat) in given for lon, lat, _, _ in got)


def test_crime_ids_repeated_on_different_rows_stay_distinct(con, kent_rows):
    run(con, "police-uk", KENT_MONTH, within="none")
    ids = Counter(r["Crime ID"] for r in kent_rows if r["Crime ID"])
    assert sorted(i for i, n in ids.items() if n > 1) == sorted(REPEATED_IDS)
    for crime_id in REPEATED_IDS:
        stored = con.execute(
            "SELECT count(*), count(DISTINCT source_key) FROM incidents WHERE source_key LIKE ? || '%'", [crime_id]
        ).fetchone()
        assert stored == (2, 2), crime_id
    # Rows without a Crime ID (ASB) that are identical in every field are still separate incidents.
    assert con.execute("SELECT count(*) FROM incidents WHERE layer = 'asb'").fetchone()[0] == KENT_ASB
    assert con.execute("SELECT count(DISTINCT source_key) FROM incidents").fetchone()[0] == KENT_ROWS


def test_reimporting_the_same_file_adds_nothing(con):
    first = run(con, "police-uk", KENT_MONTH, within="none")
    before = snapshot(con)
    second = run(con, "police-uk", KENT_MONTH, within="none")
    assert (second.read, second.accepted, second.duplicate, second.rejected, second.outside) == (
        KENT_ROWS, 0, KENT_ROWS, 0, 0)
    after = snapshot(con)
    assert after["incidents"] == before["incidents"]
    assert after["rejected_rows"] == before["rejected_rows"]
    assert after["imports"][0] == before["imports"][0] + 1
    assert con.execute("SELECT count(DISTINCT sha256) FROM imports").fetchone()[0] == 1
    assert first.import_id != second.import_id


def test_dartford_subset_after_the_full_kent_file_adds_nothing(con):
    run(con, "police-uk", KENT_MONTH)
    before = snapshot(con)["incidents"]
    subset = run(con, "police-uk", DARTFORD_GRAVESHAM / "2024-01-kent-street-dartford-gravesham.csv")
    assert (subset.read, subset.accepted, subset.duplicate, subset.outside, subset.rejected) == (
        1_971, 0, KENT_DARTFORD, 967, 0)
    assert snapshot(con)["incidents"] == before


def test_full_kent_file_after_the_subset_adds_nothing_either(con):
    run(con, "police-uk", DARTFORD_GRAVESHAM / "2024-01-kent-street-dartford-gravesham.csv", within="none")
    before = snapshot(con)["incidents"]
    assert before[0] == 1_971
    full = run(con, "police-uk", KENT_MONTH, within="none")
    assert (full.accepted, full.duplicate) == (KENT_ROWS - 1_971, 1_971)
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == KENT_ROWS


def test_dartford_gravesham_files_all_forces(con):
    files = sorted(DARTFORD_GRAVESHAM.glob("*.csv"))
    assert len(files) == 11
    expected_total = Counter()
    for path in files:
        rows = read_rows(path)
        dartford = [r for r in rows if is_dartford(r)]
        report = run(con, "police-uk", path)
        assert (report.read, report.accepted, report.outside, report.rejected, report.duplicate) == (
            len(rows), len(dartford), len(rows) - len(dartford), 0, 0), path.name
        force = path.name.split("-")[2]
        expected_total[force] += len(dartford)
        if force == "kent":
            assert len(dartford) == KENT_DARTFORD_BY_MONTH[path.name[:7]]
    assert expected_total["kent"] == 4_150
    assert expected_total["humberside"] == expected_total["suffolk"] == 1
    assert expected_total["essex"] == 0  # its one row is in Gravesham
    total = sum(expected_total.values())
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == total

    by_force = dict(con.execute("SELECT reported_by, count(*) FROM incidents GROUP BY 1").fetchall())
    assert by_force["Kent Police"] == 4_150
    assert by_force["British Transport Police"] == expected_total["btp"]
    # BTP rows have no Crime ID: they are keyed by content, and still de-duplicate on re-import.
    assert con.execute(
        "SELECT count(*) FROM incidents WHERE reported_by = 'British Transport Police' AND source_key LIKE 'h:%'"
    ).fetchone()[0] == expected_total["btp"]
    months = dict(con.execute(
        "SELECT strftime(occurred_at, '%Y-%m'), count(*) FROM incidents WHERE reported_by = 'Kent Police' GROUP BY 1"
    ).fetchall())
    assert months == KENT_DARTFORD_BY_MONTH
    assert con.execute("SELECT DISTINCT date_precision FROM incidents").fetchall() == [("month",)]

    before = snapshot(con)["incidents"]
    for path in files:
        again = run(con, "police-uk", path)
        assert again.accepted == 0 and again.duplicate == len([r for r in read_rows(path) if is_dartford(r)])
    assert snapshot(con)["incidents"] == before


def test_dartford_gravesham_files_within_none(con):
    total = 0
    for path in sorted(DARTFORD_GRAVESHAM.glob("*.csv")):
        report = run(con, "police-uk", path, within="none")
        assert report.accepted == report.read
        total += report.read
    assert total == 8_080 + 150 + 3


def test_crlf_is_stripped_and_lf_gives_the_same_rows(tmp_path, con):
    from queries.store import connect

    source = DARTFORD_GRAVESHAM / "2024-02-kent-street-dartford-gravesham.csv"
    assert b"\r\n" in source.read_bytes()
    run(con, "police-uk", source, within="none")
    assert con.execute(
        "SELECT count(*) FROM incidents WHERE contains(concat_ws('|', category, location, lsoa21cd, "
        "coalesce(outcome, ''), reported_by, source_key), chr(13))"
    ).fetchone()[0] == 0
    lf = tmp_path / "lf.csv"
    lf.write_bytes(source.read_bytes().replace(b"\r\n", b"\n"))
    other = connect(tmp_path / "lf.duckdb")
    try:
        run(other, "police-uk", lf, within="none")
        cols = "* EXCLUDE (import_id)"
        a = con.execute(f"SELECT {cols} FROM incidents ORDER BY source_key").fetchall()
        b = other.execute(f"SELECT {cols} FROM incidents ORDER BY source_key").fetchall()
        assert a == b and len(a) == 1_966
    finally:
        other.close()


def test_import_leaves_no_staging_tables_behind(con):
    run(con, "police-uk", KENT_MONTH)
    temp = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]
    assert not [t for t in temp if t.startswith(("_staging", "_placed", "_final", "_candidate"))], temp
