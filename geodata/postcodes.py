"""Offline postcode centroids (ONS NSPD) and postcode normalisation."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from ._files import POSTCODES_FILE

_COLUMNS = ("pcd7", "pcds", "lad25cd", "easting", "northing", "latitude", "longitude")

# UK postcode shape (BS 7666 letter rules): outward A9, A99, AA9, AA99, A9A or
# AA9A, then inward 9AA. Inward letters never include C, I, K, M, O or V.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_POSTCODE = re.compile(rf"({_OUTWARD}|GIR)([0-9][ABD-HJLNP-UW-Z]{{2}})")


@functools.cache
def _postcodes() -> pd.DataFrame:
    # Only empty cells are missing: no default NA strings, so nothing like
    # "NA" could ever be read as missing, and pcd7 keeps its inner spaces.
    text = {"pcd7": str, "pcds": str, "lad25cd": str}
    numbers = {c: "float64" for c in _COLUMNS[3:]}
    return pd.read_csv(
        POSTCODES_FILE,
        dtype={**text, **numbers},
        keep_default_na=False,
        na_values={c: [""] for c in _COLUMNS},
        usecols=list(_COLUMNS),
    )[list(_COLUMNS)]


def postcodes() -> pd.DataFrame:
    """ONS postcode centroids for Dartford, Gravesham and their DA outward codes.

    7,581 rows, including DA3 9ZZ and DA10 9ZZ, which have no LAD and no
    coordinates. Some rows are outside Dartford (``lad25cd`` tells).

    Returns
    -------
    pandas.DataFrame
        ``pcd7`` (ONS fixed width: "DA1 1AA", "DA101AA"), ``pcds`` (single
        space: "DA10 1AA"), ``lad25cd``, ``easting``/``northing`` (EPSG:27700
        metres), ``latitude``/``longitude`` (WGS84); a fresh copy.
    """
    return _postcodes().copy()


def postcodes_path() -> Path:
    """Path of the postcode CSV (header row, comma-separated, UTF-8), for
    loading it straight into DuckDB."""
    return POSTCODES_FILE


def normalise_postcode(text) -> str | None:
    """Put a user-typed postcode in the ``pcds`` form, or None if it is not one.

    Case, spaces (anywhere) and surrounding whitespace are ignored:
    ``"da1 1aa"``, ``"DA11AA"`` -> ``"DA1 1AA"``; ``" DA10 1AA "`` ->
    ``"DA10 1AA"``. Only the shape is checked, not that the postcode exists.

    Parameters
    ----------
    text : str
        Anything else (None, NaN, numbers) gives None.

    Returns
    -------
    str or None
    """
    if not isinstance(text, str):
        return None
    compact = "".join(text.split()).upper()
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}"
