"""Small-count suppression for the packs: counts linked through the totals a pack prints.

A pack prints the same incidents several ways (months inside seasons, seasons by
cause, the grand total...). :func:`suppress_linked` takes every printed count as
one cell and every printed (or hidden) total as a group of cells, and hides:

- every count from 1 to k-1 (primary suppression);
- while a shown total has exactly one hidden non-zero part, or hidden parts adding up
  to less than k, the smallest other non-zero part as well (complementary suppression),
  so subtraction gives back neither a small count nor a small sum of them;
- while a hidden total has all its non-zero parts shown, its smallest non-zero part
  (else adding the parts would give the total back);
- while a linear-programming audit can still work a hidden small count out exactly from
  everything shown (it can, now and then, where totals cross), one more cell beside it.

This is the rule :func:`exports.disclosure.suppress_matrix` applies to one table,
extended to totals that are themselves parts of other totals.
"""

from __future__ import annotations

import re

import numpy as np

from exports import disclosure as D

#: "(24)" or "(4 of 6)" after a day, a waste type or a peak-hours window.
_COUNTS = re.compile(r"\s*\(\d[\d,]*(?: of \d[\d,]*)?\)")


def small(values, k: int) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return (v >= 1) & (v < k)


def suppress_linked(values, groups: list[tuple[int, list[int]]], k: int) -> np.ndarray:
    """Which of ``values`` to hide; ``groups`` are ``(total index, part indices)``.

    The rules of the module docstring, then an audit (:func:`disclosed`): while some hidden
    small count can still be worked out exactly from everything shown, one more cell beside
    it is hidden.
    """
    v = np.asarray(values, dtype=float)
    hide = small(v, k) if k > 1 else np.zeros(len(v), bool)
    if k <= 1:
        return hide
    while True:
        _complete(v, hide, groups, k)
        bad = disclosed(v, hide, groups, k)
        if not bad or not _widen(v, hide, groups, bad[0]):
            return hide


def _complete(v: np.ndarray, hide: np.ndarray, groups, k: int) -> None:
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            parts = np.asarray(parts, dtype=int)
            if not len(parts):
                continue
            pv, ph = v[parts], hide[parts]
            nonzero_hidden = ph & (pv > 0)
            if hide[total]:
                need = not nonzero_hidden.any() and (pv > 0).any()
            else:
                need = nonzero_hidden.sum() == 1 or 0 < pv[ph].sum() < k
            if need:
                candidates = np.where(~ph & (pv > 0), pv, np.inf)
                if np.isfinite(candidates).any():
                    hide[parts[int(np.argmin(candidates))]] = True
                    changed = True


def _widen(v: np.ndarray, hide: np.ndarray, groups, cell: int) -> bool:
    """Hide the smallest shown non-zero cell that shares a total with ``cell``; False when there is none."""
    best = None
    for total, parts in groups:
        members = [total, *parts]
        if cell not in members:
            continue
        for m in members:
            if not hide[m] and v[m] > 0 and (best is None or v[m] < v[best]):
                best = m
    if best is None:
        return False
    hide[best] = True
    return True


