"""Kernel density hot spot maps: ``hotspot_kde``.

Incidents are binned on a grid aligned to round BNG coordinates and convolved with a
kernel by FFT, so a Dartford-wide 25 m surface from a million incidents takes tens of
milliseconds rather than the minutes a point-by-point kernel takes. The surface is in
incidents per km2, clipped to the boundary, with hot spot polygons at a threshold (the
top 5% of the area by default) and a record of every parameter and why it was chosen.

Example
-------
>>> result = hotspot_kde(incidents, boundary=dartford, snapped=True)   # doctest: +SKIP
>>> for p in result.parameters.values():                               # doctest: +SKIP
...     print(p)
kernel = quartic (chosen automatically: the default, as CrimeStat, QGIS and ArcGIS)
bandwidth = 276 m (chosen automatically: Silverman's rule as in ArcGIS Pro: ...)
cell_size = 25 m (chosen automatically: about 116,325 cells over 72.72 km2 ...)
snapped = True (given)
threshold = top 5% (chosen automatically: the default, ...: cells with density at least ...)
>>> result.summary()                                                   # doctest: +SKIP
'6 hot spots cover 5.0% of the area (3.64 km2) and hold 41% of the 20,000 incidents'
>>> result.cells.plot("density")                                       # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from scipy import ndimage

from hotspots.grid import (
    CRS,
    MAX_CELLS,
    Grid,
    GridResult,
    Points,
    Stacking,
    as_boundary,
    as_points,
    bin_points,
    cell_boxes,
    cell_mask,
    cells_frame,
    check_positive,
    choose_cell_size,
    grid_for,
    stack_points,
    stacking,
)
from hotspots.params import Parameter, chosen, given

KERNELS = ("quartic", "gaussian")
#: Bandwidth floor for police.uk snap points (metres); see :func:`choose_bandwidth`.
SNAP_FLOOR_M = 150.0
#: ... or this multiple of the measured snap-point spacing, if larger.
SNAP_SPACING_FACTOR = 1.5
#: Bandwidth floor for exact (geocoded) positions (metres).
EXACT_FLOOR_M = 50.0
#: The Gaussian kernel is cut off at this many standard deviations (0.03% of its mass).
GAUSSIAN_TRUNCATE = 4.0
#: Sub-cells per quartic radius / Gaussian standard deviation (see :func:`oversampling`).
RADIUS_CELLS = 12
SIGMA_CELLS = 6
MAX_OVERSAMPLING = 8
#: Rule statistics are computed on at most this many points (a fixed random sample).
RULE_SAMPLE = 50_000
DEFAULT_THRESHOLD = "top 5%"


# --------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------


def kernel_radius(bandwidth: float, kernel: str) -> float:
    """Distance beyond which the kernel is zero (quartic) or cut off (Gaussian)."""
    return bandwidth if kernel == "quartic" else GAUSSIAN_TRUNCATE * bandwidth


def kernel_value(d2: np.ndarray, bandwidth: float, kernel: str) -> np.ndarray:
    """Kernel density (per m2) at squared distance ``d2`` (m2) from a point.

    quartic (biweight), radius h: ``3 / (pi h^2) * (1 - d^2/h^2)^2`` for d < h, as
    CrimeStat, QGIS (Heatmap, "quartic") and ArcGIS Kernel Density (Silverman 1986,
    eq. 4.5). Gaussian, standard deviation h: ``exp(-d^2 / (2 h^2)) / (2 pi h^2)``.
    Both integrate to 1 over the plane.
    """
    h2 = bandwidth * bandwidth
    if kernel == "quartic":
        u = 1.0 - np.asarray(d2) / h2
        return np.where(u > 0, 3.0 / (math.pi * h2) * u * u, 0.0)
    return np.exp(-np.asarray(d2) / (2.0 * h2)) / (2.0 * math.pi * h2)


def kernel_laplacian(d2: np.ndarray, bandwidth: float, kernel: str) -> np.ndarray:
    """Laplacian (d2/dx2 + d2/dy2) of :func:`kernel_value` at squared distance ``d2``."""
    h2 = bandwidth * bandwidth
    d2 = np.asarray(d2, dtype=float)
    if kernel == "quartic":
        return np.where(d2 < h2, 24.0 / (math.pi * h2 * h2) * (2.0 * d2 / h2 - 1.0), 0.0)
    return kernel_value(d2, bandwidth, kernel) * (d2 / (h2 * h2) - 2.0 / h2)


def kernel_array(
    cell_size: float, bandwidth: float, kernel: str = "quartic", *, linear_binning: bool = True
) -> np.ndarray:
    """The kernel sampled at cell offsets, as the share of a point's mass per cell.

    Returns an odd square array summing to 1 (binned incidents are conserved
    exactly). With ``linear_binning`` the samples are corrected for the smoothing that
    linear binning adds: sharing a point between neighbouring cell centres blurs it by
    a variance of cell^2/12 per axis on average, so ``cell^2/12`` times the kernel's
    Laplacian is subtracted (then negative values, in a thin ring at the quartic's
    rim, are set to zero). This cuts the worst-case error by a third at no cost.
    """
    reach = kernel_radius(bandwidth, kernel)
    m = max(int(math.ceil(reach / cell_size - 1e-9)), 0)
    offsets = np.arange(-m, m + 1) * cell_size
    d2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    k = kernel_value(d2, bandwidth, kernel)
    if linear_binning:
        k = np.maximum(k - cell_size * cell_size / 12.0 * kernel_laplacian(d2, bandwidth, kernel), 0.0)
    k = np.where(d2 <= reach * reach, k, 0.0)
    total = k.sum()
    if total <= 0:  # bandwidth far below the cell size: all mass in the point's cell
        return np.ones((1, 1))
    return k / total


def _convolve(binned: np.ndarray, kern: np.ndarray) -> np.ndarray:
    """Circular FFT convolution of ``binned`` with a symmetric ``kern``, on the array's size.

    ``binned`` is padded by more than the kernel's half-width, so the wrap-around only
    touches its margin, which the caller drops (``fftconvolve(mode="same")`` would pad
    again). The kernel is symmetric in x and in y, so its spectrum is real: a cosine
    sum over its few non-zero rows and columns, two small matrix products instead of
    a full-size FFT. Symmetry also halves both products (offsets 0..m, the others
    counted twice) and the rows of the spectrum (row k equals row sy - k).
    """
    from scipy import fft

    ny, nx = binned.shape
    m = kern.shape[0] // 2
    sy = fft.next_fast_len(max(ny, 2 * m + 1), real=True)
    sx = fft.next_fast_len(max(nx, 2 * m + 1), real=True)
    twice = np.where(np.arange(m + 1) > 0, 2.0, 1.0)
    quarter = kern[m:, m:] * twice[:, None] * twice[None, :]  # offsets 0..m, each standing for +-offset
    h = sy // 2 + 1
    cos_y = np.cos(2 * np.pi * np.outer(np.arange(h), np.arange(m + 1)) / sy)  # (sy/2+1, m+1)
    cos_x = np.cos(2 * np.pi * np.outer(np.arange(m + 1), np.arange(sx // 2 + 1)) / sx)  # (m+1, sx/2+1)
    half = cos_y @ (quarter @ cos_x)  # the kernel's spectrum, rows 0..sy/2
    spectrum = fft.rfft2(binned, s=(sy, sx), workers=-1)
    spectrum[:h] *= half
    spectrum[h:] *= half[1 : sy - h + 1][::-1]
    return fft.irfft2(spectrum, s=(sy, sx), workers=-1)[:ny, :nx]


# --------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------


def oversampling(cell_size: float, bandwidth: float, kernel: str, cells: int | None = None) -> int:
    """Sub-cells per cell side needed for the binned surface to be accurate.

    With linear binning and the corrected kernel (:func:`kernel_array`) the error at a
    cell centre is second order in the cell size: for one isolated point it stays
    under 0.5% of the peak once the quartic radius spans ``RADIUS_CELLS`` (12) cells
    or the Gaussian standard deviation ``SIGMA_CELLS`` (6), and it averages down when
    there are many points. When the bandwidth is shorter, the surface is computed on
    sub-cells of ``cell / k`` and read at the cell centres: ``k = 2`` for the default
    150 m floor on 25 m cells. ``k`` is at most ``MAX_OVERSAMPLING`` (8), and small
    enough that a grid of ``cells`` cells stays within ``MAX_CELLS`` sub-cells.
    """
    per_bandwidth = RADIUS_CELLS if kernel == "quartic" else SIGMA_CELLS
    k = min(max(math.ceil(per_bandwidth * cell_size / bandwidth - 1e-9), 1), MAX_OVERSAMPLING)
    if cells is not None:
        k = max(min(k, int(math.sqrt(MAX_CELLS / max(cells, 1)))), 1)
    return int(k)


def kde_surface(
    grid: Grid,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    bandwidth: float,
    kernel: str = "quartic",
    binning: str = "linear",
    oversample: int | None = None,
) -> np.ndarray:
    """Kernel density at the cell centres of ``grid``, in incidents per km2.

    Parameters
    ----------
    grid : Grid
        Output grid. Points outside it still count if within the kernel's reach.
    x, y : arrays
        Incident positions (EPSG:27700 metres).
    weights : array, optional
        Weight per incident; the surface then integrates to the sum of weights.
    bandwidth : float
        Quartic radius or Gaussian standard deviation, metres.
    kernel : {"quartic", "gaussian"}
    binning : {"linear", "simple"}
        See :func:`hotspots.grid.bin_points`. Linear binning keeps the error against
        an exact kernel sum second order in the cell size.
    oversample : int, optional
        Compute on sub-cells of ``cell_size / oversample`` and keep the values at the
        cell centres. Default :func:`oversampling` (1 when the bandwidth is at least
        12 cells, 2 for the default 150 m floor on 25 m cells).

    Returns
    -------
    ndarray, shape ``grid.shape``, incidents per km2, row 0 north.

    Notes
    -----
    Points are binned on a grid padded by the kernel's reach, convolved with
    :func:`kernel_array` by FFT (``scipy.fft``) and sampled at the cell centres:
    O(n + cells log cells), whatever the bandwidth. For a million points over Dartford
    at 25 m, binning takes about 20 ms and the FFT 5-25 ms.
    """
    k_sub = oversampling(grid.cell_size, bandwidth, kernel, grid.size) if oversample is None else int(oversample)
    if k_sub < 1:
        raise ValueError(f"`oversample` must be a positive integer; got {oversample!r}")
    f = grid.cell_size / k_sub
    kern = kernel_array(f, bandwidth, kernel, linear_binning=binning == "linear")
    m = kern.shape[0] // 2
    # Sub-cell grid whose sub-cell centres include every cell centre (shifted by half a
    # sub-cell when k_sub is even), padded by the kernel's reach.
    shift = 0.0 if k_sub % 2 else f / 2
    pad = m + 1
    # Extra rows and columns to the south and east make the sizes fast for the FFT.
    from scipy.fft import next_fast_len

    nx_f = next_fast_len(grid.nx * k_sub + 2 * pad, real=True)
    ny_f = next_fast_len(grid.ny * k_sub + 2 * pad, real=True)
    north = grid.y1 - shift + pad * f
    fine = Grid(grid.x0 + shift - pad * f, north - ny_f * f, f, nx_f, ny_f)
    binned = bin_points(fine, x, y, weights, method=binning)
    if not binned.any():
        return np.zeros(grid.shape)
    smooth = binned if kern.size == 1 else _convolve(binned, kern)
    first = pad + (k_sub - 1) // 2
    centres = smooth[first : first + grid.ny * k_sub : k_sub, first : first + grid.nx * k_sub : k_sub]
    centres = centres * (1e6 / (f * f))
    # FFT round-off leaves values near 1e-16 of the peak where there is nothing.
    centres[centres < 1e-12 * binned.max() * 1e6 / (f * f)] = 0.0
    return centres


def kde_exact(
    grid: Grid,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    bandwidth: float,
    kernel: str = "quartic",
    cells: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Brute-force kernel sum at cell centres (incidents per km2): the reference.

    Sums the kernel over every incident within reach of each cell centre (stacked
    incidents merged first). ``cells=(rows, cols)`` evaluates only those cells and
    returns a 1-D array; otherwise the whole grid. For tests and benchmarks: it costs
    O(cells x incidents within reach).
    """
    from scipy.spatial import cKDTree

    px, py, _, pw = stack_points(x, y, weights)
    if cells is None:
        rows, cols = np.indices(grid.shape).reshape(2, -1)
    else:
        rows, cols = (np.asarray(a).ravel() for a in cells)
    cx = grid.x0 + (cols + 0.5) * grid.cell_size
    cy = grid.y1 - (rows + 0.5) * grid.cell_size
    out = np.zeros(rows.size)
    if px.size == 0:
        return out if cells is not None else out.reshape(grid.shape)
    reach = bandwidth if kernel == "quartic" else 6.0 * bandwidth
    tree = cKDTree(np.c_[px, py])
    step = 8192
    for s in range(0, rows.size, step):
        centres = cKDTree(np.c_[cx[s : s + step], cy[s : s + step]])
        pairs = centres.sparse_distance_matrix(tree, reach, output_type="ndarray")
        if pairs.size:
            values = kernel_value(pairs["v"] ** 2, bandwidth, kernel) * pw[pairs["j"]]
            out[s : s + step] += np.bincount(pairs["i"], weights=values, minlength=centres.n)
    out *= 1e6
    return out if cells is not None else out.reshape(grid.shape)


