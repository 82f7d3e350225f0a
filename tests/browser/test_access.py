"""Signing in, roles and escaping, in headless Chromium against the running app (offline).

The store's users are made by the CLI before the app starts (tests/browser/conftest.py):
an analyst, a viewer and a viewer limited to fires, all with ``TEST_PASSWORD``.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (FIRE_VIEWER, HOSTILE_LOCATION, HOSTILE_SOURCE, TEST_PASSWORD, TEST_USER,
                                    VIEWER)

pytestmark = pytest.mark.browser


def _menu(app) -> list[str]:
    """The menu's page titles (each link's text is its icon's name, then the title)."""
    links = app.page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    return [t.strip().splitlines()[-1].strip() for t in links if t.strip()]


def test_sign_in_wrong_then_right_then_sign_out(app):
    app.goto("/explore?x_method=kde", sign_in=False)
    assert app.asks_to_sign_in()
    assert _menu(app) == []  # no page, no menu, nothing from the store before signing in
    assert app.page.locator('[data-testid="stMetric"]').count() == 0
    app.sign_in(TEST_USER, "not the password")
    assert "Wrong user name or password." in app.page.locator('[data-testid="stAlert"]').first.inner_text()
    assert app.title() == "Dartford hotspot maps"
    app.sign_in(TEST_USER, TEST_PASSWORD)
    assert app.title() == "Explore" and app.query.get("x_method") == ["kde"]  # the bookmark survives
    assert {"Overview", "Weekly violence", "Explore", "Data", "About"} <= set(_menu(app))
    assert "Admin" not in _menu(app)  # analysts are not admins
    sidebar = app.page.locator('[data-testid="stSidebar"]').inner_text()
    assert f"Signed in as {TEST_USER} (analyst; every layer)" in sidebar
    app.act(lambda: app.page.get_by_role("button", name="Sign out").click())
    assert app.asks_to_sign_in()
    app.screenshot("signed-out")
    app.assert_clean()


def test_a_viewer_gets_aggregated_layers_and_partner_exports_only(app):
    app.goto("/explore", sign_in=False)
    app.sign_in(VIEWER, TEST_PASSWORD)
    assert app.title() == "Explore"
    menu = _menu(app)
    assert "Data" not in menu and "Admin" not in menu and "Explore" in menu
    options = app.widget("stRadio", "Method").locator('[data-testid="stRadioOption"]')
    options.first.wait_for(timeout=60_000)  # the sidebar draws after the run's first messages
    methods = options.all_inner_texts()
    assert not any(m.strip().startswith("points") for m in methods), methods
    assert methods[0].strip().startswith("kde")
    app.wait_map("img.leaflet-image-layer")
    assert app.map.locator(".marker-cluster, .leaflet-marker-icon").count() == 0  # no incident points
    assert app.page.get_by_text("Also show incidents as points").count() == 0
    app.page.get_by_text("Export", exact=True).first.click()
    profiles = app.widget("stRadio", "Disclosure profile").locator('[data-testid="stRadioOption"]')
    assert [t.strip() for t in profiles.all_inner_texts()] == ["partner"]
    app.screenshot("viewer-explore")
    app.assert_clean()
    app.goto("/data", sign_in=False)  # a new session: sign in again, on a page the viewer may not open
    app.sign_in(VIEWER, TEST_PASSWORD)
    assert app.title() == "Overview" and app.path == "/"


def test_a_fire_only_viewer_sees_fires_only(app):
    app.goto("/violence", sign_in=False)
    app.sign_in(FIRE_VIEWER, TEST_PASSWORD)
    assert app.title() == "Overview"  # Weekly violence is not theirs
    menu = _menu(app)
    assert "Wildfire prevention" in menu and "Weekly violence" not in menu and "Fly-tipping patrols" not in menu
    layers = app.widget("stMultiSelect", "Layers").inner_text()
    assert "Fires" in layers and "Offences" not in layers and "Fly-tipping" not in layers, layers
    assert app.options("stMultiSelect", "Layers") in ([], ["Fires"], ["No results"])  # nothing else to add
    app.screenshot("fire-viewer-overview")
    app.assert_clean()


def test_hostile_text_stays_text_in_an_internal_html_export(app, chromium, tmp_path):
    """The Explore points map of a row whose location is HTML, exported as an internal offline HTML
    file, opened with the network blocked: the tooltip shows the text and nothing runs."""
    app.goto(f"/explore?x_source={HOSTILE_SOURCE}&x_method=points")
    assert app.selected("Source") == HOSTILE_SOURCE
    app.page.get_by_text("Export", exact=True).first.click()
    app.choose_radio("Disclosure profile", "internal")
    app.act(lambda: app.page.get_by_role("button", name="HTML", exact=True).click(), timeout_s=180)
    with app.page.expect_download() as got:
        app.page.get_by_role("button", name=re.compile(r"^Download .*\.html$")).click()
    html = tmp_path / "export.html"
    got.value.save_as(html)
    text = html.read_text(encoding="utf-8")
    assert HOSTILE_LOCATION not in text  # never written into the file as markup

    context = chromium.new_context()
    dialogs: list[str] = []
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route(re.compile(r"^https?://"), lambda route: route.abort())
        page.goto(html.as_uri())
        page.wait_for_selector(".leaflet-marker-icon, .marker-cluster", timeout=30_000)
        page.evaluate(
            """() => new Promise((resolve) => {
                const map = Object.values(window).find(v => v && v instanceof L.Map);
                const group = Object.values(map._layers).find(
                    l => typeof l.zoomToShowLayer === "function" && l.getLayers().length > 0);
                const marker = group.getLayers()[0];
                group.zoomToShowLayer(marker, () => { marker.openTooltip(); resolve(true); });
            })""")
        tip = page.locator(".leaflet-tooltip").first
        tip.wait_for()
        assert HOSTILE_LOCATION in tip.inner_text(), tip.inner_text()
        assert tip.locator("img, svg").count() == 0
        page.wait_for_timeout(1500)  # an onerror handler would have fired by now
        assert page.locator('img[src="x"]').count() == 0
    finally:
        context.close()
    assert dialogs == []
    app.assert_clean()


def test_hostile_text_stays_text_in_the_data_page_tables(app, tmp_path):
    """A rejected row whose text is HTML is listed in the Data page's tables and searched for."""
    upload = tmp_path / "hostile-upload.csv"
    upload.write_text(
        "crime_ref,occurred_at,crime_type,easting,northing,location\n"
        f'HX-1,2099-01-01 10:00,Shoplifting,557000,174400,"{HOSTILE_LOCATION}"\n', encoding="utf-8")
    app.goto("/data")
    app.choose_option("stSelectbox", "Kind", next(o for o in app.options("stSelectbox", "Kind")
                                                  if o.startswith("police-extract")))
    app.act(lambda: app.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload)))
    app.act(lambda: app.page.get_by_role("button", name="Import").click(), timeout_s=180)
    assert app.metric("Rejected") == "1"
    search = app.page.get_by_role("textbox", name="Search reason, row or file")
    search.fill(HOSTILE_LOCATION)
    app.act(lambda: search.press("Enter"))
    assert "1 rows match" in app.page.locator('[data-testid="stMain"]').inner_text()
    app.page.wait_for_timeout(1500)
    assert app.page.locator('img[src="x"]').count() == 0
    app.screenshot("data-hostile-rejected-row")
    app.assert_clean()
