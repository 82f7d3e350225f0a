"""The tasking views as exports, from the briefing each page shows.

:func:`export_view` (``view`` one of :data:`VIEWS`) writes a view in any of the
formats of :mod:`exports.view_export` under a disclosure profile; the builders
(:func:`violence`, :func:`wildfire`, :func:`fly_tipping`, :func:`overview`) return the
:class:`~exports.view_export.ViewExport`. Each view's map goes through
:func:`exports.protect.prepare` as an analysis, so partner rules are those of Explore:

- Weekly violence: the week's KDE hot spots and the top table, the NTE zone and
  Bluewater. Under ``partner`` the surface is drawn again without sexual and
  domestic-abuse incidents at the profile's minimum bandwidth, so the top table is
  counted again on those hot spots (the page's expected and change columns are
  for its own map: they stay internal);
- Wildfire prevention: the pooled density of past seasons with the prevention zones;
  the zones and the seasons;
- Fly-tipping patrols: the patrol zones (DBSCAN clusters, zone = cluster number) and
  the zone table; the busiest site's coordinates stay internal;
- Overview: the period's density (or, internal only, its incidents) with the totals
  by layer and category and the focus areas.

``con`` (the store) lets partner exports read the sexual-offence and domestic-abuse
flags the briefings do not read.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

import geodata
from briefings.explore import Analysis
from briefings.scope import LAYER_LABELS, NTE_DAYS, NTE_HOURS, Scope, Selection, area_label
from exports import disclosure as D
from exports.analysis_export import sheet_info
from exports.protect import prepare, scrub
from exports.view_export import ViewExport, protect_table, write_view
from hotspots.geometry import contains_xy

VIEWS = ("violence", "wildfire", "fly-tipping", "overview")


def _analysis(method: str, scope: Scope, sel: Selection, result, parameters=None, summary: str = "") -> Analysis:
    """The map of a view as an Explore analysis, so ``exports.protect`` can apply a profile to it."""
    return Analysis(method, scope, sel, result, parameters=dict(parameters or result.parameters),
                    warnings=tuple(result.warnings), summary=summary or result.summary().splitlines()[0])


def _prepared(a: Analysis, prof: D.Profile, con):
    prepared = prepare(a, prof, con)
    if prof.points and a.method != "points":
        prepared.points = a.selection.incidents  # the HTML map's points layer, as on the page
    return prepared


def _info(prepared, *, title: str, period: str, filters: str, accuracy: str = "", notes=()):
    info = sheet_info(prepared, accuracy)
    extra = tuple(scrub(n, prepared.profile) for n in notes)
    # A briefing's notes often repeat its method's warnings, which the sheet already lists.
    return replace(info, title=title, period=period, filters=filters, notes=tuple(dict.fromkeys(extra + info.notes)))


def _selection(scope: Scope, frame: pd.DataFrame) -> Selection:
    """A selection of incidents already in the area (a briefing's own frame)."""
    return Selection(scope, geodata.area_geometry(scope.area), frame.reset_index(drop=True),
                     np.ones(len(frame), bool), 0)


def _with_table(geo, table: pd.DataFrame, key: str, on: str):
    """The features ``geo`` with the view's table joined on ``geo[key] == table[on]``, in the table's order."""
    extra = table.drop(columns=[c for c in table if c in geo and c != on] + ["geometry"], errors="ignore")
    out = geo.merge(extra, how="left", left_on=key, right_on=on, suffixes=("", "_view"))
    out = out.drop(columns=[on] if on != key else []).reset_index(drop=True)
    # Features the view's table does not list leave holes: keep whole numbers whole.
    for c in extra.columns:
        if c in out and pd.api.types.is_integer_dtype(extra[c]) and out[c].dtype.kind == "f":
            out[c] = out[c].astype("Int64")
    return out


# --------------------------------------------------------------------------------------
# Weekly violence
# --------------------------------------------------------------------------------------


def hotspot_rows(hotspots, incidents: pd.DataFrame) -> pd.DataFrame:
    """Per hot spot: the incidents inside, their street and peak hours; most incidents first."""
    from briefings.violence import peak_hours, street

    e, n = incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float)
    rows = []
    for spot in hotspots.itertuples():
        inside = incidents[contains_xy(spot.geometry, e, n)]
        rows.append({"hotspot": int(spot.hotspot), "street": street(inside["location"]), "count": len(inside),
                     "peak_hours": peak_hours(inside["occurred_at"], inside["date_precision"]),
                     "area_km2": float(spot.area_km2)})
    table = pd.DataFrame(rows, columns=["hotspot", "street", "count", "peak_hours", "area_km2"])
    table = table.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _violence_focus(b, prof: D.Profile) -> pd.DataFrame:
    from hotspots.change import parse_baseline

    focus = b.focus.copy()
    try:  # the baseline's own count: the figure an expected value is worked out from
        windows, _ = parse_baseline(b.baseline, b.period)
        focus["baseline"] = (focus["expected"] * sum(w.days for w in windows) / b.period.days).round().astype(int)
    except ValueError:
        focus["baseline"] = np.nan
    columns = ["label", "count", "baseline", "expected", "last_year", "change", "pct_change", "class",
               "nte_window", "nte_share", "untimed"]
    return protect_table(focus[columns], prof, counts=("count", "baseline", "last_year", "nte_window", "untimed"),
                         derived=("expected", "change", "pct_change", "nte_share"))


