"""The hot spot results as folium layers: pure map building, no Streamlit, no SQL.

Every function returns one ``folium.FeatureGroup`` that holds everything it draws,
ready for ``st_folium(base, feature_group_to_add=[...])``: the page keeps one base
map (``maps.incident_map.base_map``) alive and swaps these groups in place. Nothing
is added to the map itself (no map-level controls, no branca colour map): each
layer's legend is HTML from the matching ``*_legend`` function (``maps.legends``),
for the page to show beside the map.

=====================  ==========================================  =====================
layer                  draws                                       legend
=====================  ==========================================  =====================
``density_layer``      KDE surface as one PNG, hot spot outlines   ``density_legend``
``cluster_layer``      DBSCAN cluster polygons by rank             ``cluster_legend``
``gistar_layer``       Gi* hot and cold cells                      ``gistar_legend``
``change_layer``       cells that rose or fell                     ``change_legend``
``classify_layer``     cells by hot spot class                     ``classify_legend``
``points_layer``       incidents at distinct positions, clustered  (layer name, info); ``position_data`` + ``points_group`` when caching
=====================  ==========================================  =====================

Results are in British National Grid metres; everything drawn is in WGS84, and the
density image is resampled to Web Mercator (see ``maps.raster``). Text from the data
is HTML-escaped and JSON in scripts escapes ``<``. ``payload_bytes`` measures what
streamlit-folium sends for a set of groups.
"""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
from folium.raster_layers import ImageOverlay

from maps import styles
from maps.legends import change_legend, classify_legend, cluster_legend, density_legend, gistar_legend
from maps.payload import feature_group_script, payload_bytes
from maps.points import MAX_POSITIONS, PointsInfo, PositionData, points_group, points_layer, position_data
from maps.raster import mercator_image, png_bytes, png_data_url
from maps.shapes import ShapeData, Shapes, cell_rings, encode_features, geometry_rings, text

__all__ = [
    "density_layer", "density_legend", "cluster_layer", "cluster_legend", "gistar_layer", "gistar_legend",
    "change_layer", "change_legend", "classify_layer", "classify_legend", "points_layer", "PointsInfo",
    "PositionData", "position_data", "points_group", "MAX_POSITIONS", "payload_bytes", "feature_group_script", "density_image", "shape_data",
]


def _to_lonlat(e, n):
    from geodata.crs import bng_to_lonlat

    return bng_to_lonlat(e, n)


def _group(name: str) -> folium.FeatureGroup:
    return folium.FeatureGroup(name=name, overlay=True, control=True, show=True)


def _add_shapes(group: folium.FeatureGroup, data: ShapeData, name: str) -> None:
    if len(data):
        Shapes(data, name=name).add_to(group)


# --------------------------------------------------------------------------------------
# Number formats (all produce escaped HTML)
# --------------------------------------------------------------------------------------


def _int(x) -> str:
    return f"{int(round(float(x))):,}" if x is not None and np.isfinite(float(x)) else ""


def _share(x) -> str:
    return f"{float(x):.1%}" if x is not None and np.isfinite(float(x)) else ""


def _p(x) -> str:
    if x is None or not np.isfinite(float(x)):
        return ""
    x = float(x)
    return text("< 0.001") if x < 0.001 else f"{x:.3f}"


def _z(x) -> str:
    return f"{float(x):+.2f}" if x is not None and np.isfinite(float(x)) else ""


def _num(x, digits: int = 1) -> str:
    return f"{float(x):,.{digits}f}" if x is not None and np.isfinite(float(x)) else ""


def _km2(m2) -> str:
    km2 = float(m2) / 1e6
    return f"{km2:,.2f} km²" if km2 >= 1 else f"{styles.format_number(km2, 2)} km²"


# --------------------------------------------------------------------------------------
# Density (KDE)
# --------------------------------------------------------------------------------------


def density_image(result, *, classes: int = styles.DEFAULT_DENSITY_CLASSES, pixel_m: float | None = None):
    """The KDE surface as a classed Web Mercator image: ``(MercatorImage or None, DensityClasses)``."""
    cls = styles.density_classes(result.density, result.mask, result.threshold_density, classes)
    values = np.where(result.mask, result.density, np.nan)
    image = mercator_image(result.grid, cls.classify(values), pixel_m=pixel_m)
    return image, cls


