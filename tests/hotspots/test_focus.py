"""hotspots.focus (counts, rate, share, change on last year, PAI per area) and the time filters of hotspots.periods."""

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from hotspots.focus import change_test, focus_area_stats
from hotspots.periods import filter_times, parse_period_length

BOROUGH = shapely.box(550000, 170000, 552000, 171000)  # 2 km2
AREAS = {"centre": shapely.box(550000, 170000, 550500, 170500), "park": shapely.box(551000, 170000, 552000, 171000)}
MONDAY = pd.Timestamp("2024-09-02")


def incidents(spec):
    """(x, y, first day, number, days apart) -> frame of minute-precision incidents."""
    rows = []
    for x, y, day, n, step in spec:
        for i in range(n):
            rows.append((x, y, MONDAY + pd.Timedelta(days=day + i * step, hours=21)))
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"])
    df["date_precision"] = "minute"
    return df


@pytest.fixture(scope="module")
def stats_4_weeks():
    spec = [
        (550100, 170100, 0, 28, 1),  # centre: 28 in the 4 weeks from 2 Sep 2024
        (550100, 170100, -364, 14, 2),  # centre: 14 in the same 4 weeks of 2023
        (551500, 170500, 3, 2, 7),  # park: 2 now, none last year
        (550900, 170900, 1, 10, 2),  # elsewhere in the borough: 10 now
        (550900, 170900, -362, 6, 3),  # ... 6 last year
        (560000, 180000, 2, 5, 1),  # outside the borough
    ]
    return focus_area_stats(incidents(spec), AREAS, boundary=BOROUGH)


def test_counts_rates_shares_and_pai(stats_4_weeks):
    t = stats_4_weeks.table.set_index("area")
    assert list(t.index) == ["borough", "centre", "park"]
    assert stats_4_weeks.period.label == "2 Sep to 29 Sep 2024"
    assert stats_4_weeks.last_year.label == "4 Sep to 1 Oct 2023"
    assert (t.loc["borough", "count"], t.loc["centre", "count"], t.loc["park", "count"]) == (40, 28, 2)
    assert t.loc["centre", "area_km2"] == pytest.approx(0.25)
    assert t.loc["centre", "rate_per_km2"] == pytest.approx(112.0)
    assert t.loc["centre", "share"] == pytest.approx(0.7)
    assert t.loc["centre", "area_share"] == pytest.approx(0.125)
    assert t.loc["centre", "pai"] == pytest.approx(0.7 / 0.125)
    assert t.loc["borough", "pai"] == pytest.approx(1.0)
    assert t.loc["park", "pai"] == pytest.approx((2 / 40) / 0.5)


def test_change_on_last_year_with_the_conditional_binomial_test(stats_4_weeks):
    t = stats_4_weeks.table.set_index("area")
    assert (t.loc["centre", "last_year"], t.loc["centre", "change"]) == (14, 14)
    assert t.loc["centre", "pct_change"] == pytest.approx(1.0)
    assert t.loc["centre", "p"] == pytest.approx(stats.binomtest(28, 42, 0.5).pvalue)
    assert t.loc["park", "p"] == pytest.approx(0.5) and math.isnan(t.loc["park", "pct_change"])
    assert t.loc["borough", "last_year"] == 20 and t.loc["borough", "p_fdr"] == t.loc["borough", "p"]
    # BH over the two focus areas only
    expected = stats.false_discovery_control([t.loc["centre", "p"], t.loc["park", "p"]], method="bh")
    np.testing.assert_allclose(t.loc[["centre", "park"], "p_fdr"], expected)
    assert t.loc["centre", "significant"] == (expected[0] <= 0.05)
    assert change_test(0, 0) == 1.0 and change_test(10, 10) == 1.0
    text = stats_4_weeks.summary()
    assert "centre" in text and "28 incidents" in text and "14 last year (+100%" in text


def test_parameters(stats_4_weeks):
    params = stats_4_weeks.parameters
    assert params["period"].chosen_automatically and "4 complete ISO weeks" in params["period"].reason
    assert "52 weeks earlier" in params["last_year"].reason


def test_given_period_lsoa_frame_and_no_last_year():
    import geopandas as gpd

    areas = gpd.GeoDataFrame({"lsoa21cd": ["E01000001"]}, geometry=[AREAS["centre"]], crs=27700)
    df = incidents([(550100, 170100, 0, 5, 1)])
    r = focus_area_stats(df, areas, boundary=BOROUGH, period=(MONDAY, MONDAY + pd.Timedelta(days=7)))
    t = r.table.set_index("area")
    assert t.loc["E01000001", "count"] == 5 and math.isnan(t.loc["E01000001", "last_year"])
    assert any("no change against last year" in w for w in r.warnings)
    assert "no figure for last year" in r.summary()


