"""Generated anti-social behaviour incidents, as police-extract rows (crime_type
"Anti-social behaviour"): evening- and weekend-heavy, in the town centre and parks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from demo import places, timing
from demo.police import Places, batch, choose

# --- calibration targets -------------------------------------------------------------

#: ASB incidents a year (CSP strategy, issue 2: "about 1,600 ASB incidents a year").
ASB_PER_YEAR = 1_600
#: A slight fall, -3% a year (assumed): 1,648 / 1,600 / 1,552.
ANNUAL_TREND = -0.03
#: ASB categories (police ASB recording: nuisance, personal, environmental); shares
#: assumed, with nuisance the large majority as in national police ASB data.
CATEGORIES = {"ASB - Nuisance": 0.72, "ASB - Personal": 0.20, "ASB - Environmental": 0.08}
#: Where: the town-centre NTE zone, parks and open spaces, Bluewater, and the rest of
#: the borough weighted by police.uk's ASB rows (shares assumed: "town centre and parks").
PLACE_SHARES = {"town_centre": 0.25, "parks": 0.15, "bluewater": 0.10, "background": 0.50}
#: Snap points that are parks or open spaces.
PARK_NAMES = ("Park/Open Space", "Sports/Recreation Area")
#: Postcode centroids within this distance of a park snap point also count as the park.
PARK_RADIUS_M = 150.0
#: Hour-of-day profile (00:00 first): afternoon after school to late evening.
HOURS = (2, 1.4, 1, .6, .4, .3, .3, .5, .8, 1, 1.2, 1.4, 1.6, 1.8, 2, 2.6, 3.4, 4, 4.4, 4.6, 4.6, 4.2, 3.5, 2.7)
#: Day-of-week profile (Monday first): Friday and Saturday heaviest.
DAYS = (.85, .85, .9, .95, 1.2, 1.35, 1.1)
#: Summer peak (light evenings, school holidays): amplitude, peak day of year.
SEASON = (0.25, 196)
#: An emerging ASB hot spot at a real park snap point (longitude, latitude as police.uk
#: gives them), incidents a year at the start and at the end (assumed).
EMERGING = ("Darenth park ASB (emerging)", "0.250736", "51.429659", 5, 110)

SEED = 2021_10_02


def per_year() -> list[int]:
    return [round(ASB_PER_YEAR * (1 + ANNUAL_TREND * (y - 1))) for y in range(len(timing.YEARS))]


def weight(grid: timing.Grid) -> np.ndarray:
    return np.asarray(HOURS)[grid.hour] * np.asarray(DAYS)[grid.dow] * grid.seasonal(*SEASON)


def _where() -> dict[str, Places]:
    snaps = places.snap_points()
    pcs = places.postcode_centroids()
    asb = "Anti-social behaviour"
    town = Places.mix((Places.of(snaps[snaps["nte"]], snaps.loc[snaps["nte"], asb] + 1.0), 0.8),
                      (Places.of(pcs[pcs["nte"]], np.ones(int(pcs["nte"].sum()))), 0.2))
    park_snaps = snaps[snaps["street"].isin(PARK_NAMES) & ~snaps["near_bluewater"]]
    tree = cKDTree(park_snaps[["easting", "northing"]].to_numpy())
    near = np.isfinite(tree.query(pcs[["easting", "northing"]].to_numpy(), distance_upper_bound=PARK_RADIUS_M)[0])
    park_pcs = pcs[near & ~pcs["near_bluewater"]]
    parks = Places.mix((Places.of(park_snaps, park_snaps[asb] + 2.0), 0.7),
                       (Places.of(park_pcs, np.ones(len(park_pcs))), 0.3))
    bw_snaps = snaps[snaps["bluewater"]]
    bw_pcs = pcs[pcs["bluewater"]]
    bluewater = Places.mix((Places.of(bw_snaps, bw_snaps["total"] + 1.0), 0.7),
                           (Places.of(bw_pcs, np.ones(len(bw_pcs))), 0.3))
    rest = snaps[~snaps["near_bluewater"]]
    rest_pcs = pcs[~pcs["near_bluewater"]]
    background = Places.mix((Places.of(rest, rest[asb] + 0.1 * rest["total"] + 0.2), 0.8),
                            (Places.of(rest_pcs, places.lsoa_weights(rest_pcs, places.lsoa_counts(asb))), 0.2))
    return {"town_centre": town, "parks": parks, "bluewater": bluewater, "background": background}


def generate(grid: timing.Grid | None = None, seed: int = SEED) -> pd.DataFrame:
    """Every generated ASB incident (``component`` says which part made it)."""
    grid = grid or timing.make_grid()
    rng = np.random.default_rng(seed)
    years = np.array(per_year())
    w = weight(grid)
    parts = []

    label, lon, lat, start, end = EMERGING
    snaps = places.snap_points()
    at = snaps[(snaps["Longitude"] == lon) & (snaps["Latitude"] == lat)]
    if len(at) != 1:
        raise ValueError(f"{label}: no police.uk snap point at {lon}, {lat}")
    rate = timing.ramp(grid, start, end)
    n = np.array([round(x) for x in timing.expected_per_year(grid, rate)])
    parts.append(batch(rng, grid, rate * w, n, Places.of(at, np.ones(1)), component=f"trend:{label}"))

    rest = years - n
    split = np.array([timing.allocate(int(r), list(PLACE_SHARES.values())) for r in rest])
    where = _where()
    for i, key in enumerate(PLACE_SHARES):
        parts.append(batch(rng, grid, w, split[:, i], where[key], component=key))

    frame = pd.concat(parts, ignore_index=True)
    frame["crime_type"] = "Anti-social behaviour"
    frame["offence"] = choose(rng, CATEGORIES, len(frame))
    # ASB is not a notifiable crime: no Home Office group, flags unknown, no outcome.
    for col in ("offence_group", "domestic_abuse", "alcohol_related", "hate", "outcome"):
        frame[col] = ""
    return frame
