"""The hot spot results drawn with matplotlib in British National Grid metres.

The same colours and classes as the web map (``maps.styles``), so a printed sheet
matches the screen: the KDE surface in the viridis classes of
``maps.styles.density_classes`` (each class's alpha times the web layer's opacity)
with the hot spots outlined, DBSCAN clusters in ranked Okabe-Ito colours, Gi*
cells by confidence, change cells and hot spot classes. Each ``draw_*`` draws on
an Axes and returns a :class:`exports.sheet.Legend` with units.

Grid cells are drawn as one image on the result's grid (``grid.extent``), so a
map of many thousand cells costs one image, and cells line up exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from exports.sheet import Legend
from maps import styles
from maps.incident_map import BOUNDARY_STYLE, FOCUS_STYLE, LAYER_STYLES, LSOA_STYLE, OTHER_COLOUR

#: Opacity of the density image on the web map (``maps.layers.density_layer``).
DENSITY_OPACITY = 0.7
#: Fill opacity of cells (``maps.layers``: cell_style(..., fill_opacity=0.65)).
CELL_OPACITY = 0.65
CLUSTER_OPACITY = 0.35


# --------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------


def _polygons(geom):
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def geometry_path(geom) -> MplPath | None:
    """A matplotlib path of a (multi)polygon with its holes (even-odd rule)."""
    verts, codes = [], []
    for poly in _polygons(geom):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
    if not verts:
        return None
    return MplPath(np.concatenate(verts), codes)


def draw_geometry(ax, geom, *, facecolor="none", edgecolor="black", linewidth=1.0, alpha=None,
                  linestyle="-", zorder=5, **kw) -> None:
    path = geometry_path(geom)
    if path is not None:
        ax.add_patch(PathPatch(path, facecolor=facecolor, edgecolor=edgecolor, linewidth=linewidth,
                               alpha=alpha, linestyle=linestyle, zorder=zorder, **kw))


def draw_geography(ax, borough, lsoas=None, focus_areas=None) -> None:
    """Borough boundary, LSOAs (faint) and focus areas (dashed, named), as on the web map."""
    if lsoas is not None:
        for geom in lsoas.geometry:
            draw_geometry(ax, geom, edgecolor=LSOA_STYLE["color"], linewidth=0.3, alpha=0.45, zorder=3)
    if focus_areas is not None:
        import matplotlib.patheffects as pe

        for name, geom in zip(focus_areas["name"], focus_areas.geometry):
            fill = to_rgba(FOCUS_STYLE["fillColor"], FOCUS_STYLE["fillOpacity"])
            draw_geometry(ax, geom, facecolor=fill, edgecolor="none", zorder=4)
            draw_geometry(ax, geom, edgecolor=FOCUS_STYLE["color"], linewidth=1.0, linestyle=(0, (4, 3)), zorder=9)
            p = geom.representative_point()
            x0, y0, x1, y1 = geom.bounds
            ax.text(p.x, y1, name, fontsize=6, color=FOCUS_STYLE["color"], ha="center", va="bottom", zorder=12,
                    clip_on=True, path_effects=[pe.withStroke(linewidth=2, foreground="white")])
    for geom in borough.geometry:
        draw_geometry(ax, geom, edgecolor=BOUNDARY_STYLE["color"], linewidth=1.6, alpha=BOUNDARY_STYLE["opacity"],
                      zorder=10)


def boundary_handles() -> tuple[list, list[str]]:
    handles = [Line2D([], [], color=BOUNDARY_STYLE["color"], linewidth=1.6),
               Patch(facecolor=to_rgba(FOCUS_STYLE["fillColor"], 0.25), edgecolor=FOCUS_STYLE["color"],
                     linestyle=(0, (4, 3))),
               Line2D([], [], color=LSOA_STYLE["color"], linewidth=0.5, alpha=0.6)]
    return handles, ["Dartford borough", "Focus area", "LSOA (2021)"]


def _cell_image(ax, grid, rows, cols, classes, rgba: list[tuple], zorder=6) -> None:
    """Cells ``(rows, cols)`` of ``grid`` filled with ``rgba[class]``, as one image."""
    image = np.zeros((grid.ny, grid.nx, 4))
    if len(rows):
        image[np.asarray(rows), np.asarray(cols)] = np.asarray(rgba)[np.asarray(classes, dtype=int)]
    ax.imshow(image, extent=grid.extent, origin="upper", interpolation="nearest", zorder=zorder, resample=False)


def _swatch(colour: str, alpha: float, edge: str | None = None, dashed: bool = False) -> Patch:
    return Patch(facecolor=to_rgba(colour, alpha), edgecolor=edge or to_rgba("black", 0.35),
                 linewidth=1.2 if edge else 0.5, linestyle="--" if dashed else "-")


def _n_cells(n: int) -> str:
    return f"{n:,} cell{'s' if n != 1 else ''}"


def _param(result, name):
    return (getattr(result, "parameters", None) or {}).get(name)


# --------------------------------------------------------------------------------------
# The layers
# --------------------------------------------------------------------------------------


def draw_kde(ax, result, *, classes: int = styles.DEFAULT_DENSITY_CLASSES, opacity: float = DENSITY_OPACITY) -> Legend:
    """The density surface classed as on the web map, and the hot spot outlines."""
    cls = styles.density_classes(result.density, result.mask, result.threshold_density, classes)
    values = np.where(result.mask, result.density, np.nan)
    k = cls.classify(values)
    rgba = np.zeros(k.shape + (4,))
    for i, (colour, alpha) in enumerate(zip(cls.colours, cls.alphas)):
        rgba[k == i] = to_rgba(colour, alpha * opacity)
    ax.imshow(rgba, extent=result.grid.extent, origin="upper", interpolation="nearest", zorder=6, resample=False)
    hot = result.hotspots
    for geom in ([] if hot is None else hot.geometry):
        draw_geometry(ax, geom, edgecolor=styles.HOTSPOT_OUTLINE["color"], linewidth=1.3, zorder=11)
    handles = [_swatch(c, a * opacity) for c, a in zip(cls.colours, cls.alphas)][::-1]
    labels = cls.labels()[::-1]
    n_hot = 0 if hot is None else len(hot)
    if n_hot:
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=1.3))
        labels.append(f"{n_hot} hot spot{'s' if n_hot != 1 else ''} outlined: density at least "
                      f"{styles.format_number(result.threshold_density, 3)}")
    notes = []
    if len(cls):
        notes.append(f"Classes: {cls.method}.")
    bw, kernel = _param(result, "bandwidth"), _param(result, "kernel")
    if bw is not None:
        notes.append(f"Bandwidth {float(bw.value):,.0f} m ({kernel.value if kernel else ''} kernel), "
                     f"cells {float(result.grid.cell_size):g} m.")
    if not n_hot:
        notes.append("No hot spots.")
    return Legend("Density (KDE), incidents per km²", handles, labels, tuple(notes))


def draw_clusters(ax, result, *, noise: int | None = None, count=None) -> Legend:
    """DBSCAN clusters coloured by rank (1 = most incidents), biggest on top, numbered.

    ``count(n) -> str`` writes the incidents in no cluster (default ``f"{n:,}"``; a
    disclosure profile passes its own, which hides small counts).
    """
    import matplotlib.patheffects as pe

    count = count or (lambda n: f"{int(n):,}")

    frame = result.clusters
    k = len(styles.OKABE_ITO)
    n = 0 if frame is None else len(frame)
    for _, row in (frame.iloc[::-1].iterrows() if n else []):
        colour = styles.rank_colour(int(row["cluster"]))
        draw_geometry(ax, row.geometry, facecolor=to_rgba(colour, CLUSTER_OPACITY), edgecolor=colour,
                      linewidth=1.2, zorder=7)
    for _, row in (frame.head(k).iterrows() if n else []):
        p = row.geometry.representative_point()
        ax.text(p.x, p.y, str(int(row["cluster"])), fontsize=7, fontweight="bold", ha="center", va="center",
                zorder=13, clip_on=True, path_effects=[pe.withStroke(linewidth=2.2, foreground="white")])
    handles, labels = [], []
    for _, row in (frame.head(k).iterrows() if n else []):
        c = int(row["cluster"])
        handles.append(_swatch(styles.rank_colour(c), 0.6, styles.rank_colour(c)))
        labels.append(f"Cluster {c}: {int(row['count']):,} incidents ({float(row['share']):.1%})")
    if n > k:
        rest = frame.iloc[k:]
        handles.append(_swatch(styles.OTHER_GREY, 0.6, styles.OTHER_GREY))
        labels.append(f"Clusters {k + 1} to {n}: {int(rest['count'].sum()):,} incidents "
                      f"({float(rest['share'].sum()):.1%})")
    noise = getattr(result, "noise", 0) if noise is None else noise
    notes = [f"{count(noise)} of {count(getattr(result, 'n_incidents', 0))} incidents are in no cluster shown.",
             "Numbered by incidents, 1 = most."]
    eps, ms = _param(result, "eps"), _param(result, "min_samples")
    if eps is not None and ms is not None:
        notes.append(f"eps {float(eps.value):,.0f} m, min_samples {ms.value}.")
    if not n:
        notes.insert(0, "No clusters.")
    return Legend("DBSCAN clusters", handles, labels, tuple(notes))


def draw_gistar(ax, result) -> Legend:
    """Gi* hot and cold cells by confidence (cells with ``gi_bin == 0`` are not drawn)."""
    bins = list(styles.GISTAR_CLASSES)
    shown = result.mask & (result.gi_bin != 0)
    rows, cols = np.nonzero(shown)
    classes = [bins.index(int(v)) for v in result.gi_bin[rows, cols]]
    rgba = [to_rgba(colour, CELL_OPACITY) for _, colour in styles.GISTAR_CLASSES.values()]
    _cell_image(ax, result.grid, rows, cols, classes, rgba)
    b = result.gi_bin[shown]
    handles = [_swatch(colour, CELL_OPACITY) for _, colour in styles.GISTAR_CLASSES.values()]
    labels = [f"{label} ({_n_cells(int((b == v).sum()))})" for v, (label, _) in styles.GISTAR_CLASSES.items()]
    notes = ["Confidence from p-values adjusted for the number of cells (false discovery rate).",
             f"Cells {float(result.grid.cell_size):g} m; cells without significant clustering are not drawn."]
    return Legend("Getis-Ord Gi* hot and cold spots", handles, labels, tuple(notes))


def _class_cells(ax, result, column: str, names: list[str], colours: list[str]) -> list[int]:
    cells = result.cells
    counts = []
    if len(cells):
        cells = cells[cells[column].isin(names)]
        classes = [names.index(c) for c in cells[column]]
        _cell_image(ax, result.grid, cells["row"].to_numpy(), cells["col"].to_numpy(), classes,
                    [to_rgba(c, CELL_OPACITY) for c in colours])
        counts = [int((cells[column] == n).sum()) for n in names]
    return counts or [0] * len(names)


def draw_change(ax, result) -> Legend:
    """Cells that rose (significantly or not) or fell against the baseline."""
    names = list(styles.CHANGE_CLASSES)
    counts = _class_cells(ax, result, "class", names, list(styles.CHANGE_CLASSES.values()))
    handles = [_swatch(c, CELL_OPACITY) for c in styles.CHANGE_CLASSES.values()]
    labels = [f"{n.capitalize()} ({_n_cells(c)})" for n, c in zip(names, counts)]
    baseline = _param(result, "baseline")
    notes = [f"{result.period.label} against the {baseline.value if baseline is not None else 'baseline'}.",
             "Significant rise: still significant after correcting for the number of cells; rise: p at most "
             "alpha before correction. Cells with no change are not drawn.",
             f"Cells {float(result.grid.cell_size):g} m."]
    return Legend("Change against the baseline", handles, labels, tuple(notes))


def draw_classify(ax, result, scheme: str = "chainey") -> Legend:
    """Cells by Chainey hot spot class (or ArcGIS pattern: hot patterns only)."""
    if scheme == "chainey":
        names, colours = list(styles.CHAINEY_COLOURS), list(styles.CHAINEY_COLOURS.values())
        title = "Hot spot classes (Chainey)"
    else:
        names = [f"{p} hot spot" for p in styles.PATTERN_COLOURS]
        colours = list(styles.PATTERN_COLOURS.values())
        title = "Emerging hot spot patterns (ArcGIS)"
    counts = _class_cells(ax, result, scheme, names, colours)
    handles = [_swatch(c, CELL_OPACITY) for c in colours]
    labels = [f"{n.capitalize()} ({_n_cells(c)})" for n, c in zip(names, counts)]
    n = len(result.periods)
    notes = []
    if n:
        last = result.periods[-1].end - pd.Timedelta(days=1)
        notes.append(f"{n} periods, {result.periods[0].start:%d %b %Y} to {last:%d %b %Y}.")
    notes.append(f"Cells {float(result.grid.cell_size):g} m; cells with no class are not drawn.")
    return Legend(title, handles, labels, tuple(notes))


def draw_points(ax, frame: pd.DataFrame) -> Legend:
    """Incidents as small dots coloured by layer (only where the profile allows points)."""
    handles, labels = [], []
    if frame is None or frame.empty:
        return Legend("Incidents", [], [], ("No incidents to draw.",))
    layer = frame["layer"].fillna("") if "layer" in frame else pd.Series("", index=frame.index)
    for key, (label, colour) in [*LAYER_STYLES.items(), ("", ("Other", OTHER_COLOUR))]:
        rows = frame[layer == key] if key else frame[~layer.isin(list(LAYER_STYLES))]
        if rows.empty:
            continue
        ax.scatter(rows["easting"], rows["northing"], s=3.5, c=colour, linewidths=0.2, edgecolors="white",
                   alpha=0.85, zorder=8)
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=4, markerfacecolor=colour,
                              markeredgecolor="white"))
        labels.append(f"{label} ({len(rows):,})")
    positions = len(frame[["easting", "northing"]].drop_duplicates())
    return Legend("Incidents", handles, labels, (f"{len(frame):,} incidents at {positions:,} positions.",))


def draw_result(ax, method: str, result, *, points: pd.DataFrame | None = None, noise: int | None = None,
                count=None) -> Legend:
    """Dispatch on an explore method name (``briefings.explore.METHODS``)."""
    if method == "kde":
        return draw_kde(ax, result)
    if method == "dbscan":
        return draw_clusters(ax, result, noise=noise, count=count)
    if method == "gistar":
        return draw_gistar(ax, result)
    if method == "change":
        return draw_change(ax, result)
    if method == "classify":
        return draw_classify(ax, result)
    if method == "points":
        return draw_points(ax, points)
    raise ValueError(f"unknown method {method!r}")


def union_bounds(geoms) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in shapely.total_bounds(np.asarray(list(geoms), dtype=object)))
