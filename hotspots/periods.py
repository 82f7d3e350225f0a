"""Periods of time and the dates they need: weeks, months, baselines and time filters.

Shared by the analyses that compare time periods (:mod:`hotspots.change`,
:mod:`hotspots.classify`, :mod:`hotspots.accuracy`, :mod:`hotspots.focus`):

- :class:`PeriodLength` is "1 week", "4 weeks", "month", "quarter" ...;
  :func:`parse_period_length` reads it from text.
- :class:`Period` is a half-open interval ``[start, end)`` of whole days. Weeks are ISO
  weeks, Monday 00:00 to the next Monday 00:00; months are calendar months.
- :func:`last_complete_period` is the latest period the data cover entirely;
  :func:`periods_ending` a run of consecutive periods ending at a given one;
  :func:`same_period_last_year` the period a year before (52 weeks, so weekdays line up).
- :func:`read_timed` reads points with their times and date precision;
  :func:`usable_for` keeps the rows whose dates are precise enough for a period length
  (a police.uk row known only to its month cannot be put in a week) and refuses,
  naming the reason, when none are.
- :func:`filter_times` applies hour-of-day and day-of-week filters, which need exact
  times: it leaves out rows known only to the day or month, says how many and why, and
  refuses when no row has the precision the filter needs.

Nothing here invents a time: a month-precision row stays a month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots.dbscan import read_points

#: Date precisions from coarsest to finest, as stored in ``incidents.date_precision``.
PRECISIONS = ("month", "day", "minute")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --------------------------------------------------------------------------------------
# Period lengths and periods
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodLength:
    """A number of ISO weeks or calendar months.

    Week-based periods need dates known to the day; month-based periods only to the
    month (police.uk rows are fine).
    """

    unit: str  # "week" or "month"
    n: int = 1

    def __post_init__(self):
        if self.unit not in ("week", "month"):
            raise ValueError(f"a period length is counted in 'week' or 'month'; got {self.unit!r}")
        if not isinstance(self.n, (int, np.integer)) or self.n < 1:
            raise ValueError(f"a period length needs a whole number of {self.unit}s, at least 1; got {self.n!r}")

    @property
    def needs(self) -> str:
        """The coarsest date precision that places a row in one period."""
        return "day" if self.unit == "week" else "month"

    def offset(self, k: int = 1) -> pd.DateOffset:
        """``k`` periods as a pandas offset."""
        return pd.DateOffset(weeks=self.n * k) if self.unit == "week" else pd.DateOffset(months=self.n * k)

    @property
    def phrase(self) -> str:
        """``"a week"``, ``"4 weeks"``, ``"a month"``, ``"a quarter"``: for sentences."""
        text = str(self)
        return f"a {text}" if text in ("week", "month", "quarter", "year") else text

    def __str__(self) -> str:
        if self.unit == "month" and self.n == 3:
            return "quarter"
        if self.unit == "month" and self.n == 12:
            return "year"
        return f"{self.n} {self.unit}s" if self.n > 1 else self.unit


WEEK = PeriodLength("week", 1)
MONTH = PeriodLength("month", 1)

_NAMED = {"week": WEEK, "fortnight": PeriodLength("week", 2), "month": MONTH,
          "quarter": PeriodLength("month", 3), "year": PeriodLength("month", 12)}


def parse_period_length(value: Any, name: str = "period_length") -> PeriodLength:
    """``"week"``, ``"4 weeks"``, ``"month"``, ``"3 months"``, ``"quarter"``, ``"year"``,
    an int (weeks) or a :class:`PeriodLength`.

    Raises ValueError naming ``name`` for anything else (days and hours are refused:
    periods are whole weeks, so that every period holds the same mix of weekdays).
    """
    if isinstance(value, PeriodLength):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return PeriodLength("week", int(value))
    error = (
        f"`{name}` must be a number of weeks or months such as 'week', '4 weeks', 'month', "
        f"'3 months', 'quarter' or 'year'; got {value!r}"
    )
    if not isinstance(value, str):
        raise ValueError(error)
    text = value.strip().lower()
    if text in _NAMED:
        return _NAMED[text]
    match = re.fullmatch(r"(\d+)\s*-?\s*(week|month|quarter|year)s?", text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(error)
    n, unit = int(match.group(1)), match.group(2)
    if unit == "quarter":
        return PeriodLength("month", 3 * n)
    if unit == "year":
        return PeriodLength("month", 12 * n)
    return PeriodLength(unit, n)


def _day(value: Any) -> pd.Timestamp:
    try:
        t = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"not a date: {value!r}") from None
    if t.tzinfo is not None:
        t = t.tz_localize(None)  # the local date, as read_timed reads times by the wall clock
    return t.normalize()


def week_start(t: Any) -> pd.Timestamp:
    """Monday 00:00 of the ISO week holding ``t``."""
    day = _day(t)
    return day - pd.Timedelta(days=day.weekday())


def month_start(t: Any) -> pd.Timestamp:
    """The 1st, 00:00, of the month holding ``t``."""
    day = _day(t)
    return day.replace(day=1)


@dataclass(frozen=True)
class Period:
    """The half-open interval ``[start, end)`` of whole days.

    ``length`` says how to step to the previous or next period (weeks or months);
    None for a period given by its dates, which steps by its own duration.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    length: PeriodLength | None = None

    def __post_init__(self):
        if not self.end > self.start:
            raise ValueError(f"a period must end after it starts; got {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}")

    @property
    def days(self) -> float:
        return (self.end - self.start) / pd.Timedelta(days=1)

    @property
    def whole_weeks(self) -> bool:
        return self.days % 7 == 0

    def shift(self, k: int) -> Period:
        """The period ``k`` steps later (negative: earlier)."""
        if self.length is not None:
            return Period(self.start + self.length.offset(k), self.end + self.length.offset(k), self.length)
        step = self.end - self.start
        return Period(self.start + k * step, self.end + k * step, None)

    def contains(self, times: pd.DatetimeIndex) -> np.ndarray:
        """Boolean mask of ``times`` in the period (NaT is never in it)."""
        t = pd.DatetimeIndex(times)
        return np.asarray((t >= self.start) & (t < self.end))

    @property
    def label(self) -> str:
        """``2024-W39 (23 Sep to 29 Sep 2024)``, ``September 2024`` or ``1 Jan to 31 Mar 2024``."""
        last = self.end - pd.Timedelta(days=1)
        span = f"{self.start.day} {self.start:%b %Y} to {last.day} {last:%b %Y}"
        if self.start.year == last.year:
            span = f"{self.start.day} {self.start:%b} to {last.day} {last:%b %Y}"
        if self.length == WEEK:
            iso = self.start.isocalendar()
            return f"{iso[0]}-W{iso[1]:02d} ({span})"
        if self.length == MONTH:
            return f"{self.start:%B %Y}"
        return span

    def __str__(self) -> str:
        return self.label


