"""A classed BNG raster as a PNG for Leaflet's ``L.imageOverlay``.

Leaflet places an image overlay by projecting its south-west and north-east corners
to Web Mercator (EPSG:3857) pixels and stretching the image linearly between them.
So the image must be a regular grid in Web Mercator, not in BNG and not in
latitude/longitude: the British National Grid is rotated about 1.7 degrees against
the meridians at Dartford (and scaled differently north-south), so a BNG array
stretched over lat/lon bounds would be misplaced by up to ~150 m at its corners.

:func:`mercator_image` builds that grid: each image pixel centre is taken from Web
Mercator to BNG (pyproj, through ``geodata.crs``) and given the class of the BNG
cell it falls in (nearest neighbour: class colours are never blended). Only a
lattice of every ``LATTICE_STEP``-th pixel goes through pyproj; the pixels between
are interpolated linearly, which is exact to well under a millimetre at this scale
and takes a tenth of the time. :func:`png_data_url` writes the classes as a palette
PNG (one byte, or half a byte, per pixel; DEFLATE does the rest).
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import numpy as np

#: Web Mercator sphere radius (metres), EPSG:3857.
EARTH_RADIUS = 6378137.0
#: Pixels between lattice points sent through pyproj (the rest are interpolated).
LATTICE_STEP = 8
#: Most pixels in one overlay image (about 2,000 x 2,000).
MAX_PIXELS = 4_000_000
#: Value of a transparent pixel in a class image.
TRANSPARENT = -1


def lonlat_to_mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees to Web Mercator metres (EPSG:3857, spherical)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x = np.radians(lon) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS
    return x, y


def mercator_to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator metres to WGS84 degrees."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    lon = np.degrees(x / EARTH_RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS)) - np.pi / 2)
    return lon, lat


@dataclass(frozen=True)
class MercatorImage:
    """A class image on a regular Web Mercator grid.

    ``classes[i, j]`` (row 0 north) is a class index or ``TRANSPARENT``. Pixel
    ``(i, j)`` covers Web Mercator ``x0 + j*pixel .. x0 + (j+1)*pixel`` and
    ``y1 - (i+1)*pixel .. y1 - i*pixel``. ``bounds`` is ``[[south, west], [north,
    east]]`` in degrees: the corners Leaflet needs.
    """

    classes: np.ndarray
    x0: float
    y1: float
    pixel: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.classes.shape

    @property
    def bounds(self) -> list[list[float]]:
        h, w = self.classes.shape
        west, south = mercator_to_lonlat(self.x0, self.y1 - h * self.pixel)
        east, north = mercator_to_lonlat(self.x0 + w * self.pixel, self.y1)
        return [[float(south), float(west)], [float(north), float(east)]]

    def pixel_lonlat(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of pixel centres."""
        x = self.x0 + (np.asarray(cols, dtype=float) + 0.5) * self.pixel
        y = self.y1 - (np.asarray(rows, dtype=float) + 0.5) * self.pixel
        return mercator_to_lonlat(x, y)


def _bng_to_lonlat(e, n):
    from geodata.crs import bng_to_lonlat

    return bng_to_lonlat(e, n)


def _lonlat_to_bng(lon, lat):
    from geodata.crs import lonlat_to_bng

    return lonlat_to_bng(lon, lat)