# --------------------------------------------------------------------------------------
# Parameter rules
# --------------------------------------------------------------------------------------


def _sample(n: int, size: int, seed: int = 0) -> np.ndarray | None:
    if n <= size:
        return None
    return np.unique(np.random.default_rng(seed).integers(0, n, size))


def bandwidth_rule(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, str]:
    """Silverman's rule of thumb in the spatial form ArcGIS Pro uses for Kernel Density.

    ``h = 0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2``, where SD is the standard
    distance of the points and Dm the median distance from their mean centre (both
    weighted when weights are given). Dm makes the rule robust to outliers; n is the
    number of incidents (ArcGIS uses the sum of weights, which makes harm scores change
    the smoothing). Statistics come from a sample of ``RULE_SAMPLE`` points when there
    are more.

    Returns the bandwidth in metres (0 for fewer than two points or no spread) and a
    sentence giving the figures. The value is used as the quartic radius, as ArcGIS
    does: about 2.8 times narrower than Silverman's Gaussian rule, which over-smooths
    clustered data such as crime.
    """
    n = x.size
    if n < 2:
        return 0.0, f"{n} incident(s): no spread to measure"
    pick = _sample(n, RULE_SAMPLE)
    if pick is not None:
        x, y = x[pick], y[pick]
        weights = None if weights is None else weights[pick]
    w = np.ones_like(x) if weights is None else weights
    total = w.sum()
    if total <= 0:
        return 0.0, "all weights are zero"
    mx, my = (w * x).sum() / total, (w * y).sum() / total
    d = np.hypot(x - mx, y - my)
    sd = math.sqrt((w * d * d).sum() / total)
    order = np.argsort(d)
    cum = np.cumsum(w[order])
    dm = float(d[order][np.searchsorted(cum, 0.5 * total)])
    spread = min(sd, math.sqrt(1 / math.log(2)) * dm)
    h = 0.9 * spread * n ** -0.2
    text = (
        f"Silverman's rule as in ArcGIS Pro: 0.9 x min(standard distance {sd:,.0f} m, "
        f"1.20 x median distance {dm:,.0f} m) x n^-0.2 with n = {n:,} incidents gives {h:,.0f} m"
    )
    return h, text


