"""``police-extract``: a CSP police extract with exact dates and times (layout in docs/formats.md)."""

from queries.importing.columns import Column
from queries.importing.kind import Kind, Selection, position
from queries.importing.police_uk import ASB, crime_type_sql
from queries.importing.sqlparts import (
    bad_flag, bad_time, date_reasons, flag, precision, quoted, text, timestamp,
)

COLUMNS = [
    Column("crime_ref", ("crime reference", "crime number", "crime no", "urn", "reference"), required=True),
    Column("occurred_at", ("committed from", "date", "date time", "datetime", "offence date"), required=True),
    Column("time", ("committed time", "time committed")),
    Column("crime_type", ("police uk type", "police uk crime type", "type"), required=True),
    Column("offence_group", ("home office group", "ho offence group", "offence group")),
    Column("offence", ("offence description", "ho offence", "description")),
    Column("domestic_abuse", ("da flag", "domestic", "domestic abuse flag")),
    Column("alcohol_related", ("alcohol flag", "alcohol")),
    Column("hate", ("hate flag", "hate crime")),
    Column("location", ("street", "address", "location description")),
    Column("lsoa_code", ("lsoa", "lsoa21cd", "lsoa code")),
    Column("outcome", ("last outcome", "outcome category")),
]
FLAGS = ("domestic_abuse", "alcohol_related", "hate")


def _select(cols: dict[str, str]) -> Selection:
    pos = position(cols)
    when, time_col, ctype_col = cols["occurred_at"], cols.get("time"), cols["crime_type"]
    ts = timestamp(when, time_col)
    ctype = crime_type_sql(ctype_col)
    exprs = {
        **pos.exprs,
        "layer": f"CASE WHEN {ctype} = '{ASB}' THEN 'asb' ELSE 'offence' END",
        "category": ctype,
        "subcategory": text(cols.get("offence")),
        "occurred_at": ts,
        "date_precision": precision(when, time_col),
        "location": text(cols.get("location")),
        "lsoa21cd": text(cols.get("lsoa_code")),
        "given_key": text(cols["crime_ref"]),
        "outcome": text(cols.get("outcome")),
        "offence_group": text(cols.get("offence_group")),
        **{f: flag(cols.get(f)) for f in FLAGS},
    }
    reasons = [
        (f"{text(cols['crime_ref'])} IS NULL", "'crime_ref is empty'"),
        *date_reasons("occurred_at", when, ts),
        (bad_time(time_col), f"'time ' || {quoted(time_col)} || ' is not HH:MM'" if time_col else "NULL"),
        (f"{text(ctype_col)} IS NULL", "'crime_type is empty'"),
        (f"{ctype} IS NULL", f"'crime_type ' || {quoted(ctype_col)} || ' is not one of the 14 police.uk crime types'"),
        *[(bad_flag(cols.get(f)), f"'{f} ' || {quoted(cols[f])} || ' is not a yes/no flag'") for f in FLAGS if cols.get(f)],
        # A half-given pair is named before "no position", which it would otherwise also be.
        *pos.reasons,
        (f"{pos.exprs['pos_kind']} = 'none'", "'no position: easting/northing, latitude/longitude or postcode is empty'"),
    ]
    return Selection(exprs, reasons, pos.pre)


KIND = Kind(name="police-extract", default_source="police-extract", columns=COLUMNS, select=_select)
