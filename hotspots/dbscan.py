"""Cluster incidents with DBSCAN (or HDBSCAN) and describe each cluster as a polygon.

police.uk places many incidents on one anonymised snap point. Clustering the raw
points makes every stack a dense blob and costs memory quadratic in the stack sizes
(1,000,000 raw points exhaust 18 GB). Here the incidents are collapsed to their
distinct positions with a count each, and the counts are passed to scikit-learn's
DBSCAN as ``sample_weight``: the core points, and so the clusters, are the same as on
the raw points, in a second and a few hundred MB.

The verb :func:`hotspot_dbscan` reads its inputs, stacks them, chooses what was left
out (:func:`suggest_min_samples`, :func:`suggest_eps`), clusters, and describes each
cluster (:func:`weekly_profile` for its day-of-week by hour profile).
"""

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN, HDBSCAN

from hotspots.grid import CRS
from hotspots.params import Parameter, chosen, given

#: min_samples rule: a core point must have ``DENSITY_FACTOR`` times the incidents an
#: even spread over the study area would put within ``REFERENCE_RADIUS_M``, and never
#: fewer than ``MIN_SAMPLES_FLOOR``.
MIN_SAMPLES_FLOOR = 5
DENSITY_FACTOR = 2.0
REFERENCE_RADIUS_M = 100.0

#: Study areas smaller than this (a single place, a line of points) count as this.
AREA_FLOOR_M2 = 1e6

#: eps used when the k-distance curve cannot give one (fewer than 3 usable positions).
FALLBACK_EPS_M = 100.0

#: The k-distance curve is computed on at most this many neighbour entries
#: (positions x k); larger inputs use a seeded sample of positions.
CURVE_BUDGET = 5_000_000

#: HDBSCAN has no sample_weight: positions are repeated, at most this many rows in all.
HDBSCAN_MAX_ROWS = 20_000

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

CLUSTER_COLUMNS = [
    "cluster", "count", "share", "positions", "area_m2", "first", "last",
    "main_categories", "timed", "untimed",
]


@dataclass
class Stack:
    """Incidents collapsed to distinct positions.

    ``positions[inverse[i]]`` is the position of incident ``i``; ``counts[j]`` is the
    number of incidents at ``positions[j]``.
    """

    positions: np.ndarray  # (m, 2) float
    counts: np.ndarray  # (m,) int
    inverse: np.ndarray  # (n,) int


