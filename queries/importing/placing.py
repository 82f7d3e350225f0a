"""Placing candidate rows: both coordinate systems, postcode centroids, the study area and LSOAs.

Reference geography comes from ``geodata`` and is loaded into TEMP tables for the
import; user values stay in the staging tables and are only referenced by name.
"""

import duckdb
import shapely

import geodata

#: Great Britain in WGS84 and BNG, generously; anything outside is not a real position here.
#: No land in Great Britain lies within 1 km of the BNG origin (west of Scilly), so small
#: values are degrees or kilometres in the wrong columns, not metres.
GB_LON, GB_LAT = (-8.7, 2.0), (49.8, 61.0)
GB_E, GB_N = (1_000.0, 700_000.0), (1_000.0, 1_300_000.0)
#: South-east England in BNG: a row whose easting/northing only land here once swapped was swapped.
SE_E, SE_N = (450_000.0, 660_000.0), (80_000.0, 260_000.0)

AREAS = ("dartford", "none")


def load_reference(con: duckdb.DuckDBPyConnection, within: str) -> None:
    """TEMP tables ``_postcodes``, ``_lsoa`` and ``_area`` for this import.

    Postcodes and LSOAs are loaded once per connection (they do not depend on the
    import), so a run of many small files does not pay for them each time.
    """
    loaded = {
        r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name IN ('_postcodes', '_lsoa')"
        ).fetchall()
    }
    if "_postcodes" not in loaded:
        _load_postcodes(con)
    if "_lsoa" not in loaded:
        _load_lsoas(con)
    con.execute("CREATE OR REPLACE TEMP TABLE _area (geom GEOMETRY, min_e DOUBLE, min_n DOUBLE, max_e DOUBLE, max_n DOUBLE)")
    if within == "dartford":
        poly = geodata.borough_polygon(crs=geodata.BNG)
        con.execute("INSERT INTO _area VALUES (ST_GeomFromWKB(?), ?, ?, ?, ?)", [shapely.to_wkb(poly), *poly.bounds])
    con.execute("CREATE OR REPLACE TEMP TABLE _area_lsoa (code VARCHAR)")
    if within == "dartford":
        con.executemany("INSERT INTO _area_lsoa VALUES (?)", [[c] for c in sorted(geodata.dartford_lsoa_codes())])


