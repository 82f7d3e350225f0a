"""Generated outdoor fires, as a fire and rescue service incident export (``fires`` format).

Grassland fires ("Grassland, woodland and crops") on Dartford Heath and other open
land, peaking in summer and in the late afternoon, mostly secondary and deliberate,
with a bad summer 2022 and a fall of 28% in October 2023 to September 2024; plus
secondary refuse and outdoor-structure fires in the streets.

There are no public incident-level fire records for Dartford in the project's data
(shared data SOURCES.md, "Not found"), so the yearly scale is an assumption; the
pattern (summer peak, the 2022 heatwave, the 28% fall) is what the CSP reports.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from demo import places, timing
from demo.police import Places, batch, choose

# --- calibration targets -------------------------------------------------------------

#: Grassland fires in a normal year (October 2022 to September 2023). Assumed: no
#: Dartford fire records are available (see the module docstring).
GRASS_FIRES_NORMAL_YEAR = 150
#: Refuse and outdoor-structure fires in a normal year (assumed).
OTHER_FIRES_NORMAL_YEAR = 60
#: June to August 2022 (the 2022 heatwave) had this many times a normal summer's grass
#: fires (issue 2: "a bad 2022"; assumed factor: "several times a normal summer").
HEATWAVE_2022_FACTOR = 4.0
#: ... and this many times the refuse and outdoor-structure fires.
HEATWAVE_2022_OTHER_FACTOR = 1.5
#: October 2023 to September 2024 against October 2022 to September 2023 (CSP
#: strategy, issue 2: "a 28% fall").
FALL_2023_24 = 0.28
#: Share of grassland fires on Dartford Heath (the ``heath`` focus area); the rest are
#: on other open land (see demo/places.py ``open_land``). Assumed: the heath is the
#: borough's largest open common next to housing.
HEATH_SHARE = 0.35
#: Month profile (January first): a spring peak as dead grass dries, the main peak in
#: July and August (assumed, the usual shape of secondary grass fires).
MONTHS = (.25, .3, .8, 1.2, 1.1, 1.8, 2.6, 2.3, 1.0, .45, .3, .25)
#: Hour profile (00:00 first): late afternoon and early evening peak.
HOURS = (.4, .3, .2, .15, .1, .1, .1, .15, .25, .4, .6, .9, 1.2, 1.6, 2.0, 2.5, 2.9, 3.0, 2.8, 2.3, 1.7, 1.2, .8, .55)
#: Day profile (Monday first): a little more at weekends.
DAYS = (.95, .95, .95, .95, 1.0, 1.1, 1.1)

#: Property types per place (assumed mixes).
HEATH_TYPES = {"Heathland or moorland": 0.60, "Scrub land": 0.20, "Grassland, pasture, grazing etc": 0.15,
               "Woodland/forest": 0.05}
OPEN_LAND_TYPES = {"Grassland, pasture, grazing etc": 0.55, "Scrub land": 0.25, "Woodland/forest": 0.12,
                   "Heathland or moorland": 0.08}
OTHER_TYPES = {
    ("Refuse", "Loose refuse"): 0.35, ("Refuse", "Wheelie bin"): 0.22,
    ("Refuse", "Large refuse/rubbish container (eg skip)"): 0.13,
    ("Outdoor structures", "Fence"): 0.15, ("Outdoor structures", "Common external bin storage area"): 0.08,
    ("Outdoor structures", "Other outdoor structures"): 0.07,
}
#: Primary-fire rates (the rest secondary), by property type (assumed: "mostly secondary").
PRIMARY_RATE = {"Woodland/forest": 0.20, "Outdoor structures": 0.25, "heatwave": 0.12, "default": 0.05}
#: Cause mix (assumed: "mostly deliberate"); the heatwave adds accidental fires.
CAUSES = {"Deliberate": 0.62, "Accidental": 0.30, "Not known": 0.08}
HEATWAVE_CAUSES = {"Deliberate": 0.45, "Accidental": 0.45, "Not known": 0.10}
OTHER_CAUSES = {"Deliberate": 0.75, "Accidental": 0.15, "Not known": 0.10}
#: Area burnt, m2: log-normal (median, sigma), heavy-tailed (assumed).
AREA_GRASS = (40.0, 1.5)
AREA_HEATH_FACTOR = 2.0  # the heath burns bigger
AREA_HEATWAVE_FACTOR = 3.0
AREA_OTHER = (2.0, 0.8)
#: Share of rows given in WGS84 rather than easting/northing.
LATLON_SHARE = 0.10

COLUMNS = ("incident_number", "call_datetime", "easting", "northing", "latitude", "longitude", "location",
           "location_type", "property_type", "incident_category", "cause", "area_burnt_m2")
SEED = 2021_10_04


def heatwave(grid: timing.Grid) -> np.ndarray:
    return grid.months(6, 7, 8, year=2022)


def rate(grid: timing.Grid, normal_year: float, heatwave_factor: float) -> np.ndarray:
    """Expected fires per hour: a normal year's profile, the 2022 heatwave and the 2023-24 fall."""
    shape = np.asarray(MONTHS)[grid.month - 1] * np.asarray(HOURS)[grid.hour] * np.asarray(DAYS)[grid.dow]
    normal = grid.demo_year == 1
    r = shape * normal_year / shape[normal].sum()
    r = np.where(heatwave(grid), r * heatwave_factor, r)
    return np.where(grid.demo_year == 2, r * (1 - FALL_2023_24), r)


