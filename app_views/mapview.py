"""One Leaflet map per page that keeps its view across reruns.

The base map (tiles, borough, LSOAs, focus areas) is the same on every rerun, so
streamlit-folium keeps the Leaflet map alive and swaps only the layers passed
as ``feature_group_to_add``. Nothing is returned from the map
(``returned_objects=[]``): panning and zooming never rerun the script, so the map
cannot loop. ``center`` and ``zoom`` change only when the chosen area changes,
which streamlit-folium applies without reloading the map.
"""

from __future__ import annotations

import math

import folium
import streamlit as st
from streamlit_folium import st_folium

from app_views import reads
from maps import assets
from maps.incident_map import base_map

MAP_HEIGHT = 600
#: Width assumed when fitting an area (the wide layout's map column).
FIT_WIDTH_PX = 900


def fit_view(area_bounds_wgs84: tuple[float, float, float, float], height: int = MAP_HEIGHT) -> tuple[tuple[float, float], int]:
    """Centre and the largest zoom that shows the (lon0, lat0, lon1, lat1) box."""
    lon0, lat0, lon1, lat1 = area_bounds_wgs84

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width_frac = max(lon1 - lon0, 1e-6) / 360.0
    height_frac = max(merc_y(lat1) - merc_y(lat0), 1e-9) / (2 * math.pi)
    zoom = min(math.log2(FIT_WIDTH_PX / 256 / width_frac), math.log2(height / 256 / height_frac))
    return ((lat0 + lat1) / 2, (lon0 + lon1) / 2), int(max(min(math.floor(zoom - 0.2), 18), 8))


def show_map(key: str, groups: list[folium.FeatureGroup], *, area: str = "borough",
             height: int = MAP_HEIGHT) -> None:
    """Draw the page's map with ``groups`` on top of the base geography."""
    missing = assets.missing_files()
    if missing:
        st.error(
            "The map's Leaflet files are missing from `static/vendor/`: run `scripts/fetch_static.sh` "
            "(the set-up script does this) and reload."
        )
        return
    borough, lsoas, focus = reads.geography()
    center, zoom = fit_view(reads.area_bounds_wgs84(area), height)
    st_folium(
        base_map(borough, lsoas, focus),
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=[],
        center=center,
        zoom=zoom,
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=False),
    )
