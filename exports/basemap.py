"""OpenStreetMap tiles under a static map drawn in British National Grid metres.

Static maps are drawn in BNG (EPSG:27700) so distances and the scale bar are true;
OpenStreetMap serves Web Mercator tiles. :func:`basemap` fetches the tiles covering
a BNG extent, mosaics them and warps the mosaic onto a regular BNG pixel grid:
every output pixel centre goes BNG -> WGS84 (pyproj, through ``geodata.crs``) ->
Web Mercator tile pixel, and takes that pixel's colour (nearest neighbour). Only a
lattice of pixels goes through pyproj; the pixels between are interpolated
linearly, which is exact to well under a metre at this scale.

Tiles are optional: the map is drawn from ``geodata`` without them. Any failure
(no network, a refused or broken tile) gives ``None`` and the reason, and the
sheet says "no basemap (tiles could not be fetched)". The fetch is a parameter
(``fetch(z, x, y) -> PNG bytes``) so a test can feed a locally generated tile.

Tile usage follows the OpenStreetMap tile policy: a User-Agent naming the
application, one request at a time, few tiles per map (``MAX_TILES``) and a small
local cache kept for ``CACHE_DAYS``.
"""

from __future__ import annotations

import io
import math
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from maps.raster import EARTH_RADIUS, lonlat_to_mercator

TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
USER_AGENT = "DartfordCSP-hotspot-maps/1.0 (static map export for the Dartford Community Safety Partnership)"
TIMEOUT_S = 5.0
TILE_SIZE = 256
#: Most tiles fetched for one map (the zoom is lowered until the extent fits).
MAX_TILES = 40
MAX_ZOOM = 17
#: Cache: kept this long, and at most this many tiles (oldest removed first).
CACHE_DAYS = 7
CACHE_MAX_FILES = 400
#: Lattice step (output pixels) of the points sent through pyproj.
LATTICE_STEP = 16

ATTRIBUTION = "Basemap © OpenStreetMap contributors (openstreetmap.org/copyright), ODbL."
NO_BASEMAP = "no basemap (tiles could not be fetched)"

Fetch = Callable[[int, int, int], bytes]


