"""About: sources and licences, the police.uk anonymisation, the methods and their parameters,
and how many rows of the store are demo-generated.

The text is ``docs/about.md`` (so exports can reuse it); only the counts come from the store.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_views import reads
from app_views.common import ATTRIBUTION, layer_label
from maps.incident_map import DEMO_SOURCE
from queries.store import StoreError, default_db_path
from queries.summary import store_summary

ABOUT_FILE = Path(__file__).resolve().parents[2] / "docs" / "about.md"


def about_text() -> str:
    """The About page's markdown."""
    return ABOUT_FILE.read_text(encoding="utf-8")


@st.cache_data(show_spinner=False)
def _rows_by_source(path: str) -> pd.DataFrame:
    with reads.store(path).cursor() as con:
        summary = store_summary(con)
    rows = pd.DataFrame(summary["by_source"], columns=["source", "layer", "rows", "located", "first", "last"])
    precision = pd.DataFrame(summary["by_precision"], columns=["source", "date_precision", "rows"])
    month = precision[precision["date_precision"] == "month"].groupby("source")["rows"].sum()
    rows["month_only_source_rows"] = rows["source"].map(month).fillna(0).astype(int)
    return rows


def _store_counts() -> None:
    st.header("In this store")
    path = str(default_db_path())
    try:
        rows = _rows_by_source(path)
    except StoreError as exc:
        st.info(f"The store cannot be read, so its rows are not counted here: {exc}")
        return
    total = int(rows["rows"].sum())
    demo = rows[rows["source"] == DEMO_SOURCE]
    n_demo = int(demo["rows"].sum())
    if n_demo:
        st.warning(f"**{n_demo:,} of the {total:,} incidents ({n_demo / total:.0%}) are demo-generated**, not real: "
                   f"source `{DEMO_SOURCE}`, record keys starting `DEMO-`.")
        st.dataframe(
            pd.DataFrame({"Layer": demo["layer"].map(layer_label), "Generated rows": demo["rows"],
                          "From": demo["first"].str[:10], "To": demo["last"].str[:10]}),
            hide_index=True,
        )
    else:
        st.success(f"No demo-generated rows: all {total:,} incidents were imported from files.")
    months = rows.drop_duplicates("source").set_index("source")["month_only_source_rows"]
    for source, n in months[months > 0].items():
        st.caption(f"{int(n):,} rows of `{source}` are known only to the month, as police.uk publishes them.")


def render() -> None:
    st.title("About")
    st.caption(ATTRIBUTION)
    st.markdown(about_text())
    _store_counts()
