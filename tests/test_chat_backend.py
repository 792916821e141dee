"""The chat backend against the loopback fake server, with the real ``openai`` SDK and the
real local interpreter (a Jupyter kernel): no mocks of our code.

The scripted "model" is a queue of chat-completion streams (``FakeOpenAI.script_chat``): the
stream answering the request that follows a tool result is queued in advance, in order.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import openai
import pytest

from assistant_core.backends import BACKENDS, PLANNED, UnknownBackend, get_backend
from assistant_core.backends.base import Conversation
from assistant_core.backends.chat import (
    IMAGE_NOTE,
    INSTRUCTIONS,
    OUTPUT_LIMIT,
    REPORT_TOOL_CHAT,
    ChatBackend,
    CodeArgumentDecoder,
    cap_output,
    history_messages,
    setup_code,
    system_message,
)
from assistant_core.backends.openai import REPORT_TOOL
from assistant_core.backends.provider_errors import Provider, map_failure
from assistant_core.chat_settings import (
    KEY_PLACEHOLDER,
    PRESETS,
    ChatSettings,
    list_models,
    validate_base_url,
)
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.events import (
    CodeDone,
    CodeOutput,
    Event,
    ImageOutput,
    Reported,
    Status,
    TextDelta,
)
from assistant_core.interpreter import Interpreter, shutdown_pool
from assistant_core.runner import run_turn
from assistant_core.stats import check
from tests.fakes.chat_scripts import (
    WELCH_CODE,
    WELCH_TEXT,
    WRONG_P_FIGURES,
    WRONG_P_TEXT,
    script_welch,
)
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import chat_stream

QUESTION = "Do the treatments differ?"


def example():
    return make_dataset(EXAMPLE)


def of_type(events: list[Event], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


def joined_text(events: list[Event]) -> str:
    return "".join(e.text for e in of_type(events, "text_delta"))


def chat_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [
        r.json() for r in fake.requests if r.method == "POST" and r.path == "/v1/chat/completions"
    ]


def host_of(fake: FakeOpenAI) -> str:
    return fake.base_url.split("//", 1)[1].split("/", 1)[0]


def assert_no_key(key: str, events: list[Event], caplog: pytest.LogCaptureFixture) -> None:
    dumped = json.dumps([e.to_dict() for e in events], default=str)
    assert key not in dumped
    assert key not in caplog.text
    for record in caplog.records:
        assert key not in record.getMessage()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def kernel() -> Iterator[Interpreter]:
    """One real kernel for the module (each conversation loads its own data into it)."""
    with Interpreter(cell_timeout=30) as interpreter:
        yield interpreter
    shutdown_pool()


MakeBackend = Callable[..., ChatBackend]


@pytest.fixture
def make_backend(fake: FakeOpenAI) -> Iterator[MakeBackend]:
    """Backends pointed at the fake (keyword arguments override); closed after the test."""
    made: list[ChatBackend] = []

    def make(**kw: Any) -> ChatBackend:
        options: dict[str, Any] = {
            "api_key": fake.api_key,
            "base_url": fake.base_url,
            "model": "gpt-4.1",
            "environ": {},
        }
        made.append(ChatBackend(**{**options, **kw}))
        return made[-1]

    yield make
    for backend in made:
        backend.close()


def conversation_on(kernel: Interpreter, dataset=None, **kw: Any) -> Conversation:
    conversation = Conversation(dataset=dataset or example(), **kw)
    conversation.interpreter = kernel
    return conversation


# --------------------------------------------------------------------------- the recording


def test_recording_replays_through_the_backend(
    fake: FakeOpenAI, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    """The recorded tool call (to a tool we do not have) is answered, then the text streams."""
    caplog.set_level(logging.DEBUG)
    fake.replay("chat-completions-tool-call-stream.yaml")
    conversation = Conversation(dataset=example())
    events = list(make_backend(model="gpt-4o-mini").stream(conversation, "Capital of the UK?"))

    assert joined_text(events) == "The capital of the UK is London."
    assert not of_type(events, "error") and not of_type(events, "code_delta")
    assert events[-1].type == "status" and events[-1].state == "completed"
    assert events[-1].usage == {"input_tokens": 131, "output_tokens": 24, "total_tokens": 155}
    assert conversation.interpreter is None  # no code ran: no kernel was taken

    first, second = chat_requests(fake)
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert first["model"] == "gpt-4o-mini"
    assert [t["function"]["name"] for t in first["tools"]] == ["run_python", "report_results"]
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    call, answer = second["messages"][2:]
    assert call == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_ZR5UUuTt3pf61kjwAJIYdVMj",
                "type": "function",
                "function": {"name": "get_capital", "arguments": '{"country":"UK"}'},
            }
        ],
    }
    assert answer["role"] == "tool" and answer["tool_call_id"] == "call_ZR5UUuTt3pf61kjwAJIYdVMj"
    assert answer["content"].startswith("error: there is no tool named 'get_capital'")
    assert fake.pending() == {}
    assert_no_key(fake.api_key, events, caplog)


# --------------------------------------------------------------------------- analyses


def test_welch_analysis_runs_locally_and_verifies(
    fake: FakeOpenAI, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    """The worked example: the code runs in a real kernel taken from the warm pool, the model
    reports its figures with report_results, and every figure verifies."""
    caplog.set_level(logging.DEBUG)
    data = example()
    script_welch(fake)
    conversation = Conversation(dataset=data)  # no interpreter: one is taken on first use
    try:
        events = list(
            run_turn(
                make_backend(),
                conversation,
                QUESTION,
                local_report=check(data).to_dict(),
            )
        )
    finally:
        if conversation.interpreter is not None:
            conversation.interpreter.close()

    types = [e.type for e in events]
    assert types[0] == "text_delta" and types[-2:] == ["status", "verification"]
    order = [types.index(t) for t in ("code_delta", "code_done", "code_output", "reported")]
    assert order == sorted(order)
    assert "".join(e.code for e in of_type(events, "code_delta")) == WELCH_CODE
    assert [e.code for e in of_type(events, "code_done")] == [WELCH_CODE]
    output = "".join(e.logs for e in of_type(events, "code_output"))
    assert "Welch t = -6.7083, df = 14.780, p = 7.557e-06" in output
    assert "95% CI [-16.174, -8.366], d = -3.000" in output
    assert "Treatment A     10  40.03" in output  # the data came from the Dataset, in order
    assert joined_text(events).endswith(WELCH_TEXT)
    (reported,) = of_type(events, "reported")
    assert reported.figures["test"] == "welch_t" and "df_between" not in reported.figures
    status = events[-2]
    assert status.state == "completed"
    assert set(status.usage) == {"input_tokens", "output_tokens", "total_tokens"}
    assert status.usage["input_tokens"] == 3 * 53

    verdict = events[-1]
    assert verdict.variant == "welch_t"
    statuses = {f["name"]: f["status"] for f in verdict.figures}
    for name in ("statistic", "df", "p_value", "ci_low", "ci_high", "effect_size"):
        assert statuses[name] == "match", verdict.figures
    assert all(status == "match" for status in statuses.values()), verdict.figures

    first, second, third = chat_requests(fake)
    system = first["messages"][0]
    assert system["role"] == "system" and system["content"].startswith(INSTRUCTIONS.strip())
    assert '"Treatment A", "Treatment B"' in system["content"]
    assert "alpha = 0.05" in system["content"] and "two-sided" in system["content"]
    assert "37.4" not in system["content"]  # the data is loaded in the kernel, not retyped
    assert first["messages"][1] == {"role": "user", "content": QUESTION}
    call = second["messages"][2]
    assert call["content"] == "I will compare the groups with Welch's t-test."
    (tool_call,) = call["tool_calls"]
    assert tool_call["function"]["name"] == "run_python"
    assert json.loads(tool_call["function"]["arguments"]) == {"code": WELCH_CODE}
    result = second["messages"][3]
    assert result["role"] == "tool" and result["tool_call_id"] == tool_call["id"]
    assert "Welch t = -6.7083" in result["content"]
    assert third["messages"][-1] == {
        "role": "tool",
        "tool_call_id": third["messages"][-2]["tool_calls"][0]["id"],
        "content": "recorded",
    }
    assert_no_key(fake.api_key, events, caplog)


CODE_WITH_ESCAPES = (
    'label = "tab\\there"  # a "quoted" backslash \\ and slash /\n'
    "word = 'caf\u00e9 \u2603 \U0001f600'\n"
    "print(label, word, len(word))\n"
    'print("line1\\nline2")\n'
)


@pytest.mark.parametrize("how", ["one character each", "escapes split by hand"])
def test_code_streams_as_it_is_written_even_in_tiny_fragments(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter, how: str
) -> None:
    arguments = json.dumps({"code": CODE_WITH_ESCAPES})  # ASCII: \u00e9, \ud83d\ude00 ...
    assert "\\ud83d\\ude00" in arguments and '\\"' in arguments and "\\\\" in arguments
    if how == "one character each":
        call = {"name": "run_python", "arguments": arguments}
        fake.script_chat(chat_stream(None, tool_calls=[call], argument_chunk=1))
    else:
        cuts = [
            arguments.index("\\t") + 1,  # \ | t
            arguments.index("\\u00e9") + 3,  # \u0 | 0e9
            arguments.index("\\ude00"),  # high surrogate | low surrogate
            arguments.index("\\ude00") + 1,  # \ | ude00
            arguments.index('\\"') + 1,  # \ | "
        ]
        bounds = [0, *sorted(cuts), len(arguments)]
        fragments = [arguments[i:j] for i, j in itertools.pairwise(bounds)]
        call = {"name": "run_python", "arguments": arguments, "fragments": fragments}
        fake.script_chat(chat_stream(None, tool_calls=[call]))
    fake.script_chat(chat_stream("Done."))

    events = list(make_backend().stream(conversation_on(kernel), "Show me escapes."))

    deltas = [e.code for e in of_type(events, "code_delta")]
    assert len(deltas) >= 5
    assert "".join(deltas) == CODE_WITH_ESCAPES
    (done,) = of_type(events, "code_done")
    assert done.code == CODE_WITH_ESCAPES
    assert events.index(done) > max(i for i, e in enumerate(events) if e.type == "code_delta")
    output = "".join(e.logs for e in of_type(events, "code_output"))
    assert output == "tab\there caf\u00e9 \u2603 \U0001f600 8\nline1\nline2\n"
    assert events[-1].state == "completed"


def test_a_wrong_p_in_the_answer_is_contradicted_where_it_is_written(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    """The model's code prints the right p; its report and its prose say p = 0.0312 (a
    seeded error). The prose claim and the reported figure are contradicted with the right
    value; the printed output is confirmed."""
    data = example()
    script_welch(fake, figures=WRONG_P_FIGURES, text=WRONG_P_TEXT)
    conversation = Conversation(dataset=data)
    try:
        events = list(
            run_turn(make_backend(), conversation, QUESTION, local_report=check(data).to_dict())
        )
    finally:
        if conversation.interpreter is not None:
            conversation.interpreter.close()
    verdict = events[-1]
    assert verdict.type == "verification"
    wrong = [c for c in verdict.claims if c["verdict"] == "contradicted"]
    where = {(c["source"], c["kind"]) for c in wrong}
    assert ("text", "p_value") in where and ("report", "p_value") in where, (
        joined_text(events),
        [(c["source"], c["kind"], c["reported"], c["verdict"]) for c in verdict.claims],
    )
    assert ("text", "conclusion") not in where  # 7.6e-06 is significant too: that one is right
    text_p = next(c for c in wrong if c["source"] == "text" and c["kind"] == "p_value")
    assert text_p["reported"].endswith("0.0312") and text_p["expected"] < 1e-4
    printed = [c for c in verdict.claims if c["source"] == "output" and c["kind"] == "p_value"]
    assert printed and all(c["verdict"] == "confirmed" for c in printed)
    statuses = {f["name"]: f["status"] for f in verdict.figures}
    assert statuses["p_value"] == "mismatch" and statuses["statistic"] == "match"


def test_two_tool_calls_in_one_turn_run_in_order(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter
) -> None:
    calls = [
        {"name": "run_python", "arguments": {"code": "x = 20\nprint('first', x)\n"}},
        {"name": "run_python", "arguments": {"code": "print('second', x + 22)\n"}},
    ]
    fake.script_chat(chat_stream("Two steps.", tool_calls=calls))
    fake.script_chat(chat_stream("The answer is 42."))

    events = list(make_backend().stream(conversation_on(kernel), "Two cells, please."))

    shown = [(e.type, getattr(e, "code", None) or getattr(e, "logs", None)) for e in events]
    code_events = [item for item in shown if item[0] in ("code_done", "code_output")]
    assert code_events == [
        ("code_done", "x = 20\nprint('first', x)\n"),
        ("code_output", "first 20\n"),
        ("code_done", "print('second', x + 22)\n"),
        ("code_output", "second 42\n"),
    ]
    # the second cell is shown as it runs (after the first cell's output), whole
    second_delta = [e for e in of_type(events, "code_delta") if "second" in e.code]
    assert [e.code for e in second_delta] == ["print('second', x + 22)\n"]

    _, follow_up = chat_requests(fake)
    assistant, first_result, second_result = follow_up["messages"][2:]
    ids = [c["id"] for c in assistant["tool_calls"]]
    assert len(set(ids)) == 2
    assert [c["function"]["name"] for c in assistant["tool_calls"]] == ["run_python"] * 2
    assert (first_result["role"], first_result["tool_call_id"]) == ("tool", ids[0])
    assert (second_result["role"], second_result["tool_call_id"]) == ("tool", ids[1])
    assert first_result["content"] == "first 20\n"
    assert second_result["content"] == "second 42\n"
    assert joined_text(events) == "Two steps.\n\nThe answer is 42."


def test_a_plain_answer_needs_no_kernel(fake: FakeOpenAI, make_backend: MakeBackend) -> None:
    fake.script_chat(chat_stream("Welch's t-test compares two means without equal variances."))
    conversation = Conversation(dataset=example())
    events = list(make_backend().stream(conversation, "What is Welch's test?"))
    assert [e.type for e in events[-1:]] == ["status"] and events[-1].state == "completed"
    assert {e.type for e in events[:-1]} == {"text_delta"}
    assert conversation.interpreter is None
    assert len(chat_requests(fake)) == 1


def test_the_round_limit_is_one_clear_error(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter
) -> None:
    for n in range(3):
        call = {"name": "run_python", "arguments": {"code": f"print({n})"}}
        fake.script_chat(chat_stream(None, tool_calls=[call]))

    events = list(make_backend(max_rounds=2).stream(conversation_on(kernel), "Loop."))

    assert [e.logs for e in of_type(events, "code_output")] == ["0\n", "1\n"]
    (error,) = of_type(events, "error")
    assert (error.kind, error.retryable) == ("round_limit", False)
    assert error.message == (
        "The assistant used its 2 rounds of code without finishing; ask a follow-up to let it "
        "continue."
    )
    assert events[-1].type == "status" and events[-1].state == "failed"
    assert events[-1].usage["input_tokens"] == 2 * 53
    assert len(chat_requests(fake)) == 2


def test_a_follow_up_sends_the_history_and_keeps_the_variables(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter
) -> None:
    first_code = "runs = globals().get('runs', 0) + 1\nmean_a = groups[names[0]].mean()\n"
    fake.script_chat(
        chat_stream(
            "First, the means.",
            tool_calls=[{"name": "run_python", "arguments": {"code": first_code}}],
        )
    )
    fake.script_chat(chat_stream("The mean of A is 40.03."))
    follow_code = "print(runs, round(mean_a, 2))"
    fake.script_chat(
        chat_stream(None, tool_calls=[{"name": "run_python", "arguments": {"code": follow_code}}])
    )
    fake.script_chat(chat_stream("Still 40.03."))
    backend = make_backend()
    conversation = conversation_on(kernel)

    list(run_turn(backend, conversation, "What is the mean of A?"))
    events = list(run_turn(backend, conversation, "And again?"))

    assert [e.logs for e in of_type(events, "code_output")] == ["1 40.03\n"]  # no re-run
    third = chat_requests(fake)[2]
    messages = third["messages"]
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert messages[1] == {"role": "user", "content": "What is the mean of A?"}
    assert messages[2]["content"] == "First, the means."
    (call,) = messages[2]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"code": first_code}
    assert messages[3] == {"role": "tool", "tool_call_id": call["id"], "content": "(no output)"}
    assert messages[4] == {"role": "assistant", "content": "The mean of A is 40.03."}
    assert messages[5] == {"role": "user", "content": "And again?"}


@pytest.mark.parametrize("fresh", ["restarted kernel", "no kernel (another day)"])
def test_a_fresh_kernel_gets_the_data_and_earlier_cells_again(
    fake: FakeOpenAI, make_backend: MakeBackend, fresh: str
) -> None:
    cells = [
        "x = 41\n",
        "raise RuntimeError('this cell failed the first time too')\n",
        "y = x + 1\n",
    ]
    for code in cells:
        fake.script_chat(
            chat_stream(None, tool_calls=[{"name": "run_python", "arguments": {"code": code}}])
        )
    fake.script_chat(chat_stream("Set up."))
    check_code = "print(y, len(df), sorted(groups))"
    fake.script_chat(
        chat_stream(None, tool_calls=[{"name": "run_python", "arguments": {"code": check_code}}])
    )
    fake.script_chat(chat_stream("All there."))
    backend = make_backend()
    conversation = Conversation(dataset=example())
    conversation.interpreter = Interpreter(cell_timeout=30)
    try:
        list(run_turn(backend, conversation, "Set up x and y."))
        if fresh == "restarted kernel":
            conversation.interpreter.restart()
        else:
            conversation.interpreter.close()
            conversation.interpreter = None
        events = list(run_turn(backend, conversation, "Is y still there?"))
    finally:
        if conversation.interpreter is not None:
            conversation.interpreter.close()

    outputs = [e.logs for e in of_type(events, "code_output")]
    assert outputs[0].startswith("[The code session had been restarted")
    assert outputs[1] == "42 20 ['Treatment A', 'Treatment B']\n"
    tool_result = chat_requests(fake)[-1]["messages"][-1]
    assert tool_result["role"] == "tool" and "restarted" in tool_result["content"]
    assert events[-1].state == "completed"


def test_images_stream_out_and_are_described_to_the_model(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter
) -> None:
    code = (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(2, 2))\n"
        "ax.boxplot([groups[n] for n in names])\n"
        "plt.show()\n"
        "print('plotted')\n"
    )
    fake.script_chat(
        chat_stream(None, tool_calls=[{"name": "run_python", "arguments": {"code": code}}])
    )
    fake.script_chat(chat_stream("Here is the plot."))
    events = list(make_backend().stream(conversation_on(kernel), "Plot it."))
    (image,) = of_type(events, "image_output")
    assert isinstance(image, ImageOutput) and image.data.startswith(b"\x89PNG")
    result = chat_requests(fake)[1]["messages"][-1]["content"]
    assert IMAGE_NOTE in result and "plotted" in result and "iVBOR" not in result


def test_long_output_is_capped_for_the_model_but_not_for_the_user(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter
) -> None:
    code = "print('x' * 20000)"
    fake.script_chat(
        chat_stream(None, tool_calls=[{"name": "run_python", "arguments": {"code": code}}])
    )
    fake.script_chat(chat_stream("Long."))
    events = list(make_backend().stream(conversation_on(kernel), "Print a lot."))
    assert sum(len(e.logs) for e in of_type(events, "code_output")) == 20001
    result = chat_requests(fake)[1]["messages"][-1]["content"]
    assert len(result) < OUTPUT_LIMIT + 200 and "characters of output cut" in result


def test_bad_arguments_and_unknown_tools_are_answered_not_run(
    fake: FakeOpenAI, make_backend: MakeBackend, kernel: Interpreter
) -> None:
    calls = [
        {"name": "run_python", "arguments": '{"code": 12}'},
        {"name": "report_results", "arguments": "not json"},
        {"name": "search_web", "arguments": {"q": "t-test"}},
    ]
    fake.script_chat(chat_stream(None, tool_calls=calls))
    fake.script_chat(chat_stream("Sorry."))
    events = list(make_backend().stream(conversation_on(kernel), "q"))
    assert not of_type(events, "code_done") and not of_type(events, "reported")
    results = [m for m in chat_requests(fake)[1]["messages"] if m["role"] == "tool"]
    assert results[0]["content"].startswith("error: the arguments were not a JSON object")
    assert "nothing was run" in results[0]["content"]
    assert results[1]["content"].startswith("error: the arguments were not a JSON object")
    assert results[2]["content"].startswith("error: there is no tool named 'search_web'")
    assistant = chat_requests(fake)[1]["messages"][2]
    assert [c["function"]["arguments"] for c in assistant["tool_calls"]] == [
        '{"code": 12}',
        "{}",  # not JSON: not sent back as it was
        '{"q":"t-test"}',
    ]
    assert events[-1].state == "completed"


def test_without_the_code_interpreter_the_data_is_in_the_message(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    call = {"name": "run_python", "arguments": {"code": "print(1)"}}
    fake.script_chat(chat_stream(None, tool_calls=[call]))
    fake.script_chat(chat_stream("I cannot run code."))
    conversation = Conversation(dataset=example())
    events = list(make_backend(code_interpreter=False).stream(conversation, "q"))
    first, second = chat_requests(fake)
    assert [t["function"]["name"] for t in first["tools"]] == ["report_results"]
    assert "Treatment A,37.4" in first["messages"][0]["content"]
    assert second["messages"][-1]["content"].startswith(
        "error: there is no tool named 'run_python'"
    )
    assert conversation.interpreter is None and not of_type(events, "code_done")


def test_profile_instructions_and_temperature(fake: FakeOpenAI, make_backend: MakeBackend) -> None:
    fake.script_chat(chat_stream("Hi."))
    backend = make_backend(instructions="Answer like a pirate.", temperature=0.2)
    list(backend.stream(Conversation(dataset=example(), alternative="less"), "q"))
    (request,) = chat_requests(fake)
    system = request["messages"][0]["content"]
    assert system.startswith("Answer like a pirate.") and "careful research" not in system
    assert "less (the first group is lower than the second)" in system
    assert request["temperature"] == 0.2


def test_a_server_that_rejects_stream_options_is_asked_again_without(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.chat_unsupported = {"stream_options"}
    fake.script_chat(chat_stream("First.", include_usage=False))
    fake.script_chat(chat_stream("Second.", include_usage=False))
    backend = make_backend()
    first = list(backend.stream(Conversation(dataset=example()), "q"))
    second = list(backend.stream(Conversation(dataset=example()), "q"))
    assert joined_text(first) == "First." and joined_text(second) == "Second."
    assert first[-1] == second[-1] == Status("completed", usage=None)
    assert ["stream_options" in r for r in chat_requests(fake)] == [True, False, False]


def test_a_truncated_answer_is_incomplete(fake: FakeOpenAI, make_backend: MakeBackend) -> None:
    fake.script_chat(chat_stream("The answer is", finish_reason="length"))
    events = list(make_backend().stream(Conversation(dataset=example()), "q"))
    (error,) = of_type(events, "error")
    assert error.kind == "incomplete" and host_of(fake) in error.message
    assert joined_text(events) == "The answer is"


# --------------------------------------------------------------------------- failures

#: fault -> (its options, the Error kind, retryable, whether part of the answer arrives)
FAULTS = {
    "401": ({}, "auth", False, False),
    "404_model": ({}, "model", False, False),
    "429": ({"times": 5, "retry_after": 0.01}, "rate_limit", True, False),
    "500": ({"times": 5, "retry_after": 0.01}, "server", True, False),
    "quota": ({"times": 5}, "quota", False, False),
    "cut": ({}, "interrupted", True, True),
    "drop": ({}, "interrupted", True, True),
    "stall": ({"seconds": 5.0}, "timeout", True, True),
}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_each_fault_is_one_error_naming_the_host(
    fake: FakeOpenAI, make_backend: MakeBackend, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    options, error_kind, retryable, partial = FAULTS[kind]
    chunks = chat_stream("one two three four five six")
    fake.script_chat(chunks)
    if partial:
        options = {**options, "after": 4}  # the role chunk and three pieces of text
    fake.fault(kind, path="/v1/chat/completions", **options)
    backend = make_backend(max_retries=1, stall_timeout=0.3)

    events = list(run_turn(backend, Conversation(dataset=example()), "q"))

    errors = of_type(events, "error")
    assert len(errors) == 1, events
    (error,) = errors
    assert (error.kind, error.retryable) == (error_kind, retryable), error
    assert host_of(fake) in error.message and "OpenAI" not in error.message
    assert events[-1].type == "status" and events[-1].state == "failed"
    assert events.index(error) == len(events) - 2
    assert joined_text(events) == ("one two three" if partial else "")
    if kind == "429":
        assert "the server asked to wait 0.01 s" in error.message
    if kind in ("429", "500"):  # the SDK's retries, none of ours on top
        assert len(chat_requests(fake)) == 2
    assert_no_key(fake.api_key, events, caplog)


def test_the_model_error_names_the_model_and_host(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.fault("404_model", path="/v1/chat/completions")
    events = list(make_backend(model="llama-9").stream(Conversation(dataset=example()), "q"))
    (error,) = of_type(events, "error")
    assert error.message == (
        f"The model 'llama-9' does not exist on the server at {host_of(fake)} or this key "
        "cannot use it (404); choose another model."
    )


def test_a_wrong_key_is_refused_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "sk-or-v1-wrong-key-abcdef0123456789"
    with FakeOpenAI(api_key="sk-the-right-key-123456") as fake:
        backend = ChatBackend(base_url=fake.base_url, api_key=wrong, model="m", environ={})
        with backend:
            events = list(run_turn(backend, Conversation(dataset=example()), "q"))
    (error,) = of_type(events, "error")
    assert error.kind == "auth" and "CHAT_API_KEY" in error.message
    assert host_of(fake) in error.message
    assert wrong not in repr(backend) and wrong not in backend.label
    assert_no_key(wrong, events, caplog)


def test_an_unreachable_server_is_a_connection_error() -> None:
    with FakeOpenAI() as fake:
        url = fake.base_url
    with ChatBackend(base_url=url, model="m", max_retries=0, timeout=2.0, environ={}) as backend:
        events = list(backend.stream(Conversation(dataset=example()), "q"))
    (error,) = of_type(events, "error")
    assert (error.kind, error.retryable) == ("connection", True)
    assert url.split("//")[1].split("/")[0] in error.message


def test_map_failure_names_the_endpoint_and_scrubs_the_key() -> None:
    key = "my-local-key-XYZ"
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    body = {"message": f"bad field near {key}", "type": "invalid_request_error"}
    response = httpx2.Response(400, request=request, json={"error": body})
    exc = openai.BadRequestError("Error code: 400", response=response, body=body)
    error = map_failure(exc, model="m", secrets=[key], provider=Provider.endpoint("gpu:8000"))
    assert (
        error.message == "The server at gpu:8000 rejected the request (400): bad field near [key]"
    )
    assert (error.kind, error.retryable) == ("request", False)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "CHAT_BASE_URL"),
        ({"base_url": "http://localhost:11434/v1"}, "CHAT_MODEL"),
        ({"base_url": "localhost:11434/v1", "model": "m"}, "has no scheme"),
        ({"base_url": "https://{resource}.openai.azure.com/openai/v1", "model": "m"}, "resource"),
    ],
)
def test_missing_or_bad_settings_are_one_config_error(
    settings: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CHAT_BASE_URL", "CHAT_API_KEY", "CHAT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    backend = ChatBackend(**settings)
    events = list(backend.stream(Conversation(dataset=example()), "q"))
    assert [e.type for e in events] == ["error", "status"]
    assert events[0].kind == "config" and not events[0].retryable
    assert expected in events[0].message
    assert events[1].state == "failed"


def test_settings_and_key_from_the_environment_never_reach_the_kernel(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CHAT_BASE_URL", fake.base_url)
    monkeypatch.setenv("CHAT_API_KEY", fake.api_key)
    monkeypatch.setenv("CHAT_MODEL", "qwen2.5-coder")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-key-must-not-be-sent-0000")
    code = "import os\nprint(os.environ)\nprint(sorted(k for k in os.environ if 'CHAT' in k))"
    fake.script_chat(
        chat_stream(None, tool_calls=[{"name": "run_python", "arguments": {"code": code}}])
    )
    fake.script_chat(chat_stream("Nothing secret."))
    backend = get_backend("chat")
    assert isinstance(backend, ChatBackend)
    assert backend.label == f"Chat model qwen2.5-coder at {host_of(fake)}"
    conversation = Conversation(dataset=example())
    with Interpreter(cell_timeout=30) as interpreter, backend:  # started with the key set
        conversation.interpreter = interpreter
        events = list(backend.stream(conversation, "Show the environment."))

    output = "".join(e.logs for e in of_type(events, "code_output"))
    assert "environ(" in output and output.rstrip().endswith("[]")
    assert fake.api_key not in output and "sk-openai-key" not in output
    requests = [r for r in fake.requests if r.path == "/v1/chat/completions"]
    assert all(r.headers["authorization"] == f"Bearer {fake.api_key}" for r in requests)
    assert chat_requests(fake)[0]["model"] == "qwen2.5-coder"
    assert_no_key(fake.api_key, events, caplog)


def test_a_server_without_a_key_gets_a_placeholder(fake: FakeOpenAI) -> None:
    with FakeOpenAI(api_key=KEY_PLACEHOLDER) as local:
        local.script_chat(chat_stream("Local model here."))
        with ChatBackend(base_url=local.base_url, model="llama3.1", environ={}) as backend:
            events = list(backend.stream(Conversation(dataset=example()), "q"))
    assert joined_text(events) == "Local model here." and events[-1].state == "completed"


# --------------------------------------------------------------------------- registry, settings


def test_the_registry_builds_the_chat_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("CHAT_API_KEY", "secret-local-key")
    assert "chat" in BACKENDS and "chat" not in PLANNED
    backend = get_backend("chat", model="llama3.1")
    assert isinstance(backend, ChatBackend)
    assert (backend.name, backend.model, backend.has_models) == ("chat", "llama3.1", True)
    assert backend.uses_local_interpreter is True
    assert backend.label == "Chat model llama3.1 at localhost:11434"
    assert "secret-local-key" not in repr(backend) and "secret-local-key" not in backend.label
    with pytest.raises(UnknownBackend, match=r"'nope'.*chat"):
        get_backend("nope")


def test_presets_and_settings() -> None:
    assert set(PRESETS) == {"openai", "azure", "ollama", "vllm", "lmstudio", "openrouter"}
    assert PRESETS["ollama"].base_url == "http://localhost:11434/v1"
    assert PRESETS["azure"].base_url == "https://{resource}.openai.azure.com/openai/v1"
    assert not PRESETS["lmstudio"].needs_key and PRESETS["openrouter"].needs_key
    for preset in PRESETS.values():
        problem = validate_base_url(preset.base_url)
        assert problem is None or "{resource}" in problem
    settings = ChatSettings.from_mapping(
        {"CHAT_BASE_URL": " http://gpu:8000/v1 ", "CHAT_API_KEY": "k-123456", "CHAT_MODEL": "m"}
    )
    assert settings == ChatSettings("http://gpu:8000/v1", "k-123456", "m")
    assert "k-123456" not in repr(settings) and "k-123456" not in str(settings)
    assert settings.host == "gpu:8000" and settings.problem() is None
    assert ChatSettings.from_mapping({}).client_key == KEY_PLACEHOLDER
    for url, words in [
        ("ftp://host/v1", "http:// or https://"),
        ("http://host/v1?api-version=1", "query"),
        ("http://user:pw@host/v1", "user name or password"),
        ("http:///v1", "no host"),
        ("http://host/v1/chat/completions", "without /chat/completions"),
    ]:
        problem = validate_base_url(url)
        assert problem is not None and words in problem, (url, problem)
        assert "pw" not in problem


def test_list_models(fake: FakeOpenAI) -> None:
    settings = ChatSettings(base_url=fake.base_url, api_key=fake.api_key)
    assert list_models(settings) == sorted(fake.models)
    assert ChatBackend.list_models(api_key=fake.api_key, base_url=fake.base_url) == sorted(
        fake.models
    )
    assert list_models(ChatSettings(base_url=fake.base_url, api_key="wrong-key")) == []
    assert list_models(ChatSettings(base_url="not a url")) == []


# --------------------------------------------------------------------------- pure parts


def test_the_decoder_against_json_loads_on_every_split() -> None:
    values = {"note": ["}", {"a": '"{'}], "code": "a = '\\\\'\n\u00e9\U0001f600\t\"", "n": 1.5}
    for text in (json.dumps(values), json.dumps(values, ensure_ascii=False, indent=1)):
        for cut in range(len(text) + 1):
            for second in (cut, (cut + len(text)) // 2):
                decoder = CodeArgumentDecoder()
                parts = [text[:cut], text[cut:second], text[second:]]
                assert "".join(decoder.feed(p) for p in parts) == values["code"]
                assert decoder.complete and decoder.valid
    not_json = CodeArgumentDecoder()
    assert not_json.feed("print(1)") == "" and not not_json.valid


def test_history_is_valid_for_the_api() -> None:
    from assistant_core.backends.base import Turn

    events = [
        TextDelta("Plan."),
        CodeDone("print(1)"),
        CodeOutput("1\n"),
        ImageOutput(data=b"\x89PNG"),
        CodeDone("x = 2"),
        Reported({"test": "welch_t", "p_value": 0.01}),
        TextDelta("Done."),
    ]
    turns = [Turn("q1", events, done=True), Turn("q2", [], done=True)]
    messages = history_messages(turns)
    roles = [m["role"] for m in messages]
    assert roles == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
        "user",
        "assistant",
    ]
    for index, message in enumerate(messages):
        for offset, call in enumerate(message.get("tool_calls", []), start=1):
            assert messages[index + offset] == {
                "role": "tool",
                "tool_call_id": call["id"],
                "content": messages[index + offset]["content"],
            }
            assert re.fullmatch(r"[A-Za-z0-9]{9}", call["id"])
    assert messages[2]["content"] == f"1\n{IMAGE_NOTE}"
    assert messages[4]["content"] == "(no output)" and messages[6]["content"] == "recorded"
    as_text = history_messages(turns, code_as_text=True)  # no run_python calls, in the text
    assert [m["role"] for m in as_text] == ["user", "assistant", "tool", "assistant", *roles[-2:]]
    assert as_text[1]["tool_calls"][0]["function"]["name"] == "report_results"
    assert "```python\nprint(1)\n```\n[Its output:]\n```\n1\n" in as_text[1]["content"]
    assert as_text[3] == {"role": "assistant", "content": "Done."}


def test_setup_code_is_exact_and_marks_the_thread() -> None:
    data = make_dataset({"A": [0.1, 1 / 3], "B": [2.5, 1e-300]}, paired=True)
    source = setup_code(data, 0.01, "less", "thread-1")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<setup>", "exec"), namespace)  # our own generated cell
    assert namespace["groups"]["A"].tolist() == [0.1, 1 / 3]
    assert namespace["groups"]["B"].tolist() == [2.5, 1e-300]
    assert list(namespace["df"].columns) == ["pair", "group", "value"]
    assert namespace["df"]["pair"].tolist() == [1, 2, 1, 2]
    assert (namespace["alpha"], namespace["alternative"]) == (0.01, "less")
    assert namespace["_assistant_thread"] == "thread-1"
    system = system_message(data, alpha=0.01, alternative="less")
    assert "paired measurements" in system and "`pair` column" in system


def test_tools_and_caps() -> None:
    assert REPORT_TOOL_CHAT["function"]["parameters"] is REPORT_TOOL["parameters"]
    assert cap_output("short") == "short"
    capped = cap_output("a" * 10_000 + "END")
    assert capped.endswith("END") and len(capped) < OUTPUT_LIMIT + 200
    assert isinstance(Reported({}), Reported) and isinstance(CodeDone(""), CodeDone)
