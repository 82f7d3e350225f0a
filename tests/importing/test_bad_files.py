"""A battery of bad files, one test per case, for all four importer kinds.

Each test writes a real file, imports it into a real DuckDB store and checks the exact
outcome: good rows in the same file are all accepted, each bad row is in
``rejected_rows`` at its line with a reason naming the problem, the report's summary
names the file, the line and the problem, and ``read == accepted + rejected + outside +
duplicate`` (checked in ``conftest.run``). A fatal error leaves every table's content,
the import sequence and the schema exactly as they were.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from queries.importing import ImportFailed, import_file

from .conftest import (
    DARTFORD_EN, DARTFORD_LONLAT, GRAVESEND_EN, GRAVESEND_LONLAT, NOW, POLICE_UK_HEADER,
    csv_text, police_uk_row, rejected, rejected_raw, run, snapshot, write,
)

# ---------------------------------------------------------------- row builders per kind

PE_HEADER = ["crime_ref", "occurred_at", "crime_type", "offence_group", "offence", "domestic_abuse",
             "alcohol_related", "hate", "easting", "northing", "latitude", "longitude", "postcode", "location"]
FT_HEADER = ["reference", "date", "time", "easting", "northing", "latitude", "longitude", "postcode", "location",
             "waste_type", "size", "land_type"]
FI_HEADER = ["incident_number", "call_datetime", "easting", "northing", "latitude", "longitude", "postcode",
             "location", "location_type", "property_type", "incident_category", "cause", "area_burnt_m2"]


def _en(en):
    return ("", "") if en is None else tuple(str(v) for v in en)


def pe_row(ref, *, when="2024-03-01 22:15", ctype="Violence and sexual offences", en=DARTFORD_EN, lonlat=None,
           postcode="", location="High Street", da="N", alcohol="", hate=""):
    e, n = _en(en)
    lon, lat = _en(lonlat)
    return [ref, when, ctype, "Violence against the person", "Assault", da, alcohol, hate, e, n, lat, lon, postcode,
            location]


def ft_row(ref, *, date="2024-03-01", time="10:30", en=DARTFORD_EN, lonlat=None, postcode="", location="Lane",
           waste="Household", size="Small van load", land="Highway"):
    e, n = _en(en)
    lon, lat = _en(lonlat)
    return [ref, date, time, e, n, lat, lon, postcode, location, waste, size, land]


def fi_row(ref, *, when="2024-07-01 14:00", en=DARTFORD_EN, lonlat=None, postcode="", location="Dartford Heath",
           ltype="Grassland, woodland and crops", ptype="Heathland or moorland", cat="Secondary",
           cause="Deliberate", area="250"):
    e, n = _en(en)
    lon, lat = _en(lonlat)
    return [ref, when, e, n, lat, lon, postcode, location, ltype, ptype, cat, cause, area]


def pu_row(crime_id, **kw):
    return police_uk_row(crime_id, **kw)


KINDS = {
    "police-uk": (POLICE_UK_HEADER, pu_row),
    "police-extract": (PE_HEADER, pe_row),
    "fly-tipping": (FT_HEADER, ft_row),
    "fires": (FI_HEADER, fi_row),
}
ALL_KINDS = list(KINDS)
#: Kinds whose position may be given in any form (police.uk gives longitude/latitude only).
OPEN_KINDS = ["police-extract", "fly-tipping", "fires"]


def one(row: list[str]) -> str:
    """One row as a spreadsheet writes it (quoted where needed), without its line end."""
    return csv_text(["h"], [row]).split("\n", 1)[1][:-1]


def stored_ids(con) -> set[str]:
    """The record keys stored, with police.uk's qualifiers (month, position, ...) cut off."""
    return {k.split("|", 1)[0] for (k,) in con.execute("SELECT source_key FROM incidents").fetchall()}


def check(con, path, kind, *, good: set[str], bad: dict[int, str], within="none", now=NOW, **kw):
    """Import ``path`` and check the exact outcome; ``bad`` maps line -> words its reason must hold."""
    report = run(con, kind, path, within=within, now=now, **kw)
    got = rejected(con, report)
    assert set(got) == set(bad), f"rejected lines {got}, expected {bad}"
    for line, words in bad.items():
        for word in ([words] if isinstance(words, str) else words):
            assert word in got[line], f"line {line}: {got[line]!r} lacks {word!r}"
    assert report.rejected + report.outside == len(bad)
    assert report.accepted == len(good)
    assert stored_ids(con) >= good
    summary = report.summary()
    for line, reason in report.sample_rejects:
        assert f"{path.name} line {line}: {reason}" in summary
    assert len(report.sample_rejects) == min(5, report.rejected)
    return report


@pytest.fixture
def seeded(con, tmp_path):
    """A store that already holds rows of every kind, so 'unchanged' is not trivially true."""
    for kind, (header, make) in KINDS.items():
        f = write(tmp_path / f"seed-{kind}.csv", csv_text(header, [make("SEED1"), make("SEED2")]))
        run(con, kind, f, within="none")
    return con


def assert_fatal(con, path, kind, *words, **kw) -> ImportFailed:
    before = snapshot(con)
    with pytest.raises(ImportFailed) as info:
        import_file(con, kind, path, now=NOW, **kw)
    exc = info.value
    message = str(exc)
    assert str(path) in message, message
    for word in words:
        assert word in message, f"{message!r} lacks {word!r}"
    assert snapshot(con) == before, "a fatal error changed the store"
    return exc


# ---------------------------------------------------------------- fatal: the whole file is refused


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_missing_file(seeded, tmp_path, kind):
    assert_fatal(seeded, tmp_path / "nope.csv", kind, "file not found")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_directory_given_as_file(seeded, tmp_path, kind):
    assert_fatal(seeded, tmp_path, kind, "is a directory")


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("content", [b"", b"\n\n", b"  \r\n\t\r\n", b"\xef\xbb\xbf"], ids=["0-bytes", "newlines", "spaces", "bom-only"])
def test_empty_file(seeded, tmp_path, kind, content):
    assert_fatal(seeded, write(tmp_path / "empty.csv", content), kind, "the file is empty")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_xlsx_given_as_csv(seeded, tmp_path, kind):
    import openpyxl

    header, make = KINDS[kind]
    wb = openpyxl.Workbook()
    wb.active.append(header)
    wb.active.append(make("X1"))
    path = tmp_path / "incidents.csv"  # an .xlsx renamed
    wb.save(path)
    assert_fatal(seeded, path, kind, "binary file", "xlsx")


