"""The History page's body: the list of threads with search, open, rename and delete."""

from __future__ import annotations

import streamlit as st

from assistant_core.ui.saved import saved_store
from assistant_core.ui.text import md_escape

__all__ = ["ANALYSE_PAGE", "open_thread", "render_history"]

ANALYSE_PAGE = "pages/analyse.py"


def open_thread(thread_id: str) -> None:
    """Go to the analysis page showing a stored thread (its id travels in the URL)."""
    st.switch_page(ANALYSE_PAGE, query_params={"thread": thread_id})


def _when(timestamp: object) -> str:
    text = str(timestamp or "")
    return text[:16].replace("T", " ")


def render_history() -> None:
    """Search box, then one row per thread with its actions."""
    store = saved_store()
    if store is None:
        return
    search = st.text_input(
        "Search titles, questions and answers", key="history.search", placeholder="e.g. Welch"
    )
    threads = store.list_threads(search=search.strip() or None)
    if not threads:
        st.info(
            "No analysis matches your search."
            if search.strip()
            else "No analyses yet: "
            "analyse some data and ask the research assistant, and it will be kept here.",
            icon="🗂️",
        )
        return
    for thread in threads:
        _thread_row(store, thread)


def _thread_row(store: object, thread: object) -> None:
    tid = thread.id
    with st.container(border=True):
        top, actions = st.columns([4, 2])
        with top:
            st.markdown(f"**{md_escape(thread.title)}**")
            who = thread.backend + (f" · {thread.model}" if thread.model else "")
            if thread.profile_name:
                who = f"{thread.profile_name} ({who})"
            st.caption(
                f"{_when(thread.updated)} · {md_escape(who)} · {thread.messages} messages"
                + (f" · last run {thread.last_status}" if thread.last_status else "")
            )
        with actions:
            left, mid, right = st.columns(3)
            if left.button("Open", key=f"history.open.{tid}", type="primary"):
                open_thread(tid)
            with mid.popover("Rename"):
                title = st.text_input("New title", value=thread.title, key=f"history.title.{tid}")
                if st.button("Save", key=f"history.rename.{tid}"):
                    store.rename_thread(tid, title)
                    st.rerun()
            with right.popover("Delete"):
                st.markdown(
                    "Delete this analysis and its whole conversation? This cannot be undone."
                )
                if st.button("Delete for good", key=f"history.delete.{tid}", type="primary"):
                    store.delete_thread(tid)
                    st.toast(f"Deleted “{thread.title}”.")
                    st.rerun()
