"""The first screen in headless Chromium: a Leaflet map of Dartford with its layers, offline.

Basemap tile requests are aborted, as they would fail with no internet; everything
else must come from the app's own server (Leaflet is served from static/vendor/).
"""

import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TILE_HOST = "tile.openstreetmap.org"
INCIDENTS_LABEL = re.compile(r"Incidents \(([\d,]+)\)")


def _is_tile(url: str) -> bool:
    return urlsplit(url).hostname is not None and urlsplit(url).hostname.endswith(TILE_HOST)


def _incidents_in_control(frame) -> int:
    text = frame.locator(".leaflet-control-layers-overlays").inner_text()
    match = INCIDENTS_LABEL.search(text)
    assert match, f"no incidents layer in the layer control: {text!r}"
    return int(match.group(1).replace(",", ""))


def _metric(page, label: str) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    value = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(value.replace(",", ""))


def _wait_for_incidents(page, frame, located: int) -> None:
    """Wait until the map's incident layer shows ``located`` incidents."""
    page.wait_for_function(
        """([sel, n]) => {
            const f = document.querySelector(sel);
            const d = f && f.contentDocument;
            const el = d && d.querySelector('.leaflet-control-layers-overlays');
            return !!el && el.innerText.includes('Incidents (' + n.toLocaleString('en-GB') + ')');
        }""",
        arg=[MAP_FRAME, located],
    )


def test_first_screen_shows_map_with_layers_offline(page, streamlit_app, artifacts_dir):
    console_errors, page_errors, outside_requests = [], [], []

    def on_console(msg):
        where = msg.location.get("url", "") or ""
        if msg.type == "error" and not _is_tile(where) and TILE_HOST not in msg.text:
            console_errors.append(f"{msg.text} @ {where}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    bad_responses = []
    page.on("response", lambda r: r.status >= 400 and bad_responses.append(f"{r.status} {r.url}"))

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            if not _is_tile(route.request.url):
                outside_requests.append(route.request.url)
            route.abort("internetdisconnected")

    sent = []  # frames the page sends to Streamlit: each rerun is one
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))

    # No internet: tiles fail (the map must cope), and nothing else may try to go out.
    page.route("**/*", guard)

    page.goto(streamlit_app, wait_until="domcontentloaded")
    page.wait_for_selector(MAP_FRAME, state="attached")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for()

    # Borough boundary drawn as an SVG path, even though no tile loaded.
    frame.locator("path.hs-boundary").first.wait_for(state="attached")
    assert frame.locator("path.hs-boundary").count() >= 1
    assert frame.locator(".hs-tile-note").first.is_visible()

    # The source shown is the default one; generated rows are labelled as such.
    source = page.locator('[data-testid="stSelectbox"]').filter(has_text="Source").inner_text()
    source = "demo-generated" if "demo-generated" in source else source
    if source == "demo-generated":
        assert page.get_by_text("Generated demo data").first.is_visible()

    # Incidents: clustered, with a count in the layer control matching the "On the map" metric.
    located = _metric(page, "On the map")
    assert located > 0
    _wait_for_incidents(page, frame, located)
    frame.locator(".marker-cluster").first.wait_for()
    assert frame.locator(".marker-cluster").count() >= 1
    # Never one DOM marker per incident: clusters stand for most of them.
    assert frame.locator(".leaflet-marker-icon").count() < located
    overlays = frame.locator(".leaflet-control-layers-overlays").inner_text()
    assert "LSOAs (2021)" in overlays and "Focus areas" in overlays
    assert frame.locator(".leaflet-control-scale").count() == 1

    page.screenshot(path=str(artifacts_dir / "first-screen.png"), full_page=True)

    # Zoom in, then change a filter: the map redraws its incidents but keeps its view.
    page.wait_for_timeout(1000)
    frames_before = len(sent)
    assert frames_before > 0, "no websocket frames seen: cannot check for reruns"
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(1500)
    # Moving the map sends nothing back (returned_objects=[]), so it never reruns the app.
    assert len(sent) == frames_before, "zooming the map made Streamlit rerun"
    zoom_before = page.evaluate(f"document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom()")

    # Drop the first chosen layer (the demo store has four).
    layer_select = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Layer")
    remove = layer_select.locator('button[aria-label^="Remove "]').first
    removed = remove.get_attribute("aria-label")
    remove.click()
    layer_select.locator(f'button[aria-label="{removed}"]').wait_for(state="detached")
    page.wait_for_function(
        """([n]) => {
            const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                .find(e => e.innerText.includes('On the map'));
            const v = m && m.querySelector('[data-testid="stMetricValue"]');
            return !!v && parseInt(v.innerText.replace(/,/g, '')) !== n;
        }""",
        arg=[located],
    )
    located_after = _metric(page, "On the map")
    assert located_after < located
    _wait_for_incidents(page, frame, located_after)
    assert _incidents_in_control(frame) == located_after
    zoom_after = page.evaluate(f"document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom()")
    assert zoom_after == zoom_before, "the map lost its view on rerun"
    frame.locator("path.hs-boundary").first.wait_for(state="attached")

    # A marker's tooltip: category, when (as precise as the source), where.
    tooltip = page.evaluate(
        """(sel) => new Promise((resolve) => {
            const w = document.querySelector(sel).contentWindow;
            const group = Object.values(w.map._layers).find(l => typeof l.zoomToShowLayer === "function");
            const marker = group.getLayers()[0];
            group.zoomToShowLayer(marker, () => { marker.openTooltip(); resolve(marker.getTooltip().getContent()); });
        })""",
        MAP_FRAME,
    )
    frame.locator(".leaflet-tooltip").first.wait_for()
    shown = frame.locator(".leaflet-tooltip").first.inner_text()
    assert shown.strip() and re.search(r"\b(January|February|March|April|May|June|July|August|September|October|"
                                       r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b.*20\d\d", shown), shown
    assert tooltip.startswith("<b>"), tooltip
    if source == "demo-generated":
        assert "Generated demo record" in shown

    page.screenshot(path=str(artifacts_dir / "first-screen-filtered.png"), full_page=True)

    assert not page_errors, page_errors
    assert not console_errors, console_errors
    assert not bad_responses, bad_responses
    assert not outside_requests, f"requests left the machine: {outside_requests}"
