"""Import speed: a generated 1,000,000-row police.uk file against DuckDB's own read_csv (the floor).

    python bench/bench_import.py [--rows N] [--within dartford|none]

The file repeats the real Kent January 2024 rows (with distinct Crime IDs and
spread over months) so it has the real mix of crime types, snap points, no-location
rows and ASB rows without IDs. Prints rows per second for both and the ratio.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queries.importing import import_file  # noqa: E402
from queries.store import connect  # noqa: E402
from tests.fixtures import KENT_MONTH  # noqa: E402


def make_file(path: Path, rows: int) -> None:
    lines = KENT_MONTH.read_bytes().decode().split("\r\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    months = [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]
    with path.open("w", newline="") as f:
        f.write(header + "\r\n")
        for i in range(rows):
            fields = body[i % len(body)].split(",")
            if fields[0]:
                fields[0] = f"{i:064x}"
            fields[1] = months[(i // len(body)) % len(months)]
            f.write(",".join(fields) + "\r\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--within", default="none", choices=("dartford", "none"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "police-uk-big.csv"
        t = time.perf_counter()
        make_file(csv, args.rows)
        print(f"generated {args.rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")

        floor_db = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        t = time.perf_counter()
        floor_db.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(csv)])
        floor = time.perf_counter() - t
        floor_db.close()

        con = connect(Path(tmp) / "store.duckdb")
        t = time.perf_counter()
        report = import_file(con, "police-uk", csv, within=args.within)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        again = import_file(con, "police-uk", csv, within=args.within)
        reimport = time.perf_counter() - t
        con.close()

    print(f"{'':<34}{'seconds':>9}{'rows/s':>12}")
    print(f"{'DuckDB read_csv into a table':<34}{floor:>9.2f}{args.rows / floor:>12,.0f}")
    print(f"{'hotspots import police-uk':<34}{ours:>9.2f}{args.rows / ours:>12,.0f}")
    print(f"{'  same file again (all duplicate)':<34}{reimport:>9.2f}{args.rows / reimport:>12,.0f}")
    print(f"ratio to the floor: {ours / floor:.2f}x (aim: within 3x)")
    print(f"accepted {report.accepted:,}, outside {report.outside:,}, rejected {report.rejected:,}; "
          f"re-import accepted {again.accepted:,}, duplicate {again.duplicate:,}")


if __name__ == "__main__":
    main()
