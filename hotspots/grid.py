"""Regular grids on the British National Grid, point binning and the cells as polygons.

Every gridded method (kernel density, Getis-Ord Gi*, change over time, back-tests)
builds its cells here, so the same place always falls in the same cell:

- :func:`make_grid` aligns the grid to round BNG coordinates (multiples of the cell
  size), so a 25 m grid over Dartford has the same cells whatever the data.
- :func:`bin_points` counts (or sums weights of) points into cells with ``np.bincount``.
- :func:`cell_mask` marks the cells that intersect a boundary (a scan-line fill plus an
  exact test of the cells the boundary passes through; milliseconds on 120,000 cells).
- :func:`cells_frame` turns cells and their values into a GeoDataFrame (EPSG:27700).
- :func:`choose_cell_size` is the documented cell-size rule, :func:`stacking` describes
  how many incidents share a position (police.uk snap points) and :func:`stack_points`
  merges them into weighted positions.

Arrays are indexed ``[row, col]`` with row 0 the northernmost row, as an image or a
GeoTIFF, so ``Grid.transform`` and ``Grid.extent`` render them directly as a map overlay.

Parameters chosen from the data are returned as :class:`hotspots.params.Parameter`
(value, unit and the reason), the record every result carries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from hotspots.geometry import prepared
from hotspots.params import Parameter, chosen

CRS = "EPSG:27700"

#: Round cell sizes (metres) the automatic rule chooses from.
NICE_CELL_SIZES = (5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0, 2000.0, 2500.0, 5000.0)
#: The automatic rule aims at about this many cells over the mapped area.
TARGET_CELLS = 100_000
#: No grid may have more cells than this (about 40 MB per float array).
MAX_CELLS = 5_000_000
#: A point counts as stacked when another point lies within this distance (metres).
STACK_TOLERANCE_M = 1.0
#: Points are "snapped" (police.uk style) when at least this share of them are stacked.
SNAPPED_SHARE = 0.5
#: Stacking statistics are computed on at most this many points (a fixed random sample).
STACKING_SAMPLE = 50_000


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """Point coordinates (EPSG:27700 metres) with optional weights, as validated arrays.

    ``dropped`` counts input rows left out because they had no position (empty or
    missing geometry, NaN coordinates).
    """

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.x)

    def total(self) -> float:
        """Number of points, or the sum of their weights."""
        return float(len(self.x) if self.weights is None else self.weights.sum())

    def subset(self, keep: np.ndarray) -> Points:
        weights = None if self.weights is None else self.weights[keep]
        return Points(self.x[keep], self.y[keep], weights, self.dropped)


def _check_crs(obj: Any, name: str) -> None:
    crs = getattr(obj, "crs", None)
    if crs is not None and crs.to_epsg() != 27700:
        raise ValueError(
            f"`{name}` must be in EPSG:27700 (British National Grid metres); it is in "
            f"{crs.to_string()}: reproject it with .to_crs(27700)"
        )


def as_points(points: Any, weights: Any = None) -> Points:
    """Validate points (and weights) and return them as float arrays.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries, array of shape (n, 2), or (x, y) pair of arrays
        Point positions in EPSG:27700 metres. Rows without a position (missing or empty
        geometry, NaN coordinates) are left out and counted in ``Points.dropped``.
    weights : array of n non-negative numbers, column name of ``points``, or None
        A weight per point (e.g. a harm score); None counts each point once.

    Returns
    -------
    Points

    Raises
    ------
    ValueError
        If ``points`` is not points in EPSG:27700, looks like longitude/latitude, or
        ``weights`` has the wrong length or negative or non-finite values.
    """
    if isinstance(weights, str):
        if not hasattr(points, "columns") or weights not in points.columns:
            raise ValueError(f"`weights` names a column ({weights!r}) that `points` does not have")
        weights = points[weights].to_numpy()
    if hasattr(points, "geometry"):  # GeoDataFrame or GeoSeries
        _check_crs(points, "points")
        geoms = np.asarray(points.geometry.values, dtype=object)
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        types = shapely.get_type_id(geoms[~missing])
        if np.any(types != 0):
            raise ValueError("`points` must contain only Point geometries (use .centroid for polygons)")
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        x[~missing] = shapely.get_x(geoms[~missing])
        y[~missing] = shapely.get_y(geoms[~missing])
    elif isinstance(points, tuple) and len(points) == 2:
        x = np.asarray(points[0], dtype=float).ravel()
        y = np.asarray(points[1], dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError(f"`points` as (x, y) needs arrays of equal length; got {x.size} and {y.size}")
    else:
        try:
            arr = np.asarray(points, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                "`points` must be a GeoDataFrame/GeoSeries of points, an (n, 2) array of "
                f"easting/northing, or an (x, y) pair of arrays; got {type(points).__name__}"
            ) from None
        if arr.size == 0:
            arr = arr.reshape(0, 2)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f"`points` as an array must have shape (n, 2); got {arr.shape}")
        x, y = arr[:, 0].copy(), arr[:, 1].copy()

    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != x.shape:
            raise ValueError(f"`weights` must have one value per point ({x.size}); got {w.size}")
    keep = np.isfinite(x) & np.isfinite(y)
    if w is not None:
        if np.any(~np.isfinite(w[keep])) or np.any(w[keep] < 0):
            raise ValueError("`weights` must be finite and non-negative")
    dropped = int((~keep).sum())
    if dropped:
        x, y = x[keep], y[keep]
        w = None if w is None else w[keep]
    if x.size and np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90) and np.ptp(x) < 10 and np.ptp(y) < 10:
        raise ValueError(
            "`points` look like longitude/latitude degrees; they must be EPSG:27700 "
            "(British National Grid) metres"
        )
    return Points(x, y, w, dropped)


def as_boundary(boundary: Any) -> shapely.Geometry | None:
    """Validate a boundary and return one (Multi)Polygon in EPSG:27700, or None.

    Accepts a shapely (Multi)Polygon or a GeoDataFrame/GeoSeries of them (dissolved).
    Raises ValueError if it is empty, has no area, or is in another CRS.
    """
    if boundary is None:
        return None
    if hasattr(boundary, "geometry"):
        _check_crs(boundary, "boundary")
        boundary = boundary.geometry.union_all()
    if not isinstance(boundary, shapely.Geometry):
        raise ValueError(
            f"`boundary` must be a shapely Polygon or MultiPolygon (EPSG:27700); got {type(boundary).__name__}"
        )
    if not boundary.is_valid:
        boundary = shapely.make_valid(boundary)
    if boundary.geom_type == "GeometryCollection":
        boundary = shapely.union_all([g for g in boundary.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if boundary.is_empty or boundary.geom_type not in ("Polygon", "MultiPolygon") or boundary.area <= 0:
        raise ValueError(
            f"`boundary` must be a non-empty Polygon or MultiPolygon with an area; got {boundary.geom_type}"
        )
    xmin, ymin, xmax, ymax = boundary.bounds
    if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90 and boundary.area < 10:
        raise ValueError("`boundary` looks like longitude/latitude degrees; it must be in EPSG:27700 metres")
    return boundary


def check_positive(value: Any, name: str, unit: str = "m") -> float:
    """Return ``value`` as a float, or raise a ValueError naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a positive number ({unit}); got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"`{name}` must be a positive number ({unit}); got {value!r}")
    return v


