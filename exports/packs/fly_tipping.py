"""The fly-tipping patrol pack: where enforcement officers should look in a week.

Pages: (1) summary: the weeks the plan is made from, waste types and days of the week;
(2) the patrol zones map (DBSCAN clusters numbered by patrol priority); (3) the zones
table with their busiest days and hours, waste types and when each was last hit.

The plan comes from :func:`briefings.fly_tipping.plan_patrols` on the 12 weeks before the
week. Under a suppressing profile the waste types, days and their totals go through one
linked suppression, each zone's count with its repeat-site part, and the map drops zones
of 1 to k-1 fly-tips; last-seen dates are cut to the week and grid references left out.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

import geodata
from briefings import fly_tipping as F
from briefings.overview import coverage
from briefings.scope import area_label, select
from exports import disclosure as D
from exports import static_layers as sl
from exports.analysis_export import caveats
from exports.packs import common as C
from exports.packs import suppress as S
from exports.protect import protect_result
from hotspots.periods import DAY_NAMES
from queries import incidents as q

TABLE_ZONES = 12
PAGES = ("Summary", "Patrol zones map", "Patrol zones")
ATTRIBUTION = "Fly-tipping: Dartford Borough Council."


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _week(con, source: str, week: date | None) -> tuple[date, list[str]]:
    """The Monday to plan and notes; PackError when the data cannot support it."""
    cov = coverage(con, source, (F.LAYER,))
    if cov.month_only:
        others = [s for s in q.sources(con, F.LAYER)["source"] if s != source]
        todo = f"use --source {others[0]}" if others else "import fly-tipping with dates to the day"
        raise C.PackError(f"{source} fly-tipping dates are months only, so it cannot make a weekly patrol plan: {todo}")
    last = (cov.end - pd.Timedelta(days=1)).date()
    latest = F.coming_week(cov.end)
    monday = week or latest
    if monday > latest:
        raise C.PackError(f"the fly-tipping data end on {last:%d %b %Y}: the latest week a plan can be made for is "
                          f"{iso_week(latest)} (week of {latest:%d %b %Y})")
    first = cov.start.date()
    if monday <= first:
        full = F.coming_week(pd.Timestamp(first)) + timedelta(weeks=F.DEFAULT_WEEKS)
        raise C.PackError(f"the fly-tipping data start on {first:%d %b %Y}: there are no fly-tips before "
                          f"{iso_week(monday)} to plan from; the first week with {F.DEFAULT_WEEKS} weeks of history "
                          f"is {iso_week(full)}")
    notes = []
    if monday - timedelta(weeks=F.DEFAULT_WEEKS) < first:
        notes.append(f"The data start in {first:%B %Y}: this plan has fewer than {F.DEFAULT_WEEKS} weeks of "
                     "history.")
    return monday, notes


def fly_tipping_pack(con, *, week: date | None = None, profile="partner", source: str | None = None,
                     area: str = "borough", tiles: bool = True, fetch_tile=None) -> list:
    """The pages of the fly-tipping pack (matplotlib Figures); raises :class:`~exports.packs.common.PackError`."""
    prof = D.profile(profile)
    source = source or q.default_source(con, F.LAYER)
    if source is None or F.LAYER not in q.layers(con, source):
        raise C.PackError(f"{'the store' if source is None else repr(source)} holds no fly-tipping: import some "
                          "first (python -m hotspots import fly-tipping FILE)")
    monday, notes = _week(con, source, week)
    sel = select(con, F.patrol_scope(source, monday, area=area), F.FLY_COLUMNS)
    plan = F.plan_patrols(sel)
    start, end = plan.window
    pack = C.Pack(
        title=f"Fly-tipping patrol pack · {area_label(area)} · {iso_week(monday)}",
        period=f"Patrols for the week of Mon {monday:%d %b} to Sun {monday + timedelta(days=6):%d %b %Y}, planned "
               f"from the fly-tips of {start:%d %b %Y} to {end - timedelta(days=1):%d %b %Y} "
               f"({F.DEFAULT_WEEKS} weeks)",
        filters=f"Fly-tipping: all types · {area_label(area)} · source {source}",
        caveats=caveats(sel.incidents), attribution=f"{geodata.ATTRIBUTION} {ATTRIBUTION}", profile=prof,
        tiles=tiles, fetch_tile=fetch_tile)
    summary_page(pack, plan, sel.incidents, [pack.text(n) for n in (*notes, *plan.notes)])
    map_page(pack, plan)
    zones_page(pack, plan)
    return pack.finish()


def _summary_counts(frame: pd.DataFrame, prof: D.Profile):
    """Waste types and days of the week with the totals they add up to, and what to hide."""
    waste = frame["waste_type"].fillna("not recorded").replace("", "not recorded").value_counts()
    dated = frame["date_precision"].isin(["day", "minute"]).to_numpy()
    days = np.bincount(pd.DatetimeIndex(frame.loc[dated, "occurred_at"]).day_of_week, minlength=7)
    n, w = len(frame), len(waste)
    values = np.concatenate([[n], waste.to_numpy(float), days, [dated.sum(), (~dated).sum()]])
    d0 = 1 + w
    groups = [(0, list(range(1, d0))), (d0 + 7, list(range(d0, d0 + 7))), (0, [d0 + 7, d0 + 8])]
    mask = S.suppress_linked(values, groups, prof.k) if prof.suppresses else np.zeros(len(values), bool)
    return waste, days, int(dated.sum()), mask[0], mask[1:d0], mask[d0:d0 + 7], bool(mask[d0 + 7])


def summary_page(pack: C.Pack, plan: F.PatrolPlan, frame: pd.DataFrame, notes: list[str]) -> None:
    prof = pack.profile
    fig, y = pack.page(PAGES[0])
    repeat_sites = int(plan.zones["repeat_sites"].sum()) if len(plan.zones) else 0
    waste, days, dated, hide_n, hide_w, hide_d, hide_dated = _summary_counts(frame, prof)
    y = C.key_figures(fig, y - 0.01, [
        (f"Fly-tips in {F.DEFAULT_WEEKS} weeks", S.shown(plan.incidents, hide_n), "the plan is made from these"),
        ("Patrol zones", f"{len(plan.zones):,}", "clusters of recent fly-tips"),
        ("In the zones", S.share(plan.in_zones, plan.incidents, prof), "share of the fly-tips"),
        ("Repeat sites in the zones", pack.count(repeat_sites), "places hit twice or more"),
    ])
    col = C.column(fig, y, C.LEFT, 0.5)
    col.write("Waste types", fontsize=10, fontweight="bold", gap=0.2)
    rows = [[name, S.shown(n, h), D.HIDDEN if h else S.share(n, plan.incidents, prof)]
            for (name, n), h in zip(waste.items(), hide_w)]
    rows.append(["All fly-tips", S.shown(plan.incidents, hide_n), ""])
    yb = C.draw_table(fig, [C.Col("Waste type", 2.2), C.Col("Fly-tips", 0.8, "right"), C.Col("Share", 0.7, "right")],
                      rows, y=col.y, x1=0.45, fontsize=8)
    col = C.column(fig, yb - 0.01, C.LEFT, 0.45)
    pack.write_notes(col, notes)
    col.write("Pages: " + " · ".join(f"{i} {p}" for i, p in enumerate(PAGES, start=1)), fontsize=7.5)
    ax = C.chart_axes(fig, 0.55, y - 0.03, C.RIGHT - 0.55, y - 0.03 - C.BOTTOM - 0.1,
                      "Fly-tips by day of the week (dated to the day)")
    C.bar_chart(ax, [d[:3] for d in DAY_NAMES], days, hide_d, ["#009E73"] * 7, prof=prof,
                ylabel="Fly-tips (count)")
    ax.tick_params(axis="x", labelrotation=0)
    undated = plan.incidents - dated
    text = f"{S.shown(dated, hide_dated)} fly-tips dated to the day" + (
        f"; {D.HIDDEN if hide_dated else f'{undated:,}'} known only to the month are left off." if undated else ".")
    fig.text(0.55, ax.get_position().y0 - 0.04, text, fontsize=7, va="top")


def map_page(pack: C.Pack, plan: F.PatrolPlan) -> None:
    prof = pack.profile
    if plan.clusters is None or plan.zones.empty:
        fig, y = pack.page(PAGES[1])
        C.column(fig, y - 0.02).write("No patrol zones: " + " ".join(plan.notes or ["no cluster of fly-tips."]),
                                      fontsize=10)
        return
    result, noise, dropped = protect_result("dbscan", plan.clusters, prof)

    def layer(ax):
        legend = sl.draw_clusters(ax, result, noise=noise, count=pack.count)
        C.outline_area(ax, plan.area)
        legend.title = "Patrol zones (DBSCAN clusters)"
        labels = [t.replace("Clusters", "Zones").replace("Cluster", "Zone").replace("incidents", "fly-tips")
                  for t in legend.labels]
        # Zone counts live in the table, where they are suppressed together; the legend only names them.
        legend.labels = [t.split(":")[0] for t in labels] if prof.suppresses else labels
        legend.notes = tuple(
            "Numbered by patrol priority (recency-weighted fly-tips, repeat sites double), 1 = first."
            if n.startswith("Numbered") else n.replace("incidents", "fly-tips") for n in legend.notes)
        return legend

    pack.map_page(PAGES[1], "dbscan", result, layer=layer, area=geodata.area_geometry(plan.area),
                  method="DBSCAN clusters of recent fly-tips, ranked by recency-weighted count",
                  parameters=C.parameter_lines(plan.parameters, prof),
                  summary=(f"{len(plan.zones):,} zones holding {S.share(plan.in_zones, plan.incidents, prof)} of the "
                           f"fly-tips; the table on page 3 lists the first {min(TABLE_ZONES, len(plan.zones))}."),
                  notes=tuple(dropped))


def _zone_counts(zones: pd.DataFrame, prof: D.Profile, all_listed: bool, in_zones: int):
    """Each zone's count and repeat-site count, hidden with the rest of the zone that would give them back."""
    n = len(zones)
    counts, reps = zones["count"].to_numpy(float), zones["repeats"].to_numpy(float)
    values = np.concatenate([counts, reps, counts - reps, [in_zones]])
    groups = [(i, [n + i, 2 * n + i]) for i in range(n)]
    if all_listed:  # the zones' share of the total gives their sum back
        groups.append((3 * n, list(range(n))))
    mask = S.suppress_linked(values, groups, prof.k) if prof.suppresses else np.zeros(len(values), bool)
    return mask[:n], mask[n:2 * n]


