"""Shared fixtures for the hardening tests: a real demo store, and a fingerprint of a store.

The demo store is built once per session by ``demo.build.build_demo`` (the real police.uk
rows for Dartford plus generated rows in every layer, all through the real importers,
about 10 s) and opened for writing, so that a filter value that reached SQL as text could
really change it: the tests check it did not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.build import build_demo
from queries.store import connect
from tests.importing.conftest import snapshot


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hardening-demo") / "demo.duckdb"
    build_demo(path, echo=lambda _message: None)
    return path


@pytest.fixture(scope="session")
def demo(demo_path):
    """The demo store, open for writing (tests must leave it as it was)."""
    con = connect(demo_path)
    yield con
    con.close()


def tables(con) -> dict[str, int]:
    """{table: rows} for every table of the store (not TEMP ones): cheap enough to check per input."""
    names = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database() "
        "ORDER BY 1"
    ).fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in names}


#: Every table's row count and content checksum, the sequences and the views (the importer tests' snapshot).
fingerprint = snapshot
