"""The generic importer: CSV, XLSX and GeoJSON files with a TOML mapping."""

import datetime as dt
import json

import openpyxl
import pytest

from queries.importing import ImportFailed, import_file
from queries.store import connect

MAPPING = """
source = "council-cctv-log"
layer = "asb"
key = "Ref"
category = "Type"
date = "Date"
time = "Time"
easting = "X"
northing = "Y"
location = "Street"
"""


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "store.duckdb")
    yield con
    con.close()


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(MAPPING)
    return path


def rows(con, sql="SELECT source, source_key, layer, category, occurred_at, date_precision, location FROM incidents ORDER BY source_key"):
    return con.execute(sql).fetchall()


def test_csv_with_mapping(store, mapping, tmp_path):
    f = tmp_path / "log.csv"
    f.write_text(
        "Ref,Type,Date,Time,X,Y,Street\n"
        "A1,Nuisance,2024-03-01,21:15,554000,174300,High Street\n"
        "A2,Nuisance,02/03/2024,,554100,174350,Spital Street\n"
        "A3,,2024-03-02,,554100,174350,Spital Street\n"
    )
    report = import_file(store, "generic", f, mapping=mapping)
    assert (report.read, report.accepted, report.rejected) == (3, 2, 1)
    assert report.sample_rejects == [(4, "Type is empty")]
    assert rows(store) == [
        ("council-cctv-log", "A1", "asb", "Nuisance", dt.datetime(2024, 3, 1, 21, 15), "minute", "High Street"),
        ("council-cctv-log", "A2", "asb", "Nuisance", dt.datetime(2024, 3, 2), "day", "Spital Street"),
    ]
    # LSOAs are filled in from the position when the file has none.
    assert store.execute("SELECT count(*) FROM incidents WHERE lsoa21cd LIKE 'E01%'").fetchone()[0] == 2


def test_xlsx_rows_keep_their_sheet_row_numbers(store, mapping, tmp_path):
    f = tmp_path / "log.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Type", "Date", "Time", "X", "Y", "Street"])
    sheet.append(["B1", "Nuisance", dt.datetime(2024, 3, 1, 22, 0), None, 554000, 174300, "High\nStreet"])
    sheet.append(["B2", "Rowdy", dt.date(2024, 3, 4), dt.time(23, 30), 554050, 174320, "Market St"])
    sheet.append(["B3", "Rowdy", "next Tuesday", None, 554050, 174320, "Market St"])
    book.save(f)
    report = import_file(store, "generic", f, mapping=mapping)
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.sample_rejects[0][0] == 4 and "not a date" in report.sample_rejects[0][1]
    assert rows(store)[1][4] == dt.datetime(2024, 3, 4, 23, 30)
    assert rows(store)[0][6] == "High Street"


def test_geojson_uses_its_geometry(store, mapping, tmp_path):
    f = tmp_path / "log.geojson"
    feature = lambda ref, lon, lat: {  # noqa: E731
        "type": "Feature",
        "properties": {"Ref": ref, "Type": "Nuisance", "Date": "2024-03-05 20:00", "Street": "X"},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        feature("C1", 0.2167, 51.4463),  # Dartford town centre
        feature("C2", 1.2, 51.2),  # Dover: outside the borough
    ]}))
    report = import_file(store, "generic", f, mapping=mapping)
    assert (report.accepted, report.outside) == (1, 1)
    e, n = store.execute("SELECT easting, northing FROM incidents").fetchone()
    assert 553_500 < e < 555_000 and 173_500 < n < 175_000


@pytest.mark.parametrize(
    "text, problem",
    [
        ('source = "x"\nlayer = "asb"\ndate = "Date"\n', "'category' is required"),
        ('source = "x"\nlayer = "crime"\ncategory = "T"\ndate = "D"\n', "layer 'crime' is not one of"),
        ('source = "x"\ncategory = "T"\ndate = "D"\n', "exactly one of 'layer'"),
        ('source = "x"\nlayer = "asb"\ncategory = "T"\ndate = "D"\ncolour = "C"\n', "unknown keys ['colour']"),
        ("source = \n", "not a valid TOML mapping file"),
    ],
)
def test_bad_mapping_is_named(store, tmp_path, text, problem):
    mapping = tmp_path / "bad.toml"
    mapping.write_text(text)
    data = tmp_path / "log.csv"
    data.write_text("T,D,X,Y\nNuisance,2024-03-01,554000,174300\n")
    with pytest.raises(ImportFailed, match=str(mapping)) as err:
        import_file(store, "generic", data, mapping=mapping)
    assert problem in str(err.value)
    assert store.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_mapping_naming_absent_columns_fails_whole_file(store, mapping, tmp_path):
    f = tmp_path / "log.csv"
    f.write_text("Reference,Kind,When\nA1,Nuisance,2024-03-01\n")
    with pytest.raises(ImportFailed) as err:
        import_file(store, "generic", f, mapping=mapping)
    assert "missing column 'category'" in str(err.value) and "'Kind'" in str(err.value)
    assert store.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0


def test_not_an_xlsx(store, mapping, tmp_path):
    f = tmp_path / "fake.xlsx"
    f.write_text("this is not a workbook")
    with pytest.raises(ImportFailed, match="not a readable .xlsx workbook"):
        import_file(store, "generic", f, mapping=mapping)
