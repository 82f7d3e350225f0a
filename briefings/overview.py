"""The borough at a glance for a period: the Overview page and the PDF pack.

:func:`build_overview` reads the incidents of a :class:`~briefings.scope.Scope` once
(the period, the same period last year and two years of trend) and returns an
:class:`Overview` of plain DataFrames:

- ``totals``: counts by layer and by category against the same period last year,
  with an exact two-sided test of the change (the conditional binomial test of
  ``hotspots.focus.change_test``) and Benjamini-Hochberg within each level;
- ``trend``: counts per ISO week (per month for month-only sources) over two years;
- ``focus``: the borough, the night-time economy, Bluewater and Dartford Heath
  compared (``hotspots.focus.focus_area_stats``);
- ``changed``: the largest significant rises and falls by category and by LSOA.

:func:`default_period` is the last 4 complete ISO weeks the data cover, or the last
complete month when the source's dates are known only to the month (police.uk).
No Streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

import geodata
from briefings.scope import AREA_LABELS, LAYER_LABELS, Scope, select
from hotspots.focus import change_test, focus_area_stats
from hotspots.gistar import fdr_bh
from hotspots.periods import (
    MONTH, WEEK, Period, PeriodLength, as_period, coverage_end, last_complete_period, month_start,
    periods_ending, same_period_last_year,
)
from queries import incidents as q
from hotspots.geometry import contains_xy

ALPHA = 0.05
DEFAULT_WEEKS = 4
TREND_WEEKS = 104
TREND_MONTHS = 24
#: Rises and falls listed per kind (category, LSOA) in ``changed``.
TOP = 5
CHANGE_COLUMNS = ["count", "last_year", "change", "pct_change", "p", "p_fdr", "significant"]


@dataclass(frozen=True)
class Coverage:
    """The dates a source's rows cover, for the chosen layers (``end`` exclusive)."""

    start: pd.Timestamp
    end: pd.Timestamp
    month_only: bool


@dataclass(frozen=True, eq=False)
class Overview:
    """What the Overview shows; every table is a plain DataFrame.

    ``totals``: ``level`` (all, layer, category), ``layer``, ``category``, ``label`` and
    the change columns (``count``, ``last_year``, ``change``, ``pct_change``, ``p``,
    ``p_fdr``, ``significant``). ``trend``: ``start`` (of the week or month),
    ``layer`` (label), ``count``. ``focus``: ``area``, ``label``, ``count``,
    ``rate_per_km2``, ``share``, ``pai`` and the change columns. ``changed``: ``kind``
    (category or LSOA), ``name``, ``direction`` (rise or fall) and the change columns.
    ``incidents``: the period's located incidents in the area, for a map.
    """

    scope: Scope
    period: Period
    last_year: Period
    unit: str  # "week" or "month": the trend's step
    has_last_year: bool
    totals: pd.DataFrame
    trend: pd.DataFrame
    focus: pd.DataFrame
    changed: pd.DataFrame
    incidents: pd.DataFrame
    notes: tuple[str, ...]

    @property
    def total(self) -> pd.Series:
        """The row of all incidents in ``totals``."""
        return self.totals[self.totals["level"] == "all"].iloc[0]

    def sentences(self) -> list[str]:
        """'What changed most' as plain sentences, largest first."""
        out = []
        for r in self.changed.itertuples():
            what = f"{r.name}" if r.kind == "category" else f"LSOA {r.name}"
            out.append(
                f"{what}: {int(r.count):,} against {int(r.last_year):,} "
                f"({_pct(r.pct_change)}, {'up' if r.change > 0 else 'down'} {abs(int(r.change)):,}; p = {r.p_fdr:.3g})"
            )
        return out


def _pct(value: float) -> str:
    return f"{value:+.0%}" if math.isfinite(value) else "new"


def coverage(con, source: str, layers: tuple[str, ...] | None = None) -> Coverage | None:
    """First day, end (exclusive) and whether the latest rows are known only to the month."""
    spans = [s for s in (q.date_span(con, source, layer) for layer in (layers or (None,))) if s is not None]
    if not spans:
        return None
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    # Only the latest rows decide the default period: read two months of them, not everything.
    recent = q.fetch_incidents(
        con, q.IncidentFilter(source, layers=layers, start=pd.Timestamp(last) - pd.Timedelta(days=62), located_only=False),
        ("occurred_at", "date_precision"),
    )
    precision = recent["date_precision"].to_numpy(object)
    end = coverage_end(pd.DatetimeIndex(recent["occurred_at"]), precision)
    return Coverage(pd.Timestamp(first).normalize(), end, bool((precision == "month").all()))


def default_period(cov: Coverage) -> Period:
    """The last 4 complete ISO weeks, or the last complete month for month-only sources."""
    if cov.month_only:
        return last_complete_period(cov.end, MONTH)
    return last_complete_period(cov.end, PeriodLength("week", DEFAULT_WEEKS))


def _whole_months(period: Period) -> Period:
    start = month_start(period.start)
    end = month_start(period.end - pd.Timedelta(days=1)) + pd.DateOffset(months=1)
    return as_period((start, end), MONTH)


