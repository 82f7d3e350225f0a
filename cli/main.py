"""``python -m hotspots``: build the demo store, import files, and report what the store holds."""

import argparse
import json
import sys
from pathlib import Path

from queries.store import StoreError, default_db_path

KIND_CHOICES = ("police-uk", "police-extract", "fly-tipping", "fires", "generic")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hotspots",
        description="Hotspot mapping for the Dartford Community Safety Partnership.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def db_option(p):
        p.add_argument(
            "--db", type=Path, default=None,
            help=f"the DuckDB store (default: $HOTSPOTS_DB, else {default_db_path()})",
        )

    p = sub.add_parser("demo", help="build the demo store (real police.uk rows plus labelled generated rows)")
    db_option(p)
    p.add_argument("--force", action="store_true", help="rebuild even if the store file exists")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import files into the store")
    p.add_argument("kind", choices=KIND_CHOICES, metavar="KIND", help=" | ".join(KIND_CHOICES))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    db_option(p)
    p.add_argument("--within", choices=("dartford", "none"), default="dartford",
                   help="keep only rows inside the borough (default) or keep every row")
    p.add_argument("--source", help="source name stored with each row (default: the kind's)")
    p.add_argument("--mapping", type=Path, help="TOML mapping file (generic only)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="if another process holds the store, wait up to this long for it (default: do not wait)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("info", help="what the store holds")
    db_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("compact", help="rewrite the incident table in time order (faster time filters)")
    db_option(p)
    p.set_defaults(func=cmd_compact)

    from cli.analyse import add_parsers

    add_parsers(sub, db_option)
    from cli.pack import add_parsers as add_pack

    add_pack(sub, db_option)
    from cli.users import add_parsers as add_users

    add_users(sub, db_option)
    from cli.backup import add_parsers as add_backup

    add_backup(sub, db_option)
    return parser


def main(argv: list[str] | None = None) -> int:
    import duckdb

    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        # Damage inside a data block shows only when its rows are read: say so in words.
        from queries.store import _open_error

        path = Path(getattr(args, "db", None) or default_db_path())
        print(f"error: {_open_error(path, exc, False)}", file=sys.stderr)
        return 2


def cmd_import(args) -> int:
    from tqdm import tqdm

    from cli.users import cli_actor
    from queries.importing import ImportFailed, import_file
    from queries.store import connect

    if args.kind == "generic" and args.mapping is None:
        print("error: import generic needs --mapping FILE", file=sys.stderr)
        return 2
    con = connect(args.db, wait=args.wait)
    failed = 0
    for path in args.files:
        bar = tqdm(total=100, desc=path.name, unit="%", disable=args.quiet or None, leave=False,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

        def progress(fraction: float, message: str) -> None:
            bar.n = round(fraction * 100)
            bar.set_postfix_str(message)

        try:
            report = import_file(con, args.kind, path, source=args.source, within=args.within,
                                 mapping=args.mapping, progress=progress, actor=cli_actor())
        except ImportFailed as exc:
            bar.close()
            print(f"error: {exc} (nothing was imported from this file)", file=sys.stderr)
            failed += 1
            continue
        bar.close()
        print(report.summary())
    con.close()
    return 1 if failed else 0


def cmd_info(args) -> int:
    from queries.store import connect
    from queries.summary import store_summary

    con = connect(args.db, create=False)
    summary = store_summary(con)
    con.close()
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    print(format_summary(summary, args.db or default_db_path()))
    return 0


def format_summary(s: dict, path) -> str:
    out = [f"Store {path}: {s['incidents']:,} incidents ({s['located']:,} with a position), "
           f"{s['first'] or '-'} to {s['last'] or '-'}"]
    out.append("\nBy source and layer (sources are never added together: they may describe the same crimes):")
    for r in s["by_source"]:
        out.append(f"  {r['source']:<18} {r['layer']:<12} {r['rows']:>9,} rows  {r['located']:>9,} located  "
                   f"{r['first'][:10]} to {r['last'][:10]}")
    out.append("\nBy date precision:")
    for r in s["by_precision"]:
        out.append(f"  {r['source']:<18} {r['date_precision']:<8} {r['rows']:>9,}")
    out.append("\nBy location method:")
    for r in s["by_location_method"]:
        out.append(f"  {r['source']:<18} {r['location_method']:<12} {r['rows']:>9,}")
    out.append("\nBy category:")
    for r in s["by_category"]:
        out.append(f"  {r['source']:<18} {r['layer']:<12} {r['category']:<36} {r['rows']:>9,}")
    out.append(f"\nImports ({len(s['imports'])}):")
    for r in s["imports"]:
        out.append(f"  #{r['import_id']:<3} {r['finished_at'][:19]} {r['kind']:<14} {r['file_name']:<44} read {r['read']:,}, "
                   f"accepted {r['accepted']:,}, duplicate {r['duplicate']:,}, rejected {r['rejected']:,}, "
                   f"outside {r['outside']:,}")
    out.append(f"\nRejected rows: {s['rejected_rows']:,}")
    for r in s["rejected_by_reason"]:
        out.append(f"  {r['rows']:>9,}  {r['reason']}")
    return "\n".join(out)


def cmd_demo(args) -> int:
    from demo.build import build_demo

    path = args.db or default_db_path()
    if path.exists() and not args.force:
        print(f"{path} exists; use --force to rebuild it")
        return 0
    build_demo(path, echo=print)
    return 0


def cmd_compact(args) -> int:
    from queries.store import compact, connect

    con = connect(args.db, create=False)
    seconds = compact(con)
    con.close()
    print(f"incidents rewritten in time order in {seconds:.2f} s")
    return 0