@pytest.mark.parametrize("content", [bytes(range(256)) * 64, b"%PDF-1.7\n" + bytes(range(256)),
                                     b"\x1f\x8b\x08\x00" + b"crime_ref,occurred_at\n"],
                         ids=["random", "pdf", "gzip"])
def test_other_binary_file(seeded, tmp_path, content):
    path = write(tmp_path / "photo.csv", content)
    assert_fatal(seeded, path, "police-extract", "binary file")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_stray_nul_byte_costs_only_its_line(con, tmp_path, kind):
    """(Found by fuzzing: one NUL byte in a text file made the whole file 'binary'.)"""
    header, make = KINDS[kind]
    text = csv_text(header, [make("N1"), make("N2", location="A\x00B"), make("N3")])
    report = check(con, write(tmp_path / "nul.csv", text), kind, good={"N1", "N3"}, bad={3: "NUL byte"})
    assert rejected_raw(con, report)[3].startswith("N2")


def test_nul_byte_in_the_header(seeded, tmp_path):
    path = write(tmp_path / "nul-header.csv", csv_text(["crime_ref\x00", "occurred_at"], [["a", "b"]] * 50))
    assert_fatal(seeded, path, "police-extract", "header line holds a NUL byte")


@pytest.mark.parametrize("kind, missing", [
    ("police-uk", ["crime_type", "longitude", "latitude"]),
    ("police-extract", ["crime_ref", "crime_type"]),
    ("fly-tipping", ["waste_type"]),
    ("fires", ["incident_number", "location_type"]),
])
def test_missing_required_columns(seeded, tmp_path, kind, missing):
    header, make = KINDS[kind]
    drop = {
        "police-uk": {"Crime type", "Longitude", "Latitude"},
        "police-extract": {"crime_ref", "crime_type"},
        "fly-tipping": {"waste_type"},
        "fires": {"incident_number", "location_type"},
    }[kind]
    keep = [i for i, h in enumerate(header) if h not in drop]
    rows = [[r[i] for i in keep] for r in (make("M1"), make("M2"))]
    path = write(tmp_path / "cols.csv", csv_text([header[i] for i in keep], rows))
    exc = assert_fatal(seeded, path, kind, *[f"missing column {m!r}" for m in missing], "The file's columns are:")
    for name in [header[i] for i in keep]:
        assert repr(name) in exc.problem, name


@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_no_position_columns_at_all(seeded, tmp_path, kind):
    header, make = KINDS[kind]
    position = {"easting", "northing", "latitude", "longitude", "postcode"}
    keep = [i for i, h in enumerate(header) if h not in position]
    path = write(tmp_path / "nopos.csv", csv_text([header[i] for i in keep], [[make("N1")[i] for i in keep]]))
    assert_fatal(seeded, path, kind, "no position: needs one of easting and northing, latitude and longitude, postcode")


def test_first_line_is_not_a_header(seeded, tmp_path):
    path = write(tmp_path / "notes.csv", "These are my notes about fly-tipping\nnothing else\n")
    assert_fatal(seeded, path, "fly-tipping", "the first line has one column")


@pytest.mark.parametrize("content", ["\n" + "a,b\n1,2\n", "\r\n\"\"", "  \nx,y\n"], ids=["blank", "crlf-quotes", "spaces"])
def test_first_line_empty(seeded, tmp_path, content):
    """(Found by fuzzing: an empty first line crashed the header sniffer with StopIteration.)"""
    assert_fatal(seeded, write(tmp_path / "blank-first.csv", content), "fires", "the first line is empty")


@pytest.mark.parametrize("stage_to_fail", [0.0, 0.15, 0.45, 0.6, 0.75, 0.85])
def test_interrupted_import_leaves_the_store_unchanged(seeded, tmp_path, stage_to_fail):
    """Ctrl-C (or any exception) at any stage of an import rolls the whole file back."""
    path = write(tmp_path / "pe.csv", csv_text(PE_HEADER, [pe_row(f"I{i}") for i in range(50)] + [pe_row("BAD", when="x")]))
    before = snapshot(seeded)

    def progress(fraction, message):
        if fraction == stage_to_fail:
            raise KeyboardInterrupt(message)

    with pytest.raises(KeyboardInterrupt):
        import_file(seeded, "police-extract", path, within="none", now=NOW, progress=progress)
    assert snapshot(seeded) == before
    report = run(seeded, "police-extract", path, within="none")  # and the connection is still usable
    assert (report.accepted, report.rejected) == (50, 1)


# ---------------------------------------------------------------- whole-file quirks that are handled


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_header_only_file(con, tmp_path, kind):
    header, _ = KINDS[kind]
    for name, text in [("lf.csv", csv_text(header, [])), ("no-newline.csv", ",".join(header))]:
        report = check(con, write(tmp_path / name, text), kind, good=set(), bad={})
        assert report.read == 0
        assert "no data rows" in report.summary()
    assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 2


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_other_delimiters_are_detected(con, tmp_path, kind, delimiter, name):
    header, make = KINDS[kind]
    rows = [make("D1"), make("D2", location="On or near Church Road, Stone")]
    path = write(tmp_path / "delim.csv", csv_text(header, rows, delimiter=delimiter))
    report = check(con, path, kind, good={"D1", "D2"}, bad={})
    assert f"Delimiter detected from the header: {name}." in report.summary()
    assert con.execute("SELECT location FROM incidents WHERE source_key LIKE 'D2%'").fetchone()[0] == (
        "On or near Church Road, Stone")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_wrong_field_counts(con, tmp_path, kind):
    header, make = KINDS[kind]
    text = csv_text(header, [make("F1")])
    text += one(make("F2")) + ",extra\n"  # line 3: one too many
    text += one(make("F3")[:-2]) + "\n"  # line 4: two too few
    text += one(make("F4")[:1]) + "\n"  # line 5: one field
    text += csv_text(header, [make("F5")]).split("\n", 1)[1]
    n = len(header)
    check(con, write(tmp_path / "fields.csv", text), kind, good={"F1", "F5"}, bad={
        3: f"has {n + 1} fields, the header has {n}", 4: f"has {n - 2} fields, the header has {n}",
        5: f"has 1 fields, the header has {n}"})


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_bom(con, tmp_path, kind):
    header, make = KINDS[kind]
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + csv_text(header, [make("B1"), make("B2")]).encode())
    check(con, path, kind, good={"B1", "B2"}, bad={})
    assert all("\ufeff" not in k for k in stored_ids(con))


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_cp1252_text_is_stored_as_utf8(con, tmp_path, kind):
    header, make = KINDS[kind]
    text = csv_text(header, [make("W1", location="Café Rouge, £5 car park"), make("W2", location="Bob’s “Bar” – 2")])
    report = check(con, write(tmp_path / "cp1252.csv", text.encode("cp1252")), kind, good={"W1", "W2"}, bad={})
    assert "Windows-1252" in report.summary()
    got = dict(con.execute("SELECT split_part(source_key, '|', 1), location FROM incidents").fetchall())
    assert got == {"W1": "Café Rouge, £5 car park", "W2": "Bob’s “Bar” – 2"}


