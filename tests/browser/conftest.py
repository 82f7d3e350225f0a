"""Fixtures for browser tests: a real store, the Streamlit app on a free port, pages of the session's Chromium (tests/conftest.py).

Chromium is Debian's (``apt-get install chromium``), driven by Playwright through
``executable_path``: ``playwright install`` cannot download browsers here. Set
``CHROMIUM`` to use another binary.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest


REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

STARTUP_TIMEOUT_S = 90


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser_store(tmp_path_factory) -> Path:
    """A real store for the app: the demo database, built by the project's own command."""
    db = tmp_path_factory.mktemp("browser-store") / "hotspots.duckdb"
    cmd = [sys.executable, "-m", "hotspots", "demo", "--db", str(db)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not db.exists():
        pytest.fail(
            f"building the demo store failed ({' '.join(cmd)}, exit {done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    _import_hostile_rows(db, db.parent)
    add_user(db, TEST_USER, "analyst", TEST_PASSWORD)
    add_user(db, VIEWER, "viewer", TEST_PASSWORD, "--partner", "Dartford Borough Council")
    add_user(db, FIRE_VIEWER, "viewer", TEST_PASSWORD, "--layers", "fire", "--partner", "KFRS")
    return db


#: The account the browser tests sign in with (made in their own store, never shipped).
TEST_USER = "browser-tester"
TEST_PASSWORD = "browser test password"
SIGN_IN_TITLE = "Dartford hotspot maps"
VIEWER = "browser-viewer"  # partner staff: aggregated layers only
FIRE_VIEWER = "browser-kfrs"  # a viewer limited to fires


def add_user(db: Path, name: str, role: str, password: str, *extra: str) -> None:
    """Add a local user with the project's own command (the password on standard input)."""
    cmd = [sys.executable, "-m", "hotspots", "user", "add", name, "--role", role, "--db", str(db), *extra]
    done = subprocess.run(cmd, cwd=REPO, input=password + "\n", capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"adding user {name} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


#: A source of its own, so the demo's figures are untouched: rows whose text is HTML.
HOSTILE_SOURCE = "xss-check"
HOSTILE_LOCATION = "<img src=x onerror=alert(1)>"
HOSTILE_OFFENCE = "<svg onload=alert(2)>"


def _import_hostile_rows(db: Path, where: Path) -> None:
    """Import, with the project's own importer, a police extract row whose location and offence
    text are HTML that would run script if a tooltip inserted it unescaped."""
    csv = where / "hostile-extract.csv"
    csv.write_text(
        "crime_ref,occurred_at,crime_type,offence,easting,northing,location\n"
        f'XSS-1,2024-09-20 21:30,Violence and sexual offences,"{HOSTILE_OFFENCE}",554300,174150,'
        f'"{HOSTILE_LOCATION}"\n',
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "hotspots", "import", "police-extract", str(csv), "--db", str(db),
           "--source", HOSTILE_SOURCE, "--quiet"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"importing {csv.name} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit not ready after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def streamlit_app(browser_store, artifacts_dir):
    """``streamlit run app.py`` on a free local port with HOTSPOTS_DB set; yields its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = artifacts_dir / "streamlit.log"
    env = {**os.environ, "HOTSPOTS_DB": str(browser_store), "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


# --- driving the app ----------------------------------------------------------------------

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TILE_HOST = "tile.openstreetmap.org"
#: Opening a page's own URL (/explore) makes Streamlit's frontend probe the server under
#: that path first (/explore/_stcore/health, /explore/_stcore/host-config) before the
#: root: two 404s that are Streamlit's, not the app's.
STREAMLIT_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")


def _is_tile(url: str) -> bool:
    host = urlsplit(url).hostname
    return host is not None and host.endswith(TILE_HOST)


class AppPage:
    """A Playwright page on the app that records what matters to every test.

    - every websocket frame from the server, decoded as a Streamlit ``ForwardMsg``:
      each script run starts with ``new_session`` and ends with ``script_finished``,
      so runs can be counted and awaited;
    - console errors, uncaught page errors, HTTP errors and JavaScript dialogs
      (``alert`` would be one), apart from the blocked basemap tiles;
    - requests that would leave the machine (aborted: the tests run offline).
    """

    def __init__(self, page, base_url: str, artifacts: Path):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.page = page
        self.base = base_url
        self.artifacts = artifacts
        self._decode = ForwardMsg.FromString
        self.messages: list[tuple[str, str, int]] = []  # (ForwardMsg type, element or component, socket no.)
        self._sockets = 0
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.bad_responses: list[str] = []
        self.outside_requests: list[str] = []
        self.dialogs: list[str] = []
        self.signed_in_mark = 0
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("response", self._on_response)
        page.on("websocket", self._on_socket)
        page.on("dialog", self._on_dialog)
        page.route("**/*", self._guard)

    # recording -------------------------------------------------------------------------

    def _on_console(self, msg) -> None:
        if msg.type != "error":
            return
        where = msg.location.get("url", "") or ""
        if _is_tile(where) or TILE_HOST in msg.text or "ERR_INTERNET_DISCONNECTED" in msg.text:
            return  # tiles are blocked on purpose
        if "404" in msg.text and STREAMLIT_PROBE.search(urlsplit(where).path or ""):
            return
        self.console_errors.append(f"{msg.text} @ {where}")

    def _on_response(self, response) -> None:
        if response.status >= 400 and not STREAMLIT_PROBE.search(urlsplit(response.url).path):
            self.bad_responses.append(f"{response.status} {response.url}")

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_socket(self, ws) -> None:
        self._sockets += 1
        number = self._sockets
        ws.on("framereceived", lambda payload: self._on_frame(payload, number))

    def _on_frame(self, payload, socket_no: int) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        try:
            msg = self._decode(data)
        except Exception:  # noqa: BLE001 - not a ForwardMsg
            self.messages.append(("?", "", socket_no))
            return
        kind = msg.WhichOneof("type") or "?"
        element = ""
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element.WhichOneof("type") or ""
            if element == "component_instance":
                element = msg.delta.new_element.component_instance.component_name
        self.messages.append((kind, element, socket_no))

    def _guard(self, route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
            return
        if not _is_tile(url):
            self.outside_requests.append(url)
        route.abort("internetdisconnected")

    # script runs -----------------------------------------------------------------------

    def mark(self) -> int:
        return len(self.messages)

    def runs_since(self, mark: int) -> int:
        """Script runs started since ``mark``."""
        return sum(1 for kind, _, _ in self.messages[mark:] if kind == "new_session")

    def wait_for_run(self, mark: int, timeout_s: float = 120, settle_ms: int = 500) -> None:
        """Wait until a script run started after ``mark`` has finished, every run started since
        has finished, and nothing more arrives for ``settle_ms`` (a follow-up rerun would)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            # Only the page's current connection: a run cut off by a reload never finishes.
            msgs = [m for m in self.messages[mark:] if m[2] == self._sockets]
            started = sum(1 for k, _, _ in msgs if k == "new_session")
            finished = sum(1 for k, _, _ in msgs if k == "script_finished")
            if finished and finished >= started:
                seen = len(self.messages)
                self.page.wait_for_timeout(settle_ms)
                if len(self.messages) == seen:
                    return
                continue
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no finished script run within {timeout_s} s; last messages: {self.messages[mark:][-8:]}")

    def goto(self, path: str = "/", timeout_s: float = 180, *, sign_in: bool = True) -> None:
        """Open ``path``; a new session asks to sign in first, which this does as the test user."""
        mark = self.mark()
        self.page.goto(self.base + path, wait_until="commit")
        self.wait_for_run(mark, timeout_s)
        if sign_in:
            self.sign_in_if_asked(timeout_s=timeout_s)

    def reload(self, timeout_s: float = 180) -> None:
        mark = self.mark()
        self.page.reload(wait_until="commit")
        self.wait_for_run(mark, timeout_s)
        self.sign_in_if_asked(timeout_s=timeout_s)

    def sign_in_form(self):
        return self.page.locator('[data-testid="stForm"]').filter(has_text="Sign in")

    def asks_to_sign_in(self) -> bool:
        """True when the page shown is the sign-in screen (its form drawn)."""
        self.page.locator("h1").first.wait_for(timeout=30_000)
        if self.title() != SIGN_IN_TITLE:
            return False
        try:
            self.sign_in_form().first.wait_for(timeout=30_000)
        except Exception:
            self.screenshot("sign-in-form-missing")
            raise AssertionError("the sign-in screen has no form: "
                                 + self.page.locator('[data-testid="stMain"]').inner_text()[:2000])
        return True

    def sign_in_if_asked(self, name: str = TEST_USER, password: str = TEST_PASSWORD, timeout_s: float = 180) -> None:
        if self.asks_to_sign_in():
            self.sign_in(name, password, timeout_s=timeout_s)

    def sign_in(self, name: str, password: str, timeout_s: float = 180) -> None:
        """Fill in and send the sign-in form, and wait for the page it opens.

        ``signed_in_mark`` is then where the page's own runs start: the form's run
        signs in and reruns at once (to build the user's menu), so the page itself
        runs from the run after that.
        """
        form = self.sign_in_form()
        form.first.wait_for(timeout=30_000)
        form.get_by_label("User name").fill(name)
        form.get_by_label("Password", exact=True).fill(password)
        mark = self.mark()
        self.act(lambda: form.get_by_role("button", name="Sign in").click(), timeout_s)
        starts = [i for i, (kind, _, _) in enumerate(self.messages) if i >= mark and kind == "new_session"]
        self.signed_in_mark = starts[1] if len(starts) > 1 else mark

    def act(self, action, timeout_s: float = 120) -> None:
        """Do ``action()`` (a click...) and wait for the script run it causes."""
        mark = self.mark()
        action()
        self.wait_for_run(mark, timeout_s)

    # the page ----------------------------------------------------------------------------

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def title(self) -> str:
        return self.page.locator("h1").first.inner_text().strip()

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def sidebar_widget(self, testid: str, label: str):
        return self.page.locator(f'[data-testid="stSidebar"] [data-testid="{testid}"]').filter(has_text=label).first

    def widget(self, testid: str, label: str):
        """The widget of this kind whose label starts with ``label``."""
        starts = re.compile(rf"^\s*{re.escape(label)}")
        return self.page.locator(f'[data-testid="{testid}"]').filter(
            has=self.page.locator('[data-testid="stWidgetLabel"]', has_text=starts)).first

    def _exact(self, text: str):
        return re.compile(rf"^\s*{re.escape(text)}\s*$")

    def choose_radio(self, label: str, option: str) -> None:
        """Click the radio option shown as ``option`` (its label, not its caption)."""
        group = self.widget("stRadio", label)
        choice = group.locator('[data-testid="stRadioOption"]').filter(
            has=self.page.locator('[data-testid="stMarkdownContainer"]', has_text=self._exact(option)))
        self.act(lambda: choice.first.click())

    def radio_value(self, label: str) -> str:
        group = self.widget("stRadio", label)
        return group.locator('[data-testid="stRadioOption"][data-selected="true"]').first.inner_text().strip()

    def toggle(self, label: str) -> None:
        self.act(lambda: self.widget("stCheckbox", label).locator("label").first.click())

    def toggled(self, label: str) -> bool:
        return self.widget("stCheckbox", label).get_by_role("switch").is_checked()

    def _open_list(self, testid: str, label: str):
        """Open the option list of a selectbox or multiselect; returns the list.

        The box is scrolled into view first and the page left to settle: a list opened
        while the page still scrolls is closed again at once (popovers close on scroll).
        """
        box = self.widget(testid, label)
        box.scroll_into_view_if_needed()
        self.page.wait_for_timeout(300)
        listbox = self.page.locator('[role="listbox"]:visible')
        for attempt in range(4):
            target = box.locator('input[role="combobox"], input').first if attempt % 2 == 0 else \
                box.get_by_role("button", name="Open").first
            if target.count():
                target.click()
            try:
                listbox.first.wait_for(timeout=3_000)
                return listbox.first
            except Exception:  # noqa: BLE001 - try again
                self.page.keyboard.press("Escape")
                self.page.wait_for_timeout(300)
        raise AssertionError(f"the option list of {label!r} does not open")

    def choose_option(self, testid: str, label: str, option: str) -> None:
        """Pick the option shown as ``option`` in a selectbox or multiselect with this label."""
        listbox = self._open_list(testid, label)
        self.act(lambda: listbox.locator('[role="option"]').filter(has_text=self._exact(option)).first.click())
        self._close_dropdown()

    def _close_dropdown(self) -> None:
        """Close an open option list and wait until it is gone: while it fades out it swallows
        the next click (a toggle clicked then would not change)."""
        lists = self.page.locator('[role="listbox"]')
        if lists.count():
            self.page.keyboard.press("Escape")
            lists.first.wait_for(state="detached", timeout=10_000)
        # Focus left in the box makes the next click elsewhere only blur it.
        self.page.evaluate("() => document.activeElement && document.activeElement.blur()")

    def options(self, testid: str, label: str) -> list[str]:
        """The options a selectbox offers, as shown."""
        listbox = self._open_list(testid, label)
        out = [t.strip() for t in listbox.locator('[role="option"]').all_inner_texts()]
        self._close_dropdown()
        return out

    def selected(self, label: str) -> str:
        """What a selectbox shows."""
        return self.widget("stSelectbox", label).locator("input").first.input_value().strip()

    def chosen(self, label: str) -> list[str]:
        """The tags a multiselect shows."""
        box = self.widget("stMultiSelect", label)
        return [t.strip() for t in box.locator('[data-baseweb="tag"], [data-testid="stMultiSelectTag"]').all_inner_texts()]

    def pill(self, label: str, option: str) -> None:
        group = self.widget("stButtonGroup", label)
        self.act(lambda: group.get_by_role("button").filter(has_text=self._exact(option)).first.click())

    def pills_on(self, label: str, settle_ms: int = 10_000) -> list[str]:
        """The pills pressed; waits up to ``settle_ms`` for any (a reloaded page draws them pressed a moment
        after the run has finished)."""
        group = self.widget("stButtonGroup", label)
        pressed = group.locator('button[aria-pressed="true"]')
        try:
            pressed.first.wait_for(timeout=settle_ms)
        except Exception:  # noqa: BLE001 - none pressed: that is the answer
            pass
        return [t.strip() for t in pressed.all_inner_texts()]

    def metric(self, label: str) -> str:
        m = self.page.locator('[data-testid="stMetric"]').filter(has_text=label).first
        return m.locator('[data-testid="stMetricValue"]').inner_text().strip()

    # the map --------------------------------------------------------------------------------

    @property
    def map(self):
        return self.page.frame_locator(MAP_FRAME).first

    def has_map(self) -> bool:
        return self.page.locator(MAP_FRAME).count() > 0

    def wait_map(self, *selectors: str, timeout_ms: int = 120_000) -> None:
        """Wait until the map is drawn with every ``selector`` present in it."""
        self.page.wait_for_selector(MAP_FRAME, state="attached", timeout=timeout_ms)
        self.map.locator(".leaflet-container").wait_for(timeout=timeout_ms)
        for sel in ("path.hs-boundary", *selectors):
            self.map.locator(sel).first.wait_for(state="attached", timeout=timeout_ms)

    def map_eval(self, script: str, arg=None):
        """Evaluate ``script`` (a function of (window, arg)) in the map's iframe."""
        return self.page.evaluate(
            f"""([sel, arg]) => {{ const w = document.querySelector(sel).contentWindow;
                return ({script})(w, arg); }}""",
            [MAP_FRAME, arg],
        )

    def overlays(self) -> dict[str, bool]:
        """Overlay names in the layer control and whether each is ticked."""
        return self.page.evaluate(
            """(sel) => {
                const d = document.querySelector(sel).contentDocument;
                const out = {};
                for (const l of d.querySelectorAll('.leaflet-control-layers-overlays label')) {
                    out[l.innerText.trim()] = l.querySelector('input').checked;
                }
                return out;
            }""",
            MAP_FRAME,
        )

    def click_overlay(self, starts_with: str) -> None:
        """Tick or untick an overlay in the Leaflet layer control (no script run: it is the browser's)."""
        label = self.map.locator(".leaflet-control-layers-overlays label").filter(
            has=self.page.locator(f"text=/^\\s*{re.escape(starts_with)}/"))
        label.first.locator("input").click()

    # evidence -------------------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        """The whole page, not just the window: Streamlit scrolls inside its main section, so the
        window is made as tall as that section for the picture (at most 6,000 px)."""
        path = self.artifacts / f"{name}.png"
        size = self.page.viewport_size
        height = self.page.evaluate(
            """() => { const m = document.querySelector('[data-testid="stMain"]');
                       const s = document.querySelector('[data-testid="stSidebarContent"]');
                       return Math.max(m ? m.scrollHeight : 0, s ? s.scrollHeight : 0, document.body.scrollHeight); }""")
        if height > size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": min(int(height) + 20, 6000)})
            self.page.wait_for_timeout(800)
        try:
            self.page.screenshot(path=str(path), full_page=True)
        finally:
            if height > size["height"]:
                self.page.set_viewport_size(size)
        return path

    def assert_clean(self) -> None:
        assert not self.exceptions(), self.exceptions()
        assert not self.page_errors, self.page_errors
        assert not self.console_errors, self.console_errors
        assert not self.bad_responses, self.bad_responses
        assert not self.dialogs, f"a JavaScript dialog opened: {self.dialogs}"
        assert not self.outside_requests, f"requests left the machine: {self.outside_requests}"


@pytest.fixture
def app(page, streamlit_app, artifacts_dir) -> AppPage:
    return AppPage(page, streamlit_app, artifacts_dir)