def _changes(frame: pd.DataFrame, keys: list[str], now: np.ndarray, then: np.ndarray,
             have_last_year: bool, alpha: float, share: float) -> pd.DataFrame:
    """Counts now and last year by ``keys``, the exact test and BH over the groups."""
    counts = pd.DataFrame({"now": now.astype(int), "then": then.astype(int)})
    for k in keys:
        counts[k] = frame[k].to_numpy()
    grouped = counts.groupby(keys, dropna=False)[["now", "then"]].sum().reset_index()
    grouped = grouped[(grouped["now"] > 0) | (grouped["then"] > 0)].rename(columns={"now": "count"})
    grouped["last_year"] = grouped.pop("then").astype(float) if have_last_year else math.nan
    return _test(grouped.reset_index(drop=True), alpha, share)


def _test(table: pd.DataFrame, alpha: float, share: float) -> pd.DataFrame:
    """Change, exact two-sided p (``share``: this period's days over both periods') and BH."""
    ly = table["last_year"].to_numpy(float)
    count = table["count"].to_numpy(float)
    table["change"] = count - ly
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_change"] = np.where(ly > 0, (count - ly) / ly, np.nan)
    table["p"] = [change_test(c, y, share) if math.isfinite(y) else math.nan for c, y in zip(count, ly)]
    p = table["p"].to_numpy(float)
    table["p_fdr"] = fdr_bh(p) if len(p) and np.isfinite(p).all() else p
    table["significant"] = table["p_fdr"].fillna(1.0) <= alpha
    return table


def _trend(frame: pd.DataFrame, usable: np.ndarray, last: Period, unit: str, cov: Coverage,
           layers: tuple[str, ...]) -> pd.DataFrame:
    periods = periods_ending(last, TREND_WEEKS if unit == "week" else TREND_MONTHS)
    # Only whole periods the data cover: a zero before the data began is not a count.
    periods = [p for p in periods if p.start >= cov.start and p.end <= cov.end]
    if not periods:
        return pd.DataFrame({"start": pd.Series(dtype="datetime64[ns]"), "layer": [], "count": []})
    starts = np.array([p.start.value for p in periods])
    t = pd.DatetimeIndex(frame["occurred_at"]).as_unit("ns").asi8
    k = np.searchsorted(starts, t, side="right") - 1
    ok = usable & (k >= 0) & (t < periods[-1].end.value)
    index = pd.MultiIndex.from_product([range(len(periods)), layers], names=["k", "layer"])
    counts = (
        pd.DataFrame({"k": k[ok], "layer": frame["layer"].to_numpy()[ok]})
        .value_counts().reindex(index, fill_value=0).rename("count").reset_index()
    )
    counts["start"] = [periods[i].start for i in counts["k"]]
    counts["layer"] = counts["layer"].map(lambda x: LAYER_LABELS.get(x, x))
    return counts[["start", "layer", "count"]]


def _focus(borough: pd.DataFrame, period: Period, cov: Coverage, alpha: float) -> pd.DataFrame:
    stats = focus_area_stats(borough, geodata.focus_areas(), boundary=geodata.borough_polygon(),
                             period=period, coverage=(cov.start, cov.end), alpha=alpha)
    table = pd.DataFrame(stats.table.drop(columns="geometry"))
    table.insert(1, "label", table["area"].map(lambda a: AREA_LABELS.get(a, a)))
    return table[["area", "label", "count", "rate_per_km2", "share", "pai", "area_km2", *CHANGE_COLUMNS[1:]]]


def _top_changes(table: pd.DataFrame, kind: str, names: pd.Series, top: int) -> pd.DataFrame:
    sig = table[table["significant"]].assign(kind=kind, name=names[table["significant"]])
    sig["direction"] = np.where(sig["change"] > 0, "rise", "fall")
    rises = sig[sig["change"] > 0].sort_values("change", ascending=False).head(top)
    falls = sig[sig["change"] < 0].sort_values("change").head(top)
    return pd.concat([rises, falls])


def _totals(frame: pd.DataFrame, now: np.ndarray, then: np.ndarray, have_last_year: bool,
            alpha: float, share: float) -> pd.DataFrame:
    everything = pd.DataFrame([{"count": int(now.sum()),
                                "last_year": float(then.sum()) if have_last_year else math.nan}])
    totals = pd.concat([
        _test(everything, alpha, share).assign(level="all", layer="", category="", label="All incidents"),
        _changes(frame, ["layer"], now, then, have_last_year, alpha, share).assign(level="layer", category=""),
        _changes(frame, ["layer", "category"], now, then, have_last_year, alpha, share).assign(level="category"),
    ], ignore_index=True)
    layer_names = totals["layer"].map(lambda x: LAYER_LABELS.get(x, x))
    totals["label"] = totals["label"].fillna(totals["category"].where(totals["level"] == "category", layer_names))
    totals["_order"] = totals["level"].map({"all": 0, "layer": 1, "category": 2})
    totals = totals.sort_values(["_order", "count"], ascending=[True, False], kind="stable")
    return totals[["level", "layer", "category", "label", *CHANGE_COLUMNS]].reset_index(drop=True)


