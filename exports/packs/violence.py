"""The weekly violence pack: the violent crime sub-group's week as A4 landscape pages.

Pages: (1) summary: the week against the baseline and last year, the accuracy line, the
NTE and Bluewater panels side by side and the weekly trend; (2) the hot spot map (KDE,
hot spots outlined and numbered by their rank in the table); (3) the change map;
(4) the top-10 hot spots with their streets, counts, change and peak hours.

Figures come from :func:`briefings.violence.weekly_violence`. Under a profile that keeps
sexual and domestic-abuse incidents above LSOA level (``partner``) the surface, change
cells, classes, back-test and top table are rebuilt from the other incidents at the
profile's minimum bandwidth; area totals (the week's count, the panels, the trend)
keep every incident, as LSOA and area totals may.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

import geodata
from briefings import violence as V
from briefings.scope import Scope, area_label, select
from exports import disclosure as D
from exports import static_layers as sl
from exports.analysis_export import POLICE_UK_ATTRIBUTION, caveats
from exports.packs import common as C
from exports.packs.suppress import mask_sparse_density, part_of, shown, without_counts
from exports.protect import FLAG_COLUMNS, change_summary, protect_result
from hotspots.change import hotspot_change, parse_baseline
from hotspots.kde import hotspot_kde
from hotspots.periods import WEEK
from queries import incidents as q
from hotspots.geometry import contains_xy

BASELINE = V.BASELINES[0]
TREND_WEEKS = 52
PAGES = ("Summary", "Hot spot map", "Change map", "Top 10 hot spots")


def check_source(con, source: str | None) -> str:
    """The offence source to use: one with dates to the day (a weekly pack cannot be made from months)."""
    if source is None:
        source = q.default_source(con, "offence")
        if source is None:
            raise C.PackError("the store holds no offences: import some first")
    if "offence" not in q.layers(con, source):
        have = ", ".join(s for s in q.sources(con, "offence")["source"]) or "none"
        raise C.PackError(f"source {source!r} holds no offences; sources with offences: {have}")
    if not V.is_weekly(con, source):
        exact = [s for s in q.sources(con, "offence")["source"] if s != source and V.is_weekly(con, s)]
        todo = f"use --source {exact[0]} (dates to the day)" if exact else \
            "import a police extract with dates (python -m hotspots import police-extract FILE)"
        raise C.PackError(f"{source} dates are months only (police.uk publishes no days or times), so it cannot "
                          f"make a weekly pack: {todo}")
    return source


def protected(con, b: V.WeeklyViolence, prof: D.Profile) -> tuple[V.WeeklyViolence, str]:
    """``b`` with its maps, classes, back-test and top table rebuilt without the incidents
    ``prof`` keeps above LSOA level, at its minimum bandwidth; and a note saying so."""
    period = b.period
    windows, _ = parse_baseline(BASELINE, period)
    scale = period.days / sum(w.days for w in windows)
    back = max(V.CLASSIFY_PERIODS, V.BACKTEST_WEEKS + V.TRAIN_WEEKS)
    start = min(*(w.start for w in windows), period.start - WEEK.offset(back))
    scope = Scope(b.source, ("offence",), start.date(), period.end.date(), V.VIOLENCE_CATEGORIES)
    full = select(con, scope, (*V.READ_COLUMNS, *FLAG_COLUMNS)).frame
    sens = D.sensitive(full)
    frame = full[(full["date_precision"] != "month").to_numpy() & ~sens].reset_index(drop=True)
    geom = geodata.area_geometry(b.area)
    times = pd.DatetimeIndex(frame["occurred_at"])
    xy = frame[["easting", "northing"]].to_numpy(float)
    fin = contains_xy(geom, xy[:, 0], xy[:, 1])
    in_period = period.contains(times)
    in_base = np.any([w.contains(times) for w in windows], axis=0)
    kde_args = {"bandwidth": max(V.WEEK_BANDWIDTH_M, prof.min_bandwidth_m),
                "cell_size": V.WEEK_CELL_M if geom.area >= V.FINE_AREA_M2 else None}
    notes = []

    def attempt(what, run):
        try:
            return run()
        except ValueError as exc:  # as the briefing does: no result and a note, not a failed pack
            notes.append(f"No {what}: {exc}.")
            return None

    kde = attempt("hot spot map", lambda: hotspot_kde(xy[in_period], boundary=geom, **kde_args))
    kde = mask_sparse_density(kde, xy[in_period], prof.k)
    change = attempt("change", lambda: hotspot_change(frame[in_period | in_base], boundary=geom,
                                                      areas=geodata.focus_areas(), period=period,
                                                      baseline=BASELINE, coverage=b.coverage))
    classify = attempt("classes", lambda: V._classify(frame[fin], geom, period, b.coverage, True))
    test = attempt("accuracy line", lambda: V._backtest(frame, geom, period, b.coverage, kde_args))
    accuracy = f"Accuracy: {test.sentence('kde')}." if test is not None else b.accuracy
    # The briefing's own table builder, so the partner table is the page's table without them.
    top = V._top_table(frame[in_period & fin], frame[in_base & fin], kde, classify, scale, V.TOP_N)
    n = int((sens & contains_xy(geom, full["easting"].to_numpy(float), full["northing"].to_numpy(float))
             & period.contains(pd.DatetimeIndex(full["occurred_at"]))).sum())
    note = (f"{D.format_count(n, prof)} sexual or domestic-abuse-flagged incidents of the week are left out of the "
            f"maps, classes and hot spot table (allowed only at LSOA level or above; {prof.name} profile); they are "
            f"in the area counts. Density bandwidth {kde_args['bandwidth']:g} m.")
    return replace(b, kde=kde, change=change, classify=classify, backtest=test, accuracy=accuracy, top=top,
                   notes=b.notes + tuple(notes)), note


def weekly_trend(con, b: V.WeeklyViolence, weeks: int = TREND_WEEKS) -> pd.DataFrame:
    """Incidents in the area per ISO week for up to ``weeks`` weeks ending with the pack's week."""
    first = max(b.period.start - WEEK.offset(weeks - 1), b.coverage[0])
    first = first + pd.Timedelta(days=(7 - first.weekday()) % 7)  # whole weeks only
    scope = Scope(b.source, ("offence",), first.date(), b.period.end.date(), V.VIOLENCE_CATEGORIES, b.area)
    frame = select(con, scope, ("category", "occurred_at", "date_precision", "easting", "northing")).incidents
    frame = frame[frame["date_precision"] != "month"]
    starts = pd.date_range(first, b.period.start, freq="7D").as_unit("ns")
    k = np.searchsorted(starts.asi8, pd.DatetimeIndex(frame["occurred_at"]).as_unit("ns").asi8, side="right") - 1
    counts = np.bincount(k[k >= 0], minlength=len(starts))[: len(starts)]
    return pd.DataFrame({"start": starts, "count": counts})