def violence(b, profile="partner", *, con=None) -> ViewExport:
    """The Weekly violence page (``briefings.violence.WeeklyViolence``): KDE hot spots and the top table."""
    from briefings.violence import VIOLENCE_CATEGORIES

    prof = D.profile(profile)
    if b.kde is None:
        raise ValueError(f"no hot spot map for {b.period.label}: nothing to export")
    days, hours = (NTE_DAYS, NTE_HOURS) if b.nte_only else (None, None)
    scope = Scope(b.source, ("offence",), b.period.start.date(), b.period.end.date(), VIOLENCE_CATEGORIES, b.area,
                  days, hours)
    a = _analysis("kde", scope, _selection(scope, b.incidents), b.kde)
    prepared = _prepared(a, prof, con)
    redrawn = prepared.analysis is not a
    unit = "week" if b.weekly else "month"
    accuracy = b.accuracy.removeprefix("Accuracy: ")
    if redrawn and b.backtest is not None:
        accuracy += " (scored for the page's map; this map was drawn again under the partner profile)"
    headline = b.headline() if not prof.suppresses else \
        f"{D.format_count(b.count, prof)} incidents in the {unit} in the area."
    info = _info(prepared, title=f"Weekly violence: {b.title}", period=f"{b.period.label} against the {b.baseline}",
                 filters=f"{scope.describe()} · source {b.source}", accuracy=accuracy,
                 notes=(headline, "Numbers on the map: the hot spots' ranks in the top table.", *b.notes))
    if redrawn or prof.suppresses:
        top = hotspot_rows(prepared.result.hotspots, prepared.analysis.selection.incidents)
        top = protect_table(top, prof, rows_by="count", texts=("peak_hours",))
    else:
        top = b.top[["rank", "hotspot", "street", "count", "expected", "change", "pct_change", "status",
                     "peak_hours", "untimed"]]
    features = _with_table(prepared.geo, top, "hotspot", "hotspot")
    features = features.sort_values("rank", kind="stable", na_position="last").reset_index(drop=True)
    tables = [(f"Top {min(len(top), 10)} hot spots", top.head(10)),
              ("Night-time economy and Bluewater", _violence_focus(b, prof))]
    return ViewExport(prepared, info, tables, features, numbers="rank")


# --------------------------------------------------------------------------------------
# Wildfire prevention
# --------------------------------------------------------------------------------------


