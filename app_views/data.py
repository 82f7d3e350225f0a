"""Cached reads for the Streamlit pages.

One read-only DuckDB connection per store file (``st.cache_resource``); each read
takes its own cursor, since Streamlit runs sessions in several threads. Results
are cached with ``st.cache_data`` on the store path and plain filter values.
"""

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import streamlit as st

from maps.incident_map import IncidentPoints, incident_points
from queries import incidents as q
from queries.store import connect


@st.cache_resource(show_spinner=False)
def store(path: str) -> duckdb.DuckDBPyConnection:
    """The store at ``path``, opened read-only once per process (raises ``StoreError``)."""
    return connect(path, read_only=True)


def _cursor(path: str) -> duckdb.DuckDBPyConnection:
    return store(path).cursor()


@st.cache_data(show_spinner=False)
def source_table(path: str) -> pd.DataFrame:
    """Sources with row counts, exact-time rows and date span; the default first."""
    with _cursor(path) as con:
        return q.sources(con)


@st.cache_data(show_spinner=False)
def layer_options(path: str, source: str) -> list[str]:
    with _cursor(path) as con:
        return q.layers(con, source)


@st.cache_data(show_spinner=False)
def category_options(path: str, source: str, layers: tuple[str, ...]) -> list[str]:
    """Categories of ``source`` in ``layers`` (layer by layer, most frequent first)."""
    out: list[str] = []
    with _cursor(path) as con:
        for layer in layers:
            out += [c for c in q.categories(con, source, layer) if c not in out]
    return out


@st.cache_data(show_spinner=False)
def date_span(path: str, source: str) -> tuple[datetime, datetime] | None:
    with _cursor(path) as con:
        return q.date_span(con, source)


@dataclass(frozen=True)
class MapData:
    points: IncidentPoints
    unlocated: int

    @property
    def total(self) -> int:
        return self.points.located + self.unlocated


@st.cache_data(show_spinner="Reading incidents…", max_entries=64)
def map_data(
    path: str,
    source: str,
    layers: tuple[str, ...],
    categories: tuple[str, ...] | None,
    start: date,
    end_exclusive: date,
) -> MapData:
    """Incidents for the map and the count of those without a location."""
    f = q.IncidentFilter(source=source, layers=layers, categories=categories, start=start, end=end_exclusive)
    with _cursor(path) as con:
        frame = q.fetch_incidents(con, f)
        unlocated = q.count_unlocated(con, f)
    return MapData(points=incident_points(frame), unlocated=unlocated)


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
    with _cursor(path) as con:
        return q.default_source(con)
