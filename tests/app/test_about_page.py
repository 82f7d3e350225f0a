"""The About page through AppTest: licences, methods and their parameters, and the demo rows counted from the store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_views.pages.about import about_text
from maps.incident_map import DEMO_SOURCE
from queries.importing import import_file
from queries.store import connect
from tests.importing.conftest import NOW, POLICE_UK_HEADER, csv_text, police_uk_row

from .conftest import APP, open_page

pytestmark = pytest.mark.slow  # each AppTest run takes seconds

MUST_SAY = [
    "Open Government Licence v3.0", "Contains OS data © Crown copyright and database right", "OpenStreetMap",
    "quartic", "bandwidth", "Cell size", "k-distance", "8 neighbours plus itself", "Benjamini-Hochberg",
    "99%, 95% and 90%", "exact Poisson test", "Mann-Kendall", "Chainey", "Emerging Hot Spot", "hit rate",
    "PAI", "RRI", "PEI", "Knox", "snap point", "known only to the month", "demo-generated", "DEMO-",
]


def about(path, monkeypatch) -> AppTest:
    monkeypatch.setenv("HOTSPOTS_DB", str(path))
    at = open_page(AppTest.from_file(APP, default_timeout=120), "about").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_text_covers_sources_licences_and_methods(demo_store, monkeypatch):
    at = about(demo_store, monkeypatch)
    shown = " ".join(m.value for m in at.markdown)
    assert about_text().strip() in shown  # the page shows the shared markdown file
    words = " ".join(shown.split())  # markdown wraps lines
    for phrase in MUST_SAY:
        assert phrase in words, phrase


def test_demo_rows_are_counted_from_the_store(demo_store, monkeypatch):
    con = connect(demo_store)
    demo, total = con.execute(
        "SELECT count(*) FILTER (WHERE source = ?), count(*) FROM incidents", [DEMO_SOURCE]).fetchone()
    month = con.execute("SELECT count(*) FROM incidents WHERE date_precision = 'month'").fetchone()[0]
    con.close()
    at = about(demo_store, monkeypatch)
    assert demo > 0
    assert any(f"{demo:,} of the {total:,} incidents" in w.value for w in at.warning)
    assert at.dataframe[0].value["Generated rows"].sum() == demo
    assert any(f"{month:,} rows of `police.uk` are known only to the month" in c.value for c in at.caption)


def test_a_store_without_generated_rows_says_so(tmp_path, monkeypatch):
    path = tmp_path / "real.duckdb"
    con = connect(path)
    csv = tmp_path / "2024-05.csv"
    csv.write_text(csv_text(POLICE_UK_HEADER, [police_uk_row(f"R{i}", month="2024-05") for i in range(3)]))
    import_file(con, "police-uk", csv, now=NOW)
    con.close()
    at = about(path, monkeypatch)
    assert not at.warning
    assert any("No demo-generated rows: all 3 incidents" in s.value for s in at.success)


def test_missing_store_still_shows_the_text(tmp_path, monkeypatch):
    at = about(tmp_path / "none.duckdb", monkeypatch)
    assert "Open Government Licence v3.0" in at.markdown[0].value
    assert any("cannot be read" in i.value for i in at.info)
