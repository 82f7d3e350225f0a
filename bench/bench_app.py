"""Dashboard speed on 1,000,000 incidents: filter change to finished map and tables, first load, bytes.

    python bench/bench_app.py [--db PATH] [--views explore,violence] [--changes N]
                              [--no-apptest] [--no-browser] [--json FILE]

The store is ``bench/bench_store_1m.py``'s (built once, cached under /tmp; the demo
generators scaled to a million rows and imported through the real importers).
Two measurements, both against that store:

1. **Server side** (``streamlit.testing.v1.AppTest``, one fresh process per view so
   every cache starts cold): the real ``app.py`` opened on the view, then a sequence
   of filter changes (each a value not seen before, so nothing comes from the
   results cache), every ``AppTest.run()`` timed from the widget change to the
   end of the script, i.e. the finished map and tables. Every ForwardMsg the run
   produces is serialized and counted: the map's st_folium element (the HTML,
   scripts and layers sent for the map) and all bytes of the run.
2. **In the browser** (``streamlit run app.py`` + Playwright driving Debian's
   Chromium, tiles blocked): the first load of each view on a freshly started
   server (cold caches) and again in a new session (warm), from navigation until
   the Leaflet map has drawn its layers; then a few filter changes clicked in
   the page, from the click until the map is redrawn. Every websocket frame the
   page receives is decoded as a ForwardMsg and counted, so "map bytes" is what
   actually crossed the wire for the map element.

Targets (issue 4): median filter change under 1 s, map payload under 1 MB whatever
the number of incidents, first load under 5 s. The default run takes 2 to 3 minutes
on 2 cores once the store is cached (building it first adds 1 to 2 minutes). The
figures move with the machine's load: run it when nothing else is.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import bench_store_1m  # noqa: E402

MB = 1_000_000
TARGET_MEDIAN_S = 1.0
TARGET_MAP_BYTES = 1 * MB
TARGET_FIRST_LOAD_S = 5.0
RUN_TIMEOUT_S = 300
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


# --- the filter changes ----------------------------------------------------------------
#
# Each change is (label, widget kind, key, value). ``value`` may be a function of the
# widget's current value. Changes are cumulative, and each leaves a filter combination
# not seen before in the run, so none is served from the results cache.

def _shift_dates(days: int):
    def shift(current):
        start, end = current if isinstance(current, (tuple, list)) else (current, current)
        return (start - timedelta(days=days), end - timedelta(days=days))
    return shift


def _earlier_week(weeks: int):
    """The option ``weeks`` after the current one of the week selectbox (its options are newest first)."""
    def pick(widget):
        options = list(widget.options)
        i = options.index(str(widget.value)) if str(widget.value) in options else 0
        return options[min(i + weeks, len(options) - 1)]
    return pick


def _second_option(widget):
    options = list(widget.options)
    return options[1] if len(options) > 1 else options[0]


VIEWS: dict[str, dict] = {
    "explore": {
        "url_path": "explore",
        "changes": [
            ("method: KDE", "radio", "x_method", "kde"),
            ("category: violence", "multiselect", "x_cat", ["Violence and sexual offences"]),
            ("night-time economy on", "toggle", "x_nte", True),
            ("area: NTE focus area", "selectbox", "x_area", "nte"),
            ("method: Gi*", "radio", "x_method", "gistar"),
            ("area: borough", "selectbox", "x_area", "borough"),
            ("method: DBSCAN", "radio", "x_method", "dbscan"),
            ("night-time economy off", "toggle", "x_nte", False),
            ("dates: a year earlier", "date_input", "x_dates", _shift_dates(364)),
            ("method: change", "radio", "x_method", "change"),
            ("category: all", "multiselect", "x_cat", []),
            ("method: incidents only", "radio", "x_method", "points"),
        ],
        # Browser changes: (label, how to click, what shows the map redrawn).
        "browser": [
            ("method: KDE", ("radio", "Method", "kde"), "img.leaflet-image-layer"),
            ("method: Gi*", ("radio", "Method", "gistar"), "path.leaflet-interactive"),
            ("night-time economy on", ("toggle", "Night-time economy"), "path.leaflet-interactive"),
            ("category: violence", ("multiselect", "Categories", "Violence and sexual offences"),
             "path.leaflet-interactive"),
            ("method: incidents only", ("radio", "Method", "points"), ".hs-incident-cluster"),
        ],
    },
    "violence": {
        "url_path": "violence",
        # The Weekly violence page's widgets (prefix ``v_``); a change whose widget the
        # page does not have is reported as skipped.
        "changes": [
            ("night-time economy on", "toggle", "v_nte", True),
            ("week: one earlier", "selectbox", "v_week", _earlier_week(1)),
            ("layers: + change", "pills", "v_layers", ["density", "points", "change"]),
            ("night-time economy off", "toggle", "v_nte", False),
            ("week: one earlier", "selectbox", "v_week", _earlier_week(1)),
            ("area: NTE focus area", "selectbox", "v_area", "nte"),
            ("baseline: the next option", "selectbox", "v_base", _second_option),
            ("week: one earlier", "selectbox", "v_week", _earlier_week(1)),
            ("area: borough", "selectbox", "v_area", "borough"),
            ("week: a year earlier", "selectbox", "v_week", _earlier_week(52)),
            ("layers: + classes", "pills", "v_layers", ["density", "points", "change", "classes"]),
        ],
        "browser": [
            ("night-time economy on", ("toggle", "Night-time economy"), "img.leaflet-image-layer"),
            ("layers: + change", ("pill", "Map layers", "Change"), "img.leaflet-image-layer"),
            ("night-time economy off", ("toggle", "Night-time economy"), "img.leaflet-image-layer"),
        ],
    },
}


# --- server side: AppTest ---------------------------------------------------------------

class _Counter:
    """Sizes of the ForwardMsgs produced by script runs (patched into the message queue)."""

    def __init__(self):
        self.total = 0
        self.map = 0
        self.tables = 0

    def reset(self):
        self.total = self.map = self.tables = 0

    def install(self):
        from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

        original = ForwardMsgQueue.enqueue
        counter = self

        def enqueue(queue, msg):
            size = msg.ByteSize()
            counter.total += size
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                kind = msg.delta.new_element.WhichOneof("type")
                if kind == "component_instance" and "folium" in msg.delta.new_element.component_instance.component_name:
                    counter.map += size
                elif kind in ("dataframe", "table", "arrow_data_frame", "arrow_table"):
                    counter.tables += size
            return original(queue, msg)

        ForwardMsgQueue.enqueue = enqueue


def _widget(at, kind: str, key: str):
    try:
        return getattr(at, kind)(key=key)
    except (KeyError, IndexError, AttributeError):
        return None


def _problems(at) -> list[str]:
    out = [f"exception: {e.value}" for e in at.exception]
    out += [f"error: {e.value}" for e in at.error]
    return out


def apptest_view(view: str, db: Path, changes: int) -> dict:
    """Open ``view`` of the real app with AppTest and time ``changes`` filter changes."""
    os.environ["HOTSPOTS_DB"] = str(db)
    os.chdir(REPO)
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    spec = VIEWS[view]
    counter = _Counter()
    counter.install()
    # The app's modules, imported once per server process: timed apart from the first run.
    t = time.perf_counter()
    import app_views.pages  # noqa: F401
    from app_views.pages import about, data, explore, fly_tipping, overview, violence, wildfire  # noqa: F401
    imports = time.perf_counter() - t
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=RUN_TIMEOUT_S)
    at._page_hash = calc_hash(spec["url_path"])  # open the view directly (st.Page hashes its url_path)
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    out = {"view": view, "imports_s": imports, "first_load_s": first, "first_load_map_bytes": counter.map,
           "first_load_bytes": counter.total, "first_load_problems": _problems(at), "changes": []}
    if not at.main.children and not at.sidebar.children:
        out["first_load_problems"].append("the page drew nothing")
    for label, kind, key, value in spec["changes"][:changes]:
        w = _widget(at, kind, key)
        if w is None:
            out["changes"].append({"label": label, "skipped": f"no {kind} with key {key!r} on the page"})
            continue
        new = value(w) if callable(value) and kind == "selectbox" else value(w.value) if callable(value) else value
        if new == w.value:
            out["changes"].append({"label": label, "skipped": f"{key} is already {new!r}"})
            continue
        w.set_value(new)
        counter.reset()
        t = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - t
        out["changes"].append({"label": label, "seconds": seconds, "map_bytes": counter.map,
                               "table_bytes": counter.tables, "bytes": counter.total, "problems": _problems(at)})
    return out


def run_apptest(view: str, db: Path, changes: int) -> dict:
    """``apptest_view`` in a fresh process, so its caches start cold."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--db", str(db), "--changes", str(changes),
           "--_apptest", view]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=3600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"view": view, "failed": f"exit {done.returncode}: {done.stderr[-2000:]}"}
    return json.loads(lines[-1])