def bandwidth_floor(stack: Stacking, snapped: bool) -> tuple[float, str]:
    """The smallest automatic bandwidth (quartic radius), metres, and why.

    police.uk moves each incident to a snap point (the centre of a street or a public
    place); in suburban streets these are typically 100-150 m apart. With a radius at
    or below that spacing each snap point gets its own isolated bump: the map shows the
    anonymisation, not the pattern. At 150 m, or 1.5 times the measured spacing if
    larger, a cell between two neighbouring snap points gets weight from both (the
    quartic is still 30% of its peak at two-thirds of the radius). Exact positions
    (geocoded addresses, accurate to 10-25 m) get a 50 m floor: two to five times
    their error.
    """
    if not snapped:
        return EXACT_FLOOR_M, f"{EXACT_FLOOR_M:g} m for exact positions (about twice their positional error)"
    floor = SNAP_FLOOR_M
    text = f"{SNAP_FLOOR_M:g} m for police.uk snap points (typically 100-150 m apart)"
    if math.isfinite(stack.spacing_m) and SNAP_SPACING_FACTOR * stack.spacing_m > floor:
        floor = SNAP_SPACING_FACTOR * stack.spacing_m
        text = f"{SNAP_SPACING_FACTOR:g} x the median spacing of the snap points here ({stack.spacing_m:,.0f} m)"
    return floor, text


