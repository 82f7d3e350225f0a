"""Writing exports to files: PNG, PDF, self-contained HTML, GeoJSON, GeoPackage, CSV.

- :func:`to_png`: a map sheet at exactly A4 landscape pixels (1754 x 1240 at 150 dpi,
  3508 x 2480 at 300 dpi);
- :func:`to_pdf`: sheets as one multi-page PDF with a title in its metadata (fonts
  embedded as TrueType, so the text can be searched and extracted);
- :func:`to_html`: a folium map that opens offline (see :mod:`exports.html`);
- :func:`to_geojson` (WGS84, with a top-level ``parameters`` member and the export's
  ``metadata``), :func:`to_gpkg` (British National Grid, with ``parameters`` and
  ``about`` tables) and :func:`to_csv` of result tables. CSV cells are neutralised
  against spreadsheet formula injection: text starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import date, datetime
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages

from exports.html import to_html  # noqa: F401  (part of this module's API)

A4_MM = (297.0, 210.0)
CREATOR = "Dartford CSP hotspot maps"


# --------------------------------------------------------------------------------------
# Images and documents
# --------------------------------------------------------------------------------------


def a4_pixels(dpi: int) -> tuple[int, int]:
    """A4 landscape in whole pixels at ``dpi`` (3508 x 2480 at 300)."""
    return round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)


def _metadata(fig) -> dict:
    info = getattr(fig, "sheet_info", None)
    return {"title": fig.get_label() or "", "statement": getattr(info, "statement", "") or ""}


def to_png(sheet_fig, path, dpi: int = 150) -> Path:
    """Write a sheet as a PNG of exactly A4 landscape at ``dpi`` (150 or 300)."""
    if dpi not in (150, 300):
        raise ValueError(f"`dpi` must be 150 or 300; got {dpi!r}")
    w, h = a4_pixels(dpi)
    # A hair over the pixel count, so float rounding can never lose the last row or column.
    sheet_fig.set_size_inches((w + 0.01) / dpi, (h + 0.01) / dpi)
    meta = _metadata(sheet_fig)
    path = Path(path)
    sheet_fig.savefig(path, format="png", dpi=dpi, facecolor="white",
                      metadata={"Title": meta["title"], "Description": meta["statement"], "Software": CREATOR})
    return path


def to_pdf(figures, path, *, title: str | None = None) -> Path:
    """Write figures as the pages of one PDF; ``title`` (default the first figure's) goes in its metadata."""
    figures = list(figures)
    if not figures:
        raise ValueError("no pages to write")
    meta = _metadata(figures[0])
    path = Path(path)
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        with PdfPages(path, metadata={"Title": title or meta["title"], "Subject": meta["statement"],
                                      "Creator": CREATOR}) as pdf:
            for fig in figures:
                pdf.savefig(fig, facecolor="white")
    return path


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value):
    """A CSV cell made safe for spreadsheets: text starting with = + - @ tab or CR gets a leading '.

    Numbers (and text that is only a number, such as ``-3.5``) are left as they are.
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def parameters_dict(parameters) -> dict:
    """``{name: {value, unit, how, why}}`` from a dict of ``hotspots.params.Parameter``,
    ``Analysis.parameter_table()`` or a plain dict of values."""
    if parameters is None:
        return {}
    if isinstance(parameters, pd.DataFrame):
        return {str(r["parameter"]): {"value": _plain(r.get("value")), "unit": r.get("unit", ""),
                                      "how": r.get("how", ""), "why": r.get("why", "")}
                for r in parameters.to_dict("records")}
    out = {}
    for name, p in dict(parameters).items():
        if hasattr(p, "chosen_automatically"):
            out[str(name)] = {"value": _plain(p.value), "unit": p.unit,
                              "how": "chosen from the data" if p.chosen_automatically else "given", "why": p.reason}
        else:
            out[str(name)] = {"value": _plain(p)}
    return out


def _plain(value):
    """A JSON-ready Python value (numpy scalars, timestamps, NaN -> None)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (pd.Timestamp, datetime, date, np.datetime64)):
        t = pd.Timestamp(value)
        return None if pd.isna(t) else t.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, bool)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column == getattr(out, "_geometry_column_name", None):
            continue
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            times = out[column]
            days = bool((times.dropna() == times.dropna().dt.normalize()).all())
            out[column] = times.map(lambda t: None if pd.isna(t) else
                                    (pd.Timestamp(t).date().isoformat() if days else pd.Timestamp(t).isoformat()))
    return out