def wildfire(b, sel: Selection, profile="partner", *, con=None) -> ViewExport:
    """The Wildfire prevention page (``briefings.wildfire.WildfireBriefing`` of ``sel``): prevention zones."""
    prof = D.profile(profile)
    plan = b.plan
    if plan.kde is None:
        raise ValueError(f"no prevention zones for {plan.label}: nothing to map")
    a = _analysis("kde", sel.scope, sel, plan.kde, plan.parameters)
    prepared = _prepared(a, prof, con)
    last = pd.Timestamp(b.end) - pd.Timedelta(days=1)
    info = _info(prepared, title=f"Wildfire prevention: where to patrol in {plan.label}",
                 period=f"{b.start:%d %b %Y} to {last:%d %b %Y}; zones from {', '.join(plan.past)}",
                 filters=f"{sel.scope.describe()} · source {sel.scope.source}",
                 notes=("Numbers on the map: the zones' ranks in the table.", *plan.notes, *b.standout))
    zones = pd.DataFrame(plan.zones.drop(columns=["peak_density", "mean_density"]))
    zones.insert(zones.columns.get_loc("deliberate_share"), "deliberate",
                 (zones["deliberate_share"].fillna(0) * zones["fires"]).round().astype(int))
    zones = protect_table(zones, prof, rows_by="fires", counts=("deliberate", "last_season_fires", "timed"),
                          derived=("deliberate_share",), texts=("peak_hours",))
    seasons = b.seasons[["label", "fires", "typical", "ratio", "complete", "area_burnt_m2"]].assign(
        area_burnt_ha=lambda t: t["area_burnt_m2"] / 1e4).drop(columns="area_burnt_m2")
    seasons = protect_table(seasons, prof, counts=("fires",), derived=("typical", "ratio"))
    features = plan.zones[["rank", "geometry"]].merge(zones.drop(columns="geometry"), on="rank")
    import geopandas as gpd

    features = gpd.GeoDataFrame(features, geometry="geometry", crs=plan.zones.crs)
    tables = [(f"Prevention zones for {plan.label}", zones), ("Fires by season", seasons)]
    # Ranks 1 to 12 are the zones the map outlines (briefings.wildfire.MAP_ZONES), and are numbered.
    return ViewExport(prepared, info, tables, features, numbers="rank")


# --------------------------------------------------------------------------------------
# Fly-tipping patrols
# --------------------------------------------------------------------------------------

ZONE_TEXTS = ("days", "hours", "waste_types", "sizes", "land_type")
ZONE_SITES = ("easting", "northing", "latitude", "longitude")


def fly_tipping(plan, sel: Selection, profile="partner", *, con=None, top: int = 10) -> ViewExport:
    """The Fly-tipping patrols page (``briefings.fly_tipping.PatrolPlan`` of ``sel``): ranked patrol zones."""
    prof = D.profile(profile)
    if plan.clusters is None or plan.zones.empty:
        raise ValueError("no patrol zones: no cluster of fly-tips in these weeks")
    a = _analysis("dbscan", sel.scope, sel, plan.clusters, plan.parameters,
                  f"{len(plan.zones)} patrol zones from {plan.incidents:,} fly-tips")
    prepared = _prepared(a, prof, con)
    week_end = plan.week_start + pd.Timedelta(days=6)
    window = f"{plan.window[0]:%d %b %Y} to {plan.window[1] - pd.Timedelta(days=1):%d %b %Y}"
    info = _info(prepared, title=f"Fly-tipping patrols: week of {plan.week_start:%a %d %b %Y}",
                 period=f"{plan.week_start:%d %b} to {week_end:%d %b %Y}, from the fly-tips of {window}",
                 filters=f"{sel.scope.describe()} · source {plan.source}",
                 notes=("Cluster numbers are patrol zone numbers: ranked by priority, not by size.", *plan.notes))
    zones = protect_table(plan.zones, prof, rows_by="count", texts=ZONE_TEXTS, drop=ZONE_SITES,
                          counts=("repeats", "repeat_sites", "timed", "untimed_hours", "by_postcode"))
    features = _with_table(prepared.geo, zones, "cluster", "zone")
    shown = ["zone", "place", "lsoa", "priority", "count", "repeats", "last_seen", "days", "hours", "waste_types"]
    tables = [(f"Top {min(top, len(zones))} patrol zones", zones[[c for c in shown if c in zones]].head(top))]
    return ViewExport(prepared, info, tables, features)


