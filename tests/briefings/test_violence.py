"""briefings.violence on a real store: hand-written CSVs imported with the project's importers.

A police extract (exact times) holds sparse background violence across the borough for
14 months, plus planted incidents: a run in one street in the briefing's week, a few
in the NTE zone at night, a few at Bluewater. A police.uk file (months only) is a
second source. Expected figures are computed from the rows written, never typed in.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely

import geodata
from briefings.violence import (BriefingError, available_periods, nte_window, peak_hours, street,
                                weekly_violence)
from queries.importing import import_file
from queries.store import connect
from tests.points import inside as _inside

NOW = datetime(2024, 12, 1)
FIRST, LAST = datetime(2023, 1, 2), datetime(2024, 3, 13, 18, 0)  # the data end on a Wednesday
WEEK = datetime(2024, 3, 4)  # the last complete ISO week: Monday 4 to Sunday 10 March 2024
VIOLENCE = "Violence and sexual offences"
PLANTED = "Planted Street"
PLANTED_N = 15
EXTRACT = "extract"




def _spot(borough, nte, bluewater):
    """A point inside the borough, 1.5 km or more from the NTE zone and Bluewater (an LSOA's inner point)."""
    for g in geodata.lsoas().sort_values("lsoa21cd").geometry:
        p = g.representative_point()
        if borough.contains(p.buffer(100)) and p.distance(nte) > 1500 and p.distance(bluewater) > 1500:
            return p
    raise AssertionError("no spot found")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """Every incident written to the extract CSV, with its position and time."""
    rng = np.random.default_rng(7)
    borough, nte, blue = (geodata.area_geometry(a) for a in ("borough", "nte", "bluewater"))
    spot = _spot(borough, nte, blue)
    quiet = [nte.buffer(300), blue.buffer(300), spot.buffer(800)]
    recs = []

    def add(when, xy, location, crime=VIOLENCE, what="background"):
        recs.append({"occurred_at": when, "easting": round(float(xy[0]), 1), "northing": round(float(xy[1]), 1),
                     "location": location, "crime_type": crime, "what": what})

    # Background: about 8 violent incidents a week and some burglaries, away from the planted places.
    days = (LAST - FIRST).days
    n_bg = 8 * days // 7
    for xy in _inside(borough, rng, n_bg, quiet):
        when = FIRST + timedelta(days=int(rng.integers(0, days)), minutes=int(rng.integers(0, 1440)))
        add(when, xy, f"On or near Street {int(rng.integers(0, 40))}", rng.choice([VIOLENCE, "Public order"]))
    for xy in _inside(borough, rng, 200, quiet):
        add(FIRST + timedelta(days=int(rng.integers(0, days)), hours=12), xy, "On or near Burglary Road", "Burglary")

    def near(centre, n):
        return np.c_[centre.x + rng.uniform(-15, 15, n), centre.y + rng.uniform(-15, 15, n)]

    # The planted street: 15 in the week (Monday to Thursday, 22:00 to 23:59), 2 in the baseline weeks,
    # 3 in the same week last year; burglaries there must not count.
    for i, xy in enumerate(near(spot, PLANTED_N)):
        add(WEEK + timedelta(days=i % 4, hours=22 + i % 2, minutes=5 * i), xy, f"On or near {PLANTED}", what="planted")
    for i, xy in enumerate(near(spot, 2)):
        add(WEEK - timedelta(days=10 + 7 * i, hours=-12), xy, f"On or near {PLANTED}", what="planted baseline")
    for i, xy in enumerate(near(spot, 3)):
        add(WEEK - timedelta(weeks=52) + timedelta(days=i, hours=21), xy, f"On or near {PLANTED}", what="planted 2023")
    for xy in near(spot, 6):
        add(WEEK + timedelta(days=2, hours=10), xy, f"On or near {PLANTED}", "Burglary", what="planted burglary")
    # The NTE zone: Friday and Saturday nights, and three times that are not.
    nte_times = [WEEK + timedelta(days=4, hours=22), WEEK + timedelta(days=5, hours=1, minutes=30),
                 WEEK + timedelta(days=6, hours=2), WEEK + timedelta(days=4, hours=2),
                 WEEK + timedelta(days=2, hours=21)]
    for when, xy in zip(nte_times, _inside(nte, rng, len(nte_times))):
        add(when, xy, "On or near High Street", what="nte")
    # Bluewater: 4 in the week, 8 in the 4 weeks before, 1 a year before.
    blue_times = [WEEK + timedelta(days=d, hours=14) for d in range(4)]
    blue_times += [WEEK - timedelta(days=3 + 3 * d, hours=-15) for d in range(8)]
    blue_times += [WEEK - timedelta(weeks=52) + timedelta(days=1, hours=13)]
    for when, xy in zip(blue_times, _inside(blue, rng, len(blue_times))):
        add(when, xy, "On or near Shopping Area", what="bluewater")
    # The first and last rows fix where the data start and end.
    add(FIRST + timedelta(hours=9), _inside(borough, rng, 1, quiet)[0], "On or near Street 1", "Burglary")
    add(LAST, _inside(borough, rng, 1, quiet)[0], "On or near Street 1", "Burglary")
    frame = pd.DataFrame(recs).sort_values("occurred_at", kind="stable").reset_index(drop=True)
    frame["crime_ref"] = [f"T{i:06d}" for i in range(len(frame))]
    return frame


def _police_uk(path, rng):
    """Four months of police.uk rows (months only), with 10 extra in one street in the last month."""
    borough = geodata.area_geometry("borough")
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
              "LSOA name", "Crime type", "Last outcome category", "Context"]
    out = []
    for month in ("2023-11", "2023-12", "2024-01", "2024-02"):
        for xy in _inside(borough, rng, 30, [geodata.area_geometry("nte").buffer(1000)]):
            out.append((month, xy, "On or near Street 9"))
    for xy in _inside(geodata.area_geometry("nte"), rng, 10):
        out.append(("2024-02", xy, "On or near Month Street"))
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, (month, xy, location) in enumerate(out):
            lon, lat = geodata.bng_to_lonlat(xy[0], xy[1])
            w.writerow([f"{i:064x}", month, "Kent Police", "Kent Police", f"{float(lon):.6f}", f"{float(lat):.6f}",
                        location, "", "", VIOLENCE, "Under investigation", ""])


