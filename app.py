"""Dartford Community Safety Partnership: hotspot dashboard (first screen).

Run with ``streamlit run app.py``. Reads the store at ``$HOTSPOTS_DB`` or
``data/hotspots.duckdb`` (build it with ``python -m hotspots demo``). Leaflet and
its plugins are served from ``static/vendor/`` (``scripts/fetch_static.sh``), so the
map works without internet; only the basemap tiles need it.
"""

import streamlit as st

from app_views.first_screen import render
from maps.assets import STREAMLIT_STATIC_URL, use_local_assets

st.set_page_config(page_title="Dartford hotspots", page_icon="🗺️", layout="wide")

# Before any map is built: link folium to the local copies, not to CDNs.
_base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
use_local_assets(_base.rstrip("/") + STREAMLIT_STATIC_URL, check=False)

render()
