"""Signing in, roles and layer scopes, in Streamlit's AppTest on copies of the demo store."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from queries import audit
from queries.store import connect
from queries.users import MAX_FAILURES, add_user

from .conftest import APP, open_page, sign_in

PASSWORD = "a long test password"


@pytest.fixture
def store(demo_store, tmp_path, monkeypatch):
    """A copy of the demo store with a viewer, an analyst, an admin and a fire-only viewer."""
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_store, path)
    con = connect(path)
    for name, role, layers in [("vera", "viewer", None), ("ann", "analyst", None), ("adam", "admin", None),
                               ("kfrs", "viewer", ["fire"])]:
        add_user(con, name, role, password=PASSWORD, layers=layers, actor="test")
    con.close()
    monkeypatch.setenv("HOTSPOTS_DB", str(path))
    return path


def entries(path, **kw):
    con = connect(path)
    try:
        return audit.entries(con, **kw)
    finally:
        con.close()


def sign_in_form(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="_signin_name").input(name)
    at.text_input(key="_signin_password").input(password)
    return at.button[0].click().run()


def test_every_page_needs_a_sign_in(store):
    for url in ("home", "explore", "data", "admin"):
        at = AppTest.from_file(APP, default_timeout=120)
        at._page_hash = calc_hash(url)
        at.run()
        assert not at.exception, at.exception
        assert [t.value for t in at.title] == ["Dartford hotspot maps"]
        assert not at.metric and not at.dataframe  # nothing of the store is shown
        assert at.text_input(key="_signin_password").proto.type == at.text_input(key="_signin_password").proto.PASSWORD


def test_wrong_password_is_refused_and_audited(store):
    at = AppTest.from_file(APP, default_timeout=120).run()
    sign_in_form(at, "ann", "not the password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert [t.value for t in at.title] == ["Dartford hotspot maps"]
    sign_in_form(at, "nobody", "not the password")  # an unknown name gets the same words
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    log = entries(store, action="sign-in")
    assert list(zip(log["actor"], log["outcome"])) == [("nobody", "refused"), ("ann", "refused")]


def test_right_password_opens_the_dashboard_and_is_audited(store):
    at = AppTest.from_file(APP, default_timeout=120).run()
    sign_in_form(at, " ANN ", PASSWORD)  # names are trimmed and case-insensitive
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"
    assert any("Signed in as **ann** (analyst; every layer)" in c.value for c in at.sidebar.caption)
    log = entries(store, action="sign-in")
    assert (log.iloc[0]["actor"], log.iloc[0]["role"], log.iloc[0]["outcome"]) == ("ann", "analyst", "ok")
    at.sidebar.button(key="_signout").click().run()
    assert [t.value for t in at.title] == ["Dartford hotspot maps"]
    assert entries(store, action="sign-out").iloc[0]["actor"] == "ann"


def test_too_many_failures_lock_the_name_even_with_the_right_password(store):
    at = AppTest.from_file(APP, default_timeout=120).run()
    for _ in range(MAX_FAILURES):
        sign_in_form(at, "vera", "wrong password")
    sign_in_form(at, "vera", PASSWORD)
    assert "Too many failed sign-ins" in at.error[0].value
    assert [t.value for t in at.title] == ["Dartford hotspot maps"]
    sign_in_form(at, "ann", PASSWORD)  # another name is not locked
    assert at.title[0].value == "Overview"


def test_viewer_sees_no_points_and_exports_under_partner_only(store):
    at = open_page(AppTest.from_file(APP, default_timeout=180), "explore", role="viewer").run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="x_method").options == ["kde", "dbscan", "gistar", "change", "classify"]
    assert not [t for t in at.toggle if t.label.startswith("Also show incidents")]
    assert at.radio(key="explore_xprofile").options == ["partner"]
    at = sign_in(AppTest.from_file(APP, default_timeout=180), "viewer")
    at._page_hash = calc_hash("violence")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Weekly violence"
    layers = at.pills(key="v_layers")
    assert "Incidents" not in layers.options and "Density" in layers.options  # options as shown
    assert layers.value == ["density"]


@pytest.mark.parametrize("url", ["data", "admin"])
def test_a_viewer_cannot_reach_the_store_pages(store, url):
    at = open_page(AppTest.from_file(APP, default_timeout=120), url, role="viewer").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"  # not in the viewer's menu: the default page instead


def test_an_analyst_cannot_reach_admin(store):
    at = open_page(AppTest.from_file(APP, default_timeout=120), "admin", role="analyst").run()
    assert at.title[0].value == "Overview"
    at = open_page(AppTest.from_file(APP, default_timeout=120), "data", role="analyst").run()
    assert at.title[0].value == "Data"


def test_a_fire_only_user_sees_fires_only(store):
    at = sign_in(AppTest.from_file(APP, default_timeout=180), "viewer", layers=("fire",))
    at._page_hash = calc_hash("explore")
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.multiselect(key="x_layer").options == ["Fires"]
    at._page_hash = calc_hash("violence")  # not in this user's menu
    at.run()
    assert at.title[0].value == "Overview"
    assert at.sidebar.multiselect(key="o_layer").options == ["Fires"]


def test_admin_adds_and_removes_a_user_and_deletes_an_import(store):
    at = open_page(AppTest.from_file(APP, default_timeout=180), "admin", role="admin").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Admin"
    users = at.dataframe[0].value
    assert {"vera", "ann", "adam", "kfrs"} <= set(users["name"])
    assert "password_hash" not in users.columns
    form = at.text_input
    form[0].input("kfrs.officer@kent.fire-uk.org")
    at.checkbox[0].check()
    at.button[0].click().run()  # Add user
    assert not at.exception, at.exception
    assert "Added kfrs.officer@kent.fire-uk.org" in at.success[0].value
    con = connect(store)
    try:
        before = con.execute("SELECT count(*) FROM incidents WHERE import_id = 1").fetchone()[0]
    finally:
        con.close()
    assert before > 0
    at.selectbox(key="a_imp").set_value(1)
    at.checkbox(key="a_sure").check().run()
    at.button(key="a_go").click().run()
    assert not at.exception, at.exception
    assert f"{before:,} incidents" in at.success[-1].value
    con = connect(store)
    try:
        assert con.execute("SELECT count(*) FROM incidents WHERE import_id = 1").fetchone()[0] == 0
        assert con.execute("SELECT deleted_by FROM imports WHERE import_id = 1").fetchone()[0] == "tester"
    finally:
        con.close()
    log = entries(store)
    assert {"user add", "delete"} <= set(log["action"])
    assert log[log["action"] == "delete"].iloc[0]["actor"] == "tester"


def test_a_missing_store_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_DB", str(tmp_path / "nothing-here.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert "could not be opened" in at.error[0].value and "nothing-here.duckdb" in at.error[0].value
    assert not (tmp_path / "nothing-here.duckdb").exists()  # not created empty behind the user's back


def test_a_corrupt_store_says_what_to_do(tmp_path, monkeypatch):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database\n" * 100)
    monkeypatch.setenv("HOTSPOTS_DB", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert "could not be opened" in at.error[0].value and "bad.duckdb" in at.error[0].value


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only-cookie-secret",
        "microsoft": {"client_id": "id", "client_secret": "secret",
                      "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"}}


def _oidc_app(user: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = user
    return at.run()


def test_single_sign_on_offers_the_provider_not_a_password(store):
    at = _oidc_app({"is_logged_in": False})
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Dartford hotspot maps"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.text_input  # no password form when single sign-on is configured


def test_a_registered_address_signs_in_with_its_role_and_layers(store):
    con = connect(store)
    add_user(con, "Jo.Bloggs@kent.fire-uk.org", "viewer", layers=["fire"], actor="test")
    con.close()
    at = _oidc_app({"is_logged_in": True, "email": "jo.bloggs@kent.fire-uk.org"})
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"
    assert any("jo.bloggs@kent.fire-uk.org** (viewer; fire)" in c.value for c in at.sidebar.caption)
    log = entries(store, action="sign-in")
    assert (log.iloc[0]["actor"], log.iloc[0]["outcome"]) == ("jo.bloggs@kent.fire-uk.org", "ok")
    assert "single sign-on" in log.iloc[0]["detail"]


def test_an_unregistered_address_is_refused(store):
    at = _oidc_app({"is_logged_in": True, "email": "stranger@example.com"})
    assert not at.exception, at.exception
    assert "stranger@example.com" in at.error[0].value and "no access" in at.error[0].value
    assert [t.value for t in at.title] == ["Dartford hotspot maps"]
    log = entries(store, action="sign-in")
    assert (log.iloc[0]["actor"], log.iloc[0]["outcome"]) == ("stranger@example.com", "refused")


def test_admin_makes_a_backup_while_the_app_holds_the_store(store):
    at = open_page(AppTest.from_file(APP, default_timeout=180), "admin", role="admin").run()
    at.button(key="a_backup").click().run()
    assert not at.exception, at.exception
    assert "verified" in at.success[-1].value
    made = list((store.parent / "backups").iterdir())
    assert len(made) == 1, (made, at.success[-1].value)
    from queries.backup import inspect

    con = connect(store)
    try:
        incidents = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
    finally:
        con.close()
    assert inspect(made[0]).tables["incidents"][0] == incidents
    assert entries(store, action="backup").iloc[0]["actor"] == "tester"


def test_removing_a_user_or_changing_their_role_takes_effect_on_their_next_run(store):
    from queries.users import remove_user

    at = AppTest.from_file(APP, default_timeout=120).run()
    sign_in_form(at, "ann", PASSWORD)
    at._page_hash = calc_hash("data")
    at.run()
    assert at.title[0].value == "Data"
    con = connect(store)
    try:  # what the Admin page does, with ann still signed in elsewhere
        con.execute("UPDATE users SET role = 'viewer' WHERE name = 'ann'")
    finally:
        con.close()
    at.run()
    assert at.title[0].value == "Overview"  # viewers have no Data page
    assert any("(viewer; every layer)" in c.value for c in at.sidebar.caption)
    con = connect(store)
    try:
        remove_user(con, "ann", actor="adam")
    finally:
        con.close()
    at.run()
    assert [t.value for t in at.title] == ["Dartford hotspot maps"]  # signed out
    assert at.text_input(key="_signin_password")
