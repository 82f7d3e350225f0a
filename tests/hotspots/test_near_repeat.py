"""hotspots.near_repeat: Knox counts against brute force, planted near repeats, refusals."""

import math

import numpy as np
import pandas as pd
import pytest

from hotspots.near_repeat import near_repeat_knox, suggest_day_bands, suggest_distance_band

EXTENT = ([550000, 169000], [559000, 177000])
START = np.datetime64("2024-01-01")


def random_incidents(n, seed, days=365):
    rng = np.random.default_rng(seed)
    return rng.uniform(*EXTENT, (n, 2)), START + rng.integers(0, days, n).astype("timedelta64[D]")


def with_near_repeats(n=2000, repeats=300, seed=4):
    """Random incidents plus follow-ups within ~50 m and 0-5 days of a random earlier one."""
    xy, times = random_incidents(n, seed)
    rng = np.random.default_rng(seed + 100)
    src = rng.integers(0, n, repeats)
    xy2 = xy[src] + rng.normal(0, 25, (repeats, 2))
    t2 = times[src] + rng.integers(0, 6, repeats).astype("timedelta64[D]")
    return np.vstack([xy, xy2]), np.concatenate([times, t2])


def brute_force(xy, times, b, nb, t, nt):
    days = times.astype("datetime64[D]").astype(np.int64)
    out = np.zeros((nb + 2, nt + 1), int)
    for i in range(len(xy)):
        for j in range(i + 1, len(xy)):
            d = math.dist(xy[i], xy[j])
            r = 0 if d == 0 else min(math.ceil(d / b), nb + 1)
            dt = abs(days[i] - days[j])
            c = min(max(math.ceil(dt / t) - 1, 0), nt)
            out[r, c] += 1
    return out


def test_observed_counts_equal_brute_force_including_same_location_and_beyond():
    xy, times = random_incidents(150, seed=1, days=60)
    xy = np.round(xy / 200) * 200  # many repeats at the same place and on band edges
    r = near_repeat_knox(xy, times=times, precision="day", distance_band=400.0, distance_bands=3,
                         day_band=7, day_bands=3, permutations=9)
    expected = brute_force(xy, times, 400.0, 3, 7, 3)
    assert np.array_equal(r.matrix("observed").to_numpy(), expected)
    n_pairs = 150 * 149 // 2
    assert r.table["observed"].sum() == n_pairs
    assert r.table["expected"].sum() == pytest.approx(n_pairs)
    assert r.table.iloc[0]["distance_band"] == "same location"
    assert list(r.matrix().index)[-1] == "more than 1200 m"
    assert list(r.matrix().columns) == ["0 to 7 days", "8 to 14 days", "15 to 21 days", "more than 21 days"]


def test_planted_near_repeats_are_significant():
    xy, times = with_near_repeats()
    r = near_repeat_knox(xy, times=times, precision="day", distance_band=100.0, permutations=99, seed=1)
    near = r.table[(r.table.distance_band == "1 to 100 m") & (r.table.days_band == "0 to 7 days")].iloc[0]
    assert near.significant and near.p_value == pytest.approx(0.01)
    assert near.knox_ratio > 2
    assert "1 to 100 m, 0 to 7 days" in r.summary()


def test_random_data_has_no_near_repeat():
    xy, times = random_incidents(2000, seed=8)
    r = near_repeat_knox(xy, times=times, precision="day", distance_band=100.0, permutations=99, seed=3)
    banded = r.table[np.isfinite(r.table.distance_to) & np.isfinite(r.table.days_to)]
    near = banded[(banded.distance_to <= 200) & (banded.days_to <= 14)]
    assert not near.significant.any()
    assert banded.significant.sum() <= 1  # 20 cells at 5%: chance alone gives about one
    assert banded.knox_ratio.dropna().between(0.6, 1.6).all()


def test_five_thousand_incidents_with_999_permutations_are_quick():
    xy, times = with_near_repeats(n=5000, repeats=500)
    r = near_repeat_knox(xy, times=times, precision="minute", permutations=999)
    assert r.n_incidents == 5500 and r.n_close_pairs > 10_000
    assert r.parameters["distance_band"].value == 50.0  # 5,500 places over 72 km2: 48 m median spacing