def choose_bandwidth(points: Points, stack: Stacking, snapped: bool, kernel: str) -> Parameter:
    """The automatic bandwidth: :func:`bandwidth_rule`, raised to :func:`bandwidth_floor`.

    For the Gaussian kernel the bandwidth is the standard deviation of a Gaussian with
    the same spread (variance) as that quartic: radius / sqrt(8).
    """
    h, rule_text = bandwidth_rule(points.x, points.y, points.weights)
    floor, floor_text = bandwidth_floor(stack, snapped)
    if h >= floor:
        radius, reason = h, rule_text
    else:
        radius = floor
        reason = (
            f"{rule_text}; raised to the floor of {floor_text}, below which the map shows "
            "the points' positions, not a pattern"
        )
    if kernel == "gaussian":
        value = radius / math.sqrt(8)
        reason = (
            f"standard deviation of a Gaussian as spread as a quartic of radius {radius:,.0f} m "
            f"(radius / sqrt 8); {reason}"
        )
    else:
        value = radius
    return chosen("bandwidth", float(round(value, 1)), "m", reason)


def parse_threshold(threshold: Any) -> tuple[str, float]:
    """``"top 5%"`` -> ("top", 5.0); ``"2x mean"`` -> ("mean", 2.0); 300 -> ("density", 300.0)."""
    error = (
        "`threshold` must be 'top X%' (the X% of the area with the highest density, 0 < X < 100), "
        f"'K x mean' (K times the mean cell density, K > 0) or a density in incidents per km2; got {threshold!r}"
    )
    if isinstance(threshold, (int, float, np.number)) and not isinstance(threshold, bool):
        value = float(threshold)
        if not math.isfinite(value) or value < 0:
            raise ValueError(error)
        return "density", value
    if not isinstance(threshold, str):
        raise ValueError(error)
    text = threshold.strip().lower()
    match = re.fullmatch(r"(?:top\s*)?(\d+(?:\.\d+)?)\s*%", text)
    if match:
        value = float(match.group(1))
        if not 0 < value < 100:
            raise ValueError(error)
        return "top", value
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:x|\*|×)?\s*(?:the\s+)?mean", text)
    if match:
        value = float(match.group(1))
        if value <= 0:
            raise ValueError(error)
        return "mean", value
    raise ValueError(error)


