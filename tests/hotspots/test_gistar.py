"""Getis-Ord Gi* on a grid (hotspots.gistar): agreement with esda, recovery, edge cases."""

import warnings

import numpy as np
import pytest
import shapely
from scipy import stats

from hotspots import gistar as Gi

CENTRES = np.array([[552000.0, 173500.0], [555500.0, 175500.0]])


def borough(cx=554000.0, cy=174000.0):
    """A Dartford-sized (about 67 km2) irregular polygon."""
    t = np.linspace(0, 2 * np.pi, 1500, endpoint=False)
    r = 4600 * (1 + 0.15 * np.sin(3 * t) + 0.05 * np.sin(17 * t))
    return shapely.Polygon(np.c_[cx + 1.05 * r * np.cos(t), cy + 0.95 * r * np.sin(t)])


def planted(n=4000, seed=0):
    """Two clusters (radius about 200 m) on a uniform background of half the incidents."""
    rng = np.random.default_rng(seed)
    n_bg = n // 2
    xs, ys = [rng.uniform(549500, 558500, n_bg)], [rng.uniform(170000, 178000, n_bg)]
    for (cx, cy), size in zip(CENTRES, (n_bg * 3 // 5, n_bg * 2 // 5)):
        xs.append(rng.normal(cx, 200, size))
        ys.append(rng.normal(cy, 200, size))
    return np.concatenate(xs), np.concatenate(ys)


def esda_z(result, distance=None):
    """esda's Gi* z on the same cells, with libpysal binary weights built from the cell centres."""
    import esda
    import libpysal

    cells = result.cells
    centres = np.c_[cells["x"], cells["y"]]
    threshold = result.grid.cell_size * 1.5 if distance is None else distance * (1 + 1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands, if any
        w = libpysal.weights.DistanceBand(centres, threshold=threshold, binary=True, silence_warnings=True)
        y = cells["weight"] if "weight" in cells else cells["count"]
        g = esda.G_Local(y.to_numpy(dtype=float), w, transform="B", star=True, permutations=0)
    return g.Zs, cells["z"].to_numpy()


# --- agreement with esda -----------------------------------------------------------------


@pytest.fixture(scope="module")
def area():
    return borough()


@pytest.fixture(scope="module")
def result(area):
    x, y = planted()
    return Gi.hotspot_gistar(np.c_[x, y], boundary=area, cell_size=200)


def test_equals_esda_queen_on_the_boundary_cells(result):
    ref, ours = esda_z(result)
    assert np.all(np.isfinite(ours))
    assert np.abs(ref - ours).max() < 1e-6


def test_equals_esda_with_a_distance_band(area):
    x, y = planted(2000, seed=1)
    res = Gi.hotspot_gistar(np.c_[x, y], boundary=area, cell_size=250, distance=600)
    assert res.parameters["distance"].value == 600
    ref, ours = esda_z(res, distance=600)
    assert np.abs(ref - ours).max() < 1e-6


def test_equals_esda_on_weights(area):
    x, y = planted(1500, seed=2)
    harm = np.random.default_rng(2).uniform(0, 5, x.size)
    res = Gi.hotspot_gistar(np.c_[x, y], weights=harm, boundary=area, cell_size=250)
    ref, ours = esda_z(res)
    assert np.abs(ref - ours).max() < 1e-6


def test_gistar_z_on_a_plain_array_with_a_hole():
    rng = np.random.default_rng(3)
    counts = rng.poisson(2.0, (25, 30)).astype(float)
    mask = np.ones(counts.shape, dtype=bool)
    mask[8:12, 10:15] = False  # a hole: not part of the study area
    mask[:, :2] = False
    kernel = Gi.neighbourhood(100.0)
    z = Gi.gistar_z(counts, mask, kernel)
    # Brute force from the formula (Ord and Getis 1995) on the cells of the study area.
    rows, cols = np.nonzero(mask)
    x = counts[rows, cols]
    n, xbar, s = x.size, x.mean(), x.std()
    for i in range(0, n, 37):
        near = (np.abs(rows - rows[i]) <= 1) & (np.abs(cols - cols[i]) <= 1)
        w = near.sum()
        expected = (x[near].sum() - xbar * w) / (s * np.sqrt((n * w - w * w) / (n - 1)))
        assert z[rows[i], cols[i]] == pytest.approx(expected, abs=1e-9)
    assert np.isnan(z[~mask]).all()
    # Values outside the study area are ignored.
    other = counts.copy()
    other[~mask] = 1000
    assert np.allclose(Gi.gistar_z(other, mask, kernel), z, equal_nan=True)


def test_fft_path_equals_direct_path():
    rng = np.random.default_rng(4)
    counts = rng.poisson(1.5, (60, 70)).astype(float)
    mask = np.ones(counts.shape, dtype=bool)
    mask[:10, :10] = False
    big = Gi.neighbourhood(10.0, 45.0)  # 9 x 9: FFT
    assert big.size > Gi._DIRECT_MAX
    z_fft = Gi.gistar_z(counts, mask, big)
    direct = Gi._DIRECT_MAX
    try:
        Gi._DIRECT_MAX = 10_000
        z_direct = Gi.gistar_z(counts, mask, big)
    finally:
        Gi._DIRECT_MAX = direct
    assert np.allclose(z_fft, z_direct, equal_nan=True, atol=1e-9)


# --- p-values and classes ---------------------------------------------------------------


def test_p_values_and_fdr():
    z = np.array([0.0, 1.0, -1.96, 2.5, 3.3, np.nan, -4.0])
    p = Gi.p_two_sided(z)
    assert np.allclose(p[np.isfinite(z)], 2 * stats.norm.sf(np.abs(z[np.isfinite(z)])))
    assert np.isnan(p[5])
    adjusted = Gi.fdr_bh(p)
    assert np.allclose(adjusted[np.isfinite(p)], stats.false_discovery_control(p[np.isfinite(p)], method="bh"))
    assert np.isnan(adjusted[5])


def test_gi_bin_as_arcgis():
    z = np.array([3.0, 2.2, 1.7, 1.0, -1.7, -2.2, -3.0, np.nan])
    p = Gi.p_two_sided(z)
    assert Gi.gi_bin(z, p).tolist() == [3, 2, 1, 0, -1, -2, -3, 0]


def test_result_columns_and_parameters(result):
    cells = result.cells
    assert cells.crs.to_epsg() == 27700
    assert {"count", "z", "p", "p_fdr", "gi_bin"} <= set(cells.columns)
    assert cells["gi_bin"].between(-3, 3).all()
    assert (cells["p_fdr"] >= cells["p"] - 1e-15).all()
    assert result.parameters["cell_size"].value == 200 and not result.parameters["cell_size"].chosen_automatically
    assert result.parameters["fdr"].value is True and "Benjamini-Hochberg" in result.parameters["fdr"].reason
    assert "hot cells" in result.summary()


# --- recovery and invariances -------------------------------------------------------------


def test_planted_hot_spots_are_hot_at_99_percent(result):
    for cx, cy in CENTRES:
        row, col, ok = result.grid.locate(np.array([cx]), np.array([cy]))
        assert ok[0] and result.gi_bin[row[0], col[0]] == 3
    hot = result.cells[result.cells["gi_bin"] > 0]
    # Every hot cell is near one of the planted centres.
    hx, hy = hot["x"].to_numpy()[:, None], hot["y"].to_numpy()[:, None]
    d = np.min(np.hypot(hx - CENTRES[:, 0], hy - CENTRES[:, 1]), axis=1)
    assert d.max() < 900


def test_no_pattern_no_hot_spots_with_fdr(area):
    rng = np.random.default_rng(6)
    x, y = rng.uniform(549000, 559000, 20000), rng.uniform(169000, 179000, 20000)
    res = Gi.hotspot_gistar(np.c_[x, y], boundary=area)
    assert (res.gi_bin[res.mask] != 0).mean() < 0.01
    raw = Gi.hotspot_gistar(np.c_[x, y], boundary=area, fdr=False)
    assert (raw.gi_bin[raw.mask] != 0).sum() >= (res.gi_bin[res.mask] != 0).sum()
    assert raw.parameters["fdr"].value is False


def test_translation_invariance(area):
    x, y = planted(2000, seed=7)
    a = Gi.hotspot_gistar(np.c_[x, y], boundary=area)
    b = Gi.hotspot_gistar(np.c_[x + 3000, y - 2000], boundary=shapely.affinity.translate(area, 3000, -2000))
    assert a.parameters["cell_size"].value == b.parameters["cell_size"].value
    assert np.allclose(a.z, b.z, equal_nan=True)
    assert np.array_equal(a.gi_bin, b.gi_bin)


def test_automatic_cell_size_is_explained(area):
    x, y = planted(12000, seed=8)
    res = Gi.hotspot_gistar(np.c_[x, y], boundary=area)
    p = res.parameters["cell_size"]
    assert p.chosen_automatically and p.value == 100 and "per 9-cell neighbourhood" in p.reason
    assert res.parameters["distance"].value is None


# --- edge cases ------------------------------------------------------------------------------


def test_empty_input_with_a_boundary(area):
    res = Gi.hotspot_gistar(np.empty((0, 2)), boundary=area)
    assert (res.gi_bin == 0).all() and np.isnan(res.z).all()
    assert any("undefined" in w for w in res.warnings)


def test_empty_input_without_a_boundary_is_an_error():
    with pytest.raises(ValueError, match="no study area"):
        Gi.hotspot_gistar(np.empty((0, 2)))


def test_a_single_point_is_flagged_as_unreliable(area):
    res = Gi.hotspot_gistar(np.array([[554000.0, 174000.0]]), boundary=area)
    assert res.mask.sum() >= 100
    assert any("sparse" in w for w in res.warnings)


def test_all_points_at_one_place():
    res = Gi.hotspot_gistar(np.tile([554000.0, 174000.0], (30, 1)))
    assert res.counts.sum() == 30
    assert (res.gi_bin == 0).all() and any("undefined" in w for w in res.warnings)


def test_points_outside_the_boundary(area):
    res = Gi.hotspot_gistar(np.tile([600000.0, 174000.0], (30, 1)), boundary=area)
    assert res.counts.sum() == 0
    assert any("30 of 30 incidents lie outside" in w for w in res.warnings)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"cell_size": -1}, "cell_size"), ({"distance": 50, "cell_size": 100}, "distance"), ({"fdr": "yes"}, "fdr")],
)
def test_bad_arguments_name_the_argument(area, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Gi.hotspot_gistar(np.array([[554000.0, 174000.0]]), boundary=area, **kwargs)


def test_cell_size_with_no_incidents_is_coarse_not_the_finest():
    from hotspots.gistar import MIN_CELLS, choose_gistar_cell_size

    heath_like = 1.04e6  # m2, Dartford Heath
    p = choose_gistar_cell_size(0, heath_like)
    assert heath_like / p.value**2 >= MIN_CELLS
    assert p.value >= 50
    assert "no incidents" in p.reason
