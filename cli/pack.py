"""``python -m hotspots pack KIND --out FILE.pdf``: a multi-page PDF pack, for a cron job or a meeting.

``pack violence --week 2024-W10``, ``pack wildfire --season 'summer 2025'`` and ``pack fly-tipping
--week 2024-W10`` (see :mod:`exports.packs`). No prompts; every user error prints ``error: ...``
and exits 2, so a cron job's mail says what to fix; on success one line says what was written.
"""

from __future__ import annotations

import sys
from pathlib import Path

KINDS = ("violence", "wildfire", "fly-tipping")


def add_parsers(sub, db_option) -> None:
    """Add ``pack`` to the ``python -m hotspots`` sub-parsers."""
    p = sub.add_parser(
        "pack", help="write a multi-page PDF pack (violence, wildfire or fly-tipping)",
        description="Write a multi-page PDF pack: violence (the week's hot spot and change maps, top-10 table, NTE "
                    "and Bluewater, trend), wildfire (seasons, causes, places, prevention zones) or fly-tipping "
                    "(patrol zones, their days and hours, waste types). Partner profile by default.")
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=" | ".join(KINDS))
    p.add_argument("--week", metavar="WEEK", help="violence, fly-tipping: ISO week such as 2024-W10, or a date in it "
                   "(default: violence the last complete week of the data; fly-tipping the week after the data end)")
    p.add_argument("--season", metavar="SEASON", help="wildfire: the season to plan, such as 'summer 2025' "
                   "(default: the season the data run into)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write (folders are made)")
    p.add_argument("--profile", choices=("partner", "internal"), default="partner",
                   help="disclosure profile (default partner: small counts hidden, no points)")
    p.add_argument("--area", default="borough", metavar="AREA",
                   help="borough (default), nte, bluewater, heath, or a Dartford LSOA code such as E01024132")
    p.add_argument("--source", default=None, help="the source to read (default: the one with most exact times)")
    p.add_argument("--no-tiles", action="store_true", help="never fetch OpenStreetMap tiles for the maps")
    db_option(p)
    p.set_defaults(func=cmd_pack)


def cmd_pack(args) -> int:
    from exports.packs import PackError, timed_pack
    from queries.store import connect

    if args.out.suffix.lower() != ".pdf":
        return _error(f"--out must be a .pdf file; got {args.out.name!r}")
    if args.kind == "wildfire" and args.week:
        return _error("pack wildfire takes --season (such as 'summer 2025'), not --week")
    if args.kind != "wildfire" and args.season:
        return _error(f"pack {args.kind} takes --week (such as 2024-W10), not --season")
    from cli.users import cli_actor
    from queries import audit

    # Writable, for the audit entry; a missing store is a StoreError: main prints it and exits 2.
    con = connect(args.db, create=False)
    try:
        path, pages, seconds = timed_pack(
            args.kind, con, args.out, week=args.week, season=args.season, profile=args.profile, source=args.source,
            area=args.area, tiles=not args.no_tiles)
    except PackError as exc:
        return _error(str(exc))
    except OSError as exc:  # the PDF could not be written: a folder or disk problem the user can fix
        return _error(f"could not write {args.out}: {exc.strerror or exc}")
    else:
        audit.record(con, cli_actor(), "export", detail={
            "what": f"{args.kind} pack", "format": "pdf", "profile": args.profile, "week": args.week,
            "season": args.season, "area": args.area, "source": args.source, "file": str(path)})
    finally:
        con.close()
    print(f"wrote {path}: {pages} pages, profile {args.profile}, {seconds:.1f} s")
    return 0


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2

