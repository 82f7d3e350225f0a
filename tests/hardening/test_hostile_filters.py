"""Hostile values in every filter: the store's filtered reads, the import log and the shared scope.

Each filter of ``queries.incidents``, ``queries.imports_log`` and ``briefings.scope`` gets SQL
injection classics, LIKE wildcards, quotes and backslashes, NUL bytes, 100,000-character
strings, right-to-left marks, emoji and combining marks, HTML, line breaks, DuckDB parameter
markers, and values of the wrong type. Each must give the right answer (nothing, for a value no
row holds; the same rows as without it, when it is added to a real one) or a ``ValueError`` whose
message names the field: never a DuckDB error, another exception type, or a crash. The store is
the demo store (real police.uk rows and generated rows in every layer), open for writing, and it
must be exactly as it was afterwards.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from briefings.scope import Scope, describe_window, select
from queries import imports_log
from queries import incidents as q

from .conftest import fingerprint, tables

HOSTILE = [
    "'; DROP TABLE incidents; --",
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "police.uk' OR source <> '",
    "x'); DELETE FROM incidents; --",
    "'; ATTACH '/tmp/evil.duckdb' AS evil; --",
    "%", "_", "%%", "offence%", "_ffence", "\\", "\\'", '"', ";", "'", "''", "--", "/*", "*/",
    "?", "$1", "$source", "$now", "{}", "{0}", "%s",
    "\x00", "police.uk\x00", "offence\x00'; DROP TABLE incidents; --",
    "x" * 100_000,
    "'" * 100_000,
    "\u202e", "\u202ekuf.ecilop", "\u200b", "\ufeff", "😀", "👨‍👩‍👧", "e\u0301", "Z\u0337\u0322\u0354a\u0338l\u0335g\u0336o",
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "javascript:alert(1)",
    "line1\nline2", "\r\n", "\t", " ", "", "NULL", "null", "None", "true", "0", "-1",
    "DROP TABLE incidents", "SELECT * FROM users", "${jndi:ldap://x}", "../../etc/passwd",
    "OFFENCE", " offence", "Police.UK",
]
#: Values of the wrong type, as a bug or a hand-edited request might pass them.
WRONG_TYPES = [123, -1, 1.5, float("nan"), True, b"offence", bytearray(b"x"), ["offence"], {"offence": 1},
               object(), date(2024, 1, 1), np.int64(3)]

SOURCE = "demo-generated"
START, END = date(2023, 10, 1), date(2024, 4, 1)
DB_ERRORS = ("Error:", "LINE 1", "Parser", "Binder", "Conversion", "Catalog")


def is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and value == value


def ids(values):
    return [f"{i}:{repr(v)[:24]}" for i, v in enumerate(values)]


@pytest.fixture(scope="module")
def store(demo):
    """The demo store; fingerprinted before the module's tests and checked unchanged after them."""
    before = fingerprint(demo)
    yield demo
    assert fingerprint(demo) == before, "a filter value changed the store"


@pytest.fixture(scope="module")
def counts(store):
    return tables(store)


@pytest.fixture
def con(store, counts):
    """The store, with every table's row count checked after each test."""
    yield store
    assert tables(store) == counts


def refused(call, *words) -> str:
    """``call()`` must raise a ValueError (not a DuckDB error) whose short message holds ``words``."""
    with pytest.raises(ValueError) as info:
        call()
    assert not isinstance(info.value, duckdb.Error)
    message = str(info.value)
    assert len(message) < 400, f"the message echoes the input whole ({len(message):,} characters)"
    assert not any(e in message for e in DB_ERRORS), message
    for w in words:
        assert w in message, f"{message!r} should name {w!r}"
    return message


@pytest.fixture(scope="module")
def real(store):
    """Real values from the store, to combine with hostile ones."""
    return {
        "sources": set(q.sources(store)["source"]),
        "offences": q.count_incidents(store, q.IncidentFilter(SOURCE, layers=("offence",))),
        "shoplifting": q.count_incidents(store, q.IncidentFilter(SOURCE, categories=("Shoplifting",))),
        "all": q.count_incidents(store, q.IncidentFilter(SOURCE, located_only=False)),
    }


# ---------------------------------------------------------------- queries.incidents


