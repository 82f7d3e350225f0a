"""Folium maps of Dartford's incidents: pure map building, no Streamlit.

The map is split in two so that Streamlit can keep one Leaflet map alive across
reruns and swap only the incidents (streamlit-folium's ``feature_group_to_add``):

- ``base_map()``: tiles, borough boundary, LSOAs, focus areas, scale bar and legend.
  It depends only on the geography, so its script is the same on every rerun.
- ``incident_layer()``: the incidents as one clustered layer, built in the browser
  from a compact array (``FastMarkerCluster``), never one DOM marker per incident.

``full_map()`` joins both with a layer control, for a static HTML export.
Call ``maps.assets.use_local_assets()`` before building, so that nothing is
loaded from a CDN. Basemap tiles come from OpenStreetMap and need internet: when
they fail the boundaries and incidents are still drawn, and a note says so.
"""

from dataclasses import dataclass
from html import escape

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster
from folium.template import Template

from maps.geojson import geojson_dict as _geojson
from maps.geojson import js_json as _js_json

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

#: Most incidents drawn at once; beyond this the most recent are drawn.
MAX_POINTS = 20_000

BOUNDARY_STYLE = {"color": "#1f3a93", "weight": 3, "fill": False, "opacity": 0.9}
LSOA_STYLE = {"color": "#566573", "weight": 1, "fillOpacity": 0.02, "opacity": 0.6}
FOCUS_STYLE = {"color": "#117a65", "weight": 2, "dashArray": "6 4", "fillColor": "#1abc9c", "fillOpacity": 0.12}

_LOCATION_NOTES = {
    "snap-point": "approximate: police.uk snap point",
    "postcode": "approximate: postcode centroid",
}


@dataclass(frozen=True)
class IncidentPoints:
    """Incidents ready for the map, compact enough to send thousands to the browser.

    Each row is ``[lat, lon, colour, head, when, place]``: ``colour`` indexes
    ``colour_table()``, ``head`` indexes ``heads`` (category and sub-category) and
    ``place`` indexes ``places`` (location, how it was placed, and the
    generated-data label). Strings are HTML, already escaped.
    """

    rows: list
    heads: list[str]
    places: list[str]
    located: int  # located incidents matching the filter
    truncated: bool  # True when only the most recent MAX_POINTS are in rows

    @property
    def shown(self) -> int:
        return len(self.rows)

    def tooltip(self, i: int) -> str:
        """The tooltip HTML of row ``i``, as the browser builds it."""
        _, _, _, head, when, place = self.rows[i]
        return f"{self.heads[head]}<br>{when}<br>{self.places[place]}"


def colour_table() -> list[str]:
    """Marker colours by index (the third value of each row)."""
    return [colour for _, colour in LAYER_STYLES.values()] + [OTHER_COLOUR]


def describe_when(occurred_at: pd.Series, precision: pd.Series) -> pd.Series:
    """When each incident happened, as precisely as its source knows it."""
    ts = pd.to_datetime(occurred_at)
    month = ts.dt.strftime("%B %Y")
    day = ts.dt.strftime("%a %d %b %Y")
    minute = ts.dt.strftime("%a %d %b %Y, %H:%M")
    out = np.select([precision.eq("minute"), precision.eq("day")], [minute, day], default=month)
    return pd.Series(out, index=occurred_at.index, dtype=object)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)


def _heads(frame: pd.DataFrame) -> pd.Series:
    category = frame["category"].fillna("").map(escape)
    sub = _column(frame, "subcategory").fillna("").map(escape)
    return "<b>" + category + "</b>" + sub.map(lambda x: f"<br>{x}" if x else "")


def _places(frame: pd.DataFrame) -> pd.Series:
    where = frame["location"].fillna("").map(escape)
    where = where.where(where.ne(""), "location not recorded")
    note = _column(frame, "location_method").map(_LOCATION_NOTES)
    generated = _column(frame, "source").eq(DEMO_SOURCE)
    return (
        where
        + note.map(lambda m: f" <small>({m})</small>" if isinstance(m, str) else "")
        + generated.map(lambda g: "<br><i>Generated demo record, not a real incident</i>" if g else "")
    )


