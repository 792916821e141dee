"""The OpenAI backend against the loopback fake server, with the real ``openai`` SDK.

Nothing here reaches the internet: every client is pointed at ``FakeOpenAI`` (``base_url``
argument or ``OPENAI_BASE_URL``). The recordings in ``tests/wire`` are replayed byte for
byte; the analyses are scripted with ``tests.fakes.openai_streams``.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import yaml
from PIL import Image

from assistant_core.backends import get_backend, resolve_name
from assistant_core.backends.base import Conversation
from assistant_core.backends.openai import (
    EXPIRED_NOTE,
    INLINE_LIMIT,
    REPORT_TOOL,
    OpenAIBackend,
    StreamMapper,
    data_message,
    dataset_csv,
    image_from_url,
    list_models,
    map_failure,
    parse_report,
    scrub,
)
from assistant_core.data import make_dataset, read_csv
from assistant_core.events import Error, Event, Status
from assistant_core.openai_settings import (
    DEFAULT_PRICES,
    default_model,
    estimate_cost,
    load_prices,
    price_for,
)
from assistant_core.runner import run_turn
from assistant_core.stats import check
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import (
    analysis_stream,
    failed_event,
    pieces,
    text_stream,
    usage,
)

WIRE = Path(__file__).parent / "wire"
STREAMED_RECORDINGS = [
    "responses-code-interpreter-image-stream.yaml",
    "responses-code-interpreter-csv-file-stream.yaml",
    "responses-code-interpreter-reasoning-no-outputs-stream.yaml",
    "responses-code-interpreter-three-calls.chunks.jsonl",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The worked example: Welch's t-test, first group minus second.
A = [37.4, 35.8, 39.3, 41.2, 43.5, 40.2, 38.1, 37.4, 42.3, 45.1]
B = [55.8, 48.2, 49.5, 62.7, 55.6, 45.5, 54.0, 48.5, 51.2, 52.0]
WELCH = {
    "test": "welch_t",
    "alternative": "two-sided",
    "statistic": -6.7083,
    "df": 14.780,
    "df_between": None,
    "df_within": None,
    "p_value": 7.557e-06,
    "ci_low": -16.17,
    "ci_high": -8.37,
    "ci_level": 0.95,
    "mean_difference": -12.27,
    "effect_size_name": "cohens_d",
    "effect_size": -3.00,
}
WELCH_CODE = (
    "import pandas as pd\n"
    "from scipy import stats\n"
    "a, b = data['A'], data['B']\n"
    "res = stats.ttest_ind(a, b, equal_var=False)\n"
    "print(res.statistic, res.df, res.pvalue)\n"
)
WELCH_TEXT = (
    "I used Welch's t-test because the variances may differ. The groups differ clearly: "
    "the first group is lower than the second."
)


def dataset(**kw: Any):
    return make_dataset({"A": A, "B": B}, **kw)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


MakeBackend = Callable[..., OpenAIBackend]


@pytest.fixture
def make_backend(fake: FakeOpenAI) -> Iterator[Callable[..., OpenAIBackend]]:
    """Backends pointed at the fake (keyword arguments override); closed after the test."""
    made: list[OpenAIBackend] = []

    def make(**kw: Any) -> OpenAIBackend:
        options: dict[str, Any] = {"api_key": fake.api_key, "base_url": fake.base_url}
        made.append(OpenAIBackend(**{**options, **kw}))
        return made[-1]

    yield make
    for backend in made:
        backend.close()


def responses_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests if r.method == "POST" and r.path == "/v1/responses"]


def of_type(events: list[Event], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


def joined_text(events: list[Event]) -> str:
    return "".join(e.text for e in of_type(events, "text_delta"))


def assert_no_key(fake: FakeOpenAI, events: list[Event], caplog: pytest.LogCaptureFixture):
    dumped = json.dumps([e.to_dict() for e in events], default=str)
    assert fake.api_key not in dumped
    assert fake.api_key not in caplog.text
    for record in caplog.records:
        assert fake.api_key not in record.getMessage()


# --------------------------------------------------------------------------- recordings


def recorded_events(name: str) -> list[dict[str, Any]]:
    """The ``data:`` payloads of a recorded /v1/responses stream, parsed independently."""
    path = WIRE / name
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    cassette = yaml.safe_load(path.read_text())
    for interaction in cassette["interactions"]:
        if interaction["request"]["uri"].endswith("/v1/responses"):
            text = interaction["response"]["body"]["string"]
            break
    payloads = []
    for block in text.split("\n\n"):
        data = [line[5:].strip() for line in block.splitlines() if line.startswith("data:")]
        if data:
            payloads.append(json.loads("\n".join(data)))
    return payloads


def recorded_expectations(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    text = "".join(p["delta"] for p in payloads if p["type"] == "response.output_text.delta")
    done_text = "".join(p["text"] for p in payloads if p["type"] == "response.output_text.done")
    assert text == done_text  # the recording is whole
    code = [p["code"] for p in payloads if p["type"] == "response.code_interpreter_call_code.done"]
    logs, images = [], []
    for p in payloads:
        item = p.get("item") or {}
        if p["type"] == "response.output_item.done" and item["type"] == "code_interpreter_call":
            for output in item.get("outputs") or []:
                if output["type"] == "logs":
                    logs.append(output["logs"])
                else:
                    head, _, data = output["url"].partition(",")
                    assert head == "data:image/png;base64"
                    images.append(base64.b64decode(data))
    citations = {}
    for p in payloads:
        note = p.get("annotation") or {}
        if note.get("type") == "container_file_citation":
            citations.setdefault(note["file_id"], (note["container_id"], note["filename"]))
    usage = next(p["response"]["usage"] for p in payloads if p["type"] == "response.completed")
    return {
        "text": text,
        "code": code,
        "logs": logs,
        "images": images,
        "citations": citations,
        "usage": usage,
    }


@pytest.mark.parametrize("name", STREAMED_RECORDINGS)
def test_recorded_stream_comes_back_whole(
    fake: FakeOpenAI, make_backend: MakeBackend, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    expected = recorded_expectations(recorded_events(name))
    fake.replay(name)
    served: dict[str, bytes] = {}
    for file_id, (container_id, filename) in expected["citations"].items():
        if (container_id, file_id) not in fake.container_files:  # not recorded: serve some
            data = PNG_SIGNATURE + file_id.encode() if filename.endswith(".png") else b"x,y\n1,2\n"
            fake.add_container_file(container_id, file_id, data, filename)
        served[file_id] = fake.container_files[(container_id, file_id)]

    events = list(make_backend().stream(Conversation(dataset=dataset()), "q"))

    assert joined_text(events) == expected["text"]
    assert [e.code for e in of_type(events, "code_done")] == expected["code"]
    assert "".join(e.code for e in of_type(events, "code_delta")) == "".join(expected["code"])
    assert [e.logs for e in of_type(events, "code_output")] == expected["logs"]
    inline = [e for e in of_type(events, "image_output") if e.filename is None]
    assert [e.data for e in inline] == expected["images"]
    for image in inline:
        assert image.data[:8] == PNG_SIGNATURE and image.mime == "image/png"
        width, height = struct.unpack(">II", image.data[16:24])
        with Image.open(io.BytesIO(image.data)) as decoded:
            assert decoded.format == "PNG" and decoded.size == (width, height)
            decoded.load()
    files = of_type(events, "file_output")
    assert [f.filename for f in files] == [fname for _, fname in expected["citations"].values()]
    assert {f.filename: f.data for f in files} == {
        filename: served[file_id] for file_id, (_, filename) in expected["citations"].items()
    }
    usage = expected["usage"]
    assert events[-1] == Status(
        "completed",
        usage={k: usage[k] for k in ("input_tokens", "output_tokens", "total_tokens")},
    )
    assert not of_type(events, "error")
    assert_no_key(fake, events, caplog)


def test_image_recording_pixels() -> None:
    """The recorded chart decodes to the PNG the SDK was sent: 1180 x 780 pixels."""
    payloads = recorded_events("responses-code-interpreter-image-stream.yaml")
    mapper = StreamMapper()
    events = [ours for payload in payloads for ours in mapper.map(payload)]
    (image,) = of_type(events, "image_output")
    with Image.open(io.BytesIO(image.data)) as decoded:
        assert decoded.size == (1180, 780)
    assert mapper.completed and mapper.container_id.startswith("cntr_")


def test_csv_recording_download_is_the_recorded_file(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.replay("responses-code-interpreter-csv-file-stream.yaml")
    events = list(make_backend().stream(Conversation(dataset=dataset()), "q"))
    (file,) = of_type(events, "file_output")
    assert file.filename == "numbers_and_squares.csv" and file.mime == "text/csv"
    assert file.data == b"number,square\r\n1,1\r\n2,4\r\n3,9\r\n4,16\r\n5,25\r\n"
    downloads = [r for r in fake.requests if r.path.endswith("/content")]
    assert len(downloads) == 1 and downloads[0].method == "GET"


def test_reasoning_summaries_stream_apart_from_the_answer() -> None:
    payloads = recorded_events("responses-code-interpreter-reasoning-no-outputs-stream.yaml")
    summaries = [p["text"] for p in payloads if p["type"] == "response.reasoning_summary_text.done"]
    mapper = StreamMapper()
    events = [e for p in payloads for e in mapper.map(p)]
    text = "".join(e.text for e in events if e.type == "text_delta")
    reasoning = "".join(e.text for e in events if e.type == "reasoning_delta")
    assert summaries and reasoning == "".join(summaries)
    assert summaries[0][:40] not in text
    assert text.startswith("123456^123 equals:")


def test_upload_matches_the_recorded_code_interpreter_upload(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    """The recorded upload-then-respond exchange, replayed: our upload and container match it.

    Its response was recorded non-streamed (JSON): to our streamed request that is a stream
    without events, so the turn ends in one retryable Error, not an exception.
    """
    name = "files-upload-then-responses-code-interpreter.yaml"
    cassette = yaml.safe_load((WIRE / name).read_text())
    recorded_upload, recorded_response = (i["request"] for i in cassette["interactions"][:2])
    recorded_id = cassette["interactions"][0]["response"]["parsed_body"]["id"]
    fake.replay(name)
    data = dataset(source="csv")
    conversation = Conversation(dataset=data)

    events = list(make_backend().stream(conversation, "q"))

    upload = next(r for r in fake.requests if r.path == "/v1/files")
    assert b'name="purpose"\r\n\r\nassistants' in upload.body
    assert 'name="purpose"\n\nassistants' in recorded_upload["body"].replace("\r", "")
    assert b'filename="data.csv"' in upload.body and b"Content-Type: text/csv" in upload.body
    assert fake.files[recorded_id] == dataset_csv(data).encode()
    ours = responses_requests(fake)[0]["tools"][0]
    theirs = recorded_response["parsed_body"]["tools"][0]
    assert ours == {
        "type": "code_interpreter",
        "container": {"type": "auto", "file_ids": [recorded_id]},
    }
    assert theirs == {
        "type": "code_interpreter",
        "container": {"type": "auto", "file_ids": [recorded_id]},
    }
    (error,) = of_type(events, "error")
    assert error.retryable and events[-1].state == "failed"


# --------------------------------------------------------------------------- analyses


def welch_turn(
    fake: FakeOpenAI, make_backend: MakeBackend, report: dict[str, Any], **backend_kw: Any
):
    """A scripted Welch analysis reporting ``report``, then the tool round trip's answer."""
    first = fake.script_analysis(
        text=WELCH_TEXT,
        code=WELCH_CODE,
        logs="-6.708257 14.780074 7.5573e-06",
        report=report,
    )
    fake.script_responses(text_stream("The figures are recorded.", response_id="resp_two"))
    data = dataset()
    conversation = Conversation(dataset=data)
    backend = make_backend(**backend_kw)
    events = list(
        run_turn(backend, conversation, "Do they differ?", local_report=check(data).to_dict())
    )
    return first, conversation, events


