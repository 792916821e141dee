"""One turn through the runner, with a scripted backend: recording, failures, verification."""

from __future__ import annotations

import json

import pytest

from assistant_core.backends import Conversation, get_backend
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.errors import UnknownBackend
from assistant_core.events import (
    CodeDone,
    Error,
    ImageOutput,
    Reported,
    Status,
    TextDelta,
    event_from_dict,
)
from assistant_core.runner import TurnTiming, run_turn
from assistant_core.stats import check
from tests.fakes import ScriptedBackend

DATASET = make_dataset(EXAMPLE)
LOCAL = check(DATASET).to_dict()
# The use case's trap: Student's figures (t(18) = -6.71, p = 2.73e-6) reported as the answer.
STUDENT = [
    TextDelta("Student's t-test: t(18) = -6.71, "),
    TextDelta("p = 2.73 x 10^-6."),
    Reported({"test": "student_t", "statistic": -6.7083, "df": 18.0, "p_value": 2.731e-06}),
    Status("completed"),
]


def test_events_round_trip_as_json_lines():
    events = [*STUDENT, CodeDone("print(1)"), ImageOutput(data=b"\x89PNG\r\n"), Error("x", "y")]
    for event in events:
        line = json.dumps(event.to_dict(), allow_nan=False)
        assert event_from_dict(json.loads(line)) == event
    assert TextDelta("a").to_dict() == {"type": "text_delta", "text": "a"}
    assert ImageOutput(data=b"ab").to_dict() == {
        "type": "image_output",
        "mime": "image/png",
        "data_base64": "YWI=",
    }


def test_turn_is_recorded_and_verified_last():
    conversation = Conversation(DATASET)
    timing = TurnTiming()
    seen = []
    events = list(
        run_turn(
            ScriptedBackend(STUDENT),
            conversation,
            "Do they differ?",
            local_report=LOCAL,
            on_event=seen.append,
            timing=timing,
        )
    )
    assert [e.type for e in events] == [
        "text_delta",
        "text_delta",
        "reported",
        "status",
        "verification",
    ]
    assert seen == events
    turn = conversation.turns[-1]
    assert turn.done and turn.events == events and turn.question == "Do they differ?"
    assert turn.text == "Student's t-test: t(18) = -6.71, p = 2.73 x 10^-6."
    verdict = events[-1]
    assert verdict.variant.startswith("student_t")
    assert timing.first_event is not None and timing.finished >= timing.first_event


def test_backend_that_raises_keeps_what_arrived():
    conversation = Conversation(DATASET)
    events = list(
        run_turn(ScriptedBackend(STUDENT, fail_after=2), conversation, "q", local_report=LOCAL)
    )
    types = [e.type for e in events]
    assert types[:2] == ["text_delta", "text_delta"]
    assert types[2] == "error" and "scripted failure" in events[2].message
    assert events[2].retryable
    assert types[3:] == ["status", "verification"] and events[3].state == "failed"
    assert conversation.turns[-1].events == events


def test_follow_up_sees_only_finished_turns():
    conversation = Conversation(DATASET)
    backend = ScriptedBackend([TextDelta("ok")])
    list(run_turn(backend, conversation, "first"))
    list(run_turn(backend, conversation, "second"))
    assert backend.histories == [[], ["first"]]
    assert [t.question for t in conversation.turns] == ["first", "second"]


def test_unknown_and_planned_backends_are_clear(monkeypatch):
    from assistant_core import backends

    with pytest.raises(UnknownBackend, match=r"'nope'.*builtin"):
        get_backend("nope")
    monkeypatch.setitem(backends.PLANNED, "future", "a backend still to come")
    with pytest.raises(UnknownBackend, match="not available in this version"):
        get_backend("future")


def test_terminal_view_keeps_text_after_output_on_its_own_line():
    import io

    from assistant_core.events import CodeOutput
    from assistant_core.terminal import TerminalView

    out = io.StringIO()
    view = TerminalView(json_lines=False, local_report=LOCAL, out=out, err=io.StringIO())
    for event in [
        TextDelta("Plan. "),
        CodeDone("x = 1"),
        CodeOutput("t = -6.7083"),
        TextDelta("So"),
    ]:
        view.show(event)
    assert out.getvalue().endswith("──────── output ────────\nt = -6.7083\nSo")
