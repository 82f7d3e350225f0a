"""Shared fixtures for the Streamlit AppTest tests: one demo store per session, built by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """A demo store built by ``python -m hotspots demo`` in a tmp dir (about 10 s); treat as read-only."""
    path = tmp_path_factory.mktemp("demo") / "hotspots.duckdb"
    subprocess.run([sys.executable, "-m", "hotspots", "demo", "--db", str(path)], cwd=ROOT, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return path


def open_page(at, url_path: str):
    """Ask for the ``st.navigation`` page at ``url_path`` on the next run, as a browser URL would.

    ``AppTest.switch_page`` only takes a page file, and these pages are callables: a
    callable ``st.Page`` is identified by the hash of its ``url_path``
    (``streamlit.navigation.page.StreamlitPage._script_hash``), which is what the
    script runner is asked for.
    """
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    return at
