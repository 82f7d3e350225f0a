"""Hotspot analysis for the Dartford Community Safety Partnership.

Pure analysis on points in British National Grid metres (EPSG:27700): no SQL, no Streamlit.
The command line lives in ``cli/`` and is started with ``python -m hotspots``.
"""
