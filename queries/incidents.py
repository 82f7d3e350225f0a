"""Filtered frames of incidents, read from the store.

Every filter value is a bound parameter. A query always names its source: two
sources can describe the same crimes (police.uk and a police extract), so they are
never added together silently; ``default_source`` picks the one with exact times.
"""

import math
import numbers
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


class FilterError(ValueError):
    """A filter value of the wrong kind (a number for a source, a string for a date...); the message names it."""


def shown(value) -> str:
    """``value`` for a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_text(name: str, value, *, optional: bool = False) -> str | None:
    """``value`` if it is a string (or None when ``optional``), else ``FilterError`` naming ``name``."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise FilterError(f"{name} must be text, not {type(value).__name__} {shown(value)}")
    return value


def check_items(name: str, values, check, *, optional: bool = True) -> tuple | None:
    """``values`` (a list, tuple or set) as a tuple of ``check(item)``, or None when ``optional``.

    A bare string is refused rather than read as its characters.
    """
    if values is None and optional:
        return None
    if isinstance(values, (str, bytes)) or not isinstance(values, (tuple, list, set, frozenset)):
        raise FilterError(f"{name} must be a list, not {type(values).__name__} {shown(values)}")
    return tuple(check(v) for v in values)


def check_names(name: str, values, *, optional: bool = True) -> tuple[str, ...] | None:
    """``values`` as a tuple of strings (a list or tuple of them), or None when ``optional``."""
    return check_items(name, values, lambda v: check_text(f"each of {name}", v), optional=optional)


def check_when(name: str, value, *, optional: bool = True) -> date | None:
    """A date or datetime (``pandas.Timestamp`` included), or None when ``optional``."""
    if value is None and optional:
        return None
    if not isinstance(value, date):
        raise FilterError(f"{name} must be a date, not {type(value).__name__} {shown(value)}")
    if isinstance(value, datetime) and value != value:  # NaT
        raise FilterError(f"{name} must be a date, not NaT")
    return value


def check_whole(name: str, value, *, optional: bool = True, minimum: int | None = None) -> int | None:
    """A whole number (not a bool), at least ``minimum``, or None when ``optional``."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise FilterError(f"{name} must be a whole number, not {type(value).__name__} {shown(value)}")
    if minimum is not None and value < minimum:
        raise FilterError(f"{name} must be at least {minimum}, not {value}")
    if not -(2**63) <= value < 2**63:
        raise FilterError(f"{name} is out of range: {shown(value)}")
    return int(value)


@dataclass(frozen=True)
class IncidentFilter:
    """What to read. ``None`` means no restriction on that field.

    Values are checked when the filter is made: a value of the wrong kind raises
    ``FilterError`` (a ``ValueError``) naming the field, rather than reaching SQL.
    """

    source: str
    layers: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    start: datetime | date | None = None  # inclusive
    end: datetime | date | None = None  # exclusive
    bbox: tuple[float, float, float, float] | None = None  # (min_e, min_n, max_e, max_n), EPSG:27700
    located_only: bool = True

    def __post_init__(self):
        check_text("source", self.source)
        object.__setattr__(self, "layers", check_names("layers", self.layers))
        object.__setattr__(self, "categories", check_names("categories", self.categories))
        check_when("start", self.start)
        check_when("end", self.end)
        if self.bbox is not None:
            box = self.bbox
            if isinstance(box, (str, bytes)) or not isinstance(box, (tuple, list)) or len(box) != 4 or any(
                isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v) for v in box
            ):
                raise FilterError(f"bbox must be four numbers (min_e, min_n, max_e, max_n), not {shown(box)}")
            object.__setattr__(self, "bbox", tuple(float(v) for v in box))
        if not isinstance(self.located_only, bool):
            raise FilterError(f"located_only must be True or False, not {shown(self.located_only)}")


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
    columns = check_names("columns", columns, optional=False)
    if not columns:
        raise FilterError("no columns asked for")
    unknown = set(columns) - set(INCIDENT_COLUMNS)
    if unknown:
        raise FilterError(f"unknown incident columns: {shown(sorted(unknown))}")
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
    check_text("layer", layer, optional=True)
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
    check_text("source", source)
    check_text("layer", layer, optional=True)
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
    check_text("source", source, optional=True)
    rows = con.execute(
        "SELECT layer FROM incidents WHERE ? IS NULL OR source = ? GROUP BY layer ORDER BY count(*) DESC",
        [source, source],
    ).fetchall()
    return [r[0] for r in rows]


def date_span(con: duckdb.DuckDBPyConnection, source: str, layer: str | None = None) -> tuple[datetime, datetime] | None:
    """First and last ``occurred_at`` for ``source`` (and ``layer``), or None when empty."""
    check_text("source", source)
    check_text("layer", layer, optional=True)
    row = con.execute(
        "SELECT min(occurred_at), max(occurred_at) FROM incidents WHERE source = ? AND (? IS NULL OR layer = ?)",
        [source, layer, layer],
    ).fetchone()
    return None if row[0] is None else (row[0], row[1])

