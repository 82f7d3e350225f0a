"""Every page of the dashboard in headless Chromium, offline, on the demo store.

Basemap tiles are blocked (as with no internet): the map must still draw its layers,
and nothing else may leave the machine. Each test checks that the browser logged no
errors, that no Streamlit exception is shown and that no JavaScript dialog opened
(``AppPage.assert_clean``), and saves a screenshot of what it saw in test-artifacts/.

Filters are bound to the URL by their label (Streamlit's ``bind="query-params"``
stores the option as it is shown), so a URL is built from what the page shows, and
reloading it must bring the same filters back.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import HOSTILE_LOCATION, HOSTILE_SOURCE, MAP_FRAME

pytestmark = pytest.mark.browser

#: (url path, title) of every page, in the sidebar's order.
PAGES = [
    ("/", "Overview"),
    ("/violence", "Weekly violence"),
    ("/wildfire", "Wildfire prevention"),
    ("/fly-tipping", "Fly-tipping patrols"),
    ("/explore", "Explore"),
    ("/data", "Data"),
    ("/about", "About"),
]
PLACEHOLDER = "This page is being built"
NTE = "Night-time economy"  # the toggle's label starts so on every page
VIOLENCE = "Violence and sexual offences"
POINTS = "Also show incidents as points"


def _slug(path: str) -> str:
    return path.strip("/") or "overview"


def _int(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def _open_first_tooltip(app) -> None:
    """Zoom to the first incident marker (out of its cluster) and open its tooltip, as a hover would."""
    app.map_eval(
        """(w) => new Promise((resolve) => {
            // The base map holds an empty cluster group (it links the plugin): take the one with markers.
            const group = Object.values(w.map._layers).find(
                l => typeof l.zoomToShowLayer === "function" && l.getLayers().length > 0);
            const marker = group.getLayers()[0];
            group.zoomToShowLayer(marker, () => { marker.openTooltip(); resolve(true); });
        })"""
    )
    app.map.locator(".leaflet-tooltip").first.wait_for()


# --- every page -------------------------------------------------------------------------

def test_sidebar_navigation_opens_every_page(app):
    app.goto("/")
    nav = app.page.locator('[data-testid="stSidebarNav"] a')
    assert nav.count() == len(PAGES), nav.all_inner_texts()
    placeholders = []
    for i, (path, title) in enumerate(PAGES):
        link = nav.nth(i)
        assert title in link.inner_text()
        if i:  # the first is open already
            app.act(link.click, timeout_s=180)
        assert app.path == path, (title, app.page.url)
        assert not app.exceptions(), (title, app.exceptions())
        assert title in app.title() or app.title() in title, (title, app.title())
        if app.page.get_by_text(PLACEHOLDER).count():
            placeholders.append(title)
        if app.has_map():
            app.wait_map()
        app.screenshot(f"nav-{_slug(path)}")
    app.assert_clean()
    assert not placeholders, f"pages still placeholders: {placeholders}"


@pytest.mark.parametrize("path,title", PAGES[1:], ids=[_slug(p) for p, _ in PAGES[1:]])
def test_page_opens_from_its_url(app, path, title):
    """Each page opened directly from its URL (a bookmark), not through the navigation."""
    app.goto(path)
    assert app.path == path
    assert not app.exceptions(), app.exceptions()
    assert title in app.title() or app.title() in title
    runs = app.runs_since(app.signed_in_mark)
    assert runs == 1, f"opening {path} ran the script {runs} times once signed in"
    if app.has_map():
        app.wait_map()
        assert app.map.locator("path.hs-boundary").count() >= 1
        assert app.map.locator(".leaflet-control-scale").count() == 1
    # Drawing the map sends nothing back: no second run, no loop.
    mark = app.mark()
    app.page.wait_for_timeout(2000)
    assert app.runs_since(mark) == 0, f"{path} reran by itself after drawing"
    app.screenshot(f"url-{_slug(path)}")
    app.assert_clean()


# --- Overview -------------------------------------------------------------------------------

def test_overview_map_kind_category_and_bookmark(app):
    app.goto("/")
    app.wait_map(".marker-cluster")
    assert app.title() == "Overview"
    app.choose_radio("Map", "Density (KDE, incidents per km2)")
    app.wait_map("img.leaflet-image-layer")
    assert app.query.get("o_map") == ["Density (KDE, incidents per km2)"]
    app.choose_option("stMultiSelect", "Categories", VIOLENCE)
    assert app.query.get("o_cat") == [VIOLENCE]
    app.wait_map("img.leaflet-image-layer")
    heading = app.page.locator("strong").filter(has_text="·").first.inner_text()
    assert VIOLENCE in heading
    url = app.page.url
    app.reload()
    assert app.page.url == url
    assert app.radio_value("Map") == "Density (KDE, incidents per km2)"
    assert app.chosen("Categories") == [VIOLENCE] or VIOLENCE in app.widget("stMultiSelect", "Categories").inner_text()
    assert app.page.locator("strong").filter(has_text="·").first.inner_text() == heading
    app.wait_map("img.leaflet-image-layer")
    app.screenshot("overview-density-violence")
    app.assert_clean()


# --- Weekly violence ---------------------------------------------------------------------

def test_violence_nte_toggle_layers_and_bookmark(app):
    app.goto("/violence")
    app.wait_map("img.leaflet-image-layer", ".marker-cluster")
    assert app.title() == "Weekly violence"
    assert app.pills_on("Map layers") == ["Density", "Incidents"]
    week = app.selected("Week")
    assert re.fullmatch(r"\d{4}-W\d{2}", week), week
    all_week = _int(app.metric("This week"))

    app.toggle(NTE)
    assert app.query.get("v_nte") == ["true"]
    nte_week = _int(app.metric("This week"))
    assert nte_week < all_week, (nte_week, all_week)
    assert "NTE" in app.page.locator("strong").filter(has_text="·").first.inner_text() or \
        app.page.get_by_text(re.compile("NTE window", re.I)).count() >= 1

    # The change layer on: its overlay and legend arrive, the URL says so.
    app.pill("Map layers", "Change")
    assert app.pills_on("Map layers") == ["Density", "Change", "Incidents"]
    assert "Change" in app.query.get("v_layers", [])
    app.wait_map("img.leaflet-image-layer")
    overlays = app.overlays()
    assert any(name.startswith("Change") for name in overlays), overlays

    # Untick the density surface in the Leaflet layer control: gone from the map, no rerun.
    mark = app.mark()
    app.click_overlay("Density")
    app.map.locator("img.leaflet-image-layer").first.wait_for(state="detached")
    app.page.wait_for_timeout(1000)
    assert app.runs_since(mark) == 0, "the layer control made Streamlit rerun"
    app.screenshot("violence-nte-change")

    # An earlier week, then the bookmark: reload brings back week, NTE and layers.
    weeks = app.options("stSelectbox", "Week")
    assert weeks[0] == week, (weeks[:3], week)
    app.choose_option("stSelectbox", "Week", weeks[1])
    assert app.query.get("v_week") == [weeks[1]]
    count = app.metric("This week")
    url = app.page.url
    app.reload()
    assert app.page.url == url
    assert app.selected("Week") == weeks[1]
    assert app.toggled(NTE)
    assert app.pills_on("Map layers") == ["Density", "Change", "Incidents"]
    assert app.metric("This week") == count
    app.wait_map("img.leaflet-image-layer")
    app.assert_clean()


# --- Wildfire prevention ----------------------------------------------------------------------

def test_wildfire_season_and_chart_choice_bookmarked(app):
    app.goto("/wildfire")
    app.wait_map(".leaflet-marker-icon")
    assert app.title().startswith("Wildfire")
    heading = app.page.locator("h3").filter(has_text="Where to patrol").first.inner_text()
    seasons = app.options("stSelectbox", "Plan for")
    assert seasons[0] == "the coming season" and len(seasons) == 5, seasons
    other = next(x for x in seasons[1:] if x.lower() not in heading.lower())
    app.choose_option("stSelectbox", "Plan for", other)
    assert app.query.get("w_season") == [other]
    assert other.lower() in app.page.locator("h3").filter(has_text="Where to patrol").first.inner_text().lower()
    app.choose_radio("Show", "area burnt")
    assert app.query.get("w_placeby") == ["area burnt"]
    app.wait_map(".leaflet-marker-icon")
    url = app.page.url
    app.reload()
    assert app.page.url == url
    assert app.selected("Plan for") == other
    assert app.radio_value("Show") == "area burnt"
    app.wait_map(".leaflet-marker-icon")
    app.screenshot("wildfire-season")
    app.assert_clean()


# --- Fly-tipping patrols ----------------------------------------------------------------------

def test_fly_tipping_zone_weeks_sheet_and_bookmark(app):
    app.goto("/fly-tipping")
    app.wait_map(".leaflet-marker-icon")
    assert app.title().startswith("Fly-tipping patrols")
    zones = _int(app.metric("Patrol zones"))
    assert zones > 0
    # Patrol zones drawn and named in the layer control.
    assert any(name.startswith("Patrol zones") for name in app.overlays()), app.overlays()
    # Another zone's profile.
    options = app.options("stSelectbox", "Zone")
    assert options[0] == "1" and len(options) >= 2, options
    app.choose_option("stSelectbox", "Zone", options[1])
    assert app.query.get("f_zone") == [options[1]]
    assert app.page.get_by_text(f"Zone {options[1]},").count() >= 1
    # More weeks of history, by keyboard on the slider.
    slider = app.widget("stSlider", "Weeks of history").locator('input[type="range"]')
    before = slider.input_value()
    slider.focus()
    app.act(lambda: app.page.keyboard.press("ArrowRight"))
    assert int(slider.input_value()) == int(before) + 1
    assert app.query.get("f_weeks") == [str(int(before) + 1)]
    # The printable patrol sheet downloads as an HTML page with the zones.
    with app.page.expect_download() as download:
        # A download button reruns the script too.
        app.act(app.page.get_by_role("button", name=re.compile("Download the patrol sheet")).click)
    sheet = download.value.path().read_text(encoding="utf-8")
    assert "<html" in sheet.lower() and "Zone" in sheet
    url = app.page.url
    app.reload()
    assert app.page.url == url
    assert app.selected("Zone") == options[1]
    assert app.widget("stSlider", "Weeks of history").locator('input[type="range"]').input_value() == \
        str(int(before) + 1)
    app.wait_map(".leaflet-marker-icon")
    app.screenshot("fly-tipping-zone")
    app.assert_clean()


# --- Data and About -------------------------------------------------------------------------

def test_data_page_imports_an_upload_and_lists_it(app, tmp_path):
    """A police extract uploaded in the browser goes through the importer: one good row,
    one with a date in the future (rejected), reported with counts and in the log."""
    upload = tmp_path / "browser-upload.csv"
    upload.write_text(
        "crime_ref,occurred_at,crime_type,easting,northing,location\n"
        "UP-1,2024-09-18 14:05,Shoplifting,557000,174400,On or near Shopping Area\n"
        "UP-2,2099-01-01 10:00,Shoplifting,557000,174400,On or near Shopping Area\n",
        encoding="utf-8")
    app.goto("/data")
    assert app.title() == "Data"
    for heading in ("Import a file", "Import log", "Rejected rows", "What the store holds"):
        assert app.page.locator("h3").filter(has_text=heading).count() == 1, heading
    app.choose_option("stSelectbox", "Kind", next(o for o in app.options("stSelectbox", "Kind")
                                                  if o.startswith("police-extract")))
    source = app.page.get_by_role("textbox", name="Source name")
    source.fill("browser-upload")
    source.press("Enter")
    app.page.wait_for_timeout(500)
    app.act(lambda: app.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload)))
    app.act(lambda: app.page.get_by_role("button", name="Import").click(), timeout_s=180)
    last = app.page.locator("h3").filter(has_text="Last import")
    last.wait_for()
    assert app.metric("Read") == "2" and app.metric("Accepted") == "1" and app.metric("Rejected") == "1"
    report = app.page.locator('[data-testid="stAlert"]').filter(has_text="browser-upload.csv").first.inner_text()
    assert "1 accepted" in report and "1 rejected" in report, report
    app.screenshot("data-after-upload")
    app.assert_clean()


def test_about_page_names_sources_and_licences(app):
    app.goto("/about")
    assert app.title() == "About"
    text = app.page.locator('[data-testid="stMain"]').inner_text()
    for needed in ("Open Government Licence", "Contains OS data", "police.uk", "demo-generated"):
        assert needed in text, needed
    app.screenshot("about")
    app.assert_clean()


# --- Explore ------------------------------------------------------------------------------

def test_explore_points_are_clustered_with_tooltips(app):
    app.goto("/explore")
    assert app.radio_value("Method") == "points"
    app.wait_map(".marker-cluster")
    overlays = app.overlays()
    incidents = next(name for name in overlays if name.startswith("Incidents"))
    assert overlays[incidents] and overlays.get("Focus areas") is True and "LSOAs (2021)" in overlays
    in_area = _int(app.metric("Incidents in the area"))
    assert in_area > 0
    # Never one DOM marker per incident: clusters stand for most of them.
    assert app.map.locator(".leaflet-marker-icon").count() < in_area
    # A marker's tooltip, built in the browser on hover: count, category, when, where.
    _open_first_tooltip(app)
    shown = app.map.locator(".leaflet-tooltip").first.inner_text()
    assert re.search(r"\d+ incidents?", shown) and re.search(r"20\d\d", shown), shown
    assert "Generated demo record" in shown or "generated demo records" in shown, shown
    assert app.map.locator(".leaflet-tooltip b").count() >= 1
    app.screenshot("explore-points-tooltip")
    app.assert_clean()


def test_explore_kde_layer_control_and_legend(app):
    app.goto("/explore")
    app.wait_map()
    app.choose_radio("Method", "kde")
    assert app.query.get("x_method") == ["kde"]
    app.wait_map("img.leaflet-image-layer")
    # The legend gives units.
    assert app.page.get_by_text(re.compile(r"per km", re.I)).count() >= 1
    overlays = app.overlays()
    density = [name for name in overlays if name != "Focus areas" and not name.startswith(("LSOAs", "Incidents"))]
    assert density, overlays
    # Switching the surface off and on in the Leaflet layer control: the browser's, no rerun.
    mark = app.mark()
    app.click_overlay(density[0])
    app.map.locator("img.leaflet-image-layer").first.wait_for(state="detached")
    app.click_overlay(density[0])
    app.map.locator("img.leaflet-image-layer").first.wait_for(state="attached")
    # LSOAs on: their boundaries are drawn.
    paths_before = app.map.locator("path").count()
    app.click_overlay("LSOAs")
    app.page.wait_for_timeout(500)
    assert app.map.locator("path").count() > paths_before
    app.page.wait_for_timeout(1000)
    assert app.runs_since(mark) == 0, "the layer control made Streamlit rerun"
    app.screenshot("explore-kde-lsoas")
    # Points on top of the surface.
    if not app.toggled(POINTS):
        app.toggle(POINTS)
    app.wait_map("img.leaflet-image-layer", ".marker-cluster")
    app.assert_clean()


def test_explore_filters_go_in_the_url_and_come_back_on_reload(app):
    app.goto("/explore")
    app.wait_map()
    app.choose_radio("Method", "gistar")
    app.choose_option("stMultiSelect", "Categories", VIOLENCE)
    app.toggle(NTE)
    app.wait_map("path.leaflet-interactive")
    query = app.query
    assert query.get("x_method") == ["gistar"]
    assert query.get("x_cat") == [VIOLENCE]
    assert query.get("x_nte") == ["true"]
    count = app.metric("Incidents in the area")
    left_out = app.metric("Left out by the window")
    url = app.page.url

    app.reload()
    assert app.page.url == url
    assert app.radio_value("Method") == "gistar"
    assert app.toggled(NTE)
    assert VIOLENCE in app.widget("stMultiSelect", "Categories").inner_text()
    assert app.metric("Incidents in the area") == count
    assert app.metric("Left out by the window") == left_out
    app.wait_map("path.leaflet-interactive")
    app.screenshot("explore-gistar-nte-bookmarked")
    app.assert_clean()


def test_explore_opens_from_a_bookmarked_url(app):
    """A URL typed or sent by a colleague: method, area and NTE window come from the query string."""
    app.goto("/explore?x_method=kde&x_area=Town-centre+night-time+economy&x_nte=true")
    assert app.radio_value("Method") == "kde"
    assert app.selected("Area") == "Town-centre night-time economy"
    assert app.toggled(NTE)
    app.wait_map("img.leaflet-image-layer")
    assert "night-time economy" in app.page.locator("strong").filter(has_text="·").first.inner_text().lower()
    app.screenshot("explore-kde-nte-from-url")
    app.assert_clean()


def test_explore_points_toggle_is_bookmarked_and_points_come_back(app):
    """Other methods add points with a toggle ("points" always shows them). Whatever it
    shows, the URL must bring the same map back, and choosing "points" again must draw
    the incidents."""
    app.goto("/explore")
    app.wait_map(".marker-cluster")
    app.choose_radio("Method", "kde")
    app.wait_map("img.leaflet-image-layer")
    problems = []
    shown = app.toggled(POINTS)
    app.reload()
    app.wait_map("img.leaflet-image-layer")
    if app.toggled(POINTS) != shown:
        problems.append(f"the points toggle was {'on' if shown else 'off'} at {app.page.url}, but the same URL "
                        f"reloaded shows it {'on' if app.toggled(POINTS) else 'off'}: the URL does not carry it")
    if app.toggled(POINTS):
        app.toggle(POINTS)
    app.choose_radio("Method", "points")
    try:
        app.wait_map(".marker-cluster", timeout_ms=30_000)
    except Exception:  # noqa: BLE001 - reported below
        app.screenshot("explore-points-after-kde")
        problems.append(f"'points' chosen again after turning points off on kde: no incidents drawn "
                        f"(toggle {'on' if app.toggled(POINTS) else 'off'}, overlays {list(app.overlays())})")
    assert not problems, problems
    app.assert_clean()


def test_map_keeps_its_view_and_never_reruns_on_pan_or_zoom(app):
    app.goto("/explore")
    app.wait_map(".marker-cluster")
    app.page.wait_for_timeout(1000)
    mark = app.mark()
    app.map.locator(".leaflet-control-zoom-in").click()
    app.page.wait_for_timeout(600)
    box = app.page.locator(MAP_FRAME).bounding_box()
    x, y = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5
    app.page.mouse.move(x, y)
    app.page.mouse.down()
    app.page.mouse.move(x - 120, y - 60, steps=8)
    app.page.mouse.up()
    app.page.mouse.wheel(0, -300)
    app.page.wait_for_timeout(2000)
    assert app.runs_since(mark) == 0, "panning or zooming the map made Streamlit rerun"
    view = app.map_eval("(w) => [w.map.getZoom(), w.map.getCenter().lat, w.map.getCenter().lng]")

    # A filter change redraws the layers but keeps the view the user chose.
    app.choose_option("stMultiSelect", "Categories", VIOLENCE)
    app.wait_map(".marker-cluster")
    after = app.map_eval("(w) => [w.map.getZoom(), w.map.getCenter().lat, w.map.getCenter().lng]")
    assert after[0] == view[0], f"zoom {view[0]} became {after[0]} on rerun"
    assert after[1] == pytest.approx(view[1], abs=1e-6) and after[2] == pytest.approx(view[2], abs=1e-6)
    # And the rerun was one run, not a loop.
    mark = app.mark()
    app.page.wait_for_timeout(2500)
    assert app.runs_since(mark) == 0, "the app keeps rerunning by itself"
    app.assert_clean()


# --- hostile text --------------------------------------------------------------------------

def test_html_in_imported_text_shows_as_text_in_the_tooltip(app):
    """A row imported with ``<img src=x onerror=alert(1)>`` as its location (and an SVG in its
    offence): the tooltip shows the text, nothing runs, no dialog opens."""
    app.goto(f"/explore?x_source={HOSTILE_SOURCE}")
    assert app.selected("Source") == HOSTILE_SOURCE
    assert _int(app.metric("Incidents in the area")) == 1
    app.wait_map(".leaflet-marker-icon")
    _open_first_tooltip(app)
    tip = app.map.locator(".leaflet-tooltip").first
    assert HOSTILE_LOCATION in tip.inner_text(), tip.inner_text()
    # The text is there as text: no element was made from it.
    assert tip.locator("img, svg").count() == 0, tip.inner_html()
    assert app.map.locator('img[src="x"]').count() == 0
    app.page.wait_for_timeout(1500)  # an onerror handler would have fired by now
    # The offence is the sub-category: shown in the page's tables and notes as text too.
    assert app.page.locator('img[src="x"]').count() == 0 and app.page.locator("svg[onload]").count() == 0
    app.screenshot("explore-hostile-tooltip")
    assert not app.dialogs, app.dialogs
    app.assert_clean()
