"""Importers under hostile and broken files: real files on disk, a real store, no mocks.

Hypothesis writes a file for each importer kind (police-uk, police-extract, fly-tipping, fires)
mixing valid rows whose text is hostile (SQL injection classics, quotes, delimiters, line
breaks, ``$now`` and ``?`` as DuckDB would read them in SQL text, HTML, right-to-left marks,
emoji, combining marks, terminal escapes, spreadsheet formulas) with broken rows (bad, future
and ancient dates, non-numbers, half a position, swapped or impossible positions, empty keys,
missing and extra fields, quotes left open, NUL bytes, fields over the limit, blank rows),
repeats of valid rows, and rows outside Dartford, in any delimiter, line end and encoding
(UTF-8 with and without a BOM, UTF-16, Windows-1252), under hostile file and source names.
After a real import:

- the file is imported, or refused whole with ``ImportFailed`` naming it and the store exactly
  as it was;
- ``read == accepted + rejected + outside + duplicate``, each count what the file holds;
- every valid row is stored once, its text exactly as written (hostile text is data);
- every broken row is in ``rejected_rows`` at its line with a reason naming its fault, and a
  row refused for a value keeps its raw text exactly;
- a hostile text stored as a category reads back through the filters as itself.

Generated text starts and ends with a letter: a quote left open in a broken row is closed by
the next quote followed by a delimiter or a line end, which is CSV's own limit (see
tests/importing/test_properties.py), and the importers trim the spaces around a value.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

import geodata
from queries import incidents as q
from queries.importing import ImportFailed, import_file
from queries.importing.columns import normalise
from queries.importing.fires import COLUMNS as FIRES_COLUMNS
from queries.importing.kind import POSITION_COLUMNS
from queries.importing.fly_tipping import LAND_TYPES, SIZES, WASTE_TYPES
from queries.importing.police_uk import CRIME_TYPES
from queries.importing.reading import MAX_FIELD_CHARS
from queries.store import connect
from queries.summary import store_summary

from .conftest import fingerprint

ROOT = Path(__file__).resolve().parents[2]
REAL_POLICE_UK = ROOT / "demo" / "data" / "police_uk" / "2024-01-kent-street-dartford-gravesham.csv"
NOW = datetime(2024, 12, 1, 12, 0)

#: No shrinking: a failing plan is shown line by line (``layout``), and shrinking these files can
#: take many minutes.
SETTINGS = settings(max_examples=30, deadline=None, derandomize=False,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

DARTFORD_EN = (554_000.0, 174_000.0)  # Dartford town, about 700 m inside the borough at most 300 m away
DARTFORD_LONLAT = (0.214, 51.446)  # in LSOA E01024182
DARTFORD_LSOAS = sorted(geodata.dartford_lsoa_codes())[:6]
GRAVESEND_EN = (564_645.0, 174_172.0)  # Gravesham, outside Dartford
GRAVESEND_LONLAT, GRAVESHAM_LSOA = (0.356188, 51.440082), "E01024276"

#: Pieces of hostile text: as SQL, as DuckDB parameters, as CSV, as HTML, as a terminal, as a spreadsheet.
HOSTILE = [
    "'; DROP TABLE incidents; --", "' OR '1'='1", "'); DELETE FROM imports; --", '"', '""', "'", "''", ",", ";", "|",
    "\t", "\n", "%", "_", "\\", "\\'", "$now", "$source", "$1", "?", "{}", "%s", "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", "\u202e", "\u200b", "\ufeff", "\u00a0", "😀", "👨\u200d👩\u200d👧", "e\u0301",
    "Z\u0337\u0322a\u0338", "\x1b[31m", "NULL", "null", "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1", "-1", "ﷺ",
    "日本語", "עברית", "£€’“”–©°½…",
]
#: Windows-1252 text whose non-ASCII bytes are never valid UTF-8 (the importer decodes line by line).
CP1252_EXTRA = "£€’“”–©°½…"


def encodable(text: str, encoding: str) -> bool:
    if encoding != "cp1252":
        return True
    return all(c.isascii() or c in CP1252_EXTRA for c in text)


def letters():
    return st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@st.composite
def hostile_text(draw, encoding: str, max_parts: int = 5) -> str:
    """Text that starts and ends with a letter, with hostile pieces and any other characters between."""
    pieces = [h for h in HOSTILE if encodable(h, encoding)]
    if encoding == "cp1252":
        other = st.text(st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from(CP1252_EXTRA), max_size=6)
    else:
        other = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=6)
    parts = draw(st.lists(st.sampled_from(pieces) | other, max_size=max_parts))
    return draw(letters()) + "".join(parts) + draw(letters())


# ---------------------------------------------------------------- what each kind's rows look like


@dataclass
class Row:
    """One record of the file and what the import must make of it."""

    text: str  # the record as written (may span lines)
    fate: str  # good | bad | outside | dup | blank | header
    words: str = ""  # bad: words the reason must hold
    expect: dict = field(default_factory=dict)  # good: {incident column: stored value}
    key: str = ""  # the row's record key (its lookup in ``incidents``)
    value_fault: bool = False  # bad because of a value (the row parses): its raw text is kept exactly


@dataclass
class Kind:
    name: str
    header: list[str]
    key_column: str
    make: object  # (draw, i, encoding, where) -> (fields, expect, key)
    faults: dict  # name -> (column, value, words)
    oversize_column: str


def en(draw, where: str) -> tuple[str, str]:
    x0, y0 = DARTFORD_EN if where == "inside" else GRAVESEND_EN
    return (str(round(x0 + draw(st.floats(-300, 300)), 1)), str(round(y0 + draw(st.floats(-300, 300)), 1)))


def when(draw, fmt: str = "%Y-%m-%d %H:%M") -> tuple[str, datetime]:
    t = draw(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2024, 11, 30))).replace(
        second=0, microsecond=0)
    return t.strftime(fmt), t


def extract_row(draw, i, encoding, where):
    ctype = draw(st.sampled_from(CRIME_TYPES))
    key = f"R{i}-" + draw(hostile_text(encoding))
    at, t = when(draw)
    e, n = en(draw, where)
    texts = {c: draw(hostile_text(encoding)) for c in ("offence_group", "offence", "location", "outcome")}
    fields = {"crime_ref": key, "occurred_at": at, "crime_type": ctype, "domestic_abuse": "Y", "easting": e,
              "northing": n, **texts}
    expect = {"source_key": key, "category": ctype, "occurred_at": t, "subcategory": texts["offence"],
              "offence_group": texts["offence_group"], "location": texts["location"], "outcome": texts["outcome"],
              "layer": "asb" if ctype == "Anti-social behaviour" else "offence", "domestic_abuse": True}
    return fields, expect, key


def vocab_key(value: str) -> str:
    return "".join(c for c in value.lower() if c in "0123456789abcdefghijklmnopqrstuvwxyz")


def canonical(value: str, vocabulary) -> str:
    by_key = {vocab_key(v): v for v in vocabulary}
    return by_key.get(vocab_key(value), value)


def fly_row(draw, i, encoding, where):
    key = f"F{i}-" + draw(hostile_text(encoding))
    w = draw(st.sampled_from(WASTE_TYPES))
    waste = draw(st.sampled_from([w, w.upper(), w.lower()]) | hostile_text(encoding))
    size = draw(st.sampled_from(["", *SIZES]))
    land = draw(st.sampled_from(["", *LAND_TYPES]))
    at, t = when(draw, "%d/%m/%Y %H:%M")
    e, n = en(draw, where)
    location = draw(hostile_text(encoding))
    fields = {"reference": key, "date": at, "waste_type": waste, "size": size, "land_type": land, "easting": e,
              "northing": n, "location": location}
    expect = {"source_key": key, "occurred_at": t, "category": canonical(waste, WASTE_TYPES),
              "waste_type": canonical(waste, WASTE_TYPES), "size": size or None, "land_type": land or None,
              "location": location, "layer": "fly-tipping"}
    return fields, expect, key


def fire_row(draw, i, encoding, where):
    key = f"K{i}-" + draw(hostile_text(encoding))
    at, t = when(draw, "%Y-%m-%dT%H:%M:%S")
    e, n = en(draw, where)
    texts = {c: draw(hostile_text(encoding)) for c in ("location_type", "property_type", "location")}
    area = draw(st.sampled_from(["", "0", "12.5", "1e3", " 40 "]))
    fields = {"incident_number": key, "call_datetime": at, "incident_category": draw(st.sampled_from(
        ["Primary", "secondary", ""])), "cause": draw(st.sampled_from(["Deliberate", "accidental", ""])),
        "area_burnt_m2": area, "easting": e, "northing": n, **texts}
    expect = {"source_key": key, "occurred_at": t, "category": texts["location_type"],
              "subcategory": texts["property_type"], "fire_type": texts["property_type"],
              "location": texts["location"], "area_burnt_m2": float(area) if area.strip() else None, "layer": "fire"}
    return fields, expect, key


def police_uk_row(draw, i, encoding, where):
    ctype = draw(st.sampled_from(CRIME_TYPES))
    crime_id = f"{i:064x}"
    month = draw(st.sampled_from(["2011-01", "2019-07", "2024-01", "2024-11"]))
    if where == "inside":
        lon, lat = (f"{DARTFORD_LONLAT[0] + draw(st.floats(-0.003, 0.003)):.6f}",
                    f"{DARTFORD_LONLAT[1] + draw(st.floats(-0.002, 0.002)):.6f}")
        lsoa = draw(st.sampled_from(DARTFORD_LSOAS))
    else:
        lon, lat, lsoa = f"{GRAVESEND_LONLAT[0]:.6f}", f"{GRAVESEND_LONLAT[1]:.6f}", GRAVESHAM_LSOA
    location = "On or near " + draw(hostile_text(encoding))
    outcome, reported = draw(hostile_text(encoding)), draw(hostile_text(encoding))
    fields = {"Crime ID": crime_id, "Month": month, "Reported by": reported, "Falls within": reported,
              "Longitude": lon, "Latitude": lat, "Location": location, "LSOA code": lsoa,
              "LSOA name": draw(hostile_text(encoding)), "Crime type": ctype, "Last outcome category": outcome,
              "Context": draw(hostile_text(encoding))}
    expect = {"category": ctype, "occurred_at": datetime.strptime(month, "%Y-%m"), "location": location,
              "outcome": outcome, "reported_by": reported, "lsoa21cd": lsoa,
              "layer": "asb" if ctype == "Anti-social behaviour" else "offence"}
    return fields, expect, crime_id


#: Faults in one value: {name: ({column: value}, words the reason must hold)}.
DATE_FAULTS = {
    "impossible date": ("2024-02-30", "is not a date"),
    "text date": ("'; DROP TABLE incidents; --", "is not a date"),
    "empty date": ("", "is empty"),
    "future": ("2031-05-01 10:00", "is in the future"),
    "ancient": ("1985-06-01", "before 1990"),
}
POSITION_FAULTS = {
    "not a number": ({"easting": "55400O"}, 'easting "55400O" is not a number'),
    "nan": ({"easting": "NaN"}, 'easting "NaN" is not a number'),
    "infinite": ({"northing": "1e400"}, 'northing "1e400" is not a number'),
    "half pair": ({"northing": ""}, "easting and northing must both be given"),
    "swapped": ({"easting": "174000", "northing": "554000"}, "easting and northing look swapped"),
    "degrees": ({"easting": "0.21", "northing": "51.44"}, "look like degrees"),
    "zero": ({"easting": "0", "northing": "0"}, "is not a position"),
}


def faults(key: str, date: str, extra: dict) -> dict:
    out = {k: ({date: v}, w) for k, (v, w) in DATE_FAULTS.items()}
    out.update(POSITION_FAULTS)
    out["empty key"] = ({key: "  "}, f"{key} is empty")
    out.update({k: ({c: v}, w) for k, (c, v, w) in extra.items()})
    return out


KINDS = {
    "police-extract": Kind(
        "police-extract",
        ["crime_ref", "occurred_at", "crime_type", "offence_group", "offence", "domestic_abuse", "easting",
         "northing", "location", "outcome"],
        "crime_ref", extract_row,
        faults("crime_ref", "occurred_at", {
            "unknown type": ("crime_type", "'; DROP TABLE incidents; --", "is not one of the 14 police.uk crime types"),
            "bad flag": ("domestic_abuse", "perhaps", "is not a yes/no flag"),
        }),
        "offence"),
    "fly-tipping": Kind(
        "fly-tipping",
        ["reference", "date", "waste_type", "size", "land_type", "easting", "northing", "location"],
        "reference", fly_row,
        faults("reference", "date", {"no waste type": ("waste_type", "", "waste_type is empty")}),
        "location"),
    "fires": Kind(
        "fires",
        ["incident_number", "call_datetime", "location_type", "property_type", "incident_category", "cause",
         "area_burnt_m2", "easting", "northing", "location"],
        "incident_number", fire_row,
        faults("incident_number", "call_datetime", {
            "no location type": ("location_type", "", "location_type is empty"),
            "area text": ("area_burnt_m2", "12m2", '"12m2" is not a number'),
            "area negative": ("area_burnt_m2", "-5", "is negative"),
        }),
        "property_type"),
    "police-uk": Kind(
        "police-uk",
        ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
         "LSOA name", "Crime type", "Last outcome category", "Context"],
        "Crime ID", police_uk_row,
        {k: ({c: v}, w) for k, (c, v, w) in {
            "bad month": ("Month", "2024-13", "is not a YYYY-MM month"),
            "text month": ("Month", "'; DROP TABLE incidents; --", "is not a YYYY-MM month"),
            "future month": ("Month", "2025-01", "is in the future"),
            "before police.uk": ("Month", "2009-12", "before police.uk began"),
            "unknown type": ("Crime type", "<img src=x onerror=alert(1)>", "is not one of the 14 police.uk crime types"),
            "no type": ("Crime type", "", "Crime type is empty"),
            "bad longitude": ("Longitude", "0.2x", 'longitude "0.2x" is not a number'),
            "impossible latitude": ("Latitude", "95.5", "not in Great Britain"),
            "half pair": ("Latitude", "", "must both be given"),
            "bad lsoa": ("LSOA code", "E01'; --", "is not an LSOA code"),
        }.items()},
        "Location"),
}
LINE_FAULTS = ["too many", "too few", "open quote", "text after quote", "blank fields", "spaces", "nul", "oversize"]
#: Hostile names for the file and the source.
FILE_NAMES = ["plain.csv", "it's; DROP TABLE imports; --.csv", "x[1].csv", "a*b?.csv", "$now.csv", "<b>.csv",
              "ü€😀.csv", "new\nline.csv", "data.csv.gz", "data.csv.zst", "{a,b}.csv"]
SOURCES = [None, "'; DROP TABLE incidents; --", "src' OR '1'='1", "😀\u202e", "%", "$source"]


def row_text(fields: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerow(fields)
    return buf.getvalue()[:-1]


@dataclass
class Plan:
    kind: Kind
    delimiter: str
    newline: str
    encoding: str
    within: str
    file_name: str
    source: str | None
    rows: list[Row] = field(default_factory=list)

    def text(self) -> str:
        return self.newline.join(r.text for r in self.rows) + self.newline

    def lines(self):
        """(physical line, row) for each record, numbering lines from 1 (the header)."""
        line = 1
        for r in self.rows:
            yield line, r
            line += r.text.count("\n") + 1


def line_fault(draw, fault: str, fields: dict, kind: Kind, d: str, encoding: str) -> Row:
    header = kind.header
    n = len(header)
    values = [fields[c] for c in header]
    if fault == "too many":
        return Row(row_text(values, d) + d + "extra", "bad", f"has {n + 1} fields, the header has {n}")
    if fault == "too few":
        return Row(row_text(values[:-1], d), "bad", f"has {n - 1} fields, the header has {n}")
    if fault in ("open quote", "text after quote"):
        # On one line: where a record with a broken quote ends is anyone's guess, and the importer
        # refuses its line; a line break in a later field of it would make the rest a row of its own.
        i = header.index(kind.oversize_column)
        values = [v.replace("\n", " ") for v in values]
        values[i] = "PLACEHOLDER"
        bad = '"On or near High Street' if fault == "open quote" else '"High"Street'
        return Row(row_text(values, d).replace("PLACEHOLDER", bad), "bad", "quote")
    if fault == "blank fields":
        return Row(d * (n - 1), "bad", "the row is empty")
    if fault == "spaces":
        return Row("   ", "bad", "the row is empty")
    if fault == "nul":
        # On one line: a NUL byte costs its physical line, so a record over several lines would
        # leave the rest of it as rows of their own (see test_a_nul_byte_in_a_record_over_two_lines).
        i = header.index(kind.oversize_column)
        values = [v.replace("\n", " ") for v in values]
        values[i] = "a\x00b"
        return Row(row_text(values, d), "bad", "NUL byte")
    if fault == "oversize":
        i = header.index(kind.oversize_column)
        size = draw(st.sampled_from([MAX_FIELD_CHARS + 1, MAX_FIELD_CHARS + 7, 5_000]))
        filler = draw(hostile_text(encoding))
        values[i] = (filler * (size // len(filler) + 1))[:size - 1] + "z"
        return Row(row_text(values, d), "bad", f'field "{kind.oversize_column}" is {size} characters long',
                   value_fault=True)
    raise AssertionError(fault)


@st.composite
def plans(draw, kind_name: str) -> Plan:
    kind = KINDS[kind_name]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    plan = Plan(kind, draw(st.sampled_from([",", ",", ";", "\t", "|"])), draw(st.sampled_from(["\n", "\r\n"])),
                encoding, draw(st.sampled_from(["none", "dartford"])), draw(st.sampled_from(FILE_NAMES)),
                draw(st.sampled_from(SOURCES)))
    plan.rows.append(Row(plan.delimiter.join(kind.header), "header"))
    goods: list[Row] = []
    for i in range(draw(st.integers(0, 25))):
        roll = draw(st.integers(0, 19))
        if roll == 0:
            plan.rows.append(Row("", "blank"))
            continue
        if roll == 1 and goods:  # a repeat of an earlier valid row
            again = draw(st.sampled_from(goods))
            plan.rows.append(Row(again.text, "dup", key=again.key))
            continue
        where = "outside" if roll == 2 else "inside"
        fields, expect, key = kind.make(draw, i, encoding, where)
        if roll == 2:
            fate = "outside" if plan.within == "dartford" else "good"
            plan.rows.append(Row(row_text([fields[c] for c in kind.header], plan.delimiter), fate, expect=expect,
                                 key=key))
            if fate == "good":
                goods.append(plan.rows[-1])
            continue
        fault = draw(st.none() | st.none() | st.sampled_from([*kind.faults, *LINE_FAULTS]))
        if fault is None:
            plan.rows.append(Row(row_text([fields[c] for c in kind.header], plan.delimiter), "good", expect=expect,
                                 key=key))
            goods.append(plan.rows[-1])
        elif fault in kind.faults:
            updates, words = kind.faults[fault]
            fields.update(updates)
            plan.rows.append(Row(row_text([fields[c] for c in kind.header], plan.delimiter), "bad", words,
                                 key=key, value_fault=True))
        else:
            plan.rows.append(line_fault(draw, fault, fields, kind, plan.delimiter, encoding))
    return plan


# ---------------------------------------------------------------- the checks


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("fuzz-importers") / "store.duckdb")
    yield con
    con.close()


def empty(con) -> None:
    for table in ("rejected_rows", "incidents", "imports"):
        con.execute(f"DELETE FROM {table}")


def write_plan(tmp_path: Path, plan: Plan) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / plan.file_name
    path.write_bytes(plan.text().encode(plan.encoding))
    return path


def layout(plan: Plan) -> str:
    """The plan's records by line, for failure messages."""
    return "\n".join(f"{line:4d} {r.fate:8s} {r.words[:40]!r:44s} {r.text[:70]!r}" for line, r in plan.lines())


