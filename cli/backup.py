"""``python -m hotspots backup|restore``: a verified single-file copy of the store, and putting one back.

``backup`` reads the store and writes ``--out`` only when the copy is complete and
checked, so it suits cron; ``restore`` replaces the store with a backup, keeping the
replaced store beside it. Both are recorded in the store's audit log as ``cli:NAME``.
"""

from __future__ import annotations

import sys

from cli.users import cli_actor


def add_parsers(sub, db_option) -> None:
    """Add ``backup`` and ``restore`` to the ``python -m hotspots`` sub-parsers."""
    p = sub.add_parser("backup", help="copy the store to one file, checked before it is kept (audited)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="the backup file to write (a folder: a dated file in it); replaced only by a whole, "
                        "checked copy")
    db_option(p)
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="if another process holds the store, wait up to this long for it (default: do not wait)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the store with a backup (the replaced store is kept beside it)")
    p.add_argument("file", metavar="FILE", help="a backup made by `backup`")
    db_option(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_restore)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_backup(args) -> int:
    from queries.backup import BackupError, backup
    from queries.store import connect

    con = connect(args.db, create=False, wait=args.wait)
    try:
        report = backup(con, args.out, actor=cli_actor())
    except BackupError as exc:
        return _error(f"{exc} (no backup was written)")
    finally:
        con.close()
    print(report.summary())
    return 0


def cmd_restore(args) -> int:
    from pathlib import Path

    from queries.backup import BackupError, inspect, restore
    from queries.store import default_db_path

    db = args.db or default_db_path()
    backup_file = Path(args.file)
    try:
        contents = inspect(backup_file)  # refuse a bad file before asking
    except BackupError as exc:
        return _error(f"{exc} (the store was not changed)")
    if not args.yes:
        if not sys.stdin.isatty():
            return _error(f"restoring replaces the store {db}: add --yes when not run at a terminal")
        question = (f"Replace the store {db} with {backup_file} ({contents.counts().get('incidents', 0):,} "
                    f"incidents)? The current store is kept beside it. Type yes: ")
        if input(question).strip().lower() != "yes":
            print("nothing restored")
            return 1
    try:
        report = restore(backup_file, db, actor=cli_actor())
    except BackupError as exc:
        return _error(f"{exc} (the store was not changed)")
    print(report.summary())
    if report.replaced_note:
        print(f"note: the replaced store could not be read, so its audit entries since the backup were not "
              f"carried over: {report.replaced_note}", file=sys.stderr)
    return 0
