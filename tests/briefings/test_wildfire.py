"""briefings.wildfire on a real store: a fire service export written here and imported with the importer.

Three years of open-land fires (2021-2023): sparse background fires across the
borough, a bad summer 2022, fires on Dartford Heath, a persistent site burning every
summer and a one-off site burning many times in one summer only. Some rows carry a
date without a time. Expected figures are computed from the rows written, never typed in.
A police.uk file (months only) checks that month-only rows never reach the hour chart.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely

import geodata
from briefings import wildfire as W
from briefings.scope import Scope, select
from queries.importing import import_file
from queries.store import connect
from tests.points import inside as _inside

NOW = datetime(2024, 12, 1)
START, END = date(2021, 1, 1), date(2024, 1, 1)
SOURCE = "kfrs-test"
PERSISTENT = shapely.Point(556500, 170500)  # open land in the south of the borough, off the heath
ONE_OFF = shapely.Point(559000, 172000)
PERSISTENT_TEXT, ONE_OFF_TEXT = "Open land off Persistent Lane", "Open land off One-off Road"
PERSISTENT_HOURS = (15, 16)
COLUMNS = ["incident_number", "call_datetime", "easting", "northing", "location", "location_type",
           "property_type", "incident_category", "cause", "area_burnt_m2"]




def _day_in(rng, first: date, last: date) -> datetime:
    return datetime.combine(first, datetime.min.time()) + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """Every fire written to the export, with its place, time, precision, cause and area."""
    rng = np.random.default_rng(11)
    borough, heath = geodata.borough_polygon(), geodata.focus_area("heath")
    assert borough.contains(PERSISTENT.buffer(200)) and borough.contains(ONE_OFF.buffer(200))
    assert not heath.intersects(PERSISTENT.buffer(1000)) and not heath.intersects(ONE_OFF.buffer(1000))
    quiet = [heath, PERSISTENT.buffer(1500), ONE_OFF.buffer(1500)]
    recs = []

    def add(when, xy, text, what, cause, area, timed=True):
        recs.append({"t": when, "easting": round(float(xy[0]), 1), "northing": round(float(xy[1]), 1),
                     "location": text, "what": what, "cause": cause, "area": area, "timed": timed})

    # Background: scattered single fires, 8 a season, 30 in summer 2022 (the bad summer).
    for year in (2021, 2022, 2023):
        for months in ((1, 2), (3, 5), (6, 8), (9, 11), (12, 12)):
            n = 30 if (year, months) == (2022, (6, 8)) else 8
            last_day = (pd.Timestamp(year, months[1], 1) + pd.offsets.MonthEnd(0)).date()
            for xy in _inside(borough, rng, n, quiet):
                when = _day_in(rng, date(year, months[0], 1), last_day) + timedelta(hours=int(rng.integers(9, 22)))
                add(when, xy, f"Open land off Road {int(rng.integers(0, 99))}", "background",
                    rng.choice(["Deliberate", "Accidental", "Not known"]), 50)
    # The heath: 6 fires every summer, bigger ones.
    for year in (2021, 2022, 2023):
        for xy in _inside(heath, rng, 6):
            add(_day_in(rng, date(year, 6, 1), date(year, 8, 31)) + timedelta(hours=14), xy, "Dartford Heath",
                "heath", "Deliberate", 500)
    # The persistent site: 4 fires every summer at 15:00-16:59, deliberate; one more known to the day only.
    for year in (2021, 2022, 2023):
        for i in range(4):
            when = _day_in(rng, date(year, 6, 1), date(year, 8, 31)) + timedelta(
                hours=PERSISTENT_HOURS[i % 2], minutes=int(rng.integers(0, 60)))
            add(when, (PERSISTENT.x + rng.uniform(-20, 20), PERSISTENT.y + rng.uniform(-20, 20)), PERSISTENT_TEXT,
                "persistent", "Deliberate", 80)
        add(_day_in(rng, date(year, 6, 1), date(year, 8, 31)), (PERSISTENT.x, PERSISTENT.y), PERSISTENT_TEXT,
            "persistent", "Deliberate", 80, timed=False)
    # The one-off site: more fires than the persistent one, but in summer 2022 only.
    for i in range(16):
        add(_day_in(rng, date(2022, 6, 1), date(2022, 8, 31)) + timedelta(hours=11),
            (ONE_OFF.x + rng.uniform(-20, 20), ONE_OFF.y + rng.uniform(-20, 20)), ONE_OFF_TEXT, "one-off",
            "Accidental", 30)
    return pd.DataFrame(recs).sort_values("t", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def store(rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wildfire")
    path = folder / "fires.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i, r in rows.iterrows():
            when = r["t"].strftime("%Y-%m-%d %H:%M") if r["timed"] else r["t"].strftime("%Y-%m-%d")
            out.writerow([f"F{i:05d}", when, r["easting"], r["northing"], r["location"], W.OPEN_LAND,
                          "Scrub land", "Secondary", r["cause"], r["area"]])
    con = connect(folder / "store.duckdb")
    report = import_file(con, "fires", path, source=SOURCE, now=NOW)
    assert report.accepted == len(rows), report
    yield con
    con.close()


@pytest.fixture(scope="module")
def briefing(store) -> W.WildfireBriefing:
    scope = Scope(SOURCE, ("fire",), START, END, (W.OPEN_LAND,), "borough")
    return W.wildfire_briefing(select(store, scope, W.FIRE_COLUMNS), season="summer")


def _season(rows: pd.DataFrame) -> pd.Series:
    name, year = W.season_of(rows["t"].dt.month, rows["t"].dt.year)
    return pd.Series([W.season_label(n, y) for n, y in zip(name, year)], index=rows.index)


def test_seasons_count_every_fire_and_the_bad_summer_stands_out(briefing, rows):
    expected = _season(rows).value_counts()
    got = briefing.seasons.set_index("label")["fires"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert briefing.total == len(rows) == int(briefing.monthly["fires"].sum())
    assert len(briefing.standout) == 1 and briefing.standout[0].startswith("Summer 2022:")
    summers = got[[f"Summer {y}" for y in (2021, 2022, 2023)]]
    row = briefing.seasons.set_index("label").loc["Summer 2022"]
    assert row["typical"] == pytest.approx((summers.sum() - summers["Summer 2022"]) / 2)
    assert row["ratio"] == pytest.approx(summers["Summer 2022"] / row["typical"])
    # The first winter (Dec 2020 to Feb 2021) is only partly in the period: never compared.
    first = briefing.seasons.iloc[0]
    assert first["label"] == "Winter 2020-21" and not first["complete"] and first["coverage"] < 1


def test_months_cover_the_period_with_zeros_and_area_burnt(briefing, rows):
    assert len(briefing.monthly) == 36
    by_month = rows.groupby(rows["t"].dt.to_period("M").dt.start_time)
    table = briefing.monthly.set_index("month")
    assert table["fires"].to_dict() == by_month.size().reindex(table.index, fill_value=0).to_dict()
    assert table["area_burnt_m2"].sum() == pytest.approx(rows["area"].sum())


def test_heath_and_other_open_land_compared(briefing, rows):
    heath = shapely.contains_xy(geodata.focus_area("heath"), rows["easting"], rows["northing"])
    places = briefing.places.set_index("place")
    assert places.loc[W.HEATH, "fires"] == heath.sum() == (rows["what"] == "heath").sum()
    assert places.loc[W.OTHER, "fires"] == (~heath).sum()
    assert places.loc[W.HEATH, "area_burnt_m2"] == pytest.approx(rows.loc[heath, "area"].sum())
    assert places.loc[W.OTHER, "area_burnt_ha"] == pytest.approx(rows.loc[~heath, "area"].sum() / 1e4)
    by_year = briefing.places_by_year.set_index(["year", "place"])["fires"]
    assert by_year.sum() == len(rows)


def test_deliberate_against_accidental(briefing, rows):
    got = briefing.causes.groupby("cause")["fires"].sum().to_dict()
    assert got == rows["cause"].str.lower().value_counts().to_dict()
    shares = briefing.causes.groupby("year")["share"].sum()
    assert np.allclose(shares, 1.0)


def test_hours_from_exact_times_only_and_the_rest_counted(briefing, rows):
    timed = rows[rows["timed"]]
    hours = briefing.hours.set_index("hour")[list(W.CAUSES)].sum(axis=1)
    assert hours.to_dict() == timed["t"].dt.hour.value_counts().reindex(range(24), fill_value=0).to_dict()
    untimed = int((~rows["timed"]).sum())
    assert untimed > 0 and briefing.hours_left_out == {"known only to the day": untimed}
    assert f"{untimed:,} known only to the day" in briefing.hours_note


def test_persistent_site_ranks_first_though_the_one_off_had_more_fires(briefing, rows):
    plan = briefing.plan
    assert plan.label == "Summer 2024" and plan.past == ("Summer 2021", "Summer 2022", "Summer 2023")
    zones = plan.zones.set_index("place")
    persistent, one_off = zones.loc[PERSISTENT_TEXT], zones.loc[ONE_OFF_TEXT]
    assert one_off["fires"] > persistent["fires"]  # what ranking by count alone would put first
    assert persistent["seasons_hot"] == 3 and one_off["seasons_hot"] == 1
    top_other = plan.zones[plan.zones["place"] != "Dartford Heath"].iloc[0]
    assert top_other["place"] == PERSISTENT_TEXT
    assert persistent["rank"] < one_off["rank"]
    # Its fires, its hours (exact times only: the date-only fires are left out of them).
    assert persistent["fires"] == (rows["what"] == "persistent").sum()
    assert persistent["timed"] == (rows["timed"] & (rows["what"] == "persistent")).sum()
    start = int(persistent["peak_hours"][:2])
    window = {(start + k) % 24 for k in range(W.PEAK_SPAN)}
    assert set(PERSISTENT_HOURS) <= window
    assert persistent["peak_hours"].endswith(f"({persistent['timed']} of {persistent['timed']})")
    assert persistent["deliberate_share"] == 1.0
    # The zone polygon holds the site; the heath, burnt every summer, is hot in all three too.
    assert plan.zones.set_index("place").loc[PERSISTENT_TEXT, "geometry"].contains(PERSISTENT)
    assert zones.loc["Dartford Heath", "seasons_hot"] == 3
    assert list(plan.zones["rank"]) == list(range(1, len(plan.zones) + 1))
    assert (plan.zones["seasons_hot"].diff().dropna() <= 0).all()


def test_zones_are_the_hot_spots_of_the_map_result(briefing):
    kde = briefing.plan.kde
    assert list(kde.hotspots["hotspot"]) == list(briefing.plan.zones["rank"].head(W.MAP_ZONES))
    assert len(briefing.plan.zones) > W.MAP_ZONES  # the rest are in the table, not outlined
    assert kde.hot.sum() > 0 and np.nanmin(kde.density[kde.hot]) >= kde.threshold_density
    assert briefing.plan.parameters["bandwidth"].value == W.ZONE_BANDWIDTH_M


def test_coming_season_defaults_to_the_one_the_data_run_into(store):
    scope = Scope(SOURCE, ("fire",), START, END, (W.OPEN_LAND,), "borough")
    plan = W.wildfire_briefing(select(store, scope, W.FIRE_COLUMNS)).plan
    assert (plan.season, plan.label) == ("winter", "Winter 2023-24")
    assert plan.past == ("Winter 2020-21", "Winter 2021-22", "Winter 2022-23")
    assert W.coming_season(date(2024, 5, 1), "summer") == ("summer", 2024)
    assert W.coming_season(date(2024, 7, 1), "summer") == ("summer", 2024)
    assert W.coming_season(date(2024, 9, 1), "summer") == ("summer", 2025)


def test_month_only_rows_are_never_on_the_hour_chart(tmp_path):
    """police.uk rows, known only to their month, imported with the real importer: counted, never placed."""
    from tests.importing.conftest import POLICE_UK_HEADER, csv_text, police_uk_row

    path = tmp_path / "2023-07-kent-street.csv"
    rows = [police_uk_row(f"C{i}", month=f"2023-0{m}", crime_type="Criminal damage and arson")
            for i, m in enumerate([6, 7, 7, 8, 8, 8])]
    path.write_text(csv_text(POLICE_UK_HEADER, rows), encoding="utf-8")
    con = connect(tmp_path / "store.duckdb")
    assert import_file(con, "police-uk", path, now=NOW).accepted == len(rows)
    source = con.execute("SELECT DISTINCT source FROM incidents").fetchone()[0]
    sel = select(con, Scope(source, ("offence",), date(2023, 1, 1), date(2024, 1, 1)), W.FIRE_COLUMNS)
    b = W.wildfire_briefing(sel)
    assert b.total == len(rows)
    assert int(b.hours[list(W.CAUSES)].to_numpy().sum()) == 0
    assert b.hours_left_out == {"known only to the month": len(rows)}
    assert "0 fires with an exact time" in b.hours_note and f"{len(rows)} known only to the month" in b.hours_note
    assert b.plan.zones.empty
    con.close()


def test_an_empty_selection_gives_empty_tables(store):
    scope = Scope(SOURCE, ("fire",), date(2020, 1, 1), date(2020, 6, 1), (W.OPEN_LAND,), "borough")
    b = W.wildfire_briefing(select(store, scope, W.FIRE_COLUMNS))
    assert b.total == 0 and int(b.monthly["fires"].sum()) == 0 and b.standout == ()
    assert b.plan.zones.empty and b.plan.kde is None and b.plan.notes
