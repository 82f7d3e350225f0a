"""Page furniture the packs share: pages, key figures, panels, tables, charts and captions.

Every page is A4 landscape with the sheet's own header and footer
(:func:`exports.sheet.draw_page`, :func:`exports.static_map.map_sheet`): title,
period, filters, the disclosure profile's statement, the data caveats and the
attribution. Tables are drawn as text on the figure (so a PDF's text can be
searched and extracted), charts on matplotlib axes; nothing uses pyplot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import matplotlib.dates as mdates
import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.patches import Patch, Rectangle

from exports import basemap as bm
from exports import disclosure as D
from exports.sheet import FOOTER_TOP, SheetInfo, _Column, draw_page, wrap
from exports.static_map import map_sheet

LEFT, RIGHT = 0.022, 0.978
#: The lowest y content may reach: the footer starts at FOOTER_TOP.
BOTTOM = FOOTER_TOP + 0.012
HIDDEN_COLOUR = "#bbbbbb"
ACCENT = "#D55E00"  # Okabe-Ito vermillion: this period
LINE = "#0072B2"  # Okabe-Ito blue: the trend


class PackError(ValueError):
    """A pack cannot be made from these arguments or this data; the message says what to do."""


def once_failing(fetch: Callable | None) -> Callable:
    """``fetch`` that fails at once after its first failure, so an offline pack of several maps
    waits for one timeout, not one per map."""
    failed: list[str] = []

    def fetch_once(z: int, x: int, y: int) -> bytes:
        if failed:
            raise OSError(failed[0])
        try:
            return (fetch or bm.fetch_tile)(z, x, y)
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc}")
            raise

    return fetch_once


@dataclass
class Pack:
    """What every page of one pack shares."""

    title: str  # "Weekly violence pack · Dartford borough · 2024-W10"
    period: str
    filters: str
    caveats: tuple[str, ...]
    attribution: str
    profile: D.Profile
    tiles: bool = True
    fetch_tile: Callable | None = None
    pages: list = field(default_factory=list)
    overflow: list = field(default_factory=list)  # notes that did not fit where they were written

    def __post_init__(self):
        self.fetch_tile = once_failing(self.fetch_tile)

    def write_notes(self, col: _Column, notes: list[str], fontsize: float = 7) -> None:
        """As many whole notes as fit in ``col``; the rest go to a last page (:meth:`finish`)."""
        for i, note in enumerate(notes):
            lines = len(wrap(note, col.width_in, fontsize).split("\n")) + 1.2  # and the pointer line
            if col.y - col.line_h(fontsize) * lines < col.bottom:
                self.overflow += notes[i:]
                col.write("More notes on the last page.", fontsize=fontsize, fontweight="bold")
                return
            col.write(note, fontsize=fontsize, gap=0.15, color="#333333")

    def finish(self) -> list:
        """The pages, with a last page of the notes that did not fit."""
        if self.overflow:
            fig, y = self.page("Notes")
            col = column(fig, y - 0.01)
            for note in self.overflow:
                col.write(note, fontsize=8, gap=0.3)
        return self.pages

    def info(self, page: str, **kw) -> SheetInfo:
        return SheetInfo(title=f"{self.title}: {page}", period=self.period, filters=self.filters,
                         caveats=self.caveats, attribution=self.attribution, statement=self.profile.statement(),
                         profile=self.profile.name, **kw)

    def count(self, n) -> str:
        """A count for text: hidden when small under the profile."""
        if n is None or (isinstance(n, float) and not np.isfinite(n)):
            return "–"
        return D.format_count(n, self.profile)

    def text(self, text: str) -> str:
        """Sentences with their small counts hidden."""
        from exports.packs.suppress import scrub_text

        return scrub_text(text, self.profile)

    def page(self, name: str):
        """A new text page: ``(figure, y below the header)``."""
        fig, top = draw_page(self.info(name))
        self.pages.append(fig)
        return fig, top

    def map_page(self, name: str, draw: str, result, *, layer=None, area=None, **info) -> None:
        """A map sheet of ``result`` drawn as ``draw`` (a static_layers method) or by ``layer``;
        ``info``: SheetInfo fields (method, parameters, summary, accuracy, notes)."""
        fig = map_sheet(self.info(name, **info), draw, result, area=area, layer=layer, count=self.count,
                        tiles=self.tiles, fetch_tile=self.fetch_tile)
        self.pages.append(fig)


# --------------------------------------------------------------------------------------
# Text blocks
# --------------------------------------------------------------------------------------


def column(fig, y: float, x0: float = LEFT, x1: float = RIGHT, bottom: float = BOTTOM) -> _Column:
    """A text column from ``y`` down (wrapped to its width; cut with a note when full)."""
    return _Column(fig, x0, y, x1, bottom)


def key_figures(fig, y: float, items: list[tuple[str, str, str]], x0: float = LEFT, x1: float = RIGHT,
                height: float = 0.105) -> float:
    """Boxes across the page: a label, a big value and a line under it; returns the y below them."""
    n = max(len(items), 1)
    gap = 0.008
    w = (x1 - x0 - gap * (n - 1)) / n
    for i, (label, value, sub) in enumerate(items):
        x = x0 + i * (w + gap)
        fig.add_artist(Rectangle((x, y - height), w, height, transform=fig.transFigure, facecolor="#f3f3f0",
                                 edgecolor="#cccccc", linewidth=0.6))
        fig.text(x + 0.008, y - 0.012, label, fontsize=8, va="top", color="#333333")
        fig.text(x + 0.008, y - 0.035, value, fontsize=19, va="top", fontweight="bold")
        if sub:
            fig.text(x + 0.008, y - height + 0.008, wrap(sub, w * fig.get_figwidth() - 0.15, 7), fontsize=7,
                     va="bottom", color="#333333", linespacing=1.1)
    return y - height - 0.015


def panel(fig, x: float, y: float, w: float, title: str, rows: list[tuple[str, str]], notes: str = "") -> float:
    """A boxed panel: a title, label/value rows and a note; returns its bottom."""
    line = 9 * 1.45 / 72 / fig.get_figheight()
    note = wrap(notes, w * fig.get_figwidth() - 0.2, 7) if notes else ""
    h = line * (len(rows) + 1.6) + (line * 0.8 * (note.count("\n") + 1.4) if note else 0)
    fig.add_artist(Rectangle((x, y - h), w, h, transform=fig.transFigure, facecolor="white", edgecolor="#888888",
                             linewidth=0.8))
    fig.text(x + 0.01, y - line * 0.4, title, fontsize=10, fontweight="bold", va="top")
    for i, (label, value) in enumerate(rows):
        yy = y - line * (1.5 + i)
        fig.text(x + 0.01, yy, label, fontsize=9, va="top")
        fig.text(x + w - 0.01, yy, value, fontsize=9, va="top", ha="right", fontweight="bold")
    if note:
        fig.text(x + 0.01, y - line * (1.7 + len(rows)), note, fontsize=7, va="top", color="#333333",
                 linespacing=1.15)
    return y - h


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str
    width: float  # relative width
    align: str = "left"


def draw_table(fig, columns: list[Col], rows: list[list[str]], *, y: float, x0: float = LEFT, x1: float = RIGHT,
               fontsize: float = 7.5, max_lines: int = 2, bottom: float = BOTTOM) -> float:
    """A table of text cells from ``y`` down: a shaded header, banded rows, cells wrapped to their
    column (at most ``max_lines`` lines, then cut with …); rows that do not fit are left off with
    a note. Returns the y below the table."""
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    total = sum(c.width for c in columns)
    widths = [(x1 - x0) * c.width / total for c in columns]
    lefts = np.concatenate([[x0], x0 + np.cumsum(widths)[:-1]])
    line_h = fontsize * 1.25 / 72 / fh
    pad_x, pad_y = 0.004, line_h * 0.3

    def cell_lines(text: str, w: float, bold: bool = False) -> list[str]:
        lines = wrap(str(text), w * fw - 2 * pad_x * fw, fontsize, bold).split("\n")
        return lines if len(lines) <= max_lines else lines[: max_lines - 1] + [lines[max_lines - 1][:-1] + "…"]

    def draw_row(cells: list[str], top: float, shade: str | None, bold: bool = False) -> float:
        wrapped = [cell_lines(t, w, bold) for t, w in zip(cells, widths)]
        h = line_h * max(len(w) for w in wrapped) + 2 * pad_y
        if shade:
            fig.add_artist(Rectangle((x0, top - h), x1 - x0, h, transform=fig.transFigure, facecolor=shade,
                                     edgecolor="none"))
        for lines, col, left, w in zip(wrapped, columns, lefts, widths):
            x = left + w - pad_x if col.align == "right" else left + pad_x
            fig.text(x, top - pad_y, "\n".join(lines), fontsize=fontsize, va="top", ha=col.align,
                     fontweight="bold" if bold else "normal", linespacing=1.1)
        return top - h

    y = draw_row([c.name for c in columns], y, "#e4e4e0", bold=True)
    fig.add_artist(Rectangle((x0, y), x1 - x0, 0.0012, transform=fig.transFigure, facecolor="#555555"))
    for i, row in enumerate(rows):
        need = line_h * max(len(cell_lines(t, w)) for t, w in zip(row, widths)) + 2 * pad_y
        if y - need < bottom + line_h * 1.2:
            fig.text(x0, y - pad_y, f"… {len(rows) - i} more row(s) not shown: see the app for the full table.",
                     fontsize=fontsize - 0.5, va="top", style="italic")
            return y - line_h * 1.5
        y = draw_row(row, y, "#f6f6f3" if i % 2 else None)
    if not rows:
        fig.text(x0 + pad_x, y - pad_y, "none", fontsize=fontsize, va="top", style="italic")
        y -= line_h * 1.5
    return y - line_h * 0.5


# --------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------


def chart_axes(fig, x: float, y_top: float, w: float, h: float, title: str):
    """Axes with a bold title above them, light grid, no top and right spines."""
    ax = fig.add_axes((x, y_top - h, w, h))
    ax.set_title(title, fontsize=9.5, fontweight="bold", loc="left")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7)
    return ax


def hidden_legend(ax, handles: list, labels: list[str], prof: D.Profile, any_hidden: bool, **kw) -> None:
    if any_hidden:
        handles = [*handles, Patch(facecolor="white", edgecolor=HIDDEN_COLOUR, hatch="////")]
        labels = [*labels, f"{D.HIDDEN}: 1 to {prof.k - 1}, or hidden to protect one ({prof.name} profile)"]
    if handles:
        ax.legend(handles, labels, fontsize=7, frameon=False, **kw)


def trend_chart(ax, starts: pd.Series, counts: np.ndarray, hidden: np.ndarray, *, current: pd.Timestamp,
                unit: str, prof: D.Profile, what: str = "incidents") -> None:
    """Counts per week (or month) as a line; the current period marked; hidden counts as hatched bars."""
    x = pd.DatetimeIndex(starts)
    y = np.where(hidden, np.nan, np.asarray(counts, float))
    ax.plot(x, y, color=LINE, linewidth=1.4, marker="o", markersize=2.5, zorder=3)
    top = np.nanmax(y) if np.isfinite(y).any() else prof.k
    width = pd.Timedelta(days=6 if unit == "week" else 27)
    for t in x[hidden]:
        ax.bar(t, prof.k - 1, width=width, align="edge", color="white", edgecolor=HIDDEN_COLOUR, hatch="////",
               linewidth=0.5, zorder=2)
    handles = [ax.lines[0]]
    labels = [f"{what.capitalize()} per {unit}"]
    if current in set(x):
        i = list(x).index(current)
        if not hidden[i]:
            ax.plot([x[i]], [y[i]], "o", color=ACCENT, markersize=6, zorder=4)
            handles.append(ax.lines[-1])
            labels.append(f"This {unit}")
    ax.set_ylim(0, max(top * 1.15, prof.k))
    ax.set_ylabel(f"{what.capitalize()} (count)", fontsize=7.5)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, 2 if len(x) > 40 else 1)))
    hidden_legend(ax, handles, labels, prof, bool(np.any(hidden)), loc="upper left", ncol=3)


def bar_chart(ax, labels: list[str], values, hidden, colours: list[str], *, prof: D.Profile, ylabel: str,
              alphas=None, value_labels: bool = True) -> None:
    """Bars with their values on top; hidden values drawn as hatched outlines marked [c]."""
    values = np.asarray(values, float)
    hidden = np.asarray(hidden, bool)
    x = np.arange(len(labels))
    alphas = np.ones(len(labels)) if alphas is None else np.asarray(alphas, float)
    top = max(np.nanmax(np.where(hidden, 0, values)) if len(values) else 0, prof.k)
    for i in range(len(labels)):
        if hidden[i]:
            ax.bar(x[i], prof.k - 1, color="white", edgecolor=HIDDEN_COLOUR, hatch="////", linewidth=0.6)
            ax.text(x[i], prof.k - 1 + top * 0.01, D.HIDDEN, ha="center", va="bottom", fontsize=6.5)
        else:
            ax.bar(x[i], values[i], color=colours[i], alpha=alphas[i])
            if value_labels:
                ax.text(x[i], values[i] + top * 0.01, f"{values[i]:,.0f}", ha="center", va="bottom", fontsize=6.5)
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=6.5)
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel(ylabel, fontsize=7.5)


# --------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------


def outline_area(ax, area: str) -> None:
    """The chosen area, dashed, when it is not the whole borough (the sheet draws the borough)."""
    if area != "borough":
        import geodata
        from exports.static_layers import draw_geometry

        draw_geometry(ax, geodata.area_geometry(area), edgecolor="black", linewidth=1.6, linestyle=(0, (5, 3)),
                      zorder=12)


def number_shapes(ax, geoms, labels) -> None:
    """Numbers on hot spots or zones, matching the table beside the map."""
    for geom, label in zip(geoms, labels):
        p = geom.representative_point()
        ax.text(p.x, p.y, str(label), fontsize=7.5, fontweight="bold", ha="center", va="center", zorder=14,
                clip_on=True, path_effects=[pe.withStroke(linewidth=2.4, foreground="white")])


def parameter_lines(parameters: dict, prof: D.Profile) -> tuple[str, ...]:
    """The parameters as the map sheets print them, small counts hidden."""
    from exports.analysis_export import parameter_lines as lines
    from exports.packs.suppress import scrub_text

    return tuple(scrub_text(line, prof) for line in lines(parameters)[0])