def test_utf8_file_with_one_cp1252_line_keeps_its_utf8_lines(con, tmp_path):
    text = csv_text(PE_HEADER, [pe_row("U1", location="Café £1")]).encode()
    text += csv_text(PE_HEADER, [pe_row("U2", location="Café £2")]).split("\n", 1)[1].encode("cp1252")
    check(con, write(tmp_path / "mixed.csv", text), "police-extract", good={"U1", "U2"}, bad={})
    got = dict(con.execute("SELECT source_key, location FROM incidents").fetchall())
    assert got == {"U1": "Café £1", "U2": "Café £2"}


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"], ids=["bom", "le-no-bom", "be-no-bom"])
def test_utf16(con, tmp_path, kind, encoding):
    header, make = KINDS[kind]
    text = csv_text(header, [make("S1", location="Café £3"), make("S2")], newline="\r\n")
    report = check(con, write(tmp_path / "u16.csv", text, encoding=encoding), kind, good={"S1", "S2"}, bad={})
    assert "UTF-16" in report.summary()
    assert con.execute("SELECT location FROM incidents WHERE source_key LIKE 'S1%'").fetchone()[0] == "Café £3"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_old_mac_line_endings(con, tmp_path, kind):
    header, make = KINDS[kind]
    text = csv_text(header, [make("C1"), make("C2", location="x"), make("C3")], newline="\r")
    check(con, write(tmp_path / "cr.csv", text), kind, good={"C1", "C2", "C3"}, bad={})


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_no_newline_at_end(con, tmp_path, kind):
    header, make = KINDS[kind]
    text = csv_text(header, [make("E1"), make("E2")]).rstrip("\n")
    check(con, write(tmp_path / "nonl.csv", text), kind, good={"E1", "E2"}, bad={})


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_oversize_field(con, tmp_path, kind):
    header, make = KINDS[kind]
    rows = [make("O1", location="x" * 1000), make("O2", location="y" * 1001), make("O3", location="é" * 5000),
            make("O4")]
    check(con, write(tmp_path / "big-field.csv", csv_text(header, rows)), kind, good={"O1", "O4"}, bad={
        3: [f'field "{_loc(kind)}" is 1001 characters long (limit 1,000)'],
        4: [f'field "{_loc(kind)}" is 5000 characters long']})
    assert con.execute("SELECT max(length(location)) FROM incidents").fetchone()[0] == 1000


def _loc(kind):
    return "Location" if kind == "police-uk" else "location"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_oversize_line(con, tmp_path, kind):
    header, make = KINDS[kind]
    rows = [make("L1"), make("L2", location="z" * 1_100_000), make("L3"), make("L4", location="q\n" * 10)]
    text = csv_text(header, rows) + csv_text(header, [make("L5", month="bad") if kind == "police-uk" else
                                                      make("L5", en=("abc", "1"))]).split("\n", 1)[1]
    report = check(con, write(tmp_path / "big-line.csv", text), kind, good={"L1", "L3", "L4"}, bad={
        3: "line is 1,1", 16: ""})
    raw = rejected_raw(con, report)
    assert len(raw[3]) < 1000 and raw[3].startswith("L2")


def test_oversize_line_in_a_crlf_file(con, tmp_path):
    rows = [pu_row("L1"), pu_row("L2", location="z" * 1_100_000), pu_row("L3")]
    text = csv_text(POLICE_UK_HEADER, rows, newline="\r\n")
    check(con, write(tmp_path / "big-line.csv", text), "police-uk", good={"L1", "L3"}, bad={3: "line is 1,1"})


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_mixed_line_ends(con, tmp_path, kind):
    header, make = KINDS[kind]
    head, *rows = csv_text(header, [make("M1"), make("M2"), make("M3"), make("M4")]).rstrip("\n").split("\n")
    text = head + "\r\n" + rows[0] + "\n" + rows[1] + "\r\n" + rows[2] + "\r" + rows[3] + "\n"
    report = check(con, write(tmp_path / "mixed.csv", text), kind, good={"M1", "M2", "M3", "M4"}, bad={})
    assert "Line ends are mixed" in report.summary()
    lf_crlf = head + "\n" + rows[0] + "\r\n" + rows[1] + "\n" + one(make("MB", **(
        {"month": "x"} if kind == "police-uk" else {"en": ("x", "1")}))) + "\r\n" + rows[3] + "\n"
    check(con, write(tmp_path / "lf-crlf.csv", lf_crlf), kind, good=set(), bad={4: ""})


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("kind, label", [("police-extract", "occurred_at"), ("fly-tipping", "date"), ("fires", "call_datetime")])
def test_unparseable_dates(con, tmp_path, kind, label):
    header, make = KINDS[kind]
    arg = {"police-extract": "when", "fly-tipping": "date", "fires": "when"}[kind]
    bad_values = ["31/02/2024", "2024-13-01", "yesterday", "2024/03/01", "01-03-2024 10:00", "2024-03-01 25:61"]
    rows = [make("G1")] + [make(f"B{i}", **{arg: v}) for i, v in enumerate(bad_values)] + [
        make("G2", **{arg: "01/03/2024 22:15"}), make("G3", **{arg: "2024-03-01T22:15:30"}), make("G4", **{arg: ""})]
    bad = {3 + i: [f'{label} "{v}" is not a date'] for i, v in enumerate(bad_values)}
    bad[3 + len(bad_values) + 2] = [f"{label} is empty"]
    check(con, write(tmp_path / "dates.csv", csv_text(header, rows)), kind, good={"G1", "G2", "G3"}, bad=bad)