def disclosed(values, hidden, groups, k: int) -> list[int]:
    """Hidden counts from 1 to k-1 that the shown values fix exactly (each hidden cell's least and
    greatest value over all non-negative fillings that fit every total, by linear programming)."""
    from scipy.optimize import linprog

    v = np.asarray(values, dtype=float)
    idx = np.flatnonzero(hidden)
    targets = [int(c) for c in idx if 1 <= v[c] < k]
    if not targets:
        return []
    col = {int(c): n for n, c in enumerate(idx)}
    a, b = [], []
    for total, parts in groups:
        row, rhs = np.zeros(len(idx)), 0.0
        for p in (*parts, total):
            sign = -1.0 if p == total else 1.0
            if hidden[p]:
                row[col[p]] += sign
            else:
                rhs -= sign * v[p]
        if row.any():
            a.append(row)
            b.append(rhs)
    if not a:
        return []
    out = []
    for c in targets:
        e = np.zeros(len(idx))
        e[col[c]] = 1.0
        lo = linprog(e, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-e, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        if lo.status == 0 and hi.status == 0 and -hi.fun - lo.fun < 0.5:
            out.append(c)
    return out


def scrub_text(text: str, prof: D.Profile) -> str:
    """Sentences with their counts from 1 to k-1 shown as ``[c]`` (:func:`exports.protect.scrub`)."""
    from exports.protect import scrub

    return scrub(text, prof)


def two_way(inner) -> tuple[np.ndarray, list[tuple[int, list[int]]]]:
    """A table with row totals, column totals and a grand total, flattened for :func:`suppress_linked`.

    Cells are the inner cells (row by row), then the R row totals, the C column totals and the
    grand total; use :func:`two_way_split` on the mask.
    """
    inner = np.asarray(inner, dtype=float)
    r, c = inner.shape
    rows, cols = inner.sum(axis=1), inner.sum(axis=0)
    values = np.concatenate([inner.ravel(), rows, cols, [inner.sum()]])
    row0, col0, grand = r * c, r * c + r, r * c + r + c
    groups = [(row0 + i, [i * c + j for j in range(c)]) for i in range(r)]
    groups += [(col0 + j, [i * c + j for i in range(r)]) for j in range(c)]
    groups += [(grand, list(range(row0, row0 + r))), (grand, list(range(col0, col0 + c)))]
    return values, groups


def two_way_split(mask: np.ndarray, shape: tuple[int, int]):
    """``(inner, rows, cols, grand)`` of a mask over :func:`two_way`'s cells."""
    r, c = shape
    return (mask[: r * c].reshape(r, c), mask[r * c: r * c + r], mask[r * c + r: r * c + r + c],
            bool(mask[r * c + r + c]))


def shown(value, hidden: bool, fmt: str = "{:,.0f}") -> str:
    """``value`` written with ``fmt``, or the suppression mark."""
    if hidden:
        return D.HIDDEN
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    return fmt.format(value)


def share(part: float, whole: float, prof: D.Profile) -> str:
    """``part`` / ``whole`` as a percentage, hidden when it would give back a small count
    (the part, the rest, or the whole from 1 to k-1)."""
    if not whole or not np.isfinite(whole) or not np.isfinite(part):
        return "–"
    if prof.suppresses and small([part, whole - part, whole], prof.k).any():
        return D.HIDDEN
    return f"{part / whole:.0%}"


def part_of(a: int, b: int, prof: D.Profile) -> tuple[str, str]:
    """``a`` of ``b`` written for text: the part is hidden when it, the rest or the whole is small."""
    if not prof.suppresses:
        return f"{a:,}", f"{b:,}"
    hidden = small([a, b - a, b], prof.k)
    return (D.HIDDEN if hidden.any() else f"{a:,}"), (D.HIDDEN if hidden[2] else f"{b:,}")


def without_counts(text: str, prof: D.Profile) -> str:
    """Under a suppressing profile, ``text`` without its counts in brackets: ``Wed (24), Thu (3)`` becomes
    ``Wed, Thu`` and ``22:00-00:59 (4 of 6)`` becomes ``22:00-00:59``.

    Lists inside one zone's row (days, waste types, peak hours) share their incidents with the
    borough's own tables, so their counts could give a hidden one back by subtraction; the
    order still says which comes first.
    """
    if not prof.suppresses or not isinstance(text, str):
        return text
    return _COUNTS.sub("", text)


def mask_sparse_density(kde, xy: np.ndarray, k: int):
    """``kde`` with every cell that fewer than ``k`` of the incidents ``xy`` reach blanked (density 0).

    A minimum bandwidth spreads one incident over a disc, but the disc still marks where
    it was: a cell is kept only when at least ``k`` incidents lie within the kernel's reach
    (the bandwidth plus half a cell's diagonal), so no coloured patch stands for 1 to k-1.
    """
    from dataclasses import replace

    from scipy.signal import fftconvolve

    if kde is None or k <= 1:
        return kde
    grid, bw = kde.grid, float(kde.parameters["bandwidth"].value)
    reach = bw + grid.cell_size * 0.71
    r = int(np.ceil(reach / grid.cell_size))
    padded = grid.pad(r)  # incidents just outside the grid still reach its edge cells
    row, col, ok = padded.locate(xy[:, 0], xy[:, 1])
    counts = np.zeros((padded.ny, padded.nx))
    np.add.at(counts, (row[ok], col[ok]), 1.0)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = (np.hypot(yy, xx) * grid.cell_size <= reach).astype(float)
    near = np.rint(fftconvolve(counts, disc, mode="same"))[r:r + grid.ny, r:r + grid.nx]
    sparse = (near < k) & np.nan_to_num(kde.density > 0)
    return replace(kde, density=np.where(sparse, 0.0, kde.density), hot=kde.hot & ~sparse)
