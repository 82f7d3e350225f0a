"""Change against a baseline: ``hotspot_change``.

Is this week's count in a place more than its recent history leads us to expect? For a
period (the last complete ISO week by default) and a baseline (the previous 4 weeks by
default; 8 or 13 weeks, or the same weeks last year), every grid cell and every focus
area gets its count, the count expected from the baseline, the difference, and an exact
Poisson test of the rise, corrected for the number of cells tested (Benjamini-Hochberg).

Example
-------
>>> result = hotspot_change(incidents, boundary=dartford, areas=focus)   # doctest: +SKIP
>>> print(result.summary())                                             # doctest: +SKIP
2024-W39 (23 to 29 Sep 2024) against the previous 4 weeks: 95 incidents, 88.0 expected (+8%); ...
>>> result.cells.plot("change")                                         # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import stats

from hotspots.gistar import choose_gistar_cell_size, fdr_bh
from hotspots.grid import (
    CRS, Grid, GridResult, Points, as_boundary, bin_points, cell_mask, cells_frame, check_positive, grid_for,
)
from hotspots.params import Parameter, chosen, given
from hotspots.periods import (
    MONTH,
    WEEK,
    Period,
    PeriodLength,
    TimedPoints,
    as_period,
    check_aligned,
    coverage_end,
    coverage_start,
    last_complete_period,
    month_start,
    parse_period_length,
    read_timed,
    same_period_last_year,
    usable_for,
)
from hotspots.geometry import contains_xy

#: A cell with no incident in the baseline is tested as if it had had this many: the
#: mean of the Jeffreys posterior of a Poisson rate after a zero count.
ZERO_BASELINE_COUNT = 0.5
#: Significance level of the classes (on p_fdr for "significant rise", on p otherwise).
ALPHA = 0.05
CLASSES = ("significant rise", "rise", "no change", "fall")
DEFAULT_BASELINE = {"week": "previous 4 weeks", "month": "previous 3 months"}


# --------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------


def poisson_rise_p(count: np.ndarray, expected: np.ndarray, baseline: np.ndarray | None = None,
                   scale: float | None = None) -> np.ndarray:
    """One-sided exact Poisson p-value of a rise: ``P(X >= count)`` for ``X ~ Poisson(expected)``.

    ``scipy.stats.poisson.sf(count - 1, expected)``; 1 where ``count`` is 0. Where the
    baseline count is 0 (so ``expected`` is 0 and any incident would be "impossible",
    p = 0), the test uses the expected count of ``ZERO_BASELINE_COUNT`` (0.5)
    incidents in the baseline, ``0.5 * scale``: the rate of a place with no recent
    incident is small, not known to be zero. Pass ``baseline`` and ``scale`` to apply
    this; without them an ``expected`` of 0 is floored the same way only if ``scale``
    is given.
    """
    count = np.asarray(count, dtype=float)
    expected = np.asarray(expected, dtype=float)
    test = expected
    if scale is not None:
        zero = (np.asarray(baseline) == 0) if baseline is not None else (expected == 0)
        test = np.where(zero, ZERO_BASELINE_COUNT * scale, expected)
    with np.errstate(invalid="ignore"):
        p = stats.poisson.sf(count - 1, test)
    return np.where(count <= 0, 1.0, p)


def poisson_fall_p(count: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """One-sided exact Poisson p-value of a fall: ``P(X <= count)``; 1 where ``expected`` is 0."""
    count = np.asarray(count, dtype=float)
    expected = np.asarray(expected, dtype=float)
    return np.where(expected > 0, stats.poisson.cdf(count, np.maximum(expected, 1e-300)), 1.0)


def change_class(p: np.ndarray, p_fdr: np.ndarray, p_fall: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """The class of each cell or area.

    ``"significant rise"`` (p_fdr <= alpha), ``"rise"`` (p <= alpha), ``"fall"``
    (p_fall <= alpha), else ``"no change"``.
    """
    p = np.nan_to_num(np.asarray(p, dtype=float), nan=1.0)
    p_fdr = np.nan_to_num(np.asarray(p_fdr, dtype=float), nan=1.0)
    p_fall = np.nan_to_num(np.asarray(p_fall, dtype=float), nan=1.0)
    out = np.full(p.shape, "no change", dtype=object)
    out[p_fall <= alpha] = "fall"
    out[p <= alpha] = "rise"
    out[p_fdr <= alpha] = "significant rise"
    return out


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


def parse_baseline(baseline: Any, period: Period) -> tuple[list[Period], str]:
    """The baseline windows for ``period`` and their name.

    ``"previous N weeks"`` / ``"previous N months"`` (also ``"previous N"``: N periods
    of the period's own length, or an int N): the N weeks or months immediately before
    the period, as one window. ``"last year"`` (also ``"same weeks last year"``,
    ``"same period last year"``): :func:`hotspots.periods.same_period_last_year`.
    """
    error = (
        "`baseline` must be 'previous N weeks' (e.g. 4, 8 or 13), 'previous N months', an int N "
        f"(N periods before), or 'last year'; got {baseline!r}"
    )
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if baseline < 1:
            raise ValueError(error)
        first = period.shift(-int(baseline))
        return [Period(first.start, period.start, None)], f"previous {int(baseline)} periods"
    if not isinstance(baseline, str):
        raise ValueError(error)
    text = baseline.strip().lower().replace("-", " ")
    if text in ("last year", "same weeks last year", "same period last year", "same months last year", "year"):
        weekly = period.whole_weeks and (period.length is None or period.length.unit == "week")
        name = "same weeks last year" if weekly else "same period last year"
        return [same_period_last_year(period)], name
    match = re.fullmatch(r"(?:previous|last|prior)?\s*(\d+)\s*(weeks?|months?|periods?)?", text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(error)
    n = int(match.group(1))
    unit = (match.group(2) or "periods").rstrip("s")
    if unit == "week":
        start = period.start - pd.DateOffset(weeks=n)
    elif unit == "month":
        start = period.start - pd.DateOffset(months=n)
    else:
        start = period.shift(-n).start
    return [Period(start, period.start, None)], f"previous {n} {unit}{'s' if n > 1 else ''}"


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ChangeResult(GridResult):
    """Change in a period against a baseline, per cell and per area.

    Attributes
    ----------
    cells : GeoDataFrame (EPSG:27700)
        The study area's cells: ``count`` (in the period), ``baseline`` (in the
        baseline windows), ``expected`` (baseline scaled to the period's length),
        ``change`` (count - expected), ``p`` (exact Poisson, rise), ``p_fdr``
        (Benjamini-Hochberg over the cells), ``p_fall`` and ``class``.
    areas : GeoDataFrame or None
        The same columns per focus area, plus ``area`` (the name); the row ``"all"``
        is the whole study area.
    period : Period
    baseline : tuple of Period
    scale : float
        Period length over baseline length: ``expected = baseline * scale``.
    grid, mask : the grid and its cells in the study area.
    parameters : dict of str to Parameter
    warnings : tuple of str
    """

    cells: Any
    areas: Any
    period: Period
    baseline: tuple[Period, ...]
    scale: float
    grid: Grid
    mask: np.ndarray
    parameters: dict[str, Parameter]
    warnings: tuple[str, ...]
    total: dict[str, Any]

    def summary(self) -> str:
        """One line: the totals and how many cells rose or fell."""
        t = self.total
        base = self.parameters["baseline"].value
        if t["expected"] > 0:
            pct = f" ({(t['count'] - t['expected']) / t['expected']:+.0%})"
        else:
            pct = ""
        classes = self.cells["class"].value_counts() if len(self.cells) else pd.Series(dtype=int)
        sig = int(classes.get("significant rise", 0))
        rise = int(classes.get("rise", 0))
        fall = int(classes.get("fall", 0))
        alpha = self.parameters["alpha"].value
        return (
            f"{self.period.label} against the {base}: {t['count']:,} incidents, {t['expected']:,.1f} expected{pct}; "
            f"{sig} cell{'s' if sig != 1 else ''} with a significant rise (FDR {alpha:.0%}), "
            f"{rise} rising but not significant after correcting for {int(self.mask.sum()):,} cells, {fall} falling"
        )


# --------------------------------------------------------------------------------------
# The verb
# --------------------------------------------------------------------------------------


def named_areas(areas: Any) -> list[tuple[str, shapely.Geometry]]:
    """Named geometries from a dict, a GeoDataFrame (``area``/``name`` column or index) or a geometry."""
    if areas is None:
        return []
    if isinstance(areas, shapely.Geometry):
        return [("area", as_boundary(areas))]
    if hasattr(areas, "geometry") and hasattr(areas, "columns"):
        if areas.crs is not None and areas.crs.to_epsg() != 27700:
            raise ValueError(
                "`areas` must be in EPSG:27700 (British National Grid metres); reproject with .to_crs(27700)"
            )
        for column in ("area", "name", "lsoa21cd"):
            if column in areas.columns:
                names = areas[column].astype(str).tolist()
                break
        else:
            names = [str(i) for i in areas.index]
        return [(n, as_boundary(g)) for n, g in zip(names, areas.geometry)]
    if isinstance(areas, dict):
        return [(str(k), as_boundary(v)) for k, v in areas.items()]
    try:
        return [(str(k), as_boundary(v)) for k, v in areas]
    except (TypeError, ValueError):
        raise ValueError(
            "`areas` must be a dict of name -> polygon, a GeoDataFrame of polygons, or a polygon; "
            f"got {type(areas).__name__}"
        ) from None


def _default_period(pts: TimedPoints, length: PeriodLength, coverage: tuple | None) -> tuple[Period, str]:
    end = pd.Timestamp(coverage[1]).normalize() if coverage is not None else coverage_end(pts.times, pts.precision)
    if end is None:
        raise ValueError("there are no dated incidents to choose the period from: pass `period`")
    p = last_complete_period(end, length)
    unit = {WEEK: "ISO week (Monday to Sunday)", MONTH: "calendar month"}.get(length, f"period of {length.phrase}")
    return p, f"the last complete {unit} in the data, which run to {end - pd.Timedelta(days=1):%d %b %Y}"


def hotspot_change(
    points: Any,
    *,
    times: Any = None,
    precision: Any = None,
    period: Any = None,
    period_length: Any = None,
    baseline: Any = None,
    boundary: Any = None,
    areas: Any = None,
    cell_size: float | None = None,
    alpha: float = ALPHA,
    coverage: tuple[Any, Any] | None = None,
) -> ChangeResult:
    """Count, expected count and the significance of the rise, per cell and per area.

    Parameters
    ----------
    points : DataFrame, GeoDataFrame or (n, 2) array
        Incidents in EPSG:27700 metres with their times: a frame with ``easting``,
        ``northing``, ``occurred_at`` (and ``date_precision``), a GeoDataFrame of points,
        or an array with ``times`` given, covering the period and the
        baseline (as :func:`queries.incidents.fetch_incidents` returns them).
    times, precision : optional
        Times and date precision, when ``points`` does not carry them.
    period : date, (start, end) pair of dates (end exclusive) or Period, optional
        The period to test. A date means the ISO week (or month) holding it. Default:
        the last complete period of ``period_length`` in the data.
    period_length : str, optional
        ``"week"`` (default), ``"4 weeks"``, ``"month"`` ... Default: a week, or a
        month when every row is known only to its month (police.uk).
    baseline : str or int, optional
        ``"previous 4 weeks"`` (default for weeks), ``"previous 8 weeks"``,
        ``"previous 13 weeks"``, ``"last year"`` (the same weeks 52 weeks earlier),
        ``"previous 3 months"`` (default for months), or an int N (N periods before).
    boundary : polygon or GeoDataFrame, optional
        The study area (EPSG:27700); cells intersecting it are tested. Default: the
        extent of the incidents.
    areas : dict of name -> polygon, or GeoDataFrame, optional
        Focus areas to test as wholes (the NTE zone, Bluewater, an LSOA ...).
    cell_size : float, optional
        Metres. Default: as Gi* (:func:`hotspots.gistar.choose_gistar_cell_size`) for
        the incidents in the period and baseline together, so an average
        neighbourhood of 9 cells holds about 10 of them.
    alpha : float
        Level of the classes (default 0.05).
    coverage : (start, end), optional
        The dates the data cover (end exclusive). Default: from the first and last
        incident; give it for rare incidents, whose first and last dates understate it.

    Returns
    -------
    ChangeResult
        ``.cells`` and ``.areas`` with ``count``, ``baseline``, ``expected``,
        ``change``, ``p``, ``p_fdr``, ``p_fall`` and ``class``; ``.summary()``.

    Raises
    ------
    ValueError
        For invalid arguments, no times, week periods on rows known only to the month,
        or no incidents and no boundary.

    Notes
    -----
    ``expected = baseline count x (period length / baseline length)``: the baseline's
    mean rate, scaled to the period. ``p = P(X >= count)`` for ``X ~
    Poisson(expected)`` (``scipy.stats.poisson.sf(count - 1, expected)``), one-sided,
    because a rise is what calls for action. The baseline is treated as known; with a
    baseline four or more times longer than the period its own noise is small.

    A cell with no incident in the baseline has an expected count of 0, under which
    any incident would give p = 0. Its rate is small, not known to be zero: the test
    uses the expected count half an incident in the baseline would give (0.5 is the
    mean of the Jeffreys posterior of a Poisson rate after a zero count). The
    ``expected`` column still shows 0. With a 4-week baseline, 3 incidents in a week
    where none were seen before give p = 0.0003: a lead worth a look, and significant
    after correction only when few cells are tested.

    ``p_fdr`` is the Benjamini-Hochberg adjusted p over every cell in the study area
    (cells with no incident have p = 1 and count as tests). Classes: ``significant
    rise`` when p_fdr <= alpha; ``rise`` when p <= alpha but not after correction (a
    rise that would be notable in one place chosen beforehand, not among so many);
    ``fall`` when the lower-tail p (P(X <= count)) <= alpha; otherwise ``no change``.
    A single week rarely shows a significant fall: a place expecting 2 incidents has
    a 14% chance of none.

    Month periods accept rows known only to the month; week periods refuse them.

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995) Controlling the false discovery rate. JRSS B
    57(1), 289-300.
    """
    # 1. Check inputs.
    pts, warnings = read_timed(points, times, precision, need_times="a change analysis")
    area = as_boundary(boundary)
    alpha = check_positive(alpha, "alpha", "")
    if not alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1; got {alpha!r}")
    if cell_size is not None:
        cell_size = check_positive(cell_size, "cell_size")
    area_list = named_areas(areas)
    if coverage is not None:
        try:
            coverage = (pd.Timestamp(coverage[0]).normalize(), pd.Timestamp(coverage[1]).normalize())
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"`coverage` must be a (start, end) pair of dates; got {coverage!r}") from None

    # 2. The period and the baseline.
    if period_length is None:
        if isinstance(period, Period) and period.length is not None:
            length = period.length
            length_choice = chosen("period_length", str(length), "", "the length of the period given")
        elif len(pts) and pts.all_month:
            length = MONTH
            length_choice = chosen("period_length", "month", "", "every row is known only to its month (police.uk), "
                                   "so weeks are impossible")
        else:
            length = WEEK
            length_choice = chosen("period_length", "week", "", "the default: ISO weeks, Monday to Sunday")
    else:
        length = parse_period_length(period_length)
        length_choice = given("period_length", str(length))
    if period is None:
        the_period, why = _default_period(pts, length, coverage)
        period_choice = chosen("period", the_period.label, "", why)
    else:
        the_period = as_period(period, length)
        period_choice = given("period", the_period.label)
    if baseline is None:
        base_text = DEFAULT_BASELINE["month" if (the_period.length or length).unit == "month" else "week"]
        windows, base_name = parse_baseline(base_text, the_period)
        baseline_choice = chosen("baseline", base_name, "", "the default: recent enough to reflect the current "
                                 "pattern, long enough for a stable expected count")
    else:
        windows, base_name = parse_baseline(baseline, the_period)
        baseline_choice = given("baseline", base_name)
    base_days = sum(w.days for w in windows)
    scale = the_period.days / base_days

    # Which rows can be placed in the period and baseline.
    month_ok = all(w.start == month_start(w.start) and w.end == month_start(w.end) for w in [the_period, *windows])
    keep, more = (np.ones(0, bool), [])
    if len(pts):
        keep, more = usable_for(pts, MONTH if month_ok else WEEK, "a change analysis")
    warnings += more
    pts = pts.subset(keep)
    check_aligned(the_period, pts, "the period")
    for w in windows:
        check_aligned(w, pts, "the baseline")
    in_period = the_period.contains(pts.times)
    in_base = np.zeros(len(pts), dtype=bool)
    for w in windows:
        in_base |= w.contains(pts.times)
    first = coverage[0] if coverage is not None else coverage_start(pts.times)
    last = coverage[1] if coverage is not None else coverage_end(pts.times, pts.precision)
    if first is not None and min(w.start for w in windows) < first:
        warnings.append(
            f"the baseline starts on {min(w.start for w in windows):%d %b %Y}, before the first incident "
            f"({first:%d %b %Y}): if the data do not cover it, the expected counts are too low and rises too many"
        )
    if last is not None and the_period.end > last:
        last_day = last - pd.Timedelta(days=1)
        warnings.append(f"the data end on {last_day:%d %b %Y}, before the period ends: it is incomplete")

    # 3. The grid.
    used = pts.subset(in_period | in_base)
    if len(used) == 0 and area is None:
        raise ValueError(
            f"no incidents in {the_period.label} or its baseline ({base_name}) and no `boundary`: "
            "there is no study area to map"
        )
    if area is not None:
        area_m2 = area.area
        inside = contains_xy(area, used.x, used.y) if len(used) else np.zeros(0, bool)
        n_rule = int(inside.sum())
    else:
        area_m2 = max(np.ptp(used.x) * np.ptp(used.y), 1.0)
        n_rule = len(used)
    if cell_size is None:
        base_choice = choose_gistar_cell_size(n_rule, area_m2)
        why = f"as Gi*, from the {n_rule:,} incidents in the period and baseline: {base_choice.reason}"
        cell_choice = chosen("cell_size", base_choice.value, "m", why)
    else:
        cell_choice = given("cell_size", cell_size, "m")
    grid = grid_for(float(cell_choice.value), boundary=area, points=Points(used.x, used.y, None))
    mask = cell_mask(grid, area)

    # 4. Count and test.
    count = bin_points(grid, pts.x[in_period], pts.y[in_period]) * mask
    base = bin_points(grid, pts.x[in_base], pts.y[in_base]) * mask
    expected = base * scale
    p = np.where(mask, poisson_rise_p(count, expected, base, scale), np.nan)
    p_fdr = fdr_bh(p)
    p_fall = np.where(mask, poisson_fall_p(count, expected), np.nan)
    classes = change_class(p, p_fdr, p_fall, alpha)
    cells = cells_frame(grid, mask, {
        "count": count.astype(np.int64), "baseline": base.astype(np.int64), "expected": expected,
        "change": count - expected, "p": p, "p_fdr": p_fdr, "p_fall": p_fall, "class": classes,
    })

    # 5. Areas, totals, warnings and result.
    if area is not None:
        study = contains_xy(area, pts.x, pts.y)
    else:
        study = np.ones(len(pts), dtype=bool)
    total = _row("all", area, int((study & in_period).sum()), int((study & in_base).sum()), scale)
    rows = [total] + [
        _row(name, geom, *(_count_in(geom, pts, m) for m in (in_period, in_base)), scale) for name, geom in area_list
    ]
    area_frame = None
    if area_list:
        import geopandas as gpd

        frame = pd.DataFrame(rows)
        frame["p_fdr"] = np.nan
        frame.loc[frame.index[1:], "p_fdr"] = fdr_bh(frame["p"].to_numpy()[1:])
        frame.loc[frame.index[:1], "p_fdr"] = frame["p"].iloc[:1]
        frame["class"] = change_class(frame["p"], frame["p_fdr"], frame["p_fall"], alpha)
        columns = ["area", "count", "baseline", "expected", "change", "p", "p_fdr", "p_fall", "class"]
        area_frame = gpd.GeoDataFrame(frame[columns], geometry=frame["geometry"].tolist(), crs=CRS)
    n_period = total["count"]
    outside = int((in_period & ~study).sum())
    if outside:
        warnings.append(f"{outside:,} incident(s) in the period lie outside the study area and were not counted")
    if n_period == 0 and total["baseline"] == 0:
        warnings.append(f"no incidents in {the_period.label} or the baseline: nothing changed")
    elif total["baseline"] < 10:
        warnings.append(
            f"only {total['baseline']} incident(s) in the baseline: expected counts are very uncertain; "
            "use a longer baseline"
        )
    parameters = {
        p.name: p
        for p in (
            period_choice, length_choice, baseline_choice, cell_choice,
            chosen("alpha", alpha, "", "the default: classes at the 5% level") if alpha == ALPHA
            else given("alpha", alpha),
        )
    }
    return ChangeResult(
        cells=cells, areas=area_frame, period=the_period, baseline=tuple(windows), scale=scale,
        grid=grid, mask=mask, parameters=parameters, warnings=tuple(warnings), total=total,
    )


def _count_in(geom: shapely.Geometry, pts: TimedPoints, rows: np.ndarray) -> int:
    if not rows.any():
        return 0
    return int(contains_xy(geom, pts.x[rows], pts.y[rows]).sum())


def _row(name: str, geom, count: int, base: int, scale: float) -> dict[str, Any]:
    expected = base * scale
    p = float(poisson_rise_p(np.array([count]), np.array([expected]), np.array([base]), scale)[0])
    return {
        "area": name, "count": count, "baseline": base, "expected": expected, "change": count - expected,
        "p": p, "p_fall": float(poisson_fall_p(np.array([count]), np.array([expected]))[0]), "geometry": geom,
    }