@pytest.mark.parametrize("kind, label", [("police-extract", "occurred_at"), ("fly-tipping", "date"), ("fires", "call_datetime")])
def test_future_and_ancient_dates(con, tmp_path, kind, label):
    header, make = KINDS[kind]
    arg = {"police-extract": "when", "fly-tipping": "date", "fires": "when"}[kind]
    now = datetime(2024, 3, 1, 12, 0)
    rows = [make("G1", **{arg: "2024-03-01 11:59"}), make("B1", **{arg: "2024-03-01 12:01"}),
            make("B2", **{arg: "2024-03-02"}), make("B3", **{arg: "1989-12-31"}), make("G2", **{arg: "1990-01-01"})]
    if kind == "fly-tipping":
        rows[0][2] = rows[1][2] = ""  # the time sits in the date column here
    check(con, write(tmp_path / "future.csv", csv_text(header, rows)), kind, good={"G1", "G2"}, now=now, bad={
        3: f'{label} "2024-03-01 12:01" is in the future', 4: f'{label} "2024-03-02" is in the future',
        5: f'{label} "1989-12-31" is before 1990'})


def test_police_uk_months(con, tmp_path):
    now = datetime(2024, 3, 15)
    rows = [pu_row("G1", month="2024-03"), pu_row("B1", month="2024-04"), pu_row("B2", month="2009-12"),
            pu_row("B3", month="2010-11"), pu_row("G2", month="2010-12"), pu_row("B4", month="2024-13"),
            pu_row("B5", month="Jan 2024"), pu_row("B6", month="2024-01-15"), pu_row("B7", month="")]
    check(con, write(tmp_path / "months.csv", csv_text(POLICE_UK_HEADER, rows)), "police-uk", now=now,
          good={"G1", "G2"}, bad={
              3: 'Month "2024-04" is in the future', 4: 'Month "2009-12" is before police.uk began (2010-12)',
              5: 'Month "2010-11" is before police.uk began', 7: 'Month "2024-13" is not a YYYY-MM month',
              8: 'Month "Jan 2024" is not a YYYY-MM month', 9: 'Month "2024-01-15" is not a YYYY-MM month',
              10: "Month is empty"})
    assert con.execute("SELECT DISTINCT date_precision FROM incidents").fetchall() == [("month",)]


def test_separate_time_column(con, tmp_path):
    rows = [ft_row("T1", date="2024-03-01", time="07:05"), ft_row("T2", date="01/03/2024", time=""),
            ft_row("T3", date="2024-03-01", time="7pm"), ft_row("T4", date="2024-03-01 08:00", time="09:00")]
    check(con, write(tmp_path / "times.csv", csv_text(FT_HEADER, rows)), "fly-tipping", good={"T1", "T2", "T4"},
          bad={4: 'time "7pm" is not HH:MM'})
    got = {k: (str(t), p) for k, t, p in con.execute(
        "SELECT source_key, occurred_at, date_precision FROM incidents").fetchall()}
    assert got == {"T1": ("2024-03-01 07:05:00", "minute"), "T2": ("2024-03-01 00:00:00", "day"),
                   "T4": ("2024-03-01 08:00:00", "minute")}


# ---------------------------------------------------------------- coordinates


def test_swapped_latitude_longitude(con, tmp_path):
    lon, lat = (str(v) for v in DARTFORD_LONLAT)
    rows = [pu_row("G1"), pu_row("B1", lon=lat, lat=lon), pu_row("G2")]
    check(con, write(tmp_path / "swap.csv", csv_text(POLICE_UK_HEADER, rows)), "police-uk", good={"G1", "G2"},
          bad={3: "latitude and longitude look swapped"})
    rows = [fi_row("G1", en=None, lonlat=DARTFORD_LONLAT), fi_row("B1", en=None, lonlat=DARTFORD_LONLAT[::-1])]
    check(con, write(tmp_path / "swap-fires.csv", csv_text(FI_HEADER, rows)), "fires", good={"G1"},
          bad={3: "latitude and longitude look swapped"})


@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_swapped_easting_northing(con, tmp_path, kind):
    header, make = KINDS[kind]
    rows = [make("G1"), make("B1", en=DARTFORD_EN[::-1]), make("G2")]
    check(con, write(tmp_path / "swap.csv", csv_text(header, rows)), kind, good={"G1", "G2"},
          bad={3: "easting and northing look swapped: easting 174000.0, northing 554000.0"})


@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_impossible_eastings_northings(con, tmp_path, kind):
    header, make = KINDS[kind]
    cases = [("-5", "174000"), ("0", "0"), ("abc", "174000"), ("554000", "1e9"), ("554000", "NaN"),
             ("0.214", "51.446"), ("554", "174"), ("554000", "inf")]
    rows = [make("G1")] + [make(f"B{i}", en=en) for i, en in enumerate(cases)] + [make("G2")]
    bad = {
        3: "easting, northing (-5.0, 174000.0) is not in Great Britain",
        4: "easting, northing (0.0, 0.0) is not a position",
        5: 'easting "abc" is not a number',
        6: "is not in Great Britain",
        7: 'northing "NaN" is not a number',
        8: "look like degrees",
        9: "easting, northing (554.0, 174.0) is not in Great Britain",
        10: 'northing "inf" is not a number',
    }
    check(con, write(tmp_path / "impossible.csv", csv_text(header, rows)), kind, good={"G1", "G2"}, bad=bad)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_impossible_latitudes_longitudes(con, tmp_path, kind):
    header, make = KINDS[kind]
    cases = [("0.2", "95"), ("0", "0"), ("abc", "51.4"), ("0.2", "-51.4"), ("200", "51.4"), ("0.2", "")]
    if kind == "police-uk":
        rows = [make("G1")] + [make(f"B{i}", lon=lon, lat=lat) for i, (lon, lat) in enumerate(cases)]
    else:
        rows = [make("G1", en=None, lonlat=DARTFORD_LONLAT)] + [
            make(f"B{i}", en=None, lonlat=c) for i, c in enumerate(cases)]
    bad = {
        3: "longitude, latitude (0.2, 95.0) is not in Great Britain",
        4: "longitude, latitude (0.0, 0.0) is not in Great Britain",
        5: 'longitude "abc" is not a number',
        6: "longitude, latitude (0.2, -51.4) is not in Great Britain",
        7: "longitude, latitude (200.0, 51.4) is not in Great Britain",
        8: "latitude and longitude must both be given or both be empty",
    }
    check(con, write(tmp_path / "impossible.csv", csv_text(header, rows)), kind, good={"G1"}, bad=bad)