# --------------------------------------------------------------------------------------
# The grid
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells on the British National Grid.

    Attributes
    ----------
    x0, y0 : float
        West and south edges of the grid (metres, multiples of ``cell_size`` when made by
        :func:`make_grid`).
    cell_size : float
        Side of a cell in metres.
    nx, ny : int
        Number of columns (west to east) and rows (north to south).

    Arrays on the grid have shape ``(ny, nx)``; ``[0, 0]`` is the north-west cell.
    """

    x0: float
    y0: float
    cell_size: float
    nx: int
    ny: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    @property
    def x1(self) -> float:
        return self.x0 + self.nx * self.cell_size

    @property
    def y1(self) -> float:
        return self.y0 + self.ny * self.cell_size

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` in metres."""
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(west, east, south, north)``: matplotlib ``imshow(a, extent=...)`` with the default origin."""
        return (self.x0, self.x1, self.y0, self.y1)

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """Affine ``(a, b, c, d, e, f)`` as rasterio/GDAL: x = a*col + b*row + c, y = d*col + e*row + f."""
        return (self.cell_size, 0.0, self.x0, 0.0, -self.cell_size, self.y1)

    @property
    def cell_area_m2(self) -> float:
        return self.cell_size * self.cell_size

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre eastings and northings as two ``(ny, nx)`` arrays."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell_size
        ys = self.y1 - (np.arange(self.ny) + 0.5) * self.cell_size
        return np.meshgrid(xs, ys)

    def locate(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and an in-grid flag for each point (row/col are 0 where outside).

        A cell holds its west and south edges: a point on the line between two cells
        belongs to the cell to its east or north.
        """
        col = np.floor((np.asarray(x, dtype=float) - self.x0) / self.cell_size)
        row = self.ny - 1 - np.floor((np.asarray(y, dtype=float) - self.y0) / self.cell_size)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return np.where(inside, row, 0).astype(np.intp), np.where(inside, col, 0).astype(np.intp), inside

    def pad(self, cells: int) -> Grid:
        """The same grid with ``cells`` more cells on every side."""
        c = self.cell_size
        return Grid(self.x0 - cells * c, self.y0 - cells * c, c, self.nx + 2 * cells, self.ny + 2 * cells)

    def window(self, inner: Grid) -> tuple[slice, slice]:
        """Slices of this grid's arrays that cover ``inner`` (an aligned sub-grid)."""
        c = self.cell_size
        col0 = int(round((inner.x0 - self.x0) / c))
        row0 = int(round((self.y1 - inner.y1) / c))
        if inner.cell_size != c or col0 < 0 or row0 < 0 or col0 + inner.nx > self.nx or row0 + inner.ny > self.ny:
            raise ValueError("`inner` must be a sub-grid of this grid with the same cell size")
        return slice(row0, row0 + inner.ny), slice(col0, col0 + inner.nx)

    def box(self) -> shapely.Polygon:
        return shapely.box(*self.bounds)


