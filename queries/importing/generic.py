"""``generic``: CSV, XLSX or GeoJSON, with a TOML mapping file naming the columns.

The file is turned into delimited text (spreadsheet rows and GeoJSON features keep
their numbering: line N is sheet row N, or feature N-1 after the header line) and
then goes through the same pipeline as every other kind.
"""

import csv
import io
import tomllib
from pathlib import Path

from queries.importing.columns import Column
from queries.importing.errors import ImportFailed
from queries.importing.kind import POSITION_OPTIONS, Kind, Selection, position
from queries.importing.reading import SourceText, prepare_text
from queries.importing.sqlparts import (
    bad_number, bad_time, date_reasons, literal, number, precision, quoted, text, timestamp,
)
from queries.schema import LAYERS

#: Mapping keys that name a column of the file, and the incident field each fills.
COLUMN_KEYS = {
    "key": "given_key", "category": "category", "subcategory": "subcategory", "date": None, "time": None,
    "easting": None, "northing": None, "latitude": None, "longitude": None, "postcode": None,
    "location": "location", "lsoa": "lsoa21cd", "layer_column": None,
    "outcome": "outcome", "offence_group": "offence_group",
    "waste_type": "waste_type", "size": "size", "land_type": "land_type",
    "fire_type": "fire_type", "fire_category": "fire_category", "cause": "cause", "area_burnt_m2": None,
}
OTHER_KEYS = {"source", "layer", "sheet"}
GEOMETRY_E, GEOMETRY_N = "__easting", "__northing"


def load_mapping(path: Path) -> dict:
    """Read and check a mapping file; every problem is named with the file."""
    try:
        mapping = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFailed(path, "mapping file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ImportFailed(path, f"is not a valid TOML mapping file: {exc}") from None
    unknown = set(mapping) - set(COLUMN_KEYS) - OTHER_KEYS
    problems = []
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)} (known: {sorted([*COLUMN_KEYS, *OTHER_KEYS])})")
    for key, value in mapping.items():
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a non-empty string")
    for key in ("source", "category", "date"):
        if key not in mapping:
            problems.append(f"{key!r} is required")
    if ("layer" in mapping) == ("layer_column" in mapping):
        problems.append(f"give exactly one of 'layer' (one of {', '.join(LAYERS)}) or 'layer_column'")
    elif "layer" in mapping and mapping["layer"] not in LAYERS:
        problems.append(f"layer {mapping['layer']!r} is not one of {', '.join(LAYERS)}")
    if problems:
        raise ImportFailed(path, "; ".join(problems))
    return mapping


def prepare(path: Path, mapping_path: Path) -> tuple[Kind, SourceText]:
    """The kind described by the mapping, and the file made ready for the pipeline."""
    mapping = load_mapping(mapping_path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        src = _from_rows(path, _excel_rows(path, mapping.get("sheet")))
    elif suffix in (".geojson", ".json"):
        mapping = {**mapping, "easting": GEOMETRY_E, "northing": GEOMETRY_N}
        for k in ("latitude", "longitude", "postcode"):
            mapping.pop(k, None)
        src = _from_rows(path, _geojson_rows(path))
    else:
        src = prepare_text(path)
    return _kind(mapping), src


def _kind(mapping: dict) -> Kind:
    columns = [
        Column(key, (mapping[key],), required=key in ("category", "date", "layer_column"))
        for key in COLUMN_KEYS
        if key in mapping
    ]

    def select(cols: dict[str, str]) -> Selection:
        pos = position(cols)
        when, time_col = cols["date"], cols.get("time")
        ts = timestamp(when, time_col)
        exprs = {**pos.exprs, "occurred_at": ts, "date_precision": precision(when, time_col)}
        for key, field in COLUMN_KEYS.items():
            if field and key in cols:
                exprs[field] = text(cols[key])
        if "area_burnt_m2" in cols:
            exprs["area_burnt_m2"] = number(cols["area_burnt_m2"])
        reasons = [
            *date_reasons(mapping["date"], when, ts),
            (bad_time(time_col), f"'time ' || {quoted(time_col)} || ' is not HH:MM'" if time_col else "NULL"),
            (f"{text(cols['category'])} IS NULL", f"{literal(mapping['category'])} || ' is empty'"),
            (f"{pos.exprs['pos_kind']} = 'none'", "'no position'"),
            *pos.reasons,
        ]
        if "layer_column" in cols:
            layer = f"lower(trim({cols['layer_column']}))"
            exprs["layer"] = layer
            reasons.append(
                (f"{layer} IS NULL OR {layer} NOT IN ({', '.join(repr(x) for x in LAYERS)})",
                 f"'layer ' || {quoted(cols['layer_column'])} || ' is not one of {', '.join(LAYERS)}'")
            )
        else:
            exprs["layer"] = f"'{mapping['layer']}'"
        if "area_burnt_m2" in cols:
            reasons.append((bad_number(cols["area_burnt_m2"]), f"'area_burnt_m2 ' || {quoted(cols['area_burnt_m2'])} || ' is not a number'"))
        return Selection(exprs, reasons, pos.pre)

    return Kind(
        name="generic", default_source=mapping["source"], columns=columns, select=select,
        position_options=tuple(o for o in POSITION_OPTIONS if all(p in mapping for p in o.split("+"))) or POSITION_OPTIONS,
    )


def _from_rows(path: Path, rows: list[list[str]]) -> SourceText:
    if not rows:
        raise ImportFailed(path, "the file is empty")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        # One record per line, so line N stays sheet row N.
        writer.writerow(["" if v is None else str(v).replace("\r", " ").replace("\n", " ") for v in row])
    return prepare_text(path, buffer.getvalue().encode("utf-8"), original=path.read_bytes())


def _excel_rows(path: Path, sheet: str | None) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise ImportFailed(path, f"is not a readable .xlsx workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ImportFailed(path, f"has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet else book.worksheets[0]
        return [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour, value.minute, value.second) != (0, 0, 0) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _geojson_rows(path: Path) -> list[list[str]]:
    import geopandas as gpd

    import geodata

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types
        raise ImportFailed(path, f"is not a readable GeoJSON file: {exc}") from None
    if frame.crs is None:
        frame = frame.set_crs(geodata.WGS84)
    frame = frame.to_crs(geodata.BNG)
    columns = [c for c in frame.columns if c != "geometry"]
    rows = [[*columns, GEOMETRY_E, GEOMETRY_N]]
    for values, geom in zip(frame[columns].itertuples(index=False), frame.geometry):
        if geom is None or geom.is_empty:
            e = n = ""
        else:
            # Non-point features are placed at a point guaranteed to lie on them.
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            e, n = f"{point.x:.2f}", f"{point.y:.2f}"
        rows.append([_cell(v) for v in values] + [e, n])
    return rows
