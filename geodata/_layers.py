"""Cached reads of the shipped vector layers, one cache entry per CRS."""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
from pyproj import CRS


def crs_key(crs) -> CRS:
    """Normalise any pyproj-accepted CRS (``"EPSG:27700"``, ``27700``, a
    ``pyproj.CRS``) so equal CRSs share one cache entry."""
    return CRS.from_user_input(crs)


@functools.cache
def _read_wgs84(path: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(path)


@functools.cache
def read_layer(path: Path, crs: CRS) -> gpd.GeoDataFrame:
    """The layer at ``path`` in ``crs``. Cached and shared: callers that hand
    the frame out must ``.copy()`` it first."""
    gdf = _read_wgs84(path)
    return gdf if gdf.crs == crs else gdf.to_crs(crs)
