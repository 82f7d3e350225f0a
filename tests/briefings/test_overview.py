"""briefings.overview on real DuckDB stores built through the importers: planted rises and falls are found.

Two sources: a police extract with exact times (a steady background, a planted rise in
burglary and a planted fall in drugs offences in the last 4 weeks), and police.uk
rows known only to the month (a planted rise in one month). Expected figures are the
planted counts, or read back from the store with SQL independent of the briefing.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

import geodata
from briefings.overview import build_overview, coverage, default_period
from briefings.scope import Scope
from queries.importing import import_file
from queries.store import connect
from tests.importing.conftest import POLICE_UK_HEADER, police_uk_row

NOW = datetime(2024, 12, 1)
FIRST_MONDAY = date(2022, 10, 3)
WEEKS = 104  # to Sunday 29 Sep 2024
PERIOD = (date(2024, 9, 2), date(2024, 9, 30))  # the last 4 complete ISO weeks
LAST_YEAR = (PERIOD[0] - timedelta(weeks=52), PERIOD[1] - timedelta(weeks=52))
RISE = ("Burglary", 3, 30)  # category, last year, now
FALL = ("Drugs", 30, 2)
PE_HEADER = ["crime_ref", "occurred_at", "crime_type", "easting", "northing", "location"]


def places() -> dict[str, tuple[float, float]]:
    """Four points in four different Dartford LSOAs (their representative points)."""
    lsoas = geodata.lsoas().sort_values("lsoa21cd").iloc[[3, 17, 31, 45]]
    pts = lsoas.representative_point()
    return {k: (round(p.x, 1), round(p.y, 1)) for k, p in zip("ABCD", pts)}


def spread(start: date, end: date, n: int) -> list[datetime]:
    """``n`` times spread over the days from ``start`` to ``end`` (exclusive), at 21:30."""
    days = (end - start).days
    return [datetime.combine(start + timedelta(days=i * days // n), datetime.min.time()) + timedelta(hours=21, minutes=30)
            for i in range(n)]


def extract_rows() -> list[list[str]]:
    p = places()
    rows, n = [], 0

    def add(when: datetime, ctype: str, where: str):
        nonlocal n
        n += 1
        e, north = p[where]
        rows.append([f"CR{n:06d}", when.strftime("%Y-%m-%d %H:%M"), ctype, str(e), str(north), f"Street {where}"])

    for w in range(WEEKS):
        monday = FIRST_MONDAY + timedelta(weeks=w)
        for d in (0, 2, 3):  # from a Monday, so the first week is whole
            add(datetime.combine(monday + timedelta(days=d), datetime.min.time()) + timedelta(hours=10),
                "Criminal damage and arson", "A")
        for d in (4, 5):
            add(datetime.combine(monday + timedelta(days=d), datetime.min.time()) + timedelta(hours=23),
                "Vehicle crime", "B")
    for (ctype, then, now), where in ((RISE, "C"), (FALL, "D")):
        for t in spread(*LAST_YEAR, then):
            add(t, ctype, where)
        for t in spread(*PERIOD, now):
            add(t, ctype, where)
    return rows


def write_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("overview")
    c = connect(tmp / "store.duckdb")
    report = import_file(c, "police-extract", write_csv(tmp / "extract.csv", PE_HEADER, extract_rows()), now=NOW)
    assert report.accepted == report.read > 0
    # police.uk: January 2023 to March 2024, 10 shoplifting offences a month; burglary 5 in
    # March 2023 and 40 in March 2024.
    rows, n = [], 0
    for month in pd.period_range("2023-01", "2024-03", freq="M"):
        counts = {"Shoplifting": 10, "Burglary": {"2023-03": 5, "2024-03": 40}.get(str(month), 0)}
        for ctype, k in counts.items():
            for _ in range(k):
                n += 1
                rows.append(police_uk_row(f"PUK{n:05d}", month=str(month), crime_type=ctype))
    report = import_file(c, "police-uk", write_csv(tmp / "police_uk.csv", POLICE_UK_HEADER, rows), now=NOW)
    assert report.accepted == n
    yield c
    c.close()


def scope_of(source: str, period, layers=("offence",), **kw) -> Scope:
    return Scope(source, layers, period[0], period[1], **kw)


def sql_count(con, source: str, start, end, category: str | None = None) -> int:
    return con.execute(
        "SELECT count(*) FROM incidents WHERE source = ? AND occurred_at >= ? AND occurred_at < ? "
        "AND (? IS NULL OR category = ?)", [source, start, end, category, category]).fetchone()[0]


@pytest.fixture(scope="module")
def weekly(con):
    cov = coverage(con, "police-extract", ("offence",))
    period = default_period(cov)
    return cov, period, build_overview(con, scope_of("police-extract", (period.start.date(), period.end.date())))


def test_default_period_is_the_last_four_complete_weeks(weekly):
    cov, period, ov = weekly
    assert not cov.month_only
    assert (period.start.date(), period.end.date()) == PERIOD
    assert (ov.period.start.date(), ov.period.end.date()) == PERIOD
    assert (ov.last_year.start.date(), ov.last_year.end.date()) == LAST_YEAR
    assert ov.unit == "week" and ov.has_last_year


def test_planted_rise_and_fall_are_found_and_significant(con, weekly):
    ov = weekly[2]
    cats = ov.totals[ov.totals["level"] == "category"].set_index("category")
    for category, then, now in (RISE, FALL):
        row = cats.loc[category]
        assert (row["count"], row["last_year"]) == (now, then)
        assert row["change"] == now - then
        assert row["significant"] and row["p_fdr"] < 0.05
    steady = cats.loc["Criminal damage and arson"]
    assert steady["count"] == steady["last_year"] == 12 and not steady["significant"]
    changed = ov.changed.set_index(["kind", "name"])
    assert changed.loc[("category", "Burglary"), "direction"] == "rise"
    assert changed.loc[("category", "Drugs"), "direction"] == "fall"
    assert ov.changed[ov.changed["kind"] == "category"].iloc[0]["name"] == "Burglary"  # largest rise first
    by_lsoa = ov.changed[ov.changed["kind"] == "LSOA"]
    lsoa_of = dict(con.execute("SELECT category, any_value(lsoa21cd) FROM incidents WHERE category IN (?, ?) "
                               "GROUP BY category", [RISE[0], FALL[0]]).fetchall())
    rise = by_lsoa[by_lsoa["name"].str.startswith(lsoa_of[RISE[0]])]
    fall = by_lsoa[by_lsoa["name"].str.startswith(lsoa_of[FALL[0]])]
    assert list(rise["direction"]) == ["rise"] and list(fall["direction"]) == ["fall"]
    assert set(by_lsoa["direction"]) == {"rise", "fall"} and len(by_lsoa) == 2  # the steady places did not change
    assert any(s.startswith("Burglary: 30 against 3") for s in ov.sentences())


def test_totals_add_up_and_match_the_store(con, weekly):
    ov = weekly[2]
    t = ov.totals
    total = ov.total
    assert total["count"] == sql_count(con, "police-extract", *PERIOD)
    assert total["last_year"] == sql_count(con, "police-extract", *LAST_YEAR)
    assert t.loc[t["level"] == "layer", "count"].sum() == total["count"]
    assert t.loc[t["level"] == "category", "count"].sum() == total["count"]
    assert len(ov.incidents) == total["count"]


def test_weekly_trend_over_two_years(con, weekly):
    cov, _, ov = weekly
    trend = ov.trend
    assert len(trend) == WEEKS and set(trend["layer"]) == {"Offences"}
    assert trend["start"].min() >= cov.start and trend["start"].max() == pd.Timestamp(PERIOD[1] - timedelta(weeks=1))
    in_period = trend[(trend["start"] >= pd.Timestamp(PERIOD[0])) & (trend["start"] < pd.Timestamp(PERIOD[1]))]
    assert in_period["count"].sum() == ov.total["count"]
    assert trend["count"].sum() == sql_count(con, "police-extract", FIRST_MONDAY, PERIOD[1])


def test_focus_areas_compared(weekly):
    ov = weekly[2]
    focus = ov.focus.set_index("area")
    assert list(focus.index) == ["borough", "nte", "bluewater", "heath"]
    assert focus.loc["borough", "count"] == ov.total["count"]
    assert focus.loc["borough", "pai"] == pytest.approx(1.0)
    assert focus.loc["borough", "rate_per_km2"] == pytest.approx(ov.total["count"] / focus.loc["borough", "area_km2"])
    assert {"last_year", "pct_change", "p_fdr", "significant"} <= set(ov.focus.columns)


def test_an_lsoa_scope_counts_its_own_incidents(con, weekly):
    lsoa = con.execute("SELECT any_value(lsoa21cd) FROM incidents WHERE category = ?", [RISE[0]]).fetchone()[0]
    ov = build_overview(con, scope_of("police-extract", PERIOD, area=lsoa))
    assert ov.total["count"] == RISE[2] and ov.total["last_year"] == RISE[1]
    assert ov.focus.set_index("area").loc["borough", "count"] == weekly[2].total["count"]  # still borough-wide


def test_month_only_source_compares_whole_months(con):
    cov = coverage(con, "police.uk", ("offence",))
    assert cov.month_only
    period = default_period(cov)
    assert (period.start.date(), period.end.date()) == (date(2024, 3, 1), date(2024, 4, 1))
    ov = build_overview(con, scope_of("police.uk", (period.start.date(), period.end.date())))
    assert ov.unit == "month" and ov.last_year.start == pd.Timestamp("2023-03-01")
    row = ov.totals.set_index("label").loc["Burglary"]
    assert (row["count"], row["last_year"]) == (40, 5) and row["significant"]
    assert list(ov.changed.loc[ov.changed["kind"] == "category", "name"]) == ["Burglary"]
    assert len(ov.trend) == 15 and ov.trend["count"].sum() == sql_count(con, "police.uk", date(2023, 1, 1), date(2024, 4, 1))


def test_month_only_period_is_widened_and_last_year_may_be_missing(con):
    ov = build_overview(con, scope_of("police.uk", (date(2023, 2, 10), date(2023, 3, 20))))
    assert (ov.period.start, ov.period.end) == (pd.Timestamp("2023-02-01"), pd.Timestamp("2023-04-01"))
    assert any("known only to the month" in n for n in ov.notes)
    assert not ov.has_last_year and ov.changed.empty
    assert ov.totals["last_year"].isna().all() and not ov.totals["significant"].any()
    assert any("no comparison with last year" in n for n in ov.notes)
    assert ov.total["count"] == sql_count(con, "police.uk", date(2023, 2, 1), date(2023, 4, 1))
