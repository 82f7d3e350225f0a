"""A disclosure profile applied to an analysis: what an export may show.

:func:`prepare` takes a ``briefings.explore.Analysis`` and a profile
(:mod:`exports.disclosure`) and returns a :class:`Prepared`: the result to draw,
the result table with geometry, the incidents to draw (only where the profile
allows points) and notes saying what the profile changed. Under ``partner``:

- the ``points`` method is refused (no incident points);
- sexual offences and domestic-abuse-flagged incidents are removed and the method
  is run again on the rest (they may appear only in LSOA or area totals). The
  flags are not among the map columns an analysis reads, so they are read from
  the store (``con``) when the incidents could carry them; without ``con`` the
  export is refused with a clear message;
- a KDE whose bandwidth is under ``min_bandwidth_m`` is run again at that bandwidth;
- hot spots, clusters and cells with a count from 1 to k-1 are dropped
  (``suppress_cells``); a change cell also when its baseline count is small;
  counts inside text ("Shoplifting (3)") and other count columns are hidden
  (``suppress_table``); dates are coarsened (``coarsen_dates``);
- an analysis of 1 to k-1 incidents in all is refused: every figure would reveal them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from exports import disclosure as D
from hotspots.params import Parameter

#: Columns ``disclosure.sensitive`` needs beyond the map columns.
FLAG_COLUMNS = ("offence_group", "domestic_abuse")
#: police.uk rows carry no flags and no sexual-offence detail.
POLICE_UK_SOURCE = "police.uk"
#: Parameters that describe the query, not the method (``briefings.explore``).
QUERY_PARAMETERS = ("source", "layers", "categories", "area", "dates")


class DisclosureRefused(ValueError):
    """The profile does not allow this export; the message says why and what to do."""


@dataclass
class Prepared:
    analysis: Any  # the Analysis shown (run again when the profile required it)
    profile: D.Profile
    result: Any  # what is drawn: small hot spots, clusters and cells removed
    geo: Any  # the result table with geometry (BNG), disclosure applied; None for nothing
    points: pd.DataFrame | None  # incidents to draw as points (internal only)
    noise: int | None = None  # DBSCAN: incidents in no cluster shown
    notes: list[str] = field(default_factory=list)
    summary: str = ""
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------
# Running the method again
# --------------------------------------------------------------------------------------


def _given(parameters: dict, method: str, name: str):
    p = parameters.get(name) or parameters.get(f"{method}_{name}")
    return None if p is None or p.chosen_automatically else p.value


def _bandwidth(result) -> float:
    p = result.parameters.get("bandwidth")
    return float(p.value) if p is not None else 0.0


def _run(method: str, scope, sel, parameters: dict, min_bandwidth: float):
    """The method on ``sel`` with the parameters the user gave (the rest chosen again from the data)."""
    g = lambda name: _given(parameters, method, name)  # noqa: E731
    if method == "kde":
        from hotspots.kde import hotspot_kde

        kernel = parameters["kernel"].value if "kernel" in parameters else "quartic"
        extra = {"threshold": g("threshold")} if g("threshold") is not None else {}
        bw = g("bandwidth")
        bw = max(float(bw), min_bandwidth) if bw is not None and min_bandwidth else bw

        def kde(b):
            return hotspot_kde(sel.xy, boundary=sel.area, cell_size=g("cell_size"), bandwidth=b, kernel=kernel,
                               **extra)

        r = kde(bw)
        if min_bandwidth and _bandwidth(r) < min_bandwidth:
            r = kde(min_bandwidth)
        return r
    if method == "dbscan":
        from hotspots.dbscan import hotspot_dbscan

        clustering = parameters["method"].value if "method" in parameters else "dbscan"
        return hotspot_dbscan(sel.incidents.reset_index(drop=True), eps=g("eps"), min_samples=g("min_samples"),
                              method=clustering, area=sel.area)
    if method == "gistar":
        from hotspots.gistar import hotspot_gistar

        return hotspot_gistar(sel.xy, boundary=sel.area, cell_size=g("cell_size"), distance=g("distance"))
    if method == "change":
        from geodata import focus_areas
        from hotspots.change import hotspot_change

        frame = sel.frame
        coverage = (pd.Timestamp(frame["occurred_at"].min()).normalize(), pd.Timestamp(scope.end)) if len(frame) else None
        return hotspot_change(frame, boundary=sel.area, areas=focus_areas() if scope.area == "borough" else None,
                              period=_period_of(parameters), period_length=g("period_length"),
                              baseline=g("baseline"), cell_size=g("cell_size"), coverage=coverage)
    if method == "classify":
        from hotspots.classify import hotspot_classify

        return hotspot_classify(sel.frame, boundary=sel.area, period_length=g("period_length"),
                                cell_size=g("cell_size"), distance=g("distance"),
                                coverage=(pd.Timestamp(scope.start), pd.Timestamp(scope.end)))
    raise ValueError(f"cannot run {method!r} again")


def _period_of(parameters: dict):
    return parameters["_period"].value if "_period" in parameters else None


def rerun(analysis, frame: pd.DataFrame, inside: np.ndarray, *, min_bandwidth: float = 0.0, profile_name: str = ""):
    """``analysis`` run again on the incidents ``frame`` (``inside`` marks those in the area)."""
    sel = replace(analysis.selection, frame=frame.reset_index(drop=True), inside=np.asarray(inside, dtype=bool))
    params = dict(analysis.parameters)
    if analysis.method == "change" and analysis.result is not None:
        # The same period as the analysis, even if the removed rows moved the data's last date.
        params["_period"] = Parameter("_period", analysis.result.period, "", "", False)
    if sel.count == 0:
        raise DisclosureRefused("no incidents are left once the profile's rules are applied: nothing to export")
    r = _run(analysis.method, analysis.scope, sel, params, min_bandwidth)
    merged = {k: v for k, v in analysis.parameters.items() if k in QUERY_PARAMETERS}
    for name, p in r.parameters.items():
        merged[f"{analysis.method}_{name}" if name in QUERY_PARAMETERS else name] = p
    if analysis.method == "change" and "period" in analysis.parameters:
        merged["period"] = analysis.parameters["period"]  # the analysis's own period, and why it was chosen
    old = analysis.parameters.get("bandwidth")
    if analysis.method == "kde" and min_bandwidth and old is not None and float(old.value) < min_bandwidth <= _bandwidth(r):
        used = _bandwidth(r)
        merged["bandwidth"] = Parameter(
            "bandwidth", used, "m",
            f"raised from {float(old.value):,.0f} m to the {profile_name} profile's minimum of {min_bandwidth:g} m, "
            "so no surface peaks on one address", False)
    return replace(analysis, selection=sel, result=r, parameters=merged, warnings=tuple(r.warnings),
                   summary=r.summary().splitlines()[0])


# --------------------------------------------------------------------------------------
# Sensitive incidents
# --------------------------------------------------------------------------------------


def flagged_selection(analysis, con):
    """The analysis's selection with the columns ``disclosure.sensitive`` needs (read again when missing)."""
    sel = analysis.selection
    frame = sel.frame
    if all(c in frame for c in FLAG_COLUMNS) or frame.empty:
        return sel
    layer = frame["layer"] if "layer" in frame else pd.Series("offence", index=frame.index)
    source = frame["source"] if "source" in frame else pd.Series("", index=frame.index)
    if not (layer.eq("offence") & ~source.eq(POLICE_UK_SOURCE)).any():
        return sel  # no offences that could carry a flag (police.uk rows carry none)
    if con is None:
        raise DisclosureRefused(
            "the partner profile keeps sexual offences and domestic-abuse-flagged incidents above LSOA level, and "
            "this analysis did not read those flags: pass con= (the store) to export_analysis so they can be read")
    from briefings.scope import select
    from queries.incidents import MAP_COLUMNS

    return select(con, sel.scope, tuple(dict.fromkeys((*MAP_COLUMNS, *frame.columns, *FLAG_COLUMNS))))


