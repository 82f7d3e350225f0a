"""exports.files: PNG size, PDF pages and text, offline HTML in Chromium, GeoJSON, GeoPackage, CSV."""

from __future__ import annotations

import csv
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from PIL import Image
from pypdf import PdfReader
from shapely.geometry import box

import geodata
from exports import files
from exports.html import AssetNotLocal, export_html
from exports.sheet import SheetInfo
from exports.static_map import map_sheet
from maps import layers
from maps.incident_map import base_map



def _info() -> SheetInfo:
    return SheetInfo(title="Files test sheet", period="01 Jan 2024 to 31 Mar 2024", filters="Offences · Bluewater",
                     method="Kernel density (KDE)", parameters=("bandwidth = 300 m (given)",),
                     caveats=("police.uk locations are approximate snap points and dates are months only.",),
                     attribution=geodata.ATTRIBUTION, statement="Disclosure profile: partner. Test statement.",
                     profile="partner")


@pytest.fixture(scope="module")
def sheet(analyses):
    return map_sheet(_info(), "kde", analyses["kde"].result, tiles=False)


@pytest.mark.parametrize("dpi,size", [(150, (1754, 1240)), (300, (3508, 2480))])
def test_png_is_exactly_a4_and_not_blank(sheet, tmp_path, dpi, size):
    path = files.to_png(sheet, tmp_path / f"sheet{dpi}.png", dpi=dpi)
    with Image.open(path) as im:
        assert im.size == size
        assert im.info.get("Title") == "Files test sheet"
        assert "partner" in im.info.get("Description", "")
        rgb = np.asarray(im.convert("RGB"), dtype=float)
    assert rgb.std() > 10
    assert (rgb.sum(axis=2) < 600).mean() > 0.02


def test_png_refuses_other_resolutions(sheet, tmp_path):
    with pytest.raises(ValueError, match="150 or 300"):
        files.to_png(sheet, tmp_path / "x.png", dpi=96)


def test_pdf_pages_metadata_and_text(sheet, tmp_path):
    path = files.to_pdf([sheet, sheet], tmp_path / "two.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) == 2
    assert reader.metadata.title == "Files test sheet"
    text = reader.pages[0].extract_text()
    for part in ("Files test sheet", "Period: 01 Jan 2024 to 31 Mar 2024", "Offences · Bluewater",
                 "Disclosure profile: partner. Test statement.", "police.uk locations are approximate",
                 "bandwidth = 300 m", "incidents per km²", "grid"):
        assert part in text, part
    with pytest.raises(ValueError):
        files.to_pdf([], tmp_path / "none.pdf")


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-3.5", "-3.5"),
    ("+44", "+44"),
    ("On or near High Street", "On or near High Street"),
    ("[c]", "[c]"),
    (-3, -3),
    (2.5, 2.5),
    (None, None),
])
def test_neutralise(value, expected):
    assert files.neutralise(value) == expected


def test_csv_cells_neutralised_and_numbers_stay_numbers(tmp_path):
    table = pd.DataFrame({
        "location": ["=1+2", "@evil", "-cmd", "High Street", "\tTab"],
        "count": [5, 6, 7, 8, 9],
        "change": [-1.5, 2.0, -3.25, 0.0, np.nan],
        "mixed": [5, "[c]", 7, "[c]", 12],
        "=header": ["a", "b", "c", "d", "e"],
    })
    path = files.to_csv(table, tmp_path / "t.csv")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["location", "count", "change", "mixed", "'=header"]
    assert [r[0] for r in rows[1:]] == ["'=1+2", "'@evil", "'-cmd", "High Street", "'\tTab"]
    assert [r[2] for r in rows[1:]] == ["-1.5", "2.0", "-3.25", "0.0", ""]
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["count"].dtype.kind == "i" and back["change"].dtype.kind == "f"
    assert back["mixed"].tolist() == ["5", "[c]", "7", "[c]", "12"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not re.match(r"-[^\d.]", cell)


def _cells() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"cell": [1, 2], "count": [12, 30], "first": pd.to_datetime(["2024-03-04", "2024-03-11"]),
                             "label": ["=A1", "ok"]},
                            geometry=[box(557000, 173000, 557250, 173250), box(557250, 173000, 557500, 173250)],
                            crs="EPSG:27700")


