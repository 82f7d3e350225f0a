"""Disclosure control for what leaves the dashboard: the ``internal`` and ``partner`` profiles.

Partnership meetings include people who may not see personal data. The
``partner`` profile (the default for packs) applies the usual statistical
disclosure rules for small counts:

- no incident points;
- every count from 1 to k-1 (k = 5) is suppressed, and so is a second cell
  wherever a total would otherwise give a suppressed cell back by subtraction
  (complementary suppression, row by row and column by column);
- sexual offences and domestic-abuse-flagged incidents never appear below LSOA
  level (not on grids, surfaces or clusters, only in LSOA or area totals);
- dates at week or month only;
- a kernel density bandwidth of at least ``min_bandwidth_m`` so no surface
  peaks on one address.

police.uk rows are already published and anonymised (snap points, months) and
do not say which violent crimes were sexual: the category "Violence and sexual
offences" stays as police.uk publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: What a suppressed count shows (as the ONS marks confidential cells): one mark for
#: small counts and for the cells hidden to protect them, so neither can be told apart.
HIDDEN = "[c]"

#: Offence groups and sub-categories treated as sexual offences.
SEXUAL_GROUPS = ("sexual offences",)
SEXUAL_WORDS = ("rape", "sexual", "voyeurism", "exposure")


@dataclass(frozen=True)
class Profile:
    """How much detail an export may show."""

    name: str
    k: int  # counts from 1 to k-1 are suppressed; 1 means nothing is
    points: bool  # incident points allowed
    sensitive_min_level: str  # "point" or "lsoa": finest level for sexual and domestic-abuse incidents
    date_grain: str  # "minute", "week" or "month"
    min_bandwidth_m: float  # smallest KDE bandwidth

    @property
    def suppresses(self) -> bool:
        return self.k > 1

    def statement(self) -> str:
        """One sentence every export carries."""
        if self.name == "internal":
            return ("Disclosure profile: internal. Contains incident-level detail: for partnership members "
                    "entitled to it only.")
        return (f"Disclosure profile: {self.name}. Counts from 1 to {self.k - 1}, and cells that would reveal "
                f"them through a total, are shown as {HIDDEN}; no incident points; "
                f"sexual offences and domestic abuse only at LSOA level or above; dates by {self.date_grain}; "
                f"density bandwidth at least {self.min_bandwidth_m:g} m.")


INTERNAL = Profile("internal", k=1, points=True, sensitive_min_level="point", date_grain="minute",
                   min_bandwidth_m=0.0)
PARTNER = Profile("partner", k=5, points=False, sensitive_min_level="lsoa", date_grain="week",
                  min_bandwidth_m=300.0)
PROFILES = {p.name: p for p in (INTERNAL, PARTNER)}


def profile(name: str | Profile) -> Profile:
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown disclosure profile {name!r}; choose {' or '.join(PROFILES)}") from None


def sensitive(frame: pd.DataFrame) -> np.ndarray:
    """True for sexual offences and domestic-abuse-flagged incidents (columns absent: none)."""
    n = len(frame)
    out = np.zeros(n, dtype=bool)
    if "domestic_abuse" in frame:
        out |= frame["domestic_abuse"].fillna(False).astype(bool).to_numpy()
    if "offence_group" in frame:
        out |= frame["offence_group"].fillna("").str.lower().isin(SEXUAL_GROUPS).to_numpy()
    for column in ("category", "subcategory"):
        if column in frame:
            text = frame[column].fillna("").str.lower()
            # "Violence and sexual offences" is police.uk's combined category: not by itself sexual.
            hit = text.str.contains("|".join(SEXUAL_WORDS)) & (text != "violence and sexual offences")
            out |= hit.to_numpy()
    return out


def below_lsoa_frame(frame: pd.DataFrame, prof: Profile) -> pd.DataFrame:
    """The incidents that may be shown below LSOA level (grids, surfaces, clusters) under ``prof``."""
    if prof.sensitive_min_level == "point":
        return frame
    return frame[~sensitive(frame)]


def coarsen_dates(times: pd.Series, prof: Profile) -> pd.Series:
    """Times cut to the profile's grain: the Monday of the week, or the first of the month."""
    t = pd.to_datetime(times)
    if prof.date_grain == "week":
        return (t - pd.to_timedelta(t.dt.day_of_week, unit="D")).dt.normalize()
    if prof.date_grain == "month":
        return t.dt.to_period("M").dt.start_time
    return t


