"""The Dartford borough boundary and its 2021 LSOAs."""

from __future__ import annotations

import functools

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from ._files import BOROUGH_FILE, LSOA_FILE
from ._layers import crs_key, read_layer
from .crs import BNG

DARTFORD_CODE = "E07000107"


@functools.cache
def _borough(crs) -> gpd.GeoDataFrame:
    gdf = read_layer(BOROUGH_FILE, crs)
    gdf = gdf.rename(columns={"LAD23CD": "code", "LAD23NM": "name"})
    return gdf[["code", "name", "geometry"]].reset_index(drop=True)


@functools.cache
def _lsoas(crs) -> gpd.GeoDataFrame:
    gdf = read_layer(LSOA_FILE, crs)
    gdf = gdf.rename(columns={"LSOA21CD": "lsoa21cd", "LSOA21NM": "lsoa21nm"})
    gdf = gdf[["lsoa21cd", "lsoa21nm", "geometry"]]
    return gdf.sort_values("lsoa21cd").reset_index(drop=True)


def borough(crs=BNG) -> gpd.GeoDataFrame:
    """Dartford borough (E07000107) as a one-row GeoDataFrame.

    ONS LAD December 2023, generalised clipped (BGC): about 72.72 km².

    Parameters
    ----------
    crs : str, int or pyproj.CRS, default BNG

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code``, ``name``, ``geometry``; a fresh copy on each call.
    """
    return _borough(crs_key(crs)).copy()


def borough_polygon(crs=BNG) -> BaseGeometry:
    """The Dartford borough polygon alone (shapely geometry) in ``crs``."""
    return _borough(crs_key(crs)).geometry.iloc[0]


def lsoas(crs=BNG) -> gpd.GeoDataFrame:
    """The 67 Dartford 2021 LSOAs, sorted by code.

    A composite of ONS 2021 BGC polygons (LSOAs new in 2021) and 2011 BGC
    polygons (codes unchanged since 2011), so neighbours overlap in small
    slivers; see ``geodata/data/SOURCES.md``.

    Parameters
    ----------
    crs : str, int or pyproj.CRS, default BNG

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``lsoa21cd``, ``lsoa21nm``, ``geometry``; a fresh copy.
    """
    return _lsoas(crs_key(crs)).copy()


@functools.cache
def dartford_lsoa_codes() -> frozenset[str]:
    """The 67 Dartford 2021 LSOA codes (``E01...``)."""
    return frozenset(_lsoas(crs_key(BNG))["lsoa21cd"])


def lsoa_polygon(code: str, crs=BNG) -> BaseGeometry:
    """The polygon of one Dartford 2021 LSOA.

    Raises
    ------
    ValueError
        If ``code`` is not one of :func:`dartford_lsoa_codes`.
    """
    frame = _lsoas(crs_key(crs))
    match = frame.geometry[frame["lsoa21cd"] == code]
    if match.empty:
        raise ValueError(
            f"{code!r} is not a Dartford 2021 LSOA code "
            f"(there are {len(frame)}; see geodata.dartford_lsoa_codes())"
        )
    return match.iloc[0]
