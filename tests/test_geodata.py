"""geodata: shipped reference geography and its API, on the real files."""

from __future__ import annotations

import filecmp
import glob
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, shape

import geodata
from geodata import build_data
from geodata._files import DATA_DIR

SHARED = Path("/work/shared/data")
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared source data not present")

KM2 = 1e6


# --- borough --------------------------------------------------------------


def test_borough_is_one_dartford_row_in_bng():
    b = geodata.borough()
    assert list(b.columns) == ["code", "name", "geometry"]
    assert b[["code", "name"]].values.tolist() == [["E07000107", "Dartford"]]
    assert b.crs == geodata.BNG
    assert b.area.iloc[0] / KM2 == pytest.approx(72.72, abs=0.01)


def test_borough_polygon_matches_frame_and_crs_argument():
    poly = geodata.borough_polygon()
    assert poly.is_valid and poly.geom_type == "Polygon"
    assert poly.equals(geodata.borough().geometry.iloc[0])
    wgs = geodata.borough_polygon(crs=geodata.WGS84)
    minx, miny, maxx, maxy = wgs.bounds
    assert 0.14 < minx < maxx < 0.35 and 51.38 < miny < maxy < 51.49
    assert geodata.borough(crs=27700).geometry.iloc[0].equals(poly)


# --- LSOAs ----------------------------------------------------------------


def test_lsoas_are_the_67_dartford_2021_lsoas():
    lsoas = geodata.lsoas()
    assert list(lsoas.columns) == ["lsoa21cd", "lsoa21nm", "geometry"]
    assert len(lsoas) == 67 and lsoas["lsoa21cd"].is_unique
    assert lsoas["lsoa21cd"].is_monotonic_increasing
    assert lsoas["lsoa21nm"].str.fullmatch(r"Dartford \d{3}[A-Z]").all()
    assert lsoas.crs == geodata.BNG and lsoas.is_valid.all()
    # LSOAs new in 2021 are present.
    assert {f"E010352{n}" for n in range(70, 84)} <= set(lsoas["lsoa21cd"])


def test_lsoas_cover_the_borough():
    lsoas, borough = geodata.lsoas(), geodata.borough_polygon()
    union = shapely.union_all(lsoas.geometry.values)
    # Mixed 2011/2021 generalisations: about 0.2 km2 of mismatch, no more.
    assert union.symmetric_difference(borough).area / KM2 < 0.5
    assert (lsoas.geometry.intersection(borough).area / lsoas.area > 0.9).all()


def test_dartford_lsoa_codes():
    codes = geodata.dartford_lsoa_codes()
    assert isinstance(codes, frozenset) and len(codes) == 67
    assert codes == set(geodata.lsoas()["lsoa21cd"])
    assert "E01024132" in codes and "E01024257" not in codes  # the latter is Gravesham
    assert all(c.startswith("E01") for c in codes)


# --- focus areas ----------------------------------------------------------


def test_focus_areas_frame():
    fa = geodata.focus_areas()
    assert list(fa.columns) == ["area", "name", "note", "geometry"]
    assert tuple(fa["area"]) == geodata.AREAS == ("nte", "bluewater", "heath")
    assert fa.crs == geodata.BNG
    assert dict(zip(fa["area"], fa["name"])) == {
        "nte": "Town centre night-time economy",
        "bluewater": "Bluewater shopping centre",
        "heath": "Dartford Heath",
    }
    for note in fa["note"]:
        assert "Hand-drawn" in note and "CSP's own agreed boundary" in note


def test_focus_areas_are_valid_polygons_inside_the_borough():
    borough = geodata.borough_polygon()
    for area, geom in zip(geodata.AREAS, geodata.focus_areas().geometry):
        assert geom.is_valid and geom.geom_type == "Polygon", area
        # Only 6-decimal rounding of the clipped edge may stick out (m2).
        assert geom.difference(borough).area < 10.0, area
        # A drawn shape, not a bounding box.
        assert geom.area < 0.9 * geom.envelope.area, area
        assert len(geom.exterior.coords) >= 12, area


def test_focus_areas_do_not_overlap():
    geoms = dict(zip(geodata.AREAS, geodata.focus_areas().geometry))
    for a in geodata.AREAS:
        for b in geodata.AREAS:
            if a < b:
                assert not geoms[a].intersects(geoms[b]), (a, b)


