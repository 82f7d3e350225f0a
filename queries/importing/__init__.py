"""Importing files into the store: one transaction per file, every row accounted for.

>>> from queries.store import connect
>>> from queries.importing import import_file
>>> report = import_file(connect(), "police-uk", "2024-01-kent-street.csv")  # doctest: +SKIP
>>> print(report.summary())  # doctest: +SKIP
"""

from datetime import datetime
from pathlib import Path

import duckdb

from queries import audit
from queries.importing.errors import ImportFailed, ImportReport
from queries.importing.kind import Kind
from queries.importing.pipeline import Progress, run_import
from queries.importing.placing import AREAS

from queries.importing import fires, fly_tipping, police_extract, police_uk

KINDS: dict[str, Kind] = {k.name: k for k in (police_uk.KIND, police_extract.KIND, fly_tipping.KIND, fires.KIND)}

__all__ = ["AREAS", "KINDS", "ImportFailed", "ImportReport", "import_file"]


def import_file(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: str | Path,
    *,
    source: str | None = None,
    within: str = "dartford",
    mapping: str | Path | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    actor: str | None = None,
    role: str | None = None,
) -> ImportReport:
    """Import one file into the store at ``con``.

    Parameters
    ----------
    kind : one of ``KINDS`` (``police-uk``, ``police-extract``, ``fly-tipping``, ``fires``, ``generic``).
    path : the file.
    source : the source name stored with each row (default: the kind's, e.g. ``police.uk``).
        Rows are de-duplicated on (source, the source's record key).
    within : ``"dartford"`` keeps rows inside the borough and counts the rest as outside;
        ``"none"`` keeps every row.
    mapping : the TOML mapping file, for ``generic`` only.
    progress : called as ``progress(fraction, message)``.
    now : the reference time for "in the future" checks (default: now).
    actor, role : who imports, for the audit log. With an ``actor``, the import is
        audited in its own transaction; a file that cannot be imported is audited
        as failed (after the rollback).

    Returns
    -------
    ImportReport

    Raises
    ------
    ImportFailed
        The file cannot be imported at all; the store is unchanged.
    """
    path = Path(path)
    try:
        return _import(con, kind, path, source=source, within=within, mapping=mapping, progress=progress,
                       now=now, actor=actor, role=role)
    except ImportFailed as exc:
        if actor is not None:
            audit.record(con, actor, "import", role=role, outcome="failed",
                         detail={"file": path.name, "kind": kind, "source": source, "why": str(exc)})
        raise


def _import(con, kind: str, path: Path, *, source, within, mapping, progress, now, actor, role) -> ImportReport:
    if kind == "generic":
        from queries.importing import generic

        if mapping is None:
            raise ImportFailed(path, "the generic importer needs a mapping file (--mapping FILE)")
        spec, src = generic.prepare(path, Path(mapping))
        return run_import(con, spec, path, source=source or spec.default_source, within=within,
                          progress=progress, now=now, src=src, actor=actor, role=role)
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted([*KINDS, 'generic'])}, not {kind!r}")
    return run_import(con, KINDS[kind], path, source=source, within=within, progress=progress, now=now,
                      actor=actor, role=role)
