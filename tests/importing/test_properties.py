"""Property tests: files mixing valid rows with randomly malformed ones.

Hypothesis writes real files (any delimiter, column order, encoding and line end; quoted
fields with delimiters, quotes, line breaks and any Unicode; blank lines) in which each
malformed row carries one corruption: a bad, future or ancient date, a non-number, swapped
or impossible coordinates, half a coordinate pair, too many or too few fields, a quote
left open or followed by text, an unknown crime type, an empty key, an oversize field, a
row of blanks. After a real import into a real store:

- every valid row was accepted exactly once, with its values;
- no malformed row entered ``incidents``;
- every malformed row is in ``rejected_rows`` at its true line with a reason naming its fault;
- ``read == accepted + rejected + outside + duplicate`` and each count is what the file holds;
- importing the same file again adds nothing.

One limit is by design of CSV itself and kept out of the generator: a quote left open is
closed by the next quote that is followed by a delimiter or a line end, so text such as
``", x"`` later in the file can silently join the lines between into one field. Generated
text therefore never starts with a delimiter, quote or line break (it starts with a letter).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geodata
from queries.importing.police_uk import CRIME_TYPES

from .conftest import NOW, POLICE_UK_HEADER, rejected, run, snapshot, write

SETTINGS = settings(max_examples=40, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

PE_COLUMNS = ["crime_ref", "occurred_at", "crime_type", "offence_group", "domestic_abuse", "hate", "easting", "northing",
              "latitude", "longitude", "postcode", "location"]
POSTCODES = geodata.postcodes().dropna(subset=["easting"]).sample(60, random_state=1)[["pcds", "easting", "northing"]]
POSTCODES = [tuple(r) for r in POSTCODES.itertuples(index=False)]
DATE_FORMATS = {"%Y-%m-%d %H:%M": True, "%d/%m/%Y %H:%M": True, "%Y-%m-%dT%H:%M:%S": True, "%Y-%m-%d": False,
                "%d/%m/%Y": False}
#: Windows-1252 text whose non-ASCII bytes can never be read as UTF-8 (the importer decides the
#: encoding line by line, so a cp1252 line that happens to be valid UTF-8, like "Ã©", reads as UTF-8).
CP1252_EXTRA = "£€’“”–©°½…"


def letters():
    return st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@st.composite
def free_text(draw, encoding, max_size=120):
    """Text that starts and ends with a letter, with anything in between (line breaks included)."""
    if encoding == "cp1252":
        middle = st.text(st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from(CP1252_EXTRA + "\n"),
                         max_size=max_size)
    else:
        middle = st.text(st.characters(exclude_categories=["Cs", "Cc"]) | st.sampled_from("\n\t,;|\"'"),
                         max_size=max_size)
    return draw(letters()) + draw(middle) + draw(letters())


@dataclass
class Plan:
    """The file to write and what the importer must make of it."""

    delimiter: str
    newline: str
    encoding: str
    header: list[str]
    records: list[tuple[str, str, object]] = field(default_factory=list)  # (text, "good"|"bad"|"blank", expectation)

    def text(self) -> str:
        return self.newline.join(t for t, _, _ in self.records) + self.newline

    def lines(self):
        """(line, kind, expectation) for each record, numbering physical lines from 1 (the header)."""
        line = 1
        for text, kind, expect in self.records:
            yield line, kind, expect
            line += text.count("\n") + 1


def row_text(fields: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerow(fields)
    return buf.getvalue()[:-1]


# ---------------------------------------------------------------- police-extract


@st.composite
def pe_valid(draw, i, encoding):
    when = draw(st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2024, 11, 30)))
    fmt = draw(st.sampled_from(list(DATE_FORMATS)))
    has_time = DATE_FORMATS[fmt]
    expected_when = when.replace(microsecond=0) if fmt.endswith("%S") else when.replace(second=0, microsecond=0)
    if not has_time:
        expected_when = expected_when.replace(hour=0, minute=0, second=0)
    ctype = draw(st.sampled_from(CRIME_TYPES))
    spelled = draw(st.sampled_from([ctype, ctype.upper(), ctype.lower(), f"  {ctype} "]))
    position = draw(st.sampled_from(["bng", "wgs84", "postcode"]))
    row = {c: "" for c in PE_COLUMNS}
    if position == "bng":
        row["easting"] = str(draw(st.integers(540_000, 580_000)))
        row["northing"] = f"{draw(st.floats(160_000, 185_000)):.1f}"
    elif position == "wgs84":
        row["longitude"] = f"{draw(st.floats(0.15, 0.35)):.6f}"
        row["latitude"] = f"{draw(st.floats(51.38, 51.47)):.6f}"
    else:
        pc = draw(st.sampled_from(POSTCODES))[0]
        row["postcode"] = draw(st.sampled_from([pc, pc.lower(), pc.replace(" ", ""), f" {pc} "]))
    location = draw(st.none() | free_text(encoding, max_size=draw(st.sampled_from([20, 120, 990]))))
    row.update(crime_ref=f"R{i}", occurred_at=when.strftime(fmt), crime_type=spelled, location=location or "",
               offence_group=draw(st.sampled_from(["", "Violence against the person", "Theft offences"])),
               domestic_abuse=draw(st.sampled_from(["", "Y", "n", "yes", "FALSE", "1", "0"])),
               hate=draw(st.sampled_from(["", "N", "true"])))
    expect = (f"R{i}", ctype, expected_when, "minute" if has_time else "day", location)
    return row, expect


PE_CORRUPTIONS = {
    "bad date": lambda r: r.update(occurred_at="2024-02-30") or "is not a date",
    "date text": lambda r: r.update(occurred_at="last Tuesday") or "is not a date",
    "no date": lambda r: r.update(occurred_at="") or "occurred_at is empty",
    "future": lambda r: r.update(occurred_at="2031-05-01 10:00") or "in the future",
    "ancient": lambda r: r.update(occurred_at="1985-06-01") or "before 1990",
    "not a number": lambda r: r.update(easting="55400O", northing="174000", latitude="", longitude="", postcode="")
    or 'easting "55400O" is not a number',
    "swapped en": lambda r: r.update(easting="174000", northing="554000", latitude="", longitude="", postcode="")
    or "look swapped",
    "swapped latlon": lambda r: r.update(easting="", northing="", latitude="0.21", longitude="51.44", postcode="")
    or "look swapped",
    "impossible": lambda r: r.update(easting="", northing="", latitude="95", longitude="0.2", postcode="")
    or "not in Great Britain",
    "zero": lambda r: r.update(easting="0", northing="0", latitude="", longitude="", postcode="")
    or "is not a position",
    "half pair": lambda r: r.update(easting="554000", northing="", latitude="", longitude="", postcode="")
    or "must both be given",
    "no position": lambda r: r.update(easting="", northing="", latitude="", longitude="", postcode="")
    or "no position",
    "unknown postcode": lambda r: r.update(easting="", northing="", latitude="", longitude="", postcode="ZZ9 9ZZ")
    or "is not in the ONS postcode centroids",
    "unknown type": lambda r: r.update(crime_type="Jaywalking") or "is not one of the 14 police.uk crime types",
    "empty key": lambda r: r.update(crime_ref="  ") or "crime_ref is empty",
    "bad flag": lambda r: r.update(domestic_abuse="perhaps") or "is not a yes/no flag",
    "oversize": lambda r: r.update(location="x" * 1001) or "is 1001 characters long",
}
#: Corruptions of the row's text rather than a value: (make the line, words in the reason).
LINE_CORRUPTIONS = ["too many", "too few", "open quote", "text after quote", "blank fields", "spaces"]


@st.composite
def pe_plan(draw):
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    plan = Plan(delimiter=draw(st.sampled_from([",", ",", ";", "\t", "|"])),
                newline=draw(st.sampled_from(["\n", "\r\n"])), encoding=encoding,
                header=draw(st.permutations(PE_COLUMNS)))
    plan.records.append((plan.delimiter.join(plan.header), "header", None))
    n = draw(st.integers(1, 30))
    for i in range(n):
        if draw(st.integers(0, 9)) == 0:
            plan.records.append(("", "blank", None))
        row, expect = draw(pe_valid(i, encoding))
        fault = draw(st.none() | st.none() | st.sampled_from([*PE_CORRUPTIONS, *LINE_CORRUPTIONS]))
        if fault is None:
            plan.records.append((row_text([row[c] for c in plan.header], plan.delimiter), "good", expect))
            continue
        row["crime_ref"] = f"X{i}"
        row["location"] = "Plain Street"
        if fault in PE_CORRUPTIONS:
            words = PE_CORRUPTIONS[fault](row)
            plan.records.append((row_text([row[c] for c in plan.header], plan.delimiter), "bad", words))
        else:
            plan.records.append(corrupt_line(fault, [row[c] for c in plan.header], plan.header.index("location"),
                                             plan.delimiter))
    return plan


def corrupt_line(fault: str, fields: list[str], loc: int, d: str):
    n = len(fields)
    if fault == "too many":
        return row_text(fields, d) + d + "extra", "bad", f"has {n + 1} fields, the header has {n}"
    if fault == "too few":
        return row_text(fields[:-1], d), "bad", f"has {n - 1} fields, the header has {n}"
    if fault == "open quote":  # a quote that is never closed: the rest of the file must survive it
        fields[loc] = "LOCATION"
        return row_text(fields, d).replace("LOCATION", '"On or near High Street'), "bad", "quote"
    if fault == "text after quote":
        fields[loc] = "LOCATION"
        return row_text(fields, d).replace("LOCATION", '"High"Street'), "bad", "quote"
    if fault == "blank fields":
        return d * (n - 1), "bad", "the row is empty"
    if fault == "spaces":
        return "   ", "bad", "the row is empty"
    raise AssertionError(fault)


def check_plan(con, tmp_path, kind, plan: Plan):
    path = write(tmp_path / f"{kind}.csv", plan.text(), encoding=plan.encoding)
    goods = [(line, expect) for line, k, expect in plan.lines() if k == "good"]
    bads = {line: expect for line, k, expect in plan.lines() if k == "bad"}

    report = run(con, kind, path, within="none")
    assert (report.read, report.accepted, report.rejected, report.outside, report.duplicate) == (
        len(goods) + len(bads), len(goods), len(bads), 0, 0), report.summary()
    got = rejected(con, report)
    assert set(got) == set(bads), f"rejected at {sorted(got)}, malformed at {sorted(bads)}: {got}"
    for line, words in bads.items():
        assert words in got[line], f"line {line}: {got[line]!r} should say {words!r}"
    return report, path, goods


@given(plan=pe_plan())
@SETTINGS
def test_police_extract_valid_rows_in_malformed_ones_out(con, tmp_path, plan):
    for table in ("rejected_rows", "incidents", "imports"):
        con.execute(f"DELETE FROM {table}")
    report, path, goods = check_plan(con, tmp_path, "police-extract", plan)

    stored = {r[0]: r[1:] for r in con.execute(
        "SELECT source_key, category, occurred_at, date_precision, location, easting IS NOT NULL, "
        "location_method FROM incidents").fetchall()}
    expected = {e[0]: e for _, e in goods}
    assert set(stored) == set(expected), "exactly the valid rows, each once"
    for key, (_, ctype, when, precision, location) in expected.items():
        assert stored[key][:4] == (ctype, when, precision, location), key
        assert stored[key][4], f"{key} has a position"

    before = snapshot(con)["incidents"]
    again = run(con, "police-extract", path, within="none")
    assert (again.accepted, again.duplicate, again.rejected) == (0, len(goods), report.rejected)
    assert snapshot(con)["incidents"] == before


# ---------------------------------------------------------------- police-uk


@st.composite
def pu_valid(draw, i, encoding):
    ctype = draw(st.sampled_from(CRIME_TYPES))
    month = draw(st.sampled_from(["2011-01", "2019-07", "2024-01", "2024-11"]))
    no_id = ctype == "Anti-social behaviour" or draw(st.booleans())
    crime_id = "" if no_id else f"{i:064x}"
    located = draw(st.integers(0, 5)) > 0
    lon, lat = (f"{draw(st.floats(0.15, 0.35)):.6f}", f"{draw(st.floats(51.38, 51.47)):.6f}") if located else ("", "")
    location = ("On or near " + draw(free_text(encoding, max_size=40))) if located else "No Location"
    lsoa = draw(st.sampled_from(sorted(geodata.dartford_lsoa_codes())[:5])) if located else ""
    outcome = "" if no_id else draw(st.sampled_from(["Under investigation", "Unable to prosecute suspect"]))
    fields = [crime_id, month, "Kent Police", "Kent Police", lon, lat, location, lsoa, "", ctype, outcome, ""]
    expect = (crime_id, ctype, month, location if located else None, located)
    return fields, expect


PU_CORRUPTIONS = {
    "bad month": (1, "2024-13", "is not a YYYY-MM month"),
    "month text": (1, "January", "is not a YYYY-MM month"),
    "future month": (1, "2025-01", "is in the future"),
    "before police.uk": (1, "2009-12", "before police.uk began"),
    "unknown type": (9, "Loitering", "is not one of the 14 police.uk crime types"),
    "no type": (9, "", "Crime type is empty"),
    "bad longitude": (4, "0.2x", 'longitude "0.2x" is not a number'),
    "impossible latitude": (5, "95.5", "not in Great Britain"),
    "half pair": (5, "", "must both be given"),
    "bad lsoa": (7, "Dartford 001A", "is not an LSOA code"),
    "oversize": (6, "x" * 1500, "is 1500 characters long"),
}


@st.composite
def pu_plan(draw):
    encoding = draw(st.sampled_from(["utf-8", "cp1252"]))
    plan = Plan(delimiter=",", newline=draw(st.sampled_from(["\r\n", "\n"])), encoding=encoding,
                header=POLICE_UK_HEADER)
    plan.records.append((",".join(POLICE_UK_HEADER), "header", None))
    rows = []
    for i in range(draw(st.integers(1, 30))):
        if rows and draw(st.integers(0, 4)) == 0:  # an exact repeat of an earlier row without a Crime ID
            earlier = [r for r in rows if not r[0][0]]
            if earlier:
                fields, expect = draw(st.sampled_from(earlier))
                plan.records.append((row_text(fields, ","), "good", expect))
                continue
        fields, expect = draw(pu_valid(i, encoding))
        fault = draw(st.none() | st.none() | st.sampled_from([*PU_CORRUPTIONS, *LINE_CORRUPTIONS]))
        if fault is None:
            rows.append((fields, expect))
            plan.records.append((row_text(fields, ","), "good", expect))
        elif fault in PU_CORRUPTIONS:
            fields[4], fields[5], fields[6], fields[7] = "0.21", "51.44", "On or near Plain Street", "E01024182"
            col, value, words = PU_CORRUPTIONS[fault]
            fields[col] = value
            plan.records.append((row_text(fields, ","), "bad", words))
        else:
            fields[6] = "On or near Plain Street"
            plan.records.append(corrupt_line(fault, fields, 6, ","))
    return plan


@given(plan=pu_plan())
@SETTINGS
def test_police_uk_valid_rows_in_malformed_ones_out(con, tmp_path, plan):
    for table in ("rejected_rows", "incidents", "imports"):
        con.execute(f"DELETE FROM {table}")
    report, path, goods = check_plan(con, tmp_path, "police-uk", plan)

    stored = Counter(con.execute(
        "SELECT CASE WHEN source_key NOT LIKE 'h:%' THEN split_part(source_key, '|', 1) END, category, "
        "strftime(occurred_at, '%Y-%m'), location, easting IS NOT NULL FROM incidents").fetchall())
    expected = Counter((e[0] or None, *e[1:]) for _, e in goods)
    assert stored == expected, "every valid row once, identical rows without an ID included"
    assert report.no_location == sum(1 for _, e in goods if not e[4])

    before = snapshot(con)["incidents"]
    again = run(con, "police-uk", path, within="none")
    assert (again.accepted, again.duplicate, again.rejected) == (0, len(goods), report.rejected)
    assert snapshot(con)["incidents"] == before


# ---------------------------------------------------------------- re-import of an overlapping extract


@given(data=st.data())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_overlapping_fly_tipping_logs_add_each_record_once(con, tmp_path, data):
    """Two logs sharing some references: the second adds only the references the first lacked."""
    for table in ("rejected_rows", "incidents", "imports"):
        con.execute(f"DELETE FROM {table}")
    header = ["reference", "date", "postcode", "easting", "northing", "waste_type", "size"]
    refs = data.draw(st.lists(st.integers(0, 60), min_size=1, max_size=40, unique=True))
    first = set(data.draw(st.lists(st.sampled_from(refs), unique=True)))
    second = set(refs) - first | set(data.draw(st.lists(st.sampled_from(refs), unique=True)))

    def log(name, chosen):
        rows = []
        for r in sorted(chosen):
            pc, e, n = POSTCODES[r % len(POSTCODES)]
            day = datetime(2023, 1, 1) + timedelta(days=r)
            rows.append([f"FT{r}", day.strftime("%d/%m/%Y"), pc if r % 2 else "", "" if r % 2 else str(e),
                         "" if r % 2 else str(n), "Household", "Car boot or less"])
        return write(tmp_path / name, row_text(header, ",") + "\n" + "".join(row_text(r, ",") + "\n" for r in rows))

    a = run(con, "fly-tipping", log("a.csv", first), within="none")
    b = run(con, "fly-tipping", log("b.csv", second), within="none")
    assert a.accepted == len(first)
    assert (b.accepted, b.duplicate) == (len(second - first), len(second & first))
    assert sorted(k for (k,) in con.execute("SELECT source_key FROM incidents").fetchall()) == sorted(
        f"FT{r}" for r in first | second)


# ---------------------------------------------------------------- any text at all


CHUNKS = st.sampled_from(['"', ",", "\n", "\r", "\r\n", ";", "\t", "|", " ", '""', "\ufeff", "é", "\x00", "a",
                          "R1", "2024-01-01", "554000", "174000", "Burglary", ",,,,,",
                          'G,2024-01-01,Drugs,554000,174000,"On, or\nnear"\n'])


@given(body=st.lists(CHUNKS, max_size=60), encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]),
       header=st.booleans())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_is_imported_or_refused_whole_never_half(con, tmp_path, body, encoding, header):
    """Fuzz: whatever the bytes, the import either refuses the file (store unchanged) or accounts
    for every row it read, each rejected line once, with nothing half-stored."""
    from queries.importing import ImportFailed, import_file

    for table in ("rejected_rows", "incidents", "imports"):
        con.execute(f"DELETE FROM {table}")
    text = ("crime_ref,occurred_at,crime_type,easting,northing,location\n" if header else "") + "".join(body)
    path = write(tmp_path / "soup.csv", text.encode(encoding, errors="replace"))
    before = snapshot(con)
    try:
        report = import_file(con, "police-extract", path, within="none", now=NOW)
    except ImportFailed as exc:
        assert str(path) in str(exc)
        assert snapshot(con) == before
        return
    assert report.read == report.accepted + report.rejected + report.outside + report.duplicate
    lines = [line for (line,) in con.execute(
        "SELECT line FROM rejected_rows WHERE import_id = ?", [report.import_id]).fetchall()]
    assert len(lines) == len(set(lines)) == report.rejected
    n_lines = text.count("\n") + 1
    assert all(2 <= line <= n_lines + text.count("\r") for line in lines)
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == report.accepted
