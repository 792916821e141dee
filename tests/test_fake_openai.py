"""The loopback fake OpenAI server, driven by the real ``openai`` SDK.

The recordings in ``tests/wire`` are real OpenAI traffic; replaying them through the fake and
parsing them with the SDK checks both the fake's wire format and what our backends will see.
"""

from __future__ import annotations

import base64
import collections
import json
import socket
import time
from collections.abc import Iterator
from typing import Any, get_args

import openai
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
    ResponseStreamEvent,
)

from tests.fakes import FakeOpenAI, RecordedRequest
from tests.fakes.openai_server import WIRE_DIR
from tests.fakes.openai_streams import (
    analysis_stream,
    chat_stream,
    container_file_id,
    failed_event,
    incomplete_event,
    pieces,
    text_stream,
)

EVENT_CLASSES: dict[str, type] = {
    get_args(cls.model_fields["type"].annotation)[0]: cls
    for cls in get_args(get_args(ResponseStreamEvent)[0])
}

CODE_DELTA = "response.code_interpreter_call_code.delta"
TEXT_DELTA = "response.output_text.delta"
ANNOTATION = "response.output_text.annotation.added"

# name: (events, code deltas, text deltas, annotations, code interpreter calls), as recorded
RESPONSE_RECORDINGS = {
    "responses-code-interpreter-image-stream.yaml": (270, 212, 40, 2, 1),
    "responses-code-interpreter-csv-file-stream.yaml": (110, 69, 24, 1, 1),
    "responses-code-interpreter-reasoning-no-outputs-stream.yaml": (365, 27, 215, 0, 3),
    "responses-code-interpreter-three-calls.chunks.jsonl": (393, 149, 209, 1, 3),
}

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0) as c:
        yield c


def make_client(fake: FakeOpenAI, **kw: Any) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, **kw)


def recorded_payloads(name: str) -> list[dict[str, Any]]:
    """The Responses stream payloads of a recording, read straight from the file."""
    path = WIRE_DIR / name
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    payloads = []
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        body = interaction["response"].get("body")
        if isinstance(body, dict) and interaction["request"]["uri"].endswith("/v1/responses"):
            for block in body["string"].split("\n\n"):
                data = [ln[6:] for ln in block.split("\n") if ln.startswith("data: ")]
                if data:
                    payloads.append(json.loads("\n".join(data)))
    return payloads


def stream_events(client: openai.OpenAI, **kw: Any) -> list[Any]:
    kw.setdefault("model", "gpt-5.5")
    kw.setdefault("input", "Analyse the data.")
    with client.responses.create(stream=True, **kw) as stream:
        return list(stream)


def assert_typed(events: list[Any]) -> None:
    for event in events:
        assert isinstance(event, EVENT_CLASSES[event.type]), event.type


def joined(events: list[Any], type_: str, item_id: str | None = None) -> str:
    return "".join(
        e.delta for e in events if e.type == type_ and (item_id is None or e.item_id == item_id)
    )


# -- recordings ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RESPONSE_RECORDINGS))
def test_recorded_responses_stream_parses_into_sdk_types(
    fake: FakeOpenAI, client: openai.OpenAI, name: str
) -> None:
    n_events, n_code, n_text, n_annotations, n_calls = RESPONSE_RECORDINGS[name]
    recorded = collections.Counter(p["type"] for p in recorded_payloads(name))
    fake.replay(name)

    events = stream_events(client)

    assert_typed(events)
    counts = collections.Counter(e.type for e in events)
    assert counts == recorded
    assert len(events) == n_events
    assert counts[CODE_DELTA] == n_code
    assert counts[TEXT_DELTA] == n_text
    assert counts[ANNOTATION] == n_annotations
    assert counts["response.code_interpreter_call_code.done"] == n_calls
    assert [e.sequence_number for e in events] == list(range(n_events))
    for done in (e for e in events if e.type == "response.code_interpreter_call_code.done"):
        assert joined(events, CODE_DELTA, done.item_id) == done.code
    (text_done,) = (e for e in events if e.type == "response.output_text.done")
    assert joined(events, TEXT_DELTA) == text_done.text
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert events[-1].response.status == "completed"
    assert events[-1].response.output_text == text_done.text
    for e in events:
        if e.type == ANNOTATION:
            assert e.annotation.type == "container_file_citation"
            assert e.annotation.file_id.startswith("cfile_")
    assert fake.pending() == {}


