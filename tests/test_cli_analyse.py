"""``python -m hotspots analyse`` and ``backtest`` on the demo store: every method and format, and clear refusals."""

import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from cli.main import main
from queries.store import connect

REPO = Path(__file__).resolve().parents[1]
VIOLENCE = ["--layer", "offence", "--category", "Violence and sexual offences"]
YEAR = ["--from", "2023-10-02", "--to", "2024-09-29"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "hotspots", "demo", "--db", str(path)], cwd=REPO, check=True,
                   capture_output=True, timeout=300)
    return path


def run(capsys, *args):
    """Run the command line in this process; returns (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def geojson(path):
    data = json.loads(Path(path).read_text())
    assert data["type"] == "FeatureCollection"
    return data


@pytest.mark.parametrize("method, properties, area, extra", [
    ("kde", ["density", "hotspot"], "nte", YEAR),
    ("dbscan", ["cluster", "count"], "borough", YEAR),
    ("gistar", ["count", "z", "p", "p_fdr", "gi_bin"], "borough", YEAR),
    ("change", ["count", "expected", "p_fdr"], "borough", []),
    ("classify", ["pattern", "chainey", "hot_periods", "cold_periods", "trend_z", "trend_p"], "borough", []),
])
def test_each_method_writes_geojson_with_the_documented_properties(db, tmp_path, capsys, method, properties,
                                                                    area, extra):
    out = tmp_path / f"{method}.geojson"
    code, text, err = run(capsys, "analyse", "--method", method, *VIOLENCE, "--area", area, *extra,
                          "--db", db, "--out", out)
    assert code == 0, err
    data = geojson(out)
    assert data["features"], "no features"
    for feature in data["features"][:50]:
        assert list(feature["properties"]) == properties
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0][:2] if data["features"][0]["geometry"][
        "type"] == "Polygon" else data["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert 0.1 < lon < 0.4 and 51.3 < lat < 51.6  # WGS84 around Dartford
    params = data["parameters"]
    assert params["layer"] == {"value": "offence", "unit": "", "reason": "given", "chosen_automatically": False}
    assert params["source"]["value"] == "demo-generated" and params["source"]["chosen_automatically"]
    assert all({"value", "unit", "reason", "chosen_automatically"} <= set(p) for p in params.values())
    assert data["method"] == method and isinstance(data["warnings"], list)
    assert text.splitlines()[0].startswith(f"{method} on offence (Violence and sexual offences) from demo-generated")
    assert "parameters:" in text and f"wrote {out}" in text
    con = connect(db)
    try:  # the file written is in the store's audit log, with its filters
        detail = con.execute("SELECT detail FROM audit WHERE action = 'export' ORDER BY audit_id DESC LIMIT 1"
                             ).fetchone()[0]
    finally:
        con.close()
    assert str(out) in detail and f'"method": "{method}"' in detail and '"area": "' + area + '"' in detail
    auto = [name for name, p in params.items() if p["chosen_automatically"]]
    assert auto, "every method chooses something"
    for name in auto:
        assert f"  {name} = " in text or name.startswith(method)


def test_kde_hotspot_cells_and_density(db, tmp_path, capsys):
    out = tmp_path / "kde.geojson"
    run(capsys, "analyse", "--method", "kde", *VIOLENCE, "--area", "nte", *YEAR, "--db", db, "--out", out,
        "--threshold", "top 10%")
    data = geojson(out)
    hot = [f for f in data["features"] if f["properties"]["hotspot"]]
    assert 0.09 < len(hot) / len(data["features"]) < 0.11
    assert min(f["properties"]["density"] for f in hot) >= max(
        f["properties"]["density"] for f in data["features"] if not f["properties"]["hotspot"])
    assert data["parameters"]["threshold"]["value"] == "top 10%"


def test_change_lists_focus_areas_and_honours_dates(db, tmp_path, capsys):
    code, text, _ = run(capsys, "analyse", "--method", "change", *VIOLENCE, "--from", "2024-09-16", "--to",
                        "2024-09-22", "--baseline", "last year", "--db", db)
    assert code == 0
    assert "2024-W38 (16 Sep to 22 Sep 2024) against the same weeks last year" in text
    for area in ("all", "nte", "bluewater", "heath"):
        assert f"  {area} " in text


def test_csv_and_geopackage(db, tmp_path, capsys):
    import pandas as pd

    csv = tmp_path / "gistar.csv"
    assert run(capsys, "analyse", "--method", "gistar", *VIOLENCE, *YEAR, "--db", db, "--out", csv)[0] == 0
    table = pd.read_csv(csv)
    assert {"count", "z", "p", "p_fdr", "gi_bin", "x", "y", "geometry_wkt"} <= set(table.columns)
    assert table["geometry_wkt"].str.startswith("POLYGON").all()
    gpkg = tmp_path / "change.gpkg"
    assert run(capsys, "analyse", "--method", "change", *VIOLENCE, "--db", db, "--out", gpkg)[0] == 0
    layers = dict(pyogrio.list_layers(gpkg))
    assert set(layers) == {"change", "parameters"}
    cells = pyogrio.read_dataframe(gpkg, layer="change")
    assert {"count", "expected", "p_fdr", "class"} <= set(cells.columns) and cells.crs.to_epsg() == 27700
    params = pyogrio.read_dataframe(gpkg, layer="parameters")
    assert {"baseline", "period", "cell_size", "source"} <= set(params["name"])


def test_backtest_prints_the_accuracy_table(db, capsys):
    code, text, _ = run(capsys, "backtest", *VIOLENCE, "--weeks", "6", "--db", db)
    assert code == 0
    assert "6 weeks, 19 Aug 2024 to 29 Sep 2024" in text
    for label in ("KDE (top 5%)", "grid counts (top 5%)", "Gi* z (top 5%)"):
        assert label in text
    assert "2024-W39 (23 Sep to 29 Sep 2024)" in text
    assert "kde: over the last 6 weeks the top 5% of this map held " in text


def test_refusals_are_clear(db, tmp_path, capsys):
    code, _, err = run(capsys, "analyse", "--method", "change", "--layer", "offence", "--source", "police.uk",
                       "--period-length", "week", "--db", db)
    assert code == 2 and "need dates known to the day" in err and "known only to the month" in err
    code, _, err = run(capsys, "analyse", "--method", "classify", "--layer", "offence", "--source", "police.uk",
                       "--period-length", "2 weeks", "--db", db)
    assert code == 2 and "known only to the month" in err
    code, _, err = run(capsys, "backtest", "--layer", "offence", "--source", "police.uk", "--db", db)
    assert code == 2 and "known only to the month" in err
    code, _, err = run(capsys, "analyse", "--method", "kde", "--layer", "burglary", "--db", db)
    assert code == 2 and "no 'burglary' incidents in the store" in err
    code, _, err = run(capsys, "analyse", "--method", "kde", "--layer", "offence", "--area", "narnia", "--db", db)
    assert code == 2 and "--area: unknown area 'narnia'" in err
    code, _, err = run(capsys, "analyse", "--method", "kde", "--layer", "offence", "--db", db, "--out",
                       tmp_path / "x.shp")
    assert code == 2 and "--out must end in .geojson, .json, .csv, .gpkg" in err
    code, _, err = run(capsys, "analyse", "--method", "gistar", "--layer", "offence", "--eps", "100", "--db", db)
    assert code == 2 and "--eps do(es) not apply to --method gistar" in err
    code, _, err = run(capsys, "analyse", "--method", "classify", "--layer", "offence", "--category", "Nothing",
                       "--db", db)
    assert code == 2 and "no offence incidents (Nothing) in borough: nothing to analyse" in err


def test_empty_and_single_incident_give_results_not_crashes(db, tmp_path, capsys):
    out = tmp_path / "empty.geojson"
    code, text, _ = run(capsys, "analyse", "--method", "kde", "--layer", "offence", "--category", "Nothing",
                        "--area", "heath", "--db", db, "--out", out)
    assert code == 0 and "no incidents in the area" in text
    assert not any(f["properties"]["hotspot"] for f in geojson(out)["features"])
    code, text, _ = run(capsys, "analyse", "--method", "dbscan", "--layer", "offence", "--category", "Nothing",
                        "--db", db, "--out", tmp_path / "none.geojson")
    assert code == 0 and geojson(tmp_path / "none.geojson")["features"] == []
    one = ["--layer", "fire", "--from", "2021-11-10", "--to", "2021-11-10", "--area", "heath", "--db", db]
    for method in ("kde", "gistar", "dbscan"):
        code, text, _ = run(capsys, "analyse", "--method", method, *one)
        assert code == 0 and "area heath: 1 incident read in the area" in text
    code, _, err = run(capsys, "analyse", "--method", "change", *one)
    assert code == 0


def test_python_dash_m_entry_point(db, tmp_path):
    out = tmp_path / "gistar.geojson"
    done = subprocess.run([sys.executable, "-m", "hotspots", "analyse", "--method", "gistar", *VIOLENCE, *YEAR,
                           "--db", str(db), "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "hot cells" in done.stdout and geojson(out)["parameters"]["cell_size"]["chosen_automatically"]
