"""Shared pieces for generated police-extract rows (offences and ASB): batches and the CSV writer."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from demo import places, timing

#: Share of generated police rows that give WGS84 latitude/longitude instead of
#: easting/northing (issue 2: "easting/northing for most rows and latitude/longitude for
#: some"); an assumption about the extract, not a published figure.
LATLON_SHARE = 0.15
#: Offences older than this on the extract date no longer show "Under investigation".
OPEN_CASE_SINCE = np.datetime64("2024-04-01T00:00", "m")

#: The police-extract columns written, in order (docs/formats.md).
COLUMNS = (
    "crime_ref", "occurred_at", "crime_type", "offence_group", "offence", "domestic_abuse",
    "alcohol_related", "hate", "easting", "northing", "latitude", "longitude", "location", "outcome",
)


@dataclass
class Places:
    """Candidate places for one batch: positions, location text and a weight each."""

    easting: np.ndarray
    northing: np.ndarray
    name: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame, weight) -> "Places":
        w = np.asarray(weight, dtype=float)
        return cls(frame["easting"].to_numpy(float), frame["northing"].to_numpy(float),
                   frame["name"].to_numpy(object), w)

    @classmethod
    def mix(cls, *parts: tuple["Places", float]) -> "Places":
        """Several sets of places, each taking a fixed share of the draws."""
        ws = [p.weight / p.weight.sum() * share for p, share in parts if share > 0 and p.weight.sum() > 0]
        kept = [p for p, share in parts if share > 0 and p.weight.sum() > 0]
        return cls(np.concatenate([p.easting for p in kept]), np.concatenate([p.northing for p in kept]),
                   np.concatenate([p.name for p in kept]), np.concatenate(ws))


def batch(rng: np.random.Generator, grid: timing.Grid, weight: np.ndarray, per_year, where: Places,
          **fields) -> pd.DataFrame:
    """Rows at times drawn from ``weight`` (``per_year`` per demo year) and places from ``where``.

    ``fields`` are constant columns (crime_type, component, ...).
    """
    when = timing.draw(rng, grid, weight, per_year)
    idx = places.pick(rng, where.weight, len(when))
    e, n = places.jitter(rng, where.easting[idx], where.northing[idx])
    frame = pd.DataFrame({"occurred_at": when, "easting": e, "northing": n, "location": where.name[idx]})
    for key, value in fields.items():
        frame[key] = value
    return frame


def choose(rng: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    """``size`` draws from {value: weight}."""
    keys = list(options)
    w = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=w / w.sum())]


def yes_no(mask: np.ndarray) -> np.ndarray:
    return np.where(mask, "Y", "N").astype(object)


def outcome_mix() -> dict[str, dict[str, float]]:
    """Last-outcome mix per crime type, from the real police.uk rows (January-April 2024)."""
    rows = places.police_uk_rows()
    rows = rows[rows["Last outcome category"] != ""]
    table = rows.groupby(["Crime type", "Last outcome category"]).size()
    return {t: {k: float(v) for k, v in table[t].items()} for t in table.index.get_level_values(0).unique()}


def outcomes(rng: np.random.Generator, crime_type: np.ndarray, when: np.ndarray) -> np.ndarray:
    """A police.uk last outcome per row, drawn from the real mix for its type; rows older than
    ``OPEN_CASE_SINCE`` are never still "Under investigation"."""
    mixes = outcome_mix()
    out = np.empty(len(crime_type), dtype=object)
    for t in sorted(set(crime_type)):
        rows = np.flatnonzero(crime_type == t)
        mix = mixes.get(t) or mixes["Violence and sexual offences"]
        old = when[rows] < OPEN_CASE_SINCE
        closed = {k: v for k, v in mix.items() if k != "Under investigation"}
        out[rows[~old]] = choose(rng, mix, int((~old).sum()))
        out[rows[old]] = choose(rng, closed, int(old.sum()))
    return out


def write(rng: np.random.Generator, frame: pd.DataFrame, path: Path, prefix: str) -> int:
    """Write ``frame`` as a police extract (DD/MM/YYYY HH:MM times), sorted by time, keyed
    ``{prefix}000001``...; returns the row count."""
    frame = frame.sort_values(["occurred_at", "crime_type", "easting", "northing"], kind="stable").reset_index(drop=True)
    east, north, lat, lon = places.fmt_position(rng, frame["easting"], frame["northing"], LATLON_SHARE)
    when = pd.DatetimeIndex(frame["occurred_at"]).strftime("%d/%m/%Y %H:%M")
    refs = [f"{prefix}{i:06d}" for i in range(1, len(frame) + 1)]
    cols = {
        "crime_ref": refs, "occurred_at": when, "easting": east, "northing": north, "latitude": lat,
        "longitude": lon,
    }
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        data = [cols[c] if c in cols else frame[c].fillna("").to_numpy(object) for c in COLUMNS]
        out.writerows(zip(*data))
    return len(frame)
