"""Incidents on the map as distinct positions: ``points_layer``.

police.uk puts every crime on an anonymised snap point, so a year of Dartford crime
sits on a few thousand positions, and a million incidents on perhaps ten thousand.
The layer sends one marker per position, never per incident: each row of the array is

``[dlat, lon, n, colour, location, note, first, last, cat1, n1, cat2, n2, cat3, n3]``

- ``lat``, ``lon``: whole micro-degrees (about 0.1 m) from an origin; rows are in
  latitude order and ``dlat`` is the step from the previous row's latitude;
- ``n``: incidents at the position; the cluster bubbles add these up
  (``iconCreateFunction``), so a bubble says how many incidents, not positions;
- ``colour``: index of the position's commonest layer in ``colour_table()``;
- ``location``, ``note``, ``cat*``: indexes into tables of escaped HTML sent once:
  location text, how approximate it is (and whether the records are generated),
  and category names (at most three, with their counts);
- ``first``, ``last``: the first and last date, as precise as the source knows it:
  ``label * MINUTES + minute of the day + 1`` with ``label`` indexing month or day
  labels (``Jan 2024``, ``05 Mar 2024``) and 0 for no time of day.

The tooltip is built in the browser when the marker is hovered;
:meth:`PositionData.tooltip` builds the same HTML in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import folium
import numpy as np
import pandas as pd
from folium.plugins import FastMarkerCluster
from folium.template import Template

from maps.geojson import js_json
from maps.incident_map import DEMO_SOURCE, LAYER_STYLES, colour_table

#: Most positions drawn by default; beyond this the busiest are kept.
MAX_POSITIONS = 5000
#: Categories named in a tooltip (the rest are counted together).
TOP_CATEGORIES = 3
#: Position coordinates are whole multiples of this many degrees.
QUANTUM = 1e-6

_APPROXIMATE = {
    "snap-point": "approximate: police.uk snap point",
    "postcode": "approximate: postcode centroid",
}
_GENERATED_ALL = "<br><i>Generated demo record, not a real incident</i>"
_GENERATED_SOME = "<br><i>Includes generated demo records, not real incidents</i>"
_DATE_FORMATS = {"month": "%b %Y", "day": "%d %b %Y", "minute": "%d %b %Y"}
#: A date is sent as ``label index * MINUTES + minute of the day + 1`` (0: no time), so
#: exact times need no table entry of their own.
MINUTES = 1441


@dataclass(frozen=True)
class PointsInfo:
    """What ``points_layer`` drew.

    ``positions``/``incidents``: drawn; ``total_positions``/``total_incidents``: all
    located incidents in the frame; ``unlocated``: rows without a position (not drawn).
    """

    positions: int
    incidents: int
    truncated: bool
    total_positions: int = 0
    total_incidents: int = 0
    unlocated: int = 0


@dataclass
class PositionData:
    """The compact arrays of a points layer (see the module docstring)."""

    origin: tuple[float, float]
    rows: list[list[int]]
    locations: list[str]
    notes: list[str]
    dates: list[str]
    categories: list[str]

    def payload(self) -> dict:
        return {"o": [self.origin[0], self.origin[1]], "q": QUANTUM, "m": MINUTES, "l": self.locations,
                "a": self.notes, "t": self.dates, "k": self.categories, "r": self.rows}

    def latlon(self, i: int) -> tuple[float, float]:
        """Latitude and longitude of row ``i`` (latitudes are sent as steps)."""
        lat = sum(r[0] for r in self.rows[: i + 1])
        return self.origin[0] + lat * QUANTUM, self.origin[1] + self.rows[i][1] * QUANTUM

    def date(self, code: int) -> str:
        """A date sent as ``label * MINUTES + minute of the day + 1``."""
        label, minute = divmod(code, MINUTES)
        return self.dates[label] + (f" {(minute - 1) // 60:02d}:{(minute - 1) % 60:02d}" if minute else "")

    def tooltip(self, i: int) -> str:
        """The tooltip HTML of row ``i``, exactly as the browser script builds it."""
        r = self.rows[i]
        n = r[2]
        html = f"<b>{n:,} incident{'' if n == 1 else 's'}</b>"
        parts, named = [], 0
        for k in range(8, len(r) - 1, 2):
            parts.append(self.categories[r[k]] if n == 1 else f"{self.categories[r[k]]} ({r[k + 1]:,})")
            named += r[k + 1]
        if named < n:
            parts.append(f"other ({n - named:,})")
        html += "<br>" + ", ".join(parts)
        first, last = self.date(r[6]), self.date(r[7])
        html += "<br>" + (first if first == last else f"{first} to {last}")
        html += "<br>" + self.locations[r[4]] + self.notes[r[5]]
        return html


# --------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------


def _column(frame: pd.DataFrame, name: str, default=None) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index, dtype=object)


def _top_per_group(group: np.ndarray, item: np.ndarray, n_groups: int, n_items: int, k: int):
    """The ``k`` commonest items of each group: (group, item, count) sorted by group, count desc.

    Ties go to the item seen first in ``item``'s codes (lower code).
    """
    keys = group.astype(np.int64) * max(n_items, 1) + item.astype(np.int64)
    uniq, counts = np.unique(keys, return_counts=True)
    g = uniq // max(n_items, 1)
    it = uniq % max(n_items, 1)
    order = np.lexsort((it, -counts, g))
    g, it, counts = g[order], it[order], counts[order]
    starts = np.searchsorted(g, np.arange(n_groups))
    rank = np.arange(g.size) - starts[g]
    keep = rank < k
    return g[keep], it[keep], counts[keep]


def _date_labels(times: pd.Series, precision: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Month or day labels, and the minute of the day (-1 unless minute precision)."""
    out = np.full(len(times), "date not recorded", dtype=object)
    ok = times.notna().to_numpy()
    prec = precision.fillna("month").to_numpy()
    for p, fmt in _DATE_FORMATS.items():
        sel = ok & (prec == p)
        if sel.any():
            out[sel] = times[sel].dt.strftime(fmt).to_numpy()
    other = ok & ~np.isin(prec, list(_DATE_FORMATS))
    if other.any():
        out[other] = times[other].dt.strftime(_DATE_FORMATS["day"]).to_numpy()
    minute = np.full(len(times), -1, dtype=np.int64)
    timed = ok & (prec == "minute")
    if timed.any():
        minute[timed] = (times[timed].dt.hour * 60 + times[timed].dt.minute).to_numpy()
    return out, minute


