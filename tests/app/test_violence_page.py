"""The Weekly violence page in Streamlit's AppTest, on a real demo store (``demo_store`` in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from briefings.violence import available_periods, weekly_violence
from queries.store import connect

from .conftest import sign_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
pytestmark = pytest.mark.slow


@pytest.fixture
def db(demo_store, monkeypatch) -> Path:
    monkeypatch.setenv("HOTSPOTS_DB", str(demo_store))
    return demo_store


@pytest.fixture(scope="module")
def expected(demo_store):
    """What the briefing says for the default week, with and without the NTE window, straight from the store."""
    con = connect(demo_store)
    try:
        weeks = available_periods(con, "demo-generated")[1]
        return weeks, weekly_violence(con), weekly_violence(con, nte_only=True)
    finally:
        con.close()


def open_violence(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query or {})
    # A callable st.Page is found by the hash of its url_path (switch_page only takes files).
    at._page_hash = calc_hash("violence")
    return sign_in(at).run()


def iso_week(period) -> str:
    year, week, _ = period.start.isocalendar()
    return f"{year}-W{week:02d}"


def metrics(at: AppTest) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in at.metric:
        out.setdefault(m.label, m.value)  # the headline first; the focus areas repeat labels
    return out


def test_default_week_shows_metrics_map_notes_and_table(db, expected):
    weeks, default, _ = expected
    at = open_violence()
    assert not at.exception
    assert at.title[0].value == "Weekly violence"
    assert any(default.period.label in m.value for m in at.markdown)
    m = metrics(at)
    assert m["This week"] == f"{default.count:,}"
    assert m["Expected from the baseline"] == f"{default.expected:,.1f}"
    assert m["Same week last year"] == f"{default.last_year:,}"
    assert any(i.value.startswith("Accuracy: over the last 12 weeks") for i in at.info)
    assert {"Town-centre night-time economy", "Bluewater"} <= {x.value.strip("*") for x in at.markdown}
    table = at.dataframe[0].value
    assert 0 < len(table) <= 10
    assert list(table["street"]) == list(default.top["street"])
    assert table["count"].is_monotonic_decreasing
    assert at.selectbox(key="v_week").value == iso_week(weeks[0])


def test_nte_toggle_changes_the_counts(db, expected):
    _, default, nte = expected
    at = open_violence()
    at.toggle(key="v_nte").set_value(True).run()
    assert not at.exception
    assert metrics(at)["This week"] == f"{nte.count:,}"
    assert nte.count < default.count
    assert any("NTE window" in m.value for m in at.markdown)
    at.toggle(key="v_nte").set_value(False).run()
    assert metrics(at)["This week"] == f"{default.count:,}"


def test_week_and_nte_from_the_url(db, expected):
    weeks = expected[0]
    at = open_violence({"v_week": iso_week(weeks[3]), "v_nte": "true"})
    assert not at.exception
    assert any(weeks[3].label in m.value and "NTE window" in m.value for m in at.markdown)


def test_unknown_week_in_the_url_falls_back_to_the_default(db, expected):
    at = open_violence({"v_week": "1999-W01"})
    assert not at.exception
    assert any(expected[1].period.label in m.value for m in at.markdown)


def test_month_only_source_says_weeks_need_exact_dates(db):
    at = open_violence()
    at.selectbox(key="v_source").select("police.uk").run()
    assert not at.exception
    assert any("weekly views need exact dates" in w.value for w in at.warning)
    assert "This month" in metrics(at)
    assert at.toggle(key="v_nte").disabled
    assert at.selectbox(key="v_month").value == "2024-04"
    assert any("no exact time" in c.value for c in at.caption)
