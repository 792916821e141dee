"""Share and export an analysis: a "try it yourself" link, read-only share links, reports.

A share link opens a snapshot of the thread (data, local results, the conversation with its
code, output and images, the verdicts) for anyone who has it, read-only: no key is used and
no run can be started from it. The owner sees the thread's links here and can revoke them.
"""

from __future__ import annotations

import streamlit as st

from assistant_core.data import Dataset
from assistant_core.links import app_url
from assistant_core.ui.conversation import saved_thread
from assistant_core.ui.guard import shown_errors
from assistant_core.ui.links import base_url, render_try_link
from assistant_core.ui.saved import saved_store

__all__ = ["SHARED_PAGE", "render_share_and_export", "share_url"]

SHARED_PAGE = "shared"  # the url_path of the read-only page


def share_url(token: str) -> str:
    """The address that opens a share link's snapshot."""
    return app_url(base_url(), SHARED_PAGE, share=token)


def render_share_and_export(dataset: Dataset, report: dict) -> None:
    """The page's last section: links to these results and downloads of the report."""
    st.subheader("Share and export")
    with (
        # open once a link was made: the rerun that made it may redraw the section anew
        st.expander("Read-only link for colleagues", expanded="share.made" in st.session_state),
        shown_errors("making the share link"),
    ):
        _share_links(dataset, report)
    with (
        st.expander("Report (Markdown or a self-contained HTML file)"),
        shown_errors("preparing the report"),
    ):
        _downloads(dataset, report)
    with st.expander("Try it yourself: a link with these data"):
        render_try_link(dataset, report)


def _share_links(dataset: Dataset, report: dict) -> None:
    store = saved_store()
    if store is None:
        return
    st.caption(
        "A snapshot of this analysis as it is now: the data, the local results, the "
        "assistant's answers with their code and output, and the verdicts. Anyone with the "
        "link can read it; nobody can start a run from it. Revoke it here at any time."
    )
    st.button(
        "Make a read-only link",
        key="share.create",
        icon=":material/link:",
        on_click=_make_link,  # before the script runs, so the section opens with the link
        args=(dataset, report),
    )
    if "share.error" in st.session_state:
        st.error(st.session_state.pop("share.error"), icon="⚠️")
    thread_id = st.session_state.get("analyse.saved_thread")
    if not thread_id:
        return
    for share in store.list_shares(thread_id):
        url = share_url(share.token)
        if share.revoked is not None:
            st.caption(f"~~{share.created:%Y-%m-%d %H:%M}~~ revoked {share.revoked:%Y-%m-%d}")
            continue
        left, right = st.columns([5, 1])
        with left:
            st.caption(f"Made {share.created:%Y-%m-%d %H:%M} UTC")
            st.code(url, language=None, wrap_lines=True)
        if right.button("Revoke", key=f"share.revoke.{share.token[:12]}"):
            store.revoke_share(share.token)
            st.rerun()


def _make_link(dataset: Dataset, report: dict) -> None:
    from assistant_core.errors import AssistantCoreError

    store = saved_store(quiet=True)
    try:
        thread_id = saved_thread(dataset, report)
        if store is None or thread_id is None:
            raise AssistantCoreError("the database is unavailable, so nothing can be shared")
        st.session_state["share.made"] = store.create_share(thread_id).token
    except AssistantCoreError as exc:
        st.session_state["share.error"] = f"No link was made: {exc}"


def _downloads(dataset: Dataset, report: dict) -> None:
    st.caption(
        "The data and their SHA-256 hash, the local results, the conversation with its code "
        "and output, the verdicts, package versions, and the R and Python calls that "
        "reproduce the tests. The HTML file works offline: plots are embedded, no scripts."
    )
    store = saved_store()
    if store is None:
        return
    thread_id = st.session_state.get("analyse.saved_thread")
    if not thread_id:
        if st.button("Prepare the report", key="report.prepare"):
            thread_id = saved_thread(dataset, report)
        if not thread_id:
            return
    from assistant_core.report import render_report, report_filename

    def build(fmt: str) -> str:
        return render_report(store.thread_json(thread_id), fmt)  # type: ignore[arg-type]

    thread = {"title": store.get_thread(thread_id).title, "id": thread_id}
    left, right = st.columns(2)
    left.download_button(
        "Download Markdown",
        data=lambda: build("md"),
        file_name=report_filename(thread, "md"),
        mime="text/markdown",
        key="report.md",
        on_click="ignore",
        icon=":material/description:",
    )
    right.download_button(
        "Download HTML",
        data=lambda: build("html"),
        file_name=report_filename(thread, "html"),
        mime="text/html",
        key="report.html",
        on_click="ignore",
        icon=":material/html:",
    )