@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_one_of_a_coordinate_pair_missing(con, tmp_path, kind):
    header, make = KINDS[kind]
    rows = [make("G1"), make("B1", en=("554000", "")), make("B2", en=("", "174000")),
            make("B3", en=None, lonlat=("0.2", "")), make("B4", en=None, lonlat=("", "51.4")),
            make("G2", en=None, postcode="DA1 1AA"), make("B5", en=None)]
    check(con, write(tmp_path / "half.csv", csv_text(header, rows)), kind, good={"G1", "G2"}, bad={
        3: "easting and northing must both be given or both be empty",
        4: "easting and northing must both be given or both be empty",
        5: "latitude and longitude must both be given or both be empty",
        6: "latitude and longitude must both be given or both be empty",
        8: "no position"})


def test_police_uk_no_location_rows(con, tmp_path):
    rows = [pu_row("G1"), pu_row("N1", lon="", lat="", location="No Location", lsoa="", lsoa_name=""), pu_row("G2")]
    path = write(tmp_path / "noloc.csv", csv_text(POLICE_UK_HEADER, rows))
    report = check(con, path, "police-uk", good={"G1", "N1", "G2"}, bad={})
    assert report.no_location == 1
    assert con.execute(
        "SELECT location, easting, lsoa21cd, location_method FROM incidents WHERE source_key LIKE 'N1|%'"
    ).fetchone() == (None, None, None, "none")
    report = check(con, path, "police-uk", within="dartford", good=set(), bad={
        3: "no location: cannot be placed in dartford"})
    assert report.duplicate == 2 and report.outside == 1


# ---------------------------------------------------------------- vocabularies and values


@pytest.mark.parametrize("kind", ["police-uk", "police-extract"])
def test_unknown_crime_type(con, tmp_path, kind):
    header, make = KINDS[kind]
    arg = "crime_type" if kind == "police-uk" else "ctype"
    label = "Crime type" if kind == "police-uk" else "crime_type"
    rows = [make("G1", **{arg: "burglary"}), make("B1", **{arg: "Jaywalking"}), make("G2", **{arg: "ANTI-SOCIAL BEHAVIOUR"}),
            make("B2", **{arg: ""}), make("G3", **{arg: "  Violence and sexual offences "})]
    check(con, write(tmp_path / "types.csv", csv_text(header, rows)), kind, good={"G1", "G2", "G3"}, bad={
        3: f'{label} "Jaywalking" is not one of the 14 police.uk crime types', 5: f"{label} is empty"})
    got = dict(con.execute("SELECT split_part(source_key, '|', 1), layer || '/' || category FROM incidents").fetchall())
    assert got == {"G1": "offence/Burglary", "G2": "asb/Anti-social behaviour",
                   "G3": "offence/Violence and sexual offences"}


def test_police_extract_flags_and_values(con, tmp_path):
    rows = [pe_row("G1", da="Y", alcohol="yes", hate="0"), pe_row("G2", da="", alcohol="FALSE", hate="t"),
            pe_row("B1", da="maybe"), pe_row("B2", alcohol="2")]
    check(con, write(tmp_path / "flags.csv", csv_text(PE_HEADER, rows)), "police-extract", good={"G1", "G2"}, bad={
        4: 'domestic_abuse "maybe" is not a yes/no flag', 5: 'alcohol_related "2" is not a yes/no flag'})
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT source_key, domestic_abuse, alcohol_related, hate, subcategory, offence_group, date_precision FROM incidents").fetchall()}
    assert got == {"G1": (True, True, False, "Assault", "Violence against the person", "minute"),
                   "G2": (None, False, True, "Assault", "Violence against the person", "minute")}


def test_fly_tipping_vocabulary_and_required_values(con, tmp_path):
    rows = [ft_row("G1", waste="black bags  household", size="SMALL VAN LOAD", land="footpath / bridleway"),
            ft_row("G2", waste="Mattresses", size="", land=""), ft_row("B1", waste=""), ft_row("", location="no ref")]
    check(con, write(tmp_path / "ft.csv", csv_text(FT_HEADER, rows)), "fly-tipping", good={"G1", "G2"}, bad={
        4: "waste_type is empty", 5: "reference is empty"})
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT source_key, layer, category, waste_type, size, land_type FROM incidents").fetchall()}
    assert got == {"G1": ("fly-tipping", "Black bags - household", "Black bags - household", "Small van load",
                          "Footpath/bridleway"),
                   "G2": ("fly-tipping", "Mattresses", "Mattresses", None, None)}


