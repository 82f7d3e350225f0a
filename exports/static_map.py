"""Static map sheets rendered on the server, without internet: ``map_sheet``.

A sheet is an A4 landscape matplotlib ``Figure`` (see :mod:`exports.sheet` for the
layout) drawn in British National Grid metres: the borough boundary, its LSOAs
(faint) and the focus areas from ``geodata``; one hot spot layer
(:mod:`exports.static_layers`, the web map's colours and classes); incident points
only when the caller passes them (the disclosure profile decides); a legend with
units, a scale bar, a north arrow (grid north, and the sheet says so), the method
and its parameters, the accuracy line, caveats, attribution and the disclosure
profile's statement.

OpenStreetMap tiles go underneath when they can be fetched (:mod:`exports.basemap`);
otherwise the map is drawn without them and says "no basemap (tiles could not be
fetched)". ``fetch_tile`` is injectable so tests can feed a local tile.

Write the figure with :func:`exports.files.to_png` or :func:`exports.files.to_pdf`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import geodata
from exports import basemap as bm
from exports import static_layers as sl
from exports.sheet import FIGSIZE, MAP_BOX, Legend, SheetInfo, draw_sheet, fit_extent, grid_north_note, set_extent

#: Width in pixels of the warped basemap (about 230 dpi over the map box).
BASEMAP_PX = 1600
#: How much of the basemap shows through a white veil, so the layers stay readable.
BASEMAP_STRENGTH = 0.62


def map_sheet(
    info: SheetInfo,
    method: str = "points",
    result=None,
    *,
    area=None,
    points: pd.DataFrame | None = None,
    noise: int | None = None,
    count=None,
    tiles: bool = True,
    fetch_tile: bm.Fetch | None = None,
    basemap_px: int = BASEMAP_PX,
    layer=None,
) -> Figure:
    """One A4 landscape map sheet of ``result`` (a ``hotspots`` result for ``method``).

    Parameters
    ----------
    info : SheetInfo
        The text around the map (title, period, filters, parameters, caveats ...).
        ``info.attribution`` gets the OpenStreetMap credit when tiles are drawn.
    method : {"kde", "dbscan", "gistar", "change", "classify", "points"}
    result : the ``hotspots`` result object for ``method`` (None for ``"points"``).
    area : shapely geometry (BNG), optional
        What the map frames; default the borough.
    points : DataFrame with ``easting``, ``northing`` (and ``layer``), optional
        Incidents to draw as dots: pass them only when the profile allows points.
    noise : int, optional
        DBSCAN: incidents in no cluster shown (after disclosure control).
    count : callable ``n -> str``, optional
        How counts printed in the legend are written (a profile hides small ones).
    tiles : bool
        Try OpenStreetMap tiles (default); False never touches the network.
    fetch_tile : callable ``(z, x, y) -> PNG bytes``, optional
        Default :func:`exports.basemap.fetch_tile` (network, with a cache).
    layer : callable ``ax -> Legend``, optional
        Draws the layer instead of ``method``/``result`` (packs number their hot spots and zones).

    Returns
    -------
    matplotlib.figure.Figure
        With ``sheet_info`` (the :class:`SheetInfo` drawn) and ``basemap_note`` ("" when
        tiles were drawn) set on it.
    """
    area = geodata.borough_polygon() if area is None else area
    extent = fit_extent(area.bounds)
    note, image = "", None
    if tiles:
        height_px = int(round(basemap_px * (extent[3] - extent[2]) / (extent[1] - extent[0])))
        image, reason = bm.basemap(extent, basemap_px, height_px, fetch=fetch_tile)
        note = bm.NO_BASEMAP if image is None else ""
    else:
        reason = "basemap tiles not requested"
        note = "no basemap (tiles not requested)"
    if image is not None and bm.ATTRIBUTION not in info.attribution:
        info.attribution = f"{info.attribution} {bm.ATTRIBUTION}".strip()
    info.grid_note = info.grid_note or grid_north_note(extent)

    borough, lsoas, focus = geodata.borough(), geodata.lsoas(), geodata.focus_areas()

    def draw_map(ax) -> list[Legend]:
        set_extent(ax, extent)
        if image is not None:
            veiled = image.image.astype(float) * BASEMAP_STRENGTH + 255.0 * (1 - BASEMAP_STRENGTH)
            ax.imshow(veiled.astype(np.uint8), extent=image.extent, origin="upper", interpolation="bilinear",
                      zorder=0)
        else:
            ax.set_facecolor("#fbfbf8")
        sl.draw_geography(ax, borough, lsoas, focus)
        legends = []
        if layer is not None:
            legends.append(layer(ax))
        elif method != "points" or points is not None:
            legends.append(sl.draw_result(ax, method, result, points=points, noise=noise, count=count))
        set_extent(ax, extent)
        handles, labels = sl.boundary_handles()
        legends.append(Legend("Boundaries", handles, labels,
                              ("Basemap: OpenStreetMap." if image is not None else f"Basemap: {note}.",)))
        return legends

    fig = draw_sheet(info, draw_map, map_note="© OpenStreetMap contributors" if image is not None else note)
    fig.sheet_info = info
    fig.basemap_note = note
    fig.basemap_reason = reason
    return fig


__all__ = ["map_sheet", "SheetInfo", "FIGSIZE", "MAP_BOX"]
