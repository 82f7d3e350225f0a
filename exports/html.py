"""A folium map as one self-contained HTML file that opens offline: ``to_html``.

folium links Leaflet, jQuery, Bootstrap, Font Awesome and its plugins by URL (CDN
URLs, or ``/app/static/vendor/...`` after ``maps.assets.use_local_assets()``).
Here every linked script and stylesheet is replaced by the file's content from
``static/vendor/`` (found by folium's asset name, through the tables in
``maps.assets``, whatever URL it had), and the images and fonts a stylesheet uses
are inlined as ``data:`` URLs (fonts as WOFF2 only: other formats point at an
empty ``data:`` URL, so the browser never looks for them). A link to anything
with no local copy is an error, never a silent CDN fallback.

The page gets a side panel with the title, period, filters, the legend (HTML from
``maps.legends``), method and parameters, caveats, attribution and the
disclosure profile's statement. Only basemap tiles need the network; when they
fail the map says so and still draws its layers.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from html import escape
from pathlib import Path

from maps.assets import MAP_CSS, MAP_JS, MARKERCLUSTER_CSS, MARKERCLUSTER_JS, VENDOR_DIR

#: Asset name (as folium names it) -> file under static/vendor/.
LOCAL_ASSETS = {**MAP_JS, **MAP_CSS, **MARKERCLUSTER_JS, **MARKERCLUSTER_CSS}

PANEL_WIDTH_PX = 340

_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_EXTERNAL = re.compile(r"<(script|link)\b[^>]*?\b(src|href)\s*=\s*[\"']([^\"']+)[\"'][^>]*>", re.I)


class AssetNotLocal(RuntimeError):
    """The map links a script or stylesheet with no copy under static/vendor/."""


def _elements(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def linked_assets(folium_map) -> dict[str, str]:
    """URL -> asset name of every script and stylesheet the map's elements link."""
    out = {}
    for element in _elements(folium_map.get_root()):
        for attr in ("default_js", "default_css"):
            for name, url in getattr(element, attr, None) or []:
                out[url] = name
    return out