@pytest.mark.parametrize(
    ("area", "km2", "span_m"),
    [
        ("nte", (0.08, 0.5), (300, 1000)),  # a few hundred metres across
        ("bluewater", (0.5, 1.5), (800, 1800)),  # centre and car parks in the quarry
        ("heath", (0.7, 2.5), (1200, 2500)),  # about 1.5-2 km across
    ],
)
def test_focus_area_sizes_are_plausible(area, km2, span_m):
    geom = geodata.focus_area(area)
    assert km2[0] < geom.area / KM2 < km2[1]
    minx, miny, maxx, maxy = geom.bounds
    assert span_m[0] < max(maxx - minx, maxy - miny) < span_m[1]


@pytest.mark.parametrize(
    ("area", "lon", "lat"),
    [
        ("nte", 0.215854, 51.444753),  # police.uk "Nightclub"
        ("nte", 0.214532, 51.445974),  # police.uk "Nightclub"
        ("nte", 0.218760, 51.444141),  # police.uk "High Street"
        ("nte", 0.218748, 51.443880),  # police.uk "Market Place"
        ("bluewater", 0.270851, 51.439934),  # police.uk "Shopping Area" at Bluewater
        ("bluewater", 0.272852, 51.439426),  # postcode DA9 9ST (Bluewater)
        ("heath", 0.180000, 51.438000),  # open heath between the A2 and Bexley
    ],
)
def test_focus_area_contains_landmark(area, lon, lat):
    e, n = geodata.lonlat_to_bng(lon, lat)
    assert geodata.focus_area(area).contains(Point(float(e), float(n)))


def test_heath_is_clipped_at_the_bexley_border():
    heath, borough = geodata.focus_area("heath"), geodata.borough_polygon()
    shared_edge = heath.boundary.intersection(borough.boundary.buffer(1.0))
    assert shared_edge.length > 300  # metres along the borough boundary


def test_focus_area_is_case_and_space_tolerant_and_crs_aware():
    assert geodata.focus_area(" Bluewater ").equals(geodata.focus_area("bluewater"))
    wgs = geodata.focus_area("bluewater", crs=geodata.WGS84)
    assert wgs.contains(Point(0.270851, 51.439934))


@pytest.mark.parametrize("bad", ["town", "", "NTE zone", None, 3])
def test_unknown_focus_area_names_the_choices(bad):
    with pytest.raises(ValueError, match="'nte', 'bluewater', 'heath'"):
        geodata.focus_area(bad)


def test_focus_area_file_matches_build_outlines():
    assert tuple(build_data.FOCUS_AREAS) == geodata.AREAS
    for area, spec in build_data.FOCUS_AREAS.items():
        row = geodata.focus_areas(crs=geodata.WGS84).set_index("area").loc[area]
        assert row["name"] == spec["name"] and row["note"] == spec["note"]


# --- area_geometry --------------------------------------------------------


def test_area_geometry_resolves_every_kind():
    assert geodata.area_geometry("borough").equals(geodata.borough_polygon())
    assert geodata.area_geometry("E07000107").equals(geodata.borough_polygon())
    for area in geodata.AREAS:
        assert geodata.area_geometry(area).equals(geodata.focus_area(area))
    lsoas = geodata.lsoas().set_index("lsoa21cd")
    assert geodata.area_geometry("E01024182").equals(lsoas.geometry["E01024182"])
    assert geodata.area_geometry(" e01024182 ").equals(lsoas.geometry["E01024182"])
    wgs = geodata.area_geometry("borough", crs=geodata.WGS84)
    assert wgs.equals(geodata.borough_polygon(crs=geodata.WGS84))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("xyz", "expected 'borough', 'nte', 'bluewater', 'heath'"),
        ("", "expected 'borough'"),
        ("E0102413", "expected 'borough'"),
        ("E01024257", "not a Dartford 2021 LSOA code"),  # a Gravesham LSOA
        ("E01000001", "not a Dartford 2021 LSOA code"),
    ],
)
def test_area_geometry_errors(name, message):
    with pytest.raises(ValueError, match=message):
        geodata.area_geometry(name)


def test_area_geometry_rejects_non_strings():
    with pytest.raises(TypeError):
        geodata.area_geometry(None)


# --- CRS ------------------------------------------------------------------


