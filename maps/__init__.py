"""Building folium maps (no Streamlit here, so exports can reuse it).

- ``maps.assets``: point folium at the locally served Leaflet copies.
- ``maps.incident_map``: the base map of Dartford and the clustered incident layer.
- ``maps.layers``: the hot spot results (KDE, DBSCAN, Gi*, change, classes) and
  incidents at distinct positions as self-contained feature groups, with legends
  (``maps.legends``) and their size as streamlit-folium sends them (``maps.payload``).
- helpers: ``maps.styles`` (palettes, density classes), ``maps.raster`` (the KDE image
  in Web Mercator), ``maps.shapes`` (compact polygons with tooltips), ``maps.points``
  (aggregation to positions), ``maps.geojson`` (JSON safe in a script).
"""
