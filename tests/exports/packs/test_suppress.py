"""exports.packs.suppress and the packs' argument parsing: small counts hidden through every printed total."""

from __future__ import annotations

from datetime import date
import numpy as np
import pytest

from exports import disclosure as D
from exports.packs import PackError, parse_week
from exports.packs import suppress as S
from exports.packs.wildfire import parse_season

K = D.PARTNER.k


def disclosed(values, hidden, groups) -> list[int]:
    """Hidden small counts a reader can work out exactly from every shown total (linear programming:
    each hidden cell's least and greatest value over all non-negative fillings that fit)."""
    from scipy.optimize import linprog

    idx = np.flatnonzero(hidden)
    if not len(idx):
        return []
    col = {int(c): n for n, c in enumerate(idx)}
    a, b = [], []
    for total, parts in groups:
        row, rhs = np.zeros(len(idx)), 0.0
        for p in parts:
            if hidden[p]:
                row[col[p]] += 1
            else:
                rhs -= values[p]
        if hidden[total]:
            row[col[total]] -= 1
        else:
            rhs += values[total]
        a.append(row)
        b.append(rhs)
    out = []
    for c in idx:
        if not 1 <= values[c] < K:
            continue
        e = np.zeros(len(idx))
        e[col[int(c)]] = 1
        lo = linprog(e, A_eq=a, b_eq=b, bounds=(0, None)).fun
        hi = linprog(-e, A_eq=a, b_eq=b, bounds=(0, None))
        if hi.status == 0 and abs(-hi.fun - lo) < 1e-6:
            out.append(int(c))
    return out


def test_one_small_cell_takes_a_second_with_it():
    values = np.array([20, 3, 9, 8])  # total, then its parts
    hidden = S.suppress_linked(values, [(0, [1, 2, 3])], K)
    assert hidden.tolist() == [False, True, False, True]  # the 3 and the smallest other part


def test_hidden_parts_adding_to_less_than_k_take_a_third():
    values = np.array([30, 1, 2, 12, 15])
    hidden = S.suppress_linked(values, [(0, [1, 2, 3, 4])], K)
    assert hidden.tolist() == [False, True, True, True, False]


def test_zeros_are_never_hidden_and_internal_hides_nothing():
    values = np.array([10, 0, 10, 0])
    assert not S.suppress_linked(values, [(0, [1, 2, 3])], K).any()
    assert not S.suppress_linked(np.array([5, 2, 3]), [(0, [1, 2])], 1).any()


def test_a_hidden_total_hides_one_of_its_parts():
    # Months inside a season hidden as a complement: the months must not add back up to it.
    values = np.array([50, 2, 30, 18, 10, 4, 3, 3])  # grand; seasons 2, 30, 18; months of season 18
    groups = [(0, [1, 2, 3]), (3, [4, 5, 6, 7])]
    hidden = S.suppress_linked(values, groups, K)
    assert hidden[1] and hidden[3]  # the small season and its complement
    assert not disclosed(values, hidden, groups)


@pytest.mark.parametrize("seed", range(60))
def test_two_way_tables_never_give_a_small_count_back(seed):
    rng = np.random.default_rng(seed)
    inner = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(rng.integers(2, 6), rng.integers(2, 5)))
    values, groups = S.two_way(inner)
    hidden = S.suppress_linked(values, groups, K)
    assert not any(1 <= v < K and not h for v, h in zip(values, hidden))
    assert not disclosed(values, hidden, groups)
    # No two hidden parts of a shown total may add up to a small count the rest gives back.
    for total, parts in groups:
        hp = [p for p in parts if hidden[p]]
        if not hidden[total] and hp:
            assert values[hp].sum() == 0 or values[hp].sum() >= K
    cells, rows, cols, grand = S.two_way_split(hidden, inner.shape)
    assert cells.shape == inner.shape and len(rows) == inner.shape[0] and len(cols) == inner.shape[1]


