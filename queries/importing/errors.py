"""Errors and the per-import report."""

from dataclasses import dataclass, field
from pathlib import Path


class ImportFailed(Exception):
    """The whole file was refused; the store is unchanged. The message names the file and why."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class ImportReport:
    """What one file's import did. ``read == accepted + rejected + outside + duplicate``."""

    file: str
    kind: str
    source: str
    within: str
    import_id: int | None = None
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    outside: int = 0
    duplicate: int = 0
    no_location: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: The first few rejected rows as (line, reason), for messages.
    sample_rejects: list[tuple[int | None, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for a terminal or a status box."""
        parts = [
            f"{self.file}: {self.read:,} rows read, {self.accepted:,} accepted",
            f"{self.duplicate:,} already in the store",
            f"{self.rejected:,} rejected",
        ]
        if self.within != "none":
            parts.append(f"{self.outside:,} outside {self.within}")
        text = ", ".join(parts) + f" ({self.seconds:.2f} s)."
        if self.no_location:
            fate = (
                "kept without a position: counted in totals, not mapped"
                if self.within == "none"
                else f"cannot be placed in {self.within}, counted as outside"
            )
            text += f" {self.no_location:,} rows have no location ({fate})."
        for note in self.notes:
            text += f" {note}"
        for line, reason in self.sample_rejects:
            where = f"line {line}" if line else "a line"
            text += f"\n  {self.file} {where}: {reason}"
        if self.rejected > len(self.sample_rejects):
            text += f"\n  ... see `python -m hotspots info` or the rejected_rows table (import {self.import_id})"
        return text
