"""Building folium maps (no Streamlit here, so exports can reuse it).

- ``maps.assets``: point folium at the locally served Leaflet copies.
- ``maps.incident_map``: the base map of Dartford and the clustered incident layer.
"""