def period_of(t: Any, length: PeriodLength) -> Period:
    """The period of ``length`` starting at the ISO week (or month) holding ``t``."""
    start = week_start(t) if length.unit == "week" else month_start(t)
    return Period(start, start + length.offset(), length)


def as_period(value: Any, length: PeriodLength, name: str = "period") -> Period:
    """A :class:`Period` from a Period, a ``(start, end)`` pair (end exclusive) or a date.

    A single date means the period of ``length`` that starts at the ISO week (or
    month) holding it.
    """
    if isinstance(value, Period):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        try:
            start, end = _day(value[0]), _day(value[1])
        except ValueError as exc:
            raise ValueError(f"`{name}` as (start, end) needs two dates: {exc}") from None
        if not end > start:
            raise ValueError(f"`{name}` must end after it starts; got {start:%Y-%m-%d} to {end:%Y-%m-%d}")
        # Keep the stepping of weeks or months when the dates are exactly one such period;
        # whole months (1 Jan to 1 Apr) step by months, so last year is the same months.
        months = (end.year - start.year) * 12 + end.month - start.month
        for candidate in (length, WEEK, MONTH) + ((PeriodLength("month", months),) if months > 0 else ()):
            aligned = period_of(start, candidate)
            if aligned.start == start and aligned.end == end:
                return aligned
        return Period(start, end, None)
    try:
        return period_of(value, length)
    except ValueError:
        raise ValueError(
            f"`{name}` must be a date, a (start, end) pair of dates or a Period; got {value!r}"
        ) from None