# --------------------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------------------

CHANGE_DERIVED = ("change", "pct_change", "p", "p_fdr", "significant")


def overview_totals(ov, prof: D.Profile) -> pd.DataFrame:
    """Totals by layer and category; small counts hidden within each layer (its total is shown)."""
    t = ov.totals.assign(layer=ov.totals["layer"].map(lambda x: LAYER_LABELS.get(x, x)))
    columns = ["level", "layer", "label", "count", "last_year", "change", "pct_change", "p_fdr", "significant"]
    groups = [t[t["level"].isin(["all", "layer"])]] + [g for _, g in t[t["level"] == "category"].groupby(
        "layer", sort=False)]
    parts = [protect_table(g[columns], prof, counts=("count", "last_year"), derived=CHANGE_DERIVED) for g in groups]
    return pd.concat(parts, ignore_index=True)


def overview(ov, profile="partner", *, con=None, map_kind: str = "points", kde=None) -> ViewExport:
    """The Overview page (``briefings.overview.Overview``): its map (``map_kind``), totals and focus areas.

    ``kde`` is the page's density surface when it shows one. Partner exports carry no
    points, so they show the density whatever the page shows.
    """
    from hotspots.kde import hotspot_kde

    prof = D.profile(profile)
    scope = ov.scope.with_period(ov.period.start.date(), ov.period.end.date())
    sel = _selection(scope, ov.incidents)
    notes = list(ov.notes)
    method = "kde" if (map_kind == "density" or not prof.points) and sel.count >= 2 else "points"
    if method == "kde":
        if kde is None:
            kde = hotspot_kde(sel.xy, boundary=sel.area)
        if map_kind != "density":
            notes.append(f"The {prof.name} profile shows no incident points: this map is their density.")
        a = _analysis("kde", scope, sel, kde)
    else:
        a = Analysis("points", scope, sel, summary=f"{sel.count:,} incidents")
    prepared = _prepared(a, prof, con)
    layers = ", ".join(LAYER_LABELS.get(x, x) for x in scope.layers)
    info = _info(prepared, title=f"Overview: {layers}, {area_label(scope.area)}",
                 period=f"{ov.period.label} against {ov.last_year.label}",
                 filters=f"{scope.describe()} · source {scope.source}", notes=notes)
    totals = overview_totals(ov, prof)
    focus = protect_table(ov.focus[["label", "count", "rate_per_km2", "share", "pai", "last_year", "change",
                                    "pct_change", "significant"]], prof, counts=("count", "last_year"),
                          derived=("rate_per_km2", "share", "pai", *CHANGE_DERIVED))
    tables = [("Totals by layer and category", totals), ("Focus areas (borough-wide)", focus)]
    return ViewExport(prepared, info, tables, prepared.geo, table=totals)


BUILDERS = {"violence": violence, "wildfire": wildfire, "fly-tipping": fly_tipping, "overview": overview}


def export_view(view: str, fmt: str, path, profile: str = "partner", *, con=None, dpi: int = 150,
                tiles: bool = True, fetch_tile=None, **subject):
    """Write ``view`` (one of :data:`VIEWS`) as ``fmt`` to ``path``; ``subject`` are its builder's arguments."""
    if view not in BUILDERS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    v = BUILDERS[view](profile=profile, con=con, **subject)
    return write_view(v, fmt, path, dpi=dpi, tiles=tiles, fetch_tile=fetch_tile)
