"""Filtered frames of incidents, read from the store.

Every filter value is a bound parameter. A query always names its source: two
sources can describe the same crimes (police.uk and a police extract), so they are
never added together silently; ``default_source`` picks the one with exact times.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

import duckdb
import pandas as pd

from queries.schema import INCIDENT_COLUMNS

#: Columns returned by ``fetch_incidents`` unless asked otherwise.
MAP_COLUMNS = (
    "layer", "category", "subcategory", "occurred_at", "date_precision",
    "easting", "northing", "longitude", "latitude", "location", "lsoa21cd",
    "location_method", "source",
)


@dataclass(frozen=True)
class IncidentFilter:
    """What to read. ``None`` means no restriction on that field."""

    source: str
    layers: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    start: datetime | date | None = None  # inclusive
    end: datetime | date | None = None  # exclusive
    bbox: tuple[float, float, float, float] | None = None  # (min_e, min_n, max_e, max_n), EPSG:27700
    located_only: bool = True


def _where(f: IncidentFilter) -> tuple[str, list]:
    clauses, params = ["source = ?"], [f.source]
    if f.layers is not None:
        clauses.append("list_contains(?, layer)")
        params.append(list(f.layers))
    if f.categories is not None:
        clauses.append("list_contains(?, category)")
        params.append(list(f.categories))
    if f.start is not None:
        clauses.append("occurred_at >= ?")
        params.append(_as_datetime(f.start))
    if f.end is not None:
        clauses.append("occurred_at < ?")
        params.append(_as_datetime(f.end))
    if f.bbox is not None:
        clauses.append("easting BETWEEN ? AND ? AND northing BETWEEN ? AND ?")
        min_e, min_n, max_e, max_n = f.bbox
        params += [min_e, max_e, min_n, max_n]
    if f.located_only:
        clauses.append("easting IS NOT NULL")
    return " AND ".join(clauses), params


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def fetch_incidents(
    con: duckdb.DuckDBPyConnection, f: IncidentFilter, columns: tuple[str, ...] = MAP_COLUMNS
) -> pd.DataFrame:
    """Incidents matching ``f``, ordered by time, as a DataFrame of ``columns``."""
    unknown = set(columns) - set(INCIDENT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown incident columns: {sorted(unknown)}")
    where, params = _where(f)
    cols = ", ".join(columns)
    return con.execute(f"SELECT {cols} FROM incidents WHERE {where} ORDER BY occurred_at", params).df()


def count_incidents(con: duckdb.DuckDBPyConnection, f: IncidentFilter) -> int:
    """How many incidents match ``f``."""
    where, params = _where(f)
    return con.execute(f"SELECT count(*) FROM incidents WHERE {where}", params).fetchone()[0]


def count_unlocated(con: duckdb.DuckDBPyConnection, f: IncidentFilter) -> int:
    """How many incidents match ``f`` apart from having no position (they count in totals, not on maps)."""
    where, params = _where(replace(f, located_only=False))
    return con.execute(
        f"SELECT count(*) FROM incidents WHERE {where} AND easting IS NULL", params
    ).fetchone()[0]


def sources(con: duckdb.DuckDBPyConnection, layer: str | None = None) -> pd.DataFrame:
    """Sources in the store with row counts and how many rows carry an exact time."""
    return con.execute(
        """
        SELECT source,
               count(*) AS rows,
               count(*) FILTER (WHERE date_precision = 'minute') AS rows_with_time,
               min(occurred_at) AS first, max(occurred_at) AS last
        FROM incidents
        WHERE ? IS NULL OR layer = ?
        GROUP BY source
        ORDER BY rows_with_time DESC, rows DESC, source
        """,
        [layer, layer],
    ).df()


def default_source(con: duckdb.DuckDBPyConnection, layer: str | None = None) -> str | None:
    """The source to read by default: the one with most exact-time rows (then most rows)."""
    table = sources(con, layer)
    return None if table.empty else str(table.iloc[0]["source"])


def categories(con: duckdb.DuckDBPyConnection, source: str, layer: str | None = None) -> list[str]:
    """Categories present for ``source`` (and ``layer``), most frequent first."""
    rows = con.execute(
        """
        SELECT category FROM incidents
        WHERE source = ? AND (? IS NULL OR layer = ?)
        GROUP BY category ORDER BY count(*) DESC, category
        """,
        [source, layer, layer],
    ).fetchall()
    return [r[0] for r in rows]


def layers(con: duckdb.DuckDBPyConnection, source: str | None = None) -> list[str]:
    """Layers present (for ``source``), most rows first."""
    rows = con.execute(
        "SELECT layer FROM incidents WHERE ? IS NULL OR source = ? GROUP BY layer ORDER BY count(*) DESC",
        [source, source],
    ).fetchall()
    return [r[0] for r in rows]


def date_span(con: duckdb.DuckDBPyConnection, source: str, layer: str | None = None) -> tuple[datetime, datetime] | None:
    """First and last ``occurred_at`` for ``source`` (and ``layer``), or None when empty."""
    row = con.execute(
        "SELECT min(occurred_at), max(occurred_at) FROM incidents WHERE source = ? AND (? IS NULL OR layer = ?)",
        [source, layer, layer],
    ).fetchone()
    return None if row[0] is None else (row[0], row[1])

