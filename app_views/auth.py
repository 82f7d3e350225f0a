"""Signing in: single sign-on through ``st.login`` when ``[auth]`` is configured, else local users.

Single sign-on (OIDC, e.g. Microsoft Entra ID) is configured in
``.streamlit/secrets.toml`` (never in the repository; see the README). The provider
vouches for the e-mail address; the store's ``users`` table decides whether that
address may come in, and with which role and layers (``python -m hotspots user add
EMAIL --sso --role viewer``). Without ``[auth]``, users sign in with a name and
password kept as argon2id hashes in the store (``queries.users``).

A signed-in user is held in the session for at most ``SESSION_HOURS``; a reload of
the page starts a new session, so local users sign in again (single sign-on users
keep Streamlit's identity cookie).
"""

from __future__ import annotations

import time

import streamlit as st

from app_views import reads
from queries import users
from queries.store import StoreError, default_db_path
from queries.users import SignInRefused, User, authenticate, sso_user

SESSION_KEY = "_hotspots_user"
SIGNED_IN_AT = "_hotspots_signed_in_at"
SESSION_HOURS = 12


def oidc_settings() -> dict | None:
    """The ``[auth]`` section of the secrets, or None when single sign-on is not configured."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file at all: Streamlit raises rather than returning nothing
        return None
    return dict(section) if section else None


def oidc_provider(settings: dict) -> str | None:
    """The named provider (``[auth.microsoft]``) to pass to ``st.login``, or None for a flat ``[auth]``."""
    named = [k for k, v in settings.items() if hasattr(v, "keys")]
    return named[0] if named else None


def current_user() -> User | None:
    """The signed-in user of this session, as the store has them now, or None.

    Read again on every run (a primary-key lookup), so removing a user or changing
    their role or layers takes effect on their next click, not at their next sign-in.
    """
    user = st.session_state.get(SESSION_KEY)
    if user is None:
        return None
    if time.time() - st.session_state.get(SIGNED_IN_AT, 0.0) > SESSION_HOURS * 3600:
        _forget()
        return None
    try:
        with reads.cursor(str(default_db_path())) as con:
            now = users.current(con, user.name)
    except StoreError:
        return user  # the page says the store cannot be opened
    if now is None or now.sso != user.sso:
        _forget()
        return None
    if now != user:
        st.session_state[SESSION_KEY] = now
    return now


def _remember(user: User) -> None:
    st.session_state[SESSION_KEY] = user
    st.session_state[SIGNED_IN_AT] = time.time()


def _forget() -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(SIGNED_IN_AT, None)


def require_user(path: str) -> User:
    """The signed-in user; otherwise show the sign-in screen and stop the run."""
    user = current_user()
    if user is not None:
        return user
    try:
        reads.store(path)
    except StoreError as exc:
        _cannot_open(path, exc)
    settings = oidc_settings()
    if settings is not None:
        return _single_sign_on(path, settings)
    return _password(path)


def _cannot_open(path: str, exc: StoreError) -> None:
    st.title("Dartford hotspot maps")
    st.error(
        f"**The incident store could not be opened.**\n\n{exc}\n\n"
        "The store is `$HOTSPOTS_DB` if set, else `data/hotspots.duckdb`. `python -m hotspots demo` builds the "
        "demo store there; `python -m hotspots user add NAME --role admin` creates an empty store with its "
        "first user. Then reload this page."
    )
    st.stop()


def _password(path: str) -> User:
    st.title("Dartford hotspot maps")
    st.caption("Dartford Community Safety Partnership. Sign in to continue.")
    with st.form("sign-in", enter_to_submit=True):
        name = st.text_input("User name", key="_signin_name", autocomplete="username")
        password = st.text_input("Password", type="password", key="_signin_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    st.caption("No account? Ask your partnership's admin. On the demo store, the start command prints one.")
    if submitted:
        try:
            with reads.cursor(path) as con:
                user = authenticate(con, name, password)
        except SignInRefused as exc:
            st.error(str(exc), icon=":material/lock:")
        else:
            _remember(user)
            st.rerun()
    st.stop()


def _single_sign_on(path: str, settings: dict) -> User:
    provider = oidc_provider(settings)
    st.title("Dartford hotspot maps")
    if not st.user.is_logged_in:
        st.caption("Dartford Community Safety Partnership. Sign in with your organisation's account.")
        st.button("Sign in", type="primary", icon=":material/login:",
                  on_click=st.login, args=(provider,) if provider else ())
        st.stop()
    email = st.user.get("email")
    with reads.cursor(path) as con:
        user = sso_user(con, email)
    if user is None:
        st.error(f"You are signed in as **{email or 'an account without an e-mail address'}**, but this "
                 "address has no access to the dashboard. Ask your partnership's admin to add it "
                 "(`python -m hotspots user add EMAIL --sso --role viewer`).", icon=":material/block:")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    _remember(user)
    return user


def sign_out(path: str) -> None:
    """End this session's sign-in (and the single sign-on cookie), audited."""
    user = current_user()
    if user is not None:
        reads.record(path, user.name, "sign-out", role=user.role)
    _forget()
    if oidc_settings() is not None and st.user.is_logged_in:
        st.logout()


def sidebar_badge(path: str, user: User) -> None:
    """Who is signed in, with what role and layers, and a sign-out button."""
    with st.sidebar:
        layers = ", ".join(user.layers) if user.layers else "every layer"
        st.caption(f"Signed in as **{user.name}** ({user.role}; {layers})")
        st.button("Sign out", key="_signout", icon=":material/logout:", on_click=sign_out, args=(path,))
