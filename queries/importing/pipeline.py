"""One file into the store, in one transaction: stage, check, place, de-duplicate, store.

Every row ends in exactly one of: accepted, rejected (with a reason), outside the
study area, or duplicate (already in the store, or earlier in the same file). A
fatal problem (unreadable file, missing columns) raises ``ImportFailed`` and rolls
back, so the store is exactly as it was.
"""

import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from queries import audit
from queries.importing.columns import resolve
from queries.importing.errors import ImportFailed, ImportReport
from queries.importing.kind import CANDIDATE_COLUMNS, CANDIDATE_TYPES, POSITION_COLUMNS, Kind
from queries.importing.placing import AREAS, fill_lsoa_sql, load_reference, place_sql
from queries.importing.reading import MAX_FIELD_CHARS, SourceText, prepare_text, stage
from queries.importing.sqlparts import all_empty, content_hash, first_reason, oversize_reasons, raw_row
from queries.schema import INCIDENT_COLUMNS

#: ``progress(fraction, message)`` is called as the import moves through its stages.
Progress = Callable[[float, str], None]

SAMPLE_REJECTS = 5


def run_import(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    path: Path,
    *,
    source: str | None = None,
    within: str = "dartford",
    progress: Progress | None = None,
    now: datetime | None = None,
    src: SourceText | None = None,
    actor: str | None = None,
    role: str | None = None,
) -> ImportReport:
    """Import ``path`` as ``kind``; see ``queries.importing.import_file``."""
    if within not in AREAS:
        raise ValueError(f"within must be one of {AREAS}, not {within!r}")
    if source is not None and not isinstance(source, str):
        raise ValueError(f"source must be text, not {type(source).__name__} {source!r:.60}")
    step = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    started_at = datetime.now()
    now = now or started_at
    source = source or kind.default_source
    report = ImportReport(file=path.name, kind=kind.name, source=source, within=within)

    step(0.0, f"reading {path.name}")
    src = src or prepare_text(path)
    in_transaction = False
    try:
        cols = resolve(path, src.header, [*kind.columns, *POSITION_COLUMNS],
                       one_of=(kind.position_options,))
        step(0.15, "parsing")
        # Staging touches only TEMP tables, so it runs before the store's transaction: a
        # parser error inside a transaction would abort it, and staging may re-read the file.
        staged = stage(con, src, "_staging")
        report.notes += src.notes
        in_transaction = True
        con.execute("BEGIN TRANSACTION")
        step(0.45, "checking rows")
        _candidates(con, kind, cols, src, now)
        step(0.6, "placing positions")
        load_reference(con, within)
        con.execute(
            f"CREATE TEMP TABLE _placed AS {place_sql('_candidate', within=within, lsoa_decides_within=kind.lsoa_decides_within)}"
        )
        con.execute(fill_lsoa_sql("_placed"))
        step(0.75, "finding duplicates")
        _fates(con, source)
        step(0.85, "storing")
        import_id = con.execute("SELECT nextval('import_id_seq')").fetchone()[0]
        report.import_id = import_id
        _store(con, import_id, source, within, staged, src)
        _count(con, report, staged, src)
        if report.read == 0:
            report.notes.append("The file has a header but no data rows.")
        report.seconds = time.perf_counter() - started
        con.execute(
            # Columns named: later schema versions add columns (deleted_at, deleted_by) this leaves NULL.
            "INSERT INTO imports (import_id, file_name, sha256, kind, source, within_area, started_at, finished_at, "
            "rows_read, rows_accepted, rows_rejected, rows_duplicate, rows_outside, rows_no_location, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, path.name, src.sha256, kind.name, source, within, started_at, datetime.now(),
             report.read, report.accepted, report.rejected, report.duplicate, report.outside,
             report.no_location, " ".join(report.notes) or None],
        )
        if actor is not None:  # in the import's transaction: recorded exactly when the rows are stored
            audit.record(con, actor, "import", role=role, detail=_audit_detail(report))
        con.execute("COMMIT")
    except BaseException:
        if in_transaction:
            try:
                con.execute("ROLLBACK")
            except duckdb.TransactionException:
                pass  # BEGIN itself failed: there is nothing to roll back
        raise
    finally:
        src.close()
        con.execute("DROP VIEW IF EXISTS _candidate")
        for t in ("_staging", "_placed", "_final"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    step(1.0, "done")
    return report


def _audit_detail(report: ImportReport) -> dict:
    return {"import": report.import_id, "file": report.file, "kind": report.kind, "source": report.source,
            "within": report.within, "read": report.read, "accepted": report.accepted,
            "rejected": report.rejected, "duplicate": report.duplicate, "outside": report.outside}


def _candidates(con, kind: Kind, cols: dict[str, str], src: SourceText, now: datetime) -> None:
    sel = kind.select(cols)
    ncols = len(src.header)
    reasons = [(all_empty(ncols), "'the row is empty'"), *oversize_reasons(src.header, MAX_FIELD_CHARS), *sel.reasons]
    # Pre-computed columns are evaluated once per row; later ones may use earlier ones.
    pre_exprs = {**sel.pre, "_given_key": sel.exprs.get("given_key", "NULL")}
    exprs = {**sel.exprs, "given_key": "_given_key"}
    select = ",\n".join(
        f"CAST({exprs.get(name, 'NULL')} AS {CANDIDATE_TYPES.get(name, 'VARCHAR')}) AS {name}"
        for name in CANDIDATE_COLUMNS
    )
    pre_sql = "_staging"
    for name, expr in pre_exprs.items():
        pre_sql = f"(SELECT *, {expr} AS {name} FROM {pre_sql})"
    con.execute(
        f"""
        CREATE TEMP VIEW _candidate AS
        SELECT line, {first_reason(reasons)} AS reason,
               CASE WHEN _given_key IS NULL THEN {content_hash(ncols)} END AS row_hash,
               {select}
        FROM {pre_sql}
        """.replace("$now", f"TIMESTAMP '{now.isoformat(sep=' ', timespec='seconds')}'")
    )


def _fates(con, source: str) -> None:
    """Key every row and decide its fate: accepted, rejected, outside or duplicate.

    Rows without a key of their own are keyed by their content and their occurrence
    among identical rows, so identical rows stay distinct incidents but a re-import
    of the same file matches them one for one.
    """
    con.execute(
        """
        CREATE TEMP TABLE _final AS
        WITH keyed AS (
            SELECT * EXCLUDE (row_hash, occ), coalesce(given_key, 'h:' || row_hash || ':' || occ) AS source_key
            FROM (
                SELECT *, NULL::BIGINT AS occ FROM _placed WHERE given_key IS NOT NULL
                UNION ALL BY NAME
                SELECT *, row_number() OVER (PARTITION BY row_hash ORDER BY line) AS occ
                FROM _placed WHERE given_key IS NULL
            )
        ), firsts AS (
            SELECT source_key, min(line) AS first_line FROM keyed WHERE reason IS NULL AND inside GROUP BY source_key
        )
        SELECT k.*,
               CASE WHEN k.reason IS NOT NULL THEN 'rejected'
                    WHEN NOT k.inside THEN 'outside'
                    WHEN f.first_line <> k.line
                      OR k.source_key IN (SELECT source_key FROM incidents WHERE source = $source) THEN 'duplicate'
                    ELSE 'accepted' END AS fate
        FROM keyed k LEFT JOIN firsts f ON f.source_key = k.source_key
        """,
        {"source": source},
    )


def _store(con, import_id: int, source: str, within: str, staged, src: SourceText) -> None:
    select = ", ".join(
        {"source": "$source AS source", "import_id": "$import_id AS import_id"}.get(c, c) for c in INCIDENT_COLUMNS
    )
    con.execute(
        f"INSERT INTO incidents ({', '.join(INCIDENT_COLUMNS)}) "
        f"SELECT {select} FROM _final WHERE fate = 'accepted' ORDER BY occurred_at",
        {"source": source, "import_id": import_id},
    )
    con.execute(
        f"""
        INSERT INTO rejected_rows
        SELECT $import_id, line, {raw_row(len(src.header), src.delimiter)},
               CASE WHEN fate = 'outside' AND easting IS NULL AND lsoa21cd IS NULL
                    THEN 'no location: cannot be placed in ' || $within
                    WHEN fate = 'outside' THEN 'outside ' || $within
                    ELSE reason END
        FROM _final JOIN _staging USING (line) WHERE fate IN ('rejected', 'outside')
        ORDER BY line
        """,
        {"import_id": import_id, "within": within},
    )
    early = [(import_id, line, raw, reason) for line, raw, reason in [*staged.parse_rejects, *src.early_rejects]]
    if early:
        con.executemany("INSERT INTO rejected_rows VALUES (?, ?, ?, ?)", early)


def _count(con, report: ImportReport, staged, src: SourceText) -> None:
    fates = dict(con.execute("SELECT fate, count(*) FROM _final GROUP BY fate").fetchall())
    early = len(staged.parse_rejects) + len(src.early_rejects)
    report.accepted = fates.get("accepted", 0)
    report.rejected = fates.get("rejected", 0) + early
    report.outside = fates.get("outside", 0)
    report.duplicate = fates.get("duplicate", 0)
    report.read = report.accepted + report.rejected + report.outside + report.duplicate
    report.no_location = con.execute(
        "SELECT count(*) FROM _final WHERE pos_kind = 'none' AND reason IS NULL"
    ).fetchone()[0]
    report.sample_rejects = [
        (line, reason)
        for line, reason in con.execute(
            "SELECT line, reason FROM rejected_rows WHERE import_id = ? AND line NOT IN "
            "(SELECT line FROM _final WHERE fate = 'outside') ORDER BY line LIMIT ?",
            [report.import_id, SAMPLE_REJECTS],
        ).fetchall()
    ]
