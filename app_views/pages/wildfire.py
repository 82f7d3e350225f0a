"""Wildfire prevention (Kent Fire and Rescue Service): open-land fires by season, place, cause and hour,
and where to patrol in the coming season. Layout only: the tables come from ``briefings.wildfire``."""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_views import common, mapview, reads
from app_views.export_panel import Pack, export_panel
from briefings import wildfire as W
from briefings.scope import Scope
from exports.views import export_view
from maps import layers as L

PREFIX = "w_"
#: Okabe and Ito's colour-blind-safe colours.
SEASON_COLOURS = {"winter": "#0072B2", "spring": "#009E73", "summer": "#D55E00", "autumn": "#E69F00"}
CAUSE_COLOURS = {"deliberate": "#D55E00", "accidental": "#0072B2", "not known": "#999999", "not recorded": "#CCCCCC"}
PLACE_COLOURS = {W.HEATH: "#009E73", W.OTHER: "#CC79A7"}
YEAR_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
SEASON_CHOICES = ["auto", *W.SEASONS]  # the formatted choice is the URL value: keep it short


@st.cache_resource(show_spinner="Comparing the seasons…", max_entries=16)
def _briefing(path: str, scope: Scope, season: str | None) -> W.WildfireBriefing:
    return W.wildfire_briefing(reads.selection(path, scope, W.FIRE_COLUMNS), season=season)


def _sidebar(path: str) -> tuple[Scope, str | None]:
    with st.sidebar:
        st.header("Filters")
        source = common.choose_source(path, PREFIX, "fire")
        options = reads.category_options(path, source, ("fire",))
        default = [W.OPEN_LAND] if W.OPEN_LAND in options else options[:1]
        cats = st.multiselect("Fire types", options, default=default, key=f"{PREFIX}cat", bind="query-params",
                              help="The fire service's property group; grassland, woodland and crops by default.")
        if not cats:
            st.warning("Choose at least one fire type.")
            st.stop()
        start, end = common.choose_dates(path, PREFIX, source, ("fire",), months=48)
        area = common.choose_area(path, PREFIX)
        season = st.selectbox(
            "Plan for", SEASON_CHOICES, key=f"{PREFIX}season", bind="query-params",
            format_func=lambda s: "the coming season" if s == "auto" else s,
            help="Prevention zones come from the past seasons of this kind, persistent places first.")
    return Scope(source, ("fire",), start, end, tuple(cats), area), None if season == "auto" else season


def _months_chart(monthly: pd.DataFrame) -> alt.Chart:
    data = monthly.assign(month_name=monthly["month"].dt.strftime("%b"), year=monthly["year"].astype(str))
    order = [pd.Timestamp(2000, m, 1).strftime("%b") for m in range(1, 13)]
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("month_name:N", sort=order, title="Month"),
        y=alt.Y("fires:Q", title="Fires (count)"),
        color=alt.Color("year:N", title="Year", scale=alt.Scale(range=YEAR_COLOURS)),
        strokeDash=alt.StrokeDash("year:N", title="Year"),  # same title: one legend, lines told apart twice
        tooltip=[alt.Tooltip("month:T", format="%B %Y"), "fires:Q",
                 alt.Tooltip("area_burnt_m2:Q", title="area burnt (m²)", format=",.0f")],
    ).properties(height=300)


def _season_chart(seasons: pd.DataFrame) -> alt.Chart:
    data = seasons.assign(shown=seasons["complete"].map({True: "whole season", False: "part in the period"}),
                          ratio_text=seasons["ratio"].map(lambda r: f"{r:.1f}×" if pd.notna(r) else ""))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("label:N", sort=list(data["label"]), title="Season"),
        y=alt.Y("fires:Q", title="Fires (count)"),
        color=alt.Color("season:N", title="Season", scale=alt.Scale(domain=list(SEASON_COLOURS),
                                                                    range=list(SEASON_COLOURS.values()))),
        opacity=alt.Opacity("shown:O", title="", sort=["whole season", "part in the period"],
                            scale=alt.Scale(domain=["whole season", "part in the period"], range=[1.0, 0.35])),
        tooltip=["label:N", "fires:Q", alt.Tooltip("typical:Q", title="average of the others", format=".0f"),
                 alt.Tooltip("ratio_text:N", title="times the others"),
                 alt.Tooltip("area_burnt_m2:Q", title="area burnt (m²)", format=",.0f")],
    ).properties(height=300)


def _stacked(data: pd.DataFrame, x: str, x_title: str, colours: dict, colour_title: str, y: str = "fires",
             y_title: str = "Fires (count)") -> alt.Chart:
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{x}:O", title=x_title),
        y=alt.Y(f"{y}:Q", title=y_title, stack=True),
        color=alt.Color("what:N", title=colour_title, sort=list(colours),
                        scale=alt.Scale(domain=list(colours), range=list(colours.values()))),
        tooltip=[f"{x}:O", "what:N", alt.Tooltip(f"{y}:Q", format=",.1f" if "ha" in y_title else ",")],
    ).properties(height=280)


def _seasons(b: W.WildfireBriefing) -> None:
    st.subheader("By month and season")
    for line in b.standout:
        st.warning(line, icon=":material/local_fire_department:")
    c1, c2 = st.columns(2)
    c1.altair_chart(_months_chart(b.monthly), width="stretch")
    c2.altair_chart(_season_chart(b.seasons), width="stretch")
    st.caption("Seasons are meteorological: spring March to May, summer June to August, autumn September to "
               "November, winter December to February. A season is compared with the whole seasons of its kind.")


