"""exports.static_map: A4 sheets of every method, drawn offline from real analyses.

The PNGs are checked for size and content (not blank, something drawn inside the
map box, the layer's own colours present), and the layout for text that runs off
the page or into the map.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

import geodata
from exports import basemap as bm
from exports import files
from exports.sheet import MAP_BOX, SheetInfo, nice_length, wrap
from exports.static_map import map_sheet
from maps import styles

from .conftest import SHEET_METHODS, failing_fetch


def _info(title="Test sheet") -> SheetInfo:
    return SheetInfo(title=title, period="02 Oct 2023 to 31 Mar 2024", filters="Offences · Dartford borough",
                     method="Test method", parameters=("bandwidth = 300 m (given)",), summary="a summary",
                     accuracy="over the last 12 weeks the top 5% of this map held 31% of the next week's incidents",
                     caveats=("police.uk locations are approximate snap points and dates are months only.",),
                     attribution=geodata.ATTRIBUTION, statement="Disclosure profile: internal. Test.", profile="internal")


def _texts(fig) -> str:
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return "\n".join(out)


def _png(fig, dpi=150) -> np.ndarray:
    buf = io.BytesIO()
    fig.set_size_inches(*(np.array(files.a4_pixels(dpi)) + 0.01) / dpi)
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _map_pixels(rgb: np.ndarray) -> np.ndarray:
    h, w, _ = rgb.shape
    left, bottom, width, height = MAP_BOX
    r0, r1 = int((1 - bottom - height) * h) + 3, int((1 - bottom) * h) - 3
    c0, c1 = int(left * w) + 3, int((left + width) * w) - 3
    return rgb[r0:r1, c0:c1]


@pytest.mark.parametrize("method", SHEET_METHODS)
def test_every_method_draws_a_sheet_with_its_layer(analyses, method, tmp_path):
    a = analyses[method]
    fig = map_sheet(_info(f"{method} sheet"), method, a.result, tiles=True, fetch_tile=failing_fetch)
    path = files.to_png(fig, tmp_path / f"{method}.png", dpi=150)
    rgb = np.asarray(Image.open(path).convert("RGB"))
    assert rgb.shape == (1240, 1754, 3)
    assert rgb.astype(float).std() > 10  # not blank
    inside = _map_pixels(rgb)
    not_white = (inside.astype(int).sum(axis=2) < 3 * 245).mean()
    assert not_white > 0.05, f"only {not_white:.1%} of the map box is drawn"
    text = _texts(fig)
    assert "no basemap (tiles could not be fetched)" in text
    assert fig.basemap_note == bm.NO_BASEMAP


def _has_colour(rgb: np.ndarray, colour: str, alpha: float, tol: int = 6) -> bool:
    """Whether some pixel is ``colour`` at ``alpha`` over the map's background (white-ish)."""
    c = np.array(to_rgb(colour)) * 255
    for bg in (np.array([251, 251, 248]), np.array([255, 255, 255])):
        target = c * alpha + bg * (1 - alpha)
        if (np.abs(rgb.astype(float) - target).max(axis=2) <= tol).any():
            return True
    return False


def test_kde_sheet_uses_the_web_maps_classes_and_colours(analyses):
    r = analyses["kde"].result
    fig = map_sheet(_info(), "kde", r, tiles=False)
    rgb = _map_pixels(_png(fig))
    cls = styles.density_classes(r.density, r.mask, r.threshold_density)
    top = len(cls) - 1
    assert _has_colour(rgb, cls.colours[top], cls.alphas[top] * 0.7)
    legend_text = _texts(fig)
    assert "Density (KDE), incidents per km²" in legend_text
    for label in cls.labels():
        assert label in legend_text


def test_gistar_cells_in_their_confidence_colours(analyses):
    r = analyses["gistar"].result
    rgb = _map_pixels(_png(map_sheet(_info(), "gistar", r, tiles=False)))
    drawn = [k for k in (3, 2, 1) if (r.gi_bin[r.mask] == k).any()]
    assert drawn
    for k in drawn:
        assert _has_colour(rgb, styles.GISTAR_CLASSES[k][1], 0.65)


