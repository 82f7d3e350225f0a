"""Benchmark: hotspot_kde's binned FFT surface against scipy.stats.gaussian_kde and
sklearn.neighbors.KernelDensity on the same grid, at 12,000, 100,000 and 1,000,000
incidents.

Not a test. Run from the repository root:

    .venv/bin/python bench/bench_kde.py [--sizes 12000 100000 1000000]

The area is the Dartford borough boundary from ``geodata`` (72.7 km2; a synthetic
polygon of the same size if the reference files are missing), on the 25 m grid
hotspot_kde chooses (about 118,000 cells intersect the borough). Incidents sit on
3,000 snap points (town-centre clusters and a scattered background, heavy-tailed
popularity), as police.uk stacks them.

For each size:
- ours: ``kde_surface`` (binning + FFT; the surface an app draws) with the quartic
  kernel and the bandwidth hotspot_kde chooses, best of 9 (median shown too); and the whole
  ``hotspot_kde`` call (parameters, mask, surface, hot spot polygons), best of 3;
- the references evaluate a Gaussian kernel of the same spread (sigma = radius /
  sqrt 8; neither offers the quartic) at the centres of the cells in the borough,
  once; ours is timed with that Gaussian too, so the ratio compares like with like.
  A reference is skipped with a note when its time, extrapolated from a smaller run,
  exceeds ``--budget`` seconds, or above ``--ref-max`` incidents (sklearn took 436 s
  at 1,000,000 on the 2-CPU machine this was written on);
- accuracy: the maximum difference from an exact kernel sum (``kde_exact``), as a
  share of the peak, on 2,000 random cells of the borough plus the 200 densest.
"""

import argparse
import math
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hotspots import kde as K  # noqa: E402


def dartford():
    try:
        from geodata import borough_polygon

        return borough_polygon(), "Dartford borough boundary (geodata)"
    except Exception as error:  # reference files missing: a polygon of the same size
        import shapely

        t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
        r = 4810 * (1 + 0.12 * np.sin(3 * t))
        poly = shapely.Polygon(np.c_[556000 + 1.2 * r * np.cos(t), 173000 + 0.83 * r * np.sin(t)])
        return poly, f"synthetic 72 km2 polygon ({error})"


def incidents(boundary, n: int, seed: int = 0, snaps: int = 3000) -> np.ndarray:
    """n incidents on ``snaps`` snap points inside ``boundary`` with heavy-tailed popularity."""
    import shapely

    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = boundary.bounds
    inside = []
    centres = []
    while len(centres) < 12:
        c = rng.uniform([xmin, ymin], [xmax, ymax])
        if shapely.contains_xy(boundary, *c):
            centres.append(c)
    centres = np.array(centres)
    while sum(len(a) for a in inside) < snaps:
        k = rng.integers(0, 3, 4000)
        cand = np.where(
            (k < 2)[:, None],
            centres[rng.integers(0, 12, 4000)] + rng.normal(0, 250, (4000, 2)),
            rng.uniform([xmin, ymin], [xmax, ymax], (4000, 2)),
        )
        inside.append(cand[shapely.contains_xy(boundary, cand[:, 0], cand[:, 1])])
    points = np.vstack(inside)[:snaps]
    popularity = rng.pareto(1.2, snaps) + 1
    return points[rng.choice(snaps, size=n, p=popularity / popularity.sum())]


def best_of(repeats, fn, *args, **kwargs):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times)), out


