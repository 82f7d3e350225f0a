"""Dartford Community Safety Partnership: the hotspot dashboard.

Run with ``streamlit run app.py`` (``scripts/start.sh`` sets everything up). Reads
the store at ``$HOTSPOTS_DB`` or ``data/hotspots.duckdb``. Leaflet and its plugins
are served from ``static/vendor/`` so the map works without internet; only the
basemap tiles need it. Each page is a module in ``app_views/pages``.
"""

import streamlit as st

from app_views.pages import about, data, explore, fly_tipping, overview, violence, wildfire
from maps.assets import STREAMLIT_STATIC_URL, use_local_assets

st.set_page_config(page_title="Dartford hotspots", page_icon="🗺️", layout="wide")

# Before any map is built: link folium to the local copies, not to CDNs.
_base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
use_local_assets(_base.rstrip("/") + STREAMLIT_STATIC_URL, check=False)

pages = {
    "Tasking": [
        st.Page(overview.render, title="Overview", icon=":material/dashboard:", url_path="home", default=True),
        st.Page(violence.render, title="Weekly violence", icon=":material/local_police:", url_path="violence"),
        st.Page(wildfire.render, title="Wildfire prevention", icon=":material/local_fire_department:", url_path="wildfire"),
        st.Page(fly_tipping.render, title="Fly-tipping patrols", icon=":material/delete:", url_path="fly-tipping"),
    ],
    "Analysis": [
        st.Page(explore.render, title="Explore", icon=":material/map:", url_path="explore"),
    ],
    "Store": [
        st.Page(data.render, title="Data", icon=":material/database:", url_path="data"),
        st.Page(about.render, title="About", icon=":material/info:", url_path="about"),
    ],
}
# The default page is served at "/" only (its own path is reserved but not served): a hidden
# twin serves /overview, so links to it work too.
pages["Tasking"].append(st.Page(overview.render, title="Overview", url_path="overview", visibility="hidden"))
st.navigation(pages).run()
