"""Resolve an area name given by a user or a query to its geometry."""

from __future__ import annotations

import re

from shapely.geometry.base import BaseGeometry

from .boundaries import DARTFORD_CODE, borough_polygon, lsoa_polygon
from .crs import BNG
from .focus_areas import AREAS, focus_area

_LSOA_CODE = re.compile(r"E01\d{6}")


def area_geometry(name: str, crs=BNG) -> BaseGeometry:
    """Geometry of ``borough``, a focus area or a Dartford 2021 LSOA.

    Parameters
    ----------
    name : str
        ``'borough'`` (or ``'E07000107'``), one of :data:`AREAS`
        (``'nte'``, ``'bluewater'``, ``'heath'``), or an LSOA code such as
        ``'E01024132'``. Case and surrounding spaces are ignored.
    crs : str, int or pyproj.CRS, default BNG

    Raises
    ------
    ValueError
        If ``name`` is none of these, or is an LSOA code outside Dartford.
    TypeError
        If ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"area name must be a string, not {type(name).__name__}")
    key = name.strip().lower()
    if key in ("borough", DARTFORD_CODE.lower()):
        return borough_polygon(crs)
    if key in AREAS:
        return focus_area(key, crs)
    if _LSOA_CODE.fullmatch(key.upper()):
        return lsoa_polygon(key.upper(), crs)
    choices = ", ".join(repr(a) for a in ("borough", *AREAS))
    raise ValueError(
        f"unknown area {name!r}; expected {choices} "
        "or a Dartford 2021 LSOA code such as 'E01024132'"
    )
