"""Overview: the borough at a glance for a period, against the same period last year.

Layout only: the figures come from ``briefings.overview.build_overview``, cached on the
store path and the filter values. Filters are bound to the URL with the prefix ``o_``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_views import common, mapview, reads
from app_views.export_panel import export_panel
from briefings.overview import Overview, build_overview, coverage, default_period, period_density
from briefings.scope import LAYER_LABELS, Scope
from exports.views import export_view
from maps import layers as map_layers

PREFIX = "o_"
#: Okabe and Ito's colour-blind-safe palette, one colour per layer (line dashes differ too).
LAYER_COLOURS = {
    "Offences": "#0072B2",
    "Anti-social behaviour": "#CC79A7",
    "Fly-tipping": "#009E73",
    "Fires": "#E69F00",
}
MAP_KINDS = {"points": "Incidents (clustered points)", "density": "Density (KDE, incidents per km2)"}


@st.cache_data(show_spinner=False)
def _default_period(path: str, source: str, layers: tuple[str, ...]):
    with reads.store(path).cursor() as con:
        cov = coverage(con, source, layers)
    return None if cov is None else (cov, default_period(cov))


@st.cache_data(show_spinner="Counting incidents…", max_entries=32)
def _overview(path: str, scope: Scope) -> Overview:
    with reads.store(path).cursor() as con:
        return build_overview(con, scope)


def _sidebar(path: str) -> tuple[Scope, str]:
    with st.sidebar:
        st.header("Filters")
        source = common.choose_source(path, PREFIX)
        present = common.visible_layers(path, source)
        layers = st.multiselect("Layers", present, default=present, format_func=common.layer_label,
                                key=f"{PREFIX}layer", bind="query-params")
        if not layers:
            st.warning("Choose at least one layer.")
            st.stop()
        layers = tuple(layers)
        categories = st.multiselect("Categories", reads.category_options(path, source, layers),
                                    key=f"{PREFIX}cat", bind="query-params", placeholder="All categories")
        found = _default_period(path, source, layers)
        if found is None:
            st.warning("No incidents for these layers in this source.")
            st.stop()
        cov, period = found
        last = period.end - timedelta(days=1)
        # The period defaults to the source's latest weeks; a new source gets its own default
        # (one source's dates are often empty in another). Set through session state, not
        # `value`, so the default can change; a period in the URL still wins on first load.
        if st.session_state.get("_o_dates_source") != source or f"{PREFIX}dates" not in st.session_state:
            st.session_state[f"{PREFIX}dates"] = (period.start.date(), last.date())
        st.session_state["_o_dates_source"] = source
        chosen = st.date_input(
            "Period", format="DD/MM/YYYY", key=f"{PREFIX}dates", bind="query-params", min_value=date(1990, 1, 1),
            help="Compared with the same period last year (52 weeks earlier for weeks, 12 months for months). "
                 "Month-only sources (police.uk) are compared by whole months.",
        )
        chosen = tuple(chosen) if isinstance(chosen, (tuple, list)) else (chosen,)
        start, end = (chosen[0], chosen[-1]) if chosen else (period.start.date(), last.date())
        what = "the last complete month" if cov.month_only else "the last 4 complete ISO weeks"
        st.caption(f"Default: {what} in the data ({period.label}). Data: {cov.start:%d %b %Y} to "
                   f"{cov.end - timedelta(days=1):%d %b %Y}.")
        area = common.choose_area(path, PREFIX)
        days, hours = common.choose_window(PREFIX, reads.has_exact_times(path, source, layers))
        # Viewers (partner staff) see aggregated layers only: no incident points.
        kinds = [k for k in MAP_KINDS if k != "points" or common.user().is_analyst]
        map_kind = st.radio("Map", kinds, format_func=MAP_KINDS.get, key=f"{PREFIX}map",
                            bind="query-params", horizontal=True)
    scope = Scope(source, layers, start, end + timedelta(days=1), tuple(categories) or None, area, days, hours)
    return scope, map_kind


def _pct(value: float) -> str:
    return f"{value:+.0%}" if value is not None and math.isfinite(value) else "–"


def _metrics(ov: Overview) -> None:
    rows = [ov.total, *[r for _, r in ov.totals[ov.totals["level"] == "layer"].iterrows()]][:5]
    for col, r in zip(st.columns(len(rows)), rows):
        delta = None
        if ov.has_last_year and math.isfinite(r["last_year"]):
            delta = f"{_pct(r['pct_change'])} on last year ({int(r['last_year']):,})"
        # Fewer incidents is the good direction, so a fall is drawn green.
        col.metric(r["label"], f"{int(r['count']):,}", delta, delta_color="inverse",
                   help="Significant change (exact test, BH-corrected at 5%)" if r["significant"] else None)


def _change_columns(last_year_label: str) -> dict:
    return {
        "count": st.column_config.NumberColumn("Count", format="%d"),
        "last_year": st.column_config.NumberColumn("Last year", format="%d", help=last_year_label),
        "change": st.column_config.NumberColumn("Change", format="%+d"),
        "pct_change": st.column_config.NumberColumn("Change %", format="percent"),
        "p_fdr": st.column_config.NumberColumn("p (BH)", format="%.3f",
                                               help="Exact two-sided test, Benjamini-Hochberg adjusted"),
        "significant": st.column_config.CheckboxColumn("Significant"),
    }


def _totals(ov: Overview) -> None:
    t = ov.totals[ov.totals["level"] != "all"].copy()
    t["layer"] = t["layer"].map(lambda x: LAYER_LABELS.get(x, x))
    t["label"] = t["label"].where(t["level"] == "category", "All " + t["label"].str.lower())
    st.dataframe(t[["layer", "label", "count", "last_year", "change", "pct_change", "p_fdr", "significant"]],
                 hide_index=True, column_config={"layer": "Layer", "label": "Category",
                                                 **_change_columns(ov.last_year.label)})


def _trend_chart(ov: Overview) -> None:
    if ov.trend.empty:
        st.info("No whole weeks or months of data to draw a trend.")
        return
    step = "Week starting" if ov.unit == "week" else "Month"
    domain = [x for x in LAYER_COLOURS if x in set(ov.trend["layer"])] + \
        sorted(set(ov.trend["layer"]) - set(LAYER_COLOURS))
    colours = [LAYER_COLOURS.get(x, "#555555") for x in domain]
    chart = (
        alt.Chart(ov.trend)
        .mark_line(point=ov.unit == "month")
        .encode(
            x=alt.X("start:T", title=step),
            y=alt.Y("count:Q", title=f"Incidents per {ov.unit}"),
            color=alt.Color("layer:N", title="Layer", scale=alt.Scale(domain=domain, range=colours)),
            strokeDash=alt.StrokeDash("layer:N", title="Layer", scale=alt.Scale(domain=domain)),
            tooltip=[alt.Tooltip("start:T", title=step, format="%d %b %Y"), alt.Tooltip("layer:N", title="Layer"),
                     alt.Tooltip("count:Q", title="Incidents")],
        )
        .properties(height=300)
    )
    band = alt.Chart(pd.DataFrame({"start": [ov.period.start], "end": [ov.period.end]})).mark_rect(
        opacity=0.12, color="#555555").encode(x="start:T", x2="end:T")
    st.altair_chart(band + chart, width="stretch")
    st.caption(f"Incidents per {'ISO week' if ov.unit == 'week' else 'month'} over up to two years; "
               "the shaded band is the period. Only whole weeks or months the data cover are drawn.")


def _focus(ov: Overview) -> None:
    cols = ["label", "count", "rate_per_km2", "share", "pai", "last_year", "change", "pct_change", "p_fdr",
            "significant"]
    st.dataframe(ov.focus[cols], hide_index=True, column_config={
        "label": "Area",
        "rate_per_km2": st.column_config.NumberColumn("Per km²", format="%.1f"),
        "share": st.column_config.NumberColumn("Share of borough", format="percent"),
        "pai": st.column_config.NumberColumn("PAI", format="%.1f",
                                             help="Share of incidents over share of the borough's area"),
        **_change_columns(ov.last_year.label),
    })
    st.caption("Borough-wide whatever area is chosen. Focus areas are hand-drawn and provisional (see About).")


def _changed(ov: Overview) -> None:
    if not ov.has_last_year:
        st.info("No data for the same period last year, so no change can be tested.")
        return
    if ov.changed.empty:
        st.success("No category or LSOA changed significantly on last year "
                   "(exact two-sided test, Benjamini-Hochberg at 5%).")
        return
    for kind, title in (("category", "By category"), ("LSOA", "By LSOA")):
        rows = ov.changed[ov.changed["kind"] == kind]
        if rows.empty:
            continue
        st.markdown(f"**{title}**")
        lines = []
        for r in rows.itertuples():
            arrow = "▲" if r.direction == "rise" else "▼"
            lines.append(f"- {arrow} **{r.name}**: {int(r.count):,} against {int(r.last_year):,} "
                         f"({_pct(r.pct_change)}, p = {r.p_fdr:.3g})")
        st.markdown("\n".join(lines))


@st.cache_resource(show_spinner="Drawing the density surface…", max_entries=8)
def _kde(path: str, scope: Scope):
    """The period's KDE (``briefings.overview.period_density``); a resource, not copied per rerun."""
    return period_density(_overview(path, scope))