def violence_pack(con, *, week=None, profile="partner", source: str | None = None, area: str = "borough",
                  tiles: bool = True, fetch_tile=None) -> list:
    """The pages (matplotlib Figures) of the weekly violence pack; raises :class:`~exports.packs.common.PackError`."""
    prof = D.profile(profile)
    source = check_source(con, source)
    try:
        b = V.weekly_violence(con, source, week, area=area, baseline=BASELINE)
    except V.BriefingError as exc:
        raise C.PackError(str(exc)) from None
    note = ""
    if prof.sensitive_min_level != "point" or prof.min_bandwidth_m > V.WEEK_BANDWIDTH_M:
        b, note = protected(con, b, prof)
    trend = weekly_trend(con, b)
    pack = C.Pack(
        title=f"Weekly violence pack · {area_label(area)} · {b.period.label.split(' ')[0]}",
        period=f"{b.period.label}, against the {b.baseline}",
        filters=f"Offences: {', '.join(V.VIOLENCE_CATEGORIES)} · {area_label(area)} · source {source}",
        caveats=caveats(b.incidents), attribution=f"{geodata.ATTRIBUTION} {POLICE_UK_ATTRIBUTION}",
        profile=prof, tiles=tiles, fetch_tile=fetch_tile)
    notes = [pack.text(n) for n in (*b.notes, *b.warnings)] + ([note] if note else [])
    summary_page(pack, b, trend, notes)
    hotspot_page(pack, b, notes)
    change_page(pack, b)
    top_page(pack, b)
    return pack.finish()


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


def _expected_hidden(expected: float, scale: float, prof: D.Profile) -> bool:
    # The expected count is the baseline count scaled: a small baseline count would show through it.
    base = round(expected / scale) if scale else 0
    return prof.suppresses and 1 <= base < prof.k


def _scale(b: V.WeeklyViolence) -> float:
    windows, _ = parse_baseline(BASELINE, b.period)
    return b.period.days / sum(w.days for w in windows)


def _change_text(count, expected, hide_count: bool, hide_expected: bool) -> str:
    if hide_count or hide_expected:
        return D.HIDDEN
    return f"{count - expected:+,.1f} ({V.pct(count, expected)})"