def test_lonlat_bng_round_trip_on_arrays():
    lon = np.array([0.2709, 0.2159, 0.18, np.nan])
    lat = np.array([51.4399, 51.4448, 51.438, np.nan])
    e, n = geodata.lonlat_to_bng(lon, lat)
    assert isinstance(e, np.ndarray) and e.shape == (4,)
    assert np.isnan(e[3]) and np.isnan(n[3])
    back_lon, back_lat = geodata.bng_to_lonlat(e, n)
    np.testing.assert_allclose(back_lon[:3], lon[:3], atol=1e-9)
    np.testing.assert_allclose(back_lat[:3], lat[:3], atol=1e-9)


def test_conversions_agree_with_the_postcode_file():
    pc = geodata.postcodes().dropna(subset=["easting"]).sample(200, random_state=1)
    lon, lat = geodata.bng_to_lonlat(pc["easting"].to_numpy(), pc["northing"].to_numpy())
    np.testing.assert_allclose(lon, pc["longitude"], atol=2e-6)  # file has 6 dp
    np.testing.assert_allclose(lat, pc["latitude"], atol=2e-6)
    e, n = geodata.lonlat_to_bng(pc["longitude"].to_numpy(), pc["latitude"].to_numpy())
    np.testing.assert_allclose(e, pc["easting"], atol=0.5)
    np.testing.assert_allclose(n, pc["northing"], atol=0.5)


def test_lonlat_to_bng_scalars_and_a_published_centroid():
    # DA9 9ST (Bluewater): ONS publishes easting 558066, northing 173609.
    e, n = geodata.lonlat_to_bng(0.272852, 51.439426)
    assert e.shape == () and n.shape == ()
    assert float(e) == pytest.approx(558066, abs=1)
    assert float(n) == pytest.approx(173609, abs=1)
    lon, lat = geodata.bng_to_lonlat(558066, 173609)
    assert (float(lon), float(lat)) == pytest.approx((0.272852, 51.439426), abs=1e-6)


def test_missing_coordinates_stay_nan():
    e, n = geodata.lonlat_to_bng([np.nan, 0.27], [51.44, np.nan])
    assert np.isnan(e).all() and np.isnan(n).all()
    lon, lat = geodata.bng_to_lonlat(pd.Series([np.nan, 558066.0]), pd.Series([173609.0, 173609.0]))
    assert np.isnan(lon[0]) and np.isnan(lat[0]) and np.isfinite(lon[1])


def test_to_bng_to_wgs84_round_trip_frames():
    pts = gpd.GeoDataFrame(
        {"id": [1, 2]},
        geometry=[Point(0.2709, 51.4399), Point(0.18, 51.438)],
        crs=geodata.WGS84,
    )
    bng = geodata.to_bng(pts)
    assert bng.crs == geodata.BNG and pts.crs == geodata.WGS84
    assert 550_000 < bng.geometry.x.min() < bng.geometry.x.max() < 560_000
    back = geodata.to_wgs84(bng)
    assert back.crs == geodata.WGS84
    np.testing.assert_allclose(back.geometry.x, pts.geometry.x, atol=1e-9)
    np.testing.assert_allclose(back.geometry.y, pts.geometry.y, atol=1e-9)
    same = geodata.to_bng(bng)
    assert same is not bng and same.geometry.equals(bng.geometry)


def test_to_bng_needs_a_crs():
    with pytest.raises(ValueError, match="no CRS"):
        geodata.to_bng(gpd.GeoDataFrame(geometry=[Point(0, 0)]))


# --- postcodes ------------------------------------------------------------


def test_postcodes_frame():
    pc = geodata.postcodes()
    assert list(pc.columns) == ["pcd7", "pcds", "lad25cd", "easting", "northing", "latitude", "longitude"]
    assert len(pc) == 7581 and pc["pcds"].is_unique
    assert set(pc.loc[pc["easting"].isna(), "pcds"]) == {"DA3 9ZZ", "DA10 9ZZ"}
    assert pc[["northing", "latitude", "longitude"]].isna().sum().tolist() == [2, 2, 2]
    assert pc["lad25cd"].value_counts()["E07000107"] == 3569
    assert pc["lad25cd"].isna().sum() == 2


def test_pcd7_is_fixed_width():
    pc = geodata.postcodes().set_index("pcds")
    assert (pc.index.to_series().map(len) <= 8).all()
    assert pc["pcd7"].str.len().eq(7).all()
    assert pc.loc["DA1 1AA", "pcd7"] == "DA1 1AA"
    assert pc.loc["DA10 1AA", "pcd7"] == "DA101AA"