def build_overview(con, scope: Scope, *, alpha: float = ALPHA, top: int = TOP) -> Overview:
    """The overview of ``scope``: its ``start``/``end`` are the period.

    Month-only sources are compared by whole months: a period that splits a month is
    widened to whole months, with a note. Raises ``ValueError`` for an unknown area or
    a time window on rows that have no time of day.
    """
    notes: list[str] = []
    cov = coverage(con, scope.source, scope.layers)
    period = as_period((scope.start, scope.end), WEEK)
    if cov is not None and cov.month_only and not (period.start.day == 1 and period.end.day == 1):
        period = _whole_months(period)
        notes.append(f"Dates of this source are known only to the month, so the period is {period.label}.")
    elif cov is not None and cov.month_only:
        period = as_period((period.start, period.end), MONTH)
    last_year = same_period_last_year(period)
    unit = "month" if cov is not None and cov.month_only else "week"
    trend_last = last_complete_period(period.end, MONTH if unit == "month" else WEEK)
    trend_first = periods_ending(trend_last, TREND_WEEKS if unit == "week" else TREND_MONTHS)[0].start
    read_start = min(trend_first, last_year.start)
    # One read of the whole borough: the focus areas are compared whatever area is chosen.
    sel = select(con, replace(scope, area="borough", start=read_start.date(), end=period.end.date()))
    borough = sel.incidents.reset_index(drop=True)
    notes += [f"Since {read_start:%d %b %Y}: {n[0].lower()}{n[1:]}" for n in sel.notes()]
    if cov is None:
        cov = Coverage(period.start, period.end, False)
    have_last_year = cov.start <= last_year.start
    if not have_last_year:
        notes.append(f"The data start on {cov.start:%d %b %Y}, after {last_year.label} began: "
                     "no comparison with last year.")
    if period.end > cov.end:
        notes.append(f"The data end on {cov.end - pd.Timedelta(days=1):%d %b %Y}, before the period ends: "
                     "counts are incomplete.")

    area = sel.area if scope.area == "borough" else geodata.area_geometry(scope.area)
    in_area = contains_xy(area, borough["easting"].to_numpy(float), borough["northing"].to_numpy(float))
    times = pd.DatetimeIndex(borough["occurred_at"])
    month_rows = borough["date_precision"].to_numpy(object) == "month"
    # A row known only to its month cannot be put in a week: it counts only in whole months.
    whole_months = period.start.day == 1 and period.end.day == 1
    usable = ~month_rows if not whole_months else np.ones(len(borough), bool)
    left_out = int((in_area & ~usable & (times >= month_start(period.start)) & (times < period.end)).sum())
    if left_out:
        notes.append(f"{left_out:,} incidents known only to the month are left out: they cannot be placed in "
                     "a period that splits a month.")
    now = in_area & usable & period.contains(times)
    then = in_area & usable & last_year.contains(times) if have_last_year else np.zeros(len(borough), bool)

    # Periods of unequal length (February, or whole months) are compared by daily rate.
    share = period.days / (period.days + last_year.days)
    totals = _totals(borough, now, then, have_last_year, alpha, share)
    trend_usable = ~month_rows if unit == "week" else np.ones(len(borough), bool)
    trend = _trend(borough[in_area].reset_index(drop=True), trend_usable[in_area], trend_last, unit, cov,
                   scope.layers)
    focus = _focus(borough[usable].reset_index(drop=True), period, cov, alpha)

    changed = pd.DataFrame(columns=["kind", "name", "direction", *CHANGE_COLUMNS])
    if have_last_year:
        cats = totals[totals["level"] == "category"]
        located = borough["lsoa21cd"].notna().to_numpy()
        lsoas = _changes(borough[located], ["lsoa21cd"], now[located], then[located], True, alpha, share)
        names = dict(zip(*[geodata.lsoas()[c] for c in ("lsoa21cd", "lsoa21nm")]))
        lsoa_names = lsoas["lsoa21cd"].map(lambda c: f"{c} {names[c]}" if c in names else c)
        changed = pd.concat([_top_changes(cats, "category", cats["category"], top),
                             _top_changes(lsoas, "LSOA", lsoa_names, top)], ignore_index=True)
        changed = changed[["kind", "name", "direction", *CHANGE_COLUMNS]].reset_index(drop=True)
    incidents = borough[in_area & now].reset_index(drop=True)
    return Overview(scope, period, last_year, unit, have_last_year, totals, trend, focus, changed, incidents,
                    tuple(notes))


def period_density(ov: Overview):
    """The period's kernel density over its incidents in the area (``hotspots.kde``), or None below 2."""
    from hotspots.kde import hotspot_kde

    frame = ov.incidents
    if len(frame) < 2:
        return None
    return hotspot_kde(frame[["easting", "northing"]].to_numpy(float), boundary=geodata.area_geometry(ov.scope.area))
