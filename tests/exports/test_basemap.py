"""exports.basemap: tile arithmetic, the cache, failure, and where warped tiles land.

The placement test draws the borough into locally generated Web Mercator tiles
(through WGS84, the way OpenStreetMap projects it) and checks that after warping
to British National Grid the drawn borough covers the borough polygon in BNG.
"""

from __future__ import annotations

import io
import os
import time

import numpy as np
import shapely
from PIL import Image, ImageDraw

import geodata
from exports import basemap as bm
from exports.sheet import fit_extent
from maps.raster import lonlat_to_mercator

from .conftest import failing_fetch

RED = (220, 20, 60)


def _tile_png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _borough_tiles():
    """A fetch that draws the borough (red on white) into each tile, in Web Mercator pixels."""
    poly = geodata.borough_polygon("EPSG:4326")
    rings = [np.asarray(p.exterior.coords) for p in getattr(poly, "geoms", [poly])]
    calls = []

    def fetch(z, x, y):
        calls.append((z, x, y))
        im = Image.new("RGB", (bm.TILE_SIZE, bm.TILE_SIZE), "white")
        draw = ImageDraw.Draw(im)
        for ring in rings:
            px, py = bm.mercator_to_pixel(*lonlat_to_mercator(ring[:, 0], ring[:, 1]), z)
            draw.polygon(list(zip(px - x * bm.TILE_SIZE, py - y * bm.TILE_SIZE)), fill=RED)
        buf = io.BytesIO()
        im.save(buf, format="PNG")
        return buf.getvalue()

    return fetch, calls


def test_warped_tiles_land_where_the_borough_is_in_bng():
    borough = geodata.borough_polygon()
    extent = fit_extent(borough.bounds)
    w = 800
    h = int(round(w * (extent[3] - extent[2]) / (extent[1] - extent[0])))
    fetch, calls = _borough_tiles()
    image, reason = bm.basemap(extent, w, h, fetch=fetch)
    assert reason == "" and image is not None
    assert image.image.shape == (h, w, 3) and image.extent == extent
    assert 1 <= image.tiles <= bm.MAX_TILES and len(calls) == image.tiles
    # Pixel centres in BNG, and whether each is in the borough.
    px_m = (extent[1] - extent[0]) / w
    xs = extent[0] + (np.arange(w) + 0.5) * px_m
    ys = extent[3] - (np.arange(h) + 0.5) * px_m
    xx, yy = np.meshgrid(xs, ys)
    truth = shapely.contains_xy(borough, xx, yy)
    red = np.all(np.abs(image.image.astype(int) - RED) <= 2, axis=2)
    # Away from the edge (3 output pixels, well over a tile pixel at this zoom) they must agree exactly.
    near_edge = shapely.distance(borough.boundary, shapely.points(xx.ravel(), yy.ravel())).reshape(xx.shape)
    far = near_edge > 3 * px_m
    assert (red[far] == truth[far]).all()
    assert red.sum() > 0.3 * truth.sum()


