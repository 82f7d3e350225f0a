"""Wildfire prevention: grassland and open-land fires for Kent Fire and Rescue Service.

:func:`wildfire_briefing` turns the fires a :class:`~briefings.scope.Selection` holds
into tables any renderer can draw (the app now, a PDF pack later): fires by month and
by meteorological season across years, each season against the other seasons of its
kind (so a summer like 2022 stands out for what it was), Dartford Heath against other
open land, deliberate against accidental, times of day (exact times only), and
:class:`PreventionPlan`, where patrols and education should go in the coming season.

Prevention zones: each past season of the kind gets a kernel density (one grid and
bandwidth for all, so they compare) and its hot cells; places hot in most seasons lead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage, stats

import geodata
from briefings.scope import Selection
from hotspots.grid import CRS, cell_boxes
from hotspots.kde import KDEResult, hotspot_kde
from hotspots.params import Parameter, chosen, given
from queries.incidents import MAP_COLUMNS
from hotspots.geometry import contains_xy

#: The fire service's property group for grassland, heath, scrub and woodland fires.
OPEN_LAND = "Grassland, woodland and crops"
FIRE_COLUMNS = (*MAP_COLUMNS, "fire_type", "fire_category", "cause", "area_burnt_m2")
#: Meteorological seasons (Met Office); winter is named by the year of its December.
SEASON_MONTHS = {"winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11)}
SEASONS = tuple(SEASON_MONTHS)
CAUSES = ("deliberate", "accidental", "not known", "not recorded")
HEATH, OTHER = "Dartford Heath", "Other open land"
#: A complete season with this many times the average of the others of its kind is named.
STANDOUT_RATIO = 1.5
STANDOUT_P = 0.01
#: Prevention zones: a season's hot cells are its KDE's top share of the area.
ZONE_THRESHOLD = "top 5%"
#: Default KDE bandwidth and cells for zones: patrol-sized patches, not borough-wide smoothing
#: (Silverman's rule gives about 1 km on scattered open-land fires, merging separate sites).
ZONE_BANDWIDTH_M = 300.0
ZONE_CELL_M = 50.0
PEAK_SPAN = 3  # hours in a zone's "peak hours" window
MAP_ZONES = 12  # zones outlined on the map (all are in the table)



def season_of(months: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Season name and season year (December's year for a winter) of each month."""
    names = np.array([s for m in range(1, 13) for s in SEASONS if m in SEASON_MONTHS[s]], dtype=object)
    months, years = np.asarray(months, int), np.asarray(years, int)
    return names[months - 1], np.where(months <= 2, years - 1, years)


def season_start(name: str, year: int) -> pd.Timestamp:
    return pd.Timestamp(year, SEASON_MONTHS[name][0], 1)


def season_end(name: str, year: int) -> pd.Timestamp:  # exclusive
    return season_start(name, year) + pd.DateOffset(months=3)


def season_label(name: str, year: int) -> str:
    return f"Winter {year}-{(year + 1) % 100:02d}" if name == "winter" else f"{name.title()} {year}"


def season_containing(day) -> tuple[str, int]:
    (name,), (year,) = season_of([pd.Timestamp(day).month], [pd.Timestamp(day).year])
    return str(name), int(year)


def coming_season(end, name: str | None = None) -> tuple[str, int]:
    """The season the data run into (``end`` is the first day without data), or the next ``name``."""
    cur, year = season_containing(end)
    if name is None or name == cur:
        return cur, year
    if name not in SEASON_MONTHS:
        raise ValueError(f"season must be one of {', '.join(SEASONS)}; got {name!r}")
    return name, (year if season_start(name, year) >= pd.Timestamp(end) else year + 1)