def isotropic_gaussian_kde(points: np.ndarray, sigma: float):
    """scipy.stats.gaussian_kde with covariance sigma^2 I (it scales the data covariance otherwise)."""
    from scipy import stats

    class Isotropic(stats.gaussian_kde):
        def _compute_covariance(self):
            self.factor = 1.0
            self.covariance = np.eye(2) * sigma * sigma
            self.cho_cov = np.linalg.cholesky(self.covariance)
            self.log_det = 2 * np.log(np.diag(self.cho_cov * np.sqrt(2 * np.pi))).sum()

    return Isotropic(points.T)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12_000, 100_000, 1_000_000])
    parser.add_argument("--budget", type=float, default=120.0, help="skip a reference predicted to take longer (s)")
    parser.add_argument(
        "--ref-max",
        type=int,
        default=100_000,
        help="skip the references above this many incidents (sklearn took 7 min at 1,000,000 here)",
    )
    args = parser.parse_args()

    boundary, source = dartford()
    print(f"area: {source}, {boundary.area / 1e6:.1f} km2; machine: {os.cpu_count()} CPUs")
    print("load average at start: {:.1f} {:.1f} {:.1f} (times are only comparable on a quiet machine)\n".format(*os.getloadavg()))
    seconds_per_pair = {}  # reference -> seconds per (incident x cell), from the last run
    rows = []
    for n in args.sizes:
        pts = incidents(boundary, n)
        x, y = pts[:, 0], pts[:, 1]
        res = K.hotspot_kde(pts, boundary=boundary)  # warm-up, and the parameters it chooses
        grid, mask = res.grid, res.mask
        h = res.parameters["bandwidth"].value
        sigma = h / math.sqrt(8)
        t_surface, med_surface, surface = best_of(9, K.kde_surface, grid, x, y, bandwidth=h)
        t_gauss, _, gauss = best_of(9, K.kde_surface, grid, x, y, bandwidth=sigma, kernel="gaussian")
        t_full, med_full, _ = best_of(3, K.hotspot_kde, pts, boundary=boundary)
        t0 = time.perf_counter()
        _ = K.hotspot_kde(pts, boundary=boundary).cells
        t_cells = time.perf_counter() - t0

        rng = np.random.default_rng(1)
        rr, cc = np.nonzero(mask)
        pick = rng.choice(rr.size, 2000, replace=False)
        top = np.argsort(np.where(mask, surface, -1).ravel())[-200:]
        sr = np.r_[rr[pick], top // grid.nx]
        sc = np.r_[cc[pick], top % grid.nx]
        exact_q = K.kde_exact(grid, x, y, bandwidth=h, cells=(sr, sc))
        exact_g = K.kde_exact(grid, x, y, bandwidth=sigma, kernel="gaussian", cells=(sr, sc))
        err_q = np.abs(surface[sr, sc] - exact_q).max() / exact_q.max()
        err_g = np.abs(gauss[sr, sc] - exact_g).max() / exact_g.max()

        centres = np.c_[grid.x0 + (cc + 0.5) * grid.cell_size, grid.y1 - (rr + 0.5) * grid.cell_size]
        pairs = n * len(centres)
        refs = {}
        for name in ("scipy gaussian_kde", "sklearn KernelDensity"):
            predicted = seconds_per_pair.get(name, 0.0) * pairs
            if predicted > args.budget:
                refs[name] = (None, predicted, f"skipped: about {predicted / 60:,.0f} min predicted from the previous size")
                continue
            if n > args.ref_max:
                refs[name] = (None, predicted or None,
                              f"skipped above --ref-max {args.ref_max:,} (minutes: it scales worse than linearly)")
                continue
            t0 = time.perf_counter()
            if name.startswith("scipy"):
                values = isotropic_gaussian_kde(pts, sigma)(centres.T) * n * 1e6
            else:
                from sklearn.neighbors import KernelDensity

                kd = KernelDensity(kernel="gaussian", bandwidth=sigma, rtol=1e-4).fit(pts)
                values = np.exp(kd.score_samples(centres)) * n * 1e6
            elapsed = time.perf_counter() - t0
            seconds_per_pair[name] = elapsed / pairs
            ref_map = np.zeros(grid.shape)
            ref_map[rr, cc] = values
            err = np.abs(ref_map[sr, sc] - exact_g).max() / exact_g.max()
            refs[name] = (elapsed, err, "")

        rows.append(
            (n, h, grid, int(mask.sum()), t_surface, med_surface, t_gauss)
            + (t_full, med_full, t_cells, err_q, err_g, refs)
        )
        print(
            f"n={n:,}: bandwidth {h:.0f} m (sigma {sigma:.0f} m), sub-cells per cell side "
            f"{K.oversampling(grid.cell_size, h, 'quartic', grid.size)} (quartic), "
            f"{K.oversampling(grid.cell_size, sigma, 'gaussian', grid.size)} (Gaussian); "
            f"{res.parameters['snapped'].reason}"
        )

    print("\nKDE surface, Dartford at 25 m (times in ms; error = max |value - exact sum| / peak)")
    header = (
        f"{'incidents':>10} {'bandwidth':>9} {'cells':>8} {'surface':>8} {'(median)':>8} {'gauss':>7} "
        f"{'hotspot_kde':>11} {'(median)':>8} {'.cells':>7} {'err quartic':>11} {'err gauss':>9}"
    )
    print(header)
    for n, h, grid, cells, ts, ms, tg, tf, mf, tc, eq, eg, _ in rows:
        print(
            f"{n:>10,} {h:>7.0f} m {cells:>8,} {1e3 * ts:>8.1f} {1e3 * ms:>8.1f} {1e3 * tg:>7.1f} "
            f"{1e3 * tf:>11.1f} {1e3 * mf:>8.1f} "
            f"{1e3 * tc:>7.0f} {100 * eq:>10.3f}% {100 * eg:>8.3f}%"
        )
    print("\nReferences (Gaussian kernel, same sigma, evaluated at the cells in the borough)")
    print(f"{'incidents':>10} {'reference':<22} {'time s':>8} {'ours ms':>8} {'ratio':>9} {'err gauss':>9}")
    for n, _, _, _, _, _, tg, _, _, _, _, _, refs in rows:
        for name, (elapsed, err, note) in refs.items():
            if elapsed is None and err:  # err holds the predicted seconds of a skipped reference
                # Scaled from the last measured size by incidents x cells: scipy grows so, sklearn faster.
                print(f"{n:>10,} {name:<22} {'~' + format(err, ',.0f'):>8} {1e3 * tg:>8.1f} "
                      f"{'~' + format(err / tg, ',.0f'):>8}x  predicted, not run ({note})")
            elif elapsed is None:
                print(f"{n:>10,} {name:<22} {note}")
            else:
                print(f"{n:>10,} {name:<22} {elapsed:>8.2f} {1e3 * tg:>8.1f} {elapsed / tg:>8,.0f}x {100 * err:>8.3f}%")


def _print_load() -> None:
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
    _print_load()