def density_layer(
    result,
    *,
    name: str = "Density (KDE)",
    opacity: float = 0.7,
    classes: int = styles.DEFAULT_DENSITY_CLASSES,
    pixel_m: float | None = None,
) -> folium.FeatureGroup:
    """The KDE surface as one PNG image overlay, with the hot spots outlined on top.

    Parameters
    ----------
    result : hotspots.kde.KDEResult
    name : str
        Layer name in the layer control.
    opacity : float
        Opacity of the image (the lowest classes are a little more transparent
        still, see ``maps.styles.LOW_ALPHA``).
    classes : int
        Number of density classes (viridis); see ``maps.styles.density_classes``.
    pixel_m : float, optional
        Ground size of an image pixel; default half the KDE cell size.

    The image is transparent outside the area and where the density is 0. Hot spot
    outlines have a tooltip: area, incidents and share of the incidents.
    """
    group = _group(name)
    image, cls = density_image(result, classes=classes, pixel_m=pixel_m)
    if image is not None:
        png = png_bytes(image.classes, cls.colours, cls.alphas)
        ImageOverlay(
            png_data_url(png),
            bounds=image.bounds,
            opacity=float(opacity),
            mercator_project=False,
            pixelated=False,
            interactive=False,
            className="hs-density",
            alt="Kernel density",
            name=name,
            control=False,
        ).add_to(group)
    _add_shapes(group, hotspot_shapes(result), "HotSpotOutlines")
    return group


def hotspot_shapes(result) -> ShapeData:
    """The KDE hot spot polygons with their tooltips."""
    frame = result.hotspots
    data = ShapeData(
        styles=[styles.HOTSPOT_OUTLINE],
        class_names=["Hot spot"],
        fields=["Area", "Incidents", "Share of incidents", "Peak density"],
    )
    if frame is None or len(frame) == 0:
        return data
    polygons = geometry_rings(frame.geometry.values, _to_lonlat)
    titles = [f"Hot spot {int(h)}" for h in frame["hotspot"]]
    values = [
        [_km2(a), _int(n), _share(s), f"{_int(peak)} per km²"]
        for a, n, s, peak in zip(frame["area_m2"], frame["incidents"], frame["share"], frame["peak_density"])
    ]
    data.features, data.origin = encode_features(polygons, [0] * len(frame), titles, values)
    return data


# --------------------------------------------------------------------------------------
# DBSCAN clusters
# --------------------------------------------------------------------------------------


