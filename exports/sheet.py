"""An A4 landscape map sheet: title, map, legend, method, caveats, attribution, profile.

:func:`draw_sheet` lays out one page (matplotlib ``Figure``, no pyplot state, so it
is safe inside Streamlit): the title and period across the top, the map on the
left (drawn by the caller in British National Grid metres, at equal aspect), the
legend, method and parameters on the right, the caveats, attribution and the
disclosure profile's statement across the bottom. The map has a scale bar in
metres or kilometres and a north arrow (grid north). The figure is exactly A4 at
150 and 300 dpi (3508 x 2480 pixels at 300).

Text is wrapped to the width it is given, measured in inches, so nothing runs off
the page; what does not fit in the side panel is cut with a note (the PDF's next
page, :func:`text_page`, lists everything).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

#: A4 landscape in pixels at 300 dpi (297 x 210 mm); the figure is this size in inches / 300.
A4_PX_300 = (3508, 2480)
FIGSIZE = (A4_PX_300[0] / 300, A4_PX_300[1] / 300)

#: Where things go, as fractions of the page (left, bottom, width, height).
MAP_BOX = (0.022, 0.185, 0.60, 0.70)
PANEL_X = 0.645
PANEL_RIGHT = 0.978
FOOTER_TOP = 0.165

#: Average glyph width of DejaVu Sans as a fraction of the font size (for wrapping).
CHAR_EM = 0.58


@dataclass
class SheetInfo:
    """Everything printed around the map."""

    title: str
    period: str
    filters: str
    method: str = ""
    parameters: tuple[str, ...] = ()
    summary: str = ""
    accuracy: str = ""
    notes: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    attribution: str = ""
    statement: str = ""  # the disclosure profile's statement
    profile: str = ""
    grid_note: str = ""
    details: tuple[tuple[str, str], ...] = ()  # (name, reason) of each parameter, for the text page


@dataclass
class Legend:
    """One block of the legend: a title, swatches (matplotlib handles) with labels, notes."""

    title: str
    handles: list = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    notes: tuple[str, ...] = ()


def wrap(text: str, width_in: float, fontsize: float, bold: bool = False) -> str:
    """``text`` wrapped to lines that fit ``width_in`` inches at ``fontsize`` points."""
    chars = max(int(width_in * 72 / (fontsize * CHAR_EM * (1.15 if bold else 1.0))), 10)
    return "\n".join(textwrap.fill(part, chars, break_on_hyphens=False) for part in text.split("\n"))


class _Column:
    """Writes blocks of text down the page from ``y`` and knows when it is full."""

    def __init__(self, fig: Figure, x: float, y: float, right: float, bottom: float):
        self.fig, self.x, self.y, self.bottom = fig, x, y, bottom
        self.width_in = (right - x) * fig.get_figwidth()
        self.full = False

    def line_h(self, fontsize: float) -> float:
        return fontsize * 1.28 / 72 / self.fig.get_figheight()

    def write(self, text: str, fontsize: float = 7.5, gap: float = 0.25, **kw) -> bool:
        if self.full or not text:
            return not self.full
        lines = wrap(text, self.width_in, fontsize, kw.get("fontweight") == "bold").split("\n")
        room = int((self.y - self.bottom) / self.line_h(fontsize))
        if room < len(lines):
            self.full = True
            cut = lines[: max(room - 1, 0)] + ["… (continued on the text page of the PDF)"]
            kw.pop("fontweight", None)
            self.fig.text(self.x, self.y, "\n".join(cut), fontsize=fontsize, va="top", ha="left",
                          linespacing=1.15, **kw)
            return False
        self.fig.text(self.x, self.y, "\n".join(lines), fontsize=fontsize, va="top", ha="left",
                      linespacing=1.15, **kw)
        self.y -= self.line_h(fontsize) * (len(lines) + gap)
        return True


def new_figure() -> Figure:
    fig = Figure(figsize=FIGSIZE, dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def draw_sheet(info: SheetInfo, draw_map: Callable, *, map_note: str = "") -> Figure:
    """One A4 landscape page. ``draw_map(ax) -> list[Legend]`` draws on the map axes (BNG metres)."""
    fig = new_figure()
    fig.set_label(info.title)
    _header(fig, info)

    ax = fig.add_axes(MAP_BOX)
    legends = draw_map(ax) or []
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
        spine.set_linewidth(0.8)
    scale_bar(ax)
    north_arrow(ax)
    if map_note:
        ax.text(0.995, 0.006, map_note, transform=ax.transAxes, fontsize=6.5, ha="right", va="bottom",
                color="#333333", bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
                zorder=30)

    panel = _Column(fig, PANEL_X, MAP_BOX[1] + MAP_BOX[3], PANEL_RIGHT, MAP_BOX[1])
    renderer = fig.canvas.get_renderer()
    for legend in legends:
        _legend_block(fig, panel, legend, renderer)
    panel.y -= panel.line_h(7)
    if info.method:
        panel.write(f"Method: {info.method}", fontsize=8.5, gap=0.15, fontweight="bold")
    for line in info.parameters:
        panel.write(line, fontsize=7, gap=0.1)
    panel.y -= panel.line_h(7) * 0.4
    if info.summary:
        panel.write(f"Result: {info.summary}", fontsize=7.5)
    if info.accuracy:
        panel.write(f"Accuracy: {info.accuracy}", fontsize=7.5, fontweight="bold")
    for note in info.notes:
        panel.write(f"Note: {note}", fontsize=7, color="#333333")

    _footer(fig, info)
    return fig


def _header(fig: Figure, info: SheetInfo) -> float:
    """Title, period and filters across the top; returns the y below them."""
    head = _Column(fig, 0.022, 0.975, PANEL_RIGHT, MAP_BOX[1] + MAP_BOX[3] + 0.003)
    title_size = 15 if len(wrap(info.title, head.width_in, 15, True).split("\n")) == 1 else 11
    head.write(info.title, fontsize=title_size, gap=0.15, fontweight="bold")
    for text in (f"Period: {info.period}", f"Filters: {info.filters}"):
        size = 9 if len(wrap(text, head.width_in, 9).split("\n")) == 1 else 7
        head.write(text, fontsize=size, gap=0.05)
    return head.y


def draw_page(info: SheetInfo) -> tuple[Figure, float]:
    """A blank A4 landscape page with the sheet's header and footer (title, period, filters,
    profile statement, caveats, attribution); returns it and the y of the space between them
    (its bottom is ``FOOTER_TOP`` + a margin). Packs draw tables and charts there."""
    fig = new_figure()
    fig.set_label(info.title)
    fig.sheet_info = info
    top = _header(fig, info)
    _footer(fig, info)
    return fig, top


def _legend_block(fig: Figure, panel: _Column, legend: Legend, renderer) -> None:
    if panel.full:
        return
    if legend.handles:
        width = panel.width_in
        labels = [wrap(label, width - 0.45, 7) for label in legend.labels]
        leg = fig.legend(legend.handles, labels, loc="upper left", bbox_to_anchor=(panel.x - 0.006, panel.y),
                         bbox_transform=fig.transFigure, title=wrap(legend.title, width, 8.5), fontsize=7,
                         title_fontsize=8.5, frameon=False, alignment="left", borderaxespad=0.0,
                         handlelength=1.6, handleheight=1.1, labelspacing=0.35, borderpad=0.2)
        leg.get_title().set_fontweight("bold")
        box = leg.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        panel.y = box.y0 - panel.line_h(7) * 0.3
    else:
        panel.write(legend.title, fontsize=8.5, fontweight="bold", gap=0.1)
    for note in legend.notes:
        panel.write(note, fontsize=7, gap=0.1, color="#333333")


def _footer(fig: Figure, info: SheetInfo) -> None:
    foot = _Column(fig, 0.022, FOOTER_TOP, PANEL_RIGHT, 0.008)
    if info.statement:
        foot.write(info.statement, fontsize=7.5, gap=0.2, fontweight="bold")
    if info.caveats:
        foot.write("Data caveats: " + " ".join(info.caveats), fontsize=6.8, gap=0.2)
    if info.grid_note:
        foot.write(info.grid_note, fontsize=6.8, gap=0.2)
    if info.attribution:
        foot.write("Attribution: " + info.attribution, fontsize=6.3, gap=0.0, color="#333333")


# --------------------------------------------------------------------------------------
# Map furniture
# --------------------------------------------------------------------------------------

_NICE = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000)


def nice_length(span_m: float, share: float = 0.22) -> float:
    """A round length (m) of about ``share`` of ``span_m``."""
    target = span_m * share
    return max((n for n in _NICE if n <= target), default=_NICE[0])


def _distance(m: float) -> str:
    return f"{m / 1000:g} km" if m >= 1000 else f"{m:g} m"


def scale_bar(ax) -> float:
    """A four-part scale bar at the lower left of the map; returns its length in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(x1 - x0)
    h = (y1 - y0) * 0.009
    left, base = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.035
    ax.add_patch(Rectangle((left - (x1 - x0) * 0.012, base - (y1 - y0) * 0.022), length + (x1 - x0) * 0.05,
                           (y1 - y0) * 0.075, facecolor="white", alpha=0.85, edgecolor="none", zorder=20))
    part = length / 4
    for i in range(4):
        ax.add_patch(Rectangle((left + i * part, base), part, h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=21))
    for value in (0, length / 2, length):
        label = "0" if value == 0 else _distance(value)
        ax.text(left + value, base + h * 1.6, label, fontsize=6.5, ha="center", va="bottom", zorder=22)
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    ratio = (x1 - x0) / (width_in * 0.0254)
    ax.text(left, base - h * 0.6, f"1:{round(ratio, -2):,.0f} on A4", fontsize=6, ha="left", va="top", zorder=22)
    return length


