"""hotspots.classify: Mann-Kendall by hand and against scipy, the ArcGIS and Chainey rules, planted hot spots."""

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from hotspots.classify import arcgis_patterns, chainey_classes, complete_periods, hotspot_classify, mann_kendall
from hotspots.periods import PeriodLength

START = pd.Timestamp("2021-10-04")  # a Monday
BOX = shapely.box(550000.5, 170000.5, 554999.5, 174999.5)  # 5 km square


# --- Mann-Kendall ----------------------------------------------------------------------------


def test_mann_kendall_by_hand():
    mk = mann_kendall(np.array([1.0, 2, 3, 4, 5]))
    assert (mk.s, mk.n) == (10, 5)
    assert mk.var == pytest.approx(5 * 4 * 15 / 18)
    assert mk.z == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))
    assert mk.p == pytest.approx(2 * stats.norm.sf(9 / np.sqrt(50 / 3)))
    assert mk.tau == 1.0
    ties = mann_kendall(np.array([1.0, 2, 2, 3]))  # S = 5; one pair of ties: var = (156 - 18) / 18
    assert ties.s == 5 and ties.var == pytest.approx(138 / 18)
    down = mann_kendall(np.array([3.0, 1, 2, 0]))
    assert down.s == -4 and down.z == pytest.approx(-3 / np.sqrt(4 * 3 * 13 / 18))
    flat = mann_kendall(np.array([2.0, 2, 2, 2]))
    assert flat.s == 0 and flat.z == 0


def test_mann_kendall_agrees_with_scipy_kendalltau_without_ties():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 8)) + np.linspace(0, 1, 30)[:, None] * np.arange(8)
    mk = mann_kendall(x, continuity=False)
    for j in range(8):
        ref = stats.kendalltau(np.arange(30), x[:, j], method="asymptotic")
        assert mk.tau[j] == pytest.approx(ref.statistic, abs=1e-12)
        assert mk.p[j] == pytest.approx(ref.pvalue, rel=1e-9)


def test_mann_kendall_leaves_out_nan():
    x = np.array([1.0, np.nan, 3, 2, np.nan, 5, 6])
    a, b = mann_kendall(x), mann_kendall(x[np.isfinite(x)])
    assert (a.s, a.n, a.var, a.p) == (b.s, b.n, pytest.approx(b.var), pytest.approx(b.p))


# --- the rules ---------------------------------------------------------------------------------


def series(*hot_at, n=10):
    flags = np.zeros(n, dtype=bool)
    flags[list(hot_at)] = True
    return flags


CASES = {
    # name: (hot periods, cold periods, trend z, trend p, ArcGIS pattern, Chainey class)
    "new": (series(9), series(), 0.5, 0.6, "new hot spot", ""),
    "consecutive": (series(8, 9), series(), 2.5, 0.01, "consecutive hot spot", "emerging hot spot"),
    # the run began before the 2 recent periods: hot in 1 of 8 earlier ones (12.5%) is not "never before"
    "long consecutive": (series(7, 8, 9), series(), 2.5, 0.01, "consecutive hot spot", "intermittent hot spot"),
    "persistent": (series(*range(10)), series(), 0.3, 0.7, "persistent hot spot", "persistent hot spot"),
    "intensifying": (series(*range(10)), series(), 3.0, 0.003, "intensifying hot spot", "persistent hot spot"),
    "diminishing": (series(0, *range(2, 10)), series(), -2.2, 0.03, "diminishing hot spot", "persistent hot spot"),
    "sporadic": (series(2, 5, 9), series(), 0.4, 0.7, "sporadic hot spot", "intermittent hot spot"),
    "oscillating": (series(5, 9), series(1), 1.0, 0.3, "oscillating hot spot", "intermittent hot spot"),
    "historical": (series(*range(9)), series(), -0.5, 0.6, "historical hot spot", "persistent hot spot"),
    "former": (series(0, 1, 2, 3, 4), series(), -2.5, 0.01, "no pattern detected", "former hot spot"),
    # Chainey (2020): emerging means hot in fewer than 10% of the earlier periods; a trend does not make it so
    "hot before, rising": (series(2, 6, 8, 9), series(), 2.6, 0.009, "sporadic hot spot", "intermittent hot spot"),
    "emerging after a blip": (series(3, 17, 18, 19, n=20), series(n=20), 0.9, 0.4, "sporadic hot spot",
                              "emerging hot spot"),
    "new cold": (series(), series(9), -0.5, 0.6, "new cold spot", ""),
    "persistent cold": (series(), series(*range(10)), 0.1, 0.9, "persistent cold spot", ""),
    "intensifying cold": (series(), series(*range(10)), -2.5, 0.01, "intensifying cold spot", ""),
    "oscillating cold": (series(3), series(4, 9), 0.0, 1.0, "oscillating cold spot", ""),
    "nothing": (series(), series(), 0.0, 1.0, "no pattern detected", ""),
    "one chance hot": (series(4), series(), 0.0, 1.0, "no pattern detected", ""),
}