def test_fires_values(con, tmp_path):
    rows = [fi_row("G1"), fi_row("G2", cat="Primary fire", cause="Accidental", area="", ltype="Refuse", ptype=""),
            fi_row("G3", cause="unknown", area="0.5"), fi_row("B1", area="-3"), fi_row("B2", area="lots"),
            fi_row("B3", ltype=""), fi_row("", location="no number")]
    check(con, write(tmp_path / "fires.csv", csv_text(FI_HEADER, rows)), "fires", good={"G1", "G2", "G3"}, bad={
        5: 'area_burnt_m2 "-3" is negative', 6: 'area_burnt_m2 "lots" is not a number', 7: "location_type is empty",
        8: "incident_number is empty"})
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT source_key, layer, category, subcategory, fire_type, fire_category, cause, area_burnt_m2 FROM incidents").fetchall()}
    assert got == {
        "G1": ("fire", "Grassland, woodland and crops", "Heathland or moorland", "Heathland or moorland", "secondary",
               "deliberate", 250.0),
        "G2": ("fire", "Refuse", None, None, "primary", "accidental", None),
        "G3": ("fire", "Grassland, woodland and crops", "Heathland or moorland", "Heathland or moorland", "secondary",
               "not known", 0.5),
    }


# ---------------------------------------------------------------- blank, empty and quoted rows


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_blank_lines_in_the_middle(con, tmp_path, kind):
    header, make = KINDS[kind]
    head, *rows = csv_text(header, [make("K1"), make("K2"), make("K3"), make("K4")]).split("\n")
    lines = [head, rows[0], "", "", rows[1], "\r", rows[2], "", rows[3], "", ""]
    bad_row = one(make("B1", **({"month": "x"} if kind == "police-uk" else {"en": ("x", "1")})))
    lines.insert(7, bad_row)  # line 8
    report = check(con, write(tmp_path / "blank.csv", "\n".join(lines)), kind, good={"K1", "K2", "K3", "K4"},
                   bad={8: ""})
    assert report.read == 5


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_row_of_empty_fields(con, tmp_path, kind):
    header, make = KINDS[kind]
    n = len(header)
    text = csv_text(header, [make("R1")]) + "," * (n - 1) + "\n" + " ," * (n - 1) + "\n" + "   \n" + csv_text(
        header, [make("R2")]).split("\n", 1)[1]
    check(con, write(tmp_path / "empty-rows.csv", text), kind, good={"R1", "R2"}, bad={
        3: "the row is empty", 4: "", 5: "the row is empty"})


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_quoted_fields_with_commas_newlines_and_quotes(con, tmp_path, kind):
    header, make = KINDS[kind]
    locs = ["On or near Hythe Street, Dartford", "Unit 4\nBridge Road\nIndustrial Estate", 'The "Old" Yard, Lane',
            "line one\r\nline two", ""]
    rows = [make(f"Q{i}", location=loc) for i, loc in enumerate(locs)]
    bad = make("QB", **({"month": "2024-99"} if kind == "police-uk" else {"en": ("abc", "174000")}))
    text = csv_text(header, rows + [bad, make("QZ", location="after, the\nbad row")])
    # Lines: 1 header, 2 Q0, 3-5 Q1, 6 Q2, 7-8 Q3, 9 Q4, 10 QB, 11-12 QZ.
    report = check(con, write(tmp_path / "quoted.csv", text), kind, good={f"Q{i}" for i in range(5)} | {"QZ"},
                   bad={10: "2024-99" if kind == "police-uk" else 'easting "abc" is not a number'})
    got = dict(con.execute("SELECT split_part(source_key, '|', 1), location FROM incidents").fetchall())
    # (The CRLF inside a quoted field makes this LF file one of mixed line ends: it is read as LF.)
    expected = {**{f"Q{i}": loc.replace("\r\n", "\n") or None for i, loc in enumerate(locs)}, "QZ": "after, the\nbad row"}
    assert got == expected
    assert "Line ends are mixed" in report.summary()
    assert rejected_raw(con, report)[10].startswith("QB,")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_parse_errors_after_multiline_fields_are_reported_at_their_own_line(con, tmp_path, kind):
    header, make = KINDS[kind]
    text = csv_text(header, [make("A1", location="a\nb\nc")])  # lines 2-4
    text += one(make("A2")) + ",extra\n"  # line 5
    text += csv_text(header, [make("A3", location="p\nq")]).split("\n", 1)[1]  # lines 6-7
    text += one(make("A4")[:-1]) + "\n"  # line 8
    text += csv_text(header, [make("A5")]).split("\n", 1)[1]  # line 9
    n = len(header)
    report = check(con, write(tmp_path / "ml.csv", text), kind, good={"A1", "A3", "A5"}, bad={
        5: f"has {n + 1} fields", 8: f"has {n - 1} fields"})
    raw = rejected_raw(con, report)
    assert raw[5].startswith("A2,") and raw[8].startswith("A4,")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_unterminated_quote_costs_only_its_own_line(con, tmp_path, kind, newline):
    header, make = KINDS[kind]
    good = [make(f"U{i}") for i in range(6)]
    lines = csv_text(header, good).rstrip("\n").split("\n")
    broken = one(make("UB1", location="LOC")).replace("LOC", '"On or near Station Road')  # never closed
    broken2 = one(make("UB2", location="LOC")).replace("LOC", '"Another')
    quoted = csv_text(header, [make("UQ", location="Hythe Street, Dartford")]).split("\n")[1]
    lines = lines[:3] + [broken] + lines[3:5] + [quoted, broken2] + lines[5:]
    # 1 header, 2 U0, 3 U1, 4 UB1, 5 U2, 6 U3, 7 UQ, 8 UB2, 9 U4, 10 U5
    report = check(con, write(tmp_path / "unterminated.csv", newline.join(lines) + newline), kind,
                   good={f"U{i}" for i in range(6)} | {"UQ"},
                   bad={4: "quote", 8: "quote"})
    # Where the quote runs on into the next lines, the line that opened it is set aside alone.
    if kind != "fires":  # (the fires row has a quoted field later on the same line, which ends the error there)
        assert "unterminated quote" in rejected(con, report)[4]
        assert rejected_raw(con, report)[4] == broken
    assert con.execute("SELECT location FROM incidents WHERE source_key LIKE 'UQ%'").fetchone()[0] == (
        "Hythe Street, Dartford")


def test_unterminated_quote_before_a_multiline_field_in_a_crlf_file(con, tmp_path):
    """Found by the property tests: DuckDB, reading in parallel, reported this error at the row before."""
    rows = [pe_row("G1"), pe_row("B1", location="LOC"), pe_row("G2"), pe_row("G3", location="two\nlines"),
            pe_row("G4")]
    text = csv_text(PE_HEADER, rows, newline="\r\n").replace("LOC", '"On or near High Street')
    check(con, write(tmp_path / "crlf.csv", text), "police-extract", good={"G1", "G2", "G3", "G4"},
          bad={3: "unterminated quote"})
    assert con.execute("SELECT location FROM incidents WHERE source_key = 'G3'").fetchone()[0] == "two\nlines"


