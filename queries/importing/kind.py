"""What an importer kind declares, and the position columns they share."""

from dataclasses import dataclass, field
from typing import Callable

from queries.importing.columns import Column
from queries.importing.sqlparts import text

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
    """Pick the position the row gives: easting/northing, else latitude/longitude, else postcode.

    Each coordinate is trimmed and cast once (in ``pre``); the choice, the values and
    the checks all read those columns.
    """
    pre = {}
    for name in ("easting", "northing", "latitude", "longitude"):
        if cols.get(name):
            pre[f"_t_{name}"] = text(cols[name])
            pre[f"_n_{name}"] = f"TRY_CAST(_t_{name} AS DOUBLE)"
    given = lambda name: f"_t_{name} IS NOT NULL"  # noqa: E731
    pc = cols.get("postcode")
    has = {
        "bng": f"({given('easting')} AND {given('northing')})" if "_t_easting" in pre and "_t_northing" in pre else "false",
        "wgs84": f"({given('latitude')} AND {given('longitude')})" if "_t_latitude" in pre and "_t_longitude" in pre else "false",
        "postcode": f"{text(pc)} IS NOT NULL" if pc else "false",
    }
    pos_kind = (
        f"CASE WHEN {has['bng']} THEN 'bng' WHEN {has['wgs84']} THEN 'wgs84' "
        f"WHEN {has['postcode']} THEN 'postcode' ELSE 'none' END"
    )
    pick = lambda bng, wgs: (  # noqa: E731
        "CASE"
        + (f" WHEN {has['bng']} THEN _n_{bng}" if has["bng"] != "false" else "")
        + (f" WHEN {has['wgs84']} THEN _n_{wgs}" if has["wgs84"] != "false" else "")
        + " ELSE NULL END"
    )
    exprs = {"pos_kind": pos_kind, "x": pick("easting", "longitude"), "y": pick("northing", "latitude"), "postcode": text(pc)}
    reasons = []
    for a, b in (("easting", "northing"), ("latitude", "longitude")):
        if f"_t_{a}" in pre and f"_t_{b}" in pre:
            reasons.append(
                (f"(_t_{a} IS NULL) <> (_t_{b} IS NULL)", f"'{a} and {b} must both be given or both be empty'")
            )
            for c in (a, b):
                reasons.append(
                    (f"(_t_{c} IS NOT NULL AND (_n_{c} IS NULL OR NOT isfinite(_n_{c})))",
                     f"'{c} ' || '\"' || _t_{c} || '\"' || ' is not a number'")
                )
    return Selection(exprs, reasons, pre)
