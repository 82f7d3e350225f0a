"""exports.analysis_export: every format, both profiles, from real analyses of a real store.

The property test generates incidents (with small groups, sexual offences and
domestic-abuse flags) and filters, imports them with the project's importer, runs
the method through ``briefings.explore.analyse`` and checks that no ``partner``
output holds a count from 1 to k-1 or a point.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

import geodata
from briefings.explore import Options, analyse
from briefings.scope import Scope
from exports import disclosure as D
from exports.analysis_export import FORMATS, analysis_sheet, export_analysis, sheet_info
from exports.protect import DisclosureRefused, prepare
from maps import layers
from maps.shapes import tooltip_html
from queries.importing import import_file
from queries.store import connect

from .conftest import EXTRACT, NOW, SCOPE, da_spot, extract_rows, failing_fetch, write_extract

COUNT_COLUMNS = ("count", "incidents", "baseline", "timed", "untimed")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def _pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("profile", ["partner", "internal"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_written_and_states_its_profile(store, analyses, tmp_path, fmt, profile):
    path = export_analysis(analyses["kde"], fmt, tmp_path / f"kde.{fmt}", profile=profile, con=store,
                           fetch_tile=failing_fetch)
    statement = D.profile(profile).statement()
    assert path.stat().st_size > 300
    if fmt == "png":
        with Image.open(path) as im:
            assert im.size == (1754, 1240) and im.info["Description"] == statement
    elif fmt == "pdf":
        assert statement.split(".")[0] in _pdf_text(path)
    elif fmt == "html":
        assert statement in path.read_text(encoding="utf-8")
    elif fmt == "geojson":
        doc = json.loads(path.read_text())
        assert doc["metadata"]["disclosure_profile"] == profile and doc["metadata"]["disclosure"] == statement
        assert "bandwidth" in doc["parameters"]
    elif fmt == "gpkg":
        about = pyogrio.read_dataframe(path, layer="about").set_index("key")["value"]
        assert about["disclosure_profile"] == profile
    else:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert rows and {r["disclosure_profile"] for r in rows} == {profile}


def test_png_at_300_dpi(analyses, store, tmp_path):
    path = export_analysis(analyses["gistar"], "png", tmp_path / "g.png", con=store, dpi=300, tiles=False)
    with Image.open(path) as im:
        assert im.size == (3508, 2480)


def test_pdf_carries_title_period_filters_statement_caveats_and_parameters(analyses, store, tmp_path):
    a = analyses["dbscan"]
    accuracy = "over the last 12 weeks the top 5% of this map held 31% of the next week's incidents (PAI 6.2)"
    path = export_analysis(a, "pdf", tmp_path / "d.pdf", con=store, accuracy=accuracy, fetch_tile=failing_fetch)
    reader = PdfReader(path)
    assert len(reader.pages) == 2
    assert reader.metadata.title == "DBSCAN clusters: Offences, Dartford borough"
    text = _pdf_text(path)
    for part in ("DBSCAN clusters: Offences, Dartford borough", "Period: 02 Oct 2023 to 31 Mar 2024",
                 "Offences · Dartford borough · 02 Oct 2023 to 31 Mar 2024", "Disclosure profile: partner",
                 "Data caveats:", "not every incident is", "eps = ", "min_samples = ", "Accuracy: over the last 12",
                 "no basemap (tiles could not be fetched)", "Results ("):
        assert part in text, part


def test_police_uk_caveat_on_police_uk_maps(store, tmp_path):
    a = analyse(store, Scope("police.uk", ("offence",), date(2023, 12, 1), date(2024, 4, 1)), "kde")
    path = export_analysis(a, "pdf", tmp_path / "uk.pdf", tiles=False)  # police.uk rows carry no flags: no con
    text = " ".join(_pdf_text(path).split())
    assert "police.uk locations are approximate" in text and "months only" in text
    assert "Crime data: police.uk, Open Government Licence v3.0" in text


def test_partner_refuses_points_and_internal_draws_them(analyses, tmp_path):
    with pytest.raises(DisclosureRefused, match="no incident points"):
        export_analysis(analyses["points"], "png", tmp_path / "p.png")
    p = prepare(analyses["points"], "internal")
    fig = analysis_sheet(p, sheet_info(p), tiles=False)
    assert "Offences (" in _texts(fig)
    path = export_analysis(analyses["points"], "geojson", tmp_path / "p.geojson", profile="internal")
    doc = json.loads(path.read_text())
    assert {f["geometry"]["type"] for f in doc["features"]} == {"Point"}
    assert len(doc["features"]) == analyses["points"].selection.count


def test_partner_needs_the_flags_read_with_the_analysis_or_the_store(analyses, tmp_path):
    export_analysis(analyses["kde"], "csv", tmp_path / "k.csv")  # briefings.explore reads the flags
    a = analyses["kde"]
    frame = a.selection.frame.drop(columns=["offence_group", "domestic_abuse"])
    stripped = dataclasses.replace(a, selection=dataclasses.replace(a.selection, frame=frame))
    with pytest.raises(DisclosureRefused, match="con="):
        export_analysis(stripped, "csv", tmp_path / "s.csv")
    export_analysis(stripped, "csv", tmp_path / "s.csv", profile="internal")


def test_domestic_abuse_spot_is_on_the_internal_map_only(analyses, store):
    spot = da_spot()
    internal = prepare(analyses["kde"], "internal")
    partner = prepare(analyses["kde"], "partner", store)
    near = lambda frame: bool((frame.geometry.distance(spot) < 150).any())  # noqa: E731
    assert near(internal.geo)
    assert not near(partner.geo)
    r = partner.result
    row, col, ok = r.grid.locate(np.array([spot.x]), np.array([spot.y]))
    assert ok[0] and r.density[row[0], col[0]] < analyses["kde"].result.density[row[0], col[0]] / 5
    assert any("domestic-abuse" in n for n in partner.notes)
    # DBSCAN too: the spot's cluster is there internally and gone for partners.
    assert near(prepare(analyses["dbscan"], "internal").geo)
    assert not near(prepare(analyses["dbscan"], "partner", store).geo)


def test_partner_kde_bandwidth_at_least_the_minimum(store, tmp_path):
    a = analyse(store, SCOPE, "kde", Options(bandwidth=120.0))
    internal = json.loads(export_analysis(a, "geojson", tmp_path / "i.geojson", profile="internal").read_text())
    partner = json.loads(export_analysis(a, "geojson", tmp_path / "p.geojson", con=store).read_text())
    assert internal["parameters"]["bandwidth"]["value"] == 120.0
    bw = partner["parameters"]["bandwidth"]
    assert bw["value"] >= D.PARTNER.min_bandwidth_m and "raised from 120 m" in bw["why"]


def test_partner_dates_are_weeks_and_internal_keeps_times(analyses, store, tmp_path):
    partner = pd.read_csv(export_analysis(analyses["dbscan"], "csv", tmp_path / "p.csv", con=store),
                          encoding="utf-8-sig")
    internal = pd.read_csv(export_analysis(analyses["dbscan"], "csv", tmp_path / "i.csv", profile="internal"),
                           encoding="utf-8-sig")
    for column in ("first", "last"):
        t = pd.to_datetime(partner[column])
        assert (t.dt.day_of_week == 0).all() and (t == t.dt.normalize()).all()
    assert (pd.to_datetime(internal["first"]).dt.hour != 0).any()


def test_change_keeps_its_period_under_partner(analyses, store):
    a = analyses["change"]
    p = prepare(a, "partner", store)
    assert p.result.period == a.result.period
    assert p.analysis.parameters["period"] is a.parameters["period"]


def test_unknown_format_and_profile(analyses, tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        export_analysis(analyses["kde"], "docx", tmp_path / "x.docx")
    with pytest.raises(ValueError, match="internal or partner"):
        export_analysis(analyses["kde"], "csv", tmp_path / "x.csv", profile="public")


# --------------------------------------------------------------------------------------
# The property: no partner output holds a count from 1 to k-1 or a point
# --------------------------------------------------------------------------------------

_SMALL_TEXT = re.compile(r"(?<![\d.,])\b([1-4])\s+(?:incidents?|of)\b|\((?:[1-4])\)")


def _small_in_text(text: str) -> list[str]:
    return [m.group(0) for m in _SMALL_TEXT.finditer(text)]


def _write_groups(rows, rng, groups):
    """Small groups of 1 to 4 incidents at random places: the counts partners must not see."""
    borough = geodata.area_geometry("borough")
    from .conftest import inside

    for size, xy in zip(groups, inside(borough, rng, len(groups))):
        for _ in range(size):
            when = datetime_between(rng)
            rows.append({"occurred_at": when, "crime_type": "Burglary", "offence_group": "Burglary",
                         "offence": "Burglary", "domestic_abuse": "N", "easting": round(float(xy[0]), 1),
                         "northing": round(float(xy[1]), 1), "location": "On or near Small Lane"})


def datetime_between(rng) -> str:
    from .conftest import FIRST, LAST

    days = (LAST - FIRST).days
    return (FIRST + timedelta(days=int(rng.integers(0, days)), minutes=int(rng.integers(0, 1440)))).strftime(
        "%Y-%m-%d %H:%M")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**16),
    n_background=st.integers(30, 400),
    n_nte=st.integers(0, 120),
    n_da=st.integers(0, 40),
    groups=st.lists(st.integers(1, 4), max_size=8),
    method=st.sampled_from(["kde", "dbscan", "gistar", "change", "classify"]),
    area=st.sampled_from(["borough", "borough", "nte", "bluewater"]),
    months=st.integers(1, 9),
    window=st.sampled_from([None, None, None, "nte"]),
)
def test_property_partner_outputs_hold_no_small_count_and_no_point(tmp_path_factory, seed, n_background, n_nte,
                                                                   n_da, groups, method, area, months, window):
    rng = np.random.default_rng(seed)
    tmp = tmp_path_factory.mktemp("prop")
    rows = extract_rows(rng, n_background=n_background, n_nte=n_nte, n_blue=n_background // 10, n_da=n_da,
                        n_sexual=int(rng.integers(0, 6)))
    _write_groups(rows, rng, groups)
    for i, r in enumerate(rows):
        r["crime_ref"] = f"P{i:06d}"
    write_extract(tmp / "e.csv", rows)
    con = connect(tmp / "s.duckdb")
    try:
        import_file(con, "police-extract", tmp / "e.csv", source=EXTRACT, now=NOW)
        end = date(2024, 4, 1)
        start = (pd.Timestamp(end) - pd.DateOffset(months=months)).date()
        scope = Scope(EXTRACT, ("offence",), start, end, area=area,
                      days=(4, 5) if window else None, hours=(20, 4) if window else None)
        try:
            a = analyse(con, scope, method)
        except ValueError:
            event("nothing to analyse")
            return  # nothing to analyse under these filters: no output at all
        try:
            p = prepare(a, "partner", con)
        except DisclosureRefused as exc:
            event(f"refused: {str(exc)[:40]}")
            return  # refusing is a safe answer
        event(f"exported {method}")
        event("small counts dropped" if any("count from 1 to" in n for n in p.notes) else "nothing small to drop")
        assert p.points is None
        # Tables with geometry: every format is written from this one.
        geo = p.geo
        assert not (geo.geometry.geom_type == "Point").any() if len(geo) else True
        for column in COUNT_COLUMNS:
            if column in geo:
                assert D.small_counts(geo[column], D.PARTNER) == 0, (column, geo[column].tolist())
        if "main_categories" in geo:
            assert not any(_small_in_text(str(t)) for t in geo["main_categories"])
        # The files themselves.
        doc = json.loads(export_analysis(a, "geojson", tmp / "r.geojson", con=con).read_text())
        assert all(f["geometry"]["type"] != "Point" for f in doc["features"])
        for f in doc["features"]:
            for column in COUNT_COLUMNS:
                v = f["properties"].get(column)
                assert not (isinstance(v, (int, float)) and 1 <= v < D.PARTNER.k), (column, v)
        table = pd.read_csv(export_analysis(a, "csv", tmp / "r.csv", con=con), encoding="utf-8-sig", dtype=str)
        for column in COUNT_COLUMNS:
            if column in table:
                assert D.small_counts(table[column].fillna("0"), D.PARTNER) == 0
        # The map sheet's text and the web layer's tooltips and legend.
        info = sheet_info(p)
        fig = analysis_sheet(p, info, tiles=False)
        assert _small_in_text(_texts(fig)) == []
        assert not any(c.get_offsets().size for ax in fig.axes for c in ax.collections
                       if type(c).__name__ == "PathCollection")
        html = export_analysis(a, "html", tmp / "r.html", con=con).read_text(encoding="utf-8")
        assert "markercluster" not in html.lower()
        panel = html[html.index('<aside class="hs-export-panel"'):html.index("</aside>")]
        assert _small_in_text(re.sub(r"<[^>]+>", " ", panel)) == []
        shapes = {"kde": layers.hotspot_shapes, "dbscan": layers.cluster_shapes, "gistar": layers.gistar_shapes,
                  "change": layers.change_shapes, "classify": layers.classify_shapes}[method](p.result)
        if "Incidents" in shapes.fields:
            j = shapes.fields.index("Incidents")
            for feature in shapes.features:
                value = feature[2][j].replace(",", "")
                assert not (value.isdigit() and 1 <= int(value) < D.PARTNER.k), tooltip_html(shapes, 0)
    finally:
        con.close()
