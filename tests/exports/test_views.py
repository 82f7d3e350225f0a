"""exports.views: each tasking view exported from its briefing, under both profiles, on real stores.

Weekly violence is checked on the export tests' police extract (sexual offences and
domestic-abuse flags); every view is written in every format from the demo store.
"""

from __future__ import annotations

import csv
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image
from pypdf import PdfReader

from briefings import fly_tipping as F
from briefings import wildfire as W
from briefings.overview import build_overview, coverage, default_period
from briefings.scope import Scope, select
from briefings.violence import READ_COLUMNS, VIOLENCE_CATEGORIES, available_periods, weekly_violence
from exports import disclosure as D
from exports import views
from exports.protect import FLAG_COLUMNS
from exports.view_export import FORMATS
from queries.store import connect
from tests.app.conftest import demo_store  # noqa: F401  (the demo store fixture, built by the CLI)

from .conftest import EXTRACT

pytestmark = pytest.mark.slow
DEMO = "demo-generated"
COUNTS = ("count", "incidents", "fires", "repeats", "repeat_sites", "last_season_fires", "last_year", "baseline")


@pytest.fixture(scope="module")
def demo(demo_store):  # noqa: F811
    con = connect(demo_store, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def subjects(demo) -> dict:
    """Each view's builder arguments, as its page makes them with the default filters."""
    fires = select(demo, Scope(DEMO, ("fire",), date(2020, 10, 1), date(2024, 10, 1), (W.OPEN_LAND,)), W.FIRE_COLUMNS)
    tips = select(demo, F.patrol_scope(DEMO, date(2024, 9, 30)), F.FLY_COLUMNS)
    period = default_period(coverage(demo, DEMO, ("offence", "asb")))
    ov = build_overview(demo, Scope(DEMO, ("offence", "asb"), period.start.date(), period.end.date()))
    return {"violence": {"b": weekly_violence(demo, DEMO)},
            "wildfire": {"b": W.wildfire_briefing(fires), "sel": fires},
            "fly-tipping": {"plan": F.plan_patrols(tips), "sel": tips},
            "overview": {"ov": ov, "map_kind": "density"}}


def small(values) -> list:
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").dropna()
    return [x for x in v if 1 <= x < D.PARTNER.k]


@pytest.mark.parametrize("profile", ["partner", "internal"])
@pytest.mark.parametrize("view", views.VIEWS)
def test_every_view_writes_every_format_stating_its_profile(demo, subjects, tmp_path, view, profile):
    statement = D.profile(profile).statement()
    for fmt in FORMATS:
        path = views.export_view(view, fmt, tmp_path / f"{view}.{fmt}", profile, con=demo, tiles=False,
                                 **subjects[view])
        assert path.stat().st_size > 300, fmt
        if fmt == "png":
            with Image.open(path) as im:
                assert im.size == (1754, 1240) and im.info["Description"] == statement
        elif fmt == "pdf":
            text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
            assert " ".join(statement.split()) in text
        elif fmt == "geojson":
            assert json.loads(path.read_text())["metadata"]["disclosure_profile"] == profile
        elif fmt == "csv":
            rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
            assert rows and {r["disclosure_profile"] for r in rows} == {profile}


@pytest.mark.parametrize("view", views.VIEWS)
def test_partner_tables_and_features_hold_no_small_count_and_no_point(demo, subjects, view):
    v = views.BUILDERS[view](profile="partner", con=demo, **subjects[view])
    frames = [f for _, f in v.tables] + [v.features] + ([v.table] if v.table is not None else [])
    for frame in frames:
        for column in (c for c in COUNTS if c in frame):
            assert not small(frame[column]), (view, column)
    assert not (v.features.geometry.geom_type == "Point").any()
    assert v.prepared.points is None and v.info.profile == "partner"


def test_internal_violence_lists_the_page_top_table(demo, subjects):
    b = subjects["violence"]["b"]
    v = views.violence(b, "internal", con=demo)
    ranked = v.features.dropna(subset=["rank"]).sort_values("rank")
    assert list(ranked["street"]) == list(b.top["street"]) and list(ranked["count"]) == list(b.top["count"])
    assert v.info.accuracy and not v.info.accuracy.startswith("Accuracy:")


def test_partner_violence_counts_leave_out_sexual_and_domestic_abuse(store):
    flags = (*READ_COLUMNS, *FLAG_COLUMNS)
    for period in available_periods(store, EXTRACT)[1]:
        scope = Scope(EXTRACT, ("offence",), period.start.date(), period.end.date(), VIOLENCE_CATEGORIES)
        week = select(store, scope, flags).incidents
        if D.sensitive(week).sum() >= 2:
            break
    else:
        pytest.fail("no week of the extract holds sexual or domestic-abuse incidents")
    b = weekly_violence(store, EXTRACT, period.start)
    v = views.violence(b, "partner", con=store)
    kept = week[~D.sensitive(week)]
    e, n = kept["easting"].to_numpy(float), kept["northing"].to_numpy(float)
    assert len(v.features)
    for spot in v.features.itertuples():
        assert spot.count == int(shapely.contains_xy(spot.geometry, e, n).sum()) >= D.PARTNER.k
    assert float(v.prepared.analysis.parameters["bandwidth"].value) >= D.PARTNER.min_bandwidth_m
    assert any("sexual or domestic-abuse-flagged" in note for note in v.info.notes)
    assert "expected" not in v.features  # the page's expected counts are for its own map


def test_fly_tipping_exact_sites_stay_internal(demo, subjects):
    sites = set(views.ZONE_SITES)
    internal = views.fly_tipping(profile="internal", con=demo, **subjects["fly-tipping"])
    partner = views.fly_tipping(profile="partner", con=demo, **subjects["fly-tipping"])
    assert sites <= set(internal.features.columns)
    assert not sites & set(partner.features.columns)
    assert list(partner.features["cluster"]) == sorted(partner.features["cluster"])  # zone order, as on the page
    assert not partner.features["days"].str.contains(r"\((?:1|2|3|4)\)").any()


def test_overview_partner_shows_the_density_of_a_points_map(demo, subjects):
    ov = subjects["overview"]["ov"]
    internal = views.overview(ov, "internal", con=demo, map_kind="points")
    partner = views.overview(ov, "partner", con=demo, map_kind="points")
    assert internal.prepared.analysis.method == "points" and len(internal.features) == len(ov.incidents)
    assert partner.prepared.analysis.method == "kde"
    assert any("shows no incident points" in note for note in partner.info.notes)
    totals = partner.table
    assert totals.loc[totals["level"] == "all", "count"].iloc[0] == ov.total["count"]


def test_wildfire_zones_ranked_and_small_ones_dropped_for_partners(demo, subjects):
    plan = subjects["wildfire"]["b"].plan
    partner = views.wildfire(profile="partner", con=demo, **subjects["wildfire"])
    internal = views.wildfire(profile="internal", con=demo, **subjects["wildfire"])
    assert len(internal.features) == len(plan.zones)
    assert list(partner.features["rank"]) == sorted(plan.zones.loc[plan.zones["fires"] >= 5, "rank"])
    assert np.all(partner.features["fires"] >= D.PARTNER.k)


def test_unknown_view_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown view"):
        views.export_view("burglary", "png", tmp_path / "x.png")
