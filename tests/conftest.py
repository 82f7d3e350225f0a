"""Fixtures every test folder shares: one headless Chromium for the whole session.

Playwright's sync API runs an event loop while it is open, so a second
``sync_playwright()`` in the same process fails: every browser test (the app in
tests/browser, the offline HTML export, the map layers) takes its pages from this
one browser. Chromium is Debian's (``apt-get install chromium``), driven through
``executable_path``; ``playwright install`` cannot download browsers here.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """``$CHROMIUM``, Debian's /usr/bin/chromium, or chromium on the PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium through Playwright, shared by the session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium not found: apt-get install -y chromium chromium-driver (or set CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
