"""Data: import a file with the command line's checks, the import log, rejected rows and the store's contents.

Analysts and admins only (the menu leaves it out for viewers).

How an import runs. The app holds the store read-write while it runs
(``app_views.reads``), so an import:

1. checks the upload: at most ``MAX_UPLOAD_MB``, and its content must be what its
   name says (CSV text, an XLSX workbook or GeoJSON) and what the kind reads;
2. writes it to a private temporary directory under its own base name (never a
   path: the import log records the name);
3. runs ``queries.importing.import_file`` exactly as ``python -m hotspots import``
   does, on a cursor of the app's connection, one import at a time
   (``reads.writing``): one transaction per file, so a file refused whole changes
   nothing, and other sessions keep reading their snapshot meanwhile; the import
   and its audit entry are committed together;
4. forgets every cached read, so every page reads the new rows.

Streamlit holds an upload in memory before it is checked.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import asdict
from io import BytesIO
from pathlib import Path

import pandas as pd
import streamlit as st

from app_views import common, reads
from queries import imports_log
from queries.importing import ImportFailed, ImportReport, import_file
from queries.store import StoreError
from queries.summary import store_summary

PREFIX = "d_"
MAX_UPLOAD_MB = 200
MAX_MAPPING_KB = 64
MAX_NAME_CHARS = 120
PAGE_SIZE = 50
KINDS = {
    "police-uk": "police.uk street-level CSV",
    "police-extract": "CSP police extract (exact times)",
    "fly-tipping": "Council fly-tipping log",
    "fires": "Fire and rescue incidents",
    "generic": "Any CSV, XLSX or GeoJSON, with a mapping file (TOML)",
}
#: File types each kind reads; the generic importer converts spreadsheets and GeoJSON.
TYPES = {"csv": ("csv", "txt", "tsv"), "xlsx": ("xlsx", "xlsm"), "geojson": ("geojson", "json")}
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive", b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image", b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Office file",
}


class UploadRefused(ValueError):
    """The upload is not what its name or the chosen kind says; nothing was imported."""


def content_type(name: str, data: bytes) -> str:
    """``csv``, ``xlsx`` or ``geojson`` judged by the bytes, checked against the name's extension."""
    ext = Path(name).suffix.lower().lstrip(".")
    declared = next((t for t, exts in TYPES.items() if ext in exts), None)
    if declared is None:
        raise UploadRefused(f"{name}: .{ext or '?'} files are not imported; use CSV, XLSX or GeoJSON")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                found = "xlsx" if "xl/workbook.xml" in z.namelist() else None
        except zipfile.BadZipFile:
            found = None
        if found is None or declared != "xlsx":
            raise UploadRefused(f"{name}: the content is {'an XLSX workbook' if found else 'a ZIP archive'}, "
                                f"not {declared.upper()}")
        return "xlsx"
    if declared == "xlsx":
        raise UploadRefused(f"{name}: not an XLSX workbook (no spreadsheet inside)")
    for magic, what in BINARY_SIGNATURES.items():
        if data.startswith(magic):
            raise UploadRefused(f"{name}: the content is {what}, not {declared.upper()}")
    if declared == "geojson":
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise UploadRefused(f"{name}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
            raise UploadRefused(f"{name}: JSON but not a GeoJSON FeatureCollection")
        return "geojson"
    # Text: the importer reads UTF-8, UTF-16 and Windows-1252 and refuses binary files whole.
    return "csv"


def check_upload(name: str, data: bytes, kind: str) -> str:
    """The content type of an upload the chosen kind can read; raises ``UploadRefused``."""
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise UploadRefused(f"{name}: {len(data) / 2**20:,.0f} MB is over the {MAX_UPLOAD_MB} MB limit; "
                            "use `python -m hotspots import` for larger files")
    if not data:
        raise UploadRefused(f"{name}: the file is empty")
    found = content_type(name, data)
    if found != "csv" and kind != "generic":
        raise UploadRefused(f"{name}: {KINDS[kind]} files are CSV text; import {found.upper()} with "
                            "the generic kind and a mapping file")
    return found


def run_import(path: str, kind: str, file: Path, *, source: str | None, within: str, mapping: Path | None,
               progress, actor: str | None = None, role: str | None = None) -> ImportReport:
    """Import ``file`` into the store at ``path`` (audited as ``actor``), then make every page read afresh."""
    with reads.writing(path) as con:
        return import_file(con, kind, file, source=source, within=within, mapping=mapping, progress=progress,
                           actor=actor, role=role)


def safe_name(name: str) -> str:
    """The upload's base name, safe to write in the temporary directory and to show.

    Never a path (``../`` and drive letters are dropped), no control characters (a NUL
    would fail the write), at most ``MAX_NAME_CHARS`` characters with the extension kept.
    """
    base = Path(str(name).replace("\\", "/")).name
    base = "".join(c for c in base if c.isprintable()).strip().lstrip(".")
    if len(base) > MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:10] if dot else ""
        base = (stem if dot else base)[:MAX_NAME_CHARS - len(ext) - 1].rstrip() + (f".{ext}" if ext else "")
    return base or "upload.csv"


