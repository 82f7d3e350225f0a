"""Generated fly-tipping, as a council enforcement log (the ``fly-tipping`` import format).

At the scale DEFRA reports for Dartford, with DEFRA's land-type, waste-type and size
mix for Dartford, clustered on rural lanes, industrial estates and a few dozen repeat
sites, reported mostly on weekdays in the daytime.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from demo import places, timing
from demo.police import choose

# --- calibration targets -------------------------------------------------------------

#: Incidents a year: the mean of DEFRA's two latest Dartford totals, 3,474 (2020-21)
#: and 3,082 (2021-22) (DEFRA "Fly-tipping incidents and actions reported by local
#: authorities", LA_incidents, E07000107; shared data SOURCES.md section 4).
FLY_TIPS_PER_YEAR = 3_278
#: DEFRA 2021-22, Dartford: incidents by land type (columns "... Incidents").
LAND_TYPES = {
    "Highway": 1568, "Footpath/bridleway": 53, "Back alleyway": 395, "Railway": 0, "Council land": 356,
    "Agricultural": 251, "Private residential": 420, "Commercial/industrial": 38, "Watercourse/bank": 1,
    "Other": 0,
}
#: DEFRA 2021-22, Dartford: incidents by primary waste type ("Other household waste" is
#: "Other household"; "Primary Waste Type Measures Other (unidentified)" is "Other (unidentified)").
WASTE_TYPES = {
    "Animal carcass": 211, "Green": 144, "Vehicle parts": 78, "White goods": 436, "Other electrical": 17,
    "Tyres": 35, "Asbestos": 32, "Clinical": 1, "Construction/demolition/excavation": 353,
    "Black bags - commercial": 41, "Black bags - household": 141, "Chemical drums, oil, fuel": 4,
    "Other household": 1200, "Other commercial": 31, "Other (unidentified)": 358,
}
#: DEFRA 2021-22, Dartford: incidents by size.
SIZES = {
    "Single black bag": 92, "Single item": 1046, "Car boot or less": 590, "Small van load": 1310,
    "Transit van load": 41, "Tipper lorry load": 2, "Significant/multiple loads": 0,
}
#: Which sizes go with which waste (relative affinity; 1 = no preference). Assumed; the
#: joint table is fitted to DEFRA's two margins above (iterative proportional fitting),
#: so these only shape the pairing, never the totals.
SIZE_AFFINITY = {
    "Black bags - household": {"Single black bag": 6, "Car boot or less": 2},
    "Black bags - commercial": {"Single black bag": 4, "Car boot or less": 2, "Small van load": 1.5},
    "Clinical": {"Single black bag": 6},
    "White goods": {"Single item": 8},
    "Other electrical": {"Single item": 6},
    "Tyres": {"Single item": 3, "Car boot or less": 2},
    "Animal carcass": {"Single item": 6},
    "Vehicle parts": {"Single item": 3, "Car boot or less": 2},
    "Construction/demolition/excavation": {"Small van load": 3, "Transit van load": 6, "Tipper lorry load": 10},
    "Asbestos": {"Small van load": 3, "Transit van load": 4},
    "Green": {"Car boot or less": 2, "Small van load": 2},
    "Other household": {"Car boot or less": 1.5, "Small van load": 2},
}

#: Repeat sites: how many per land type (a few dozen in all) and the share of each land
#: type's incidents that go to them (assumed; together about 35% of all incidents).
REPEAT_SITES = {"Highway": 20, "Agricultural": 5, "Back alleyway": 8, "Commercial/industrial": 3}
REPEAT_SHARE = {"Highway": 0.50, "Agricultural": 0.50, "Back alleyway": 0.40, "Commercial/industrial": 0.50}
#: Repeat sites are not equally busy: weight 1 / rank ** REPEAT_SKEW.
REPEAT_SKEW = 0.8
#: Where highway fly-tips happen, other than repeat sites: rural lanes, industrial estates
#: and residential streets (assumed: "clustered on rural lanes, industrial estates").
HIGHWAY_PLACES = {"rural": 0.45, "industrial": 0.15, "residential": 0.40}
#: Reported in working hours (00:00 first) and mostly on weekdays (Monday first): the
#: log records when the council was told or found it.
HOURS = (.05, .03, .02, .02, .03, .1, .4, 1.2, 2.6, 3.2, 3.3, 3.1, 2.8, 2.7, 2.6, 2.4, 2.1, 1.6, 1.0, .7, .5, .3, .15, .08)
DAYS = (1.3, 1.15, 1.15, 1.15, 1.05, .6, .45)
#: Mild seasonal cycle, peaking in early summer (clear-outs and DIY): amplitude, peak day.
SEASON = (0.10, 160)
#: Share of rows logged with a date but no time (issue 2 brief: about 15%).
NO_TIME_SHARE = 0.15
#: Position formats: of rows at a postcode centroid, the share logged by postcode only
#: (placed at the ONS centroid by the importer); of the rest, the share in WGS84.
POSTCODE_ONLY_SHARE = 0.30
LATLON_SHARE = 0.15

COLUMNS = ("reference", "date", "time", "easting", "northing", "latitude", "longitude", "postcode",
           "location", "waste_type", "size", "land_type")
SEED = 2021_10_03


def joint_waste_size(iterations: int = 200) -> pd.DataFrame:
    """P(waste type, size) with DEFRA's margins, shaped by SIZE_AFFINITY."""
    wastes, sizes = list(WASTE_TYPES), list(SIZES)
    table = np.ones((len(wastes), len(sizes)))
    for i, w in enumerate(wastes):
        for j, s in enumerate(sizes):
            table[i, j] = SIZE_AFFINITY.get(w, {}).get(s, 1.0)
    row = np.array([WASTE_TYPES[w] for w in wastes], dtype=float)
    col = np.array([SIZES[s] for s in sizes], dtype=float)
    row, col = row / row.sum(), col / col.sum()
    table = table / table.sum()
    for _ in range(iterations):
        table *= (row / np.maximum(table.sum(axis=1), 1e-300))[:, None]
        table *= (col / np.maximum(table.sum(axis=0), 1e-300))[None, :]
    return pd.DataFrame(table, index=wastes, columns=sizes)


