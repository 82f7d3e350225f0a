"""How well does a hot spot map predict next week? ``backtest``.

For each of the last N weeks, a map is built from the k weeks before it and scored on
the week itself, for several methods with the same share of the area:

- ``kde``: :func:`hotspots.kde.hotspot_kde`, hot spots the top x% of the area;
- ``grid``: plain counts on a grid, the top x% of cells;
- ``gistar``: Getis-Ord Gi* on the same grid, the top x% of cells by z;
- ``gistar_bins`` (optional): Gi* cells with gi_bin >= 2 (95% hot), whatever their area.

Scores (Chainey, Tompson and Uhlig 2008; Levine 2008; Hunt 2016), for the hot area a
of a study area A, with n of the week's N incidents inside it:

- hit rate ``n / N``;
- PAI, the Predictive Accuracy Index, ``(n / N) / (a / A)``: how many times more
  incidents per km2 the hot spots held than the area as a whole;
- RRI, Levine's Recapture Rate Index, ``(n2 / n1) / (N2 / N1)``: the hot spots' count
  in the week (n2) over their count in the k weeks that drew them (n1), against the
  same ratio for the whole area. Above 1 the hot spots held a larger share of the
  week's incidents than of the weeks that made them;
- PEI, Hunt's Predictive Efficiency Index, ``PAI / PAI*``: the PAI over the highest
  PAI any hot area of the same size could have had that week, i.e. ``n / n*`` with n*
  the most incidents that the best cells of total area a held.

Example
-------
>>> result = backtest(violence, boundary=dartford, weeks=12, train_weeks=4, top=5)   # doctest: +SKIP
>>> result.table                                                                    # doctest: +SKIP
>>> result.sentence("kde")                                                          # doctest: +SKIP
"over the last 12 weeks the top 5% of this map held 31% of the next week's incidents (PAI 6.2)"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots.gistar import choose_gistar_cell_size, fdr_bh, gi_bin, gistar_z, neighbourhood, p_two_sided
from hotspots.grid import Grid, as_boundary, bin_points, cell_boxes, cell_mask, check_positive, grid_for
from hotspots.kde import hotspot_kde
from hotspots.params import Parameter, chosen, given
from hotspots.periods import (
    WEEK,
    Period,
    coverage_end,
    coverage_start,
    last_complete_period,
    periods_ending,
    read_timed,
    usable_for,
)
from hotspots.geometry import contains_xy, prepared

METHODS = ("kde", "grid", "gistar", "gistar_bins")
DEFAULT_METHODS = ("kde", "grid", "gistar")
DEFAULT_WEEKS = 12
DEFAULT_TRAIN_WEEKS = 4
DEFAULT_TOP = 5.0
WEEKLY_COLUMNS = [
    "method", "week", "week_start", "train_incidents", "train_hits", "incidents", "hits", "hit_rate",
    "area_share", "area_km2", "pai", "rri", "best_hits", "pei",
]
TABLE_COLUMNS = [
    "method", "label", "weeks", "incidents", "hits", "hit_rate", "area_share", "pai", "rri", "pei",
]


def accuracy_sentence(weeks: int, top: float, hit_rate: float, pai: float) -> str:
    """The one line a hot spot map can carry.

    >>> accuracy_sentence(12, 5, 0.31, 6.2)
    "over the last 12 weeks the top 5% of this map held 31% of the next week's incidents (PAI 6.2)"
    """
    if not (math.isfinite(hit_rate) and math.isfinite(pai)):
        return f"over the last {weeks} weeks there were no incidents to score the top {top:g}% of this map against"
    return (
        f"over the last {weeks} weeks the top {top:g}% of this map held {hit_rate:.0%} of the next week's "
        f"incidents (PAI {pai:.1f})"
    )


def pai(hits: float, incidents: float, area: float, total_area: float) -> float:
    """Predictive Accuracy Index ``(n / N) / (a / A)``; NaN when N or a is 0."""
    if incidents <= 0 or area <= 0 or total_area <= 0:
        return math.nan
    return (hits / incidents) / (area / total_area)


def rri(hits_after: float, hits_before: float, incidents_after: float, incidents_before: float) -> float:
    """Levine's Recapture Rate Index ``(n2 / n1) / (N2 / N1)``; NaN when n1, N1 or N2 is 0."""
    if hits_before <= 0 or incidents_before <= 0 or incidents_after <= 0:
        return math.nan
    return (hits_after / hits_before) / (incidents_after / incidents_before)


