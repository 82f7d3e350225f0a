"""The Wildfire prevention page through Streamlit's AppTest, on a demo store built by the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from briefings import wildfire as W
from briefings.scope import Scope, select
from queries import incidents as q
from queries.store import connect

from .conftest import APP, open_page

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999", "#CCCCCC"}


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", str(demo_store))
    return open_page(AppTest.from_file(APP, default_timeout=120), "wildfire")


def expected(path, season=None, area="borough") -> W.WildfireBriefing:
    """The briefing the page should show by default: the fire source, open land, all its dates."""
    con = connect(path)
    try:
        source = q.default_source(con, "fire")
        first, last = q.date_span(con, source, "fire")
        end = (pd.Timestamp(last).replace(day=1) + pd.DateOffset(months=1)).date()
        scope = Scope(source, ("fire",), first.date(), end, (W.OPEN_LAND,), area)
        return W.wildfire_briefing(select(con, scope, W.FIRE_COLUMNS), season=season)
    finally:
        con.close()


def _ok(app):
    assert not app.exception, [e.value for e in app.exception]


def test_default_view_shows_seasons_places_causes_hours_and_zones(app, demo_store):
    app.run()
    _ok(app)
    b = expected(demo_store)
    assert [t.value for t in app.title] == ["Wildfire prevention"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Fires"] == f"{b.total:,}"
    assert metrics["On Dartford Heath"] == f"{int(b.places.set_index('place').loc[W.HEATH, 'fires']):,}"
    # 2022 stands out for what it was: the demo's heatwave summer is named, and only it.
    warnings = [w.value for w in app.warning]
    assert warnings and warnings[0].startswith("Summer 2022:") and warnings == list(b.standout)
    subheaders = [s.value for s in app.subheader]
    assert subheaders[:4] == ["By month and season", "Dartford Heath and other open land",
                              "Deliberate and accidental", "Time of day"]
    assert subheaders[4] == f"Where to patrol and educate in {b.plan.label}"
    assert any(c.value == b.hours_note for c in app.caption)
    zones = app.dataframe[1].value
    assert list(zones["rank"]) == list(b.plan.zones["rank"]) and list(zones["place"]) == list(b.plan.zones["place"])
    assert any("Generated demo data" in i.value for i in app.info)


def test_charts_have_units_and_colour_blind_safe_colours(app):
    app.run()
    charts = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert len(charts) == 5  # months, seasons, places, causes, hours
    titles = [c["encoding"]["y"]["title"] for c in charts]
    assert all(t in ("Fires (count)", "Area burnt (hectares)") for t in titles)
    for spec in charts[1:]:
        assert set(spec["encoding"]["color"]["scale"]["range"]) <= OKABE_ITO
    assert "strokeDash" in charts[0]["encoding"]  # years told apart by more than colour
    assert charts[4]["encoding"]["x"]["title"].startswith("Hour of the call")


def test_season_and_area_come_from_the_url(app, demo_store):
    app.query_params["w_season"] = "summer"
    app.query_params["w_area"] = "Dartford Heath"
    app.run()
    _ok(app)
    b = expected(demo_store, "summer", "heath")
    assert b.plan.label == "Summer 2025"
    assert f"Where to patrol and educate in {b.plan.label}" in [s.value for s in app.subheader]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Fires"] == metrics["On Dartford Heath"] == f"{b.total:,}"
    assert app.dataframe[1].value["place"].iloc[0] == b.plan.zones["place"].iloc[0]


def test_changing_the_season_changes_the_zones(app):
    # The URL itself is written by the browser (bind="query-params"); AppTest sees the widget.
    app.run()
    app.selectbox(key="w_season").set_value("spring").run()
    _ok(app)
    assert app.selectbox(key="w_season").value == "spring"
    assert any(s.value.startswith("Where to patrol and educate in Spring 2025") for s in app.subheader)
    assert any(c.value.startswith("Zones from ") and "past springs" in c.value for c in app.caption)


def test_other_fire_types_can_be_chosen(app, demo_store):
    app.run()
    app.multiselect(key="w_cat").set_value(["Refuse"]).run()
    _ok(app)
    con = connect(demo_store)
    try:
        n = con.execute("SELECT count(*) FROM incidents WHERE layer = 'fire' AND category = 'Refuse'").fetchone()[0]
    finally:
        con.close()
    assert {m.label: m.value for m in app.metric}["Fires"] == f"{n:,}"
    assert len(app.get("vega_lite_chart")) == 5