def check(con, tmp_path, plan: Plan) -> None:
    empty(con)
    path = write_plan(tmp_path, plan)
    before = fingerprint(con)
    try:
        report = import_file(con, plan.kind.name, path, within=plan.within, now=NOW, source=plan.source)
    except ImportFailed as exc:
        assert str(path) in str(exc)
        assert fingerprint(con) == before, "a refused file changed the store"
        # Only a file with more than a few control bytes may be taken for binary and refused whole.
        control = sum(b < 32 and b not in (9, 10, 13) for b in path.read_bytes()[:65536])
        assert plan.encoding != "utf-16" and control > 16 and "binary" in str(exc), f"refused whole: {exc}"
        return
    rows = list(plan.lines())
    goods = [(line, r) for line, r in rows if r.fate == "good"]
    bads = {line: r for line, r in rows if r.fate == "bad"}
    outside = [line for line, r in rows if r.fate == "outside"]
    dups = [line for line, r in rows if r.fate == "dup"]
    got = (report.read, report.accepted, report.rejected, report.outside, report.duplicate)
    assert got == (len(goods) + len(bads) + len(outside) + len(dups), len(goods), len(bads), len(outside),
                   len(dups)), report.summary() + "\n" + layout(plan)
    assert report.read == report.accepted + report.rejected + report.outside + report.duplicate
    source = plan.source or {"police-uk": "police.uk", "police-extract": "police-extract",
                             "fly-tipping": "fly-tipping-log", "fires": "kfrs"}[plan.kind.name]
    assert report.source == source

    # The import log and the rejected rows hold the same story, names and all.
    logged = con.execute("SELECT file_name, source, rows_read, rows_accepted, rows_rejected, rows_outside, "
                         "rows_duplicate FROM imports").fetchall()
    assert logged == [(plan.file_name, source, *got)]
    rejected = {line: (reason, raw) for line, reason, raw in con.execute(
        "SELECT line, reason, raw FROM rejected_rows WHERE import_id = ?", [report.import_id]).fetchall()}
    assert set(rejected) == set(bads) | set(outside), f"rejected {sorted(rejected)}: {rejected}"
    for line, r in bads.items():
        reason, raw = rejected[line]
        assert r.words in reason, f"line {line}: {reason!r} should say {r.words!r}"
        if r.value_fault:
            assert raw == r.text[:2000], f"line {line}: the raw text changed"
    for line in outside:
        assert rejected[line][0] == "outside dartford"

    # Every valid row once, with its text exactly as written.
    columns = sorted({c for _, r in goods for c in r.expect})
    key_sql = "split_part(source_key, '|', 1)" if plan.kind.name == "police-uk" else "source_key"
    stored = {row[0]: dict(zip(columns, row[1:])) for row in con.execute(
        f"SELECT {key_sql}, {', '.join(columns)} FROM incidents WHERE source = ?", [source]).fetchall()}
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(goods)
    assert set(stored) == {r.key for _, r in goods}
    for line, r in goods:
        for column, value in r.expect.items():
            assert stored[r.key][column] == value, f"line {line}, {column}: {stored[r.key][column]!r} != {value!r}"

    # The store's summary (``hotspots info``) reports the hostile source and categories as they are.
    summary = store_summary(con)
    assert sum(r["rows"] for r in summary["by_source"] if r["source"] == source) == len(goods)
    assert sum(r["rows"] for r in summary["by_category"] if r["source"] == source) == len(goods)
    assert summary["rejected_rows"] == len(bads) + len(outside)
    assert [(i["file_name"], i["source"]) for i in summary["imports"]] == [(plan.file_name, source)]

    # Hostile categories read back through the filters as themselves.
    for _, r in goods[:3]:
        cat = r.expect["category"]
        f = q.IncidentFilter(source, categories=(cat,), located_only=False)
        n = sum(1 for _, g in goods if g.expect["category"] == cat)
        assert q.count_incidents(con, f) == n
        assert set(q.fetch_incidents(con, f, ("category",))["category"]) == {cat}