def pei(hits: float, best_hits: float) -> float:
    """Hunt's Predictive Efficiency Index ``PAI / PAI*`` = ``n / n*`` for the same area; NaN when n* is 0."""
    return hits / best_hits if best_hits > 0 else math.nan


# --------------------------------------------------------------------------------------
# Hot areas on a grid
# --------------------------------------------------------------------------------------


class _Areas:
    """Each in-area cell's area inside the study area (m2), cached per grid."""

    def __init__(self, area: shapely.Geometry):
        self.area = prepared(area)  # a private copy: the caller's may be shared by other threads
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        """(mask, areas) for ``grid``: areas is a ``grid.shape`` array, 0 outside the mask."""
        key = (grid.x0, grid.y0, grid.cell_size, grid.nx, grid.ny)
        if key not in self._cache:
            mask = cell_mask(grid, self.area)
            rows, cols = np.nonzero(mask)
            boxes = cell_boxes(grid, rows, cols)
            areas = np.full(rows.size, grid.cell_area_m2)
            edge = ~shapely.within(boxes, self.area)
            if edge.any():
                areas[edge] = shapely.area(shapely.intersection(boxes[edge], self.area))
            out = np.zeros(grid.shape)
            out[rows, cols] = areas
            self._cache[key] = (mask, out)
        return self._cache[key]


def _closest(cumulative: np.ndarray, target: float) -> int:
    """How many leading cells make the area closest to ``target`` (0 if none come near)."""
    if cumulative.size == 0 or target <= 0:
        return 0
    k = int(np.argmin(np.abs(cumulative - target))) + 1
    return 0 if abs(target) < abs(cumulative[k - 1] - target) else k


def top_cells(score: np.ndarray, mask: np.ndarray, cell_areas: np.ndarray, target_m2: float,
              rng: np.random.Generator) -> np.ndarray:
    """The cells with the highest positive ``score`` whose area inside the study area is closest to ``target_m2``.

    Cells are taken in order of score until their area (``cell_areas``, clipped to
    the study area) is as close as it can get to the target, so every method gets the
    same share of the area whatever its cell size. Ties are broken at random
    (``rng``); cells with a score of 0 or less (no incident, or a z below the mean) are
    never hot, so the hot area can be smaller than the target.
    """
    rows, cols = np.nonzero(mask)
    values = score[rows, cols]
    ok = np.isfinite(values) & (values > 0)
    order = np.lexsort((rng.random(values.size), -np.where(ok, values, -np.inf)))
    order = order[ok[order]]
    k = _closest(np.cumsum(cell_areas[rows[order], cols[order]]), target_m2)
    hot = np.zeros(score.shape, dtype=bool)
    hot[rows[order[:k]], cols[order[:k]]] = True
    return hot


def best_hits(counts: np.ndarray, cell_areas: np.ndarray, mask: np.ndarray, area_m2: float) -> int:
    """n*: the most incidents cells of total area ``area_m2`` (as near as whole cells get) could hold.

    The fullest cells first (the smaller of equal ones first), as many as bring their
    area closest to ``area_m2``.
    """
    c = counts[mask]
    a = cell_areas[mask]
    order = np.lexsort((a, -c))
    k = _closest(np.cumsum(a[order]), area_m2)
    return int(round(c[order[:k]].sum()))


