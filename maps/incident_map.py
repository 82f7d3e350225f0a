"""The base map of Dartford: pure map building, no Streamlit.

``base_map()`` draws the tiles, borough boundary, LSOAs, focus areas, scale bar and
legend. It depends only on the geography, so its script is the same on every rerun
and Streamlit keeps one Leaflet map alive while the layers of ``maps.layers`` are
swapped in (streamlit-folium's ``feature_group_to_add``). Call ``maps.assets.use_local_assets()`` before building, so that nothing is
loaded from a CDN. Basemap tiles come from OpenStreetMap and need internet: when
they fail the boundaries and incidents are still drawn, and a note says so.
"""

from html import escape

import folium
import numpy as np
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from maps.geojson import geojson_dict as _geojson

#: Source name of rows made up by the demo builder; labelled as generated.
DEMO_SOURCE = "demo-generated"

#: Layer -> (label, colour). Order is the legend's.
LAYER_STYLES: dict[str, tuple[str, str]] = {
    "offence": ("Offences", "#c0392b"),
    "asb": ("Anti-social behaviour", "#7d3c98"),
    "fly-tipping": ("Fly-tipping", "#8d6e1f"),
    "fire": ("Fires", "#e67e22"),
}
OTHER_COLOUR = "#34495e"

#: Dartford town centre, used before the boundary is fitted.
DARTFORD_CENTRE = (51.4436, 0.2184)

BOUNDARY_STYLE = {"color": "#1f3a93", "weight": 3, "fill": False, "opacity": 0.9}
LSOA_STYLE = {"color": "#566573", "weight": 1, "fillOpacity": 0.02, "opacity": 0.6}
FOCUS_STYLE = {"color": "#117a65", "weight": 2, "dashArray": "6 4", "fillColor": "#1abc9c", "fillOpacity": 0.12}

def colour_table() -> list[str]:
    """Marker colours by index (the third value of each row)."""
    return [colour for _, colour in LAYER_STYLES.values()] + [OTHER_COLOUR]


class _TileFailureNote(MacroElement):
    """Shows a note on the map once if basemap tiles fail to load (for example offline)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var shown = false;
            {{ this.tiles.get_name() }}.on("tileerror", function () {
                if (shown) { return; }
                shown = true;
                var note = L.control({position: "bottomright"});
                note.onAdd = function () {
                    var div = L.DomUtil.create("div", "hs-tile-note");
                    div.style.cssText = "background:rgba(255,255,255,0.9);padding:4px 8px;"
                        + "border-radius:4px;font:12px sans-serif;max-width:260px";
                    div.innerHTML = "Basemap tiles could not be loaded (no internet?). "
                        + "Boundaries and incidents are still drawn.";
                    return div;
                };
                note.addTo({{ this._parent.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer):
        super().__init__()
        self._name = "TileFailureNote"
        self.tiles = tiles


class _Legend(MacroElement):
    """A small legend: the borough line, and the incident colours while incidents are drawn.

    Static, so the base map stays the same; the incident colours show only while a
    marker cluster group on the map holds markers (points come and go with the page's
    layers, and viewers and partner exports have none).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomleft"});
            var incidents = null;
            function refresh() {
                if (!incidents) { return; }
                var drawn = false;
                map.eachLayer(function (l) {
                    if (typeof l.zoomToShowLayer === "function" && l.getLayers().length > 0) { drawn = true; }
                });
                incidents.style.display = drawn ? "" : "none";
            }
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "hs-legend");
                div.style.cssText = "background:rgba(255,255,255,0.92);padding:6px 8px;"
                    + "border-radius:4px;font:12px sans-serif;line-height:18px";
                div.innerHTML = {{ this.html|tojson }};
                incidents = div.querySelector(".hs-legend-incidents");
                return div;
            };
            legend.addTo(map);
            map.on("layeradd layerremove", function () { setTimeout(refresh, 0); });
            refresh();
            setTimeout(refresh, 1000);
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "Legend"
        items = [
            f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
            f'background:{colour};margin-right:6px"></span>{escape(label)}<br>'
            for label, colour in LAYER_STYLES.values()
        ]
        self.html = (
            f'<div class="hs-legend-incidents" style="display:none">{"".join(items)}</div>'
            '<span style="display:inline-block;width:14px;border-top:3px solid '
            f'{BOUNDARY_STYLE["color"]};margin-right:4px;vertical-align:middle"></span>Dartford borough'
        )


