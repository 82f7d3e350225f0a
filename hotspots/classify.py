"""Hot spots classified over time: ``hotspot_classify``.

The incidents are split into a series of equal periods (chosen from the data when not
given), Getis-Ord Gi* is computed for every period on one common grid
(:func:`hotspots.gistar.gistar_z`), and each cell's series of z-scores is classified
two ways:

- ``pattern``: the eight hot and eight cold spot patterns of ArcGIS Pro's Emerging Hot
  Spot Analysis (new, consecutive, intensifying, persistent, diminishing, sporadic,
  oscillating, historical), with the Mann-Kendall trend test on the z-scores;
- ``chainey``: Chainey's (2020) persistent, emerging, intermittent and former hot spots,
  from the share of all, recent and earlier periods in which the cell was a hot spot.

The exact rules are in :func:`arcgis_patterns` and :func:`chainey_classes`.

Example
-------
>>> result = hotspot_classify(incidents, boundary=dartford)        # doctest: +SKIP
>>> print(result.summary())                                        # doctest: +SKIP
39 periods of 4 weeks (...): 12 persistent, 3 new, 5 consecutive ... hot spot cells
>>> result.cells.plot("pattern")                                   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from hotspots.gistar import choose_gistar_cell_size, fdr_bh, gistar_z, neighbourhood, p_two_sided
from hotspots.grid import (
    Grid, GridResult, Points, as_boundary, bin_points, cell_mask, cells_frame, check_positive, grid_for,
)
from hotspots.params import Parameter, chosen, given
from hotspots.periods import (
    Period,
    PeriodLength,
    TimedPoints,
    assign_periods,
    coverage_end,
    coverage_start,
    last_complete_period,
    parse_period_length,
    read_timed,
    usable_for,
)
from hotspots.geometry import contains_xy

#: Significance level of a hot or cold spot in a period (on the FDR-adjusted p) and of
#: the Mann-Kendall trend.
ALPHA = 0.05
#: ArcGIS: "at least 90 percent of the time-step intervals".
ARCGIS_SHARE = 0.9
#: Chainey classes: persistent when hot in at least this share of all periods ...
PERSISTENT_SHARE = 0.8
#: ... "recent" is this share of the periods, at the end (at least one) ...
RECENT_SHARE = 0.2
#: ... and any hot spot class needs at least this share of the periods it looks at,
HOTSPOT_SHARE = 0.1
#: and at least this many hot periods, so that one chance result is not a class.
MIN_HOT_PERIODS = 2
#: Automatic period length: the shortest candidate with at most MAX_PERIODS complete
#: periods, at least MIN_PERIODS, and MIN_PER_PERIOD incidents in the average period.
WEEK_CANDIDATES = (1, 2, 4, 13, 26, 52)
MONTH_CANDIDATES = (1, 3, 6, 12)
MIN_PERIODS = 10
MAX_PERIODS = 52
MIN_PER_PERIOD = 100
#: Fewer periods than this cannot show a trend at all.
FEWEST_PERIODS = 3

HOT_PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
                "historical")
PATTERNS = tuple(f"{p} hot spot" for p in HOT_PATTERNS) + tuple(f"{p} cold spot" for p in HOT_PATTERNS) + (
    "no pattern detected",)
CHAINEY_CLASSES = ("persistent hot spot", "emerging hot spot", "intermittent hot spot", "former hot spot", "")


# --------------------------------------------------------------------------------------
# Mann-Kendall
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall trend test results, one value per series.

    ``s`` the statistic, ``var`` its variance (corrected for ties), ``z`` the normal
    score, ``p`` the two-sided p-value, ``tau`` Kendall's tau (s over the number of
    pairs), ``n`` the number of values used (NaN are left out).
    """

    s: np.ndarray
    var: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    n: np.ndarray