def _positions(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, int]:
    """Located rows, their position index, and each position's latitude and longitude."""
    lat = np.array(pd.to_numeric(_column(frame, "latitude"), errors="coerce"), dtype=float)  # copies: filled below
    lon = np.array(pd.to_numeric(_column(frame, "longitude"), errors="coerce"), dtype=float)
    missing = ~(np.isfinite(lat) & np.isfinite(lon))
    if missing.any() and "easting" in frame and "northing" in frame:
        e = pd.to_numeric(frame["easting"], errors="coerce").to_numpy(dtype=float)
        n = pd.to_numeric(frame["northing"], errors="coerce").to_numpy(dtype=float)
        fill = missing & np.isfinite(e) & np.isfinite(n)
        if fill.any():
            from geodata.crs import bng_to_lonlat

            lon[fill], lat[fill] = bng_to_lonlat(e[fill], n[fill])
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    unlocated = int((~ok).sum())
    located = frame.loc[ok] if unlocated else frame
    lat, lon = lat[ok], lon[ok]
    qlat = np.rint(lat / QUANTUM).astype(np.int64)
    qlon = np.rint(lon / QUANTUM).astype(np.int64)
    inverse, uniques = pd.factorize(qlat * 400_000_000 + (qlon + 200_000_000))
    m = len(uniques)
    pos_lat = np.zeros(m)
    pos_lon = np.zeros(m)
    pos_lat[inverse] = qlat * QUANTUM
    pos_lon[inverse] = qlon * QUANTUM
    return located, np.asarray(inverse), pos_lat, pos_lon, unlocated