def test_crlf_file_with_lf_breaks_inside_cells(con, tmp_path):
    """A spreadsheet's export: CRLF rows, LF line breaks inside quoted cells."""
    rows = [pe_row("S1", location="Unit 4\nBridge Road"), pe_row("S2", when="bad"), pe_row("S3")]
    report = check(con, write(tmp_path / "excel.csv", csv_text(PE_HEADER, rows, newline="\r\n")), "police-extract",
                   good={"S1", "S3"}, bad={4: "is not a date"})
    assert con.execute("SELECT location FROM incidents WHERE source_key = 'S1'").fetchone()[0] == "Unit 4\nBridge Road"
    assert report.read == 3


def test_nul_line_at_the_end_of_a_file_with_mixed_line_ends(con, tmp_path):
    """(Found by fuzzing: DuckDB reported a phantom row at the end of such a file.)"""
    text = csv_text(PE_HEADER, [pe_row("Z1")]) + one(pe_row("Z2")) + "\r\n" + "bad\x00line"
    check(con, write(tmp_path / "nul-end.csv", text, encoding="utf-16"), "police-extract", good={"Z1", "Z2"},
          bad={4: "NUL byte"})


def test_unterminated_quote_early_in_a_large_file(con, tmp_path):
    rows = [pu_row(f"{i:06d}") for i in range(60_000)]
    lines = csv_text(POLICE_UK_HEADER, rows).rstrip("\n").split("\n")
    lines.insert(5, one(pu_row("BROKEN", location="LOC")).replace("LOC", '"On or near'))  # line 6
    report = check(con, write(tmp_path / "big.csv", "\n".join(lines) + "\n"), "police-uk",
                   good={f"{i:06d}" for i in range(60_000)},
                   bad={6: "unterminated quote"})
    assert report.accepted == 60_000


def test_quote_inside_an_unquoted_field_is_text(con, tmp_path):
    rows = [pe_row("G1")]
    text = csv_text(PE_HEADER, rows) + one(pe_row("G2", location="LOC")).replace("LOC", 'The 12" Club') + "\n"
    text += one(pe_row("B1", location="LOC")).replace("LOC", '"Quoted"then text') + "\n"
    check(con, write(tmp_path / "q.csv", text), "police-extract", good={"G1", "G2"},
          bad={4: "quote"})
    assert con.execute("SELECT location FROM incidents WHERE source_key = 'G2'").fetchone()[0] == 'The 12" Club'


def test_header_repeated_in_the_middle(con, tmp_path):
    text = csv_text(PE_HEADER, [pe_row("H1")]) + csv_text(PE_HEADER, [pe_row("H2")])
    check(con, write(tmp_path / "twice.csv", text), "police-extract", good={"H1", "H2"},
          bad={3: 'occurred_at "occurred_at" is not a date'})


# ---------------------------------------------------------------- keys and duplicates


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_duplicate_keys_within_one_file(con, tmp_path, kind):
    header, make = KINDS[kind]
    other = {"month": "2024-02"} if kind == "police-uk" else {"location": "Somewhere else"}
    rows = [make("K1"), make("K1"), make("K2"), make("K1", **({} if kind == "police-uk" else other)), make("K3")]
    report = check(con, write(tmp_path / "dups.csv", csv_text(header, rows)), kind, good={"K1", "K2", "K3"}, bad={})
    assert (report.accepted, report.duplicate) == (3, 2)
    first = con.execute("SELECT location FROM incidents WHERE source_key LIKE 'K1%'").fetchall()
    assert len(first) == 1
    again = run(con, kind, tmp_path / "dups.csv", within="none")
    assert (again.accepted, again.duplicate) == (0, 5)


def test_police_uk_rows_without_ids_are_matched_by_content_and_occurrence(con, tmp_path):
    asb = pu_row("", crime_type="Anti-social behaviour")
    other = pu_row("", crime_type="Anti-social behaviour", location="On or near Other Road")
    path = write(tmp_path / "asb.csv", csv_text(POLICE_UK_HEADER, [asb, asb, other, asb]))
    report = run(con, "police-uk", path, within="none")
    assert (report.accepted, report.duplicate) == (4, 0)
    # A later file holding one more identical row adds exactly that one.
    more = write(tmp_path / "asb-more.csv", csv_text(POLICE_UK_HEADER, [asb, other, asb, asb, asb]))
    report = run(con, "police-uk", more, within="none")
    assert (report.accepted, report.duplicate) == (1, 4)
    assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 5


def test_same_reference_in_two_sources_are_both_kept(con, tmp_path):
    path = write(tmp_path / "pe.csv", csv_text(PE_HEADER, [pe_row("X1")]))
    run(con, "police-extract", path, within="none")
    report = run(con, "police-extract", path, within="none", source="another-extract")
    assert report.accepted == 1
    assert con.execute("SELECT count(*) FROM incidents WHERE source_key = 'X1'").fetchone()[0] == 2


# ---------------------------------------------------------------- postcodes


@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_postcode_only_rows_are_placed_at_the_centroid(con, tmp_path, kind):
    header, make = KINDS[kind]
    rows = [make("P1", en=None, postcode="DA1 1AA"), make("P2", en=None, postcode="da101ab"),
            make("P3", en=None, postcode=" DA10 1AA "), make("P4", en=None, postcode="DA11 0AA")]
    check(con, write(tmp_path / "pc.csv", csv_text(header, rows)), kind, good={"P1", "P2", "P3", "P4"}, bad={})
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT source_key, easting, northing, latitude, longitude, location_method, lsoa21cd IS NOT NULL FROM incidents").fetchall()}
    assert got["P1"][:2] == (553654.0, 174061.0)
    assert got["P2"] == (560412.0, 173473.0, 51.437545, 0.306516, "postcode", True)
    assert got["P3"] == (560379.0, 173555.0, 51.438291, 0.306078, "postcode", True)
    assert got["P4"][:2] == (564645.0, 174172.0)
    assert {v[4] for v in got.values()} == {"postcode"}


