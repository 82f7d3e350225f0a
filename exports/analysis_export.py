"""Export one Explore analysis: ``export_analysis(analysis, fmt, path, profile, accuracy)``.

The analysis (``briefings.explore.Analysis``) goes through the disclosure profile
first (:func:`exports.protect.prepare`: partner by default), then becomes:

- ``png``: the A4 landscape map sheet (150 or 300 dpi);
- ``pdf``: the sheet, then a page with every parameter and its reason and the
  result table;
- ``html``: the folium map (the web map's own layers) with a side panel, self-contained;
- ``geojson`` / ``gpkg`` / ``csv``: the result table (hot spots, clusters or cells)
  with the parameters and the export's metadata.

Every output states its profile: the sheet's footer, the HTML panel, the GeoJSON
``metadata``, the GeoPackage ``about`` table and a ``disclosure_profile`` column in CSV.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pandas as pd

import geodata
from exports import disclosure as D
from exports import files
from exports.protect import QUERY_PARAMETERS, DisclosureRefused, Prepared, prepare, scrub
from exports.sheet import SheetInfo, text_page
from exports.static_map import map_sheet

FORMATS = ("png", "pdf", "html", "geojson", "gpkg", "csv")

POLICE_UK_ATTRIBUTION = "Crime data: police.uk, Open Government Licence v3.0."
DEMO_SOURCE = "demo-generated"

#: Rows of the result table printed on the PDF's text page.
PDF_TABLE_ROWS = 25

__all__ = ["export_analysis", "analysis_sheet", "sheet_info", "FORMATS", "DisclosureRefused"]


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------


def _value(p) -> str:
    v = p.value
    if v is None:
        return "default"
    if isinstance(v, float):
        if p.unit == "m2":
            return f"{v / 1e6:,.2f} km²"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(v)


def parameter_lines(parameters: dict) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """``name = value unit (chosen from the data | given)`` for each method parameter, and its reason."""
    lines, details = [], []
    for key, p in parameters.items():
        if key in QUERY_PARAMETERS or key.startswith("_"):
            continue
        unit = "" if p.unit in ("", "m2") else f" {p.unit}"
        how = "chosen from the data" if p.chosen_automatically else "given"
        if not p.chosen_automatically and p.reason != "given":
            how = f"given: {p.reason}"
        lines.append(f"{p.name} = {_value(p)}{unit} ({how if len(how) < 90 else how[:87] + '...'})")
        details.append((p.name, p.reason))
    return tuple(lines), tuple(details)


def caveats(frame: pd.DataFrame) -> tuple[str, ...]:
    """The data caveats for the incidents shown."""
    out = []
    sources = set(frame["source"].dropna()) if "source" in frame else set()
    precision = set(frame["date_precision"].dropna()) if "date_precision" in frame else set()
    methods = set(frame["location_method"].dropna()) if "location_method" in frame else set()
    if "police.uk" in sources or "snap-point" in methods:
        out.append("police.uk locations are approximate: each crime is moved to an anonymised snap point "
                   "(the centre of a street or a public place), and police.uk dates are months only.")
    if "postcode" in methods:
        out.append("Some positions are postcode centroids (approximate).")
    if "month" in precision and "police.uk" not in sources:
        out.append("Some dates are known only to the month.")
    if DEMO_SOURCE in sources:
        out.append("Generated demo data (source demo-generated): made up for demonstration from real police.uk "
                   "snap points and postcode centroids; not real incidents.")
    out.append("Maps show recorded incidents only: not every incident is reported or recorded.")
    return tuple(out)


def _period(a) -> str:
    from datetime import timedelta

    r, scope = a.result, a.scope
    dates = f"{scope.start:%d %b %Y} to {scope.end - timedelta(days=1):%d %b %Y}"
    if a.method == "change" and r is not None:
        baseline = r.parameters.get("baseline")
        return f"{r.period.label} against the {baseline.value if baseline else 'baseline'} (data read {dates})"
    if a.method == "classify" and r is not None and len(r.periods):
        last = r.periods[-1].end - pd.Timedelta(days=1)
        return f"{len(r.periods)} periods, {r.periods[0].start:%d %b %Y} to {last:%d %b %Y}"
    return dates


def sheet_info(prepared: Prepared, accuracy=None) -> SheetInfo:
    """The text of a sheet: title, period, filters, parameters, caveats, attribution, profile."""
    from briefings.explore import METHODS
    from briefings.scope import LAYER_LABELS, area_label

    a, prof = prepared.analysis, prepared.profile
    layers = ", ".join(LAYER_LABELS.get(x, x) for x in a.scope.layers)
    lines, details = parameter_lines(a.parameters)
    # Reasons quote figures ("about 2 incidents expected per neighbourhood"): hidden when small, as all text.
    lines = tuple(scrub(line, prof) for line in lines)
    details = tuple((name, scrub(reason, prof)) for name, reason in details)
    if accuracy is not None and not isinstance(accuracy, str):
        try:
            accuracy = accuracy.sentence(a.method)
        except (ValueError, AttributeError):
            accuracy = ""
    filters = f"{a.scope.describe()} · source {a.scope.source}"
    return SheetInfo(
        title=f"{METHODS[a.method]}: {layers}, {area_label(a.scope.area)}",
        period=_period(a),
        filters=filters,
        method=METHODS[a.method],
        parameters=lines,
        details=details,
        summary=prepared.summary,
        accuracy=accuracy or "",
        notes=tuple(prepared.notes) + tuple(prepared.warnings),
        caveats=caveats(a.selection.frame),
        attribution=f"{geodata.ATTRIBUTION} {POLICE_UK_ATTRIBUTION}",
        statement=prof.statement(),
        profile=prof.name,
    )


def metadata(info: SheetInfo) -> dict:
    return {"title": info.title, "period": info.period, "filters": info.filters, "method": info.method,
            "summary": info.summary, "accuracy": info.accuracy, "notes": list(info.notes),
            "disclosure_profile": info.profile, "disclosure": info.statement, "caveats": list(info.caveats),
            "attribution": info.attribution, "crs_note": "GeoJSON in WGS84 (EPSG:4326); analysis in EPSG:27700",
            "generated": datetime.now().isoformat(timespec="seconds")}


# --------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------


def analysis_sheet(prepared: Prepared, info: SheetInfo, *, tiles: bool = True, fetch_tile=None):
    """The map sheet (matplotlib Figure) of a prepared analysis."""
    a = prepared.analysis
    prof = prepared.profile
    return map_sheet(info, a.method, prepared.result, area=a.selection.area, points=prepared.points,
                     noise=prepared.noise, count=lambda n: D.format_count(n, prof), tiles=tiles,
                     fetch_tile=fetch_tile)


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text if len(text) <= 48 else text[:45] + "..."


def _pdf_table(prepared: Prepared) -> list[tuple[str, list[str], list[list[str]]]]:
    table = files.csv_frame(prepared.geo) if prepared.geo is not None else pd.DataFrame()
    drop = [c for c in ("row", "col", "positions", "area_m2", "centroid_easting", "centroid_northing") if c in table]
    table = table.drop(columns=drop)
    columns = list(table.columns)[:9]
    rows = [[_short(v) for v in r] for r in table[columns].head(PDF_TABLE_ROWS).itertuples(index=False, name=None)]
    title = f"Results ({len(table):,} rows{', first ' + str(PDF_TABLE_ROWS) if len(table) > PDF_TABLE_ROWS else ''})"
    return [(title, columns, rows)]


def folium_map(prepared: Prepared):
    """The web map's base map and this analysis's layer, and the layer's legend HTML."""
    import folium

    from maps import layers, legends
    from maps.incident_map import base_map

    a, r = prepared.analysis, prepared.result
    # A static file: the cluster plugin is linked only if the points layer itself needs it.
    m = base_map(geodata.borough("EPSG:4326"), geodata.lsoas("EPSG:4326"), geodata.focus_areas("EPSG:4326"),
                 cluster_plugin=False)
    legend = ""
    builders = {
        "kde": (layers.density_layer, legends.density_legend),
        "dbscan": (layers.cluster_layer, legends.cluster_legend),
        "gistar": (layers.gistar_layer, legends.gistar_legend),
        "change": (layers.change_layer, legends.change_legend),
        "classify": (layers.classify_layer, legends.classify_legend),
    }
    if a.method in builders and r is not None:
        layer, legend_of = builders[a.method]
        layer(r).add_to(m)
        legend = scrub(legend_of(r), prepared.profile)
    if prepared.points is not None:
        group, _ = layers.points_layer(prepared.points)
        group.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m, legend


