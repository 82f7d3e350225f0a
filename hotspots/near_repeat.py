"""Test for near repeats: do incidents close in space follow each other closely in time?

A Knox test in the manner of Ratcliffe's Near Repeat Calculator: every pair of
incidents falls in one distance band and one time band; the observed pair counts per
cell are compared with the counts when the dates are shuffled among the places
(Monte Carlo permutation), which keeps where things happen and when things happen
but breaks any link between the two.

The verb :func:`near_repeat_knox` reads its inputs, refuses dates that are only known
to the month, chooses the bands it was not given (:func:`suggest_distance_band`,
:func:`suggest_day_bands`), counts the pairs with a KD-tree, permutes, and returns a
table.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from hotspots.dbscan import read_points
from hotspots.params import Parameter, chosen, given

#: Defaults in the manner of the Near Repeat Calculator: five distance bands beyond
#: "same location" and four weekly time bands.
N_DISTANCE_BANDS = 5
DAY_BAND = 7
N_DAY_BANDS = 4
PERMUTATIONS = 99
SIGNIFICANCE = 0.05

TABLE_COLUMNS = [
    "distance_band", "days_band", "distance_from", "distance_to", "days_from", "days_to",
    "observed", "expected", "knox_ratio", "p_value", "significant",
]


@dataclass
class NearRepeatResult:
    """What :func:`near_repeat_knox` returns.

    Attributes
    ----------
    table : DataFrame
        One row per (distance band, time band) cell, in band order, with
        ``distance_from``/``distance_to`` (metres; "same location" is 0 to 0, the
        last band runs to infinity), ``days_from``/``days_to``, ``observed`` pairs,
        ``expected`` (mean over permutations), ``knox_ratio`` (observed / expected),
        ``p_value`` (pseudo p-value for more pairs than chance) and ``significant``
        (``p_value <= 0.05``).
    parameters : dict of str to Parameter
    warnings : list of str
    n_incidents : int
        Incidents tested (after leaving out those without a usable date).
    n_close_pairs : int
        Pairs within the largest distance band.
    """

    table: pd.DataFrame
    parameters: dict[str, Parameter]
    warnings: list[str] = field(default_factory=list)
    n_incidents: int = 0
    n_close_pairs: int = 0

    def matrix(self, value: str = "knox_ratio") -> pd.DataFrame:
        """The table as the Near Repeat Calculator shows it: distance bands by time bands."""
        if value not in self.table.columns:
            raise ValueError(f"value must be one of {list(self.table.columns)}, not {value!r}")
        rows = list(dict.fromkeys(self.table["distance_band"]))
        cols = list(dict.fromkeys(self.table["days_band"]))
        return self.table.pivot(index="distance_band", columns="days_band", values=value).loc[rows, cols]

    def summary(self) -> str:
        """A few lines an app or the command line can print."""
        banded = np.isfinite(self.table["distance_to"]) & np.isfinite(self.table["days_to"])
        sig = self.table[self.table["significant"] & banded]
        lines = [f"Knox test on {self.n_incidents} incidents ({self.n_close_pairs} pairs within the distance bands)"]
        for r in sig.itertuples():
            lines.append(
                f"{r.distance_band}, {r.days_band}: {r.observed} pairs, {r.expected:.1f} expected, "
                f"Knox ratio {r.knox_ratio:.2f}, p = {r.p_value:.3f}"
            )
        if sig.empty:
            lines.append("no cell within the bands has significantly more pairs than chance")
        lines += [str(p) for p in self.parameters.values()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def near_repeat_knox(
    points,
    *,
    times=None,
    precision=None,
    distance_band: float | None = None,
    distance_bands: int | None = None,
    day_band: int | None = None,
    day_bands: int | None = None,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
    metric: str = "euclidean",
) -> NearRepeatResult:
    """Knox test for near repeats with Monte Carlo significance.

    Parameters
    ----------
    points : array-like of shape (n, 2), DataFrame or GeoDataFrame
        Incident positions in EPSG:27700 metres (see ``hotspots.dbscan.read_points``);
        a frame may carry ``occurred_at`` and ``date_precision``.
    times : array-like of datetime64, optional
        When each incident occurred; default ``points["occurred_at"]``. Required.
    precision : str or array-like of str, optional
        ``"month"``, ``"day"`` or ``"minute"``; default ``points["date_precision"]``,
        else inferred from the times. Month-precision rows are refused.
    distance_band : float, optional
        Width of each distance band in metres. Default :func:`suggest_distance_band`.
    distance_bands : int, optional
        Number of distance bands after "same location"; default 5.
    day_band : int, optional
        Width of each time band in days; default 7.
    day_bands : int, optional
        Number of time bands; default :func:`suggest_day_bands` (4, fewer when the
        dates span less than twice the bands).
    permutations : int
        Monte Carlo permutations of the dates (99 gives p-values down to 0.01; 999
        down to 0.001).
    seed : int
        Seed of the permutations: the same seed gives the same table.
    metric : {"euclidean", "manhattan"}
        Distance between incidents (the Near Repeat Calculator offers both).

    Returns
    -------
    NearRepeatResult

    Raises
    ------
    ValueError
        When no times are given, when every dated row has month precision (police.uk
        publishes months only: day bands need day or better dates), or when fewer
        than 2 incidents remain.

    Notes
    -----
    Distance bands are "same location" (0 m), then ``(0, b]``, ``(b, 2b]``, ... up to
    ``distance_bands * b``, then "more than"; time bands are ``0 to t`` days, ``t+1
    to 2t``, ... then "more than", as in the Near Repeat Calculator. Days are whole
    calendar days between dates.

    Pairs within the largest distance band come from ``cKDTree.query_pairs``, so the
    cost is the number of close pairs times the permutations, not n squared. The
    "more than" distance row is the total pairs per time band (which permuting the
    dates cannot change, counted from the sorted dates) minus the close pairs.
    The pseudo p-value is ``(1 + #{permuted >= observed}) / (permutations + 1)``
    (one-sided: more pairs than chance), per cell and not corrected for the number
    of cells.

    References
    ----------
    Knox, G. (1964) The detection of space-time interactions. Journal of the Royal
    Statistical Society, Series C (Applied Statistics) 13(1), 25-30.
    Ratcliffe, J. H. (2009) Near Repeat Calculator (version 1.3). Temple University,
    Philadelphia, and the National Institute of Justice, Washington, DC.
    Johnson, S. D. et al. (2007) Space-time patterns of risk: a cross national
    assessment of residential burglary victimization. Journal of Quantitative
    Criminology 23(3), 201-219.

    Examples
    --------
    >>> result = near_repeat_knox(burglaries, permutations=999)   # doctest: +SKIP
    >>> result.matrix("knox_ratio")                               # doctest: +SKIP
    """
    # 1. check inputs and keep the rows with a usable date
    if metric not in ("euclidean", "manhattan"):
        raise ValueError(f'metric must be "euclidean" or "manhattan", not {metric!r}')
    permutations = _check_whole("permutations", permutations)
    distance_bands = _check_whole("distance_bands", distance_bands)
    day_bands = _check_whole("day_bands", day_bands)
    day_band = _check_whole("day_band", day_band)
    if distance_band is not None and (
        isinstance(distance_band, bool) or not isinstance(distance_band, (int, float, np.integer, np.floating))
        or not math.isfinite(distance_band) or distance_band <= 0
    ):
        raise ValueError(f"distance_band must be a positive number of metres, not {distance_band!r}")
    xy, times, precision, _, warnings = read_points(points, times, precision)
    xy, days, warnings = _dated_rows(xy, times, precision, warnings)
    n = len(xy)

    # 2. choose the bands
    params: dict[str, Parameter] = {}
    params["distance_band"] = (
        given("distance_band", float(distance_band), "m") if distance_band is not None
        else suggest_distance_band(xy)
    )
    params["distance_bands"] = (
        given("distance_bands", distance_bands, "bands") if distance_bands is not None
        else chosen("distance_bands", N_DISTANCE_BANDS, "bands",
                    "five bands after 'same location', as commonly run in the Near Repeat Calculator")
    )
    params["day_band"] = (
        given("day_band", day_band, "days") if day_band is not None
        else chosen("day_band", DAY_BAND, "days", "weekly bands, the convention of near-repeat studies")
    )
    params["day_bands"] = (
        given("day_bands", day_bands, "bands") if day_bands is not None
        else suggest_day_bands(days, params["day_band"].value)
    )
    params["permutations"] = (
        chosen("permutations", permutations, "", f"the default: p-values down to {1 / (PERMUTATIONS + 1):g}, "
               "as the Near Repeat Calculator; 999 for finer ones")
        if permutations == PERMUTATIONS else given("permutations", permutations, "")
    )
    params["seed"] = given("seed", seed, "")
    params["metric"] = (
        chosen("metric", metric, "", "the default: straight-line distance (the Near Repeat Calculator also "
               "offers Manhattan, for street grids)")
        if metric == "euclidean" else given("metric", metric, "")
    )
    b, nb = params["distance_band"].value, params["distance_bands"].value
    t, nt = params["day_band"].value, params["day_bands"].value

    # 3. close pairs and their distance bands (fixed under permutation)
    tree = cKDTree(xy)
    pairs = tree.query_pairs(nb * b, p=1 if metric == "manhattan" else 2, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = np.abs(xy[i] - xy[j]).sum(axis=1) if metric == "manhattan" else np.hypot(*(xy[i] - xy[j]).T)
    dband = np.where(d == 0, 0, np.minimum(np.ceil(d / b), nb)).astype(np.int64)
    n_cols = nt + 1

    def count(day_values):
        dt = np.abs(day_values[i] - day_values[j])
        tband = np.minimum(np.maximum(np.ceil(dt / t) - 1, 0), nt).astype(np.int64)
        close = np.bincount(dband * n_cols + tband, minlength=(nb + 1) * n_cols).reshape(nb + 1, n_cols)
        return np.vstack([close, time_marginal - close.sum(axis=0)])

    # all pairs per time band: the same for every permutation of the dates
    time_marginal = _pairs_per_time_band(days, t, nt)

    # 4. observed and permuted counts
    observed = count(days)
    rng = np.random.default_rng(seed)
    at_least = np.zeros_like(observed)
    total = np.zeros(observed.shape, dtype=float)
    for _ in range(permutations):
        sim = count(days[rng.permutation(n)])
        at_least += sim >= observed
        total += sim
    expected = total / permutations
    p_value = (1 + at_least) / (permutations + 1)

    # 5. the table
    table = _table(observed, expected, p_value, b, nb, t, nt)
    return NearRepeatResult(table, params, warnings, n, len(pairs))


def suggest_distance_band(xy: np.ndarray) -> Parameter:
    """Distance band: the median nearest-neighbour distance between distinct places,
    rounded up to 1, 2, 2.5 or 5 times a power of ten (at least 10 m).

    Near-repeat bands should be about the spacing of neighbouring targets (the next
    house, the next street); for about 5,000 burglaries over Dartford this gives 100 m.
    """
    places = np.unique(xy, axis=0)
    if len(places) < 2:
        return chosen("distance_band", 100.0, "m", "fewer than 2 distinct places; default 100 m")
    dist, _ = cKDTree(places).query(places, k=2)
    median = float(np.median(dist[:, 1]))
    value = _nice_ceiling(max(median, 10.0))
    return chosen(
        "distance_band", value, "m",
        f"median nearest-neighbour distance between the {len(places)} distinct places ({median:.0f} m), "
        "rounded up to a round number",
    )


def suggest_day_bands(days: np.ndarray, day_band: int) -> Parameter:
    """Number of time bands: 4, or fewer so the bands cover at most half the date span.

    A Knox test needs pairs beyond the last band to compare with; with dates spanning
    less than twice the banded period the "more than" column would be nearly empty.
    """
    span = int(days.max() - days.min()) if len(days) else 0
    fit = max(1, span // (2 * day_band))
    value = min(N_DAY_BANDS, fit)
    reason = f"{N_DAY_BANDS} bands of {day_band} days"
    if value < N_DAY_BANDS:
        reason = f"the dates span {span} days; {value} band(s) of {day_band} days cover at most half of it"
    return chosen("day_bands", int(value), "bands", reason)


def _dated_rows(xy, times, precision, warnings):
    """Rows with a date known to the day or better, as whole days; refuse month-only data."""
    if times is None:
        raise ValueError(
            "times must be given (or points must have an occurred_at column): "
            "a Knox test compares when incidents happened"
        )
    n = len(xy)
    has_time = ~np.asarray(times.isna())
    month = has_time & (precision == "month")
    usable = has_time & ~month
    if n and month.sum() == has_time.sum() and month.any():
        raise ValueError(
            f"date_precision is 'month' for all {int(month.sum())} dated rows (police.uk publishes months only): "
            "a Knox test with day bands needs dates to the day or better; use a police extract or a fire "
            "service export with incident dates"
        )
    if month.any():
        warnings.append(f"{int(month.sum())} month-precision rows left out: their day is not known")
    if (~has_time).any():
        warnings.append(f"{int((~has_time).sum())} rows without a date left out")
    if usable.sum() < 2:
        raise ValueError(
            f"points must hold at least 2 incidents with a day or minute date for a Knox test; {int(usable.sum())} do"
        )
    local = times[usable] if times.tz is None else times[usable].tz_localize(None)  # days by the wall clock
    stamp = local.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    return xy[usable], stamp, warnings


def _pairs_per_time_band(days: np.ndarray, t: int, nt: int) -> np.ndarray:
    """Pairs of all incidents (any distance) per time band, from the sorted days."""
    s = np.sort(days)
    n = len(s)
    at_most = []
    for upper in [t * (k + 1) for k in range(nt)]:
        reach = np.searchsorted(s, s + upper, side="right")
        at_most.append(int((reach - np.arange(n) - 1).sum()))
    cumulative = np.array(at_most + [n * (n - 1) // 2], dtype=np.int64)
    return np.diff(np.concatenate([[0], cumulative]))


def _table(observed, expected, p_value, b, nb, t, nt):
    whole = float(b).is_integer() and b >= 2
    dist_labels = ["same location"] + [
        f"{k * b + 1:g} to {(k + 1) * b:g} m" if whole else f"over {k * b:g} to {(k + 1) * b:g} m"
        for k in range(nb)
    ] + [f"more than {nb * b:g} m"]
    dist_from = [0.0] + [k * b for k in range(nb)] + [nb * b]
    dist_to = [0.0] + [(k + 1) * b for k in range(nb)] + [math.inf]
    day_labels = [f"{k * t + (1 if k else 0)} to {(k + 1) * t} days" for k in range(nt)] + [f"more than {nt * t} days"]
    day_from = [k * t + (1 if k else 0) for k in range(nt)] + [nt * t + 1]
    day_to = [(k + 1) * t for k in range(nt)] + [math.inf]
    rows = []
    for r in range(nb + 2):
        for c in range(nt + 1):
            obs, exp = int(observed[r, c]), float(expected[r, c])
            rows.append((
                dist_labels[r], day_labels[c], dist_from[r], dist_to[r], day_from[c], day_to[c],
                obs, exp, obs / exp if exp > 0 else math.nan, float(p_value[r, c]),
                bool(p_value[r, c] <= SIGNIFICANCE),
            ))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _nice_ceiling(x: float) -> float:
    power = 10 ** math.floor(math.log10(x))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= x - 1e-9:
            return float(step * power)
    return float(10 * power)


def _check_whole(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number, at least 1, not {value!r}")
    return int(value)
