"""When generated incidents happen: an hourly grid over the demo period and draws from it.

Every generator describes its incidents as a weight (or an expected count) per hour
of the demo period, built from hour-of-day, day-of-week and seasonal profiles; the
draws then pick hours in proportion and a uniform minute within each. Counts are
fixed per demo year (October to September), so calibration targets hold exactly
rather than up to Poisson noise.
"""

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

#: The generated data covers 1 October 2021 to 30 September 2024 (issue 2: "offences
#: with exact times from October 2021 to September 2024").
START = datetime(2021, 10, 1)
END = datetime(2024, 10, 1)  # exclusive
#: Demo years, October to September: the CSP's comparison periods (issue 2: "a 28% fall
#: in October 2023 to September 2024").
YEARS = ((datetime(2021, 10, 1), datetime(2022, 10, 1)),
         (datetime(2022, 10, 1), datetime(2023, 10, 1)),
         (datetime(2023, 10, 1), datetime(2024, 10, 1)))
#: UK clocks go forward at 01:00 on these days; 01:00-01:59 local time does not exist.
DST_STARTS = (date(2022, 3, 27), date(2023, 3, 26), date(2024, 3, 31))


@dataclass(frozen=True)
class Grid:
    """Every hour of the demo period, with the calendar fields generators weight on."""

    start: np.ndarray  # datetime64[h]
    hour: np.ndarray  # 0-23
    dow: np.ndarray  # 0 = Monday .. 6 = Sunday
    month: np.ndarray  # 1-12
    doy: np.ndarray  # day of year, 1-366
    year: np.ndarray  # calendar year
    demo_year: np.ndarray  # 0, 1, 2 (index into YEARS)
    t: np.ndarray  # years since START (0 .. 3)

    def __len__(self) -> int:
        return len(self.start)

    def fri_sat_night(self) -> np.ndarray:
        """Friday and Saturday nights, 20:00 to 04:00 (the CSP's night-time economy window)."""
        return fri_sat_night(self.dow, self.hour)

    def months(self, *months: int, year: int | None = None) -> np.ndarray:
        mask = np.isin(self.month, months)
        return mask & (self.year == year) if year is not None else mask

    def seasonal(self, amplitude: float, peak_doy: float) -> np.ndarray:
        """1 + amplitude * cos(2 pi (doy - peak) / 365.25): a smooth yearly cycle."""
        return 1.0 + amplitude * np.cos(2 * np.pi * (self.doy - peak_doy) / 365.25)


def fri_sat_night(dow: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Friday 20:00 to Saturday 04:00 and Saturday 20:00 to Sunday 04:00."""
    dow, hour = np.asarray(dow), np.asarray(hour)
    return (((dow == 4) | (dow == 5)) & (hour >= 20)) | (((dow == 5) | (dow == 6)) & (hour < 4))


def make_grid() -> Grid:
    start = np.arange(np.datetime64(START, "h"), np.datetime64(END, "h"), dtype="datetime64[h]")
    days = start.astype("datetime64[D]")
    hour = (start - days).astype(int)
    dow = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    years = days.astype("datetime64[Y]")
    month = (days.astype("datetime64[M]") - years).astype(int) + 1
    doy = (days - years).astype(int) + 1
    year = years.astype(int) + 1970
    demo_year = np.searchsorted(np.array([np.datetime64(b, "h") for _, b in YEARS]), start, side="right")
    t = (start - np.datetime64(START, "h")).astype(float) / (365.25 * 24)
    return Grid(start, hour, dow, month, doy, year, demo_year, t)


def valid_hours(grid: Grid) -> np.ndarray:
    """False for the hour the clocks skip (01:00 on the last Sunday of March)."""
    days = grid.start.astype("datetime64[D]")
    skipped = np.isin(days, np.array(DST_STARTS, dtype="datetime64[D]")) & (grid.hour == 1)
    return ~skipped


def expected_per_year(grid: Grid, rate: np.ndarray) -> list[float]:
    """Sum of an expected-count-per-hour array over each demo year."""
    return [float(rate[grid.demo_year == y].sum()) for y in range(len(YEARS))]


def draw(rng: np.random.Generator, grid: Grid, weight: np.ndarray, per_year) -> np.ndarray:
    """``per_year[y]`` times in demo year ``y``, hours in proportion to ``weight``, minutes uniform.

    Returns datetime64[m] values (not sorted). Hours the clocks skip are never drawn.
    """
    weight = np.where(valid_hours(grid), np.asarray(weight, dtype=float), 0.0)
    out = []
    for y, n in enumerate(per_year):
        n = int(n)
        if n <= 0:
            continue
        idx = np.flatnonzero(grid.demo_year == y)
        w = weight[idx]
        if w.sum() <= 0:
            raise ValueError(f"no weight in demo year {y} for {n} incidents")
        hours = grid.start[rng.choice(idx, size=n, p=w / w.sum())]
        minutes = rng.integers(0, 60, size=n).astype("timedelta64[m]")
        out.append(hours.astype("datetime64[m]") + minutes)
    return np.concatenate(out) if out else np.array([], dtype="datetime64[m]")


def allocate(total: int, weights) -> np.ndarray:
    """Split ``total`` into integers in proportion to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    short = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return base


def ramp(grid: Grid, start_per_year: float, end_per_year: float) -> np.ndarray:
    """Expected count per hour rising (or falling) linearly from one yearly rate to another."""
    span = (END - START).days / 365.25
    per_year = start_per_year + (end_per_year - start_per_year) * grid.t / span
    return per_year / (365.25 * 24)