def test_every_pcd7_and_pcds_normalises_to_pcds():
    pc = geodata.postcodes()
    assert pc["pcd7"].map(geodata.normalise_postcode).tolist() == pc["pcds"].tolist()
    assert pc["pcds"].map(geodata.normalise_postcode).tolist() == pc["pcds"].tolist()


def test_postcodes_path_is_inside_the_package():
    path = geodata.postcodes_path()
    assert path.is_file() and path.suffix == ".csv"
    assert DATA_DIR in path.parents
    assert pd.read_csv(path, dtype=str).shape == (7581, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("da1 1aa", "DA1 1AA"),
        ("DA11AA", "DA1 1AA"),
        (" DA10 1AA ", "DA10 1AA"),
        ("DA101AA", "DA10 1AA"),
        ("da10  1aa", "DA10 1AA"),
        ("DA1\u00a01AA", "DA1 1AA"),  # no-break space from a spreadsheet
        ("\tda2 6qt\n", "DA2 6QT"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("GIR 0AA", "GIR 0AA"),
        ("", None),
        ("   ", None),
        ("DA1", None),  # outward code only
        ("DA1 1A", None),
        ("DA1 1AAA", None),
        ("DA111 1AA", None),
        ("1DA 1AA", None),
        ("DA1 AAA", None),
        ("DA1 1CA", None),  # C never appears in the inward code
        ("QA1 1AA", None),  # Q never starts a postcode
        ("DA1-1AA", None),
        ("Dartford", None),
        (None, None),
        (float("nan"), None),
        (12345, None),
    ],
)
def test_normalise_postcode(text, expected):
    assert geodata.normalise_postcode(text) == expected


# --- caching and copies ---------------------------------------------------


def test_returned_frames_are_copies():
    b = geodata.borough()
    b.loc[0, "name"] = "changed"
    b["geometry"] = b.buffer(1000)
    assert geodata.borough().loc[0, "name"] == "Dartford"
    assert geodata.borough().area.iloc[0] / KM2 == pytest.approx(72.72, abs=0.01)

    lsoas = geodata.lsoas()
    lsoas.loc[:, "lsoa21cd"] = "changed"
    assert len(geodata.lsoas()) == 67 and "changed" not in set(geodata.lsoas()["lsoa21cd"])

    fa = geodata.focus_areas()
    fa.loc[0, "area"] = "changed"
    assert tuple(geodata.focus_areas()["area"]) == geodata.AREAS

    pc = geodata.postcodes()
    pc.loc[0, "pcds"] = "changed"
    pc.loc[:, "easting"] = 0.0
    assert geodata.postcodes().loc[0, "pcds"] != "changed"
    assert geodata.postcodes()["easting"].max() > 500_000


def test_runtime_modules_do_not_read_shared_data():
    package = Path(geodata.__file__).parent
    for module in package.glob("*.py"):
        if module.name != "build_data.py":  # maintenance tool, never imported
            assert "/work/shared" not in module.read_text(encoding="utf-8"), module
    assert {p.name for p in DATA_DIR.iterdir()} >= {
        "SOURCES.md",
        "dartford_lad23_bgc.geojson",
        "dartford_lsoa21_composite_bgc.geojson",
        "focus_areas.geojson",
        "nspd_postcodes_dartford_gravesham.csv",
    }


def test_sources_md_keeps_attribution():
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for phrase in (
        "Open Government Licence v3.0",
        "Contains OS data © Crown copyright and database right",
        "NSPD",
        "Office for National Statistics",
    ):
        assert phrase in text


# --- against the shared source data ---------------------------------------


