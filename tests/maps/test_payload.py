"""maps.layers.payload_bytes against streamlit-folium itself; groups are self-contained and
left usable; the refactored incident map still renders; no Streamlit in maps."""

import subprocess
import sys
from pathlib import Path

import folium
import numpy as np
import pytest
import shapely

from hotspots.dbscan import hotspot_dbscan
from hotspots.kde import hotspot_kde
from maps import layers
from maps.geojson import js_json
from maps.incident_map import LAYER_STYLES, base_map
from tests.maps.test_points import million_on

REPO = Path(__file__).resolve().parents[2]
BOX = shapely.box(552000, 172000, 557000, 176000)


@pytest.fixture(scope="module")
def groups_factory():
    rng = np.random.default_rng(12)
    xy = np.r_[rng.normal((554500, 174000), 80, (1500, 2)), rng.uniform((552000, 172000), (557000, 176000), (1500, 2))]
    kde = hotspot_kde(xy, boundary=BOX)
    clusters = hotspot_dbscan(xy)
    frame = million_on(300, n=3000)

    def build():
        return [layers.density_layer(kde), layers.cluster_layer(clusters), layers.points_layer(frame)[0]]

    return build


def test_payload_is_what_streamlit_folium_sends(groups_factory):
    import streamlit_folium

    ours = groups_factory()
    theirs = groups_factory()
    m = folium.Map(location=(51.44, 0.22), zoom_start=12, tiles=None)
    sent = "".join(streamlit_folium._get_feature_group_string(g, m, i) for i, g in enumerate(theirs))
    assert layers.payload_bytes(*ours) == len(sent.encode("utf-8"))
    assert "".join(layers.feature_group_script(g, i) for i, g in enumerate(ours)) == sent


def test_measuring_leaves_the_groups_as_they_were(groups_factory):
    groups = groups_factory()
    before = [layers.feature_group_script(g, i) for i, g in enumerate(groups)]
    assert all(g._parent is None for g in groups)
    names = [g.get_name() for g in groups]
    layers.payload_bytes(*groups)
    assert [layers.feature_group_script(g, i) for i, g in enumerate(groups)] == before
    assert [g.get_name() for g in groups] == names and all(g._parent is None for g in groups)
    # ... and they still work in a plain folium map (a static export).
    m = folium.Map(location=(51.44, 0.22), zoom_start=12, tiles=None)
    for g in groups:
        g.add_to(m)
    html = m.get_root().render()
    assert "feature_group_feature_group_" not in html
    for name in names:
        assert f"{name}.addTo(" in html


def test_groups_are_self_contained(groups_factory):
    import branca

    def walk(element):
        yield element
        for child in element._children.values():
            yield from walk(child)

    for group in groups_factory():
        assert isinstance(group, folium.FeatureGroup) and group.control and group.overlay
        elements = list(walk(group))
        assert not any(isinstance(e, (branca.colormap.ColorMap, folium.LayerControl, folium.Map)) for e in elements)
        # Everything is drawn by the script macro (streamlit-folium sends nothing else for a group).
        for e in elements[1:]:
            module = e._template.module
            assert "script" in module.__dict__
            assert "html" not in module.__dict__


@pytest.mark.parametrize("n, positions, limit", [(12_000, 3_000, 250_000), (100_000, 5_000, 450_000),
                                                 (1_000_000, 5_000, 600_000), (1_000_000, 10_000, 600_000)])
def test_points_payload_stays_small(n, positions, limit):
    group, info = layers.points_layer(million_on(positions, n=n))
    assert info.positions == min(positions, layers.MAX_POSITIONS)
    assert info.truncated == (positions > layers.MAX_POSITIONS)
    assert layers.payload_bytes(group) < limit


def test_base_map_draws_the_boundary_and_scripts_escape_closing_tags():
    boundary = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[0.15, 51.38], [0.3, 51.38], [0.3, 51.48], [0.15, 51.48], [0.15, 51.38]]]}}]}
    m = base_map(boundary)
    assert isinstance(m, folium.Map) and "offence" in LAYER_STYLES
    assert "hs-boundary" in m.get_root().render()
    assert js_json(["</script>"]) == '["\\u003c/script>"]'


def test_maps_does_not_import_streamlit():
    code = "import sys, maps.layers, maps.incident_map; print(any(m.split('.')[0] == 'streamlit' for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
