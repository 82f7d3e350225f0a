"""hotspots.accuracy: PAI, RRI and PEI by hand, a back-test scored by hand, and the demo store."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.accuracy import accuracy_sentence, backtest, pai, pei, rri

REPO = Path(__file__).resolve().parents[2]
BOX = shapely.box(550000.5, 170000.5, 550999.5, 170999.5)  # 10 x 10 cells of 100 m, edges inside
TEST_WEEK = pd.Timestamp("2024-03-04")  # Monday


def test_indices_by_hand():
    assert pai(30, 100, 5.0, 100.0) == pytest.approx(6.0)  # 30% of incidents in 5% of the area
    assert math.isnan(pai(0, 0, 5.0, 100.0)) and math.isnan(pai(3, 10, 0.0, 100.0))
    # Levine: 40 of 200 in the hot spots before, 12 of 50 after: (12/40) / (50/200) = 1.2
    assert rri(12, 40, 50, 200) == pytest.approx(1.2)
    assert math.isnan(rri(3, 0, 10, 20))
    # Hunt: 4 caught where the best map of that area would have caught 10
    assert pei(4, 10) == pytest.approx(0.4) and math.isnan(pei(0, 0))


def test_sentence():
    assert accuracy_sentence(12, 5, 0.314, 6.24) == (
        "over the last 12 weeks the top 5% of this map held 31% of the next week's incidents (PAI 6.2)"
    )
    assert "no incidents" in accuracy_sentence(12, 5, float("nan"), float("nan"))


def incidents(cells):
    """(col, row, days after the test week's Monday, count) -> frame, at cell centres."""
    rows = []
    for col, row, day, n in cells:
        for i in range(n):
            rows.append((550050.0 + 100 * col, 170950.0 - 100 * row, TEST_WEEK + pd.Timedelta(days=day, hours=i % 20)))
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at"])
    df["date_precision"] = "minute"
    return df


@pytest.fixture(scope="module")
def by_hand():
    # Training (the 4 weeks before): cells A-E hold 10, 9, 8, 7, 6 incidents, F holds 1: 41 in all.
    train = [(2, 2, -3, 10), (3, 2, -10, 9), (4, 2, -17, 8), (5, 2, -24, 7), (6, 2, -5, 6), (2, 6, -12, 1)]
    # The test week: 3 in A, 1 in E, 4 in F and 4 single incidents elsewhere: 12 in all.
    test = [(2, 2, 1, 3), (6, 2, 2, 1), (2, 6, 3, 4), (7, 7, 0, 1), (8, 7, 4, 1), (7, 8, 5, 1), (1, 8, 6, 1)]
    start = [(0, 0, -29, 1)]  # the first incident, so the data cover the training weeks
    df = incidents(train + test + start)
    return backtest(df, boundary=BOX, weeks=1, train_weeks=4, top=5, cell_size=100, methods=("grid",),
                    end=TEST_WEEK + pd.Timedelta(weeks=1))


def test_grid_back_test_scored_by_hand(by_hand):
    row = by_hand.weekly.iloc[0]
    area = BOX.area
    assert (row["train_incidents"], row["train_hits"], row["incidents"], row["hits"]) == (41, 40, 12, 4)
    assert row["area_km2"] == pytest.approx(0.05)  # the five 100 m cells A-E
    assert row["hit_rate"] == pytest.approx(4 / 12)
    assert row["pai"] == pytest.approx((4 / 12) / (50_000 / area))
    assert row["rri"] == pytest.approx((4 / 40) / (12 / 41))
    assert row["best_hits"] == 4 + 3 + 1 + 1 + 1  # the fullest five cells of the test week
    assert row["pei"] == pytest.approx(0.4)
    assert by_hand.weeks[0].label == "2024-W10 (4 Mar to 10 Mar 2024)"


def test_pooled_table_and_sentence(by_hand):
    t = by_hand.table.iloc[0]
    assert (t["method"], t["weeks"], t["incidents"], t["hits"]) == ("grid", 1, 12, 4)
    assert t["pai"] == pytest.approx(by_hand.weekly.iloc[0]["pai"])
    assert by_hand.sentence("grid") == (
        f"over the last 1 weeks the top 5% of this map held 33% of the next week's incidents (PAI {t['pai']:.1f})"
    )
    with pytest.raises(ValueError, match="`method` must be one of grid"):
        by_hand.sentence("kde")


def test_refusals():
    with pytest.raises(ValueError, match="`points` is empty"):
        backtest(incidents([]), boundary=BOX)
    one = incidents([(3, 3, 0, 1)])
    with pytest.raises(ValueError, match="no test week has 4 weeks of data before it"):
        backtest(one, boundary=BOX)
    months = one.assign(occurred_at=pd.Timestamp("2024-03-01"), date_precision="month")
    with pytest.raises(ValueError, match="need dates known to the day; all 1 dated rows are known only to the month"):
        backtest(months, boundary=BOX)
    with pytest.raises(ValueError, match="`top` must be a percentage between 0 and 100"):
        backtest(one, boundary=BOX, top=100)
    with pytest.raises(ValueError, match="`methods` must be some of"):
        backtest(one, boundary=BOX, methods=("kde", "crystal ball"))
    with pytest.raises(ValueError, match="`train_weeks` must be a whole number of weeks"):
        backtest(one, boundary=BOX, train_weeks=0)
    away = one.assign(easting=one["easting"] + 10_000)
    with pytest.raises(ValueError, match="no incidents inside `boundary`"):
        backtest(away, boundary=BOX)


# --- the demo store ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def violence(tmp_path_factory):
    from geodata import borough_polygon
    from queries.incidents import IncidentFilter, default_source, fetch_incidents
    from queries.store import connect

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "hotspots", "demo", "--db", str(db)], cwd=REPO, check=True,
                   capture_output=True, timeout=300)
    con = connect(db, read_only=True)
    source = default_source(con, "offence")
    frame = fetch_incidents(con, IncidentFilter(source, layers=("offence",),
                                                categories=("Violence and sexual offences",)))
    con.close()
    return frame, borough_polygon()


