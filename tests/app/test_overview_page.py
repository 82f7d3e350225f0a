"""The Overview page through Streamlit's AppTest, on a demo store built by the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from briefings.overview import build_overview, coverage, default_period
from briefings.scope import Scope
from queries import incidents as q
from queries.store import connect

from .conftest import APP, open_page

pytestmark = pytest.mark.slow  # each AppTest run takes seconds

OKABE_ITO = {"#0072B2", "#CC79A7", "#009E73", "#E69F00"}


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", str(demo_store))
    return open_page(AppTest.from_file(APP, default_timeout=120), "overview")


def expected_default(path) -> tuple[Scope, object]:
    """The briefing the page should show by default: the default source, all its layers, its default period."""
    con = connect(path)
    try:
        source = q.default_source(con)
        layers = tuple(q.layers(con, source))
        period = default_period(coverage(con, source, layers))
        scope = Scope(source, layers, period.start.date(), period.end.date())
        return scope, build_overview(con, scope)
    finally:
        con.close()


def test_default_view_shows_the_briefing(app, demo_store):
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    scope, ov = expected_default(demo_store)
    assert [t.value for t in app.title] == ["Overview"]
    assert app.caption[0].value == f"{ov.period.label} against {ov.last_year.label}."
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["All incidents"] == f"{int(ov.total['count']):,}"
    layers = ov.totals[ov.totals["level"] == "layer"]
    for row in layers.itertuples():
        assert metrics[row.label] == f"{int(row.count):,}"
    totals, focus = app.dataframe[0].value, app.dataframe[1].value
    assert totals["count"].sum() == ov.totals.loc[ov.totals["level"] != "all", "count"].sum()
    assert list(focus["label"]) == list(ov.focus["label"]) and len(focus) == 4
    assert any("demo data" in i.value.lower() for i in app.info)  # generated rows are labelled


def test_trend_chart_is_weekly_with_a_colour_blind_safe_palette(app):
    app.run()
    charts = app.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert set(line["encoding"]["color"]["scale"]["range"]) <= OKABE_ITO
    assert "strokeDash" in line["encoding"]  # not told apart by colour alone
    assert line["encoding"]["y"]["title"] == "Incidents per week"


def test_month_only_source_is_compared_by_months(app):
    app.run()
    app.selectbox(key="o_source").set_value("police.uk").run()
    assert not app.exception, [e.value for e in app.exception]
    captions = [c.value for c in app.caption]
    assert captions[0] == "April 2024 against April 2023."
    assert any("no comparison with last year" in c for c in captions)
    assert any(i.value.startswith("No data for the same period last year") for i in app.info)
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][1]["encoding"]["y"]["title"] == "Incidents per month"
    assert app.toggle(key="o_nte").disabled  # no hour window on month-only dates


def test_filters_come_from_the_url(app):
    app.query_params["o_dates"] = ["2024-01-01", "2024-03-31"]
    app.query_params["o_area"] = "Bluewater"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Bluewater · 01 Jan 2024 to 31 Mar 2024" in app.markdown[0].value
    assert app.date_input(key="o_dates").value == (date(2024, 1, 1), date(2024, 3, 31))


def test_density_map_has_a_legend(app):
    app.run()
    app.radio(key="o_map").set_value("density").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("hot spot" in c.value for c in app.caption)
    assert any("per km²" in m.value for m in app.markdown)
