"""exports.view_export: a view's table under a profile, file names, the PDF's text tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from exports import disclosure as D
from exports.view_export import file_name, number_features, protect_table, text_table, write_view

HIDDEN = D.HIDDEN


def zones() -> pd.DataFrame:
    return pd.DataFrame({
        "zone": [1, 2, 3, 4],
        "count": [40, 12, 9, 3],
        "repeats": [20, 2, 6, 1],
        "share": [0.5, 0.15, 0.11, 0.04],
        "days": ["Mon (20), Tue (3)", "Wed (12)", "Fri (4)", "Sat (3)"],
        "last_seen": pd.to_datetime(["2024-09-26 12:44", "2024-09-20 08:00", "2024-09-18 23:10", "2024-09-01 10:00"]),
        "easting": [550000.0, 551000.0, 552000.0, 553000.0],
    })


def test_partner_drops_small_rows_hides_small_counts_and_what_reveals_them():
    out = protect_table(zones(), D.PARTNER, rows_by="count", counts=("repeats",), derived=("share",),
                        texts=("days",), drop=("easting",))
    assert list(out["zone"]) == [1, 2, 3]  # zone 4 (3 fly-tips) is not on the map, so not in the table
    assert "easting" not in out
    # 2 is small; the column's total is known, so the next smallest (6) goes too.
    assert list(out["repeats"]) == [20, HIDDEN, HIDDEN]
    assert list(out["share"]) == [0.5, HIDDEN, HIDDEN]
    assert list(out["days"]) == [f"Mon (20), Tue ({HIDDEN})", "Wed (12)", f"Fri ({HIDDEN})"]
    assert all(t.weekday() == 0 and t == t.normalize() for t in out["last_seen"])  # dates by week


def test_internal_keeps_the_table_as_it_is():
    out = protect_table(zones(), D.INTERNAL, rows_by="count", counts=("repeats",), derived=("share",),
                        texts=("days",), drop=("easting",))
    pd.testing.assert_frame_equal(out, zones())


def test_file_names_hold_view_period_and_profile_in_safe_characters():
    assert file_name("violence", "2024-W10", "partner", "png") == "violence_2024-W10_partner.png"
    name = file_name("wildfire", "Winter 2024-25 / ../../etc", "internal", "PDF")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and "/" not in name
    assert name.startswith("wildfire_Winter-2024-25") and name.endswith("_internal.pdf")


def test_text_tables_are_cut_to_the_page():
    frame = pd.DataFrame({f"c{i}": range(40) for i in range(12)}).assign(geometry=None)
    title, columns, rows = text_table("Zones", frame)
    assert "geometry" not in columns and len(columns) == 10 and len(rows) == 25
    assert title == "Zones (40 rows, first 25)" and rows[0][0] == "0"


def test_the_map_numbers_the_top_features_only():
    import geopandas as gpd
    import shapely
    from matplotlib.figure import Figure

    squares = [shapely.box(x, 0, x + 100, 100) for x in (0, 200, 400, 600)]
    features = gpd.GeoDataFrame({"rank": [1, 2, 13, None]}, geometry=squares, crs="EPSG:27700")
    ax = Figure().add_subplot()
    number_features(ax, features, "rank")
    assert [(t.get_text(), t.get_position()) for t in ax.texts] == [("1", (50.0, 50.0)), ("2", (250.0, 50.0))]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        write_view(None, "docx", "out.docx")
