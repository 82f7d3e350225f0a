"""Kernel density hot spots (hotspots.kde): accuracy, recovery, invariances, edge cases."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots import grid as G
from hotspots import kde as K

CENTRES = np.array([[552000.0, 173500.0], [555500.0, 175500.0], [555800.0, 171800.0]])


def borough(cx=554000.0, cy=174000.0):
    """A Dartford-sized (about 67 km2) irregular polygon."""
    t = np.linspace(0, 2 * np.pi, 1500, endpoint=False)
    r = 4600 * (1 + 0.15 * np.sin(3 * t) + 0.05 * np.sin(17 * t))
    return shapely.Polygon(np.c_[cx + 1.05 * r * np.cos(t), cy + 0.95 * r * np.sin(t)])


def planted(n=6000, seed=0, spread=(150.0, 250.0, 200.0), background=0.4):
    """Incidents around CENTRES (shares 3:2:1) on a uniform background."""
    rng = np.random.default_rng(seed)
    n_bg = int(n * background)
    share = np.array([3, 2, 1]) / 6
    sizes = rng.multinomial(n - n_bg, share)
    xs, ys = [rng.uniform(549500, 558500, n_bg)], [rng.uniform(170000, 178000, n_bg)]
    for (cx, cy), size, sd in zip(CENTRES, sizes, spread):
        xs.append(rng.normal(cx, sd, size))
        ys.append(rng.normal(cy, sd, size))
    return np.concatenate(xs), np.concatenate(ys)


def snapped(x, y, n_snaps=2000, seed=1):
    """Move each incident to the nearest of ``n_snaps`` random snap points (as police.uk)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    snaps = np.c_[rng.uniform(549000, 559000, n_snaps), rng.uniform(169500, 178500, n_snaps)]
    _, idx = cKDTree(snaps).query(np.c_[x, y])
    return snaps[idx, 0], snaps[idx, 1]


