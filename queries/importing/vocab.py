"""Matching free-text values to a fixed vocabulary (DEFRA categories, police.uk crime types and the like)."""

import re

from queries.importing.sqlparts import text


def _key(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


def vocabulary_sql(col: str, vocabulary: tuple[str, ...]) -> str:
    """The vocabulary entry equal to the value ignoring case, spaces and punctuation, else NULL.

    A CASE on a computed key: far faster in DuckDB than a lambda over a list.
    """
    quote = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731
    exact = " ".join(f"WHEN {quote(v)} THEN {quote(v)}" for v in vocabulary)
    loose = " ".join(f"WHEN '{_key(v)}' THEN {quote(v)}" for v in vocabulary)
    # Most values are spelt exactly; only the rest pay for the regular expression.
    return (
        f"(CASE {col} {exact} ELSE "
        f"(CASE regexp_replace(lower({col}), '[^0-9a-z]', '', 'g') {loose} ELSE NULL END) END)"
    )


def canonical_sql(col: str | None, vocabulary: tuple[str, ...]) -> str:
    """The vocabulary entry matching the value, else the value as given (trimmed)."""
    if col is None:
        return "NULL"
    return f"coalesce({vocabulary_sql(col, vocabulary)}, {text(col)})"