@pytest.mark.parametrize("kind", list(KINDS))
@given(data=st.data())
@SETTINGS
def test_hostile_and_broken_rows(store, tmp_path, kind, data):
    check(store, tmp_path, data.draw(plans(kind)))


# ---------------------------------------------------------------- what the fuzz test found

EXTRACT_HEADER = "crime_ref,occurred_at,crime_type,offence_group,offence,domestic_abuse,easting,northing,location,outcome"


def extract_line(ref: str, offence: str = "Burglary dwelling", location: str = "High Street") -> str:
    return row_text([ref, "2023-04-08 10:28", "Burglary", "Burglary", offence, "N", "554000", "174000", location,
                     "done"], ",")


def test_an_empty_line_inside_a_quoted_field_is_part_of_it(store, tmp_path):
    """A note with a paragraph break (``"first\n\nsecond"``) holds an empty line that is not a blank
    line: counting it as one as well made every file holding one fail whole ("could not account
    for every line")."""
    empty(store)
    note = "First paragraph.\n\nSecond, after an empty line.\n\n\nThird."
    path = tmp_path / "paragraphs.csv"
    path.write_text("\n".join([EXTRACT_HEADER, extract_line("R1", location=note), "", extract_line("R2"),
                                extract_line("R3", offence="a\n\nb"), "", ""]) + "\n", encoding="utf-8")
    report = import_file(store, "police-extract", path, within="none", now=NOW)
    assert (report.read, report.accepted, report.rejected) == (3, 3, 0), report.summary()
    stored = dict(store.execute("SELECT source_key, location FROM incidents").fetchall())
    assert stored == {"R1": note, "R2": "High Street", "R3": "High Street"}
    bad = tmp_path / "paragraphs-and-faults.csv"
    bad.write_text("\n".join([EXTRACT_HEADER, extract_line("Q1", location=note), "", extract_line("Q2", "x" * 1001),
                               extract_line("Q3", location="a\n\nb") + ",extra", extract_line("Q4")]) + "\n",
                   encoding="utf-8")
    report = import_file(store, "police-extract", bad, within="none", now=NOW)
    assert (report.read, report.accepted, report.rejected) == (4, 2, 2), report.summary()
    assert set(dict(store.execute("SELECT line, reason FROM rejected_rows WHERE import_id = ?",
                                  [report.import_id]).fetchall())) == {9, 10}  # note on lines 2 to 7


