"""The Fly-tipping patrols page through Streamlit's AppTest, on a demo store built by the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from briefings import fly_tipping as F
from briefings.scope import select
from queries import incidents as q
from queries.store import connect

from .conftest import APP, open_page


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", str(demo_store))
    return open_page(AppTest.from_file(APP, default_timeout=120), "fly-tipping")


def store_facts(path, weeks: int = F.DEFAULT_WEEKS) -> tuple[date, int, F.PatrolPlan]:
    """The week the page should plan by default, the fly-tips before it (by SQL), and the plan."""
    con = connect(path)
    try:
        source = q.default_source(con, F.LAYER)
        last = pd.Timestamp(q.date_span(con, source, F.LAYER)[1]).date()
        week = F.coming_week(last + timedelta(days=1))
        start = week - timedelta(weeks=weeks)
        n = con.execute("SELECT count(*) FROM incidents WHERE layer = ? AND source = ? AND occurred_at >= ? "
                        "AND occurred_at < ? AND easting IS NOT NULL", [F.LAYER, source, start, week]).fetchone()[0]
        plan = F.plan_patrols(select(con, F.patrol_scope(source, week, weeks=weeks), F.FLY_COLUMNS))
        return week, n, plan
    finally:
        con.close()


def _ok(app):
    assert not app.exception, [e.value for e in app.exception]


def test_default_view_plans_the_week_after_the_data(app, demo_store):
    app.run()
    _ok(app)
    week, n, plan = store_facts(demo_store)
    assert app.title[0].value == f"Fly-tipping patrols: week of {week:%a %d %b} to {week + timedelta(days=6):%a %d %b %Y}"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Fly-tips in these weeks"] == f"{n:,}" == f"{plan.incidents:,}"
    assert metrics["Patrol zones"] == f"{len(plan.zones):,}"
    table = app.dataframe[0].value
    assert len(table) == 10 and list(table["zone"]) == list(range(1, 11))
    assert list(table["place"]) == list(plan.zones["place"].head(10))
    assert (table["priority"].diff().dropna() <= 0).all()
    assert {"days", "hours", "waste_types", "sizes", "land_type", "repeats", "last_seen"} <= set(table.columns)
    assert any("Generated demo data" in i.value for i in app.info)


def test_patrol_sheet_is_offered_for_download(app):
    app.run()
    buttons = app.get("download_button")
    assert len(buttons) == 1
    assert buttons[0].proto.label.startswith("Download the patrol sheet")
    assert buttons[0].proto.url.endswith(".html")


def test_a_zone_shows_when_it_is_hit_from_exact_times(app, demo_store):
    app.run()
    app.selectbox(key="f_zone").set_value(2).run()
    _ok(app)
    _, _, plan = store_facts(demo_store)
    zone = plan.zones.iloc[1]
    assert any(m.value.startswith(f"**Zone 2, {zone['place']}** · busiest days {zone['days']}") for m in app.markdown)
    chart = app.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    assert spec["encoding"]["x"]["title"].startswith("Hour of the report")
    assert spec["encoding"]["color"]["scale"]["scheme"] == "viridis"
    rows = convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data)
    assert rows["fly_tips"].sum() == zone["timed"]  # date-only reports are not on the hour chart
    assert any(c.value.startswith(f"Hours from the {int(zone['timed']):,} fly-tips with an exact time; "
                                  f"{int(zone['untimed_hours']):,} logged with a date only") for c in app.caption)


def test_weeks_and_zones_come_from_the_url(app, demo_store):
    app.query_params["f_weeks"] = "8"
    app.query_params["f_top"] = "5"
    app.run()
    _ok(app)
    _, n, plan = store_facts(demo_store, weeks=8)
    assert {m.label: m.value for m in app.metric}["Fly-tips in these weeks"] == f"{n:,}"
    assert list(app.dataframe[0].value["place"]) == list(plan.zones["place"].head(5))


def test_any_day_picks_its_week(app):
    app.query_params["f_week"] = "2024-06-05"  # a Wednesday
    app.run()
    _ok(app)
    assert app.title[0].value == "Fly-tipping patrols: week of Mon 03 Jun to Sun 09 Jun 2024"