class GridResult:
    """What every gridded result shares: ``transform``, ``extent`` and ``bounds`` of its ``grid``.

    A base for the result dataclasses (KDE, Gi*, change, classification), so an app
    places any of their ``(ny, nx)`` arrays on a map the same way.
    """

    grid: Grid

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """:attr:`Grid.transform` (rasterio/GDAL affine) of the result's grid."""
        return self.grid.transform

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """:attr:`Grid.extent` (matplotlib ``imshow``) of the result's grid."""
        return self.grid.extent

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """:attr:`Grid.bounds` ``(west, south, east, north)`` of the result's grid."""
        return self.grid.bounds


def make_grid(bounds: tuple[float, float, float, float], cell_size: float, margin: float = 0.0) -> Grid:
    """A grid aligned to multiples of ``cell_size`` covering ``bounds`` plus ``margin``.

    Parameters
    ----------
    bounds : (west, south, east, north)
        Area to cover, in metres.
    cell_size : float
        Side of a cell in metres.
    margin : float
        Extra distance added on every side before aligning (e.g. a kernel radius).

    Returns
    -------
    Grid
        Its edges are multiples of ``cell_size``; every point of ``bounds`` (including
        its east and north edges) falls inside a cell.

    Raises
    ------
    ValueError
        If ``cell_size`` is not positive or the grid would exceed ``MAX_CELLS`` cells.
    """
    c = check_positive(cell_size, "cell_size")
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (xmin, ymin, xmax, ymax)) or xmax < xmin or ymax < ymin:
        raise ValueError(f"`bounds` must be finite (west, south, east, north); got {bounds}")
    eps = 1e-9 * max(1.0, abs(xmin), abs(ymin))
    x0 = math.floor((xmin - margin) / c + eps / c) * c
    y0 = math.floor((ymin - margin) / c + eps / c) * c
    x1 = math.ceil((xmax + margin) / c - eps / c) * c
    y1 = math.ceil((ymax + margin) / c - eps / c) * c
    if x1 <= xmax + margin:
        x1 += c
    if y1 <= ymax + margin:
        y1 += c
    nx, ny = int(round((x1 - x0) / c)), int(round((y1 - y0) / c))
    if nx * ny > MAX_CELLS:
        area_km2 = (x1 - x0) * (y1 - y0) / 1e6
        smallest = math.sqrt((x1 - x0) * (y1 - y0) / MAX_CELLS)
        raise ValueError(
            f"`cell_size` {c:g} m gives {nx * ny:,} cells over {area_km2:,.1f} km2; it must be "
            f"at least {math.ceil(smallest):g} m here (limit {MAX_CELLS:,} cells)"
        )
    return Grid(x0, y0, c, nx, ny)