def test_a_quote_left_open_before_a_long_line_of_multibyte_text(store, tmp_path):
    """DuckDB's parallel CSV reader fails outright ("Invalid unicode (byte sequence mismatch)
    detected in segment statistics update") on a quote left open before a line of 10 kB of
    three-byte characters: the whole file was refused. Now the line opening the quote is set
    aside (and, failing that, the file read on one thread), and the good rows are kept."""
    empty(store)
    path = tmp_path / "open-quote.csv"
    path.write_text("\n".join([  # (the failure depends on where lines fall in DuckDB's buffers: keep these bytes)
        EXTRACT_HEADER,
        "R1,2023-04-08 10:28,Burglary,lp,Burglary dwelling,N,554000,174000,High Street,done",
        'R2,2024-09-21 02:19,Possession of weapons,pX,"On or near High Street,Y,553810.3,174112.4,jj,Yh',
        f"R3,2023-04-08 10:28,Anti-social behaviour,lp,{'日' * 5000},Y,554000,174000,Street,done",
        "R4,2023-04-08 10:28,Burglary,lp,Burglary dwelling,N,554000,174000,High Street,done"]) + "\n",
        encoding="utf-8")
    report = import_file(store, "police-extract", path, within="none", now=NOW)
    assert (report.read, report.accepted, report.rejected) == (4, 2, 2), report.summary()
    reasons = dict(store.execute("SELECT line, reason FROM rejected_rows").fetchall())
    assert "never closed" in reasons[3] and "5000 characters long" in reasons[4]
    assert sorted(k for (k,) in store.execute("SELECT source_key FROM incidents").fetchall()) == ["R1", "R4"]


