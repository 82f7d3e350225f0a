"""``python -m hotspots analyse`` and ``python -m hotspots backtest``.

``analyse`` reads incidents from the store (``queries.incidents``), runs one method of
``hotspots`` on them, writes the result (GeoJSON, CSV or GeoPackage) and prints a short
summary with every parameter used and why. ``backtest`` prints the accuracy table of
KDE, grid counts and Gi* maps over the last weeks.

The area (``--area borough|nte|bluewater|heath|E01...``) comes from ``geodata``; the
source, when not given, is the one with most exact-time rows for the layer
(``queries.incidents.default_source``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

METHODS = ("kde", "dbscan", "gistar", "change", "classify")
#: GeoJSON properties per method, as issue 3 lists them (classify: the classes and the figures behind them).
GEOJSON_PROPERTIES = {
    "kde": ("density", "hotspot"),
    "dbscan": ("cluster", "count"),
    "gistar": ("count", "z", "p", "p_fdr", "gi_bin"),
    "change": ("count", "expected", "p_fdr"),
    "classify": ("pattern", "chainey", "hot_periods", "cold_periods", "trend_z", "trend_p"),
}
FORMATS = (".geojson", ".json", ".csv", ".gpkg")
#: Incidents this far outside the area are read too: they add to a KDE surface near its edge.
MARGIN_M = 3000.0
#: For ``change`` with --from/--to, incidents this far before the period are read for the baseline.
BASELINE_READ = timedelta(weeks=60)


# --------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _common(p: argparse.ArgumentParser, db_option) -> None:
    p.add_argument("--layer", required=True, help="the layer: offence, asb, fly-tipping, fire ...")
    p.add_argument("--category", action="append", default=None, metavar="C",
                   help="keep only this category (repeat for several; default: all)")
    p.add_argument("--area", default="borough", metavar="AREA",
                   help="borough (default), nte, bluewater, heath, or a Dartford LSOA code such as E01024132")
    p.add_argument("--source", default=None,
                   help="the source to read (default: the one with most exact-time rows for the layer)")
    db_option(p)


def add_parsers(sub, db_option) -> None:
    """Add ``analyse`` and ``backtest`` to the ``python -m hotspots`` sub-parsers."""
    p = sub.add_parser("analyse", help="run a hotspot method on the store and write the result",
                       description="Run a hotspot method on incidents from the store, write the result and print "
                                   "a summary with the parameters used.")
    p.add_argument("--method", required=True, choices=METHODS, help=" | ".join(METHODS))
    _common(p, db_option)
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day (YYYY-MM-DD, inclusive)")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day (YYYY-MM-DD, inclusive)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write the result: FILE.geojson, FILE.csv or FILE.gpkg")
    p.add_argument("--cell-size", type=_positive, metavar="M", help="cell size in metres (kde, gistar, change, "
                   "classify)")
    p.add_argument("--bandwidth", type=_positive, metavar="M", help="kde: bandwidth in metres")
    p.add_argument("--threshold", help="kde: hot spots, 'top 5%%' (default), '2x mean' or a density")
    p.add_argument("--eps", type=_positive, metavar="M", help="dbscan: neighbourhood radius in metres")
    p.add_argument("--min-samples", type=int, metavar="N", help="dbscan: incidents within eps of a core point")
    p.add_argument("--distance", type=_positive, metavar="M", help="gistar, classify: neighbourhood distance band")
    p.add_argument("--period-length", metavar="P", help="change, classify: week, '4 weeks', month, quarter ...")
    p.add_argument("--baseline", metavar="B", help="change: 'previous 4 weeks' (default), 'previous 8 weeks', "
                   "'previous 13 weeks' or 'last year'")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser("backtest", help="print how well hot spot maps predicted the following week",
                       description="For each of the last weeks, build maps from the weeks before it and score "
                                   "them on the week: hit rate, PAI, RRI and PEI for KDE, grid counts and Gi*.")
    _common(p, db_option)
    p.add_argument("--weeks", type=int, default=12, help="test weeks (default 12)")
    p.add_argument("--train-weeks", type=int, default=4, help="weeks that draw each map (default 4)")
    p.add_argument("--top", type=_positive, default=5.0, help="percentage of the area called hot (default 5)")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE",
                   help="the last test week is the last whole ISO week up to this day (default: the data's end)")
    p.add_argument("--methods", default="kde,grid,gistar",
                   help="comma-separated: kde, grid, gistar, gistar_bins (default kde,grid,gistar)")
    p.add_argument("--out", type=Path, metavar="FILE.csv", help="also write the per-week table as CSV")
    p.set_defaults(func=cmd_backtest)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


class CommandError(Exception):
    """A problem with the command's arguments or data; the message says what to do."""


