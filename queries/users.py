"""Who may sign in, with which role and layers; local passwords as argon2id hashes.

Roles, least to most:

- ``viewer``: partner staff. Aggregated layers only (no incident points, no raw
  records), and exports under the ``partner`` profile.
- ``analyst``: everything on the maps, imports, ``internal`` exports.
- ``admin``: an analyst who also manages users and deletes data.

A user may be limited to some layers (``layers``), e.g. fires for KFRS staff.
Local users sign in with a password; single sign-on users (OIDC) have no password
and are matched by the e-mail address their provider vouches for. Names are
compared case-insensitively (stored lower-cased).

Failed sign-ins are audited; after ``MAX_FAILURES`` within ``LOCKOUT`` a name is
refused until the window passes, whatever the password.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from queries import audit, settings
from queries.schema import LAYERS

ROLES = ("viewer", "analyst", "admin")
MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
DEMO_USER = "demo"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")
_HASHER = PasswordHasher()  # argon2id with the library's recommended cost (RFC 9106 low-memory)
# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user cannot be added, changed or removed; the message says why."""


class SignInRefused(Exception):
    """Wrong name or password, or too many failures; the message is safe to show."""


@dataclass(frozen=True)
class User:
    """A signed-in user."""

    name: str
    role: str
    layers: tuple[str, ...] | None = None  # None: every layer
    partner: str | None = None
    sso: bool = False

    @property
    def is_analyst(self) -> bool:
        """Analysts and admins see incident points, raw records and internal exports."""
        return self.role in ("analyst", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def export_profiles(self) -> tuple[str, ...]:
        """The export profiles this user may choose, the safest first."""
        return ("partner", "internal") if self.is_analyst else ("partner",)

    def may_see(self, layer: str) -> bool:
        return self.layers is None or layer in self.layers


def normalise_name(name: str) -> str:
    """The stored form of a user name; raises ``UserError`` for an unusable one."""
    clean = (name or "").strip().lower()
    if not _NAME.match(clean):
        raise UserError(
            f"user name {name!r}: use 1 to 100 letters, digits and . _ @ + - (starting with a letter or digit)"
        )
    return clean


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r}: must be one of {', '.join(ROLES)}")


def _check_layers(layers) -> list[str] | None:
    if layers is None:
        return None
    layers = list(dict.fromkeys(layers))
    unknown = [x for x in layers if x not in LAYERS]
    if unknown or not layers:
        raise UserError(f"layers {unknown or layers}: each must be one of {', '.join(LAYERS)}")
    return layers


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise UserError("the password must have at most 1,024 characters")


def _exists(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchone()[0] > 0


def add_user(
    con: duckdb.DuckDBPyConnection,
    name: str,
    role: str,
    *,
    password: str | None = None,
    layers: list[str] | tuple[str, ...] | None = None,
    partner: str | None = None,
    actor: str,
) -> User:
    """Add a user: local with ``password``, or single sign-on (by e-mail) without one."""
    name = normalise_name(name)
    _check_role(role)
    layers = _check_layers(layers)
    if password is None:
        if "@" not in name:
            raise UserError(f"{name}: a single sign-on user is named by the e-mail address their provider gives")
        hashed = None
    else:
        _check_password(password)
        hashed = _HASHER.hash(password)
    con.execute("BEGIN TRANSACTION")
    try:
        if _exists(con, name):
            raise UserError(f"user {name} exists already; remove it first to change it")
        con.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, role, hashed, layers, partner, datetime.now(), actor],
        )
        audit.record(con, actor, "user add", detail={"user": name, "role": role, "layers": layers,
                                                     "partner": partner, "sso": hashed is None})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return User(name, role, tuple(layers) if layers else None, partner, hashed is None)


