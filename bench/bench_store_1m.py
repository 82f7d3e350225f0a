"""A 1,000,000-incident bench store, built by the demo generators and the real importers.

    python bench/bench_store_1m.py [--db PATH] [--rows N] [--force]

How it is built (the same path as ``python -m hotspots demo``, only bigger):

1. ``demo.offences``, ``demo.asb``, ``demo.fly_tipping`` and ``demo.fires`` generate rows
   with their yearly counts multiplied by one factor (about 20 for a million), so the
   bench store has the demo's places and times: exact times from October 2021 to
   September 2024 over Dartford, violence in the town-centre night-time economy on
   Friday and Saturday nights, Bluewater shoplifting, fly-tipping on rural lanes and
   repeat sites, fires on the heath. Offences are thinned at random so the rows
   written add up to exactly ``--rows``.
2. The demo writers write them as CSV files in the documented formats (police extract,
   fly-tipping log, fire service export) and ``queries.importing.import_file`` imports
   them with ``source = "bench-generated"`` and ``within = "dartford"``: every row
   goes through the same parsing, checks, placing, LSOA lookup and de-duplication as a
   real file, so the table matches ``queries/schema.py`` exactly because it is filled
   by the code that owns it. No direct INSERT.
3. ``queries.store.compact`` puts the table in time order, as after ``demo``.

The store is cached: an existing file at ``--db`` whose tag file (``PATH.tag``) names
the same build and row count is reused (``--force`` rebuilds). A store at ``--db``
with no tag file (the demo store, a real one) is never replaced: it is used as it is.
The store is built in a temporary file and moved into place only when complete.
Building takes 1 to 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: Source name of every bench row.
SOURCE = "bench-generated"
#: Where the store is cached unless ``--db`` says otherwise.
DEFAULT_DB = Path(tempfile.gettempdir()) / "hotspots-bench" / "bench-1m.duckdb"
#: Changes whenever the way the store is built changes, so stale caches are rebuilt.
BUILD_TAG = "bench-1m v1: demo generators x factor, real importers"
#: "Now" for the importers' future-date check: the day after the generated period.
IMPORT_NOW = datetime(2024, 10, 1)
SEED = 1_000_000


@contextlib.contextmanager
def _scaled(factor: float):
    """Multiply the demo generators' yearly counts by ``factor`` for the duration."""
    from demo import asb, fires, fly_tipping, offences

    names = [(offences, "OFFENCES_PER_YEAR"), (asb, "ASB_PER_YEAR"), (fly_tipping, "FLY_TIPS_PER_YEAR"),
             (fires, "GRASS_FIRES_NORMAL_YEAR"), (fires, "OTHER_FIRES_NORMAL_YEAR")]
    saved = [(m, n, getattr(m, n)) for m, n in names]
    try:
        for m, n, v in saved:
            setattr(m, n, type(v)(round(v * factor)))
        yield
    finally:
        for m, n, v in saved:
            setattr(m, n, v)


def generate(rows: int, echo=print) -> dict[str, object]:
    """Frames for each generated file, adding up to exactly ``rows`` (offences thinned at random)."""
    from demo import asb, fires, fly_tipping, offences, timing

    grid = timing.make_grid()
    factor = rows / 50_000  # the demo holds about 51,000 generated rows a factor of 1
    while True:
        with _scaled(factor):
            frames = {"offences": offences.generate(grid), "asb": asb.generate(grid),
                      "fly_tipping": fly_tipping.generate(grid), "fires": fires.generate(grid)}
        total = sum(len(f) for f in frames.values())
        if total >= rows:
            break
        factor *= 1.05 * rows / total
    excess = total - rows
    if excess:
        off = frames["offences"]
        drop = np.random.default_rng(SEED).choice(len(off), size=excess, replace=False)
        frames["offences"] = off.drop(index=off.index[drop]).reset_index(drop=True)
    echo(f"  generated x{factor:.1f}: " + ", ".join(f"{k} {len(v):,}" for k, v in frames.items()))
    return frames