def position_data(frame: pd.DataFrame, max_positions: int = MAX_POSITIONS) -> tuple[PositionData, PointsInfo]:
    """Aggregate incidents (``queries.incidents.MAP_COLUMNS``) to distinct positions.

    Positions are equal latitude/longitude to a micro-degree. When there are more than
    ``max_positions`` the busiest are kept (ties: the first seen). Rows without a
    position are counted in ``PointsInfo.unlocated``.
    """
    if max_positions < 0:
        raise ValueError(f"`max_positions` must be at least 0; got {max_positions}")
    located, inverse, pos_lat, pos_lon, unlocated = _positions(frame)
    m = pos_lat.size
    counts = np.bincount(inverse, minlength=m)
    total = int(counts.sum())
    keep = np.argsort(-counts, kind="stable")[:max_positions]
    truncated = m > max_positions
    info = PointsInfo(int(keep.size), int(counts[keep].sum()), truncated, int(m), total, unlocated)
    if keep.size == 0:
        return PositionData((0.0, 0.0), [], [], [], [], []), info
    # Renumber kept positions 0..k-1; rows at dropped positions get -1 and are left out.
    new_id = np.full(m, -1, dtype=np.int64)
    new_id[keep] = np.arange(keep.size)
    pos = new_id[inverse]
    rows_kept = pos >= 0
    sub = located.loc[rows_kept] if not rows_kept.all() else located
    pos = pos[rows_kept]
    k = keep.size

    # Commonest layer (colour), location text, placing method; top categories.
    layer_index = {layer: i for i, layer in enumerate(LAYER_STYLES)}
    layer_code = _column(sub, "layer").map(layer_index).fillna(len(LAYER_STYLES)).to_numpy(dtype=np.int64)
    _, colour, _ = _top_per_group(pos, layer_code, k, len(LAYER_STYLES) + 1, 1)

    loc_codes, loc_values = pd.factorize(_column(sub, "location").fillna("").astype(str).str.strip())
    _, loc, _ = _top_per_group(pos, loc_codes, k, len(loc_values), 1)
    method_codes, method_values = pd.factorize(_column(sub, "location_method").fillna("").astype(str))
    _, meth, _ = _top_per_group(pos, method_codes, k, len(method_values), 1)
    generated = np.bincount(pos, weights=_column(sub, "source").eq(DEMO_SOURCE).to_numpy(), minlength=k)
    at = np.bincount(pos, minlength=k)
    gen_state = np.where(generated == 0, 0, np.where(generated >= at, 2, 1))

    used, loc = np.unique(loc, return_inverse=True)  # only the locations shown
    locations = [escape(str(loc_values[u])) if loc_values[u] else "location not recorded" for u in used]
    note_text = []
    for i in range(k):
        note = _APPROXIMATE.get(str(method_values[meth[i]])) if len(method_values) else None
        text = f" <small>({note})</small>" if note else ""
        text += (_GENERATED_SOME, _GENERATED_ALL)[gen_state[i] - 1] if gen_state[i] else ""
        note_text.append(text)
    note_codes, notes = pd.factorize(pd.Series(note_text, dtype=object))

    cat_codes, cat_values = pd.factorize(_column(sub, "category").fillna("category not recorded").astype(str))
    cg, ci, cc = _top_per_group(pos, cat_codes, k, len(cat_values), TOP_CATEGORIES)
    categories = [escape(str(c)) for c in cat_values]

    # First and last date, each formatted as precisely as its own row is known.
    times = pd.to_datetime(_column(sub, "occurred_at"), errors="coerce")
    series = pd.Series(times.to_numpy(), index=pd.RangeIndex(len(times)))
    precision = _column(sub, "date_precision").reset_index(drop=True)
    dated = series.notna().to_numpy()
    has_time = np.bincount(pos[dated], minlength=k) > 0
    first_row = np.zeros(k, dtype=np.int64)
    last_row = np.zeros(k, dtype=np.int64)
    if has_time.any():
        grouped = series[dated].groupby(pos[dated])
        first_row[has_time] = grouped.idxmin().reindex(np.nonzero(has_time)[0]).to_numpy(dtype=np.int64)
        last_row[has_time] = grouped.idxmax().reindex(np.nonzero(has_time)[0]).to_numpy(dtype=np.int64)
    ends = np.r_[first_row, last_row]
    labels, minute = _date_labels(series.iloc[ends].reset_index(drop=True), precision.iloc[ends].reset_index(drop=True))
    undated = np.r_[~has_time, ~has_time]
    labels[undated] = "date not recorded"
    minute[undated] = -1
    label_codes, dates = pd.factorize(pd.Series(labels, dtype=object))
    date_codes = label_codes.astype(np.int64) * MINUTES + minute + 1

    origin = (float(np.floor(pos_lat[keep].min() * 100) / 100), float(np.floor(pos_lon[keep].min() * 100) / 100))
    qlat = np.rint((pos_lat[keep] - origin[0]) / QUANTUM).astype(np.int64)
    qlon = np.rint((pos_lon[keep] - origin[1]) / QUANTUM).astype(np.int64)
    order = np.lexsort((qlon, qlat))  # south to north: latitude steps are small numbers
    dlat = np.diff(qlat[order], prepend=0)
    cat_start = np.searchsorted(cg, np.arange(k))
    cat_end = np.searchsorted(cg, np.arange(k), side="right")
    rows = []
    for step, i in zip(dlat, order):
        row = [int(step), int(qlon[i]), int(at[i]), int(colour[i]), int(loc[i]), int(note_codes[i]),
               int(date_codes[i]), int(date_codes[k + i])]
        for j in range(cat_start[i], cat_end[i]):
            row += [int(ci[j]), int(cc[j])]
        rows.append(row)
    data = PositionData(origin, rows, locations, list(notes), list(dates), categories)
    return data, info


