"""The Explore page in Streamlit's AppTest, on a real demo store: every method, filters from the URL.

Bound widgets carry their displayed label in the URL (``x_layer=Fly-tipping``), as a bookmark does.
"""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from briefings.explore import METHODS, analyse
from briefings.scope import Scope
from queries.store import connect
from tests.app.conftest import APP, open_page

pytestmark = pytest.mark.slow


@pytest.fixture
def db(demo_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", str(demo_store))
    return demo_store


def open_explore(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query or {})
    return open_page(at, "explore").run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_runs_and_shows_its_parameters(db, method):
    at = open_explore({"x_method": method})
    assert not at.exception, at.exception
    assert at.title[0].value == "Explore"
    if method != "points":
        frames = [f.value for f in at.dataframe]
        assert frames and {"parameter", "value", "how", "why"} <= set(frames[0].columns)
        assert "source" in set(frames[0]["parameter"])


def test_count_matches_the_briefing_for_the_same_filters(db):
    at = open_explore({"x_layer": "Fly-tipping", "x_dates": ["2024-06-01", "2024-06-30"], "x_area": "borough"})
    assert not at.exception, at.exception
    con = connect(db)
    try:
        expected = analyse(con, Scope("demo-generated", ("fly-tipping",), date(2024, 6, 1), date(2024, 7, 1)), "points")
    finally:
        con.close()
    assert expected.selection.count > 0
    assert metric(at, "Incidents in the area") == f"{expected.selection.count:,}"


def test_night_window_keeps_fewer_incidents_and_month_only_source_is_refused(db):
    at = open_explore({"x_layer": "Offences"})
    everything = int(metric(at, "Incidents in the area").replace(",", ""))
    at.toggle(key="x_nte").set_value(True).run()
    assert not at.exception, at.exception
    nights = int(metric(at, "Incidents in the area").replace(",", ""))
    assert 0 < nights < everything
    # police.uk has months only: the window is off and says why, never invented hours.
    at = open_explore({"x_source": "police.uk", "x_layer": "Offences"})
    assert not at.exception, at.exception
    assert at.toggle(key="x_nte").disabled
    assert any("no exact times" in c.value for c in at.caption)
