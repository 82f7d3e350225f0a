"""The wildfire prevention pack from the demo store and from a small store with planted small counts."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest

from briefings import wildfire as W
from briefings.scope import Scope, select
from exports import disclosure as D
from exports import files
from exports.packs import PackError, build_pack, write_pack
from exports.packs.wildfire import Hidden

from .conftest import FIRES, pdf_pages

TITLE = "Wildfire prevention pack · Dartford borough · Summer 2025"
# Season, fires, deliberate, accidental, not known, not recorded, burnt, average, times.
SEASON = re.compile(r"^((?:Autumn|Winter|Spring|Summer) \d{4}(?:-\d\d)?)(?: \(part\))? (\S+) (\S+) (\S+) (\S+) (\S+) "
                    r"(\S+) (\S+) (\S+)$", re.M)
PLACE = re.compile(r"^(Dartford Heath|Other open land) (\S+) (\S+) (\S+) (\S+) (\S+)$", re.M)
# Fires in past seasons, fires last time, deliberate, then the peak hours.
ZONE = re.compile(r"(?:^| )(\S+) (\S+) (\S+) (\d\d:\d\d-\d\d:\d\d|no exact times)", re.M)


def small(cell: str) -> bool:
    return cell.replace(",", "").isdigit() and 1 <= int(cell.replace(",", "")) < D.PARTNER.k


def briefing(con, source="demo-generated", start=date(2021, 10, 1), end=date(2024, 10, 1)):
    scope = Scope(source, ("fire",), start, end, (W.OPEN_LAND,))
    return W.wildfire_briefing(select(con, scope, W.FIRE_COLUMNS), season="summer")


@pytest.fixture(scope="module")
def demo_packs(demo_con, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wildfire-packs")
    out = {}
    for profile in ("internal", "partner"):
        pages = build_pack("wildfire", demo_con, season="summer 2025", profile=profile, tiles=False)
        out[profile] = pdf_pages(files.to_pdf(pages, tmp / f"{profile}.pdf"))
    return out


def test_pages_titles_periods_and_profile(demo_packs):
    for profile, texts in demo_packs.items():
        assert len(texts) == 4
        for name, text in zip(("Seasons", "Causes, places and hours", "Prevention zones map", "Prevention zones"),
                              texts):
            assert f"{TITLE}: {name}" in text
            dates = "01 Oct 2021 to 30 Sep 2024" if profile == "internal" else "Oct 2021 to Sep 2024"  # months
            assert f"Period: Fires {dates}; prevention planned for Summer 2025" in text
            assert "Filters: Fires: Grassland, woodland and crops" in text and "Data caveats:" in text
            assert "Kent Fire and Rescue Service" in text and f"Disclosure profile: {profile}." in text


def test_internal_tables_are_the_briefings(demo_con, demo_packs):
    b = briefing(demo_con)
    rows = {r[0]: r for r in SEASON.findall(demo_packs["internal"][1])}
    assert len(rows) == len(b.seasons)
    for _, s in b.seasons.iterrows():
        got = rows[s["label"]]
        assert [int(x) for x in got[1:6]] == s[["fires", *W.CAUSES]].tolist()
        assert got[6] == f"{s['area_burnt_m2'] / 1e4:,.1f}"
    places = {r[0]: int(r[1]) for r in PLACE.findall(demo_packs["internal"][1])}
    assert places == dict(zip(b.places["place"], b.places["fires"]))
    zones = ZONE.findall(demo_packs["internal"][3])
    want = b.plan.zones.head(len(zones))
    assert [int(z[0]) for z in zones] == want["fires"].tolist() and len(zones) == 15
    assert "Standout: Summer 2022: 325 fires" in demo_packs["internal"][0]


def test_partner_tables_hold_no_small_count(demo_packs):
    texts = demo_packs["partner"]
    seasons = SEASON.findall(texts[1])
    assert len(seasons) == 13
    for row in seasons:
        assert not any(small(c) for c in row[1:6]), row
    assert any(D.HIDDEN in row for row in seasons)  # winters and autumns have small causes
    for row in PLACE.findall(texts[1]):
        assert not small(row[1])
    zones = ZONE.findall(texts[3])
    assert zones and not any(small(c) for z in zones for c in z[:2])
    assert not re.search(r"\(\d+ of \d+\)", texts[3])  # peak hours without their counts


def test_small_store_partner_suppression_holds_through_the_totals(small_con, tmp_path):
    path = write_pack("wildfire", small_con, tmp_path / "w.pdf", season="summer 2025", tiles=False)
    texts = pdf_pages(path)
    seasons = SEASON.findall(texts[1])
    assert seasons and D.HIDDEN in "".join(texts[1])
    for row in seasons:
        assert not any(small(c) for c in row[1:6]), row
    assert "Small Site Road" in texts[3]
    small_site = next(line for line in texts[3].splitlines() if "Small Site Road" in line)
    assert D.HIDDEN in small_site and not re.search(r"\b[1-4]\b(?! of)", small_site.split("Summer 2023")[-1])
    # The months, seasons by cause, places and hours of the briefing: nothing small left to subtract.
    b = briefing(small_con, FIRES, date(2022, 6, 5), date(2024, 10, 13))
    h = Hidden.of(b, D.PARTNER)
    seasons_shown = ~h.season
    for i in np.flatnonzero(seasons_shown):
        hidden_causes = b.seasons[list(W.CAUSES)].to_numpy()[i][h.seasons[i]]
        assert hidden_causes.sum() == 0 or (len(hidden_causes[hidden_causes > 0]) >= 2
                                            and hidden_causes.sum() >= D.PARTNER.k)


def test_a_season_inside_the_data_is_planned_from_the_data_before_it(demo_con):
    pages = build_pack("wildfire", demo_con, season="summer 2023", profile="internal", tiles=False)
    info = pages[0].sheet_info
    assert info.title.startswith("Wildfire prevention pack · Dartford borough · Summer 2023")
    assert "to 31 May 2023" in info.period
    texts = " ".join(t.get_text() for t in pages[0].texts)
    assert "Summer 2023 began inside the data" in texts


def test_season_errors(demo_con):
    with pytest.raises(PackError, match="the next summer to plan is Summer 2025"):
        build_pack("wildfire", demo_con, season="summer 2027", tiles=False)
    with pytest.raises(PackError, match="nothing before Summer 2021"):
        build_pack("wildfire", demo_con, season="summer 2021", tiles=False)
    with pytest.raises(PackError, match="not a season"):
        build_pack("wildfire", demo_con, season="2025", tiles=False)
    with pytest.raises(PackError, match="not a week"):
        build_pack("wildfire", demo_con, week="2024-W10", tiles=False)