def _places_and_causes(b: W.WildfireBriefing) -> None:
    c1, c2 = st.columns(2)
    with c1:
        st.subheader("Dartford Heath and other open land")
        by_year = b.places_by_year.assign(what=b.places_by_year["place"],
                                          area_ha=b.places_by_year["area_burnt_m2"] / 1e4)
        which = st.radio("Show", ["fires", "area burnt"], horizontal=True, key=f"{PREFIX}placeby",
                         bind="query-params")
        if which == "fires":
            st.altair_chart(_stacked(by_year, "year", "Year", PLACE_COLOURS, "Place"), width="stretch")
        else:
            st.altair_chart(_stacked(by_year, "year", "Year", PLACE_COLOURS, "Place", "area_ha",
                                     "Area burnt (hectares)"), width="stretch")
        st.dataframe(b.places, hide_index=True, width="stretch", column_config={
            "place": "Place", "fires": "Fires", "share": st.column_config.NumberColumn("Share", format="percent"),
            "area_burnt_m2": st.column_config.NumberColumn("Area burnt (m²)", format="%,.0f"),
            "area_burnt_ha": st.column_config.NumberColumn("Area burnt (ha)", format="%.1f"),
            "median_area_m2": st.column_config.NumberColumn("Median per fire (m²)", format="%,.0f"),
            "deliberate_share": st.column_config.NumberColumn("Deliberate", format="percent"),
            "area_not_recorded": "No area recorded"})
    with c2:
        st.subheader("Deliberate and accidental")
        st.altair_chart(_stacked(b.causes.assign(what=b.causes["cause"]), "year", "Year", CAUSE_COLOURS, "Cause"),
                        width="stretch")
        st.subheader("Time of day")
        hours = b.hours.melt(id_vars="hour", value_vars=list(W.CAUSES), var_name="what", value_name="fires")
        st.altair_chart(_stacked(hours, "hour", "Hour of the call (00 = midnight to 00:59)", CAUSE_COLOURS, "Cause"),
                        width="stretch")
        st.caption(b.hours_note)


def _prevention(path: str, scope: Scope, b: W.WildfireBriefing) -> None:
    plan = b.plan
    st.subheader(f"Where to patrol and educate in {plan.label}")
    for note in plan.notes:
        st.caption(note)
    groups, legend = [], ""
    if plan.kde is not None:
        groups.append(L.density_layer(plan.kde, name=f"Fires in past {plan.season}s (KDE) and zones"))
        legend = L.density_legend(plan.kde)
    analyst = common.user().is_analyst  # viewers see aggregated layers only: no incident points
    if analyst:
        points, info = _points(path, scope)
        groups.append(points)
    map_col, side = st.columns([3, 1])
    with map_col:
        mapview.show_map("wildfire-map", groups, area=scope.area)
    with side:
        if legend:
            st.markdown(legend, unsafe_allow_html=True)  # built and escaped by maps.layers
            st.caption(f"Density of the fires of {', '.join(plan.past)} together. Outlines: the "
                       f"{len(plan.kde.hotspots)} leading zones, numbered as in the table (persistent first).")
        if analyst:
            st.caption(f"Points: all {info.incidents:,} fires of the period.")
    if plan.zones.empty:
        st.info(f"No prevention zones for {plan.label}.")
        return
    table = pd.DataFrame(plan.zones.drop(columns=["geometry", "peak_density", "mean_density"]))
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "rank": "Zone", "place": "Place", "lsoa": "LSOA", "seasons_hot": f"Past {plan.season}s hot",
        "seasons": "Hot in", "fires": f"Fires in past {plan.season}s", "last_season_fires": "Fires last time",
        "deliberate_share": st.column_config.NumberColumn("Deliberate", format="percent"),
        "peak_hours": "Peak hours (exact times)", "timed": "With exact time",
        "area_km2": st.column_config.NumberColumn("Area (km²)", format="%.2f")})
    with st.expander("How the zones were found"):
        st.dataframe(pd.DataFrame([{"parameter": p.name, "value": str(p.value), "unit": p.unit, "why": p.reason}
                                   for p in plan.parameters.values()]), hide_index=True, width="stretch")


def _points(path: str, scope: Scope):
    data, info = reads.positions(path, scope, W.FIRE_COLUMNS)
    return L.points_group(data, info, name="Fires"), info


def render() -> None:
    common.require(layer="fire")
    path = common.store_path()
    scope, season = _sidebar(path)
    common.header("Wildfire prevention", scope,
                  "Grassland and open-land fires for Kent Fire and Rescue Service: seasons, places, causes, "
                  "times of day, and where prevention patrols and education should go next.")
    b = _briefing(path, scope, season)
    if b.total == 0:
        st.warning("No fires match these filters in the area.")
        return
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Fires", f"{b.total:,}")
    c2.metric("Area burnt", f"{b.places['area_burnt_ha'].sum():,.1f} ha")
    deliberate = int(b.causes.loc[b.causes["cause"] == "deliberate", "fires"].sum())
    c3.metric("Deliberate", f"{deliberate / b.total:.0%}")
    c4.metric("On Dartford Heath", f"{int(b.places.loc[b.places['place'] == W.HEATH, 'fires'].sum()):,}")
    common.selection_notes(list(b.notes))
    _seasons(b)
    _places_and_causes(b)
    _prevention(path, scope, b)
    label = b.plan.label
    export_panel("wildfire", path, inputs=(scope, season), period=label if scope.area == "borough" else
                 f"{label}_{scope.area}", write=partial(export_view, "wildfire", b=b,
                                                       sel=reads.selection(path, scope, W.FIRE_COLUMNS)),
                 pack=Pack("wildfire", label, {"season": label, "area": scope.area, "source": scope.source}))
    st.caption(common.ATTRIBUTION)
