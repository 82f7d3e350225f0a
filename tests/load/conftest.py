"""Fixtures for the load and kill tests: one demo store with the tests' users, copied for each test.

The demo store is built once per test session by the project's own command, and the users
are added by ``python -m hotspots user add`` before any app opens it (the running app holds
the store read-write). Each test works on its own copy. Reports go to test-artifacts/load/.
"""

import shutil
from pathlib import Path

import pytest

from tests.load import harness

ARTIFACTS = harness.REPO / "test-artifacts" / "load"


@pytest.fixture(scope="session")
def load_artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo store with the load users (an analyst for the filter sessions, one for imports)."""
    db = tmp_path_factory.mktemp("load-template") / "hotspots.duckdb"
    try:
        harness.build_demo_store(db)
        harness.add_user(db, harness.LOAD_USER, harness.LOAD_PASSWORD)
        harness.add_user(db, harness.IMPORT_USER, harness.IMPORT_PASSWORD)
    except RuntimeError as exc:
        pytest.fail(f"making the test store failed: {exc}")
    return db


@pytest.fixture
def store_copy(demo_template, tmp_path) -> Path:
    """A copy of the template store for one test (the store file and any write-ahead log)."""
    db = tmp_path / "hotspots.duckdb"
    for src in demo_template.parent.glob(demo_template.name + "*"):
        shutil.copy2(src, tmp_path / src.name)
    return db