# --- in the browser -------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` on the bench store."""

    def __init__(self, db: Path, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HOTSPOTS_DB": str(db), "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
        self.log = log
        self._out = open(log, "w")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("streamlit did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._out.close()


class Wire:
    """Every websocket frame a page receives, decoded as a Streamlit ForwardMsg."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._decode = ForwardMsg.FromString
        self.frames: list[tuple[float, int, str, str]] = []  # (time, bytes, type, element)
        page.on("websocket", lambda ws: ws.on("framereceived", self._on))

    def _on(self, payload):
        data = payload.encode() if isinstance(payload, str) else payload
        kind, element = "?", ""
        try:
            msg = self._decode(data)
            kind = msg.WhichOneof("type") or "?"
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element.WhichOneof("type") or ""
                if element == "component_instance":
                    element = msg.delta.new_element.component_instance.component_name
            if kind == "ref_hash":
                element = "cached"
        except Exception:
            pass
        self.frames.append((time.perf_counter(), len(data), kind, element))

    def mark(self) -> int:
        return len(self.frames)

    def since(self, mark: int) -> dict:
        frames = self.frames[mark:]
        return {"bytes": sum(f[1] for f in frames),
                "map_bytes": sum(f[1] for f in frames if "folium" in f[3]),
                "finished": [f[0] for f in frames if f[2] == "script_finished"]}

    def wait_finished(self, page, mark: int, timeout_s: float = RUN_TIMEOUT_S) -> float:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = self.since(mark)["finished"]
            if done:
                return done[-1]
            page.wait_for_timeout(50)
        raise TimeoutError("no script_finished message")


def _map_drawn(page, selector: str, timeout_ms: int) -> None:
    """Wait until the map iframe holds the Leaflet map with ``selector`` drawn in it."""
    page.wait_for_function(
        """([frameSel, sel]) => {
            const f = [...document.querySelectorAll(frameSel)].pop();
            const d = f && f.contentDocument;
            return !!d && !!d.querySelector('.leaflet-container') && !!d.querySelector(sel);
        }""",
        arg=[MAP_FRAME, selector], timeout=timeout_ms, polling=50)


def _click(page, how) -> None:
    exact = re.compile(rf"^\s*{re.escape(how[-1])}\s*$")
    if how[0] == "radio":
        group = page.locator('[data-testid="stRadio"]').filter(has_text=how[1]).first
        group.locator('[data-testid="stRadioOption"]').filter(
            has=page.locator('[data-testid="stMarkdownContainer"]', has_text=exact)).first.click()
    elif how[0] == "multiselect":
        box = page.locator('[data-testid="stMultiSelect"]').filter(has_text=how[1]).first
        box.locator("input").first.click()
        page.locator('[role="listbox"]').last.locator('[role="option"]').filter(has_text=exact).first.click()
        page.keyboard.press("Escape")
    elif how[0] == "pill":
        group = page.locator('[data-testid="stButtonGroup"]').filter(has_text=how[1]).first
        group.get_by_role("button").filter(has_text=exact).first.click()
    elif how[0] == "toggle":
        page.locator('[data-testid="stCheckbox"]').filter(has_text=how[1]).first.locator("label").first.click()
    else:
        raise ValueError(how)


def browser_views(db: Path, views: list[str], log: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out = []
    server = Server(db, log)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                         headless=True, args=CHROMIUM_ARGS)
            try:
                for view in views:
                    out.append(_browser_view(browser, server, view))
            finally:
                browser.close()
    finally:
        server.stop()
    return out


def _page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
               else r.abort("internetdisconnected"))
    return ctx, page


def _load(browser, server, view) -> tuple[dict, object, object, Wire]:
    ctx, page = _page(browser)
    page.set_default_timeout(RUN_TIMEOUT_S * 1000)
    wire = Wire(page)
    t = time.perf_counter()
    try:
        page.goto(f"{server.url}/{VIEWS[view]['url_path']}", wait_until="commit")
        finished = wire.wait_finished(page, 0)
        _map_drawn(page, "path.hs-boundary", RUN_TIMEOUT_S * 1000)
    except Exception as exc:
        shot = REPO / "bench" / "out" / f"bench_app_{view}_failed.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot))
        ctx.close()
        raise RuntimeError(f"{type(exc).__name__}: {str(exc)[:300]} (screenshot: {shot.relative_to(REPO)})") from exc
    drawn = time.perf_counter()
    seen = wire.since(0)
    return ({"script_finished_s": finished - t, "map_drawn_s": drawn - t, "bytes": seen["bytes"],
             "map_bytes": seen["map_bytes"]}, ctx, page, wire)


def _browser_view(browser, server, view: str) -> dict:
    res = {"view": view}
    try:
        res["cold"], ctx, page, wire = _load(browser, server, view)
        ctx.close()
        res["warm"], ctx, page, wire = _load(browser, server, view)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        res["failed"] = str(exc)
        return res
    res["changes"] = []
    try:
        for label, how, selector in VIEWS[view]["browser"]:
            before = _signature(page)
            mark = wire.mark()
            t = time.perf_counter()
            try:
                _click(page, how)
                finished = wire.wait_finished(page, mark)
                # Drawn: the map's layers differ from before the click, with the change's own layer there.
                page.wait_for_function(
                    f"""([frameSel, sel, before]) => {{
                        const f = [...document.querySelectorAll(frameSel)].pop();
                        const w = f && f.contentWindow, d = f && f.contentDocument;
                        if (!w || !w.map || !d.querySelector(sel)) return false;
                        return ({_SIGNATURE})(w) !== before;
                    }}""",
                    arg=[MAP_FRAME, selector, before], timeout=120_000, polling=50)
            except Exception as exc:  # noqa: BLE001
                res["changes"].append({"label": label, "skipped": f"{type(exc).__name__}: {str(exc)[:120]}"})
                continue
            drawn = time.perf_counter()
            seen = wire.since(mark)
            res["changes"].append({"label": label, "script_finished_s": finished - t, "map_drawn_s": drawn - t,
                                   "bytes": seen["bytes"], "map_bytes": seen["map_bytes"]})
    finally:
        ctx.close()
    return res


#: What the map shows: its layer control's text and the number of Leaflet layers on it.
_SIGNATURE = """(w) => {
    const c = w.document.querySelector('.leaflet-control-layers-overlays');
    return (c ? c.innerText : '') + '|' + Object.keys(w.map._layers).length;
}"""


def _signature(page) -> str:
    return page.evaluate(
        f"""(frameSel) => {{ const f = [...document.querySelectorAll(frameSel)].pop();
            return f && f.contentWindow && f.contentWindow.map ? ({_SIGNATURE})(f.contentWindow) : ''; }}""",
        MAP_FRAME)


# --- report -----------------------------------------------------------------------------

def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=20, method="inclusive")[18]


def _ok(flag: bool) -> str:
    return "ok" if flag else "MISSED"


def report(store: dict, server_side: list[dict], browser: list[dict]) -> str:
    lines = [f"Store: {store['rows']:,} incidents ({store['path']})", ""]
    if server_side:
        lines.append("Server side (AppTest, real app.py; cold caches; each change a new filter combination)")
        lines.append(f"{'view':<10}{'change':<28}{'seconds':>9}{'map KB':>9}{'tables KB':>10}{'all KB':>9}  notes")
        for r in server_side:
            if "failed" in r:
                lines.append(f"{r['view']:<10}FAILED: {r['failed'][-600:]}")
                continue
            lines.append(f"{r['view']:<10}{'importing the app modules':<28}{r.get('imports_s', 0):>9.2f}")
            lines.append(f"{'':<10}{'first load (after imports)':<28}{r['first_load_s']:>9.2f}"
                         f"{r['first_load_map_bytes'] / 1e3:>9.1f}{'':>10}{r['first_load_bytes'] / 1e3:>9.1f}  "
                         + "; ".join(r["first_load_problems"])[:200])
            for c in r["changes"]:
                if "skipped" in c:
                    lines.append(f"{'':<10}{c['label']:<28}{'skipped':>9}  {c['skipped']}")
                    continue
                lines.append(f"{'':<10}{c['label']:<28}{c['seconds']:>9.2f}{c['map_bytes'] / 1e3:>9.1f}"
                             f"{c['table_bytes'] / 1e3:>10.1f}{c['bytes'] / 1e3:>9.1f}  " + "; ".join(c["problems"])[:200])
        lines.append("")
    if browser:
        lines.append("In the browser (streamlit run + Chromium; tiles blocked): seconds to the script's end "
                     "message / to the map drawn")
        lines.append(f"{'view':<10}{'step':<28}{'finished':>9}{'drawn':>9}{'map KB':>9}{'all KB':>9}")
        for r in browser:
            if "failed" in r:
                lines.append(f"{r['view']:<10}FAILED: {r['failed'][:600]}")
                continue
            for step in ("cold", "warm"):
                s = r[step]
                name = "first load, new server" if step == "cold" else "first load, new session"
                lines.append(f"{r['view']:<10}{name:<28}{s['script_finished_s']:>9.2f}{s['map_drawn_s']:>9.2f}"
                             f"{s['map_bytes'] / 1e3:>9.1f}{s['bytes'] / 1e3:>9.1f}")
            for c in r.get("changes", []):
                if "skipped" in c:
                    lines.append(f"{'':<10}{c['label']:<28}{'skipped':>9}  {c['skipped']}")
                    continue
                lines.append(f"{'':<10}{c['label']:<28}{c['script_finished_s']:>9.2f}{c['map_drawn_s']:>9.2f}"
                             f"{c['map_bytes'] / 1e3:>9.1f}{c['bytes'] / 1e3:>9.1f}")
        lines.append("")

    lines.append("Summary against the targets (issue 4)")
    lines.append(f"{'view':<10}{'measure':<44}{'value':>12}{'target':>12}  result")
    for r in server_side:
        if "failed" in r:
            continue
        times = [c["seconds"] for c in r["changes"] if "seconds" in c]
        maps = [c["map_bytes"] for c in r["changes"] if "map_bytes" in c] + [r["first_load_map_bytes"]]
        if times:
            med, p95 = statistics.median(times), _p95(times)
            lines.append(f"{r['view']:<10}{f'filter change, median of {len(times)} (server)':<44}{med:>11.2f}s"
                         f"{TARGET_MEDIAN_S:>11.1f}s  {_ok(med < TARGET_MEDIAN_S)}")
            lines.append(f"{'':<10}{'filter change, p95 (server)':<44}{p95:>11.2f}s{'':>12}")
            lines.append(f"{'':<10}{'filter change, slowest (server)':<44}{max(times):>11.2f}s{'':>12}")
        lines.append(f"{'':<10}{'map element, largest (server)':<44}{max(maps) / 1e3:>10.1f}KB"
                     f"{TARGET_MAP_BYTES / 1e3:>10.0f}KB  {_ok(max(maps) < TARGET_MAP_BYTES)}")
        cold = r["first_load_s"] + r.get("imports_s", 0.0)
        lines.append(f"{'':<10}{'first load (server, new process, cold caches)':<44}{cold:>11.2f}s"
                     f"{TARGET_FIRST_LOAD_S:>11.1f}s  {_ok(cold < TARGET_FIRST_LOAD_S)}")
        lines.append(f"{'':<10}{'  of which importing the app modules':<44}{r.get('imports_s', 0):>11.2f}s")
    for r in browser:
        if "failed" in r:
            continue
        for step, name in (("cold", "first load in browser, new server"), ("warm", "first load in browser, new session")):
            s = r[step]["map_drawn_s"]
            lines.append(f"{r['view']:<10}{name:<44}{s:>11.2f}s{TARGET_FIRST_LOAD_S:>11.1f}s  "
                         f"{_ok(s < TARGET_FIRST_LOAD_S)}")
        ws_maps = [r[s]["map_bytes"] for s in ("cold", "warm")] + [c["map_bytes"] for c in r.get("changes", [])
                                                                  if "map_bytes" in c]
        lines.append(f"{'':<10}{'map bytes over the websocket, largest':<44}{max(ws_maps) / 1e3:>10.1f}KB"
                     f"{TARGET_MAP_BYTES / 1e3:>10.0f}KB  {_ok(max(ws_maps) < TARGET_MAP_BYTES)}")
        drawn = [c["map_drawn_s"] for c in r.get("changes", []) if "map_drawn_s" in c]
        if drawn:
            lines.append(f"{'':<10}{f'change to map drawn, median of {len(drawn)} (browser)':<44}"
                         f"{statistics.median(drawn):>11.2f}s{TARGET_MEDIAN_S:>11.1f}s  "
                         f"{_ok(statistics.median(drawn) < TARGET_MEDIAN_S)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=bench_store_1m.DEFAULT_DB)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--views", default="violence,explore")
    ap.add_argument("--changes", type=int, default=10, help="filter changes per view (server side)")
    ap.add_argument("--no-apptest", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    ap.add_argument("--_apptest", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._apptest:
        print(json.dumps(apptest_view(args._apptest, args.db, args.changes)))
        return

    views = [v.strip() for v in args.views.split(",") if v.strip()]
    unknown = set(views) - set(VIEWS)
    if unknown:
        ap.error(f"unknown views {sorted(unknown)}; choose from {', '.join(VIEWS)}")
    store = bench_store_1m.build(args.db, args.rows)
    started = time.perf_counter()
    server_side = []
    if not args.no_apptest:
        for view in views:
            print(f"server side: {view} ...", flush=True)
            server_side.append(run_apptest(view, args.db, args.changes))
    browser = []
    if not args.no_browser:
        print("in the browser ...", flush=True)
        out_dir = REPO / "bench" / "out"
        out_dir.mkdir(parents=True, exist_ok=True)
        browser = browser_views(args.db, views, out_dir / "bench_app_streamlit.log")
    print()
    print(report(store, server_side, browser))
    print(f"\n(measured in {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"store": store, "server_side": server_side, "browser": browser}, indent=1))


if __name__ == "__main__":
    main()
