"""Fly-tipping patrols: where enforcement officers should look in the coming week.

:func:`plan_patrols` clusters the last weeks' fly-tips (DBSCAN, :mod:`hotspots.dbscan`)
and ranks the clusters as patrol zones by recency-weighted incidents, counting
incidents at repeat sites (the same place hit again) double. Each zone says when it
is most often hit: days from every incident dated to the day, hours from exact times
only (a date alone says nothing about the hour). :func:`patrol_sheet` prints the
plan as a plain HTML page for the officers' clipboard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from html import escape

import numpy as np
import pandas as pd

import geodata
from briefings.scope import Scope, Selection, area_label
from hotspots.dbscan import DbscanResult, hotspot_dbscan
from hotspots.grid import stack_points
from hotspots.params import Parameter, chosen, given
from hotspots.periods import DAY_NAMES
from maps.incident_map import DEMO_SOURCE
from queries.incidents import MAP_COLUMNS

LAYER = "fly-tipping"
FLY_COLUMNS = (*MAP_COLUMNS, "waste_type", "size", "land_type")
#: Weeks of incidents a plan is made from, and the weight's half-life: a fly-tip four
#: weeks old counts half as much as one from last week's end.
DEFAULT_WEEKS = 12
HALF_LIFE_DAYS = 28.0
#: Incidents on one square of this side are one site; a site hit twice or more is a repeat site.
REPEAT_RADIUS_M = 25.0
#: Repeat-site incidents count this many times in the priority.
REPEAT_FACTOR = 2.0
#: Busiest days are listed until they hold this share of a zone's dated incidents.
DAY_SHARE = 0.5
HOUR_SPAN = 3

ZONE_COLUMNS = [
    "zone", "place", "lsoa", "priority", "count", "repeats", "repeat_sites", "last_seen", "days", "hours",
    "timed", "untimed_hours", "waste_types", "sizes", "land_type", "by_postcode", "area_m2",
    "easting", "northing", "latitude", "longitude",
]


def coming_week(end) -> date:
    """The Monday on or after ``end`` (the first day after the data): the week to plan."""
    d = pd.Timestamp(end).date()
    return d + timedelta(days=(7 - d.weekday()) % 7)


def patrol_scope(source: str, week_start: date, *, weeks: int = DEFAULT_WEEKS, area: str = "borough") -> Scope:
    """The fly-tips a plan for ``week_start`` is made from: the ``weeks`` before it."""
    return Scope(source, (LAYER,), week_start - timedelta(weeks=weeks), week_start, None, area)


@dataclass(frozen=True)
class PatrolPlan:
    """Patrol zones for the week from ``week_start``, best first.

    ``zones`` has one row per zone (``ZONE_COLUMNS``); ``clusters`` is the DBSCAN
    result renumbered so that cluster ``k`` is zone ``k`` (for a cluster map layer);
    ``profiles[k]`` is zone ``k``'s incidents by day (rows Mon..Sun) and hour, from
    exact times.
    """

    week_start: date
    window: tuple[date, date]
    area: str
    source: str
    incidents: int
    zones: pd.DataFrame
    clusters: DbscanResult | None
    profiles: dict[int, pd.DataFrame] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def in_zones(self) -> int:
        return int(self.zones["count"].sum()) if len(self.zones) else 0


def plan_patrols(sel: Selection, *, half_life_days: float = HALF_LIFE_DAYS, eps: float | None = None,
                 min_samples: int | None = None, top: int | None = None) -> PatrolPlan:
    """Rank patrol zones from the fly-tips ``sel`` holds (read with :func:`patrol_scope`)."""
    scope = sel.scope
    week = scope.end
    frame = sel.incidents.reset_index(drop=True)
    params = {
        "window": given("window", f"{scope.start:%d %b %Y} to {scope.end - timedelta(days=1):%d %b %Y}"),
        "half_life": given("half_life", half_life_days, "days") if half_life_days != HALF_LIFE_DAYS else chosen(
            "half_life", HALF_LIFE_DAYS, "days", "a fly-tip four weeks old counts half as much as a new one"),
        "repeat_radius": chosen("repeat_radius", REPEAT_RADIUS_M, "m", "fly-tips on one square this size are one site"),
    }
    notes = list(sel.notes())
    base = PatrolPlan(week, (scope.start, scope.end), scope.area, scope.source, len(frame),
                      _empty_zones(), None, {}, params)
    if frame.empty:
        return replace(base, notes=tuple(notes + ["No fly-tipping in these weeks: no zones to patrol."]))
    result = hotspot_dbscan(frame, eps=eps, min_samples=min_samples, area=sel.area)
    params.update(result.parameters)
    age = (pd.Timestamp(week) - pd.to_datetime(frame["occurred_at"])).dt.total_seconds() / 86400
    weight = 0.5 ** (age.to_numpy() / half_life_days)
    site = _site_keys(frame)
    _, inverse, per_site = np.unique(site, return_inverse=True, return_counts=True)
    repeat = per_site[inverse] >= 2
    weight = weight * np.where(repeat, REPEAT_FACTOR, 1.0)
    rows, profiles = [], {}
    for c in result.clusters["cluster"]:
        members = np.flatnonzero(result.labels == c)
        rows.append(_describe(frame.iloc[members], weight[members], repeat[members], site[members]))
        rows[-1]["cluster"] = int(c)
        profiles[int(c)] = result.profiles.get(int(c))
    zones = pd.DataFrame(rows)
    if zones.empty:
        notes.append("No cluster of fly-tips in these weeks: every incident is on its own.")
        return replace(base, clusters=result, notes=tuple(notes + list(result.warnings)))
    zones = zones.sort_values(["priority", "count"], ascending=False, kind="stable").reset_index(drop=True)
    order = zones["cluster"].to_numpy()
    zones["zone"] = np.arange(1, len(zones) + 1)
    zones = _finish(zones, result, order)
    clusters = _renumber(result, order)
    if top:
        zones = zones.head(top)
    return replace(base, zones=zones, clusters=clusters,
                   profiles={k: profiles[c] for k, c in enumerate(order, start=1) if profiles[c] is not None},
                   notes=tuple(notes + list(result.warnings)))


def _site_keys(frame: pd.DataFrame) -> np.ndarray:
    """A site number per incident: positions on the same REPEAT_RADIUS_M square are one site."""
    x = np.round(frame["easting"].to_numpy(float) / REPEAT_RADIUS_M).astype(np.int64)
    y = np.round(frame["northing"].to_numpy(float) / REPEAT_RADIUS_M).astype(np.int64)
    return x * 1_000_003 + y  # BNG / 25 m < 1e6, so distinct squares get distinct keys


def _top(values, k: int = 3) -> str:
    counts = Counter(v for v in values if isinstance(v, str) and v)
    return "; ".join(f"{name} ({n})" for name, n in counts.most_common(k)) or "not recorded"


def _mode(values) -> str:
    counts = Counter(v for v in values if isinstance(v, str) and v)
    return counts.most_common(1)[0][0] if counts else ""


def busiest_days(times: pd.Series, precision: np.ndarray) -> tuple[str, int]:
    """Days holding at least DAY_SHARE of the incidents dated to the day, busiest first."""
    dated = np.isin(precision, ["day", "minute"])
    dow = pd.DatetimeIndex(times[dated]).day_of_week
    if len(dow) == 0:
        return "no dates to the day", 0
    counts = np.bincount(dow, minlength=7)
    order = np.argsort(-counts, kind="stable")
    picked, total = [], 0
    for d in order:
        picked.append(int(d))
        total += counts[d]
        if total >= DAY_SHARE * len(dow) or len(picked) == 3:
            break
    return ", ".join(f"{DAY_NAMES[d][:3]} ({counts[d]})" for d in picked), len(dow)


def busiest_hours(times: pd.Series, precision: np.ndarray, span: int = HOUR_SPAN) -> tuple[str, int]:
    """The ``span``-hour window holding most exact times; month or day dates are never used."""
    exact = pd.DatetimeIndex(times[precision == "minute"])
    if len(exact) == 0:
        return "no exact times", 0
    by_hour = np.bincount(exact.hour, minlength=24)
    sums = np.array([by_hour[(h + np.arange(span)) % 24].sum() for h in range(24)])
    h = int(np.argmax(sums))
    return f"{h:02d}:00-{(h + span - 1) % 24:02d}:59 ({sums[h]} of {len(exact)})", len(exact)


def _describe(z: pd.DataFrame, weight: np.ndarray, repeat: np.ndarray, site: np.ndarray) -> dict:
    times, precision = z["occurred_at"], z["date_precision"].to_numpy(object)
    days, _ = busiest_days(times, precision)
    hours, timed = busiest_hours(times, precision)
    sx, sy, scount, _ = stack_points(z["easting"].to_numpy(float), z["northing"].to_numpy(float),
                                     tolerance=REPEAT_RADIUS_M)
    return {
        "place": _mode(z["location"]) or "no location text", "lsoa": _mode(z["lsoa21cd"]),
        "priority": float(weight.sum()), "count": len(z), "repeats": int(repeat.sum()),
        "repeat_sites": len(np.unique(site[repeat])),
        "last_seen": pd.Timestamp(times.max()), "days": days, "hours": hours, "timed": timed,
        "untimed_hours": len(z) - timed, "waste_types": _top(z["waste_type"]), "sizes": _top(z["size"]),
        "land_type": _top(z["land_type"], 2),
        "by_postcode": int((z["location_method"] == "postcode").sum()) if "location_method" in z else 0,
        # The busiest site stands for the zone: officers go to a place, not to a centroid.
        "easting": float(sx[np.argmax(scount)]), "northing": float(sy[np.argmax(scount)]),
    }


def _finish(zones: pd.DataFrame, result: DbscanResult, order: np.ndarray) -> pd.DataFrame:
    areas = result.clusters.set_index("cluster")["area_m2"]
    zones["area_m2"] = areas.reindex(order).to_numpy()
    lon, lat = geodata.bng_to_lonlat(zones["easting"].to_numpy(), zones["northing"].to_numpy())
    zones["longitude"], zones["latitude"] = lon, lat
    names = _lsoa_names()
    zones["lsoa"] = [f"{c} {names.get(c, '')}".strip() for c in zones["lsoa"]]
    return zones[ZONE_COLUMNS]


def _renumber(result: DbscanResult, order: np.ndarray) -> DbscanResult:
    """The clustering with cluster k = zone k, so the map's numbers are the sheet's."""
    new_id = np.zeros(int(result.labels.max(initial=0)) + 1, np.int64)
    new_id[order] = np.arange(1, len(order) + 1)
    clusters = result.clusters.set_index("cluster").loc[order].reset_index()
    clusters["cluster"] = np.arange(1, len(order) + 1)
    profiles = {int(new_id[c]): p for c, p in result.profiles.items()}
    return replace(result, clusters=clusters, labels=new_id[result.labels], profiles=profiles)


def _empty_zones() -> pd.DataFrame:
    return pd.DataFrame(columns=ZONE_COLUMNS)


def _lsoa_names() -> dict[str, str]:
    lsoas = geodata.lsoas()
    return dict(zip(lsoas["lsoa21cd"], lsoas["lsoa21nm"]))


# ----------------------------------------------------------------------------- the sheet

SHEET_CSS = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; margin: 1.5cm; color: #000; }
h1 { font-size: 16pt; margin-bottom: 0; } h2 { font-size: 12pt; margin: 1em 0 0.2em; }
table { border-collapse: collapse; width: 100%; margin-top: 0.5em; }
th, td { border: 1px solid #444; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eee; } .note { font-size: 9pt; color: #333; } .zone { page-break-inside: avoid; }
td.tick { width: 6em; } @media print { body { margin: 1cm; } }
"""


