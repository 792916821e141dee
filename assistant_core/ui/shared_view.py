"""The read-only page a share link opens: a snapshot of a thread, with no way to run anything.

No sidebar settings, no key, no question box: the snapshot is drawn with the same renderers
as the analysis page, from what was stored when the link was made.
"""

from __future__ import annotations

import streamlit as st

from assistant_core.events import event_from_dict
from assistant_core.ui.assistant import TurnView, render_verdict, with_claims
from assistant_core.ui.results import render_details, render_summary
from assistant_core.ui.saved import saved_store
from assistant_core.ui.text import md_escape

__all__ = ["render_shared"]


def render_shared(token: str) -> None:
    """The snapshot behind ``token``, or a plain message when the link does not open."""
    from assistant_core.store import ShareUnavailable, dataset_from_json

    store = saved_store(quiet=True)
    if store is None:
        st.error("Shared analyses cannot be opened right now: the database is unavailable.")
        return
    try:
        share, snapshot = store.open_share(token)
    except ShareUnavailable as exc:
        st.title("Shared analysis")
        st.error(str(exc), icon="🔗")
        return
    st.title(snapshot["title"])
    who = snapshot.get("profile", {}).get("name") or "no assistant profile"
    model = f" · {snapshot['model']}" if snapshot.get("model") else ""
    st.caption(
        f"A read-only snapshot shared on {share.created:%Y-%m-%d %H:%M} UTC · "
        f"{md_escape(who)} · {md_escape(snapshot.get('backend', ''))}{md_escape(model)}. "
        "Every figure on the left was computed independently with scipy."
    )
    dataset = dataset_from_json(snapshot["data"])
    report = snapshot["local_report"]
    local, verdict = st.columns([3, 2])
    with local:
        render_summary(report)
    with verdict:
        render_verdict(snapshot.get("verdict"))
    render_details(dataset, report)
    if snapshot.get("turns"):
        st.subheader("Research assistant")
        from assistant_core.ui.conversation import rechecker

        recheck = rechecker(report, dataset)
        for turn in snapshot["turns"]:
            view = TurnView(turn["question"], label=turn.get("answered_by") or "")
            events = [event_from_dict(data) for data in turn["events"]]
            for event in with_claims(events, recheck):
                view.show(event, live=False)
