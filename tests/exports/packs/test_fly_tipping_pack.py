"""The fly-tipping patrol pack from the demo store and from a small store with planted small counts."""

from __future__ import annotations

import re
from datetime import date

import pytest

from briefings import fly_tipping as F
from briefings.scope import select
from exports import disclosure as D
from exports import files
from exports.packs import PackError, build_pack, write_pack

from .conftest import FLY, pdf_pages

TITLE = "Fly-tipping patrol pack · Dartford borough · 2024-W10"
PERIOD = ("Period: Patrols for the week of Mon 04 Mar to Sun 10 Mar 2024, planned from the fly-tips of 11 Dec 2023 to "
          "03 Mar 2024 (12 weeks)")
WASTE = re.compile(r"^(.+?) (\S+) (\S+%|\[c\])$", re.M)
# Fly-tips and at repeat sites, then the last-seen date (a day internally, a week for partners).
COUNTS = re.compile(r"(?:^| )([\d,]+|\[c\]) ([\d,]+|\[c\]) (?:week of \d\d|\w{3} \d\d \w{3})", re.M)


def small(cell: str) -> bool:
    return cell.replace(",", "").isdigit() and 1 <= int(cell.replace(",", "")) < D.PARTNER.k


@pytest.fixture(scope="module")
def demo_packs(demo_con, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fly-packs")
    out = {}
    for profile in ("internal", "partner"):
        pages = build_pack("fly-tipping", demo_con, week="2024-W10", profile=profile, tiles=False)
        out[profile] = pdf_pages(files.to_pdf(pages, tmp / f"{profile}.pdf"))
    return out


def test_pages_titles_periods_and_profile(demo_packs):
    for profile, texts in demo_packs.items():
        assert len(texts) == 3
        for name, text in zip(("Summary", "Patrol zones map", "Patrol zones"), texts):
            assert f"{TITLE}: {name}" in text and PERIOD in text and "Data caveats:" in text
            assert "Fly-tipping: Dartford Borough Council" in text and f"Disclosure profile: {profile}." in text


def test_internal_zones_and_waste_types_are_the_plans(demo_con, demo_packs):
    plan = F.plan_patrols(select(demo_con, F.patrol_scope("demo-generated", date(2024, 3, 4)), F.FLY_COLUMNS))
    counts = COUNTS.findall(demo_packs["internal"][2])
    zones = plan.zones.head(len(counts))
    assert len(counts) == 12
    assert [(int(c), int(r)) for c, r in counts] == list(zip(zones["count"], zones["repeats"]))
    text = demo_packs["internal"][2]
    assert "Wed (24), Thu (23)" in text and "E 553,652" in text  # days with counts, a grid reference
    waste = {name: int(n) for name, n, _ in WASTE.findall(demo_packs["internal"][0]) if n.isdigit()}
    sel = select(demo_con, F.patrol_scope("demo-generated", date(2024, 3, 4)), F.FLY_COLUMNS)
    assert waste["Other household"] == int((sel.incidents["waste_type"] == "Other household").sum())
    assert f"Fly-tips in 12 weeks\n{plan.incidents:,}" in demo_packs["internal"][0]


def test_partner_tables_hold_no_small_count_and_no_grid_reference(demo_packs):
    texts = demo_packs["partner"]
    waste = WASTE.findall(texts[0])
    assert len(waste) > 5 and not any(small(n) for _, n, _ in waste)
    counts = COUNTS.findall(texts[2])
    assert len(counts) == 12 and not any(small(c) for pair in counts for c in pair)
    assert not re.search(r"\(\d[\d,]*(?: of [\d,]+)?\)", texts[2])  # days, hours and waste types: no counts
    assert "E 55" not in texts[2] and "week of 26 Feb" in texts[2]
    assert "Zone 1\n" in texts[1] and "Zone 1:" not in texts[1]  # the legend names zones, the table counts them


def test_small_store_partner_hides_rare_waste_types_and_their_complement(small_con, tmp_path):
    texts = pdf_pages(write_pack("fly-tipping", small_con, tmp_path / "f.pdf", week="2024-W10", tiles=False))
    waste = {name: n for name, n, _ in WASTE.findall(texts[0])}
    assert waste["Asbestos"] == D.HIDDEN
    assert sum(n == D.HIDDEN for n in waste.values()) >= 2
    assert not any(small(n) for n in waste.values())


def test_week_errors(demo_con, small_con):
    with pytest.raises(PackError, match="data end on 30 Sep 2024: the latest week .* is 2024-W41"):
        build_pack("fly-tipping", demo_con, week="2025-W10", tiles=False)
    with pytest.raises(PackError, match="data start on 01 Oct 2021.*first week with 12 weeks of history"):
        build_pack("fly-tipping", demo_con, week="2021-W30", tiles=False)
    with pytest.raises(PackError, match="holds no fly-tipping"):
        build_pack("fly-tipping", small_con, week="2024-W10", source="extract", tiles=False)
    assert FLY  # the small store's fly-tipping source is the default there


def test_a_week_soon_after_the_data_start_says_its_history_is_short(demo_con):
    pages = build_pack("fly-tipping", demo_con, week="2021-W45", profile="partner", tiles=False)
    text = " ".join(t.get_text() for t in pages[0].texts)
    assert "The data start in October 2021: this plan has fewer than 12 weeks of history." in text
