"""A stored thread continued later, in a new backend and a new kernel, as a reopened page or
`ask --thread` does: OpenAI gets the same conversation and container; the chat backend
sends the history and re-runs the earlier code first; the built-in analyst answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant_core.backends.base import Conversation
from assistant_core.backends.builtin import BuiltinAnalyst
from assistant_core.backends.chat import ChatBackend
from assistant_core.backends.openai import OpenAIBackend
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.interpreter import shutdown_pool
from assistant_core.runner import run_turn
from assistant_core.stats import check
from assistant_core.store import Store
from tests.fakes.chat_scripts import WELCH_CODE, script_welch
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import chat_stream, text_stream

FOLLOW_UP = "also run a Mann-Whitney U test"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True, scope="module")
def _no_kernels_left() -> Iterator[None]:
    yield
    shutdown_pool()


def first_turn(store: Store, backend, conversation: Conversation) -> list:
    report = check(conversation.dataset).to_dict()
    store.create_thread(conversation, local_report=report, backend=backend.name)
    recorder = store.recorder(conversation, "Do they differ?", backend=backend.name)
    return list(
        run_turn(backend, conversation, "Do they differ?", local_report=report, on_event=recorder)
    )


def follow_up(store: Store, backend, thread_id: str) -> tuple[Conversation, list]:
    """Load the thread as another process would, and ask the follow-up in it."""
    conversation = store.load_conversation(thread_id)
    assert conversation.interpreter is None  # a new process: no kernel yet
    report = check(conversation.dataset).to_dict()
    recorder = store.recorder(conversation, FOLLOW_UP, backend=backend.name)
    events = list(
        run_turn(backend, conversation, FOLLOW_UP, local_report=report, on_event=recorder)
    )
    if conversation.interpreter is not None:
        conversation.interpreter.close()
    return conversation, events


def test_openai_continues_the_same_remote_conversation_and_container(store, fake):
    fake.script_analysis(
        text="Welch's t(14.78) = -6.71.",
        code="print(1)",
        logs="1\n",
        container_id="cntr_kept",
    )
    fake.script_responses(text_stream("The Mann-Whitney U test agrees."))
    options = {"api_key": fake.api_key, "base_url": fake.base_url, "model": "gpt-5.5"}
    with OpenAIBackend(**options) as backend:
        conversation = Conversation(make_dataset(EXAMPLE))
        first_turn(store, backend, conversation)
    remote = conversation.remote_id
    assert remote
    with OpenAIBackend(**options) as backend:
        _, events = follow_up(store, backend, conversation.id)
    assert events[-2].state == "completed"
    asked = [r.json() for r in fake.requests if r.path == "/v1/responses"]
    assert len(asked) == 2
    assert asked[1]["conversation"] == remote
    assert asked[1]["tools"][0]["container"] == "cntr_kept"
    assert asked[1]["input"][-1]["content"] == FOLLOW_UP  # the data are not sent again


def test_chat_sends_the_history_and_reruns_the_earlier_code(store, fake):
    dataset = make_dataset(EXAMPLE)
    script_welch(fake)
    options = {"api_key": fake.api_key, "base_url": fake.base_url, "model": "qwen", "environ": {}}
    backend = ChatBackend(**options)
    conversation = Conversation(dataset)
    try:
        first = first_turn(store, backend, conversation)
        assert first[-1].type == "verification"
    finally:
        conversation.interpreter.close()
        backend.close()
    # the follow-up's code uses `res`, a variable the first turn's code made
    fake.script_chat(
        chat_stream(
            None,
            tool_calls=[{"name": "run_python", "arguments": {"code": "print(round(res.df, 2))"}}],
        )
    )
    fake.script_chat(chat_stream("The earlier result is still there."))
    backend = ChatBackend(**options)
    try:
        _, events = follow_up(store, backend, conversation.id)
    finally:
        backend.close()
    outputs = "".join(e.logs for e in events if e.type == "code_output")
    assert "14.78" in outputs  # the earlier cell was run again in the new kernel
    requests = [r.json() for r in fake.requests if r.path == "/v1/chat/completions"]
    history = requests[3]["messages"]  # the follow-up's first request
    contents = [str(m.get("content") or "") for m in history]
    assert any("Do they differ?" in c for c in contents)
    assert any(FOLLOW_UP in c for c in contents)
    calls = [c for m in history for c in (m.get("tool_calls") or [])]
    codes = [json.loads(c["function"]["arguments"]).get("code", "") for c in calls]
    assert WELCH_CODE in codes


def test_builtin_answers_a_follow_up_in_a_reopened_thread(store):
    conversation = Conversation(make_dataset(EXAMPLE))
    backend = BuiltinAnalyst()
    try:
        first_turn(store, backend, conversation)
    finally:
        conversation.interpreter.close()
    loaded, events = follow_up(store, backend, conversation.id)
    text = "".join(e.text for e in events if e.type == "text_delta")
    assert "Mann-Whitney" in text
    assert events[-1].type == "verification"
    record = store.get_thread(conversation.id)
    assert [run.status for run in record.runs] == ["completed", "completed"]
    assert len(loaded.turns) == 2