@pytest.mark.parametrize("value", HOSTILE, ids=ids(HOSTILE))
def test_incident_filter_text_fields_hold_hostile_strings_as_values(con, real, value):
    assert value not in real["sources"]
    by_source = q.IncidentFilter(value)
    assert q.count_incidents(con, by_source) == 0
    assert q.count_unlocated(con, by_source) == 0
    frame = q.fetch_incidents(con, by_source)
    assert frame.empty and tuple(frame.columns) == q.MAP_COLUMNS

    assert q.count_incidents(con, q.IncidentFilter(SOURCE, layers=(value,))) == 0
    assert q.count_incidents(con, q.IncidentFilter(SOURCE, categories=(value,))) == 0
    # Alongside a real value, a hostile one adds nothing and takes nothing away.
    assert q.count_incidents(con, q.IncidentFilter(SOURCE, layers=("offence", value))) == real["offences"]
    assert q.count_incidents(con, q.IncidentFilter(SOURCE, categories=(value, "Shoplifting"))) == real["shoplifting"]
    shop = q.fetch_incidents(con, q.IncidentFilter(SOURCE, categories=(value, "Shoplifting")), ("category",))
    assert set(shop["category"]) == {"Shoplifting"}


@pytest.mark.parametrize("value", HOSTILE, ids=ids(HOSTILE))
def test_lookups_hold_hostile_strings_as_values(con, value):
    assert q.sources(con, value).empty
    assert q.default_source(con, value) is None
    assert q.categories(con, value) == []
    assert q.categories(con, SOURCE, value) == []
    assert q.layers(con, value) == []
    assert q.date_span(con, value) is None
    assert q.date_span(con, SOURCE, value) is None


@pytest.mark.parametrize("value", HOSTILE, ids=ids(HOSTILE))
def test_column_names_are_never_taken_from_the_caller(con, value):
    f = q.IncidentFilter(SOURCE)
    refused(lambda: q.fetch_incidents(con, f, (value,)), "unknown incident columns")
    refused(lambda: q.fetch_incidents(con, f, ("layer", value)), "unknown incident columns")


def test_columns_must_be_a_non_empty_list_of_names(con):
    f = q.IncidentFilter(SOURCE)
    refused(lambda: q.fetch_incidents(con, f, ()), "no columns")
    refused(lambda: q.fetch_incidents(con, f, "layer"), "columns")  # not read as l, a, y, e, r
    refused(lambda: q.fetch_incidents(con, f, ("layer", 3)), "columns")


@pytest.mark.parametrize("value", WRONG_TYPES, ids=ids(WRONG_TYPES))
def test_incident_filter_refuses_values_of_the_wrong_type(con, value):
    refused(lambda: q.IncidentFilter(value), "source")
    if not isinstance(value, (list, set, tuple)):
        refused(lambda: q.IncidentFilter(SOURCE, layers=value), "layers")
        refused(lambda: q.IncidentFilter(SOURCE, categories=value), "categories")
    refused(lambda: q.IncidentFilter(SOURCE, layers=("offence", value)), "layers")
    refused(lambda: q.IncidentFilter(SOURCE, categories=(value,)), "categories")
    if not isinstance(value, date):
        refused(lambda: q.IncidentFilter(SOURCE, start=value), "start")
        refused(lambda: q.IncidentFilter(SOURCE, end=value), "end")
    refused(lambda: q.IncidentFilter(SOURCE, bbox=value), "bbox")
    if not is_number(value):
        refused(lambda: q.IncidentFilter(SOURCE, bbox=(0, 0, value, 1e7)), "bbox")
    if value is not True:
        refused(lambda: q.IncidentFilter(SOURCE, located_only=value), "located_only")
    refused(lambda: q.sources(con, value), "layer")
    refused(lambda: q.categories(con, value), "source")
    refused(lambda: q.categories(con, SOURCE, value), "layer")
    refused(lambda: q.layers(con, value), "source")
    refused(lambda: q.date_span(con, value), "source")
    refused(lambda: q.date_span(con, SOURCE, value), "layer")


@pytest.mark.parametrize("value", ["2024-01-01", "2024-01-01'; DROP TABLE incidents; --", "yesterday", "", pd.NaT],
                         ids=ids(["iso", "injection", "word", "empty", "NaT"]))
def test_dates_must_be_dates_not_text(con, value):
    refused(lambda: q.IncidentFilter(SOURCE, start=value), "start")
    refused(lambda: q.IncidentFilter(SOURCE, end=value), "end")