def _read(args, start: date | None, end: date | None):
    """Incidents for the arguments, the area polygon, the query parameters and the data's coverage."""
    import shapely

    from geodata import area_geometry
    from hotspots.params import chosen, given
    from queries.incidents import IncidentFilter, date_span, default_source, fetch_incidents, layers
    from queries.store import connect

    try:
        boundary = area_geometry(args.area)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--area: {exc}") from None
    con = connect(args.db, read_only=True)
    try:
        present = layers(con)
        if args.layer not in present:
            have = ", ".join(present) or "none"
            raise CommandError(f"--layer: no {args.layer!r} incidents in the store; it has {have}")
        if args.source is None:
            source = default_source(con, args.layer)
            source_param = chosen("source", source, "", "the source with most exact-time rows for the layer")
        else:
            source = args.source
            if args.layer not in layers(con, source):
                raise CommandError(f"--source: {source!r} has no {args.layer!r} incidents")
            source_param = given("source", source)
        span = date_span(con, source, args.layer)
        bbox = tuple(np.add(boundary.bounds, (-MARGIN_M, -MARGIN_M, MARGIN_M, MARGIN_M)))
        f = IncidentFilter(source, layers=(args.layer,), categories=tuple(args.category) if args.category else None,
                           start=start, end=end, bbox=bbox)
        frame = fetch_incidents(con, f)
    finally:
        con.close()
    coverage = None
    if span is not None:
        first, last = pd.Timestamp(span[0]).normalize(), pd.Timestamp(span[1]).normalize()
        month_only = len(frame) and (frame["date_precision"] == "month").all()
        stop = (last.replace(day=1) + pd.DateOffset(months=1)) if month_only else last + pd.Timedelta(days=1)
        coverage = (first, stop)
    inside = shapely.contains_xy(boundary, frame["easting"].to_numpy(float), frame["northing"].to_numpy(float))
    query = {
        "layer": given("layer", args.layer),
        "category": given("category", ", ".join(args.category)) if args.category
        else chosen("category", "all", "", "no --category given"),
        "source": source_param,
        "area": given("area", args.area),
    }
    return frame, inside, boundary, query, coverage


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def parameters_json(parameters: dict) -> dict:
    """``{name: {value, unit, reason, chosen_automatically}}`` for JSON."""
    return {
        name: {"value": _jsonable(p.value), "unit": p.unit, "reason": p.reason,
               "chosen_automatically": bool(p.chosen_automatically)}
        for name, p in parameters.items()
    }


def write_geojson(frame, properties, path: Path, parameters: dict, extra: dict | None = None) -> int:
    """Write ``frame`` (EPSG:27700) as WGS84 GeoJSON with only ``properties``, plus a top-level ``parameters`` member.

    Coordinates are rounded to 7 decimal places (about 1 cm). Returns the number of features.
    """
    import shapely

    geoms = np.asarray(frame.geometry.to_crs(4326).values, dtype=object)
    geoms = shapely.transform(geoms, lambda a: np.round(a, 7))
    geometry = shapely.to_geojson(geoms) if len(geoms) else []
    props = frame[list(properties)].to_json(orient="records", lines=True, date_format="iso").splitlines() \
        if len(frame) else []
    head = {"type": "FeatureCollection", "parameters": parameters_json(parameters), **(extra or {})}
    text = json.dumps(head, default=str)[:-1]
    features = ",".join(f'{{"type":"Feature","properties":{p},"geometry":{g}}}' for p, g in zip(props, geometry))
    path.write_text(f'{text},"features":[{features}]}}\n', encoding="utf-8")
    return len(props)


def write_result(frame, method: str, path: Path, parameters: dict, extra: dict) -> int:
    """Write ``frame`` as GeoJSON, CSV or GeoPackage by ``path``'s suffix; returns the rows written."""
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return write_geojson(frame, GEOJSON_PROPERTIES[method], path, parameters, extra)
    if suffix == ".csv":
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        table["geometry_wkt"] = frame.geometry.to_wkt(rounding_precision=2).to_numpy()
        table.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")
        return len(table)
    if suffix == ".gpkg":
        import pyogrio

        if path.exists():
            path.unlink()
        frame.to_file(path, layer=method, driver="GPKG")
        rows = [{"name": k, **{key: json.dumps(v) if not isinstance(v, str) else v for key, v in p.items()}}
                for k, p in parameters_json(parameters).items()]
        pyogrio.write_dataframe(pd.DataFrame(rows), path, layer="parameters", driver="GPKG", append=True)
        return len(frame)
    raise CommandError(f"--out must end in {', '.join(FORMATS)}; got {path.name!r}")


