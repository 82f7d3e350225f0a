"""SQL expressions shared by the importers: parsing text fields and naming what is wrong.

Each helper takes the SQL of a staging column and returns SQL text. Values from files
never become SQL text: they stay in the staging table and are only referenced by
column name.
"""

DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
]
TIME_FORMATS = ["%H:%M:%S", "%H:%M"]
EARLIEST = "1990-01-01"


def sql_list(values) -> str:
    """A SQL list literal of fixed strings that live in this codebase (never user data)."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def literal(value: str) -> str:
    """A SQL expression for the string ``value``, for names from a file or a mapping shown in messages.

    Quotes are doubled, and ``$`` is spelt ``chr(36)`` so that no placeholder the pipeline
    substitutes in the SQL text (``$now``) can appear inside a literal.
    """
    return " || chr(36) || ".join("'" + part.replace("'", "''") + "'" for part in value.split("$"))


def text(col: str | None) -> str:
    """Trimmed text, NULL when empty or absent."""
    return "NULL::VARCHAR" if col is None else f"NULLIF(trim({col}), '')"


def quoted(col: str) -> str:
    """The raw value in double quotes, for messages."""
    return f"'\"' || left(coalesce({col}, ''), 60) || '\"'"


def number(col: str | None) -> str:
    return "NULL::DOUBLE" if col is None else f"TRY_CAST(trim({col}) AS DOUBLE)"


def bad_number(col: str | None) -> str:
    """True when the field holds something that is not a finite number."""
    if col is None:
        return "false"
    return f"({text(col)} IS NOT NULL AND (TRY_CAST(trim({col}) AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(trim({col}) AS DOUBLE))))"


def timestamp(date_col: str | None, time_col: str | None = None) -> str:
    """A TIMESTAMP from a date(-time) column, completed by a separate time column if given."""
    if date_col is None:
        return "NULL::TIMESTAMP"
    base = f"try_strptime(trim({date_col}), {sql_list(DATE_FORMATS)})"
    if time_col is None:
        return base
    t = f"try_strptime(trim({time_col}), {sql_list(TIME_FORMATS)})"
    return (
        f"CASE WHEN {text(time_col)} IS NOT NULL AND {t} IS NOT NULL AND NOT {has_time(date_col)} "
        f"THEN {base} + ({t} - {t}::DATE) ELSE {base} END"
    )


def has_time(date_col: str) -> str:
    return f"regexp_matches(coalesce({date_col}, ''), '\\d{{1,2}}:\\d{{2}}')"


def precision(date_col: str, time_col: str | None = None) -> str:
    with_time = has_time(date_col)
    if time_col is not None:
        with_time = f"({with_time} OR ({text(time_col)} IS NOT NULL AND try_strptime(trim({time_col}), {sql_list(TIME_FORMATS)}) IS NOT NULL))"
    return f"CASE WHEN {with_time} THEN 'minute' ELSE 'day' END"


def bad_time(time_col: str | None) -> str:
    if time_col is None:
        return "false"
    return f"({text(time_col)} IS NOT NULL AND try_strptime(trim({time_col}), {sql_list(TIME_FORMATS)}) IS NULL)"


def date_reasons(label: str, date_col: str, ts_sql: str, now_param: str = "$now") -> list[tuple[str, str]]:
    """(condition, message) pairs for a required date column; ``label`` may be any text (a mapped column's name)."""
    name = literal(label)
    return [
        (f"{text(date_col)} IS NULL", f"{name} || ' is empty'"),
        (f"{ts_sql} IS NULL", f"{name} || ' ' || {quoted(date_col)} || ' is not a date (expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)'"),
        (f"{ts_sql} > {now_param}", f"{name} || ' ' || {quoted(date_col)} || ' is in the future'"),
        (f"{ts_sql} < DATE '{EARLIEST}'", f"{name} || ' ' || {quoted(date_col)} || ' is before {EARLIEST[:4]}'"),
    ]


def flag(col: str | None) -> str:
    if col is None:
        return "NULL::BOOLEAN"
    v = f"lower(trim({col}))"
    return (
        f"CASE WHEN {v} IN ('y', 'yes', 'true', 't', '1') THEN true "
        f"WHEN {v} IN ('n', 'no', 'false', 'f', '0') THEN false ELSE NULL END"
    )


def bad_flag(col: str | None) -> str:
    if col is None:
        return "false"
    return f"({text(col)} IS NOT NULL AND ({flag(col)}) IS NULL)"


def first_reason(pairs: list[tuple[str, str]]) -> str:
    """The first message whose condition holds, else NULL."""
    if not pairs:
        return "NULL::VARCHAR"
    return "CASE " + " ".join(f"WHEN {cond} THEN {msg}" for cond, msg in pairs) + " ELSE NULL END"


def oversize_reasons(header: list[str], limit: int) -> list[tuple[str, str]]:
    """A reason for any field longer than ``limit`` characters.

    One cheap screen on byte lengths (``strlen`` is stored, ``length`` counts characters)
    picks the rare rows worth checking field by field.
    """
    screen = "greatest(" + ", ".join(f"coalesce(strlen(c{i}), 0)" for i in range(len(header))) + f") > {limit}"
    which = []
    for i, name in enumerate(header):
        # Cut before quoting: cutting ``''`` in half would end the literal early.
        label = literal(name[:40])
        which.append(
            f"WHEN length(c{i}) > {limit} THEN 'field \"' || {label} || '\" is ' || length(c{i}) || ' characters long (limit {limit:,})'"
        )
    return [(f"({screen} AND ({' OR '.join(f'length(c{i}) > {limit}' for i in range(len(header)))}))",
             "CASE " + " ".join(which) + " END")]


def raw_row(ncols: int, delimiter: str) -> str:
    """The row's fields joined back together, for the rejected-rows table.

    A field holding the delimiter, a quote or a line break is quoted again, so the text
    reads back as the same fields.
    """
    d = delimiter.replace("'", "''")

    def field(c: str) -> str:
        special = f"(contains({c}, '{d}') OR contains({c}, '\"') OR contains({c}, chr(10)) OR contains({c}, chr(13)))"
        return f"CASE WHEN {c} IS NULL THEN '' WHEN {special} THEN '\"' || replace({c}, '\"', '\"\"') || '\"' ELSE {c} END"

    fields = ", ".join(field(f"c{i}") for i in range(ncols))
    return f"left(concat_ws('{d}', {fields}), 2000)"


def all_empty(ncols: int) -> str:
    """True for a row of empty fields (``,,,,``), as spreadsheets leave at the end of a sheet.

    DuckDB reads an empty unquoted field as NULL, so no trimming is needed here (and
    trimming every field of every row is costly); a row of blanks fails other checks.
    """
    return "(" + " AND ".join(f"c{i} IS NULL" for i in range(ncols)) + ")"


def content_hash(ncols: int) -> str:
    fields = ", ".join(f"coalesce(trim(c{i}), '')" for i in range(ncols))
    return f"md5(concat_ws(chr(31), {fields}))"
