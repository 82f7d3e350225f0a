"""The first screen: incidents on a Leaflet map of Dartford with layer, category and date filters."""

from datetime import date, datetime, timedelta

import folium
import geodata
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_views import data
from maps import assets
from maps.incident_map import DEMO_SOURCE, LAYER_STYLES, MAX_POINTS, base_map, incident_layer
from queries.store import StoreError, default_db_path

MAP_HEIGHT = 600

ATTRIBUTION = (
    "Basemap © OpenStreetMap contributors. Crime and ASB: police.uk, Open Government Licence v3.0. "
    + geodata.ATTRIBUTION
)


def layer_label(layer: str) -> str:
    return LAYER_STYLES.get(layer, (layer, None))[0]


def default_dates(first: datetime, last: datetime) -> tuple[date, date]:
    """The last three calendar months of data (inclusive), within the data's span."""
    end_month = pd.Timestamp(last).to_period("M")
    start = max((end_month - 2).start_time.date(), pd.Timestamp(first).date())
    return start, end_month.end_time.date()


def describe_span(first: datetime, last: datetime) -> str:
    """The data's span; months when both ends are month starts (month-precision sources)."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if all(t == t.to_period("M").start_time for t in (first, last)):
        return f"{first:%B %Y} to {last:%B %Y}"
    return f"{first:%d %b %Y} to {last:%d %b %Y}"


def render() -> None:
    path = str(default_db_path())
    try:
        data.store(path)
    except StoreError as exc:
        st.title("Dartford incident map")
        st.error(
            f"**The incident store could not be opened.**\n\n{exc}\n\n"
            "Then reload this page. The store is `$HOTSPOTS_DB` if set, else `data/hotspots.duckdb`; "
            "`python -m hotspots demo` builds the demo database there."
        )
        st.stop()

    sources = data.source_table(path)
    if sources.empty:
        st.title("Dartford incident map")
        st.warning(
            f"The store at `{path}` holds no incidents yet. Import some with `python -m hotspots import` "
            "or build the demo database with `python -m hotspots demo`."
        )
        st.stop()

    filters = _sidebar(path, sources)
    source, layers, categories, start, end = filters

    st.title("Dartford incident map")
    st.caption(
        f"Source **{source}** · {start:%d %b %Y} to {end:%d %b %Y} · "
        + (", ".join(layer_label(x) for x in layers) or "no layer chosen")
        + (f" · {len(categories)} categories" if categories else "")
    )

    result = data.map_data(path, source, tuple(layers), tuple(categories) or None, start, end + timedelta(days=1))
    points = result.points

    # Fixed slots above the map, so messages coming and going never remount it.
    notes = st.container()
    counts = st.container()
    map_slot = st.container()

    with notes:
        if source == DEMO_SOURCE:
            st.info(
                "**Generated demo data:** rows from `demo-generated` are synthetic, not real incidents.",
                icon="ℹ️",
            )
        if not layers:
            st.warning("Choose at least one layer in the sidebar to see incidents.")
        if points.truncated:
            st.warning(
                f"{points.located:,} incidents match: the map shows the most recent {MAX_POINTS:,}. "
                "Narrow the dates or categories to see them all."
            )

    with counts:
        c1, c2, c3 = st.columns(3)
        c1.metric("Incidents", f"{result.total:,}")
        c2.metric(
            "On the map",
            f"{points.shown:,}",
            help=f"Incidents with a location; at most {MAX_POINTS:,} (the most recent) are drawn at once.",
        )
        c3.metric("No location", f"{result.unlocated:,}")
        if result.unlocated:
            st.caption(f"{result.unlocated:,} incidents have no location and are counted but not mapped.")

    with map_slot:
        _map(points)
        st.caption(ATTRIBUTION)


def _sidebar(path: str, sources: pd.DataFrame):
    """The filters; returns (source, layers, categories, start, end) with ``end`` inclusive."""
    with st.sidebar:
        st.header("Filters")
        names = list(sources["source"])
        table = sources.set_index("source")

        def source_label(name: str) -> str:
            return f"{name} ({int(table.loc[name, 'rows']):,} rows)"

        default = data.default_source(path)
        source = st.selectbox(
            "Source",
            names,
            index=names.index(default) if default in names else 0,
            format_func=source_label,
            key="source",
            help="Each source is shown on its own: police.uk and a police extract describe the same "
            "crimes, so they are never added together. The default is the source with most exact times.",
        )
        timed = int(table.loc[source, "rows_with_time"])
        st.caption(f"{timed:,} of {int(table.loc[source, 'rows']):,} rows have an exact time." if timed else "No exact times: dates are months or days.")

        layer_opts = data.layer_options(path, source)
        layers = st.multiselect(
            "Layer",
            layer_opts,
            default=layer_opts,
            format_func=layer_label,
            key=f"layers::{source}",
        )

        cat_opts = data.category_options(path, source, tuple(layers))
        cat_key = f"categories::{source}"
        if cat_key in st.session_state:  # drop categories of layers no longer chosen
            st.session_state[cat_key] = [c for c in st.session_state[cat_key] if c in cat_opts]
        categories = st.multiselect(
            "Category",
            cat_opts,
            key=cat_key,
            placeholder="All categories",
            help="Leave empty for every category of the chosen layers.",
        )

        span = data.date_span(path, source)
        first, last = span
        default_start, default_end = default_dates(first, last)
        min_day = pd.Timestamp(first).date()
        chosen = st.date_input(
            "Dates",
            value=(default_start, default_end),
            min_value=min_day,
            max_value=default_end,
            format="DD/MM/YYYY",
            key=f"dates::{source}",
            help="Defaults to the last three months of data. Month-only dates (police.uk) count "
            "from the first of their month.",
        )
        if isinstance(chosen, (tuple, list)):
            start, end = (chosen[0], chosen[1]) if len(chosen) == 2 else (chosen[0], chosen[0]) if chosen else (default_start, default_end)
        else:
            start, end = chosen, chosen
        st.caption(f"Data for this source: {describe_span(first, last)}.")
    return source, layers, categories, start, end


def _map(points) -> None:
    missing = assets.missing_files()
    if missing:
        st.error(
            "The map's Leaflet files are missing from `static/vendor/`: run `scripts/fetch_static.sh` "
            "(the set-up script does this) and reload."
        )
        return
    borough, lsoas, focus = data.geography()
    base = base_map(borough, lsoas, focus)
    st_folium(
        base,
        key="incident-map",
        height=MAP_HEIGHT,
        use_container_width=True,
        # Nothing comes back from the map, so panning or zooming never reruns the app;
        # the base map's script is the same on every run, so the map keeps its view and
        # only the incident layer (and the layer control) are swapped in place.
        returned_objects=[],
        feature_group_to_add=[incident_layer(points)],
        layer_control=folium.LayerControl(collapsed=False),
    )