def test_dates_and_boxes_of_every_accepted_kind_give_the_same_rows(con):
    as_date = q.count_incidents(con, q.IncidentFilter(SOURCE, start=START, end=END))
    assert as_date > 0
    for start, end in ((datetime(2023, 10, 1), datetime(2024, 4, 1)), (pd.Timestamp(START), pd.Timestamp(END))):
        assert q.count_incidents(con, q.IncidentFilter(SOURCE, start=start, end=end)) == as_date
    box = (540_000, 165_000, 565_000, 180_000)
    boxed = q.count_incidents(con, q.IncidentFilter(SOURCE, bbox=box))
    assert q.count_incidents(con, q.IncidentFilter(SOURCE, bbox=[np.float32(v) for v in box])) == boxed
    assert q.count_incidents(con, q.IncidentFilter(SOURCE, bbox=(-np.inf, -np.inf, np.inf, np.inf))) == \
        q.count_incidents(con, q.IncidentFilter(SOURCE))
    assert q.count_incidents(con, q.IncidentFilter(SOURCE, bbox=box[2:] + box[:2])) == 0  # min above max
    refused(lambda: q.IncidentFilter(SOURCE, bbox=(np.nan, 0, 1, 1)), "bbox")
    refused(lambda: q.IncidentFilter(SOURCE, bbox=(0, 0, 1)), "bbox")


# ---------------------------------------------------------------- queries.imports_log


@pytest.fixture(scope="module")
def rejected_all(store) -> pd.DataFrame:
    frame = imports_log.rejected_rows(store, limit=1_000_000)
    assert len(frame) > 100, "the demo store holds rows outside Dartford"
    return frame


def expected_matches(frame: pd.DataFrame, search: str | None) -> int:
    """What a literal, case-insensitive search of reason, raw line and file name should find."""
    text = search.strip().lower() if search and search.strip() else None
    if text is None:
        return len(frame)
    hits = (frame["reason"].str.lower().str.contains(text, regex=False)
            | frame["raw"].fillna("").str.lower().str.contains(text, regex=False)
            | frame["file_name"].fillna("").str.lower().str.contains(text, regex=False))
    return int(hits.sum())


SEARCHES = [*HOSTILE, "outside", "OUTSIDE DARTFORD", "  outside  ", ".csv", "kent", "gravesham", "Gravesend"]


@pytest.mark.parametrize("value", SEARCHES, ids=ids(SEARCHES))
def test_rejected_row_search_is_literal(con, rejected_all, value):
    expected = expected_matches(rejected_all, value)
    assert imports_log.count_rejected(con, search=value) == expected
    page = imports_log.rejected_rows(con, search=value, limit=50)
    assert len(page) == min(50, expected)
    text = value.strip().lower()
    for row in page.itertuples():
        assert text in f"{row.reason}\x01{row.raw or ''}\x01{row.file_name or ''}".lower()


def test_rejected_row_search_finds_what_it_should(con, rejected_all):
    """The oracle above is not vacuous: real searches find rows, and wildcards find none."""
    assert expected_matches(rejected_all, "dartford") == len(rejected_all)  # "outside dartford", "no location..."
    assert imports_log.count_rejected(con, search="DARTford") == len(rejected_all)
    assert 0 < imports_log.count_rejected(con, search="British Transport") < len(rejected_all)
    assert imports_log.count_rejected(con, search="%") == 0
    assert imports_log.count_rejected(con, search="_") == expected_matches(rejected_all, "_") < len(rejected_all)


NOT_WHOLE = [*HOSTILE[:12], "1", "1 OR 1=1", 1.5, 2.0, float("nan"), True, b"1", ["1"], {"1": 1}, object(),
             date(2024, 1, 1)]


@pytest.mark.parametrize("value", NOT_WHOLE, ids=ids(NOT_WHOLE))
def test_import_id_limit_and_offset_must_be_whole_numbers(con, value):
    refused(lambda: imports_log.rejected_rows(con, import_id=value), "import_id")
    refused(lambda: imports_log.count_rejected(con, import_id=value), "import_id")
    refused(lambda: imports_log.rejected_rows(con, limit=value), "limit")
    refused(lambda: imports_log.rejected_rows(con, offset=value), "offset")
    refused(lambda: imports_log.import_log(con, limit=value), "limit")
    if not isinstance(value, str):
        refused(lambda: imports_log.rejected_rows(con, search=value), "search")
        refused(lambda: imports_log.count_rejected(con, search=value), "search")


def test_import_ids_of_any_integer_type_and_size(con, rejected_all):
    first = int(rejected_all["import_id"].iloc[-1])
    n = int((rejected_all["import_id"] == first).sum())
    assert imports_log.count_rejected(con, import_id=first) == n
    assert imports_log.count_rejected(con, import_id=np.int32(first)) == n
    assert imports_log.count_rejected(con, import_id=2**40) == 0
    assert imports_log.count_rejected(con, import_id=-5) == 0
    refused(lambda: imports_log.count_rejected(con, import_id=2**80), "import_id")
    refused(lambda: imports_log.import_log(con, limit=-1), "limit")
    assert len(imports_log.import_log(con, limit=0)) == 0
    assert len(imports_log.import_log(con, limit=np.int64(2))) == 2


