"""hotspots.dbscan: planted clusters, stacked points as weights, chosen parameters, edge cases."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sklearn.cluster import DBSCAN

from hotspots.dbscan import (
    hotspot_dbscan, k_distance_curve, knee, order_by_size, stack_positions, suggest_min_samples,
)

EXTENT = ([550000, 169000], [559000, 177000])  # about Dartford: 9 km x 8 km
CENTRES = np.array([[553000, 174000], [556000, 172000], [558000, 176500], [551500, 170500]])
SIZES = [200, 120, 80, 50]


def planted(seed=1, sd=40.0, noise=400):
    rng = np.random.default_rng(seed)
    groups = [rng.normal(c, sd, (s, 2)) for c, s in zip(CENTRES, SIZES)]
    truth = np.concatenate([np.full(s, k + 1) for k, s in enumerate(SIZES)] + [np.zeros(noise, int)])
    return np.vstack(groups + [rng.uniform(*EXTENT, (noise, 2))]), truth


def same_partition(a, b):
    """True when labels a and b group the points identically (noise -1/0 must match noise)."""
    a, b = np.asarray(a), np.asarray(b)
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_planted_clusters_recovered_in_size_order():
    xy, truth = planted()
    r = hotspot_dbscan(xy)
    assert len(r.clusters) == 4
    assert list(r.clusters["cluster"]) == [1, 2, 3, 4]
    assert list(r.clusters["count"]) == sorted(r.clusters["count"], reverse=True)
    for k, (centre, size) in enumerate(zip(CENTRES, SIZES), start=1):
        row = r.clusters.iloc[k - 1]
        assert shapely.Point(centre).distance(row.geometry.centroid) < 30
        assert abs(row["count"] - size) <= 0.1 * size
        assert np.mean(r.labels[truth == k] == k) > 0.9
    assert r.clusters.crs.to_epsg() == 27700
    assert r.noise == (r.labels == 0).sum()
    assert np.isclose(r.clusters["share"].sum(), 1 - r.noise / len(xy))
    assert set(r.parameters) >= {"eps", "min_samples", "area", "buffer", "weights"}
    assert all(r.parameters[p].chosen_automatically for p in ("eps", "min_samples", "buffer"))


def test_eps_suggestion_is_sensible_on_planted_data():
    xy, _ = planted(sd=40.0)
    eps = hotspot_dbscan(xy).parameters["eps"]
    # points 40 m apart (sd) in the clusters, about 300 m apart in the background
    assert 15 <= eps.value <= 120
    assert "knee" in eps.reason and "k-distance" in eps.reason
    wider = hotspot_dbscan(planted(sd=80.0)[0]).parameters["eps"].value
    assert wider > eps.value


def test_knee_of_a_hockey_stick():
    y = np.concatenate([np.linspace(0, 10, 80), np.linspace(10, 1000, 20)])
    assert 75 <= knee(y) <= 82


def test_weighted_k_distance_counts_the_stack():
    positions = np.array([[0.0, 0.0], [10.0, 0.0], [1000.0, 0.0]])
    counts = np.array([3, 2, 6])
    curve, weights, used = k_distance_curve(positions, counts, 5)
    # the stack of 6 is core on its own; the other two reach 5 incidents at 10 m
    assert used == 3
    assert np.allclose(curve, [0.0, 10.0, 10.0]) and weights.tolist() == [6, 3, 2]


def test_weighted_knee_is_the_knee_of_the_repeated_curve():
    rng = np.random.default_rng(0)
    y = np.sort(rng.gamma(2.0, 30.0, 300))
    w = rng.integers(1, 20, 300)
    assert y[knee(y, w)] == np.repeat(y, w)[knee(np.repeat(y, w))]


def test_eps_is_capped_where_core_points_stop_being_dense():
    # police.uk-like: 12,000 incidents on 3,000 snap points (town centres and a scattered
    # background) with heavy-tailed popularity; the k-distance curve bends gently
    rng = np.random.default_rng(0)
    centres = rng.uniform([551000, 170000], [558000, 176000], (12, 2))
    snaps = np.vstack([centres[rng.integers(0, 12, 2000)] + rng.normal(0, 250, (2000, 2)),
                       rng.uniform(*EXTENT, (1000, 2))])
    popularity = rng.pareto(1.2, 3000) + 1
    xy = snaps[rng.choice(3000, size=12_000, p=popularity / popularity.sum())]
    r = hotspot_dbscan(xy)
    eps = r.parameters["eps"]
    assert "capped" in eps.reason
    assert eps.value == pytest.approx(100, abs=5)
    assert not any("no denser" in w for w in r.warnings)


def test_min_samples_rule_scales_with_incidents_and_area():
    area = 72e6
    small, large = suggest_min_samples(12_000, area), suggest_min_samples(100_000, area)
    assert small.value == 11 and large.value == 88
    assert suggest_min_samples(50, area).value == 5
    assert "100 m" in small.reason


@pytest.mark.parametrize("eps,min_samples", [(30.0, 5), (60.0, 12), (120.0, 40), (15.0, 3)])
def test_stacked_points_as_weights_give_the_raw_partition(eps, min_samples):
    rng = np.random.default_rng(7)
    snaps = np.vstack([rng.normal(c, 35, (15, 2)) for c in CENTRES[:3]] + [rng.uniform(*EXTENT, (25, 2))])
    counts = np.minimum(rng.zipf(1.8, len(snaps)), 30)
    raw = np.repeat(snaps, counts, axis=0)
    rng.shuffle(raw)
    ours = hotspot_dbscan(raw, eps=eps, min_samples=min_samples)
    theirs = DBSCAN(eps=eps, min_samples=min_samples).fit(raw).labels_
    assert same_partition(ours.labels, theirs)
    assert ours.noise == (theirs == -1).sum()
    assert ours.parameters["eps"].value == eps and not ours.parameters["eps"].chosen_automatically


def test_a_stack_is_one_cluster_not_many_points():
    xy = np.vstack([np.repeat([[552000.0, 171000.0]], 40, axis=0), np.random.default_rng(0).uniform(*EXTENT, (30, 2))])
    r = hotspot_dbscan(xy, eps=50.0, min_samples=10)
    assert len(r.clusters) == 1
    row = r.clusters.iloc[0]
    assert row["count"] == 40 and row["positions"] == 1
    assert row.geometry.geom_type == "Polygon" and row.geometry.area == pytest.approx(np.pi * 25**2, rel=0.02)


def test_stack_positions_round_trip():
    xy = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [1.0, 5.0]])
    s = stack_positions(xy)
    assert np.array_equal(s.positions[s.inverse], xy)
    assert s.counts.sum() == 4 and len(s.counts) == 3


def test_order_by_size_ties_and_noise():
    labels = order_by_size(np.array([-1, 0, 1, 2]), np.array([5, 3, 7, 3]))
    assert labels.tolist() == [0, 2, 1, 3]


def frame_with_times():
    """Cluster A (60 incidents at one corner: 40 timed, 20 month precision), cluster B (30 timed)."""
    rng = np.random.default_rng(3)
    a = rng.normal([553000, 174000], 20, (60, 2))
    b = rng.normal([556000, 172000], 20, (30, 2))
    xy = np.vstack([a, b])
    # Tuesdays at 22:15 for A's timed rows, Saturdays at 03:40 for B
    times = [pd.Timestamp("2025-03-04 22:15") + pd.Timedelta(weeks=int(w)) for w in range(40)]
    times += [pd.Timestamp("2025-03-01")] * 20
    times += [pd.Timestamp("2025-03-08 03:40") + pd.Timedelta(weeks=int(w)) for w in range(30)]
    precision = ["minute"] * 40 + ["month"] * 20 + ["minute"] * 30
    category = ["Burglary"] * 25 + ["Shoplifting"] * 20 + ["Criminal damage and arson"] * 10 + ["Drugs"] * 5 + [
        "Anti-social behaviour"] * 30
    return pd.DataFrame({
        "easting": xy[:, 0], "northing": xy[:, 1], "occurred_at": times,
        "date_precision": precision, "category": category,
    })


def test_profile_uses_minute_rows_only_and_counts_the_rest():
    df = frame_with_times()
    r = hotspot_dbscan(df, eps=60.0, min_samples=5)
    a, b = r.clusters.iloc[0], r.clusters.iloc[1]
    assert (a["count"], a["timed"], a["untimed"]) == (60, 40, 20)
    assert (b["count"], b["timed"], b["untimed"]) == (30, 30, 0)
    pa = r.profiles[1]
    assert pa.shape == (7, 24) and list(pa.index) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert pa.loc["Tue", 22] == 40 and pa.to_numpy().sum() == 40
    assert r.profiles[2].loc["Sat", 3] == 30
    assert any("left out of the day-of-week by hour profiles" in w for w in r.warnings)
    assert a["first"] == pd.Timestamp("2025-03-01") and a["last"] == pd.Timestamp("2025-03-04 22:15") + pd.Timedelta(weeks=39)
    assert a["main_categories"] == "Burglary (25); Shoplifting (20); Criminal damage and arson (10)"
    assert b["main_categories"] == "Anti-social behaviour (30)"


def test_month_precision_is_inferred_when_not_given():
    df = frame_with_times().drop(columns="date_precision")
    df["occurred_at"] = pd.Timestamp("2025-03-01")
    r = hotspot_dbscan(df, eps=60.0, min_samples=5)
    assert r.clusters["timed"].sum() == 0
    assert any("inferred" in w and "month" in w for w in r.warnings)


def test_geodataframe_input_and_crs_check():
    df = frame_with_times()
    gdf = gpd.GeoDataFrame(df.drop(columns=["easting", "northing"]),
                           geometry=gpd.points_from_xy(df.easting, df.northing), crs=27700)
    r = hotspot_dbscan(gdf, eps=60.0, min_samples=5)
    assert list(r.clusters["count"]) == [60, 30]
    with pytest.raises(ValueError, match="EPSG:27700"):
        hotspot_dbscan(gdf.to_crs(4326))


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_empty_input_gives_an_empty_result(method):
    for empty in (np.zeros((0, 2)), [], pd.DataFrame({"easting": [], "northing": []})):
        r = hotspot_dbscan(empty, method=method)
        assert len(r.clusters) == 0 and len(r.labels) == 0 and r.noise == 0
        assert list(r.clusters.columns)[:2] == ["cluster", "count"]
        assert any("no incidents" in w for w in r.warnings)


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_single_point_is_noise(method):
    r = hotspot_dbscan(np.array([[552000.0, 171000.0]]), method=method)
    assert len(r.clusters) == 0 and r.labels.tolist() == [0] and r.noise == 1
    assert any("no cluster is possible" in w for w in r.warnings)


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_all_points_at_one_place(method):
    r = hotspot_dbscan(np.repeat([[552000.0, 171000.0]], 50, axis=0), method=method)
    assert len(r.clusters) == 1 and r.clusters.iloc[0]["count"] == 50
    assert (r.labels == 1).all()
    assert r.clusters.iloc[0].geometry.area > 0
    assert "fallback" in r.parameters["eps"].reason or method == "hdbscan"


def test_all_noise():
    xy = np.random.default_rng(5).uniform(*EXTENT, (200, 2))
    r = hotspot_dbscan(xy, eps=50.0, min_samples=20)
    assert len(r.clusters) == 0 and r.noise == 200 and (r.labels == 0).all()
    assert any("every incident is noise" in w for w in r.warnings)


def test_hdbscan_finds_planted_clusters_and_says_how_weights_were_handled():
    xy, _ = planted(noise=100)
    stacked = np.repeat(xy, 3, axis=0)
    r = hotspot_dbscan(stacked, method="hdbscan")
    for centre in CENTRES:
        assert r.clusters.geometry.contains(shapely.Point(centre)).any()
    assert "repeated" in r.parameters["weights"].reason
    assert r.parameters["min_cluster_size"].chosen_automatically
    assert list(r.clusters["count"]) == sorted(r.clusters["count"], reverse=True)


def test_hdbscan_scales_down_heavy_stacks_with_a_warning():
    rng = np.random.default_rng(2)
    snaps = np.vstack([rng.normal(c, 60, (40, 2)) for c in CENTRES])
    counts = rng.integers(50, 400, len(snaps))
    r = hotspot_dbscan(np.repeat(snaps, counts, axis=0), method="hdbscan", hdbscan_max_rows=2000)
    assert any("scaled by" in w for w in r.warnings)
    assert len(r.clusters) >= 1


@pytest.mark.parametrize("kwargs,match", [
    ({"eps": -1.0}, "eps must be a positive number"),
    ({"eps": float("nan")}, "eps must be a positive number"),
    ({"min_samples": 0}, "min_samples must be a whole number"),
    ({"min_samples": 2.5}, "min_samples must be a whole number"),
    ({"method": "optics"}, "method must be"),
    ({"min_cluster_size": 10}, "min_cluster_size is for"),
    ({"buffer": 0}, "buffer must be a positive number"),
    ({"area": -5}, "area must be"),
])
def test_bad_arguments_are_named(kwargs, match):
    xy, _ = planted(noise=10)
    with pytest.raises(ValueError, match=match):
        hotspot_dbscan(xy, **kwargs)


def test_degrees_are_refused_by_every_method_reading_points():
    from hotspots.change import hotspot_change
    from hotspots.near_repeat import near_repeat_knox

    lonlat = np.c_[np.linspace(0.20, 0.30, 40), np.linspace(51.40, 51.46, 40)]
    times = pd.date_range("2024-01-01 10:00", periods=40, freq="D")
    with pytest.raises(ValueError, match="longitude/latitude degrees"):
        hotspot_dbscan(lonlat)
    with pytest.raises(ValueError, match="longitude/latitude degrees"):
        near_repeat_knox(lonlat, times=times, precision="minute")
    with pytest.raises(ValueError, match="longitude/latitude degrees"):
        hotspot_change(lonlat, times=times, precision="minute")


def test_bad_points_are_named():
    with pytest.raises(ValueError, match="easting and northing"):
        hotspot_dbscan(pd.DataFrame({"x": [1.0], "y": [2.0]}))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        hotspot_dbscan(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite easting and northing"):
        hotspot_dbscan(np.array([[552000.0, np.nan]]))
    with pytest.raises(ValueError, match="times must have one value per incident"):
        hotspot_dbscan(np.zeros((3, 2)) + 552000, times=pd.to_datetime(["2025-01-01"]))


def test_summary_prints_parameters_and_reasons():
    xy, _ = planted()
    text = hotspot_dbscan(xy).summary()
    assert "4 clusters" in text and "eps = " in text and "chosen automatically" in text
    assert "method = dbscan (chosen automatically: the default" in text
    assert str(hotspot_dbscan(xy, method="hdbscan").parameters["method"]) == "method = hdbscan (given)"