def weight(grid: timing.Grid) -> np.ndarray:
    return np.asarray(HOURS)[grid.hour] * np.asarray(DAYS)[grid.dow] * grid.seasonal(*SEASON)


def _site_frames() -> dict[str, pd.DataFrame]:
    """Candidate places by kind, each with easting, northing, name, postcode (or '') and weight."""
    snaps = places.snap_points()
    snaps = snaps[~snaps["near_bluewater"]].assign(postcode="", name=lambda f: f["street"])
    pcs = places.postcode_centroids()
    pcs = pcs[~pcs["near_bluewater"]].assign(postcode=lambda f: f["pcds"])
    parks = snaps["street"].isin(("Park/Open Space", "Sports/Recreation Area"))
    residential_pcs = pcs[~pcs["rural"] & ~pcs["industrial"] & ~pcs["nte"]]
    frames = {
        "rural": pd.concat([snaps[snaps["rural"]].assign(weight=1.0), pcs[pcs["rural"]].assign(weight=0.5)]),
        "industrial": pd.concat([snaps[snaps["industrial"]].assign(weight=2.0), pcs[pcs["industrial"]].assign(weight=1.0)]),
        "residential": pd.concat([
            snaps[~snaps["rural"] & ~snaps["poi"] & ~snaps["industrial"]].assign(weight=1.0),
            residential_pcs.assign(weight=1.0)]),
        # Alleyways run behind terraces and shops: the denser the postcodes, the more.
        "alley": residential_pcs.assign(weight=np.sqrt(residential_pcs["density"].to_numpy(float))),
        "homes": residential_pcs.assign(weight=1.0),
        "council": pd.concat([snaps[parks].assign(weight=3.0), residential_pcs.assign(weight=0.3)]),
        "paths": pd.concat([snaps[parks].assign(weight=2.0), snaps[snaps["rural"]].assign(weight=1.0)]),
    }
    cols = ["easting", "northing", "name", "postcode", "weight"]
    return {k: f[cols].reset_index(drop=True) for k, f in frames.items()}


#: Places for each land type (non-repeat incidents): {land type: {kind: share}}.
LAND_PLACES = {
    "Highway": HIGHWAY_PLACES,
    "Footpath/bridleway": {"paths": 1.0},
    "Back alleyway": {"alley": 1.0},
    "Railway": {"industrial": 1.0},
    "Council land": {"council": 1.0},
    "Agricultural": {"rural": 1.0},
    "Private residential": {"homes": 1.0},
    "Commercial/industrial": {"industrial": 1.0},
    "Watercourse/bank": {"rural": 1.0},
    "Other": {"residential": 1.0},
}
#: Where repeat sites of each land type are chosen from.
REPEAT_FROM = {"Highway": ("rural", "industrial"), "Agricultural": ("rural",), "Back alleyway": ("alley",),
               "Commercial/industrial": ("industrial",)}


