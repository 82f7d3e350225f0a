"""The Data page through AppTest: upload, import with the command line's checks, the report, the log and the store.

Each test works on its own copy of the demo store (an import writes to it).
"""

from __future__ import annotations

import shutil
from pathlib import Path
import zipfile
from io import BytesIO

import pytest
from streamlit.testing.v1 import AppTest

from app_views.pages.data import MAX_UPLOAD_MB, UploadRefused, check_upload, safe_name
from queries import imports_log
from queries.store import connect
from tests.fixtures import DARTFORD_GRAVESHAM
from tests.importing.conftest import POLICE_UK_HEADER, csv_text, police_uk_row, snapshot

from .conftest import APP, open_page

pytestmark = pytest.mark.slow  # each AppTest run takes seconds


@pytest.fixture
def store(demo_store, tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setenv("HOTSPOTS_DB", str(path))
    return path


@pytest.fixture
def app(store):
    at = open_page(AppTest.from_file(APP, default_timeout=120), "data").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def read(path, fn):
    con = connect(path)
    try:
        return fn(con)
    finally:
        con.close()


def data_snapshot(con) -> dict:
    """``snapshot`` of everything but the audit log, which records the refusal (see below)."""
    out = snapshot(con)
    out.pop("audit")
    out["_sequences"] = [s for s in out["_sequences"] if s[0] != "audit_id_seq"]
    return out


def audited_imports(path) -> list[tuple]:
    return read(path, lambda c: c.execute(
        "SELECT actor, outcome, detail FROM audit WHERE action = 'import' ORDER BY audit_id").fetchall())


def count(path) -> int:
    return read(path, lambda c: c.execute("SELECT count(*) FROM incidents").fetchone()[0])


def upload(at, name: str, data: bytes, kind: str = "police-uk"):
    at.selectbox(key="d_kind").set_value(kind)
    at.file_uploader(key="d_file").set_value((name, data, "text/csv"))
    at.run()
    at.button(key="d_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def may_rows(n: int) -> list[list[str]]:
    # May 2024: a month the demo store does not hold.
    return [police_uk_row(f"MAY{i:04d}", month="2024-05") for i in range(n)]


def test_import_shows_the_report_and_the_new_rows(app, store):
    before = count(store)
    upload(app, "2024-05-street.csv", csv_text(POLICE_UK_HEADER, may_rows(20)).encode())
    assert not app.error, [e.value for e in app.error]
    assert count(store) == before + 20
    assert any("**2024-05-street.csv**" in s.value and "20 accepted" in s.value for s in app.success)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Read"], metrics["Accepted"], metrics["Rejected"]) == ("20", "20", "0")
    assert metrics["Incidents"] == f"{before + 20:,}"  # the caches were cleared: the page sees the rows
    log = read(store, imports_log.import_log)
    assert log.iloc[0]["file_name"] == "2024-05-street.csv" and log.iloc[0]["rows_accepted"] == 20
    assert app.dataframe[0].value.iloc[0]["file_name"] == "2024-05-street.csv"  # the import log, newest first
    (actor, outcome, detail), = audited_imports(store)  # committed with the rows, under the user's name
    assert (actor, outcome) == ("tester", "ok") and '"accepted": 20' in detail


def test_bad_rows_are_listed_with_file_line_and_reason(app, store):
    rows = may_rows(5) + [police_uk_row("BAD1", month="2024-13"), police_uk_row("BAD2", crime_type="Jaywalking")]
    upload(app, "bad-rows.csv", csv_text(POLICE_UK_HEADER, rows).encode())
    assert any("2 rejected" in w.value for w in app.warning)
    table = app.dataframe[0].value
    assert list(table.columns[:3]) == ["file_name", "line", "reason"]
    import_id = int(read(store, imports_log.import_log).iloc[0]["import_id"])
    stored = read(store, lambda c: imports_log.rejected_rows(c, import_id=import_id))
    assert set(table["file_name"]) == {"bad-rows.csv"}
    assert dict(zip(table["line"], table["reason"])) == dict(zip(stored["line"], stored["reason"]))
    assert sorted(table["line"]) == [7, 8]  # header is line 1


@pytest.mark.parametrize("name, data, says", [
    ("no-columns.csv", b"a,b\n1,2\n", "no-columns.csv: "),
    ("picture.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "the content is a PNG image"),
    ("empty.csv", b"", "the file is empty"),
])
def test_a_refused_file_says_why_and_leaves_the_store_unchanged(app, store, name, data, says):
    before = read(store, data_snapshot)
    upload(app, name, data)
    assert len(app.error) == 1 and says in app.error[0].value and "othing was imported" in app.error[0].value
    assert read(store, data_snapshot) == before
    if says.endswith(": "):  # refused by the importer (not by the upload check): audited as failed
        assert [(a, o) for a, o, _ in audited_imports(store)] == [("tester", "failed")]


def test_a_workbook_needs_the_generic_kind_and_a_mapping(app, store):
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    before = read(store, data_snapshot)
    app.selectbox(key="d_kind").set_value("generic")
    app.file_uploader(key="d_file").set_value(("log.xlsx", buf.getvalue(), "application/octet-stream"))
    app.run()
    assert app.button(key="d_go").disabled  # no mapping file yet
    app.selectbox(key="d_kind").set_value("police-uk").run()  # the upload stays; the kind cannot read it
    app.button(key="d_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "log.xlsx" in app.error[0].value and "generic kind" in app.error[0].value
    assert read(store, data_snapshot) == before


@pytest.mark.skipif(not DARTFORD_GRAVESHAM.exists(), reason="shared police.uk data not present")
def test_a_real_police_uk_file_already_in_the_store_adds_nothing(app, store):
    path = DARTFORD_GRAVESHAM / "2024-02-kent-street-dartford-gravesham.csv"
    before = count(store)
    upload(app, path.name, path.read_bytes())
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accepted"] == "0" and int(metrics["Duplicates"].replace(",", "")) > 0
    assert int(metrics["Outside"].replace(",", "")) > 0  # the Gravesham rows
    assert count(store) == before


def test_rejected_rows_are_searchable_and_paged(app, store):
    total = read(store, imports_log.count_rejected)
    assert f"{total:,} rows match" in " ".join(c.value for c in app.caption)
    app.text_input(key="d_q").set_value("no such reason anywhere").run()
    assert "0 rows match" in " ".join(c.value for c in app.caption)
    app.text_input(key="d_q").set_value("").run()
    app.number_input(key="d_page").set_value(2).run()
    shown = app.dataframe[1].value
    expected = read(store, lambda c: imports_log.rejected_rows(c, limit=50, offset=50))
    assert list(shown["line"]) == list(expected["line"])


def test_generic_import_with_a_mapping_file(app, store):
    mapping = (Path(__file__).resolve().parents[2] / "docs" / "mapping-example.toml").read_bytes()
    rows = [[f"CCTV-{i}", "Street drinking", "2024-05-03", "21:15", "554000", "174000", "High Street"] for i in range(6)]
    data = csv_text(["Ref", "Type", "Date", "Time", "X", "Y", "Street"], rows).encode()
    app.selectbox(key="d_kind").set_value("generic").run()
    app.file_uploader(key="d_file").set_value(("cctv.csv", data, "text/csv"))
    app.file_uploader(key="d_mapping").set_value(("cctv.toml", mapping, "application/toml"))
    app.run()
    app.button(key="d_go").click().run()
    assert not app.exception and not app.error, [e.value for e in [*app.exception, *app.error]]
    assert {m.label: m.value for m in app.metric}["Accepted"] == "6"
    stored = read(store, lambda c: c.execute(
        "SELECT source, layer, count(*) FROM incidents WHERE source_key LIKE 'CCTV-%' GROUP BY ALL").fetchall())
    assert stored == [("council-cctv-log", "asb", 6)]


@pytest.mark.parametrize("given,kept", [
    ("../../etc/cron.d/evil.csv", "evil.csv"),
    ("..\\..\\Windows\\evil.csv", "evil.csv"),
    ("C:\\Users\\me\\Desktop\\log.csv", "log.csv"),
    ("/tmp/../..", "upload.csv"),
    ("", "upload.csv"),
    ("nul\x00byte\n.csv", "nulbyte.csv"),
    (".hidden.csv", "hidden.csv"),
    ("x" * 300 + ".csv", "x" * 116 + ".csv"),
])
def test_upload_names_are_base_names_safe_to_write(given, kept):
    assert safe_name(given) == kept


def test_an_upload_over_the_limit_is_refused_before_anything_else():
    data = b"a,b\n" + b"1,2\n" * ((MAX_UPLOAD_MB * 2**20) // 4)
    with pytest.raises(UploadRefused, match=f"over the {MAX_UPLOAD_MB} MB limit"):
        check_upload("big.csv", data, "police-uk")


def test_a_path_in_the_upload_name_is_not_followed(app, store, tmp_path):
    name = "../../" + "escaped-upload.csv"
    upload(app, name, csv_text(POLICE_UK_HEADER, may_rows(3)).encode())
    assert not app.error, [e.value for e in app.error]
    log = read(store, imports_log.import_log)
    assert log.iloc[0]["file_name"] == "escaped-upload.csv" and log.iloc[0]["rows_accepted"] == 3
    import tempfile

    root = Path(tempfile.gettempdir())
    assert not (root.parent / "escaped-upload.csv").exists() and not (root / "escaped-upload.csv").exists()
