"""hotspots.change: exact Poisson p-values, FDR, classes, baselines, areas, refusals."""

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from hotspots.change import ZERO_BASELINE_COUNT, hotspot_change, parse_baseline, poisson_rise_p
from hotspots.periods import WEEK, Period, period_of

BOX = shapely.box(550000.5, 170000.5, 550999.5, 170999.5)  # 10 x 10 cells of 100 m (edges inside the cells)
WEEK10 = pd.Timestamp("2024-03-04")  # Monday of 2024-W10


def frame(cells, precision="minute"):
    """Incidents from (col, row, day offset from WEEK10, count) tuples, at cell centres."""
    rows = []
    for col, row, day, n in cells:
        for i in range(n):
            rows.append((550050 + 100 * col, 170950 - 100 * row, WEEK10 + pd.Timedelta(days=day, hours=1 + i % 20)))
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"])
    df["date_precision"] = precision
    return df


def at(result, col, row):
    cells = result.cells
    return cells[(cells["col"] == col) & (cells["row"] == row)].iloc[0]


@pytest.fixture(scope="module")
def small():
    # Cell (1, 1): 8 in the 4 baseline weeks (2 a week), 6 in the week.
    # Cell (5, 5): none before, 3 in the week.  Cell (8, 2): 12 before (3 a week), none in the week.
    # Cell (3, 7): 4 before, 1 in the week.
    data = [(1, 1, -d, 1) for d in (1, 4, 8, 11, 15, 18, 22, 25)] + [(1, 1, 2, 6)]
    data += [(5, 5, 3, 3)]
    data += [(8, 2, -d, 1) for d in range(1, 25, 2)]
    data += [(3, 7, -d, 1) for d in (2, 9, 16, 23)] + [(3, 7, 6, 1)]
    data += [(0, 9, -40, 1)]  # before the baseline: counted nowhere
    return hotspot_change(frame(data), period=WEEK10, boundary=BOX, cell_size=100)


def test_counts_expected_and_poisson_p_against_scipy(small):
    assert small.scale == pytest.approx(7 / 28)
    a = at(small, 1, 1)
    assert (a["count"], a["baseline"], a["expected"]) == (6, 8, pytest.approx(2.0))
    assert a["p"] == pytest.approx(stats.poisson.sf(5, 2.0), rel=1e-12)
    assert a["change"] == pytest.approx(4.0)
    b = at(small, 5, 5)  # expected 0: tested as half an incident in the baseline
    assert (b["count"], b["expected"]) == (3, 0.0)
    assert b["p"] == pytest.approx(stats.poisson.sf(2, ZERO_BASELINE_COUNT * 0.25), rel=1e-12)
    c = at(small, 8, 2)
    assert (c["count"], c["expected"], c["p"]) == (0, pytest.approx(3.0), 1.0)
    assert c["p_fall"] == pytest.approx(stats.poisson.cdf(0, 3.0))
    d = at(small, 3, 7)
    assert d["p"] == pytest.approx(stats.poisson.sf(0, 1.0))
    empty = at(small, 9, 9)
    assert (empty["count"], empty["expected"], empty["p"], empty["p_fall"]) == (0, 0.0, 1.0, 1.0)


def test_fdr_is_benjamini_hochberg_over_all_cells(small):
    cells = small.cells
    assert len(cells) == 100
    expected = stats.false_discovery_control(cells["p"].to_numpy(), method="bh")
    np.testing.assert_allclose(cells["p_fdr"].to_numpy(), expected, rtol=1e-12)


def test_classes(small):
    assert at(small, 5, 5)["class"] == "significant rise"  # p = 0.0003: 0.03 after 100 cells
    assert at(small, 1, 1)["class"] in ("significant rise", "rise")
    assert at(small, 8, 2)["class"] == "fall"  # P(0 | 3) = 0.0498
    assert at(small, 3, 7)["class"] == "no change"
    assert set(small.cells["class"]) <= {"significant rise", "rise", "no change", "fall"}
    sig = small.cells["p_fdr"] <= 0.05
    assert (small.cells.loc[sig, "class"] == "significant rise").all()


def test_total_row_and_summary(small):
    assert small.total["count"] == 6 + 3 + 1
    assert small.total["baseline"] == 8 + 12 + 4
    text = small.summary()
    assert "2024-W10 (4 Mar to 10 Mar 2024) against the previous 4 weeks" in text
    assert "10 incidents, 6.0 expected" in text
    assert small.parameters["period"].chosen_automatically is False
    assert small.parameters["cell_size"].reason == "given"


def test_planted_rise_is_the_only_significant_cell():
    rng = np.random.default_rng(3)
    data = []
    for col in range(10):
        for row in range(10):
            for day in range(-28, 7):
                n = rng.poisson(0.06)
                if n:
                    data.append((col, row, day, int(n)))
    data.append((6, 3, 4, 9))  # nine incidents one evening
    r = hotspot_change(frame(data), period=WEEK10, boundary=BOX, cell_size=100)
    sig = r.cells[r.cells["class"] == "significant rise"]
    assert list(zip(sig["col"], sig["row"])) == [(6, 3)]