def _data_url(path: Path) -> str:
    mime = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".svg": "image/svg+xml"}.get(
        path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_css(css: str, css_path: Path) -> str:
    """``css`` with every ``url(...)`` relative to ``css_path`` made a ``data:`` URL (fonts: WOFF2 only)."""

    def replace(match: re.Match) -> str:
        url = match.group(2).strip()
        if url.startswith(("data:", "#", "http:", "https:")) or url.startswith("//"):
            return match.group(0)
        target = (css_path.parent / url.split("?")[0].split("#")[0]).resolve()
        font = target.suffix.lower() in (".eot", ".ttf", ".woff", ".otf", ".svg") and "font" in str(target).lower()
        if font or not target.is_file():
            return 'url("data:,")'
        return f'url("{_data_url(target)}")'

    return _CSS_URL.sub(replace, css)


def _script(text: str) -> str:
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def _style(text: str) -> str:
    return "<style>" + text.replace("</style", "<\\/style") + "</style>"


def inline_assets(html: str, assets: dict[str, str]) -> str:
    """Replace each ``<script src>``/``<link href>`` of a known asset by its inlined content."""
    for url, name in assets.items():
        if name not in LOCAL_ASSETS:
            continue
        path = VENDOR_DIR / LOCAL_ASSETS[name]
        if not path.is_file():
            raise AssetNotLocal(f"{path} is missing: run scripts/fetch_static.sh")
        text = path.read_text(encoding="utf-8")
        quoted = re.escape(url)
        if path.suffix == ".js":
            pattern = re.compile(rf"<script\b[^>]*\bsrc=[\"']{quoted}[\"'][^>]*>\s*</script>")
            html = pattern.sub(lambda _m, t=text: _script(t), html)
        else:
            css = inline_css(text, path)
            pattern = re.compile(rf"<link\b[^>]*\bhref=[\"']{quoted}[\"'][^>]*/?>")
            html = pattern.sub(lambda _m, t=css: _style(t), html)
    left = [m.group(3) for m in _EXTERNAL.finditer(html)]
    if left:
        raise AssetNotLocal(f"the map links assets with no local copy: {left}")
    return html


def _panel(info, legend_html: str) -> str:
    e = escape
    parts = [f'<h1>{e(info.title)}</h1>',
             f'<p class="hs-meta"><b>Period:</b> {e(info.period)}<br><b>Filters:</b> {e(info.filters)}</p>',
             f'<p class="hs-statement">{e(info.statement)}</p>' if info.statement else ""]
    if legend_html:
        parts.append(f'<div class="hs-block">{legend_html}</div>')
    if info.method:
        items = "".join(f"<li>{e(p)}</li>" for p in info.parameters)
        parts.append(f'<div class="hs-block"><b>Method:</b> {e(info.method)}<ul>{items}</ul></div>')
    if info.summary:
        parts.append(f'<p><b>Result:</b> {e(info.summary)}</p>')
    if info.accuracy:
        parts.append(f'<p><b>Accuracy:</b> {e(info.accuracy)}</p>')
    for note in info.notes:
        parts.append(f'<p class="hs-note">{e(note)}</p>')
    if info.caveats:
        parts.append(f'<p class="hs-small"><b>Data caveats:</b> {e(" ".join(info.caveats))}</p>')
    if info.attribution:
        parts.append(f'<p class="hs-small"><b>Attribution:</b> {e(info.attribution)}</p>')
    return '<aside class="hs-export-panel" id="hs-export-panel">' + "".join(parts) + "</aside>"


_CSS = """
.hs-export-panel {position:fixed; left:0; top:0; bottom:0; width:%(w)dpx; overflow:auto; box-sizing:border-box;
  padding:10px 12px; font:13px/1.45 sans-serif; background:#fff; border-right:1px solid #ccc; z-index:1001}
.hs-export-panel h1 {font-size:17px; margin:0 0 6px 0; font-weight:700}
.hs-export-panel p {margin:6px 0}
.hs-export-panel ul {margin:4px 0; padding-left:18px}
.hs-export-panel .hs-statement {font-weight:600; background:#f3f3f3; padding:4px 6px; border-radius:3px}
.hs-export-panel .hs-small, .hs-export-panel .hs-note {font-size:12px; color:#333}
.hs-export-panel .hs-block {margin:8px 0}
.hs-export-panel div[style*="nowrap"] {white-space:normal !important}
.folium-map {position:fixed !important; left:%(w)dpx !important; top:0 !important; bottom:0 !important;
  width:calc(100%% - %(w)dpx) !important; height:100%% !important}
"""


def export_html(folium_map, info=None, legend_html: str = "") -> str:
    """The map as one self-contained HTML string (see :func:`to_html`)."""
    html = folium_map.get_root().render()
    html = inline_assets(html, linked_assets(folium_map))
    title = escape(info.title) if info is not None else "Map"
    head = f"<title>{title}</title>" + _style(_CSS % {"w": PANEL_WIDTH_PX if info is not None else 0})
    html = html.replace("</head>", head + "\n</head>", 1)
    if info is not None:
        html = html.replace("<body>", "<body>\n" + _panel(info, legend_html), 1)
    return html


def to_html(folium_map, path, *, info=None, legend_html: str = "") -> Path:
    """Write ``folium_map`` as a self-contained HTML file that opens offline.

    Leaflet, its plugins and their CSS (with images and fonts) are inlined from
    ``static/vendor/``; ``info`` (an :class:`exports.sheet.SheetInfo`) and
    ``legend_html`` fill a side panel with the title, period, filters, legend,
    method, caveats, attribution and the disclosure profile's statement.
    """
    path = Path(path)
    path.write_text(export_html(folium_map, info, legend_html), encoding="utf-8")
    return path