@dataclass(frozen=True)
class PreventionPlan:
    """Where prevention patrols and education should go in ``label``.

    ``zones`` (GeoDataFrame, EPSG:27700, ``ZONE_COLUMNS``): places hot in most past
    seasons of the kind first, then most fires. ``kde``: the pooled density of those
    seasons with the first MAP_ZONES zones as its hot spots (``hotspot`` = rank).
    """

    season: str
    year: int
    label: str
    past: tuple[str, ...]
    zones: pd.DataFrame
    kde: KDEResult | None
    parameters: dict[str, Parameter] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class WildfireBriefing:
    """Tables for the wildfire view; every count is of fires inside the area.

    ``monthly`` and ``seasons``: fires, area burnt and one column per cause for each
    month or season of the period, with its ``coverage``; a season also has
    ``typical`` (mean of the other whole seasons of its kind) and ``ratio``.
    ``hours``: exact-time fires by hour and cause; ``hours_left_out`` the rest, by reason.
    """

    area: str
    start: date
    end: date
    total: int
    monthly: pd.DataFrame
    seasons: pd.DataFrame
    standout: tuple[str, ...]
    places: pd.DataFrame
    places_by_year: pd.DataFrame
    causes: pd.DataFrame
    hours: pd.DataFrame
    hours_left_out: dict[str, int]
    plan: PreventionPlan
    notes: tuple[str, ...] = ()

    @property
    def hours_note(self) -> str:
        text = f"{int(self.hours[list(CAUSES)].to_numpy().sum()):,} fires with an exact time are on the hour chart"
        parts = "; ".join(f"{n:,} {why}" for why, n in self.hours_left_out.items())
        return text + (f"; left off it, as their hour is not known: {parts}." if parts else ".")



