"""Polygons with tooltips, sent to the browser as compact arrays and drawn by Leaflet.

A folium ``GeoJson`` of a few thousand grid cells is a megabyte: every coordinate
is a 10-digit float, every feature repeats ``"type": "Feature"`` and its style. Here
a layer is one :class:`Shapes` element whose script holds:

- ``o``: an origin (latitude, longitude) and coordinates as whole micro-degrees
  (about 0.1 m), each ring written as differences from the previous vertex, so a
  25 m cell costs about 40 bytes;
- ``s``: the styles, one per class; ``c``: the class names (HTML, escaped);
- ``h``: the tooltip's field names; each feature carries only its values;
- ``f``: ``[class, title or null, [values], [[ring, hole...], ...polygons]]``.

The tooltip of a feature is ``<b>title or class name</b>`` then one line per field,
``name: value``: :func:`tooltip_html` builds exactly what the browser shows. Every
string is HTML-escaped here, in Python, and the JSON escapes ``<`` (maps.geojson),
so text from the data can neither inject markup nor close the script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from maps.geojson import js_json

#: Coordinates are sent as whole multiples of this many degrees (~0.11 m of latitude).
QUANTUM = 1e-6


@dataclass
class ShapeData:
    """Everything one :class:`Shapes` element draws (see the module docstring)."""

    styles: list[dict]
    class_names: list[str]  # escaped HTML
    fields: list[str]  # escaped HTML
    features: list[list] = field(default_factory=list)
    origin: tuple[float, float] = (0.0, 0.0)

    def payload(self) -> dict:
        return {"o": [round(self.origin[0], 6), round(self.origin[1], 6)], "q": QUANTUM, "s": self.styles,
                "c": self.class_names, "h": self.fields, "f": self.features}

    def __len__(self) -> int:
        return len(self.features)


def tooltip_html(data: ShapeData, i: int) -> str:
    """The tooltip of feature ``i``, exactly as the browser script builds it."""
    cls, title, values, _ = data.features[i]
    out = "<b>" + (title if title is not None else data.class_names[cls]) + "</b>"
    for name, value in zip(data.fields, values):
        if value is not None and value != "":
            out += "<br>" + name + ": " + value
    return out


def text(value) -> str:
    """Any value as escaped HTML text."""
    return escape("" if value is None else str(value), quote=True)


# --------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------


def _encode_rings(lat: np.ndarray, lon: np.ndarray, origin: tuple[float, float]) -> list[int]:
    """One ring (closing vertex dropped) as micro-degree differences from the origin."""
    qlat = np.rint((lat - origin[0]) / QUANTUM).astype(np.int64)
    qlon = np.rint((lon - origin[1]) / QUANTUM).astype(np.int64)
    flat = np.empty(2 * qlat.size, dtype=np.int64)
    flat[0::2] = np.diff(qlat, prepend=0)
    flat[1::2] = np.diff(qlon, prepend=0)
    return flat.tolist()


def geometry_rings(geoms, to_lonlat) -> list[list[list[tuple[np.ndarray, np.ndarray]]]]:
    """Polygons of each (Multi)Polygon in BNG as ``[[(lat, lon) of each ring]]`` in degrees.

    ``to_lonlat(e, n)`` converts BNG arrays to (lon, lat). All coordinates go through
    it in one call. Empty or non-areal geometries give an empty list.
    """
    geoms = np.asarray(geoms, dtype=object)
    rings_of: list[list[list[int]]] = []  # per geometry: per polygon: ring ids
    ring_geoms = []
    for g in geoms:
        polys = []
        if g is not None and not shapely.is_empty(g) and g.geom_type in ("Polygon", "MultiPolygon"):
            for p in shapely.get_parts(g):
                ids = []
                for ring in [p.exterior, *p.interiors]:
                    ids.append(len(ring_geoms))
                    ring_geoms.append(ring)
                polys.append(ids)
        rings_of.append(polys)
    if not ring_geoms:
        return [[] for _ in rings_of]
    coords, index = shapely.get_coordinates(np.array(ring_geoms, dtype=object), return_index=True)
    lon, lat = to_lonlat(coords[:, 0], coords[:, 1])
    starts = np.searchsorted(index, np.arange(len(ring_geoms)))
    ends = np.r_[starts[1:], index.size]
    out = []
    for polys in rings_of:
        out.append([[(lat[starts[r]:ends[r] - 1], lon[starts[r]:ends[r] - 1]) for r in ids] for ids in polys])
    return out


def cell_rings(grid, rows, cols, to_lonlat) -> list[list[list[tuple[np.ndarray, np.ndarray]]]]:
    """The cells ``(rows, cols)`` of a BNG grid as one four-corner ring each, in degrees."""
    rows = np.asarray(rows, dtype=float)
    cols = np.asarray(cols, dtype=float)
    c = grid.cell_size
    west = grid.x0 + cols * c
    north = grid.y1 - rows * c
    # Corners anticlockwise from south-west: SW, SE, NE, NW.
    e = np.stack([west, west + c, west + c, west], axis=1).ravel()
    n = np.stack([north - c, north - c, north, north], axis=1).ravel()
    lon, lat = to_lonlat(e, n)
    lat = lat.reshape(-1, 4)
    lon = lon.reshape(-1, 4)
    return [[[(lat[i], lon[i])]] for i in range(lat.shape[0])]


def encode_features(polygons, classes, titles, values) -> tuple[list[list], tuple[float, float]]:
    """Feature rows and their origin from :func:`geometry_rings`/:func:`cell_rings` output.

    Features without any polygon are left out.
    """
    lats = [ring[0] for polys in polygons for poly in polys for ring in poly]
    if not lats:
        return [], (0.0, 0.0)
    lons = [ring[1] for polys in polygons for poly in polys for ring in poly]
    origin = (round(float(min(a.min() for a in lats)), 3), round(float(min(a.min() for a in lons)), 3))
    rows = []
    for polys, cls, title, vals in zip(polygons, classes, titles, values):
        if not polys:
            continue
        encoded = [[_encode_rings(lat, lon, origin) for lat, lon in poly] for poly in polys]
        rows.append([int(cls), title, list(vals), encoded])
    return rows, origin


# --------------------------------------------------------------------------------------
# The element
# --------------------------------------------------------------------------------------


class Shapes(MacroElement):
    """Draws :class:`ShapeData` into its parent (a ``FeatureGroup``) as Leaflet polygons.

    Everything is in the ``script`` macro, the only part streamlit-folium sends for
    a feature group.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.json }};
            var layer = L.layerGroup();
            var q = d.q;
            function ring(flat) {
                var lat = 0, lon = 0, out = [];
                for (var i = 0; i < flat.length; i += 2) {
                    lat += flat[i]; lon += flat[i + 1];
                    out.push([d.o[0] + lat * q, d.o[1] + lon * q]);
                }
                return out;
            }
            function tip(f) {
                var html = "<b>" + (f[1] !== null ? f[1] : d.c[f[0]]) + "</b>";
                for (var i = 0; i < d.h.length; i++) {
                    var v = f[2][i];
                    if (v !== null && v !== undefined && v !== "") { html += "<br>" + d.h[i] + ": " + v; }
                }
                return html;
            }
            d.f.forEach(function (f) {
                var polys = f[3].map(function (p) { return p.map(ring); });
                var shape = L.polygon(polys.length === 1 ? polys[0] : polys, d.s[f[0]]);
                shape.bindTooltip(function () { return tip(f); }, {sticky: true});
                layer.addLayer(shape);
            });
            layer.addTo({{ this._parent.get_name() }});
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: ShapeData, name: str = "Shapes"):
        super().__init__()
        self._name = name
        self.data = data

    @property
    def json(self) -> str:
        return js_json(self.data.payload())