def _import_form(path: str) -> None:
    st.subheader("Import a file")
    c1, c2, c3 = st.columns([2, 1, 1])
    kind = c1.selectbox("Kind", list(KINDS), format_func=lambda k: f"{k}: {KINDS[k]}", key=f"{PREFIX}kind",
                        bind="query-params", help="The formats are in docs/formats.md.")
    within = c2.selectbox("Keep", ["dartford", "none"], key=f"{PREFIX}within",
                          format_func={"dartford": "rows inside Dartford", "none": "every row"}.get,
                          help="Rows outside the borough are counted as outside and listed as rejected rows.")
    source = c3.text_input("Source name", key=f"{PREFIX}source", placeholder="the kind's own",
                           help="Stored with each row; rows are de-duplicated within a source.").strip() or None
    # One list for every kind: a file kept across a change of kind must stay acceptable to the
    # widget; check_upload then says which kind reads it.
    types = [e for exts in TYPES.values() for e in exts]
    upload = st.file_uploader("File", type=types, key=f"{PREFIX}file", max_upload_size=MAX_UPLOAD_MB,
                              help=f"CSV text for every kind; XLSX or GeoJSON with the generic kind. "
                                   f"At most {MAX_UPLOAD_MB} MB.")
    mapping = None
    if kind == "generic":
        mapping = st.file_uploader("Mapping file (TOML)", type=["toml"], key=f"{PREFIX}mapping",
                                   help="Names the file's columns: see docs/mapping-example.toml.")
    ready = upload is not None and (kind != "generic" or mapping is not None)
    if not st.button("Import", type="primary", disabled=not ready, key=f"{PREFIX}go"):
        return
    name = safe_name(upload.name)
    bar = st.progress(0.0, text=f"{name}: checking the upload")
    outcome: dict = {"file": name}
    try:
        data = upload.getvalue()
        outcome["type"] = check_upload(name, data, kind)
        with tempfile.TemporaryDirectory(prefix="hotspots-upload-") as tmp:
            file = Path(tmp) / name
            file.write_bytes(data)
            mapping_file = None
            if mapping is not None:
                if mapping.size > MAX_MAPPING_KB * 1024:
                    raise UploadRefused(f"{mapping.name}: a mapping file over {MAX_MAPPING_KB} KB is not a mapping")
                mapping_file = Path(tmp) / "mapping.toml"
                mapping_file.write_bytes(mapping.getvalue())

            def progress(fraction: float, message: str) -> None:
                bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{name}: {message}")

            who = common.user()
            report = run_import(path, kind, file, source=source, within=within, mapping=mapping_file,
                                progress=progress, actor=who.name, role=who.role)
        outcome["report"] = asdict(report)
    except UploadRefused as exc:
        outcome["error"] = f"{exc} Nothing was imported."
    except ImportFailed as exc:
        problem = str(exc.problem)
        where = safe_name(exc.path) if Path(exc.path).name != "mapping.toml" else (mapping.name if mapping else "")
        outcome["error"] = f"{where}: {problem} (nothing was imported from this file)."
    except StoreError as exc:
        outcome["error"] = f"The store could not be opened, so nothing was imported: {exc}"
    bar.empty()
    st.session_state[f"{PREFIX}last"] = outcome


@st.cache_data(show_spinner=False)
def _rejected_of(path: str, import_id: int) -> pd.DataFrame:
    with reads.store(path).cursor() as con:
        return imports_log.rejected_rows(con, import_id=import_id, limit=1000)


def _last_import(path: str) -> None:
    outcome = st.session_state.get(f"{PREFIX}last")
    if not outcome:
        return
    st.subheader("Last import")
    if "error" in outcome:
        st.error(outcome["error"])
        return
    r = outcome["report"]
    within = "" if r["within"] == "none" else f", {r['outside']:,} outside {r['within']}"
    text = (f"**{r['file']}** (import {r['import_id']}, {r['kind']}, source `{r['source']}`): {r['read']:,} rows read, "
            f"{r['accepted']:,} accepted, {r['duplicate']:,} already in the store, {r['rejected']:,} rejected{within}.")
    (st.success if r["rejected"] == 0 else st.warning)(text)
    cols = st.columns(5)
    for col, (label, key) in zip(cols, [("Read", "read"), ("Accepted", "accepted"), ("Duplicates", "duplicate"),
                                        ("Rejected", "rejected"), ("Outside", "outside")]):
        col.metric(label, f"{r[key]:,}")
    for note in r["notes"]:
        st.caption(note)
    if r["no_location"]:
        st.caption(f"{r['no_location']:,} rows have no location.")
    if r["rejected"] or r["outside"]:
        try:
            rows = _rejected_of(path, r["import_id"])
        except StoreError as exc:
            st.error(f"The rejected rows cannot be read: {exc}")
            return
        st.markdown(f"Rejected and outside rows of {r['file']} (file, line and reason):")
        st.dataframe(rows[["file_name", "line", "reason", "raw"]], hide_index=True,
                     column_config={"file_name": "File", "line": st.column_config.NumberColumn("Line", format="%d"),
                                    "reason": "Reason", "raw": "Row as read"})