def _in_hot(grid: Grid, hot: np.ndarray, x: np.ndarray, y: np.ndarray) -> int:
    if x.size == 0:
        return 0
    row, col, ok = grid.locate(x, y)
    return int((hot[row, col] & ok).sum())


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """A back-test of hot spot maps over a run of weeks.

    Attributes
    ----------
    weekly : DataFrame
        One row per method and week: ``week`` (label), ``week_start``,
        ``train_incidents`` (N1) and ``train_hits`` (n1) in the k training weeks,
        ``incidents`` (N2) and ``hits`` (n2) in the week, ``hit_rate``,
        ``area_share`` (a/A), ``area_km2``, ``pai``, ``rri``, ``best_hits`` (n*) and
        ``pei``.
    table : DataFrame
        One row per method, pooled over the weeks: ``hit_rate`` = sum n2 / sum N2,
        ``area_share`` the mean a/A, ``pai`` = hit_rate / area_share, ``rri`` =
        (sum n2 / sum n1) / (sum N2 / sum N1) and ``pei`` = sum n2 / sum n*. Pooling
        weighs each week by its incidents, so a quiet week does not swing the average.
    weeks : tuple of Period
        The test weeks, oldest first.
    parameters : dict of str to Parameter
    warnings : tuple of str
    """

    weekly: pd.DataFrame
    table: pd.DataFrame
    weeks: tuple[Period, ...]
    parameters: dict[str, Parameter]
    warnings: tuple[str, ...]

    def sentence(self, method: str = "kde") -> str:
        """The one line for a map made with ``method``: see :func:`accuracy_sentence`."""
        rows = self.table[self.table["method"] == method]
        if rows.empty:
            raise ValueError(f"`method` must be one of {', '.join(self.table['method'])}; got {method!r}")
        row = rows.iloc[0]
        return accuracy_sentence(len(self.weeks), self.parameters["top"].value, row["hit_rate"], row["pai"])

    def summary(self) -> str:
        """A few lines: the weeks, then each method's pooled scores."""
        top = self.parameters["top"].value
        k = self.parameters["train_weeks"].value
        lines = [
            f"{len(self.weeks)} weeks, {self.weeks[0].start:%d %b %Y} to "
            f"{self.weeks[-1].end - pd.Timedelta(days=1):%d %b %Y}: "
            f"each week scored against a map of the {k} weeks before it, top {top:g}% of the area"
        ]
        for r in self.table.itertuples():
            lines.append(
                f"  {r.label:<24} hit rate {_pct(r.hit_rate):>5}  area {_pct(r.area_share, 1):>5}  "
                f"PAI {_num(r.pai):>5}  RRI {_num(r.rri, 2):>5}  PEI {_num(r.pei, 2):>5}"
            )
        return "\n".join(lines)


def _pct(v: float, digits: int = 0) -> str:
    return f"{v:.{digits}%}" if math.isfinite(v) else "-"


def _num(v: float, digits: int = 1) -> str:
    return f"{v:.{digits}f}" if math.isfinite(v) else "-"


# --------------------------------------------------------------------------------------
# The verb
# --------------------------------------------------------------------------------------