def choose_cell_size(area_m2: float, *, at_most: float | None = None, why_at_most: str = "") -> Parameter:
    """The automatic cell size: the round size nearest ``sqrt(area / TARGET_CELLS)``.

    About 100,000 cells over the mapped area is enough detail for a screen-sized map
    and small enough to compute in milliseconds. That gives 25 m over Dartford
    (72.7 km2, about 116,000 cells), 10 m over a 5 km2 focus area, and 5 m (the finest
    allowed; finer is below the precision of geocoded positions) over a town centre.
    Sizes are taken from ``NICE_CELL_SIZES`` (nearest on a log scale) so grids line up
    with round BNG coordinates.

    Parameters
    ----------
    area_m2 : float
        Area to be mapped (the boundary, or the points' extent with its margin).
    at_most : float, optional
        A cap from another parameter (e.g. half the bandwidth), with ``why_at_most``
        giving the reason shown to the user when it applies.

    Returns
    -------
    Parameter
        ``name="cell_size"``, the value in metres and the reason.
    """
    area_m2 = float(area_m2)
    sizes = np.array(NICE_CELL_SIZES)
    ideal = math.sqrt(max(area_m2, 0.0) / TARGET_CELLS)
    if ideal <= sizes[0]:
        size = sizes[0]
    else:
        size = sizes[np.argmin(np.abs(np.log(sizes / ideal)))]
    reason = (
        f"about {area_m2 / size**2:,.0f} cells over {area_m2 / 1e6:,.2f} km2 (rule: the round size "
        f"nearest sqrt(area / {TARGET_CELLS:,}), at least {sizes[0]:g} m)"
    )
    if at_most is not None and size > at_most:
        fitting = sizes[sizes <= at_most]
        size = fitting[-1] if fitting.size else sizes[0]
        reason = f"{why_at_most or f'at most {at_most:g} m'}; the area rule alone would give a coarser grid"
    # Never exceed the cell limit over this area.
    while area_m2 / size**2 > MAX_CELLS and size < sizes[-1]:
        size = sizes[sizes > size][0]
    return chosen("cell_size", float(size), "m", reason)


def grid_for(
    cell_size: float,
    *,
    boundary: shapely.Geometry | None = None,
    points: Points | None = None,
    margin: float = 0.0,
) -> Grid:
    """The grid over ``boundary`` (if given) or else the points' extent, plus ``margin``.

    Raises ValueError if there is neither a boundary nor any point.
    """
    if boundary is not None:
        bounds = boundary.bounds
    elif points is not None and len(points):
        bounds = (points.x.min(), points.y.min(), points.x.max(), points.y.max())
    else:
        raise ValueError("no `boundary` and no points: there is nothing to put a grid on")
    return make_grid(bounds, cell_size, margin)


# --------------------------------------------------------------------------------------
# Binning
# --------------------------------------------------------------------------------------