def _small(values: np.ndarray, k: int) -> np.ndarray:
    return (values >= 1) & (values < k)


def suppress_matrix(counts: np.ndarray, k: int, *, row_totals: bool = True, col_totals: bool = True) -> np.ndarray:
    """Cells to hide in a table of counts whose row and column totals are shown.

    Primary: every count from 1 to k-1. Complementary: while a row (or column)
    whose total is shown has exactly one hidden cell, or hidden cells adding up to
    less than k, hide its smallest other non-zero cell too, so subtraction from
    the total gives back neither a hidden count nor a small sum of them. A total that is
    itself small is hidden by the caller (see :func:`suppress_table`).
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim == 1:
        c = c[:, None]
    hide = _small(c, k)
    if k <= 1:
        return hide.reshape(np.shape(counts))
    changed = True
    while changed:
        changed = False
        for axis, shown in ((1, row_totals), (0, col_totals)):
            if not shown:
                continue
            lines = hide if axis == 1 else hide.T
            values = c if axis == 1 else c.T
            for i in range(lines.shape[0]):
                hidden_sum = values[i][lines[i]].sum()
                if lines[i].sum() == 1 or 0 < hidden_sum < k:
                    candidates = np.where(~lines[i] & (values[i] > 0), values[i], np.inf)
                    if np.isfinite(candidates).any():
                        j = int(np.argmin(candidates))
                        if axis == 1:
                            hide[i, j] = True
                        else:
                            hide[j, i] = True
                        changed = True
    return hide.reshape(np.shape(counts))


def suppress_table(table: pd.DataFrame, count_columns: list[str], prof: Profile, *,
                   total_row: bool = False, parts_of_row: bool = False, label: str | None = None) -> pd.DataFrame:
    """A copy of ``table`` with small counts, and what would reveal them, shown as ``[c]``.

    Each count column is taken to add up to a total a reader knows or can work
    out, so complementary suppression always runs down the columns; with
    ``parts_of_row`` (the columns split one row total, such as counts by day) it
    runs along the rows too. ``total_row`` appends the column totals, each
    hidden when it is itself small.
    """
    out = table.copy()
    if not prof.suppresses or out.empty:
        if total_row and not out.empty:
            out = _with_total(out, count_columns, label)
        return out
    counts = out[count_columns].fillna(0).to_numpy(float)
    hide = suppress_matrix(counts, prof.k, row_totals=parts_of_row, col_totals=True)
    if total_row:
        out = _with_total(out, count_columns, label)
        totals = counts.sum(axis=0)
        hide = np.vstack([hide, _small(totals, prof.k)])
    masked = HIDDEN
    for j, column in enumerate(count_columns):
        out[column] = out[column].astype(object)
        out.loc[hide[:, j], column] = masked
    return out


def _with_total(table: pd.DataFrame, count_columns: list[str], label: str | None) -> pd.DataFrame:
    total = {c: table[c].fillna(0).sum() for c in count_columns}
    first = table.columns[0]
    if first not in count_columns:
        total[first] = label or "Total"
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def suppress_cells(cells: pd.DataFrame, prof: Profile, count_column: str = "count") -> pd.DataFrame:
    """Grid cells or areas for a map: those with a count from 1 to k-1 are dropped.

    Cells stand alone on a map (no total is printed beside them), so no
    complementary suppression is needed; totals printed elsewhere go through
    :func:`suppress_table`.
    """
    if not prof.suppresses or cells.empty:
        return cells
    return cells[~_small(cells[count_column].fillna(0).to_numpy(float), prof.k)]


def format_count(value: float | int, prof: Profile) -> str:
    """A single count for text: ``[c]`` when it is small under ``prof``."""
    if prof.suppresses and 1 <= value < prof.k:
        return HIDDEN
    return f"{int(value):,}"


def small_counts(values, prof: Profile) -> int:
    """How many of ``values`` are numeric counts from 1 to k-1 (0 when the output is safe)."""
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(float)
    return int(_small(v[np.isfinite(v)], prof.k).sum()) if prof.suppresses else 0