def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the tables need, with cause and area cleaned (no copy of the caller's frame)."""
    ts = pd.DatetimeIndex(pd.to_datetime(frame["occurred_at"]))
    cause = frame["cause"] if "cause" in frame else pd.Series(None, index=frame.index, dtype=object)
    cause = cause.where(cause.isin(CAUSES[:3]), "not recorded").to_numpy(object)
    area = pd.to_numeric(frame["area_burnt_m2"], errors="coerce") if "area_burnt_m2" in frame else np.nan
    name, syear = season_of(ts.month, ts.year)
    return pd.DataFrame({
        "t": ts, "year": ts.year, "month": ts.to_period("M").start_time, "season": name, "season_year": syear,
        "cause": cause, "area_burnt_m2": area, "precision": frame["date_precision"].to_numpy(object),
        **{c: frame[c].to_numpy(float) for c in ("easting", "northing")},
        **{c: frame[c].to_numpy(object) if c in frame else None for c in ("location", "lsoa21cd")},
    })


def _coverage(first: pd.Timestamp, last: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp) -> float:
    return max((min(last, end) - max(first, start)).days, 0) / (last - first).days


def _counts(table: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``table`` (one row per key) with fires and area burnt; zero where there were none."""
    grouped = rows.groupby(keys).agg(fires=("t", "size"), area_burnt_m2=("area_burnt_m2", "sum"))
    table = table.join(grouped, on=keys).fillna({"fires": 0, "area_burnt_m2": 0.0})
    return table.astype({"fires": int})


def _with_causes(table: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    causes = rows.pivot_table(index=keys, columns="cause", values="t", aggfunc="count", fill_value=0)
    causes = causes.reindex(columns=list(CAUSES), fill_value=0)
    return table.join(causes, on=keys).fillna({c: 0 for c in CAUSES}).astype({c: int for c in CAUSES})


def monthly_table(f: pd.DataFrame, start, end) -> pd.DataFrame:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    months = pd.period_range(start, end - pd.Timedelta(days=1), freq="M").start_time
    table = _counts(pd.DataFrame({"month": months}), f, ["month"])
    table["year"], table["month_no"] = table["month"].dt.year, table["month"].dt.month
    table["coverage"] = [_coverage(m, m + pd.DateOffset(months=1), start, end) for m in table["month"]]
    return _with_causes(table, f, ["month"])


def season_table(f: pd.DataFrame, start, end) -> pd.DataFrame:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    first, last = season_containing(start), season_containing(end - pd.Timedelta(days=1))
    rows, (name, year) = [], first
    while True:
        s0, s1 = season_start(name, year), season_end(name, year)
        rows.append({"season": name, "season_year": year, "label": season_label(name, year),
                     "start": s0, "coverage": _coverage(s0, s1, start, end)})
        if (name, year) == last:
            break
        name, year = season_containing(s1)
    table = _counts(pd.DataFrame(rows), f, ["season", "season_year"])
    table["complete"] = table["coverage"] >= 1.0
    # Each season against the mean of the *other* whole seasons of its kind.
    whole = table["fires"].where(table["complete"])
    n, total = whole.notna().groupby(table["season"]).transform("sum"), whole.groupby(table["season"]).transform("sum")
    own = table["complete"].astype(int)
    table["typical"] = ((total - whole.fillna(0)) / (n - own)).where(n - own > 0)
    table["ratio"] = table["fires"] / table["typical"].where(table["typical"] > 0)
    return _with_causes(table, f, ["season", "season_year"])


def standout_lines(seasons: pd.DataFrame, what: str = "fires") -> tuple[str, ...]:
    """Sentences on complete seasons well above the others of their kind, worst first.

    Well above: at least STANDOUT_RATIO times their average, and more than chance
    would give (one-sided Poisson test against that average, p < STANDOUT_P), so a
    quiet season's 14 against 9 is not called out.
    """
    p = stats.poisson.sf(seasons["fires"] - 1, seasons["typical"].fillna(0).clip(lower=1e-9))
    hot = seasons[seasons["complete"] & (seasons["ratio"] >= STANDOUT_RATIO) & (p < STANDOUT_P)]
    hot = hot.sort_values("ratio", ascending=False)
    return tuple(
        f"{r.label}: {r.fires:,} {what}, {r.ratio:.1f} times the average of the other {r.season}s "
        f"({r.typical:,.0f}); {r.area_burnt_m2 / 1e4:,.1f} ha burnt."
        for r in hot.itertuples()
    )


def place_tables(f: pd.DataFrame, heath: shapely.Geometry) -> tuple[pd.DataFrame, pd.DataFrame]:
    on_heath = contains_xy(heath, f["easting"].to_numpy(), f["northing"].to_numpy())
    g = f.assign(place=np.where(on_heath, HEATH, OTHER))
    total = max(len(g), 1)
    rows = []
    for place in (HEATH, OTHER):
        p = g[g["place"] == place]
        known = p["area_burnt_m2"].dropna()
        rows.append({
            "place": place, "fires": len(p), "share": len(p) / total,
            "area_burnt_m2": float(known.sum()), "area_burnt_ha": float(known.sum()) / 1e4,
            "median_area_m2": float(known.median()) if len(known) else np.nan,
            "deliberate_share": float((p["cause"] == "deliberate").mean()) if len(p) else np.nan,
            "area_not_recorded": int(p["area_burnt_m2"].isna().sum()),
        })
    by_year = g.groupby(["year", "place"]).agg(fires=("t", "size"), area_burnt_m2=("area_burnt_m2", "sum"))
    return pd.DataFrame(rows), by_year.reset_index()


def cause_table(f: pd.DataFrame) -> pd.DataFrame:
    t = f.groupby(["year", "cause"]).size().rename("fires").reset_index()
    t["share"] = t["fires"] / t.groupby("year")["fires"].transform("sum")
    return t


def hour_table(f: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Fires by hour and cause from exact times only; the rest counted by reason, never placed."""
    timed = f["precision"] == "minute"
    table = pd.DataFrame({"hour": range(24)})
    counts = f[timed].assign(hour=f.loc[timed, "t"].dt.hour).pivot_table(
        index="hour", columns="cause", values="t", aggfunc="count", fill_value=0)
    table = table.join(counts.reindex(columns=list(CAUSES), fill_value=0), on="hour").fillna(0)
    table = table.astype({c: int for c in CAUSES})
    left = {f"known only to the {level}": int((f["precision"] == level).sum()) for level in ("month", "day")}
    left["without a time"] = int((~timed & ~f["precision"].isin(["month", "day"])).sum())
    return table, {why: n for why, n in left.items() if n}


def wildfire_briefing(sel: Selection, *, season: str | None = None, cell_size: float | None = None,
                      bandwidth: float | None = None, threshold=ZONE_THRESHOLD) -> WildfireBriefing:
    """All the wildfire tables for the fires ``sel`` holds (choose open-land categories in its scope)."""
    scope = sel.scope
    f = _frame(sel.frame)
    inside = f[np.asarray(sel.inside)]
    places, places_by_year = place_tables(inside, geodata.focus_area("heath"))
    hours, left = hour_table(inside)
    seasons = season_table(inside, scope.start, scope.end)
    notes = list(sel.notes())
    if (missing := int(inside["area_burnt_m2"].isna().sum())):
        notes.append(f"{missing:,} fires have no area burnt recorded: counted, not in the areas.")
    partial = seasons.loc[~seasons["complete"], "label"].tolist()
    if partial:
        notes.append(f"Not wholly in the period, so not compared with other seasons: {', '.join(partial)}.")
    plan = prevention_plan(f, np.asarray(sel.inside), sel.area, scope.end, season=season,
                           cell_size=cell_size, bandwidth=bandwidth, threshold=threshold, start=scope.start)
    monthly = monthly_table(inside, scope.start, scope.end)
    return WildfireBriefing(scope.area, scope.start, scope.end, len(inside), monthly, seasons,
                            standout_lines(seasons), places, places_by_year, cause_table(inside), hours,
                            left, plan, tuple(notes))



def prevention_plan(f: pd.DataFrame, inside: np.ndarray, area: shapely.Geometry, end, *, season: str | None = None,
                    cell_size: float | None = None, bandwidth: float | None = None, threshold=ZONE_THRESHOLD,
                    start=None) -> PreventionPlan:
    """Zones for the coming ``season`` from the past seasons of its kind (``f`` from :func:`_frame`)."""
    name, year = coming_season(end, season)
    label = season_label(name, year)
    # Every past season of this kind the period touches, fires or not: "hot in 2 of 3".
    lo, hi = pd.Timestamp(start if start is not None else f["t"].min()), pd.Timestamp(end)
    past_years = [y for y in range(lo.year - 1, year)
                  if season_start(name, y) < hi and season_end(name, y) > lo] if len(f) else []
    params = {"season": given("season", label) if season else chosen(
        "season", label, "", "the season the data run into (the first day after the data falls in it)")}
    if not past_years:
        return PreventionPlan(name, year, label, (), _zone_frame([]).drop(columns="label"), None, params,
                              (f"No earlier {name} in the data: no past season to plan {label} from.",))
    same = f["season"].eq(name).to_numpy() & np.isin(f["season_year"], past_years)
    c, h = cell_size or ZONE_CELL_M, bandwidth or ZONE_BANDWIDTH_M
    pooled = hotspot_kde(f.loc[same, ["easting", "northing"]].to_numpy(float), boundary=area,
                         cell_size=c, bandwidth=h, threshold=threshold)
    params.update(pooled.parameters)
    if bandwidth is None:
        params["bandwidth"] = chosen("bandwidth", h, "m", "patrol scale: a few hundred metres of open land; "
                                     "Silverman's rule smooths scattered sites together")
    if cell_size is None:
        params["cell_size"] = chosen("cell_size", c, "m", "fine enough for a zone a few hundred metres across")
    params["threshold"] = Parameter("threshold", f"hot in a past {name}, {threshold} each", "",
                                    "each past season's own hot cells, on one grid and bandwidth", False)
    hot_in = np.zeros(pooled.grid.shape, np.int16)
    per_season: dict[int, np.ndarray] = {}
    for y in past_years:
        rows = same & (f["season_year"].to_numpy() == y)
        r = hotspot_kde(f.loc[rows, ["easting", "northing"]].to_numpy(float), boundary=area,
                        cell_size=c, bandwidth=h, threshold=threshold)
        per_season[y] = r.hot
        hot_in += r.hot
    labels, _ = ndimage.label(hot_in > 0)
    fires = f[same & inside]
    row, col, ok = pooled.grid.locate(fires["easting"].to_numpy(), fires["northing"].to_numpy())
    members = pd.Series(np.arange(len(fires))).groupby(np.where(ok, labels[row, col], 0)).indices
    cols = {k: fires[k].to_numpy() for k in ("location", "lsoa21cd", "season_year", "cause", "precision", "t")}
    zones = []
    # find_objects gives each zone's bounding slice: work on small windows, not the whole grid.
    for z, window in enumerate(ndimage.find_objects(labels), start=1):
        cells = labels[window] == z
        hot_years = [y for y in past_years if (per_season[y][window] & cells).any()]
        rr, cc = np.nonzero(cells)
        boxes = cell_boxes(pooled.grid, rr + window[0].start, cc + window[1].start)
        shape = shapely.intersection(shapely.coverage_union_all(boxes), area)
        dens = pooled.density[window][cells]
        mine = {k: v[members.get(z, [])] for k, v in cols.items()}
        zones.append(_describe_zone(mine, name, hot_years, past_years[-1], shape,
                                    float(np.nanmax(dens)), float(np.nanmean(dens))) | {"label": z})
    table = _zone_frame(zones)
    # The map outlines the leading zones only: dozens of one-season specks would hide them.
    mapped = np.isin(labels, table["label"].head(MAP_ZONES).to_numpy())
    table = table.drop(columns="label")
    notes = [f"Zones from {len(past_years)} past {name}s: {', '.join(season_label(name, y) for y in past_years)}."]
    kde = _as_kde(pooled, mapped, table.head(MAP_ZONES), len(fires), params)
    return PreventionPlan(name, year, label, tuple(season_label(name, y) for y in past_years), table, kde,
                          params, tuple(notes))


ZONE_COLUMNS = ["rank", "place", "lsoa", "seasons_hot", "seasons", "fires", "last_season_fires",
                "deliberate_share", "peak_hours", "timed", "area_km2", "peak_density", "mean_density", "geometry"]


def _mode(values: np.ndarray, empty: str) -> str:
    known = Counter(v for v in values if isinstance(v, str) and v)  # ties: the earliest fire's
    return known.most_common(1)[0][0] if known else empty


def _describe_zone(mine: dict, name: str, hot_years: list[int], last_year: int, shape,
                   peak: float, mean: float) -> dict:
    n = len(mine["t"])
    hours, timed = peak_hours(mine["t"][mine["precision"] == "minute"])
    return {"place": _mode(mine["location"], "no location text"), "lsoa": _mode(mine["lsoa21cd"], ""),
            "seasons_hot": len(hot_years), "seasons": ", ".join(season_label(name, y) for y in hot_years),
            "fires": n, "last_season_fires": int((mine["season_year"] == last_year).sum()),
            "deliberate_share": float((mine["cause"] == "deliberate").mean()) if n else np.nan,
            "peak_hours": hours, "timed": timed, "area_km2": float(shape.area) / 1e6,
            "peak_density": peak, "mean_density": mean, "geometry": shape}


def peak_hours(times: pd.Series, span: int = PEAK_SPAN) -> tuple[str, int]:
    """The ``span``-hour window (it may cross midnight) holding most of these exact times."""
    n = len(times)
    if n == 0:
        return "no exact times", 0
    by_hour = np.bincount(pd.DatetimeIndex(times).hour, minlength=24)
    sums = np.array([by_hour[(h + np.arange(span)) % 24].sum() for h in range(24)])
    h = int(np.argmax(sums))
    return f"{h:02d}:00-{(h + span - 1) % 24:02d}:59 ({sums[h]} of {n})", n


def _zone_frame(zones: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(zones, columns=[c for c in ZONE_COLUMNS if c != "rank"] + ["label"])
    frame = frame.sort_values(["seasons_hot", "fires", "peak_density"], ascending=False, kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    lsoas = geodata.lsoas()
    names = dict(zip(lsoas["lsoa21cd"], lsoas["lsoa21nm"]))
    frame["lsoa"] = [f"{c} {names.get(c, '')}".strip() for c in frame["lsoa"]]
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=CRS)


def _as_kde(pooled: KDEResult, hot: np.ndarray, zones, n: int, params: dict) -> KDEResult:
    """The pooled density with the zones as its hot spots, so a density map layer draws them ranked.

    Zones are cells hot in any past season, not a cut of the pooled surface: the cut
    reported is the lowest pooled density inside a zone, true of every outlined cell.
    """
    table = zones.rename(columns={"rank": "hotspot", "fires": "incidents"}).copy()
    table["share"] = table["incidents"] / max(n, 1)
    table["area_m2"] = table["area_km2"] * 1e6
    hot = hot & pooled.mask
    cut = float(np.nanmin(pooled.density[hot])) if hot.any() else pooled.threshold_density
    return replace(pooled, hot=hot, hotspots=table, threshold_density=cut, parameters=dict(params))
