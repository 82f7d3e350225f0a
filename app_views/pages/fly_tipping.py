"""Fly-tipping patrols (enforcement officers): ranked patrol zones for the coming week, on the map,
with when each is hit, and a printable patrol sheet. Layout only: the plan comes from ``briefings.fly_tipping``."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_views import common, mapview, reads
from app_views.export_panel import Pack, export_panel
from briefings import fly_tipping as F
from briefings.scope import Scope
from exports.views import export_view
from maps import layers as L

PREFIX = "f_"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@st.cache_resource(show_spinner="Ranking patrol zones…", max_entries=16)
def _plan(path: str, scope: Scope, half_life: float) -> F.PatrolPlan:
    sel = reads.selection(path, scope, F.FLY_COLUMNS)
    return F.plan_patrols(sel, half_life_days=half_life)


def _points(path: str, scope: Scope):
    data, info = reads.positions(path, scope, F.FLY_COLUMNS)
    return L.points_group(data, info, name="Fly-tips"), info


def _sidebar(path: str) -> tuple[Scope, float, int]:
    with st.sidebar:
        st.header("Filters")
        source = common.choose_source(path, PREFIX, F.LAYER)
        span = reads.date_span(path, source, (F.LAYER,))
        if span is None:
            st.warning("No fly-tipping in this source.")
            st.stop()
        last = pd.Timestamp(span[1]).date()
        default = F.coming_week(last + timedelta(days=1))
        chosen = st.date_input("Week to plan", value=default, format="DD/MM/YYYY", key=f"{PREFIX}week",
                               bind="query-params", help="Any day of the week; the plan runs Monday to Sunday.")
        week = chosen - timedelta(days=chosen.weekday())
        weeks = st.slider("Weeks of history", 4, 26, F.DEFAULT_WEEKS, key=f"{PREFIX}weeks", bind="query-params",
                          help="The plan is made from the fly-tips of these weeks before the week planned.")
        half_life = st.select_slider("Half-life of a fly-tip's weight (days)", [7, 14, 21, 28, 42, 56],
                                     value=int(F.HALF_LIFE_DAYS), key=f"{PREFIX}half", bind="query-params",
                                     help="A fly-tip this old counts half as much as one from the last day.")
        top = st.slider("Zones on the sheet", 3, 20, 10, key=f"{PREFIX}top", bind="query-params")
        area = common.choose_area(path, PREFIX)
        st.caption(f"Fly-tipping data run to {last:%d %b %Y}.")
    return F.patrol_scope(source, week, weeks=weeks, area=area), float(half_life), top


def _profile_chart(profile: pd.DataFrame) -> alt.Chart:
    data = profile.reset_index(names="day").melt(id_vars="day", var_name="hour", value_name="fly_tips")
    return alt.Chart(data).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of the report (00 = midnight to 00:59)"),
        y=alt.Y("day:O", sort=list(DAYS), title="Day"),
        color=alt.Color("fly_tips:Q", title="Fly-tips (count)", scale=alt.Scale(scheme="viridis")),
        tooltip=["day:O", "hour:O", alt.Tooltip("fly_tips:Q", title="fly-tips")],
    ).properties(height=220)


def _zone_table(zones: pd.DataFrame) -> None:
    st.dataframe(zones.drop(columns=["easting", "northing", "latitude", "longitude"]), hide_index=True,
                 width="stretch", column_config={
                     "zone": "Zone", "place": "Place", "lsoa": "LSOA",
                     "priority": st.column_config.NumberColumn(
                         "Priority", format="%.1f", help="Recency-weighted fly-tips; repeat-site ones count double."),
                     "count": "Fly-tips", "repeats": "At repeat sites", "repeat_sites": "Repeat sites",
                     "last_seen": st.column_config.DatetimeColumn("Last seen", format="ddd D MMM YYYY"),
                     "days": "Busiest days (count)", "hours": "Busiest hours (exact times)",
                     "timed": "With exact time", "untimed_hours": "Date only", "waste_types": "Waste types",
                     "sizes": "Sizes", "land_type": "Land type", "by_postcode": "Placed by postcode",
                     "area_m2": st.column_config.NumberColumn("Area (m²)", format="%,.0f")})


def render() -> None:
    common.require(layer="fly-tipping")
    path = common.store_path()
    scope, half_life, top = _sidebar(path)
    week_end = scope.end + timedelta(days=6)
    common.header(f"Fly-tipping patrols: week of {scope.end:%a %d %b} to {week_end:%a %d %b %Y}", None,
                  "Patrol zones for enforcement officers from recent fly-tips and repeat sites, busiest first.")
    st.markdown(f"**From {scope.describe()}**")
    common.demo_note(scope.source)
    plan = _plan(path, scope, half_life)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Fly-tips in these weeks", f"{plan.incidents:,}")
    c2.metric("Patrol zones", f"{len(plan.zones):,}")
    c3.metric("Fly-tips in the zones", f"{plan.in_zones / plan.incidents:.0%}" if plan.incidents else "–")
    c4.metric("Repeat sites in the zones", f"{int(plan.zones['repeat_sites'].sum()) if len(plan.zones) else 0:,}")
    common.selection_notes(list(plan.notes))
    zones = plan.zones.head(top)

    groups, legend = [], ""
    if plan.clusters is not None and len(plan.zones):
        groups.append(L.cluster_layer(plan.clusters, name="Patrol zones"))
        legend = L.cluster_legend(plan.clusters)
    analyst = common.user().is_analyst  # viewers see aggregated layers only: no incident points
    if analyst:
        points, info = _points(path, scope)
        groups.append(points)
    map_col, side = st.columns([3, 1])
    with map_col:
        mapview.show_map("fly-tipping-map", groups, area=scope.area)
    with side:
        if legend:
            st.markdown(legend, unsafe_allow_html=True)  # built and escaped by maps.layers
            st.caption("Here cluster numbers are patrol zone numbers: ranked by priority, not by size.")
        if analyst:
            st.caption(f"Points: the {info.incidents:,} fly-tips of these weeks.")
    week = f"{scope.end:%Y-%m-%d}"
    export_panel("fly-tipping", path, inputs=(scope, half_life, top),
                 period=week if scope.area == "borough" else f"{week}_{scope.area}",
                 write=partial(export_view, "fly-tipping", plan=plan, sel=reads.selection(path, scope, F.FLY_COLUMNS),
                               top=top),
                 pack=Pack("fly-tipping", week, {"week": scope.end, "area": scope.area, "source": scope.source}))

    if zones.empty:
        st.info("No patrol zones: no cluster of fly-tips in these weeks.")
        return
    st.subheader(f"Top {len(zones)} patrol zones")
    _zone_table(zones)
    st.download_button(
        "Download the patrol sheet (HTML, prints on A4)", F.patrol_sheet(plan, top=top),
        file_name=f"fly-tipping-patrols-{scope.end:%Y-%m-%d}.html", mime="text/html", key=f"{PREFIX}sheet",
        help="A plain page with the zones, their busiest days and hours, and boxes to record visits.")

    st.subheader("When a zone is hit")
    # Plain zone numbers: the formatted choice is the URL value.
    zone = st.selectbox("Zone", [int(z) for z in zones["zone"]], key=f"{PREFIX}zone", bind="query-params")
    row = zones.loc[zones["zone"] == zone].iloc[0]
    st.markdown(f"**Zone {zone}, {row['place']}** · busiest days {row['days']} · busiest hours {row['hours']} · "
                f"{row['waste_types']} · {row['sizes']}")
    profile = plan.profiles.get(int(zone))
    if profile is not None and profile.to_numpy().sum() > 0:
        st.altair_chart(_profile_chart(profile), width="stretch")
    untimed = int(row["untimed_hours"])
    st.caption(f"Hours from the {int(row['timed']):,} fly-tips with an exact time; {untimed:,} logged with a date "
               "only are left off the hour chart (their hour is not known) but counted in the days.")
    with st.expander("How the zones were found"):
        st.dataframe(pd.DataFrame([{"parameter": p.name, "value": str(p.value), "unit": p.unit, "why": p.reason}
                                   for p in plan.parameters.values()]), hide_index=True, width="stretch")
    st.caption(common.ATTRIBUTION)
