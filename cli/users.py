"""``python -m hotspots user|delete|audit``: local users, deleting data for retention, the audit log.

Passwords are read from standard input (asked twice, unechoed, at a terminal), never
from the command line, where other users could see them in the process list. Every
change is audited with the operating-system user as ``cli:NAME``.
"""

from __future__ import annotations

import getpass
import sys


def cli_actor() -> str:
    """Who runs the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no name for this uid (containers)
        return "cli:unknown"


def add_parsers(sub, db_option) -> None:
    """Add ``user``, ``delete`` and ``audit`` to the ``python -m hotspots`` sub-parsers."""
    from queries.schema import LAYERS
    from queries.users import MIN_PASSWORD, ROLES

    p = sub.add_parser("user", help="manage who may sign in (local users and single sign-on users)")
    users = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    a = users.add_parser("add", help=f"add a user; the password (at least {MIN_PASSWORD} characters) is read "
                                     "from standard input")
    a.add_argument("name", help="user name; for --sso the e-mail address the identity provider gives")
    a.add_argument("--role", required=True, choices=ROLES, help="viewer (partner staff) | analyst | admin")
    a.add_argument("--layers", help=f"comma-separated layers the user may see ({','.join(LAYERS)}); default all")
    a.add_argument("--partner", help="the user's organisation, e.g. KFRS")
    a.add_argument("--sso", action="store_true", help="signs in through single sign-on (OIDC): no password")
    db_option(a)
    a.set_defaults(func=cmd_user_add)

    r = users.add_parser("remove", help="remove a user")
    r.add_argument("name")
    db_option(r)
    r.set_defaults(func=cmd_user_remove)

    pw = users.add_parser("password", help="set a local user's password (read from standard input)")
    pw.add_argument("name")
    db_option(pw)
    pw.set_defaults(func=cmd_user_password)

    ls = users.add_parser("list", help="list users")
    db_option(ls)
    ls.set_defaults(func=cmd_user_list)

    d = users.add_parser("demo", help="demo store only: (re)create the demo analyst with a new password and print it")
    db_option(d)
    d.set_defaults(func=cmd_user_demo)

    p = sub.add_parser("delete", help="delete one import, or every import of a source (audited)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--import", dest="import_id", type=int, metavar="N", help="the import number (see `info`)")
    which.add_argument("--source", help="every import stored under this source name")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    db_option(p)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("audit", help="print the audit log, newest first")
    p.add_argument("--limit", type=int, default=50, help="entries to print (default 50)")
    p.add_argument("--actor", help="only this user")
    p.add_argument("--action", help="only this action (sign-in, import, delete, export, user add, ...)")
    db_option(p)
    p.set_defaults(func=cmd_audit)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def read_password(prompt: str = "Password: ") -> str:
    """The password from standard input: asked twice without echo at a terminal, else its first line."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _write(args, work, *, create: bool = False) -> int:
    """``work(con)`` on the store; only ``user add`` may create one (an empty store with its first user)."""
    from queries.retention import RetentionError
    from queries.store import connect
    from queries.users import UserError

    con = connect(args.db, create=create)
    try:
        return work(con) or 0
    except (UserError, RetentionError, ValueError) as exc:
        return _error(str(exc))
    finally:
        con.close()


def cmd_user_add(args) -> int:
    from queries.users import add_user

    layers = [x.strip() for x in args.layers.split(",") if x.strip()] if args.layers else None
    try:
        password = None if args.sso else read_password()
    except ValueError as exc:
        return _error(str(exc))

    def work(con):
        user = add_user(con, args.name, args.role, password=password, layers=layers, partner=args.partner,
                        actor=cli_actor())
        how = "single sign-on" if user.sso else "a password"
        print(f"added {user.name}: {user.role}, {', '.join(user.layers) if user.layers else 'every layer'}, "
              f"signs in with {how}")

    return _write(args, work, create=True)


def cmd_user_remove(args) -> int:
    from queries.users import remove_user

    def work(con):
        remove_user(con, args.name, actor=cli_actor())
        print(f"removed {args.name.strip().lower()}")

    return _write(args, work)


def cmd_user_password(args) -> int:
    from queries.users import set_password

    try:
        password = read_password("New password: ")
    except ValueError as exc:
        return _error(str(exc))

    def work(con):
        set_password(con, args.name, password, actor=cli_actor())
        print(f"password set for {args.name.strip().lower()}")

    return _write(args, work)


def cmd_user_list(args) -> int:
    from queries.users import list_users

    def work(con):
        table = list_users(con)
        if table.empty:
            print("no users: add one with `python -m hotspots user add NAME --role admin`")
            return
        for r in table.itertuples():
            print(f"{r.name:<32} {r.role:<8} {r.layers:<24} {r.sign_in:<15} {r.partner:<12} "
                  f"added {r.created_at:%Y-%m-%d} by {r.created_by}")

    return _write(args, work)


def cmd_user_demo(args) -> int:
    from queries.users import DEMO_USER, reset_demo_account

    def work(con):
        password = reset_demo_account(con, actor=cli_actor())
        print(f"Demo store: sign in as {DEMO_USER} with password {password} (analyst; a new password each start)")

    return _write(args, work)


def cmd_delete(args) -> int:
    from queries.retention import delete_import, delete_source

    what = f"import #{args.import_id}" if args.import_id is not None else f"every import of source {args.source!r}"
    if not args.yes:
        if not sys.stdin.isatty():
            return _error(f"deleting {what} needs --yes when not run at a terminal")
        if input(f"Delete {what} for good? Type yes: ").strip().lower() != "yes":
            print("nothing deleted")
            return 1

    def work(con):
        if args.import_id is not None:
            done = delete_import(con, args.import_id, actor=cli_actor())
        else:
            done = delete_source(con, args.source, actor=cli_actor())
        print(done.summary())

    return _write(args, work)


def cmd_audit(args) -> int:
    from queries.audit import entries

    def work(con):
        table = entries(con, actor=args.actor, action=args.action, limit=args.limit)
        for r in table.itertuples():
            print(f"{r.logged_at:%Y-%m-%d %H:%M:%S}  {r.actor:<28} {r.role or '-':<8} {r.action:<16} "
                  f"{r.outcome:<8} {r.detail or ''}")
        if table.empty:
            print("the audit log is empty")

    return _write(args, work)