def summary_page(pack: C.Pack, b: V.WeeklyViolence, trend: pd.DataFrame, notes: list[str]) -> None:
    prof, scale = pack.profile, _scale(b)
    fig, y = pack.page(PAGES[0])
    hide_n, hide_e = prof.suppresses and 1 <= b.count < prof.k, _expected_hidden(b.expected, scale, prof)
    n_hot = 0 if b.kde is None else len(map_kde(b.kde, prof)[0].hotspots)
    y = C.key_figures(fig, y - 0.01, [
        ("This week", pack.count(b.count), f"violence and public order, {b.period.label}"),
        ("Expected", shown(b.expected, hide_e, "{:,.1f}"), f"from the {b.baseline}, scaled to one week"),
        ("Change on expected", _change_text(b.count, b.expected, hide_n, hide_e), ""),
        ("Same week last year", pack.count(b.last_year) if b.last_year is not None else "–",
         "" if b.last_year is not None else "the data do not reach back a year"),
        ("Hot spots on the map", f"{n_hot:,}", "KDE, top 5% of the area"),
    ])
    col = C.column(fig, y)
    col.write(b.accuracy, fontsize=9, fontweight="bold", gap=0.4)
    top, w = col.y, 0.285
    bottoms = []
    for i, (_, r) in enumerate(b.focus.iterrows()):
        he = _expected_hidden(r["expected"], scale, prof)
        hn = prof.suppresses and 1 <= r["count"] < prof.k
        rows = [("This week", pack.count(r["count"])), ("Expected", shown(r["expected"], he, "{:,.1f}")),
                ("Same week last year", pack.count(r["last_year"]) if pd.notna(r["last_year"]) else "–"),
                ("Change on expected", _change_text(r["count"], r["expected"], hn, he)),
                ("Change class (Poisson test)", str(r["class"] or "–"))]
        night = ""
        if pd.notna(r["nte_window"]):
            a, n = part_of(int(r["nte_window"]), int(r["count"] - r["untimed"]), prof)
            night = f"{a} of {n} incidents with an exact time fell in the NTE window (Fri and Sat 20:00 to 04:00)."
        bottoms.append(C.panel(fig, C.LEFT + i * (w + 0.01), top, w, r["label"], rows, night))
    # Notes may run below the panels: the trend chart starts under whichever ends lower.
    col = C.column(fig, top, C.LEFT + 2 * w + 0.03, C.RIGHT, C.BOTTOM + 0.26)
    col.write("Pages: " + " · ".join(f"{i} {p}" for i, p in enumerate(PAGES, start=1)), fontsize=7.5, gap=0.3)
    col.write("Notes", fontsize=8.5, fontweight="bold", gap=0.1)
    pack.write_notes(col, notes or ["None."])
    y = min(*bottoms, col.y) - 0.05
    ax = C.chart_axes(fig, C.LEFT + 0.035, y, C.RIGHT - C.LEFT - 0.035, y - C.BOTTOM - 0.06,
                      f"Violence and public order per week, {area_label(b.area)}")
    fig.text(C.LEFT + 0.035, ax.get_position().y0 - 0.045, f"{len(trend)} ISO weeks (Monday to Sunday) to "
             f"{b.period.label}. Incidents known only to the month are left out: they cannot be placed in a week.",
             fontsize=7, va="top")
    hidden = prof.suppresses & (trend["count"] >= 1) & (trend["count"] < prof.k)
    C.trend_chart(ax, trend["start"], trend["count"].to_numpy(), hidden.to_numpy(), current=b.period.start,
                  unit="week", prof=prof)


def _top_rows(b: V.WeeklyViolence, prof: D.Profile) -> list[list[str]]:
    top = b.top
    if top.empty:
        return []
    scale = _scale(b)
    counts = D.suppress_table(top[["count"]], ["count"], prof)["count"].tolist()
    rows = []
    for r, c in zip(top.itertuples(), counts):
        hn, he = c == D.HIDDEN, _expected_hidden(r.expected, scale, prof)
        pct = "–" if not np.isfinite(r.pct_change) else f"{r.pct_change:+.0%}"
        rows.append([str(r.rank), r.street or "no location text", c if hn else f"{r.count:,}",
                     shown(r.expected, he, "{:,.1f}"), D.HIDDEN if hn or he else f"{r.change:+,.1f}",
                     D.HIDDEN if hn or he else pct, r.status or "–", without_counts(r.peak_hours, prof) or "no exact times",
                     f"{r.area_km2:.2f}"])
    return rows


