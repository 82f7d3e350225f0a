"""Cached reads for the Streamlit pages.

One read-only DuckDB connection per store file (``st.cache_resource``); each read
takes its own cursor, since Streamlit runs sessions in several threads. Results
are cached with ``st.cache_data`` on the store path and plain filter values.
"""

from datetime import date, datetime

import duckdb
import pandas as pd
import streamlit as st

from briefings.scope import Scope, Selection, select
from queries import incidents as q
from queries.store import StoreError, connect


@st.cache_resource(show_spinner=False)
def store(path: str) -> duckdb.DuckDBPyConnection:
    """The store at ``path``, opened read-only once per process (raises ``StoreError``)."""
    return connect(path, read_only=True)


def release(path: str) -> None:
    """Close the shared read-only connection and forget every cached read (before a write)."""
    try:
        held = store(path)  # opens it if this process had not yet: harmless, closed at once
    except StoreError:
        held = None  # no store yet, or unreadable: nothing is held open
    store.clear()
    if held is not None:
        held.close()
    st.cache_data.clear()
    st.cache_resource.clear()


def cursor(path: str) -> duckdb.DuckDBPyConnection:
    """A cursor of the shared connection, for one thread's reads (use as a context manager)."""
    return store(path).cursor()


@st.cache_data(show_spinner=False)
def source_table(path: str, layer: str | None = None) -> pd.DataFrame:
    """Sources with row counts, exact-time rows and date span; the default first."""
    with cursor(path) as con:
        return q.sources(con, layer)


@st.cache_data(show_spinner=False)
def layer_options(path: str, source: str) -> list[str]:
    with cursor(path) as con:
        return q.layers(con, source)


@st.cache_data(show_spinner=False)
def category_options(path: str, source: str, layers: tuple[str, ...]) -> list[str]:
    """Categories of ``source`` in ``layers`` (layer by layer, most frequent first)."""
    out: list[str] = []
    with cursor(path) as con:
        for layer in layers:
            out += [c for c in q.categories(con, source, layer) if c not in out]
    return out


@st.cache_data(show_spinner=False)
def date_span(path: str, source: str, layers: tuple[str, ...] | None = None) -> tuple[datetime, datetime] | None:
    """First and last incident time of ``source`` in ``layers`` (all layers when None)."""
    with cursor(path) as con:
        spans = [q.date_span(con, source, layer) for layer in (layers or (None,))]
    spans = [s for s in spans if s is not None]
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


@st.cache_data(show_spinner=False)
def has_exact_times(path: str, source: str, layers: tuple[str, ...]) -> bool:
    """True when some rows of ``source`` in ``layers`` carry a time of day."""
    table = pd.concat([source_table(path, layer) for layer in layers])
    return bool(table.loc[table["source"] == source, "rows_with_time"].sum() > 0)


@st.cache_resource(show_spinner="Reading incidents…", max_entries=16)
def selection(path: str, scope: Scope, columns: tuple[str, ...] = q.MAP_COLUMNS) -> Selection:
    """The incidents of ``scope`` (see ``briefings.scope.select``).

    A resource, not data: a million-row frame is shared, not copied on every rerun.
    Callers must not change it.
    """
    with cursor(path) as con:
        return select(con, scope, columns)


@st.cache_data(show_spinner=False)
def lsoa_codes() -> list[str]:
    import geodata

    return sorted(geodata.dartford_lsoa_codes())


@st.cache_data(show_spinner=False)
def lsoa_names() -> dict[str, str]:
    import geodata

    frame = geodata.lsoas()
    return dict(zip(frame["lsoa21cd"], frame["lsoa21nm"]))


@st.cache_data(show_spinner=False)
def geography() -> tuple[dict, dict, dict]:
    """Borough, LSOAs and focus areas as WGS84 GeoJSON dicts."""
    import json

    import geodata

    def as_dict(frame) -> dict:
        return json.loads(frame.to_json(drop_id=True))

    return (
        as_dict(geodata.borough(crs="EPSG:4326")),
        as_dict(geodata.lsoas(crs="EPSG:4326")),
        as_dict(geodata.focus_areas(crs="EPSG:4326")),
    )


@st.cache_data(show_spinner=False)
def default_source(path: str) -> str | None:
    """The source shown first: the one with most exact-time rows."""
    with cursor(path) as con:
        return q.default_source(con)


@st.cache_data(show_spinner=False)
def area_bounds_wgs84(area: str) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1) of an area key (borough, nte, bluewater, heath or an LSOA code)."""
    import geodata

    return tuple(float(v) for v in geodata.area_geometry(area, crs="EPSG:4326").bounds)


@st.cache_resource(show_spinner=False, max_entries=16)
def positions(path: str, scope: Scope, columns: tuple[str, ...] = q.MAP_COLUMNS):
    """The scope's incidents grouped by position for the points layer: ``(PositionData, PointsInfo)``.

    The data are cached, never the folium layer (see ``maps.points.points_group``).
    """
    from maps.points import position_data

    return position_data(selection(path, scope, columns).incidents)