def test_same_seed_same_table():
    xy, times = with_near_repeats(n=500, repeats=50)
    a = near_repeat_knox(xy, times=times, precision="day", seed=5)
    b = near_repeat_knox(xy, times=times, precision="day", seed=5)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_month_precision_is_refused():
    xy, _ = random_incidents(100, seed=2)
    months = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"] * 25)
    with pytest.raises(ValueError, match="month.*police.uk.*day or better"):
        near_repeat_knox(xy, times=months, precision="month")
    with pytest.raises(ValueError, match="month"):  # inferred from the times
        near_repeat_knox(xy, times=months)
    frame = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "occurred_at": months,
                          "date_precision": "month"})
    with pytest.raises(ValueError, match="month"):
        near_repeat_knox(frame)


def test_month_rows_among_day_rows_are_left_out_with_a_warning():
    xy, times = random_incidents(200, seed=3)
    precision = np.array(["day"] * 150 + ["month"] * 50, dtype=object)
    r = near_repeat_knox(xy, times=times, precision=precision, permutations=9)
    assert r.n_incidents == 150
    assert any("50 month-precision rows left out" in w for w in r.warnings)


def test_refusals_name_the_problem():
    xy, times = random_incidents(10, seed=0)
    with pytest.raises(ValueError, match="times must be given"):
        near_repeat_knox(xy)
    with pytest.raises(ValueError, match="at least 2 incidents"):
        near_repeat_knox(xy[:1], times=times[:1], precision="day")
    with pytest.raises(ValueError, match="at least 2 incidents"):
        near_repeat_knox(np.zeros((0, 2)), times=np.array([], dtype="datetime64[ns]"), precision="day")
    with pytest.raises(ValueError, match="permutations must be a whole number"):
        near_repeat_knox(xy, times=times, precision="day", permutations=0)
    with pytest.raises(ValueError, match="distance_band must be a positive number"):
        near_repeat_knox(xy, times=times, precision="day", distance_band=-5)
    with pytest.raises(ValueError, match="metric must be"):
        near_repeat_knox(xy, times=times, precision="day", metric="chebyshev")


def test_all_at_one_place_and_one_day():
    xy = np.repeat([[552000.0, 171000.0]], 20, axis=0)
    times = np.repeat(START, 20)
    r = near_repeat_knox(xy, times=times, precision="day", permutations=19)
    cell = r.table.iloc[0]
    assert cell.distance_band == "same location" and cell.observed == 190
    assert r.parameters["distance_band"].value == 100.0
    assert r.parameters["day_bands"].value == 1 and "span 0 days" in r.parameters["day_bands"].reason


def test_manhattan_metric():
    xy = np.array([[0.0, 0.0], [60.0, 60.0]]) + [552000, 171000]
    times = np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[D]")
    kw = dict(times=times, precision="day", distance_band=100.0, distance_bands=2, permutations=9)
    euclid = near_repeat_knox(xy, **kw).matrix("observed")
    manhattan = near_repeat_knox(xy, metric="manhattan", **kw).matrix("observed")
    assert euclid.loc["1 to 100 m", "0 to 7 days"] == 1  # 85 m
    assert manhattan.loc["101 to 200 m", "0 to 7 days"] == 1  # 120 m


def test_suggested_bands():
    xy, times = random_incidents(5000, seed=0)
    assert suggest_distance_band(xy).value == 100.0
    days = times.astype("datetime64[D]").astype(np.int64)
    assert suggest_day_bands(days, 7).value == 4
    assert suggest_day_bands(days[:2] * 0 + np.array([0, 30]), 7).value == 2


def test_timezone_aware_times_count_days_by_the_wall_clock():
    xy = np.array([[552000.0, 171000.0], [552010.0, 171000.0]])
    times = pd.DatetimeIndex(["2024-06-01 00:30", "2024-06-08 23:30"]).tz_localize("Europe/London")
    r = near_repeat_knox(xy, times=times, precision="minute", distance_band=100.0, permutations=9)
    assert r.matrix("observed").loc["1 to 100 m", "0 to 7 days"] == 1  # 7 calendar days apart


def test_defaults_are_reported_as_chosen_with_a_reason():
    xy, times = random_incidents(300, seed=4)
    params = near_repeat_knox(xy, times=times, precision="day").parameters
    assert params["permutations"].chosen_automatically and "0.01" in params["permutations"].reason
    assert params["metric"].chosen_automatically and "Manhattan" in params["metric"].reason
    params = near_repeat_knox(xy, times=times, precision="day", permutations=19, metric="manhattan").parameters
    assert str(params["permutations"]) == "permutations = 19 (given)" and params["metric"].reason == "given"
