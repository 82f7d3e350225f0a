"""Rebuild the files in ``geodata/data/`` from the shared source data.

Maintenance tool only: the package never imports this module, so the product
does not read ``/work/shared`` at run time. Run it after a source file changes::

    .venv/bin/python -m geodata.build_data [SOURCE_DIR]

``SOURCE_DIR`` defaults to ``/work/shared/data`` (layout described in its
``SOURCES.md``). Boundary features are copied as JSON, coordinates untouched,
so the shipped geometry is byte-for-byte the published generalisation. The
focus areas are the hand-drawn outlines in ``FOCUS_AREAS`` below, clipped to
the borough.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import shapely
from shapely.geometry import Polygon, mapping, shape

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SOURCE = Path("/work/shared/data")
DARTFORD = "E07000107"
_CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}

# Outlines as (longitude, latitude), drawn by hand over the LSOA polygons,
# the NSPD postcode centroids and the police.uk snap points (see each note).
# Vertices run clockwise from the north-west corner.
FOCUS_AREAS: dict[str, dict] = {
    "nte": {
        "name": "Town centre night-time economy",
        "note": (
            "Hand-drawn. Dartford town centre around the High Street: bounded "
            "west by Westgate Road (including the west end of Spital Street), "
            "north by Kent Road, the Orchard Theatre and Home Gardens (stopping "
            "short of the railway station), east by Overy Street just across "
            "the River Darent, and south by the top of Lowfield Street and "
            "Market Street (Market Place), excluding Central Park. Includes "
            "Hythe Street and both police.uk 'Nightclub' snap points. Drawn "
            "from local knowledge, cross-checked against police.uk snap points "
            "(High Street, Lowfield Street, Market Place, Market Street, Home "
            "Gardens, Kent Road, Nightclub, Theatre/Concert Hall, Police "
            "Station, Shopping Area) and NSPD postcode centroids; no street geometry was available offline, so "
            "edges are approximate to some tens of metres. Replace with the "
            "CSP's own agreed boundary when supplied."
        ),
        "outline": [
            (0.21300, 51.44560),  # Westgate Road, west side
            (0.21400, 51.44665),  # Westgate Road / Junction Road
            (0.21560, 51.44645),  # Kent Road
            (0.21740, 51.44655),  # Orchard Theatre, north side
            (0.21900, 51.44640),  # Home Gardens, south of Station Approach
            (0.22050, 51.44600),  # Home Gardens at the Darent
            (0.22220, 51.44670),  # Overy Street, north end of the zone
            (0.22320, 51.44600),  # Overy Street, east side
            (0.22270, 51.44440),  # foot of East Hill / Overy Liberty
            (0.22080, 51.44390),  # Darent bridge, Holy Trinity church
            (0.21970, 51.44305),  # Market Street, east side
            (0.21830, 51.44280),  # Market Street, south end of the zone
            (0.21740, 51.44330),  # Lowfield Street, east side
            (0.21640, 51.44300),  # Lowfield Street, south end of the zone
            (0.21560, 51.44380),  # behind the Orchards shopping centre
            (0.21450, 51.44420),  # Spital Street, south side
            (0.21300, 51.44480),  # Spital Street / Westgate Road
        ],
    },
    "bluewater": {
        "name": "Bluewater shopping centre",
        "note": (
            "Hand-drawn. The Bluewater centre with its car parks, lakes and "
            "access roads on the floor of the former chalk quarry: bounded "
            "north by the quarry rim below Stone and Greenhithe (London Road, "
            "Fairlawn Crescent), east by the B255 St Clements Way, south by "
            "Watling Street and west by the quarry edge below Stone (Hayes "
            "Road, Louvain Road). Follows the southern, unbuilt part of LSOA "
            "E01024172 (Dartford 006D), whose edges follow those roads and the "
            "quarry rim, and encloses all 16 DA9 9S* postcode centroids in that "
            "LSOA (the centre's own units) and the police.uk 'Shopping Area' snap point "
            "at 51.4399 N, 0.2709 E, while leaving out the housing postcodes "
            "on the rim (the only other centroids inside are DA9 9RL and "
            "DA9 9BZ, towards the B255). Hand-drawn from these sources; replace with the "
            "CSP's own agreed boundary when supplied."
        ),
        "outline": [
            (0.26520, 51.44120),  # quarry rim below Church Hill, Stone
            (0.26750, 51.44215),
            (0.27000, 51.44255),  # rim below London Road
            (0.27220, 51.44290),
            (0.27430, 51.44320),  # rim below Fairlawn Crescent
            (0.27680, 51.44165),
            (0.27920, 51.44160),  # B255 St Clements Way, north-east entrance
            (0.27880, 51.43980),  # B255, west side
            (0.27790, 51.43790),
            (0.27760, 51.43600),
            (0.27790, 51.43460),  # B255 / Watling Street
            (0.27400, 51.43515),  # Watling Street
            (0.26950, 51.43595),
            (0.26730, 51.43640),
            (0.26590, 51.43760),  # quarry edge below Hayes Road
            (0.26500, 51.43880),
            (0.26470, 51.44000),  # quarry edge below Louvain Road
        ],
    },
    "heath": {
        "name": "Dartford Heath",
        "note": (
            "Hand-drawn. The open common west of the town: bounded south-west "
            "by the A2, north-west by the Dartford/Bexley borough boundary "
            "(towards Bexley and Old Bexley Lane), north by the houses along "
            "the heath's northern edge and the Heath estate (Heather Drive, "
            "Marcus Road, Knole Road), and east by Shepherds Lane and Heath "
            "Lane (Upper); the A2018 runs through its eastern part to the A2 "
            "junction. Follows LSOA E01024146 (Dartford 007C), which is mostly "
            "the heath, on its A2 and borough-boundary sides, and leaves out "
            "the postcode centroids of the housing (DA1 3J*, DA1 3L*, DA1 3Q*, "
            "DA1 2P*, DA2 7NL). No street geometry was available offline, so "
            "road lines are approximate. The outline was drawn slightly over "
            "the Bexley border and clipped to the Dartford boundary (about "
            "0.9 ha removed); whether the common continues into Bexley could "
            "not be checked offline. Hand-drawn from these sources; replace "
            "with the CSP's own agreed boundary when supplied."
        ),
        "outline": [
            (0.17060, 51.44150),  # A2 at the Bexley border (beyond it: clipped)
            (0.17270, 51.44350),  # along the borough boundary (beyond it: clipped)
            (0.17460, 51.44250),
            (0.17580, 51.44165),  # south of the DA1 3Q* houses
            (0.17800, 51.44195),
            (0.18000, 51.44185),
            (0.18180, 51.44055),
            (0.18450, 51.44115),  # corner of LSOA Dartford 007A (Bowmans)
            (0.18700, 51.44125),  # west of Heather Drive
            (0.18740, 51.44030),
            (0.18870, 51.43985),  # A2018 (snap point inside), west of DA1 2PN
            (0.19050, 51.43780),  # south of the Shepherds Lane houses
            (0.19300, 51.43740),
            (0.19520, 51.43680),  # Heath Lane (Upper)
            (0.19620, 51.43520),
            (0.19770, 51.43330),
            (0.19780, 51.43200),  # A2 / A2018 junction
            (0.19500, 51.43255),  # A2
            (0.18810, 51.43335),
            (0.18270, 51.43455),
            (0.17900, 51.43575),
            (0.17400, 51.43870),
        ],
    },
}


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_collection(path: Path, name: str, features: list[dict]) -> None:
    # One feature per line keeps diffs of these files readable.
    lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    head = json.dumps({"type": "FeatureCollection", "name": name, "crs": _CRS84})[:-1]
    path.write_text(f'{head}, "features": [\n{lines}\n]}}\n', encoding="utf-8")


def build_borough(source: Path) -> dict:
    src = _read(source / "boundaries" / "lad23_dartford_gravesham_bgc.geojson")
    feats = [f for f in src["features"] if f["properties"]["LAD23CD"] == DARTFORD]
    assert len(feats) == 1, feats
    _write_collection(DATA_DIR / "dartford_lad23_bgc.geojson", "dartford_lad23_bgc", feats)
    return feats[0]


def build_lsoas(source: Path) -> None:
    src = _read(source / "boundaries" / "lsoa21_dartford_gravesham_composite_bgc.geojson")
    keep = ("LSOA21CD", "LSOA21NM", "geom_source")
    feats = [
        {
            "type": "Feature",
            "properties": {k: f["properties"][k] for k in keep},
            "geometry": f["geometry"],
        }
        for f in src["features"]
        if f["properties"]["LAD23CD"] == DARTFORD
    ]
    assert len(feats) == 67, len(feats)
    _write_collection(
        DATA_DIR / "dartford_lsoa21_composite_bgc.geojson",
        "dartford_lsoa21_composite_bgc",
        feats,
    )


def build_postcodes(source: Path) -> None:
    # Copied as-is: pcd7 is fixed width ("DA1 1AA", "DA101AA") and must not be
    # re-spaced, and the two rows without coordinates are kept on purpose.
    src = source / "postcodes" / "nspd_postcodes_dartford_gravesham.csv"
    dst = DATA_DIR / src.name
    shutil.copyfile(src, dst)
    with dst.open(encoding="utf-8") as fh:
        rows = sum(1 for _ in fh) - 1
    assert rows == 7581, rows


def build_focus_areas(borough_feature: dict) -> None:
    borough = shape(borough_feature["geometry"])
    feats = []
    for area, spec in FOCUS_AREAS.items():
        drawn = Polygon(spec["outline"])
        assert drawn.is_valid, (area, shapely.is_valid_reason(drawn))
        clipped = drawn.intersection(borough)
        # 6 decimal places is ~0.1 m, finer than the drawing warrants.
        geom = shapely.set_precision(clipped, 1e-6)
        assert geom.geom_type == "Polygon" and geom.is_valid, area
        props = {"area": area, "name": spec["name"], "note": spec["note"]}
        feats.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    _write_collection(DATA_DIR / "focus_areas.geojson", "focus_areas", feats)


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    DATA_DIR.mkdir(exist_ok=True)
    borough_feature = build_borough(source)
    build_lsoas(source)
    build_postcodes(source)
    build_focus_areas(borough_feature)


if __name__ == "__main__":
    main(sys.argv[1:])