def per_year(grid: timing.Grid, r: np.ndarray) -> list[int]:
    return [round(x) for x in timing.expected_per_year(grid, r)]


def _street_places() -> Places:
    """Refuse and structure fires: snap points weighted by police.uk's criminal damage and
    arson rows, and postcode centroids by their LSOA's."""
    snaps = places.snap_points()
    pcs = places.postcode_centroids()
    cda = "Criminal damage and arson"
    return Places.mix((Places.of(snaps, snaps[cda] + 0.5), 0.6),
                      (Places.of(pcs, places.lsoa_weights(pcs, places.lsoa_counts(cda))), 0.4))


def generate(grid: timing.Grid | None = None, seed: int = SEED) -> pd.DataFrame:
    grid = grid or timing.make_grid()
    rng = np.random.default_rng(seed)

    grass_rate = rate(grid, GRASS_FIRES_NORMAL_YEAR, HEATWAVE_2022_FACTOR)
    when = timing.draw(rng, grid, grass_rate, per_year(grid, grass_rate))
    n = len(when)
    on_heath = rng.random(n) < HEATH_SHARE
    east, north = np.empty(n), np.empty(n)
    east[on_heath], north[on_heath] = places.heath_points(rng, int(on_heath.sum()))
    east[~on_heath], north[~on_heath] = places.open_land_points(rng, int((~on_heath).sum()))
    streets = places.nearest_street(east, north)
    grass = pd.DataFrame({
        "occurred_at": when, "easting": east, "northing": north,
        "location": np.where(on_heath, "Dartford Heath", "Open land off " + streets.astype(object)),
        "location_type": "Grassland, woodland and crops",
        "property_type": np.where(on_heath, choose(rng, HEATH_TYPES, n), choose(rng, OPEN_LAND_TYPES, n)),
        "component": np.where(on_heath, "heath", "open_land"),
    })

    other_rate = rate(grid, OTHER_FIRES_NORMAL_YEAR, HEATWAVE_2022_OTHER_FACTOR)
    other = batch(rng, grid, other_rate, per_year(grid, other_rate), _street_places(), component="street")
    kinds = choose(rng, {f"{a}\t{b}": w for (a, b), w in OTHER_TYPES.items()}, len(other))
    other["location_type"] = [k.split("\t")[0] for k in kinds]
    other["property_type"] = [k.split("\t")[1] for k in kinds]
    other["location"] = other["location"].str.removeprefix("On or near ")

    frame = pd.concat([grass, other], ignore_index=True)
    return _attributes(rng, frame)


def _attributes(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    n = len(frame)
    ts = pd.DatetimeIndex(frame["occurred_at"])
    hot = np.asarray((ts.year == 2022) & ts.month.isin([6, 7, 8]))
    grass = (frame["location_type"] == "Grassland, woodland and crops").to_numpy()
    ptype = frame["property_type"].to_numpy(object)
    ltype = frame["location_type"].to_numpy(object)

    primary_rate = np.full(n, PRIMARY_RATE["default"])
    primary_rate[hot & grass] = PRIMARY_RATE["heatwave"]
    primary_rate[ptype == "Woodland/forest"] = PRIMARY_RATE["Woodland/forest"]
    primary_rate[ltype == "Outdoor structures"] = PRIMARY_RATE["Outdoor structures"]
    frame["incident_category"] = np.where(rng.random(n) < primary_rate, "Primary", "Secondary")

    cause = choose(rng, CAUSES, n)
    cause = np.where(hot & grass, choose(rng, HEATWAVE_CAUSES, n), cause)
    frame["cause"] = np.where(grass, cause, choose(rng, OTHER_CAUSES, n))

    median = np.where(grass, AREA_GRASS[0], AREA_OTHER[0])
    median = np.where(frame["component"] == "heath", median * AREA_HEATH_FACTOR, median)
    median = np.where(hot & grass, median * AREA_HEATWAVE_FACTOR, median)
    sigma = np.where(grass, AREA_GRASS[1], AREA_OTHER[1])
    area = np.exp(np.log(median) + sigma * rng.standard_normal(n))
    frame["area_burnt_m2"] = np.maximum(1, np.rint(area)).astype(np.int64)
    return frame.sort_values(["occurred_at", "easting", "northing"], kind="stable").reset_index(drop=True)


def write(rng: np.random.Generator, frame: pd.DataFrame, path: Path) -> int:
    """Write ``frame`` as a fire service incident export; returns the row count."""
    east, north, lat, lon = places.fmt_position(rng, frame["easting"], frame["northing"], LATLON_SHARE)
    ts = pd.DatetimeIndex(frame["occurred_at"])
    cols = {
        "incident_number": [f"DEMO-FIRE-{i:06d}" for i in range(1, len(frame) + 1)],
        "call_datetime": ts.strftime("%Y-%m-%d %H:%M:%S"),
        "easting": east, "northing": north, "latitude": lat, "longitude": lon,
        "area_burnt_m2": frame["area_burnt_m2"].astype(str).to_numpy(object),
    }
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        data = [cols[c] if c in cols else frame[c].to_numpy(object) for c in COLUMNS]
        out.writerows(zip(*data))
    return len(frame)