def export_analysis(analysis, fmt: str, path, profile: str = "partner", accuracy=None, *, con=None,
                    dpi: int = 150, tiles: bool = True, fetch_tile=None) -> Path:
    """Write ``analysis`` as ``fmt`` to ``path`` under the disclosure ``profile``.

    Parameters
    ----------
    analysis : briefings.explore.Analysis
    fmt : {"png", "pdf", "html", "geojson", "gpkg", "csv"}
    path : str or Path
    profile : {"partner", "internal"}
        ``partner`` (default): no points, small counts suppressed, sensitive incidents
        kept above LSOA level (the method is run again without them), a minimum KDE
        bandwidth, dates coarsened. ``internal``: as analysed.
    accuracy : str or hotspots.accuracy.BacktestResult, optional
        The accuracy line for the sheet (a back-test gives its sentence for the method).
    con : DuckDB connection, optional
        The store: needed under ``partner`` when the incidents may carry
        domestic-abuse flags or offence groups that the analysis did not read.
    dpi : 150 or 300 (PNG only).
    tiles : bool
        Try OpenStreetMap tiles under static maps (PNG, PDF).
    fetch_tile : callable ``(z, x, y) -> PNG bytes``, optional

    Raises
    ------
    ValueError
        An unknown format or profile; :class:`DisclosureRefused` (a ValueError) when
        the profile forbids the export, with the reason.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    prepared = prepare(analysis, profile, con)
    info = sheet_info(prepared, accuracy)
    if fmt in ("png", "pdf"):
        fig = analysis_sheet(prepared, info, tiles=tiles, fetch_tile=fetch_tile)
        if fmt == "png":
            return files.to_png(fig, path, dpi=dpi)
        return files.to_pdf([fig, text_page(info, _pdf_table(prepared))], path, title=info.title)
    if fmt == "html":
        m, legend = folium_map(prepared)
        return files.to_html(m, path, info=info, legend_html=legend)
    geo = prepared.geo
    params = prepared.analysis.parameters
    params = {k: v for k, v in params.items() if not k.startswith("_")}
    meta = metadata(info)
    if fmt == "geojson":
        return files.to_geojson(geo, path, parameters=params, metadata=meta, name=info.title)
    if fmt == "gpkg":
        return files.to_gpkg(geo, path, parameters=params, metadata=meta)
    table = geo.copy()
    table.insert(0, "disclosure_profile", prepared.profile.name)
    return files.to_csv(table, path)


def timed_export(analysis, fmt: str, path, **kw) -> tuple[Path, float]:
    """``export_analysis`` and the seconds it took (for the app's status line)."""
    t0 = time.perf_counter()
    out = export_analysis(analysis, fmt, path, **kw)
    return out, time.perf_counter() - t0