def test_a_placed_tile_corner_is_where_mercator_puts_it():
    """One tile painted in quarters: the BNG position of its centre is where the quarters meet."""
    z = 14
    lon, lat = 0.2184, 51.4436  # Dartford town centre
    px, py = bm.mercator_to_pixel(*lonlat_to_mercator(np.array([lon]), np.array([lat])), z)
    tx, ty = int(px[0] // 256), int(py[0] // 256)
    quarters = np.zeros((256, 256, 3), dtype=np.uint8)
    quarters[:128, :128], quarters[:128, 128:] = (255, 0, 0), (0, 255, 0)
    quarters[128:, :128], quarters[128:, 128:] = (0, 0, 255), (255, 255, 0)
    plain = np.full((256, 256, 3), 255, dtype=np.uint8)

    def fetch(zz, x, y):
        return _tile_png(quarters if (x, y) == (tx, ty) else plain)

    # The tile centre in lon/lat, then BNG.
    from maps.raster import mercator_to_lonlat

    world = 2 * np.pi * 6378137.0
    cx = (tx + 0.5) * 256 * world / (256 * 2**z) - world / 2
    cy = world / 2 - (ty + 0.5) * 256 * world / (256 * 2**z)
    clon, clat = mercator_to_lonlat(cx, cy)
    e, n = (float(v) for v in geodata.lonlat_to_bng(clon, clat))
    extent = (e - 800, e + 800, n - 800, n + 800)
    image, reason = bm.basemap(extent, 400, 400, fetch=fetch, zoom=z)
    assert reason == ""
    img = image.image
    # The centre pixel of the output is the tile centre: the four quarters meet there (within 2 px).
    assert tuple(img[196, 196]) == (255, 0, 0)  # north-west of the centre
    assert tuple(img[196, 204]) == (0, 255, 0)  # north-east
    assert tuple(img[204, 196]) == (0, 0, 255)  # south-west
    assert tuple(img[204, 204]) == (255, 255, 0)  # south-east


def test_any_failure_gives_no_basemap_and_the_reason():
    extent = fit_extent(geodata.borough_polygon().bounds)
    image, reason = bm.basemap(extent, 400, 300, fetch=failing_fetch)
    assert image is None and reason.startswith(bm.NO_BASEMAP) and "unreachable" in reason

    def broken(z, x, y):
        return b"not a png"

    image, reason = bm.basemap(extent, 400, 300, fetch=broken)
    assert image is None and reason.startswith(bm.NO_BASEMAP)


def test_the_default_fetch_either_fetches_or_fails_cleanly(tmp_path):
    """Offline (as tests run here) the real fetch fails fast; online it returns a PNG and caches it."""
    t0 = time.perf_counter()
    try:
        data = bm.fetch_tile(12, 2050, 1362, cache_dir=tmp_path, timeout=3)
    except Exception as exc:  # offline
        assert isinstance(exc, OSError)
        assert time.perf_counter() - t0 < 10
        assert not list(tmp_path.glob("*.png"))
    else:
        assert data.startswith(b"\x89PNG") and (tmp_path / "12-2050-1362.png").is_file()


def test_fresh_cached_tiles_are_used_without_the_network(tmp_path):
    tile = _tile_png(np.full((256, 256, 3), 7))
    (tmp_path / "13-4100-2725.png").write_bytes(tile)
    assert bm.fetch_tile(13, 4100, 2725, cache_dir=tmp_path, timeout=0.01) == tile


def test_stale_cache_entries_are_not_trusted(tmp_path):
    cached = tmp_path / "13-4100-2725.png"
    cached.write_bytes(_tile_png(np.zeros((256, 256, 3))))
    old = time.time() - (bm.CACHE_DAYS + 1) * 86400
    os.utime(cached, (old, old))
    try:
        data = bm.fetch_tile(13, 4100, 2725, cache_dir=tmp_path, timeout=3)
    except OSError:
        return  # offline: the stale copy was not returned
    assert data.startswith(b"\x89PNG")


def test_cache_is_kept_small(tmp_path):
    for i in range(bm.CACHE_MAX_FILES + 5):
        (tmp_path / f"1-{i}-0.png").write_bytes(b"x")
    bm._trim_cache(tmp_path)
    assert len(list(tmp_path.glob("*.png"))) == bm.CACHE_MAX_FILES


def test_zoom_keeps_within_the_tile_budget():
    extent = fit_extent(geodata.borough_polygon().bounds)
    z = bm.choose_zoom(extent, 1600)
    tx0, tx1, ty0, ty1 = bm.tile_range(extent, z)
    assert (tx1 - tx0 + 1) * (ty1 - ty0 + 1) <= bm.MAX_TILES
    assert 10 <= z <= bm.MAX_ZOOM
    # A small area gets a finer zoom than the borough.
    nte = geodata.area_geometry("nte")
    assert bm.choose_zoom(fit_extent(nte.bounds), 1600) > z