def test_geojson_is_wgs84_with_parameters_member(tmp_path, analyses):
    params = analyses["kde"].parameters
    path = files.to_geojson(_cells(), tmp_path / "c.geojson", parameters=params,
                            metadata={"disclosure_profile": "partner"})
    doc = json.loads(path.read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    assert doc["parameters"]["bandwidth"]["unit"] == "m"
    assert doc["parameters"]["bandwidth"]["how"] in ("chosen from the data", "given")
    assert doc["metadata"]["disclosure_profile"] == "partner"
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 0.1 < lon < 0.4 and 51.3 < lat < 51.5
    assert doc["features"][0]["properties"]["first"].startswith("2024-03-04")


def test_gpkg_is_bng_with_parameter_and_about_tables(tmp_path, analyses):
    path = files.to_gpkg(_cells(), tmp_path / "c.gpkg", parameters=analyses["kde"].parameters,
                         metadata={"disclosure": "Disclosure profile: partner."})
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert names == ["results", "parameters", "about"]
    back = gpd.read_file(path, layer="results")
    assert back.crs.to_epsg() == 27700 and back.total_bounds[0] == pytest.approx(557000)
    params = pyogrio.read_dataframe(path, layer="parameters")
    assert "bandwidth" in set(params["parameter"])
    about = pyogrio.read_dataframe(path, layer="about")
    assert about.set_index("key")["value"]["disclosure"] == "Disclosure profile: partner."
    files.to_gpkg(_cells(), path)  # overwrites
    assert [name for name, _ in pyogrio.list_layers(path)][0] == "results"


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------


def _map(analyses):
    m = base_map(geodata.borough("EPSG:4326"), geodata.lsoas("EPSG:4326"), geodata.focus_areas("EPSG:4326"))
    layers.density_layer(analyses["kde"].result).add_to(m)
    group, _ = layers.points_layer(analyses["points"].selection.incidents)
    group.add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_html_has_every_asset_inlined(analyses, tmp_path):
    path = files.to_html(_map(analyses), tmp_path / "m.html", info=_info(), legend_html="<div>Legend here</div>")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)
    assert "/app/static" not in html and "cdn.jsdelivr" not in html and "cdnjs" not in html
    assert "Leaflet 1.9" in html and "markerClusterGroup" in html
    assert "Legend here" in html and "Disclosure profile: partner. Test statement." in html
    assert "police.uk locations are approximate" in html and "Files test sheet" in html
    assert "data:font/woff2;base64," in html and "url(../webfonts" not in html


def test_html_refuses_assets_with_no_local_copy(analyses):
    m = _map(analyses)
    m.get_root().header.add_child(folium.JavascriptLink("https://example.org/unknown.js"))
    with pytest.raises(AssetNotLocal, match="example.org"):
        export_html(m)


@pytest.mark.browser
def test_html_draws_offline_in_chromium(analyses, tmp_path, chromium):
    path = files.to_html(_map(analyses), tmp_path / "offline.html", info=_info())
    console, errors, network = [], [], []
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.on("console", lambda m: console.append(m))
        page.on("pageerror", lambda e: errors.append(str(e)))

        def block(route):
            network.append(route.request.url)
            route.abort()

        page.route(re.compile(r"^https?://"), block)
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-container", timeout=15000)
        page.wait_for_selector("path.hs-boundary", state="attached", timeout=15000)
        page.wait_for_timeout(800)
        assert page.locator("path.hs-boundary").count() == 1
        assert page.locator(".leaflet-image-layer").count() == 1  # the density image
        assert page.locator(".marker-cluster, .leaflet-marker-icon").count() > 0
        assert page.locator("#hs-export-panel").inner_text().startswith("Files test sheet")
        # The map has room: it sits beside the panel, not under it.
        box = page.locator(".leaflet-container").bounding_box()
        assert box["x"] >= 300 and box["width"] > 800 and box["height"] > 800
    finally:
        context.close()
    assert errors == []
    # Only basemap tiles may go to the network (and fail); nothing else may be fetched.
    assert network and all(u.startswith("https://tile.openstreetmap.org/") for u in network)
    bad = [m.text for m in console if m.type == "error"
           and not (m.text.startswith("Failed to load resource") and "tile.openstreetmap.org" in m.location["url"])]
    assert bad == []
