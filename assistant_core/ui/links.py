"""Links on the page: the dashboard's public address, and "try it yourself" data links.

A data link (``?data=...``) opens the analysis page with the data filled in and analysed;
it needs no storage. The public address comes from ``PUBLIC_URL`` (environment or
``st.secrets``), else from the address the browser used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from assistant_core.links import (
    DataLink,
    app_url,
    decode_data_link,
    encode_data_link,
    public_base_url,
)
from assistant_core.ui.config import configured

if TYPE_CHECKING:  # annotations only: pandas (under data) stays out of the first page's start-up
    from assistant_core.data import Dataset

__all__ = ["base_url", "open_data_link", "render_try_link"]

_PAGE_PATHS = ("history", "assistants", "settings")
_OPENED = "links.opened"  # the data link this session has already opened


def base_url() -> str:
    """The address links start with: ``PUBLIC_URL``, else the browser's, without page path."""
    request = (st.context.url or "").rstrip("/")
    for path in _PAGE_PATHS:
        request = request.removesuffix(f"/{path}")
    return public_base_url(configured("PUBLIC_URL"), request)


def open_data_link() -> None:
    """``?data=...``: fill the inputs and analyse (call before the inputs are drawn)."""
    token = st.query_params.get("data")
    if not token or st.session_state.get(_OPENED) == token:
        return
    st.session_state[_OPENED] = token
    link = decode_data_link(token)  # DataError: shown by the page's guard
    from assistant_core.data import make_dataset  # here: pandas loads only for a data link

    dataset = make_dataset(link.groups, paired=link.paired, source="paste")
    from assistant_core.stats import check
    from assistant_core.ui.conversation import reset_conversation
    from assistant_core.ui.data_input import fill_from

    reset_conversation()
    fill_from(dataset)
    state = st.session_state
    state["analyse.alpha"] = link.alpha
    state["analyse.alternative"] = link.alternative
    report = check(dataset, alpha=link.alpha, alternative=link.alternative).to_dict()
    state["analyse.result"] = (dataset, report)


def render_try_link(dataset: Dataset, report: dict) -> None:
    """A link that opens this page with these data and options (when they fit in a URL)."""
    from assistant_core.errors import DataError

    link = DataLink(
        groups={g.name: [float(v) for v in g.values] for g in dataset.groups},
        paired=dataset.paired,
        alpha=float(report["alpha"]),
        alternative=str(report["alternative"]),
    )
    try:
        token = encode_data_link(link)
    except DataError as exc:
        st.caption(str(exc))
        return
    st.caption(
        "Anyone with this link gets these data and options filled in and analysed: "
        "nothing is stored, the data travel in the link itself."
    )
    st.code(app_url(base_url(), data=token), language=None, wrap_lines=True)
