"""The Export panel every map view shows: files on demand, under a disclosure profile.

Nothing is generated on a rerun. A format's button makes the file (about a second,
more for a pack) and a download button then offers it; the file is cached on the
view's inputs, the format, the profile and the options (``st.cache_data``), and the
files made for a view are kept in the session (``st.session_state["export:<view>"]``)
for as long as those stay the same, so they are still offered after other widgets
rerun the page. Changing the profile or the view's filters withdraws them: a file
never outlives the choices it was made under.

Every file made is audited (who, the view, its filters, the format and profile).
Viewers export under the partner profile only.

A page passes what it shows as ``write(fmt, path, profile, *, con, dpi, tiles) -> Path``:
``functools.partial(exports.analysis_export.export_analysis, analysis)`` on Explore,
``partial(exports.views.export_view, "violence", b=briefing)`` on a tasking view. All
generation lives in ``exports``; this module only lays out widgets.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import streamlit as st

from app_views import common, reads
from exports import disclosure as D
from exports.view_export import FORMATS, MIMES, file_name

LABELS = {"png": "PNG", "pdf": "PDF", "html": "HTML", "geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV"}
HELP = {
    "png": "The map sheet as an A4 landscape image: title, legend, scale bar, north arrow, method and caveats.",
    "pdf": "The map sheet, then a page with every parameter and the view's tables.",
    "html": "The interactive map in one file that opens offline (basemap tiles still need internet).",
    "geojson": "The map's features (hot spots, zones or clusters) in WGS84, with the parameters.",
    "gpkg": "The map's features in British National Grid, with parameters and about tables (QGIS, ArcGIS).",
    "csv": "The view's table for a spreadsheet (cells starting with = + - @ are neutralised).",
}
PROFILE_HELP = ("**partner** (the default) is for meetings where some of the audience may not see personal data; "
                "**internal** keeps incident-level detail for partnership members entitled to it.")
PACK_LABEL = "Download the meeting pack (PDF)"
#: The command that makes each pack, shown where this install has no exports.packs.
PACK_COMMANDS = {"violence": "python -m hotspots pack violence --week 2024-W10 --out FILE.pdf",
                 "wildfire": "python -m hotspots pack wildfire --season 'summer 2025' --out FILE.pdf",
                 "fly-tipping": "python -m hotspots pack fly-tipping --week 2024-W10 --out FILE.pdf"}


@dataclass(frozen=True)
class ExportFile:
    """A file made for a download: its bytes, name, type and how long it took."""

    data: bytes
    name: str
    mime: str
    seconds: float

    @property
    def size(self) -> str:
        n = len(self.data)
        return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{max(n / 1e3, 0.1):,.0f} KB"


@dataclass(frozen=True)
class Pack:
    """A meeting pack for the view: ``exports.packs`` ``kind`` and its arguments (week, season, area, source)."""

    kind: str
    period: str
    arguments: dict = field(default_factory=dict)


@st.cache_data(show_spinner=False, max_entries=32, ttl="1h")
def _make(path: str, view: str, inputs: str, fmt: str, profile: str, dpi: int, tiles: bool, name: str,
          _write: Callable) -> ExportFile:
    """``_write`` run into a temporary file; cached on everything but the writer (the inputs stand for it)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, reads.cursor(path) as con:
        out = _write(fmt, Path(tmp) / name, profile, con=con, dpi=dpi, tiles=tiles)
        data = Path(out).read_bytes()
    return ExportFile(data, name, MIMES[fmt], time.perf_counter() - t0)


def _pack_writer():
    """``exports.packs.write_pack``, or None where the packs are not installed."""
    try:
        from exports.packs import write_pack
    except ImportError:
        return None
    return write_pack


def _write_pack(write_pack, pack: Pack, fmt: str, path: Path, profile: str, *, con, dpi: int, tiles: bool) -> Path:
    return write_pack(pack.kind, con, path, profile=profile, tiles=tiles, **pack.arguments)


def _held(view: str, signature: str) -> dict[str, ExportFile]:
    """The files made for ``view`` under ``signature`` (the others are dropped)."""
    key = f"export:{view}"
    held = st.session_state.get(key)
    if not held or held.get("signature") != signature:
        held = st.session_state[key] = {"signature": signature, "files": {}}
    return held["files"]


