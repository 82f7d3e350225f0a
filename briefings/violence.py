"""The Weekly violence briefing: ``weekly_violence`` (no Streamlit; the page and the PDF pack render it).

For one ISO week (Monday to Sunday; default the last complete week the data cover) of
violence and public-order offences in an area: the week's KDE hot spots, change per
cell and focus area against a baseline, new/emerging/persistent classes over the 13
weeks ending with the week, the NTE zone and Bluewater side by side, the top hot spots
with their streets and peak hours, and the accuracy line of the weekly back-test.

police.uk dates are months only, so no week can be drawn from them: for a month-only
source the briefing covers the month instead (``weekly`` is False), says so in
``notes``, and has no hours, NTE window or back-test. Every analysis that cannot run on
the data leaves its field None and a note why; only a source or week with no data at
all raises :class:`BriefingError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

import geodata
from briefings.scope import NTE_DAYS, NTE_HOURS, Scope, area_label, select, window_filter
from hotspots.accuracy import BacktestResult, backtest
from hotspots.change import ChangeResult, hotspot_change, parse_baseline, poisson_rise_p
from hotspots.classify import ClassifyResult, hotspot_classify
from hotspots.kde import KDEResult, hotspot_kde
from hotspots.periods import (MONTH, WEEK, Period, as_period, last_complete_period, month_start,
                              same_period_last_year)
from queries import incidents as q
from hotspots.geometry import contains_xy

VIOLENCE_CATEGORIES = ("Violence and sexual offences", "Public order")
BASELINES = ("previous 4 weeks", "previous 8 weeks", "previous 13 weeks", "last year")
MONTH_BASELINE = "previous 3 months"
FOCUS = ("nte", "bluewater")
TOP_N = 10
#: A hot spot holding one incident in the period is a dot, not a concentration: not listed.
MIN_TOP_COUNT = 2
CLASSIFY_PERIODS = 13
BACKTEST_WEEKS, TRAIN_WEEKS = 12, 4
#: The weekly map's quartic radius. The automatic rule scales with the spread of the whole
#: borough (about 850 m for a week of violence), which merges the town centre into one 3 km2
#: hot spot with no street to task to; at 250 m the hot spots are streets, and the back-test
#: over 40 weeks of the demo data scores them higher (hit rate 47% against 40%, PAI 9.3 against 7.9).
WEEK_BANDWIDTH_M = 250.0
#: Cells of a borough-wide weekly map: a fifth of the bandwidth; finer cells only slow the back-test.
#: Smaller areas keep the automatic (finer) cells.
WEEK_CELL_M, FINE_AREA_M2 = 50.0, 10e6
#: Width of the peak-hours window: a week's few incidents per hot spot rarely fix a single hour.
PEAK_SPAN = 3
#: Priority of the labels a hot spot takes from the classify cells it touches: the newest first.
STATUS_ORDER = ("new", "emerging", "intensifying", "consecutive", "persistent", "sporadic", "oscillating",
                "intermittent", "diminishing", "historical", "former")
READ_COLUMNS = ("category", "occurred_at", "date_precision", "easting", "northing", "longitude", "latitude",
                "location", "location_method", "source")


class BriefingError(ValueError):
    """Nothing to brief (no violence in the source, or a week outside the data); the message says why."""


@dataclass(frozen=True, eq=False)
class WeeklyViolence:
    """The briefing. ``period`` is the ISO week, or the month when ``weekly`` is False.

    ``count``, ``expected`` (from the ``baseline``) and ``last_year`` (None when the data do
    not reach back) are for the area after the NTE window. ``focus`` has one row per focus
    area, ``top`` one per hot spot (rank order), ``incidents`` the period's incidents in
    the area (for the map's points). ``notes`` say what was left out and why.
    """

    source: str
    area: str
    nte_only: bool
    weekly: bool
    period: Period
    baseline: str
    coverage: tuple[pd.Timestamp, pd.Timestamp]
    count: int
    expected: float
    last_year: int | None
    kde: KDEResult | None
    change: ChangeResult | None
    classify: ClassifyResult | None
    backtest: BacktestResult | None
    accuracy: str
    focus: pd.DataFrame
    top: pd.DataFrame
    incidents: pd.DataFrame
    notes: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def title(self) -> str:
        nte = " in the NTE window (Fri and Sat 20:00 to 04:00)" if self.nte_only else ""
        what = f"Violence and public order{nte}"
        return f"{what} · {area_label(self.area)} · {self.period.label}"

    def headline(self) -> str:
        """One line: this period against the baseline and last year."""
        text = (f"{self.count:,} incidents, {self.expected:,.1f} expected from the {self.baseline} "
                f"({pct(self.count, self.expected)})")
        if self.last_year is not None:
            text += f"; {self.last_year:,} in the same {'week' if self.weekly else 'month'} last year"
        return text


def pct(count: float, expected: float) -> str:
    if expected > 0:
        return f"{(count - expected) / expected:+.0%}"
    return "none expected" if count else "no change"


def nte_window(times: Any, precision: Any):
    """The NTE nights (Friday and Saturday 20:00 to 04:00, each night on its evening's date)."""
    return window_filter(times, precision, NTE_DAYS, NTE_HOURS)


def is_weekly(con, source: str) -> bool:
    """True when the source's recent offences carry dates to the day (else they are months: police.uk)."""
    span = q.date_span(con, source, "offence")
    if span is None:
        return False
    last = pd.Timestamp(span[1])
    f = q.IncidentFilter(source, layers=("offence",), start=last - pd.Timedelta(days=92), located_only=False)
    precision = q.fetch_incidents(con, f, ("date_precision",))["date_precision"]
    return bool((precision != "month").any())


def coverage(con, source: str, weekly: bool) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first day, end exclusive) of the source's offences; a month-only row covers its month."""
    span = q.date_span(con, source, "offence")
    if span is None:
        return None
    first, last = pd.Timestamp(span[0]).normalize(), pd.Timestamp(span[1]).normalize()
    return first, (last + pd.Timedelta(days=1)) if weekly else month_start(last) + pd.DateOffset(months=1)


def available_periods(con, source: str) -> tuple[bool, list[Period]]:
    """(weekly, the complete weeks, or months, the source covers, newest first): the week picker's options."""
    weekly = is_weekly(con, source)
    cov = coverage(con, source, weekly)
    if cov is None:
        return weekly, []
    p, out = last_complete_period(cov[1], WEEK if weekly else MONTH), []
    while p.start >= cov[0]:
        out.append(p)
        p = p.shift(-1)
    return weekly, out


def weekly_violence(con, source: str | None = None, week: Any = None, *, area: str = "borough",
                    nte_only: bool = False, baseline: str = BASELINES[0],
                    categories: tuple[str, ...] = VIOLENCE_CATEGORIES, top_n: int = TOP_N,
                    bandwidth: float | None = WEEK_BANDWIDTH_M) -> WeeklyViolence:
    """The Weekly violence briefing for ``week`` (any date in it; default the last complete week).

    ``source`` defaults to the one with most exact times; ``area`` is ``borough``, a focus
    area or an LSOA code; ``nte_only`` keeps the NTE nights only; ``baseline`` is one of
    :data:`BASELINES`; ``bandwidth`` None uses the automatic rule. Raises :class:`BriefingError`
    (a ValueError) when there is nothing to brief, ValueError for an unknown area or baseline.
    """
    source = source or q.default_source(con, "offence")
    geom = geodata.area_geometry(area)
    if source is None:
        raise BriefingError("the store holds no offences yet: import some first")
    weekly = is_weekly(con, source)
    cov = coverage(con, source, weekly)
    if cov is None:
        raise BriefingError(f"{source} holds no offences")
    notes: list[str] = []
    length = WEEK if weekly else MONTH
    if not weekly:
        notes.append(f"{source} dates are months only (police.uk publishes no days or times): weekly views need "
                     "exact dates, so this shows the whole month, with no hours and no NTE window.")
    period = last_complete_period(cov[1], length) if week is None else as_period(week, length)
    if period.start < cov[0] or period.end > cov[1]:
        last = last_complete_period(cov[1], length)
        raise BriefingError(f"{source} covers {cov[0]:%d %b %Y} to {cov[1] - pd.Timedelta(days=1):%d %b %Y}, "
                            f"not all of {period.label}; the last complete {length} is {last.label}")
    if not weekly and "week" in str(baseline):
        notes.append(f"Baseline: the {MONTH_BASELINE}, as months are the only periods this source has.")
        baseline = MONTH_BASELINE
    windows, base_name = parse_baseline(baseline, period)
    scale = period.days / sum(w.days for w in windows)
    ly = same_period_last_year(period)

    # Read the borough (all focus areas and LSOAs are in it) once for the recent weeks and once for last year.
    back = max(CLASSIFY_PERIODS, BACKTEST_WEEKS + TRAIN_WEEKS)
    start = min(*(w.start for w in windows), period.start - length.offset(back))
    spans = [(start, period.end)] + ([] if ly.end > start else [(ly.start, ly.end)])
    scope = Scope(source, ("offence",), spans[0][0].date(), spans[0][1].date(), tuple(categories))
    full = pd.concat([select(con, scope.with_period(a.date(), b.date()), READ_COLUMNS).frame for a, b in spans],
                     ignore_index=True)
    times = pd.DatetimeIndex(full["occurred_at"])
    precision = full["date_precision"].to_numpy(object)
    in_area = contains_xy(geom, full["easting"].to_numpy(float), full["northing"].to_numpy(float))
    usable = precision != "month" if weekly else np.ones(len(full), bool)
    months = (times >= month_start(period.start)) & (times < period.end)
    if (n := int((~usable & in_area & months).sum())):
        notes.append(f"{n:,} incidents known only to their month were left out: they cannot be placed in a week.")

    keep = usable.copy()
    if nte_only and weekly:
        try:
            tf = nte_window(times, precision)
            keep &= tf.keep
            if (n := int((in_area & period.contains(times) & usable & (precision != "minute")).sum())):
                notes.append(f"{n:,} incidents in the {length} have no exact time and are left out of the NTE window.")
        except ValueError as exc:
            nte_only = False
            notes.append(f"The NTE window could not be applied ({exc}); showing all hours.")
    elif nte_only:
        nte_only = False
    frame = full[keep].reset_index(drop=True)
    ft, fin = times[keep], in_area[keep]
    in_period = period.contains(ft)
    in_base = np.any([w.contains(ft) for w in windows], axis=0)
    count, base = int((fin & in_period).sum()), int((fin & in_base).sum())
    ly_count = int((fin & ly.contains(ft)).sum()) if ly.start >= cov[0] else None
    if ly_count is None:
        notes.append(f"The data start on {cov[0]:%d %b %Y}: there is no figure for {ly.label}.")
    if min(w.start for w in windows) < cov[0]:
        notes.append(f"The {base_name} start before the data ({cov[0]:%d %b %Y}): the expected count is too low.")
    if area == "borough":
        unlocated = q.count_unlocated(con, q.IncidentFilter(source, ("offence",), tuple(categories), period.start,
                                                            period.end))
        if unlocated:
            notes.append(f"{unlocated:,} incidents have no location: not counted or mapped here.")

    warnings: list[str] = []
    problems: dict[str, str] = {}

    def attempt(what: str, run, note: bool = True):
        # An analysis the data cannot support leaves a note, never an exception for the page.
        try:
            result = run()
        except ValueError as exc:
            problems[what] = str(exc)
            if note:
                notes.append(f"No {what}: {exc}.")
            return None
        warnings.extend(f"{what}: {w}" for w in result.warnings)
        return result

    xy = frame[["easting", "northing"]].to_numpy(float)
    kde_args = {"bandwidth": bandwidth, "cell_size": WEEK_CELL_M if geom.area >= FINE_AREA_M2 else None}
    kde = attempt("hot spot map", lambda: hotspot_kde(xy[in_period], boundary=geom, **kde_args))
    # Change gets the whole read, so the focus areas are tested even when the area is elsewhere.
    change = attempt("change", lambda: hotspot_change(
        frame[in_period | in_base], boundary=geom, areas=geodata.focus_areas(), period=period,
        baseline=baseline, coverage=cov))
    classify = attempt("new, emerging and persistent classes", lambda: _classify(frame[fin], geom, period, cov, weekly))
    test = None
    accuracy = "The accuracy back-test scores weekly maps: it needs exact dates, which this source does not have."
    if weekly:
        test = attempt("accuracy line", lambda: _backtest(frame, geom, period, cov, kde_args), note=False)
        accuracy = f"Accuracy: {test.sentence('kde')}." if test is not None else \
            f"No accuracy line: {problems['accuracy line']}."
    top = _top_table(frame[in_period & fin], frame[in_base & fin], kde, classify, scale, top_n)
    focus = _focus_table(full[usable], times[usable], precision[usable], keep[usable], period, windows, ly,
                         cov, scale, change, weekly)
    return WeeklyViolence(
        source=source, area=area, nte_only=nte_only, weekly=weekly, period=period, baseline=base_name,
        coverage=cov, count=count, expected=base * scale, last_year=ly_count, kde=kde, change=change,
        classify=classify, backtest=test, accuracy=accuracy, focus=focus, top=top,
        incidents=frame[in_period & fin].reset_index(drop=True), notes=tuple(notes), warnings=tuple(warnings))


def _classify(frame, geom, period: Period, cov, weekly: bool) -> ClassifyResult:
    length = WEEK if weekly else MONTH
    n, p = 0, period
    while n < CLASSIFY_PERIODS and p.start >= cov[0]:
        n, p = n + 1, p.shift(-1)
    if n < 3:
        raise ValueError(f"the data cover {n} complete {length}(s) up to {period.label}; at least 3 are needed")
    return hotspot_classify(frame, period_length=str(length), periods=n, end=period.end, boundary=geom,
                            coverage=cov)


def _backtest(frame, geom, period: Period, cov, kde_args: dict) -> BacktestResult:
    weeks = min(BACKTEST_WEEKS, int((period.end - cov[0]).days // 7) - TRAIN_WEEKS)
    if weeks < 1:
        raise ValueError(f"the data start on {cov[0]:%d %b %Y}: too few weeks before {period.label} to score a map")
    # The same bandwidth and cells as the page's map, so the line speaks for that map.
    return backtest(frame, boundary=geom, weeks=weeks, train_weeks=TRAIN_WEEKS, end=period.end, methods=("kde",),
                    bandwidth=kde_args["bandwidth"], kde_cell_size=kde_args["cell_size"])


def street(locations: pd.Series) -> str:
    """The most frequent location text, without police.uk's 'On or near' prefix."""
    text = locations.dropna().astype(str).str.strip().str.removeprefix("On or near ").str.strip()
    text = text[text != ""]
    return "" if text.empty else str(text.value_counts().index[0])


def peak_hours(times: pd.Series, precision: pd.Series, span: int = PEAK_SPAN) -> str:
    """The ``span``-hour window (wrapping midnight) holding most exact-time incidents: '22:00-00:59 (4 of 6)'."""
    hours = pd.DatetimeIndex(times[precision.to_numpy(object) == "minute"]).hour.to_numpy()
    if hours.size == 0:
        return ""
    counts = np.bincount(hours, minlength=24)
    windows = np.array([counts[(h + np.arange(span)) % 24].sum() for h in range(24)])
    h = int(windows.argmax())
    return f"{h:02d}:00-{(h + span - 1) % 24:02d}:59 ({int(windows[h])} of {hours.size})"


def _status(classify: ClassifyResult | None, polygon) -> str:
    if classify is None:
        return ""
    cells = classify.cells[classify.cells.intersects(polygon)]
    labels = set(cells["pattern"]) | set(cells["chainey"])
    for word in STATUS_ORDER:
        if any(label.startswith(word) and "hot" in label for label in labels):
            return word
    return ""


TOP_COLUMNS = ["rank", "hotspot", "street", "count", "expected", "change", "pct_change", "p", "status",
               "peak_hours", "timed", "untimed", "area_km2", "latitude", "longitude"]


def _top_table(week: pd.DataFrame, base: pd.DataFrame, kde: KDEResult | None, classify, scale: float,
               top_n: int) -> pd.DataFrame:
    """One row per KDE hot spot, most incidents first: street, count, change and peak hours."""
    rows = []
    spots = kde.hotspots if kde is not None else pd.DataFrame({"geometry": []})
    counts = [int(contains_xy(g, week["easting"].to_numpy(float), week["northing"].to_numpy(float)).sum())
              for g in spots.geometry]
    order = sorted((i for i, n in enumerate(counts) if n >= MIN_TOP_COUNT), key=lambda i: -counts[i])
    for i in order[:top_n]:
        spot = spots.iloc[i]
        inside = week[contains_xy(spot.geometry, week["easting"].to_numpy(float),
                                          week["northing"].to_numpy(float))]
        before = int(contains_xy(spot.geometry, base["easting"].to_numpy(float),
                                         base["northing"].to_numpy(float)).sum())
        expected = before * scale
        timed = int((inside["date_precision"] == "minute").sum())
        centre = geodata.bng_to_lonlat(*shapely.centroid(spot.geometry).coords[0])
        rows.append({
            "hotspot": int(spot["hotspot"]), "street": street(inside["location"]), "count": len(inside),
            "expected": expected, "change": len(inside) - expected,
            "pct_change": (len(inside) - expected) / expected if expected > 0 else math.nan,
            "p": float(poisson_rise_p(np.array([len(inside)]), np.array([expected]), np.array([before]), scale)[0]),
            "status": _status(classify, spot.geometry),
            "peak_hours": peak_hours(inside["occurred_at"], inside["date_precision"]),
            "timed": timed, "untimed": len(inside) - timed, "area_km2": float(spot["area_km2"]),
            "latitude": float(centre[1]), "longitude": float(centre[0]),
        })
    # Ties on count: the larger rise first.
    table = pd.DataFrame(rows, columns=TOP_COLUMNS[1:])
    table = table.sort_values(["count", "change"], ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


FOCUS_COLUMNS = ["area", "label", "count", "expected", "last_year", "change", "pct_change", "class",
                 "nte_window", "nte_share", "untimed"]


def _focus_table(full, times, precision, keep, period, windows, ly, cov, scale, change, weekly) -> pd.DataFrame:
    """NTE zone and Bluewater: counts (after the NTE toggle), and the NTE window's share of their exact-time rows."""
    e, n = full["easting"].to_numpy(float), full["northing"].to_numpy(float)
    in_period = period.contains(times)
    in_base = np.any([w.contains(times) for w in windows], axis=0)
    night = nte_window(times, precision).keep if weekly and (precision == "minute").any() else np.zeros(len(full), bool)
    classes = {} if change is None or change.areas is None else dict(zip(change.areas["area"], change.areas["class"]))
    rows = []
    for key in FOCUS:
        inside = contains_xy(geodata.area_geometry(key), e, n)
        count = int((inside & in_period & keep).sum())
        expected = float((inside & in_base & keep).sum()) * scale
        timed = int((inside & in_period & (precision == "minute")).sum())
        nights = int((inside & in_period & night).sum())
        rows.append({
            "area": key, "label": area_label(key), "count": count, "expected": expected,
            "last_year": int((inside & ly.contains(times) & keep).sum()) if ly.start >= cov[0] else None,
            "change": count - expected, "pct_change": (count - expected) / expected if expected > 0 else math.nan,
            "class": classes.get(key, ""), "nte_window": nights if timed else None,
            "nte_share": nights / timed if timed else math.nan,
            "untimed": int((inside & in_period).sum()) - timed,
        })
    return pd.DataFrame(rows, columns=FOCUS_COLUMNS)
