"""maps.layers.points_layer: incidents aggregated to distinct positions, bubbles that add
up incidents, escaped tooltips, the busiest positions kept, a small payload."""

import numpy as np
import pandas as pd
import pytest

from geodata.crs import bng_to_lonlat
from maps import layers
from maps.points import PositionCluster, position_data
from queries.incidents import MAP_COLUMNS

EVIL = "<img src=x onerror=alert(1)>"


def incidents(rows):
    """A MAP_COLUMNS frame from dicts (easting/northing given; lat/lon computed)."""
    frame = pd.DataFrame(rows)
    for column in MAP_COLUMNS:
        if column not in frame:
            frame[column] = None
    lon, lat = bng_to_lonlat(frame["easting"].astype(float), frame["northing"].astype(float))
    frame["longitude"], frame["latitude"] = lon, lat
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], format="ISO8601")
    return frame[list(MAP_COLUMNS)]


def base(**kw):
    row = dict(layer="offence", category="Shoplifting", occurred_at="2024-01-01", date_precision="month",
               easting=554500.0, northing=174000.0, location="On or near High Street", location_method="snap-point",
               source="police-uk")
    row.update(kw)
    return row


@pytest.fixture(scope="module")
def mixed():
    rows = []
    # A snap point with 7 crimes over three months (month precision).
    for month, cat, k in [("2024-01-01", "Violence and sexual offences", 3), ("2024-02-01", "Shoplifting", 2),
                          ("2024-03-01", "Burglary", 1), ("2024-03-01", "Drugs", 1)]:
        rows += [base(occurred_at=month, category=cat)] * k
    # A hostile location text, placed by postcode, generated, exact time.
    rows += [base(easting=555000.0, northing=174500.0, location=EVIL, location_method="postcode",
                  source="demo-generated", category="Criminal damage and arson", occurred_at="2024-03-05 21:30",
                  date_precision="minute", layer="asb")] * 2
    # A single exact incident with no location text.
    rows += [base(easting=553800.0, northing=173700.0, location=None, location_method="coordinates",
                  occurred_at="2024-02-14 08:05", date_precision="minute", category="Robbery")]
    return incidents(rows)


def test_incidents_are_aggregated_to_positions(mixed):
    data, info = position_data(mixed)
    assert (info.positions, info.incidents, info.truncated) == (3, 10, False)
    assert (info.total_positions, info.total_incidents, info.unlocated) == (3, 10, 0)
    assert sum(r[2] for r in data.rows) == len(mixed)
    tips = {r[2]: data.tooltip(i) for i, r in enumerate(data.rows)}
    assert tips[7] == (
        "<b>7 incidents</b><br>Violence and sexual offences (3), Shoplifting (2), Burglary (1), other (1)"
        "<br>Jan 2024 to Mar 2024<br>On or near High Street <small>(approximate: police.uk snap point)</small>"
    )
    assert tips[1] == "<b>1 incident</b><br>Robbery<br>14 Feb 2024 08:05<br>location not recorded"
    # Positions decode back to where the incidents are (to a micro-degree).
    for i, r in enumerate(data.rows):
        lat, lon = data.latlon(i)
        match = mixed[(mixed["latitude"] - lat).abs().lt(1e-6) & (mixed["longitude"] - lon).abs().lt(1e-6)]
        assert len(match) == r[2]


def test_tooltips_escape_text_from_the_data(mixed, run_group):
    data, _ = position_data(mixed)
    (i,) = [i for i, r in enumerate(data.rows) if r[2] == 2]
    tip = data.tooltip(i)
    assert EVIL not in tip and "&lt;img src=x onerror=alert(1)&gt;" in tip
    assert "(approximate: postcode centroid)" in tip and "Generated demo record" in tip
    assert "05 Mar 2024 21:30" in tip
    group, _ = layers.points_layer(mixed)
    script = layers.feature_group_script(group)
    assert "<img" not in script and "</script" not in script
    drawn = run_group(group)
    assert sorted(m["tip"] for m in drawn["markers"]) == sorted(data.tooltip(j) for j in range(3))


def test_cluster_bubbles_add_up_incidents(mixed, run_group):
    group, info = layers.points_layer(mixed)
    (cluster,) = [c for c in group._children.values() if isinstance(c, PositionCluster)]
    # The bubble adds each marker's incident count, not the number of markers.
    assert "getAllChildMarkers" in cluster.icon_create_function
    assert "markers[i].options.incidents" in cluster.icon_create_function
    drawn = run_group(group)
    (bubble,) = drawn["clusters"]
    assert bubble["markers"] == 3 and bubble["reachesMap"]
    assert bubble["icon"] == "<div><span>10</span></div>"
    assert sorted(m["incidents"] for m in drawn["markers"]) == [1, 2, 7]
    for m in drawn["markers"]:
        assert m["lat"] == pytest.approx(mixed["latitude"].iloc[0], abs=0.01)


