"""Figures for focus areas: ``focus_area_stats``.

For each area the CSP watches (the town-centre night-time economy, Bluewater, Dartford
Heath, any LSOA) and for the borough itself: how many incidents in a period, the rate
per km2, the share of the borough's incidents, the change against the same period last
year with an exact test, and the area's own PAI (its share of incidents over its share
of the borough's area: 5 means five times the borough's density).

The geometries are passed in: ``hotspots`` reads no files (``geodata.focus_areas()``,
``geodata.lsoas()`` and ``geodata.borough_polygon()`` provide them to callers).

Example
-------
>>> stats = focus_area_stats(incidents, focus_areas(), boundary=borough_polygon())   # doctest: +SKIP
>>> print(stats.summary())                                                          # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import stats

from hotspots.change import named_areas
from hotspots.gistar import fdr_bh
from hotspots.grid import CRS, as_boundary, check_positive
from hotspots.params import Parameter, chosen, given
from hotspots.periods import (
    MONTH,
    Period,
    PeriodLength,
    as_period,
    check_aligned,
    coverage_end,
    coverage_start,
    last_complete_period,
    read_timed,
    same_period_last_year,
    usable_for,
)
from hotspots.geometry import contains_xy

ALPHA = 0.05
#: Default period: the last four complete ISO weeks (a tasking cycle) for dated rows,
#: the last complete month for rows known only to the month.
DEFAULT_WEEKS = 4
COLUMNS = [
    "area", "count", "area_km2", "rate_per_km2", "share", "area_share", "pai", "last_year", "change",
    "pct_change", "p", "p_fdr", "significant",
]


def change_test(count: int, last_year: int, share: float = 0.5) -> float:
    """Two-sided exact test of equal daily rates in this period and last year's.

    Conditional on the total ``count + last_year``, ``count`` is Binomial(total,
    share) when the rate did not change, ``share`` being this period's days over both
    periods' days: 1/2 for periods of the same length, 29/57 for February 2024 against
    February 2023 (the conditional test for two Poisson counts, Przyborowski and
    Wilenski 1940). Returns ``scipy.stats.binomtest(count, total, share).pvalue``; 1
    when both are 0.
    """
    total = int(count) + int(last_year)
    if total == 0:
        return 1.0
    return float(stats.binomtest(int(count), total, share).pvalue)


@dataclass(frozen=True, eq=False)
class FocusStats:
    """Figures per area for a period, with the same period last year.

    Attributes
    ----------
    table : GeoDataFrame (EPSG:27700)
        One row per area (the borough first when ``boundary`` was given):
        ``count``, ``area_km2``, ``rate_per_km2``, ``share`` (of the borough's
        incidents), ``area_share`` (of the borough's area), ``pai`` (share over
        area_share), ``last_year``, ``change``, ``pct_change``, ``p`` (two-sided exact
        test of the change), ``p_fdr`` (Benjamini-Hochberg over the focus areas; the
        borough's row keeps its own p) and ``significant`` (p_fdr <= alpha).
    period, last_year : Period
    parameters : dict of str to Parameter
    warnings : tuple of str
    """

    table: Any
    period: Period
    last_year: Period
    parameters: dict[str, Parameter]
    warnings: tuple[str, ...]

    def summary(self) -> str:
        """A line per area."""
        lines = [f"{self.period.label} against {self.last_year.label}:"]
        for r in self.table.itertuples():
            change = "no figure for last year" if not math.isfinite(r.last_year) else (
                f"{int(r.last_year):,} last year ({_pct(r.pct_change)}{', significant' if r.significant else ''})"
            )
            lines.append(
                f"  {r.area:<12} {int(r.count):>6,} incidents, {r.rate_per_km2:>8,.1f} per km2, "
                f"{r.share:>6.1%} of the borough's, PAI {r.pai:>5.1f}; {change}"
            )
        return "\n".join(lines)


def _last_year_reason(period: Period) -> str:
    if period.length is not None and period.length.unit == "month":
        return "the same months a year earlier"
    if period.whole_weeks:
        return "the same period 52 weeks earlier, so the same weekdays are compared"
    return "the same dates a year earlier (the period is not whole weeks)"


def _pct(value: float) -> str:
    return f"{value:+.0%}" if math.isfinite(value) else "new"


def focus_area_stats(
    points: Any,
    areas: Any,
    *,
    times: Any = None,
    precision: Any = None,
    boundary: Any = None,
    boundary_name: str = "borough",
    period: Any = None,
    alpha: float = ALPHA,
    coverage: tuple[Any, Any] | None = None,
) -> FocusStats:
    """Counts, rate, share, change on last year and PAI for each area.

    Parameters
    ----------
    points : DataFrame, GeoDataFrame or (n, 2) array
        Incidents in EPSG:27700 metres with their times: a frame with ``easting``,
        ``northing``, ``occurred_at`` (and ``date_precision``), a GeoDataFrame of points,
        or an array with ``times`` given, covering the period and the
        same period last year.
    areas : dict of name -> polygon, GeoDataFrame (``area``, ``name`` or
        ``lsoa21cd`` column names each row), or one polygon
        The focus areas (EPSG:27700).
    times, precision : optional
        Times and date precision, when ``points`` does not carry them.
    boundary : polygon or GeoDataFrame, optional
        The borough: its incidents are the denominator of ``share`` and its area that
        of ``area_share``; it gets a row of its own, named ``boundary_name``. Without
        it, shares are of all the incidents given and of the areas' combined extent.
    period : (start, end) pair of dates (end exclusive), a date or a Period, optional
        Default: the last 4 complete ISO weeks in the data, or the last complete month
        when every row is known only to the month. A date means the ISO week holding it.
    alpha : float
        Level for ``significant`` (on the FDR-adjusted p; default 0.05).
    coverage : (start, end), optional
        The dates the data cover; default from the first and last incident. Last year's
        figures are left blank when it falls outside.

    Returns
    -------
    FocusStats
        ``.table`` (GeoDataFrame), ``.summary()``, ``.parameters``, ``.warnings``.

    Raises
    ------
    ValueError
        For invalid arguments, no times, or a period that splits months when rows are
        known only to the month.

    Notes
    -----
    Last year is the same period 52 weeks earlier (12 months for whole months), so the
    same weekdays are compared. The change is tested with the conditional binomial
    test for two Poisson counts (:func:`change_test`), exact and two-sided: it allows
    for chance in both years, where a Poisson test against last year's count as if it
    were the true rate would call too many changes significant.

    An area's incidents are those inside its polygon, whether or not it lies wholly in
    the borough; its PAI compares its density with the borough's.
    """
    # 1. Check inputs.
    pts, warnings = read_timed(points, times, precision, need_times="focus area statistics")
    border = as_boundary(boundary)
    named = named_areas(areas)
    if not named:
        raise ValueError("`areas` is empty: give at least one focus area (name -> polygon)")
    alpha = check_positive(alpha, "alpha", "")
    if not alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1; got {alpha!r}")
    if coverage is not None:
        try:
            coverage = (pd.Timestamp(coverage[0]).normalize(), pd.Timestamp(coverage[1]).normalize())
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"`coverage` must be a (start, end) pair of dates; got {coverage!r}") from None

    # 2. The period and last year.
    month_only = len(pts) > 0 and pts.all_month
    if period is None:
        end = coverage[1] if coverage is not None else coverage_end(pts.times, pts.precision)
        if end is None:
            raise ValueError("there are no dated incidents to choose the period from: pass `period`")
        if month_only:
            the_period = last_complete_period(end, MONTH)
            why = "the last complete month in the data (every row is known only to its month)"
        else:
            the_period = last_complete_period(end, PeriodLength("week", DEFAULT_WEEKS))
            why = "the last 4 complete ISO weeks in the data, a tasking cycle"
        period_choice = chosen("period", the_period.label, "", why)
    else:
        the_period = as_period(period, PeriodLength("week"))
        period_choice = given("period", the_period.label)
    before = same_period_last_year(the_period)
    month_ok = all(p.start.day == 1 and p.end.day == 1 for p in (the_period, before))
    if len(pts):
        keep, more = usable_for(pts, MONTH if month_ok else PeriodLength("week"), "focus area statistics")
        warnings += more
        pts = pts.subset(keep)
        check_aligned(the_period, pts, "the period")
    first = coverage[0] if coverage is not None else coverage_start(pts.times)
    last = coverage[1] if coverage is not None else coverage_end(pts.times, pts.precision)
    have_last_year = first is not None and before.start >= first
    if not have_last_year:
        since = f"{first:%d %b %Y}" if first is not None else "nowhere"
        warnings.append(f"the data start {since}, after {before.label} began: no change against last year")
    if last is not None and the_period.end > last:
        warnings.append(f"the data end on {last - pd.Timedelta(days=1):%d %b %Y}, before the period ends: "
                        "counts are incomplete")

    # 3. Count.
    now = the_period.contains(pts.times)
    then = before.contains(pts.times)
    if border is not None:
        in_border = contains_xy(border, pts.x, pts.y) if len(pts) else np.zeros(0, bool)
        total_area = border.area
        total_now, total_then = int((in_border & now).sum()), int((in_border & then).sum())
        items = [(boundary_name, border)] + named
    else:
        total_area = shapely.union_all([g for _, g in named]).envelope.area
        total_now, total_then = int(now.sum()), int(then.sum())
        items = named
        warnings.append("no `boundary`: shares are of all the incidents given and of the areas' combined extent")
    share_days = the_period.days / (the_period.days + before.days)  # months and years differ in length
    rows = []
    for name, geom in items:
        inside = contains_xy(geom, pts.x, pts.y) if len(pts) else np.zeros(0, bool)
        count = int((inside & now).sum())
        ly = int((inside & then).sum()) if have_last_year else math.nan
        km2 = geom.area / 1e6
        share = count / total_now if total_now else math.nan
        area_share = geom.area / total_area
        rows.append({
            "area": name, "count": count, "area_km2": km2, "rate_per_km2": count / km2,
            "share": share, "area_share": area_share,
            "pai": share / area_share if math.isfinite(share) and area_share > 0 else math.nan,
            "last_year": ly,
            "change": count - ly if have_last_year else math.nan,
            "pct_change": (count - ly) / ly if have_last_year and ly > 0 else math.nan,
            "p": change_test(count, ly, share_days) if have_last_year else math.nan,
            "geometry": geom,
        })
    frame = pd.DataFrame(rows)
    # The areas are one family of tests; the borough's own row is not among them.
    family = slice(1, None) if border is not None else slice(None)
    frame["p_fdr"] = frame["p"]
    frame.loc[frame.index[family], "p_fdr"] = fdr_bh(frame["p"].to_numpy(dtype=float)[family])
    frame["significant"] = frame["p_fdr"].fillna(1.0) <= alpha
    import geopandas as gpd

    table = gpd.GeoDataFrame(frame[COLUMNS], geometry=frame["geometry"].tolist(), crs=CRS)
    if total_now == 0:
        warnings.append(f"no incidents in {the_period.label}")
    parameters = {
        p.name: p
        for p in (
            period_choice,
            chosen("last_year", before.label, "", _last_year_reason(the_period)),
            chosen("alpha", alpha, "", "the default: significant at p_fdr <= 0.05") if alpha == ALPHA
            else given("alpha", alpha),
        )
    }
    return FocusStats(table, the_period, before, parameters, tuple(warnings))
