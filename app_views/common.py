"""What every page shares: opening the store, the sidebar filters, notes and captions.

Filters are widgets bound to the URL (``bind="query-params"``): the key is the
query parameter, so a view can be bookmarked or sent to a colleague. Keys are
prefixed per page (``x_`` for Explore ...) so one page's choices never leak into
another's defaults.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from app_views import auth, reads
from briefings.scope import AREA_LABELS, LAYER_LABELS, NTE_DAYS, NTE_HOURS, Scope
from hotspots.periods import DAY_NAMES
from maps.incident_map import DEMO_SOURCE
from queries.store import StoreError, default_db_path
from queries.users import User

ATTRIBUTION = (
    "Crime and ASB: police.uk, Open Government Licence v3.0. Boundaries: Office for National "
    "Statistics, Contains OS data © Crown copyright and database right. Basemap © OpenStreetMap contributors."
)


def store_path(*, need_rows: bool = True) -> str:
    """The store's path, or stop the page with what to do when it cannot be opened (or, with
    ``need_rows``, is empty)."""
    path = str(default_db_path())
    try:
        reads.store(path)
    except StoreError as exc:
        st.error(
            f"**The incident store could not be opened.**\n\n{exc}\n\n"
            "The store is `$HOTSPOTS_DB` if set, else `data/hotspots.duckdb`; "
            "`python -m hotspots demo` builds the demo database there. Then reload this page."
        )
        st.stop()
    if need_rows and reads.source_table(path).empty:
        st.warning(
            f"The store at `{path}` holds no incidents yet. Import some on the **Data** page, with "
            "`python -m hotspots import`, or build the demo database with `python -m hotspots demo`."
        )
        st.stop()
    return path


def user() -> User:
    """The signed-in user (``app.py`` signs everyone in before any page runs)."""
    who = auth.current_user()
    if who is None:
        st.warning("Your session has ended: reload the page to sign in again.")
        st.stop()
    return who


def require(*, layer: str | None = None, analyst: bool = False, admin: bool = False) -> User:
    """The user, or stop the page when their role or layers do not give access to it.

    The menu leaves such pages out already; this holds for any other way in.
    """
    who = user()
    if (layer is not None and not who.may_see(layer)) or (analyst and not who.is_analyst) or \
            (admin and not who.is_admin):
        st.error("Your account does not give access to this page. Ask your partnership's admin if it should.",
                 icon=":material/block:")
        st.stop()
    return who


def visible_layers(path: str, source: str) -> list[str]:
    """The layers of ``source`` the user may see, most frequent first."""
    who = user()
    return [x for x in reads.layer_options(path, source) if who.may_see(x)]


def layer_label(layer: str) -> str:
    return LAYER_LABELS.get(layer, layer)


def area_options(path: str) -> list[str]:
    """Borough, focus areas, then Dartford's LSOAs by code."""
    return [*AREA_LABELS, *reads.lsoa_codes()]


def area_format(code: str) -> str:
    if code in AREA_LABELS:
        return AREA_LABELS[code]
    name = reads.lsoa_names().get(code)
    return f"{code} {name}" if name else code


def choose_source(path: str, prefix: str, layer: str | None = None) -> str:
    """The source selectbox; default the one with most exact times (for ``layer``).

    A user limited to some layers sees only the sources holding them, counted on them.
    """
    who = user()
    if layer is None and who.layers is not None:
        table = (pd.concat([reads.source_table(path, x) for x in who.layers])
                 .groupby("source", as_index=False)[["rows", "rows_with_time"]].sum()
                 .sort_values(["rows_with_time", "rows", "source"], ascending=[False, False, True]))
    else:
        table = reads.source_table(path, layer)
    names = list(table["source"])
    if not names:
        st.warning(f"No {layer_label(layer) if layer else ''} incidents in the store yet.")
        st.stop()
    rows = dict(zip(table["source"], table["rows"]))
    # The option itself goes in the URL, so no row count in the label: bookmarks outlive imports.
    source = st.selectbox(
        "Source",
        names,
        index=0,
        key=f"{prefix}source",
        bind="query-params",
        help="Each source is shown on its own: police.uk and a police extract describe the same crimes, "
        "so they are never added together. The default is the source with most exact times.",
    )
    n = int(rows[source])
    st.caption(f"{n:,} {'row' if n == 1 else 'rows'} in this source.")
    return source


def choose_area(path: str, prefix: str, default: str = "borough") -> str:
    options = area_options(path)
    return st.selectbox(
        "Area",
        options,
        index=options.index(default),
        format_func=area_format,
        key=f"{prefix}area",
        bind="query-params",
        help="The borough, a focus area (night-time economy, Bluewater, Dartford Heath) or one LSOA.",
    )


