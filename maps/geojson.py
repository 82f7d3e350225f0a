"""Small helpers shared by the map modules: JSON safe inside a script, GeoJSON in WGS84."""

from __future__ import annotations

import json


def js_json(value) -> str:
    """Compact JSON for a script: ``<`` escaped, so no string can close a <script> tag.

    Non-ASCII text is kept as is; ``<`` becomes ``\\u003c``, which JavaScript reads
    back as ``<``: the value is unchanged, only its spelling in the page differs.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def geojson_dict(data) -> dict:
    """A GeoJSON dict in WGS84 from a dict or a GeoDataFrame/GeoSeries."""
    if isinstance(data, dict):
        return data
    if hasattr(data, "to_crs") and getattr(data, "crs", None) is not None:
        data = data.to_crs("EPSG:4326")
    if hasattr(data, "to_json"):
        return json.loads(data.to_json(drop_id=True))
    return data.__geo_interface__