# --------------------------------------------------------------------------------------
# The layer
# --------------------------------------------------------------------------------------

#: One marker per row: a dot in the layer's colour, bigger and numbered when it holds
#: more than one incident, with its tooltip built on hover.
_CALLBACK = """function (row) {
    var n = row[2];
    var size = n > 1 ? 18 + 4 * Math.min(Math.floor(Math.log10(n)), 3) : 10;
    var label = n > 1 ? String(n) : "";
    var icon = L.divIcon({
        className: "hs-position",
        html: '<span style="display:flex;align-items:center;justify-content:center;width:' + size + 'px;height:'
            + size + 'px;border-radius:50%;border:1px solid #fff;box-shadow:0 0 1px #000;color:#fff;'
            + 'font:bold 10px sans-serif;background:' + colours[row[3]] + '">' + label + '</span>',
        iconSize: [size + 2, size + 2],
        iconAnchor: [size / 2 + 1, size / 2 + 1]
    });
    var marker = L.marker(new L.LatLng(d.o[0] + row.lat * d.q, d.o[1] + row[1] * d.q), {icon: icon, incidents: n});
    marker.bindTooltip(function () { return tip(row); });
    return marker;
}"""

#: The tooltip of a row (PositionData.tooltip builds the same HTML in Python).
_TOOLTIP = """function (r) {
    function pad(x) { return (x < 10 ? "0" : "") + x; }
    function date(code) {
        var minute = code % d.m, label = d.t[(code - minute) / d.m];
        return minute ? label + " " + pad(Math.floor((minute - 1) / 60)) + ":" + pad((minute - 1) % 60) : label;
    }
    var n = r[2];
    var html = "<b>" + n.toLocaleString("en-GB") + (n === 1 ? " incident" : " incidents") + "</b>";
    var parts = [], named = 0;
    for (var i = 8; i + 1 < r.length; i += 2) {
        parts.push(n === 1 ? d.k[r[i]] : d.k[r[i]] + " (" + r[i + 1].toLocaleString("en-GB") + ")");
        named += r[i + 1];
    }
    if (named < n) { parts.push("other (" + (n - named).toLocaleString("en-GB") + ")"); }
    html += "<br>" + parts.join(", ");
    var first = date(r[6]), last = date(r[7]);
    html += "<br>" + (first === last ? first : first + " to " + last);
    html += "<br>" + d.l[r[4]] + d.a[r[5]];
    return html;
}"""