def mercator_image(
    grid,
    classes: np.ndarray,
    *,
    pixel_m: float | None = None,
    max_pixels: int = MAX_PIXELS,
    step: int = LATTICE_STEP,
) -> MercatorImage | None:
    """Resample a class array on a BNG grid to a regular Web Mercator image.

    Parameters
    ----------
    grid : hotspots.grid.Grid
        The BNG grid of ``classes`` (row 0 north).
    classes : int array ``grid.shape``
        Class index per cell, negative for transparent.
    pixel_m : float, optional
        Ground size of an image pixel in metres at the image's middle latitude.
        Default half the cell size, so the 1.7 degree rotation leaves cell edges
        stepped by half a cell at most.
    max_pixels : int
        The pixel size grows until the image has at most this many pixels.

    Returns
    -------
    MercatorImage, or None when no cell has a class.
    """
    classes = np.asarray(classes)
    if classes.shape != grid.shape:
        raise ValueError(f"`classes` must have the grid's shape {grid.shape}; got {classes.shape}")
    shown = classes >= 0
    if not shown.any():
        return None
    rows = np.nonzero(shown.any(axis=1))[0]
    cols = np.nonzero(shown.any(axis=0))[0]
    c = grid.cell_size
    west, east = grid.x0 + cols[0] * c, grid.x0 + (cols[-1] + 1) * c
    north, south = grid.y1 - rows[0] * c, grid.y1 - (rows[-1] + 1) * c
    # The window's outline, densified, in Web Mercator: its bounding box is the image.
    t = np.linspace(0.0, 1.0, 33)
    outline_e = np.concatenate([west + (east - west) * t, np.full(t.size, east), east - (east - west) * t,
                                np.full(t.size, west)])
    outline_n = np.concatenate([np.full(t.size, south), south + (north - south) * t, np.full(t.size, north),
                                north - (north - south) * t])
    lon, lat = _bng_to_lonlat(outline_e, outline_n)
    mx, my = lonlat_to_mercator(lon, lat)
    x0, x1, y0, y1 = float(mx.min()), float(mx.max()), float(my.min()), float(my.max())
    mid_lat = math.radians(float(lat.min() + lat.max()) / 2)
    ground = c / 2 if pixel_m is None else float(pixel_m)
    if not (math.isfinite(ground) and ground > 0):
        raise ValueError(f"`pixel_m` must be a positive number of metres; got {pixel_m!r}")
    pixel = ground / math.cos(mid_lat)  # Web Mercator metres are 1/cos(lat) ground metres
    width, height = math.ceil((x1 - x0) / pixel), math.ceil((y1 - y0) / pixel)
    if width * height > max_pixels:
        pixel *= math.sqrt(width * height / max_pixels) * 1.0001
        width, height = math.ceil((x1 - x0) / pixel), math.ceil((y1 - y0) / pixel)
    width, height = max(width, 1), max(height, 1)

    # Pixel centres -> BNG, through pyproj on a lattice only.
    knot_rows = np.unique(np.r_[np.arange(0, height, step), height - 1])
    knot_cols = np.unique(np.r_[np.arange(0, width, step), width - 1])
    knot_lon, knot_lat = mercator_to_lonlat(x0 + (knot_cols + 0.5) * pixel, y1 - (knot_rows + 0.5) * pixel)
    knot_e, knot_n = _lonlat_to_bng(*np.meshgrid(knot_lon, knot_lat))
    all_rows = np.arange(height, dtype=float)
    all_cols = np.arange(width, dtype=float)
    e = _lattice_interp(knot_e, knot_rows, knot_cols, all_rows, all_cols)
    n = _lattice_interp(knot_n, knot_rows, knot_cols, all_rows, all_cols)

    col = np.floor((e - grid.x0) / c)
    row = np.floor((grid.y1 - n) / c)
    inside = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
    out = np.full((height, width), TRANSPARENT, dtype=np.int16)
    out[inside] = classes[row[inside].astype(np.intp), col[inside].astype(np.intp)]
    out[out < 0] = TRANSPARENT
    return MercatorImage(out, x0, y1, pixel)


def _lattice_interp(values: np.ndarray, knot_rows: np.ndarray, knot_cols: np.ndarray,
                    rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``values`` known at the pixels ``knot_rows x knot_cols``.

    The last knot may be closer than ``step`` to the one before it; the knots are
    searched, so interpolation is exact at every knot.
    """
    def locate(knots: np.ndarray, at: np.ndarray):
        if knots.size == 1:
            return np.zeros(at.size, dtype=np.intp), np.zeros(at.size, dtype=np.intp), np.zeros(at.size)
        i0 = np.clip(np.searchsorted(knots, at, side="right") - 1, 0, knots.size - 2)
        frac = (at - knots[i0]) / (knots[i0 + 1] - knots[i0])
        return i0, i0 + 1, frac

    r0, r1, tr = locate(knot_rows, rows)
    c0, c1, tc = locate(knot_cols, cols)
    tr = tr[:, None]
    tc = tc[None, :]
    top = values[np.ix_(r0, c0)] * (1 - tc) + values[np.ix_(r0, c1)] * tc
    bottom = values[np.ix_(r1, c0)] * (1 - tc) + values[np.ix_(r1, c1)] * tc
    return top * (1 - tr) + bottom * tr


def png_bytes(classes: np.ndarray, colours: list[str] | tuple[str, ...], alphas=None) -> bytes:
    """A palette PNG of a class image: class ``k`` in ``colours[k]`` (with ``alphas[k]``).

    Pixels with a negative class are fully transparent.
    """
    from matplotlib.colors import to_rgb
    from PIL import Image

    k = len(colours)
    if k > 255:
        raise ValueError("at most 255 classes")
    alphas = [1.0] * k if alphas is None else list(alphas)
    index = np.where(classes >= 0, classes, k).astype(np.uint8)
    palette = []
    for colour in colours:
        palette += [int(round(v * 255)) for v in to_rgb(colour)]
    palette += [0, 0, 0]
    image = Image.frombytes("P", (index.shape[1], index.shape[0]), np.ascontiguousarray(index).tobytes())
    image.putpalette(palette, rawmode="RGB")
    transparency = bytes(int(round(255 * min(max(a, 0.0), 1.0))) for a in alphas) + b"\x00"
    buffer = io.BytesIO()
    bits = 1 if k + 1 <= 2 else 2 if k + 1 <= 4 else 4 if k + 1 <= 16 else 8
    image.save(buffer, format="PNG", optimize=True, transparency=transparency, bits=bits)
    return buffer.getvalue()


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
