"""The filters every view shares, and the incidents they select.

A :class:`Scope` is plain values (hashable, so pages cache on it). :func:`select`
reads the matching incidents once, with a margin around the area (a density
surface near the edge needs the incidents just outside), and applies the
day-of-week and hour window in Python through ``hotspots.periods.filter_times``,
which refuses to place month-only police.uk dates on an hour and counts what
it left out and why.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import shapely

import geodata
from hotspots.periods import DAY_NAMES, TimeFilter, filter_times
from queries import incidents as q
from hotspots.geometry import contains_xy

#: Incidents this far outside the area are read too, for surfaces near its edge.
MARGIN_M = 3000.0
#: No area name or LSOA code is longer: a longer one is refused without echoing it whole.
MAX_AREA_CHARS = 64

#: Area keys with their labels; LSOA codes are accepted as well.
AREA_LABELS = {
    "borough": "Dartford borough",
    "nte": "Town-centre night-time economy",
    "bluewater": "Bluewater",
    "heath": "Dartford Heath",
}

#: The night-time economy window: Friday and Saturday 20:00 to 03:59.
NTE_DAYS = (4, 5)
NTE_HOURS = (20, 4)

LAYER_LABELS = {
    "offence": "Offences",
    "asb": "Anti-social behaviour",
    "fly-tipping": "Fly-tipping",
    "fire": "Fires",
}


def area_label(area: str) -> str:
    return AREA_LABELS.get(area, f"LSOA {area}")


@dataclass(frozen=True)
class Scope:
    """What to look at. ``end`` is exclusive; ``None`` means no restriction."""

    source: str
    layers: tuple[str, ...]
    start: date
    end: date
    categories: tuple[str, ...] | None = None
    area: str = "borough"
    days: tuple[int, ...] | None = None  # 0 = Monday
    hours: tuple[int, int] | None = None  # (20, 4) = 20:00 to 03:59

    def __post_init__(self):
        # Every field is checked here, so a bad value is named where the scope is made
        # (a URL, a form) rather than failing later in SQL, a caption or the time window.
        q.check_text("source", self.source)
        object.__setattr__(self, "layers", q.check_names("layers", self.layers, optional=False))
        object.__setattr__(self, "categories", q.check_names("categories", self.categories))
        q.check_when("start", self.start, optional=False)
        q.check_when("end", self.end, optional=False)
        if pd.Timestamp(self.end) <= pd.Timestamp(self.start):
            raise q.FilterError(f"the period is empty: {self.start} to {self.end} (end exclusive)")
        q.check_text("area", self.area)
        if len(self.area) > MAX_AREA_CHARS:
            raise q.FilterError(f"unknown area (a name of {len(self.area):,} characters, starting {self.area[:20]!r})")
        if self.days is not None:
            days = q.check_items("days", self.days, lambda d: q.check_whole("each day", d, optional=False),
                                  optional=False)
            if not days:
                raise q.FilterError("no day of the week chosen")
            if any(not 0 <= d <= 6 for d in days):
                raise q.FilterError(f"days are numbers from 0 (Monday) to 6 (Sunday), not {q.shown(days)}")
            object.__setattr__(self, "days", days)
        if self.hours is not None:
            hours = q.check_items("hours", self.hours, lambda h: q.check_whole("each hour", h, optional=False),
                                   optional=False)
            if len(hours) != 2 or not (0 <= hours[0] <= 23 and 0 <= hours[1] <= 24):
                raise q.FilterError(f"hours are (start, end) with start 0 to 23 and end 0 to 24, not {q.shown(hours)}")
            object.__setattr__(self, "hours", hours)

    @property
    def timed(self) -> bool:
        """True when an hour or day-of-week window applies."""
        return self.days is not None or self.hours is not None

    def describe(self) -> str:
        """One line for captions and exports: layers, categories, area, period, window."""
        layers = ", ".join(LAYER_LABELS.get(x, x) for x in self.layers) or "no layer"
        cats = f" ({', '.join(self.categories)})" if self.categories else ""
        last = self.end - timedelta(days=1)
        text = f"{layers}{cats} · {area_label(self.area)} · {self.start:%d %b %Y} to {last:%d %b %Y}"
        window = describe_window(self.days, self.hours)
        return text + (f" · {window}" if window else "")

    def with_period(self, start: date, end: date) -> Scope:
        return replace(self, start=start, end=end)


def past_midnight(hours: tuple[int, int]) -> bool:
    """True when the hour window runs past midnight into the next day (20 to 4); one that ends at
    midnight (20 to 24, or 20 to 0) does not."""
    return 0 < hours[1] < hours[0]


def window_filter(times, precision, days: tuple[int, ...] | None, hours: tuple[int, int] | None) -> TimeFilter:
    """``filter_times`` for a day and hour window, where a night belongs to its evening.

    With a window past midnight (20:00 to 04:00) on Friday and Saturday, the small
    hours of Saturday and Sunday count, not those of Friday: times are moved back by
    the window's end hour before the day is tested, as analysts read "Friday night".
    """
    if days is not None and hours is not None and past_midnight(hours):
        shift = pd.Timedelta(hours=hours[1])
        shifted = pd.DatetimeIndex(pd.to_datetime(np.asarray(times))) - shift
        tf = filter_times(shifted, precision, hours=(hours[0] - hours[1], 24), weekdays=days)
        return replace(tf, description=describe_window(days, hours))
    return filter_times(times, precision, hours=hours, weekdays=days)


def describe_window(days, hours) -> str:
    parts = []
    if days is not None and len(days) < 7:
        parts.append(", ".join(DAY_NAMES[d][:3] for d in sorted(days)))
    if hours is not None and tuple(hours) != (0, 24):
        night = " (nights)" if days is not None and past_midnight(hours) else ""
        parts.append(f"{hours[0]:02d}:00 to {hours[1] % 24:02d}:00{night}")
    return " ".join(parts)


@dataclass(frozen=True)
class Selection:
    """The incidents a scope selects.

    ``frame`` holds the located incidents of the period in the area plus its margin,
    after the time window; ``inside`` marks those in the area itself. ``left_out``
    counts rows the time window could not judge (month-only dates), by reason.
    """

    scope: Scope
    area: shapely.Geometry
    frame: pd.DataFrame
    inside: np.ndarray
    unlocated: int
    left_out: dict[str, int] = field(default_factory=dict)
    window: str = ""

    @property
    def incidents(self) -> pd.DataFrame:
        """Located incidents in the area (after the time window)."""
        return self.frame[self.inside]

    @property
    def xy(self) -> np.ndarray:
        """(n, 2) BNG metres of all selected incidents, margin included."""
        return self.frame[["easting", "northing"]].to_numpy(float)

    @property
    def count(self) -> int:
        return int(self.inside.sum())

    def notes(self) -> list[str]:
        """Plain-language notes on what the counts leave out, for captions."""
        out = []
        for reason, n in self.left_out.items():
            out.append(f"{n:,} incidents {reason} are left out of the day and hour window.")
        if self.unlocated:
            out.append(f"{self.unlocated:,} incidents have no location: counted in totals, not mapped.")
        return out


def area_bbox(area: shapely.Geometry, margin: float = MARGIN_M) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = area.bounds
    return (x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def incident_filter(scope: Scope, area: shapely.Geometry | None = None, *, margin: float = MARGIN_M) -> q.IncidentFilter:
    area = geodata.area_geometry(scope.area) if area is None else area
    return q.IncidentFilter(
        scope.source,
        layers=scope.layers,
        categories=scope.categories,
        start=scope.start,
        end=scope.end,
        bbox=area_bbox(area, margin),
    )


def select(con, scope: Scope, columns: tuple[str, ...] = q.MAP_COLUMNS, *, margin: float = MARGIN_M) -> Selection:
    """Read the incidents of ``scope`` from the store (raises ValueError on an unknown area).

    A time window on rows that are all month-only raises ``ValueError`` with
    the reason (from ``filter_times``); mixed rows keep the precise ones and
    count the rest in ``left_out``.
    """
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not 0 <= margin < float("inf"):
        raise q.FilterError(f"margin must be a number of metres, at least 0, not {q.shown(margin)}")
    area = geodata.area_geometry(scope.area)
    f = incident_filter(scope, area, margin=margin)
    cols = tuple(dict.fromkeys((*columns, "occurred_at", "date_precision", "easting", "northing")))
    frame = q.fetch_incidents(con, f, cols)
    # Unlocated rows are counted for the area only when it is the borough: they have no place.
    unlocated = q.count_unlocated(con, replace(f, bbox=None)) if scope.area == "borough" else 0
    inside = contains_xy(area, frame["easting"].to_numpy(float), frame["northing"].to_numpy(float))
    left_out: dict[str, int] = {}
    window = ""
    if scope.timed and len(frame):
        precision = frame["date_precision"].to_numpy(object)
        tf = window_filter(frame["occurred_at"].to_numpy(), precision, scope.days, scope.hours)
        # Counted in the area only, not in the margin read around it.
        need = ("minute",) if scope.hours is not None else ("day", "minute")
        for level in ("month", "day"):
            n = int((inside & (precision == level)).sum()) if level not in need else 0
            if n:
                left_out[f"known only to the {level}"] = n
        frame = frame[tf.keep].reset_index(drop=True)
        inside = inside[tf.keep]
        window = tf.description
    return Selection(scope, area, frame, inside, unlocated, left_out, window)
