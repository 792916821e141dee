"""The assistant's conversation on the analysis page: ask, stream, stop, follow up, keep.

The conversation lives in ``st.session_state`` and every event is appended to it as it
arrives (by :func:`assistant_core.runner.run_turn`), so a rerun in the middle of a stream,
such as the one the Stop button causes, loses nothing that was already shown. Every event
also goes to the store as it arrives; the thread's id is put in the URL (``?thread=ID``),
so a reload, a second tab or a link from the History page shows the thread as it was
streamed, and a follow-up continues it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant_core.backends import DEFAULT_QUESTION, Backend, Conversation
from assistant_core.errors import AssistantCoreError
from assistant_core.events import Status
from assistant_core.ui.assistant import TurnView, render_verdict, with_claims
from assistant_core.ui.assistant_settings import chosen_backend, chosen_profile
from assistant_core.ui.saved import saved_store
from assistant_core.ui.text import md_escape

if TYPE_CHECKING:  # annotations only: pandas (under data) stays out of the first page's start-up
    from assistant_core.data import Dataset
    from assistant_core.store import RunRecorder

__all__ = [
    "latest_verification",
    "open_requested_thread",
    "rechecker",
    "render_conversation",
    "reset_conversation",
    "saved_thread",
]

log = logging.getLogger(__name__)

_KEY = "analyse.conversation"
_SAVED = "analyse.saved_thread"  # id of the conversation's stored thread, once it has one
_FOLLOW_EVERY = 2.0  # seconds between looks at a run that is being answered elsewhere
_PREFILL_LIMIT = 20_000  # values; a larger stored data set is not copied into the text boxes


def reset_conversation() -> None:
    """Forget the conversation (new data): its interpreter is shut down, the URL cleared."""
    old: Conversation | None = st.session_state.pop(_KEY, None)
    st.session_state.pop(_SAVED, None)
    if old is not None and old.interpreter is not None:
        old.interpreter.close()
    if "thread" in st.query_params:
        del st.query_params["thread"]


def open_requested_thread() -> None:
    """Show the stored thread named in the URL (``?thread=ID``); call before the inputs draw.

    Its data fill the input boxes, its local results and conversation are shown, and a
    follow-up continues it. An unknown id says so and leaves the page as it was.
    """
    thread_id = st.query_params.get("thread")
    current: Conversation | None = st.session_state.get(_KEY)
    if not thread_id or (current is not None and current.id == thread_id):
        return
    store = saved_store()
    if store is None:
        return
    store.mark_abandoned_runs(thread_id)
    record = store.get_thread(thread_id)
    if record is None:
        del st.query_params["thread"]
        st.error(
            f"There is no saved analysis with the id {thread_id!r}: it may have been deleted, "
            "or the link is incomplete. The History page lists the analyses kept here.",
            icon="🔎",
        )
        return
    conversation = store.load_conversation(thread_id)
    reset_conversation()
    st.query_params["thread"] = thread_id
    state = st.session_state
    state[_KEY] = conversation
    state[_SAVED] = thread_id
    dataset = conversation.dataset
    if sum(len(g.values) for g in dataset.groups) <= _PREFILL_LIMIT:
        from assistant_core.ui.data_input import fill_from

        fill_from(dataset)
    state["analyse.alpha"] = float(record.alpha)
    state["analyse.alternative"] = record.alternative
    report = record.local_report
    if report is None:
        from assistant_core.stats import check

        report = check(dataset, alpha=record.alpha, alternative=record.alternative).to_dict()
    state["analyse.result"] = (dataset, report)


def _conversation(dataset: Dataset, report: dict[str, Any]) -> Conversation:
    conversation = st.session_state.get(_KEY)
    if conversation is None or conversation.dataset is not dataset:
        reset_conversation()
        conversation = Conversation(
            dataset, alpha=report["alpha"], alternative=report["alternative"]
        )
        st.session_state[_KEY] = conversation
    return conversation


def latest_verification() -> dict[str, Any] | None:
    """The verdict of the most recent turn that has one."""
    conversation: Conversation | None = st.session_state.get(_KEY)
    for turn in reversed(conversation.turns if conversation else []):
        for event in reversed(turn.events):
            if event.type == "verification":
                return event.to_dict()
    return None


def rechecker(report: dict[str, Any], dataset: Dataset) -> Any:
    """Re-checks a stored turn's answer claim by claim (turns kept before the claims)."""
    from assistant_core.backends.base import Turn
    from assistant_core.runner import verify_turn

    def recheck(events: Any) -> Any:
        return verify_turn(Turn(question="", events=list(events)), report, dataset)

    return recheck


def _mark_interrupted(conversation: Conversation) -> None:
    """A turn left unfinished by a rerun (Stop, or any widget) was stopped: say so."""
    for turn in conversation.turns:
        if not turn.done:
            turn.events.append(Status(state="stopped"))
            turn.done = True


def _model_of(backend: Backend) -> str | None:
    return getattr(backend, "model", None) or None


