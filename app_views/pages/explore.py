"""Explore: any layer, category, dates, days and hours, area, with every method of the engine."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import streamlit as st

from app_views import common, mapview, reads
from app_views.export_panel import export_panel
from briefings.explore import METHODS, Analysis, Options, analyse
from briefings.scope import Scope
from exports.analysis_export import export_analysis
from maps import layers as L

PREFIX = "x_"


@st.cache_resource(show_spinner="Running the analysis…", max_entries=32)
def _analysis(path: str, scope: Scope, method: str, options: Options) -> Analysis:
    with reads.cursor(path) as con:
        return analyse(con, scope, method, options)


def _options(method: str) -> Options:
    """Method overrides in the sidebar; blank means chosen from the data."""
    if method == "points":
        return Options()
    with st.sidebar.expander("Method settings (blank: chosen from the data)"):
        def number(label: str, key: str, help: str) -> float | None:
            value = st.number_input(label, min_value=0.0, value=None, step=5.0, key=PREFIX + key,
                                    bind="query-params", help=help)
            return float(value) if value else None

        kw: dict = {}
        if method in ("kde", "gistar", "change", "classify"):
            kw["cell_size"] = number("Cell size (m)", "cell", "Grid cell side in metres.")
        if method == "kde":
            kw["bandwidth"] = number("Bandwidth (m)", "bw", "Quartic kernel radius (Gaussian: standard deviation).")
            kw["kernel"] = st.radio("Kernel", ["quartic", "gaussian"], horizontal=True, key=PREFIX + "kernel",
                                    bind="query-params")
            kw["threshold"] = st.selectbox(
                "Hot spots", ["top 5%", "top 1%", "top 10%", "2x mean", "3x mean"], key=PREFIX + "thr",
                bind="query-params", help="The top share of the area, or k times the mean cell density (Chainey).")
        if method == "dbscan":
            kw["eps"] = number("eps (m)", "eps", "Neighbourhood radius; blank: from the k-distance curve.")
            ms = st.number_input("min_samples", min_value=2, value=None, step=1, key=PREFIX + "ms",
                                 bind="query-params")
            kw["min_samples"] = int(ms) if ms else None
            kw["clustering"] = st.radio("Algorithm", ["dbscan", "hdbscan"], horizontal=True, key=PREFIX + "algo",
                                        bind="query-params")
        if method in ("gistar", "classify"):
            kw["distance"] = number("Distance band (m)", "dist", "Blank: the 8 adjacent cells and the cell itself.")
        if method == "change":
            kw["baseline"] = st.selectbox(
                "Baseline", ["previous 4 weeks", "previous 8 weeks", "previous 13 weeks", "last year"],
                key=PREFIX + "base", bind="query-params")
        if method in ("change", "classify"):
            kw["period_length"] = st.selectbox("Period", [None, "week", "4 weeks", "month", "quarter"],
                                               format_func=lambda v: "automatic" if v is None else v,
                                               key=PREFIX + "period", bind="query-params")
    return Options(**kw)


#: Each method's map layer and legend (maps.layers); "points" has none of its own.
_LAYERS = {
    "kde": (L.density_layer, L.density_legend),
    "dbscan": (L.cluster_layer, L.cluster_legend),
    "gistar": (L.gistar_layer, L.gistar_legend),
    "change": (L.change_layer, L.change_legend),
    "classify": (L.classify_layer, L.classify_legend),
}


def _layers(a: Analysis) -> tuple[list, str]:
    """Folium groups for the map and the legend's HTML."""
    if a.method not in _LAYERS:
        return [], ""
    layer, legend = _LAYERS[a.method]
    return [layer(a.result)], legend(a.result)


def _points(path: str, scope: Scope):
    data, info = reads.positions(path, scope)
    return L.points_group(data, info), info


def render() -> None:
    path = common.store_path()
    scope = common.sidebar_scope(path, PREFIX)
    with st.sidebar:
        # Options are the short names (they go in the URL as they are); the captions say what each is.
        # Viewers (partner staff) see aggregated layers only: no incident points.
        analyst = common.user().is_analyst
        methods = {k: v for k, v in METHODS.items() if k != "points" or analyst}
        method = st.radio("Method", list(methods), captions=list(methods.values()), key=PREFIX + "method",
                          bind="query-params")
    options = _options(method)
    common.header("Explore", scope, "Any filter with any method; every parameter says how it was chosen.")
    try:
        a = _analysis(path, scope, method, options)
    except ValueError as exc:
        st.warning(str(exc))
        return
    sel = a.selection
    c1, c2, c3 = st.columns(3)
    c1.metric("Incidents in the area", f"{sel.count:,}")
    if analyst:
        points_group, info = _points(path, scope)
        c2.metric("Map positions", f"{info.positions:,}",
                  help="Incidents at the same place (police.uk snap points) are drawn as one marker with their "
                       "count.")
    c3.metric("Left out by the window", f"{sum(sel.left_out.values()):,}")
    common.selection_notes(sel.notes())

    groups, legend = _layers(a)
    # The points method always shows the points; other methods add them on request. One fixed
    # default, so the URL alone says what the map shows.
    show_points = analyst and (method == "points" or st.toggle("Also show incidents as points", value=False,
                                                               key=PREFIX + "pts", bind="query-params"))
    map_col, side = st.columns([5, 2]) if legend else (st.container(), None)
    with map_col:
        mapview.show_map("explore-map", groups + ([points_group] if show_points else []), area=scope.area)
    if side is not None:
        with side:
            st.markdown(legend, unsafe_allow_html=True)  # built and escaped by maps.layers
    st.caption(common.ATTRIBUTION)
    last = scope.end - timedelta(days=1)
    export_panel("explore", path, inputs=(scope, method, options),
                 period=f"{method}_{scope.start:%Y-%m-%d}_to_{last:%Y-%m-%d}", write=partial(export_analysis, a))
    if a.summary:
        st.subheader(a.summary)
    for w in a.warnings:
        st.warning(w)
    if method != "points":
        st.markdown("**Parameters**")
        st.dataframe(a.parameter_table(), hide_index=True, width="stretch")
        if not a.table.empty:
            st.markdown("**Results**")
            p_columns = {c: st.column_config.NumberColumn(c, format="%.2g") for c in a.table.columns
                         if c in ("p", "p_fdr", "p_fall", "trend_p")}
            st.dataframe(a.table, hide_index=True, width="stretch", column_config=p_columns)
