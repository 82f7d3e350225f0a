"""Geometry predicates that are safe when several threads share a geometry.

GEOS keeps a geometry's "prepared" form (an index used by point-in-polygon tests) on
the geometry object itself, ``shapely.contains_xy`` prepares its geometry in place,
and prepared geometries are not thread-safe (libgeos/geos#825): two threads testing
points against one cached polygon (the borough, a focus area, a cached hot spot)
crash the process. The dashboard runs each session in its own thread, so the shared
geometry is never prepared: each test prepares a private copy (about 0.03 ms for
the borough's outline, nothing beside the test itself).
"""

import numpy as np
import shapely


def private(geom: shapely.Geometry) -> shapely.Geometry:
    """A copy of ``geom`` no other thread holds."""
    return shapely.from_wkb(shapely.to_wkb(geom, include_srid=True))


def prepared(geom: shapely.Geometry) -> shapely.Geometry:
    """A private copy of ``geom``, prepared for many predicate tests in this thread."""
    own = private(geom)
    shapely.prepare(own)
    return own


def contains_xy(geom: shapely.Geometry, x, y) -> np.ndarray:
    """``shapely.contains_xy`` on a private prepared copy: the caller's geometry is left unprepared."""
    return shapely.contains_xy(prepared(geom), x, y)
