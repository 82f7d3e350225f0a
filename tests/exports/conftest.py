"""A real store for the export tests: generated CSVs imported with the project's importers.

A police extract (exact times, offence groups, domestic-abuse flags) holds background
offences across the borough for 15 months, a dense run in the NTE zone, a run at
Bluewater, and a tight group of domestic-abuse-flagged incidents at one spot (which
the partner profile must keep off the map) plus some sexual offences. A police.uk
file (months only, snap points) is a second source.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import geodata
from briefings.explore import analyse
from briefings.scope import Scope
from queries.importing import import_file
from queries.store import connect
from tests.points import inside

NOW = datetime(2024, 12, 1)
FIRST, LAST = datetime(2023, 1, 2), datetime(2024, 3, 31, 20, 0)
EXTRACT = "extract"
VIOLENCE = "Violence and sexual offences"
SCOPE = Scope(EXTRACT, ("offence",), date(2023, 10, 2), date(2024, 4, 1))
SHEET_METHODS = ("kde", "dbscan", "gistar", "change", "classify")




def da_spot():
    """A point well inside the borough, 1.5 km or more from the NTE zone and Bluewater."""
    borough, nte, blue = (geodata.area_geometry(a) for a in ("borough", "nte", "bluewater"))
    for g in geodata.lsoas().sort_values("lsoa21cd").geometry:
        p = g.representative_point()
        if borough.contains(p.buffer(300)) and p.distance(nte) > 1500 and p.distance(blue) > 1500:
            return p
    raise AssertionError("no spot found")


def extract_rows(rng, *, n_background=1500, n_nte=300, n_blue=150, n_da=60, n_sexual=20,
                 first=FIRST, last=LAST) -> list[dict]:
    """Rows of a CSP police extract: background, NTE and Bluewater runs, a domestic-abuse spot."""
    borough, nte, blue = (geodata.area_geometry(a) for a in ("borough", "nte", "bluewater"))
    spot = da_spot()
    days = max((last - first).days, 1)
    rows = []

    def add(xy, crime, *, group="", offence="", da="N", location="On or near Street"):
        when = first + timedelta(days=int(rng.integers(0, days)), minutes=int(rng.integers(0, 1440)))
        rows.append({"occurred_at": min(when, last).strftime("%Y-%m-%d %H:%M"), "crime_type": crime,
                     "offence_group": group, "offence": offence, "domestic_abuse": da,
                     "easting": round(float(xy[0]), 1), "northing": round(float(xy[1]), 1), "location": location})

    crimes = [VIOLENCE, "Burglary", "Shoplifting", "Criminal damage and arson", "Vehicle crime", "Public order"]
    for xy in inside(borough, rng, n_background, [spot.buffer(600)]):
        add(xy, str(rng.choice(crimes)), group="Violence against the person", offence="Common assault")
    for xy in inside(nte, rng, n_nte):
        add(xy, VIOLENCE, group="Violence against the person", offence="Assault with injury",
            location="On or near High Street")
    for xy in inside(blue, rng, n_blue):
        add(xy, "Shoplifting", group="Theft offences", offence="Shoplifting", location="On or near Bluewater")
    for xy in np.c_[spot.x + rng.normal(0, 25, n_da), spot.y + rng.normal(0, 25, n_da)]:
        add(xy, VIOLENCE, group="Violence against the person", offence="Assault with injury", da="Y",
            location="On or near Private Road")
    for xy in inside(nte, rng, n_sexual):
        add(xy, VIOLENCE, group="Sexual offences", offence="Sexual assault", location="On or near High Street")
    rows.sort(key=lambda r: r["occurred_at"])
    for i, r in enumerate(rows):
        r["crime_ref"] = f"X{i:06d}"
    return rows


def write_extract(path: Path, rows: list[dict]) -> None:
    columns = ["crime_ref", "occurred_at", "crime_type", "offence_group", "offence", "domestic_abuse",
               "easting", "northing", "location"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow({c: r[c] for c in columns})


def write_police_uk(path: Path, rng, n_per_month: int = 40) -> int:
    borough = geodata.area_geometry("borough")
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
              "LSOA name", "Crime type", "Last outcome category", "Context"]
    n = 0
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for month in ("2023-12", "2024-01", "2024-02", "2024-03"):
            for xy in inside(borough, rng, n_per_month):
                lon, lat = geodata.bng_to_lonlat(xy[0], xy[1])
                w.writerow([f"{n:064x}", month, "Kent Police", "Kent Police", f"{float(lon):.6f}",
                            f"{float(lat):.6f}", "On or near Snap Street", "", "", VIOLENCE, "Under investigation", ""])
                n += 1
    return n


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports-store")
    rows = extract_rows(np.random.default_rng(11))
    write_extract(tmp / "extract.csv", rows)
    n_uk = write_police_uk(tmp / "police_uk.csv", np.random.default_rng(5))
    con = connect(tmp / "store.duckdb")
    assert import_file(con, "police-extract", tmp / "extract.csv", source=EXTRACT, now=NOW).accepted == len(rows)
    assert import_file(con, "police-uk", tmp / "police_uk.csv", now=NOW).accepted == n_uk
    yield con
    con.close()


@pytest.fixture(scope="session")
def analyses(store):
    """One analysis per method on the extract's last six months."""
    return {m: analyse(store, SCOPE, m) for m in (*SHEET_METHODS, "points")}


def failing_fetch(z, x, y):
    """A tile fetch that always fails, as it does offline."""
    raise OSError("network is unreachable (test)")