def patrol_sheet(plan: PatrolPlan, *, top: int = 10, title: str = "Fly-tipping patrol sheet") -> str:
    """The plan as a standalone, printable HTML page; every value is escaped."""
    e = lambda v: escape(str(v))  # noqa: E731 - one short local helper
    week_end = plan.week_start + timedelta(days=6)
    head = (f"<h1>{e(title)}</h1><p>Week of {e(f'{plan.week_start:%A %d %B %Y}')} to "
            f"{e(f'{week_end:%A %d %B %Y}')} · {e(area_label(plan.area))} · from {plan.incidents:,} fly-tips, "
            f"{e(f'{plan.window[0]:%d %b %Y}')} to {e(f'{plan.window[1] - timedelta(days=1):%d %b %Y}')}</p>")
    if plan.source == DEMO_SOURCE:
        head += "<p><strong>Generated demo data: these are not real incidents.</strong></p>"
    zones = plan.zones.head(top)
    if zones.empty:
        body = "<p>No patrol zones: no cluster of fly-tips in these weeks.</p>"
    else:
        cols = [("zone", "Zone"), ("place", "Place"), ("days", "Busiest days"), ("hours", "Busiest hours"),
                ("count", "Fly-tips"), ("repeats", "At repeat sites"), ("last_seen", "Last seen")]
        rows = "".join(
            "<tr>" + "".join(f"<td>{e(_cell(r[c]))}</td>" for c, _ in cols) + "</tr>" for _, r in zones.iterrows())
        body = ("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for _, h in cols) + "</tr></thead>"
                f"<tbody>{rows}</tbody></table>")
        body += "".join(_zone_block(r, e) for _, r in zones.iterrows())
    half_life = plan.parameters["half_life"].value if "half_life" in plan.parameters else HALF_LIFE_DAYS
    note = ("<p class='note'>Zones are clusters of recent fly-tips ranked by recency-weighted count "
            f"(half-life {half_life:g} days), incidents at repeat sites counting "
            "double. Days use every incident dated to the day; hours use exact times only.</p>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<style>{SHEET_CSS}</style></head><body>{head}{body}{note}</body></html>")


def _cell(value) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%a %d %b %Y}"
    return f"{value:,.0f}" if isinstance(value, float) else str(value)


def _zone_block(r: pd.Series, e) -> str:
    where = f"{r['place']}" + (f", {r['lsoa']}" if r["lsoa"] else "")
    return (
        f"<div class='zone'><h2>Zone {e(r['zone'])}: {e(where)}</h2>"
        f"<p>Grid reference E {r['easting']:.0f} N {r['northing']:.0f} "
        f"({r['latitude']:.5f}, {r['longitude']:.5f}) · land: {e(r['land_type'])}</p>"
        f"<p>Busiest days: {e(r['days'])} · busiest hours: {e(r['hours'])}"
        + (f" · {int(r['untimed_hours'])} with no exact time" if r["untimed_hours"] else "") + "</p>"
        f"<p>Waste: {e(r['waste_types'])} · sizes: {e(r['sizes'])}</p>"
        "<table><tr><th>Visited (date, time)</th><th>Officer</th><th>Found</th></tr>"
        "<tr><td class='tick'>&nbsp;</td><td class='tick'>&nbsp;</td><td>&nbsp;</td></tr></table></div>"
    )