def threshold_density(density: np.ndarray, mask: np.ndarray, kind: str, value: float) -> tuple[float, str]:
    """The density cut-off for hot spots (incidents per km2) and a sentence saying how.

    ``top``: the density of the cell at the ``value`` percentile of area, so that the
    cells at or above it make up ``value``% of the cells in the area (ties included).
    ``mean``: ``value`` times the mean density of the cells in the area (Chainey's
    multiple of the mean). ``density``: ``value`` as given. Cells with zero density are
    never hot spots.
    """
    inside = density[mask]
    if kind == "density":
        return value, f"given: cells with density at least {value:,.0f} incidents/km2"
    if kind == "mean":
        mean = float(inside.mean()) if inside.size else 0.0
        cut = value * mean
        text = f"{value:g} x the mean cell density of {mean:,.1f} incidents/km2 (Chainey): "
        text += f"at least {cut:,.0f} incidents/km2"
        return cut, text
    k = max(int(round(value / 100 * inside.size)), 1) if inside.size else 0
    if k == 0:
        return math.inf, "no cells in the area"
    cut = float(np.partition(inside, inside.size - k)[inside.size - k])
    if cut <= 0:
        # Fewer cells than asked have any density (a sparse week): every cell with density is hot,
        # and the cut-off is the smallest density there, not a meaningless 0.
        positive = inside[inside > 0]
        if positive.size == 0:
            return math.inf, f"top {value:g}% of the area: no cell has any density"
        cut = float(positive.min())
        share = positive.size / inside.size
        return cut, (f"top {value:g}% of the area asked, but only {share:.1%} of the cells ({positive.size:,} of "
                     f"{inside.size:,}) have any density: all of them are hot spots (at least "
                     f"{_fmt(cut)} incidents/km2)")
    text = f"top {value:g}% of the area: cells with density at least {_fmt(cut)} incidents/km2 "
    text += f"({k:,} of {inside.size:,} cells)"
    return cut, text


