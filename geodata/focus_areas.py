"""The CSP's three focus areas (hand-drawn, provisional; see each ``note``)."""

from __future__ import annotations

import functools

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from ._files import FOCUS_AREAS_FILE
from ._layers import crs_key, read_layer
from .crs import BNG

#: Focus-area keys, in display order.
AREAS: tuple[str, ...] = ("nte", "bluewater", "heath")


@functools.cache
def _focus_areas(crs) -> gpd.GeoDataFrame:
    gdf = read_layer(FOCUS_AREAS_FILE, crs)
    gdf = gdf.set_index("area").loc[list(AREAS)].reset_index()
    return gdf[["area", "name", "note", "geometry"]]


def focus_areas(crs=BNG) -> gpd.GeoDataFrame:
    """All focus areas, one row each, in :data:`AREAS` order.

    Parameters
    ----------
    crs : str, int or pyproj.CRS, default BNG

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area``, ``name``, ``note``, ``geometry``; a fresh copy.
    """
    return _focus_areas(crs_key(crs)).copy()


def _area_key(area) -> str:
    key = area.strip().lower() if isinstance(area, str) else area
    if key not in AREAS:
        choices = ", ".join(repr(a) for a in AREAS)
        raise ValueError(f"unknown focus area {area!r}; choose one of {choices}")
    return key


def focus_area(area: str, crs=BNG) -> BaseGeometry:
    """One focus area's polygon.

    Parameters
    ----------
    area : {'nte', 'bluewater', 'heath'}
        Case and surrounding spaces are ignored.
    crs : str, int or pyproj.CRS, default BNG

    Raises
    ------
    ValueError
        For any other ``area``; the message lists the valid choices.
    """
    key = _area_key(area)
    frame = _focus_areas(crs_key(crs))
    return frame.geometry[frame["area"] == key].iloc[0]