# ---------------------------------------------------------------- briefings.scope


def scope(**kw) -> Scope:
    return Scope(**{"source": SOURCE, "layers": ("offence",), "start": START, "end": END, **kw})


@pytest.fixture(scope="module")
def borough_offences(store) -> int:
    return select(store, scope()).count


@pytest.mark.parametrize("value", HOSTILE, ids=ids(HOSTILE))
def test_scope_text_fields_hold_hostile_strings_as_values(con, borough_offences, value):
    for s in (scope(source=value), scope(layers=(value,)), scope(categories=(value,))):
        sel = select(con, s)
        assert sel.count == 0 and sel.frame.empty and sel.unlocated == 0
        assert value in s.describe() or s.source == value  # shown as text, not interpreted
    assert select(con, scope(layers=("offence", value))).count == borough_offences
    # A window on no rows at all must still be checked, and is: the scope is valid.
    assert select(con, scope(source=value, days=(4, 5), hours=(20, 4))).count == 0


@pytest.mark.parametrize("value", HOSTILE, ids=ids(HOSTILE))
def test_scope_area_is_a_known_name_or_refused(con, value):
    if value.strip().lower() in ("borough", "nte", "bluewater", "heath"):
        pytest.skip("a real area name")
    refused(lambda: select(con, scope(area=value)), "area")


@pytest.mark.parametrize("value", [*HOSTILE[:12], "2024-01-01", *WRONG_TYPES],
                         ids=ids([*HOSTILE[:12], "2024-01-01", *WRONG_TYPES]))
def test_scope_refuses_values_of_the_wrong_kind(con, value):
    if not isinstance(value, str):
        refused(lambda: scope(source=value), "source")
        refused(lambda: scope(area=value), "area")
        refused(lambda: scope(layers=("offence", value)), "layers")
        refused(lambda: scope(categories=(value,)), "categories")
    if not isinstance(value, (list, tuple, set)):
        refused(lambda: scope(layers=value), "layers")
        if value is not None:
            refused(lambda: scope(categories=value), "categories")
    if not isinstance(value, date):
        refused(lambda: scope(start=value), "start")
        refused(lambda: scope(end=value), "end")
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value <= 6):
        refused(lambda: scope(days=(value,)), "day")
        refused(lambda: scope(days=(4, value)), "day")
    refused(lambda: scope(days=value), "day")
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value <= 23):
        refused(lambda: scope(hours=(value, 4)), "hour")
        refused(lambda: scope(hours=(20, value)), "hour")
    refused(lambda: scope(hours=value), "hour")
    if not (is_number(value) and value >= 0):
        refused(lambda: select(con, scope(), margin=value), "margin")


@pytest.mark.parametrize("days, hours", [((), None), ((7,), None), ((-1,), None), ((0, 1, 2, 3, 4, 5, 6, 7), None),
                                         (None, (24, 4)), (None, (20, 25)), (None, (-1, 4)), (None, (20,)),
                                         (None, (1, 2, 3)), (None, ()), ((True,), None), (None, (True, False))])
def test_scope_days_and_hours_out_of_range_are_refused(con, days, hours):
    refused(lambda: scope(days=days, hours=hours), "day" if hours is None else "hour")


def test_scope_accepts_lists_and_numpy_numbers_and_means_the_same(con):
    plain = scope(days=(4, 5), hours=(20, 4), categories=("Violence and sexual offences",))
    mixed = Scope(SOURCE, ["offence"], START, END, ["Violence and sexual offences"], "borough",
                  [np.int64(4), np.int8(5)], [np.int32(20), 4])
    assert mixed == plain and hash(mixed) == hash(plain)
    assert mixed.describe() == plain.describe() == (
        "Offences (Violence and sexual offences) · Dartford borough · 01 Oct 2023 to 31 Mar 2024 · "
        "Fri, Sat 20:00 to 04:00 (nights)")
    assert select(con, mixed).count == select(con, plain).count > 0
    assert describe_window(mixed.days, mixed.hours) == "Fri, Sat 20:00 to 04:00 (nights)"
    # An LSOA code with stray case and spaces is still that LSOA.
    lsoa = scope(area=" e01024182 ")
    assert select(con, lsoa).count == select(con, scope(area="E01024182")).count


def test_hostile_text_is_shown_literally_in_captions(con):
    s = scope(categories=("<img src=x onerror=alert(1)>", "'; DROP TABLE incidents; --"))
    assert s.describe().startswith("Offences (<img src=x onerror=alert(1)>, '; DROP TABLE incidents; --) · ")
    assert select(con, s).count == 0