def zones_page(pack: C.Pack, plan: F.PatrolPlan) -> None:
    prof = pack.profile
    fig, y = pack.page(PAGES[2])
    zones = plan.zones.head(TABLE_ZONES)
    hide_c, hide_r = _zone_counts(zones, prof, len(zones) == len(plan.zones), plan.in_zones)
    last = D.coarsen_dates(zones["last_seen"], prof) if len(zones) else zones["last_seen"]
    internal = not prof.suppresses
    rows = []
    for i, (r, seen) in enumerate(zip(zones.itertuples(), last)):
        row = [str(r.zone), r.place, r.lsoa, S.without_counts(r.days, prof), S.without_counts(r.hours, prof),
               S.shown(r.count, hide_c[i]), S.shown(r.repeats, hide_r[i]),
               f"{seen:%a %d %b %Y}" if internal else f"week of {seen:%d %b %Y}",
               S.without_counts(r.waste_types, prof), f"{r.priority:,.1f}"]
        if internal:
            row.insert(3, f"E {r.easting:,.0f} N {r.northing:,.0f}")
        rows.append(row)
    n = " (count)" if internal else ""
    columns = [C.Col("Zone", 0.4, "right"), C.Col("Place", 1.4), C.Col("LSOA", 1.3),
               C.Col(f"Busiest days{n}", 1.5), C.Col("Busiest hours (exact times)", 1.4),
               C.Col("Fly-tips", 0.6, "right"), C.Col("At repeat sites", 0.7, "right"), C.Col("Last seen", 1.0),
               C.Col(f"Waste types{n}", 2.4), C.Col("Priority", 0.6, "right")]
    if internal:
        columns.insert(3, C.Col("Busiest site (BNG)", 1.1))
    col = C.column(fig, y - 0.005)
    col.write(f"The first {len(zones)} of {len(plan.zones)} patrol zones, in priority order (recency-weighted "
              "fly-tips with those at repeat sites counting double), numbered as on the map. Days use every fly-tip "
              "dated to the day; hours only those with an exact time.", fontsize=8.5, gap=0.3)
    y = C.draw_table(fig, columns, rows, y=col.y, fontsize=7, max_lines=3)
    text = "" if internal else (
        f"Zones with 1 to {prof.k - 1} fly-tips are not drawn on the map; counts from 1 to {prof.k - 1}, and those "
        f"that would give them back, are shown as {D.HIDDEN}; days, hours and waste types in order, without their "
        f"counts; last seen by week; no grid references ({prof.name} profile).")
    if text:
        C.column(fig, y - 0.005).write(text, fontsize=7.5, color="#333333")
