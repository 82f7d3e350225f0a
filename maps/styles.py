"""Colours and classes of the hot spot layers, shared by the layers and their legends.

Every palette is safe for the common colour-vision deficiencies:

- density: matplotlib's ``viridis`` (sequential, lightness rises with the value);
- ranked clusters and Chainey classes: Okabe and Ito's eight colours;
- ArcGIS patterns: Paul Tol's "muted" scheme (nine colours);
- Gi* and change: ColorBrewer ``RdBu`` (diverging: red hot or rising, blue cold or
  falling, darker for more confidence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------------------
# Palettes
# --------------------------------------------------------------------------------------

#: Okabe, M. and Ito, K. (2008) Color Universal Design; black left out (it hides the map).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Clusters ranked beyond the palette share this grey.
OTHER_GREY = "#8C8C8C"
#: Paul Tol's "muted" qualitative scheme (https://personal.sron.nl/~pault/).
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")

#: ColorBrewer RdBu, 6 classes: hot 99/95/90%, then cold 90/95/99%.
GISTAR_CLASSES: dict[int, tuple[str, str]] = {
    3: ("Hot spot, 99% confidence", "#B2182B"),
    2: ("Hot spot, 95% confidence", "#EF8A62"),
    1: ("Hot spot, 90% confidence", "#FDDBC7"),
    -1: ("Cold spot, 90% confidence", "#D1E5F0"),
    -2: ("Cold spot, 95% confidence", "#67A9CF"),
    -3: ("Cold spot, 99% confidence", "#2166AC"),
}

#: hotspots.change classes drawn by default, with their colour (RdBu again).
CHANGE_CLASSES: dict[str, str] = {
    "significant rise": "#B2182B",
    "rise": "#F4A582",
    "fall": "#4393C3",
}

#: hotspots.classify Chainey classes (the empty class, no hot spot, is not drawn).
CHAINEY_COLOURS: dict[str, str] = {
    "persistent hot spot": "#D55E00",
    "emerging hot spot": "#E69F00",
    "intermittent hot spot": "#CC79A7",
    "former hot spot": "#56B4E9",
}

#: ArcGIS emerging hot spot patterns: one colour per pattern, hot and cold alike;
#: cold spots are drawn paler with a dashed blue outline.
PATTERN_COLOURS: dict[str, str] = {
    "new": TOL_MUTED[0],
    "consecutive": TOL_MUTED[5],
    "intensifying": TOL_MUTED[1],
    "persistent": TOL_MUTED[8],
    "diminishing": TOL_MUTED[6],
    "sporadic": TOL_MUTED[2],
    "oscillating": TOL_MUTED[7],
    "historical": TOL_MUTED[4],
}
COLD_OUTLINE = "#2166AC"

#: Outline of the KDE hot spots, drawn over the density image.
HOTSPOT_OUTLINE = {"color": "#000000", "weight": 2.5, "opacity": 0.9, "fill": True, "fillOpacity": 0.0}


def cell_style(colour: str, *, fill_opacity: float = 0.6, outline: str | None = None, dash: str | None = None) -> dict:
    """Leaflet path options for a grid cell of the given colour."""
    style = {
        "color": outline or colour,
        "weight": 1 if outline is None else 1.5,
        "opacity": 0.9,
        "fillColor": colour,
        "fillOpacity": fill_opacity,
    }
    if dash:
        style["dashArray"] = dash
    return style


def rank_colour(rank: int) -> str:
    """The colour of the cluster ranked ``rank`` (1 = most incidents)."""
    return OKABE_ITO[rank - 1] if 1 <= rank <= len(OKABE_ITO) else OTHER_GREY


# --------------------------------------------------------------------------------------
# Density classes
# --------------------------------------------------------------------------------------

DEFAULT_DENSITY_CLASSES = 7
#: Alpha of the lowest and highest density class (times the layer's opacity), so the
#: wide, faint tails of the surface leave the streets readable.
LOW_ALPHA, HIGH_ALPHA = 0.55, 1.0


def round_sig(x: float, digits: int = 2) -> float:
    """``x`` rounded to ``digits`` significant figures."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def format_number(x: float, digits: int = 2) -> str:
    """A positive number with ``digits`` significant figures and thousands separators."""
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return f"{round_sig(x, digits):,.{decimals}f}"


