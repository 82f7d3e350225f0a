"""Matching free-text values to a fixed vocabulary (DEFRA categories, police.uk crime types and the like)."""

import re

from queries.importing.sqlparts import text


def _key(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


def vocabulary_sql(col: str, vocabulary: tuple[str, ...]) -> str:
    """The vocabulary entry equal to the value ignoring case, spaces and punctuation, else NULL.

    A CASE on a computed key: far faster in DuckDB than a lambda over a list.
    """
    whens = " ".join(f"WHEN '{_key(v)}' THEN '{v.replace(chr(39), chr(39) * 2)}'" for v in vocabulary)
    return f"(CASE regexp_replace(lower({col}), '[^0-9a-z]', '', 'g') {whens} ELSE NULL END)"


def canonical_sql(col: str | None, vocabulary: tuple[str, ...]) -> str:
    """The vocabulary entry matching the value, else the value as given (trimmed)."""
    if col is None:
        return "NULL"
    return f"coalesce({vocabulary_sql(col, vocabulary)}, {text(col)})"