@pytest.mark.parametrize("name", CASES)
def test_arcgis_and_chainey_rules(name):
    hot, cold, tz, tp, pattern, chainey = CASES[name]
    got = arcgis_patterns(hot[:, None], cold[:, None], np.array([tz]), np.array([tp]))
    assert got[0] == pattern
    assert chainey_classes(hot[:, None], np.array([tz]), np.array([tp]))[0] == chainey


def test_ninety_percent_is_at_least_ninety():
    hot = series(*range(8), 9, n=10)[:, None]  # 9 of 10 = 90%, final hot
    assert arcgis_patterns(hot, np.zeros_like(hot), np.array([0.0]), np.array([1.0]))[0] == "persistent hot spot"
    hot = series(*range(7), 8, n=9)[:, None]  # 8 of 9 = 89%: on and off
    assert arcgis_patterns(hot, np.zeros_like(hot), np.array([0.0]), np.array([1.0]))[0] == "sporadic hot spot"


def test_complete_periods_end_at_the_last_whole_period():
    ps = complete_periods(pd.Timestamp("2024-01-03"), pd.Timestamp("2024-03-01"), PeriodLength("week", 2))
    assert ps[-1].end == pd.Timestamp("2024-02-26") and ps[0].start >= pd.Timestamp("2024-01-03")
    assert all(a.end == b.start for a, b in zip(ps[:-1], ps[1:]))
    months = complete_periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-05-01"), PeriodLength("month", 1))
    assert [p.label for p in months] == ["January 2024", "February 2024", "March 2024", "April 2024"]


# --- planted hot spots ---------------------------------------------------------------------------

PERSISTENT = (551125.0, 173875.0)
EMERGING = (553875.0, 171125.0)
FORMER = (551125.0, 171125.0)


def _planted_frame():
    """Three years: a uniform background and three clusters (250 m cells: one cell each)."""
    rng = np.random.default_rng(7)
    days = 156 * 7
    rows = []

    def add(n, x, y, spread, day_lo, day_hi):
        t = START + pd.to_timedelta(rng.uniform(day_lo, day_hi, n), unit="D")
        rows.append(pd.DataFrame({"easting": rng.normal(x, spread, n) if spread else rng.uniform(550000, 555000, n),
                                  "northing": rng.normal(y, spread, n) if spread else rng.uniform(170000, 175000, n),
                                  "occurred_at": t}))

    add(12_000, 0, 0, 0, 0, days)  # background: about 300 per 4 weeks
    add(2_400, *PERSISTENT, 60, 0, days)  # about 60 per 4 weeks throughout
    add(400, *EMERGING, 60, days * 0.85, days)  # the last 15% only: within the recent 20% of periods
    add(900, *FORMER, 60, 0, days * 0.45)  # the first 45% only
    df = pd.concat(rows, ignore_index=True)
    df["date_precision"] = "minute"
    return df


@pytest.fixture(scope="module")
def planted():
    return hotspot_classify(_planted_frame(), boundary=BOX, cell_size=250)


def cell(result, x, y):
    c = result.cells
    return c[(c["x"] == x) & (c["y"] == y)].iloc[0]


def test_planted_hot_spots_are_recovered(planted):
    assert planted.parameters["period_length"].value == "4 weeks"
    assert len(planted.periods) == 39
    p = cell(planted, *PERSISTENT)
    assert p["chainey"] == "persistent hot spot" and p["pattern"] == "persistent hot spot"
    e = cell(planted, *EMERGING)
    assert e["chainey"] == "emerging hot spot"
    assert e["pattern"] in ("consecutive hot spot", "intensifying hot spot", "sporadic hot spot")
    assert e["trend_z"] > 1.96 and 4 <= e["hot_periods"] <= 6
    f = cell(planted, *FORMER)
    assert f["chainey"] == "former hot spot" and f["pattern"] == "no pattern detected"
    assert f["trend_z"] < -3