def test_a_nul_byte_in_a_record_over_two_lines(store, tmp_path):
    """A NUL byte costs its physical line (docs/formats.md); in a record over two lines the
    record's first line is then a quote left open, and is refused for that. No other row is
    lost, and every line is accounted for."""
    empty(store)
    path = tmp_path / "nul.csv"
    path.write_text("\n".join([EXTRACT_HEADER, extract_line("R1"), extract_line("R2", location="two\nli\x00nes"),
                                extract_line("R3")]) + "\n", encoding="utf-8")
    report = import_file(store, "police-extract", path, within="none", now=NOW)
    assert (report.read, report.accepted, report.rejected) == (4, 2, 2), report.summary()
    reasons = dict(store.execute("SELECT line, reason FROM rejected_rows").fetchall())
    assert "never closed" in reasons[3] and "NUL byte" in reasons[4]


# ---------------------------------------------------------------- files refused whole


@given(kind=st.sampled_from(list(KINDS)), data=st.data(),
       broken=st.sampled_from(["missing column", "empty", "binary", "header only", "header NUL"]))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_file_refused_whole_names_itself_and_changes_nothing(store, tmp_path, kind, data, broken):
    empty(store)
    spec = KINDS[kind]
    fields, _, _ = spec.make(data.draw, 0, "utf-8", "inside")
    assert import_file(store, kind, write_plan(tmp_path, Plan(spec, ",", "\n", "utf-8", "none", "first.csv", None, [
        Row(",".join(spec.header), "header"), Row(row_text([fields[c] for c in spec.header], ","), "good")])),
        within="none", now=NOW).accepted == 1
    header = list(spec.header)
    if broken == "missing column":
        header.remove(spec.key_column)
    text = ",".join(header) + "\n" + row_text([fields[c] for c in header], ",") + "\n"
    name = data.draw(st.sampled_from(FILE_NAMES))
    path = tmp_path / "in" / name
    path.write_bytes({"empty": b"", "binary": b"PK\x03\x04" + bytes(range(256)) * 4,
                      "header NUL": b"a\x00b,c\n1,2\n"}.get(broken, text.encode()))
    before = fingerprint(store)
    if broken == "header only":
        path.write_text(",".join(header) + "\n", encoding="utf-8")
        report = import_file(store, kind, path, within="none", now=NOW)
        assert (report.read, report.accepted) == (0, 0)
        assert "no data rows" in report.summary()
        return
    with pytest.raises(ImportFailed) as info:
        import_file(store, kind, path, within="none", now=NOW)
    assert str(path) in str(info.value)
    if broken == "missing column":
        assert "missing column" in str(info.value)
    assert fingerprint(store) == before