@needs_shared
def test_shipped_files_match_their_sources():
    src = SHARED / "postcodes" / "nspd_postcodes_dartford_gravesham.csv"
    assert filecmp.cmp(src, geodata.postcodes_path(), shallow=False)

    lad = json.loads((SHARED / "boundaries" / "lad23_dartford_gravesham_bgc.geojson").read_text())
    (dartford,) = [f for f in lad["features"] if f["properties"]["LAD23CD"] == "E07000107"]
    shipped = json.loads((DATA_DIR / "dartford_lad23_bgc.geojson").read_text())
    assert shipped["features"][0]["geometry"] == dartford["geometry"]

    lsoa = json.loads((SHARED / "boundaries" / "lsoa21_dartford_gravesham_composite_bgc.geojson").read_text())
    want = {
        f["properties"]["LSOA21CD"]: f
        for f in lsoa["features"]
        if f["properties"]["LAD23CD"] == "E07000107"
    }
    shipped = json.loads((DATA_DIR / "dartford_lsoa21_composite_bgc.geojson").read_text())
    got = {f["properties"]["LSOA21CD"]: f for f in shipped["features"]}
    assert got.keys() == want.keys() and len(got) == 67
    for code, feature in got.items():
        assert feature["geometry"] == want[code]["geometry"]
        assert set(feature["properties"]) == {"LSOA21CD", "LSOA21NM", "geom_source"}
        assert feature["properties"]["LSOA21NM"] == want[code]["properties"]["LSOA21NM"]


@pytest.fixture(scope="module")
def dartford_police_rows() -> gpd.GeoDataFrame:
    """Every police.uk row (all forces) in a Dartford LSOA, January-April 2024."""
    files = sorted(glob.glob(str(SHARED / "police_uk" / "dartford_gravesham" / "2024-0*-*-street-*.csv")))
    if not files:
        pytest.skip("shared police.uk data not present")
    rows = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    rows = rows[rows["LSOA name"].str.startswith("Dartford ")]
    e, n = geodata.lonlat_to_bng(rows["Longitude"].astype(float), rows["Latitude"].astype(float))
    return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(e, n), crs=geodata.BNG)


@needs_shared
def test_police_uk_rows_are_the_published_dartford_subset(dartford_police_rows):
    rows = dartford_police_rows
    assert (rows["Reported by"] == "Kent Police").sum() == 4150
    assert len(rows) == 4272  # plus BTP, Humberside and Suffolk
    assert set(rows["LSOA code"]) <= geodata.dartford_lsoa_codes()
    assert rows.within(geodata.borough_polygon()).all()


@needs_shared
def test_bluewater_share_of_dartford_crime(dartford_police_rows):
    # The CSP publishes 13.3% of Dartford crime at Bluewater; police.uk snaps
    # most of it to one "Shopping Area" point in the quarry.
    rows = dartford_police_rows
    inside = rows.within(geodata.focus_area("bluewater"))
    assert 0.10 < inside.mean() < 0.16
    assert (rows.loc[inside, "Location"] == "On or near Shopping Area").mean() > 0.95
    kent = rows["Reported by"] == "Kent Police"
    assert 0.10 < inside[kent].mean() < 0.16
    assert (rows.loc[inside, "Crime type"] == "Shoplifting").mean() > 0.5


@needs_shared
def test_town_centre_and_heath_counts(dartford_police_rows):
    rows = dartford_police_rows
    nte = rows.within(geodata.focus_area("nte"))
    assert 0.05 < nte.mean() < 0.12
    assert (rows.loc[nte, "Location"] == "On or near Nightclub").sum() == (
        rows["Location"] == "On or near Nightclub"
    ).sum()
    # The heath is open land: police.uk has almost no snap points on it.
    heath = rows.within(geodata.focus_area("heath"))
    assert heath.sum() < 0.01 * len(rows)


def test_focus_area_notes_match_the_data():
    # The notes cite these LSOAs as the outline's evidence: check they hold.
    lsoas = geodata.lsoas().set_index("lsoa21cd").geometry
    bluewater, heath = geodata.focus_area("bluewater"), geodata.focus_area("heath")
    assert bluewater.intersection(lsoas["E01024172"]).area / bluewater.area > 0.95
    assert heath.intersection(lsoas["E01024146"]).area / heath.area > 0.95
    pc = geodata.postcodes().dropna(subset=["easting"])
    pts = gpd.GeoSeries(gpd.points_from_xy(pc["easting"], pc["northing"]), index=pc.index)
    centre_units = pc["pcds"].str.startswith("DA9 9S") & pts.within(lsoas["E01024172"])
    assert centre_units.sum() == 16
    assert pts[centre_units].within(bluewater).all()
    # ...and none of the housing on the rim: the only other postcodes on the
    # quarry floor are two near the B255 side.
    others = pc.loc[pts.within(bluewater) & ~pc["pcds"].str.startswith("DA9 9S"), "pcds"]
    assert set(others) == {"DA9 9RL", "DA9 9BZ"}
