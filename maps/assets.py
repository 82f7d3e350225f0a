"""Point folium at locally served copies of Leaflet and its plugins.

folium links Leaflet, jQuery, Bootstrap, Font Awesome and each plugin from CDNs, so
offline the map is blank. ``scripts/fetch_static.sh`` puts pinned copies under
``static/vendor/`` (from npm); Streamlit serves that folder at ``/app/static/``
(``server.enableStaticServing``). ``use_local_assets()`` rewrites the class-level
``default_js``/``default_css`` lists of ``folium.Map`` and of every plugin this
project uses, so every map built afterwards links only to those copies.

Call it once at start-up, before any map is built. No Streamlit import here: a
static HTML export can call it with another ``base_url`` (for example a relative
path next to the exported file).
"""

from pathlib import Path

import folium
from folium.plugins import FastMarkerCluster, MarkerCluster

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = PROJECT_ROOT / "static" / "vendor"

#: URL prefix under which Streamlit serves ``static/`` of the app's folder.
STREAMLIT_STATIC_URL = "/app/static/vendor"

# Asset name (as folium names it) -> path under static/vendor/.
MAP_JS = {
    "leaflet": "leaflet/dist/leaflet.js",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
}
MAP_CSS = {
    "leaflet_css": "leaflet/dist/leaflet.css",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "glyphicons_css": "glyphicons-only-bootstrap/css/bootstrap.min.css",
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "awesome_rotate_css": "folium-local/leaflet.awesome.rotate.css",
}
MARKERCLUSTER_JS = {
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
}
MARKERCLUSTER_CSS = {
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
}

# (class, attribute, mapping): every list rewritten. A name folium adds in a later
# version and not listed here makes use_local_assets() fail rather than go online.
_TARGETS = (
    (folium.Map, "default_js", MAP_JS),
    (folium.Map, "default_css", MAP_CSS),
    (MarkerCluster, "default_js", MARKERCLUSTER_JS),
    (MarkerCluster, "default_css", MARKERCLUSTER_CSS),
    (FastMarkerCluster, "default_js", MARKERCLUSTER_JS),
    (FastMarkerCluster, "default_css", MARKERCLUSTER_CSS),
)


class AssetsMissing(RuntimeError):
    """Local copies are missing: run ``scripts/fetch_static.sh``."""


def required_files() -> list[Path]:
    """Every file under ``static/vendor/`` that the map links to."""
    paths = {*MAP_JS.values(), *MAP_CSS.values(), *MARKERCLUSTER_JS.values(), *MARKERCLUSTER_CSS.values()}
    return [VENDOR_DIR / p for p in sorted(paths)]


def missing_files() -> list[Path]:
    """Required files not present on disk (empty when set-up has run)."""
    return [p for p in required_files() if not p.is_file()]


def use_local_assets(base_url: str = STREAMLIT_STATIC_URL, *, check: bool = True) -> None:
    """Rewrite folium's asset links to ``base_url/<path under static/vendor>``.

    Idempotent. With ``check``, raises ``AssetsMissing`` when a file is absent.
    """
    if check:
        missing = missing_files()
        if missing:
            names = ", ".join(str(p.relative_to(PROJECT_ROOT)) for p in missing)
            raise AssetsMissing(f"map assets missing ({names}); run scripts/fetch_static.sh")
    base = base_url.rstrip("/")
    for cls, attr, mapping in _TARGETS:
        current = getattr(cls, attr)
        unknown = [name for name, _ in current if name not in mapping]
        if unknown:
            raise AssetsMissing(f"{cls.__name__}.{attr} names assets with no local copy: {unknown}")
        # Assign on the class itself (not inherited), keeping folium's order.
        setattr(cls, attr, [(name, f"{base}/{mapping[name]}") for name, _ in current])


def asset_urls(elements) -> list[str]:
    """All JS and CSS URLs the given folium classes or elements link to (for checks)."""
    urls = []
    for element in elements:
        urls += [url for _, url in getattr(element, "default_js", [])]
        urls += [url for _, url in getattr(element, "default_css", [])]
    return urls