def mann_kendall(series: np.ndarray, *, continuity: bool = True) -> MannKendall:
    """Mann-Kendall test for a monotonic trend in each column of ``series`` (time x series).

    ``S = sum over i < j of sign(x_j - x_i)``; under no trend S has mean 0 and variance
    ``(n(n-1)(2n+5) - sum_t t(t-1)(2t+5)) / 18``, the sum over groups of t tied
    values. ``z = (S - sign(S)) / sqrt(var)`` (the continuity correction of Kendall
    1975; ``continuity=False`` gives ``S / sqrt(var)``), ``p = 2 (1 - Phi(|z|))``. NaN
    values are left out of their series. A 1-D ``series`` is one series.

    References
    ----------
    Mann, H. B. (1945) Nonparametric tests against trend. Econometrica 13, 245-259.
    Kendall, M. G. (1975) Rank Correlation Methods, 4th edn. Griffin.
    """
    x = np.asarray(series, dtype=float)
    one = x.ndim == 1
    if one:
        x = x[:, None]
    t, m = x.shape
    s = np.zeros(m)
    for i in range(t - 1):
        d = np.sign(x[i + 1:] - x[i])
        s += np.nansum(d, axis=0)
    finite = np.isfinite(x)
    n = finite.sum(axis=0).astype(float)
    ties = np.zeros(m)
    xs = np.sort(x, axis=0)  # NaN sort last
    dup = (xs[1:] == xs[:-1]).any(axis=0) if t > 1 else np.zeros(m, bool)
    for j in np.flatnonzero(dup):
        _, counts = np.unique(xs[: int(n[j]), j], return_counts=True)
        c = counts[counts > 1].astype(float)
        ties[j] = (c * (c - 1) * (2 * c + 5)).sum()
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        num = s - np.sign(s) if continuity else s
        z = np.where(var > 0, num / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
        tau = np.where(n > 1, s / (n * (n - 1) / 2), np.nan)
    p = 2 * stats.norm.sf(np.abs(z))
    p = np.where(n >= 3, p, np.nan)
    out = MannKendall(s, var, z, p, tau, n.astype(int))
    if one:
        return MannKendall(*(a[0] for a in (out.s, out.var, out.z, out.p, out.tau, out.n)))
    return out


# --------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------


def _final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True at the end of each column."""
    return np.cumprod(flags[::-1], axis=0).sum(axis=0)


def arcgis_patterns(hot: np.ndarray, cold: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray,
                    alpha: float = ALPHA) -> np.ndarray:
    """ArcGIS Pro Emerging Hot Spot Analysis patterns for each column (time x cells).

    With n periods, ``h`` hot periods and ``c`` cold periods, "final" the last
    period, and the trend significant when the Mann-Kendall p <= ``alpha``:

    - **new hot spot**: hot in the final period and never before (h = 1).
    - **consecutive hot spot**: a single uninterrupted run of at least two hot
      periods ending with the final one, never hot before that run, and h < 90% of n.
    - **intensifying hot spot**: hot in >= 90% of the periods including the final one,
      with a significant upward trend in z.
    - **persistent hot spot**: hot in >= 90% of the periods including the final one,
      with no significant trend.
    - **diminishing hot spot**: as intensifying, with a significant downward trend.
    - **sporadic hot spot**: hot in the final period, on and off before (none of the
      above), h < 90% of n, and never a cold spot.
    - **oscillating hot spot**: as sporadic, but a cold spot in some earlier period.
    - **historical hot spot**: not hot in the final period, hot in >= 90% of them.

    The cold spot patterns mirror these (an intensifying cold spot's z trends
    downward). Hot patterns are checked first: a cell hot in the final period is
    never a cold pattern. Anything else is "no pattern detected" -- including a cell
    hot in 80% of the periods but not the last, which :func:`chainey_classes` calls a
    former or persistent hot spot.

    ArcGIS's text leaves open whether a persistent hot spot must be hot in the final
    period; because "historical" is defined as >= 90% hot but not in the final
    period, persistent is taken to include the final period (as intensifying and
    diminishing say explicitly).
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    n = hot.shape[0]
    out = np.full(hot.shape[1:], "no pattern detected", dtype=object)
    significant = np.nan_to_num(np.asarray(trend_p, dtype=float), nan=1.0) <= alpha
    up = significant & (np.asarray(trend_z) > 0)
    down = significant & (np.asarray(trend_z) < 0)
    for kind, flags, other, rising, falling in (("cold", cold, hot, down, up), ("hot", hot, cold, up, down)):
        # Cold first, so hot patterns overwrite: hot takes precedence.
        count = flags.sum(axis=0)
        final = flags[-1]
        run = _final_run(flags)
        share = count / n
        ninety = final & (share >= ARCGIS_SHARE)
        new = final & (count == 1)
        consecutive = final & ~new & (run >= 2) & (count == run) & (share < ARCGIS_SHARE)
        rest = final & ~new & ~consecutive & ~ninety
        patterns = [
            (~final & (share >= ARCGIS_SHARE), "historical"),
            (rest & (other.sum(axis=0) == 0), "sporadic"),
            (rest & (other.sum(axis=0) > 0), "oscillating"),
            (ninety & ~rising & ~falling, "persistent"),
            (ninety & falling, "diminishing"),
            (ninety & rising, "intensifying"),
            (consecutive, "consecutive"),
            (new, "new"),
        ]
        for where, name in patterns:
            out[where] = f"{name} {kind} spot"
    return out


def chainey_classes(hot: np.ndarray, trend_z: np.ndarray | None = None, trend_p: np.ndarray | None = None, *,
                    alpha: float = ALPHA, persistent_share: float = PERSISTENT_SHARE,
                    recent_share: float = RECENT_SHARE, hotspot_share: float = HOTSPOT_SHARE) -> np.ndarray:
    """Chainey's persistent, emerging, intermittent and former hot spots (time x cells).

    With n periods, the last ``k = max(1, round(recent_share * n))`` are *recent* and
    the others *earlier*. Chainey (2020) defines, in this order:

    - **persistent hot spot**: hot in >= ``persistent_share`` (80%) of all periods;
    - **emerging hot spot**: hot in >= ``hotspot_share`` (10%) of the recent periods,
      and in fewer than 10% of the earlier ones;
    - **former hot spot**: hot in >= 10% of the earlier periods, and in fewer than 10%
      of the recent ones;
    - **intermittent hot spot**: none of these, but hot in >= 10% of all periods;
    - ``""`` otherwise: not a hot spot.

    One addition: every class but persistent also needs ``MIN_HOT_PERIODS`` (2) hot
    periods in the part it looks at (1 when only one period is recent), so that one
    chance result is not a class. The shares are sfhotspot's defaults
    (``hotspot_classify_params``: 0.1, 0.8, 0.2) without its quirks: there, the recent
    window holds one period more than it divides by, and p-values are adjusted across
    a cell's periods rather than across the cells of a period. No trend test is
    involved (``trend_z``, ``trend_p`` and ``alpha`` are accepted and unused): trends
    are what :func:`arcgis_patterns` adds.

    Correspondence with :func:`arcgis_patterns`: persistent, intensifying, diminishing
    and historical hot spots are Chainey persistent ones; new and consecutive hot spots
    emerging (new needs a second hot period here, and a run that began before the
    recent periods is intermittent); sporadic and oscillating ones emerging or
    intermittent; and a cell hot only in the first half of the periods is a former hot
    spot here but "no pattern detected" in ArcGIS.
    """
    hot = np.asarray(hot, dtype=bool)
    n = hot.shape[0]
    k = max(1, int(round(recent_share * n)))
    k = min(k, max(n - 1, 1))
    recent = hot[n - k:].sum(axis=0)
    earlier = hot[: n - k].sum(axis=0)
    total = hot.sum(axis=0)
    hot_recently = (recent >= hotspot_share * k) & (recent >= min(MIN_HOT_PERIODS, k))
    hot_earlier = (earlier >= hotspot_share * (n - k)) & (earlier >= MIN_HOT_PERIODS)
    persistent = total >= persistent_share * n
    emerging = ~persistent & hot_recently & (earlier < hotspot_share * (n - k))
    former = ~persistent & hot_earlier & (recent < hotspot_share * k)
    intermittent = ~persistent & ~emerging & ~former & (total >= MIN_HOT_PERIODS) & (total >= hotspot_share * n)
    out = np.full(hot.shape[1:], "", dtype=object)
    out[intermittent] = "intermittent hot spot"
    out[former] = "former hot spot"
    out[emerging] = "emerging hot spot"
    out[persistent] = "persistent hot spot"
    return out


# --------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------


def complete_periods(
    start: pd.Timestamp, end: pd.Timestamp, length: PeriodLength, limit: int | None = None
) -> list[Period]:
    """The complete periods of ``length`` between ``start`` and ``end``, aligned to end at the last one.

    Oldest first. The series is anchored at the end (the last complete ISO week or
    month), so the final period, which decides new and emerging hot spots, is whole;
    an incomplete stretch at the start is dropped.
    """
    last = last_complete_period(end, length)
    out = []
    p = last
    while p.start >= start and (limit is None or len(out) < limit):
        out.append(p)
        p = p.shift(-1)
    return out[::-1]


def choose_period_length(pts: TimedPoints, start: pd.Timestamp, end: pd.Timestamp) -> Parameter:
    """The automatic period length, in the manner of sfhotspot but from the counts.

    sfhotspot picks the period from the time span alone (weeks up to a quarter, 28
    days up to two years, quarters up to ten). Here the candidates are 1, 2, 4, 13,
    26 and 52 weeks (1, 3, 6 and 12 months when every row is known only to the
    month), and the choice is the shortest one that gives at most ``MAX_PERIODS``
    (52) complete periods and at least ``MIN_PERIODS`` (10), with at least
    ``MIN_PER_PERIOD`` (100) incidents in the average period, so that each period's
    Gi* has counts to work on and the trend test has points to rank. When none
    qualifies, the longest candidate still giving 10 periods is used (warned), or
    else the shortest.
    """
    month_only = pts.all_month
    candidates = [PeriodLength("month", n) for n in MONTH_CANDIDATES] if month_only else \
        [PeriodLength("week", n) for n in WEEK_CANDIDATES]
    rows = []
    for length in candidates:
        periods = complete_periods(start, end, length)
        if not periods:
            rows.append((length, 0, 0.0))
            continue
        inside = assign_periods(pts.times, periods) >= 0
        rows.append((length, len(periods), inside.sum() / len(periods)))
    rule = (
        f"the shortest of {', '.join(str(r[0]) for r in rows)} giving {MIN_PERIODS} to {MAX_PERIODS} complete "
        f"periods with at least {MIN_PER_PERIOD} incidents in the average period"
    )
    for length, count, mean in rows:
        if MIN_PERIODS <= count <= MAX_PERIODS and mean >= MIN_PER_PERIOD:
            return chosen("period_length", str(length), "", f"{count} periods of {length.phrase}, {mean:,.0f} "
                          f"incidents each on average ({rule})")
    enough = [r for r in rows if r[1] >= MIN_PERIODS]
    if enough:
        length, count, mean = enough[-1]
        why = f"fewer than {MIN_PER_PERIOD} incidents per period at every length that gives {MIN_PERIODS} periods"
    else:
        length, count, mean = max(rows, key=lambda r: (r[1], -candidates.index(r[0])))
        why = f"the data cover fewer than {MIN_PERIODS} periods of any candidate length"
    return chosen("period_length", str(length), "", f"{count} periods of {length.phrase}, {mean:,.0f} incidents "
                  f"each on average: {why} ({rule})")


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ClassifyResult(GridResult):
    """Hot spot classes over a series of periods.

    Attributes
    ----------
    cells : GeoDataFrame (EPSG:27700)
        The study area's cells with ``pattern`` (ArcGIS), ``chainey``, ``count`` (all
        periods), ``hot_periods``, ``cold_periods``, ``final_z``, ``trend_tau``,
        ``trend_z`` and ``trend_p`` (Mann-Kendall on the z-scores).
    periods : tuple of Period
        Oldest first.
    counts, z, hot, cold : ndarray ``(periods, ny, nx)``
        Counts, Gi* z-scores and hot/cold flags per period (NaN/False outside the area).
    grid, mask : the common grid and its cells in the study area.
    parameters : dict of str to Parameter
    warnings : tuple of str
    """

    cells: Any
    periods: tuple[Period, ...]
    counts: np.ndarray
    z: np.ndarray
    hot: np.ndarray
    cold: np.ndarray
    grid: Grid
    mask: np.ndarray
    parameters: dict[str, Parameter]
    warnings: tuple[str, ...]

    def summary(self) -> str:
        """One line: the periods and how many cells fall in each class."""
        n = len(self.periods)
        span = f"{self.periods[0].start:%d %b %Y} to {self.periods[-1].end - pd.Timedelta(days=1):%d %b %Y}"
        length = parse_period_length(self.parameters["period_length"].value).phrase
        pattern = self.cells["pattern"].value_counts()
        hot = [f"{int(pattern[p])} {p.replace(' hot spot', '')}" for p in PATTERNS if p in pattern and "hot" in p]
        cold = int(sum(v for k, v in pattern.items() if "cold" in k))
        chainey = self.cells["chainey"].value_counts()
        ch = [f"{int(chainey[c])} {c.replace(' hot spot', '')}" for c in CHAINEY_CLASSES if c and c in chainey]
        return (
            f"{n} periods of {length} ({span}) on {int(self.mask.sum()):,} cells: ArcGIS hot spot patterns "
            f"{', '.join(hot) or 'none'}; {cold} cold spot cells; Chainey {', '.join(ch) or 'no hot spots'}"
        )


# --------------------------------------------------------------------------------------
# The verb
# --------------------------------------------------------------------------------------


def hotspot_classify(
    points: Any,
    *,
    times: Any = None,
    precision: Any = None,
    period_length: Any = None,
    periods: int | None = None,
    end: Any = None,
    boundary: Any = None,
    cell_size: float | None = None,
    distance: float | None = None,
    alpha: float = ALPHA,
    fdr: bool = True,
    coverage: tuple[Any, Any] | None = None,
    persistent_share: float = PERSISTENT_SHARE,
    recent_share: float = RECENT_SHARE,
    hotspot_share: float = HOTSPOT_SHARE,
) -> ClassifyResult:
    """Classify grid cells by how their hot spot status changed over a series of periods.

    Parameters
    ----------
    points : DataFrame, GeoDataFrame or (n, 2) array
        Incidents in EPSG:27700 metres with their times: a frame with ``easting``,
        ``northing``, ``occurred_at`` (and ``date_precision``), a GeoDataFrame of points,
        or an array with ``times`` given.
    times, precision : optional
        Times and date precision, when ``points`` does not carry them.
    period_length : str, optional
        ``"week"``, ``"4 weeks"``, ``"month"``, ``"quarter"`` ... Default
        :func:`choose_period_length` (4 weeks for three years of Dartford violence).
        Week-based lengths are refused when every row is known only to the month.
    periods : int, optional
        How many periods. Default: every complete period the data cover.
    end : date, optional
        The end of the last period (exclusive; moved back to the start of its ISO week
        or month). Default: the end of the data.
    boundary : polygon or GeoDataFrame, optional
        The study area (EPSG:27700). Default: the incidents' extent.
    cell_size : float, optional
        Metres. Default :func:`hotspots.gistar.choose_gistar_cell_size` for the
        average period's incidents, so each period's Gi* has about 10 incidents per
        neighbourhood.
    distance : float, optional
        Gi* neighbourhood as a distance band (metres). Default: the 8 adjacent cells
        and the cell itself.
    alpha : float
        A cell is a hot (cold) spot in a period when its Gi* z > 0 (< 0) and its p,
        Benjamini-Hochberg adjusted across the cells of that period, is <= alpha
        (default 0.05); also the level of the Mann-Kendall trend.
    fdr : bool
        Adjust p-values for the number of cells (default True).
    coverage : (start, end), optional
        The dates the data cover; default from the first and last incident.
    persistent_share, recent_share, hotspot_share : float
        The shares of :func:`chainey_classes` (defaults 0.8, 0.2 and 0.1).

    Returns
    -------
    ClassifyResult
        ``.cells`` with ``pattern`` and ``chainey`` and the figures behind them,
        ``.summary()``, and the per-period arrays.

    Raises
    ------
    ValueError
        For invalid arguments, no times, fewer than 3 periods, week periods on rows
        known only to the month, or no incidents and no boundary.

    Notes
    -----
    Every period uses the same grid, so a cell is the same place throughout. ArcGIS
    computes a space-time Gi* (neighbours in the previous time steps too); here each
    period is its own map, as sfhotspot does, so a period's hot spots are those of
    that period alone. The rules are in :func:`arcgis_patterns` and
    :func:`chainey_classes`.

    The classes depend on the period length and cell size: short periods give sparse
    counts and few significant cells, so patterns look sporadic; long periods blur
    when a hot spot appeared. Both are reported in ``.parameters``.

    References
    ----------
    Esri, ArcGIS Pro tool reference: "How Emerging Hot Spot Analysis works" (Space
    Time Pattern Mining toolbox).
    Chainey, S. (2020) Understanding Crime: Analyzing the Geography of Crime. Redlands,
    CA: Esri Press: the persistent, emerging, former and intermittent hot spots, as
    cited and implemented by the R package sfhotspot (Ashby, M., ``hotspot_classify``
    and ``hotspot_classify_params``, whose default shares are used here).
    Mann, H. B. (1945) Nonparametric tests against trend. Econometrica 13, 245-259.
    Kendall, M. G. (1975) Rank Correlation Methods, 4th edn. Griffin.
    """
    # 1. Check inputs.
    pts, warnings = read_timed(points, times, precision, need_times="classifying hot spots over time")
    area = as_boundary(boundary)
    alpha = check_positive(alpha, "alpha", "")
    if not alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1; got {alpha!r}")
    if cell_size is not None:
        cell_size = check_positive(cell_size, "cell_size")
    if periods is not None and (not isinstance(periods, (int, np.integer)) or isinstance(periods, bool)
                                or periods < FEWEST_PERIODS):
        raise ValueError(f"`periods` must be a whole number, at least {FEWEST_PERIODS}; got {periods!r}")
    if not isinstance(fdr, (bool, np.bool_)):
        raise ValueError(f"`fdr` must be True or False; got {fdr!r}")
    shares = {"persistent_share": persistent_share, "recent_share": recent_share, "hotspot_share": hotspot_share}
    for name, value in shares.items():
        check_positive(value, name, "a share of the periods")
        if value > 1 or (name == "recent_share" and value == 1):  # some periods must be earlier
            raise ValueError(f"`{name}` must be a share between 0 and 1; got {value!r}")
    if len(pts) == 0:
        raise ValueError("`points` is empty: there is nothing to classify over time")
    length = parse_period_length(period_length) if period_length is not None else None
    keep, more = usable_for(pts, length or PeriodLength("month" if pts.all_month else "week"),
                            "classifying hot spots over time")
    warnings += more
    pts = pts.subset(keep)
    if area is not None:
        inside = contains_xy(area, pts.x, pts.y)
        if (~inside).any():
            warnings.append(f"{int((~inside).sum()):,} incident(s) outside the study area were left out")
        pts = pts.subset(inside)
        if len(pts) == 0:
            raise ValueError("no incidents inside `boundary`: there is nothing to classify over time")

    # 2. The periods.
    start = pd.Timestamp(coverage[0]).normalize() if coverage is not None else coverage_start(pts.times)
    stop = pd.Timestamp(coverage[1]).normalize() if coverage is not None else coverage_end(pts.times, pts.precision)
    if end is not None:
        try:
            end_day = pd.Timestamp(end).normalize()
        except (TypeError, ValueError):
            raise ValueError(f"`end` must be a date; got {end!r}") from None
        stop = min(stop, end_day) if stop is not None else end_day
    if length is None:
        length_choice = choose_period_length(pts, start, stop)
        length = parse_period_length(length_choice.value)
        if "fewer than" in length_choice.reason:
            warnings.append(f"period length {length}: {length_choice.reason.split(' (')[0]}")
    else:
        length_choice = given("period_length", str(length))
    if periods is None:
        series = complete_periods(start, stop, length)
        count_choice_reason = f"every complete period of {length.phrase} the data cover"
    else:
        series = complete_periods(pd.Timestamp("1900-01-01"), stop, length, limit=periods)
        count_choice_reason = "given"
        if series and series[0].start < start:
            warnings.append(f"the first periods start before the first incident ({start:%d %b %Y})")
    if len(series) < FEWEST_PERIODS:
        raise ValueError(
            f"the data cover {len(series)} complete period(s) of {length.phrase} "
            f"({start:%d %b %Y} to {stop - pd.Timedelta(days=1):%d %b %Y}); classifying hot spots over time needs "
            f"at least {FEWEST_PERIODS} (10 or more for a trend): choose a shorter `period_length`"
        )
    if len(series) < MIN_PERIODS:
        warnings.append(f"only {len(series)} periods: the Mann-Kendall trend needs about {MIN_PERIODS} to be reliable")
    which = assign_periods(pts.times, series)
    t = len(series)
    per_period = np.bincount(which[which >= 0], minlength=t)
    span = f"{series[0].start:%d %b %Y} to {series[-1].end - pd.Timedelta(days=1):%d %b %Y}"
    periods_choice = Parameter("periods", t, "", f"{count_choice_reason}: {span}", periods is None)

    # 3. The common grid.
    if area is not None:
        area_m2 = area.area
    else:
        area_m2 = max(np.ptp(pts.x) * np.ptp(pts.y), 1.0)
    mean_count = float(per_period.mean())
    if cell_size is None:
        rule = choose_gistar_cell_size(int(round(mean_count)), area_m2)
        cell_choice = chosen("cell_size", rule.value, "m", f"as Gi*, for the average period's {mean_count:,.0f} "
                             f"incidents: {rule.reason}")
    else:
        cell_choice = given("cell_size", cell_size, "m")
    c = float(cell_choice.value)
    kernel = neighbourhood(c, distance)
    grid = grid_for(c, boundary=area, points=Points(pts.x, pts.y, None))
    mask = cell_mask(grid, area)

    # 4. Gi* per period and the trend of each cell.
    counts = np.zeros((t, *grid.shape))
    z = np.full((t, *grid.shape), np.nan)
    p_adj = np.full((t, *grid.shape), np.nan)
    for k in range(t):
        rows = which == k
        counts[k] = bin_points(grid, pts.x[rows], pts.y[rows]) * mask
        z[k] = gistar_z(counts[k], mask, kernel)
        p = p_two_sided(z[k])
        p_adj[k] = fdr_bh(p) if fdr else p
    significant = np.nan_to_num(p_adj, nan=1.0) <= alpha
    hot = significant & (z > 0) & mask
    cold = significant & (z < 0) & mask
    rows_, cols_ = np.nonzero(mask)
    zs = z[:, rows_, cols_]
    mk = mann_kendall(zs)
    pattern = arcgis_patterns(hot[:, rows_, cols_], cold[:, rows_, cols_], mk.z, mk.p, alpha)
    chainey = chainey_classes(hot[:, rows_, cols_], persistent_share=persistent_share, recent_share=recent_share,
                              hotspot_share=hotspot_share)

    # 5. Cells, warnings and result.
    def on_grid(values, fill, dtype=None):
        out = np.full(grid.shape, fill, dtype=dtype or np.asarray(values).dtype)
        out[rows_, cols_] = values
        return out

    cells = cells_frame(grid, mask, {
        "pattern": on_grid(pattern, "", object),
        "chainey": on_grid(chainey, "", object),
        "count": counts.sum(axis=0).astype(np.int64),
        "hot_periods": hot.sum(axis=0).astype(np.int64),
        "cold_periods": cold.sum(axis=0).astype(np.int64),
        "final_z": z[-1],
        "trend_tau": on_grid(mk.tau, np.nan, float),
        "trend_z": on_grid(mk.z, np.nan, float),
        "trend_p": on_grid(mk.p, np.nan, float),
    })
    empty = int((per_period == 0).sum())
    if empty:
        warnings.append(f"{empty} period(s) without incidents: Gi* is undefined there and no cell is hot in them")
    per_nb = mean_count * kernel.sum() / max(int(mask.sum()), 1)
    if per_nb < 3:
        warnings.append(
            f"counts are sparse (about {per_nb:.1f} incidents per neighbourhood per period): few cells can be "
            "significant in any period; use longer periods or larger cells"
        )
    parameters = {
        p.name: p
        for p in (
            length_choice, periods_choice, cell_choice,
            chosen("distance", None, "", "the default neighbourhood: the 8 adjacent cells and the cell itself")
            if distance is None else given("distance", distance, "m"),
            chosen("alpha", alpha, "", "the default: hot or cold in a period at p_fdr <= 0.05; trend at p <= 0.05")
            if alpha == ALPHA else given("alpha", alpha),
            chosen("fdr", True, "", "the default: p-values adjusted across the cells of each period "
                   "(Benjamini-Hochberg)") if fdr else given("fdr", False),
        )
    }
    why = {"persistent_share": "Chainey (2020): persistent when hot in at least this share of all periods",
           "recent_share": f"Chainey (2020): the last {recent_share:.0%} of the periods are recent",
           "hotspot_share": "Chainey (2020): emerging, former or intermittent when hot in at least this share "
                            "of the recent, earlier or all periods"}
    defaults = {"persistent_share": PERSISTENT_SHARE, "recent_share": RECENT_SHARE, "hotspot_share": HOTSPOT_SHARE}
    for name, value in shares.items():
        parameters[name] = (chosen(name, float(value), "", f"the default, as sfhotspot: {why[name]}")
                            if value == defaults[name] else Parameter(name, float(value), "", why[name], False))
    return ClassifyResult(
        cells=cells, periods=tuple(series), counts=counts, z=z, hot=hot, cold=cold, grid=grid, mask=mask,
        parameters=parameters, warnings=tuple(warnings),
    )

