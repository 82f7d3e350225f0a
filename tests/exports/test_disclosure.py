"""Disclosure control: small counts, complementary suppression, sensitive incidents, dates."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exports import disclosure as D


def _recoverable(counts: np.ndarray, hide: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells alone in their row or column: their value follows from its total."""
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(hide)) if hide[i].sum() == 1 or hide[:, j].sum() == 1]


def test_primary_suppression_hides_one_to_k_minus_one_only():
    hide = D.suppress_matrix(np.array([0, 1, 4, 5, 12]), 5, row_totals=False, col_totals=False)
    assert hide.tolist() == [False, True, True, False, False]


def test_a_single_small_cell_gets_a_partner_so_the_total_does_not_reveal_it():
    counts = np.array([3, 10, 20])
    hide = D.suppress_matrix(counts, 5, row_totals=False, col_totals=True)
    assert hide.tolist() == [True, True, False]  # 10 is the smallest other non-zero cell


def test_two_way_table_leaves_no_hidden_cell_alone_in_a_row_or_column():
    counts = np.array([[2, 9, 14], [8, 30, 6], [11, 7, 25]])
    hide = D.suppress_matrix(counts, 5)
    assert hide[0, 0]
    assert _recoverable(counts, hide) == []


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda r: st.integers(1, 5).flatmap(
            lambda c: st.lists(st.lists(st.integers(0, 12), min_size=c, max_size=c), min_size=r, max_size=r)
        )
    ),
    st.integers(2, 6),
)
def test_property_no_small_count_shown_and_none_recoverable(rows, k):
    counts = np.array(rows, dtype=float)
    hide = D.suppress_matrix(counts, k)
    shown = counts[~hide]
    assert not ((shown >= 1) & (shown < k)).any()
    # In every row and column, subtraction from its total gives back neither one hidden
    # count nor a small sum of hidden counts, unless nothing else was left to hide.
    for line_counts, line_hide in [*zip(counts, hide), *zip(counts.T, hide.T)]:
        if not line_hide.any():
            continue
        nothing_left = not (line_counts[~line_hide] > 0).any()
        safe = line_hide.sum() >= 2 and line_counts[line_hide].sum() >= k
        assert safe or nothing_left


def test_suppress_table_marks_cells_and_small_totals():
    table = pd.DataFrame({"category": ["A", "B", "C"], "count": [2, 1, 40]})
    out = D.suppress_table(table, ["count"], D.PARTNER, total_row=True)
    assert out["count"].tolist() == [D.HIDDEN, D.HIDDEN, D.HIDDEN, 43]
    assert out["category"].iloc[-1] == "Total"
    assert D.small_counts(out["count"], D.PARTNER) == 0


def test_internal_profile_changes_nothing():
    table = pd.DataFrame({"category": ["A", "B"], "count": [2, 1]})
    out = D.suppress_table(table, ["count"], D.INTERNAL, total_row=True)
    assert out["count"].tolist() == [2, 1, 3]


def test_cells_for_maps_drop_small_counts():
    cells = pd.DataFrame({"count": [0, 1, 4, 5, 9]})
    assert D.suppress_cells(cells, D.PARTNER)["count"].tolist() == [0, 5, 9]


def test_sensitive_incidents_are_found_by_group_flag_and_subcategory():
    frame = pd.DataFrame({
        "category": ["Violence and sexual offences"] * 4 + ["Burglary"],
        "subcategory": ["Assault with injury", "Rape", "Harassment", None, None],
        "offence_group": ["Violence against the person", "Sexual offences", "Violence against the person", None, None],
        "domestic_abuse": [False, False, True, None, False],
    })
    assert D.sensitive(frame).tolist() == [False, True, True, False, False]
    assert len(D.below_lsoa_frame(frame, D.PARTNER)) == 3
    assert len(D.below_lsoa_frame(frame, D.INTERNAL)) == 5


def test_dates_are_coarsened_to_the_week_or_month():
    t = pd.Series(pd.to_datetime(["2024-03-07 22:15", "2024-03-10 01:00"]))
    assert D.coarsen_dates(t, D.PARTNER).dt.strftime("%Y-%m-%d").tolist() == ["2024-03-04", "2024-03-04"]
    month = D.Profile("m", 5, False, "lsoa", "month", 300)
    assert D.coarsen_dates(t, month).dt.strftime("%Y-%m-%d").tolist() == ["2024-03-01", "2024-03-01"]


def test_profile_names_and_statement():
    assert D.profile("partner") is D.PARTNER
    assert "[c]" in D.PARTNER.statement() and "partner" in D.PARTNER.statement()
    with pytest.raises(ValueError, match="internal or partner"):
        D.profile("public")


def test_format_count():
    assert [D.format_count(v, D.PARTNER) for v in (0, 3, 5, 1200)] == ["0", "[c]", "5", "1,200"]
    assert D.format_count(3, D.INTERNAL) == "3"


@pytest.mark.parametrize("rows", [list(p) for p in itertools.islice(itertools.product([0, 1, 3, 6], repeat=3), 40)])
def test_one_column_tables_never_leave_a_lone_hidden_cell_when_a_partner_exists(rows):
    counts = np.array(rows, dtype=float)
    hide = D.suppress_matrix(counts, 5, row_totals=False, col_totals=True)
    if hide.sum() == 1:
        # Only acceptable when no other non-zero cell could be hidden with it.
        assert (counts[~hide] > 0).sum() == 0