@dataclass
class DbscanResult:
    """What :func:`hotspot_dbscan` returns.

    Attributes
    ----------
    clusters : GeoDataFrame
        One polygon per cluster (EPSG:27700), ``cluster`` 1 = most incidents, with
        ``count``, ``share`` of all incidents, ``positions`` (distinct positions),
        ``area_m2``, ``first`` and ``last`` occurred_at, ``main_categories`` (top 3
        with counts), ``timed`` (incidents in the profile) and ``untimed`` (left out
        of it: month or day precision, or no time).
    labels : ndarray of int
        Per input incident: 0 = noise, 1.. = its cluster.
    parameters : dict of str to Parameter
        Every parameter used, with its value and why.
    warnings : list of str
        Things an analyst should know about this result.
    noise : int
        Incidents in no cluster.
    n_incidents : int
        Incidents clustered.
    profiles : dict of int to DataFrame
        Per cluster, incidents by day of week (rows Mon..Sun) and hour (columns
        0..23), from minute-precision rows only.
    """

    clusters: gpd.GeoDataFrame
    labels: np.ndarray
    parameters: dict[str, Parameter]
    warnings: list[str] = field(default_factory=list)
    noise: int = 0
    n_incidents: int = 0
    profiles: dict[int, pd.DataFrame] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines an app or the command line can print."""
        lines = [
            f"{len(self.clusters)} clusters holding {self.n_incidents - self.noise} of "
            f"{self.n_incidents} incidents; {self.noise} noise"
        ]
        lines += [str(p) for p in self.parameters.values()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def hotspot_dbscan(
    points,
    *,
    eps: float | None = None,
    min_samples: int | None = None,
    method: str = "dbscan",
    min_cluster_size: int | None = None,
    times=None,
    precision=None,
    categories=None,
    area=None,
    buffer: float | None = None,
    hdbscan_max_rows: int = HDBSCAN_MAX_ROWS,
    seed: int = 0,
) -> DbscanResult:
    """Density-based clusters of incidents, as polygons with their profile.

    Parameters
    ----------
    points : array-like of shape (n, 2), DataFrame or GeoDataFrame
        Incident positions in EPSG:27700 metres: an array of (easting, northing), a
        frame with ``easting`` and ``northing`` columns, or a GeoDataFrame of points.
        A frame may also carry ``occurred_at``, ``date_precision`` and ``category``.
    eps : float, optional
        Neighbourhood radius in metres. Default: the knee of the k-distance curve,
        capped where core points stop being denser than the area average
        (:func:`suggest_eps`). With ``method="hdbscan"`` it is passed as
        ``cluster_selection_epsilon`` (0 when not given).
    min_samples : int, optional
        Incidents within ``eps`` (the point itself included) for a core point.
        Default: :func:`suggest_min_samples` from the number of incidents and the area.
    method : {"dbscan", "hdbscan"}
        ``"hdbscan"`` finds clusters of varying density (Campello et al. 2013).
    min_cluster_size : int, optional
        HDBSCAN only: fewest incidents in a cluster. Default: ``min_samples``.
    times : array-like of datetime64, optional
        When each incident occurred; default ``points["occurred_at"]`` if present.
    precision : str or array-like of str, optional
        ``"month"``, ``"day"`` or ``"minute"``, for all rows or per row; default
        ``points["date_precision"]``, else inferred from the times (with a warning).
    categories : array-like of str, optional
        Category of each incident; default ``points["category"]`` if present.
    area : float or shapely geometry, optional
        Study area in square metres (or a polygon whose area is used) for the
        min_samples rule. Default: the convex hull of the distinct positions.
    buffer : float, optional
        Metres added around each cluster's convex hull. Default ``eps / 2``.
    hdbscan_max_rows : int
        HDBSCAN only: most rows passed to scikit-learn (see Notes).
    seed : int
        Seed for the sample of positions used by the k-distance curve on large inputs.

    Returns
    -------
    DbscanResult

    Notes
    -----
    DBSCAN (Ester et al. 1996) runs on the m distinct positions with their counts as
    ``sample_weight``: a position is core when the incidents within ``eps`` number at
    least ``min_samples``, exactly as for the raw points, so the clusters are the
    same. Memory is that of the m positions' neighbourhoods, not the n incidents'.
    A border position within ``eps`` of two clusters joins the one reached first, as
    in scikit-learn.

    A cluster no denser than the study area as a whole is named in the warnings:
    HDBSCAN in particular can gather a scattered background into large clusters.

    scikit-learn's HDBSCAN has no ``sample_weight``. Each distinct position is
    repeated ``min(count, cap)`` times with ``cap = max(min_samples,
    min_cluster_size)``: core distances and the minimum cluster size are then exact
    (a stack of ``cap`` is already core and big enough on its own), while cluster
    stability under-weights stacks above the cap. When that needs more than
    ``hdbscan_max_rows`` rows, counts and both thresholds are scaled down by the same
    factor (stated in the warnings); HDBSCAN is slow above ~20,000 rows.

    References
    ----------
    Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996) A density-based algorithm
    for discovering clusters in large spatial databases with noise. KDD-96, 226-231.
    Campello, R. J. G. B., Moulavi, D. and Sander, J. (2013) Density-based clustering
    based on hierarchical density estimates. PAKDD 2013, 160-172.
    Satopää, V., Albrecht, J., Irwin, D. and Raghavan, B. (2011) Finding a "kneedle" in
    a haystack. ICDCS Workshops, 166-171.

    Examples
    --------
    >>> result = hotspot_dbscan(incidents)                     # doctest: +SKIP
    >>> print(result.summary())                                # doctest: +SKIP
    >>> result.clusters.to_file("clusters.geojson")            # doctest: +SKIP
    """
    # 1. check inputs
    if method not in ("dbscan", "hdbscan"):
        raise ValueError(f'method must be "dbscan" or "hdbscan", not {method!r}')
    eps = _check_positive_number("eps", eps)
    buffer = _check_positive_number("buffer", buffer)
    min_samples = _check_count("min_samples", min_samples)
    min_cluster_size = _check_count("min_cluster_size", min_cluster_size)
    if min_cluster_size is not None and method != "hdbscan":
        raise ValueError('min_cluster_size is for method="hdbscan" only; DBSCAN has no minimum cluster size')
    xy, times, precision, categories, warnings = read_points(points, times, precision, categories)
    n = len(xy)

    # 2. stack incidents on distinct positions
    stack = stack_positions(xy)
    params: dict[str, Parameter] = {
        "method": chosen("method", method, "", "the default: DBSCAN with stacked incidents as weights; "
                         "hdbscan is the option for clusters of varying density")
        if method == "dbscan" else given("method", method)
    }
    if n == 0:
        warnings.append("no incidents: nothing to cluster")
        return _result(stack, np.zeros(0, np.int64), params, warnings, times, precision, categories, 0.0)

    # 3. choose what was left out
    params["area"] = study_area(stack.positions, area)
    params["min_samples"] = (
        given("min_samples", min_samples, "incidents") if min_samples is not None
        else suggest_min_samples(n, params["area"].value)
    )
    min_samples = params["min_samples"].value
    if n < min_samples:
        warnings.append(
            f"only {n} incidents, fewer than min_samples = {min_samples}: no cluster is possible, all are noise"
        )
    if method == "dbscan":
        position_labels = _run_dbscan(stack, eps, params, warnings, seed)
    else:
        position_labels = _run_hdbscan(stack, eps, min_cluster_size, hdbscan_max_rows, params, warnings, seed)
    if buffer is not None:
        params["buffer"] = given("buffer", buffer, "m")

    # 4. order clusters by size and describe them
    position_labels = order_by_size(position_labels, stack.counts)
    return _result(stack, position_labels, params, warnings, times, precision, categories, params["buffer"].value)


# ----------------------------------------------------------------------------- inputs


def read_points(points, times=None, precision=None, categories=None):
    """Positions, times, precisions and categories from any accepted ``points``.

    Returns ``(xy, times, precision, categories, warnings)``: ``xy`` an (n, 2) float
    array, ``times`` a DatetimeIndex or None, ``precision`` an array of str or None,
    ``categories`` an array of object or None.
    """
    warnings: list[str] = []
    frame = None
    if isinstance(points, gpd.GeoDataFrame):
        if points.crs is not None and points.crs.to_epsg() != 27700:
            raise ValueError(
                f"points must be in EPSG:27700 (British National Grid metres), not {points.crs}; "
                "use points.to_crs(27700)"
            )
        frame = points
        if {"easting", "northing"} <= set(points.columns):
            xy = points[["easting", "northing"]].to_numpy(dtype=float)
        else:
            geom = points.geometry
            if len(geom) and not (geom.geom_type == "Point").all():
                raise ValueError("points must be a GeoDataFrame of Point geometries")
            xy = np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)]) if len(geom) else np.zeros((0, 2))
    elif isinstance(points, pd.DataFrame):
        if not {"easting", "northing"} <= set(points.columns):
            raise ValueError(
                f"points must have columns easting and northing (EPSG:27700 metres); it has {list(points.columns)}"
            )
        frame = points
        xy = points[["easting", "northing"]].to_numpy(dtype=float)
    else:
        try:
            xy = np.asarray(points, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError("points must be an (n, 2) array of easting, northing or a DataFrame") from exc
        if xy.size == 0:
            xy = xy.reshape(0, 2)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"points must be an (n, 2) array of easting, northing; got shape {xy.shape}")
    n = len(xy)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise ValueError(
            f"points must have finite easting and northing; {int(bad.sum())} of {n} rows do not "
            "(leave out incidents without a position first)"
        )
    if n and np.abs(xy[:, 0]).max() <= 180 and np.abs(xy[:, 1]).max() <= 90:
        # Clustered, binned or banded in metres, degrees give nonsense rather than an error.
        raise ValueError(
            "points look like longitude/latitude degrees; they must be EPSG:27700 (British National Grid) metres"
        )

    if times is None and frame is not None and "occurred_at" in frame.columns:
        times = frame["occurred_at"]
    if precision is None and frame is not None and "date_precision" in frame.columns:
        precision = frame["date_precision"]
    if categories is None and frame is not None and "category" in frame.columns:
        categories = frame["category"]

    if times is not None:
        try:
            times = pd.DatetimeIndex(pd.to_datetime(np.asarray(times)))
        except (TypeError, ValueError) as exc:
            raise ValueError("times must be datetimes (datetime64), one per incident") from exc
        if len(times) != n:
            raise ValueError(f"times must have one value per incident: {len(times)} times for {n} points")
        if precision is None:
            precision = infer_precision(times)
            if n:
                kinds = ", ".join(f"{k}: {v}" for k, v in pd.Series(precision).value_counts().items())
                warnings.append(
                    f"date_precision not given; inferred from the times ({kinds}). "
                    "Pass precision= to be sure"
                )
    if precision is not None:
        if isinstance(precision, str):
            precision = np.full(n, precision, dtype=object)
        precision = np.asarray(precision, dtype=object)
        if len(precision) != n:
            raise ValueError(f"precision must have one value per incident: {len(precision)} for {n} points")
        unknown = set(pd.unique(precision)) - {"month", "day", "minute", None}
        if unknown:
            raise ValueError(f'precision must be "month", "day" or "minute"; found {sorted(map(str, unknown))}')
    if categories is not None:
        categories = np.asarray(categories, dtype=object)
        if len(categories) != n:
            raise ValueError(f"categories must have one value per incident: {len(categories)} for {n} points")
    return xy, times, precision, categories, warnings


def infer_precision(times: pd.DatetimeIndex) -> np.ndarray:
    """Guess each row's date precision when it was not recorded.

    All times on the 1st of a month at midnight: ``"month"`` (police.uk); all at
    midnight: ``"day"``; otherwise ``"minute"`` for the rows with a time of day. In
    such a mix a row at exactly midnight is not trusted with an hour: ``"month"`` when
    every midnight row is on the 1st (police.uk rows among exact ones), else
    ``"day"``. Missing times get ``None``.
    """
    out = np.full(len(times), None, dtype=object)
    ok = np.asarray(~times.isna())
    if not ok.any():
        return out
    t = times[ok]
    midnight = np.asarray((t.hour == 0) & (t.minute == 0) & (t.second == 0))
    first = np.asarray(t.day == 1)
    # Guessing too coarse only leaves a row out of an hour or weekday filter; guessing
    # too fine would invent its hour (and, for a month, its day).
    coarse = "month" if first[midnight].all() else "day"
    out[np.flatnonzero(ok)] = np.where(midnight, coarse, "minute")
    return out


def stack_positions(xy: np.ndarray) -> Stack:
    """Collapse incidents to distinct positions with counts (exact coordinate equality).

    A lexicographic sort, O(n log n): 0.2 s for 1,000,000 points.
    """
    n = len(xy)
    if n == 0:
        return Stack(np.zeros((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64))
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    s = xy[order]
    new = np.empty(n, bool)
    new[0] = True
    new[1:] = (s[1:] != s[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(n, np.int64)
    inverse[order] = group
    return Stack(s[new], np.bincount(group), inverse)


# ------------------------------------------------------------------ chosen parameters


def study_area(positions: np.ndarray, area=None) -> Parameter:
    """The study area in square metres: given, or the convex hull of the positions.

    The hull is floored at ``AREA_FLOOR_M2`` (1 km2), so that one place, a line of
    places or a small focus area does not make :func:`suggest_min_samples` ask for
    more incidents than there are.
    """
    floor = AREA_FLOOR_M2
    if area is not None:
        value = float(area.area) if hasattr(area, "area") else area
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
            raise ValueError(f"area must be a positive number of square metres or a polygon, not {area!r}")
        return given("area", float(value), "m2")
    hull = shapely.MultiPoint(positions).convex_hull.area if len(positions) else 0.0
    if hull >= floor:
        return chosen("area", float(hull), "m2", f"convex hull of the {len(positions)} distinct positions")
    return chosen(
        "area", floor, "m2",
        f"convex hull of the positions ({hull:.0f} m2) is below the floor of {floor / 1e6:g} km2; the floor is used",
    )


def suggest_min_samples(n_incidents: int, area_m2: float) -> Parameter:
    """min_samples scaled to the number of incidents and the study area.

    ``max(MIN_SAMPLES_FLOOR, ceil(DENSITY_FACTOR * n * pi * r**2 / area))`` with
    ``r = REFERENCE_RADIUS_M``: a core point needs twice the incidents an even spread
    would put within 100 m. For Dartford (about 72 km2) that is 10 for 12,000
    incidents and 88 for 100,000. The floor of 5 follows the rule of thumb of at
    least dimension + 1 (Ester et al. 1996; Sander et al. 1998), with a margin.
    """
    expected = n_incidents * math.pi * REFERENCE_RADIUS_M**2 / area_m2
    value = max(MIN_SAMPLES_FLOOR, math.ceil(DENSITY_FACTOR * expected))
    return chosen(
        "min_samples", int(value), "incidents",
        f"max({MIN_SAMPLES_FLOOR}, {DENSITY_FACTOR:g} x {expected:.1f} incidents an even spread of "
        f"{n_incidents} over {area_m2 / 1e6:.2f} km2 puts within {REFERENCE_RADIUS_M:g} m)",
    )


def suggest_min_cluster_size(n_incidents: int, min_samples: int) -> Parameter:
    """HDBSCAN's min_cluster_size: ``max(min_samples, ceil(sqrt(n)))``.

    HDBSCAN with a small minimum cluster size splits scattered incidents into many
    small clusters; the square root of the number of incidents keeps a borough-wide
    map to tens of clusters (110 for 12,000 incidents, 317 for 100,000).
    """
    root = math.ceil(math.sqrt(n_incidents))
    value = max(min_samples, root)
    return chosen(
        "min_cluster_size", int(value), "incidents",
        f"max(min_samples = {min_samples}, ceil(sqrt({n_incidents} incidents)) = {root})",
    )


def k_distance_curve(
    positions: np.ndarray, counts: np.ndarray, min_samples: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, int]:
    """The k-distance curve of the incidents, computed on their distinct positions.

    The k-distance (core distance) of a position is the smallest radius within which
    the incidents, its own stack included, reach ``min_samples``: 0 for a stack of
    ``min_samples`` or more. Every incident at a position has that position's
    k-distance, so the distances sorted and each taken ``count`` times are the sorted
    k-distance graph of the raw points (Ester et al. 1996), from m positions instead
    of n points. Positions that cannot reach ``min_samples`` at any radius are left
    out. Above ``CURVE_BUDGET`` neighbour entries a seeded sample of positions is used.

    Returns the sorted distances, the incident count of each, and the number of
    positions they came from.
    """
    m = len(positions)
    if m == 0 or counts.sum() < min_samples:
        return np.zeros(0), np.zeros(0, np.int64), 0
    k = int(min(min_samples, m))
    sample = np.arange(m)
    if m * k > CURVE_BUDGET:
        size = max(1000, CURVE_BUDGET // k)
        sample = np.sort(np.random.default_rng(seed).choice(m, size=min(size, m), replace=False))
    tree = cKDTree(positions)
    dist, idx = tree.query(positions[sample], k=k, workers=-1)
    dist, idx = dist.reshape(len(sample), k), idx.reshape(len(sample), k)
    reach = np.cumsum(counts[idx], axis=1) >= min_samples
    core = dist[np.arange(len(sample)), reach.argmax(axis=1)]
    ok = reach.any(axis=1)
    order = np.argsort(core[ok], kind="stable")
    return core[ok][order], counts[sample][ok][order], len(sample)


def knee(y: np.ndarray, weights: np.ndarray | None = None) -> int:
    """Index of the knee of an ascending curve (Kneedle, Satopää et al. 2011).

    Both axes are scaled to [0, 1]; the knee is where the curve lies furthest below
    the straight line from its first to its last point (maximum of ``x - y``), which
    for a convex curve is its point of maximum curvature relative to the chord. With
    ``weights``, point i spans ``weights[i]`` on the x axis (x at the middle of its
    span), as if it were repeated that many times.
    """
    if len(y) < 3 or y[-1] == y[0]:
        return len(y) - 1
    if weights is None:
        x = np.linspace(0.0, 1.0, len(y))
    else:
        x = np.cumsum(weights) - np.asarray(weights) / 2
        x = (x - x[0]) / (x[-1] - x[0])
    yn = (y - y[0]) / (y[-1] - y[0])
    return int(np.argmax(x - yn))


def density_cap(n_incidents: int, area_m2: float, min_samples: int) -> float:
    """The largest eps at which a core point is still ``DENSITY_FACTOR`` times as dense
    as an even spread of the incidents over the study area.

    ``sqrt(min_samples * area / (DENSITY_FACTOR * pi * n))``: about
    ``REFERENCE_RADIUS_M`` whenever :func:`suggest_min_samples` is above its floor.
    """
    return math.sqrt(min_samples * area_m2 / (DENSITY_FACTOR * math.pi * n_incidents))


def suggest_eps(
    positions: np.ndarray, counts: np.ndarray, min_samples: int, area_m2: float, *, seed: int = 0
) -> Parameter:
    """eps at the knee of the k-distance curve (k = min_samples), capped by density.

    The curve is :func:`k_distance_curve` (the raw points' sorted k-distance graph,
    computed on distinct positions weighted by their counts); its knee (:func:`knee`)
    separates incidents in dense places, whose k-distance is small, from scattered
    ones. On crime data the curve often bends gently and its knee lies among the
    scattered incidents, so eps is capped at :func:`density_cap`: a core point must
    be at least ``DENSITY_FACTOR`` times as dense as the study area on average,
    otherwise clusters would be town-sized rather than hot spots. The value is
    rounded up to the metre. When the knee is at 0 m (stacks that are core on their
    own), the smallest positive distance past the knee is used; with fewer than 3
    usable positions, ``FALLBACK_EPS_M``.
    """
    curve, weights, used = k_distance_curve(positions, counts, min_samples, seed=seed)
    sampled = f" (a sample of {used} of {len(positions)} positions)" if used < len(positions) else ""
    if len(curve) < 3:
        return chosen(
            "eps", FALLBACK_EPS_M, "m",
            f"too few positions for a k-distance curve ({len(curve)} can reach min_samples = {min_samples}); "
            f"fallback {FALLBACK_EPS_M:g} m",
        )
    i = knee(curve, weights)
    value = curve[i]
    share = weights[: i + 1].sum() / weights.sum()
    reason = (
        f"knee (maximum curvature, Kneedle) of the k-distance curve, k = min_samples = {min_samples}, "
        f"over {int(weights.sum())} incidents at {len(curve)} distinct positions{sampled}: "
        f"{value:.1f} m, with {share:.0%} of incidents at or below it"
    )
    if value <= 0:
        positive = curve[i:][curve[i:] > 0]
        if len(positive) == 0:
            return chosen(
                "eps", FALLBACK_EPS_M, "m",
                f"every position holds at least min_samples = {min_samples} incidents on its own; "
                f"eps only decides which stacks merge: fallback {FALLBACK_EPS_M:g} m",
            )
        value = positive[0]
        reason += f"; that is 0 m (stacks core on their own), so the next positive distance, {value:.1f} m, is used"
    cap = density_cap(int(counts.sum()), area_m2, min_samples)
    if value > cap:
        value = cap
        reason += (
            f"; capped at {cap:.1f} m, where {min_samples} incidents are {DENSITY_FACTOR:g} times "
            "the study area's average density"
        )
    return chosen("eps", float(max(1.0, math.ceil(value))), "m", reason)


def _warn_low_density(warnings, n, area_m2, eps, min_samples):
    expected = n * math.pi * eps**2 / area_m2
    if n >= min_samples and expected > min_samples:
        warnings.append(
            f"at eps = {eps:g} m a core point needs {min_samples} incidents where an even spread puts "
            f"{expected:.0f}: clusters are not denser than the borough average and may be large; try a smaller eps"
        )


# -------------------------------------------------------------------- clustering


def _run_dbscan(stack, eps, params, warnings, seed):
    """Choose eps (and the buffer) unless given, then DBSCAN labels per distinct position."""
    n, area, min_samples = int(stack.counts.sum()), params["area"].value, params["min_samples"].value
    params["eps"] = (
        given("eps", eps, "m") if eps is not None
        else suggest_eps(stack.positions, stack.counts, min_samples, area, seed=seed)
    )
    eps = params["eps"].value
    _warn_low_density(warnings, n, area, eps, min_samples)
    params["weights"] = chosen(
        "weights", f"{n} incidents at {len(stack.counts)} distinct positions", "",
        "incident counts per distinct position passed to DBSCAN as sample_weight: "
        "the same core points and clusters as the raw points, at a fraction of the memory",
    )
    params["buffer"] = chosen("buffer", eps / 2, "m", f"half of eps ({eps:g} m)")
    return _dbscan_positions(stack, eps, min_samples)


def _run_hdbscan(stack, eps, min_cluster_size, max_rows, params, warnings, seed):
    """Choose min_cluster_size (and the buffer) unless given, then HDBSCAN labels per distinct position."""
    n, min_samples = int(stack.counts.sum()), params["min_samples"].value
    params["min_cluster_size"] = (
        given("min_cluster_size", min_cluster_size, "incidents") if min_cluster_size is not None
        else suggest_min_cluster_size(n, min_samples)
    )
    params["eps"] = (
        given("eps", eps, "m") if eps is not None
        else chosen("eps", 0.0, "m", "HDBSCAN selects clusters by stability; no cluster_selection_epsilon")
    )
    labels, params["weights"] = _hdbscan_positions(
        stack, min_samples, params["min_cluster_size"].value, params["eps"].value, max_rows, warnings
    )
    suggested = suggest_eps(stack.positions, stack.counts, min_samples, params["area"].value, seed=seed)
    params["buffer"] = chosen(
        "buffer", suggested.value / 2, "m", f"half of the eps DBSCAN would choose ({suggested.value:g} m)"
    )
    return labels


def _dbscan_positions(stack: Stack, eps: float, min_samples: int) -> np.ndarray:
    """DBSCAN labels (-1 noise) per distinct position, counts as sample_weight."""
    model = DBSCAN(eps=eps, min_samples=min_samples, algorithm="kd_tree")
    return model.fit(stack.positions, sample_weight=stack.counts).labels_


def _hdbscan_positions(stack, min_samples, min_cluster_size, selection_eps, max_rows, warnings):
    """HDBSCAN labels per distinct position, from positions repeated min(count, cap) times."""
    counts = stack.counts
    n = int(counts.sum())

    def plan(scale):
        # weights, min_samples, min_cluster_size and rows at this scale of the counts
        if scale == 1.0:
            w, ms, mcs = counts, min_samples, max(2, min_cluster_size)
        else:
            w = np.maximum(1, np.rint(counts * scale)).astype(np.int64)
            ms, mcs = max(1, round(min_samples * scale)), max(2, round(min_cluster_size * scale))
        return w, ms, mcs, int(np.minimum(w, max(ms, mcs)).sum())

    scale = 1.0
    w, ms, mcs, total = plan(scale)
    if total > max_rows:
        lo, hi = 1e-9, 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if plan(mid)[3] <= max_rows else (lo, mid)
        scale = lo
        w, ms, mcs, total = plan(scale)
        warnings.append(
            f"HDBSCAN would need {plan(1.0)[3]} rows (more than hdbscan_max_rows = {max_rows}); counts and "
            f"thresholds were scaled by {scale:.3g} (min_samples {ms}, min_cluster_size {mcs}, {total} rows), "
            'so positions with few incidents are over-weighted. Use method="dbscan" for an exact weighted result'
        )
    cap = max(ms, mcs)
    reps = np.minimum(w, cap)
    if total < max(ms, mcs):
        warnings.append(f"HDBSCAN needs at least {max(ms, mcs)} incidents; all {n} are noise")
        return np.full(len(counts), -1, np.int64), chosen("weights", "none", "", "too few incidents for HDBSCAN")
    if len(counts) == 1:
        # HDBSCAN never returns the root of its tree as a cluster: one place is one cluster
        warnings.append(f"all {n} incidents are at one position: one cluster")
        return np.zeros(1, np.int64), chosen("weights", "one position", "", "all incidents at one position")
    X = np.repeat(stack.positions, reps, axis=0)
    fitted = HDBSCAN(
        min_cluster_size=mcs, min_samples=ms, cluster_selection_epsilon=float(selection_eps), copy=True
    ).fit(X)
    first_copy = np.concatenate([[0], np.cumsum(reps)[:-1]])
    labels = np.maximum(fitted.labels_[first_copy], -1)
    reason = (
        f"HDBSCAN has no sample_weight: each distinct position repeated min(count, {cap}) times "
        f"({total} rows for {n} incidents); core distances and min_cluster_size are then exact, "
        f"stacks above {cap} are under-weighted in cluster stability"
    )
    if scale < 1.0:
        reason += f"; counts and thresholds scaled by {scale:.3g} to fit hdbscan_max_rows = {max_rows}"
    return labels, chosen("weights", f"repeated positions, cap {cap}", "", reason)


def order_by_size(position_labels: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Relabel clusters 1.. by incident count, largest first (ties: first found); noise 0."""
    out = np.zeros(len(position_labels), np.int64)
    inside = position_labels >= 0
    if not inside.any():
        return out
    ids = position_labels[inside]
    sizes = np.bincount(ids, weights=counts[inside])
    present = np.flatnonzero(sizes > 0)
    order = present[np.lexsort((present, -sizes[present]))]
    rank = np.zeros(len(sizes), np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    out[inside] = rank[ids]
    return out


# -------------------------------------------------------------------- description


def weekly_profile(times: pd.DatetimeIndex, precision: np.ndarray) -> tuple[pd.DataFrame, int]:
    """Incidents by day of week (rows Mon..Sun) and hour (columns 0..23).

    Only ``"minute"`` rows are counted: a month or day date says nothing about the
    hour (or, for a month, the weekday), so those rows are excluded, never given
    invented times. Returns the 7 x 24 table and the number of rows excluded.
    """
    timed = (precision == "minute") & ~np.asarray(times.isna())
    t = times[timed]
    table = np.bincount(t.day_of_week * 24 + t.hour, minlength=168).reshape(7, 24)
    return pd.DataFrame(table, index=list(DAYS), columns=range(24)), int(len(times) - timed.sum())


def _result(stack, position_labels, params, warnings, times, precision, categories, buffer):
    labels = position_labels[stack.inverse]
    n, k = len(labels), int(position_labels.max(initial=0))
    rows, geoms, profiles = [], [], {}
    for c in range(1, k + 1):
        members = labels == c
        count = int(members.sum())
        hull = shapely.MultiPoint(stack.positions[position_labels == c]).convex_hull.buffer(buffer)
        row = dict.fromkeys(CLUSTER_COLUMNS, "")
        row.update(
            cluster=c, count=count, share=count / n, positions=int((position_labels == c).sum()),
            area_m2=float(hull.area), first=pd.NaT, last=pd.NaT, timed=0, untimed=count,
        )
        if times is not None:
            t = times[members]
            if t.notna().any():
                row["first"], row["last"] = t.min(), t.max()
            profiles[c], row["untimed"] = weekly_profile(t, precision[members])
            row["timed"] = count - row["untimed"]
        if categories is not None:
            top = pd.Series(categories[members]).value_counts().head(3)
            row["main_categories"] = "; ".join(f"{name} ({cnt})" for name, cnt in top.items())
        rows.append(row)
        geoms.append(hull)
    clusters = gpd.GeoDataFrame(pd.DataFrame(rows, columns=CLUSTER_COLUMNS), geometry=geoms, crs=CRS)
    if times is not None and n:
        excluded = int(n - ((precision == "minute") & ~np.asarray(times.isna())).sum())
        if excluded:
            warnings.append(
                f"{excluded} of {n} incidents have month or day precision (or no time) and are left out of "
                "the day-of-week by hour profiles: their hours are not known"
            )
    if k and "area" in params:
        average = n / params["area"].value
        sparse = clusters.loc[clusters["count"] / clusters["area_m2"] <= average, "cluster"].tolist()
        if sparse:
            warnings.append(
                f"clusters {sparse} are no denser than the study area as a whole "
                f"({average * 1e6:.0f} incidents per km2): they gather scattered incidents, not a hot spot"
            )
    if n and k == 0 and n >= params["min_samples"].value:
        warnings.append("no clusters: every incident is noise at these parameters")
    return DbscanResult(clusters, labels, params, warnings, int((labels == 0).sum()), n, profiles)


def _check_positive_number(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of metres, not {value!r}")
    return float(value)


def _check_count(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of incidents, at least 1, not {value!r}")
    return int(value)
