"""The layers in a real browser: Chromium draws a static export of the base map with every
layer (local Leaflet, no network), with no script error; the PNG loads, the bubbles and
single markers add up to the incidents, and hostile text shows as text."""

import numpy as np
import pytest
import shapely

from hotspots.dbscan import hotspot_dbscan
from hotspots.gistar import hotspot_gistar
from hotspots.kde import hotspot_kde
from maps import assets, layers
from maps.incident_map import base_map
from tests.maps.test_points import million_on

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=alert(1)>"
FIND_MAP = "Object.values(window).find(v => v && v instanceof L.Map)"


@pytest.fixture
def local_assets():
    """folium pointed at static/vendor through file:// URLs, and put back afterwards."""
    if assets.missing_files():
        pytest.skip("static/vendor is missing: run scripts/fetch_static.sh")
    saved = [(cls, attr, cls.__dict__.get(attr)) for cls, attr, _ in assets._TARGETS]
    assets.use_local_assets(base_url=assets.VENDOR_DIR.as_uri())
    yield
    for cls, attr, value in saved:
        if value is None:
            delattr(cls, attr)
        else:
            setattr(cls, attr, value)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


def test_every_layer_draws_in_chromium(local_assets, page, tmp_path):
    box = shapely.box(550000, 169000, 560000, 177000)
    rng = np.random.default_rng(3)
    xy = np.r_[rng.normal((554500, 174000), 100, (2000, 2)), rng.uniform((550000, 169000), (560000, 177000), (3000, 2))]
    kde = hotspot_kde(xy, boundary=box)
    frame = million_on(1500, n=40_000)
    frame.loc[frame["location"] == frame["location"].iloc[0], "location"] = EVIL
    points, info = layers.points_layer(frame)
    groups = [layers.density_layer(kde), layers.cluster_layer(hotspot_dbscan(xy)),
              layers.gistar_layer(hotspot_gistar(xy, boundary=box)), points]
    boundary = {"type": "Polygon", "coordinates": [[[0.15, 51.38], [0.31, 51.38], [0.31, 51.48], [0.15, 51.48],
                                                    [0.15, 51.38]]]}
    m = base_map({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": boundary}]})
    for group in groups:
        group.add_to(m)
    html_path = tmp_path / "layers.html"
    html_path.write_text(m.get_root().render(), encoding="utf-8")

    errors, dialogs = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(html_path.as_uri(), wait_until="domcontentloaded")  # not "load": offline tiles may hang
    page.wait_for_function(f"{FIND_MAP} && document.querySelector('.hs-incident-cluster, .hs-position')", timeout=20_000)
    page.wait_for_timeout(500)
    assert errors == []

    image, _ = layers.density_image(kde)
    natural = page.evaluate("Array.from(document.querySelectorAll('img.hs-density')).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert natural == [[True, image.shape[1], image.shape[0]]]
    assert page.locator("path.leaflet-interactive").count() > 0

    # Every incident is in exactly one bubble or single marker on screen.
    page.evaluate(f"{FIND_MAP}.fitBounds([[51.38, 0.15], [51.48, 0.31]]) && null")  # returning the map costs seconds
    page.wait_for_timeout(800)
    shown = page.evaluate(
        "Array.from(document.querySelectorAll('.hs-incident-cluster span')).reduce((a, s) => a + Number(s.textContent.replace(/,/g, '')), 0)"
        " + Array.from(document.querySelectorAll('.hs-position span')).reduce((a, s) => a + (Number(s.textContent) || 1), 0)")
    assert shown == info.incidents == 40_000

    # The hostile location is text in its tooltip, not an element, and runs nothing.
    text, images = page.evaluate(f"""(() => {{
        const m = {FIND_MAP};
        let cluster = null;
        m.eachLayer(l => {{ if (l instanceof L.MarkerClusterGroup) cluster = l; }});
        const evil = cluster.getLayers().find(mk => mk.getTooltip()._content(mk).indexOf('&lt;img') >= 0);
        m.setView(evil.getLatLng(), 19, {{animate: false}});
        evil.openTooltip();
        const el = document.querySelector('.leaflet-tooltip');
        return [el.textContent, el.querySelectorAll('img').length];
    }})()""")
    assert EVIL in text and images == 0
    page.wait_for_timeout(300)
    assert dialogs == [] and errors == []


def test_incident_colours_are_in_the_legend_only_while_incidents_are_drawn(local_assets, page, tmp_path):
    boundary = {"type": "Polygon", "coordinates": [[[0.15, 51.38], [0.31, 51.38], [0.31, 51.48], [0.15, 51.48],
                                                    [0.15, 51.38]]]}
    borough = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": boundary}]}
    shown = {}
    for with_points in (False, True):
        m = base_map(borough)
        if with_points:
            layers.points_layer(million_on(50, n=500))[0].add_to(m)
        html_path = tmp_path / f"legend-{with_points}.html"
        html_path.write_text(m.get_root().render(), encoding="utf-8")
        page.goto(html_path.as_uri(), wait_until="domcontentloaded")
        page.wait_for_selector(".hs-legend", timeout=20_000)
        page.wait_for_timeout(1500)  # the legend looks again after a second
        legend = page.locator(".hs-legend").first
        assert "Dartford borough" in legend.inner_text()
        shown[with_points] = page.locator(".hs-legend-incidents").first.is_visible()
    assert shown == {False: False, True: True}