def repeat_sites(rng: np.random.Generator, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The repeat sites: distinct real places, each with a land type and a Zipf-like weight."""
    chosen = []
    for land, count in REPEAT_SITES.items():
        pool = pd.concat([frames[k] for k in REPEAT_FROM[land]], ignore_index=True)
        taken = pd.concat(chosen) if chosen else pool.iloc[:0]
        key = pool["easting"].round().astype(str) + "," + pool["northing"].round().astype(str)
        used = taken["easting"].round().astype(str) + "," + taken["northing"].round().astype(str)
        pool = pool[~key.isin(used) & ~key.duplicated()].reset_index(drop=True)
        idx = rng.choice(len(pool), size=count, replace=False, p=pool["weight"] / pool["weight"].sum())
        chosen.append(pool.iloc[idx].assign(land_type=land, weight=1.0 / np.arange(1, count + 1) ** REPEAT_SKEW))
    return pd.concat(chosen, ignore_index=True)


def generate(grid: timing.Grid | None = None, seed: int = SEED) -> pd.DataFrame:
    """Every generated fly-tip (not yet formatted). ``repeat_site`` is the site number or -1."""
    grid = grid or timing.make_grid()
    rng = np.random.default_rng(seed)
    n_years = len(timing.YEARS)
    when = timing.draw(rng, grid, weight(grid), [FLY_TIPS_PER_YEAR] * n_years)
    n = len(when)
    land = choose(rng, LAND_TYPES, n)

    frames = _site_frames()
    repeats = repeat_sites(rng, frames)
    east, north = np.empty(n), np.empty(n)
    name, postcode = np.empty(n, dtype=object), np.empty(n, dtype=object)
    site = np.full(n, -1)
    for lt in LAND_TYPES:
        rows = np.flatnonzero(land == lt)
        if not len(rows):
            continue
        to_repeat = rng.random(len(rows)) < REPEAT_SHARE.get(lt, 0.0)
        rep_rows = rows[to_repeat]
        if len(rep_rows):
            mine = np.flatnonzero(repeats["land_type"].to_numpy() == lt)
            k = mine[places.pick(rng, repeats["weight"].to_numpy()[mine], len(rep_rows))]
            east[rep_rows] = repeats["easting"].to_numpy()[k]
            north[rep_rows] = repeats["northing"].to_numpy()[k]
            name[rep_rows] = repeats["name"].to_numpy()[k]
            postcode[rep_rows] = repeats["postcode"].to_numpy()[k]
            site[rep_rows] = k
        other = rows[~to_repeat]
        kinds = list(LAND_PLACES[lt])
        kind_of = np.array(kinds, dtype=object)[rng.choice(len(kinds), size=len(other),
                                                           p=np.array(list(LAND_PLACES[lt].values())) / sum(LAND_PLACES[lt].values()))]
        for kind in kinds:
            sub = other[kind_of == kind]
            f = frames[kind]
            k = places.pick(rng, f["weight"], len(sub))
            east[sub], north[sub] = f["easting"].to_numpy()[k], f["northing"].to_numpy()[k]
            name[sub], postcode[sub] = f["name"].to_numpy()[k], f["postcode"].to_numpy()[k]

    joint = joint_waste_size()
    cells = rng.choice(joint.size, size=n, p=joint.to_numpy().ravel())
    waste = joint.index.to_numpy()[cells // joint.shape[1]]
    size = joint.columns.to_numpy()[cells % joint.shape[1]]

    je, jn = places.jitter(rng, east, north)
    postcode_only = (postcode != "") & (rng.random(n) < POSTCODE_ONLY_SHARE)
    # A postcode-only row is at the centroid itself; every other row is jittered.
    je, jn = np.where(postcode_only, east, je), np.where(postcode_only, north, jn)
    frame = pd.DataFrame({
        "occurred_at": when, "easting": je, "northing": jn, "location": name, "postcode": postcode,
        "postcode_only": postcode_only, "waste_type": waste, "size": size, "land_type": land,
        "repeat_site": site,
    })
    frame["has_time"] = rng.random(n) >= NO_TIME_SHARE
    return frame.sort_values(["occurred_at", "easting", "northing"], kind="stable").reset_index(drop=True)


def write(rng: np.random.Generator, frame: pd.DataFrame, path: Path) -> int:
    """Write ``frame`` as a council fly-tipping log; returns the row count."""
    east, north, lat, lon = places.fmt_position(rng, frame["easting"], frame["northing"], LATLON_SHARE)
    only = frame["postcode_only"].to_numpy()
    ts = pd.DatetimeIndex(frame["occurred_at"])
    cols = {
        "reference": [f"DEMO-FT-{i:06d}" for i in range(1, len(frame) + 1)],
        "date": ts.strftime("%Y-%m-%d"),
        "time": np.where(frame["has_time"], ts.strftime("%H:%M"), ""),
        "easting": np.where(only, "", east), "northing": np.where(only, "", north),
        "latitude": np.where(only, "", lat), "longitude": np.where(only, "", lon),
        "postcode": frame["postcode"].to_numpy(object),  # the site's postcode when it is one
    }
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        data = [cols[c] if c in cols else frame[c].to_numpy(object) for c in COLUMNS]
        out.writerows(zip(*data))
    return len(frame)