def _fmt(value: float) -> str:
    """A density for a sentence: whole numbers when large, three significant figures when small."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


# --------------------------------------------------------------------------------------
# Hot spot polygons
# --------------------------------------------------------------------------------------

HOTSPOT_COLUMNS = ["hotspot", "incidents", "share", "area_m2", "area_km2", "peak_density", "mean_density"]


def hotspot_polygons(
    grid: Grid,
    hot: np.ndarray,
    density: np.ndarray,
    counts: np.ndarray,
    boundary: shapely.Geometry | None,
    weight_sums: np.ndarray | None = None,
):
    """Dissolve hot cells into polygons (edge-connected cells form one hot spot).

    Returns a GeoDataFrame (EPSG:27700), largest first by incidents, with ``hotspot``
    (1 = most incidents), ``incidents`` in its cells, ``share`` of the incidents in the
    area (``counts.sum()``), ``area_m2``/``area_km2`` (clipped to the boundary),
    ``peak_density`` and ``mean_density``; plus ``weight`` and ``weight_share`` when
    ``weight_sums`` is given.
    """
    import geopandas as gpd

    columns = HOTSPOT_COLUMNS + (["weight", "weight_share"] if weight_sums is not None else [])
    labels, n = ndimage.label(hot)
    if n == 0:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=CRS)
    rows, cols = np.nonzero(labels)
    lab = labels[rows, cols]
    order = np.argsort(lab, kind="stable")
    rows, cols, lab = rows[order], cols[order], lab[order]
    boxes = cell_boxes(grid, rows, cols)
    starts = np.searchsorted(lab, np.arange(1, n + 1))
    polygons = [shapely.coverage_union_all(part) for part in np.split(boxes, starts[1:])]
    polygons = np.array(polygons, dtype=object)
    if boundary is not None:
        polygons = shapely.intersection(polygons, boundary)
    flat = labels.ravel()
    incidents = np.bincount(flat, weights=counts.ravel(), minlength=n + 1)[1:]
    cells_per = np.bincount(flat, minlength=n + 1)[1:]
    mean_density = np.bincount(flat, weights=density.ravel(), minlength=n + 1)[1:] / cells_per
    peak = ndimage.maximum(density, labels, np.arange(1, n + 1))
    total = counts.sum()
    area = shapely.area(polygons)
    data = {
        "incidents": np.round(incidents).astype(np.int64),
        "share": incidents / total if total > 0 else np.zeros(n),
        "area_m2": area,
        "area_km2": area / 1e6,
        "peak_density": np.asarray(peak, dtype=float),
        "mean_density": mean_density,
    }
    if weight_sums is not None:
        wsum = np.bincount(flat, weights=weight_sums.ravel(), minlength=n + 1)[1:]
        wtotal = weight_sums.sum()
        data["weight"] = wsum
        data["weight_share"] = wsum / wtotal if wtotal > 0 else np.zeros(n)
    frame = gpd.GeoDataFrame(data, geometry=polygons, crs=CRS)
    frame = frame.sort_values(["incidents", "peak_density"], ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "hotspot", np.arange(1, n + 1))
    return frame


# --------------------------------------------------------------------------------------
# The verb
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class KDEResult(GridResult):
    """A kernel density map, its hot spots and the parameters behind them.

    Attributes
    ----------
    grid : Grid
        The output grid (``grid.transform``/``grid.extent`` place ``density`` on a map).
    density : ndarray ``(ny, nx)``
        Incidents per km2 at cell centres, row 0 north; NaN outside the area, so it
        renders transparent as a PNG overlay.
    mask : ndarray of bool
        Cells in the area (intersecting the boundary; all cells without one).
    hot : ndarray of bool
        Cells at or above the threshold.
    counts : ndarray
        Incidents in each cell of the area (0 outside).
    hotspots : GeoDataFrame
        Hot spot polygons (see :func:`hotspot_polygons`).
    parameters : dict of str to Parameter
        kernel, bandwidth, cell_size, snapped and threshold, each with its reason.
    warnings : tuple of str
        Anything the analyst should know before trusting the map.
    threshold_density : float
        The density cut-off of the hot spots (incidents per km2).
    """

    grid: Grid
    density: np.ndarray
    mask: np.ndarray
    hot: np.ndarray
    counts: np.ndarray
    hotspots: Any
    parameters: dict[str, Parameter]
    warnings: tuple[str, ...]
    threshold_density: float
    incidents: int = 0
    weight_sums: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def cells(self):
        """GeoDataFrame of the cells in the area: ``count``, ``density``, ``hotspot``."""
        columns = {"count": self.counts.astype(np.int64), "density": self.density, "hotspot": self.hot}
        if self.weight_sums is not None:
            columns["weight"] = self.weight_sums
        return cells_frame(self.grid, self.mask, columns)

    def summary(self) -> str:
        """One line: how much of the area the hot spots cover and what share they hold."""
        n_hot = len(self.hotspots)
        if n_hot == 0:
            return f"no hot spots ({self.incidents:,} incidents in the area)"
        area_share = self.hot.sum() / max(self.mask.sum(), 1)
        share = float(self.hotspots["share"].sum())
        m2 = float(self.hotspots["area_m2"].sum())
        size = f"{m2 / 1e6:,.2f} km2" if m2 >= 1e5 else f"{m2:,.0f} m2"
        verb = "covers" if n_hot == 1 else "cover"
        hold = "holds" if n_hot == 1 else "hold"
        return (
            f"{n_hot} hot spot{'s' if n_hot > 1 else ''} {verb} {area_share:.1%} of the area "
            f"({size}) and {hold} {share:.0%} of the {self.incidents:,} incidents"
        )


def hotspot_kde(
    points: Any,
    *,
    weights: Any = None,
    boundary: Any = None,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    kernel: str = "quartic",
    threshold: Any = DEFAULT_THRESHOLD,
    snapped: bool | None = None,
    polygons: bool = True,
) -> KDEResult:
    """Kernel density of incidents, in incidents per km2, with hot spot polygons.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries, (n, 2) array or (x, y) pair
        Incident positions in EPSG:27700 metres.
    weights : array or column name, optional
        A weight per incident (e.g. a harm score). The surface then integrates to the
        sum of the weights and hot spots report their share of it too.
    boundary : shapely (Multi)Polygon or GeoDataFrame, optional
        Area to map (EPSG:27700): the borough or a focus area. The grid covers it and
        cells that do not intersect it are left out. Without it the map covers the
        incidents' extent plus the kernel's reach.
    cell_size : float, optional
        Metres. Default :func:`hotspots.grid.choose_cell_size`: about 100,000 cells
        (25 m over Dartford; finer over a focus area), at most a quarter of the
        bandwidth.
    bandwidth : float, optional
        Quartic radius or Gaussian standard deviation, metres. Default
        :func:`choose_bandwidth`: Silverman's rule as in ArcGIS Pro, with a floor of
        150 m for police.uk snap points (50 m for exact positions).
    kernel : {"quartic", "gaussian"}
        Quartic (biweight) by default, as CrimeStat, QGIS and ArcGIS.
    threshold : str or float
        Hot spots: ``"top 5%"`` of the area (default), ``"2x mean"`` (a multiple of the
        mean cell density, after Chainey) or a density in incidents per km2.
    snapped : bool, optional
        True for police.uk snap-point data (sets the bandwidth floor). Default:
        detected, true when at least half the incidents share a position.
    polygons : bool, default True
        False skips dissolving the hot cells into polygons (``.hotspots`` is then
        empty; ``.hot`` still marks the cells): a back-test scoring many maps needs
        only the cells.

    Returns
    -------
    KDEResult
        ``.cells`` (GeoDataFrame: ``count``, ``density``, ``hotspot``), ``.hotspots``
        (polygons with ``incidents``, ``share``, ``area_km2``), ``.parameters``,
        ``.warnings``, and ``.density`` with ``.transform``/``.extent`` for a raster.

    Raises
    ------
    ValueError
        For invalid arguments (each message names the argument), or when there are no
        incidents and no boundary to map.

    Notes
    -----
    Incidents are shared between the four nearest cell centres (linear binning) and
    convolved with the kernel by FFT (:func:`kde_surface`); the density at a cell
    centre differs from the exact kernel sum by well under 1% of the peak. The kernel
    is normalised so the surface integrates to the number of incidents, so away from
    the edges ``density.sum() * cell_km2`` equals the count. Incidents outside the
    boundary but within the bandwidth of it add to the density near the edge (as they
    should: the density is a property of the place), but not to counts and shares.

    The map can mislead: the density depends strongly on the bandwidth; hot spots at
    the boundary are cut by it (incidents beyond it are usually missing from the data);
    and police.uk positions are snap points, so detail finer than about 150 m is an
    artefact of anonymisation.

    References
    ----------
    Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis.
    Chainey, S., Tompson, L. and Uhlig, S. (2008) The utility of hotspot mapping for
    predicting spatial patterns of crime. Security Journal 21, 4-28.
    Wand, M. P. (1994) Fast computation of multivariate kernel estimators. JCGS 3(4).
    """
    # 1. Check inputs.
    pts = as_points(points, weights)
    area = as_boundary(boundary)
    if kernel not in KERNELS:
        raise ValueError(f"`kernel` must be one of {', '.join(repr(k) for k in KERNELS)}; got {kernel!r}")
    kind, level = parse_threshold(threshold)
    if cell_size is not None:
        cell_size = check_positive(cell_size, "cell_size")
    if bandwidth is not None:
        bandwidth = check_positive(bandwidth, "bandwidth")
    if snapped is not None and not isinstance(snapped, (bool, np.bool_)):
        raise ValueError(f"`snapped` must be True, False or None; got {snapped!r}")
    if len(pts) == 0 and area is None:
        raise ValueError("`points` is empty and no `boundary` was given: there is nothing to map")
    warnings: list[str] = []
    if pts.dropped:
        warnings.append(f"{pts.dropped:,} incident(s) without a position were left out")

    # 2. Choose parameters (from the incidents in the boundary's extent).
    rule_pts = pts
    if area is not None and len(pts):
        xmin, ymin, xmax, ymax = area.bounds
        rule_pts = pts.subset((pts.x >= xmin) & (pts.x <= xmax) & (pts.y >= ymin) & (pts.y <= ymax))
    stack = stacking(rule_pts.x, rule_pts.y)
    if snapped is None:
        is_snapped = stack.snapped
        snap_choice = chosen("snapped", bool(is_snapped), "", f"detected: {stack}")
    else:
        is_snapped = bool(snapped)
        snap_choice = given("snapped", is_snapped)
    if kernel == "quartic":
        kernel_choice = chosen("kernel", kernel, "", "the default, as CrimeStat, QGIS and ArcGIS")
    else:
        kernel_choice = given("kernel", kernel)
    if bandwidth is None:
        bw_choice = choose_bandwidth(rule_pts, stack, is_snapped, kernel)
    else:
        bw_choice = given("bandwidth", bandwidth, "m")
    h = float(bw_choice.value)
    radius = h if kernel == "quartic" else h * math.sqrt(8)  # quartic-equivalent radius
    reach = kernel_radius(h, kernel)
    if cell_size is None:
        if area is not None:
            mapped_m2 = area.area
        else:
            mapped_m2 = (np.ptp(pts.x) + 2 * reach) * (np.ptp(pts.y) + 2 * reach)
        cell_choice = choose_cell_size(
            mapped_m2,
            at_most=radius / 4,
            why_at_most=f"at most a quarter of the {radius:,.0f} m kernel radius, so the kernel spans several cells",
        )
    else:
        cell_choice = given("cell_size", cell_size, "m")
    c = float(cell_choice.value)

    # 3. Build the grid and estimate.
    grid = grid_for(c, boundary=area, points=pts, margin=0.0 if area is not None else reach)
    mask = cell_mask(grid, area)
    density = kde_surface(grid, pts.x, pts.y, pts.weights, bandwidth=h, kernel=kernel)
    counts = bin_points(grid, pts.x, pts.y) * mask
    weight_sums = None if pts.weights is None else bin_points(grid, pts.x, pts.y, pts.weights) * mask
    n_in = int(round(counts.sum()))

    # 4. Hot spots.
    cut, cut_text = threshold_density(density, mask, kind, level)
    hot = mask & (density >= cut) & (density > 0)
    hotspots = hotspot_polygons(grid, hot if polygons else np.zeros_like(hot), density, counts, area, weight_sums)
    if threshold == DEFAULT_THRESHOLD:
        reason = f"the default, the share the accuracy back-test scores; {cut_text}"
        threshold_choice = chosen("threshold", threshold, "", reason)
    elif kind == "density":
        threshold_choice = Parameter("threshold", float(level), "incidents/km2", cut_text, False)
    else:
        threshold_choice = Parameter("threshold", threshold, "", cut_text, False)

    # 5. Warnings and result.
    if len(pts) and n_in < len(pts):
        outside = len(pts) - n_in
        warnings.append(
            f"{outside:,} of {len(pts):,} incidents lie outside the area's cells: those within {reach:,.0f} m "
            "of its edge add to the density there, but none count in cells or hot spot shares"
        )
    if n_in == 0:
        warnings.append("no incidents in the area: the density is zero everywhere and there are no hot spots")
    elif n_in < 20:
        warnings.append(f"only {n_in} incident(s): the map shows where they are, not a pattern")
    if h < c:
        warnings.append(
            f"bandwidth {h:,.0f} m is smaller than the {c:,.0f} m cells: the map is close to a count per cell; "
            "use a bandwidth of at least twice the cell size"
        )
    if bandwidth is not None and is_snapped:
        floor, _ = bandwidth_floor(stack, True)
        if radius < floor:
            warnings.append(
                f"bandwidth {h:,.0f} m is below the {floor:,.0f} m floor for police.uk snap points: "
                "peaks may mark snap points rather than concentrations of crime"
            )
    parameters = {p.name: p for p in (kernel_choice, bw_choice, cell_choice, snap_choice, threshold_choice)}
    density = np.where(mask, density, np.nan)
    return KDEResult(
        grid=grid,
        density=density,
        mask=mask,
        hot=hot,
        counts=counts,
        hotspots=hotspots,
        parameters=parameters,
        warnings=tuple(warnings),
        threshold_density=cut,
        incidents=n_in,
        weight_sums=weight_sums,
    )
