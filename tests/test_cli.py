"""The command line, run as a user runs it: ``python -m hotspots`` in a subprocess on real files."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import DARTFORD_GRAVESHAM, KENT_MONTH

REPO = Path(__file__).resolve().parents[1]


def hotspots(*args, env=None, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "hotspots", *map(str, args)], cwd=REPO, capture_output=True, text=True,
        timeout=300, env=env,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def test_import_kent_month_within_dartford_then_info(tmp_path):
    db = tmp_path / "store.duckdb"
    out = hotspots("import", "police-uk", KENT_MONTH, "--db", db, "--quiet").stdout
    assert "14,466 rows read, 1,004 accepted" in out
    assert "13,462 outside dartford" in out
    assert "136 rows have no location" in out

    info = json.loads(hotspots("info", "--db", db, "--json").stdout)
    assert info["incidents"] == 1_004
    assert {(r["source"], r["layer"]): r["rows"] for r in info["by_source"]} == {
        ("police.uk", "offence"): 1_004 - sum(
            r["rows"] for r in info["by_category"] if r["category"] == "Anti-social behaviour"
        ),
        ("police.uk", "asb"): sum(r["rows"] for r in info["by_category"] if r["category"] == "Anti-social behaviour"),
    }
    assert info["by_precision"] == [{"source": "police.uk", "date_precision": "month", "rows": 1_004}]
    (imp,) = info["imports"]
    assert (imp["read"], imp["accepted"], imp["outside"], imp["rejected"], imp["duplicate"]) == (14_466, 1_004, 13_462, 0, 0)
    assert len(imp["sha256"]) == 64
    assert info["first"].startswith("2024-01-01") and info["last"].startswith("2024-01-01")

    text = hotspots("info", "--db", db).stdout
    assert "police.uk" in text and "Violence and sexual offences" in text


def test_import_several_files_and_reimport_adds_nothing(tmp_path):
    db = tmp_path / "store.duckdb"
    files = sorted(DARTFORD_GRAVESHAM.glob("2024-0*-kent-street-*.csv"))
    hotspots("import", "police-uk", *files, "--db", db, "--quiet")
    again = hotspots("import", "police-uk", *files, "--db", db, "--quiet").stdout
    assert again.count(" 0 accepted") == len(files)
    info = json.loads(hotspots("info", "--db", db, "--json").stdout)
    assert info["incidents"] == 4_150  # the Kent Police rows for Dartford, January to April 2024
    assert len(info["imports"]) == 2 * len(files)


def test_db_defaults_to_environment_variable(tmp_path):
    import os

    db = tmp_path / "from-env.duckdb"
    env = {**os.environ, "HOTSPOTS_DB": str(db)}
    hotspots("import", "police-uk", DARTFORD_GRAVESHAM / "2024-01-btp-street-dartford-gravesham.csv", "--quiet", env=env)
    assert db.exists()
    assert json.loads(hotspots("info", "--json", env=env).stdout)["incidents"] == 28


def test_fatal_file_error_exits_non_zero_and_names_the_file(tmp_path):
    db = tmp_path / "store.duckdb"
    missing = tmp_path / "nope.csv"
    done = hotspots("import", "police-uk", missing, "--db", db, check=False)
    assert done.returncode == 1
    assert f"{missing}: file not found" in done.stderr
    assert "nothing was imported" in done.stderr


def test_generic_needs_a_mapping(tmp_path):
    done = hotspots("import", "generic", tmp_path / "x.csv", "--db", tmp_path / "s.duckdb", check=False)
    assert done.returncode == 2
    assert "--mapping" in done.stderr


@pytest.mark.parametrize("bad", ["not a database", b"\x00" * 4096])
def test_corrupt_store_gives_a_message_not_a_traceback(tmp_path, bad):
    db = tmp_path / "broken.duckdb"
    db.write_bytes(bad.encode() if isinstance(bad, str) else bad)
    done = hotspots("info", "--db", db, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(db) in done.stderr
