"""Weekly violence: the violent crime sub-group's week, laid out from ``briefings.violence``.

Layout only: the figures come from ``weekly_violence``, cached on the store path and the
filter values (``app_views.cached_violence``). Filters are bound to the URL with the
prefix ``v_``, so a week can be bookmarked and sent on.
"""

from __future__ import annotations

import math
from functools import partial

import pandas as pd
import streamlit as st

from app_views import cached_violence as cached
from app_views import common, mapview
from app_views.export_panel import Pack, export_panel
from briefings.violence import BASELINES, MONTH_BASELINE, WeeklyViolence
from exports.views import export_view
from maps.layers import (change_layer, change_legend, classify_layer, classify_legend, density_layer, density_legend,
                         points_layer)

PREFIX = "v_"
NTE_LABEL = "Night-time economy only (Fri and Sat 20:00 to 04:00)"


def _sidebar(path: str) -> tuple[str, str, str, bool, str, bool]:
    with st.sidebar:
        st.header("Filters")
        source = common.choose_source(path, PREFIX, "offence")
        weekly, options = cached.periods(path, source)
        nte = st.toggle(NTE_LABEL, key=f"{PREFIX}nte", bind="query-params", disabled=not weekly,
                        help="Friday 20:00 to Saturday 04:00 and Saturday 20:00 to Sunday 04:00. Only incidents "
                             "with an exact time can be placed in it; the page says how many were left out.")
        if not options:
            st.warning("This source does not cover a whole week or month of offences yet.")
            st.stop()
        # Weeks and months get their own URL keys: one source's weeks are never another's months.
        key = st.selectbox(
            "Week" if weekly else "Month", list(options), index=0, key=f"{PREFIX}week" if weekly else f"{PREFIX}month",
            bind="query-params", help="ISO weeks, Monday to Sunday; the default is the last complete week the data "
            "cover." if weekly else "This source has months only (police.uk): weekly views need exact dates.",
        )
        start, label = options[key]
        st.caption(label)
        # Month-only sources compare months: their own choices, under their own URL key.
        baseline = st.selectbox("Baseline", BASELINES if weekly else (MONTH_BASELINE, "last year"),
                                key=f"{PREFIX}base" if weekly else f"{PREFIX}mbase", bind="query-params",
                                help="What the week is compared with, scaled to one week." if weekly
                                else "What the month is compared with, scaled to one month.")
        area = common.choose_area(path, PREFIX)
    return source, start, area, bool(nte and weekly), baseline, weekly


def _pct(count: float, expected: float) -> str | None:
    return f"{(count - expected) / expected:+.0%}" if expected > 0 else None


def _metrics(b: WeeklyViolence) -> None:
    unit = "week" if b.weekly else "month"
    c1, c2, c3, c4 = st.columns(4)
    # More violence is the bad direction: a rise is drawn red.
    change = _pct(b.count, b.expected)
    c1.metric(f"This {unit}", f"{b.count:,}", f"{change} on the {b.baseline}" if change else None,
              delta_color="inverse")
    c2.metric("Expected from the baseline", f"{b.expected:,.1f}",
              help=f"The {b.baseline}, scaled to one {unit}.")
    if b.last_year is None:
        c3.metric(f"Same {unit} last year", "–", help="The data do not reach back a year.")
    else:
        c3.metric(f"Same {unit} last year", f"{b.last_year:,}", f"{b.count - b.last_year:+,} this {unit}",
                  delta_color="inverse")
    n_hot = 0 if b.kde is None else len(b.kde.hotspots)
    c4.metric("Hot spots", f"{n_hot:,}", help=b.kde.summary() if b.kde is not None else None)


LAYERS = {"density": "Density", "change": "Change", "classes": "New, emerging, persistent", "points": "Incidents"}


def _map(b: WeeklyViolence) -> None:
    # Only the chosen layers are sent to the browser: four at once hide each other and cost payload.
    # Viewers (partner staff) see aggregated layers only: no incident points.
    options = [k for k in LAYERS if k != "points" or common.user().is_analyst]
    chosen = st.pills("Map layers", options, selection_mode="multi",
                      default=[k for k in ("density", "points") if k in options],
                      format_func=LAYERS.get, key=f"{PREFIX}layers", bind="query-params") or []
    groups, legends = [], []
    if "density" in chosen and b.kde is not None:
        groups.append(density_layer(b.kde, name="Density (KDE)"))
        legends.append(density_legend(b.kde))
    if "change" in chosen and b.change is not None:
        groups.append(change_layer(b.change, name=f"Change on the {b.baseline}"))
        legends.append(change_legend(b.change))
    if "classes" in chosen and b.classify is not None:
        groups.append(classify_layer(b.classify, name="New, emerging and persistent"))
        legends.append(classify_legend(b.classify))
    if "points" in chosen and "points" in options:
        groups.append(points_layer(b.incidents, name="Incidents")[0])
    left, right = st.columns([5, 2])
    with left:
        mapview.show_map(f"{PREFIX}map", groups, area=b.area)
        st.info(b.accuracy, icon=":material/target:")
    with right:
        for html in legends:
            st.html(html)


