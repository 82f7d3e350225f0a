"""Explore: any filter with any method of the engine, and what it chose and why.

:func:`analyse` runs one method on a scope's incidents and returns an
:class:`Analysis`: the result object of ``hotspots`` (for the map layers), a table
(cells, clusters or areas), every parameter with its reason, warnings, and the
notes on rows the filters left out. Change and classification need the weeks
before the scope as well; they are read here, not by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pandas as pd

from briefings.scope import Scope, Selection, select
from hotspots.params import Parameter, chosen, given
from queries import incidents as q

METHODS = {
    "points": "Incidents only",
    "kde": "Kernel density (KDE)",
    "dbscan": "DBSCAN clusters",
    "gistar": "Getis-Ord Gi* hot and cold spots",
    "change": "Change against a baseline",
    "classify": "Hot spot classes over time",
}

#: Read with every analysis: the map columns, and the flags disclosure control needs
#: (sexual offences and domestic abuse stay above LSOA level in partner exports).
COLUMNS = (*q.MAP_COLUMNS, "offence_group", "domestic_abuse")

#: How far before the scope's end change reads: a year and its baseline.
CHANGE_READ = timedelta(weeks=66)


@dataclass(frozen=True)
class Options:
    """Overrides; ``None`` lets the method choose from the data (and say why)."""

    cell_size: float | None = None
    bandwidth: float | None = None
    kernel: str = "quartic"
    threshold: str | None = None
    eps: float | None = None
    min_samples: int | None = None
    clustering: str = "dbscan"
    distance: float | None = None
    baseline: str | None = None
    period_length: str | None = None


@dataclass(frozen=True)
class Analysis:
    method: str
    scope: Scope
    selection: Selection
    result: Any = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    summary: str = ""

    def parameter_table(self) -> pd.DataFrame:
        """Name, value, unit, chosen or given, and why: for the page and exports."""
        rows = [
            {"parameter": p.name, "value": f"{p.value:.4g}" if isinstance(p.value, float) else str(p.value),
             "unit": p.unit, "how": "chosen from the data" if p.chosen_automatically else "given",
             "why": p.reason}
            for p in self.parameters.values()
        ]
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "how", "why"])


def _query_parameters(scope: Scope) -> dict[str, Parameter]:
    out = {
        "source": given("source", scope.source),
        "layers": given("layers", ", ".join(scope.layers)),
        "categories": given("categories", ", ".join(scope.categories)) if scope.categories
        else chosen("categories", "all", "", "no category chosen"),
        "area": given("area", scope.area),
        "dates": given("dates", f"{scope.start} to {scope.end - timedelta(days=1)}"),
    }
    return out


def analyse(con, scope: Scope, method: str, options: Options = Options()) -> Analysis:
    """Run ``method`` on the incidents of ``scope`` (raises ValueError with a clear message)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    sel = select(con, scope, COLUMNS)
    params = _query_parameters(scope)
    if method == "points":
        return Analysis(method, scope, sel, None, pd.DataFrame(), params, (),
                        f"{sel.count:,} {'incident' if sel.count == 1 else 'incidents'} in the area")
    if method in ("change", "classify"):
        return _over_time(con, scope, method, options, sel, params)
    if sel.count == 0:
        raise ValueError("no incidents match these filters in the area: nothing to analyse")
    if method == "kde":
        from hotspots.kde import hotspot_kde

        kwargs = {"threshold": options.threshold} if options.threshold else {}
        r = hotspot_kde(sel.xy, boundary=sel.area, cell_size=options.cell_size,
                        bandwidth=options.bandwidth, kernel=options.kernel, **kwargs)
        table = r.hotspots.drop(columns="geometry", errors="ignore")
    elif method == "gistar":
        from hotspots.gistar import hotspot_gistar

        r = hotspot_gistar(sel.xy, boundary=sel.area, cell_size=options.cell_size, distance=options.distance)
        cells = r.cells
        table = cells[cells["gi_bin"] != 0].drop(columns="geometry", errors="ignore")
        table = table.sort_values("z", ascending=False)
    else:
        from hotspots.dbscan import hotspot_dbscan

        r = hotspot_dbscan(sel.incidents.reset_index(drop=True), eps=options.eps, min_samples=options.min_samples,
                           method=options.clustering, area=sel.area)
        table = r.clusters.drop(columns="geometry", errors="ignore")
    return _done(method, scope, sel, r, table, params)


def _done(method, scope, sel, r, table, params) -> Analysis:
    merged = dict(params)
    for name, p in r.parameters.items():
        merged[f"{method}_{name}" if name in params else name] = p
    return Analysis(method, scope, sel, r, table.reset_index(drop=True), merged, tuple(r.warnings),
                    r.summary().splitlines()[0])


def _over_time(con, scope: Scope, method: str, options: Options, sel: Selection, params) -> Analysis:
    """Change: the scope's last whole period against its baseline. Classify: the periods of the scope."""
    if method == "change":
        from geodata import focus_areas
        from hotspots.change import hotspot_change

        wide = select(con, replace(scope, start=min(scope.start, scope.end - CHANGE_READ)), COLUMNS)
        frame = wide.frame
        areas = focus_areas() if scope.area == "borough" else None
        r = hotspot_change(frame, boundary=sel.area, areas=areas, period_length=options.period_length,
                           baseline=options.baseline, cell_size=options.cell_size,
                           coverage=_coverage(frame, scope))
        cells = r.cells
        table = cells[cells["count"] > 0].drop(columns="geometry", errors="ignore").sort_values("p_fdr")
        return _done(method, scope, wide, r, table, params)
    from hotspots.classify import hotspot_classify

    if sel.count == 0:
        raise ValueError("no incidents match these filters in the area: nothing to classify")
    r = hotspot_classify(sel.frame, boundary=sel.area, period_length=options.period_length,
                         cell_size=options.cell_size, distance=options.distance,
                         coverage=(pd.Timestamp(scope.start), pd.Timestamp(scope.end)))
    cells = r.cells
    table = cells.drop(columns="geometry", errors="ignore")
    if "pattern" in table:
        table = table[table["pattern"].astype(str).str.lower() != "no pattern detected"]
    return _done(method, scope, sel, r, table, params)


def _coverage(frame: pd.DataFrame, scope: Scope) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if frame.empty:
        return None
    return pd.Timestamp(frame["occurred_at"].min()).normalize(), pd.Timestamp(scope.end)