def bin_points(
    grid: Grid,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    method: str = "simple",
) -> np.ndarray:
    """Count points (or sum their weights) in each cell of ``grid``.

    Parameters
    ----------
    grid : Grid
    x, y : arrays
        Point coordinates in metres. Points outside the grid are ignored.
    weights : array, optional
        A weight per point; default 1.
    method : {"simple", "linear"}
        ``"simple"``: each point goes to the cell it falls in (a count).
        ``"linear"``: each point is shared between the four nearest cell centres in
        proportion to its distance from them (bilinear, "cloud in cell"). Linear
        binning keeps the centre of mass of the points, so a kernel density computed
        from it is accurate to second order in cell size (Wand 1994).

    Returns
    -------
    ndarray of float64, shape ``grid.shape``

    Notes
    -----
    O(n + cells) with ``np.bincount``: one scatter per point (simple) or four
    (linear). A million points take about 8 ms (simple) or 20-30 ms (linear) on a
    quarter-million to a million cells.
    """
    if method not in ("simple", "linear"):
        raise ValueError(f"`method` must be 'simple' or 'linear'; got {method!r}")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    w = None if weights is None else np.asarray(weights, dtype=float).ravel()
    linear = method == "linear"
    n = grid.size
    # Cell indices (and fractions) for all points, computed chunk by chunk into arrays
    # allocated once; points outside the grid are left out as we go.
    index = np.empty(x.size, dtype=np.intp)
    tx = np.empty(x.size) if linear else None
    ty = np.empty(x.size) if linear else None
    kept_w = None if w is None else np.empty(x.size)
    used = 0
    for s in range(0, x.size, _CHUNK):
        flat, ok, fx, fy = _chunk_positions(grid, x[s : s + _CHUNK], y[s : s + _CHUNK], linear=linear)
        stop = used + flat.size
        index[used:stop] = flat
        if linear:
            tx[used:stop] = fx
            ty[used:stop] = fy
        if w is not None:
            kept_w[used:stop] = w[s : s + _CHUNK] if ok is None else w[s : s + _CHUNK][ok]
        used = stop
    index = index[:used]
    if w is not None:
        kept_w = kept_w[:used]
    if not linear:
        return np.bincount(index, weights=kept_w, minlength=n).astype(float).reshape(grid.shape)
    tx, ty = tx[:used], ty[:used]
    # Offsets to the east and south neighbours; a grid one cell wide or high keeps
    # everything in its only column or row.
    dx = 1 if grid.nx > 1 else 0
    dy = 1 if grid.ny > 1 else 0
    step_x, step_y = dx, dy * grid.nx
    if 4 * used <= n:
        # Few points for the grid: one scatter of the four shares of every point.
        west = 1.0 - tx
        north = 1.0 - ty
        if kept_w is not None:
            west *= kept_w
            tx = tx * kept_w
        cells = np.concatenate([index, index + step_x, index + step_y, index + step_x + step_y])
        shares = np.concatenate([west * north, tx * north, west * ty, tx * ty])
        return np.bincount(cells, weights=shares, minlength=n).reshape(grid.shape)
    # Many points: four moments per base cell (the cell centre to the north-west of the
    # point), shared out afterwards to the 2 x 2 block of centres around the point with
    # weights (1-tx)(1-ty), tx(1-ty), (1-tx)ty and tx ty.
    if kept_w is None:
        m0 = np.bincount(index, minlength=n).astype(float)
    else:
        m0 = np.bincount(index, weights=kept_w, minlength=n)
        tx *= kept_w  # now w tx, so that tx * ty below is w tx ty
    mx = np.bincount(index, weights=tx, minlength=n)
    my = np.bincount(index, weights=ty if kept_w is None else ty * kept_w, minlength=n)
    tx *= ty
    mxy = np.bincount(index, weights=tx, minlength=n)
    out = m0  # in place from here: these arrays can be millions of cells
    out -= mx
    out -= my
    out += mxy
    mx -= mxy
    my -= mxy
    out = out.reshape(grid.shape)
    east = mx.reshape(grid.shape)
    south = my.reshape(grid.shape)
    south_east = mxy.reshape(grid.shape)
    ny, nx = grid.shape
    out[:, dx:] += east[:, : nx - dx]
    out[dy:, :] += south[: ny - dy, :]
    out[dy:, dx:] += south_east[: ny - dy, : nx - dx]
    return out


#: Cell indices are computed in chunks of this many points: small temporary arrays
#: are much cheaper than arrays of a million values (page faults dominate otherwise).
_CHUNK = 65_536