def test_bubble_counts_thousands(run_group):
    frame = incidents([base()] * 1500 + [base(easting=554600.0)] * 700)
    group, info = layers.points_layer(frame)
    assert info.incidents == 2200
    (bubble,) = run_group(group)["clusters"]
    assert bubble["icon"] == "<div><span>2,200</span></div>"
    assert "marker-cluster-large" in bubble["className"]


def test_busiest_positions_are_kept_and_the_name_says_so():
    rows = []
    for k in range(1, 11):  # position k holds k incidents
        rows += [base(easting=550000.0 + 100 * k)] * k
    frame = incidents(rows)
    group, info = layers.points_layer(frame, name="Incidents", max_positions=3)
    assert info.truncated and (info.positions, info.total_positions) == (3, 10)
    assert (info.incidents, info.total_incidents) == (27, 55)
    assert group.layer_name == "Incidents (27 of 55 at the busiest 3 of 10 places)"
    data, _ = position_data(frame, 3)
    assert sorted(r[2] for r in data.rows) == [8, 9, 10]
    untruncated, info = layers.points_layer(frame, name="Fires")
    assert untruncated.layer_name == "Fires (55)" and not info.truncated


def test_positions_from_easting_northing_and_unlocated_rows():
    frame = incidents([base(), base(easting=555000.0)])
    frame.loc[1, ["latitude", "longitude"]] = np.nan  # only BNG: converted
    frame = pd.concat([frame, frame.iloc[[0]].assign(easting=np.nan, northing=np.nan, latitude=np.nan,
                                                     longitude=np.nan)], ignore_index=True)
    data, info = position_data(frame)
    assert (info.positions, info.incidents, info.unlocated) == (2, 2, 1)
    lat, lon = data.latlon([r[1] for r in data.rows].index(max(r[1] for r in data.rows)))
    want_lon, want_lat = bng_to_lonlat(555000.0, 174000.0)
    assert (lat, lon) == (pytest.approx(float(want_lat), abs=2e-6), pytest.approx(float(want_lon), abs=2e-6))


def test_empty_frame_gives_an_empty_valid_layer(run_group):
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in MAP_COLUMNS})
    group, info = layers.points_layer(frame)
    assert (info.positions, info.incidents, info.truncated, info.total_positions) == (0, 0, False, 0)
    assert group.layer_name == "Incidents (0)"
    drawn = run_group(group)
    assert drawn["onMap"] == 1 and drawn["markers"] == []
    assert drawn["clusters"][0]["markers"] == 0  # the plugin is still there, so its JS is linked


def million_on(positions: int, n: int = 1_000_000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    e = rng.uniform(549600, 563200, positions).round()
    nn = rng.uniform(167900, 177900, positions).round()
    lon, lat = bng_to_lonlat(e, nn)
    weight = rng.pareto(1.2, positions) + 1
    at = rng.choice(positions, n, p=weight / weight.sum())
    at[:positions] = np.arange(positions)  # every position used
    categories = np.array(["Violence and sexual offences", "Anti-social behaviour", "Shoplifting", "Criminal damage and arson",
                           "Vehicle crime", "Burglary", "Other theft", "Public order", "Drugs", "Bicycle theft", "Robbery",
                           "Theft from the person", "Possession of weapons", "Other crime"], dtype=object)
    months = pd.date_range("2021-10-01", periods=36, freq="MS").to_numpy()
    streets = np.array([f"On or near Street Number {i}" for i in range(positions)], dtype=object)
    return pd.DataFrame({
        "layer": "offence", "category": categories[rng.integers(0, categories.size, n)], "subcategory": None,
        "occurred_at": months[rng.integers(0, months.size, n)], "date_precision": "month",
        "easting": e[at], "northing": nn[at], "longitude": lon[at], "latitude": lat[at], "location": streets[at],
        "lsoa21cd": "E01024123", "location_method": "snap-point", "source": "police-uk",
    })


def test_a_million_incidents_on_5000_positions_is_well_under_a_megabyte():
    frame = million_on(5000)
    group, info = layers.points_layer(frame)
    assert (info.positions, info.incidents, info.truncated) == (5000, 1_000_000, False)
    (cluster,) = [c for c in group._children.values() if isinstance(c, PositionCluster)]
    assert sum(r[2] for r in cluster.positions.rows) == 1_000_000
    size = layers.payload_bytes(group)
    assert size < 600_000
