"""``police-uk``: the street-level CSV exactly as police.uk publishes it."""

from queries.importing.columns import Column
from queries.importing.kind import Kind, Selection, position
from queries.importing.sqlparts import quoted, text
from queries.importing.vocab import vocabulary_sql

#: The 14 police.uk crime types; anti-social behaviour is its own layer.
CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)
ASB = "Anti-social behaviour"

COLUMNS = [
    Column("crime_id", ("crime id",), required=True),
    Column("month", required=True),
    Column("reported_by", ("reported by",), required=True),
    Column("falls_within", ("falls within",)),
    Column("longitude", required=True),
    Column("latitude", required=True),
    Column("location", required=True),
    Column("lsoa_code", ("lsoa code",), required=True),
    Column("lsoa_name", ("lsoa name",)),
    Column("crime_type", ("crime type",), required=True),
    Column("last_outcome_category", ("last outcome category",)),
    Column("context"),
]


def crime_type_sql(col: str) -> str:
    """The canonical police.uk crime type for a (case- or space-varied) value, else NULL."""
    return vocabulary_sql(col, CRIME_TYPES)


def month_sql(col: str) -> str:
    return f"try_strptime(trim({col}) || '-01', '%Y-%m-%d')"


def _key(cols: dict[str, str]) -> str:
    """The Crime ID, qualified by where, when and what.

    police.uk repeats a Crime ID on rows with different places and outcomes (three
    pairs in Kent's January 2024 file), so the ID alone would merge distinct rows;
    the outcome is left out so a re-download with updated outcomes still matches.
    """
    # Untrimmed: police.uk fields carry no padding, and trimming a million rows costs.
    parts = ", ".join(f"coalesce({cols[c]}, '')" for c in ("month", "longitude", "latitude", "lsoa_code", "crime_type"))
    crime_id = cols["crime_id"]
    return f"CASE WHEN {text(crime_id)} IS NOT NULL THEN concat_ws('|', {crime_id}, {parts}) END"


def _select(cols: dict[str, str]) -> Selection:
    pos = position(cols)
    pre = {"_ctype": crime_type_sql(cols["crime_type"]), "_month": month_sql(cols["month"])}
    ctype, month = "_ctype", "_month"
    lsoa = text(cols["lsoa_code"])
    exprs = {
        **pos.exprs,
        "layer": f"CASE WHEN {ctype} = '{ASB}' THEN 'asb' ELSE 'offence' END",
        "category": ctype,
        "subcategory": "NULL",
        "occurred_at": month,
        "date_precision": "'month'",
        "location": f"CASE WHEN {text(cols['location'])} = 'No Location' THEN NULL ELSE {text(cols['location'])} END",
        "lsoa21cd": lsoa,
        "location_method": "CASE WHEN " + pos.exprs["pos_kind"] + " = 'none' THEN 'none' ELSE 'snap-point' END",
        "given_key": _key(cols),
        "outcome": text(cols.get("last_outcome_category")),
        "reported_by": text(cols["reported_by"]),
    }
    c_month, c_type = cols["month"], cols["crime_type"]
    reasons = [
        (f"{text(c_month)} IS NULL", "'Month is empty'"),
        (f"{month} IS NULL", f"'Month ' || {quoted(c_month)} || ' is not a YYYY-MM month'"),
        (f"{month} > date_trunc('month', $now)", f"'Month ' || {quoted(c_month)} || ' is in the future'"),
        (f"{month} < DATE '2010-12-01'", f"'Month ' || {quoted(c_month)} || ' is before police.uk began (2010-12)'"),
        (f"{text(c_type)} IS NULL", "'Crime type is empty'"),
        (f"{ctype} IS NULL", f"'Crime type ' || {quoted(c_type)} || ' is not one of the 14 police.uk crime types'"),
        (f"{lsoa} IS NOT NULL AND NOT regexp_full_match({lsoa}, '[EW]0[01]\\d{{6}}')",
         f"'LSOA code ' || {quoted(cols['lsoa_code'])} || ' is not an LSOA code'"),
        *pos.reasons,
    ]
    return Selection(exprs, reasons, {**pos.pre, **pre})


KIND = Kind(
    name="police-uk",
    default_source="police.uk",
    columns=COLUMNS,
    select=_select,
    position_options=("latitude+longitude",),
    lsoa_decides_within=True,
)
