"""Reference geography for the Dartford CSP dashboard.

Everything the product knows about where things are: the borough boundary,
its 2021 LSOAs, the CSP's focus areas (town-centre night-time economy,
Bluewater, Dartford Heath), postcode centroids, and CRS conversions. Data is
read from ``geodata/data/`` only (sources and licences in its ``SOURCES.md``);
reads are cached and callers always get their own copies.

Metric work uses British National Grid (:data:`BNG`), which is the default
``crs`` everywhere.
"""

from ._files import ATTRIBUTION
from .areas import area_geometry
from .boundaries import (
    DARTFORD_CODE,
    borough,
    borough_polygon,
    dartford_lsoa_codes,
    lsoa_polygon,
    lsoas,
)
from .crs import BNG, WGS84, bng_to_lonlat, lonlat_to_bng, to_bng, to_wgs84
from .focus_areas import AREAS, focus_area, focus_areas
from .postcodes import normalise_postcode, postcodes, postcodes_path

__all__ = [
    "AREAS",
    "ATTRIBUTION",
    "BNG",
    "DARTFORD_CODE",
    "WGS84",
    "area_geometry",
    "bng_to_lonlat",
    "borough",
    "borough_polygon",
    "dartford_lsoa_codes",
    "focus_area",
    "focus_areas",
    "lonlat_to_bng",
    "lsoa_polygon",
    "lsoas",
    "normalise_postcode",
    "postcodes",
    "postcodes_path",
    "to_bng",
    "to_wgs84",
]
