"""Writing one tasking view's export: :class:`ViewExport`, :func:`write_view`, :func:`file_name`.

A :class:`ViewExport` is a view (Weekly violence, Wildfire prevention, Fly-tipping
patrols, Overview) once a disclosure profile has been applied: its map as an analysis
prepared by :func:`exports.protect.prepare` (so the map follows exactly the rules an
Explore export follows), the sheet's text, the view's own tables for the PDF's text
page, and the feature table for GeoJSON, GeoPackage and CSV. :mod:`exports.views`
builds one from each view's briefing; :func:`protect_table` applies the profile to a
view's table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from exports import disclosure as D
from exports import files
from exports.analysis_export import FORMATS, analysis_sheet, folium_map, metadata
from exports.protect import Prepared, coarsen_table, scrub
from exports.sheet import SheetInfo, text_page

#: Rows of each table printed on the PDF's text page.
PDF_ROWS = 25
#: Columns of each table printed on the PDF's text page (the page is A4 landscape).
PDF_COLUMNS = 10
#: Features numbered on the map sheet (the top of the table; more would hide the map).
MAP_LABELS = 12
MIMES = {"png": "image/png", "pdf": "application/pdf", "html": "text/html", "geojson": "application/geo+json",
         "gpkg": "application/geopackage+sqlite3", "csv": "text/csv"}

__all__ = ["ViewExport", "write_view", "protect_table", "file_name", "FORMATS", "MIMES"]


@dataclass
class ViewExport:
    """A view under one profile: what each format writes.

    ``tables`` are ``(title, frame)`` with the profile applied; ``features`` is a
    GeoDataFrame (BNG) for GeoJSON and GeoPackage; ``table`` is the CSV (default the
    features without geometry); ``numbers`` is a column of ``features`` written on the
    map sheet, so the map and the table's ranks can be read together.
    """

    prepared: Prepared
    info: SheetInfo
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    features: object = None
    table: pd.DataFrame | None = None
    numbers: str | None = None


def protect_table(frame: pd.DataFrame, prof: D.Profile, *, counts=(), derived=(), texts=(), drop=(),
                  rows_by: str | None = None) -> pd.DataFrame:
    """A view's table under ``prof``.

    Dates are cut to the profile's grain. Under a suppressing profile: rows whose
    ``rows_by`` count is from 1 to k-1 are dropped (they are the hot spots or zones the
    map no longer draws); small ``counts`` are hidden with the cells that would reveal
    them (``disclosure.suppress_table``); ``derived`` columns (changes, shares, rates
    worked out from a count) are hidden wherever a count of the row is; counts inside
    ``texts`` ("Mon (3)", "4 of 6") are hidden; ``drop`` columns (exact sites) go.
    """
    out = coarsen_table(frame, prof)
    if not prof.suppresses or out.empty:
        return out
    if rows_by is not None and rows_by in out:
        n = pd.to_numeric(out[rows_by], errors="coerce").fillna(0).to_numpy(float)
        out = out[~((n >= 1) & (n < prof.k))].reset_index(drop=True)
    out = out.drop(columns=[c for c in drop if c in out])
    counts = [c for c in counts if c in out]
    if counts:
        out = D.suppress_table(out, counts, prof)
        hidden = np.zeros(len(out), bool)
        for c in counts:
            hidden |= (out[c].astype(object) == D.HIDDEN).to_numpy()
        for c in (c for c in derived if c in out):
            out[c] = out[c].astype(object)
            out.loc[hidden, c] = D.HIDDEN
    for c in (c for c in texts if c in out):
        out[c] = out[c].map(lambda t: scrub(t, prof) if isinstance(t, str) else t)
    return out


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        return f"{value:%d %b %Y}" if value == value.normalize() else f"{value:%d %b %Y %H:%M}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def text_table(title: str, frame: pd.DataFrame) -> tuple[str, list[str], list[list[str]]]:
    """``(title, columns, rows)`` of plain strings for ``sheet.text_page`` (geometry left out)."""
    frame = pd.DataFrame(frame).drop(columns=[c for c in ("geometry",) if c in frame])
    columns = list(frame.columns)[:PDF_COLUMNS]
    rows = [[_cell(v) for v in r] for r in frame[columns].head(PDF_ROWS).itertuples(index=False, name=None)]
    more = f" ({len(frame):,} rows, first {PDF_ROWS})" if len(frame) > PDF_ROWS else ""
    return title + more, columns, rows


def write_view(v: ViewExport, fmt: str, path, *, dpi: int = 150, tiles: bool = True, fetch_tile=None) -> Path:
    """Write ``v`` as ``fmt`` (one of :data:`FORMATS`) to ``path``; PNG at ``dpi`` (150 or 300)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path, prepared, info = Path(path), v.prepared, v.info
    if fmt in ("png", "pdf"):
        fig = analysis_sheet(prepared, info, tiles=tiles, fetch_tile=fetch_tile)
        if v.numbers and v.features is not None:
            number_features(fig.axes[0], v.features, v.numbers)  # the first axes of a sheet is its map
        if fmt == "png":
            return files.to_png(fig, path, dpi=dpi)
        pages = [fig, text_page(info, [text_table(t, f) for t, f in v.tables])]
        return files.to_pdf(pages, path, title=info.title)
    if fmt == "html":
        m, legend = folium_map(prepared)
        return files.to_html(m, path, info=info, legend_html=legend)
    params = {k: p for k, p in prepared.analysis.parameters.items() if not k.startswith("_")}
    if fmt in ("geojson", "gpkg"):
        if v.features is None:
            raise ValueError("this view has no map features to export as a GIS file")
        if fmt == "geojson":
            return files.to_geojson(v.features, path, parameters=params, metadata=metadata(info), name=info.title)
        return files.to_gpkg(v.features, path, parameters=params, metadata=metadata(info))
    table = pd.DataFrame(files.csv_frame(v.table if v.table is not None else v.features))
    table.insert(0, "disclosure_profile", prepared.profile.name)
    return files.to_csv(table, path)


def number_features(ax, features, column: str, most: int = MAP_LABELS) -> None:
    """Write ``features[column]`` (1 to ``most``) on each feature of the map axes ``ax`` (BNG)."""
    import matplotlib.patheffects as pe

    for value, geom in zip(features[column], features.geometry):
        if pd.isna(value) or not 1 <= int(value) <= most or geom is None or geom.is_empty:
            continue
        p = geom.representative_point()
        ax.text(p.x, p.y, str(int(value)), fontsize=7.5, fontweight="bold", ha="center", va="center", zorder=13,
                clip_on=True, path_effects=[pe.withStroke(linewidth=2.2, foreground="white")])


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(view: str, period: str, profile: str, fmt: str) -> str:
    """``view_period_profile.ext`` in letters, digits, ``.``, ``_`` and ``-`` only."""
    parts = [_UNSAFE.sub("-", str(p)).strip("-.") for p in (view, period, profile)]
    stem = "_".join(p for p in parts if p)[:120] or "export"
    return f"{stem}.{_UNSAFE.sub('', fmt.lower()) or 'bin'}"