def map_kde(kde, prof: D.Profile):
    """The surface and hot spots the map draws, and notes on what it leaves out."""
    kde, _, notes = protect_result("kde", kde, prof)
    empty = kde.hotspots["incidents"] == 0
    if empty.any():
        # Outlines the area's own incidents do not fill: the density there comes from incidents outside it.
        notes = [*notes, f"{int(empty.sum())} hot spot(s) holding none of the week's incidents in the area are "
                         "not outlined."]
        kde = replace(kde, hotspots=kde.hotspots[~empty].reset_index(drop=True))
    if prof.suppresses:
        notes = [*notes, f"Density is drawn only where at least {prof.k} incidents lie within the bandwidth "
                         f"({prof.name} profile)."]
    return kde, notes


def hotspot_page(pack: C.Pack, b: V.WeeklyViolence, notes: list[str]) -> None:
    prof = pack.profile
    if b.kde is None:
        return _missing(pack, PAGES[1], "No hot spot map: " + "; ".join(n for n in b.notes if "hot spot" in n))
    kde, dropped = map_kde(b.kde, prof)
    ranks = dict(zip(b.top["hotspot"], b.top["rank"]))
    keep = kde.hotspots[kde.hotspots["hotspot"].isin(list(ranks))]

    def layer(ax):
        legend = sl.draw_kde(ax, kde)
        C.outline_area(ax, b.area)
        C.number_shapes(ax, keep.geometry, [ranks[h] for h in keep["hotspot"]])
        return legend

    pack.map_page(PAGES[1], "kde", kde, layer=layer, area=geodata.area_geometry(b.area),
                  method="Kernel density estimation (KDE), quartic kernel",
                  parameters=C.parameter_lines(kde.parameters, prof),
                  summary=pack.text(kde.summary().splitlines()[0]) + ". Numbers: rank in the top-10 table (page 4).",
                  accuracy=b.accuracy.removeprefix("Accuracy: "), notes=tuple(dropped) + tuple(notes[-1:]))


def change_page(pack: C.Pack, b: V.WeeklyViolence) -> None:
    prof = pack.profile
    if b.change is None:
        return _missing(pack, PAGES[2], "No change map: " + "; ".join(n for n in b.notes if "change" in n))
    change, _, dropped = protect_result("change", b.change, prof)
    def layer(ax):
        legend = sl.draw_change(ax, change)
        C.outline_area(ax, b.area)
        return legend

    pack.map_page(PAGES[2], "change", change, layer=layer, area=geodata.area_geometry(b.area),
                  method=f"Change per cell against the {b.baseline} (Poisson test, false discovery rate)",
                  parameters=C.parameter_lines(change.parameters, prof), summary=change_summary(change, prof),
                  notes=tuple(dropped))


def top_page(pack: C.Pack, b: V.WeeklyViolence) -> None:
    fig, y = pack.page(PAGES[3])
    columns = [C.Col("Rank", 0.5, "right"), C.Col("Street", 2.4), C.Col("Incidents", 0.9, "right"),
               C.Col("Expected", 0.9, "right"), C.Col("Change", 0.9, "right"), C.Col("% change", 0.9, "right"),
               C.Col("Status (13 weeks)", 1.6), C.Col("Peak hours (exact times)", 1.9),
               C.Col("Area (km²)", 0.8, "right")]
    col = C.column(fig, y - 0.01)
    text = (f"The {len(b.top)} hot spots of the week with most incidents (at least {V.MIN_TOP_COUNT}), numbered "
            f"as on the hot spot map. Expected: the {b.baseline} inside the same outline, scaled to one week.")
    if pack.profile.suppresses:
        text += (f" Hot spots with 1 to {pack.profile.k - 1} incidents are not outlined on the map "
                 f"({pack.profile.name} profile).")
    col.write(text, fontsize=8.5, gap=0.4)
    y = C.draw_table(fig, columns, _top_rows(b, pack.profile), y=col.y, fontsize=8.5)
    col = C.column(fig, y - 0.01)
    col.write("Street: the most frequent location text of the hot spot's incidents. Status: the newest hot spot "
              "class of its cells over the 13 weeks ending with this week (new, emerging, persistent...). Peak "
              "hours: the 3-hour window with most incidents that have an exact time.", fontsize=7.5,
              color="#333333")


def _missing(pack: C.Pack, name: str, why: str) -> None:
    fig, y = pack.page(name)
    C.column(fig, y - 0.02).write(why, fontsize=10)