def _map(path: str, scope: Scope, ov: Overview, kind: str):
    """Draw the period's map; returns its density surface when it shows one (for the export)."""
    frame = ov.incidents
    legend, kde = "", None
    if kind == "density" and len(frame) >= 2:
        kde = _kde(path, scope)  # the page's scope: the key _overview is cached on
        groups = [map_layers.density_layer(kde)]
        legend = map_layers.density_legend(kde)
        st.caption(kde.summary())
    elif not common.user().is_analyst:
        groups = []
        st.caption("Too few incidents for a density surface.")
    else:
        if kind == "density":
            st.caption("Too few incidents for a density surface: showing the incidents.")
        group, info = map_layers.points_layer(frame)
        groups = [group]
        if info.truncated:
            st.caption(f"The busiest {info.positions:,} of {info.total_positions:,} places are drawn.")
    map_col, side = st.columns([4, 1]) if legend else (st.container(), None)
    with map_col:
        mapview.show_map(f"{PREFIX}map_view", groups, area=ov.scope.area)
    if side is not None:
        with side:
            st.markdown(legend, unsafe_allow_html=True)  # built and escaped by maps.layers
    return kde


def render() -> None:
    path = common.store_path()
    scope, map_kind = _sidebar(path)
    try:
        ov = _overview(path, scope)
    except ValueError as exc:
        common.header("Overview", scope)
        st.error(str(exc))
        st.stop()
    common.header("Overview", ov.scope.with_period(ov.period.start.date(), ov.period.end.date()),
                  f"{ov.period.label} against {ov.last_year.label}.")
    common.selection_notes(list(ov.notes))
    _metrics(ov)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Trend")
        _trend_chart(ov)
    with right:
        st.subheader("What changed most")
        _changed(ov)
    st.subheader("Totals by layer and category")
    _totals(ov)
    st.subheader("Focus areas")
    _focus(ov)
    st.subheader("Map of the period")
    kde = _map(path, scope, ov, map_kind)
    last = ov.period.end - timedelta(days=1)
    export_panel("overview", path, inputs=(scope, map_kind), period=f"{ov.period.start:%Y-%m-%d}_to_{last:%Y-%m-%d}",
                 write=partial(export_view, "overview", ov=ov, map_kind=map_kind, kde=kde))