# --------------------------------------------------------------------------------------
# Tables and text
# --------------------------------------------------------------------------------------

#: Counts in sentences: "3 incidents", "3 of 40", "2 fires", "(3)"; never the decimals of "0.4 incidents".
_COUNT_WORDS = re.compile(r"(?<![\d.,])\b(\d[\d,]*)(?=\s+(?:of|incidents?|crimes?|rows?|records?|with|fires?|"
                          r"fly-tips?|sexual)\b)")
_PAREN_COUNT = re.compile(r"\((\d[\d,]*)\)")


def scrub(text: str, prof: D.Profile) -> str:
    """``text`` with counts from 1 to k-1 ("3 incidents", "3 of 40", "(3)") shown as ``[c]``."""
    if not prof.suppresses or not text:
        return text

    def hide(m: re.Match) -> str:
        value = int(m.group(1).replace(",", ""))
        return m.group(0).replace(m.group(1), D.HIDDEN, 1) if 1 <= value < prof.k else m.group(0)

    return _PAREN_COUNT.sub(hide, _COUNT_WORDS.sub(hide, text))


def coarsen_table(table: pd.DataFrame, prof: D.Profile) -> pd.DataFrame:
    """Every date column cut to the profile's grain."""
    out = table.copy()
    for column in out.columns:
        if column != "geometry" and pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = D.coarsen_dates(out[column], prof)
    return out


