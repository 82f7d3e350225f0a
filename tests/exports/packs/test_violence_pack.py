"""The weekly violence pack, built from the demo store and from a small store with planted small counts.

The PDFs' text (pypdf) is checked against the briefing's own figures: titles and periods on
every page, the top-10 rows (internal), and under ``partner`` no count from 1 to 4 in the
tables and panels, no incident points, and the sexual and domestic-abuse incidents kept
off the maps.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from briefings.violence import weekly_violence
from exports import disclosure as D
from exports import files
from exports.packs import PackError, build_pack, write_pack
from exports.packs.violence import protected

from ..conftest import da_spot
from .conftest import EXTRACT, SMALL_WEEK, pdf_pages

WEEK = date(2024, 3, 4)
TITLE = "Weekly violence pack · Dartford borough · 2024-W10"
PERIOD = "Period: 2024-W10 (4 Mar to 10 Mar 2024), against the previous 4 weeks"
# Rank, street, incidents, expected, change, % change, status, peak hours, area.
ROW = re.compile(r"^(\d+) (.+?) (\S+) (\S+) (\S+) (\S+) (\S+) (\d\d:\d\d-\d\d:\d\d(?: \(.*?\))?|no exact times) "
                 r"(\d+\.\d\d)$", re.M)
PANEL = re.compile(r"^(This week|Same week last year) (\S+)$", re.M)


def small(cell: str) -> bool:
    return cell.replace(",", "").isdigit() and 1 <= int(cell.replace(",", "")) < D.PARTNER.k


@pytest.fixture(scope="module")
def demo_packs(demo_con, tmp_path_factory):
    out, tmp = {}, tmp_path_factory.mktemp("violence-packs")
    for profile in ("internal", "partner"):
        pages = build_pack("violence", demo_con, week="2024-W10", profile=profile, tiles=False)
        out[profile] = (pages, pdf_pages(files.to_pdf(pages, tmp / f"{profile}.pdf")))
    return out


def test_every_page_carries_title_period_filters_caveats_attribution_and_profile(demo_packs):
    for profile, (pages, texts) in demo_packs.items():
        assert len(texts) == 4
        for text in texts:
            assert TITLE in text and PERIOD in text and "Filters: Offences: Violence and sexual offences" in text
            assert "Data caveats:" in text and "Attribution:" in text and "Crime data: police.uk" in text
            assert f"Disclosure profile: {profile}." in text
        for name, text in zip(("Summary", "Hot spot map", "Change map", "Top 10 hot spots"), texts):
            assert f"{TITLE}: {name}" in text


def test_internal_top_table_is_the_briefings(demo_con, demo_packs):
    b = weekly_violence(demo_con, None, WEEK)
    rows = ROW.findall(demo_packs["internal"][1][3])
    assert len(rows) == len(b.top) > 0
    for got, want in zip(rows, b.top.itertuples()):
        assert int(got[0]) == want.rank and got[1] == want.street
        assert int(got[2]) == want.count and got[3] == f"{want.expected:,.1f}" and got[7] == want.peak_hours


def test_internal_summary_has_the_weeks_figures_panels_and_accuracy(demo_con, demo_packs):
    b = weekly_violence(demo_con, None, WEEK)
    text = demo_packs["internal"][1][0]
    assert f"This week\n{b.count:,}" in text and f"{b.expected:,.1f}" in text and f"\n{b.last_year:,}\n" in text
    assert b.accuracy in text
    assert "Town-centre night-time economy" in text and "Bluewater" in text
    panels = dict(zip(["nte", "bluewater"], [m for m in PANEL.findall(text) if m[0] == "This week"]))
    assert {k: int(v[1]) for k, v in panels.items()} == dict(zip(b.focus["area"], b.focus["count"]))
    assert "Violence and public order per week" in text and "52 ISO weeks" in text


def test_partner_pdf_holds_no_small_count_in_tables_or_panels(demo_packs):
    texts = demo_packs["partner"][1]
    rows = ROW.findall(texts[3])
    assert rows, texts[3]
    for row in rows:
        assert not any(small(c) for c in row[2:6]), row
        assert "(" not in row[7]  # peak hours without their counts
    assert any(r[2] == D.HIDDEN for r in rows)  # the demo week has small hot spots
    panels = PANEL.findall(texts[0])
    assert len(panels) == 4 and not any(small(v) for _, v in panels)
    assert not re.search(r"\b[1-4] of \d", texts[0])


def test_partner_maps_hold_no_points_and_use_the_minimum_bandwidth(demo_packs):
    pages, texts = demo_packs["partner"]
    for fig in pages:
        if hasattr(fig, "basemap_note"):  # a map sheet: its first axes is the map
            assert not any(isinstance(c, PathCollection) for c in fig.axes[0].collections)
    assert "incidents at" not in "".join(texts)  # the points legend's note
    flat = " ".join(texts[1].split())  # the side panel wraps its lines
    assert "bandwidth = 300 m" in flat and "sexual or domestic-abuse-flagged incidents" in flat
    assert "at least 5 incidents lie within the bandwidth" in flat


def test_partner_rebuild_leaves_sexual_and_domestic_abuse_incidents_off_the_map(small_con):
    b = weekly_violence(small_con, EXTRACT, SMALL_WEEK)
    p, note = protected(small_con, b, D.PARTNER)
    spot = da_spot()
    frame = small_con.execute(
        "select easting, northing from incidents where source = ? and domestic_abuse and occurred_at >= ? "
        "and occurred_at < ?", [EXTRACT, pd.Timestamp(SMALL_WEEK), pd.Timestamp(SMALL_WEEK) + pd.Timedelta(days=7)]
    ).df()
    assert len(frame) > 0, "the small store plants domestic-abuse incidents in the week"
    r, c, ok = b.kde.grid.locate(np.array([spot.x]), np.array([spot.y]))
    assert ok[0] and b.kde.density[r[0], c[0]] > 0  # internal: the spot shows
    r, c, _ = p.kde.grid.locate(np.array([spot.x]), np.array([spot.y]))
    assert p.kde.density[r[0], c[0]] == 0  # partner: rebuilt without them
    assert float(p.kde.parameters["bandwidth"].value) >= D.PARTNER.min_bandwidth_m
    assert "Private Road" not in set(p.top["street"])
    assert "sexual or domestic-abuse-flagged" in note and int(p.change.total["count"]) < b.change.total["count"]


def test_small_store_partner_pack_hides_its_small_counts(small_con, tmp_path):
    path = write_pack("violence", small_con, tmp_path / "v.pdf", week=SMALL_WEEK, source=EXTRACT, tiles=False)
    texts = pdf_pages(path)
    assert "Disclosure profile: partner." in texts[0] and D.HIDDEN in "".join(texts)
    for row in ROW.findall(texts[3]):
        assert not any(small(c) for c in row[2:6]), row
    assert not any(small(v) for _, v in PANEL.findall(texts[0]))


def test_errors_say_what_to_do(small_con, demo_con):
    with pytest.raises(PackError, match="months only.*--source extract"):
        build_pack("violence", small_con, week="2024-W10", source="police.uk", tiles=False)
    with pytest.raises(PackError, match="covers 01 Oct 2021 to 30 Sep 2024, not all of 2019-W10.*last complete week"):
        build_pack("violence", demo_con, week="2019-W10", tiles=False)
    with pytest.raises(PackError, match="not a week"):
        build_pack("violence", demo_con, week="March", tiles=False)
    with pytest.raises(PackError, match="not a season"):
        build_pack("violence", demo_con, week="2024-W10", season="summer 2024", tiles=False)
    with pytest.raises(PackError, match="unknown area"):
        build_pack("violence", demo_con, week="2024-W10", area="Gravesend", tiles=False)
    with pytest.raises(PackError, match="unknown disclosure profile"):
        build_pack("violence", demo_con, week="2024-W10", profile="public", tiles=False)


def test_failed_tiles_are_tried_once_and_the_maps_say_so(demo_con):
    calls = []

    def offline(z, x, y):
        calls.append((z, x, y))
        raise OSError("network is unreachable (test)")

    pages = build_pack("violence", demo_con, week="2024-W10", profile="internal", fetch_tile=offline)
    maps = [p for p in pages if hasattr(p, "basemap_note")]
    assert len(maps) == 2 and all(p.basemap_note.startswith("no basemap") for p in maps)
    assert len(calls) == 1