# --- the kernel and the surface ---------------------------------------------------------


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kernel_array_is_normalised_and_close_to_the_continuous_kernel(kernel):
    k = K.kernel_array(25, 150 if kernel == "quartic" else 60, kernel)
    assert k.shape[0] % 2 == 1 and k.sum() == pytest.approx(1.0)
    raw = K.kernel_value(
        ((np.arange(k.shape[0]) - k.shape[0] // 2) * 25.0)[:, None] ** 2
        + ((np.arange(k.shape[0]) - k.shape[0] // 2) * 25.0)[None, :] ** 2,
        150 if kernel == "quartic" else 60,
        kernel,
    )
    assert raw.sum() * 625 == pytest.approx(1.0, abs=2e-3)  # rescaling is a small correction


def test_quartic_kernel_is_the_crimestat_definition():
    h = 200.0
    assert K.kernel_value(np.array([0.0]), h, "quartic")[0] == pytest.approx(3 / (math.pi * h * h))
    assert K.kernel_value(np.array([100.0**2]), h, "quartic")[0] == pytest.approx(3 / (math.pi * h * h) * 0.75**2)
    assert K.kernel_value(np.array([h * h]), h, "quartic")[0] == 0


@pytest.mark.parametrize(("kernel", "bandwidth"), [("quartic", 200.0), ("quartic", 120.0), ("gaussian", 70.0)])
@pytest.mark.parametrize("stack", [False, True])
def test_surface_matches_the_exact_kernel_sum(kernel, bandwidth, stack):
    rng = np.random.default_rng(5)
    x = np.r_[rng.normal(551000, 150, 300), rng.uniform(550000, 552000, 300)]
    y = np.r_[rng.normal(171000, 150, 300), rng.uniform(170000, 172000, 300)]
    w = rng.uniform(0.5, 2.0, x.size)
    if stack:
        x, y = snapped(x, y, n_snaps=150)
    grid = G.make_grid((550000, 170000, 552000, 172000), 25)
    fast = K.kde_surface(grid, x, y, w, bandwidth=bandwidth, kernel=kernel)
    exact = K.kde_exact(grid, x, y, w, bandwidth=bandwidth, kernel=kernel)
    assert np.abs(fast - exact).max() < 0.005 * exact.max()


def test_default_map_matches_the_exact_sum(area):
    x, y = planted(800, seed=3)
    res = K.hotspot_kde(np.c_[x, y], boundary=area)
    h = res.parameters["bandwidth"].value
    rows, cols = np.nonzero(res.mask)
    exact = K.kde_exact(res.grid, x, y, bandwidth=h, cells=(rows, cols))
    assert np.abs(res.density[rows, cols] - exact).max() < 0.005 * exact.max()


def test_exact_sum_is_a_plain_sum():
    grid = G.make_grid((0, 0, 100, 100), 10)
    x, y = np.array([12.0, 47.0, 47.0]), np.array([33.0, 61.0, 61.0])
    exact = K.kde_exact(grid, x, y, bandwidth=40.0)
    cx, cy = grid.centres()
    manual = sum(K.kernel_value((cx - px) ** 2 + (cy - py) ** 2, 40.0, "quartic") for px, py in zip(x, y)) * 1e6
    assert np.allclose(exact, manual)


def test_density_integrates_to_the_number_of_incidents():
    x, y = planted(3000, spread=(150, 150, 150), background=0)
    grid = G.make_grid((548000, 169000, 560000, 179000), 25)
    for kernel, h in (("quartic", 180.0), ("quartic", 400.0), ("gaussian", 60.0)):
        density = K.kde_surface(grid, x, y, bandwidth=h, kernel=kernel)
        # Exact on the (sub-)grid the kernel is applied on; sampling at cell centres adds a tiny Riemann error.
        assert density.sum() * grid.cell_area_m2 / 1e6 == pytest.approx(3000, rel=1e-5)
        one = K.kde_surface(grid, x, y, bandwidth=h, kernel=kernel, oversample=1)
        assert one.sum() * grid.cell_area_m2 / 1e6 == pytest.approx(3000, rel=1e-12)
    w = np.full(x.size, 2.5)
    assert K.kde_surface(grid, x, y, w, bandwidth=180.0).sum() * 625 / 1e6 == pytest.approx(7500, rel=1e-5)


def test_oversampling_rule():
    assert K.oversampling(25, 400, "quartic") == 1
    assert K.oversampling(25, 150, "quartic") == 2
    assert K.oversampling(25, 75, "gaussian") == 2
    assert K.oversampling(25, 150 / math.sqrt(8), "gaussian") == 3
    assert K.oversampling(25, 10, "quartic") == K.MAX_OVERSAMPLING
    assert K.oversampling(25, 10, "quartic", cells=2_000_000) == 1


def test_a_weight_equals_stacked_incidents():
    grid = G.make_grid((550000, 170000, 551000, 171000), 25)
    x, y = np.array([550300.0, 550610.0]), np.array([170420.0, 170555.0])
    weighted = K.kde_surface(grid, x, y, np.array([3.0, 1.0]), bandwidth=150.0)
    stacked = K.kde_surface(grid, np.r_[x[0], x[0], x], np.r_[y[0], y[0], y], bandwidth=150.0)
    assert np.allclose(weighted, stacked)


# --- the verb -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def area():
    return borough()


@pytest.fixture(scope="module")
def result(area):
    x, y = planted()
    return K.hotspot_kde(np.c_[x, y], boundary=area)


def test_planted_hot_spots_are_recovered(result):
    hotspots = result.hotspots
    assert len(hotspots) >= 3
    top3 = hotspots.head(3)
    for cx, cy in CENTRES:
        assert top3.contains(shapely.Point(cx, cy)).any(), (cx, cy)
    # Hot spot 1 is the cluster with the most incidents.
    assert hotspots.geometry.iloc[0].contains(shapely.Point(*CENTRES[0]))
    # The peak lies near the biggest cluster's centre.
    peak = np.nanargmax(result.density)
    cx, cy = result.grid.centres()
    assert math.hypot(cx.flat[peak] - CENTRES[0, 0], cy.flat[peak] - CENTRES[0, 1]) < 100


def test_result_parameters_are_chosen_and_explained(result):
    p = result.parameters
    assert list(p) == ["kernel", "bandwidth", "cell_size", "snapped", "threshold"]
    assert all(v.chosen_automatically for v in p.values())
    assert p["cell_size"].value == 25
    assert "Silverman" in p["bandwidth"].reason
    assert K.EXACT_FLOOR_M <= p["bandwidth"].value < 1000
    assert p["snapped"].value is False
    assert p["threshold"].value == "top 5%" and "incidents/km2" in p["threshold"].reason
    assert "cell_size = 25 m" in str(p["cell_size"])


def test_result_cells_and_raster(result, area):
    cells = result.cells
    assert cells.crs.to_epsg() == 27700
    assert {"count", "density", "hotspot", "geometry"} <= set(cells.columns)
    assert len(cells) == result.mask.sum() and cells.intersects(area).all()
    assert cells["count"].sum() == result.incidents
    assert cells["hotspot"].sum() == result.hot.sum()
    assert np.isnan(result.density[~result.mask]).all() and np.isfinite(result.density[result.mask]).all()
    assert result.density.shape == result.grid.shape
    assert result.transform == result.grid.transform and result.extent == result.grid.extent


def test_top_share_of_area(result):
    share = result.hot.sum() / result.mask.sum()
    assert share == pytest.approx(0.05, abs=0.002)
    assert result.hotspots["area_km2"].sum() <= 0.051 * result.mask.sum() * 625 / 1e6
    assert "5.0% of the area" in result.summary()


def test_hotspot_table_adds_up(result, area):
    x, y = planted()
    hot_cells = result.cells[result.cells["hotspot"]]
    h = result.hotspots
    assert h["incidents"].sum() == hot_cells["count"].sum()
    assert h["share"].sum() == pytest.approx(hot_cells["count"].sum() / result.incidents)
    assert np.allclose(h["area_km2"], h["area_m2"] / 1e6)
    assert np.allclose(h.area, h["area_m2"])
    assert h.is_valid.all() and h.within(area.buffer(1e-6)).all()
    assert list(h["hotspot"]) == list(range(1, len(h) + 1))
    assert (np.diff(h["incidents"]) <= 0).all()
    assert (h["peak_density"] >= result.threshold_density).all()


def test_multiple_of_the_mean_threshold(area):
    x, y = planted(3000)
    res = K.hotspot_kde(np.c_[x, y], boundary=area, threshold="3x mean", bandwidth=200, cell_size=50)
    mean = np.nanmean(res.density)
    assert res.threshold_density == pytest.approx(3 * mean)
    assert (res.density[res.hot] >= 3 * mean).all()
    assert (res.density[res.mask & ~res.hot] < 3 * mean).all()
    assert "Chainey" in res.parameters["threshold"].reason
    fixed = K.hotspot_kde(np.c_[x, y], boundary=area, threshold=500, bandwidth=200, cell_size=50)
    assert fixed.threshold_density == 500 and fixed.parameters["threshold"].unit == "incidents/km2"


def test_everything_can_be_overridden(area):
    x, y = planted(2000)
    res = K.hotspot_kde(
        (x, y), boundary=area, cell_size=50, bandwidth=300, kernel="gaussian", threshold="top 2%", snapped=True
    )
    p = res.parameters
    assert p["cell_size"].value == 50 and p["bandwidth"].value == 300 and p["kernel"].value == "gaussian"
    assert p["snapped"].value is True and p["threshold"].value == "top 2%"
    assert not any(v.chosen_automatically for v in p.values())
    assert res.grid.cell_size == 50


def test_translation_invariance(area):
    x, y = planted(2000)
    shift = np.array([2500.0, -1250.0])  # a multiple of the cell size
    a = K.hotspot_kde(np.c_[x, y], boundary=area)
    b = K.hotspot_kde(np.c_[x + shift[0], y + shift[1]], boundary=shapely.affinity.translate(area, *shift))
    assert a.parameters["bandwidth"].value == pytest.approx(b.parameters["bandwidth"].value, rel=1e-6)
    assert a.density.shape == b.density.shape
    assert np.allclose(a.density, b.density, equal_nan=True, rtol=1e-6, atol=1e-9 * np.nanmax(a.density))
    assert np.allclose(a.hotspots["area_m2"], b.hotspots["area_m2"])
    assert a.grid.x0 + shift[0] == b.grid.x0 and a.grid.y0 + shift[1] == b.grid.y0


def test_snapped_data_are_detected_and_kept_above_the_floor(area):
    rng = np.random.default_rng(7)
    x, y = snapped(rng.uniform(550000, 558000, 50_000), rng.uniform(170000, 178000, 50_000))
    res = K.hotspot_kde(np.c_[x, y], boundary=area)
    p = res.parameters
    assert p["snapped"].value is True and "share a position" in p["snapped"].reason
    floor, text = K.bandwidth_floor(G.stacking(x, y), True)
    assert floor >= K.SNAP_FLOOR_M and "snap points" in text
    assert p["bandwidth"].value >= floor


def test_floor_applies_when_the_rule_is_below_it():
    rng = np.random.default_rng(8)
    x, y = snapped(rng.normal(554000, 300, 50_000), rng.normal(174000, 300, 50_000), n_snaps=3000)
    res = K.hotspot_kde(np.c_[x, y])
    rule, _ = K.bandwidth_rule(x, y)
    assert rule < K.SNAP_FLOOR_M
    assert res.parameters["bandwidth"].value >= K.SNAP_FLOOR_M
    assert "raised to the floor" in res.parameters["bandwidth"].reason
    low = K.hotspot_kde(np.c_[x, y], bandwidth=60, cell_size=25)
    assert any("below the" in w and "snap points" in w for w in low.warnings)


def test_bandwidth_rule_formula():
    rng = np.random.default_rng(9)
    x, y = rng.normal(0, 1000, 500) + 550000, rng.normal(0, 500, 500) + 170000
    h, text = K.bandwidth_rule(x, y)
    d = np.hypot(x - x.mean(), y - y.mean())
    sd = math.sqrt((d**2).mean())
    dm = np.sort(d)[np.searchsorted(np.arange(1, 501), 250)]
    assert h == pytest.approx(0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * 500**-0.2, rel=1e-9)
    assert "n = 500" in text


def test_bandwidth_below_cell_size_is_warned(area):
    x, y = planted(1000)
    res = K.hotspot_kde(np.c_[x, y], boundary=area, bandwidth=20, cell_size=25)
    assert any("smaller than the 25 m cells" in w for w in res.warnings)


def test_weights_by_column_name(area):
    x, y = planted(1000)
    harm = np.r_[np.full(500, 10.0), np.ones(500)]
    frame = gpd.GeoDataFrame({"harm": harm}, geometry=gpd.points_from_xy(x, y), crs=27700)
    res = K.hotspot_kde(frame, weights="harm", boundary=area, bandwidth=200)
    direct = K.kde_surface(res.grid, x, y, harm, bandwidth=200)
    assert np.allclose(res.density[res.mask], direct[res.mask])
    assert {"weight", "weight_share"} <= set(res.hotspots.columns)
    row, col, ok = res.grid.locate(x, y)
    in_area = ok & res.mask[row, col]
    assert res.cells["weight"].sum() == pytest.approx(harm[in_area].sum())
    assert res.hotspots["weight"].sum() == pytest.approx(harm[in_area & res.hot[row, col]].sum())


# --- edge cases ---------------------------------------------------------------------------


def test_empty_input_with_a_boundary_is_a_blank_map(area):
    res = K.hotspot_kde(np.empty((0, 2)), boundary=area)
    assert res.incidents == 0 and len(res.hotspots) == 0 and not res.hot.any()
    assert np.nanmax(res.density) == 0
    assert any("no incidents" in w for w in res.warnings)
    assert res.summary().startswith("no hot spots")


def test_empty_input_without_a_boundary_is_an_error():
    with pytest.raises(ValueError, match="nothing to map"):
        K.hotspot_kde(np.empty((0, 2)))


def test_a_single_point(area):
    res = K.hotspot_kde(np.array([[554012.0, 174020.0]]), boundary=area)
    h = res.parameters["bandwidth"].value
    assert h == K.EXACT_FLOOR_M
    assert len(res.hotspots) == 1 and res.hotspots.contains(shapely.Point(554012, 174020)).all()
    assert np.nanmax(res.density) == pytest.approx(3 / (math.pi * h * h) * 1e6, rel=0.1)
    assert np.nansum(res.density) * res.grid.cell_area_m2 / 1e6 == pytest.approx(1.0, rel=1e-3)
    assert any("only 1" in w for w in res.warnings)


def test_all_points_at_one_place_without_a_boundary():
    res = K.hotspot_kde(np.tile([554000.0, 174000.0], (40, 1)))
    assert res.parameters["snapped"].value is True
    assert res.parameters["bandwidth"].value == K.SNAP_FLOOR_M
    assert np.nansum(res.density) * res.grid.cell_area_m2 / 1e6 == pytest.approx(40, rel=1e-3)
    assert len(res.hotspots) == 1 and res.hotspots["incidents"].iloc[0] == 40


def test_points_outside_the_boundary(area):
    res = K.hotspot_kde(np.tile([600000.0, 174000.0], (25, 1)), boundary=area)
    assert res.incidents == 0 and len(res.hotspots) == 0
    assert any("25 of 25 incidents lie outside" in w for w in res.warnings)
    near = K.hotspot_kde(np.array([[553000.0, 174000.0], [600000.0, 174000.0]]), boundary=area, bandwidth=200)
    assert near.incidents == 1 and any("1 of 2" in w for w in near.warnings)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kernel": "epanechnikov"}, "kernel"),
        ({"bandwidth": -5}, "bandwidth"),
        ({"cell_size": 0}, "cell_size"),
        ({"cell_size": 0.5}, "cell_size"),
        ({"threshold": "top 120%"}, "threshold"),
        ({"threshold": "lots"}, "threshold"),
        ({"snapped": "yes"}, "snapped"),
    ],
)
def test_bad_arguments_name_the_argument(area, kwargs, match):
    with pytest.raises(ValueError, match=match):
        K.hotspot_kde(np.array([[554000.0, 174000.0]]), boundary=area, **kwargs)


def test_threshold_forms():
    assert K.parse_threshold("top 5%") == ("top", 5.0)
    assert K.parse_threshold("10%") == ("top", 10.0)
    assert K.parse_threshold("2x mean") == ("mean", 2.0)
    assert K.parse_threshold("1.5 * mean") == ("mean", 1.5)
    assert K.parse_threshold(250) == ("density", 250.0)


@pytest.mark.parametrize("shape,m", [((60, 75), 5), ((75, 81), 7), ((125, 135), 20)])
def test_fft_convolution_equals_a_direct_one(shape, m):
    """The folded cosine spectrum of a symmetric kernel, on even and odd FFT lengths."""
    from scipy import signal

    a = np.random.default_rng(m).random(shape)
    a[: m + 1] = a[-(m + 1):] = 0.0  # the margin the caller pads with
    a[:, : m + 1] = a[:, -(m + 1):] = 0.0
    kern = K.kernel_array(1.0, float(m), "quartic")
    np.testing.assert_allclose(K._convolve(a, kern), signal.convolve2d(a, kern, mode="same"), atol=1e-14)


def test_top_share_on_a_sparse_surface_is_every_cell_with_density_not_a_zero_cut():
    # 3 incidents on a 20 km2 area: far fewer than 5% of the cells carry any density.
    area = shapely.box(550_000, 170_000, 555_000, 174_000)
    pts = np.array([[551_000.0, 171_000.0], [553_000.0, 172_500.0], [553_020.0, 172_510.0]])
    res = K.hotspot_kde(pts, boundary=area, bandwidth=100.0, cell_size=25.0)
    positive = res.mask & (res.density > 0)
    assert positive.sum() < 0.05 * res.mask.sum()
    assert res.threshold_density == pytest.approx(res.density[positive].min())
    assert (res.hot == positive).all()
    assert "only" in res.parameters["threshold"].reason and "at least 0 " not in res.parameters["threshold"].reason
