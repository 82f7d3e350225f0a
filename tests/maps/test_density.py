"""maps.layers.density_layer: the KDE image is placed right (Web Mercator), transparent
where it should be, classed monotonically, small; hot spot outlines with tooltips."""

import base64
import io
import math

import numpy as np
import pytest
import shapely
from PIL import Image
from pyproj import Transformer

from hotspots.kde import hotspot_kde
from maps import layers, styles
from maps.raster import png_bytes
from maps.shapes import Shapes, tooltip_html

CENTRE = (554500.0, 174000.0)
CIRCLE = shapely.Point(CENTRE).buffer(3000, quad_segs=32)  # a round study area, so the mask matters
# Two clusters at opposite corners (where stretching BNG over lat/lon bounds would be
# off by ~100 m) and one at the edge, whose density spills over the boundary.
CLUSTERS = [(552500.0, 172500.0), (556500.0, 175500.0), (557450.0, 174000.0)]
R = 6378137.0


@pytest.fixture(scope="module")
def clusters():
    rng = np.random.default_rng(7)
    pts = np.concatenate([rng.normal(c, 15.0, size=(800, 2)) for c in CLUSTERS])
    # Hot spots at 80% of the peak: small discs round each cluster.
    kde = hotspot_kde(pts, boundary=CIRCLE, cell_size=25, bandwidth=150, threshold=1.0)
    peak = float(np.nanmax(kde.density))
    return hotspot_kde(pts, boundary=CIRCLE, cell_size=25, bandwidth=150, threshold=0.8 * peak)


def overlay_of(group):
    (overlay,) = [c for c in group._children.values() if type(c).__name__ == "ImageOverlay"]
    return overlay


def decode(overlay):
    """The PNG of an overlay as (palette index array, RGBA per index)."""
    assert overlay.url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(overlay.url.split(",", 1)[1])))
    assert image.mode == "P"
    index = np.array(image).astype(int)
    palette = np.array(image.getpalette()[: 3 * 256]).reshape(-1, 3)
    alpha = np.full(len(palette), 255)
    trns = image.info.get("transparency")
    if isinstance(trns, bytes):
        alpha[: len(trns)] = list(trns)
    elif isinstance(trns, int):
        alpha[trns] = 0
    return index, palette, alpha


def pixel_bng(bounds, shape):
    """BNG of every pixel centre, computed independently of maps.raster: Leaflet
    stretches the image linearly in Web Mercator between the corner lat/lons."""
    (south, west), (north, east) = bounds
    h, w = shape
    x0, x1 = math.radians(west) * R, math.radians(east) * R
    y0 = math.log(math.tan(math.pi / 4 + math.radians(south) / 2)) * R
    y1 = math.log(math.tan(math.pi / 4 + math.radians(north) / 2)) * R
    x = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    y = y1 - (np.arange(h) + 0.5) * (y1 - y0) / h
    xx, yy = np.meshgrid(x, y)
    to_bng = Transformer.from_crs("EPSG:3857", "EPSG:27700", always_xy=True)
    return to_bng.transform(xx, yy)


def test_each_cluster_is_drawn_where_it_is(clusters):
    group = layers.density_layer(clusters)
    overlay = overlay_of(group)
    index, _, _ = decode(overlay)
    top = len(styles.density_classes(clusters.density, clusters.mask, clusters.threshold_density)) - 1
    e, n = pixel_bng(overlay.bounds, index.shape)
    hot = index == top
    assert hot.any()
    for cx, cy in CLUSTERS:
        near = hot & (np.hypot(e - cx, n - cy) < 400)
        assert near.sum() > 10
        # The top-class pixels round each cluster are centred on it, to within a cell.
        assert np.hypot(e[near].mean() - cx, n[near].mean() - cy) < 25
        # ... and the pixel holding the cluster's own position is top class.
        i, j = np.unravel_index(np.argmin(np.hypot(e - cx, n - cy)), e.shape)
        assert index[i, j] == top


def test_every_pixel_shows_the_class_of_the_cell_under_it(clusters):
    group = layers.density_layer(clusters)
    overlay = overlay_of(group)
    index, _, alpha = decode(overlay)
    cls = styles.density_classes(clusters.density, clusters.mask, clusters.threshold_density)
    expected_cells = cls.classify(np.where(clusters.mask, clusters.density, np.nan))
    e, n = pixel_bng(overlay.bounds, index.shape)
    g = clusters.grid
    col = np.floor((e - g.x0) / g.cell_size).astype(int)
    row = np.floor((g.y1 - n) / g.cell_size).astype(int)
    inside = (col >= 0) & (col < g.nx) & (row >= 0) & (row < g.ny)
    expected = np.full(index.shape, -1)
    expected[inside] = expected_cells[row[inside], col[inside]]
    shown = np.where(alpha[index] > 0, index, -1)
    # Only pixels within a hair of a cell edge may differ (pyproj vs the lattice).
    assert (shown != expected).mean() < 1e-3
    # The rotation matters: the same image stretched over BNG-aligned bounds would not match.
    assert (shown >= 0).sum() > 1000


def test_transparent_outside_the_area_and_where_the_density_is_zero(clusters):
    overlay = overlay_of(layers.density_layer(clusters))
    index, _, alpha = decode(overlay)
    a = alpha[index]
    e, n = pixel_bng(overlay.bounds, index.shape)
    distance = np.hypot(e - CENTRE[0], n - CENTRE[1])
    outside = distance > 3000 + 36  # more than a cell diagonal outside the circle
    assert outside.any()
    assert (a[outside] == 0).all()
    # The edge cluster's density spills over the boundary, so this is the mask at work.
    spill = np.hypot(e - CLUSTERS[2][0], n - CLUSTERS[2][1]) < 150
    assert (spill & outside).any()
    # Zero density (far from every cluster, inside the circle) is transparent too.
    far = np.min([np.hypot(e - x, n - y) for x, y in CLUSTERS], axis=0) > 150 + 5 * 15 + 36  # kernel + 5 sd
    assert (a[far & ~outside] == 0).all()
    # ... and inside a cluster's reach, the surface is drawn.
    assert (a[np.hypot(e - CLUSTERS[0][0], n - CLUSTERS[0][1]) < 100] > 0).all()


