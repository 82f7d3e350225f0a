"""The wildfire prevention pack: open-land fires for Kent Fire and Rescue Service before a season.

Pages: (1) seasons: key figures, the standout seasons, fires by season and by month across
years; (2) places, causes and hours: each season by cause, Dartford Heath against other
open land, fires by hour of the call (exact times); (3) the prevention zones map (density
of the past seasons of the kind, zones outlined and numbered); (4) the zones table.

Figures come from :func:`briefings.wildfire.wildfire_briefing` on the 48 months before the
season (or the data's end). Under a suppressing profile every count printed (months,
seasons by cause, places, hours and the totals they add up to) goes through one linked
suppression (:func:`exports.packs.suppress.suppress_linked`), so no total gives a hidden
count back; fires by year are left out there, as years cut across the seasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

import geodata
from briefings import wildfire as W
from briefings.overview import coverage
from briefings.scope import Scope, area_label, select
from exports import disclosure as D
from exports import static_layers as sl
from exports.analysis_export import caveats
from exports.packs import common as C
from exports.packs import suppress as S
from exports.protect import protect_result
from queries import incidents as q

HISTORY = pd.DateOffset(months=48)
TABLE_ZONES = 15
PAGES = ("Seasons", "Causes, places and hours", "Prevention zones map", "Prevention zones")
SEASON_COLOURS = {"winter": "#0072B2", "spring": "#009E73", "summer": "#D55E00", "autumn": "#E69F00"}
YEAR_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
ATTRIBUTION = "Fire incidents: Kent Fire and Rescue Service."
_SEASON = re.compile(r"^\s*(winter|spring|summer|autumn)\s+(\d{4})(?:\s*[-/]\s*\d{2,4})?\s*$", re.I)


def parse_season(value) -> tuple[str, int] | None:
    """``("summer", 2025)`` from ``"summer 2025"`` (``"winter 2024-25"`` is the winter from December 2024)."""
    if value is None or value == "":
        return None
    m = _SEASON.match(str(value))
    if not m:
        raise C.PackError(f"season {value!r} is not a season: write it as 'summer 2025' (spring, summer, autumn or "
                          "winter and its year; 'winter 2024-25' starts in December 2024)")
    return m.group(1).lower(), int(m.group(2))


def _window(con, source: str, wanted) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """(start, end exclusive) of the fires the pack is made from, and a note."""
    cov = coverage(con, source, ("fire",))
    last = cov.end - pd.Timedelta(days=1)
    end, note = cov.end, ""
    if wanted is not None:
        name, year = wanted
        label, s0 = W.season_label(name, year), W.season_start(name, year)
        if s0 <= cov.start:
            raise C.PackError(f"the fire data start on {cov.start:%d %b %Y}: there is nothing before {label} to plan "
                              f"it from; choose a later season")
        if s0 < cov.end:
            end = s0
            note = (f"{label} began inside the data: this pack is made from the fires before {s0:%d %b %Y}, as it "
                    "would have been made then.")
        elif W.coming_season(cov.end, name) != (name, year):
            nxt = W.season_label(*W.coming_season(cov.end, name))
            raise C.PackError(f"the fire data end on {last:%d %b %Y}: the next {name} to plan is {nxt}; {label} "
                              f"cannot be planned from these data yet")
    return max(cov.start, end - HISTORY), end, note


def wildfire_pack(con, *, season=None, profile="partner", source: str | None = None, area: str = "borough",
                  tiles: bool = True, fetch_tile=None) -> list:
    """The pages of the wildfire pack (matplotlib Figures); raises :class:`~exports.packs.common.PackError`."""
    prof = D.profile(profile)
    wanted = parse_season(season)
    source = source or q.default_source(con, "fire")
    if source is None or "fire" not in q.layers(con, source):
        raise C.PackError(f"{'the store' if source is None else repr(source)} holds no fires: import some first "
                          "(python -m hotspots import fires FILE)")
    start, end, note = _window(con, source, wanted)
    cats = (W.OPEN_LAND,) if W.OPEN_LAND in q.categories(con, source, "fire") else None
    sel = select(con, Scope(source, ("fire",), start.date(), end.date(), cats, area), W.FIRE_COLUMNS)
    # The zones' own bandwidth unless the profile asks for more (given, so the sheet says so).
    bw = prof.min_bandwidth_m if prof.min_bandwidth_m > W.ZONE_BANDWIDTH_M else None
    b = W.wildfire_briefing(sel, season=wanted[0] if wanted else None, bandwidth=bw)
    if b.total == 0:
        raise C.PackError(f"no fires ({', '.join(cats or ['any type'])}) in {area_label(area)} from "
                          f"{start:%d %b %Y} to {end - pd.Timedelta(days=1):%d %b %Y}: nothing to brief")
    what = ", ".join(cats) if cats else "all fire types"
    # The data's first and last days are fires' dates: a profile that dates by week or month gets months.
    fmt = "%d %b %Y" if prof.date_grain == "minute" else "%b %Y"
    pack = C.Pack(
        title=f"Wildfire prevention pack · {area_label(area)} · {b.plan.label}",
        period=f"Fires {start:{fmt}} to {end - pd.Timedelta(days=1):{fmt}}; prevention planned for {b.plan.label}",
        filters=f"Fires: {what} · {area_label(area)} · source {source}",
        caveats=caveats(sel.incidents), attribution=f"{geodata.ATTRIBUTION} {ATTRIBUTION}", profile=prof,
        tiles=tiles, fetch_tile=fetch_tile)
    hidden = Hidden.of(b, prof)
    notes = [pack.text(n) for n in (*([note] if note else []), *b.notes)]
    seasons_page(pack, b, hidden, notes)
    causes_page(pack, b, hidden)
    zones_map_page(pack, b, sel)
    zones_page(pack, b)
    return pack.finish()


@dataclass
class Hidden:
    """Which printed counts the profile hides (all False under ``internal``)."""

    seasons: np.ndarray  # (S, 4) seasons by cause
    season: np.ndarray  # (S,) season totals
    cause: np.ndarray  # (4,) cause totals
    total: bool
    month: np.ndarray  # (M,)
    place: np.ndarray  # (2,) heath, other
    hour: np.ndarray  # (24,)
    timed: bool

    @classmethod
    def of(cls, b: W.WildfireBriefing, prof: D.Profile) -> Hidden:
        inner = b.seasons[list(W.CAUSES)].to_numpy(float)
        values, groups = S.two_way(inner)
        n_s, base = len(inner), len(values)
        rows = {(r.season, r.season_year): i for i, r in enumerate(b.seasons.itertuples())}
        names, years = W.season_of(b.monthly["month_no"].to_numpy(), b.monthly["year"].to_numpy())
        months = b.monthly["fires"].to_numpy(float)
        grand = base - 1
        for i, key in enumerate(zip(names, years)):
            groups.append((inner.size + rows[key], [base + j for j in range(len(months)) if
                                                    (names[j], years[j]) == key]))
        places = b.places["fires"].to_numpy(float)
        hours = b.hours[list(W.CAUSES)].to_numpy(float).sum(axis=1)
        left = np.array(list(b.hours_left_out.values()), float)
        p0 = base + len(months)
        h0 = p0 + 2
        t = h0 + 24
        values = np.concatenate([values, months, places, hours, [hours.sum()], left])
        groups += [(grand, [p0, p0 + 1]), (t, list(range(h0, h0 + 24))),
                   (grand, [t, *range(t + 1, t + 1 + len(left))])]
        mask = S.suppress_linked(values, groups, prof.k) if prof.suppresses else np.zeros(len(values), bool)
        cells, season, cause, total = S.two_way_split(mask[:base], inner.shape)
        return cls(cells, season, cause, total, mask[base:p0], mask[p0:h0], mask[h0:t], bool(mask[t]))


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


def _hide_typical(b: W.WildfireBriefing, hidden: Hidden) -> np.ndarray:
    # The average of the other whole seasons of a kind gives their sum back: hidden if any of them is.
    s = b.seasons
    out = np.zeros(len(s), bool)
    for i, r in enumerate(s.itertuples()):
        others = (s["season"] == r.season).to_numpy() & s["complete"].to_numpy() & (np.arange(len(s)) != i)
        out[i] = bool(hidden.season[others].any())
    return out


def seasons_page(pack: C.Pack, b: W.WildfireBriefing, hidden: Hidden, notes: list[str]) -> None:
    prof = pack.profile
    fig, y = pack.page(PAGES[0])
    ha = float(b.places["area_burnt_ha"].sum())
    deliberate = int(b.seasons["deliberate"].sum())
    heath = int(b.places["fires"].iloc[0])
    y = C.key_figures(fig, y - 0.01, [
        ("Fires", S.shown(b.total, hidden.total), f"{b.start:%b %Y} to {pd.Timestamp(b.end) - pd.Timedelta(days=1):%b %Y}"),
        ("Area burnt", S.shown(ha, hidden.total, "{:,.1f} ha"), "where recorded"),
        ("Deliberate", D.HIDDEN if hidden.cause[0] else S.share(deliberate, b.total, prof), "share of the fires"),
        ("On Dartford Heath", S.shown(heath, hidden.place[0]), "the rest on other open land"),
        ("Prevention zones", f"{len(b.plan.zones):,}", f"for {b.plan.label}, from {len(b.plan.past)} past "
                                                       f"{b.plan.season}s"),
    ])
    col = C.column(fig, y, bottom=C.BOTTOM + 0.3)
    for line in b.standout:
        col.write("Standout: " + pack.text(line), fontsize=9, fontweight="bold", gap=0.2, color="#8a3200")
    pack.write_notes(col, notes)
    col.write("Meteorological seasons (winter: December to February); a faded bar is a season only partly in the "
              "period. Each whole season is compared with the average of the other whole seasons of its kind.",
              fontsize=7, gap=0.1, color="#333333")
    top = col.y - 0.03
    h = top - C.BOTTOM - 0.085
    s = b.seasons
    ax = C.chart_axes(fig, C.LEFT + 0.04, top, 0.42, h, "Fires by season")
    C.bar_chart(ax, list(s["label"]), s["fires"], hidden.season, [SEASON_COLOURS[x] for x in s["season"]],
                prof=prof, ylabel="Fires (count)", alphas=np.where(s["complete"], 1.0, 0.35))
    ax = C.chart_axes(fig, C.LEFT + 0.53, top, C.RIGHT - C.LEFT - 0.53, h, "Fires by month, one line per year")
    _months_chart(ax, b, hidden, prof)


def _months_chart(ax, b: W.WildfireBriefing, hidden: Hidden, prof: D.Profile) -> None:
    m = b.monthly.assign(hidden=hidden.month)
    handles, labels = [], []
    for i, (year, g) in enumerate(m.groupby("year")):
        y = np.where(g["hidden"], np.nan, g["fires"].astype(float))
        (line,) = ax.plot(g["month_no"], y, marker="o", markersize=3, linewidth=1.3,
                          color=YEAR_COLOURS[i % len(YEAR_COLOURS)], linestyle=("-", "--", ":", "-.")[i % 4])
        handles.append(line)
        labels.append(str(year))
        hx = g.loc[g["hidden"], "month_no"]
        ax.scatter(hx, np.zeros(len(hx)), marker="s", s=22, facecolor="white", edgecolor=C.HIDDEN_COLOUR,
                   hatch="////", zorder=3, clip_on=False)
    ax.set_xticks(range(1, 13), [pd.Timestamp(2000, k, 1).strftime("%b") for k in range(1, 13)], fontsize=7)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Fires (count)", fontsize=7.5)
    C.hidden_legend(ax, handles, labels, prof, bool(hidden.month.any()), loc="upper left")


def causes_page(pack: C.Pack, b: W.WildfireBriefing, hidden: Hidden) -> None:
    prof = pack.profile
    fig, y = pack.page(PAGES[1])
    s = b.seasons
    typical_hidden = _hide_typical(b, hidden)
    rows = []
    for i, r in enumerate(s.itertuples()):
        hs = bool(hidden.season[i])
        cells = [S.shown(s.iloc[i][c], hidden.seasons[i, j]) for j, c in enumerate(W.CAUSES)]
        rows.append([r.label + ("" if r.complete else " (part)"), S.shown(r.fires, hs), *cells,
                     S.shown(r.area_burnt_m2 / 1e4, hs, "{:,.1f}"),
                     S.shown(r.typical, typical_hidden[i], "{:,.0f}"),
                     S.shown(r.ratio, hs or typical_hidden[i], "{:.1f}×")])
    rows.append(["All seasons", S.shown(b.total, hidden.total),
                 *[S.shown(int(s[c].sum()), hidden.cause[j]) for j, c in enumerate(W.CAUSES)],
                 S.shown(float(s["area_burnt_m2"].sum()) / 1e4, hidden.total, "{:,.1f}"), "", ""])
    columns = [C.Col("Season", 1.9), C.Col("Fires", 0.6, "right"), C.Col("Deliberate", 0.85, "right"),
               C.Col("Accidental", 0.85, "right"), C.Col("Not known", 0.85, "right"),
               C.Col("Not recorded", 0.85, "right"), C.Col("Burnt (ha)", 0.9, "right"),
               C.Col("Average of the others", 1.0, "right"), C.Col("Times the average", 0.9, "right")]
    mid = 0.57
    C.column(fig, y - 0.005, C.LEFT, mid).write("Each season by cause", fontsize=10, fontweight="bold", gap=0.2)
    C.draw_table(fig, columns, rows, y=y - 0.035, x1=mid, fontsize=7.3)
    C.column(fig, y - 0.005, mid + 0.03).write("Dartford Heath and other open land", fontsize=10,
                                               fontweight="bold", gap=0.2)
    prow = []
    for i, r in enumerate(b.places.itertuples()):
        hp = bool(hidden.place[i])
        d = int(round(r.deliberate_share * r.fires)) if r.fires else 0
        prow.append([r.place, S.shown(r.fires, hp), D.HIDDEN if hp else S.share(r.fires, b.total, prof),
                     S.shown(r.area_burnt_ha, hp, "{:,.1f}"), S.shown(r.median_area_m2, hp, "{:,.0f}"),
                     D.HIDDEN if hp else S.share(d, r.fires, prof)])
    columns = [C.Col("Place", 1.4), C.Col("Fires", 0.55, "right"), C.Col("Share", 0.6, "right"),
               C.Col("Burnt (ha)", 0.75, "right"), C.Col("Median per fire (m²)", 0.95, "right"),
               C.Col("Deliberate", 0.85, "right")]
    yb = C.draw_table(fig, columns, prow, y=y - 0.035, x0=mid + 0.03, fontsize=7.3)
    ax = C.chart_axes(fig, mid + 0.06, yb - 0.05, C.RIGHT - mid - 0.06, yb - 0.05 - C.BOTTOM - 0.07,
                      "Fires by hour of the call (exact times only)")
    totals = b.hours[list(W.CAUSES)].to_numpy().sum(axis=1)
    C.bar_chart(ax, [f"{h:02d}" for h in range(24)], totals, hidden.hour, ["#D55E00"] * 24, prof=prof,
                ylabel="Fires (count)", value_labels=False)
    ax.tick_params(axis="x", labelrotation=0)
    timed = int(totals.sum())
    left = "; ".join(f"{D.HIDDEN if prof.suppresses and 1 <= n < prof.k else f'{n:,}'} {why}"
                     for why, n in b.hours_left_out.items())
    text = (f"{S.shown(timed, hidden.timed)} fires with an exact time. 00 = midnight to 00:59."
            + (f" Left off, as their hour is not known: {left}." if left else ""))
    fig.text(mid + 0.06, ax.get_position().y0 - 0.035, C.wrap(text, (C.RIGHT - mid - 0.06) * fig.get_figwidth(), 7),
             fontsize=7, va="top")


def _pooled_xy(b: W.WildfireBriefing, sel) -> np.ndarray:
    """The fires behind the pooled density: the past seasons of the kind, margin included."""
    f = W._frame(sel.frame)
    labels = np.array([W.season_label(s, y) for s, y in zip(f["season"], f["season_year"])], dtype=object)
    same = (f["season"] == b.plan.season).to_numpy() & np.isin(labels, list(b.plan.past))
    return f.loc[same, ["easting", "northing"]].to_numpy(float)


def zones_map_page(pack: C.Pack, b: W.WildfireBriefing, sel) -> None:
    plan, prof = b.plan, pack.profile
    if plan.kde is None:
        fig, y = pack.page(PAGES[2])
        C.column(fig, y - 0.02).write("No prevention zones map. " + " ".join(plan.notes), fontsize=10)
        return
    kde, _, dropped = protect_result("kde", plan.kde, prof)
    if prof.suppresses:
        kde = S.mask_sparse_density(kde, _pooled_xy(b, sel), prof.k)
        dropped = [*dropped, f"Density is drawn only where at least {prof.k} fires lie within the bandwidth "
                             f"({prof.name} profile)."]

    def layer(ax):
        legend = sl.draw_kde(ax, kde)
        legend.title = f"Fires of past {plan.season}s per km² (KDE)"
        legend.labels = [t.replace("hot spots", "zones").replace("hot spot", "zone") for t in legend.labels]
        C.outline_area(ax, b.area)
        C.number_shapes(ax, kde.hotspots.geometry, kde.hotspots["hotspot"])
        return legend

    pack.map_page(PAGES[2], "kde", kde, layer=layer, area=geodata.area_geometry(b.area),
                  method=f"Prevention zones for {plan.label}: places hot in past {plan.season}s",
                  parameters=C.parameter_lines(plan.parameters, prof),
                  summary=(f"{len(kde.hotspots)} of {len(plan.zones)} zones outlined, numbered as in the table "
                           f"(places hot in most past {plan.season}s first, then most fires)."),
                  notes=(*plan.notes, *dropped))


def zones_page(pack: C.Pack, b: W.WildfireBriefing) -> None:
    plan, prof = b.plan, pack.profile
    fig, y = pack.page(PAGES[3])
    col = C.column(fig, y - 0.005)
    col.write(f"Where prevention patrols and education should go in {plan.label}: places hot in most of "
              f"{', '.join(plan.past) or 'no past season'}, then most fires. Peak hours from fires with an exact "
              "time.", fontsize=8.5, gap=0.3)
    zones = pd.DataFrame(plan.zones.drop(columns="geometry"))
    counts = D.suppress_table(zones[["fires", "last_season_fires"]], ["fires", "last_season_fires"], prof)
    rows = []
    for r, fires, last in zip(zones.head(TABLE_ZONES).itertuples(), counts["fires"], counts["last_season_fires"]):
        d = int(round(r.deliberate_share * r.fires)) if r.fires else 0
        rows.append([str(r.rank), r.place, r.lsoa, f"{r.seasons_hot} of {len(plan.past)}", r.seasons,
                     str(fires) if fires == D.HIDDEN else f"{fires:,}", str(last) if last == D.HIDDEN else f"{last:,}",
                     D.HIDDEN if fires == D.HIDDEN else S.share(d, r.fires, prof), S.without_counts(r.peak_hours, prof),
                     f"{r.area_km2:.2f}"])
    columns = [C.Col("Zone", 0.45, "right"), C.Col("Place", 2.0), C.Col("LSOA", 1.6),
               C.Col("Seasons hot", 0.7, "right"), C.Col("Hot in", 1.9),
               C.Col(f"Fires, past {plan.season}s", 0.9, "right"), C.Col("Fires last time", 0.8, "right"),
               C.Col("Deliberate", 0.8, "right"), C.Col("Peak hours (exact times)", 1.8),
               C.Col("Area (km²)", 0.7, "right")]
    y = C.draw_table(fig, columns, rows, y=col.y, fontsize=7.5)
    more = len(zones) - len(rows)
    text = f"{more} more zone(s), hot in fewer seasons or with fewer fires, are in the app." if more > 0 else ""
    if prof.suppresses:
        text += (f" Zones with 1 to {prof.k - 1} fires are not outlined on the map ({prof.name} profile); "
                 f"their counts, and others that would give them back, are shown as {D.HIDDEN}.")
    C.column(fig, y - 0.005).write(text.strip(), fontsize=7.5, color="#333333")