@pytest.fixture(scope="module")
def con(rows, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("violence")
    extract = tmp / "extract.csv"
    out = rows.drop(columns="what").assign(occurred_at=rows["occurred_at"].dt.strftime("%Y-%m-%d %H:%M"))
    out.to_csv(extract, index=False)
    _police_uk(tmp / "police_uk.csv", np.random.default_rng(3))
    c = connect(tmp / "store.duckdb")
    assert import_file(c, "police-extract", extract, source=EXTRACT, now=NOW).accepted == len(rows)
    assert import_file(c, "police-uk", tmp / "police_uk.csv", now=NOW).accepted == 130
    yield c
    c.close()


@pytest.fixture(scope="module")
def briefing(con):
    return weekly_violence(con, EXTRACT)


def _violent(rows, start, end, area="borough"):
    r = rows[rows["crime_type"].isin([VIOLENCE, "Public order"]) & (rows["occurred_at"] >= start)
             & (rows["occurred_at"] < end)]
    return r[shapely.contains_xy(geodata.area_geometry(area), r["easting"], r["northing"])]


def test_default_week_is_the_last_complete_iso_week(briefing):
    assert briefing.weekly
    assert (briefing.period.start, briefing.period.end) == (pd.Timestamp(WEEK), pd.Timestamp(WEEK + timedelta(7)))
    assert briefing.period.label.startswith("2024-W10")


def test_headline_counts_baseline_and_last_year(briefing, rows):
    week_end = WEEK + timedelta(days=7)
    assert briefing.count == len(_violent(rows, WEEK, week_end))
    assert briefing.expected == pytest.approx(len(_violent(rows, WEEK - timedelta(weeks=4), WEEK)) / 4)
    ly = WEEK - timedelta(weeks=52)
    assert briefing.last_year == len(_violent(rows, ly, ly + timedelta(days=7)))
    assert briefing.baseline == "previous 4 weeks"
    assert len(briefing.incidents) == briefing.count


def test_planted_street_tops_the_table(briefing):
    top = briefing.top.iloc[0]
    assert top["rank"] == 1 and top["street"] == PLANTED
    # The burglaries planted there do not count; the two baseline incidents give 2 / 4 weeks.
    assert top["count"] == PLANTED_N
    assert top["expected"] == pytest.approx(0.5)
    assert top["change"] == pytest.approx(PLANTED_N - 0.5)
    assert top["p"] < 1e-6
    assert top["peak_hours"].endswith(f"({PLANTED_N} of {PLANTED_N})")
    start = int(top["peak_hours"][:2])
    assert {22, 23} <= {(start + k) % 24 for k in range(3)}
    assert top["untimed"] == 0
    assert list(briefing.top["rank"]) == list(range(1, len(briefing.top) + 1))
    assert len(briefing.top) <= 10 and briefing.top["count"].is_monotonic_decreasing


def test_nte_zone_and_bluewater_side_by_side(briefing, rows):
    focus = briefing.focus.set_index("area")
    assert list(focus.index) == ["nte", "bluewater"]
    assert focus.loc["nte", "count"] == 5
    assert focus.loc["nte", "nte_window"] == 3  # Friday 22:00, Saturday 01:30 (Friday night), Sunday 02:00
    assert focus.loc["nte", "nte_share"] == pytest.approx(3 / 5)
    assert focus.loc["bluewater", "count"] == 4
    assert focus.loc["bluewater", "expected"] == pytest.approx(8 / 4)
    assert focus.loc["bluewater", "last_year"] == 1
    assert focus.loc["bluewater", "nte_window"] == 0


def test_nte_toggle_keeps_friday_and_saturday_nights(con, rows, briefing):
    nte = weekly_violence(con, EXTRACT, nte_only=True)
    week = _violent(rows, WEEK, WEEK + timedelta(days=7))
    t = pd.DatetimeIndex(week["occurred_at"])
    night = (t.day_of_week.isin([4, 5]) & (t.hour >= 20)) | (t.day_of_week.isin([5, 6]) & (t.hour < 4))
    assert nte.nte_only and "NTE window" in nte.title
    assert nte.count == int(night.sum()) < briefing.count
    assert nte.focus.set_index("area").loc["nte", "count"] == 3
    assert PLANTED not in set(nte.top["street"])  # planted Monday to Thursday


def test_classes_change_and_accuracy(briefing):
    assert briefing.kde is not None and briefing.change is not None and briefing.classify is not None
    assert len(briefing.classify.periods) == 13 and briefing.classify.periods[-1] == briefing.period
    assert briefing.change.total["count"] == briefing.count
    assert briefing.backtest is not None and len(briefing.backtest.weeks) == 12
    assert briefing.backtest.weeks[-1] == briefing.period
    assert briefing.accuracy.startswith("Accuracy: over the last 12 weeks the top 5% of this map held")


def test_an_earlier_week_and_the_last_year_baseline(con, rows):
    week = WEEK - timedelta(weeks=3)
    b = weekly_violence(con, EXTRACT, (week + timedelta(days=3)).date(), baseline="last year")
    assert b.period.start == pd.Timestamp(week)
    assert b.baseline == "same weeks last year"
    ly = week - timedelta(weeks=52)
    assert b.expected == pytest.approx(len(_violent(rows, ly, ly + timedelta(days=7))))
    assert b.count == len(_violent(rows, week, week + timedelta(days=7)))


def test_an_area_counts_only_inside_it(con, rows):
    b = weekly_violence(con, EXTRACT, area="bluewater")
    assert b.count == len(_violent(rows, WEEK, WEEK + timedelta(days=7), "bluewater")) == 4
    assert PLANTED not in set(b.top["street"])


def test_month_only_source_falls_back_to_the_month(con):
    b = weekly_violence(con, "police.uk", nte_only=True)
    assert not b.weekly and not b.nte_only
    assert b.period.label == "February 2024"
    # 30 a month before: the previous 3 months (92 days) scaled to February's 29 days.
    assert b.count == 40 and b.baseline == "previous 3 months" and b.expected == pytest.approx(90 * 29 / 92)
    assert any("weekly views need exact dates" in n for n in b.notes)
    assert b.backtest is None and "exact dates" in b.accuracy
    top = b.top.iloc[0]
    assert top["street"] == "Month Street" and top["count"] == 10
    assert top["peak_hours"] == "" and top["untimed"] == top["count"] and top["timed"] == 0
    assert b.focus.set_index("area").loc["nte", "untimed"] == 10
    weekly, months = available_periods(con, "police.uk")
    assert not weekly and [p.label for p in months] == ["February 2024", "January 2024", "December 2023",
                                                         "November 2023"]


def test_available_weeks_newest_first(con):
    weekly, weeks = available_periods(con, EXTRACT)
    assert weekly and weeks[0].start == pd.Timestamp(WEEK)
    assert weeks[-1].start == pd.Timestamp(FIRST)
    assert all(a.start - b.start == pd.Timedelta(weeks=1) for a, b in zip(weeks, weeks[1:]))


def test_nothing_to_brief_is_a_clear_error(con):
    with pytest.raises(BriefingError, match="not all of 2024-W11"):
        weekly_violence(con, EXTRACT, "2024-03-12")  # the data end on Wednesday 13 March
    with pytest.raises(BriefingError, match="holds no offences"):
        weekly_violence(con, "nobody")
    with pytest.raises(ValueError, match="unknown area"):
        weekly_violence(con, EXTRACT, area="narnia")


def test_street_and_peak_hours():
    assert street(pd.Series(["On or near Lowfield Street", "On or near Lowfield Street", "Near DA1 1EJ", None])) \
        == "Lowfield Street"
    assert street(pd.Series([None, ""], dtype=object)) == ""
    times = pd.Series(pd.to_datetime(["2024-03-08 23:10", "2024-03-09 00:20", "2024-03-09 01:40", "2024-03-01 00:00"]))
    assert peak_hours(times, pd.Series(["minute", "minute", "minute", "month"])) == "23:00-01:59 (3 of 3)"
    assert peak_hours(times[3:], pd.Series(["month"])) == ""


def test_nte_window_runs_past_midnight():
    times = pd.to_datetime(["2024-03-08 20:00", "2024-03-09 03:59", "2024-03-10 03:00", "2024-03-08 03:00",
                            "2024-03-10 04:00", "2024-03-09 19:59", "2024-03-01 00:00"])
    tf = nte_window(times, np.array(["minute"] * 6 + ["month"], dtype=object))
    assert tf.keep.tolist() == [True, True, True, False, False, False, False]
    assert tf.left_out == {"known only to the month": 1}


def test_focus_areas_are_tested_whatever_the_area(con, briefing):
    b = weekly_violence(con, EXTRACT, area="nte")
    assert b.focus.drop(columns="class").equals(briefing.focus.drop(columns="class"))
    assert list(b.focus["class"]) == list(briefing.focus["class"])