@pytest.fixture(scope="module")
def demo_result(violence):
    frame, borough = violence
    return backtest(frame, boundary=borough, weeks=12, train_weeks=4, top=5)


def test_demo_back_test_compares_methods_on_the_same_weeks(demo_result):
    r = demo_result
    assert len(r.weeks) == 12 and r.weeks[-1].label == "2024-W39 (23 Sep to 29 Sep 2024)"
    assert list(r.table["method"]) == ["kde", "grid", "gistar"]
    assert (r.weekly.groupby("method").size() == 12).all()
    # Every method scores the same incidents each week.
    assert r.weekly.groupby("week_start")["incidents"].nunique().max() == 1
    assert r.table["area_share"].between(0.045, 0.056).all()
    assert r.table["hit_rate"].between(0.2, 0.7).all()
    assert r.table["pai"].between(4, 14).all()
    assert np.isfinite(r.table["rri"]).all() and r.table["rri"].between(0.5, 1.5).all()
    assert r.table["pei"].between(0.3, 1.2).all()
    assert r.sentence("kde").startswith("over the last 12 weeks the top 5% of this map held ")
    assert r.parameters["cell_size"].value == 500.0 and r.parameters["bandwidth"].chosen_automatically
    assert "KDE (top 5%)" in r.summary()


def test_demo_gi_bins_and_a_second_area(violence):
    from geodata import focus_area

    frame, _ = violence
    r = backtest(frame, boundary=focus_area("nte"), weeks=4, methods=("gistar", "gistar_bins"))
    assert list(r.table["method"]) == ["gistar", "gistar_bins"]
    assert any("outside the study area were left out" in w for w in r.warnings)
