"""Share and export an analysis: a "try it yourself" link, read-only share links, reports."""

from __future__ import annotations

import streamlit as st

from assistant_core.data import Dataset
from assistant_core.ui.links import render_try_link

__all__ = ["render_share_and_export"]


def render_share_and_export(dataset: Dataset, report: dict) -> None:
    """The page's last section: links to these results and downloads of the report."""
    st.subheader("Share and export")
    with st.expander("Try it yourself: a link with these data"):
        render_try_link(dataset, report)