def _date_span(first, last) -> str:
    """``Jan 2024 to Apr 2024`` when both ends are month starts at midnight, else days."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if pd.isna(first) or pd.isna(last):
        return ""
    monthly = all(t == t.normalize() and t.day == 1 for t in (first, last))
    fmt = "%b %Y" if monthly else "%d %b %Y"
    a, b = first.strftime(fmt), last.strftime(fmt)
    return a if a == b else f"{a} to {b}"


def _peaks(profile: pd.DataFrame | None) -> tuple[str, str]:
    """Busiest day and busiest hour from a 7 x 24 profile (timed incidents only)."""
    if profile is None or profile.to_numpy().sum() <= 0:
        return "", ""
    table = profile.to_numpy()
    timed = int(table.sum())
    days = table.sum(axis=1)
    hours = table.sum(axis=0)
    d, h = int(days.argmax()), int(hours.argmax())
    day = f"{text(profile.index[d])} ({int(days[d]):,} of {timed:,} with a time)"
    hour = f"{h:02d}:00 to {(h + 1) % 24:02d}:00 ({int(hours[h]):,} of {timed:,})"
    return day, hour


def cluster_shapes(result) -> ShapeData:
    """DBSCAN cluster polygons, coloured by rank, with their tooltips."""
    k = len(styles.OKABE_ITO)
    data = ShapeData(
        styles=[styles.cell_style(c, fill_opacity=0.35) | {"weight": 2} for c in (*styles.OKABE_ITO, styles.OTHER_GREY)],
        class_names=[f"Cluster {i + 1}" for i in range(k)] + [f"Cluster {k + 1} or lower"],
        fields=["Incidents", "Share of incidents", "Dates", "Main categories", "Busiest day", "Busiest hour"],
    )
    frame = result.clusters
    if frame is None or len(frame) == 0:
        return data
    polygons = geometry_rings(frame.geometry.values, _to_lonlat)
    profiles = getattr(result, "profiles", {}) or {}
    classes, titles, values = [], [], []
    for _, row in frame.iterrows():
        c = int(row["cluster"])
        classes.append(min(c, k + 1) - 1)
        titles.append(f"Cluster {c}")
        day, hour = _peaks(profiles.get(c))
        values.append([
            _int(row["count"]),
            _share(row["share"]),
            text(_date_span(row.get("first"), row.get("last"))),
            text(row.get("main_categories") or ""),
            day,
            hour,
        ])
    # Draw the biggest clusters last, on top.
    order = list(range(len(classes)))[::-1]
    data.features, data.origin = encode_features(
        [polygons[i] for i in order], [classes[i] for i in order], [titles[i] for i in order], [values[i] for i in order]
    )
    return data


def cluster_layer(result, *, name: str = "DBSCAN clusters") -> folium.FeatureGroup:
    """DBSCAN (or HDBSCAN) clusters as polygons coloured by rank (1 = most incidents).

    Tooltip: cluster number, incidents, share of all incidents, date span, main
    categories and, when the incidents have times, the busiest day and hour.
    """
    group = _group(name)
    _add_shapes(group, cluster_shapes(result), "ClusterPolygons")
    return group


# --------------------------------------------------------------------------------------
# Grid cells: Gi*, change, classes
# --------------------------------------------------------------------------------------


def _cell_data(grid, rows, cols, classes, titles, values, data: ShapeData) -> ShapeData:
    if len(rows) == 0:
        return data
    polygons = cell_rings(grid, rows, cols, _to_lonlat)
    data.features, data.origin = encode_features(polygons, classes, titles, values)
    return data


def gistar_shapes(result) -> ShapeData:
    """Gi* cells with ``gi_bin != 0``, coloured by confidence, with their tooltips."""
    bins = list(styles.GISTAR_CLASSES)
    weighted = getattr(result, "values", None) is not None
    data = ShapeData(
        styles=[styles.cell_style(colour, fill_opacity=0.65) for _, colour in styles.GISTAR_CLASSES.values()],
        class_names=[label for label, _ in styles.GISTAR_CLASSES.values()],
        fields=["Incidents"] + (["Weight"] if weighted else []) + ["z", "p", "p (FDR-adjusted)"],
    )
    shown = result.mask & (result.gi_bin != 0)
    rows, cols = np.nonzero(shown)
    # Strongest last, so they are drawn on top of weaker neighbours' edges.
    strength = np.abs(result.gi_bin[rows, cols])
    order = np.argsort(strength, kind="stable")
    rows, cols = rows[order], cols[order]
    b = result.gi_bin[rows, cols]
    classes = [bins.index(int(v)) for v in b]
    values = []
    for r, c in zip(rows, cols):
        v = [_int(result.counts[r, c])]
        if weighted:
            v.append(_num(result.values[r, c], 2))
        v += [_z(result.z[r, c]), _p(result.p[r, c]), _p(result.p_fdr[r, c])]
        values.append(v)
    return _cell_data(result.grid, rows, cols, classes, [None] * len(rows), values, data)


def gistar_layer(result, *, name: str = "Getis-Ord Gi*") -> folium.FeatureGroup:
    """Gi* hot (red) and cold (blue) cells at 90, 95 and 99% confidence.

    Cells with ``gi_bin == 0`` are not drawn. Tooltip: incidents, z, p and the
    FDR-adjusted p; the class says the confidence.
    """
    group = _group(name)
    _add_shapes(group, gistar_shapes(result), "GiStarCells")
    return group


def change_shapes(result, classes=tuple(styles.CHANGE_CLASSES)) -> ShapeData:
    """Cells of the given change classes (default: significant rise, rise, fall)."""
    unknown = [c for c in classes if c not in styles.CHANGE_CLASSES]
    if unknown:
        raise ValueError(f"`classes` must be among {list(styles.CHANGE_CLASSES)}; got {unknown}")
    names = list(classes)
    data = ShapeData(
        styles=[styles.cell_style(styles.CHANGE_CLASSES[c], fill_opacity=0.65) for c in names],
        class_names=[text(c.capitalize()) for c in names],
        fields=["Incidents", "Expected", "Change", "p (rise)", "p (rise, FDR-adjusted)", "p (fall)"],
    )
    cells = result.cells
    if len(cells) == 0:
        return data
    cells = cells[cells["class"].isin(names)]
    # Significant rises last (on top).
    cells = cells.iloc[np.argsort([-names.index(c) for c in cells["class"]], kind="stable")]
    values = [
        [_int(r.count), _num(r.expected), _num(r.change, 1), _p(r.p), _p(r.p_fdr), _p(r.p_fall)]
        for r in cells[["count", "expected", "change", "p", "p_fdr", "p_fall"]].itertuples(index=False)
    ]
    classes_idx = [names.index(c) for c in cells["class"]]
    return _cell_data(result.grid, cells["row"].to_numpy(), cells["col"].to_numpy(), classes_idx,
                      [None] * len(cells), values, data)


def change_layer(result, *, name: str = "Change", classes=tuple(styles.CHANGE_CLASSES)) -> folium.FeatureGroup:
    """Cells whose count rose or fell against the baseline (``hotspots.change`` classes).

    ``"significant rise"`` (FDR-adjusted p at most alpha), ``"rise"`` (p at most alpha
    before correcting for the number of cells) and ``"fall"``; "no change" is not
    drawn. Tooltip: count, expected count, change and the p-values.
    """
    group = _group(name)
    _add_shapes(group, change_shapes(result, classes), "ChangeCells")
    return group


SCHEMES = ("chainey", "pattern")


def _trend(tau, p) -> str:
    if tau is None or not np.isfinite(float(tau)):
        return ""
    word = "up" if tau > 0 else "down" if tau < 0 else "flat"
    return f"{word} (tau {float(tau):+.2f}, p {_p(p)})"


def classify_shapes(result, scheme: str = "chainey") -> ShapeData:
    """Cells by Chainey class (default) or ArcGIS emerging hot spot pattern."""
    if scheme not in SCHEMES:
        raise ValueError(f"`scheme` must be one of {SCHEMES}; got {scheme!r}")
    n_periods = len(result.periods)
    if scheme == "chainey":
        names = list(styles.CHAINEY_COLOURS)
        style_list = [styles.cell_style(c, fill_opacity=0.65) for c in styles.CHAINEY_COLOURS.values()]
    else:
        names = [f"{p} hot spot" for p in styles.PATTERN_COLOURS] + [f"{p} cold spot" for p in styles.PATTERN_COLOURS]
        style_list = [styles.cell_style(c, fill_opacity=0.65) for c in styles.PATTERN_COLOURS.values()]
        style_list += [styles.cell_style(c, fill_opacity=0.3, outline=styles.COLD_OUTLINE, dash="4 3")
                       for c in styles.PATTERN_COLOURS.values()]
    other = "pattern" if scheme == "chainey" else "chainey"
    data = ShapeData(
        styles=style_list,
        class_names=[text(n.capitalize()) for n in names],
        fields=["Incidents", "Hot periods", "Cold periods", "Trend of z (Mann-Kendall)",
                "ArcGIS pattern" if other == "pattern" else "Chainey class"],
    )
    cells = result.cells
    if len(cells) == 0:
        return data
    cells = cells[cells[scheme].isin(names)]
    values = []
    for r in cells.itertuples(index=False):
        rd = r._asdict()
        values.append([
            _int(rd["count"]),
            f"{int(rd['hot_periods'])} of {n_periods}",
            f"{int(rd['cold_periods'])} of {n_periods}",
            _trend(rd.get("trend_tau"), rd.get("trend_p")),
            text(rd.get(other) or "none"),
        ])
    classes_idx = [names.index(c) for c in cells[scheme]]
    return _cell_data(result.grid, cells["row"].to_numpy(), cells["col"].to_numpy(), classes_idx,
                      [None] * len(cells), values, data)


def classify_layer(result, *, name: str = "Hot spot classes", scheme: str = "chainey") -> folium.FeatureGroup:
    """Cells by how their hot spot status changed over the periods.

    ``scheme="chainey"`` (default): persistent, emerging, intermittent and former hot
    spots. ``scheme="pattern"``: ArcGIS's new, consecutive, intensifying, persistent,
    diminishing, sporadic, oscillating and historical hot spots (cold spots paler,
    with a dashed blue outline). Cells with no class are not drawn.
    """
    group = _group(name)
    _add_shapes(group, classify_shapes(result, scheme), "ClassCells")
    return group


def shape_data(group: folium.FeatureGroup) -> list[ShapeData]:
    """The :class:`ShapeData` drawn by a group (for tests and exports)."""
    return [child.data for child in group._children.values() if isinstance(child, Shapes)]