def viridis(n: int) -> list[str]:
    """``n`` colours from matplotlib's viridis, dark (low) to light (high)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis"]
    return [to_hex(cmap(float(t))) for t in np.linspace(0.0, 1.0, n)] if n else []


@dataclass(frozen=True)
class DensityClasses:
    """Classes of a density surface: class ``i`` holds values in ``[breaks[i], breaks[i+1])``.

    ``breaks[0]`` is 0, exclusive: zero density is no class (transparent). The last
    class is open above. When ``threshold`` is set the last class starts exactly at
    the hot spot threshold, so its cells are the hot spot cells.
    """

    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    alphas: tuple[float, ...]
    maximum: float
    threshold: float | None
    method: str

    def __len__(self) -> int:
        return len(self.breaks)

    def classify(self, values: np.ndarray) -> np.ndarray:
        """Class index of each value, -1 for zero, negative, NaN or no classes."""
        values = np.asarray(values, dtype=float)
        out = np.full(values.shape, -1, dtype=np.int16)
        if not self.breaks:
            return out
        ok = np.isfinite(values) & (values > 0)
        out[ok] = np.searchsorted(np.asarray(self.breaks), values[ok], side="right") - 1
        return out

    def labels(self) -> list[str]:
        """One label per class: ``"above 0 to 120"``, ``"120 to 250"``, ``"at least 1,234 (hot spots)"``."""
        out = []
        for i, low in enumerate(self.breaks):
            low_text = "above 0" if i == 0 else format_number(low, 3 if low == self.threshold else 2)
            if i + 1 < len(self.breaks):
                high = self.breaks[i + 1]
                out.append(f"{low_text} to {format_number(high, 3 if high == self.threshold else 2)}")
            elif self.threshold is not None:
                out.append(f"at least {low_text} (hot spots)")
            elif i == 0:
                out.append(f"above 0 to {format_number(self.maximum)}")
            else:
                out.append(f"at least {low_text}")
        return out


def density_classes(density: np.ndarray, mask: np.ndarray | None = None, threshold: float | None = None,
                    n: int = DEFAULT_DENSITY_CLASSES) -> DensityClasses:
    """Classes from the non-zero densities in the area.

    With a hot spot ``threshold`` that some values reach and some do not, the top class
    is "at or above the threshold" and the ``n - 1`` classes below it are quantiles of
    the non-zero values under it; otherwise ``n`` quantiles of all non-zero values.
    Inner breaks are rounded to two significant figures (a legend people can read);
    ties are merged, so a flat surface gets fewer classes.
    """
    if n < 1:
        raise ValueError(f"`n` must be at least 1; got {n}")
    values = np.asarray(density, dtype=float)
    if mask is not None:
        values = values[np.asarray(mask, dtype=bool)]
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return DensityClasses((), (), (), 0.0, None, "no density above zero")
    top = float(values.max())
    use_threshold = (
        threshold is not None and math.isfinite(threshold) and threshold > 0
        and n >= 2 and bool((values >= threshold).any()) and bool((values < threshold).any())
    )
    if use_threshold:
        below = values[values < threshold]
        qs = np.quantile(below, np.arange(1, n - 1) / (n - 1)) if n > 2 else np.array([])
        inner = sorted({round_sig(float(q)) for q in qs if 0 < round_sig(float(q)) < threshold})
        breaks = [0.0, *inner, float(threshold)]
        method = "quantiles of the non-zero density below the hot spot threshold, then the hot spots"
    else:
        qs = np.quantile(values, np.arange(1, n) / n) if n > 1 else np.array([])
        inner = sorted({round_sig(float(q)) for q in qs if 0 < round_sig(float(q)) < top})
        breaks = [0.0, *inner]
        method = "quantiles of the non-zero density"
    k = len(breaks)
    alphas = tuple(float(a) for a in np.linspace(LOW_ALPHA, HIGH_ALPHA, k)) if k > 1 else (HIGH_ALPHA,)
    return DensityClasses(
        breaks=tuple(breaks),
        colours=tuple(viridis(k)),
        alphas=alphas,
        maximum=top,
        threshold=float(threshold) if use_threshold else None,
        method=method,
    )