def backtest(
    points: Any,
    *,
    times: Any = None,
    precision: Any = None,
    boundary: Any = None,
    weeks: int = DEFAULT_WEEKS,
    train_weeks: int = DEFAULT_TRAIN_WEEKS,
    top: float = DEFAULT_TOP,
    end: Any = None,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    kde_cell_size: float | None = None,
    pei_cell_size: float | None = None,
    seed: int = 0,
) -> BacktestResult:
    """Score hot spot maps on the week after the weeks that drew them.

    Parameters
    ----------
    points : DataFrame, GeoDataFrame or (n, 2) array
        Incidents in EPSG:27700 metres with their times: a frame with ``easting``,
        ``northing``, ``occurred_at`` (and ``date_precision``), a GeoDataFrame of points,
        or an array with ``times`` given (known to the day or better).
    times, precision : optional
        Times and date precision, when ``points`` does not carry them.
    boundary : polygon or GeoDataFrame, optional
        The study area A (EPSG:27700). Default: the bounding box of the incidents.
        Incidents outside it are left out.
    weeks : int
        Test weeks (ISO weeks, Monday to Sunday), the last ``weeks`` complete ones.
    train_weeks : int
        Weeks before each test week that draw its map.
    top : float
        Percentage of the area called hot (default 5).
    end : date, optional
        The test weeks end at the start of the ISO week holding ``end``. Default: the
        last complete week in the data.
    methods : tuple of str
        Any of ``"kde"``, ``"grid"``, ``"gistar"``, ``"gistar_bins"``.
    cell_size : float, optional
        Cell size (m) of the ``grid`` and ``gistar`` maps. Default: as Gi*
        (:func:`hotspots.gistar.choose_gistar_cell_size`) for the average training
        window, the same for every week.
    bandwidth, kde_cell_size : float, optional
        Passed to :func:`hotspots.kde.hotspot_kde`; default chosen there, each week.
    pei_cell_size : float, optional
        Cell size (m) of the grid on which the best possible hot area (n*) is found.
        Default: ``cell_size``, the same for every method, so their PEI compare.
    seed : int
        Breaks ties between equal cells at the cut (grid counts have many).

    Returns
    -------
    BacktestResult
        ``.table`` (pooled per method), ``.weekly``, ``.sentence(method)``, ``.summary()``.

    Raises
    ------
    ValueError
        For invalid arguments, rows known only to the month (police.uk), or no test
        week with training data before it.

    Notes
    -----
    Every method gets the same share of the area (``top``; the grid methods take
    whole cells until their area inside the boundary is closest to it), so hit
    rates and PAIs compare directly; ``gistar_bins`` is the exception (its area is
    what the statistics make it). a is the area of the hot cells inside the study
    area.

    PEI depends on the cells n* is found on: on 25 m cells, 5% of Dartford is 5,800
    cells and a week's hundred incidents fit in the best of them, so n* = N and PEI
    is just the hit rate. Hunt computed it on the analysis grid; here n* is found on
    one grid for all methods (the grid maps' cells by default): the week's incidents
    are counted on it and the fullest cells taken until their area is closest to a.
    A map drawn on finer cells (KDE) can then beat the coarse optimum, so its PEI can
    exceed 1.

    The maps are those the app would draw each week: their parameters are chosen
    from each week's training data (KDE) or once for all weeks (grid cell size),
    never from the test week.

    References
    ----------
    Chainey, S., Tompson, L. and Uhlig, S. (2008) The utility of hotspot mapping for
    predicting spatial patterns of crime. Security Journal 21, 4-28.
    Levine, N. (2008) The "hottest" part of a hotspot: comments on "The utility of
    hotspot mapping for predicting spatial patterns of crime". Security Journal 21,
    295-302.
    Hunt, J. M. (2016) Do crime hot spots move? Exploring the effects of the modifiable
    areal unit problem and modifiable temporal unit problem on crime hot spot
    stability. PhD thesis, American University.
    """
    # 1. Check inputs.
    pts, warnings = read_timed(points, times, precision, need_times="a back-test")
    for name, value in (("weeks", weeks), ("train_weeks", train_weeks)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{name}` must be a whole number of weeks, at least 1; got {value!r}")
    top = check_positive(top, "top", "%")
    if not top < 100:
        raise ValueError(f"`top` must be a percentage between 0 and 100; got {top!r}")
    if isinstance(methods, str):
        methods = (methods,)
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise ValueError(f"`methods` must be some of {', '.join(METHODS)}; got {methods!r}")
    for name, value in (("cell_size", cell_size), ("pei_cell_size", pei_cell_size)):
        if value is not None:
            check_positive(value, name)
    if len(pts) == 0:
        raise ValueError("`points` is empty: there are no incidents to build or score maps with")
    keep, more = usable_for(pts, WEEK, "a back-test")
    warnings += more
    pts = pts.subset(keep)
    area = as_boundary(boundary)
    if area is None:
        xmin, xmax, ymin, ymax = pts.x.min(), pts.x.max(), pts.y.min(), pts.y.max()
        area = shapely.box(xmin - 1, ymin - 1, xmax + 1, ymax + 1)
        warnings.append("no `boundary`: the study area is the incidents' bounding box, which flatters PAI less "
                        "than a real boundary would")
    else:
        inside = contains_xy(area, pts.x, pts.y)
        if (~inside).any():
            warnings.append(f"{int((~inside).sum()):,} incident(s) outside the study area were left out")
        pts = pts.subset(inside)
        if len(pts) == 0:
            raise ValueError("no incidents inside `boundary`: there are no incidents to build or score maps with")

    # 2. The weeks.
    first = coverage_start(pts.times)
    stop = coverage_end(pts.times, pts.precision)
    if end is not None:
        try:
            stop = pd.Timestamp(end).normalize()
        except (TypeError, ValueError):
            raise ValueError(f"`end` must be a date; got {end!r}") from None
    if stop is None or first is None:
        raise ValueError("no dated incidents: nothing to back-test")
    last = last_complete_period(stop, WEEK)
    test_weeks = periods_ending(last, weeks)
    usable = [w for w in test_weeks if w.start - pd.Timedelta(weeks=train_weeks) >= first]
    if len(usable) < len(test_weeks):
        warnings.append(
            f"{len(test_weeks) - len(usable)} of the {weeks} test weeks were dropped: the data start on "
            f"{first:%d %b %Y}, too late for {train_weeks} training weeks before them"
        )
    if not usable:
        raise ValueError(
            f"no test week has {train_weeks} weeks of data before it (data {first:%d %b %Y} to "
            f"{stop - pd.Timedelta(days=1):%d %b %Y}): use fewer `train_weeks` or more data"
        )
    test_weeks = usable

    # 3. Parameters fixed for all weeks.
    total_area = area.area
    train_counts = []
    for w in test_weeks:
        t0 = w.start - pd.Timedelta(weeks=train_weeks)
        train_counts.append(int(((pts.times >= t0) & (pts.times < w.start)).sum()))
    mean_train = float(np.mean(train_counts))
    params: dict[str, Parameter] = {}
    span = f"{test_weeks[0].start:%d %b %Y} to {test_weeks[-1].end - pd.Timedelta(days=1):%d %b %Y}"
    if weeks == DEFAULT_WEEKS:
        params["weeks"] = chosen("weeks", len(test_weeks), "weeks", f"the default: the last complete ISO weeks, {span}")
    else:
        params["weeks"] = Parameter("weeks", len(test_weeks), "weeks", f"the last complete ISO weeks, {span}", False)
    params["train_weeks"] = chosen("train_weeks", train_weeks, "weeks", "the default: four weeks, a tasking cycle") \
        if train_weeks == DEFAULT_TRAIN_WEEKS else given("train_weeks", train_weeks, "weeks")
    params["top"] = chosen("top", top, "%", "the default: the top 5% of the area, as the KDE map's hot spots") \
        if top == DEFAULT_TOP else given("top", top, "%")
    if tuple(methods) == DEFAULT_METHODS:
        params["methods"] = chosen("methods", ", ".join(methods), "", "the default: KDE, grid counts and Gi*")
    else:
        params["methods"] = given("methods", ", ".join(methods))
    if cell_size is None:
        rule = choose_gistar_cell_size(int(round(mean_train)), total_area)
        params["cell_size"] = chosen("cell_size", rule.value, "m", f"grid and Gi* maps, as Gi* for the "
                                     f"{mean_train:,.0f} incidents of the average training window: {rule.reason}")
    else:
        params["cell_size"] = given("cell_size", float(cell_size), "m")
    if pei_cell_size is None:
        params["pei_cell_size"] = chosen(
            "pei_cell_size", params["cell_size"].value, "m",
            "the grid on which n* (the best possible hot area) is found: the grid maps' cells, the same for every "
            "method; on finer cells a perfect map of 5% of the area holds every incident, and PEI is the hit rate")
    else:
        params["pei_cell_size"] = given("pei_cell_size", float(pei_cell_size), "m")
    params["seed"] = given("seed", seed)
    areas = _Areas(area)
    coarse = grid_for(float(params["cell_size"].value), boundary=area)
    coarse_mask, coarse_areas = areas.get(coarse)
    kernel = neighbourhood(coarse.cell_size)
    fine = grid_for(float(params["pei_cell_size"].value), boundary=area)
    fine_mask, fine_areas = areas.get(fine)
    rng = np.random.default_rng(seed)
    target = top / 100 * total_area

    # 4. Build and score each week's maps.
    rows = []
    bandwidths = []
    for w in test_weeks:
        t0 = w.start - pd.Timedelta(weeks=train_weeks)
        train = np.asarray((pts.times >= t0) & (pts.times < w.start))
        test = w.contains(pts.times)
        tx, ty = pts.x[train], pts.y[train]
        sx, sy = pts.x[test], pts.y[test]
        n_train, n_test = int(train.sum()), int(test.sum())
        fine_counts = bin_points(fine, sx, sy)
        counts = bin_points(coarse, tx, ty) * coarse_mask
        maps: dict[str, tuple[Grid, np.ndarray, np.ndarray]] = {}
        if "kde" in methods:
            result = hotspot_kde(np.c_[tx, ty], boundary=area, threshold=f"top {top:g}%",
                                 bandwidth=bandwidth, cell_size=kde_cell_size, polygons=False)
            bandwidths.append(float(result.parameters["bandwidth"].value))
            maps["kde"] = (result.grid, result.hot, areas.get(result.grid)[1])
        if "grid" in methods:
            maps["grid"] = (coarse, top_cells(counts, coarse_mask, coarse_areas, target, rng), coarse_areas)
        if "gistar" in methods or "gistar_bins" in methods:
            z = gistar_z(counts, coarse_mask, kernel)
            if "gistar" in methods:
                maps["gistar"] = (coarse, top_cells(z, coarse_mask, coarse_areas, target, rng), coarse_areas)
            if "gistar_bins" in methods:
                bins = gi_bin(z, fdr_bh(p_two_sided(z)))
                maps["gistar_bins"] = (coarse, (bins >= 2) & coarse_mask, coarse_areas)
        for method in methods:
            grid, hot, cell_areas = maps[method]
            a = float(cell_areas[hot].sum())
            hits = _in_hot(grid, hot, sx, sy)
            train_hits = _in_hot(grid, hot, tx, ty)
            best = best_hits(fine_counts, fine_areas, fine_mask, a)
            rows.append({
                "method": method, "week": w.label, "week_start": w.start, "train_incidents": n_train,
                "train_hits": train_hits, "incidents": n_test, "hits": hits,
                "hit_rate": hits / n_test if n_test else math.nan, "area_share": a / total_area,
                "area_km2": a / 1e6, "pai": pai(hits, n_test, a, total_area),
                "rri": rri(hits, train_hits, n_test, n_train), "best_hits": best, "pei": pei(hits, best),
            })
    weekly = pd.DataFrame(rows, columns=WEEKLY_COLUMNS)
    if bandwidths:
        if bandwidth is None:
            params["bandwidth"] = chosen("bandwidth", round(float(np.median(bandwidths)), 1), "m",
                                         f"KDE maps: chosen by hotspot_kde from each week's training data, "
                                         f"{min(bandwidths):,.0f} to {max(bandwidths):,.0f} m (median shown)")
        else:
            params["bandwidth"] = given("bandwidth", float(bandwidth), "m")

    # 5. Pool and return.
    table = pool(weekly, top)
    empty = sum(1 for n in train_counts if n == 0)
    if empty:
        warnings.append(f"{empty} of the {len(train_counts)} training windows hold no incidents: those weeks have no "
                        "hot spots to score")
    elif min(train_counts) < 20:
        warnings.append(f"some training windows hold only {min(train_counts)} incidents: their maps are guesses")
    if (weekly["incidents"] == 0).any():
        warnings.append("some test weeks have no incidents: they score nothing")
    return BacktestResult(weekly, table, tuple(test_weeks), params, tuple(warnings))


LABELS = {"kde": "KDE", "grid": "grid counts", "gistar": "Gi* z", "gistar_bins": "Gi* (gi_bin >= 2)"}


def pool(weekly: pd.DataFrame, top: float) -> pd.DataFrame:
    """Pooled scores per method (see :class:`BacktestResult`)."""
    rows = []
    for method, g in weekly.groupby("method", sort=False):
        n2, big_n2 = g["hits"].sum(), g["incidents"].sum()
        n1, big_n1 = g["train_hits"].sum(), g["train_incidents"].sum()
        hit_rate = n2 / big_n2 if big_n2 else math.nan
        area_share = float(g["area_share"].mean())
        label = LABELS[method] + (f" (top {top:g}%)" if method != "gistar_bins" else "")
        rows.append({
            "method": method, "label": label, "weeks": len(g), "incidents": int(big_n2), "hits": int(n2),
            "hit_rate": hit_rate, "area_share": area_share,
            "pai": hit_rate / area_share if area_share > 0 and math.isfinite(hit_rate) else math.nan,
            "rri": rri(n2, n1, big_n2, big_n1), "pei": pei(n2, g["best_hits"].sum()),
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