def test_welch_analysis_verifies_and_completes_the_tool_round_trip(
    fake: FakeOpenAI, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first, conversation, events = welch_turn(fake, make_backend, WELCH)

    (reported,) = of_type(events, "reported")
    assert reported.figures["test"] == "welch_t"
    assert reported.figures["p_value"] == 7.557e-06
    assert "df_between" not in reported.figures  # nulls are left out
    verdict = events[-1]
    assert verdict.type == "verification" and verdict.variant == "welch_t"
    statuses = {f["name"]: f["status"] for f in verdict.figures}
    for name in ("statistic", "df", "p_value", "ci_low", "ci_high", "effect_size"):
        assert statuses[name] == "match", verdict.figures
    assert all(status == "match" for status in statuses.values()), verdict.figures

    requests = responses_requests(fake)
    assert len(requests) == 2
    call = next(
        e["item"]
        for e in first
        if e["type"] == "response.output_item.done" and e["item"]["type"] == "function_call"
    )
    assert requests[1]["input"] == [
        {"type": "function_call_output", "call_id": call["call_id"], "output": "recorded"}
    ]
    assert requests[1]["conversation"] == requests[0]["conversation"] == conversation.remote_id
    assert requests[1]["stream"] is True
    # the follow-up's answer starts a paragraph of its own
    assert joined_text(events) == WELCH_TEXT + "\n\nThe figures are recorded."
    status = of_type(events, "status")
    assert len(status) == 1 and status[0].state == "completed"
    assert (
        status[0].usage["total_tokens"]
        == (2772 + 1166) + 40 + len(pieces("The figures are recorded.")) + 1
    )
    assert conversation.state["openai"]["pending_outputs"] == []
    assert_no_key(fake, events, caplog)


def test_welch_analysis_with_a_wrong_p_value_is_flagged(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    _, _, events = welch_turn(fake, make_backend, {**WELCH, "p_value": 7.557e-04})
    verdict = events[-1]
    statuses = {f["name"]: f["status"] for f in verdict.figures}
    assert statuses["p_value"] == "mismatch", verdict.figures
    assert statuses["statistic"] == statuses["df"] == "match"


def test_no_report_call_gives_no_reported_event(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.script_analysis(text="Welch's t(14.78) = -6.71, p = 7.557e-06.", code="x = 1\n", logs="")
    data = dataset()
    events = list(
        run_turn(
            make_backend(), Conversation(dataset=data), "q", local_report=check(data).to_dict()
        )
    )
    assert not of_type(events, "reported")
    assert len(responses_requests(fake)) == 1  # no round trip to complete
    statuses = {f["name"]: f["status"] for f in events[-1].figures}
    assert statuses["statistic"] == statuses["p_value"] == "match"  # read from the text


# --------------------------------------------------------------------------- requests


def test_request_carries_instructions_tools_conversation_and_the_data(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.script_analysis(text="First answer.", code="print(1)\n", logs="1", container_id="cntr_abc")
    conversation = Conversation(dataset=dataset())
    backend = make_backend()
    list(backend.stream(conversation, "Do they differ?"))

    (created,) = [r for r in fake.requests if r.path == "/v1/conversations"]
    assert conversation.remote_id in fake.conversations
    assert created.method == "POST"
    (request,) = responses_requests(fake)
    assert request["model"] == "gpt-5.5"
    assert "report_results" in request["instructions"] and "assumptions" in request["instructions"]
    assert request["include"] == ["code_interpreter_call.outputs"]
    assert request["conversation"] == conversation.remote_id
    assert request["stream"] is True
    interpreter, report = request["tools"]
    assert interpreter == {"type": "code_interpreter", "container": {"type": "auto"}}
    assert report["type"] == "function" and report["name"] == "report_results"
    schema = report["parameters"]
    assert set(schema["properties"]) >= {
        "test", "alternative", "statistic", "df", "df_between", "df_within", "p_value",
        "ci_low", "ci_high", "mean_difference", "effect_size_name", "effect_size",
    }  # fmt: skip
    assert set(schema["required"]) == set(schema["properties"])
    (message,) = request["input"]
    assert message["role"] == "user" and message["content"].startswith("Do they differ?")
    block = message["content"].split("```csv\n", 1)[1].split("```", 1)[0]
    frame = read_csv(block.encode())
    assert list(frame.columns) == ["group", "value"]
    assert frame[frame.group == "A"].value.tolist() == A
    assert frame[frame.group == "B"].value.tolist() == B
    assert not [r for r in fake.requests if r.path == "/v1/files"]  # small: inline

    # a follow-up continues the conversation, in the same container, without the data
    fake.script_responses(text_stream("Yes, by about 12 units."))
    events = list(backend.stream(conversation, "How big is the difference?"))
    assert events[-1].state == "completed"
    follow = responses_requests(fake)[1]
    assert follow["conversation"] == request["conversation"]
    assert follow["input"] == [{"role": "user", "content": "How big is the difference?"}]
    assert follow["tools"][0] == {"type": "code_interpreter", "container": "cntr_abc"}
    assert follow["instructions"] == request["instructions"]
    assert len([r for r in fake.requests if r.path == "/v1/conversations"]) == 1
    assert "37.4" not in json.dumps(follow)


def test_csv_sourced_data_is_uploaded_as_a_file(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.script_responses(text_stream("Done."))
    data = dataset(source="csv")
    conversation = Conversation(dataset=data)
    events = list(make_backend().stream(conversation, "Do they differ?"))
    assert events[-1].state == "completed"
    (file_id,) = fake.files
    assert fake.files[file_id] == dataset_csv(data).encode()
    assert fake.file_objects[file_id]["purpose"] == "assistants"
    (request,) = responses_requests(fake)
    assert request["tools"][0]["container"] == {"type": "auto", "file_ids": [file_id]}
    content = request["input"][0]["content"]
    assert "/mnt/data/data.csv" in content and "37.4" not in content


def test_large_data_goes_as_a_file_and_is_uploaded_once(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    n = INLINE_LIMIT // 2 + 1
    data = make_dataset({"x": [float(i) for i in range(n)], "y": [i + 0.5 for i in range(n)]})
    fake.script_responses(text_stream("Done."))
    fake.script_responses(text_stream("Again."))
    conversation = Conversation(dataset=data)
    backend = make_backend()
    list(backend.stream(conversation, "q1"))
    list(backend.stream(conversation, "q2"))
    assert len(fake.files) == 1
    first, second = responses_requests(fake)
    assert first["tools"][0]["container"]["file_ids"] == list(fake.files)
    assert second["input"] == [{"role": "user", "content": "q2"}]


def test_paired_data_keeps_its_pairs() -> None:
    data = make_dataset({"before": [1.0, 2.0, 3.5], "after": [1.5, 2.5, 3.0]}, paired=True)
    frame = read_csv(dataset_csv(data).encode())
    assert list(frame.columns) == ["pair", "group", "value"]
    assert frame.pair.tolist() == [1, 2, 3, 1, 2, 3]
    assert "paired" in data_message("q", data)


def test_group_names_are_data_not_markup() -> None:
    data = make_dataset({'dose, "high"': [1.0, 2.0, 3.0], "x```y": [4.0, 5.0, 6.0]})
    frame = read_csv(dataset_csv(data).encode())
    assert frame.group.unique().tolist() == ['dose, "high"', "x```y"]
    message = data_message("q", data)
    block = message.split("````csv\n", 1)[1].split("\n````", 1)[0]  # a longer fence
    assert read_csv(block.encode()).group.unique().tolist() == ['dose, "high"', "x```y"]


def test_expired_container_is_replaced_with_a_note(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    fake.script_analysis(text="First.", code="print(1)\n", logs="1", container_id="cntr_old")
    conversation = Conversation(dataset=dataset())
    backend = make_backend()
    list(backend.stream(conversation, "q1"))
    fake.expire_container("cntr_old")
    fake.script_responses(text_stream("Second."))

    events = list(backend.stream(conversation, "q2"))

    assert not of_type(events, "error")
    assert events[0].type == "text_delta" and events[0].text == EXPIRED_NOTE
    assert joined_text(events) == EXPIRED_NOTE + "Second."
    assert events[-1].state == "completed"
    failed, retried = responses_requests(fake)[1:]
    assert failed["tools"][0]["container"] == "cntr_old"
    (file_id,) = fake.files
    assert fake.files[file_id] == dataset_csv(conversation.dataset).encode()
    assert retried["tools"][0]["container"] == {"type": "auto", "file_ids": [file_id]}
    assert retried["conversation"] == failed["conversation"]
    assert "/mnt/data/data.csv" in retried["input"][-1]["content"]


def test_a_failed_round_trip_is_completed_on_the_next_turn(
    fake: FakeOpenAI, make_backend: MakeBackend
) -> None:
    first = fake.script_analysis(text=WELCH_TEXT, code=WELCH_CODE, logs="", report=WELCH)
    conversation = Conversation(dataset=dataset())
    backend = make_backend(max_retries=0)
    # the analysis goes through; its follow-up (the tool output) meets a 500
    events = []
    stream = backend.stream(conversation, "q1")
    for event in stream:
        events.append(event)
        if event.type == "reported":
            fake.fault("500")
            break
    events.extend(stream)
    assert of_type(events, "reported")
    (error,) = of_type(events, "error")
    assert error.kind == "server"
    call_id = next(
        e["item"]["call_id"]
        for e in first
        if e["type"] == "response.output_item.done" and e["item"]["type"] == "function_call"
    )
    fake.script_responses(text_stream("Next answer."))
    list(backend.stream(conversation, "q2"))
    last = responses_requests(fake)[-1]
    assert last["input"][0] == {
        "type": "function_call_output",
        "call_id": call_id,
        "output": "recorded",
    }
    assert last["input"][1] == {"role": "user", "content": "q2"}


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
    "failed": ({}, "failed", True, True),
    "incomplete": ({}, "incomplete", False, True),
    "error_event": ({}, "server", True, True),
}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_each_fault_is_one_error_after_what_arrived(
    fake: FakeOpenAI, make_backend: MakeBackend, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    options, error_kind, retryable, partial = FAULTS[kind]
    scripted = fake.script_analysis(
        text="The groups differ: Welch's test.", code="x = 1\ny = 2\n", logs="3"
    )
    deltas = [i for i, e in enumerate(scripted) if e["type"] == "response.output_text.delta"]
    after = deltas[2] + 1  # the code, its output and three pieces of text arrive
    if partial:
        options = {**options, "after": after}
    fake.fault(kind, **options)
    backend = make_backend(max_retries=1, stall_timeout=0.3)

    events = list(run_turn(backend, Conversation(dataset=dataset()), "q"))

    errors = of_type(events, "error")
    assert len(errors) == 1, events
    (error,) = errors
    assert (error.kind, error.retryable) == (error_kind, retryable), error
    assert error.message
    assert events[-1].type == "status" and events[-1].state == "failed"
    assert events.index(error) == len(events) - 2
    text = joined_text(events)
    if partial:
        sent = scripted[:after]
        assert text == "".join(
            e["delta"] for e in sent if e["type"] == "response.output_text.delta"
        )
        assert text and [e.code for e in of_type(events, "code_done")] == ["x = 1\ny = 2\n"]
        assert [e.logs for e in of_type(events, "code_output")] == ["3"]
    else:
        assert text == ""
    if kind in ("429", "500"):  # the SDK's retries, none of ours on top
        assert len(responses_requests(fake)) == 2
    assert_no_key(fake, events, caplog)


def test_model_error_names_the_model(fake: FakeOpenAI, make_backend: MakeBackend) -> None:
    fake.fault("404_model")
    events = list(
        make_backend(model="gpt-9-imaginary").stream(Conversation(dataset=dataset()), "q")
    )
    (error,) = of_type(events, "error")
    assert "gpt-9-imaginary" in error.message


def test_refused_key_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI(api_key="sk-the-right-key-123456") as fake:
        wrong = "sk-proj-wrong-key-abcdef0123456789"
        with OpenAIBackend(api_key=wrong, base_url=fake.base_url) as backend:
            events = list(run_turn(backend, Conversation(dataset=dataset()), "q"))
    (error,) = of_type(events, "error")
    assert error.kind == "auth" and not error.retryable and "refused" in error.message
    dumped = json.dumps([e.to_dict() for e in events])
    assert wrong not in dumped and wrong not in caplog.text and wrong not in repr(backend)


def test_a_failure_message_echoing_the_key_is_scrubbed(
    fake: FakeOpenAI, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    events = text_stream("Partial answer.")
    failing = [*events[:-1], failed_event(events[:-1], message=f"bad key {fake.api_key} seen")]
    fake.script_responses(failing)
    out = list(make_backend().stream(Conversation(dataset=dataset()), "q"))
    (error,) = of_type(out, "error")
    assert error.kind == "failed" and "[key]" in error.message
    assert_no_key(fake, out, caplog)


def test_missing_key_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never reached
    events = list(OpenAIBackend().stream(Conversation(dataset=dataset()), "q"))
    assert [e.type for e in events] == ["error", "status"]
    assert events[0].kind == "auth" and not events[0].retryable


def test_unreachable_server_is_a_connection_error() -> None:
    with FakeOpenAI() as fake:
        url, key = fake.base_url, fake.api_key
    with OpenAIBackend(api_key=key, base_url=url, max_retries=0, timeout=2.0) as backend:
        events = list(backend.stream(Conversation(dataset=dataset()), "q"))
    (error,) = of_type(events, "error")
    assert (error.kind, error.retryable) == ("connection", True)


def test_map_failure_scrubs_server_messages() -> None:
    key = "sk-proj-ABCDEFGHIJKLMNOP"
    request = httpx2.Request("POST", "http://127.0.0.1/v1/responses")
    body = {"message": f"Invalid value for 'input': {key}", "type": "invalid_request_error"}
    response = httpx2.Response(400, request=request, json={"error": body})
    exc = openai.BadRequestError("Error code: 400", response=response, body=body)
    error = map_failure(exc, model="gpt-5.5", secrets=[key])
    assert error == Error(
        "request", "OpenAI rejected the request (400): Invalid value for 'input': [key]", False
    )
    assert scrub("token sk-abcdefgh12 and rk-zzzzzzzzz", []) == "token [key] and [key]"


# --------------------------------------------------------------------------- settings


def test_settings_from_the_environment(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fake.api_key)
    monkeypatch.setenv("OPENAI_MODEL", "gpt-5-mini")
    monkeypatch.setenv("OPENAI_PRICES", json.dumps({"gpt-5-mini": [1.0, 2.0]}))
    assert resolve_name("auto") == "openai"
    backend = get_backend("auto")
    assert isinstance(backend, OpenAIBackend)
    assert backend.model == "gpt-5-mini"
    assert backend.label == "OpenAI gpt-5-mini (hosted code interpreter)"
    fake.script_responses(text_stream("Hi.", token_usage=usage(1000, 500)))
    with backend:
        events = list(backend.stream(Conversation(dataset=dataset()), "q"))
    assert events[-1].usage == {
        "input_tokens": 1000,
        "output_tokens": 500,
        "total_tokens": 1500,
        "cost_usd": 0.002,
    }
    assert responses_requests(fake)[0]["model"] == "gpt-5-mini"


def test_registry_builds_the_backend_with_a_model() -> None:
    backend = get_backend("openai", model="gpt-4.1", api_key="sk-unused-0000")
    assert isinstance(backend, OpenAIBackend)
    assert (backend.name, backend.model, backend.has_models) == ("openai", "gpt-4.1", True)
    assert backend.uses_local_interpreter is False
    assert "sk-unused" not in repr(backend)


def test_prices() -> None:
    assert load_prices({}) == DEFAULT_PRICES
    assert load_prices({"OPENAI_PRICES": "not json"}) == DEFAULT_PRICES
    prices = load_prices({"OPENAI_PRICES": '{"m": {"input": 2, "output": 4}, "bad": [1]}'})
    assert prices["m"] == (2.0, 4.0) and "bad" not in prices
    assert price_for(DEFAULT_PRICES, "gpt-5-2025-08-07") == DEFAULT_PRICES["gpt-5"]
    assert price_for(DEFAULT_PRICES, "no-such-model") is None
    assert estimate_cost((1.25, 10.0), 2772, 1166) == 0.015125
    assert estimate_cost(None, 1, 1) is None
    assert default_model({}) == "gpt-5.5" and default_model({"OPENAI_MODEL": "x"}) == "x"


def test_list_models(fake: FakeOpenAI) -> None:
    assert list_models(api_key=fake.api_key, base_url=fake.base_url) == sorted(fake.models)
    assert OpenAIBackend.list_models(api_key=fake.api_key, base_url=fake.base_url) == sorted(
        fake.models
    )
    fake.fault("401", path="/v1/models")
    assert list_models(api_key=fake.api_key, base_url=fake.base_url) == []
    assert list_models(api_key="sk-wrong-key-000000", base_url=fake.base_url) == []


# --------------------------------------------------------------------------- pure parts


def test_parse_report() -> None:
    args = json.dumps({**WELCH, "p_value": "7.557e-06", "df": None, "extra": 1})
    figures = parse_report(args)
    assert figures["p_value"] == 7.557e-06 and "df" not in figures and "extra" not in figures
    assert parse_report("not json") is None and parse_report("[1, 2]") is None
    assert set(REPORT_TOOL["parameters"]["required"]) >= set(WELCH)


def test_image_from_url() -> None:
    png = PNG_SIGNATURE + b"rest"
    image = image_from_url("data:image/png;base64," + base64.b64encode(png).decode())
    assert image.data == png and image.url is None and image.mime == "image/png"
    remote = image_from_url("https://files.example/plot.png")
    assert remote.url == "https://files.example/plot.png" and remote.data is None


def test_mapper_skips_unknown_events_and_reads_dicts() -> None:
    mapper = StreamMapper()
    assert list(mapper.map({"type": "response.something_new", "x": 1})) == []
    events = analysis_stream(text="Hi", code="1", logs="", report={"test": "welch_t"})
    ours = [e for payload in events for e in mapper.map(payload)]
    assert [e.type for e in ours if e.type in ("reported", "code_done")] == [
        "code_done",
        "reported",
    ]
    assert mapper.completed and mapper.tool_outputs()[0]["output"] == "recorded"