# ---------------------------------------------------------------- hostile column names


@given(name=st.text(st.characters(exclude_categories=["Cs", "Cc"], exclude_characters=",;|\t\n\r"), min_size=1,
                    max_size=60).filter(lambda s: s.strip()),
       width=st.integers(35, 45))
@example(name="x" * 39 + "'", width=40)
@example(name="$now", width=40)
@example(name="a$now'b", width=40)
@example(name="'; DROP TABLE incidents; --", width=40)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_column_name_is_data(store, tmp_path, name, width):
    """An extra column of any name is ignored, and named literally when its field is too long."""
    label = (name.strip() + "'" * 3)[:width]
    assume(normalise(label) not in FIRES_NAMES)  # not one of the columns the importer reads
    empty(store)
    header = ["incident_number", "call_datetime", "location_type", "easting", "northing", label]
    long = "y" * (MAX_FIELD_CHARS + 1)
    path = tmp_path / "columns.csv"
    path.write_text(row_text(header, ",") + "\n"
                    + row_text(["K1", "2024-01-01 10:00", "Grassland", "554000", "174000", "z"], ",") + "\n"
                    + row_text(["K2", "2024-01-01 10:00", "Grassland", "554000", "174000", long], ",") + "\n",
                    encoding="utf-8")
    report = import_file(store, "fires", path, within="none", now=NOW)
    assert (report.accepted, report.rejected) == (1, 1), report.summary()
    reason = store.execute("SELECT reason FROM rejected_rows WHERE line = 3").fetchone()[0]
    assert reason == f'field "{label.strip()[:40]}" is {MAX_FIELD_CHARS + 1} characters long (limit 1,000)'