@pytest.mark.parametrize("name", sorted(RESPONSE_RECORDINGS))
def test_recorded_stream_accumulates_with_the_sdk_stream_helper(
    fake: FakeOpenAI, client: openai.OpenAI, name: str
) -> None:
    fake.replay(name)
    with client.responses.stream(model="gpt-5.5", input="Analyse the data.") as stream:
        deltas = [e.delta for e in stream if e.type == TEXT_DELTA]
        final = stream.get_final_response()
    assert final.output_text == "".join(deltas)
    assert final.usage is not None and final.usage.total_tokens > 0


def test_image_recording_delivers_outputs_only_in_item_done(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake.replay("responses-code-interpreter-image-stream.yaml")
    events = stream_events(client)
    calls = [e.item for e in events if e.type == "response.output_item.done"]
    (call,) = [i for i in calls if i.type == "code_interpreter_call"]
    assert [o.type for o in call.outputs] == ["image", "logs"]
    assert call.outputs[0].url.startswith("data:image/png;base64,")
    assert base64.b64decode(call.outputs[0].url.split(",", 1)[1]).startswith(b"\x89PNG")
    added = next(e.item for e in events if e.type == "response.output_item.added")
    assert added.type == "reasoning"
    (ci_added,) = [
        e.item
        for e in events
        if e.type == "response.output_item.added" and e.item.type == "code_interpreter_call"
    ]
    assert ci_added.outputs == []
    assert "\r\n" in call.code  # the recorded code keeps its CRLF line endings


def test_reasoning_recording_has_null_outputs(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.replay("responses-code-interpreter-reasoning-no-outputs-stream.yaml")
    events = stream_events(client)
    final = events[-1].response
    calls = [o for o in final.output if o.type == "code_interpreter_call"]
    assert len(calls) == 3
    assert all(c.outputs is None for c in calls)


def test_csv_recording_then_container_file_download(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake.replay("responses-code-interpreter-csv-file-stream.yaml")
    events = stream_events(client)
    (citation,) = [e.annotation for e in events if e.type == ANNOTATION]
    assert citation.filename == "numbers_and_squares.csv"

    content = client.containers.files.content.retrieve(
        citation.file_id, container_id=citation.container_id
    )

    assert content.read() == b"number,square\r\n1,1\r\n2,4\r\n3,9\r\n4,16\r\n5,25\r\n"
    assert (citation.container_id, citation.file_id) in fake.container_files
    download = fake.requests[-1]
    assert download.method == "GET"
    assert download.path.endswith(f"/files/{citation.file_id}/content")


def test_files_recording_upload_response_delete(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.replay("files-upload-then-responses-code-interpreter.yaml")
    data = b"item,value\napple,30\nbanana,70\n"

    uploaded = client.files.create(file=("data.csv", data, "text/csv"), purpose="assistants")
    response = client.responses.create(
        model="gpt-5",
        input="Sum the value column.",
        tools=[
            {"type": "code_interpreter", "container": {"type": "auto", "file_ids": [uploaded.id]}}
        ],
    )
    deleted = client.files.delete(uploaded.id)

    assert uploaded.id == "file-MDLqXZjNjNeLwwaRACNDNf"
    assert uploaded.filename == "data.csv" and uploaded.bytes == 30
    assert [o.type for o in response.output] == ["reasoning", "code_interpreter_call", "message"]
    assert response.status == "completed"
    assert deleted.deleted is True
    assert uploaded.id not in fake.files
    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", "/v1/files"),
        ("POST", "/v1/responses"),
        ("DELETE", "/v1/files/file-MDLqXZjNjNeLwwaRACNDNf"),
    ]
    assert b'name="file"; filename="data.csv"' in fake.requests[0].body


def test_chat_recording_tool_call_then_answer(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.replay("chat-completions-tool-call-stream.yaml")
    messages: list[Any] = [{"role": "user", "content": "What is the capital of the UK?"}]

    with client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=True, stream_options={"include_usage": True}
    ) as stream:
        first = list(stream)
    with client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=True
    ) as stream:
        second = list(stream)

    assert len(first) == 8 and len(second) == 11
    assert all(isinstance(c, ChatCompletionChunk) for c in first + second)
    calls = [tc for c in first for ch in c.choices for tc in ch.delta.tool_calls or []]
    assert calls[0].id == "call_ZR5UUuTt3pf61kjwAJIYdVMj"
    assert calls[0].function.name == "get_capital"
    assert "".join(tc.function.arguments or "" for tc in calls) == '{"country":"UK"}'
    assert [ch.finish_reason for c in first for ch in c.choices][-1] == "tool_calls"
    assert first[-1].choices == [] and first[-1].usage.total_tokens == 68
    text = "".join(ch.delta.content or "" for c in second for ch in c.choices)
    assert text == "The capital of the UK is London."


# -- scripted streams ------------------------------------------------------------------------


def test_builders_satisfy_the_sdk_types_strictly() -> None:
    events = analysis_stream(
        text="Done. [data](sandbox:/mnt/data/out.csv)",
        code="import pandas as pd\nprint(df.mean())",
        logs="a    1.5",
        image_png=PNG,
        files={"out.csv": b"a\n1\n", "extra.png": PNG},
        report={"mean": 1.5},
        conversation_id="conv_123",
    )
    events += text_stream("Hello, world.")
    events += [failed_event(events[:6]), incomplete_event(events[:6])]
    for event in events:
        EVENT_CLASSES[event["type"]].model_validate(event)
    for chunk in chat_stream("Hi there.", tool_calls=[{"name": "f", "arguments": {"x": 1}}]):
        ChatCompletionChunk.model_validate(chunk)


def test_scripted_analysis_stream_through_the_sdk(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    text = "The mean is 1.5. Download [the table](sandbox:/mnt/data/summary.csv)."
    code = "import pandas as pd\ndf = pd.read_csv('data.csv')\nprint(df['value'].mean())"
    report = {"statistic": "mean", "value": 1.5, "groups": ["a", "b"]}
    queued = fake.script_analysis(
        text=text,
        code=code,
        logs="1.5\n",
        image_png=PNG,
        files={"summary.csv": b"group,mean\na,1.5\n"},
        report=report,
        container_id="cntr_abc",
        response_id="resp_abc",
    )

    events = stream_events(client)

    assert_typed(events)
    assert [e.type for e in events] == [e["type"] for e in queued]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert sum(e.type == CODE_DELTA for e in events) > 5
    assert sum(e.type == TEXT_DELTA for e in events) > 5
    assert joined(events, CODE_DELTA) == code
    assert joined(events, TEXT_DELTA) == text
    done = [e.item for e in events if e.type == "response.output_item.done"]
    assert [i.type for i in done] == ["code_interpreter_call", "message", "function_call"]
    call, message, function = done
    assert call.container_id == "cntr_abc" and call.code == code
    assert [o.type for o in call.outputs] == ["image", "logs"]
    assert base64.b64decode(call.outputs[0].url.removeprefix("data:image/png;base64,")) == PNG
    assert call.outputs[1].logs == "1.5\n"
    added = [e.item for e in events if e.type == "response.output_item.added"]
    assert added[0].outputs == [] and added[0].status == "in_progress"
    (annotation,) = [e.annotation for e in events if e.type == ANNOTATION]
    assert annotation.type == "container_file_citation"
    assert annotation.file_id == container_file_id("cntr_abc", "summary.csv")
    assert text[annotation.start_index : annotation.end_index] == "sandbox:/mnt/data/summary.csv"
    assert [a.model_dump() for a in message.content[0].annotations] == [annotation.model_dump()]
    args = joined(events, "response.function_call_arguments.delta")
    assert json.loads(args) == report
    assert function.name == "report_results" and function.call_id.startswith("call_")
    assert json.loads(function.arguments) == report
    final = events[-1]
    assert isinstance(final, ResponseCompletedEvent)
    assert final.response.id == "resp_abc" and final.response.output_text == text
    assert [o.type for o in final.response.output] == [i.type for i in done]
    assert final.response.usage.total_tokens == (
        final.response.usage.input_tokens + final.response.usage.output_tokens
    )
    content = client.containers.files.content.retrieve(annotation.file_id, container_id="cntr_abc")
    assert content.read() == b"group,mean\na,1.5\n"


def test_scripted_stream_answers_a_non_streamed_request_with_its_final_response(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake.script_responses(text_stream("Forty-two.", response_id="resp_42"))
    response = client.responses.create(model="gpt-5.5", input="?")
    assert response.id == "resp_42" and response.output_text == "Forty-two."


def test_script_responses_fills_missing_sequence_numbers(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    events = [{k: v for k, v in e.items() if k != "sequence_number"} for e in text_stream("Hi.")]
    fake.script_responses(events)
    assert [e.sequence_number for e in stream_events(client)] == list(range(len(events)))


def test_default_answers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    events = stream_events(client, model="gpt-4.1")
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        TEXT_DELTA,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert events[-1].response.output_text == "OK" and events[-1].response.model == "gpt-4.1"
    assert client.responses.create(model="gpt-5.5", input="?").output_text == "OK"
    chunks = list(
        client.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "?"}], stream=True
        )
    )
    assert "".join(ch.delta.content or "" for c in chunks for ch in c.choices) == "OK"
    completion = client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "?"}]
    )
    assert completion.choices[0].message.content == "OK"


