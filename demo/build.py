"""Build the demo store: real police.uk rows for Dartford plus generated, labelled rows.

1. The police.uk street-level files in ``demo/data/police_uk/`` (January to April 2024,
   every force with rows in Dartford or Gravesham, byte-for-byte as published) go
   through the ``police-uk`` importer with ``within="dartford"``: Gravesham's rows are
   counted as outside, Dartford's are kept as they are.
2. Generated offences, ASB, fly-tipping and fires are written as CSV files in the
   documented import formats (docs/formats.md) to a temporary directory and imported
   with the real importers as ``source = "demo-generated"``, so they pass every check
   a real file would. The build fails if any generated row is rejected or outside.
3. ``compact`` puts the table in time order.

The store is built in a temporary file next to ``path`` and moved into place only
when complete, so a failed build never leaves a half-built store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from demo import asb, fires, fly_tipping, offences, places, police, timing

#: Source name of every generated row (the app labels it as generated).
SOURCE = "demo-generated"
#: The "now" for the importers' future-date check: the day after the demo period.
IMPORT_NOW = datetime(2024, 10, 1)
#: Dartford rows in the shipped police.uk files (Kent 4,150, British Transport Police
#: 120, Humberside 1, Suffolk 1); the importer must accept exactly these.
POLICE_UK_DARTFORD_ROWS = 4_272
#: Seed of the formatting draws (which rows are written as latitude/longitude).
WRITE_SEED = 2024_09_30

#: Generated files: name -> (import kind, what they hold).
GENERATED = {
    "offences.csv": ("police-extract", "offences"),
    "asb.csv": ("police-extract", "ASB"),
    "fly_tipping.csv": ("fly-tipping", "fly-tipping"),
    "fires.csv": ("fires", "fires"),
}


class DemoBuildError(RuntimeError):
    """The demo store could not be built; nothing was left at the target path."""


def police_uk_files() -> list[Path]:
    return sorted(places.POLICE_UK_DIR.glob("*.csv"))


def write_generated(directory: Path, grid: timing.Grid | None = None) -> dict[str, int]:
    """Write the generated CSV files into ``directory``; returns rows per file.

    Deterministic: the same bytes on every run.
    """
    grid = grid or timing.make_grid()
    directory = Path(directory)
    counts = {}
    counts["offences.csv"] = police.write(
        np.random.default_rng([WRITE_SEED, 1]), offences.generate(grid), directory / "offences.csv", "DEMO-CR-")
    counts["asb.csv"] = police.write(
        np.random.default_rng([WRITE_SEED, 2]), asb.generate(grid), directory / "asb.csv", "DEMO-ASB-")
    counts["fly_tipping.csv"] = fly_tipping.write(
        np.random.default_rng([WRITE_SEED, 3]), fly_tipping.generate(grid), directory / "fly_tipping.csv")
    counts["fires.csv"] = fires.write(
        np.random.default_rng([WRITE_SEED, 4]), fires.generate(grid), directory / "fires.csv")
    return counts


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def build_demo(path: Path, echo: Callable[[str], None] = print, *, keep_generated: Path | None = None) -> dict:
    """Build the demo store at ``path`` (replacing any store there) and return a summary.

    The summary holds ``path``, ``seconds``, ``imports`` (one dict per file: file, kind,
    source, read, accepted, rejected, outside, duplicate), ``rows`` ({source: {layer:
    rows}}), ``generated`` (rows written per generated file) and the seconds spent
    generating, importing and compacting. ``keep_generated``: a directory to keep a
    copy of the generated CSV files in (they are otherwise temporary).
    """
    from queries.importing import import_file
    from queries.store import compact, connect

    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    _remove(tmp, tmp_wal)
    imports: list[dict] = []

    def record(report, expect_clean: bool) -> None:
        imports.append({k: getattr(report, k) for k in
                        ("file", "kind", "source", "read", "accepted", "rejected", "outside", "duplicate",
                         "seconds")})
        echo(f"  {report.file}: {report.accepted:,} accepted, {report.rejected:,} rejected, "
             f"{report.outside:,} outside Dartford")
        if expect_clean and (report.rejected or report.outside or report.duplicate or report.accepted != report.read):
            raise DemoBuildError(f"generated file not imported cleanly:\n{report.summary()}")

    con = None
    try:
        echo(f"Building the demo store in {tmp.name} (moved to {path} when complete)")
        con = connect(tmp)
        con.execute("SET enable_progress_bar = false")  # the build reports its own progress
        echo("Real police.uk rows (January to April 2024):")
        for f in police_uk_files():
            record(import_file(con, "police-uk", f, within="dartford", now=IMPORT_NOW), expect_clean=False)
        police_uk = sum(r["accepted"] for r in imports)
        if police_uk != POLICE_UK_DARTFORD_ROWS or any(r["rejected"] for r in imports):
            raise DemoBuildError(
                f"police.uk: {police_uk:,} Dartford rows accepted, expected {POLICE_UK_DARTFORD_ROWS:,} "
                f"with none rejected; are the files in {places.POLICE_UK_DIR} intact?")

        echo("Generated rows (source demo-generated, October 2021 to September 2024):")
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="hotspots-demo-") as d:
            generated = write_generated(Path(d))
            generate_seconds = time.perf_counter() - t0
            echo(f"  written in {generate_seconds:.1f} s: "
                 + ", ".join(f"{name} {n:,}" for name, n in generated.items()))
            if keep_generated is not None:
                Path(keep_generated).mkdir(parents=True, exist_ok=True)
                for name in GENERATED:
                    shutil.copyfile(Path(d) / name, Path(keep_generated) / name)
            for name, (kind, _) in GENERATED.items():
                record(import_file(con, kind, Path(d) / name, source=SOURCE, within="dartford", now=IMPORT_NOW),
                       expect_clean=True)

        compact_seconds = compact(con)
        # Marks this store as the demo: only here may `user demo` create a default account.
        from queries import settings

        settings.put(con, settings.DEMO_KEY, "true")
        rows: dict[str, dict[str, int]] = {}
        for source, layer, n in con.execute(
            "SELECT source, layer, count(*) FROM incidents GROUP BY ALL ORDER BY source, layer"
        ).fetchall():
            rows.setdefault(source, {})[layer] = n
        con.close()
        con = None
        if tmp_wal.exists():
            raise DemoBuildError(f"{tmp_wal} left after closing the store")
        _remove(path.with_name(path.name + ".wal"))  # a stale log would be replayed onto the new file
        os.replace(tmp, path)
    except BaseException:
        if con is not None:
            try:
                con.close()
            except Exception:
                pass
        _remove(tmp, tmp_wal)
        raise

    seconds = time.perf_counter() - started
    summary = {"path": str(path), "seconds": seconds, "imports": imports, "rows": rows,
               "generated": generated, "generate_seconds": generate_seconds,
               "import_seconds": sum(r["seconds"] for r in imports), "compact_seconds": compact_seconds,
               "kept_generated": str(keep_generated) if keep_generated is not None else None}
    echo(f"Demo store at {path} in {seconds:.1f} s (generating {generate_seconds:.1f} s, importing "
         f"{summary['import_seconds']:.1f} s, compacting {compact_seconds:.1f} s):")
    for source, layers in rows.items():
        echo(f"  {source}: " + ", ".join(f"{layer} {n:,}" for layer, n in layers.items()))
    return summary
