"""What each page of the dashboard (and each meeting pack) holds, computed without Streamlit.

A briefing reads incidents through ``queries`` and runs ``hotspots`` on them; the
Streamlit pages in ``app_views`` only lay out what a briefing returns, and the
exports render the same objects. ``scope`` holds the filters every view shares.
"""