@pytest.mark.parametrize("kind", OPEN_KINDS)
def test_unknown_postcode_and_postcode_without_centroid(con, tmp_path, kind):
    header, make = KINDS[kind]
    rows = [make("G1", en=None, postcode="DA1 1AA"), make("B1", en=None, postcode="ZZ9 9ZZ"),
            make("B2", en=None, postcode="DA3 9ZZ"), make("B3", en=None, postcode="DA10 9ZZ"),
            make("B4", en=None, postcode="not a postcode"), make("G2", postcode="ZZ9 9ZZ")]
    check(con, write(tmp_path / "pc.csv", csv_text(header, rows)), kind, good={"G1", "G2"}, bad={
        3: 'postcode "ZZ9 9ZZ" is not in the ONS postcode centroids', 4: 'postcode "DA3 9ZZ" has no published centroid',
        5: 'postcode "DA10 9ZZ" has no published centroid', 6: 'postcode "not a postcode" is not in the ONS'})
    # G2 gave coordinates too: they win over the postcode.
    assert con.execute("SELECT location_method FROM incidents WHERE source_key = 'G2'").fetchone()[0] == "coordinates"


# ---------------------------------------------------------------- the study area


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_rows_outside_the_borough(con, tmp_path, kind):
    header, make = KINDS[kind]
    if kind == "police-uk":
        rows = [make("IN1"), make("OUT1", lon=str(GRAVESEND_LONLAT[0]), lat=str(GRAVESEND_LONLAT[1]),
                                  lsoa="E01024286", lsoa_name="Gravesham 002A"), make("IN2")]
    else:
        rows = [make("IN1"), make("OUT1", en=GRAVESEND_EN), make("IN2", en=None, lonlat=DARTFORD_LONLAT),
                make("OUT2", en=None, postcode="DA11 0AA")]
    path = write(tmp_path / "area.csv", csv_text(header, rows))
    out_lines = {i + 2: "outside dartford" for i, r in enumerate(rows) if r[0].startswith("OUT")}
    report = check(con, path, kind, within="dartford", good={"IN1", "IN2"}, bad=out_lines)
    assert report.outside == len(out_lines) and report.rejected == 0
    assert f"{len(out_lines)} outside dartford" in report.summary()
    report = run(con, kind, path, within="none")
    assert (report.accepted, report.duplicate, report.rejected, report.outside) == (len(out_lines), 2, 0, 0)
    assert stored_ids(con) == {r[0] for r in rows}


def test_police_uk_within_is_decided_by_the_lsoa_code(con, tmp_path):
    # A snap point on the boundary road but attributed to a Dartford LSOA is Dartford's.
    rows = [pu_row("A1", lsoa="E01024182"), pu_row("A2", lsoa="E01024286", lsoa_name="Gravesham 002A"),
            pu_row("A3", lsoa=""), pu_row("A4", lsoa="", lon=str(GRAVESEND_LONLAT[0]), lat=str(GRAVESEND_LONLAT[1]))]
    check(con, write(tmp_path / "lsoa.csv", csv_text(POLICE_UK_HEADER, rows)), "police-uk", within="dartford",
          good={"A1", "A3"}, bad={3: "outside dartford", 5: "outside dartford"})
    # A3 had no LSOA code: it is computed from the position.
    assert con.execute("SELECT lsoa21cd FROM incidents WHERE source_key LIKE 'A3|%'").fetchone()[0] == "E01024182"


def test_bad_rows_win_over_outside(con, tmp_path):
    rows = [pe_row("G1"), pe_row("B1", en=GRAVESEND_EN, when="not a date")]
    check(con, write(tmp_path / "both.csv", csv_text(PE_HEADER, rows)), "police-extract", within="dartford",
          good={"G1"}, bad={3: "is not a date"})


# ---------------------------------------------------------------- column names


def test_column_aliases_and_case(con, tmp_path):
    header = ["Crime Reference", "Committed From", "Committed Time", "Police UK Type", "HO Offence Group",
              "Offence Description", "DA Flag", "X", "Y", "Street"]
    rows = [["CR1", "01/03/2024", "23:10", "Public order", "Public order offences", "Section 4", "n", "554000",
             "174000", "Lowfield Street"]]
    check(con, write(tmp_path / "aliases.csv", csv_text(header, rows)), "police-extract", good={"CR1"}, bad={})
    assert con.execute(
        "SELECT occurred_at::VARCHAR, date_precision, category, offence_group, subcategory, domestic_abuse, location "
        "FROM incidents").fetchone() == ("2024-03-01 23:10:00", "minute", "Public order", "Public order offences",
                                         "Section 4", False, "Lowfield Street")


def test_line_numbers_in_a_large_file_with_many_quoted_rows(con, tmp_path):
    """Every rejected row keeps its physical line in a file big enough to be parsed in parallel."""
    import random

    rng = random.Random(3)
    rows, bad, good, line = [], {}, set(), 2
    for i in range(80_000):
        kind = rng.random()
        if kind < 0.002:
            row = pe_row(f"B{i}", when="2024-02-30")
            bad[line] = "is not a date"
        elif kind < 0.003:
            row = pe_row(f"F{i}") + ["extra"]
            bad[line] = "has 15 fields"
        elif kind < 0.02:
            row = pe_row(f"G{i}", location=f"Flat {i}\nBlock {i % 7}, Road")
            good.add(f"G{i}")
        else:
            row = pe_row(f"G{i}")
            good.add(f"G{i}")
        rows.append(row)
        line += 1 + row[-1].count("\n") if len(row) == len(PE_HEADER) else 1
    text = csv_text(PE_HEADER, [])
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow(row)
    text += buf.getvalue()
    path = write(tmp_path / "large.csv", text)
    assert text.count("\n") == line - 1
    report = check(con, path, "police-extract", good=good, bad=bad)
    assert report.accepted == 80_000 - len(bad)
    raw = rejected_raw(con, report)
    physical = text.split("\n")
    for ln in bad:
        assert raw[ln].split(",")[0] == physical[ln - 1].split(",")[0], ln
