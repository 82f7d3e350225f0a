"""Admin: users, deleting data for retention, backups and the audit log (admins only).

The same operations as ``python -m hotspots user|delete|audit``, for while the
dashboard holds the store. Every change is audited under the admin's name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_views import common, reads
from queries import audit, imports_log
from queries.backup import BackupError, backup
from queries.retention import RetentionError, delete_import, delete_source
from queries.schema import LAYERS
from queries.users import MIN_PASSWORD, ROLES, UserError, add_user, list_users, remove_user, set_password

PREFIX = "a_"
ACTIONS = ("sign-in", "sign-out", "import", "export", "delete", "user add", "user remove", "user password",
           "backup", "restore")


def _users(path: str, admin) -> None:
    st.subheader("Users")
    with reads.cursor(path) as con:
        table = list_users(con)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "name": "Name", "role": "Role", "layers": "Layers", "partner": "Partner", "sign_in": "Signs in with",
        "created_at": st.column_config.DatetimeColumn("Added", format="DD/MM/YYYY HH:mm"), "created_by": "By"})
    add, change = st.columns(2)
    with add.form(f"{PREFIX}add", clear_on_submit=True):
        st.markdown("**Add a user**")
        name = st.text_input("Name (single sign-on: the e-mail address)")
        role = st.selectbox("Role", ROLES, help="viewer: partner staff, aggregated layers and partner exports; "
                                                 "analyst: everything on the maps, imports, internal exports; "
                                                 "admin: also users and deletions.")
        layers = st.multiselect("Layers", LAYERS, placeholder="Every layer",
                                help="Limit the user to some layers, e.g. fire for KFRS staff.")
        partner = st.text_input("Partner organisation", placeholder="e.g. KFRS")
        sso = st.checkbox("Signs in through single sign-on (no password)")
        password = st.text_input(f"Password (at least {MIN_PASSWORD} characters)", type="password",
                                 autocomplete="new-password")
        if st.form_submit_button("Add user", type="primary"):
            try:
                with reads.writing(path) as con:
                    user = add_user(con, name, role, password=None if sso else password, layers=layers or None,
                                    partner=partner.strip() or None, actor=admin.name)
                st.success(f"Added {user.name} ({user.role}).")
            except UserError as exc:
                st.error(str(exc))
    with change.form(f"{PREFIX}change"):
        st.markdown("**Remove a user, or set a password**")
        who = st.selectbox("User", list(table["name"]), index=None, placeholder="Choose a user")
        new_password = st.text_input("New password", type="password", autocomplete="new-password")
        c1, c2 = st.columns(2)
        remove = c1.form_submit_button("Remove user")
        reset = c2.form_submit_button("Set password")
        if (remove or reset) and who is None:
            st.error("Choose a user first.")
        elif remove or reset:
            try:
                with reads.writing(path) as con:
                    if remove:
                        remove_user(con, who, actor=admin.name)
                    else:
                        set_password(con, who, new_password, actor=admin.name)
                st.success(f"Removed {who}." if remove else f"Password set for {who}.")
            except UserError as exc:
                st.error(str(exc))


def _delete(path: str, admin) -> None:
    st.subheader("Delete data")
    st.caption("For retention: removes every incident and rejected row of one import, or of every import of a "
               "source. The import log keeps the imports, marked deleted; the audit log records who and when. "
               "This cannot be undone except by restoring a backup.")
    with reads.cursor(path) as con:
        log = imports_log.import_log(con)
    live = log[log["deleted_at"].isna()] if "deleted_at" in log else log
    c1, c2 = st.columns(2)
    by = c1.radio("Delete", ["one import", "a whole source"], horizontal=True, key=f"{PREFIX}by")
    if by == "one import":
        names = {int(r.import_id): f"#{r.import_id} {r.file_name} ({r.source}, {int(r.rows_accepted):,} accepted)"
                 for r in live.itertuples()}
        target = c2.selectbox("Import", list(names), format_func=names.get, index=None, key=f"{PREFIX}imp",
                              placeholder="Choose an import")
    else:
        target = c2.selectbox("Source", sorted(set(live["source"])), index=None, key=f"{PREFIX}src",
                              placeholder="Choose a source")
    sure = st.checkbox("I understand that this deletes the data for good", key=f"{PREFIX}sure")
    if st.button("Delete", type="primary", disabled=target is None or not sure, key=f"{PREFIX}go"):
        try:
            with reads.writing(path) as con:
                if by == "one import":
                    done = delete_import(con, int(target), actor=admin.name, role=admin.role)
                else:
                    done = delete_source(con, str(target), actor=admin.name, role=admin.role)
            st.success(done.summary().capitalize() + ".")
        except RetentionError as exc:
            st.error(str(exc))


def _backup(path: str, admin) -> None:
    st.subheader("Backup")
    folder = Path(path).parent / "backups"
    st.caption(f"A consistent copy of the store, checked against it, written to `{folder}` on the server "
               "(sessions keep working meanwhile). Restore needs the dashboard stopped: "
               "`python -m hotspots restore FILE`.")
    if st.button("Make a backup now", key=f"{PREFIX}backup", icon=":material/backup:"):
        try:
            folder.mkdir(exist_ok=True)  # a folder: the backup gets a dated name in it
            with st.spinner("Copying the store…"), reads.cursor(path) as con:
                report = backup(con, folder, actor=admin.name, role=admin.role)
            st.success(report.summary())
        except (BackupError, OSError) as exc:
            st.error(f"No backup was made: {exc}")


def _audit(path: str) -> None:
    st.subheader("Audit log")
    c1, c2, c3 = st.columns([1, 1, 2])
    action = c1.selectbox("Action", [None, *ACTIONS], format_func=lambda a: "every action" if a is None else a,
                          key=f"{PREFIX}action")
    limit = c2.selectbox("Entries", [100, 500, 5000], key=f"{PREFIX}limit")
    search = c3.text_input("Search user or details", key=f"{PREFIX}q")
    with reads.cursor(path) as con:
        table = audit.entries(con, action=action, search=search or None, limit=limit)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "audit_id": st.column_config.NumberColumn("#", format="%d"),
        "logged_at": st.column_config.DatetimeColumn("When", format="DD/MM/YYYY HH:mm:ss"),
        "actor": "Who", "role": "Role", "action": "Action", "outcome": "Outcome", "detail": "Details"})
    st.download_button("Download these entries (CSV)", _csv(table), file_name="audit-log.csv", mime="text/csv",
                       on_click="ignore", key=f"{PREFIX}dl")


def _csv(table: pd.DataFrame) -> bytes:
    """The entries as the exports write CSV (cells starting with = + - @ neutralised)."""
    import tempfile

    from exports.files import to_csv

    with tempfile.TemporaryDirectory() as tmp:
        return to_csv(table, Path(tmp) / "audit.csv").read_bytes()


def render() -> None:
    admin = common.require(admin=True)
    path = common.store_path(need_rows=False)
    st.title("Admin")
    st.caption(f"Store: `{path}`. The same as `python -m hotspots user`, `delete` and `audit`, which wait "
               "while the dashboard holds the store.")
    _users(path, admin)
    _delete(path, admin)
    _backup(path, admin)
    _audit(path)