def choose_dates(path: str, prefix: str, source: str, layers: tuple[str, ...], months: int = 3) -> tuple[date, date]:
    """A date range (end exclusive); defaults to the last ``months`` whole months of data."""
    span = reads.date_span(path, source, layers)
    if span is None:
        st.warning("No incidents for these layers in this source.")
        st.stop()
    first, last = (pd.Timestamp(t) for t in span)
    end_month = last.to_period("M")
    default_start = max((end_month - (months - 1)).start_time.date(), first.date())
    default_end = end_month.end_time.date()
    key = f"{prefix}dates"
    held = st.session_state.get(key)
    if isinstance(held, (tuple, list)) and any(not first.date() <= d <= default_end for d in held):
        # Dates kept from another source fall outside this one's span: start again from its default.
        st.session_state[key] = (default_start, default_end)
    chosen = st.date_input(
        "Dates",
        value=(default_start, default_end),
        min_value=first.date(),
        max_value=default_end,
        format="DD/MM/YYYY",
        key=key,
        bind="query-params",
        help="Month-only dates (police.uk) count from the first of their month.",
    )
    if isinstance(chosen, (tuple, list)):
        chosen = tuple(chosen) or (default_start, default_end)
        start, end = (chosen[0], chosen[-1])
    else:
        start = end = chosen
    st.caption(f"Data for this source: {first:%d %b %Y} to {last:%d %b %Y}.")
    return start, end + timedelta(days=1)


def choose_window(prefix: str, source_has_times: bool) -> tuple[tuple[int, ...] | None, tuple[int, int] | None]:
    """Day-of-week and hour window (``None`` = all). Disabled when the source has no exact times."""
    nte = st.toggle(
        "Night-time economy (Fri and Sat 20:00 to 04:00)",
        key=f"{prefix}nte",
        bind="query-params",
        disabled=not source_has_times,
        help="Only incidents with an exact time can be placed in a day and hour window; "
        "police.uk dates are months and are left out (the page says how many).",
    )
    if nte and source_has_times:
        return NTE_DAYS, NTE_HOURS
    with st.expander("Days and hours", expanded=False):
        days = st.pills(
            "Days",
            list(range(7)),
            selection_mode="multi",
            default=list(range(7)),
            format_func=lambda d: DAY_NAMES[d][:3],
            key=f"{prefix}days",
            bind="query-params",
            disabled=not source_has_times,
        )
        c1, c2 = st.columns(2)
        h_from = c1.selectbox("From", list(range(24)), format_func=lambda h: f"{h:02d}:00",
                              key=f"{prefix}hfrom", bind="query-params", disabled=not source_has_times)
        h_to = c2.selectbox("To", list(range(1, 25)), index=23, format_func=lambda h: f"{h % 24:02d}:00",
                            key=f"{prefix}hto", bind="query-params", disabled=not source_has_times,
                            help="A start after the end runs past midnight: 20:00 to 04:00.")
    if not source_has_times:
        st.caption("This source has no exact times, so there is no day or hour window.")
        return None, None
    day_sel = tuple(sorted(days)) if days is not None and len(days) < 7 else None
    if day_sel == ():
        st.warning("No day chosen: showing all days.")
        day_sel = None
    hour_sel = None if (h_from, h_to) == (0, 24) or h_from == h_to % 24 else (int(h_from), int(h_to))
    return day_sel, hour_sel


def sidebar_scope(path: str, prefix: str, *, layers: tuple[str, ...] | None = None,
                  months: int = 3, window: bool = True) -> Scope:
    """The standard filters: source, layers, categories, dates, area and time window."""
    with st.sidebar:
        st.header("Filters")
        source = choose_source(path, prefix, layers[0] if layers and len(layers) == 1 else None)
        present = visible_layers(path, source)
        if layers is None:
            chosen = st.multiselect(
                "Layers", present, default=present[:1], format_func=layer_label,
                key=f"{prefix}layer", bind="query-params",
            )
        else:
            chosen = [x for x in layers if x in present]
        if not chosen:
            st.warning("Choose at least one layer.")
            st.stop()
        cat_opts = reads.category_options(path, source, tuple(chosen))
        categories = st.multiselect(
            "Categories", cat_opts, key=f"{prefix}cat", bind="query-params",
            placeholder="All categories", help="Leave empty for every category of the chosen layers.",
        )
        start, end = choose_dates(path, prefix, source, tuple(chosen), months)
        area = choose_area(path, prefix)
        days = hours = None
        if window:
            days, hours = choose_window(prefix, reads.has_exact_times(path, source, tuple(chosen)))
    return Scope(source, tuple(chosen), start, end, tuple(categories) or None, area, days, hours)


def demo_note(source: str) -> None:
    if source == DEMO_SOURCE:
        st.info("**Generated demo data:** rows from `demo-generated` are synthetic, not real incidents.", icon=":material/science:")


def selection_notes(notes: list[str]) -> None:
    for note in notes:
        st.caption(note)


def header(title: str, scope: Scope | None = None, what: str = "") -> None:
    st.title(title)
    if what:
        st.caption(what)
    if scope is not None:
        st.markdown(f"**{scope.describe()}**")
        demo_note(scope.source)
