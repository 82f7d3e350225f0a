"""briefings.fly_tipping on a real store: a council enforcement log written here and imported with the importer.

Twelve weeks before the planned week: scattered single fly-tips across the borough, a
repeat site hit on Tuesday mornings in the last four weeks (two of them logged with a
date only), and an older, bigger cluster hit on Saturday afternoons ten to twelve weeks
ago. The recent repeat site must rank first with its days and hours; expected figures
are computed from the rows written, never typed in.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely

import geodata
from briefings import fly_tipping as F
from briefings.scope import select
from queries.importing import import_file
from queries.store import connect
from tests.points import inside as _inside

NOW = datetime(2024, 12, 1)
WEEK = date(2024, 6, 3)  # a Monday
SOURCE = "council-log-test"
RECENT = shapely.Point(556500, 170500)
OLD = shapely.Point(559000, 172000)
RECENT_TEXT = "Rear of 12 & 14 <Mill Lane>"  # text that must be escaped on the sheet
OLD_TEXT = "Old Farm Track"
RECENT_HOURS = (7, 8)
COLUMNS = ["reference", "date", "time", "easting", "northing", "location", "waste_type", "size", "land_type"]




@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    borough = geodata.borough_polygon()
    start = datetime.combine(WEEK - timedelta(weeks=F.DEFAULT_WEEKS), datetime.min.time())
    recs = []

    def add(when, xy, text, what, waste, size, land, timed=True):
        recs.append({"t": when, "easting": round(float(xy[0]), 1), "northing": round(float(xy[1]), 1),
                     "location": text, "what": what, "waste": waste, "size": size, "land": land, "timed": timed})

    # Background: one fly-tip per place, spread over the window, far from the planted sites.
    for xy in _inside(borough, rng, 60, [RECENT.buffer(1200), OLD.buffer(1200)]):
        when = start + timedelta(days=int(rng.integers(0, 84)), hours=int(rng.integers(7, 19)))
        add(when, xy, f"Street {int(rng.integers(0, 500))}", "background", "Other household", "Car boot or less",
            "Highway")
    # The recent repeat site: every Tuesday of the last four weeks, 07:00-08:59, twice that day;
    # the fifth Tuesday's two reports were logged with a date only.
    tuesdays = [datetime.combine(WEEK, datetime.min.time()) - timedelta(days=6 + 7 * k) for k in range(4)]
    for day in tuesdays:
        for h in RECENT_HOURS:
            add(day + timedelta(hours=h, minutes=int(rng.integers(0, 60))), (RECENT.x, RECENT.y), RECENT_TEXT,
                "recent", "White goods", "Single item", "Highway")
    for _ in range(2):
        add(tuesdays[-1] - timedelta(days=7), (RECENT.x, RECENT.y), RECENT_TEXT, "recent", "White goods",
            "Single item", "Highway", timed=False)
    # The old repeat site: more fly-tips, 10 to 12 weeks ago, Saturday afternoons, within 8 m.
    saturdays = [start + timedelta(days=5 + 7 * k) for k in range(3)]
    for i in range(14):
        add(saturdays[i % 3] + timedelta(hours=14, minutes=i), (OLD.x + rng.uniform(-8, 8), OLD.y + rng.uniform(-8, 8)),
            OLD_TEXT, "old", "Construction/demolition/excavation", "Small van load", "Agricultural")
    # A year before the window: the recent site was hit then too, but that is outside the weeks planned from.
    for k in range(5):
        add(start - timedelta(weeks=52 - k), (RECENT.x, RECENT.y), RECENT_TEXT, "last year", "Tyres",
            "Single item", "Highway")
    return pd.DataFrame(recs).sort_values("t", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def store(rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fly")
    path = folder / "log.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i, r in rows.iterrows():
            out.writerow([f"FT{i:05d}", r["t"].strftime("%Y-%m-%d"), r["t"].strftime("%H:%M") if r["timed"] else "",
                          r["easting"], r["northing"], r["location"], r["waste"], r["size"], r["land"]])
    con = connect(folder / "store.duckdb")
    assert import_file(con, "fly-tipping", path, source=SOURCE, now=NOW).accepted == len(rows)
    yield con
    con.close()


@pytest.fixture(scope="module")
def plan(store) -> F.PatrolPlan:
    return F.plan_patrols(select(store, F.patrol_scope(SOURCE, WEEK), F.FLY_COLUMNS))


def test_window_is_the_weeks_before_the_planned_week(plan, rows):
    assert plan.week_start == WEEK and plan.window == (WEEK - timedelta(weeks=12), WEEK)
    assert plan.incidents == (rows["what"] != "last year").sum()
    assert F.coming_week(date(2024, 6, 3)) == date(2024, 6, 3)
    assert F.coming_week(date(2024, 6, 4)) == date(2024, 6, 10)


def test_recent_repeat_site_ranks_first_with_its_days_and_hours(plan, rows):
    recent = rows[rows["what"] == "recent"]
    first = plan.zones.iloc[0]
    assert first["zone"] == 1 and first["place"] == RECENT_TEXT
    assert first["count"] == len(recent) and first["repeats"] == len(recent) and first["repeat_sites"] == 1
    assert first["last_seen"] == recent["t"].max()
    # Days: every dated report (the date-only ones too); hours: exact times only.
    assert first["days"] == f"Tue ({len(recent)})"
    timed = int(recent["timed"].sum())
    assert first["timed"] == timed and first["untimed_hours"] == len(recent) - timed
    start = int(first["hours"][:2])
    assert set(RECENT_HOURS) <= {(start + k) % 24 for k in range(F.HOUR_SPAN)}
    assert first["hours"].endswith(f"({timed} of {timed})")
    assert first["waste_types"] == f"White goods ({len(recent)})" and first["sizes"] == f"Single item ({len(recent)})"
    assert first["land_type"] == f"Highway ({len(recent)})"
    assert (first["easting"], first["northing"]) == (RECENT.x, RECENT.y)
    # Its profile (exact times) is on Tuesday at the planted hours only.
    profile = plan.profiles[1]
    assert profile.to_numpy().sum() == timed
    assert profile.loc["Tue", list(RECENT_HOURS)].sum() == timed


def test_recency_outweighs_the_older_bigger_cluster(plan, rows):
    old = rows[rows["what"] == "old"]
    zones = plan.zones.set_index("place")
    assert zones.loc[OLD_TEXT, "count"] == len(old) > zones.loc[RECENT_TEXT, "count"]
    assert zones.loc[OLD_TEXT, "zone"] > 1 and zones.loc[OLD_TEXT, "repeats"] == len(old)
    assert zones.loc[OLD_TEXT, "days"] == f"Sat ({len(old)})" and zones.loc[OLD_TEXT, "hours"].startswith(
        ("12:00", "13:00", "14:00"))
    assert zones.loc[OLD_TEXT, "priority"] < zones.loc[RECENT_TEXT, "priority"]
    # Zones come in priority order (test_an_endless_half_life_ranks_by_count: without the weighting).
    assert (plan.zones["priority"].diff().dropna() <= 0).all()


def test_map_clusters_are_numbered_as_the_zones(plan):
    clusters = plan.clusters.clusters
    assert list(clusters["cluster"]) == list(range(1, len(clusters) + 1))
    for _, zone in plan.zones.iterrows():
        shape = clusters.loc[clusters["cluster"] == zone["zone"], "geometry"].iloc[0]
        assert shape.contains(shapely.Point(zone["easting"], zone["northing"]))
        assert int(clusters.loc[clusters["cluster"] == zone["zone"], "count"].iloc[0]) == zone["count"]


def test_an_endless_half_life_ranks_by_count(store, rows):
    flat = F.plan_patrols(select(store, F.patrol_scope(SOURCE, WEEK), F.FLY_COLUMNS), half_life_days=1e9)
    assert flat.zones.iloc[0]["place"] == OLD_TEXT
    assert flat.parameters["half_life"].reason == "given"


def test_patrol_sheet_is_escaped_printable_html(plan):
    html = F.patrol_sheet(plan, top=5)
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html
    assert "Rear of 12 &amp; 14 &lt;Mill Lane&gt;" in html and "<Mill Lane>" not in html
    assert "Week of Monday 03 June 2024 to Sunday 09 June 2024 · Dartford borough" in html
    first = plan.zones.iloc[0]
    assert first["days"] in html and first["hours"] in html
    assert html.count("<div class='zone'>") == min(5, len(plan.zones))
    assert "Generated demo data" not in html


def test_no_fly_tips_gives_no_zones(store):
    empty = F.plan_patrols(select(store, F.patrol_scope(SOURCE, date(2020, 6, 1)), F.FLY_COLUMNS))
    assert empty.incidents == 0 and empty.zones.empty and empty.clusters is None
    assert "No patrol zones" in F.patrol_sheet(empty)