def test_scripted_chat_stream(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script_chat(
        chat_stream(
            "Let me report.", tool_calls=[{"name": "report_results", "arguments": {"n": 3}}]
        )
    )
    with client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "?"}], stream=True
    ) as stream:
        chunks = list(stream)
    text = "".join(ch.delta.content or "" for c in chunks for ch in c.choices)
    calls = [tc for c in chunks for ch in c.choices for tc in ch.delta.tool_calls or []]
    assert text == "Let me report."
    assert calls[0].function.name == "report_results" and calls[0].id.startswith("call_")
    assert json.loads("".join(tc.function.arguments or "" for tc in calls)) == {"n": 3}
    assert chunks[-1].usage is not None and chunks[-2].choices[0].finish_reason == "tool_calls"


@given(st.text())
def test_pieces_rebuild_the_text(text: str) -> None:
    assert "".join(pieces(text)) == text


# -- other endpoints -------------------------------------------------------------------------


def test_files_models_and_container_files(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    uploaded = client.files.create(
        file=("groups.csv", b"g,v\na,1\n", "text/csv"), purpose="user_data"
    )
    assert uploaded.id.startswith("file-") and uploaded.bytes == 8
    assert uploaded.filename == "groups.csv" and uploaded.purpose == "user_data"
    assert fake.files[uploaded.id] == b"g,v\na,1\n"
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    assert client.files.delete(uploaded.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.files.delete(uploaded.id)

    assert [m.id for m in client.models.list()] == ["gpt-5.5", "gpt-5-mini", "gpt-4.1"]
    fake.models.append("o9")
    assert client.models.retrieve("o9").id == "o9"

    fake.add_container_file("cntr_1", "cfile_1", b"\x00\x01", filename="blob.bin")
    content = client.containers.files.content.retrieve("cfile_1", container_id="cntr_1")
    assert content.read() == b"\x00\x01"
    with pytest.raises(openai.NotFoundError) as missing:
        client.containers.files.content.retrieve("cfile_2", container_id="cntr_1")
    assert missing.value.body["message"] == "File cfile_2 not found on container cntr_1."


def test_conversations(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    conversation = client.conversations.create(metadata={"topic": "groups"})
    assert conversation.id.startswith("conv_") and conversation.object == "conversation"
    assert fake.conversations[conversation.id]["metadata"] == {"topic": "groups"}
    assert client.conversations.retrieve(conversation.id).id == conversation.id

    client.conversations.items.create(
        conversation.id, items=[{"type": "message", "role": "user", "content": "Earlier note."}]
    )
    stream_events(client, conversation=conversation.id, input="Compare the groups.")

    items = fake.conversation_items[conversation.id]
    assert [i["type"] for i in items] == ["message", "message", "message"]
    assert items[0]["content"] == [{"type": "input_text", "text": "Earlier note."}]
    assert items[-1]["role"] == "assistant"
    assert fake.requests[-1].json()["conversation"] == conversation.id

    assert client.conversations.delete(conversation.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.conversations.retrieve(conversation.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-5.5", input="?", conversation=conversation.id)


def test_containers_and_expiry(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    container = client.containers.create(name="analysis")
    assert container.id.startswith("cntr_") and container.status == "running"
    assert client.containers.retrieve(container.id).name == "analysis"
    fake.add_container_file(container.id, "cfile_x", b"data")

    fake.expire_container(container.id)

    with pytest.raises(openai.NotFoundError) as gone:
        client.containers.retrieve(container.id)
    assert gone.value.body["message"] == "Container is expired."
    with pytest.raises(openai.NotFoundError):
        client.containers.files.content.retrieve("cfile_x", container_id=container.id)
    with pytest.raises(openai.BadRequestError) as rejected:
        client.responses.create(
            model="gpt-5.5",
            input="Go on.",
            tools=[{"type": "code_interpreter", "container": container.id}],
        )
    assert rejected.value.body == {
        "message": "Container is expired.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        client.containers.retrieve("cntr_never_made")


def test_requests_are_recorded(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    stream_events(client, model="gpt-5-mini", input="Hello")
    (request,) = fake.requests
    assert isinstance(request, RecordedRequest)
    assert (request.method, request.path) == ("POST", "/v1/responses")
    assert request.headers["Authorization"] == "Bearer sk-test-fake-key"
    assert request.headers["authorization"] == "Bearer sk-test-fake-key"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"model": "gpt-5-mini", "input": "Hello", "stream": True}
    assert RecordedRequest("GET", "/", {}, b"").json() is None


# -- faults ----------------------------------------------------------------------------------


def test_wrong_key_gets_401(fake: FakeOpenAI) -> None:
    with (
        openai.OpenAI(base_url=fake.base_url, api_key="sk-wrong", max_retries=0) as bad,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        bad.models.list()
    assert caught.value.code == "invalid_api_key"
    assert caught.value.status_code == 401


def test_fault_401(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("401")
    with pytest.raises(openai.AuthenticationError):
        stream_events(client)
    assert stream_events(client)[-1].type == "response.completed"  # times=1


def test_fault_404_model(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("404_model")
    with pytest.raises(openai.NotFoundError) as caught:
        stream_events(client, model="gpt-9")
    assert caught.value.code == "model_not_found"
    assert "`gpt-9` does not exist" in caught.value.message


@pytest.mark.parametrize(
    ("kind", "error"), [("429", "RateLimitError"), ("500", "InternalServerError")]
)
def test_retryable_fault_is_retried_after_retry_after(
    fake: FakeOpenAI, kind: str, error: str
) -> None:
    fake.script_analysis(text="Done.", code="1 + 1", logs="2")
    fake.fault(kind, retry_after=0.4)
    with make_client(fake, max_retries=1) as retrying:
        events = stream_events(retrying)
    assert events[-1].type == "response.completed"
    assert joined(events, TEXT_DELTA) == "Done."  # the queued answer waited for the retry
    first, second = fake.requests
    assert 0.35 <= second.received_at - first.received_at < 2.0
    assert second.headers["x-stainless-retry-count"] == "1"

    fake.fault(kind)
    with pytest.raises(getattr(openai, error)) as caught, make_client(fake) as once:
        stream_events(once)
    assert caught.value.status_code == int(kind)


def test_fault_429_body_and_headers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("429", retry_after=3)
    with pytest.raises(openai.RateLimitError) as caught:
        stream_events(client)
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "3"
    fake.fault("quota")
    with pytest.raises(openai.RateLimitError) as caught:
        stream_events(client)
    assert caught.value.code == "insufficient_quota"


def test_fault_cut_ends_the_stream_quietly(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.replay("responses-code-interpreter-csv-file-stream.yaml")
    fake.fault("cut", after=30)
    events = stream_events(client)  # no exception
    assert len(events) == 30
    assert all(e.type != "response.completed" for e in events)
    assert fake.pending() == {}  # the cut consumed the queued recording


def test_fault_drop_breaks_the_stream(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("drop", after=3)
    seen: list[Any] = []
    with (
        client.responses.create(model="gpt-5.5", input="?", stream=True) as stream,
        pytest.raises(openai.APIConnectionError),
    ):
        for event in stream:
            seen.append(event)
    assert [e.type for e in seen] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
    ]


def test_fault_stall_times_out(fake: FakeOpenAI) -> None:
    fake.script_analysis(text="Slow.", code="x = 1", logs="")
    fake.fault("stall", after=4, seconds=3.0)
    seen: list[Any] = []
    started = time.monotonic()
    with (
        make_client(fake, timeout=1.0) as impatient,
        pytest.raises(openai.APITimeoutError),
        impatient.responses.create(model="gpt-5.5", input="?", stream=True) as stream,
    ):
        for event in stream:
            seen.append(event)
    assert 0.9 <= time.monotonic() - started < 2.5
    assert [e.type for e in seen][:2] == ["response.created", "response.in_progress"]
    assert len(seen) == 4


def test_fault_stall_then_carries_on(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("stall", after=2, seconds=0.3)
    started = time.monotonic()
    events = stream_events(client)
    assert time.monotonic() - started >= 0.3
    assert events[-1].type == "response.completed"


def test_fault_failed(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script_analysis(text="Never finished.", code="x = 1", logs="", response_id="resp_f")
    fake.fault("failed", after=12)
    events = stream_events(client)
    assert len(events) == 13
    last = events[-1]
    assert isinstance(last, ResponseFailedEvent)
    assert last.sequence_number == 12
    assert last.response.id == "resp_f" and last.response.status == "failed"
    assert last.response.error is not None and last.response.error.code == "server_error"
    assert all(e.type != "response.completed" for e in events)


def test_fault_incomplete(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.replay("responses-code-interpreter-csv-file-stream.yaml")
    fake.fault("incomplete")
    events = stream_events(client)
    last = events[-1]
    assert isinstance(last, ResponseIncompleteEvent)
    assert last.response.status == "incomplete"
    assert last.response.incomplete_details.reason == "max_output_tokens"
    assert [o.type for o in last.response.output] == [
        "reasoning",
        "code_interpreter_call",
        "message",
    ]
    assert len(events) == 110  # the recording, its response.completed replaced


def test_fault_error_event(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("error_event", after=3)
    events = stream_events(client)
    assert len(events) == 4
    assert isinstance(events[-1], ResponseErrorEvent) and events[-1].code == "server_error"


def test_faults_count_and_target_paths(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fault("500", path="/v1/models", times=2)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            client.models.list()
    assert len(client.models.list().data) == 3
    stream_events(client)  # /v1/responses was never faulted
    with pytest.raises(ValueError, match="unknown fault"):
        fake.fault("teapot")
    with pytest.raises(ValueError, match="only applies"):
        fake.fault("failed", path="/v1/chat/completions")


def test_fault_cut_on_a_chat_stream(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script_chat(chat_stream("one two three four five"))
    fake.fault("cut", path="/v1/chat/completions", after=2)
    with client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "?"}], stream=True
    ) as stream:
        chunks = list(stream)
    assert len(chunks) == 2


def test_stop_closes_everything_even_mid_stall() -> None:
    fake = FakeOpenAI()
    with fake:
        port = int(fake.base_url.rsplit(":", 1)[1].split("/")[0])
        fake.fault("stall", after=1, seconds=60)
        client = make_client(fake, timeout=0.5)
        with client, pytest.raises(openai.APITimeoutError):
            stream_events(client)
        started = time.monotonic()
    assert time.monotonic() - started < 5
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