def to_geojson(frame, path, *, parameters=None, metadata: dict | None = None, name: str = "results") -> Path:
    """Write a GeoDataFrame as RFC 7946 GeoJSON (WGS84) with top-level ``parameters`` and ``metadata``."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError("to_geojson needs a GeoDataFrame (a table with geometry)")
    gdf = _plain_frame(frame).to_crs("EPSG:4326") if frame.crs is not None else _plain_frame(frame)
    data = gdf.to_geo_dict(na="null", drop_id=True)
    features = [{"type": "Feature", "properties": _plain(f["properties"]), "geometry": f["geometry"]}
                for f in data["features"]]
    doc = {"type": "FeatureCollection", "name": name, "parameters": parameters_dict(parameters),
           "metadata": _plain(metadata or {}), "features": features}
    path = Path(path)
    path.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str), encoding="utf-8")
    return path


def _gpkg_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = _plain_frame(frame)
    for column in out.columns:
        if column == getattr(out, "_geometry_column_name", None):
            continue
        values = out[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            kinds = {type(v) for v in values.dropna()}
            if kinds - {str}:
                out[column] = values.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v))
                                         else str(v))
    return out


def to_gpkg(frame, path, *, layer: str = "results", parameters=None, metadata: dict | None = None) -> Path:
    """Write a GeoDataFrame to a GeoPackage in British National Grid (EPSG:27700).

    Adds two attribute tables: ``parameters`` (name, value, unit, how, why) and
    ``about`` (key, value: title, period, filters, profile, statement, caveats ...).
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()
    gdf = frame.to_crs("EPSG:27700") if frame.crs is not None else frame.set_crs("EPSG:27700")
    _gpkg_ready(gdf).to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    params = pd.DataFrame([{"parameter": k, **{f: "" if v.get(f) is None else str(v.get(f))
                                              for f in ("value", "unit", "how", "why")}}
                           for k, v in parameters_dict(parameters).items()],
                          columns=["parameter", "value", "unit", "how", "why"])
    about = pd.DataFrame([{"key": str(k), "value": json.dumps(_plain(v), ensure_ascii=False)
                           if not isinstance(v, str) else v} for k, v in (metadata or {}).items()],
                         columns=["key", "value"])
    for name, table in (("parameters", params), ("about", about)):
        pyogrio.write_dataframe(gpd.GeoDataFrame(table), path, layer=name, driver="GPKG", append=True)
    return path


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as CSV cells: no geometry (cells keep ``x``/``y``; shapes get their centroid), dates ISO."""
    out = pd.DataFrame(frame).copy()
    geometry = getattr(frame, "_geometry_column_name", None)
    if geometry in out:
        geoms = frame.geometry
        if "x" not in out and len(out):
            centroids = geoms.centroid
            out["centroid_easting"] = centroids.x.round(1)
            out["centroid_northing"] = centroids.y.round(1)
        out = out.drop(columns=geometry)
    return _plain_frame(out)


def to_csv(frame: pd.DataFrame, path) -> Path:
    """Write a table as UTF-8 CSV (with a BOM, for spreadsheets), every cell neutralised."""
    out = csv_frame(frame)
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([neutralise(str(c)) for c in out.columns])
        for row in out.itertuples(index=False, name=None):
            writer.writerow(["" if _missing(v) else neutralise(_cell(v)) for v in row])
    return path


def _missing(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _cell(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v