def _chunk_positions(grid: Grid, x: np.ndarray, y: np.ndarray, *, linear: bool):
    """Flat cell index, in-grid mask (None when all are in) and fractions for a chunk.

    Cells hold their west and south edges, as :meth:`Grid.locate`.
    """
    inv = 1.0 / grid.cell_size
    fx = x - grid.x0
    fx *= inv
    fy = y - grid.y0  # cells up from the south edge
    fy *= inv
    ok = (fx >= 0) & (fx < grid.nx) & (fy >= 0) & (fy < grid.ny)
    if ok.all():
        ok = None
    else:
        fx, fy = fx[ok], fy[ok]
    if not linear:
        flat = fy.astype(np.intp)
        np.subtract(grid.ny - 1, flat, out=flat)  # row from the north
        flat *= grid.nx
        flat += fx.astype(np.intp)
        return flat, ok, None, None
    # Measured in cells from the centre of the north-west cell; points in the outer
    # half cell of the grid go wholly to the edge cell, so no mass is lost.
    fx -= 0.5
    np.subtract(grid.ny - 0.5, fy, out=fy)
    # Clipped just below the last centre, so the base cell is at most the last but one.
    np.clip(fx, 0.0, max(grid.nx - 1.0 - 1e-9, 0.0), out=fx)
    np.clip(fy, 0.0, max(grid.ny - 1.0 - 1e-9, 0.0), out=fy)
    ix = fx.astype(np.intp)
    iy = fy.astype(np.intp)
    fx -= ix
    fy -= iy
    iy *= grid.nx
    iy += ix
    return iy, ok, fx, fy


# --------------------------------------------------------------------------------------
# Cells inside a boundary
# --------------------------------------------------------------------------------------