def base_map(borough, lsoas=None, focus_areas=None, *, height: str | int = "100%",
             cluster_plugin: bool = True) -> folium.Map:
    """The map without incidents: OpenStreetMap tiles, borough, LSOAs, focus areas.

    ``borough``, ``lsoas`` and ``focus_areas`` are GeoDataFrames in EPSG:4326 (or
    anything with ``__geo_interface__``). LSOAs start hidden; every overlay but the
    borough can be switched in the layer control.
    With ``cluster_plugin`` (the app's default) the marker cluster plugin is linked from the
    start, so points can be added on a later rerun; static exports leave it out.
    """
    m = folium.Map(
        location=DARTFORD_CENTRE,
        zoom_start=12,
        tiles=None,
        control_scale=True,
        height=height,
    )
    tiles = folium.TileLayer("OpenStreetMap", name="OpenStreetMap", max_zoom=19)
    tiles.add_to(m)
    _TileFailureNote(tiles).add_to(m)

    boundary = folium.GeoJson(
        _geojson(borough),
        name="Dartford borough",
        style_function=lambda _: BOUNDARY_STYLE,
        control=False,
        interactive=False,
        className="hs-boundary",
    )
    boundary.add_to(m)

    if lsoas is not None:
        lsoa_data = _geojson(lsoas)
        fields = _fields(lsoa_data, [("LSOA21CD", "LSOA"), ("LSOA21NM", "Name"), ("lsoa21cd", "LSOA"), ("lsoa21nm", "Name")])
        folium.GeoJson(
            lsoa_data,
            name="LSOAs (2021)",
            style_function=lambda _: LSOA_STYLE,
            tooltip=folium.GeoJsonTooltip(*zip(*fields), sticky=False) if fields else None,
            show=False,
            className="hs-lsoa",
        ).add_to(m)

    if focus_areas is not None:
        focus_data = _geojson(focus_areas)
        fields = _fields(focus_data, [("name", "Focus area"), ("Name", "Focus area")])
        folium.GeoJson(
            focus_data,
            name="Focus areas",
            style_function=lambda _: FOCUS_STYLE,
            tooltip=folium.GeoJsonTooltip(*zip(*fields), sticky=False) if fields else None,
            className="hs-focus",
        ).add_to(m)

    _Legend().add_to(m)
    if cluster_plugin:
        # The marker cluster plugin's JS and CSS are linked only from what the first map holds:
        # an empty cluster group here lets a page add clustered points on a later rerun.
        MarkerCluster(control=False, name="plugins").add_to(m)
    bounds = _bounds(borough)
    if bounds is not None:
        m.fit_bounds(bounds, padding=(10, 10))
    return m


def _fields(data: dict, candidates: list[tuple[str, str]]) -> list[tuple[str, str]]:
    features = data.get("features") or []
    present = set(features[0].get("properties", {}) or {}) if features else set()
    out, seen = [], set()
    for field, alias in candidates:
        if field in present and alias not in seen:
            out.append((field, alias))
            seen.add(alias)
    return out


def _bounds(data) -> list[list[float]] | None:
    if hasattr(data, "total_bounds"):
        if getattr(data, "crs", None) is not None:
            data = data.to_crs("EPSG:4326")
        minx, miny, maxx, maxy = (float(v) for v in data.total_bounds)
    else:
        coords = np.array(list(_all_coords(_geojson(data))), dtype=float)
        if coords.size == 0:
            return None
        minx, miny = coords.min(axis=0)[:2]
        maxx, maxy = coords.max(axis=0)[:2]
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return None
    return [[miny, minx], [maxy, maxx]]


def _all_coords(obj):
    if isinstance(obj, dict):
        if "coordinates" in obj:
            yield from _flatten(obj["coordinates"])
        for key in ("features", "geometries"):
            for item in obj.get(key, []) or []:
                yield from _all_coords(item)
        if "geometry" in obj and obj["geometry"]:
            yield from _all_coords(obj["geometry"])


def _flatten(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords[:2]
    else:
        for c in coords:
            yield from _flatten(c)
