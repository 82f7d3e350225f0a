"""``python -m hotspots pack`` end to end, as cron would run it: no terminal, a fresh folder, exit codes."""

from __future__ import annotations

import re
import shutil

import pytest
from pypdf import PdfReader

from queries import audit
from queries.store import connect

from .conftest import run_cli

WROTE = re.compile(r"^wrote (.+\.pdf): (\d+) pages, profile (partner|internal), (\d+\.\d) s$")


@pytest.fixture(scope="module")
def cli_db(demo_db, tmp_path_factory):
    """A copy of the demo store of its own: the command writes (its audit entry), and the session's other
    tests hold the shared store open, as the dashboard would (the command then says the store is busy)."""
    path = tmp_path_factory.mktemp("packs-cli") / "hotspots.duckdb"
    shutil.copy(demo_db, path)
    return path


def test_cron_run_writes_the_pack_into_a_new_folder(cli_db, tmp_path):
    out = tmp_path / "packs" / "2024" / "violence-2024-W10.pdf"
    home = tmp_path / "home"
    home.mkdir()
    # A cron job: another working directory, an empty HOME (no tile cache), nothing on stdin.
    result = run_cli("pack", "violence", "--week", "2024-W10", "--out", out, "--db", cli_db, "--no-tiles",
                     cwd=tmp_path, env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    m = WROTE.match(result.stdout.strip())
    assert m and m.group(1) == str(out) and m.group(2) == "4" and m.group(3) == "partner", result.stdout
    assert out.read_bytes().startswith(b"%PDF")
    reader = PdfReader(str(out))
    assert len(reader.pages) == 4 and reader.metadata.title == "Weekly violence pack · Dartford borough · 2024-W10"
    assert "Disclosure profile: partner" in reader.metadata.subject
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no half-written file left
    con = connect(cli_db)
    try:  # the export is in the store's audit log, as the command line's user
        entry = audit.entries(con, action="export", search="violence pack").iloc[0]
    finally:
        con.close()
    assert entry["actor"].startswith("cli:") and '"profile": "partner"' in entry["detail"]
    assert '"week": "2024-W10"' in entry["detail"] and str(out) in entry["detail"]


@pytest.mark.parametrize("args, pages", [
    (("wildfire", "--season", "summer 2025", "--profile", "internal"), 4),
    (("fly-tipping", "--week", "2024-W10"), 3),
])
def test_wildfire_and_fly_tipping_packs(cli_db, tmp_path, args, pages):
    out = tmp_path / f"{args[0]}.pdf"
    result = run_cli("pack", *args, "--out", out, "--db", cli_db, "--no-tiles")
    assert result.returncode == 0, result.stderr
    m = WROTE.match(result.stdout.strip())
    assert m and int(m.group(2)) == pages == len(PdfReader(str(out)).pages)


@pytest.mark.parametrize("args, message", [
    (("violence", "--week", "2024-W99"), "error: week '2024-W99' is not a week: write it as 2024-W10"),
    (("violence", "--week", "2019-W10"), "error: demo-generated covers 01 Oct 2021 to 30 Sep 2024, not all of "
                                         "2019-W10"),
    (("violence", "--week", "2024-W10", "--source", "police.uk"),
     "error: police.uk dates are months only (police.uk publishes no days or times), so it cannot make a weekly "
     "pack: use --source demo-generated"),
    (("wildfire", "--season", "summer 2027"), "error: the fire data end on 30 Sep 2024: the next summer to plan is "
                                              "Summer 2025"),
    (("wildfire", "--week", "2024-W10"), "error: pack wildfire takes --season"),
    (("fly-tipping", "--week", "2025-W02"), "error: the fly-tipping data end on 30 Sep 2024"),
    (("violence", "--area", "Gravesend"), "error: unknown area 'Gravesend'"),
])
def test_user_errors_exit_2_with_one_line_and_write_nothing(cli_db, tmp_path, args, message):
    out = tmp_path / "new" / "pack.pdf"
    result = run_cli("pack", *args, "--out", out, "--db", cli_db, "--no-tiles")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and not out.exists()


def test_a_missing_store_or_a_bad_out_name_exit_2(tmp_path):
    result = run_cli("pack", "violence", "--out", tmp_path / "v.pdf", "--db", tmp_path / "none.duckdb")
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "no store here" in result.stderr
    result = run_cli("pack", "violence", "--out", tmp_path / "v.txt", "--db", tmp_path / "none.duckdb")
    assert result.returncode == 2 and result.stderr.startswith("error: --out must be a .pdf file")
    assert "Traceback" not in result.stderr