def incident_points(frame: pd.DataFrame, max_points: int = MAX_POINTS) -> IncidentPoints:
    """Map rows from a frame of ``queries.incidents.MAP_COLUMNS``, in time order.

    Rows without a position are dropped (they are counted elsewhere, not mapped).
    When more than ``max_points`` remain the most recent are kept and
    ``truncated`` is set. Tooltips: category (and sub-category), when (as precise
    as the source), location (and how approximate), and a label on generated rows.
    """
    located = frame.dropna(subset=["latitude", "longitude"])
    n = len(located)
    truncated = n > max_points
    if truncated:
        located = located.iloc[n - max_points:]
    if located.empty:
        return IncidentPoints(rows=[], heads=[], places=[], located=n, truncated=truncated)
    index = {layer: i for i, layer in enumerate(LAYER_STYLES)}
    colour = located["layer"].map(index).fillna(len(LAYER_STYLES)).astype(int)
    head_codes, heads = pd.factorize(_heads(located))
    place_codes, places = pd.factorize(_places(located))
    when = describe_when(located["occurred_at"], located["date_precision"].fillna("month"))
    rows = [
        [round(float(lat), 6), round(float(lon), 6), int(c), int(h), w, int(pl)]
        for lat, lon, c, h, w, pl in zip(
            located["latitude"], located["longitude"], colour, head_codes, when, place_codes
        )
    ]
    return IncidentPoints(rows=rows, heads=list(heads), places=list(places), located=n, truncated=truncated)


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
    """A small legend of the incident colours (static, so the base map stays the same)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "hs-legend");
                div.style.cssText = "background:rgba(255,255,255,0.92);padding:6px 8px;"
                    + "border-radius:4px;font:12px sans-serif;line-height:18px";
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "Legend"
        items = [
            f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
            f'background:{colour};margin-right:6px"></span>{escape(label)}'
            for label, colour in LAYER_STYLES.values()
        ]
        items.append(
            '<span style="display:inline-block;width:14px;border-top:3px solid '
            f'{BOUNDARY_STYLE["color"]};margin-right:4px;vertical-align:middle"></span>Dartford borough'
        )
        self.html = "<br>".join(items)


def base_map(borough, lsoas=None, focus_areas=None, *, height: str | int = "100%") -> folium.Map:
    """The map without incidents: OpenStreetMap tiles, borough, LSOAs, focus areas.

    ``borough``, ``lsoas`` and ``focus_areas`` are GeoDataFrames in EPSG:4326 (or
    anything with ``__geo_interface__``). LSOAs start hidden; every overlay but the
    borough can be switched in the layer control.
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
    bounds = _bounds(borough)
    if bounds is not None:
        m.fit_bounds(bounds, padding=(10, 10))
    return m


#: Builds one marker per row in the browser: a small coloured dot with a tooltip.
_MARKER_CALLBACK = """(function () {
    var colours = %(colours)s, heads = %(heads)s, places = %(places)s;
    return function (row) {
        var icon = L.divIcon({
            className: "hs-point",
            html: '<span style="display:block;width:10px;height:10px;border-radius:50%%;'
                + 'border:1px solid #fff;box-shadow:0 0 1px #000;background:' + colours[row[2]] + '"></span>',
            iconSize: [12, 12],
            iconAnchor: [6, 6]
        });
        var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon});
        marker.bindTooltip(heads[row[3]] + "<br>" + row[4] + "<br>" + places[row[5]]);
        return marker;
    };
})()"""


def incident_layer(points: IncidentPoints, name: str | None = None) -> folium.FeatureGroup:
    """The incidents as one clustered layer, named with its count for the layer control."""
    label = name or f"Incidents ({points.shown:,})"
    group = folium.FeatureGroup(name=label, overlay=True, control=True, show=True)
    callback = _MARKER_CALLBACK % {
        "colours": _js_json(colour_table()),
        "heads": _js_json(points.heads),
        "places": _js_json(points.places),
    }
    # Always present, even when empty, so the cluster plugin's JS is linked on first load.
    FastMarkerCluster(
        points.rows,
        callback=callback,
        control=False,
        showCoverageOnHover=False,
        maxClusterRadius=50,
        chunkedLoading=True,
    ).add_to(group)
    return group


def full_map(borough, lsoas=None, focus_areas=None, points: IncidentPoints | None = None) -> folium.Map:
    """Base map plus incidents and a layer control, as one folium map (for exports)."""
    m = base_map(borough, lsoas, focus_areas)
    if points is not None:
        incident_layer(points).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
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