def test_classes_and_palette_are_monotone(clusters):
    cls = styles.density_classes(clusters.density, clusters.mask, clusters.threshold_density)
    assert len(cls) == styles.DEFAULT_DENSITY_CLASSES
    assert cls.breaks[0] == 0 and all(b < c for b, c in zip(cls.breaks, cls.breaks[1:]))
    assert cls.threshold == pytest.approx(clusters.threshold_density) and cls.breaks[-1] == cls.threshold

    def luminance(hex_colour):
        r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    lum = [luminance(c) for c in cls.colours]
    assert all(a < b for a, b in zip(lum, lum[1:]))
    assert all(a <= b for a, b in zip(cls.alphas, cls.alphas[1:]))
    values = np.sort(clusters.density[clusters.mask & (clusters.density > 0)])
    k = cls.classify(values)
    assert (k >= 0).all() and (np.diff(k) >= 0).all()
    # The top class is exactly the hot spot cells.
    top = cls.classify(np.where(clusters.mask, clusters.density, np.nan)) == len(cls) - 1
    assert (top == clusters.hot).all()
    # The PNG's palette is the classes' colours, in order, then a transparent entry.
    _, palette, alpha = decode(overlay_of(layers.density_layer(clusters)))
    for i, colour in enumerate(cls.colours):
        assert "#%02x%02x%02x" % tuple(palette[i]) == colour
        assert alpha[i] == round(255 * cls.alphas[i])
    assert alpha[len(cls)] == 0


def test_quantile_classes_without_a_threshold():
    rng = np.random.default_rng(3)
    values = rng.lognormal(3, 1, size=10_000)
    cls = styles.density_classes(values, threshold=None, n=7)
    assert len(cls) == 7 and cls.threshold is None
    counts = np.bincount(cls.classify(values), minlength=7)
    assert counts.min() > 0.1 * len(values)  # about a seventh each (breaks rounded to 2 figures)
    assert cls.labels()[0].startswith("above 0 to ") and cls.labels()[-1].startswith("at least ")
    flat = styles.density_classes(np.full(100, 5.0))
    assert len(flat) == 1 and flat.labels() == ["above 0 to 5.0"]


def test_overlay_options_and_hot_spot_outlines(clusters, run_group):
    group = layers.density_layer(clusters, name="KDE <test>", opacity=0.5)
    assert group.layer_name == "KDE <test>"
    overlay = overlay_of(group)
    (south, west), (north, east) = overlay.bounds
    assert south < north and west < east
    (outlines,) = [c for c in group._children.values() if isinstance(c, Shapes)]
    data = outlines.data
    assert len(data) == len(clusters.hotspots) == 3
    first = tooltip_html(data, 0)
    row = clusters.hotspots.iloc[0]
    assert first.startswith("<b>Hot spot 1</b>")
    assert f"Incidents: {int(row['incidents']):,}" in first
    assert f"Share of incidents: {row['share']:.1%}" in first
    assert "Area: " in first and "m²" in first
    drawn = run_group(group)
    assert drawn["onMap"] == 1
    (img,) = drawn["overlays"]
    assert img["reachesMap"] and img["options"]["opacity"] == 0.5
    assert img["bounds"] == [list(p) for p in overlay.bounds]
    assert len(drawn["polygons"]) == 3 and all(p["reachesMap"] for p in drawn["polygons"])
    assert {p["tip"] for p in drawn["polygons"]} == {tooltip_html(data, i) for i in range(3)}
    # The decoded outline of each hot spot is where the polygon is (to 0.2 m).
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    hot_union = clusters.hotspots.geometry.union_all()
    for p in drawn["polygons"]:
        ring = np.array(p["latlngs"][0])
        e, n = to_bng.transform(ring[:, 1], ring[:, 0])
        assert shapely.distance(shapely.points(e, n), hot_union.boundary).max() < 0.2


def test_dartford_png_is_small():
    from geodata.boundaries import borough_polygon

    borough = borough_polygon()
    rng = np.random.default_rng(11)
    xmin, ymin, xmax, ymax = borough.bounds
    centres = rng.uniform([xmin, ymin], [xmax, ymax], size=(60, 2))
    pts = np.concatenate([
        centres[rng.integers(0, 60, 12_000)] + rng.normal(0, 250, (12_000, 2)),
        rng.uniform([xmin, ymin], [xmax, ymax], (3_000, 2)),
    ])
    kde = hotspot_kde(pts, boundary=borough)
    assert kde.grid.cell_size == 25
    image, cls = layers.density_image(kde)
    png = png_bytes(image.classes, cls.colours, cls.alphas)
    assert len(png) < 100_000
    assert layers.payload_bytes(layers.density_layer(kde)) < 200_000


def test_no_incidents_gives_an_empty_layer(run_group):
    box = shapely.box(551000, 171000, 553000, 173000)
    kde = hotspot_kde(np.empty((0, 2)), boundary=box)
    group = layers.density_layer(kde)
    assert not [c for c in group._children.values() if type(c).__name__ == "ImageOverlay"]
    drawn = run_group(group)
    assert drawn["onMap"] == 1 and drawn["overlays"] == [] and drawn["polygons"] == []
    legend = layers.density_legend(kde)
    assert "no hot spots" in legend and "incidents per km²" in legend
