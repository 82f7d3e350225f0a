"""What leaves the dashboard: maps and tables for meetings, packs, and the disclosure rules they follow.

- ``exports.analysis_export.export_analysis(analysis, fmt, path, profile="partner", accuracy=None, con=None)``:
  one Explore analysis as png, pdf, html, geojson, gpkg or csv, through a disclosure profile;
- ``exports.static_map.map_sheet(info, method, result, ...)``: an A4 landscape map sheet (matplotlib
  Figure) drawn offline in British National Grid metres; ``exports.sheet`` lays it out;
- ``exports.files``: ``to_png``, ``to_pdf``, ``to_html`` (self-contained, offline), ``to_geojson``,
  ``to_gpkg``, ``to_csv`` (formula injection neutralised);
- ``exports.disclosure``: the internal and partner profiles; ``exports.protect`` applies one to an analysis;
- ``exports.basemap``: OpenStreetMap tiles warped to BNG, when they can be fetched.
"""