# --------------------------------------------------------------------------------------
# analyse
# --------------------------------------------------------------------------------------


def _period_bounds(args) -> tuple[date | None, date | None, Any]:
    """What to read, and the ``period`` for change."""
    start, end = args.start, args.end
    if start and end and end < start:
        raise CommandError(f"--to ({end}) is before --from ({start})")
    read_end = end + timedelta(days=1) if end else None
    if args.method != "change":
        return start, read_end, None
    if start and end:
        period = (start, end + timedelta(days=1))
    elif end:
        period = (end - timedelta(days=6), end + timedelta(days=1))
    elif start:
        period = (start, start + timedelta(days=7))
    else:
        return None, read_end, None
    return period[0] - BASELINE_READ, period[1], period


def run_method(args, frame, inside, boundary, coverage, period):
    """Run the method; returns (result, output frame)."""
    xy = np.c_[frame["easting"].to_numpy(float), frame["northing"].to_numpy(float)]
    m = args.method
    if m == "kde":
        from hotspots.kde import hotspot_kde

        kwargs = {"threshold": args.threshold} if args.threshold else {}
        r = hotspot_kde(xy, boundary=boundary, cell_size=args.cell_size, bandwidth=args.bandwidth, **kwargs)
        return r, r.cells
    if m == "gistar":
        from hotspots.gistar import hotspot_gistar

        r = hotspot_gistar(xy, boundary=boundary, cell_size=args.cell_size, distance=args.distance)
        return r, r.cells
    if m == "dbscan":
        from hotspots.dbscan import hotspot_dbscan

        r = hotspot_dbscan(frame.loc[inside].reset_index(drop=True), eps=args.eps, min_samples=args.min_samples,
                           area=boundary)
        return r, r.clusters
    if m == "change":
        from hotspots.change import hotspot_change

        areas = None
        if args.area == "borough":
            from geodata import focus_areas

            areas = focus_areas()
        r = hotspot_change(frame, boundary=boundary, areas=areas, period=period, period_length=args.period_length,
                           baseline=args.baseline, cell_size=args.cell_size, coverage=coverage)
        return r, r.cells
    from hotspots.classify import hotspot_classify

    if coverage is not None:
        lo = max(coverage[0], pd.Timestamp(args.start)) if args.start else coverage[0]
        hi = min(coverage[1], pd.Timestamp(args.end) + pd.Timedelta(days=1)) if args.end else coverage[1]
        coverage = (lo, hi)
    r = hotspot_classify(frame, boundary=boundary, period_length=args.period_length, cell_size=args.cell_size,
                         distance=args.distance, coverage=coverage)
    return r, r.cells