def _tag_path(path: Path) -> Path:
    return path.with_name(path.name + ".tag")


def is_current(path: Path, rows: int) -> bool:
    """True when ``path`` holds a finished bench store of ``rows`` rows built by this version."""
    if not path.exists():
        return False
    from queries.store import StoreError, connect

    try:
        con = connect(path, read_only=True)
    except StoreError:
        return False
    try:
        n = con.execute("SELECT count(*) FROM incidents WHERE source = ?", [SOURCE]).fetchone()[0]
        tag = _tag_path(path)
        return n > 0 and tag.exists() and tag.read_text() == f"{BUILD_TAG}; rows={rows}"
    finally:
        con.close()


def build(path: Path = DEFAULT_DB, rows: int = 1_000_000, *, force: bool = False, echo=print) -> dict:
    """Build (or reuse) the bench store at ``path``; returns what it holds and how long it took."""
    from demo import fires, fly_tipping, police
    from queries.importing import import_file
    from queries.store import compact, connect

    path = Path(path)
    if path.exists() and not _tag_path(path).exists() and not force:
        # Not a bench store (no tag): never replace it; measure it as it is.
        con = connect(path, read_only=True)
        n = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        con.close()
        echo(f"Store: {path} is not a bench store (no {_tag_path(path).name}); using it as it is "
             f"({n:,} incidents)")
        return {"path": str(path), "rows": n, "reused": True, "seconds": 0.0}
    if not force and is_current(path, rows):
        con = connect(path, read_only=True)
        n = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        con.close()
        echo(f"Bench store: reusing {path} ({n:,} incidents; --force rebuilds)")
        return {"path": str(path), "rows": n, "reused": True, "seconds": 0.0}

    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    echo(f"Bench store: building {rows:,} incidents in {path} (demo generators, real importers)")
    frames = generate(rows, echo)
    reports = []
    try:
        con = connect(tmp)
        con.execute("SET enable_progress_bar = false")
        with tempfile.TemporaryDirectory(prefix="hotspots-bench-") as d:
            d = Path(d)
            t = time.perf_counter()
            files = {
                "offences.csv": ("police-extract", police.write(np.random.default_rng([SEED, 1]), frames["offences"],
                                                                d / "offences.csv", "BENCH-CR-")),
                "asb.csv": ("police-extract", police.write(np.random.default_rng([SEED, 2]), frames["asb"],
                                                           d / "asb.csv", "BENCH-ASB-")),
                "fly_tipping.csv": ("fly-tipping", fly_tipping.write(np.random.default_rng([SEED, 3]),
                                                                     frames["fly_tipping"], d / "fly_tipping.csv")),
                "fires.csv": ("fires", fires.write(np.random.default_rng([SEED, 4]), frames["fires"],
                                                   d / "fires.csv")),
            }
            echo(f"  CSV files written in {time.perf_counter() - t:.1f} s")
            for name, (kind, _) in files.items():
                r = import_file(con, kind, d / name, source=SOURCE, within="dartford", now=IMPORT_NOW)
                reports.append(r)
                echo(f"  {name}: {r.accepted:,} accepted, {r.rejected:,} rejected, {r.outside:,} outside, "
                     f"{r.duplicate:,} duplicate in {r.seconds:.1f} s")
        compact(con)
        n = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        con.execute("CHECKPOINT")
        con.close()
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        _tag_path(path).unlink(missing_ok=True)
        os.replace(tmp, path)
        _tag_path(path).write_text(f"{BUILD_TAG}; rows={rows}")  # next to the store: the import log stays real
    except BaseException:
        for p in (tmp, tmp.with_name(tmp.name + ".wal")):
            p.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - started
    echo(f"Bench store: {n:,} incidents in {seconds:.0f} s")
    return {"path": str(path), "rows": n, "reused": False, "seconds": seconds,
            "rejected": sum(r.rejected for r in reports), "outside": sum(r.outside for r in reports)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    build(args.db, args.rows, force=args.force)


if __name__ == "__main__":
    main()