def test_background_is_mostly_unclassed(planted):
    c = planted.cells
    far = (np.hypot(c["x"] - PERSISTENT[0], c["y"] - PERSISTENT[1]) > 600) & \
        (np.hypot(c["x"] - EMERGING[0], c["y"] - EMERGING[1]) > 600) & \
        (np.hypot(c["x"] - FORMER[0], c["y"] - FORMER[1]) > 600)
    assert (c.loc[far, "chainey"] == "").mean() > 0.97
    assert planted.hot.shape == (39, *planted.grid.shape)


def test_parameters_and_summary(planted):
    params = planted.parameters
    assert "39 periods of 4 weeks" in params["period_length"].reason
    assert params["period_length"].chosen_automatically and params["cell_size"].reason == "given"
    text = planted.summary()
    assert text.startswith("39 periods of 4 weeks (") and "Chainey" in text and "persistent" in text


# --- refusals ---------------------------------------------------------------------------------------


def month_frame():
    months = pd.date_range("2022-01-01", "2024-12-01", freq="MS")
    rng = np.random.default_rng(2)
    df = pd.DataFrame({
        "easting": rng.uniform(550000, 555000, 36 * 120), "northing": rng.uniform(170000, 175000, 36 * 120),
        "occurred_at": np.repeat(months, 120),
    })
    df["date_precision"] = "month"
    return df


def test_month_precision_refuses_weeks_but_takes_months():
    df = month_frame()
    with pytest.raises(ValueError, match="periods of 4 weeks, which need dates known to the day; all 4,320 dated "
                                         "rows are known only to the month"):
        hotspot_classify(df, boundary=BOX, period_length="4 weeks")
    r = hotspot_classify(df, boundary=BOX)
    assert r.parameters["period_length"].value == "month" and len(r.periods) == 36
    assert r.periods[-1].label == "December 2024"
    r = hotspot_classify(df, boundary=BOX, period_length="quarter")
    assert len(r.periods) == 12


def test_empty_single_point_and_too_short():
    empty = pd.DataFrame({"easting": [], "northing": [], "occurred_at": pd.to_datetime([]), "date_precision": []})
    with pytest.raises(ValueError, match="`points` is empty"):
        hotspot_classify(empty, boundary=BOX)
    one = pd.DataFrame({"easting": [552000.0], "northing": [172000.0], "occurred_at": [START],
                        "date_precision": ["minute"]})
    with pytest.raises(ValueError, match="the data cover 0 complete period"):
        hotspot_classify(one, boundary=BOX)
    with pytest.raises(ValueError, match="needs the time of each incident"):
        hotspot_classify(np.array([[552000.0, 172000.0]]), boundary=BOX)
    with pytest.raises(ValueError, match="`periods` must be a whole number, at least 3"):
        hotspot_classify(one, boundary=BOX, periods=2)
    outside = one.assign(easting=[600000.0])
    with pytest.raises(ValueError, match="no incidents inside `boundary`"):
        hotspot_classify(outside, boundary=BOX)


def test_chainey_shares_are_reported_and_can_be_overridden(planted):
    params = planted.parameters
    assert params["persistent_share"].value == 0.8 and params["persistent_share"].chosen_automatically
    assert "Chainey (2020)" in params["hotspot_share"].reason
    # the former hot spot was hot in about 45% of the periods: persistent if that share is enough
    former = cell(planted, *FORMER)
    share = former["hot_periods"] / len(planted.periods)
    assert 0.2 < share < 0.5
    df = _planted_frame()
    relaxed = hotspot_classify(df, boundary=BOX, cell_size=250, persistent_share=0.2)
    assert cell(relaxed, *FORMER)["chainey"] == "persistent hot spot"
    assert not relaxed.parameters["persistent_share"].chosen_automatically
    with pytest.raises(ValueError, match="`recent_share` must be a share between 0 and 1"):
        hotspot_classify(df, boundary=BOX, cell_size=250, recent_share=1.0)
