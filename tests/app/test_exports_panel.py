"""The Export panel in Streamlit's AppTest, on every map view of a real demo store.

AppTest keeps no downloadable file after a run (its media store lives for one run), so
the bytes are read where the panel keeps the files it made for the view: the session's
``export:<view>`` entry, whose files are exactly what its download buttons offer.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re

import pytest
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from exports import disclosure as D
from exports.view_export import FORMATS
from tests.app.conftest import APP, open_page

pytestmark = pytest.mark.slow

#: url path -> (view, query): Explore with a method partner exports allow.
PAGES = {
    "home": ("overview", {}),
    "violence": ("violence", {}),
    "wildfire": ("wildfire", {}),
    "fly-tipping": ("fly-tipping", {}),
    "explore": ("explore", {"x_method": "kde"}),
}
LABELS = ["PNG", "PDF", "HTML", "GeoJSON", "GeoPackage", "CSV"]
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@pytest.fixture
def db(demo_store, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", str(demo_store))
    return demo_store


def open_view(url: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(query if query is not None else PAGES[url][1])
    at = open_page(at, url).run()
    assert not at.exception, at.exception
    # Offline and quick: no basemap tiles (the sheet says so).
    at.checkbox(key=f"{PAGES[url][0]}_xtiles").uncheck().run()
    return at


def panel(at: AppTest):
    found = [e for e in at.expander if e.label == "Export"]
    assert len(found) == 1
    return found[0]


def statement_shown(at: AppTest) -> set[str]:
    return {c.value for c in panel(at).caption if c.value.startswith("Disclosure profile:")}


def made(at: AppTest, view: str) -> dict:
    held = at.session_state[f"export:{view}"] if f"export:{view}" in at.session_state else {}
    return dict(held.get("files", {}))


def press(at: AppTest, view: str, slot: str):
    at.button(key=f"{view}_x{slot}").click().run()
    assert not at.exception, at.exception
    return made(at, view).get(slot)


def flat(text: str) -> str:
    return " ".join(text.split())


def check_file(f, fmt: str, profile: str) -> None:
    """The bytes are a real file of ``fmt`` that states ``profile``."""
    statement = D.profile(profile).statement()
    assert f.name.endswith(f"_{profile}.{fmt}") and re.fullmatch(r"[A-Za-z0-9._-]+", f.name)
    if fmt == "png":
        assert f.data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(f.data)) as im:
            assert im.size == (1754, 1240) and im.info["Description"] == statement
            lo, hi = im.convert("L").getextrema()
            assert hi - lo > 100  # not blank
    elif fmt == "pdf":
        assert f.data.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(f.data))
        text = flat("\n".join(p.extract_text() for p in reader.pages))
        assert len(reader.pages) >= 2 and reader.metadata.title
        assert flat(reader.metadata.title) in text and flat(statement) in text
    elif fmt == "html":
        text = f.data.decode("utf-8")
        assert text.lstrip().lower().startswith("<!doctype html") and statement in text
        assert not re.search(r"<(script|link)\b[^>]*\b(src|href)=[\"']https?:", text)  # opens offline
    elif fmt == "geojson":
        doc = json.loads(f.data)
        assert doc["type"] == "FeatureCollection" and doc["features"]
        assert doc["metadata"]["disclosure_profile"] == profile and doc["metadata"]["disclosure"] == statement
    elif fmt == "gpkg":
        assert f.data.startswith(b"SQLite format 3\x00")
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(f.data.decode("utf-8-sig"))))
        assert rows[0][0] == "disclosure_profile" and len(rows) > 1
        assert {r[0] for r in rows[1:]} == {profile}
        for cell in (c for r in rows for c in r):
            assert not cell.startswith(("=", "+", "@", "-", "\t", "\r")) or _NUMBER.fullmatch(cell), cell
        if profile == "partner":  # no count from 1 to k-1 in a count column
            for j, name in enumerate(rows[0]):
                if name in ("count", "incidents", "fires", "repeats", "repeat_sites", "last_season_fires"):
                    values = [float(r[j]) for r in rows[1:] if _NUMBER.fullmatch(r[j])]
                    assert all(v == 0 or v >= 5 for v in values), (name, values)


@pytest.mark.parametrize("url", list(PAGES))
def test_panel_is_on_every_map_view_and_states_its_profile(db, url):
    view = PAGES[url][0]
    at = open_view(url)
    box = panel(at)
    assert [b.label for b in box.button][:6] == LABELS
    assert at.radio(key=f"{view}_xprofile").value == "partner"
    assert statement_shown(at) == {D.PARTNER.statement()}
    assert not made(at, view) and not [d for d in box.download_button]  # nothing made until asked
    at.radio(key=f"{view}_xprofile").set_value("internal").run()
    assert statement_shown(at) == {D.INTERNAL.statement()}


@pytest.mark.parametrize("url", list(PAGES))
def test_every_format_button_gives_a_real_file(db, url):
    view = PAGES[url][0]
    at = open_view(url)
    for fmt in FORMATS:
        f = press(at, view, fmt)
        assert f is not None, [w.value for w in at.warning] + [e.value for e in at.error]
        check_file(f, fmt, "partner")
    # Each file made stays offered, under its own name, while the choices stay the same.
    offered = {d.label for d in panel(at).download_button}
    assert {f"Download {f.name}" for f in made(at, view).values()} <= offered


def test_internal_files_and_profile_change_withdraws_partner_files(db):
    at = open_view("violence")
    partner = press(at, "violence", "png")
    assert partner.name.endswith("_partner.png")
    at.radio(key="violence_xprofile").set_value("internal").run()
    assert not made(at, "violence") and not panel(at).download_button  # a file never outlives its profile
    for fmt in ("png", "csv", "geojson"):
        check_file(press(at, "violence", fmt), fmt, "internal")


def test_files_are_cached_on_the_inputs_and_remade_for_new_ones(db):
    at = open_view("fly-tipping")
    first = press(at, "fly-tipping", "csv")
    again = press(at, "fly-tipping", "csv")
    assert again.data == first.data and again.seconds == first.seconds  # from the cache, not made again
    at.slider(key="f_weeks").set_value(8).run()
    assert not made(at, "fly-tipping")  # other filters: the old file is withdrawn
    other = press(at, "fly-tipping", "csv")
    assert other.data != first.data


def test_png_at_300_dpi(db):
    at = open_view("wildfire")
    at.radio(key="wildfire_xdpi").set_value(300).run()
    f = press(at, "wildfire", "png")
    with Image.open(io.BytesIO(f.data)) as im:
        assert im.size == (3508, 2480)


def test_partner_refusal_is_explained_and_internal_points_export(db):
    at = open_view("explore", {"x_method": "points"})
    assert press(at, "explore", "png") is None
    assert any("no incident points" in w.value for w in at.warning)
    at.radio(key="explore_xprofile").set_value("internal").run()
    check_file(press(at, "explore", "png"), "png", "internal")


PACKS = {"violence": "violence", "wildfire": "wildfire", "fly-tipping": "fly_tipping"}


@pytest.mark.parametrize("url", list(PACKS))
def test_meeting_pack_button_on_the_tasking_views(db, url):
    from app_views.export_panel import PACK_LABEL, _pack_writer

    at = open_view(url)
    button = at.button(key=f"{url}_xpack")
    if _pack_writer() is None:
        assert button.disabled and any("python -m hotspots pack" in c.value for c in panel(at).caption)
        return
    if importlib.util.find_spec(f"exports.packs.{PACKS[url]}") is None:
        pytest.skip(f"exports.packs has no {url} pack yet")
    f = press(at, url, "pack")
    assert f is not None, [w.value for w in at.warning] + [e.value for e in at.error]
    assert f.data.startswith(b"%PDF") and f.name.startswith(f"{url}-pack_") and f.name.endswith("_partner.pdf")
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(f.data)).pages))
    assert flat(D.PARTNER.statement()) in text
    assert PACK_LABEL in {d.label for d in panel(at).download_button}
