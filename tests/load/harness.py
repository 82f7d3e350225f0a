"""A load harness for the dashboard: Streamlit's own websocket protocol, no browser.

Each :class:`Session` is one browser tab as the server sees it: a websocket to
``/_stcore/stream`` (subprotocol ``streamlit``), ``BackMsg.rerun_script`` messages out and
``ForwardMsg`` frames in, exactly what Streamlit's frontend exchanges. A session

- opens a page by its URL path (``page_name``, as the frontend derives it from the
  address) and later switches pages by the ``page_script_hash`` the server's
  ``navigation`` message gives;
- reads every widget of the finished run from the ``new_element`` deltas (id, label,
  options, form) and sends widget states the way the frontend does: a radio or
  selectbox as the shown option (``string_value``), a toggle as ``bool_value``, a
  multiselect or pills as ``string_array_value``, a button or a form's submit button as
  ``trigger_value`` (the form's text inputs go with it);
- uploads a file as the frontend does: ``file_urls_request`` -> ``file_urls_response``,
  then a multipart ``PUT`` to the upload URL with the XSRF cookie and header, then the
  uploader's ``file_uploader_state_value``;
- times each rerun from sending the ``BackMsg`` to the ``script_finished`` that ends it
  (a run that calls ``st.rerun`` finishes "early for rerun" and the next run follows; the
  rerun is timed to the end of the last one), and records what would be an error to a
  user: an exception element, an ``st.error`` alert, ``page_not_found``, a compile error,
  a websocket that closes, a run that never finishes, an HTTP error.

The same module starts the app (as tests/browser/conftest.py does: a free port on
127.0.0.1, headless, ``HOTSPOTS_DB``), kills it (SIGKILL to its process group), builds a
police extract to import, and runs the load: ``run_load`` is used by tests/load/test_load.py
and by ``bench/load_test.py``.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]

STARTUP_TIMEOUT_S = 120
RUN_TIMEOUT_S = 240

# --- the app -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """``streamlit run app.py`` on a free loopback port with ``HOTSPOTS_DB``, in its own process group."""

    def __init__(self, store: Path, log: Path, *, extra_env: dict | None = None):
        self.store = Path(store)
        self.log = Path(log)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # faulthandler: a crash of the app (SIGSEGV...) leaves every thread's Python stack in the log.
        env = {**os.environ, "HOTSPOTS_DB": str(self.store), "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1",
               **(extra_env or {})}
        cmd = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "a") as out:
            out.write(f"\n--- {time.strftime('%H:%M:%S')} {' '.join(cmd)}\n")
            out.flush()
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.started = time.monotonic()
        self._signalled = False

    def wait_ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> float:
        """Wait for ``/_stcore/health``; returns the seconds since the process started."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit not ready after {timeout_s} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    @property
    def crashed(self) -> bool:
        """The app died of a signal it did not get from us (SIGSEGV, SIGABRT...)."""
        return self.proc.poll() is not None and self.proc.returncode < 0 and not self._signalled

    def kill(self) -> None:
        """SIGKILL the app's whole process group (no clean-up of any kind)."""
        if self.proc.poll() is None:  # an app that died on its own is left to say so (``crashed``)
            self._signalled = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop the app as an operator would (SIGTERM, then SIGKILL after 20 s)."""
        if self.proc.poll() is not None:
            return
        self._signalled = True
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def hotspots(*args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m hotspots ARGS`` in the repository; raises with its output when it fails."""
    cmd = [sys.executable, "-m", "hotspots", *args]
    env = {k: v for k, v in os.environ.items() if k != "HOTSPOTS_DB"}
    done = subprocess.run(cmd, cwd=REPO, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def build_demo_store(db: Path) -> float:
    """The demo store at ``db``, built by the project's command; returns the seconds it took."""
    t0 = time.monotonic()
    hotspots("demo", "--db", str(db))
    return time.monotonic() - t0


def add_user(db: Path, name: str, password: str, role: str = "analyst") -> None:
    """A local user, added by the project's command (password on standard input) before the app starts."""
    hotspots("user", "add", name, "--role", role, "--db", str(db), stdin=password + "\n", timeout=120)


CRIME_TYPES = (
    "Violence and sexual offences", "Anti-social behaviour", "Criminal damage and arson", "Shoplifting",
    "Public order", "Vehicle crime", "Burglary", "Other theft", "Drugs", "Theft from the person",
)


def write_extract(path: Path, rows: int, *, seed: int = 1, prefix: str = "LOAD") -> Path:
    """A CSP police extract (docs/formats.md) of ``rows`` distinct crimes with exact times in 2024,
    at random positions inside Dartford borough: every row is accepted by a first import."""
    import numpy as np
    import shapely

    from geodata.boundaries import borough_polygon

    rng = np.random.default_rng(seed)
    poly = borough_polygon()
    x0, y0, x1, y1 = poly.bounds
    xs, ys = [], []
    while len(xs) < rows:
        x, y = rng.uniform(x0, x1, 4 * rows), rng.uniform(y0, y1, 4 * rows)
        # A margin inside the boundary, so rounding never places a point outside.
        ok = shapely.contains_xy(poly.buffer(-50), x, y)
        xs += list(x[ok])
        ys += list(y[ok])
    minutes = rng.integers(0, 366 * 24 * 60, rows)
    types = rng.integers(0, len(CRIME_TYPES), rows)
    start = np.datetime64("2024-01-01T00:00")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("crime_ref,occurred_at,crime_type,easting,northing,location\n")
        for i in range(rows):
            when = str(start + np.timedelta64(int(minutes[i]), "m")).replace("T", " ")
            f.write(f"{prefix}-{seed}-{i:07d},{when},{CRIME_TYPES[types[i]]},{xs[i]:.0f},{ys[i]:.0f},"
                    f"Load test street {i % 97}\n")
    return path


# --- one session on the websocket ------------------------------------------------------------


class SessionError(RuntimeError):
    """The session cannot go on: the socket closed, a run never finished, an HTTP call failed."""


@dataclass
class Run:
    """One user action and the script run(s) it caused."""

    session: str
    label: str
    page: str
    started: float  # time.monotonic() when the BackMsg was sent
    seconds: float = float("nan")
    runs: int = 0  # script runs it took (st.rerun adds one)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (Alert.format, body) of the last run
    finished: bool = False

    @property
    def ended(self) -> float:
        return self.started + self.seconds


@dataclass
class Widget:
    kind: str  # the Element field: radio, selectbox, checkbox, multiselect, button_group, button, ...
    id: str
    label: str
    proto: object
    form_id: str = ""

    @property
    def options(self) -> list[str]:
        if self.kind == "button_group":
            return [o.content for o in self.proto.options]
        return list(getattr(self.proto, "options", []))


def _ws_url(base: str) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"


class Session:
    """One browser tab's conversation with the server, over Streamlit's websocket protocol."""

    def __init__(self, base_url: str, name: str, *, run_timeout: float = RUN_TIMEOUT_S):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.base = base_url.rstrip("/")
        self.name = name
        self.run_timeout = run_timeout
        self._decode = ForwardMsg.FromString
        self._status = ForwardMsg.ScriptFinishedStatus
        self.ws = None
        self.session_id = ""
        self.page_hash = ""
        self.page = ""  # the URL path of the current page ("" for the default page)
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.query = ""
        self.widgets: list[Widget] = []  # of the last finished run
        self.values: dict[str, object] = {}  # widget id -> WidgetState the frontend holds
        self.runs: list[Run] = []
        self.closed: str | None = None
        self._elements: dict[tuple, object] = {}
        self._current: Run | None = None
        self._done: asyncio.Future | None = None
        self._file_urls: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self._closing = False
        self.bytes_in = 0

    # connection ---------------------------------------------------------------------------

    async def open(self, page: str = "", query: str = "", label: str = "open") -> Run:
        """Connect and run the script for ``page`` (its URL path) as a newly opened tab does."""
        import websockets

        # No Origin header (a non-browser client, allowed by Streamlit); no pings, as browsers send none.
        self.ws = await websockets.connect(_ws_url(self.base), subprotocols=["streamlit"], max_size=None,
                                           ping_interval=None, open_timeout=60, close_timeout=5)
        self._reader = asyncio.create_task(self._read(), name=f"{self.name}-reader")
        self.page, self.query = page, query
        return await self._rerun(label, [], page_name=page)

    async def close(self) -> None:
        self._closing = True
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 10)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - closing anyway
                self._reader.cancel()

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for data in self.ws:
                self.bytes_in += len(data)
                self._on_message(self._decode(data))
        except ConnectionClosed as exc:
            self.closed = f"websocket closed: {exc}"
        except Exception as exc:  # noqa: BLE001 - a frame we cannot read is an error too
            self.closed = f"websocket reader failed: {type(exc).__name__}: {exc}"
        else:
            self.closed = "websocket closed" + ("" if self._closing else " by the server")
        finally:
            if self._done is not None and not self._done.done():
                self._done.set_exception(SessionError(f"{self.name}: {self.closed} during {self._current.label!r}"))
            for fut in self._file_urls.values():
                if not fut.done():
                    fut.set_exception(SessionError(f"{self.name}: {self.closed}"))

    # messages from the server ----------------------------------------------------------------

    def _on_message(self, msg) -> None:
        kind = msg.WhichOneof("type")
        run = self._current
        if kind == "new_session":
            ns = msg.new_session
            if ns.HasField("initialize") and ns.initialize.session_id:
                self.session_id = ns.initialize.session_id
            self.page_hash = ns.page_script_hash
            self._elements = {}
            if run is not None:
                run.runs += 1
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            if msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
                self.page = next((u for u, h in self.pages.items() if h == self.page_hash), self.page)
        elif kind == "delta":
            delta = msg.delta
            if delta.WhichOneof("type") == "new_element":
                self._on_element(tuple(msg.metadata.delta_path), delta.new_element, run)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            if run is not None:
                run.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event":
            ev = msg.session_event
            if ev.WhichOneof("type") == "script_compilation_exception" and run is not None:
                run.errors.append(f"compilation exception: {ev.script_compilation_exception.message}")
        elif kind == "auth_redirect":
            if run is not None:
                run.errors.append(f"redirected to sign in elsewhere: {msg.auth_redirect.url}")
        elif kind == "file_urls_response":
            fut = self._file_urls.pop(msg.file_urls_response.response_id, None)
            if fut is not None and not fut.done():
                fut.set_result(msg.file_urls_response)
        elif kind == "script_finished":
            status = msg.script_finished
            if status == self._status.FINISHED_EARLY_FOR_RERUN:
                return  # st.rerun: the next run follows
            if status == self._status.FINISHED_WITH_COMPILE_ERROR and run is not None:
                run.errors.append("the script finished with a compile error")
            self._finish(run)

    def _on_element(self, path: tuple, element, run: Run | None) -> None:
        self._elements[path] = element
        if run is None:
            return
        which = element.WhichOneof("type")
        if which == "exception":
            e = element.exception
            run.errors.append(f"exception element: {e.type}: {e.message}"[:2000]
                              + ("\n" + "\n".join(e.stack_trace[-8:]) if e.stack_trace else ""))
        elif which == "alert":
            a = element.alert
            if a.format == 1:  # Alert.ERROR: st.error
                run.errors.append(f"st.error: {a.body}"[:2000])
            elif a.format == 2:  # Alert.WARNING
                run.warnings.append(a.body[:500])

    def _finish(self, run: Run | None) -> None:
        if run is None or self._done is None or self._done.done():
            return
        run.seconds = time.monotonic() - run.started
        run.finished = True
        widgets = []
        alerts = []
        for path in sorted(self._elements):
            element = self._elements[path]
            which = element.WhichOneof("type")
            proto = getattr(element, which) if which else None
            if which == "alert":
                alerts.append((proto.format, proto.body))
            wid = getattr(proto, "id", "") if proto is not None else ""
            if isinstance(wid, str) and wid.startswith("$$ID-"):
                widgets.append(Widget(which, wid, getattr(proto, "label", ""), proto, getattr(proto, "form_id", "")))
        run.alerts = alerts
        self.widgets = widgets
        live = {w.id for w in widgets}
        self.values = {k: v for k, v in self.values.items() if k in live}
        self._done.set_result(run)

    # messages to the server ----------------------------------------------------------------

    async def _rerun(self, label: str, states: list, *, page_name: str = "", page_hash: str | None = None) -> Run:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if self.closed:
            raise SessionError(f"{self.name}: {self.closed}")
        if self._done is not None and not self._done.done():
            raise SessionError(f"{self.name}: a run is still going")
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query
        rs.page_script_hash = self.page_hash if page_hash is None else page_hash
        rs.page_name = page_name
        for st_ in states:
            rs.widget_states.widgets.append(st_)
        ci = rs.context_info
        ci.timezone = "Europe/London"
        ci.timezone_offset = 0
        ci.locale = "en-GB"
        ci.url = f"{self.base}/{self.page}" + (f"?{self.query}" if self.query else "")
        run = Run(self.name, label, self.page, time.monotonic())
        self._current = run
        self._done = asyncio.get_running_loop().create_future()
        run.started = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(asyncio.shield(self._done), self.run_timeout)
        except asyncio.TimeoutError:
            run.errors.append(f"the run did not finish within {self.run_timeout:.0f} s")
            self.runs.append(run)
            raise SessionError(f"{self.name}: {label!r} did not finish within {self.run_timeout:.0f} s") from None
        except SessionError as exc:
            run.errors.append(str(exc))
            self.runs.append(run)
            raise
        self.runs.append(run)
        return run

    def _state(self, widget: Widget, value):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        s = WidgetState(id=widget.id)
        if widget.kind in ("radio", "selectbox", "text_input", "text_area"):
            s.string_value = value
        elif widget.kind == "checkbox":
            s.bool_value = bool(value)
        elif widget.kind in ("multiselect", "button_group"):
            s.string_array_value.data.extend(list(value))
        elif widget.kind == "date_input":
            s.string_array_value.data.extend(list(value))
        elif widget.kind == "number_input":
            s.double_value = float(value)
        elif widget.kind == "button":
            s.trigger_value = True
        elif widget.kind == "file_uploader":
            s.file_uploader_state_value.CopyFrom(value)
        else:
            raise ValueError(f"no widget state for {widget.kind}")
        return s

    def _states(self, *changed) -> list:
        """The widget states to send: every value this tab holds, with ``changed`` on top."""
        out = dict(self.values)
        for s in changed:
            out[s.id] = s
        return list(out.values())

    # what a user does ------------------------------------------------------------------------

    def widget(self, kind: str, label: str) -> Widget:
        """The widget of ``kind`` whose label starts with ``label`` in the last finished run."""
        for w in self.widgets:
            if w.kind == kind and w.label.startswith(label):
                return w
        have = sorted({(w.kind, w.label) for w in self.widgets})
        raise SessionError(f"{self.name}: no {kind} {label!r} on {self.page or 'the default page'}; have {have}")

    def has(self, kind: str, label: str) -> bool:
        return any(w.kind == kind and w.label.startswith(label) for w in self.widgets)

    async def set(self, kind: str, label: str, value, *, run_label: str | None = None) -> Run:
        """Change a widget (the shown option(s), a bool, text) and wait for the run it causes."""
        w = self.widget(kind, label)
        state = self._state(w, value)
        self.values[w.id] = state
        return await self._rerun(run_label or f"{label}={value!r}", self._states())

    async def click(self, label: str, *, run_label: str | None = None) -> Run:
        """Press a button (a trigger: sent once, never held)."""
        w = self.widget("button", label)
        return await self._rerun(run_label or f"click {label}", self._states(self._state(w, True)))

    async def submit_form(self, fields: dict[str, str], button: str, *, run_label: str | None = None) -> Run:
        """Fill a form's text inputs (by label) and press its submit button, as one rerun."""
        submit = self.widget("button", button)
        states = [self._state(self.widget("text_input", label), value) for label, value in fields.items()]
        return await self._rerun(run_label or f"submit {button}", self._states(*states, self._state(submit, True)))

    async def sign_in(self, name: str, password: str) -> Run:
        """The sign-in form (local users): name, password, "Sign in"; the page then opens."""
        run = await self.submit_form({"User name": name, "Password": password}, "Sign in", run_label="sign in")
        if self.has("button", "Sign in") and self.has("text_input", "Password"):
            run.errors.append("still on the sign-in screen after signing in: "
                              + "; ".join(body for _, body in run.alerts))
        return run

    async def goto(self, page: str, *, run_label: str | None = None) -> Run:
        """Switch to the page at URL path ``page`` (as the menu does), by its page_script_hash."""
        if page not in self.pages:
            raise SessionError(f"{self.name}: no page {page!r} in the menu {sorted(self.pages)}")
        self.page = page
        self.query = ""
        self.values = {}
        return await self._rerun(run_label or f"open {page or 'overview'}", [], page_hash=self.pages[page])

    def _xsrf_cookie(self) -> str:
        try:
            with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=30) as resp:
                for header in resp.headers.get_all("Set-Cookie") or []:
                    m = re.match(r"_streamlit_xsrf=([^;]+)", header)
                    if m:
                        return m.group(1)
        except OSError as exc:
            raise SessionError(f"{self.name}: no XSRF cookie from /_stcore/health: {exc}") from None
        return ""

    def _put(self, url: str, name: str, data: bytes, xsrf: str) -> None:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if xsrf:
            headers["Cookie"] = f"_streamlit_xsrf={xsrf}"
            headers["X-Xsrftoken"] = xsrf
        req = urllib.request.Request(url, data=body, method="PUT", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                if resp.status >= 300:
                    raise SessionError(f"{self.name}: upload answered HTTP {resp.status}")
        except urllib.error.HTTPError as exc:
            raise SessionError(f"{self.name}: upload answered HTTP {exc.code}: {exc.read()[:300]!r}") from None
        except OSError as exc:
            raise SessionError(f"{self.name}: upload failed: {type(exc).__name__}: {exc}") from None

    async def upload(self, label: str, name: str, data: bytes) -> Run:
        """Choose a file in the uploader labelled ``label`` (upload it, then rerun with its state)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo

        w = self.widget("file_uploader", label)
        request_id = uuid.uuid4().hex
        fut = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = fut
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self.ws.send(msg.SerializeToString())
        response = await asyncio.wait_for(fut, 60)
        if response.error_msg:
            raise SessionError(f"{self.name}: no upload URL: {response.error_msg}")
        urls = response.file_urls[0]
        target = urls.upload_url if urls.upload_url.startswith("http") else self.base + urls.upload_url
        xsrf = await asyncio.to_thread(self._xsrf_cookie)
        await asyncio.to_thread(self._put, target, name, data, xsrf)
        state = FileUploaderState()
        state.uploaded_file_info.append(UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id,
                                                         file_urls=urls))
        self.values[w.id] = self._state(w, state)
        return await self._rerun(f"upload {name}", self._states())


# --- the load ------------------------------------------------------------------------------------

#: The pages the load sessions use (URL path -> label) and what each changes.
LOAD_PAGES = {"explore": "Explore", "violence": "Weekly violence", "": "Overview"}
NTE_EXPLORE = "Night-time economy (Fri"
NTE_VIOLENCE = "Night-time economy only"
AREAS = 4  # the borough and the three focus areas come first in every Area box
#: Explore methods the sessions pick from: every method of the page.
METHODS = ("points", "kde", "dbscan", "gistar", "change", "classify")


def _other(rng: random.Random, options: list[str], current: str | None) -> str:
    choices = [o for o in options if o != current] or options
    return rng.choice(choices)


def _current(session: Session, w: Widget):
    """What the widget holds in this tab: the value sent last, else the one the server drew."""
    s = session.values.get(w.id)
    if s is not None:
        which = s.WhichOneof("value")
        v = getattr(s, which)
        return list(v.data) if hasattr(v, "data") else v
    p = w.proto
    if w.kind in ("radio", "selectbox"):
        if getattr(p, "raw_value", ""):
            return p.raw_value
        return p.options[p.default] if p.options and p.HasField("default") else None
    if w.kind == "checkbox":
        return p.value if p.set_value else p.default
    return None


def filter_changes(session: Session, rng: random.Random) -> list[tuple[str, str, object]]:
    """The filter changes a user could make on the current page: (kind, label, new value)."""
    out: list[tuple[str, str, object]] = []

    def pick(kind: str, label: str, options: list[str] | None = None) -> None:
        if not session.has(kind, label):
            return
        w = session.widget(kind, label)
        opts = options if options is not None else w.options
        out.append((kind, label, _other(rng, opts, _current(session, w))))

    def flip(label: str) -> None:
        if session.has("checkbox", label):
            w = session.widget("checkbox", label)
            if not w.proto.disabled:
                out.append(("checkbox", label, not bool(_current(session, w))))

    if session.has("selectbox", "Area"):
        pick("selectbox", "Area", session.widget("selectbox", "Area").options[:AREAS])
    if session.page == "explore":
        if session.has("radio", "Method"):
            pick("radio", "Method", [m for m in METHODS if m in session.widget("radio", "Method").options])
        flip(NTE_EXPLORE)
        if session.has("multiselect", "Categories"):
            cats = session.widget("multiselect", "Categories").options
            out.append(("multiselect", "Categories", rng.sample(cats, 1) if cats and rng.random() < 0.6 else []))
    elif session.page == "violence":
        flip(NTE_VIOLENCE)
        if session.has("selectbox", "Week"):
            pick("selectbox", "Week", session.widget("selectbox", "Week").options[:6])
        pick("selectbox", "Baseline")
        if session.has("button_group", "Map layers"):
            opts = session.widget("button_group", "Map layers").options
            out.append(("button_group", "Map layers", rng.sample(opts, rng.randint(1, min(2, len(opts))))))
    else:
        pick("radio", "Map")
        flip(NTE_EXPLORE)
        if session.has("multiselect", "Layers"):
            layers = session.widget("multiselect", "Layers").options
            out.append(("multiselect", "Layers", rng.sample(layers, rng.randint(1, len(layers)))))
    return out


@dataclass
class ImportResult:
    file: str
    rows: int
    seconds: float = float("nan")  # the Import click to the end of its run (the page redrawn)
    started: float = float("nan")
    accepted: int | None = None
    duplicate: int | None = None
    report: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ended(self) -> float:
        return self.started + self.seconds


@dataclass
class LoadReport:
    sessions: int
    seconds: float
    runs: list[Run]
    sign_ins: list[Run]
    session_errors: list[str]
    imported: ImportResult | None
    wall_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    bytes_in: int = 0  # ForwardMsg bytes the filter tabs received (every element in full: no message cache)

    @property
    def filter_runs(self) -> list[Run]:
        return [r for r in self.runs if r.finished]

    @property
    def errors(self) -> list[str]:
        out = list(self.session_errors)
        for r in self.sign_ins + self.runs:
            out += [f"{r.session} {r.page or 'overview'} {r.label}: {e}" for e in r.errors]
        if self.imported is not None:
            out += [f"import: {e}" for e in self.imported.errors]
        return out

    def figures(self, runs: list[Run] | None = None) -> dict:
        runs = self.filter_runs if runs is None else runs
        times = sorted(r.seconds for r in runs)
        if not times:
            return {"runs": 0, "median_s": None, "p95_s": None, "max_s": None}
        p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times) + 0.5) - 1))]
        return {"runs": len(times), "median_s": round(statistics.median(times), 3), "p95_s": round(p95, 3),
                "max_s": round(times[-1], 3)}

    def during_import(self) -> list[Run]:
        imp = self.imported
        if imp is None or imp.seconds != imp.seconds:
            return []
        return [r for r in self.filter_runs if r.started < imp.ended and r.ended > imp.started]

    def as_dict(self) -> dict:
        imp = self.imported
        by_page: dict[str, dict] = {}
        for page in sorted({r.page for r in self.filter_runs}):
            by_page[LOAD_PAGES.get(page, page)] = self.figures([r for r in self.filter_runs if r.page == page])
        return {
            "sessions": self.sessions,
            "load_seconds": self.seconds,
            "wall_seconds": round(self.wall_s, 1),
            "responses": self.figures(),
            "responses_during_import": self.figures(self.during_import()),
            "responses_by_page": by_page,
            "sign_in": self.figures(self.sign_ins),
            "errors": len(self.errors),
            "error_list": self.errors[:50],
            "warning_kinds": len({w for r in self.runs for w in r.warnings}),
            "warnings": sorted({w for r in self.runs for w in r.warnings})[:20],
            "import": None if imp is None else {
                "file": imp.file, "rows": imp.rows, "accepted": imp.accepted,
                "seconds": None if imp.seconds != imp.seconds else round(imp.seconds, 2), "report": imp.report,
            },
            "received_mb": round(self.bytes_in / 1e6, 1),
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in self.load_before],
            "loadavg_after": [round(x, 2) for x in self.load_after],
        }

    def lines(self) -> list[str]:
        d = self.as_dict()

        def fmt(f: dict) -> str:
            if not f["runs"]:
                return "no runs"
            return f"median {f['median_s']:.2f} s, p95 {f['p95_s']:.2f} s, max {f['max_s']:.2f} s over {f['runs']} runs"

        out = [
            f"load: {d['sessions']} websocket sessions changing filters for {d['load_seconds']:.0f} s "
            f"(wall {d['wall_seconds']:.0f} s), {d['cpus']} CPUs, load average "
            f"{d['loadavg_before'][0]:.1f} before, {d['loadavg_after'][0]:.1f} after",
            f"responses (BackMsg to script_finished): {fmt(d['responses'])}",
            f"  while the import ran: {fmt(d['responses_during_import'])}",
        ]
        for page, f in d["responses_by_page"].items():
            out.append(f"  {page}: {fmt(f)}")
        out.append(f"sign-ins: {fmt(d['sign_in'])}")
        imp = d["import"]
        if imp is not None:
            out.append(f"import through the Data page: {imp['file']} ({imp['rows']:,} rows) "
                       f"{imp['accepted'] if imp['accepted'] is not None else '?'} accepted in "
                       f"{imp['seconds'] if imp['seconds'] is not None else '?'} s (click to page redrawn)")
        out.append(f"received: {d['received_mb']:,.1f} MB of ForwardMsgs by the filter sessions")
        out.append(f"errors: {d['errors']}")
        out += [f"  {e}" for e in d["error_list"][:20]]
        if d["warnings"]:
            out.append(f"warnings shown (not errors; {d['warning_kinds']} kinds): "
                       + " | ".join(w.replace("\n", " ")[:100] for w in d["warnings"][:4]))
        return out


ACCEPTED = re.compile(r"\(import (\d+),.*?([\d,]+) rows read, ([\d,]+) accepted, ([\d,]+) already in the store")


async def choose_import(s: Session, csv: Path, *, kind_prefix: str = "police-extract",
                        source: str | None = None) -> list[str]:
    """On the Data page: choose the kind (and source name) and upload ``csv``; the Import button is then
    ready. Returns the errors the runs showed."""
    errors: list[str] = []
    if s.page != "data":
        errors += (await s.goto("data")).errors
    kind = next(o for o in s.widget("selectbox", "Kind").options if o.startswith(kind_prefix))
    errors += (await s.set("selectbox", "Kind", kind)).errors
    if source:
        errors += (await s.set("text_input", "Source name", source)).errors
    errors += (await s.upload("File", csv.name, csv.read_bytes())).errors
    if s.widget("button", "Import").proto.disabled:
        raise SessionError(f"{s.name}: the Import button is still disabled after the upload")
    return errors


def import_report(run: Run, file_name: str) -> tuple[int | None, int | None, str]:
    """(accepted, already in the store, the report's text) from the page the Import click drew."""
    for _, body in run.alerts:
        m = ACCEPTED.search(body)
        if m and file_name in body:
            return int(m.group(3).replace(",", "")), int(m.group(4).replace(",", "")), body
    return None, None, ""


async def import_through_data_page(base_url: str, user: str, password: str, csv: Path, *,
                                   kind_prefix: str = "police-extract", source: str | None = None,
                                   name: str = "importer", session: Session | None = None) -> ImportResult:
    """An analyst's tab: sign in, open Data, choose the kind (and source), upload ``csv``, press Import.

    With ``session`` (signed in already) that tab is used. The result holds the click-to-redrawn
    time and the counts the page reports.
    """
    rows = max(0, csv.read_bytes().count(b"\n") - 1)
    result = ImportResult(csv.name, rows)
    s = session or Session(base_url, name)
    try:
        if session is None:
            result.errors += (await s.open("data")).errors
            result.errors += (await s.sign_in(user, password)).errors
        result.errors += await choose_import(s, csv, kind_prefix=kind_prefix, source=source)
        run = await s.click("Import", run_label=f"import {csv.name}")
        result.started, result.seconds = run.started, run.seconds
        result.errors += run.errors
        result.accepted, result.duplicate, result.report = import_report(run, csv.name)
        if result.accepted is None:
            result.errors.append("the page shows no import report: "
                                 + " | ".join(body[:300] for _, body in run.alerts))
    except SessionError as exc:
        result.errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - reported, not raised: the load goes on
        result.errors.append(f"{s.name}: {type(exc).__name__}: {exc}")
    finally:
        if session is None:
            await s.close()
    return result


async def _load_session(i: int, base_url: str, user: str, password: str, deadline_at, rng: random.Random,
                        think: tuple[float, float], sign_ins: list[Run], errors: list[str],
                        sessions: list[Session], ready: asyncio.Barrier | None,
                        run_timeout: float = RUN_TIMEOUT_S) -> None:
    pages = list(LOAD_PAGES)
    s = Session(base_url, f"s{i:02d}", run_timeout=run_timeout)
    sessions.append(s)
    try:
        try:
            # Each session opens its own page's URL and signs in there, as a bookmarked view would.
            await s.open(pages[i % len(pages)])
            sign_ins.append(await s.sign_in(user, password))
        except BaseException:
            if ready is not None:
                await ready.abort()  # the other tabs go on without waiting for this one
            raise
        if ready is not None:
            try:
                await ready.wait()
            except asyncio.BrokenBarrierError:
                pass
        while time.monotonic() < deadline_at():
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline_at():
                break
            changes = filter_changes(s, rng)
            if not changes or rng.random() < 0.12:
                await s.goto(rng.choice([p for p in pages if p != s.page]))
                continue
            kind, label, value = rng.choice(changes)
            await s.set(kind, label, value)
    except SessionError as exc:
        errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - the harness must report, not hang
        errors.append(f"{s.name}: {type(exc).__name__}: {exc}")
    finally:
        await s.close()


async def run_load(base_url: str, *, user: str, password: str, sessions: int = 20, seconds: float = 60,
                   import_csv: Path | None = None, import_user: str | None = None,
                   import_password: str | None = None, import_after_s: float = 5.0,
                   import_source: str | None = None, seed: int = 20240601,
                   think: tuple[float, float] = (0.1, 0.6), run_timeout: float = RUN_TIMEOUT_S) -> LoadReport:
    """``sessions`` tabs sign in, then change filters for ``seconds`` (and until the import is done)
    while one more analyst tab imports ``import_csv`` through the Data page, ``import_after_s`` into
    the load."""
    load_before = os.getloadavg()
    t0 = time.monotonic()
    sign_ins: list[Run] = []
    errors: list[str] = []
    tabs: list[Session] = []
    rng = random.Random(seed)
    ready = asyncio.Barrier(sessions + 1)
    state = {"deadline": float("inf"), "import_done": import_csv is None}

    def deadline_at() -> float:
        return state["deadline"] if state["import_done"] else float("inf")

    workers = [asyncio.create_task(_load_session(i, base_url, user, password, deadline_at,
                                                 random.Random(rng.random()), think, sign_ins, errors, tabs, ready,
                                                 run_timeout))
               for i in range(sessions)]
    imported = None
    importer: Session | None = None
    if import_csv is not None:
        # The importer signs in before the load starts, so the import lands in the middle of it.
        importer = Session(base_url, "importer", run_timeout=run_timeout)
        try:
            errs = (await importer.open("data")).errors
            errs += (await importer.sign_in(import_user or user, import_password or password)).errors
            if errs:
                errors += [f"importer: {e}" for e in errs]
        except SessionError as exc:
            errors.append(f"importer: {exc}")
    try:
        await asyncio.wait_for(ready.wait(), run_timeout)
    except asyncio.TimeoutError:
        errors.append(f"not every session signed in within {run_timeout:.0f} s")
        await ready.abort()
    except asyncio.BrokenBarrierError:
        pass
    load_start = time.monotonic()
    state["deadline"] = load_start + seconds
    if import_csv is not None and importer is not None and not importer.closed:
        await asyncio.sleep(import_after_s)
        imported = await import_through_data_page(base_url, import_user or user, import_password or password,
                                                  import_csv, source=import_source, session=importer)
    state["import_done"] = True
    if importer is not None:
        await importer.close()
    await asyncio.gather(*workers)
    # The load's runs: every action of the filter tabs once all had signed in (page switches too).
    runs = [r for s in tabs for r in s.runs if r.started >= load_start]
    return LoadReport(sessions, seconds, sorted(runs, key=lambda r: r.started), sign_ins, errors, imported,
                      time.monotonic() - t0, load_before, os.getloadavg(), sum(s.bytes_in for s in tabs))


def run_async(coro):
    """``asyncio.run(coro)`` on a thread of its own: the test session's Playwright (tests/conftest.py)
    keeps an event loop running in the main thread, where ``asyncio.run`` refuses to start another."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def load(base_url: str, **kw) -> LoadReport:
    """``run_load`` from synchronous code."""
    return run_async(run_load(base_url, **kw))


def crash_report(app: App) -> str | None:
    """How the app died when it was not stopped by us: the signal and the crashing thread's stack."""
    if not app.crashed:
        return None
    try:
        name = signal.Signals(-app.proc.returncode).name
    except ValueError:
        name = f"signal {-app.proc.returncode}"
    text = app.log_tail(200_000)
    m = re.search(r"Fatal Python error: .*?\n(?:.*\n)*?Current thread [^\n]*\n((?:  File .*\n){1,14})", text)
    return f"the app died of {name}" + (f"; crashing thread:\n{m.group(1)}" if m else "")


# --- the store, checked from outside ------------------------------------------------------------


def store_consistency(db: Path) -> tuple[list[str], dict]:
    """Problems with the store at ``db`` (opened read-only; the app must be stopped) and its counts.

    - every import in the log (not deleted) has exactly ``rows_accepted`` incidents with its id,
      and a deleted one has none;
    - no incident, and no rejected row, has an import id missing from the log;
    - an audited import (the app's, with the analyst's name) is in the log with the audited count;
    - no source key appears twice within a source.
    """
    from queries.store import connect

    problems: list[str] = []
    con = connect(db, read_only=True)
    try:
        for import_id, name, accepted, found, deleted in con.execute("""
            SELECT i.import_id, i.file_name, i.rows_accepted, count(n.import_id), i.deleted_at IS NOT NULL
            FROM imports i LEFT JOIN incidents n ON n.import_id = i.import_id
            GROUP BY ALL ORDER BY i.import_id""").fetchall():
            expected = 0 if deleted else accepted
            if found != expected:
                problems.append(f"import {import_id} ({name}): {found:,} incidents, the log says {expected:,}")
        for import_id, n in con.execute("""
            SELECT import_id, count(*) FROM incidents
            WHERE import_id NOT IN (SELECT import_id FROM imports) GROUP BY ALL""").fetchall():
            problems.append(f"{n:,} incidents with import id {import_id}, which is not in the import log")
        for import_id, n in con.execute("""
            SELECT import_id, count(*) FROM rejected_rows
            WHERE import_id NOT IN (SELECT import_id FROM imports) GROUP BY ALL""").fetchall():
            problems.append(f"{n:,} rejected rows with import id {import_id}, which is not in the import log")
        # An import and its audit entry are committed together: an entry names an import in the log
        # with the same accepted count, and an audited import has exactly one entry.
        for import_id, n, in_log, accepted, logged in con.execute("""
            WITH a AS (SELECT CAST(json_extract(detail, '$.import') AS INTEGER) AS import_id,
                              CAST(json_extract(detail, '$.accepted') AS BIGINT) AS accepted
                       FROM audit WHERE action = 'import' AND outcome = 'ok')
            SELECT a.import_id, count(*), any_value(i.import_id IS NOT NULL), any_value(a.accepted),
                   any_value(i.rows_accepted)
            FROM a LEFT JOIN imports i ON i.import_id = a.import_id GROUP BY ALL""").fetchall():
            if not in_log:
                problems.append(f"the audit log has an import {import_id} that is not in the import log")
            elif n != 1 or accepted != logged:
                problems.append(f"import {import_id}: {n} audit entries, accepted {accepted} there, {logged} in the log")
        dupes = con.execute("""SELECT count(*) FROM (SELECT source, source_key FROM incidents
                               GROUP BY ALL HAVING count(*) > 1)""").fetchone()[0]
        if dupes:
            problems.append(f"{dupes:,} source keys stored twice within their source")
        counts = {
            "incidents": con.execute("SELECT count(*) FROM incidents").fetchone()[0],
            "imports": con.execute("SELECT count(*) FROM imports").fetchone()[0],
            "audit": con.execute("SELECT count(*) FROM audit").fetchone()[0],
        }
    finally:
        con.close()
    return problems, counts


def import_rows(db: Path, source: str) -> dict:
    """What the store holds of ``source``: incidents, import log rows, and the import's own time."""
    from queries.store import connect

    con = connect(db, read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM incidents WHERE source = ?", [source]).fetchone()[0]
        log = con.execute("""SELECT import_id, file_name, rows_accepted,
                                    epoch(finished_at) - epoch(started_at) AS seconds
                             FROM imports WHERE source = ? ORDER BY import_id""", [source]).fetchall()
    finally:
        con.close()
    return {"incidents": n, "imports": [dict(zip(("import_id", "file", "accepted", "seconds"), r)) for r in log]}


# --- the whole load test, from a store to the figures --------------------------------------------

LOAD_USER = "load-tester"
LOAD_PASSWORD = "load test password 1"
IMPORT_USER = "load-importer"
IMPORT_PASSWORD = "load import password 1"


def load_test(store: Path, workdir: Path, *, sessions: int = 20, seconds: float = 60, rows: int = 60_000,
              import_after_s: float = 5.0, seed: int = 20240601, log: Path | None = None,
              think: tuple[float, float] = (0.1, 0.6), app_env: dict | None = None, add_users: bool = True,
              run_timeout: float = RUN_TIMEOUT_S) -> tuple[LoadReport, dict]:
    """Add the load's users to ``store`` (it is changed: use a copy), start the app on it, run the
    load with an import of a ``rows``-row police extract (none when 0), stop the app and check
    the store: the import's rows arrived and it is consistent. Returns the report and those checks."""
    workdir.mkdir(parents=True, exist_ok=True)
    if add_users:
        add_user(store, LOAD_USER, LOAD_PASSWORD)
        add_user(store, IMPORT_USER, IMPORT_PASSWORD)
    csv = write_extract(workdir / f"load-extract-{rows}.csv", rows, seed=seed) if rows else None
    source = f"load-test-{seed}"
    app = App(store, log or workdir / "streamlit.log", extra_env=app_env)
    try:
        app.wait_ready()
        report = load(app.url, user=LOAD_USER, password=LOAD_PASSWORD, sessions=sessions, seconds=seconds,
                      import_csv=csv, import_user=IMPORT_USER, import_password=IMPORT_PASSWORD,
                      import_after_s=import_after_s, import_source=source, seed=seed, think=think,
                      run_timeout=run_timeout)
    finally:
        app.stop()
    problems, counts = store_consistency(store)
    checks = {"store_problems": problems, "store_counts": counts, "app_exit": app.proc.returncode,
              "app_crash": crash_report(app)}
    if csv is not None:
        checks["import_store"] = import_rows(store, source)
    return report, checks
