"""The demo store: built once per module, then checked against its calibration targets.

Shares are measured the way the app and analyses measure them: rows of the default
source (the one with exact times), positions tested against geodata's polygons.
"""

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

import geodata
from demo import asb, build, fires, fly_tipping, offences, places, timing
from queries.incidents import default_source
from queries.store import connect
from tests.fixtures import DARTFORD_GRAVESHAM

pytestmark = pytest.mark.slow

VIOLENCE = "Violence and sexual offences"
GRASS = "Grassland, woodland and crops"
#: Fingerprint of every generated row, in a fixed order.
CHECKSUM_SQL = """
    SELECT count(*), md5(string_agg(concat_ws('|', layer, category, subcategory, occurred_at, date_precision,
               easting, northing, longitude, latitude, location, lsoa21cd, location_method, source_key, outcome,
               offence_group, domestic_abuse, alcohol_related, hate, waste_type, size, land_type, fire_type,
               fire_category, cause, area_burnt_m2), chr(10) ORDER BY source_key))
    FROM incidents WHERE source = 'demo-generated'
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    lines: list[str] = []
    summary = build.build_demo(path, echo=lines.append, keep_generated=tmp_path_factory.mktemp("demo-csv"))
    return path, summary, lines


@pytest.fixture(scope="module")
def con(built):
    con = connect(built[0], read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def generated(con):
    """Generated rows with their demo year and calendar fields."""
    frame = con.execute(
        "SELECT layer, category, subcategory, occurred_at, date_precision, easting, northing, location_method, "
        "source_key, domestic_abuse, alcohol_related, land_type, fire_category, cause "
        "FROM incidents WHERE source = 'demo-generated'"
    ).df()
    ends = np.array([np.datetime64(end) for _, end in timing.YEARS], dtype="datetime64[us]")
    ts = pd.DatetimeIndex(frame["occurred_at"])
    frame["demo_year"] = np.searchsorted(ends, ts.to_numpy().astype("datetime64[us]"), side="right")
    frame["dow"], frame["hour"] = ts.day_of_week, ts.hour
    frame["year"], frame["month"] = ts.year, ts.month
    return frame


def in_area(area, frame):
    return shapely.contains_xy(geodata.area_geometry(area), frame["easting"].to_numpy(), frame["northing"].to_numpy())


# --- the build ---------------------------------------------------------------------------


def test_build_is_fast_complete_and_leaves_no_temporary_files(built, con):
    path, summary, lines = built
    assert path.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert summary["seconds"] < 60
    assert any("Demo store at" in line for line in lines)
    assert summary["generated"] == {
        "offences.csv": sum(offences.per_year()), "asb.csv": sum(asb.per_year()),
        "fly_tipping.csv": 3 * fly_tipping.FLY_TIPS_PER_YEAR,
        "fires.csv": con.execute("SELECT count(*) FROM incidents WHERE layer = 'fire'").fetchone()[0],
    }
    assert summary["rows"]["demo-generated"] == {
        "offence": sum(offences.per_year()), "asb": sum(asb.per_year()),
        "fly-tipping": 3 * fly_tipping.FLY_TIPS_PER_YEAR, "fire": summary["generated"]["fires.csv"],
    }
    assert summary["rows"]["police.uk"] == {"offence": 3_819, "asb": 453}


def test_generated_files_import_cleanly_through_the_real_importers(built, con):
    _, summary, _ = built
    gen = [r for r in summary["imports"] if r["source"] == "demo-generated"]
    assert [r["file"] for r in gen] == list(build.GENERATED)
    for r in gen:
        assert (r["rejected"], r["outside"], r["duplicate"]) == (0, 0, 0), r
        assert r["accepted"] == r["read"] == summary["generated"][r["file"]]
    assert con.execute(
        "SELECT count(*) FROM rejected_rows JOIN imports USING (import_id) WHERE source = 'demo-generated'"
    ).fetchone()[0] == 0


def test_every_generated_row_is_labelled(con):
    rows = con.execute(
        "SELECT source, count(*), count(*) FILTER (WHERE source_key LIKE 'DEMO-%') FROM incidents GROUP BY source"
    ).fetchall()
    by_source = {s: (n, demo) for s, n, demo in rows}
    assert set(by_source) == {"police.uk", "demo-generated"}
    n, demo = by_source["demo-generated"]
    assert demo == n > 50_000
    assert by_source["police.uk"][1] == 0


def test_real_police_uk_rows_are_all_there(built, con):
    _, summary, _ = built
    real = [r for r in summary["imports"] if r["source"] == "police.uk"]
    assert sum(r["accepted"] for r in real) == build.POLICE_UK_DARTFORD_ROWS == 4_272
    assert sum(r["rejected"] for r in real) == 0
    # Every other row of the 8,233 (Kent 8,080, BTP 150, Essex, Humberside, Suffolk) is in Gravesham.
    assert sum(r["read"] for r in real) == 8_233
    assert sum(r["outside"] for r in real) == 8_233 - 4_272
    rows = dict(con.execute(
        "SELECT reported_by, count(*) FROM incidents WHERE source = 'police.uk' GROUP BY ALL").fetchall())
    assert rows == {"Kent Police": 4_150, "British Transport Police": 120, "Humberside Police": 1,
                    "Suffolk Constabulary": 1}
    assert con.execute(
        "SELECT DISTINCT date_precision, location_method FROM incidents WHERE source = 'police.uk'"
    ).fetchall() == [("month", "snap-point")]


def test_shipped_police_uk_files_are_byte_for_byte_copies():
    shipped = sorted(places.POLICE_UK_DIR.glob("*.csv"))
    assert len(shipped) == 11
    table = (places.DATA / "SOURCES.md").read_text()
    for f in shipped:
        data = f.read_bytes()
        assert b"\r\n" in data and hashlib.sha256(data).hexdigest() in table, f.name
    if not DARTFORD_GRAVESHAM.exists():
        pytest.skip("shared data not present")
    assert [f.name for f in shipped] == sorted(p.name for p in DARTFORD_GRAVESHAM.glob("*.csv"))
    for f in shipped:
        assert f.read_bytes() == (DARTFORD_GRAVESHAM / f.name).read_bytes(), f.name


def test_calibration_counts_are_the_police_uk_counts():
    rows = places.police_uk_rows()
    assert len(rows) == 4_272
    assert rows["Crime type"].value_counts().drop("Anti-social behaviour").to_dict() == offences.POLICE_UK_COUNTS
    lon, lat = rows["Longitude"].astype(float), rows["Latitude"].astype(float)
    e, n = geodata.lonlat_to_bng(lon, lat)
    at_bluewater = rows[shapely.contains_xy(geodata.focus_area("bluewater"), e, n)]
    counts = at_bluewater["Crime type"].value_counts().drop("Anti-social behaviour").to_dict()
    assert counts == offences.BLUEWATER_COUNTS


# --- determinism -------------------------------------------------------------------------


def test_two_builds_give_identical_generated_files_and_rows(built, con, tmp_path):
    """The same bytes of generated CSV, and the same rows in the store, on every run."""
    path, summary, _ = built
    build.build_demo(tmp_path / "again.duckdb", echo=lambda line: None, keep_generated=tmp_path / "csv")
    first = Path(summary["kept_generated"])
    for name in build.GENERATED:
        assert (tmp_path / "csv" / name).read_bytes() == (first / name).read_bytes(), name
    other = connect(tmp_path / "again.duckdb", read_only=True)
    try:
        assert other.execute(CHECKSUM_SQL).fetchone() == con.execute(CHECKSUM_SQL).fetchone()
    finally:
        other.close()


def test_a_failed_build_leaves_the_old_store_and_no_half_store(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    path.write_bytes(b"the previous store")

    def broken(directory, grid=None):
        raise RuntimeError("generator failed")

    monkeypatch.setattr(build, "write_generated", broken)
    # One small real file gets into the temporary store before the failure.
    monkeypatch.setattr(build, "police_uk_files", lambda: sorted(places.POLICE_UK_DIR.glob("*-btp-*.csv"))[:1])
    monkeypatch.setattr(build, "POLICE_UK_DARTFORD_ROWS", 28)
    with pytest.raises(RuntimeError, match="generator failed"):
        build.build_demo(path, echo=lambda line: None)
    assert path.read_bytes() == b"the previous store"
    assert [p.name for p in tmp_path.iterdir()] == ["store.duckdb"]


# --- calibration -------------------------------------------------------------------------


def _per_year(frame, mask):
    return frame[mask].groupby("demo_year").size().reindex(range(3), fill_value=0).to_list()


@pytest.mark.parametrize("layer, target", [
    ("offence", offences.OFFENCES_PER_YEAR), ("asb", asb.ASB_PER_YEAR),
    ("fly-tipping", fly_tipping.FLY_TIPS_PER_YEAR),
])
def test_counts_per_year_are_within_ten_percent(generated, layer, target):
    for n in _per_year(generated, generated["layer"] == layer):
        assert abs(n - target) <= 0.10 * target, (layer, n, target)


def test_default_source_is_the_generated_exact_time_extract(con):
    assert default_source(con, "offence") == "demo-generated"
    assert default_source(con) == "demo-generated"


def test_violence_share(generated):
    off = generated[generated["layer"] == "offence"]
    share = (off["category"] == VIOLENCE).mean()
    assert abs(share - offences.VIOLENCE_SHARE) <= 0.02, share


def test_bluewater_share_of_crime(con):
    source = default_source(con, "offence")
    off = con.execute(
        "SELECT easting, northing FROM incidents WHERE source = ? AND layer = 'offence'", [source]).df()
    share = in_area("bluewater", off).mean()
    assert abs(share - offences.BLUEWATER_SHARE) <= 0.015, share


def test_bluewater_is_daytime_shoplifting_with_weekend_and_december_peaks(generated):
    off = generated[generated["layer"] == "offence"]
    bw = off[in_area("bluewater", off)]
    thefts = bw[bw["category"].isin(["Shoplifting", "Other theft"])]
    assert len(thefts) / len(bw) > 0.6
    assert thefts["hour"].between(9, 20).mean() > 0.98
    days = np.bincount(pd.date_range(timing.START, timing.END, inclusive="left").day_of_week, minlength=7)
    per_day = thefts.groupby("dow").size().reindex(range(7)).to_numpy() / days
    per_open_hour = per_day / np.array([close - open_ for open_, close in offences.BLUEWATER_HOURS])
    assert per_day[5] > 1.5 * per_day[:4].mean()  # Saturday
    assert per_open_hour[6] > 1.3 * per_open_hour[:4].mean()  # Sunday's short hours are busy
    by_month = thefts.groupby("month").size()
    assert by_month.idxmax() == 12


def test_nte_friday_saturday_night_violence_excess(generated):
    v = generated[(generated["layer"] == "offence") & (generated["category"] == VIOLENCE)]
    night = timing.fri_sat_night(v["dow"].to_numpy(), v["hour"].to_numpy())
    nte = in_area("nte", v)
    window = 16 / 168  # two 8-hour nights a week
    nte_share, elsewhere = night[nte].mean(), night[~nte].mean()
    assert nte_share > 4 * window, nte_share
    assert nte_share > 3 * elsewhere, (nte_share, elsewhere)
    # ... and it is alcohol-related violence, hardly ever domestic.
    nte_night = v[nte & night]
    assert nte_night["alcohol_related"].astype(bool).mean() > 0.5
    assert nte_night["domestic_abuse"].astype(bool).mean() < 0.05


def test_domestic_abuse_is_a_third_of_violence_and_mostly_residential(generated):
    v = generated[(generated["layer"] == "offence") & (generated["category"] == VIOLENCE)]
    da = v[v["domestic_abuse"].astype(bool)]
    assert abs(len(da) / len(v) - offences.DOMESTIC_ABUSE_SHARE) <= 0.02
    assert in_area("nte", da).mean() < 0.01
    assert in_area("bluewater", da).mean() < 0.01


def test_emerging_and_declining_hot_spots(generated):
    off = generated[generated["layer"] == "offence"]
    for label, lon, lat, crime_type, start, end in offences.HOT_SPOT_TRENDS:
        e, n = geodata.lonlat_to_bng(float(lon), float(lat))
        near = np.hypot(off["easting"] - e, off["northing"] - n) <= places.JITTER_M + 1
        first, _, last = _per_year(off, near & (off["category"] == crime_type))
        # The background adds a little at the same point, so the change measured is
        # smaller than the trend's own.
        if end > start:
            assert last > 2 * max(first, 1), (label, first, last)
        else:
            assert first > 2 * max(last, 1), (label, first, last)


def test_fires_peak_in_2022_and_fall_28_percent(generated):
    f = generated[generated["layer"] == "fire"]
    grass = f[f["category"] == GRASS]
    by_year = grass.groupby("year").size()
    assert by_year[2022] > 2 * by_year[2023]
    summer = grass[grass["month"].isin([6, 7, 8])].groupby("year").size()
    assert summer[2022] > 3 * summer[2023]
    for subset in (grass, f):
        _, before, after = _per_year(subset, np.ones(len(subset), dtype=bool))
        fall = 1 - after / before
        assert abs(fall - fires.FALL_2023_24) <= 0.05, fall


def test_grass_fires_are_summer_afternoon_secondary_deliberate_on_the_heath_and_open_land(generated):
    f = generated[generated["layer"] == "fire"]
    grass = f[f["category"] == GRASS]
    normal = grass[grass["demo_year"] == 1]
    assert normal["month"].isin([6, 7, 8]).mean() > 0.4
    assert grass["hour"].between(13, 20).mean() > 0.6
    assert (grass["fire_category"] == "secondary").mean() > 0.8
    assert (grass["cause"] == "deliberate").mean() > 0.5
    assert 0.25 < in_area("heath", grass).mean() < 0.45
    assert set(grass["subcategory"]) == {"Heathland or moorland", "Grassland, pasture, grazing etc",
                                         "Scrub land", "Woodland/forest"}
    assert {"Refuse", "Outdoor structures"} <= set(f["category"])


def test_fly_tipping_weekday_excess_and_defra_mix(generated):
    ft = generated[generated["layer"] == "fly-tipping"]
    days = np.bincount(pd.date_range(timing.START, timing.END, inclusive="left").day_of_week, minlength=7)
    per_day = ft.groupby("dow").size().reindex(range(7)).to_numpy() / days
    assert per_day[:5].mean() > 1.5 * per_day[5:].mean()
    assert abs((ft["date_precision"] == "day").mean() - fly_tipping.NO_TIME_SHARE) < 0.02
    assert (ft["location_method"] == "postcode").mean() > 0.1
    defra = pd.Series(fly_tipping.LAND_TYPES, dtype=float)
    defra /= defra.sum()
    got = ft["land_type"].value_counts(normalize=True).reindex(defra.index, fill_value=0)
    assert (got - defra).abs().max() < 0.02


def test_fly_tipping_concentrates_on_repeat_sites(generated):
    ft = generated[generated["layer"] == "fly-tipping"]
    # Positions move at most a few metres: 25 m cells hold each repeat site.
    cells = ft.groupby([(ft["easting"] // 25), (ft["northing"] // 25)]).size().sort_values(ascending=False)
    assert cells.iloc[:50].sum() / len(ft) > 0.25


def test_every_position_is_inside_the_borough(con):
    frame = con.execute("SELECT easting, northing FROM incidents").df()
    assert frame["easting"].notna().all()
    assert in_area("borough", frame).all()


def test_times_are_in_the_demo_period_and_never_in_the_clock_change_gap(generated):
    assert generated["occurred_at"].min() >= pd.Timestamp(timing.START)
    assert generated["occurred_at"].max() < pd.Timestamp(timing.END)
    ts = pd.DatetimeIndex(generated["occurred_at"])
    gap = pd.Series(ts.normalize()).isin([pd.Timestamp(d) for d in timing.DST_STARTS]).to_numpy() & (ts.hour == 1)
    minute = generated["date_precision"] == "minute"
    assert not (gap & minute).any()
    assert generated.loc[~minute, "layer"].eq("fly-tipping").all()


def test_generated_positions_start_at_real_places(con):
    """Police and fly-tipping rows sit within jitter of a police.uk snap point or a postcode
    centroid (fires may also be anywhere on open land)."""
    rows = con.execute(
        "SELECT easting, northing FROM incidents WHERE source = 'demo-generated' AND layer <> 'fire'"
    ).df()
    snaps, pcs = places.snap_points(), places.postcode_centroids()
    real = np.vstack([snaps[["easting", "northing"]].to_numpy(), pcs[["easting", "northing"]].to_numpy()])
    dist, _ = cKDTree(real).query(rows.to_numpy())
    assert dist.max() <= places.JITTER_M + 1.0


def test_fires_on_open_land_keep_off_the_built_up_area(generated):
    grass = generated[(generated["layer"] == "fire") & (generated["category"] == GRASS)]
    off_heath = grass[~in_area("heath", grass)]
    pcs = places.postcode_centroids()
    dist, _ = cKDTree(pcs[["easting", "northing"]].to_numpy()).query(off_heath[["easting", "northing"]].to_numpy())
    # The built-up area is a union of 16-sided circles: up to 3 m short of the true radius.
    assert dist.min() >= places.BUILT_UP_RADIUS_M - 3
