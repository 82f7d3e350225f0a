"""Cached reads (and the few writes) of the Streamlit pages.

The app owns the store while it runs: one read-write DuckDB connection per store
file, opened once per process and kept outside Streamlit's caches (so clearing
them never closes it). DuckDB lets one process write a file, and the app must
write (sign-ins, exports and imports are audited; analysts import; admins manage
users and delete data), so the command line waits or says what to do meanwhile.

Each read or write takes its own cursor, since Streamlit runs sessions in several
threads; DuckDB's MVCC gives every cursor a consistent snapshot, so an import in
one session never shows a lock error or half a file to another. Writes that
change rows (imports, deletions, user changes) are serialised by one lock, then
every cached read is forgotten. Results are cached with ``st.cache_data`` on the
store path and plain filter values.
"""

import threading
from contextlib import contextmanager
from datetime import date, datetime

import duckdb
import pandas as pd
import streamlit as st

from briefings.scope import Scope, Selection, select
from queries import audit
from queries import incidents as q
from queries.store import StoreError, connect

_OPEN: dict[str, duckdb.DuckDBPyConnection] = {}
_OPEN_LOCK = threading.Lock()
_WRITE_LOCKS: dict[str, threading.Lock] = {}


def store(path: str) -> duckdb.DuckDBPyConnection:
    """The store at ``path``, opened read-write once per process (raises ``StoreError``).

    A missing file is an error, not a new empty store: stores are made by the
    command line (``demo``, ``user add``, ``import``).
    """
    with _OPEN_LOCK:
        con = _OPEN.get(path)
        if con is None:
            con = _OPEN[path] = connect(path, create=False)
        return con


def close(path: str | None = None) -> None:
    """Close the store at ``path`` (every store when None), e.g. before another process needs it."""
    with _OPEN_LOCK:
        for key in [path] if path is not None else list(_OPEN):
            con = _OPEN.pop(key, None)
            if con is not None:
                con.close()
    forget_reads()


def forget_reads() -> None:
    """Forget every cached read and analysis, after the store's rows changed."""
    st.cache_data.clear()
    st.cache_resource.clear()


def cursor(path: str) -> duckdb.DuckDBPyConnection:
    """A cursor of the shared connection, for one thread's reads (use as a context manager)."""
    return store(path).cursor()


@contextmanager
def writing(path: str):
    """A cursor for a write that changes rows; one such write at a time, then caches are forgotten."""
    with _OPEN_LOCK:
        lock = _WRITE_LOCKS.setdefault(path, threading.Lock())
    with lock:
        try:
            with cursor(path) as con:
                yield con
        finally:
            forget_reads()


def record(path: str, actor: str, action: str, *, role: str | None = None, outcome: str = "ok",
           detail: dict | None = None) -> None:
    """Append an audit entry (an append never conflicts, so no lock)."""
    with cursor(path) as con:
        audit.record(con, actor, action, role=role, outcome=outcome, detail=detail)


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
