"""What an importer kind declares, and the position columns they share."""

from dataclasses import dataclass, field
from typing import Callable

from queries.importing.columns import Column
from queries.importing.sqlparts import bad_number, number, text

#: Columns every kind's SELECT produces from the staging table (besides ``line`` and ``reason``).
CANDIDATE_COLUMNS = (
    "layer", "category", "subcategory", "occurred_at", "date_precision",
    "pos_kind", "x", "y", "postcode", "location", "lsoa21cd", "location_method", "given_key",
    "outcome", "reported_by", "offence_group", "domestic_abuse", "alcohol_related", "hate",
    "waste_type", "size", "land_type",
    "fire_type", "fire_category", "cause", "area_burnt_m2",
)
CANDIDATE_TYPES = {
    "occurred_at": "TIMESTAMP", "x": "DOUBLE", "y": "DOUBLE", "area_burnt_m2": "DOUBLE",
    "domestic_abuse": "BOOLEAN", "alcohol_related": "BOOLEAN", "hate": "BOOLEAN",
}

POSITION_COLUMNS = [
    Column("easting", ("x", "east", "eastings", "grid easting")),
    Column("northing", ("y", "north", "northings", "grid northing")),
    Column("latitude", ("lat",)),
    Column("longitude", ("lon", "lng", "long")),
    Column("postcode", ("post code", "postal code")),
]
POSITION_OPTIONS = ("easting+northing", "latitude+longitude", "postcode")


@dataclass
class Selection:
    """SQL for one kind: an expression per candidate column, and reasons to reject a row."""

    exprs: dict[str, str]
    reasons: list[tuple[str, str]] = field(default_factory=list)
    #: Named expressions computed once per row before ``exprs`` and ``reasons``, which may use them by name.
    pre: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """An importer: its columns and how it turns a staging row into a candidate incident."""

    name: str
    default_source: str
    columns: list[Column]
    select: Callable[[dict[str, str]], Selection]
    position_options: tuple[str, ...] = POSITION_OPTIONS
    #: The file's own LSOA code decides whether a row is in the borough (police.uk's attribution).
    lsoa_decides_within: bool = False


def position(cols: dict[str, str]) -> Selection:
    """Pick the position the row gives: easting/northing, else latitude/longitude, else postcode."""
    e, n = cols.get("easting"), cols.get("northing")
    lat, lon = cols.get("latitude"), cols.get("longitude")
    pc = cols.get("postcode")
    has = {
        "bng": f"({text(e)} IS NOT NULL AND {text(n)} IS NOT NULL)" if e and n else "false",
        "wgs84": f"({text(lat)} IS NOT NULL AND {text(lon)} IS NOT NULL)" if lat and lon else "false",
        "postcode": f"{text(pc)} IS NOT NULL" if pc else "false",
    }
    pos_kind = (
        f"CASE WHEN {has['bng']} THEN 'bng' WHEN {has['wgs84']} THEN 'wgs84' "
        f"WHEN {has['postcode']} THEN 'postcode' ELSE 'none' END"
    )
    exprs = {
        "pos_kind": pos_kind,
        "x": f"CASE WHEN {has['bng']} THEN {number(e)} WHEN {has['wgs84']} THEN {number(lon)} END",
        "y": f"CASE WHEN {has['bng']} THEN {number(n)} WHEN {has['wgs84']} THEN {number(lat)} END",
        "postcode": text(pc),
    }
    reasons = []
    for a, b, an, bn in ((e, n, "easting", "northing"), (lat, lon, "latitude", "longitude")):
        if a and b:
            reasons += [
                (f"({text(a)} IS NULL) <> ({text(b)} IS NULL)", f"'{an} and {bn} must both be given or both be empty'"),
                (bad_number(a), f"'{an} ' || '\"' || trim({a}) || '\"' || ' is not a number'"),
                (bad_number(b), f"'{bn} ' || '\"' || trim({b}) || '\"' || ' is not a number'"),
            ]
    return Selection(exprs, reasons)