@pytest.mark.parametrize("seed", range(30))
def test_months_inside_seasons_by_cause_never_give_a_small_count_back(seed):
    # The wildfire pack's shape: seasons by cause (with both margins), and each season split into months.
    rng = np.random.default_rng(100 + seed)
    inner = rng.choice([0, 1, 2, 3, 5, 8, 20, 60], size=(rng.integers(3, 7), 3))
    values, groups = S.two_way(inner)
    base = len(values)
    for i, total in enumerate(inner.sum(axis=1)):
        split = rng.multinomial(int(total), [0.2, 0.5, 0.3])
        groups.append((inner.size + i, list(range(len(values), len(values) + 3))))
        values = np.concatenate([values, split])
    hidden = S.suppress_linked(values, groups, K)
    assert not any(1 <= v < K and not h for v, h in zip(values, hidden))
    assert not disclosed(values, hidden, groups), (inner, values[base:])


def test_text_helpers():
    p = D.PARTNER
    assert S.without_counts("Wed (24), Thu (3)", p) == "Wed, Thu"
    assert S.without_counts("22:00-00:59 (4 of 6)", p) == "22:00-00:59"
    assert S.without_counts("22:00-00:59 (4 of 6)", D.INTERNAL) == "22:00-00:59 (4 of 6)"
    assert S.part_of(11, 20, p) == ("11", "20")
    assert S.part_of(11, 14, p) == ("[c]", "14")  # the rest, 3, would show
    assert S.part_of(2, 3, p) == ("[c]", "[c]")
    assert S.share(41, 55, p) == "75%" and S.share(2, 55, p) == "[c]" and S.share(52, 55, p) == "[c]"
    assert S.scrub_text("3 fires have no area; about 0.4 incidents; 2 fly-tips; 12 fires", p) == \
        "[c] fires have no area; about 0.4 incidents; [c] fly-tips; 12 fires"
    assert S.shown(3, True) == "[c]" and S.shown(2.25, False, "{:.1f}") == "2.2"


def test_sparse_density_is_blanked_where_fewer_than_k_incidents_reach():
    from hotspots.kde import hotspot_kde

    rng = np.random.default_rng(1)
    crowd = np.c_[rng.normal(556000, 60, 40), rng.normal(174000, 60, 40)]
    lone = np.array([[560000.0, 171000.0], [560050.0, 171020.0]])
    xy = np.vstack([crowd, lone])
    kde = hotspot_kde(xy, bandwidth=300, cell_size=50)
    masked = S.mask_sparse_density(kde, xy, K)
    r, c, _ = kde.grid.locate(np.array([560020.0, 556000.0]), np.array([171010.0, 174000.0]))
    assert kde.density[r[0], c[0]] > 0 and masked.density[r[0], c[0]] == 0  # two incidents: blank
    assert masked.density[r[1], c[1]] == kde.density[r[1], c[1]] > 0  # forty: kept


@pytest.mark.parametrize("text, monday", [("2024-W10", date(2024, 3, 4)), ("2024w10", date(2024, 3, 4)),
                                          ("2024-03-07", date(2024, 3, 4)), (date(2024, 3, 10), date(2024, 3, 4)),
                                          ("2020-W53", date(2020, 12, 28)), (None, None)])
def test_weeks(text, monday):
    assert parse_week(text) == monday


@pytest.mark.parametrize("text", ["2024-W54", "2023-W53", "W10", "10/03/2024", "next week"])
def test_bad_weeks_say_how_to_write_one(text):
    with pytest.raises(PackError, match="2024-W10"):
        parse_week(text)


def test_seasons():
    assert parse_season("Summer 2025") == ("summer", 2025)
    assert parse_season("winter 2024-25") == ("winter", 2024)
    assert parse_season(None) is None
    with pytest.raises(PackError, match="summer 2025"):
        parse_season("high summer")
