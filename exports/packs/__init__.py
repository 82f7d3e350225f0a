"""Multi-page PDF packs for meetings and cron: weekly violence, wildfire prevention, fly-tipping patrols.

The API (stable: the CLI and the app's export buttons call it)::

    from exports.packs import build_pack, write_pack, pack_bytes, PackError, KINDS

    pages = build_pack("violence", con, week="2024-W10")              # list of matplotlib Figures
    path = write_pack("wildfire", con, "out/wildfire.pdf", season="summer 2025")
    data = pack_bytes("fly-tipping", con, week="2024-W10", profile="internal")  # PDF bytes, for a download

- ``kind``: ``"violence"``, ``"wildfire"`` or ``"fly-tipping"`` (:data:`KINDS`);
- ``con``: a DuckDB connection to the store (read-only is enough);
- ``week`` (violence, fly-tipping): ``"2024-W10"``, any date in the week (``"2024-03-04"``,
  a ``date``), or None for the default (violence: the last complete week of the data;
  fly-tipping: the week after the data end, the week to plan);
- ``season`` (wildfire): ``"summer 2025"``, ``"winter 2024-25"``, or None for the season the data run
  into. A season that began inside the data is planned from the data before it began;
- ``profile``: ``"partner"`` (the default) or ``"internal"`` (:mod:`exports.disclosure`);
- ``source``: the store's source (default: the one with most exact times for the layer);
- ``area``: ``borough`` (default), ``nte``, ``bluewater``, ``heath`` or an LSOA code;
- ``tiles``: try OpenStreetMap tiles under the maps (a failure draws the maps without them
  and says so); ``fetch_tile`` replaces the tile fetch (tests).

Every user error (a bad week or season, a week outside the data, a month-only source for a
weekly pack, an unknown area or profile) raises :class:`PackError` (a ``ValueError``) whose
message says what to do. Each Figure carries ``sheet_info`` (the :class:`exports.sheet.SheetInfo`
of its page). The pages of each pack are listed in its module's docstring.
"""

from __future__ import annotations

import re
import tempfile
import time
from datetime import date
from pathlib import Path

from exports import files
from exports.packs.common import PackError

KINDS = ("violence", "wildfire", "fly-tipping")

__all__ = ["build_pack", "write_pack", "pack_bytes", "timed_pack", "parse_week", "PackError", "KINDS"]

_ISO_WEEK = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


def parse_week(value) -> date | None:
    """The Monday of ``value``: ``"2024-W10"``, a ``YYYY-MM-DD`` date in the week, a date, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        d = value
    else:
        text = str(value)
        m = _ISO_WEEK.match(text)
        try:
            d = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1) if m else date.fromisoformat(text.strip())
        except ValueError:
            raise PackError(f"week {text!r} is not a week: write it as 2024-W10 (ISO year and week, 1 to 52 or 53) "
                            "or as a date in the week (2024-03-04)") from None
    return date.fromordinal(d.toordinal() - d.weekday())


def build_pack(kind: str, con, *, week=None, season=None, profile: str = "partner", source: str | None = None,
               area: str = "borough", tiles: bool = True, fetch_tile=None) -> list:
    """The pages of a pack as matplotlib Figures (A4 landscape); raises :class:`PackError`."""
    from exports import disclosure as D

    if kind not in KINDS:
        raise PackError(f"unknown pack {kind!r}; choose one of {', '.join(KINDS)}")
    try:
        D.profile(profile)
        import geodata

        geodata.area_geometry(area)
    except (ValueError, TypeError) as exc:
        raise PackError(str(exc)) from None
    common = {"profile": profile, "source": source, "area": area, "tiles": tiles, "fetch_tile": fetch_tile}
    if kind == "wildfire":
        if week is not None:
            raise PackError("the wildfire pack is made for a season (season='summer 2025'), not a week")
        from exports.packs.wildfire import wildfire_pack

        return wildfire_pack(con, season=season, **common)
    if season is not None:
        raise PackError(f"the {kind} pack is made for a week (week='2024-W10'), not a season")
    monday = parse_week(week)
    if kind == "violence":
        from exports.packs.violence import violence_pack

        return violence_pack(con, week=monday, **common)
    from exports.packs.fly_tipping import fly_tipping_pack

    return fly_tipping_pack(con, week=monday, **common)


def write_pack(kind: str, con, path, **kw) -> Path:
    """Build the pack and write it as one PDF at ``path`` (its folder is created); returns the path.

    Keyword arguments as :func:`build_pack`. Nothing is written when the pack cannot be made.
    """
    return _write(build_pack(kind, con, **kw), path)


def timed_pack(kind: str, con, path, **kw) -> tuple[Path, int, float]:
    """:func:`write_pack`, with the number of pages and the seconds it took (for status lines)."""
    t0 = time.perf_counter()
    pages = build_pack(kind, con, **kw)
    return _write(pages, path), len(pages), time.perf_counter() - t0


def pack_bytes(kind: str, con, **kw) -> bytes:
    """The pack's PDF as bytes (for a download button); keyword arguments as :func:`build_pack`."""
    with tempfile.TemporaryDirectory() as tmp:
        return write_pack(kind, con, Path(tmp) / "pack.pdf", **kw).read_bytes()


def _write(pages: list, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a cron job never leaves half a PDF under the real name.
    tmp = path.with_name(f".{path.name}.part")
    try:
        files.to_pdf(pages, tmp, title=pages[0].get_label().rsplit(":", 1)[0])
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
