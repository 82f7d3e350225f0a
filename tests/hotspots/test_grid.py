"""Grids, binning, boundary masks and the parameter record (hotspots.grid)."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import grid as G


def borough(cx=554000.0, cy=174000.0, vertices=2000):
    """A Dartford-sized (about 67 km2) irregular polygon."""
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    r = 4600 * (1 + 0.15 * np.sin(3 * t) + 0.05 * np.sin(17 * t))
    return shapely.Polygon(np.c_[cx + 1.05 * r * np.cos(t), cy + 0.95 * r * np.sin(t)])


# --- grid ---------------------------------------------------------------------------


def test_grid_is_aligned_to_round_coordinates_and_covers_the_bounds():
    grid = G.make_grid((551013.2, 170987.9, 557302.4, 176020.0), 25)
    assert grid.x0 % 25 == 0 and grid.y0 % 25 == 0
    assert grid.x0 <= 551013.2 and grid.y0 <= 170987.9
    assert grid.x1 > 557302.4 and grid.y1 > 176020.0  # east and north edges inside a cell
    assert grid.x1 - 557302.4 <= 25 and grid.y1 - 176020.0 <= 25
    padded = G.make_grid((551013.2, 170987.9, 557302.4, 176020.0), 25, margin=200)
    assert padded.x0 <= 551013.2 - 200 and padded.x0 % 25 == 0


def test_same_place_same_cell_whatever_the_extent():
    a = G.make_grid((550000, 170000, 560000, 180000), 25)
    b = G.make_grid((553333, 171111, 555555, 172222), 25)
    x, y = np.array([554321.0]), np.array([171234.0])
    ra, ca, _ = a.locate(x, y)
    rb, cb, _ = b.locate(x, y)
    cx_a, cy_a = a.centres()
    cx_b, cy_b = b.centres()
    assert cx_a[ra[0], ca[0]] == cx_b[rb[0], cb[0]] and cy_a[ra[0], ca[0]] == cy_b[rb[0], cb[0]]


def test_transform_and_extent_place_the_array():
    grid = G.make_grid((550000, 170000, 551000, 170500), 50)
    a, b, c, d, e, f = grid.transform
    cx, cy = grid.centres()
    rows, cols = np.indices(grid.shape)
    assert np.allclose(a * (cols + 0.5) + b * (rows + 0.5) + c, cx)
    assert np.allclose(d * (cols + 0.5) + e * (rows + 0.5) + f, cy)
    assert grid.extent == (grid.x0, grid.x1, grid.y0, grid.y1)
    assert cy[0, 0] > cy[-1, 0]  # row 0 is north


def test_too_many_cells_is_a_clear_error():
    with pytest.raises(ValueError, match="cell_size"):
        G.make_grid((0, 0, 100_000, 100_000), 1)
    with pytest.raises(ValueError, match="cell_size"):
        G.make_grid((0, 0, 10, 10), -5)


def test_window_of_a_padded_grid():
    grid = G.make_grid((550000, 170000, 551000, 170500), 50)
    padded = grid.pad(3)
    rows, cols = padded.window(grid)
    cx, cy = padded.centres()
    gx, gy = grid.centres()
    assert np.array_equal(cx[rows, cols], gx) and np.array_equal(cy[rows, cols], gy)


# --- cell size rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area_km2", "expected"),
    [(72.7, 25), (10, 10), (0.5, 5), (0.0, 5), (3700, 200)],
)
def test_cell_size_rule(area_km2, expected):
    choice = G.choose_cell_size(area_km2 * 1e6)
    assert choice.value == expected
    assert choice.name == "cell_size" and choice.unit == "m" and choice.chosen_automatically
    assert f"{area_km2:,.2f} km2" in choice.reason


def test_cell_size_rule_respects_a_cap():
    choice = G.choose_cell_size(72.7e6, at_most=12.0, why_at_most="a quarter of the 48 m bandwidth")
    assert choice.value == 10
    assert "a quarter of the 48 m bandwidth" in choice.reason


# --- binning --------------------------------------------------------------------------


def test_simple_binning_matches_histogram2d_with_weights_and_outside_points():
    rng = np.random.default_rng(1)
    grid = G.make_grid((550000, 170000, 551000, 170600), 25)
    x = rng.uniform(549900, 551100, 5000)
    y = rng.uniform(169900, 170700, 5000)
    w = rng.uniform(0, 3, 5000)
    got = G.bin_points(grid, x, y, w)
    xe = grid.x0 + np.arange(grid.nx + 1) * grid.cell_size
    ye = grid.y0 + np.arange(grid.ny + 1) * grid.cell_size
    ref, _, _ = np.histogram2d(x, y, bins=[xe, ye], weights=w)
    assert np.allclose(got, ref.T[::-1])  # histogram2d is [x, y] from the south-west
    assert np.array_equal(G.bin_points(grid, x, y), np.histogram2d(x, y, bins=[xe, ye])[0].T[::-1])


def test_points_on_cell_edges_go_east_and_north():
    grid = G.Grid(0.0, 0.0, 10.0, 3, 2)
    x = np.array([0.0, 10.0, 29.999, 5.0, 30.0, 5.0])
    y = np.array([0.0, 10.0, 19.999, 20.0, 5.0, -0.001])
    counts = G.bin_points(grid, x, y)
    assert counts.tolist() == [[0, 1, 1], [1, 0, 0]]  # last three are outside


def test_linear_binning_keeps_mass_and_centre_of_mass():
    rng = np.random.default_rng(2)
    grid = G.make_grid((550000, 170000, 552000, 171500), 25)
    x = rng.uniform(550100, 551900, 3000)
    y = rng.uniform(170100, 171400, 3000)
    w = rng.uniform(0.5, 2, 3000)
    binned = G.bin_points(grid, x, y, w, method="linear")
    cx, cy = grid.centres()
    assert binned.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert (binned * cx).sum() / binned.sum() == pytest.approx((w * x).sum() / w.sum(), abs=1e-6)
    assert (binned * cy).sum() / binned.sum() == pytest.approx((w * y).sum() / w.sum(), abs=1e-6)


def test_linear_binning_of_one_point_is_bilinear():
    grid = G.Grid(0.0, 0.0, 10.0, 4, 4)
    # Centres at 5, 15, 25, 35; the point is 30% of the way from x=15 to 25 and 80% from y=15 to 25.
    binned = G.bin_points(grid, np.array([18.0]), np.array([23.0]), method="linear")
    expected = np.zeros((4, 4))
    expected[2, 1] = 0.7 * 0.2  # centre (15, 15): row 2 from the north
    expected[2, 2] = 0.3 * 0.2
    expected[1, 1] = 0.7 * 0.8
    expected[1, 2] = 0.3 * 0.8
    assert np.allclose(binned, expected)


def test_binning_a_million_points_in_chunks_matches_one_pass():
    rng = np.random.default_rng(3)
    grid = G.make_grid((0, 0, 1000, 1000), 10)
    x = rng.uniform(-50, 1050, 200_000)
    y = rng.uniform(-50, 1050, 200_000)
    row, col, ok = grid.locate(x, y)
    ref = np.zeros(grid.shape)
    np.add.at(ref, (row[ok], col[ok]), 1)
    assert np.array_equal(G.bin_points(grid, x, y), ref)


# --- boundary masks -------------------------------------------------------------------


def brute_force_intersects(grid, boundary):
    """Cells sharing some area with the boundary (touching along an edge is not enough)."""
    rows, cols = np.indices(grid.shape).reshape(2, -1)
    boxes = G.cell_boxes(grid, rows, cols)
    return (shapely.area(shapely.intersection(boundary, boxes)) > 0).reshape(grid.shape)


def test_cell_mask_leaves_out_cells_that_only_touch():
    box = shapely.box(1000, 1000, 1100, 1100)  # exactly 4 x 4 cells of 25 m
    grid = G.make_grid(box.bounds, 25, margin=50)
    assert G.cell_mask(grid, box).sum() == 16


def test_cell_mask_equals_shapely_on_every_cell():
    outer = borough()
    hole = shapely.Point(553123, 174456).buffer(900)
    island = shapely.Point(560700, 174000).buffer(300)
    area = shapely.MultiPolygon([outer.difference(hole), island])
    grid = G.make_grid(area.bounds, 50)
    cx, cy = grid.centres()
    assert np.array_equal(G.cell_mask(grid, area, "centre"), shapely.contains_xy(area, cx, cy))
    assert np.array_equal(G.cell_mask(grid, area), brute_force_intersects(grid, area))


def test_cell_mask_on_a_borough_at_25m():
    area = borough()
    grid = G.make_grid(area.bounds, 25)
    assert grid.size > 100_000
    mask = G.cell_mask(grid, area)
    # Cells intersecting the boundary cover it: their area exceeds it by about a perimeter of half cells.
    assert mask.sum() * 625 > area.area
    assert mask.sum() * 625 < area.area + area.length * 25
    assert np.array_equal(mask, brute_force_intersects(grid, area))


def test_cell_mask_without_boundary_is_everything():
    grid = G.make_grid((0, 0, 100, 100), 10)
    assert G.cell_mask(grid, None).all()


def test_cells_frame():
    area = shapely.box(550010, 170010, 550190, 170090)
    grid = G.make_grid(area.bounds, 25)
    mask = G.cell_mask(grid, area)
    values = np.arange(grid.size, dtype=float).reshape(grid.shape)
    frame = G.cells_frame(grid, mask, {"value": values})
    assert frame.crs.to_epsg() == 27700
    assert len(frame) == mask.sum()
    assert list(frame.columns) == ["row", "col", "x", "y", "value", "geometry"]
    assert np.allclose(frame.area, 625)
    assert np.allclose(frame.geometry.centroid.x, frame["x"]) and np.allclose(frame.geometry.centroid.y, frame["y"])
    assert np.array_equal(frame["value"], values[frame["row"], frame["col"]])
    assert frame.intersects(area).all()


# --- inputs ---------------------------------------------------------------------------


def test_points_from_a_geodataframe_with_missing_positions():
    frame = gpd.GeoDataFrame(
        {"harm": [1.0, 2.0, 3.0]},
        geometry=[shapely.Point(554000, 174000), None, shapely.Point(554100, 174100)],
        crs=27700,
    )
    pts = G.as_points(frame, "harm")
    assert pts.x.tolist() == [554000, 554100] and pts.weights.tolist() == [1.0, 3.0] and pts.dropped == 1


@pytest.mark.parametrize(
    ("points", "weights", "match"),
    [
        (gpd.GeoDataFrame(geometry=[shapely.Point(0.2, 51.4)], crs=4326), None, "EPSG:27700"),
        (np.array([[0.21, 51.44], [0.22, 51.45]]), None, "longitude/latitude"),
        (np.zeros((3, 3)), None, r"shape \(n, 2\)"),
        (np.ones((3, 2)) * 5e5, [1, 2], "weights"),
        (np.ones((2, 2)) * 5e5, [1, -2], "weights"),
        (gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=27700), None, "Point"),
        ("not points", None, "points"),
    ],
)
def test_bad_points_are_clear_errors(points, weights, match):
    with pytest.raises(ValueError, match=match):
        G.as_points(points, weights)


def test_boundaries():
    frame = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs=27700)
    assert G.as_boundary(frame).area == pytest.approx(200)
    with pytest.raises(ValueError, match="boundary"):
        G.as_boundary(shapely.Polygon())
    with pytest.raises(ValueError, match="boundary"):
        G.as_boundary(shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(ValueError, match="EPSG:27700"):
        G.as_boundary(frame.set_crs(4326, allow_override=True))


# --- stacking -------------------------------------------------------------------------


def test_stacking_recognises_snap_points():
    rng = np.random.default_rng(4)
    snaps = np.c_[rng.uniform(550000, 556000, 400), rng.uniform(170000, 176000, 400)]
    pick = rng.integers(0, 400, 5000)
    stack = G.stacking(snaps[pick, 0], snaps[pick, 1])
    assert stack.snapped and stack.share_stacked > 0.9
    assert stack.n_positions <= 400
    # 400 random points over 36 km2: median nearest-neighbour distance about 0.5 / sqrt(density) = 150 m.
    assert 100 < stack.spacing_m < 220
    exact = G.stacking(rng.uniform(550000, 556000, 5000), rng.uniform(170000, 176000, 5000))
    assert not exact.snapped and math.isnan(exact.spacing_m)
    assert not G.stacking(np.array([]), np.array([])).snapped


def test_stack_points_sums_weights():
    x = np.array([1.0, 1.0, 5.0, 1.2])
    y = np.array([2.0, 2.0, 6.0, 2.1])
    ux, uy, count, weight = G.stack_points(x, y, np.array([1.0, 2.0, 3.0, 4.0]))
    assert sorted(zip(ux, uy, count, weight)) == [(1.0, 2.0, 3, 7.0), (5.0, 6.0, 1, 3.0)]


@pytest.mark.parametrize("n_points", [1, 50, 20_000])  # one scatter of shares when 4 n <= cells, else moments
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 1), (6, 7), (30, 40)])
def test_linear_binning_paths_agree_with_a_brute_force_sum(n_points, shape):
    rng = np.random.default_rng(10)
    grid = G.Grid(1000.0, 2000.0, 10.0, shape[1], shape[0])
    x = rng.uniform(grid.x0 - 5, grid.x1 + 5, n_points)
    y = rng.uniform(grid.y0 - 5, grid.y1 + 5, n_points)
    w = rng.uniform(0, 2, n_points)
    got = G.bin_points(grid, x, y, w, method="linear")
    # Brute force: each point in the grid shares its weight bilinearly between the
    # (clamped) cell centres around it.
    ref = np.zeros(grid.shape)
    cx = (x - grid.x0) / 10 - 0.5
    cy = (grid.y1 - y) / 10 - 0.5
    inside = (x >= grid.x0) & (x < grid.x1) & (y >= grid.y0) & (y < grid.y1)
    for px, py, pw in zip(cx[inside], cy[inside], w[inside]):
        px = min(max(px, 0), grid.nx - 1)
        py = min(max(py, 0), grid.ny - 1)
        i0, j0 = int(np.floor(py)), int(np.floor(px))
        for i, si in ((i0, 1 - (py - i0)), (min(i0 + 1, grid.ny - 1), py - i0)):
            for j, sj in ((j0, 1 - (px - j0)), (min(j0 + 1, grid.nx - 1), px - j0)):
                ref[i, j] += pw * si * sj
    assert np.allclose(got, ref)


def test_every_gridded_result_places_its_arrays_the_same_way():
    """KDE, Gi*, change and classification results share transform, extent and bounds (GridResult)."""
    from hotspots.change import hotspot_change
    from hotspots.classify import hotspot_classify
    from hotspots.gistar import hotspot_gistar
    from hotspots.kde import hotspot_kde

    rng = np.random.default_rng(3)
    n = 600
    xy = np.c_[rng.uniform(550000, 552000, n), rng.uniform(170000, 172000, n)]
    frame = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "date_precision": "minute",
                          "occurred_at": pd.Timestamp("2024-01-01 12:00") + pd.to_timedelta(rng.uniform(0, 140, n), "D")})
    box = shapely.box(550000, 170000, 552000, 172000)
    for result in (hotspot_kde(xy, boundary=box), hotspot_gistar(xy, boundary=box),
                   hotspot_change(frame, boundary=box), hotspot_classify(frame, boundary=box, period_length="week")):
        g = result.grid
        assert result.transform == (g.cell_size, 0.0, g.x0, 0.0, -g.cell_size, g.y1)
        assert result.extent == (g.x0, g.x1, g.y0, g.y1) and result.bounds == (g.x0, g.y0, g.x1, g.y1)
