"""Legends of the hot spot layers, as HTML for the page to show beside the map.

The layers add nothing to the map itself (the dashboard swaps feature groups on a
base map that stays alive), so each layer's key lives here: one function per layer
in ``maps.layers``, taking the same result. Every piece of text is escaped; the
output is a self-contained ``<div class="hs-legend">`` with inline styles, safe for
``st.markdown(..., unsafe_allow_html=True)`` or ``st.html``.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from maps import styles

_BOX = "display:inline-block;width:14px;height:14px;vertical-align:-2px;margin-right:6px;box-sizing:border-box"


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _swatch(fill: str | None, alpha: float = 1.0, outline: str | None = None, dash: bool = False) -> str:
    style = _BOX
    if fill:
        style += f";background:{_e(fill)};opacity:{alpha:.2f}"
    border = outline or "rgba(0,0,0,0.35)"
    style += f";border:{'2px dashed' if dash else ('2px solid' if outline else '1px solid')} {_e(border)}"
    return f'<span style="{style}"></span>'


def _row(swatch: str, label: str, extra: str = "") -> str:
    tail = f' <span style="color:#555">{_e(extra)}</span>' if extra else ""
    # A hanging indent: long labels wrap under the text, not under the swatch.
    return f'<div style="padding-left:22px;text-indent:-22px">{swatch}{_e(label)}{tail}</div>'


def _legend(title: str, rows: list[str], notes: list[str], subtitle: str = "") -> str:
    html = '<div class="hs-legend" style="font:13px/1.5 sans-serif">'
    html += f'<div style="font-weight:600">{_e(title)}</div>'
    if subtitle:
        html += f'<div style="color:#555;margin-bottom:2px">{_e(subtitle)}</div>'
    html += "".join(rows) if rows else '<div style="color:#555">nothing to show</div>'
    for note in notes:
        if note:
            html += f'<div style="color:#555;margin-top:4px;max-width:22em">{_e(note)}</div>'
    return html + "</div>"


def _param(result, name: str):
    p = (getattr(result, "parameters", None) or {}).get(name)
    return None if p is None else p


def _param_text(result, name: str, label: str) -> str:
    p = _param(result, name)
    if p is None or p.value is None:
        return ""
    value = f"{p.value:,.4g}" if isinstance(p.value, float) else str(p.value)
    unit = f" {p.unit}" if p.unit and p.unit != "incidents/km2" else (" incidents per km²" if p.unit else "")
    return f"{label} {value}{unit}"


def _cells(n: int) -> str:
    return f"{n:,} cell{'s' if n != 1 else ''}"


# --------------------------------------------------------------------------------------


def density_legend(result, *, classes: int = styles.DEFAULT_DENSITY_CLASSES, opacity: float = 0.7) -> str:
    """Density classes (highest first) in incidents per km², and the hot spot threshold.

    Pass the same ``classes`` and ``opacity`` as to ``density_layer`` so the swatches
    match the map.
    """
    cls = styles.density_classes(result.density, result.mask, result.threshold_density, classes)
    labels = cls.labels()
    rows = [_row(_swatch(c, a * opacity), label) for c, a, label in zip(cls.colours, cls.alphas, labels)][::-1]
    n_hot = len(result.hotspots) if result.hotspots is not None else 0
    threshold = _param(result, "threshold")
    if n_hot:
        rule = f" ({threshold.value})" if threshold is not None and isinstance(threshold.value, str) else ""
        hot = (f"{n_hot} hot spot{'s' if n_hot != 1 else ''}{rule}: density at least "
               f"{styles.format_number(result.threshold_density, 3)} incidents per km²")
        rows.append(_row(_swatch(None, outline=styles.HOTSPOT_OUTLINE["color"]), hot))
    else:
        rows.append(_row(_swatch(None, outline=styles.HOTSPOT_OUTLINE["color"]), "no hot spots"))
    settings = ", ".join(t for t in (_param_text(result, "bandwidth", "bandwidth"), _param_text(result, "kernel", "kernel"),
                                     _param_text(result, "cell_size", "cells")) if t)
    notes = [f"Classes: {cls.method}." if len(cls) else "", settings.capitalize() + "." if settings else ""]
    return _legend("Density (KDE)", rows if len(cls) else rows[-1:], notes, "incidents per km²")


def cluster_legend(result) -> str:
    """Colour of each ranked cluster, its incidents and share; noise and parameters."""
    frame = result.clusters
    k = len(styles.OKABE_ITO)
    rows = []
    n = 0 if frame is None else len(frame)
    for _, row in (frame.head(k).iterrows() if n else []):
        c = int(row["cluster"])
        rows.append(_row(_swatch(styles.rank_colour(c), 0.6), f"Cluster {c}",
                         f"{int(row['count']):,} incidents ({float(row['share']):.1%})"))
    if n > k:
        rest = frame.iloc[k:]
        rows.append(_row(_swatch(styles.OTHER_GREY, 0.6), f"Clusters {k + 1} to {n}",
                         f"{int(rest['count'].sum()):,} incidents ({float(rest['share'].sum()):.1%})"))
    settings = ", ".join(t for t in (_param_text(result, "eps", "eps"),
                                     _param_text(result, "min_samples", "min_samples")) if t)
    notes = [
        f"{getattr(result, 'noise', 0):,} of {getattr(result, 'n_incidents', 0):,} incidents are in no cluster (noise).",
        "Clusters are numbered by incidents, 1 = most.",
        settings.capitalize() + "." if settings else "",
    ]
    return _legend("DBSCAN clusters", rows, notes)


def gistar_legend(result) -> str:
    """The six Gi* classes with how many cells fall in each."""
    b = result.gi_bin[result.mask] if result.mask.any() else np.array([], dtype=int)
    rows = [
        _row(_swatch(colour, 0.65), label, _cells(int((b == k).sum())))
        for k, (label, colour) in styles.GISTAR_CLASSES.items()
    ]
    fdr = _param(result, "fdr")
    corrected = fdr is None or bool(fdr.value)
    notes = [
        "Confidence from p-values adjusted for the number of cells (false discovery rate, Benjamini-Hochberg)."
        if corrected else "Confidence from p-values not corrected for the number of cells tested.",
        f"Cells without significant clustering are not drawn ({_cells(int((b == 0).sum()))}).",
        _param_text(result, "cell_size", "Cells").strip() + "." if _param(result, "cell_size") else "",
    ]
    return _legend("Getis-Ord Gi* hot and cold spots", rows, notes)


def change_legend(result, *, classes=tuple(styles.CHANGE_CLASSES)) -> str:
    """The change classes drawn, with cell counts, the period and the baseline."""
    cells = result.cells
    counts = cells["class"].value_counts() if len(cells) else {}
    explain = {
        "significant rise": "rise still significant after correcting for the number of cells",
        "rise": "p at most alpha, not significant after correction",
        "fall": "fewer than expected, p at most alpha",
    }
    rows = [
        _row(_swatch(styles.CHANGE_CLASSES[c], 0.65), c.capitalize(), f"{_cells(int(counts.get(c, 0)))}: {explain[c]}")
        for c in classes
    ]
    baseline = _param(result, "baseline")
    alpha = _param(result, "alpha")
    notes = [
        f"{result.period.label} against the {baseline.value if baseline is not None else 'baseline'}.",
        f"Alpha {alpha.value:g}; exact Poisson tests per cell." if alpha is not None else "",
        "Cells with no change are not drawn.",
    ]
    return _legend("Change against the baseline", rows, notes)


def classify_legend(result, *, scheme: str = "chainey") -> str:
    """The hot spot classes (Chainey) or patterns (ArcGIS) with cell counts."""
    cells = result.cells
    n_periods = len(result.periods)
    if scheme == "chainey":
        counts = cells["chainey"].value_counts() if len(cells) else {}
        rows = [_row(_swatch(colour, 0.65), name.capitalize(), _cells(int(counts.get(name, 0))))
                for name, colour in styles.CHAINEY_COLOURS.items()]
        title = "Hot spot classes (Chainey)"
    elif scheme == "pattern":
        counts = cells["pattern"].value_counts() if len(cells) else {}
        rows = [_row(_swatch(colour, 0.65), f"{name.capitalize()} hot spot", _cells(int(counts.get(f"{name} hot spot", 0))))
                for name, colour in styles.PATTERN_COLOURS.items()]
        rows += [_row(_swatch(colour, 0.3, outline=styles.COLD_OUTLINE, dash=True), f"{name.capitalize()} cold spot",
                      _cells(int(counts.get(f"{name} cold spot", 0))))
                 for name, colour in styles.PATTERN_COLOURS.items() if int(counts.get(f"{name} cold spot", 0))]
        title = "Emerging hot spot patterns (ArcGIS)"
    else:
        raise ValueError(f"`scheme` must be 'chainey' or 'pattern'; got {scheme!r}")
    length = _param(result, "period_length")
    span = ""
    if n_periods:
        last = result.periods[-1].end - pd.Timedelta(days=1)
        span = f" ({result.periods[0].start:%d %b %Y} to {last:%d %b %Y})"
    notes = [
        f"{n_periods} period{'s' if n_periods != 1 else ''}"
        + (f" of {length.value}" if length is not None else "") + span + ".",
        "Cells with no class are not drawn.",
    ]
    return _legend(title, rows, notes)