def _rings(boundary: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """All ring coordinates of a (Multi)Polygon and the ring index of each vertex."""
    parts = shapely.get_parts(boundary)
    rings = np.concatenate([shapely.get_rings(p) for p in parts]) if len(parts) else np.array([])
    return shapely.get_coordinates(rings, return_index=True)


def centres_inside(grid: Grid, boundary: shapely.Geometry) -> np.ndarray:
    """Boolean ``(ny, nx)``: cell centres inside ``boundary`` (even-odd scan-line fill).

    Each ring edge is intersected with the horizontal lines through the cell centres;
    a centre is inside when an odd number of crossings lies west of it. O(cells +
    crossings), with no geometry objects created.
    """
    coords, index = _rings(boundary)
    if len(coords) < 2:
        return np.zeros(grid.shape, dtype=bool)
    c = grid.cell_size
    same = index[:-1] == index[1:]
    xa, ya = coords[:-1][same, 0], coords[:-1][same, 1]
    xb, yb = coords[1:][same, 0], coords[1:][same, 1]
    # Rows counted from the south: centre of row s is at y0 + (s + 0.5) c.
    lo = np.minimum(ya, yb)
    hi = np.maximum(ya, yb)
    s_lo = np.ceil((lo - grid.y0) / c - 0.5).astype(np.int64)
    s_hi = np.ceil((hi - grid.y0) / c - 0.5).astype(np.int64)  # exclusive: half-open [lo, hi)
    s_lo = np.clip(s_lo, 0, grid.ny)
    s_hi = np.clip(s_hi, 0, grid.ny)
    k = np.maximum(s_hi - s_lo, 0)
    total = int(k.sum())
    if total == 0:
        return np.zeros(grid.shape, dtype=bool)
    edge = np.repeat(np.arange(k.size), k)
    offset = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
    s = s_lo[edge] + offset
    yc = grid.y0 + (s + 0.5) * c
    xa_e, ya_e, xb_e, yb_e = xa[edge], ya[edge], xb[edge], yb[edge]
    xcross = xa_e + (yc - ya_e) * (xb_e - xa_e) / (yb_e - ya_e)
    # Cells whose centre lies east of the crossing: col > (xcross - x0)/c - 0.5.
    col = np.floor((xcross - grid.x0) / c - 0.5).astype(np.int64) + 1
    col = np.clip(col, 0, grid.nx)
    crossings = np.bincount(s * (grid.nx + 1) + col, minlength=grid.ny * (grid.nx + 1))
    parity = np.cumsum(crossings.reshape(grid.ny, grid.nx + 1), axis=1)[:, : grid.nx] % 2 == 1
    return parity[::-1]  # row 0 north


def cell_boxes(grid: Grid, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Shapely box polygons of the given cells."""
    c = grid.cell_size
    x = grid.x0 + np.asarray(cols) * c
    y = grid.y1 - (np.asarray(rows) + 1) * c
    return shapely.box(x, y, x + c, y + c)


def cell_mask(grid: Grid, boundary: shapely.Geometry | None, how: str = "intersects") -> np.ndarray:
    """Boolean ``(ny, nx)`` array: the cells that belong to the area of ``boundary``.

    Parameters
    ----------
    grid : Grid
    boundary : shapely (Multi)Polygon or None
        None means every cell.
    how : {"intersects", "centre"}
        ``"intersects"`` (default): cells that share some area with the boundary, so the
        cells cover it completely (a cell that only touches it along an edge or at a
        corner is left out: it holds none of the area). ``"centre"``: cells whose centre is inside.

    Notes
    -----
    Cells away from the boundary line are classified by a scan-line fill of their
    centres. Only the cells the boundary line passes near (found by sampling it every
    half cell, plus their 8 neighbours) are tested exactly with shapely, so about
    120,000 cells over Dartford take a few milliseconds.
    """
    if boundary is None:
        return np.ones(grid.shape, dtype=bool)
    if how not in ("intersects", "centre"):
        raise ValueError(f"`how` must be 'intersects' or 'centre'; got {how!r}")
    inside = centres_inside(grid, boundary)
    if how == "centre":
        return inside
    # Cells the boundary line passes through are 8-neighbours of cells holding a sample
    # of the line taken every half cell.
    rings = shapely.get_rings(shapely.get_parts(boundary))
    samples = shapely.get_coordinates(shapely.segmentize(rings, grid.cell_size / 2))
    row, col, ok = grid.locate(samples[:, 0], samples[:, 1])
    near = np.zeros(grid.shape, dtype=bool)
    near[row[ok], col[ok]] = True
    grown = near.copy()
    grown[1:, :] |= near[:-1, :]
    grown[:-1, :] |= near[1:, :]
    near = grown.copy()
    near[:, 1:] |= grown[:, :-1]
    near[:, :-1] |= grown[:, 1:]
    rows, cols = np.nonzero(near & ~inside)
    if rows.size:
        boundary = prepared(boundary)  # a private copy: the caller's may be shared by other threads
        boxes = cell_boxes(grid, rows, cols)
        hit = shapely.intersects(boundary, boxes) & ~shapely.touches(boundary, boxes)
        inside = inside.copy()
        inside[rows[hit], cols[hit]] = True
    return inside


def cells_frame(grid: Grid, mask: np.ndarray | None = None, columns: dict[str, np.ndarray] | None = None):
    """The cells of ``grid`` (those where ``mask`` is true) as a GeoDataFrame.

    Parameters
    ----------
    grid : Grid
    mask : boolean ``(ny, nx)`` array, optional
        Cells to keep (default all), e.g. from :func:`cell_mask`.
    columns : dict of name -> ``(ny, nx)`` array
        Values to attach, in order.

    Returns
    -------
    GeoDataFrame (EPSG:27700)
        One square polygon per cell with ``row``, ``col``, ``x``, ``y`` (cell centre,
        metres) and the given columns. ``(x, y)`` with the cell size identifies a cell
        across analyses.
    """
    import geopandas as gpd

    if mask is None:
        mask = np.ones(grid.shape, dtype=bool)
    rows, cols = np.nonzero(mask)
    c = grid.cell_size
    data: dict[str, np.ndarray] = {
        "row": rows.astype(np.int32),
        "col": cols.astype(np.int32),
        "x": grid.x0 + (cols + 0.5) * c,
        "y": grid.y1 - (rows + 0.5) * c,
    }
    for name, values in (columns or {}).items():
        values = np.asarray(values)
        if values.shape != grid.shape:
            raise ValueError(f"column {name!r} must have the grid's shape {grid.shape}; got {values.shape}")
        data[name] = values[rows, cols]
    return gpd.GeoDataFrame(data, geometry=cell_boxes(grid, rows, cols), crs=CRS)


# --------------------------------------------------------------------------------------
# Stacked points
# --------------------------------------------------------------------------------------


def _position_keys(x: np.ndarray, y: np.ndarray, tolerance: float) -> np.ndarray:
    xi = np.round(x / tolerance).astype(np.int64)
    yi = np.round(y / tolerance).astype(np.int64)
    return (xi - xi.min()) * (int(yi.max() - yi.min()) + 1) + (yi - yi.min())


def stack_points(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, *, tolerance: float = STACK_TOLERANCE_M
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge points at the same position (to ``tolerance`` metres).

    Returns
    -------
    x, y : arrays
        One point per distinct position (the first point's coordinates).
    count : array of int
        Points at each position.
    weight : array of float
        Sum of their weights (equal to ``count`` without weights).

    Notes
    -----
    police.uk puts every incident at an anonymised snap point, so a year of incidents
    in Dartford sits on a few thousand positions. Methods that work point by point
    (exact kernel sums, DBSCAN) can run on the distinct positions with ``weight``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0:
        empty = np.array([], dtype=float)
        return empty, empty, np.array([], dtype=np.int64), empty
    keys = _position_keys(x, y, tolerance)
    _, first, inverse, count = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    w = np.bincount(inverse, weights=weights, minlength=first.size).astype(float)
    return x[first], y[first], count, w


@dataclass(frozen=True)
class Stacking:
    """How many points share a position, and how far apart the positions are.

    Attributes
    ----------
    n_points : int
        Points examined (a sample of ``STACKING_SAMPLE`` when there are more).
    n_positions : int
        Distinct positions among them.
    share_stacked : float
        Share of points that share their position with at least one other point.
    largest_stack : int
        Most points at one position.
    spacing_m : float
        Median distance from a distinct position to the nearest other one; measured
        only for snapped points (NaN otherwise, or with fewer than two positions).
    sampled : bool
        True when the figures come from a sample.
    """

    n_points: int
    n_positions: int
    share_stacked: float
    largest_stack: int
    spacing_m: float
    sampled: bool = False

    @property
    def snapped(self) -> bool:
        """True when the points look like police.uk snap points (most share a position)."""
        return self.n_points >= 2 and self.share_stacked >= SNAPPED_SHARE

    def __str__(self) -> str:
        sample = " (from a sample)" if self.sampled else ""
        spacing = f", median spacing {self.spacing_m:,.0f} m" if math.isfinite(self.spacing_m) else ""
        return (
            f"{self.share_stacked:.0%} of incidents share a position with another{sample}; "
            f"{self.n_positions:,} positions, largest stack {self.largest_stack:,}{spacing}"
        )


def stacking(x: np.ndarray, y: np.ndarray, *, tolerance: float = STACK_TOLERANCE_M, seed: int = 0) -> Stacking:
    """Describe how the points stack on shared positions (see :class:`Stacking`)."""
    from scipy.spatial import cKDTree

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    sampled = x.size > STACKING_SAMPLE
    if sampled:
        pick = np.random.default_rng(seed).choice(x.size, STACKING_SAMPLE, replace=False)
        x, y = x[pick], y[pick]
    if x.size == 0:
        return Stacking(0, 0, 0.0, 0, math.nan, False)
    ux, uy, count, _ = stack_points(x, y, tolerance=tolerance)
    stacked = int(count[count > 1].sum())
    spacing = math.nan
    if stacked / x.size >= SNAPPED_SHARE and ux.size >= 2:
        # The spacing of snap points sets the bandwidth floor; unstacked data needs none.
        d, _ = cKDTree(np.c_[ux, uy]).query(np.c_[ux, uy], k=2)
        spacing = float(np.median(d[:, 1]))
    return Stacking(int(x.size), int(ux.size), stacked / x.size, int(count.max()), spacing, sampled)
