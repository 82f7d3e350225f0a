"""maps.layers: DBSCAN clusters, Gi*, change and class cells: what is drawn, where, in which
colour, with escaped tooltips; empty results give empty, valid layers."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots.change import hotspot_change
from hotspots.classify import hotspot_classify
from hotspots.dbscan import hotspot_dbscan
from hotspots.gistar import hotspot_gistar
from maps import layers, styles
from maps.shapes import tooltip_html

BOX = shapely.box(552000, 172000, 557000, 176000)
HOT = (554500.0, 174000.0)
EVIL = "<img src=x onerror=alert(1)>"
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def drawn_centres(polygons):
    """BNG centroid of each drawn polygon's outer ring."""
    out = []
    for p in polygons:
        ring = np.array(p["latlngs"][0] if isinstance(p["latlngs"][0][0], list) else p["latlngs"])
        e, n = TO_BNG.transform(ring[:, 1], ring[:, 0])
        out.append(shapely.Polygon(np.c_[e, n]).centroid)
    return out


# --------------------------------------------------------------------------------------
# DBSCAN
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dbscan():
    rng = np.random.default_rng(4)
    n_hot, n_other, n_bg = 600, 250, 400
    xy = np.r_[rng.normal(HOT, 40, (n_hot, 2)), rng.normal((553000, 175200), 40, (n_other, 2)),
               rng.uniform((552000, 172000), (557000, 176000), (n_bg, 2))]
    n = len(xy)
    # Cluster 1: Saturday nights, 22:00 to 23:00 mostly.
    start = pd.Timestamp("2024-01-06 22:10")  # a Saturday
    times = start + pd.to_timedelta(rng.integers(0, 20, n) * 7, unit="D")
    times = times.where(np.arange(n) % 5 != 0, times + pd.Timedelta(hours=3))
    categories = np.where(np.arange(n) % 3 == 0, EVIL, "Violence and sexual offences")
    frame = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "occurred_at": times, "date_precision": "minute",
                          "category": categories})
    return hotspot_dbscan(frame)


def test_clusters_are_ranked_coloured_and_escaped(dbscan, run_group):
    assert len(dbscan.clusters) >= 2
    group = layers.cluster_layer(dbscan, name="Clusters")
    (data,) = layers.shape_data(group)
    assert len(data) == len(dbscan.clusters)
    drawn = run_group(group)
    assert len(drawn["polygons"]) == len(dbscan.clusters) and all(p["reachesMap"] for p in drawn["polygons"])
    tips = {p["tip"].split("</b>")[0]: p for p in drawn["polygons"]}
    first = tips["<b>Cluster 1"]
    row = dbscan.clusters.iloc[0]
    assert first["style"]["fillColor"] == styles.OKABE_ITO[0]
    assert tips["<b>Cluster 2"]["style"]["fillColor"] == styles.OKABE_ITO[1]
    tip = first["tip"]
    assert f"Incidents: {int(row['count']):,}" in tip and f"Share of incidents: {row['share']:.1%}" in tip
    assert "Dates: 06 Jan 2024 to " in tip
    assert "Busiest day: Sat (" in tip and "Busiest hour: 22:00 to 23:00 (" in tip
    assert "&lt;img src=x onerror=alert(1)&gt;" in tip and EVIL not in tip
    assert "<img" not in layers.feature_group_script(group)
    assert {p["tip"] for p in drawn["polygons"]} == {tooltip_html(data, i) for i in range(len(data))}
    # Cluster 1 is drawn round the planted cluster.
    centre = drawn_centres([first])[0]
    assert centre.distance(shapely.Point(HOT)) < 30


def test_cluster_legend(dbscan):
    legend = layers.cluster_legend(dbscan)
    assert legend.startswith('<div class="hs-legend"')
    assert "Cluster 1" in legend and styles.OKABE_ITO[0] in legend
    assert f"{dbscan.noise:,} of {dbscan.n_incidents:,} incidents are in no cluster" in legend