def _focus(b: WeeklyViolence) -> None:
    st.subheader("Night-time economy and Bluewater")
    unit = "week" if b.weekly else "month"
    for col, (_, row) in zip(st.columns(len(b.focus)), b.focus.iterrows()):
        with col, st.container(border=True):
            st.markdown(f"**{row['label']}**")
            a, c, d = st.columns(3)
            change = _pct(row["count"], row["expected"])
            a.metric(f"This {unit}", f"{row['count']:,}", change,
                     delta_color="inverse", help=f"{row['expected']:,.1f} expected from the {b.baseline}.")
            c.metric("Last year", "–" if pd.isna(row["last_year"]) else f"{int(row['last_year']):,}")
            share = "–" if not math.isfinite(row["nte_share"]) else f"{row['nte_share']:.0%}"
            d.metric("In the NTE window", share, help="Share of the incidents with an exact time that fell on "
                     "Friday or Saturday night, 20:00 to 04:00.")
            detail = [f"{row['expected']:,.1f} expected", f"change: {row['class'] or 'not tested'}"]
            if row["untimed"]:
                detail.append(f"{row['untimed']:,} without an exact time (left out of the NTE share)")
            st.caption(" · ".join(detail))


def _table(b: WeeklyViolence) -> None:
    st.subheader(f"Top {len(b.top)} hot spots" if len(b.top) else "Hot spots")
    if b.top.empty:
        st.info("No hot spots this " + ("week." if b.weekly else "month."))
        return
    columns = ["rank", "street", "count", "expected", "change", "pct_change", "status", "peak_hours", "untimed"]
    table = b.top[columns].assign(pct_change=b.top["pct_change"] * 100)  # a copy: the cached briefing stays as it is
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("Rank", format="%d", width="small"),
            "street": st.column_config.TextColumn("Street", help="The most frequent location of the incidents "
                                                  "inside ('On or near' dropped)."),
            "count": st.column_config.NumberColumn("Incidents", format="%d"),
            "expected": st.column_config.NumberColumn("Expected", format="%.1f", help=f"From the {b.baseline}."),
            "change": st.column_config.NumberColumn("Change", format="%+.1f"),
            "pct_change": st.column_config.NumberColumn("Change %", format="%+.0f%%",
                                                        help="Blank where nothing was expected."),
            "status": st.column_config.TextColumn("Status", help="New, emerging, persistent ...: the strongest "
                                                  "class of the hot spot's cells over the last 13 periods."),
            "peak_hours": st.column_config.TextColumn("Peak hours", help="The 3 hours with most incidents, "
                                                      "from those with an exact time."),
            "untimed": st.column_config.NumberColumn("No exact time", format="%d",
                                                     help="Incidents left out of the peak hours."),
        },
    )
    untimed = int(b.top["untimed"].sum())
    if untimed:
        st.caption(f"{untimed:,} incidents in these hot spots have no exact time (police.uk dates are months): "
                   "they are counted, but never given an hour.")


def render() -> None:
    common.require(layer="offence")
    path = common.store_path()
    source, start, area, nte, baseline, weekly = _sidebar(path)
    st.title("Weekly violence")
    st.caption("Violence and sexual offences and public order: the week's hot spots against the baseline, what is "
               "new, emerging or persistent, the NTE zone and Bluewater, and the streets to task to.")
    try:
        b = cached.briefing(path, source, start, area, nte, baseline)
    except ValueError as exc:
        st.warning(str(exc))
        st.stop()
    st.markdown(f"**{b.title}**")
    common.demo_note(source)
    if not b.weekly:
        st.warning("This source has months only: **weekly views need exact dates**, so this is the whole month, "
                   "with no hours, no NTE window and no accuracy back-test. Choose a source with exact times for "
                   "weeks.")
    _metrics(b)
    _map(b)
    period = f"{b.period.start:%G-W%V}" if b.weekly else f"{b.period.start:%Y-%m}"
    export_panel("violence", path, inputs=(source, start, area, nte, baseline),
                 period=period if area == "borough" else f"{period}_{area}", write=partial(export_view, "violence", b=b),
                 pack=Pack("violence", period, {"week": start, "area": area, "source": source}))
    _focus(b)
    _table(b)
    common.selection_notes(list(b.notes))
    with st.expander("Warnings and parameters"):
        for w in b.warnings:
            st.caption(w)
        for name, result in (("Hot spot map", b.kde), ("Change", b.change), ("Classes", b.classify),
                             ("Back-test", b.backtest)):
            if result is not None:
                st.markdown(f"**{name}**: " + "; ".join(str(p) for p in result.parameters.values()))