def test_clusters_in_rank_colours(analyses):
    r = analyses["dbscan"].result
    assert len(r.clusters)
    rgb = _map_pixels(_png(map_sheet(_info(), "dbscan", r, tiles=False)))
    assert _has_colour(rgb, styles.rank_colour(1), 0.35)


def test_sheet_carries_title_period_filters_scale_north_and_statement(analyses):
    fig = map_sheet(_info("A title"), "kde", analyses["kde"].result, tiles=False)
    text = _texts(fig)
    for part in ("A title", "Period: 02 Oct 2023 to 31 Mar 2024", "Filters: Offences · Dartford borough",
                 "Method: Test method", "bandwidth = 300 m (given)", "Accuracy: over the last 12 weeks",
                 "Disclosure profile: internal. Test.", "Data caveats: police.uk locations are approximate",
                 "grid\nnorth", "The north arrow shows grid north", "Boundaries: Office for National Statistics"):
        assert part in text, part
    assert " km" in text and "on A4" in text  # scale bar and its ratio
    assert "no basemap (tiles not requested)" in text


def test_nothing_runs_off_the_page_or_into_the_map(analyses):
    info = _info("A long title " * 3)
    info.notes = tuple(f"Note number {i}: " + "words " * 30 for i in range(12))
    info.parameters = tuple(f"param_{i} = {i} m (chosen from the data)" for i in range(15))
    fig = map_sheet(info, "dbscan", analyses["dbscan"].result, tiles=False)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    map_box = fig.axes[0].get_window_extent(renderer)
    for artist in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_text().strip()):
        if not artist.get_visible() or artist.axes is fig.axes[0]:
            continue
        box = artist.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= W + 1 and box.y1 <= H + 1, artist.get_text()[:60]
        overlaps = box.x1 > map_box.x0 + 1 and box.x0 < map_box.x1 - 1 and box.y1 > map_box.y0 + 1 \
            and box.y0 < map_box.y1 - 1
        assert not overlaps, f"text over the map: {artist.get_text()[:60]!r}"
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert box.x1 <= W and box.y0 >= 0 and box.x0 >= map_box.x1
    assert "continued on the text page" in _texts(fig)


def test_points_only_when_passed(analyses):
    a = analyses["points"]
    with_points = map_sheet(_info(), "points", None, points=a.selection.incidents, tiles=False)
    text = _texts(with_points)
    assert "Incidents" in text and "Offences (" in text
    without = map_sheet(_info(), "points", None, tiles=False)
    assert not any(c.get_offsets().size for ax in without.axes for c in ax.collections if hasattr(c, "get_offsets"))


def test_tiles_drawn_and_credited_when_fetched(analyses):
    grey = io.BytesIO()
    Image.fromarray(np.full((256, 256, 3), (90, 140, 200), dtype=np.uint8)).save(grey, format="PNG")
    info = _info()
    fig = map_sheet(info, "gistar", analyses["gistar"].result, fetch_tile=lambda z, x, y: grey.getvalue())
    assert fig.basemap_note == ""
    assert bm.ATTRIBUTION in info.attribution and "© OpenStreetMap contributors" in _texts(fig)
    rgb = _map_pixels(_png(fig))
    veiled = np.array([90, 140, 200]) * 0.62 + 255 * 0.38
    assert (np.abs(rgb.astype(float) - veiled).max(axis=2) <= 3).mean() > 0.3


def test_focus_area_map_frames_the_area(analyses):
    nte = geodata.area_geometry("nte")
    fig = map_sheet(_info(), "points", None, area=nte, tiles=False)
    x0, x1 = fig.axes[0].get_xlim()
    assert x1 - x0 < 5000
    assert x0 < nte.bounds[0] and x1 > nte.bounds[2]


def test_helpers():
    assert nice_length(13700) == 2500
    assert nice_length(900) == 100
    assert max(len(line) for line in wrap("word " * 100, 2.0, 8).split("\n")) <= int(2.0 * 72 / (8 * 0.58))