def saved_thread(dataset: Dataset, report: dict[str, Any]) -> str | None:
    """The id of this analysis's stored thread, made now if it has none; None if unsaved.

    A thread is made on the first question to the assistant, or when the person shares or
    exports the analysis; its id goes into the URL so a reload shows it again.
    """
    conversation = _conversation(dataset, report)
    if st.session_state.get(_SAVED) == conversation.id:
        return conversation.id
    store = saved_store(quiet=True)
    if store is None:
        return None
    backend = chosen_backend()
    store.create_thread(
        conversation,
        local_report=report,
        profile=chosen_profile(),
        backend=backend.name,
        model=_model_of(backend),
    )
    st.session_state[_SAVED] = conversation.id
    st.query_params["thread"] = conversation.id
    return conversation.id


def _recorder(
    conversation: Conversation, report: dict[str, Any], backend: Backend, question: str
) -> RunRecorder | None:
    """Start storing this turn (the thread is made on its first turn); None if unsaved."""
    store = saved_store(quiet=True)
    if store is None:
        st.caption("This answer is not being saved (the database is unavailable).")
        return None
    profile = chosen_profile()
    try:
        saved_thread(conversation.dataset, report)
        return store.recorder(
            conversation,
            question,
            backend=backend.name,
            model=_model_of(backend),
            profile_id=profile.id if profile is not None else None,
            answered_by=backend.label,
        )
    except AssistantCoreError as exc:
        st.warning(f"This answer is not being saved: {exc}", icon="💾")
        return None


def _saved_caption() -> None:
    thread_id = st.session_state.get(_SAVED)
    store = saved_store(quiet=True) if thread_id else None
    record = store.get_thread(thread_id) if store is not None else None
    if record is None:
        return
    who = record.profile_name or "no assistant profile"
    st.caption(
        f"Saved as “{md_escape(record.title)}” · {md_escape(who)} · "
        "find it again on the History page, or keep this page's address."
    )
    if any(run.status == "running" for run in record.runs):
        _follow_elsewhere(thread_id, _signature(record))


def _signature(record: Any) -> tuple:
    return tuple((run.id, run.status, len(run.text)) for run in record.runs)


@st.fragment(run_every=_FOLLOW_EVERY)
def _follow_elsewhere(thread_id: str, seen: tuple) -> None:
    """An answer is arriving in another tab or session: look again every few seconds."""
    st.info("An answer is still arriving in another tab; this page follows it.", icon="⏳")
    store = saved_store(quiet=True)
    if store is None:
        return
    store.mark_abandoned_runs(thread_id)
    record = store.get_thread(thread_id)
    if record is None or _signature(record) == seen:
        return
    conversation = store.load_conversation(thread_id)
    state = st.session_state
    state[_KEY] = conversation
    result = state.get("analyse.result")
    if result is not None:  # the page's data set is the conversation's (same object)
        state["analyse.result"] = (conversation.dataset, result[1])
    st.rerun(scope="app")


def _run_allowed(question: str) -> bool:
    """The access mode's quota allows another run; else say why, and give the question back."""
    from assistant_core.ui.access import count_run, hosting_policy, require_run_allowed

    try:
        require_run_allowed(hosting_policy())
    except AssistantCoreError as exc:
        st.error(f"{exc}\n\nYour question was not sent: “{md_escape(question)}”", icon="⏳")
        return False
    count_run()
    return True


def render_conversation(dataset: Dataset, report: dict[str, Any], verdict_slot: Any) -> None:
    """The assistant section: earlier turns, the ask box, and a new turn streamed live."""
    from assistant_core.runner import run_turn

    backend = chosen_backend()
    conversation = _conversation(dataset, report)
    _mark_interrupted(conversation)
    if backend.uses_local_interpreter and conversation.interpreter is None:
        from assistant_core.interpreter import prewarm

        prewarm()  # a kernel starts while the person reads the results
    st.subheader("Research assistant")
    local = backend.uses_local_interpreter
    where = "a local, sandboxed interpreter" if local else "its provider's hosted interpreter"
    st.caption(
        f"{md_escape(backend.label)}. It writes and runs Python in {where}; "
        "every figure it reports is checked against the local results above."
    )
    _saved_caption()
    recheck = rechecker(report, dataset)
    for turn in conversation.turns:
        view = TurnView(turn.question, label=turn.answered_by)
        if turn.done:  # re-checked once, kept in the session: a rerun does not read it again
            turn.events[:] = with_claims(turn.events, recheck)
        for event in turn.events:
            view.show(event, live=False)
    question = None
    if not conversation.turns:
        st.text_area("Your question", value=DEFAULT_QUESTION, key="analyse.question", height=80)
        if st.button("Ask the research assistant", type="primary", key="analyse.ask"):
            question = str(st.session_state.get("analyse.question") or DEFAULT_QUESTION)
    follow_up = st.chat_input("Ask a follow-up question", key="analyse.follow_up")
    question = question or follow_up
    if conversation.interpreter is not None:
        with st.expander("Code interpreter sandbox"):
            for line in conversation.interpreter.isolation.describe():
                st.markdown(f"- {line}")
    if not question:
        return
    if not _run_allowed(question):
        return
    recorder = _recorder(conversation, report, backend, question)
    stop_slot = st.empty()
    stop_slot.button("Stop", key="analyse.stop", icon=":material/stop:")  # a click reruns
    view = TurnView(question, label=backend.label)
    turn = run_turn(backend, conversation, question, local_report=report, on_event=recorder)
    with contextlib.closing(turn):  # a rerun (Stop) records the run as stopped at once
        for event in turn:
            view.show(event)
            if event.type == "verification":
                with verdict_slot.container():
                    render_verdict(event.to_dict())
    stop_slot.empty()
