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


def sign_in(at, role: str = "analyst", layers: tuple[str, ...] | None = None, name: str = "tester"):
    """Start ``at``'s session signed in as ``name`` with ``role`` (the sign-in itself has its own tests).

    The user is made (or given this role and these layers) in the store at
    ``$HOTSPOTS_DB``, since the app reads its user from the store on every run, and
    the session holds them exactly as ``app_views.auth`` leaves it after a sign-in.
    """
    import time

    from app_views.auth import SESSION_KEY, SIGNED_IN_AT
    from queries.store import StoreError, connect, default_db_path
    from queries.users import User, add_user

    try:
        con = connect(default_db_path(), create=False)
    except StoreError:  # no store (a test of that): nobody to add, the session holds the user
        con = None
    try:
        if con is None:
            pass
        elif con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchone()[0]:
            con.execute("UPDATE users SET role = ?, layers = ? WHERE name = ?", [role, layers, name])
        else:
            add_user(con, name, role, password="tests sign in directly", layers=layers, actor="test")
    finally:
        if con is not None:
            con.close()
    at.session_state[SESSION_KEY] = User(name, role, layers)
    at.session_state[SIGNED_IN_AT] = time.time()
    return at


def open_page(at, url_path: str, role: str = "analyst"):
    """Ask for the ``st.navigation`` page at ``url_path`` on the next run, as a browser URL would.

    ``AppTest.switch_page`` only takes a page file, and these pages are callables: a
    callable ``st.Page`` is identified by the hash of its ``url_path``
    (``streamlit.navigation.page.StreamlitPage._script_hash``), which is what the
    script runner is asked for. The session is signed in as an ``role`` (see ``sign_in``).
    """
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    return sign_in(at, role)


@pytest.fixture(autouse=True)
def close_stores():
    """Close the app's store connections after each test, so the next test's copy is opened afresh."""
    yield
    from app_views import reads

    reads.close()
