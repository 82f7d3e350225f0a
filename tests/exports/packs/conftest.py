"""Stores for the pack tests: the demo store built by the CLI, and a small store with planted small counts.

The small store is written as CSVs in the documented formats and imported with the
project's importers: a police extract (the export tests' rows: background offences, NTE and
Bluewater runs, a domestic-abuse spot and sexual offences), a police.uk file (months only),
fires (a big site burning every summer, a small site with 3 fires, winters of 1 to 3 fires)
and fly-tipping (a repeat site, a few scattered ones, waste types with 1 or 2 fly-tips).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from pypdf import PdfReader

import geodata
from queries.importing import import_file
from queries.store import connect

from ..conftest import extract_rows, inside, write_extract, write_police_uk

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2024, 12, 1)
EXTRACT = "extract"
FIRES, FLY = "kfrs-test", "council-test"
BIG_SITE = shapely.Point(556500, 170500)  # open land off the heath, south of the borough
SMALL_SITE = shapely.Point(559000, 172000)
REPEAT_SITE = shapely.Point(555000, 173800)


def run_cli(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    """``python -m hotspots ARGS`` as a cron job would run it: no terminal, output captured."""
    return subprocess.run([sys.executable, "-m", "hotspots", *map(str, args)], cwd=cwd or ROOT, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def pdf_pages(path) -> list[str]:
    """The text of each page of a PDF, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(str(path)).pages]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A demo store built by ``python -m hotspots demo`` (about 10 to 20 s); treat as read-only."""
    path = tmp_path_factory.mktemp("packs-demo") / "hotspots.duckdb"
    result = run_cli("demo", "--db", path)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def demo_con(demo_db):
    con = connect(demo_db, read_only=True)
    yield con
    con.close()


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def fire_rows(rng) -> list[list]:
    """Open-land fires, summer 2022 to summer 2024: a big site every summer, a small one, sparse winters."""
    borough = geodata.borough_polygon()
    rows = []

    def add(when: datetime, x: float, y: float, text: str, cause: str, area: int = 60):
        rows.append([f"F{len(rows):05d}", when.strftime("%Y-%m-%d %H:%M"), round(x, 1), round(y, 1), text,
                     "Grassland, woodland and crops", "Scrub land", "Secondary", cause, area])

    avoid = [BIG_SITE.buffer(1500), SMALL_SITE.buffer(1500)]
    for year in (2022, 2023, 2024):
        for i in range(12):  # the big site: 12 fires each summer, afternoons
            add(datetime(year, 6, 5) + timedelta(days=7 * i, hours=15), BIG_SITE.x + rng.uniform(-30, 30),
                BIG_SITE.y + rng.uniform(-30, 30), "Open land off Big Site Lane", "Deliberate")
        for i in range(2 if year < 2024 else 0):  # the small site: 2 fires in each of two summers
            add(datetime(year, 7, 10) + timedelta(days=9 * i, hours=19), SMALL_SITE.x + rng.uniform(-20, 20),
                SMALL_SITE.y + rng.uniform(-20, 20), "Open land off Small Site Road", "Accidental")
        sparse = [(year, 10, 1)] + ([(year, 12, 3), (year + 1, 1, 2), (year + 1, 2, 1)] if year < 2024 else [])
        for y, month, n in sparse:  # months of 1 to 3 fires
            for x, yy in inside(borough, rng, n, avoid):
                add(datetime(y, month, 12, 13), x, yy, "Open land off Other Road",
                    str(rng.choice(["Deliberate", "Accidental", "Not known"])))
    return sorted(rows, key=lambda r: r[1])


def fly_rows(rng) -> list[list]:
    """Fly-tips, Sep 2023 to Mar 2024: a repeat site every few days, scattered ones, rare waste types."""
    borough = geodata.borough_polygon()
    rows = []

    def add(when: datetime, x: float, y: float, text: str, waste: str, timed: bool = True):
        rows.append([f"FT{len(rows):05d}", when.strftime("%Y-%m-%d"), when.strftime("%H:%M") if timed else "",
                     round(x, 1), round(y, 1), text, waste, "Small van load", "Highway"])

    day = datetime(2023, 9, 4, 8)
    while day < datetime(2024, 3, 30):
        add(day, REPEAT_SITE.x + rng.uniform(-15, 15), REPEAT_SITE.y + rng.uniform(-15, 15), "Repeat Lane",
            "Other household", timed=day.day % 5 != 0)
        day += timedelta(days=3)
    for i, (x, y) in enumerate(inside(borough, rng, 60, [REPEAT_SITE.buffer(1000)])):
        waste = "Asbestos" if i < 2 else "Tyres" if i == 2 else "White goods"
        add(datetime(2023, 9, 4) + timedelta(days=int(rng.integers(0, 205)), hours=11), x, y, "Somewhere Road", waste)
    return sorted(rows, key=lambda r: r[1])


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """The small store (path); built once per session through the importers."""
    tmp = tmp_path_factory.mktemp("packs-small")
    rows = extract_rows(np.random.default_rng(11))
    write_extract(tmp / "extract.csv", rows)
    write_police_uk(tmp / "police_uk.csv", np.random.default_rng(5))
    fires = _write(tmp / "fires.csv", ["incident_number", "call_datetime", "easting", "northing", "location",
                                       "location_type", "property_type", "incident_category", "cause",
                                       "area_burnt_m2"], fire_rows(np.random.default_rng(3)))
    fly = _write(tmp / "fly.csv", ["reference", "date", "time", "easting", "northing", "location", "waste_type",
                                   "size", "land_type"], fly_rows(np.random.default_rng(4)))
    path = tmp / "small.duckdb"
    con = connect(path)
    assert import_file(con, "police-extract", tmp / "extract.csv", source=EXTRACT, now=NOW).accepted == len(rows)
    assert import_file(con, "police-uk", tmp / "police_uk.csv", now=NOW).accepted > 0
    assert import_file(con, "fires", fires, source=FIRES, now=NOW).accepted > 0
    assert import_file(con, "fly-tipping", fly, source=FLY, now=NOW).accepted > 0
    con.close()
    return path


@pytest.fixture(scope="session")
def small_con(small_db):
    con = connect(small_db, read_only=True)
    yield con
    con.close()


SMALL_WEEK = date(2024, 3, 4)  # 2024-W10, inside the small store's extract (to 31 Mar 2024)
