"""Every page opened from a URL whose filter parameters are hostile: no exception, the store untouched.

A URL is the easiest way to hand a filter to the app (a bookmark, a link in an e-mail),
so every bound parameter of every page gets SQL, HTML, a huge string, odd numbers and
control characters. Streamlit drops values a widget cannot take; whatever reaches the
queries is bound as a parameter (tests/hardening checks the queries themselves).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from queries.store import connect
from tests.importing.conftest import snapshot

from .conftest import APP, open_page

#: Every parameter the pages bind, by prefix (common filters, then each page's own).
COMMON = ("source", "layer", "cat", "dates", "area", "nte", "days", "hfrom", "hto")
PAGES = {
    "home": ("o_", (*COMMON, "map")),
    "violence": ("v_", (*COMMON, "week", "layers", "base")),
    "wildfire": ("w_", (*COMMON, "season", "placeby")),
    "fly-tipping": ("f_", (*COMMON, "weeks", "half", "top", "zone", "sheet")),
    "explore": ("x_", (*COMMON, "method", "cell", "bw", "kernel", "thr", "eps", "ms", "algo", "dist", "base",
                       "period", "pts")),
    "data": ("d_", ("kind", "q")),
}
HOSTILE = [
    "'; DROP TABLE incidents; --",
    "' OR '1'='1",
    "<img src=x onerror=alert(1)>",
    "%_\\\"",
    "x" * 20_000,
    "\u202egnp.exe\u200f😀\u0301",
    "-1",
    "1e308",
    "NaN",
    "2024-13-45",
    "\x00\x1b[31m\r\n",
]


def _counts(path) -> dict:
    con = connect(path)
    try:
        return snapshot(con)
    finally:
        con.close()


@pytest.mark.parametrize("url", list(PAGES))
def test_hostile_url_parameters_change_nothing(demo_store, tmp_path, monkeypatch, url):
    import shutil

    path = tmp_path / "store.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setenv("HOTSPOTS_DB", str(path))
    before = _counts(path)
    prefix, names = PAGES[url]
    for value in HOSTILE:
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params.update({prefix + name: value for name in names})
        at = open_page(at, url).run()
        assert not at.exception, (url, value[:40], [e.value for e in at.exception])
    after = _counts(path)
    for table in ("audit", "users"):  # the test's sign-in adds its user and is audited; nothing else may change
        after.pop(table)
        before.pop(table)
    after["_sequences"] = [s for s in after["_sequences"] if s[0] != "audit_id_seq"]
    before["_sequences"] = [s for s in before["_sequences"] if s[0] != "audit_id_seq"]
    assert after == before