def cmd_analyse(args) -> int:
    try:
        start, end, period = _period_bounds(args)
        if args.out is not None and args.out.suffix.lower() not in FORMATS:
            raise CommandError(f"--out must end in {', '.join(FORMATS)}; got {args.out.name!r}")
        unused = [flag for flag, value, methods in (
            ("--bandwidth", args.bandwidth, ("kde",)), ("--threshold", args.threshold, ("kde",)),
            ("--eps", args.eps, ("dbscan",)), ("--min-samples", args.min_samples, ("dbscan",)),
            ("--distance", args.distance, ("gistar", "classify")),
            ("--period-length", args.period_length, ("change", "classify")), ("--baseline", args.baseline, ("change",)),
            ("--cell-size", args.cell_size, ("kde", "gistar", "change", "classify")),
        ) if value is not None and args.method not in methods]
        if unused:
            raise CommandError(f"{', '.join(unused)} do(es) not apply to --method {args.method}")
        frame, inside, boundary, query, coverage = _read(args, start, end)
        if not inside.any() and (args.method == "classify" or (args.method == "change" and period is None)):
            cats = ", ".join(args.category) if args.category else "any category"
            dates = ""
            if args.start or args.end:
                dates = f" from {args.start or 'the first day'} to {args.end or 'the last'}"
            raise CommandError(f"no {args.layer} incidents ({cats}) in {args.area}{dates}: nothing to analyse")
        result, out = run_method(args, frame, inside, boundary, coverage, period)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {args.method}: {exc}", file=sys.stderr)
        return 2
    # The method's own parameters keep their names; one that clashes with the query's (DBSCAN's
    # area in m2 against --area) is prefixed with the method.
    parameters = dict(query)
    for name, p in result.parameters.items():
        parameters[f"{args.method}_{name}" if name in query else name] = p
    if args.start or args.end:
        from hotspots.params import given

        parameters["dates"] = given("dates", f"{args.start or 'first'} to {args.end or 'last'}")
    summary = result.summary().splitlines()[0]  # DBSCAN's summary goes on to list its parameters
    cats = ", ".join(args.category) if args.category else "all categories"
    lines = [
        f"{args.method} on {args.layer} ({cats}) from {query['source'].value}, area {args.area}: "
        f"{int(inside.sum()):,} incident{'' if inside.sum() == 1 else 's'} read in the area"
        + (f" ({args.start or 'first'} to {args.end or 'last'})" if args.start or args.end else ""),
        summary,
    ]
    areas = getattr(result, "areas", None)
    if areas is not None:
        for _, r in areas.iterrows():
            lines.append(f"  {r['area']:<10} {r['count']:>5,} incidents, {r['expected']:>7.1f} expected, "
                         f"p_fdr {r['p_fdr']:.3f}: {r['class']}")
    lines.append("parameters:")
    lines += [f"  {p}" for p in parameters.values()]
    warnings = list(result.warnings)
    if warnings:
        lines.append("warnings:")
        lines += [f"  {w}" for w in warnings]
    if args.out is not None:
        try:
            n = write_result(out, args.method, args.out, parameters,
                             {"method": args.method, "summary": summary, "warnings": warnings})
        except CommandError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        lines.append(f"wrote {args.out} ({n:,} {'clusters' if args.method == 'dbscan' else 'cells'})")
        audit_export(args, "analyse", method=args.method, layer=args.layer, category=args.category,
                     area=args.area, source=args.source, start=args.start, end=args.end)
    print("\n".join(lines))
    return 0


def audit_export(args, what: str, **filters) -> None:
    """Record a file written from the store in its audit log (internal: the command line has no profile)."""
    from cli.users import cli_actor
    from queries import audit
    from queries.store import connect

    con = connect(args.db, create=False)
    try:
        audit.record(con, cli_actor(), "export", detail={
            "what": what, "file": str(args.out), "format": args.out.suffix.lstrip("."), "profile": "internal",
            "filters": filters})
    finally:
        con.close()


# --------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------


def format_weekly(weekly: pd.DataFrame) -> str:
    """The per-week table: one row per week, hit rate and PAI per method."""
    methods = list(dict.fromkeys(weekly["method"]))
    header = f"  {'week':<34}{'N':>5}" + "".join(f"{m + ' hit':>13}{'PAI':>6}" for m in methods)
    lines = [header]
    for week, g in weekly.groupby("week_start", sort=True):
        g = g.set_index("method")
        first = g.iloc[0]
        cells = "".join(
            f"{g.loc[m, 'hit_rate']:>13.0%}{g.loc[m, 'pai']:>6.1f}" if math.isfinite(g.loc[m, "pai"])
            else f"{'-':>13}{'-':>6}"
            for m in methods
        )
        lines.append(f"  {first['week']:<34}{int(first['incidents']):>5}{cells}")
    return "\n".join(lines)


def cmd_backtest(args) -> int:
    from hotspots.accuracy import backtest

    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    try:
        frame, inside, boundary, query, coverage = _read(args, None, None)
        end = pd.Timestamp(args.end) + pd.Timedelta(days=1) if args.end else None
        result = backtest(frame, boundary=boundary, weeks=args.weeks, train_weeks=args.train_weeks, top=args.top,
                          end=end, methods=methods)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: backtest: {exc}", file=sys.stderr)
        return 2
    cats = ", ".join(args.category) if args.category else "all categories"
    lines = [f"backtest on {args.layer} ({cats}) from {query['source'].value}, area {args.area}", result.summary(),
             "", "by week (hit rate and PAI):", format_weekly(result.weekly), ""]
    for method in result.table["method"]:
        lines.append(f"{method}: {result.sentence(method)}")
    lines.append("parameters:")
    lines += [f"  {p}" for p in {**query, **result.parameters}.values()]
    if result.warnings:
        lines.append("warnings:")
        lines += [f"  {w}" for w in result.warnings]
    if args.out is not None:
        result.weekly.to_csv(args.out, index=False)
        lines.append(f"wrote {args.out} ({len(result.weekly)} rows)")
        audit_export(args, "backtest", layer=getattr(args, "layer", None), area=getattr(args, "area", None))
    print("\n".join(lines))
    return 0