def north_arrow(ax) -> None:
    """An arrow to grid north at the upper right of the map, labelled as grid north."""
    ax.annotate("", xy=(0.955, 0.955), xytext=(0.955, 0.875), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7", "color": "black", "lw": 1.4},
                zorder=22)
    ax.text(0.955, 0.96, "N", transform=ax.transAxes, fontsize=10, fontweight="bold", ha="center", va="bottom",
            zorder=22)
    ax.text(0.955, 0.868, "grid\nnorth", transform=ax.transAxes, fontsize=6, ha="center", va="top",
            linespacing=1.0, zorder=22)


def map_aspect() -> float:
    """Height over width of the map box on the page."""
    return (MAP_BOX[3] * FIGSIZE[1]) / (MAP_BOX[2] * FIGSIZE[0])


def fit_extent(bounds: tuple[float, float, float, float], margin: float = 0.04,
               min_span: float = 1500.0) -> tuple[float, float, float, float]:
    """``(west, east, south, north)`` around ``bounds`` with the map box's aspect ratio (equal metres)."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, min_span) * (1 + 2 * margin)
    h = max(y1 - y0, min_span) * (1 + 2 * margin)
    aspect = map_aspect()
    if h / w > aspect:
        w = h / aspect
    else:
        h = w * aspect
    return (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)


def set_extent(ax, extent) -> None:
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal", adjustable="box")


def grid_north_note(extent) -> str:
    """How grid north differs from true north at the middle of the map."""
    from geodata.crs import lonlat_to_bng, bng_to_lonlat

    cx, cy = (extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2
    lon, lat = (float(v) for v in bng_to_lonlat(cx, cy))
    e1, n1 = (float(v) for v in lonlat_to_bng(lon, lat + 0.01))
    angle = math.degrees(math.atan2(e1 - cx, n1 - cy))
    side = "west" if angle < 0 else "east"
    return (f"Map in British National Grid (EPSG:27700) metres. The north arrow shows grid north; "
            f"true north is {abs(angle):.1f}° {side} of it here.")


def text_page(info: SheetInfo, tables: list[tuple[str, list[str], list[list[str]]]] = ()) -> Figure:
    """A second A4 page: every parameter with its reason, then tables ``(title, columns, rows)``."""
    fig = new_figure()
    fig.set_label(f"{info.title}: parameters")
    fig.text(0.03, 0.965, f"{info.title}: method, parameters and results", fontsize=13, fontweight="bold",
             va="top")
    col = _Column(fig, 0.03, 0.925, 0.97, 0.06)
    col.write(f"Period: {info.period}", fontsize=8.5, gap=0.05)
    col.write(f"Filters: {info.filters}", fontsize=8.5)
    if info.method:
        col.write(f"Method: {info.method}", fontsize=9.5, fontweight="bold", gap=0.2)
    for line, (_, reason) in zip(info.parameters, info.details or [("", "")] * len(info.parameters)):
        col.write(line + (f". Why: {reason}" if reason and reason != "given" else ""), fontsize=7.5, gap=0.15)
    for title, columns, rows in tables:
        col.y -= col.line_h(8) * 0.5
        col.write(title, fontsize=9.5, fontweight="bold", gap=0.2)
        if not rows:
            col.write("none", fontsize=7.5)
            continue
        widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(columns)]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(columns, widths))]
        lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)) for r in rows]
        for line in lines:
            if not col.write(line, fontsize=6.5, gap=0.0, family="DejaVu Sans Mono"):
                break
    col.y -= col.line_h(8) * 0.5
    col.write(info.statement, fontsize=7.5, fontweight="bold")
    col.write("Data caveats: " + " ".join(info.caveats), fontsize=7)
    return fig