def default_cache_dir() -> Path:
    """``$HOTSPOTS_TILE_CACHE``, else ``~/.cache/hotspots/tiles``."""
    env = os.environ.get("HOTSPOTS_TILE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "hotspots" / "tiles"


def _trim_cache(cache_dir: Path) -> None:
    files = sorted(cache_dir.glob("*.png"), key=lambda p: p.stat().st_mtime)
    for p in files[: max(0, len(files) - CACHE_MAX_FILES)]:
        p.unlink(missing_ok=True)


def fetch_tile(z: int, x: int, y: int, *, cache_dir: Path | None = None, timeout: float = TIMEOUT_S) -> bytes:
    """One OpenStreetMap tile as PNG bytes, from the cache when fresh (raises on any failure)."""
    cache_dir = default_cache_dir() if cache_dir is None else Path(cache_dir)
    cached = cache_dir / f"{z}-{x}-{y}.png"
    if cached.is_file() and time.time() - cached.stat().st_mtime < CACHE_DAYS * 86400:
        return cached.read_bytes()
    request = urllib.request.Request(TILE_URL.format(z=z, x=x, y=y), headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = response.read()
    if not data.startswith(b"\x89PNG"):
        raise OSError(f"tile {z}/{x}/{y} is not a PNG")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
        _trim_cache(cache_dir)
    except OSError:
        pass  # a read-only home only costs the cache
    return data


# --------------------------------------------------------------------------------------
# Tile arithmetic (Web Mercator, tiles numbered from the north-west)
# --------------------------------------------------------------------------------------

_WORLD = 2 * math.pi * EARTH_RADIUS


def mercator_to_pixel(mx, my, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator metres to global pixel coordinates at zoom ``z`` (0 at the north-west corner)."""
    scale = TILE_SIZE * 2**z / _WORLD
    return (np.asarray(mx) + _WORLD / 2) * scale, (_WORLD / 2 - np.asarray(my)) * scale


def _bng_to_lonlat(e, n):
    from geodata.crs import bng_to_lonlat

    return bng_to_lonlat(e, n)


def _pixels(extent, z: int, e=None, n=None):
    x0, x1, y0, y1 = extent
    if e is None:
        t = np.linspace(0.0, 1.0, 9)
        e = np.concatenate([x0 + (x1 - x0) * t, np.full(9, x1), x0 + (x1 - x0) * t, np.full(9, x0)])
        n = np.concatenate([np.full(9, y0), y0 + (y1 - y0) * t, np.full(9, y1), y0 + (y1 - y0) * t])
    lon, lat = _bng_to_lonlat(e, n)
    return mercator_to_pixel(*lonlat_to_mercator(lon, lat), z)


def tile_range(extent, z: int) -> tuple[int, int, int, int]:
    """``(tx0, tx1, ty0, ty1)``, inclusive, of the tiles covering a BNG extent (west, east, south, north)."""
    px, py = _pixels(extent, z)
    last = 2**z - 1
    return (max(int(px.min() // TILE_SIZE), 0), min(int(px.max() // TILE_SIZE), last),
            max(int(py.min() // TILE_SIZE), 0), min(int(py.max() // TILE_SIZE), last))


def choose_zoom(extent, width_px: int, max_tiles: int = MAX_TILES) -> int:
    """The zoom whose tile pixels are about the size of an output pixel, within ``max_tiles``."""
    x0, x1, y0, y1 = extent
    lat = float(_bng_to_lonlat((x0 + x1) / 2, (y0 + y1) / 2)[1])
    ground = (x1 - x0) / max(width_px, 1)
    z = int(math.ceil(math.log2(_WORLD * math.cos(math.radians(lat)) / (TILE_SIZE * ground))))
    z = min(max(z, 0), MAX_ZOOM)
    while z > 0:
        tx0, tx1, ty0, ty1 = tile_range(extent, z)
        if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) <= max_tiles:
            break
        z -= 1
    return z


# --------------------------------------------------------------------------------------
# The warped basemap
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Basemap:
    """An RGB image on a regular BNG grid: ``image[0, 0]`` is the north-west pixel of ``extent``."""

    image: np.ndarray  # (h, w, 3) uint8
    extent: tuple[float, float, float, float]  # west, east, south, north (imshow)
    zoom: int
    tiles: int


def _decode(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    if rgb.shape[:2] != (TILE_SIZE, TILE_SIZE):
        raise ValueError(f"a tile must be {TILE_SIZE} x {TILE_SIZE} pixels; got {rgb.shape[1]} x {rgb.shape[0]}")
    return rgb


def _lattice(values: np.ndarray, rows: np.ndarray, cols: np.ndarray, h: int, w: int) -> np.ndarray:
    """Bilinear interpolation of lattice ``values`` (at ``rows`` x ``cols``) to every pixel of an h x w image."""
    out_r = np.arange(h, dtype=float)
    out_c = np.arange(w, dtype=float)
    tmp = np.empty((values.shape[0], w))
    for i in range(values.shape[0]):
        tmp[i] = np.interp(out_c, cols, values[i])
    out = np.empty((h, w))
    for j in range(w):
        out[:, j] = np.interp(out_r, rows, tmp[:, j])
    return out


def warp(mosaic: np.ndarray, origin: tuple[int, int], z: int, extent, width_px: int, height_px: int) -> np.ndarray:
    """Resample a Web Mercator mosaic (top-left global pixel ``origin``) onto a BNG pixel grid, nearest neighbour."""
    x0, x1, y0, y1 = extent
    rows = np.unique(np.r_[np.arange(0, height_px, LATTICE_STEP), height_px - 1]).astype(float)
    cols = np.unique(np.r_[np.arange(0, width_px, LATTICE_STEP), width_px - 1]).astype(float)
    e = x0 + (cols + 0.5) * (x1 - x0) / width_px
    n = y1 - (rows + 0.5) * (y1 - y0) / height_px
    ee, nn = np.meshgrid(e, n)
    px, py = _pixels(extent, z, ee.ravel(), nn.ravel())
    px = _lattice(px.reshape(ee.shape), rows, cols, height_px, width_px) - origin[0]
    py = _lattice(py.reshape(ee.shape), rows, cols, height_px, width_px) - origin[1]
    ix = np.floor(px).astype(np.int64)
    iy = np.floor(py).astype(np.int64)
    inside = (ix >= 0) & (iy >= 0) & (ix < mosaic.shape[1]) & (iy < mosaic.shape[0])
    out = np.full((height_px, width_px, 3), 255, dtype=np.uint8)
    out[inside] = mosaic[iy[inside], ix[inside]]
    return out


def basemap(extent, width_px: int, height_px: int, *, fetch: Fetch | None = None,
            max_tiles: int = MAX_TILES, zoom: int | None = None) -> tuple[Basemap | None, str]:
    """OpenStreetMap tiles for a BNG ``extent`` (west, east, south, north) as a warped image.

    Returns ``(Basemap, "")``, or ``(None, reason)`` when any tile cannot be fetched
    or read: the caller draws without a basemap and says so.
    """
    fetch = fetch_tile if fetch is None else fetch
    try:
        z = choose_zoom(extent, width_px, max_tiles) if zoom is None else int(zoom)
        tx0, tx1, ty0, ty1 = tile_range(extent, z)
        mosaic = np.empty(((ty1 - ty0 + 1) * TILE_SIZE, (tx1 - tx0 + 1) * TILE_SIZE, 3), dtype=np.uint8)
        for ty in range(ty0, ty1 + 1):
            for tx in range(tx0, tx1 + 1):
                tile = _decode(fetch(z, tx, ty))
                r, c = (ty - ty0) * TILE_SIZE, (tx - tx0) * TILE_SIZE
                mosaic[r:r + TILE_SIZE, c:c + TILE_SIZE] = tile
        image = warp(mosaic, (tx0 * TILE_SIZE, ty0 * TILE_SIZE), z, extent, width_px, height_px)
    except Exception as exc:  # any failure: draw without tiles
        return None, f"{NO_BASEMAP}: {type(exc).__name__}: {str(exc)[:120]}"
    n = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
    return Basemap(image, tuple(float(v) for v in extent), z, n), ""
