"""Matching free-text values to a fixed vocabulary (DEFRA categories and the like)."""

from queries.importing.sqlparts import sql_list, text


def canonical_sql(col: str | None, vocabulary: tuple[str, ...]) -> str:
    """The vocabulary entry equal to the value ignoring case, spaces and punctuation; else the value as given."""
    if col is None:
        return "NULL"
    canon = sql_list(vocabulary)
    key = f"regexp_replace(lower(trim({col})), '[^0-9a-z]', '', 'g')"
    return f"coalesce(list_filter({canon}, t -> regexp_replace(lower(t), '[^0-9a-z]', '', 'g') = {key})[1], {text(col)})"