def result_table(method: str, result, selection=None):
    """The result's table with geometry (BNG), in the order the page shows it."""
    import geopandas as gpd

    if method == "kde":
        return result.hotspots.copy()
    if method == "dbscan":
        return result.clusters.copy()
    if method == "gistar":
        cells = result.cells
        return cells[cells["gi_bin"] != 0].sort_values("z", ascending=False).reset_index(drop=True)
    if method == "change":
        cells = result.cells
        keep = (cells["count"] > 0) | (cells["class"] != "no change")
        return cells[keep].sort_values("p_fdr", kind="stable").reset_index(drop=True)
    if method == "classify":
        cells = result.cells
        keep = cells["pattern"].astype(str).str.lower() != "no pattern detected"
        keep |= cells["chainey"].fillna("").astype(str) != ""
        return cells[keep].reset_index(drop=True)
    if method == "points":
        frame = selection.incidents.reset_index(drop=True)
        frame = frame.drop(columns=[c for c in ("longitude", "latitude") if c in frame])
        return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["easting"], frame["northing"]),
                                crs="EPSG:27700")
    raise ValueError(f"unknown method {method!r}")


def _small(values, prof: D.Profile) -> np.ndarray:
    v = pd.to_numeric(pd.Series(values), errors="coerce").fillna(0).to_numpy(float)
    return (v >= 1) & (v < prof.k)


def protect_result(method: str, result, prof: D.Profile):
    """``(result, noise, notes)``: the result with small hot spots, clusters and cells removed."""
    if not prof.suppresses or result is None:
        return result, getattr(result, "noise", None), []
    k1 = f"1 to {prof.k - 1}"
    if method == "kde":
        kept = D.suppress_cells(result.hotspots, prof, "incidents")
        dropped = len(result.hotspots) - len(kept)
        notes = [f"{dropped} hot spot(s) with an incident count from {k1} are not outlined ({prof.name} profile)."] \
            if dropped else []
        return replace(result, hotspots=kept.reset_index(drop=True)), None, notes
    if method == "dbscan":
        clusters = result.clusters
        # Drawn with their tooltips (dates, main categories), so those are protected here too.
        kept = _dates_and_text(D.suppress_cells(clusters, prof, "count"), prof)
        dropped_n = int(clusters["count"].sum() - kept["count"].sum()) if len(clusters) else 0
        noise = int(result.noise) + dropped_n
        notes = []
        if len(kept) < len(clusters):
            notes.append(f"Clusters with an incident count from {k1} are not shown; their incidents count as "
                         "in no cluster shown.")
        return replace(result, clusters=kept, profiles={}, noise=noise), noise, notes
    if method == "gistar":
        small = result.mask & (result.counts >= 1) & (result.counts < prof.k) & (result.gi_bin != 0)
        notes = [f"{int(small.sum()):,} Gi* cells with an incident count from {k1} are not drawn ({prof.name} profile)."] \
            if small.any() else []
        return replace(result, gi_bin=np.where(small, 0, result.gi_bin).astype(result.gi_bin.dtype)), None, notes
    if method in ("change", "classify"):
        cells = result.cells
        small = _small(cells["count"], prof)
        if method == "change":
            small |= _small(cells["baseline"], prof)
        kept = cells[~small]
        extra = {}
        if method == "change" and result.areas is not None and len(result.areas):
            areas = result.areas
            extra["areas"] = areas[~(_small(areas["count"], prof) | _small(areas["baseline"], prof))]
        what = "period or baseline count" if method == "change" else "count"
        notes = [f"Cells with a {what} from 1 to {prof.k - 1} are not drawn ({prof.name} profile)."] \
            if small.any() else []
        return replace(result, cells=kept, **extra), None, notes
    return result, None, []