def remove_user(con: duckdb.DuckDBPyConnection, name: str, *, actor: str) -> None:
    """Remove a user; the last admin cannot be removed (nobody could manage users)."""
    name = normalise_name(name)
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT role FROM users WHERE name = ?", [name]).fetchone()
        if row is None:
            raise UserError(f"no user {name}")
        admins = con.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchone()[0]
        if row[0] == "admin" and admins == 1:
            raise UserError(f"{name} is the only admin; add another admin first")
        con.execute("DELETE FROM users WHERE name = ?", [name])
        audit.record(con, actor, "user remove", detail={"user": name, "role": row[0]})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str, *, actor: str) -> None:
    """Give a local user a new password."""
    name = normalise_name(name)
    _check_password(password)
    hashed = _HASHER.hash(password)
    con.execute("BEGIN TRANSACTION")
    try:
        if not _exists(con, name):
            raise UserError(f"no user {name}")
        con.execute("UPDATE users SET password_hash = ? WHERE name = ?", [hashed, name])
        audit.record(con, actor, "user password", detail={"user": name})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Users by name: role, layers (comma-separated, or "every layer"), partner, how they
    sign in, created when and by whom."""
    return con.execute(
        """
        SELECT name, role, coalesce(array_to_string(layers, ','), 'every layer') AS layers, coalesce(partner, '') AS partner,
               CASE WHEN password_hash IS NULL THEN 'single sign-on' ELSE 'password' END AS sign_in,
               created_at, created_by
        FROM users ORDER BY name
        """
    ).df()


def _user(row) -> User:
    name, role, layers, partner, hashed = row
    return User(name, role, tuple(layers) if layers else None, partner, hashed is None)


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str) -> User:
    """The local user ``name`` if ``password`` is theirs; audited either way.

    Raises ``SignInRefused`` with one message for any wrong name or password (so it
    does not tell which), or a lockout message after too many failures.
    """
    try:
        key = normalise_name(name)
    except UserError:
        key = (name or "").strip().lower()[:100] or "(empty)"
    since = datetime.now() - LOCKOUT
    if audit.count_recent(con, key, "sign-in", "refused", since) >= MAX_FAILURES:
        audit.record(con, key, "sign-in", outcome="refused", detail={"method": "password", "why": "locked"})
        raise SignInRefused(
            f"Too many failed sign-ins for this name: try again in {LOCKOUT.seconds // 60} minutes, "
            "or ask an admin."
        )
    row = con.execute(
        "SELECT name, role, layers, partner, password_hash FROM users WHERE name = ?", [key]
    ).fetchone()
    hashed = row[4] if row is not None and row[4] is not None else _DUMMY_HASH
    try:
        ok = _HASHER.verify(hashed, password or "") and hashed is not _DUMMY_HASH
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        audit.record(con, key, "sign-in", outcome="refused", detail={"method": "password"})
        raise SignInRefused("Wrong user name or password.")
    if _HASHER.check_needs_rehash(hashed):
        con.execute("UPDATE users SET password_hash = ? WHERE name = ?", [_HASHER.hash(password), key])
    user = _user(row)
    audit.record(con, user.name, "sign-in", role=user.role, detail={"method": "password"})
    return user


def current(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    """``name`` as the store has them now (role and layers may have changed), or None if removed."""
    row = con.execute(
        "SELECT name, role, layers, partner, password_hash FROM users WHERE name = ?", [name]
    ).fetchone()
    return _user(row) if row is not None else None


def sso_user(con: duckdb.DuckDBPyConnection, email: str | None) -> User | None:
    """The single sign-on user registered for ``email``, or None (audited either way)."""
    key = (email or "").strip().lower()
    row = con.execute(
        "SELECT name, role, layers, partner, password_hash FROM users WHERE name = ? AND password_hash IS NULL",
        [key],
    ).fetchone() if key else None
    if row is None:
        audit.record(con, key or "(no e-mail)", "sign-in", outcome="refused",
                     detail={"method": "single sign-on", "why": "not registered"})
        return None
    user = _user(row)
    audit.record(con, user.name, "sign-in", role=user.role, detail={"method": "single sign-on"})
    return user


def reset_demo_account(con: duckdb.DuckDBPyConnection, *, actor: str) -> str:
    """On the demo store only: (re)create the ``demo`` analyst with a new random password, returned.

    Any other store has no default account, so this raises ``UserError`` there.
    """
    if not settings.is_demo(con):
        raise UserError("this is not the demo store: it has no default account; add users with `user add`")
    password = secrets.token_urlsafe(12)
    if _exists(con, DEMO_USER):
        set_password(con, DEMO_USER, password, actor=actor)
    else:
        add_user(con, DEMO_USER, "analyst", password=password, partner="demo", actor=actor)
    return password
