"""The Streamlit user interface: thin pages over ``queries`` (reads) and ``maps`` (folium).

No analysis here: reads are cached (``st.cache_data`` keyed on the filter values;
the app's one read-write DuckDB connection lives in ``reads``) and handed to pure
builders. ``auth`` signs people in; ``common.require`` checks roles and layers.
"""
