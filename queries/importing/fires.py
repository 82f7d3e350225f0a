"""``fires``: a fire and rescue service incident export (layout in docs/formats.md)."""

from queries.importing.columns import Column
from queries.importing.kind import Kind, Selection, position
from queries.importing.sqlparts import bad_number, bad_time, date_reasons, number, precision, quoted, text, timestamp

COLUMNS = [
    Column("incident_number", ("incident no", "incident id", "incident ref", "incident reference"), required=True),
    Column("call_datetime", ("date time of call", "date", "occurred_at", "incident date", "call date"), required=True),
    Column("time", ("time of call", "call time")),
    Column("location", ("address", "street")),
    Column("location_type", ("property type group", "property category", "location type"), required=True),
    Column("property_type", ("property type",)),
    Column("incident_category", ("fire category", "primary secondary", "category")),
    Column("cause", ("motive", "deliberate accidental", "fire cause")),
    Column("area_burnt_m2", ("area burnt", "area damaged m2", "area", "area burnt m2")),
]


def _fire_category(col: str | None) -> str:
    if col is None:
        return "NULL"
    v = f"lower(trim({col}))"
    return f"CASE WHEN {v} LIKE 'primary%' THEN 'primary' WHEN {v} LIKE 'secondary%' THEN 'secondary' ELSE NULLIF({v}, '') END"


def _cause(col: str | None) -> str:
    if col is None:
        return "NULL"
    v = f"lower(trim({col}))"
    return (
        f"CASE WHEN {v} LIKE 'deliberate%' THEN 'deliberate' WHEN {v} LIKE 'accidental%' THEN 'accidental' "
        f"WHEN {v} = '' THEN NULL ELSE 'not known' END"
    )


def _select(cols: dict[str, str]) -> Selection:
    pos = position(cols)
    when, time_col, area = cols["call_datetime"], cols.get("time"), cols.get("area_burnt_m2")
    ts = timestamp(when, time_col)
    exprs = {
        **pos.exprs,
        "layer": "'fire'",
        "category": text(cols["location_type"]),
        "subcategory": text(cols.get("property_type")),
        "occurred_at": ts,
        "date_precision": precision(when, time_col),
        "location": text(cols.get("location")),
        "given_key": text(cols["incident_number"]),
        "fire_type": text(cols.get("property_type")),
        "fire_category": _fire_category(cols.get("incident_category")),
        "cause": _cause(cols.get("cause")),
        "area_burnt_m2": number(area),
    }
    reasons = [
        (f"{text(cols['incident_number'])} IS NULL", "'incident_number is empty'"),
        *date_reasons("call_datetime", when, ts),
        (bad_time(time_col), f"'time ' || {quoted(time_col)} || ' is not HH:MM'" if time_col else "NULL"),
        (f"{text(cols['location_type'])} IS NULL", "'location_type is empty'"),
        (bad_number(area), f"'area_burnt_m2 ' || {quoted(area)} || ' is not a number'" if area else "NULL"),
        (f"{number(area)} < 0", f"'area_burnt_m2 ' || {quoted(area)} || ' is negative'" if area else "NULL"),
        # A half-given pair is named before "no position", which it would otherwise also be.
        *pos.reasons,
        (f"{pos.exprs['pos_kind']} = 'none'", "'no position: easting/northing, latitude/longitude or postcode is empty'"),
    ]
    return Selection(exprs, reasons, pos.pre)


KIND = Kind(name="fires", default_source="kfrs", columns=COLUMNS, select=_select)
