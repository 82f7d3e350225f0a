"""Locations of the shipped data files (see ``data/SOURCES.md``)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
BOROUGH_FILE = DATA_DIR / "dartford_lad23_bgc.geojson"
LSOA_FILE = DATA_DIR / "dartford_lsoa21_composite_bgc.geojson"
FOCUS_AREAS_FILE = DATA_DIR / "focus_areas.geojson"
POSTCODES_FILE = DATA_DIR / "nspd_postcodes_dartford_gravesham.csv"

#: Attribution for the app's "About / data sources" page.
ATTRIBUTION = (
    "Boundaries: Office for National Statistics, Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right. "
    "Postcode centroids: ONS Postcode Directory (NSPD), Open Government Licence "
    "v3.0; contains Royal Mail data © Royal Mail copyright and database right. "
    "Focus areas: hand-drawn for this project, provisional until the CSP supplies "
    "its own boundaries."
)