FIRES_NAMES = {normalise(n) for c in [*FIRES_COLUMNS, *POSITION_COLUMNS] for n in (c.name, *c.aliases)}


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for these characters)."""
    return json.dumps(value, ensure_ascii=False)


@given(category=st.text(st.characters(exclude_categories=["Cs", "Cc"], exclude_characters=",;|\t\n\r"),
                        max_size=30),
       date=st.text(st.characters(exclude_categories=["Cs", "Cc"], exclude_characters=",;|\t\n\r"), max_size=30))
@example(category="Type's", date="Date's")
@example(category="Type$now", date="Date$now")
@example(category="'; DROP TABLE incidents; --", date="') OR 1=1 --")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generic_mapping_column_names_are_data(store, tmp_path, category, date):
    """The generic importer names mapped columns in its messages: any name is shown as written."""
    empty(store)
    category, date = "Cat" + category.strip() + "x", "Date" + date.strip() + "x"
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(f"source = {toml_string('generic')}\nlayer = 'asb'\ncategory = {toml_string(category)}\n"
                       f"date = {toml_string(date)}\neasting = 'X'\nnorthing = 'Y'\n", encoding="utf-8")
    path = tmp_path / "generic.csv"
    path.write_text(row_text([category, date, "X", "Y"], ",") + "\n"
                    + row_text(["Noise", "2024-01-01", "554000", "174000"], ",") + "\n"
                    + row_text(["", "2024-01-01", "554000", "174000"], ",") + "\n"
                    + row_text(["Noise", "", "554000", "174000"], ",") + "\n", encoding="utf-8")
    report = import_file(store, "generic", path, mapping=mapping, within="none", now=NOW)
    assert (report.accepted, report.rejected) == (1, 2), report.summary()
    reasons = dict(store.execute("SELECT line, reason FROM rejected_rows").fetchall())
    assert reasons == {3: f"{category} is empty", 4: f"{date} is empty"}


# ---------------------------------------------------------------- file names


def test_a_file_name_is_never_a_pattern(store, tmp_path):
    """``x[1].csv`` next to ``x1.csv``, ``a*.csv`` next to ``ab.csv``: each import reads its own file only."""
    empty(store)
    folder = tmp_path / "names"
    folder.mkdir()
    header = "incident_number,call_datetime,location_type,easting,northing\n"
    for name, key in [("x1.csv", "OTHER-1"), ("x[1].csv", "MINE-1"), ("ab.csv", "OTHER-2"), ("a*.csv", "MINE-2"),
                      ("q1.csv", "OTHER-3"), ("q?.csv", "MINE-3"), ("plain.csv.gz", "MINE-4"),
                      ("plain.csv.zst", "MINE-5"), ("{a,b}.csv", "MINE-6")]:
        (folder / name).write_text(header + f"{key},2024-01-01 10:00,Grassland,554000,174000\n", encoding="utf-8")
    for name in ["x[1].csv", "a*.csv", "q?.csv", "plain.csv.gz", "plain.csv.zst", "{a,b}.csv"]:
        report = import_file(store, "fires", folder / name, within="none", now=NOW)
        assert (report.read, report.accepted) == (1, 1), report.summary()
    assert sorted(k for (k,) in store.execute("SELECT source_key FROM incidents").fetchall()) == [
        f"MINE-{i}" for i in range(1, 7)]


# ---------------------------------------------------------------- the import log's columns


def test_a_real_file_imports_into_a_store_at_the_current_schema(tmp_path):
    """The import log row names its columns: schema 2 added ``deleted_at`` and ``deleted_by`` to
    ``imports``, and a positional INSERT of 15 values then failed every import."""
    con = connect(tmp_path / "store.duckdb")
    try:
        report = import_file(con, "police-uk", REAL_POLICE_UK, now=NOW)
        assert report.accepted > 0
        row = con.execute(
            "SELECT file_name, rows_read, rows_accepted, deleted_at, deleted_by FROM imports WHERE import_id = ?",
            [report.import_id],
        ).fetchone()
        assert row == (REAL_POLICE_UK.name, report.read, report.accepted, None, None)
    finally:
        con.close()


# ---------------------------------------------------------------- the call itself


@pytest.mark.parametrize("kind, within, source, words", [
    ("'; DROP TABLE incidents; --", "none", None, "kind must be one of"),
    ("police-uk\x00", "none", None, "kind must be one of"),
    (["fires"], "none", None, "kind must be one of"),
    ("fires", "dartford' OR '1'='1", None, "within must be one of"),
    ("fires", None, None, "within must be one of"),
    ("fires", "none", 123, "source must be text"),
    ("fires", "none", ["kfrs"], "source must be text"),
    ("fires", "none", b"kfrs", "source must be text"),
])
def test_import_arguments_of_the_wrong_kind_are_refused(store, tmp_path, kind, within, source, words):
    empty(store)
    path = tmp_path / "fires.csv"
    path.write_text("incident_number,call_datetime,location_type,easting,northing\n"
                    "K1,2024-01-01 10:00,Grassland,554000,174000\n", encoding="utf-8")
    before = fingerprint(store)
    with pytest.raises(ValueError, match=words):
        import_file(store, kind, path, within=within, source=source, now=NOW)
    assert fingerprint(store) == before
