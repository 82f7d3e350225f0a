"""``fly-tipping``: a council enforcement log (layout in docs/formats.md)."""

from queries.importing.columns import Column
from queries.importing.kind import Kind, Selection, position
from queries.importing.sqlparts import bad_time, date_reasons, precision, quoted, text, timestamp
from queries.importing.vocab import canonical_sql

WASTE_TYPES = (
    "Animal carcass", "Asbestos", "Black bags - commercial", "Black bags - household", "Chemical drums, oil, fuel",
    "Clinical", "Construction/demolition/excavation", "Green", "Household", "Other (unidentified)",
    "Other commercial", "Other electrical", "Other household", "Tyres", "Vehicle parts", "White goods",
)
#: DEFRA's size categories, smallest first.
SIZES = (
    "Single black bag", "Single item", "Car boot or less", "Small van load", "Transit van load",
    "Tipper lorry load", "Significant/multiple loads",
)
LAND_TYPES = (
    "Highway", "Footpath/bridleway", "Back alleyway", "Railway", "Council land", "Agricultural",
    "Private residential", "Commercial/industrial", "Watercourse/bank", "Other",
)

COLUMNS = [
    Column("reference", ("ref", "case reference", "incident reference", "id", "case ref"), required=True),
    Column("date", ("date reported", "incident date", "occurred_at", "date time"), required=True),
    Column("time", ("time reported", "incident time")),
    Column("location", ("street", "address", "location description")),
    Column("waste_type", ("waste", "type", "waste type"), required=True),
    Column("size", ("incident size", "quantity")),
    Column("land_type", ("land", "land use")),
]


def _select(cols: dict[str, str]) -> Selection:
    pos = position(cols)
    when, time_col, waste = cols["date"], cols.get("time"), cols["waste_type"]
    ts = timestamp(when, time_col)
    size = canonical_sql(cols.get("size"), SIZES)
    exprs = {
        **pos.exprs,
        "layer": "'fly-tipping'",
        "category": canonical_sql(waste, WASTE_TYPES),
        "subcategory": size,
        "occurred_at": ts,
        "date_precision": precision(when, time_col),
        "location": text(cols.get("location")),
        "given_key": text(cols["reference"]),
        "waste_type": canonical_sql(waste, WASTE_TYPES),
        "size": size,
        "land_type": canonical_sql(cols.get("land_type"), LAND_TYPES),
    }
    reasons = [
        (f"{text(cols['reference'])} IS NULL", "'reference is empty'"),
        *date_reasons("date", when, ts),
        (bad_time(time_col), f"'time ' || {quoted(time_col)} || ' is not HH:MM'" if time_col else "NULL"),
        (f"{text(waste)} IS NULL", "'waste_type is empty'"),
        # A half-given pair is named before "no position", which it would otherwise also be.
        *pos.reasons,
        (f"{pos.exprs['pos_kind']} = 'none'", "'no position: easting/northing, latitude/longitude or postcode is empty'"),
    ]
    return Selection(exprs, reasons, pos.pre)


KIND = Kind(name="fly-tipping", default_source="fly-tipping-log", columns=COLUMNS, select=_select)