def test_baselines():
    p = period_of(WEEK10, WEEK)
    (w,), name = parse_baseline("previous 13 weeks", p)
    assert (w.start, w.end, name) == (WEEK10 - pd.Timedelta(weeks=13), WEEK10, "previous 13 weeks")
    (w,), name = parse_baseline("last year", p)
    assert (w.start, w.end, name) == (pd.Timestamp("2023-03-06"), pd.Timestamp("2023-03-13"), "same weeks last year")
    assert w.start.weekday() == 0
    (w,), _ = parse_baseline(8, p)
    assert w.start == WEEK10 - pd.Timedelta(weeks=8)
    with pytest.raises(ValueError, match="`baseline` must be"):
        parse_baseline("fortnight ago", p)


def test_same_weeks_last_year_scale_and_counts():
    data = [(2, 2, -364 + d, 1) for d in range(7)] + [(2, 2, 1, 14)]
    r = hotspot_change(frame(data), period=WEEK10, baseline="last year", boundary=BOX, cell_size=100)
    c = at(r, 2, 2)
    assert r.scale == 1.0 and (c["count"], c["expected"]) == (14, 7.0)
    assert c["p"] == pytest.approx(stats.poisson.sf(13, 7.0))


def test_default_period_is_the_last_complete_iso_week():
    data = [(1, 1, d, 1) for d in range(-30, 7)]  # ends on Sunday 10 March
    r = hotspot_change(frame(data), boundary=BOX, cell_size=100)
    assert r.period == Period(WEEK10, WEEK10 + pd.Timedelta(weeks=1), WEEK)
    assert r.parameters["period"].chosen_automatically
    r = hotspot_change(frame(data[:-1]), boundary=BOX, cell_size=100)  # ends on Saturday: W10 incomplete
    assert r.period.start == WEEK10 - pd.Timedelta(weeks=1)


def test_focus_areas_are_tested_as_wholes():
    data = [(c, 1, -d, 1) for c in (0, 1) for d in range(1, 29, 7)] + [(0, 1, 2, 5), (1, 1, 3, 4)]
    areas = {"west": shapely.box(550000, 170000, 550200, 171000), "east": shapely.box(550500, 170000, 551000, 171000)}
    r = hotspot_change(frame(data), period=WEEK10, boundary=BOX, areas=areas, cell_size=100)
    table = r.areas.set_index("area")
    assert list(table.index) == ["all", "west", "east"]
    assert (table.loc["west", "count"], table.loc["west", "baseline"], table.loc["west", "expected"]) == (9, 8, 2.0)
    assert table.loc["west", "p"] == pytest.approx(stats.poisson.sf(8, 2.0))
    assert table.loc["east", "count"] == 0 and table.loc["east", "p"] == 1.0
    assert r.areas.crs.to_epsg() == 27700


def test_month_precision_refuses_weeks_and_defaults_to_months():
    rows = []
    for month, n in (("2024-01-01", 10), ("2024-02-01", 10), ("2024-03-01", 10), ("2024-04-01", 25)):
        rows += [(550450.0, 170450.0, pd.Timestamp(month))] * n
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"])
    df["date_precision"] = "month"
    with pytest.raises(ValueError, match="need dates known to the day; all 55 dated rows are known only to the month"):
        hotspot_change(df, boundary=BOX, period_length="week")
    r = hotspot_change(df, boundary=BOX, cell_size=100)
    assert r.period.label == "April 2024" and r.parameters["period_length"].value == "month"
    assert "month" in r.parameters["period_length"].reason
    c = at(r, 4, 5)
    assert (c["count"], c["baseline"]) == (25, 30)
    assert c["expected"] == pytest.approx(30 * 30 / 91)  # April's 30 days against Jan-Mar's 91
    with pytest.raises(ValueError, match="periods of a week, which need dates known to the day"):
        hotspot_change(df, boundary=BOX, period=("2024-04-08", "2024-04-15"))


def test_empty_single_and_bad_inputs():
    empty = frame([])
    with pytest.raises(ValueError, match="no dated incidents to choose the period from: pass `period`"):
        hotspot_change(empty, boundary=BOX)
    r = hotspot_change(empty, boundary=BOX, period=WEEK10, cell_size=100)
    assert r.total["count"] == 0 and (r.cells["class"] == "no change").all()
    assert any("no incidents" in w for w in r.warnings)
    with pytest.raises(ValueError, match="no `boundary`"):
        hotspot_change(empty, period=WEEK10)
    one = hotspot_change(frame([(4, 4, 2, 1)]), boundary=BOX)  # data end on Wednesday: W9 is the last whole week
    assert one.period.start == WEEK10 - pd.Timedelta(weeks=1) and one.total["count"] == 0
    one = hotspot_change(frame([(4, 4, 2, 1)]), boundary=BOX, period=WEEK10)
    assert one.total["count"] == 1 and one.cells["count"].sum() == 1
    assert any("the data end on 06 Mar 2024, before the period ends" in w for w in one.warnings)
    with pytest.raises(ValueError, match="needs the time of each incident"):
        hotspot_change(np.array([[550100.0, 170100.0]]), boundary=BOX)
    with pytest.raises(ValueError, match="`alpha` must be between 0 and 1"):
        hotspot_change(frame([(4, 4, 2, 1)]), boundary=BOX, alpha=2)


def test_rise_p_helper_floors_zero_baselines_only_when_told():
    assert poisson_rise_p(np.array([2]), np.array([0.0]))[0] == 0.0
    assert poisson_rise_p(np.array([2]), np.array([0.0]), np.array([0]), 0.25)[0] == pytest.approx(
        stats.poisson.sf(1, 0.125))
    assert poisson_rise_p(np.array([0]), np.array([0.0]), np.array([0]), 0.25)[0] == 1.0
