"""Random incident positions for tests: rejection sampling inside a polygon."""

import numpy as np
import shapely


def inside(geom, rng, n, avoid=()) -> np.ndarray:
    """``n`` random points in ``geom`` and outside every polygon of ``avoid``, as an (n, 2) array."""
    x0, y0, x1, y1 = geom.bounds
    out = []
    while len(out) < n:
        x, y = rng.uniform(x0, x1, 4 * n + 8), rng.uniform(y0, y1, 4 * n + 8)
        ok = shapely.contains_xy(geom, x, y)
        for a in avoid:
            ok &= ~shapely.contains_xy(a, x, y)
        out += list(zip(x[ok], y[ok]))
    return np.array(out[:n])
