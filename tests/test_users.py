"""Users, the audit log and deletion: ``queries.users``/``audit``/``retention`` and their commands, on real stores."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from queries import audit, settings
from queries.retention import RetentionError, delete_import, delete_source
from queries.store import StoreError, connect
from queries.users import (MAX_FAILURES, SignInRefused, UserError, add_user, authenticate, list_users,
                           remove_user, reset_demo_account, sso_user)
from tests.fixtures import KENT_MONTH

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


def hotspots(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "hotspots", *map(str, args)], cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "store.duckdb")
    yield c
    c.close()


def test_passwords_are_stored_as_salted_argon2id_hashes(con):
    add_user(con, "ann", "analyst", password=PASSWORD, actor="test")
    add_user(con, "bob", "analyst", password=PASSWORD, actor="test")
    hashes = [h for (h,) in con.execute("SELECT password_hash FROM users ORDER BY name").fetchall()]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # salted: the same password gives different hashes
    assert PASSWORD not in "".join(hashes)
    assert "password_hash" not in list_users(con).columns


def test_sign_in_checks_the_password_and_audits_both_outcomes(con):
    add_user(con, "Ann", "viewer", password=PASSWORD, layers=["fire"], partner="KFRS", actor="test")
    user = authenticate(con, "ann", PASSWORD)
    assert (user.name, user.role, user.layers, user.is_analyst) == ("ann", "viewer", ("fire",), False)
    assert user.export_profiles == ("partner",) and user.may_see("fire") and not user.may_see("offence")
    with pytest.raises(SignInRefused, match="Wrong user name or password"):
        authenticate(con, "ann", PASSWORD + "x")
    with pytest.raises(SignInRefused, match="Wrong user name or password"):
        authenticate(con, "'; DROP TABLE users; --", PASSWORD)
    log = audit.entries(con, action="sign-in")
    assert list(log["outcome"]) == ["refused", "refused", "ok"]
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_lockout_after_repeated_failures(con):
    add_user(con, "ann", "analyst", password=PASSWORD, actor="test")
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused, match="Wrong"):
            authenticate(con, "ann", "guess")
    with pytest.raises(SignInRefused, match="Too many failed sign-ins"):
        authenticate(con, "ann", PASSWORD)


def test_user_rules(con):
    with pytest.raises(UserError, match="at least 12"):
        add_user(con, "ann", "analyst", password="short", actor="test")
    with pytest.raises(UserError, match="role"):
        add_user(con, "ann", "superuser", password=PASSWORD, actor="test")
    with pytest.raises(UserError, match="layers"):
        add_user(con, "ann", "viewer", password=PASSWORD, layers=["burglary"], actor="test")
    with pytest.raises(UserError, match="user name"):
        add_user(con, "../../etc/passwd", "viewer", password=PASSWORD, actor="test")
    with pytest.raises(UserError, match="e-mail"):
        add_user(con, "ann", "viewer", actor="test")  # single sign-on needs an address
    add_user(con, "boss", "admin", password=PASSWORD, actor="test")
    with pytest.raises(UserError, match="exists already"):
        add_user(con, "BOSS", "viewer", password=PASSWORD, actor="test")
    with pytest.raises(UserError, match="only admin"):
        remove_user(con, "boss", actor="test")
    assert [n for (n,) in con.execute("SELECT name FROM users").fetchall()] == ["boss"]


def test_single_sign_on_users_are_matched_by_registered_address_only(con):
    add_user(con, "Officer@Kent.Fire-UK.org", "viewer", layers=["fire"], actor="test")
    assert sso_user(con, "officer@kent.fire-uk.org").layers == ("fire",)
    assert sso_user(con, "someone.else@kent.fire-uk.org") is None
    assert sso_user(con, None) is None
    with pytest.raises(SignInRefused):  # no password to sign in with locally
        authenticate(con, "officer@kent.fire-uk.org", "")
    assert list(audit.entries(con, action="sign-in")["outcome"]) == ["refused", "refused", "refused", "ok"]


def test_only_the_demo_store_gets_a_default_account(con):
    with pytest.raises(UserError, match="not the demo store"):
        reset_demo_account(con, actor="test")
    settings.put(con, settings.DEMO_KEY, "true")
    first = reset_demo_account(con, actor="test")
    second = reset_demo_account(con, actor="test")  # a new password each time; the old one stops working
    assert first != second and len(second) >= 12
    assert authenticate(con, "demo", second).role == "analyst"
    with pytest.raises(SignInRefused):
        authenticate(con, "demo", first)


def test_the_demo_command_marks_its_store(demo_store_path):
    con = connect(demo_store_path)
    try:
        assert settings.is_demo(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    done = hotspots("demo", "--db", path)
    assert done.returncode == 0, done.stderr
    return path


def test_delete_an_import_and_a_source_audited(tmp_path):
    db = tmp_path / "store.duckdb"
    for month_file, source in ((KENT_MONTH, "police.uk"), (KENT_MONTH, "copy")):
        done = hotspots("import", "police-uk", month_file, "--db", db, "--source", source, "--quiet")
        assert done.returncode == 0, done.stderr
    con = connect(db)
    try:
        counts = dict(con.execute("SELECT source, count(*) FROM incidents GROUP BY ALL").fetchall())
        done = delete_import(con, 1, actor="admin")
        assert done.incidents == counts["police.uk"] and done.imports == (1,)
        with pytest.raises(RetentionError, match="deleted already"):
            delete_import(con, 1, actor="admin")
        with pytest.raises(RetentionError, match="no import #99"):
            delete_import(con, 99, actor="admin")
        assert delete_source(con, "copy", actor="admin").incidents == counts["copy"]
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM imports WHERE deleted_by = 'admin'").fetchone()[0] == 2
        log = audit.entries(con, action="delete")
        assert len(log) == 2 and '"source": "copy"' in log.iloc[0]["detail"]
        imports = audit.entries(con, action="import")
        assert len(imports) == 2 and set(imports["actor"]) == {imports.iloc[0]["actor"]}
        assert imports.iloc[0]["actor"].startswith("cli:")
    finally:
        con.close()
    # Deleted rows can be imported again.
    done = hotspots("import", "police-uk", KENT_MONTH, "--db", db, "--quiet")
    assert done.returncode == 0 and f"{counts['police.uk']:,} accepted" in done.stdout


def test_user_commands(tmp_path):
    db = tmp_path / "store.duckdb"
    done = hotspots("user", "add", "Kim", "--role", "admin", "--db", db, stdin=PASSWORD + "\n")
    assert done.returncode == 0 and "added kim: admin" in done.stdout, done.stderr
    done = hotspots("user", "add", "fire@kent.fire-uk.org", "--sso", "--role", "viewer", "--layers", "fire",
                    "--partner", "KFRS", "--db", db)
    assert done.returncode == 0, done.stderr
    done = hotspots("user", "add", "lee", "--role", "viewer", "--db", db, stdin="short\n")
    assert done.returncode == 2 and "error: the password must have at least 12 characters" in done.stderr
    assert "Traceback" not in done.stderr
    listing = hotspots("user", "list", "--db", db).stdout
    assert "kim" in listing and "fire@kent.fire-uk.org" in listing and "single sign-on" in listing
    assert "lee" not in listing and PASSWORD not in listing
    done = hotspots("user", "demo", "--db", db)
    assert done.returncode == 2 and "not the demo store" in done.stderr
    done = hotspots("user", "remove", "fire@kent.fire-uk.org", "--db", db)
    assert done.returncode == 0, done.stderr
    log = hotspots("audit", "--db", db).stdout
    assert "user add" in log and "user remove" in log and PASSWORD not in log
    assert hotspots("user", "list", "--db", tmp_path / "none.duckdb").returncode == 2
    assert not (tmp_path / "none.duckdb").exists()


def test_command_line_import_while_another_process_holds_the_store(tmp_path):
    """The dashboard keeps the store open: an import says what to do, or waits with --wait."""
    db = tmp_path / "store.duckdb"
    connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from queries.store import connect; c = connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(float(sys.argv[2])); c.close()", str(db), "6"],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        done = hotspots("import", "police-uk", KENT_MONTH, "--db", db, "--quiet")
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "the store is busy" in done.stderr and "Data page" in done.stderr and "--wait" in done.stderr
        started = time.monotonic()
        done = hotspots("import", "police-uk", KENT_MONTH, "--db", db, "--quiet", "--wait", "60")
        assert done.returncode == 0, done.stderr
        assert "1,004 accepted" in done.stdout
        assert time.monotonic() - started < 60
    finally:
        holder.wait(timeout=60)


def test_info_on_a_missing_store_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "typo.duckdb"
    for command in ("info", "compact"):
        done = hotspots(command, "--db", missing)
        assert done.returncode == 2 and "no store here" in done.stderr and "Traceback" not in done.stderr
    assert not missing.exists()
