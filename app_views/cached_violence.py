"""Cached reads for the Weekly violence page (in the style of ``app_views.reads``).

The briefing is a resource, not data: its frames and GeoDataFrames are shared between
reruns and sessions, not pickled and copied each time. Callers must not change it.
"""

from __future__ import annotations

import streamlit as st

from app_views import reads
from briefings.violence import WeeklyViolence, available_periods, weekly_violence


@st.cache_data(show_spinner=False)
def periods(path: str, source: str) -> tuple[bool, dict[str, tuple[str, str]]]:
    """(weekly, {key: (ISO date of the start, label)} newest first): the week (or month) picker's options.

    Keys are ``2024-W39`` or ``2024-02``: short and stable, as they go in the URL.
    """
    with reads.store(path).cursor() as con:
        weekly, found = available_periods(con, source)
    keys = [f"{p.start.isocalendar()[0]}-W{p.start.isocalendar()[1]:02d}" if weekly else f"{p.start:%Y-%m}"
            for p in found]
    return weekly, {k: (p.start.date().isoformat(), p.label) for k, p in zip(keys, found)}


@st.cache_resource(show_spinner="Building the weekly violence briefing…", max_entries=32)
def briefing(path: str, source: str, week: str | None, area: str, nte_only: bool, baseline: str) -> WeeklyViolence:
    """``briefings.violence.weekly_violence`` on the store at ``path``; ValueError when there is nothing to show."""
    with reads.store(path).cursor() as con:
        return weekly_violence(con, source, week, area=area, nte_only=nte_only, baseline=baseline)