@st.cache_data(show_spinner=False)
def _summary(path: str) -> dict:
    with reads.store(path).cursor() as con:
        return store_summary(con)


@st.cache_data(show_spinner=False)
def _log(path: str) -> pd.DataFrame:
    with reads.store(path).cursor() as con:
        return imports_log.import_log(con)


@st.cache_data(show_spinner=False)
def _rejected_page(path: str, import_id: int | None, search: str, page: int) -> tuple[int, pd.DataFrame]:
    with reads.store(path).cursor() as con:
        n = imports_log.count_rejected(con, import_id=import_id, search=search or None)
        rows = imports_log.rejected_rows(con, import_id=import_id, search=search or None, limit=PAGE_SIZE,
                                         offset=(page - 1) * PAGE_SIZE)
    return n, rows


def _import_log(path: str, log: pd.DataFrame) -> None:
    st.subheader("Import log")
    if log.empty:
        st.info("No imports yet.")
        return
    st.dataframe(log.drop(columns=["sha256"]), hide_index=True, column_config={
        "import_id": "Import", "file_name": "File", "within_area": "Kept",
        "started_at": st.column_config.DatetimeColumn("Started", format="DD/MM/YYYY HH:mm"),
        "finished_at": st.column_config.DatetimeColumn("Finished", format="DD/MM/YYYY HH:mm"),
        **{c: st.column_config.NumberColumn(c.removeprefix("rows_").replace("_", " ").capitalize(), format="%d")
           for c in log.columns if c.startswith("rows_")},
    })


def _rejected(path: str, log: pd.DataFrame) -> None:
    st.subheader("Rejected rows")
    c1, c2, c3 = st.columns([1, 2, 1])
    names = dict(zip(log["import_id"], log["file_name"]))
    import_id = c1.selectbox("Import", [None, *names], format_func=lambda i: "All imports" if i is None
                             else f"{i}: {names[i]}", key=f"{PREFIX}rimport")
    search = c2.text_input("Search reason, row or file", key=f"{PREFIX}q", bind="query-params").strip()
    total = _rejected_page(path, import_id, search, 1)[0]
    pages = max(1, -(-total // PAGE_SIZE))
    page = int(c3.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1,
                               key=f"{PREFIX}page"))
    n, rows = _rejected_page(path, import_id, search, min(page, pages))
    st.caption(f"{n:,} rows match; rows {min(n, (page - 1) * PAGE_SIZE + 1):,} to "
               f"{min(n, page * PAGE_SIZE):,} are shown. Outside rows are listed here too.")
    st.dataframe(rows, hide_index=True, column_config={
        "import_id": "Import", "file_name": "File", "line": st.column_config.NumberColumn("Line", format="%d"),
        "reason": "Reason", "raw": "Row as read"})


def _holdings(s: dict) -> None:
    st.subheader("What the store holds")
    span = f"{s['first'][:10]} to {s['last'][:10]}" if s["first"] else "no dates"
    c = st.columns(4)
    c[0].metric("Incidents", f"{s['incidents']:,}")
    c[1].metric("With a position", f"{s['located']:,}")
    c[2].metric("Imports", f"{len(s['imports']):,}")
    c[3].metric("Rejected rows", f"{s['rejected_rows']:,}")
    st.caption(f"Dates: {span}. Sources are never added together: police.uk and a police extract describe "
               "the same crimes.")
    st.dataframe(pd.DataFrame(s["by_source"]), hide_index=True)
    left, right = st.columns(2)
    left.dataframe(pd.DataFrame(s["by_precision"]), hide_index=True)
    right.dataframe(pd.DataFrame(s["by_location_method"]), hide_index=True)
    with st.expander("By category"):
        st.dataframe(pd.DataFrame(s["by_category"]), hide_index=True)
    if s["rejected_by_reason"]:
        with st.expander("Rejected rows by reason"):
            st.dataframe(pd.DataFrame(s["rejected_by_reason"]), hide_index=True)


def render() -> None:
    common.require(analyst=True)
    path = common.store_path(need_rows=False)
    st.title("Data")
    st.caption(f"Store: `{path}`. Imports run the same checks as `python -m hotspots import`; "
               "each file is one transaction, and a file refused whole changes nothing.")
    _import_form(path)
    _last_import(path)
    log = _log(path)
    _import_log(path, log)
    _rejected(path, log)
    _holdings(_summary(path))