def test_month_precision_rows_use_months():
    rows = [(550100.0, 170100.0, pd.Timestamp(m)) for m in ("2023-04-01",) * 3 + ("2024-04-01",) * 6]
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"]).assign(date_precision="month")
    r = focus_area_stats(df, AREAS, boundary=BOROUGH)
    assert r.period.label == "April 2024" and r.last_year.label == "April 2023"
    t = r.table.set_index("area")
    assert (t.loc["centre", "count"], t.loc["centre", "last_year"]) == (6, 3)
    with pytest.raises(ValueError, match="periods of a week, which need dates known to the day"):
        focus_area_stats(df, AREAS, boundary=BOROUGH, period=("2024-04-08", "2024-04-15"))


def test_empty_and_bad_inputs():
    empty = incidents([])
    with pytest.raises(ValueError, match="pass `period`"):
        focus_area_stats(empty, AREAS, boundary=BOROUGH)
    r = focus_area_stats(empty, AREAS, boundary=BOROUGH, period=MONDAY)
    assert (r.table["count"] == 0).all() and any("no incidents" in w for w in r.warnings)
    with pytest.raises(ValueError, match="`areas` is empty"):
        focus_area_stats(incidents([(550100, 170100, 0, 1, 1)]), {}, boundary=BOROUGH)
    with pytest.raises(ValueError, match="`boundary` must be"):
        focus_area_stats(incidents([(550100, 170100, 0, 1, 1)]), AREAS, boundary="Dartford")


# --- time filters that need exact times ------------------------------------------------------


def test_hour_and_weekday_filters_on_exact_times():
    times = pd.date_range("2024-09-02", periods=24 * 14, freq="h")  # two weeks, every hour
    f = filter_times(times, "minute", hours=(20, 4), weekdays=["Fri", "Sat"])
    assert f.matched == 2 * 2 * 8 and f.left_out == {}
    assert f.description == "hours 20:00-03:59, Friday and Saturday"
    assert times[f.keep].hour.isin([20, 21, 22, 23, 0, 1, 2, 3]).all()
    assert set(times[f.keep].day_of_week) == {4, 5}


def test_time_filters_leave_out_imprecise_rows_and_say_so():
    times = pd.DatetimeIndex(["2024-09-06 22:00", "2024-09-06 00:00", "2024-09-01 00:00", "2024-09-07 23:30", "NaT"])
    precision = ["minute", "day", "month", "minute", None]
    f = filter_times(times, precision, hours=(20, 4))
    assert list(f.keep) == [True, False, False, True, False]
    assert f.left_out == {"known only to the month": 1, "known only to the day": 1, "without a time": 1}
    assert f.message == ("2 incidents match hours 20:00-03:59; left out: 1 known only to the month; "
                         "1 known only to the day; 1 without a time")
    g = filter_times(times, precision, weekdays="Friday")  # a day is enough for a weekday
    assert list(g.keep) == [True, True, False, False, False]
    assert g.left_out == {"known only to the month": 1, "without a time": 1}


def test_time_filters_refuse_month_precision():
    months = pd.DatetimeIndex(["2024-01-01", "2024-02-01", "2024-03-01"])
    with pytest.raises(ValueError, match=r"an hour-of-day filter needs exact times, but no row has them \(3 month\)"):
        filter_times(months, "month", hours=[22, 23])
    with pytest.raises(ValueError, match="a day-of-week filter needs dates to the day"):
        filter_times(months, hours=None, weekdays=["Sat"])  # precision inferred: all on the 1st at midnight
    with pytest.raises(ValueError, match="`weekdays` must be day names"):
        filter_times(pd.DatetimeIndex(["2024-09-06 22:00"]), "minute", weekdays=["Funday"])
    with pytest.raises(ValueError, match="`hours` must be between 0 and 23"):
        filter_times(pd.DatetimeIndex(["2024-09-06 22:00"]), "minute", hours=[25])
    assert filter_times(months, "month").matched == 3  # no filter: nothing refused


def test_period_lengths():
    assert str(parse_period_length("4 weeks")) == "4 weeks" and str(parse_period_length("quarter")) == "quarter"
    assert parse_period_length(2).n == 2
    with pytest.raises(ValueError, match="`period_length` must be a number of weeks or months"):
        parse_period_length("3 days")