def coverage_end(times: pd.DatetimeIndex, precision: np.ndarray | None) -> pd.Timestamp | None:
    """The end of the time the data cover: the day after the last dated row.

    A row known only to its month covers that whole month, so the end is the 1st of
    the next month.
    """
    t = pd.DatetimeIndex(times)
    ok = ~t.isna()
    if not ok.any():
        return None
    ends = t[ok].normalize() + pd.Timedelta(days=1)
    if precision is not None:
        month = np.asarray(precision, dtype=object)[ok] == "month"
        if month.any():
            month_ends = t[ok][month].to_period("M").to_timestamp() + pd.DateOffset(months=1)
            return max(ends[~month].max() if (~month).any() else month_ends.max(), month_ends.max())
    return ends.max()


def coverage_start(times: pd.DatetimeIndex) -> pd.Timestamp | None:
    """00:00 of the day of the first dated row."""
    t = pd.DatetimeIndex(times)
    t = t[~t.isna()]
    return None if t.empty else t.min().normalize()


def last_complete_period(end: pd.Timestamp, length: PeriodLength) -> Period:
    """The latest period of ``length`` that ends on or before ``end`` (the data's coverage end)."""
    end = _day(end)
    boundary = week_start(end) if length.unit == "week" else month_start(end)
    return Period(boundary - length.offset(), boundary, length)


def periods_ending(last: Period, count: int) -> list[Period]:
    """``count`` consecutive periods, oldest first, the last being ``last``."""
    return [last.shift(k) for k in range(-(count - 1), 1)]


def same_period_last_year(period: Period) -> Period:
    """The period a year earlier.

    Week-based periods and periods of whole weeks move back 52 weeks (364 days), so the
    same weekdays are compared: a week of Friday and Saturday nights against a week
    with as many. Month-based periods, and any period from the 1st of a month to the
    1st of a month, move back 12 months (so rows known only to the month still fit);
    other periods one calendar year.
    """
    unit = period.length.unit if period.length is not None else None
    if unit == "month" or (unit is None and period.start.day == 1 and period.end.day == 1):
        return Period(period.start - pd.DateOffset(months=12), period.end - pd.DateOffset(months=12), period.length)
    if period.whole_weeks:
        step = pd.Timedelta(weeks=52)
        return Period(period.start - step, period.end - step, period.length)
    return Period(period.start - pd.DateOffset(years=1), period.end - pd.DateOffset(years=1), None)


def assign_periods(times: pd.DatetimeIndex, periods: list[Period]) -> np.ndarray:
    """Index into ``periods`` (which must not overlap) of each time, -1 if in none."""
    t = pd.DatetimeIndex(times)
    out = np.full(len(t), -1, dtype=np.int64)
    if not periods or len(t) == 0:
        return out
    order = np.argsort([p.start.value for p in periods])
    starts = np.array([periods[i].start.value for i in order])
    ends = np.array([periods[i].end.value for i in order])
    ok = np.asarray(~t.isna())
    values = t.as_unit("ns").asi8  # Timestamp.value is in nanoseconds, whatever the index's unit
    k = np.searchsorted(starts, values, side="right") - 1
    inside = ok & (k >= 0)
    inside[inside] &= values[inside] < ends[k[inside]]
    out[inside] = order[k[inside]]
    return out


# --------------------------------------------------------------------------------------
# Reading timed points and checking their precision
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedPoints:
    """Incident positions with times and date precision, as arrays.

    ``dropped`` counts rows left out because they had no position.
    """

    x: np.ndarray
    y: np.ndarray
    times: pd.DatetimeIndex
    precision: np.ndarray  # object array of "month" / "day" / "minute" / None
    categories: np.ndarray | None
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, keep: np.ndarray) -> TimedPoints:
        keep = np.asarray(keep)
        cats = None if self.categories is None else self.categories[keep]
        return TimedPoints(self.x[keep], self.y[keep], self.times[keep], self.precision[keep], cats, self.dropped)

    @property
    def all_month(self) -> bool:
        dated = ~self.times.isna()
        return bool(dated.any() and np.all(self.precision[dated] == "month"))


