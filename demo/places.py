"""Where generated incidents happen: real police.uk snap points and ONS postcode centroids.

Every generated position starts at a real place in Dartford and moves at most
``JITTER_M`` metres, so nothing lands in the river or a field where no one goes:

- police.uk snap points: the distinct longitude/latitude of the Dartford rows in the
  police.uk files shipped in ``demo/data/police_uk/`` (rows whose 2021 LSOA is one of
  Dartford's, as the importer decides), with their "On or near X" names and how many
  rows of each crime type police.uk put there (January to April 2024);
- ONS postcode centroids of Dartford (LAD E07000107) from ``geodata.postcodes()``;
- for fires only, random points on open land: Dartford Heath (the ``heath`` focus
  area) and land more than ``BUILT_UP_RADIUS_M`` from any Dartford postcode centroid
  (fields, marshes, woods, quarries and large parks), weighted towards housing.

All metric work is in British National Grid; conversions use ``geodata``'s helpers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

import geodata

DATA = Path(__file__).resolve().parent / "data"
POLICE_UK_DIR = DATA / "police_uk"

#: Largest distance a generated position moves from its real place (issue 2: "jittered
#: by at most a few metres").
JITTER_M = 4.0
#: Places used for generated rows keep this far inside the borough (and inside a focus
#: area they stand for, or this far outside one they must not be counted in): jitter
#: plus rounding to whole metres plus the importer's own WGS84 -> BNG transform.
EDGE_MARGIN_M = JITTER_M + 2.0
#: "Built-up" = within this distance of a Dartford postcode centroid; residential
#: postcode centroids sit some tens of metres apart, so 150 m closes the gaps between
#: streets but leaves fields, marshes, woods and large parks open.
BUILT_UP_RADIUS_M = 150.0
#: Open land further than this from any postcode centroid gets no fires: secondary
#: grass fires are mostly set near where people live.
OPEN_LAND_REACH_M = 800.0
#: Postcodes "near" a place for local density (rural places have few).
DENSITY_RADIUS_M = 250.0
#: A place with fewer Dartford postcode centroids than this within DENSITY_RADIUS_M is
#: rural: about the sparsest tenth of the borough's postcodes.
RURAL_MAX_POSTCODES = 9
#: Snap-point names that are points of interest rather than streets.
POI_NAMES = (
    "Shopping Area", "Supermarket", "Parking Area", "Petrol Station", "Nightclub", "Park/Open Space",
    "Sports/Recreation Area", "Theatre/Concert Hall", "Police Station", "Further/Higher Educational Building",
    "Hospital", "Conference/Exhibition Centre", "Bus/Coach Station",
)
#: Snap points on Dartford's industrial and business estates (local knowledge, each
#: name checked against the snap points present): Crossways Business Park (Galleon,
#: Clipper and Crossways Boulevards), Littlebrook (Littlebrook Manor Way / Manorway),
#: the riverside estates off Riverside Way and Riverside Wharf, Questor / Dartford
#: Trade Park (Powder Mill Lane), Swanscombe's Manor Way Business Park and the
#: Greenhithe wharves (Quay Lane).
INDUSTRIAL_STREETS = (
    "Galleon Boulevard", "Clipper Boulevard", "Clipper Boulevard West", "Crossways Boulevard",
    "Littlebrook Manor Way", "Littlebrook Manorway", "Riverside Way", "Riverside Wharf",
    "Powder Mill Lane", "Manor Way", "Quay Lane",
)
#: Postcode centroids this close to an industrial snap point count as industrial too.
INDUSTRIAL_RADIUS_M = 200.0

CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)


@functools.cache
def _police_uk_rows() -> pd.DataFrame:
    files = sorted(POLICE_UK_DIR.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no police.uk files in {POLICE_UK_DIR}")
    frame = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    return frame[frame["LSOA code"].isin(geodata.dartford_lsoa_codes())].reset_index(drop=True)


def police_uk_rows() -> pd.DataFrame:
    """The Dartford rows of the shipped police.uk files (all forces), as text."""
    return _police_uk_rows().copy()


def _inside(geom, e, n) -> np.ndarray:
    return shapely.contains_xy(geom, np.asarray(e, dtype=float), np.asarray(n, dtype=float))


@functools.cache
def _safe_borough():
    return geodata.borough_polygon().buffer(-EDGE_MARGIN_M)


def in_area(area: str, e, n, margin: float = 0.0) -> np.ndarray:
    """Whether points are inside a focus area (or the borough), shrunk by ``margin`` metres."""
    geom = geodata.area_geometry(area)
    return _inside(geom.buffer(-margin) if margin else geom, e, n)


def near_area(area: str, e, n, margin: float = EDGE_MARGIN_M) -> np.ndarray:
    """Inside a focus area grown by ``margin``: places that could jitter into it."""
    return _inside(geodata.area_geometry(area).buffer(margin), e, n)


@functools.cache
def _snap_points() -> pd.DataFrame:
    rows = _police_uk_rows()
    rows = rows[(rows["Longitude"] != "") & (rows["Latitude"] != "")]
    counts = (
        rows.groupby(["Longitude", "Latitude", "Crime type"]).size().unstack("Crime type", fill_value=0)
        .reindex(columns=list(CRIME_TYPES), fill_value=0)
    )
    first = rows.groupby(["Longitude", "Latitude"])[["Location", "LSOA code"]].first()
    pts = first.join(counts).reset_index()
    pts["lon"] = pts["Longitude"].astype(float)
    pts["lat"] = pts["Latitude"].astype(float)
    pts["easting"], pts["northing"] = geodata.lonlat_to_bng(pts["lon"], pts["lat"])
    pts["name"] = pts["Location"]
    pts["street"] = pts["Location"].str.removeprefix("On or near ")
    pts["lsoa21cd"] = pts["LSOA code"]
    pts["total"] = pts[list(CRIME_TYPES)].sum(axis=1)
    pts = pts[_inside(_safe_borough(), pts["easting"], pts["northing"])]
    pts = pts.sort_values(["Longitude", "Latitude"], kind="stable").reset_index(drop=True)
    _add_context(pts)
    return pts[["Longitude", "Latitude", "name", "street", "lsoa21cd", "easting", "northing", "total",
                *CRIME_TYPES, "density", "rural", "industrial", "poi", "nte", "bluewater", "heath", "near_bluewater"]]


def snap_points() -> pd.DataFrame:
    """Distinct police.uk snap points of the Dartford rows, safely inside the borough.

    Columns: ``Longitude``/``Latitude`` (the text police.uk gave), ``name`` ("On or
    near X"), ``street`` (X), ``lsoa21cd``, ``easting``/``northing``, ``total`` and one
    count column per police.uk crime type, ``density`` (postcode centroids within
    ``DENSITY_RADIUS_M``), flags ``rural``, ``industrial``, ``poi``, ``nte``,
    ``bluewater``, ``heath`` (safely inside that focus area) and ``near_bluewater``
    (within jitter reach of the Bluewater polygon: never used for non-Bluewater rows).
    """
    return _snap_points().copy()


@functools.cache
def _all_postcodes() -> pd.DataFrame:
    pc = geodata.postcodes()
    pc = pc[(pc["lad25cd"] == geodata.DARTFORD_CODE) & pc["easting"].notna()]
    return pc.sort_values("pcds", kind="stable").reset_index(drop=True)


@functools.cache
def _postcode_tree() -> cKDTree:
    pc = _all_postcodes()
    return cKDTree(pc[["easting", "northing"]].to_numpy())


@functools.cache
def _postcodes() -> pd.DataFrame:
    pc = _all_postcodes()
    pc = pc[_inside(_safe_borough(), pc["easting"], pc["northing"])].copy()
    lsoas = geodata.lsoas()
    tree = shapely.STRtree(lsoas.geometry.to_numpy())
    pts = shapely.points(pc["easting"].to_numpy(), pc["northing"].to_numpy())
    pidx, lidx = tree.query(pts, predicate="intersects")
    # A point on a sliver lies in two LSOAs: take the lower code, as the importer does.
    hit = pd.DataFrame({"p": pidx, "code": lsoas["lsoa21cd"].to_numpy()[lidx]}).groupby("p")["code"].min()
    pc["lsoa21cd"] = hit.reindex(range(len(pc))).to_numpy()
    pc = pc[pc["lsoa21cd"].notna()].reset_index(drop=True)
    pc["name"] = "Near " + pc["pcds"]
    _add_context(pc)
    return pc[["pcds", "name", "lsoa21cd", "easting", "northing", "density", "rural", "industrial",
               "nte", "bluewater", "heath", "near_bluewater"]]


def postcode_centroids() -> pd.DataFrame:
    """Dartford (E07000107) ONS postcode centroids safely inside the borough.

    Columns: ``pcds``, ``name`` ("Near DA1 1AA"), ``lsoa21cd`` (the LSOA polygon it
    falls in), ``easting``/``northing``, ``density``, ``rural``, ``industrial``, and
    ``nte``, ``bluewater``, ``heath``, ``near_bluewater`` as for :func:`snap_points`.
    """
    return _postcodes().copy()


def _add_context(frame: pd.DataFrame) -> None:
    e, n = frame["easting"].to_numpy(), frame["northing"].to_numpy()
    xy = np.column_stack([e, n])
    frame["density"] = np.array([len(i) for i in _postcode_tree().query_ball_point(xy, DENSITY_RADIUS_M)])
    frame["rural"] = frame["density"] < RURAL_MAX_POSTCODES
    if "street" in frame:
        frame["industrial"] = frame["street"].isin(INDUSTRIAL_STREETS)
        frame["poi"] = frame["street"].isin(POI_NAMES)
    else:
        snaps = _snap_points()
        ind = snaps.loc[snaps["industrial"], ["easting", "northing"]].to_numpy()
        near = cKDTree(ind).query(xy, distance_upper_bound=INDUSTRIAL_RADIUS_M)[0]
        frame["industrial"] = np.isfinite(near)
    for area in geodata.AREAS:
        frame[area] = in_area(area, e, n, margin=EDGE_MARGIN_M)
    # Places that could jitter into a focus area without standing for it are flagged
    # so generators can keep them out of that area's share.
    frame["near_bluewater"] = near_area("bluewater", e, n)


def jitter(rng: np.random.Generator, e, n) -> tuple[np.ndarray, np.ndarray]:
    """Move each point uniformly within a disc of radius ``JITTER_M``."""
    e, n = np.asarray(e, dtype=float), np.asarray(n, dtype=float)
    r = JITTER_M * np.sqrt(rng.random(len(e)))
    a = 2 * np.pi * rng.random(len(e))
    return e + r * np.cos(a), n + r * np.sin(a)


def pick(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to ``weights``."""
    w = np.asarray(weights, dtype=float)
    if size == 0:
        return np.array([], dtype=int)
    if w.sum() <= 0:
        raise ValueError("no place has any weight")
    return rng.choice(len(w), size=size, p=w / w.sum())


def lsoa_weights(places: pd.DataFrame, lsoa_counts: pd.Series, smoothing: float = 1.0) -> np.ndarray:
    """Weight per place: its LSOA's count (plus ``smoothing``) shared among the LSOA's places."""
    per_lsoa = places.groupby("lsoa21cd")["lsoa21cd"].transform("size").to_numpy()
    counts = lsoa_counts.reindex(places["lsoa21cd"]).fillna(0).to_numpy()
    return (counts + smoothing) / per_lsoa


def lsoa_counts(crime_type: str | None = None) -> pd.Series:
    """police.uk rows per Dartford LSOA (of one crime type, or all)."""
    rows = _police_uk_rows()
    if crime_type is not None:
        rows = rows[rows["Crime type"] == crime_type]
    return rows.groupby("LSOA code").size()


@functools.cache
def _open_land():
    pc = _all_postcodes()
    pts = shapely.points(pc["easting"].to_numpy(), pc["northing"].to_numpy())
    built = shapely.union_all(shapely.buffer(pts, BUILT_UP_RADIUS_M, quad_segs=4))
    reach = shapely.union_all(shapely.buffer(pts, OPEN_LAND_REACH_M, quad_segs=4))
    land = _safe_borough().difference(built).intersection(reach)
    for area in ("nte", "bluewater", "heath"):
        land = land.difference(geodata.focus_area(area).buffer(EDGE_MARGIN_M))
    return land


def open_land():
    """Open land outside the heath: more than ``BUILT_UP_RADIUS_M`` from any Dartford
    postcode centroid but within ``OPEN_LAND_REACH_M`` of one, inside the borough and
    outside the focus areas."""
    return _open_land()


@functools.cache
def _safe_heath():
    return geodata.focus_area("heath").intersection(_safe_borough()).buffer(-EDGE_MARGIN_M)


def random_points(rng: np.random.Generator, geom, size: int, weight_fn=None) -> tuple[np.ndarray, np.ndarray]:
    """``size`` random points inside ``geom`` (uniform, or thinned by ``weight_fn(e, n)`` in [0, 1])."""
    min_e, min_n, max_e, max_n = geom.bounds
    shapely.prepare(geom)
    out_e, out_n = [], []
    have = 0
    while have < size:
        k = max(256, 4 * (size - have))
        e = rng.uniform(min_e, max_e, k)
        n = rng.uniform(min_n, max_n, k)
        keep = shapely.contains_xy(geom, e, n)
        if weight_fn is not None:
            keep &= rng.random(k) < weight_fn(e, n)
        out_e.append(e[keep])
        out_n.append(n[keep])
        have += int(keep.sum())
    return np.concatenate(out_e)[:size], np.concatenate(out_n)[:size]


def heath_points(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points on Dartford Heath (the focus area), safely inside it and the borough."""
    return random_points(rng, _safe_heath(), size)


def housing_nearness(e, n) -> np.ndarray:
    """In [0, 1]: how many postcode centroids lie within OPEN_LAND_REACH_M, relative to a busy edge."""
    xy = np.column_stack([np.asarray(e), np.asarray(n)])
    counts = np.array([len(i) for i in _postcode_tree().query_ball_point(xy, OPEN_LAND_REACH_M)])
    return np.clip(counts / 150.0, 0.05, 1.0)


def open_land_points(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points on open land, more of them where more people live nearby."""
    return random_points(rng, _open_land(), size, weight_fn=housing_nearness)


@functools.cache
def _street_tree():
    snaps = _snap_points()
    streets = snaps[~snaps["poi"]]
    return cKDTree(streets[["easting", "northing"]].to_numpy()), streets["street"].to_numpy()


def nearest_street(e, n) -> np.ndarray:
    """The street name of the nearest police.uk snap point that is a street."""
    tree, names = _street_tree()
    _, idx = tree.query(np.column_stack([np.asarray(e), np.asarray(n)]))
    return names[idx]


def fmt_position(rng: np.random.Generator, e, n, latlon_share: float):
    """Columns easting, northing, latitude, longitude as text: whole metres, or WGS84 to
    6 decimal places for a ``latlon_share`` of rows (chosen at random)."""
    e, n = np.asarray(e, dtype=float), np.asarray(n, dtype=float)
    as_latlon = rng.random(len(e)) < latlon_share
    lon, lat = geodata.bng_to_lonlat(e, n)
    east = np.where(as_latlon, "", np.char.mod("%d", np.rint(e).astype(np.int64)))
    north = np.where(as_latlon, "", np.char.mod("%d", np.rint(n).astype(np.int64)))
    lat_s = np.where(as_latlon, np.char.mod("%.6f", lat), "")
    lon_s = np.where(as_latlon, np.char.mod("%.6f", lon), "")
    return east, north, lat_s, lon_s
