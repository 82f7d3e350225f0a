"""hotspots.periods: whole-month periods, wall-clock weeks, empty filters and inferred precision."""

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from hotspots.change import hotspot_change
from hotspots.dbscan import infer_precision
from hotspots.focus import focus_area_stats
from hotspots.periods import PeriodLength, as_period, filter_times, read_timed, same_period_last_year

BOX = shapely.box(550000, 170000, 552000, 172000)


def month_rows(counts: dict[str, int]) -> pd.DataFrame:
    """police.uk-style rows: ``counts`` maps 'YYYY-MM' to how many incidents that month."""
    rows = [(550500.0 + i, 170500.0, pd.Timestamp(f"{m}-01")) for m, n in counts.items() for i in range(n)]
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"])
    df["date_precision"] = "month"
    return df


def test_a_quarter_steps_back_twelve_months():
    q1 = as_period(("2024-01-01", "2024-04-01"), PeriodLength("week"))
    assert q1.length == PeriodLength("month", 3)
    before = same_period_last_year(q1)
    assert (before.start, before.end) == (pd.Timestamp("2023-01-01"), pd.Timestamp("2023-04-01"))
    # a 13-week period that is not whole months still moves back 52 weeks
    weeks = same_period_last_year(as_period(("2024-01-08", "2024-04-08"), PeriodLength("week")))
    assert weeks.start == pd.Timestamp("2024-01-08") - pd.Timedelta(weeks=52)


def test_quarter_of_police_uk_rows_in_focus_areas_and_change():
    df = month_rows({"2023-01": 4, "2023-02": 3, "2023-03": 5, "2024-01": 6, "2024-02": 9, "2024-03": 7})
    table = focus_area_stats(df, {"a": BOX}, period=("2024-01-01", "2024-04-01")).table.set_index("area")
    assert (table.loc["a", "count"], table.loc["a", "last_year"]) == (22, 12)
    change = hotspot_change(df, boundary=BOX, period=("2024-01-01", "2024-04-01"), baseline="last year")
    assert (change.total["count"], change.total["baseline"]) == (22, 12)
    assert change.scale == pytest.approx(91 / 90)  # Q1 2024 has a leap day


def test_change_on_last_year_allows_for_unequal_months():
    """February 2024 has 29 days, February 2023 28: equal daily rates give 29/57 of the total this year."""
    df = month_rows({"2023-02": 10, "2024-02": 20})
    table = focus_area_stats(df, {"a": BOX}, period=("2024-02-01", "2024-03-01")).table.set_index("area")
    assert table.loc["a", "p"] == pytest.approx(stats.binomtest(20, 30, 29 / 57).pvalue)
    assert table.loc["a", "p"] != pytest.approx(stats.binomtest(20, 30, 0.5).pvalue)


def test_times_with_a_time_zone_are_read_by_the_wall_clock():
    # 00:30 BST on Monday 3 June 2024 is 23:30 UTC on Sunday: it belongs to the week of 3 June.
    local = pd.DatetimeIndex(["2024-06-03 00:30", "2024-06-05 12:00", "2024-05-27 09:00"]).tz_localize("Europe/London")
    df = pd.DataFrame({"easting": [550500.0] * 3, "northing": [170500.0] * 3, "occurred_at": local,
                       "date_precision": "minute"})
    pts, _ = read_timed(df)
    assert pts.times[0] == pd.Timestamp("2024-06-03 00:30")
    result = hotspot_change(df, boundary=BOX, period="2024-06-03", baseline=1)
    assert (result.total["count"], result.total["baseline"]) == (2, 1)
    assert as_period(pd.Timestamp("2024-06-03 00:30", tz="Europe/London"), PeriodLength("week")).start == (
        pd.Timestamp("2024-06-03"))


def test_empty_hour_or_weekday_filters_are_clear_errors():
    times = pd.to_datetime(["2024-01-05 21:00", "2024-01-06 22:00"])
    with pytest.raises(ValueError, match="`hours` is empty"):
        filter_times(times, "minute", hours=[])
    with pytest.raises(ValueError, match="`weekdays` is empty"):
        filter_times(times, "minute", weekdays=[])


def test_inferred_precision_never_gives_month_rows_an_hour():
    """police.uk rows (the 1st, 00:00) mixed with exact times, no precision given."""
    times = pd.to_datetime(["2024-01-01 00:00", "2024-02-01 00:00", "2024-01-05 00:15", "2024-01-06 21:00"])
    assert list(infer_precision(pd.DatetimeIndex(times))) == ["month", "month", "minute", "minute"]
    small_hours = filter_times(times, hours=(0, 1))
    assert small_hours.keep.tolist() == [False, False, True, False]
    assert small_hours.left_out == {"known only to the month": 2}
    # a midnight that is not on the 1st: its day is known, its hour is not
    days = pd.DatetimeIndex(["2024-01-03 00:00", "2024-01-01 00:00", "2024-01-06 21:00"])
    assert list(infer_precision(days)) == ["day", "day", "minute"]
    # unmixed data are read as before
    assert set(infer_precision(pd.DatetimeIndex(["2024-01-01", "2024-02-01"]))) == {"month"}
    assert set(infer_precision(pd.DatetimeIndex(["2024-01-01", "2024-02-03"]))) == {"day"}
    assert list(infer_precision(pd.DatetimeIndex([pd.NaT, "2024-01-06 21:00"]))) == [None, "minute"]