def _load_postcodes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TEMP TABLE _postcodes AS
        SELECT replace(upper(pcds), ' ', '') AS key, pcds, easting::DOUBLE AS easting, northing::DOUBLE AS northing,
               latitude::DOUBLE AS latitude, longitude::DOUBLE AS longitude
        FROM read_csv(?, header = true, all_varchar = true)
        """,
        [str(geodata.postcodes_path())],
    )


def _load_lsoas(con: duckdb.DuckDBPyConnection) -> None:
    lsoas = geodata.lsoas(crs=geodata.BNG)
    con.execute("CREATE TEMP TABLE _lsoa (code VARCHAR, geom GEOMETRY)")
    con.executemany(
        "INSERT INTO _lsoa VALUES (?, ST_GeomFromWKB(?))",
        [[code, shapely.to_wkb(geom)] for code, geom in zip(lsoas["lsoa21cd"], lsoas.geometry)],
    )


def place_sql(candidate: str, *, within: str, lsoa_decides_within: bool) -> str:
    """SELECT over ``candidate`` adding easting, northing, longitude, latitude, inside and a position reason."""
    in_gb_wgs = f"(y BETWEEN {GB_LAT[0]} AND {GB_LAT[1]} AND x BETWEEN {GB_LON[0]} AND {GB_LON[1]})"
    swapped_wgs = f"(x BETWEEN {GB_LAT[0]} AND {GB_LAT[1]} AND y BETWEEN {GB_LON[0]} AND {GB_LON[1]})"
    in_gb_bng = f"(x BETWEEN {GB_E[0]} AND {GB_E[1]} AND y BETWEEN {GB_N[0]} AND {GB_N[1]})"
    in_se = f"(x BETWEEN {SE_E[0]} AND {SE_E[1]} AND y BETWEEN {SE_N[0]} AND {SE_N[1]})"
    swapped_bng = f"(y BETWEEN {SE_E[0]} AND {SE_E[1]} AND x BETWEEN {SE_N[0]} AND {SE_N[1]})"
    xy = "'(' || x || ', ' || y || ')'"
    position_reason = f"""
        CASE
          WHEN pos_kind = 'wgs84' AND NOT {in_gb_wgs} AND {swapped_wgs}
            THEN 'latitude and longitude look swapped: longitude ' || x || ', latitude ' || y
          WHEN pos_kind = 'wgs84' AND NOT {in_gb_wgs}
            THEN 'longitude, latitude ' || {xy} || ' is not in Great Britain'
          WHEN pos_kind = 'bng' AND x = 0 AND y = 0
            THEN 'easting, northing ' || {xy} || ' is not a position (0, 0 often stands for a missing one)'
          WHEN pos_kind = 'bng' AND ({in_gb_wgs} OR {swapped_wgs})
            THEN 'easting, northing ' || {xy} || ' look like degrees (longitude, latitude), not metres'
          WHEN pos_kind = 'bng' AND NOT {in_se} AND {swapped_bng}
            THEN 'easting and northing look swapped: easting ' || x || ', northing ' || y
          WHEN pos_kind = 'bng' AND NOT {in_gb_bng}
            THEN 'easting, northing ' || {xy} || ' is not in Great Britain'
          WHEN pos_kind = 'postcode' AND pc.key IS NULL
            THEN 'postcode "' || c.postcode || '" is not in the ONS postcode centroids shipped with this tool'
          WHEN pos_kind = 'postcode' AND pc.easting IS NULL
            THEN 'postcode "' || c.postcode || '" has no published centroid'
        END"""
    if within == "none":
        inside = "true"
    else:
        by_geometry = (
            "(g.easting IS NOT NULL AND g.easting BETWEEN a.min_e AND a.max_e AND g.northing BETWEEN a.min_n AND a.max_n "
            "AND ST_Intersects(a.geom, ST_Point(g.easting, g.northing)))"
        )
        if lsoa_decides_within:
            inside = f"CASE WHEN g.lsoa21cd IS NOT NULL THEN g.lsoa21cd IN (SELECT code FROM _area_lsoa) ELSE {by_geometry} END"
        else:
            inside = by_geometry
    return f"""
    WITH p AS (
        SELECT c.* EXCLUDE (reason),
               coalesce(c.reason, {position_reason}) AS reason,
               pc.easting AS pc_e, pc.northing AS pc_n, pc.longitude AS pc_lon, pc.latitude AS pc_lat
        FROM {candidate} c
        -- A plain equi-join: an extra condition in ON makes DuckDB fall back to a slow nested-loop join.
        LEFT JOIN _postcodes pc ON pc.key = CASE WHEN c.pos_kind = 'postcode' THEN replace(upper(c.postcode), ' ', '') END
    ), t AS (
        SELECT p.*,
               CASE WHEN reason IS NULL AND pos_kind = 'wgs84'
                    THEN ST_Transform(ST_Point(x, y), 'EPSG:4326', 'EPSG:27700', always_xy := true) END AS to_bng,
               CASE WHEN reason IS NULL AND pos_kind = 'bng'
                    THEN ST_Transform(ST_Point(x, y), 'EPSG:27700', 'EPSG:4326', always_xy := true) END AS to_wgs
        FROM p
    ), g AS (
        SELECT t.* EXCLUDE (to_bng, to_wgs, pc_e, pc_n, pc_lon, pc_lat, location_method),
               CASE pos_kind WHEN 'bng' THEN x WHEN 'wgs84' THEN ST_X(to_bng) WHEN 'postcode' THEN pc_e END AS easting,
               CASE pos_kind WHEN 'bng' THEN y WHEN 'wgs84' THEN ST_Y(to_bng) WHEN 'postcode' THEN pc_n END AS northing,
               CASE pos_kind WHEN 'bng' THEN ST_X(to_wgs) WHEN 'wgs84' THEN x WHEN 'postcode' THEN pc_lon END AS longitude,
               CASE pos_kind WHEN 'bng' THEN ST_Y(to_wgs) WHEN 'wgs84' THEN y WHEN 'postcode' THEN pc_lat END AS latitude,
               coalesce(location_method, CASE pos_kind WHEN 'bng' THEN 'coordinates' WHEN 'wgs84' THEN 'coordinates'
                                                       WHEN 'postcode' THEN 'postcode' ELSE 'none' END) AS location_method
        FROM t
    )
    SELECT g.* EXCLUDE (easting, northing, longitude, latitude),
           CASE WHEN reason IS NULL THEN g.easting END AS easting,
           CASE WHEN reason IS NULL THEN g.northing END AS northing,
           CASE WHEN reason IS NULL THEN g.longitude END AS longitude,
           CASE WHEN reason IS NULL THEN g.latitude END AS latitude,
           {inside} AS inside
    FROM g {"" if within == "none" else "LEFT JOIN _area a ON true"}
    """


def fill_lsoa_sql(table: str) -> str:
    """Give located rows without an LSOA code the code of the LSOA polygon they fall in."""
    return f"""
    UPDATE {table} AS t SET lsoa21cd = m.code
    FROM (
        SELECT line, min(l.code) AS code
        FROM {table} r JOIN _lsoa l ON ST_Intersects(l.geom, ST_Point(r.easting, r.northing))
        WHERE r.lsoa21cd IS NULL AND r.easting IS NOT NULL AND r.reason IS NULL
        GROUP BY line
    ) m
    WHERE t.line = m.line
    """