def _dates_and_text(table, prof: D.Profile):
    out = coarsen_table(table, prof)
    if prof.suppresses and "main_categories" in out and not out.empty:
        out["main_categories"] = out["main_categories"].map(lambda t: scrub(t, prof) if isinstance(t, str) else t)
    return out


def protect_table(method: str, table, prof: D.Profile):
    """Counts inside text and secondary count columns hidden; dates coarsened."""
    out = _dates_and_text(table, prof)
    if not prof.suppresses or out.empty:
        return out
    parts = [c for c in ("timed", "untimed") if c in out]
    if parts:
        out = D.suppress_table(out, parts, prof, parts_of_row=True)
    return out


def change_summary(result, prof: D.Profile) -> str:
    t = result.total
    cells = result.cells
    classes = cells["class"].value_counts() if len(cells) else pd.Series(dtype=int)
    base = result.parameters["baseline"].value
    expected = ""
    if not (1 <= t["baseline"] < prof.k):
        expected = f", {t['expected']:,.1f} expected"
    return (f"{result.period.label} against the {base}: {D.format_count(t['count'], prof)} incidents{expected}; "
            f"{int(classes.get('significant rise', 0))} cells shown with a significant rise, "
            f"{int(classes.get('rise', 0))} rising, {int(classes.get('fall', 0))} falling")


# --------------------------------------------------------------------------------------
# The whole
# --------------------------------------------------------------------------------------


def prepare(analysis, profile="partner", con=None) -> Prepared:
    """Apply ``profile`` to ``analysis`` (see the module docstring); raises DisclosureRefused."""
    prof = D.profile(profile)
    a, notes = analysis, []
    if a.method == "points" and not prof.points:
        raise DisclosureRefused(
            f"the {prof.name} profile shows no incident points: export a method that aggregates them "
            "(kde, dbscan, gistar, change or classify), or use the internal profile")
    if a.method != "points" and a.result is not None:
        keep, min_bw = None, 0.0
        if prof.sensitive_min_level != "point":
            sel = flagged_selection(a, con)
            sens = D.sensitive(sel.frame)
            if sens.any():
                keep = (sel, ~sens)
                n = int((sens & sel.inside).sum())
                notes.append(f"{D.format_count(n, prof)} sexual or domestic-abuse-flagged incidents in the area are "
                             f"left out of this map (allowed only at LSOA level or above); the method was run again "
                             "on the rest.")
        if a.method == "kde" and _bandwidth(a.result) < prof.min_bandwidth_m:
            min_bw = prof.min_bandwidth_m
            notes.append(f"KDE bandwidth raised to at least {min_bw:g} m ({prof.name} profile).")
        if keep is not None or min_bw:
            sel, mask = keep if keep is not None else (a.selection, np.ones(len(a.selection.frame), dtype=bool))
            a = rerun(replace(a, selection=sel), sel.frame[mask], sel.inside[mask], min_bandwidth=min_bw,
                      profile_name=prof.name)
    n_in = int(a.selection.inside.sum())
    if prof.suppresses and 1 <= n_in < prof.k:
        raise DisclosureRefused(
            f"only {D.HIDDEN} incidents (fewer than {prof.k}) are analysed: under the {prof.name} profile every "
            "figure would reveal them; widen the filters or use the internal profile")
    result, noise, more = protect_result(a.method, a.result, prof)
    notes += more
    geo = protect_table(a.method, result_table(a.method, result, a.selection), prof)
    points = a.selection.incidents if (prof.points and a.method == "points") else None
    if a.method == "change" and result is not None:
        summary = change_summary(result, prof)
    elif a.method == "dbscan" and result is not None:
        summary = (f"{len(result.clusters)} clusters shown holding {D.format_count(result.n_incidents - noise, prof)} "
                   f"of {D.format_count(result.n_incidents, prof)} incidents; {D.format_count(noise, prof)} in no "
                   "cluster shown")
    elif result is not None:
        summary = scrub(result.summary().splitlines()[0], prof)
    else:
        summary = scrub(a.summary, prof)
    warnings = tuple(scrub(w, prof) for w in (*a.warnings, *a.selection.notes()))
    return Prepared(a, prof, result, geo, points, noise, notes, summary, warnings)