def _prepare(files: dict, slot: str, label: str, **make) -> None:
    who = common.user()
    detail = {"view": make["view"], "format": make["fmt"], "profile": make["profile"], "file": make["name"],
              "filters": make["inputs"]}
    if make["profile"] not in who.export_profiles:  # the radio offers no other; this holds for any way in
        reads.record(make["path"], who.name, "export", role=who.role, outcome="refused", detail=detail)
        st.error(f"Your role ({who.role}) exports under the partner profile only.", icon=":material/block:")
        return
    with st.spinner(f"Preparing {label}…"):
        try:
            files[slot] = _make(**make)
            reads.record(make["path"], who.name, "export", role=who.role, detail=detail)
        except ValueError as exc:  # the profile refused, or the view has nothing to export: say why
            files.pop(slot, None)
            st.warning(f"No {label}: {exc}", icon=":material/block:")
        except Exception as exc:  # noqa: BLE001 - a failed export must not take the page's map down with it
            files.pop(slot, None)
            st.error(f"The {label} could not be made ({type(exc).__name__}: {exc}).", icon=":material/error:")


def export_panel(view: str, path: str, *, inputs, period: str, write: Callable, formats=FORMATS,
                 pack: Pack | None = None) -> None:
    """The Export expander for ``view``.

    ``inputs``: the values the view was made from (its cache key: a file is made again
    only when they change); ``period`` goes in the file names; ``write`` writes a format
    (see the module docstring); ``pack`` adds the meeting pack's button.
    """
    with st.expander("Export", icon=":material/download:"):
        c1, c2, c3 = st.columns([2, 1, 2])
        profile = c1.radio("Disclosure profile", list(common.user().export_profiles), horizontal=True,
                           key=f"{view}_xprofile", help=PROFILE_HELP)
        dpi = c2.radio("PNG resolution", [150, 300], format_func=lambda d: f"{d} dpi", horizontal=True,
                       key=f"{view}_xdpi", help="A4 landscape: 1754 x 1240 pixels at 150 dpi, 3508 x 2480 at 300.")
        tiles = c3.checkbox("Basemap tiles on PNG and PDF (needs internet)", value=True, key=f"{view}_xtiles",
                            help="OpenStreetMap tiles under the static map; without internet the map is drawn "
                                 "without them and says so.")
        st.caption(D.profile(profile).statement())
        st.caption("A format's button makes the file (a second or so); a download button then offers it.")
        signature = repr((path, inputs, profile, dpi, tiles))
        files = _held(view, signature)
        shared = {"path": path, "view": view, "inputs": repr(inputs), "profile": profile, "dpi": dpi,
                  "tiles": tiles}
        for col, fmt in zip(st.columns(len(formats)), formats):
            if col.button(LABELS[fmt], key=f"{view}_x{fmt}", help=HELP[fmt], width="stretch"):
                _prepare(files, fmt, LABELS[fmt], fmt=fmt, name=file_name(view, period, profile, fmt),
                         _write=write, **shared)
        if pack is not None:
            _pack_button(view, pack, files, shared)
        for slot, f in files.items():
            label = PACK_LABEL if slot == "pack" else f"Download {f.name}"
            st.download_button(label, f.data, file_name=f.name, mime=f.mime, key=f"{view}_xdl{slot}",
                               on_click="ignore", icon=":material/download:", type="primary")
            st.caption(f"{f.name} · {f.size} · made in {f.seconds:.1f} s")


def _pack_button(view: str, pack: Pack, files: dict, shared: dict) -> None:
    write_pack = _pack_writer()
    if write_pack is None:
        st.button(PACK_LABEL, key=f"{view}_xpack", disabled=True)
        st.caption(f"packs: `{PACK_COMMANDS[pack.kind]}`")
        return
    if st.button("Prepare the meeting pack (PDF)", key=f"{view}_xpack", icon=":material/picture_as_pdf:",
                 help="The multi-page pack for the meeting, as the scheduled job makes it, for this view's "
                      "period, area and source under the chosen profile."):
        name = file_name(f"{pack.kind}-pack", pack.period, shared["profile"], "pdf")
        _prepare(files, "pack", "meeting pack", fmt="pdf", name=name, _write=partial(_write_pack, write_pack, pack),
                 **{**shared, "inputs": repr((shared["inputs"], pack))})
