"""Benchmark: hotspot_gistar (Gi* by convolution) against esda's G_Local on the same cells.

Not a test. Run from the repository root:

    .venv/bin/python bench/bench_gistar.py [--incidents 100000] [--cells 200 100 50 25]

The study area is the Dartford borough boundary from ``geodata`` (a synthetic polygon of
the same size if the reference files are missing); incidents sit on 3,000 snap points
as in ``bench_kde.py``. For each cell size and neighbourhood (the default queen, and a
distance band of four cells):

- ours: ``gistar_z`` on the counts and mask (the statistic alone), best of 5; and the
  whole ``hotspot_gistar`` call (grid, mask, counts, z, p, FDR, Gi_Bin), best of 3;
- esda: libpysal binary weights on the centres of the same cells (``DistanceBand``,
  timed apart: the weights can be reused) and ``G_Local(y, w, transform="B",
  star=True, permutations=0)`` (analytical z only; permutations would add minutes);
- agreement: the largest absolute difference between the z-scores.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_kde import best_of, dartford, incidents  # noqa: E402

from hotspots import gistar as Gi  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--cells", type=float, nargs="+", default=[200.0, 100.0, 50.0, 25.0])
    args = parser.parse_args()

    import esda
    import libpysal

    boundary, source = dartford()
    pts = incidents(boundary, args.incidents)
    print(f"area: {source}, {boundary.area / 1e6:.1f} km2; {args.incidents:,} incidents; {os.cpu_count()} CPUs")
    print("load average at start: {:.1f} {:.1f} {:.1f} (times are only comparable on a quiet machine)\n".format(*os.getloadavg()))
    Gi.hotspot_gistar(pts, boundary=boundary, cell_size=100)  # warm-up
    rows = []
    for cell in args.cells:
        for distance in (None, 4 * cell):
            t_full, _, res = best_of(3, Gi.hotspot_gistar, pts, boundary=boundary, cell_size=cell, distance=distance)
            kernel = Gi.neighbourhood(cell, distance)
            t_core, _, _ = best_of(5, Gi.gistar_z, res.counts, res.mask, kernel)
            cells = res.cells
            centres = np.c_[cells["x"], cells["y"]]
            threshold = 1.5 * cell if distance is None else distance * (1 + 1e-9)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                w = libpysal.weights.DistanceBand(centres, threshold=threshold, binary=True, silence_warnings=True)
                t_w = time.perf_counter() - t0
                t0 = time.perf_counter()
                g = esda.G_Local(cells["count"].to_numpy(dtype=float), w, transform="B", star=True, permutations=0)
                t_esda = time.perf_counter() - t0
            diff = float(np.nanmax(np.abs(g.Zs - cells["z"].to_numpy())))
            label = "queen" if distance is None else f"{distance:g} m band"
            rows.append((cell, label, int(kernel.sum()), len(cells), t_core, t_full, t_w, t_esda, diff, res.summary()))
            print(f"{cell:g} m, {label}: {res.summary()}")

    print("\nGi* on Dartford (times in ms)")
    print(
        f"{'cell':>6} {'neighbourhood':<14} {'nbrs':>5} {'cells':>8} {'gistar_z':>9} {'hotspot_gistar':>14} "
        f"{'esda W':>9} {'esda G_Local':>12} {'ratio':>7} {'max |dz|':>9}"
    )
    for cell, label, nbrs, n_cells, t_core, t_full, t_w, t_esda, diff, _ in rows:
        print(
            f"{cell:>4g} m {label:<14} {nbrs:>5} {n_cells:>8,} {1e3 * t_core:>9.2f} {1e3 * t_full:>14.1f} "
            f"{1e3 * t_w:>9.0f} {1e3 * t_esda:>12.1f} {t_esda / t_core:>6.0f}x {diff:>9.1e}"
        )
    print("\nratio = esda G_Local (weights already built) / gistar_z; with the weights, esda takes W + G_Local.")


def _print_load() -> None:
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
    _print_load()