#: Cluster bubbles show the SUM of their markers' incident counts.
ICON_CREATE_FUNCTION = """function (cluster) {
    var markers = cluster.getAllChildMarkers(), n = 0;
    for (var i = 0; i < markers.length; i++) { n += markers[i].options.incidents || 1; }
    var size = n < 100 ? "small" : (n < 1000 ? "medium" : "large");
    var label = n.toLocaleString("en-GB");
    var width = Math.max(40, 16 + 7 * label.length);
    return L.divIcon({
        html: "<div><span>" + label + "</span></div>",
        className: "marker-cluster marker-cluster-" + size + " hs-incident-cluster",
        iconSize: new L.Point(width, 40)
    });
}"""


class PositionCluster(FastMarkerCluster):
    """``FastMarkerCluster`` fed a compact :class:`PositionData` instead of rows of floats.

    Same plugin, same local JS/CSS (its ``default_js``/``default_css`` are inherited,
    so ``maps.assets.use_local_assets`` applies); the template adds the tables the
    callback needs, bulk-adds the markers and writes JSON with ``<`` escaped.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                var d = {{ this.json }};
                var colours = {{ this.colours }};
                var tip = {{ this.tooltip_function }};
                var callback = {{ this.marker_function }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                cluster.options.iconCreateFunction = {{ this.icon_create_function.strip() }};
                var markers = [], lat = 0;
                for (var i = 0; i < d.r.length; i++) {
                    lat += d.r[i][0];
                    d.r[i].lat = lat;
                    markers.push(callback(d.r[i]));
                }
                cluster.addLayers(markers);
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(self, data: PositionData, **options):
        super().__init__([], icon_create_function=ICON_CREATE_FUNCTION, control=False, **options)
        self._name = "FastMarkerCluster"
        self.positions = data
        self.colours = js_json(colour_table())
        self.tooltip_function = _TOOLTIP
        self.marker_function = _CALLBACK

    @property
    def json(self) -> str:
        return js_json(self.positions.payload())


def points_layer(
    frame: pd.DataFrame, *, name: str = "Incidents", max_positions: int = MAX_POSITIONS
) -> tuple[folium.FeatureGroup, PointsInfo]:
    """Incidents as clustered markers, one per distinct position.

    Parameters
    ----------
    frame : DataFrame
        Columns of ``queries.incidents.MAP_COLUMNS`` (``latitude``/``longitude``, or
        ``easting``/``northing``, are needed; the rest fill the tooltips).
    name : str
        Layer name; the counts are added to it, and when positions were left out it
        says so: ``"Incidents (9,412 at the busiest 5,000 of 8,100 places)"``.
    max_positions : int
        Most markers; the busiest positions are kept.

    Returns
    -------
    (FeatureGroup, PointsInfo)
    """
    data, info = position_data(frame, max_positions)
    return points_group(data, info, name=name), info


def points_group(data: PositionData, info: PointsInfo, *, name: str = "Incidents") -> folium.FeatureGroup:
    """The layer for positions from :func:`position_data`.

    Pages cache the positions, not the layer: streamlit-folium renames the elements
    of a group as it draws it, so a group drawn twice refers to names that no longer
    exist. Build a fresh group for every map.
    """
    if info.truncated:
        label = (f"{name} ({info.incidents:,} of {info.total_incidents:,} at the busiest "
                 f"{info.positions:,} of {info.total_positions:,} places)")
    else:
        label = f"{name} ({info.incidents:,})"
    group = folium.FeatureGroup(name=label, overlay=True, control=True, show=True)
    # Always present, even when empty, so the cluster plugin's JS is linked on first load.
    PositionCluster(data, showCoverageOnHover=False, maxClusterRadius=50, chunkedLoading=True).add_to(group)
    return group