def test_more_clusters_than_colours_share_a_grey():
    rng = np.random.default_rng(9)
    centres = [(552300 + 450 * (i % 10), 172300 + 900 * (i // 10)) for i in range(12)]
    xy = np.concatenate([rng.normal(c, 20, (30 + i, 2)) for i, c in enumerate(centres)])
    result = hotspot_dbscan(xy, eps=60, min_samples=10)
    assert len(result.clusters) == 12
    data = layers.cluster_shapes(result)
    fills = {tooltip_html(data, i).split("</b>")[0][3:]: data.styles[f[0]]["fillColor"] for i, f in enumerate(data.features)}
    assert fills["Cluster 7"] == styles.OKABE_ITO[6]
    assert fills["Cluster 8"] == fills["Cluster 12"] == styles.OTHER_GREY
    assert "Clusters 8 to 12" in layers.cluster_legend(result)


def test_no_clusters(run_group):
    result = hotspot_dbscan(np.empty((0, 2)))
    group = layers.cluster_layer(result)
    assert layers.shape_data(group) == []
    drawn = run_group(group)
    assert drawn["onMap"] == 1 and drawn["polygons"] == []
    assert "nothing to show" in layers.cluster_legend(result)


# --------------------------------------------------------------------------------------
# Gi*
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gistar():
    rng = np.random.default_rng(2)
    xy = np.r_[rng.normal(HOT, 120, (700, 2)), rng.uniform((552000, 172000), (557000, 176000), (3000, 2))]
    return hotspot_gistar(xy, boundary=BOX, cell_size=100)


def test_gistar_draws_the_significant_cells_where_they_are(gistar, run_group):
    shown = gistar.mask & (gistar.gi_bin != 0)
    assert (gistar.gi_bin[shown] == 3).any() and (gistar.gi_bin == 0).any()
    group = layers.gistar_layer(gistar)
    drawn = run_group(group)
    assert len(drawn["polygons"]) == shown.sum()
    g = gistar.grid
    for p, centre in zip(drawn["polygons"], drawn_centres(drawn["polygons"])):
        col = int((centre.x - g.x0) // g.cell_size)
        row = int((g.y1 - centre.y) // g.cell_size)
        # The drawn square is the cell (corners to 0.2 m), in its class's colour.
        assert abs(centre.x - (g.x0 + (col + 0.5) * g.cell_size)) < 0.2
        assert abs(centre.y - (g.y1 - (row + 0.5) * g.cell_size)) < 0.2
        label, colour = styles.GISTAR_CLASSES[int(gistar.gi_bin[row, col])]
        assert p["style"]["fillColor"] == colour and p["tip"].startswith(f"<b>{label}</b>")
        assert f"Incidents: {int(gistar.counts[row, col]):,}" in p["tip"]
        assert f"z: {gistar.z[row, col]:+.2f}" in p["tip"]
    hottest = max(drawn["polygons"], key=lambda p: float(p["tip"].split("z: ")[1].split("<")[0]))
    assert "p (FDR-adjusted): &lt; 0.001" in hottest["tip"]


def test_gistar_legend(gistar):
    legend = layers.gistar_legend(gistar)
    n99 = int((gistar.gi_bin[gistar.mask] == 3).sum())
    assert f"Hot spot, 99% confidence <span style=\"color:#555\">{n99:,} cells" in legend
    assert "Benjamini-Hochberg" in legend


def test_gistar_with_no_incidents(run_group):
    result = hotspot_gistar(np.empty((0, 2)), boundary=BOX)
    group = layers.gistar_layer(result)
    assert run_group(group)["polygons"] == []
    assert "0 cells" in layers.gistar_legend(result)


# --------------------------------------------------------------------------------------
# Change
# --------------------------------------------------------------------------------------

WEEK = pd.Timestamp("2024-03-04")  # Monday of 2024-W10


def timed(points):
    """(easting, northing, day offset from WEEK, count) -> frame at those positions."""
    rows = [(e, n, WEEK + pd.Timedelta(days=d, hours=1 + i % 20)) for e, n, d, k in points for i in range(k)]
    frame = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"])
    frame["date_precision"] = "minute"
    return frame


@pytest.fixture(scope="module")
def change():
    rng = np.random.default_rng(8)
    background = [(float(x), float(y), int(d), 1) for x, y, d in zip(
        rng.uniform(552000, 557000, 400), rng.uniform(172000, 176000, 400), rng.integers(-28, 7, 400))]
    rise = [(554550.0, 174050.0, d, 3) for d in range(0, 7)]  # 21 in the week, none before
    fall = [(553050.0, 175050.0, -d, 2) for d in range(1, 29)]  # 56 before (14 a week), none in the week
    return hotspot_change(timed(background + rise + fall), period=WEEK, boundary=BOX, cell_size=100)


def test_change_draws_rises_and_falls_only(change, run_group):
    cells = change.cells
    drawn_classes = cells["class"][cells["class"] != "no change"]
    assert {"significant rise", "fall"} <= set(drawn_classes)
    group = layers.change_layer(change, name="Change")
    drawn = run_group(group)
    assert len(drawn["polygons"]) == len(drawn_classes)
    by_class = {}
    for p in drawn["polygons"]:
        by_class.setdefault(p["tip"].split("</b>")[0][3:], []).append(p)
    assert set(by_class) == {c.capitalize() for c in drawn_classes}
    assert all(p["style"]["fillColor"] == styles.CHANGE_CLASSES["significant rise"] for p in by_class["Significant rise"])
    rise = [p for p in by_class["Significant rise"] if "Incidents: 21<" in p["tip"]]
    assert len(rise) == 1
    assert "Expected: 0.0" in rise[0]["tip"] and "p (rise, FDR-adjusted): &lt; 0.001" in rise[0]["tip"]
    assert drawn_centres(rise)[0].distance(shapely.Point(554550, 174050)) < 1
    only_rises = run_group(layers.change_layer(change, classes=("significant rise",)))
    assert len(only_rises["polygons"]) == (cells["class"] == "significant rise").sum()
    with pytest.raises(ValueError, match="classes"):
        layers.change_layer(change, classes=("no change",))


def test_change_legend(change):
    legend = layers.change_legend(change)
    assert change.period.label in legend and "previous 4 weeks" in legend
    assert "Significant rise" in legend and "Fall" in legend


def test_change_with_nothing_changed(run_group):
    result = hotspot_change(timed([(554500.0, 174000.0, -3, 1)]).iloc[:0], period=WEEK, boundary=BOX, cell_size=100)
    assert run_group(layers.change_layer(result))["polygons"] == []
    assert "Significant rise" in layers.change_legend(result)


# --------------------------------------------------------------------------------------
# Classes over time
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classify():
    rng = np.random.default_rng(6)
    start = pd.Timestamp("2022-01-03")  # a Monday
    n_bg = 6000
    days = rng.uniform(0, 728, n_bg)
    bg = np.c_[rng.uniform(552000, 557000, n_bg), rng.uniform(172000, 176000, n_bg)]
    hot_days = rng.uniform(0, 728, 1200)  # all along: persistent
    hot = rng.normal(HOT, 30, (1200, 2))
    new_days = rng.uniform(600, 728, 300)  # only lately: emerging
    new = rng.normal((553050, 175050), 30, (300, 2))
    xy = np.r_[bg, hot, new]
    times = start + pd.to_timedelta(np.r_[days, hot_days, new_days], unit="D")
    frame = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1], "occurred_at": times, "date_precision": "minute"})
    return hotspot_classify(frame, boundary=BOX, cell_size=100, period_length="4 weeks")


@pytest.mark.parametrize("scheme, column, none", [("chainey", "chainey", ""), ("pattern", "pattern", "no pattern detected")])
def test_classify_draws_the_classed_cells(classify, run_group, scheme, column, none):
    cells = classify.cells
    classed = cells[cells[column] != none]
    assert len(classed)
    group = layers.classify_layer(classify, scheme=scheme)
    drawn = run_group(group)
    assert len(drawn["polygons"]) == len(classed)
    names = {p["tip"].split("</b>")[0][3:] for p in drawn["polygons"]}
    assert names == {c.capitalize() for c in classed[column]}
    tip = drawn["polygons"][0]["tip"]
    assert f"of {len(classify.periods)}" in tip and "Trend of z (Mann-Kendall): " in tip


def test_classify_finds_the_planted_persistent_hot_spot(classify, run_group):
    drawn = run_group(layers.classify_layer(classify))
    persistent = [p for p in drawn["polygons"] if p["tip"].startswith("<b>Persistent hot spot</b>")]
    assert persistent
    assert all(p["style"]["fillColor"] == styles.CHAINEY_COLOURS["persistent hot spot"] for p in persistent)
    assert min(c.distance(shapely.Point(HOT)) for c in drawn_centres(persistent)) < 100


def test_classify_legend_and_bad_scheme(classify):
    legend = layers.classify_legend(classify)
    assert "Persistent hot spot" in legend and f"{len(classify.periods)} periods of 4 weeks" in legend
    assert "Emerging hot spot patterns (ArcGIS)" in layers.classify_legend(classify, scheme="pattern")
    with pytest.raises(ValueError, match="scheme"):
        layers.classify_layer(classify, scheme="arcgis")


def test_classify_with_no_cells(classify, run_group):
    empty = dataclasses.replace(classify, cells=classify.cells.iloc[:0])
    assert run_group(layers.classify_layer(empty))["polygons"] == []
    assert "0 cells" in layers.classify_legend(empty)
