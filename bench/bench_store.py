"""Filter speed on a large store: time order (zone maps) against shuffled rows.

    python bench/bench_store.py [--rows N]

Fills two stores with the same N generated incidents (default 5,000,000 over three
years across Dartford), one in time order as imports and `compact` leave it, one
shuffled, and times the filters the app runs: one week, one week of one category,
one month in a bounding box, and a year of one layer. Prints milliseconds and the
speed-up from keeping the table ordered.
"""

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queries.incidents import IncidentFilter, count_incidents, fetch_incidents  # noqa: E402
from queries.store import connect  # noqa: E402

FILL = """
INSERT INTO incidents (layer, category, occurred_at, date_precision, easting, northing, longitude, latitude,
                       location_method, source, source_key, import_id)
SELECT CASE WHEN i % 10 = 0 THEN 'asb' WHEN i % 10 = 1 THEN 'fly-tipping' ELSE 'offence' END,
       CASE WHEN i % 10 = 0 THEN 'Anti-social behaviour' WHEN i % 10 = 1 THEN 'Household'
            ELSE ['Violence and sexual offences', 'Shoplifting', 'Burglary', 'Vehicle crime'][1 + (i % 4)] END,
       TIMESTAMP '2021-10-01' + to_seconds((hash(i) % (3 * 365 * 86400))::BIGINT),
       'minute',
       550000 + (hash(i * 7) % 9000), 170000 + (hash(i * 13) % 8000), 0.2, 51.44,
       'coordinates', 'bench', 'b' || i, 1
FROM range(?) t(i)
"""


def timed(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    args = ap.parse_args()
    week = IncidentFilter(source="bench", start=datetime(2023, 6, 5), end=datetime(2023, 6, 12))
    filters = {
        "one week (count)": (count_incidents, week),
        "one week (rows)": (fetch_incidents, week),
        "one week, one category (rows)": (
            fetch_incidents, replace(week, categories=("Shoplifting",))),
        "one month in a 1 km box (rows)": (
            fetch_incidents,
            IncidentFilter(source="bench", start=datetime(2023, 6, 1), end=datetime(2023, 7, 1),
                           bbox=(553000, 173000, 554000, 174000))),
        "one year of ASB (count)": (
            count_incidents, IncidentFilter(source="bench", layers=("asb",), start=datetime(2023, 1, 1),
                                            end=datetime(2024, 1, 1))),
    }
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for order in ("ordered", "shuffled"):
            con = connect(Path(tmp) / f"{order}.duckdb")
            t = time.perf_counter()
            con.execute(FILL, [args.rows])
            if order == "ordered":
                con.execute("CREATE TEMP TABLE s AS SELECT * FROM incidents ORDER BY occurred_at")
            else:
                con.execute("CREATE TEMP TABLE s AS SELECT * FROM incidents ORDER BY hash(source_key)")
            con.execute("DELETE FROM incidents")
            con.execute("INSERT INTO incidents SELECT * FROM s")
            con.execute("DROP TABLE s")
            con.execute("CHECKPOINT")
            print(f"{order}: {args.rows:,} rows written in {time.perf_counter() - t:.1f} s")
            results[order] = {name: timed(lambda f=f, flt=flt: f(con, flt)) for name, (f, flt) in filters.items()}
            results[order + " n"] = {name: (f(con, flt) if f is count_incidents else len(f(con, flt)))
                                     for name, (f, flt) in filters.items()}
            con.close()
    print(f"\n{'filter':<34}{'rows':>9}{'ordered ms':>12}{'shuffled ms':>13}{'speed-up':>10}")
    for name in filters:
        o, s = results["ordered"][name], results["shuffled"][name]
        assert results["ordered n"][name] == results["shuffled n"][name]
        print(f"{name:<34}{results['ordered n'][name]:>9,}{o:>12.1f}{s:>13.1f}{s / o:>9.1f}x")


if __name__ == "__main__":
    main()
