"""Coordinate reference systems and conversions between them.

All metric work (areas, buffers, KDE, DBSCAN) is done in British National Grid;
WGS84 is for web maps and for input given as latitude/longitude.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


@functools.cache
def _transformer(src: str, dst: str) -> Transformer:
    # always_xy: pass and receive (lon, lat), never the EPSG:4326 axis order.
    return Transformer.from_crs(src, dst, always_xy=True)


def _transform(src: str, dst: str, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out_x, out_y = (np.asarray(v, dtype=float) for v in _transformer(src, dst).transform(x, y))
    # PROJ gives inf for NaN (missing) input; keep missing as NaN so callers
    # can test with isnan/isna instead of meeting inf later.
    bad = ~(np.isfinite(out_x) & np.isfinite(out_y))
    if bad.any():
        out_x, out_y = np.where(bad, np.nan, out_x), np.where(bad, np.nan, out_y)
    return out_x, out_y


def lonlat_to_bng(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude (degrees) to BNG easting/northing (metres).

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes; scalars give 0-d arrays. NaN (or any
        point PROJ cannot transform) gives NaN.

    Returns
    -------
    (easting, northing) : tuple of numpy.ndarray
    """
    return _transform(WGS84, BNG, lon, lat)


def bng_to_lonlat(e: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BNG easting/northing (metres) to WGS84 longitude/latitude (degrees).

    Parameters
    ----------
    e, n : array_like
        Eastings and northings; scalars give 0-d arrays. NaN (or any
        point PROJ cannot transform) gives NaN.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
    """
    return _transform(BNG, WGS84, e, n)


def _reproject(gdf: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        # Guessing would silently misplace everything by hundreds of km.
        raise ValueError("GeoDataFrame has no CRS; set one with .set_crs() first")
    if CRS.from_user_input(gdf.crs) == CRS.from_user_input(crs):
        return gdf.copy()
    return gdf.to_crs(crs)


def to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` in British National Grid (EPSG:27700).

    Raises
    ------
    ValueError
        If ``gdf`` has no CRS.
    """
    return _reproject(gdf, BNG)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` in WGS84 longitude/latitude (EPSG:4326).

    Raises
    ------
    ValueError
        If ``gdf`` has no CRS.
    """
    return _reproject(gdf, WGS84)
