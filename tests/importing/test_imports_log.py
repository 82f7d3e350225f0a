"""The import pipeline's progress callback, and queries.imports_log (the Data view's import log and rejected rows)."""

from __future__ import annotations

import pytest

from queries import imports_log
from queries.importing import ImportFailed, import_file

from .conftest import NOW, POLICE_UK_HEADER, csv_text, police_uk_row, rejected, run, write


def police_uk_file(tmp_path, name: str, good: int, bad: list[list[str]] = ()) -> tuple:
    rows = [police_uk_row(f"{name}-{i}") for i in range(good)] + list(bad)
    return write(tmp_path / f"{name}.csv", csv_text(POLICE_UK_HEADER, rows))


def test_progress_follows_the_stages_and_ends_after_the_commit(con, tmp_path):
    path = police_uk_file(tmp_path, "jan", 30, [police_uk_row("bad", crime_type="Jaywalking")])
    watcher = con.cursor()  # a second connection: sees only committed rows
    calls = []

    def progress(fraction, message):
        stored = watcher.execute("SELECT count(*) FROM incidents").fetchone()[0]
        calls.append((fraction, message, stored))

    report = import_file(con, "police-uk", path, now=NOW, progress=progress)
    fractions = [f for f, _, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)
    messages = [m for _, m, _ in calls]
    for stage in ("parsing", "checking rows", "placing positions", "storing", "done"):
        assert stage in messages
    # Stages come in pipeline order, and rows are visible to others only once it reports done.
    assert messages.index("parsing") < messages.index("checking rows") < messages.index("placing positions") \
        < messages.index("storing") < messages.index("done")
    assert all(stored == 0 for _, m, stored in calls if m != "done")
    assert calls[-1][2] == report.accepted == 30
    watcher.close()


def test_progress_of_a_refused_file_never_reaches_done(con, tmp_path):
    path = write(tmp_path / "nocols.csv", "a,b\n1,2\n")
    calls = []
    with pytest.raises(ImportFailed):
        import_file(con, "police-uk", path, now=NOW, progress=lambda f, m: calls.append(f))
    assert calls and max(calls) < 1.0
    assert imports_log.import_log(con).empty


@pytest.fixture
def two_imports(con, tmp_path):
    bad = [police_uk_row("b1", month="2024-13"), police_uk_row("b2", crime_type="Jaywalking"),
           police_uk_row("b3", lon="0.367687", lat="51.442612")]  # Gravesend: outside Dartford
    first = run(con, "police-uk", police_uk_file(tmp_path, "feb", 5, bad))
    second = run(con, "police-uk", police_uk_file(tmp_path, "mar", 4))
    return first, second


def test_import_log_newest_first_with_the_counts(con, two_imports):
    first, second = two_imports
    log = imports_log.import_log(con)
    assert list(log["import_id"]) == [second.import_id, first.import_id]
    assert list(log.columns) == list(imports_log.IMPORT_COLUMNS)
    row = log.set_index("import_id").loc[first.import_id]
    assert (row["file_name"], row["rows_read"], row["rows_accepted"], row["rows_rejected"], row["rows_outside"]) == \
        ("feb.csv", first.read, first.accepted, first.rejected, first.outside)
    assert list(imports_log.import_log(con, limit=1)["import_id"]) == [second.import_id]


def test_rejected_rows_give_file_line_and_reason(con, two_imports):
    first, _ = two_imports
    rows = imports_log.rejected_rows(con, import_id=first.import_id)
    assert set(rows["file_name"]) == {"feb.csv"}
    assert dict(zip(rows["line"], rows["reason"])) == rejected(con, first)
    assert len(rows) == first.rejected + first.outside == imports_log.count_rejected(con, import_id=first.import_id)
    assert imports_log.rejected_rows(con).shape[0] == imports_log.count_rejected(con) == len(rows)


def test_search_is_case_insensitive_and_literal(con, two_imports):
    first, _ = two_imports
    reasons = rejected(con, first)
    outside = [line for line, reason in reasons.items() if reason.startswith("outside")]
    hits = imports_log.rejected_rows(con, search="  OUTSIDE ")
    assert list(hits["line"]) == outside and imports_log.count_rejected(con, search="Outside") == len(outside)
    assert imports_log.count_rejected(con, search="FEB.CSV") == len(reasons)  # the file name matches
    assert imports_log.count_rejected(con, search="b2,") == 1  # the raw row matches
    for wildcard in ("%", "_", "'; DROP TABLE imports; --"):
        assert imports_log.count_rejected(con, search=wildcard) == 0
    assert imports_log.count_rejected(con, search="") == imports_log.count_rejected(con, search=None) == len(reasons)


def test_paging_covers_every_row_once(con, two_imports):
    total = imports_log.count_rejected(con)
    pages = [imports_log.rejected_rows(con, limit=2, offset=o) for o in range(0, total, 2)]
    lines = [(r.import_id, r.line) for p in pages for r in p.itertuples()]
    assert len(lines) == len(set(lines)) == total
    assert imports_log.rejected_rows(con, limit=2, offset=total).empty
    with pytest.raises(ValueError):
        imports_log.rejected_rows(con, limit=-1)