def read_timed(points: Any, times: Any = None, precision: Any = None, *, need_times: str = "this analysis"):
    """Read points with their times (and precision) for an analysis over time.

    Parameters
    ----------
    points : DataFrame with ``easting``/``northing``, GeoDataFrame of points, or (n, 2) array
        EPSG:27700 metres. A frame may carry ``occurred_at``, ``date_precision`` and
        ``category`` (as :func:`queries.incidents.fetch_incidents` returns them). Rows
        without a position are left out and counted.
    times : array of datetimes, optional
        Default ``points["occurred_at"]``. Times with a time zone are read by the wall
        clock there (an incident at 00:30 BST on a Monday is in that Monday's week).
    precision : str or array of str, optional
        ``"month"``, ``"day"`` or ``"minute"``; default ``points["date_precision"]``,
        else inferred from the times (with a warning).
    need_times : str
        What needs the times, for the error message.

    Returns
    -------
    (TimedPoints, list of warnings)

    Raises
    ------
    ValueError
        If there are no times, or the points are not EPSG:27700.
    """
    keep = None
    if isinstance(points, pd.DataFrame):
        if {"easting", "northing"} <= set(points.columns):
            e = pd.to_numeric(points["easting"], errors="coerce").to_numpy(float)
            n = pd.to_numeric(points["northing"], errors="coerce").to_numpy(float)
            keep = np.isfinite(e) & np.isfinite(n)
        elif hasattr(points, "geometry"):
            geom = points.geometry
            keep = ~(geom.isna() | geom.is_empty).to_numpy()
    elif points is not None and not isinstance(points, (str, bytes)):
        try:
            arr = np.asarray(points, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.ndim == 2 and arr.shape[1] == 2:
            keep = np.isfinite(arr).all(axis=1)
            points = arr
    dropped = 0
    if keep is not None and not keep.all():
        dropped = int((~keep).sum())
        points = points[keep] if not isinstance(points, pd.DataFrame) else points.loc[keep]
        if times is not None and not isinstance(times, str):
            times = np.asarray(times)[keep]
        if precision is not None and not isinstance(precision, str):
            precision = np.asarray(precision, dtype=object)[keep]
    xy, t, prec, cats, warnings = read_points(points, times, precision)
    if t is None:
        raise ValueError(
            f"{need_times} needs the time of each incident: pass `times` or give `points` an occurred_at column"
        )
    if t.tz is not None:
        t = t.tz_localize(None)  # wall-clock times: ISO weeks start at local Monday 00:00
    if dropped:
        warnings.insert(0, f"{dropped:,} incident(s) without a position were left out")
    if prec is None:
        prec = np.full(len(xy), None, dtype=object)
    return TimedPoints(xy[:, 0].copy(), xy[:, 1].copy(), t, prec, cats, dropped), warnings


def _describe_precision(precision: np.ndarray) -> str:
    kinds = pd.Series(precision, dtype=object).fillna("no time").value_counts()
    return ", ".join(f"{n:,} {k}" for k, n in kinds.items())


def usable_for(pts: TimedPoints, length: PeriodLength, what: str = "this analysis") -> tuple[np.ndarray, list[str]]:
    """Rows whose dates place them in one period of ``length``, and what was left out.

    Week-based periods need dates to the day (``day`` or ``minute`` precision); month
    periods accept ``month`` rows too. Rows without a time are always left out.

    Raises
    ------
    ValueError
        When no row qualifies: the message says why (e.g. every row is known only to
        the month, as police.uk publishes them) and what to do instead.
    """
    dated = ~np.asarray(pd.DatetimeIndex(pts.times).isna())
    coarse = dated & (pts.precision == "month") if length.needs == "day" else np.zeros(len(pts), dtype=bool)
    keep = dated & ~coarse
    warnings = []
    if len(pts) and not keep.any():
        if coarse.any():
            raise ValueError(
                f"{what} uses periods of {length.phrase}, which need dates known to the day; all "
                f"{int(coarse.sum()):,} dated rows are known only to the month (police.uk publishes the month only). "
                "Use month periods (e.g. 'month' or '3 months') or a source with exact dates"
            )
        raise ValueError(f"{what} needs dated incidents; none of the {len(pts):,} rows has a time")
    if coarse.any():
        warnings.append(
            f"{int(coarse.sum()):,} row(s) known only to the month were left out: they cannot be placed in a "
            f"period of {length.phrase}"
        )
    undated = int((~dated).sum())
    if undated:
        warnings.append(f"{undated:,} row(s) without a time were left out")
    return keep, warnings


def check_aligned(period: Period, pts: TimedPoints, what: str = "the period") -> None:
    """Refuse a period that splits a month when any row is known only to its month."""
    dated = ~np.asarray(pd.DatetimeIndex(pts.times).isna())
    if not np.any(dated & (pts.precision == "month")):
        return
    if period.start != month_start(period.start) or period.end != month_start(period.end):
        raise ValueError(
            f"{what} ({period.label}) does not start and end on the 1st of a month, but some rows are known only "
            "to the month (police.uk): they cannot be placed in it. Use whole months, or a source with exact dates"
        )


# --------------------------------------------------------------------------------------
# Hour-of-day and day-of-week filters
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeFilter:
    """The outcome of :func:`filter_times`.

    Attributes
    ----------
    keep : ndarray of bool
        Rows that pass the filter.
    left_out : dict of str to int
        Rows left out because their time is too imprecise for the filter, by reason.
    matched : int
        Rows that pass.
    excluded : int
        Rows with a precise enough time that fall outside the filter.
    description : str
        The filter in words ("hours 20:00-03:59, Friday and Saturday").
    """

    keep: np.ndarray
    left_out: dict[str, int]
    matched: int
    excluded: int
    description: str

    @property
    def message(self) -> str:
        """One line: what passed and what was left out and why."""
        noun = "incident matches" if self.matched == 1 else "incidents match"
        text = f"{self.matched:,} {noun} {self.description}"
        if self.left_out:
            parts = "; ".join(f"{n:,} {reason}" for reason, n in self.left_out.items())
            text += f"; left out: {parts}"
        return text


def _hours(hours: Any) -> np.ndarray:
    """A boolean array of 24 from hours: ints, a (start, end) range that may wrap midnight, or a mix."""
    allowed = np.zeros(24, dtype=bool)
    if isinstance(hours, tuple) and len(hours) == 2 and all(isinstance(h, (int, np.integer)) for h in hours):
        start, end = int(hours[0]), int(hours[1])
        if not (0 <= start <= 23 and 0 <= end <= 24):
            raise ValueError(f"`hours` as (start, end) needs 0 <= start <= 23 and 0 <= end <= 24; got {hours!r}")
        span = range(start, end) if start < end else list(range(start, 24)) + list(range(0, end))
        allowed[list(span)] = True
        return allowed
    try:
        values = [int(h) for h in hours]
    except (TypeError, ValueError):
        raise ValueError(f"`hours` must be hours 0-23, or a (start, end) pair; got {hours!r}") from None
    if any(not 0 <= h <= 23 for h in values):
        raise ValueError(f"`hours` must be between 0 and 23; got {hours!r}")
    if not values:
        raise ValueError("`hours` is empty: give the hours to keep, or None for all hours")
    allowed[values] = True
    return allowed


def _weekdays(weekdays: Any) -> np.ndarray:
    allowed = np.zeros(7, dtype=bool)
    items = [weekdays] if isinstance(weekdays, (str, int, np.integer)) else list(weekdays)
    for item in items:
        if isinstance(item, (int, np.integer)) and 0 <= int(item) <= 6:
            allowed[int(item)] = True
            continue
        if isinstance(item, str):
            name = item.strip().lower()
            hits = [i for i, d in enumerate(DAY_NAMES) if len(name) >= 3 and d.lower().startswith(name)]
            if len(hits) == 1:
                allowed[hits[0]] = True
                continue
        raise ValueError(f"`weekdays` must be day names ('Fri', 'Saturday') or numbers 0 (Monday) to 6; got {item!r}")
    if not allowed.any():
        raise ValueError("`weekdays` is empty: give the days to keep, or None for every day")
    return allowed


def _describe_hours(allowed: np.ndarray) -> str:
    hours = np.flatnonzero(allowed)
    if hours.size == 24:
        return "all hours"
    # Runs of consecutive hours, joining a run that wraps past midnight.
    runs, start = [], hours[0]
    for a, b in zip(hours[:-1], hours[1:]):
        if b != a + 1:
            runs.append([start, a])
            start = b
    runs.append([start, hours[-1]])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 23:
        runs[0][0] = runs.pop()[0]
    return "hours " + ", ".join(f"{s:02d}:00-{e:02d}:59" for s, e in runs)


def filter_times(
    times: Any, precision: Any = None, *, hours: Any = None, weekdays: Any = None
) -> TimeFilter:
    """Keep incidents at some hours of the day and/or days of the week.

    Parameters
    ----------
    times : array of datetimes
    precision : str or array of str, optional
        ``"month"``, ``"day"`` or ``"minute"`` per row. Default: inferred as
        :func:`hotspots.dbscan.infer_precision` does (a time of day is minute
        precision; a midnight is day or, when all midnights are on the 1st, month).
    hours : iterable of int 0-23, or (start, end), optional
        Hours to keep; ``(20, 4)`` is 20:00 to 03:59, across midnight.
    weekdays : iterable of day names or numbers (0 = Monday), optional

    Returns
    -------
    TimeFilter
        ``keep`` mask, ``left_out`` counts by reason, and a ``message``.

    Raises
    ------
    ValueError
        When a filter needs a precision no row has: an hour filter needs exact times
        (minute precision), a weekday filter dates to the day. police.uk rows are
        known only to the month, so an hour or weekday filter on them is refused
        rather than applied to invented times.

    Notes
    -----
    Rows too imprecise for the filter are neither kept nor silently dropped: they are
    counted in ``left_out`` with the reason, so a chart can say "1,204 incidents
    known only to the month are not shown".
    """
    t = pd.DatetimeIndex(pd.to_datetime(np.asarray(times)))
    n = len(t)
    if precision is None:
        from hotspots.dbscan import infer_precision

        prec = infer_precision(t)
    elif isinstance(precision, str):
        prec = np.full(n, precision, dtype=object)
    else:
        prec = np.asarray(precision, dtype=object)
        if len(prec) != n:
            raise ValueError(f"`precision` must have one value per time: {len(prec)} for {n} times")
    unknown = set(pd.unique(prec)) - {*PRECISIONS, None}
    if unknown:
        raise ValueError(f"`precision` must be 'month', 'day' or 'minute'; found {sorted(map(str, unknown))}")
    dated = ~np.asarray(t.isna())
    keep = dated.copy()
    left_out: dict[str, int] = {}
    parts = []
    if hours is None and weekdays is None:
        return TimeFilter(keep, {"without a time": int((~dated).sum())} if (~dated).any() else {},
                          int(keep.sum()), 0, "no time filter")
    need = "minute" if hours is not None else "day"
    precise = dated & (prec == "minute") if need == "minute" else dated & np.isin(prec, ["day", "minute"])
    if need == "minute":
        what = "an hour-of-day filter needs exact times"
    else:
        what = "a day-of-week filter needs dates to the day"
    if n and not precise.any():
        if dated.any():
            raise ValueError(
                f"{what}, but no row has them ({_describe_precision(prec[dated])}). "
                "police.uk publishes the month only: use a source with exact times (a police extract, "
                "a fire service export) or drop the time filter"
            )
        raise ValueError(f"{what}, but none of the {n:,} rows has a time")
    for reason_precision in ("month", "day"):
        if need == "day" and reason_precision == "day":
            continue
        bad = dated & (prec == reason_precision)
        if bad.any():
            left_out[f"known only to the {reason_precision}"] = int(bad.sum())
    if (~dated).any():
        left_out["without a time"] = int((~dated).sum())
    keep = precise.copy()
    if hours is not None:
        allowed = _hours(hours)
        hour = np.where(precise, t.hour.to_numpy(dtype=float, na_value=0), 0).astype(int)
        keep &= allowed[hour]
        parts.append(_describe_hours(allowed))
    if weekdays is not None:
        allowed_d = _weekdays(weekdays)
        day = np.where(precise, t.day_of_week.to_numpy(dtype=float, na_value=0), 0).astype(int)
        keep &= allowed_d[day]
        names = [DAY_NAMES[i] for i in np.flatnonzero(allowed_d)]
        parts.append(" and ".join(names) if len(names) <= 2 else ", ".join(names))
    description = ", ".join(parts)
    return TimeFilter(keep, left_out, int(keep.sum()), int(precise.sum() - keep.sum()), description)

