// A stand-in for Leaflet, just enough to run a layer's script in Node and record
// what it would draw: polygons, markers, image overlays, cluster groups, tooltips.
// Usage: node leaflet_stub.js < script.js  -> JSON on stdout.
"use strict";
const fs = require("fs");

const rec = { polygons: [], markers: [], overlays: [], clusters: [], groups: [] };

class Layer {
  constructor(options) { this.options = options || {}; this._layers = []; }
  addTo(parent) { if (parent && parent.addLayer) { parent.addLayer(this); } return this; }
  addLayer(layer) { this._layers.push(layer); layer._owner = this; return this; }
  addLayers(layers) { layers.forEach((l) => this.addLayer(l)); return this; }
  bindTooltip(content, options) { this._tooltip = content; this._tooltipOptions = options; return this; }
  on() { return this; }
  off() { return this; }
}

global.window = global;
global.L = {
  featureGroup: (o) => { const g = new Layer(o); rec.groups.push(g); return g; },
  layerGroup: (o) => new Layer(o),
  polygon: (latlngs, style) => { const p = new Layer(style); p.latlngs = latlngs; rec.polygons.push(p); return p; },
  marker: (latlng, o) => { const m = new Layer(o); m.latlng = latlng; rec.markers.push(m); return m; },
  LatLng: function (lat, lng) { this.lat = lat; this.lng = lng; },
  Point: function (x, y) { this.x = x; this.y = y; },
  divIcon: (o) => o,
  markerClusterGroup: (o) => { const c = new Layer(o); rec.clusters.push(c); return c; },
  imageOverlay: (url, bounds, o) => { const i = new Layer(o); i.url = url; i.bounds = bounds; rec.overlays.push(i); return i; },
};
global.map_div = new Layer();

const script = fs.readFileSync(0, "utf8");
eval(script);

const tip = (layer) => (typeof layer._tooltip === "function" ? layer._tooltip(layer) : layer._tooltip);
const owner = (layer) => { let o = layer; while (o._owner) { o = o._owner; } return o; };
const out = {
  onMap: global.window.feature_group ? global.window.feature_group.length : 0,
  polygons: rec.polygons.map((p) => ({ latlngs: p.latlngs, style: p.options, tip: tip(p), reachesMap: owner(p) === global.map_div })),
  markers: rec.markers.map((m) => ({ lat: m.latlng.lat, lng: m.latlng.lng, incidents: m.options.incidents, tip: tip(m), icon: m.options.icon.html })),
  overlays: rec.overlays.map((i) => ({ url: i.url.slice(0, 30), bounds: i.bounds, options: i.options, reachesMap: owner(i) === global.map_div })),
  clusters: rec.clusters.map((c) => {
    const icon = c.options.iconCreateFunction ? c.options.iconCreateFunction({ getAllChildMarkers: () => c._layers }) : null;
    return { markers: c._layers.length, icon: icon && icon.html, className: icon && icon.className, reachesMap: owner(c) === global.map_div };
  }),
};
process.stdout.write(JSON.stringify(out));
