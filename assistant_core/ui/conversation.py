"""The assistant's conversation on the analysis page: ask, stream, stop, follow up.

The conversation lives in ``st.session_state`` and every event is appended to it as it
arrives (by :func:`assistant_core.runner.run_turn`), so a rerun in the middle of a stream,
such as the one the Stop button causes, loses nothing that was already shown.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant_core.backends import DEFAULT_QUESTION, Conversation
from assistant_core.data import Dataset
from assistant_core.events import Status
from assistant_core.ui.assistant import TurnView, render_verdict
from assistant_core.ui.assistant_settings import chosen_backend

__all__ = ["latest_verification", "render_conversation", "reset_conversation"]

_KEY = "analyse.conversation"


def reset_conversation() -> None:
    """Forget the conversation (new data): its interpreter is shut down."""
    old: Conversation | None = st.session_state.pop(_KEY, None)
    if old is not None and old.interpreter is not None:
        old.interpreter.close()


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


def _mark_interrupted(conversation: Conversation) -> None:
    """A turn left unfinished by a rerun (Stop, or any widget) was stopped: say so."""
    for turn in conversation.turns:
        if not turn.done:
            turn.events.append(Status(state="stopped"))
            turn.done = True


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
        f"{backend.label}. It writes and runs Python in {where}; "
        "every figure it reports is checked against the local results above."
    )
    for turn in conversation.turns:
        view = TurnView(turn.question, label=turn.answered_by)
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
    stop_slot = st.empty()
    stop_slot.button("Stop", key="analyse.stop", icon=":material/stop:")  # a click reruns
    view = TurnView(question, label=backend.label)
    for event in run_turn(backend, conversation, question, local_report=report):
        view.show(event)
        if event.type == "verification":
            with verdict_slot.container():
                render_verdict(event.to_dict())
    stop_slot.empty()
