"""The Streamlit user interface: thin pages over ``queries`` (reads) and ``maps`` (folium).

No analysis here: reads are cached (``st.cache_data`` keyed on the filter values,
the DuckDB connection with ``st.cache_resource``) and handed to pure builders.
"""
