"""Matching a file's header to the columns an importer needs."""

import re
from dataclasses import dataclass

from queries.importing.errors import ImportFailed


@dataclass(frozen=True)
class Column:
    """A column an importer reads: its name, the other names it goes by, and whether it must be there."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def normalise(name: str) -> str:
    """``'Crime ID'``, ``'crime_id'`` and ``'CRIME-ID'`` all become ``'crimeid'``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def resolve(path, header: list[str], columns: list[Column], *, one_of: tuple[tuple[str, ...], ...] = ()) -> dict[str, str]:
    """Map each wanted column to its staging column (``c0``, ``c1``...).

    Raises ``ImportFailed`` naming every missing required column, the names it would
    accept, and the columns the file does have.
    """
    index = {}
    for i, h in enumerate(header):
        index.setdefault(normalise(h), f"c{i}")
    found, missing = {}, []
    for col in columns:
        for candidate in (col.name, *col.aliases):
            key = normalise(candidate)
            if key in index:
                found[col.name] = index[key]
                break
        else:
            if col.required:
                missing.append(col)
    problems = [
        f"missing column {c.name!r}" + (f" (also accepted: {', '.join(repr(a) for a in c.aliases)})" if c.aliases else "")
        for c in missing
    ]
    for group in one_of:
        if not any(all(name in found for name in option.split("+")) for option in group):
            problems.append("no position: needs one of " + ", ".join(o.replace("+", " and ") for o in group))
    if problems:
        shown = ", ".join(repr(h) for h in header[:20]) + (" ..." if len(header) > 20 else "")
        raise ImportFailed(path, "; ".join(problems) + f". The file's columns are: {shown}")
    return found
