"""Dartford Community Safety Partnership: the hotspot dashboard.

Run with ``streamlit run app.py`` (``scripts/start.sh`` sets everything up). Opens
the store at ``$HOTSPOTS_DB`` or ``data/hotspots.duckdb`` and asks everyone to sign
in first (``app_views.auth``); the menu then depends on the user's role and layers.
Leaflet and its plugins are served from ``static/vendor/`` so the map works without
internet; only the basemap tiles need it. Each page is a module in ``app_views/pages``.
"""

import streamlit as st

from app_views import auth
from app_views.pages import about, admin, data, explore, fly_tipping, overview, violence, wildfire
from maps.assets import STREAMLIT_STATIC_URL, use_local_assets
from queries.store import default_db_path
from queries.users import User

st.set_page_config(page_title="Dartford hotspots", page_icon="🗺️", layout="wide")

# Before any map is built: link folium to the local copies, not to CDNs.
_base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
use_local_assets(_base.rstrip("/") + STREAMLIT_STATIC_URL, check=False)


def menu(user: User | None) -> dict[str, list]:
    """The pages ``user`` may open; every page (to keep the address) while nobody is signed in.

    A page a user may not use is not in their menu, and its URL falls back to the
    default page. Each page checks again (``common.require``).
    """
    def allowed(layer=None, analyst=False, admin=False) -> bool:
        return user is None or ((layer is None or user.may_see(layer)) and (not analyst or user.is_analyst)
                                and (not admin or user.is_admin))

    tasking = [st.Page(overview.render, title="Overview", icon=":material/dashboard:", url_path="home",
                       default=True)]
    if allowed("offence"):
        tasking.append(st.Page(violence.render, title="Weekly violence", icon=":material/local_police:",
                               url_path="violence"))
    if allowed("fire"):
        tasking.append(st.Page(wildfire.render, title="Wildfire prevention",
                               icon=":material/local_fire_department:", url_path="wildfire"))
    if allowed("fly-tipping"):
        tasking.append(st.Page(fly_tipping.render, title="Fly-tipping patrols", icon=":material/delete:",
                               url_path="fly-tipping"))
    # The default page is served at "/" only (its own path is reserved but not served): a hidden
    # twin serves /overview, so links to it work too.
    tasking.append(st.Page(overview.render, title="Overview", url_path="overview", visibility="hidden"))
    store_pages = []
    if allowed(analyst=True):
        store_pages.append(st.Page(data.render, title="Data", icon=":material/database:", url_path="data"))
    if allowed(admin=True):
        store_pages.append(st.Page(admin.render, title="Admin", icon=":material/admin_panel_settings:",
                                   url_path="admin"))
    store_pages.append(st.Page(about.render, title="About", icon=":material/info:", url_path="about"))
    return {
        "Tasking": tasking,
        "Analysis": [st.Page(explore.render, title="Explore", icon=":material/map:", url_path="explore")],
        "Store": store_pages,
    }


path = str(default_db_path())
user = auth.current_user()
# Navigation is set up before the sign-in screen, with the menu hidden, so the page asked for
# (/explore?x_method=kde, a bookmark) is still the page opened once signed in.
page = st.navigation(menu(user), position="sidebar" if user is not None else "hidden")
if user is None:
    auth.require_user(path)  # the sign-in screen; stops the run until someone signs in
    st.rerun()  # signed in (single sign-on's cookie): build the user's own menu
auth.sidebar_badge(path, user)
page.run()
