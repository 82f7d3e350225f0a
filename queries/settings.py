"""Facts about the store itself (``store_settings``), such as whether it is the demo store."""

import duckdb

DEMO_KEY = "demo"


def get(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM store_settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def put(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO store_settings VALUES (?, ?)", [key, value])


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """True only for a store built by ``python -m hotspots demo``."""
    return get(con, DEMO_KEY) == "true"
