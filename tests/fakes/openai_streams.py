"""Builders of scripted OpenAI streams, shaped like the recordings in ``tests/wire``.

Every builder returns a list of JSON payloads (plain dicts): Responses API stream events
(``{"type": "response.created", "sequence_number": 0, ...}``) or Chat Completions chunks
(``{"object": "chat.completion.chunk", ...}``). Hand them to ``FakeOpenAI.script_responses`` /
``FakeOpenAI.script_chat``, or feed them straight to a parser under test.

The shapes follow the recorded traffic (see ``tests/wire/README.md``): ids with the real
prefixes (``resp_``, ``ci_``, ``msg_``, ``fc_``, ``call_``, ``cntr_``, ``cfile_``), ``output_index``
and ``item_id`` on every item event, an ``obfuscation`` field on every delta, code outputs
delivered only in ``response.output_item.done`` (and again in ``response.completed``), and
``container_file_citation`` annotations whose span is the ``sandbox:/mnt/data/<name>`` link,
as the real API cites it. They also satisfy the installed SDK's types strictly (for example
``usage.input_tokens_details.cache_write_tokens``, which newer SDKs require).

Builders are deterministic: the same arguments give the same events, ids included.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CREATED_AT",
    "analysis_stream",
    "chat_stream",
    "container_file_id",
    "failed_event",
    "incomplete_event",
    "pieces",
    "response_object",
    "text_stream",
    "usage",
]

CREATED_AT = 1783641994
"""``created_at`` of every scripted response (a fixed time keeps builders deterministic)."""

_REPORT_PARAMETERS: dict[str, Any] = {"type": "object", "additionalProperties": True}


def pieces(text: str) -> list[str]:
    """Split ``text`` the way the model streams it: word-sized pieces with leading blanks.

    ``"".join(pieces(text)) == text`` always holds; an empty text gives no pieces.
    """
    return re.findall(r"\s*\w+|\s*[^\w\s]+|\s+", text)


def _hex(*parts: object, n: int = 48) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    while len(digest) < n:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:n]


def _obfuscation(*parts: object) -> str:
    """Random-looking padding, as the real API adds to every delta (clients must ignore it)."""
    raw = base64.b64encode(bytes.fromhex(_hex("obf", *parts, n=24))).decode()
    length = 3 + int(_hex("len", *parts, n=2), 16) % 13
    return re.sub(r"[^A-Za-z0-9]", "x", raw)[:length]


def container_file_id(container_id: str, filename: str) -> str:
    """The ``cfile_...`` id the builders give ``filename`` in ``container_id`` (deterministic)."""
    return "cfile_" + _hex("cfile", container_id, filename, n=32)


def usage(
    input_tokens: int = 1200, output_tokens: int = 300, *, reasoning_tokens: int = 0
) -> dict[str, Any]:
    """A Responses API usage object (``response.completed``'s ``usage``)."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
    }


def response_object(
    *,
    response_id: str = "resp_test",
    model: str = "gpt-5.5",
    status: str = "in_progress",
    output: Sequence[Mapping[str, Any]] = (),
    usage: Mapping[str, Any] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    conversation_id: str | None = None,
    error: Mapping[str, Any] | None = None,
    incomplete_details: Mapping[str, Any] | None = None,
    created_at: int = CREATED_AT,
) -> dict[str, Any]:
    """A full Response object with the fields the real API sends (see the gpt-5.5 recording)."""
    done = status in ("completed", "incomplete", "failed")
    obj: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "completed_at": created_at + 9 if status == "completed" else None,
        "error": dict(error) if error is not None else None,
        "frequency_penalty": 0.0,
        "incomplete_details": dict(incomplete_details) if incomplete_details is not None else None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": model,
        "output": [copy.deepcopy(dict(item)) for item in output],
        "parallel_tool_calls": True,
        "presence_penalty": 0.0,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": "medium", "summary": None},
        "safety_identifier": None,
        "service_tier": "default" if done else "auto",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [copy.deepcopy(dict(t)) for t in (tools or [])],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": dict(usage) if usage is not None else None,
        "user": None,
        "metadata": {},
    }
    if conversation_id is not None:
        obj["conversation"] = {"id": conversation_id}
    return obj


class _Stream:
    """Accumulates events, numbering them and tracking the output items."""

    def __init__(
        self,
        *,
        response_id: str,
        model: str,
        tools: Sequence[Mapping[str, Any]],
        conversation_id: str | None,
    ) -> None:
        self.response_id = response_id
        self.model = model
        self.tools = list(tools)
        self.conversation_id = conversation_id
        self.events: list[dict[str, Any]] = []
        self.output: list[dict[str, Any]] = []

    def emit(self, type_: str, **fields: Any) -> None:
        self.events.append({"type": type_, "sequence_number": len(self.events), **fields})

    def response(self, status: str, **kw: Any) -> dict[str, Any]:
        return response_object(
            response_id=self.response_id,
            model=self.model,
            status=status,
            output=self.output if status != "in_progress" else (),
            tools=self.tools,
            conversation_id=self.conversation_id,
            **kw,
        )

    def start(self) -> None:
        self.emit("response.created", response=self.response("in_progress"))
        self.emit("response.in_progress", response=self.response("in_progress"))

    def item_id(self, prefix: str) -> str:
        return f"{prefix}_" + _hex(self.response_id, prefix, len(self.output), n=48)

    def code_interpreter_call(
        self, *, code: str, container_id: str, outputs: list[dict[str, Any]]
    ) -> None:
        index = len(self.output)
        item_id = self.item_id("ci")
        item = {
            "id": item_id,
            "type": "code_interpreter_call",
            "status": "in_progress",
            "code": "",
            "container_id": container_id,
            "outputs": [],
        }
        where = {"item_id": item_id, "output_index": index}
        self.emit("response.output_item.added", item=dict(item), output_index=index)
        self.emit("response.code_interpreter_call.in_progress", **where)
        for n, piece in enumerate(pieces(code)):
            self.emit(
                "response.code_interpreter_call_code.delta",
                delta=piece,
                obfuscation=_obfuscation(item_id, n),
                **where,
            )
        self.emit("response.code_interpreter_call_code.done", code=code, **where)
        self.emit("response.code_interpreter_call.interpreting", **where)
        self.emit("response.code_interpreter_call.completed", **where)
        item.update(status="completed", code=code, outputs=outputs)
        self.output.append(item)
        self.emit("response.output_item.done", item=copy.deepcopy(item), output_index=index)

    def message(self, text: str, annotations: list[dict[str, Any]]) -> None:
        index = len(self.output)
        item_id = self.item_id("msg")
        item: dict[str, Any] = {
            "id": item_id,
            "type": "message",
            "status": "in_progress",
            "content": [],
            "phase": "final_answer",
            "role": "assistant",
        }
        where = {"content_index": 0, "item_id": item_id, "output_index": index}
        self.emit("response.output_item.added", item=copy.deepcopy(item), output_index=index)
        empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        self.emit("response.content_part.added", part=empty_part, **where)
        for n, piece in enumerate(pieces(text)):
            self.emit(
                "response.output_text.delta",
                delta=piece,
                logprobs=[],
                obfuscation=_obfuscation(item_id, n),
                **where,
            )
        for n, annotation in enumerate(annotations):
            self.emit(
                "response.output_text.annotation.added",
                annotation=dict(annotation),
                annotation_index=n,
                **where,
            )
        self.emit("response.output_text.done", text=text, logprobs=[], **where)
        part = {
            "type": "output_text",
            "annotations": [dict(a) for a in annotations],
            "logprobs": [],
            "text": text,
        }
        self.emit("response.content_part.done", part=copy.deepcopy(part), **where)
        item.update(status="completed", content=[part])
        self.output.append(item)
        self.emit("response.output_item.done", item=copy.deepcopy(item), output_index=index)

    def function_call(self, name: str, arguments: str) -> None:
        index = len(self.output)
        item_id = self.item_id("fc")
        call_id = "call_" + _hex(self.response_id, "call", index, n=24)
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id,
            "name": name,
        }
        where = {"item_id": item_id, "output_index": index}
        self.emit("response.output_item.added", item=dict(item), output_index=index)
        for n, piece in enumerate(pieces(arguments)):
            self.emit(
                "response.function_call_arguments.delta",
                delta=piece,
                obfuscation=_obfuscation(item_id, n),
                **where,
            )
        self.emit("response.function_call_arguments.done", arguments=arguments, **where)
        item.update(status="completed", arguments=arguments)
        self.output.append(item)
        self.emit("response.output_item.done", item=dict(item), output_index=index)

    def complete(self, usage_: Mapping[str, Any]) -> list[dict[str, Any]]:
        self.emit("response.completed", response=self.response("completed", usage=usage_))
        return self.events


def _citations(text: str, container_id: str, files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """One ``container_file_citation`` per file, spanning its ``sandbox:/mnt/data/`` link.

    A file the text does not link gets the empty span 0..0, as the real API cites files the
    model made without linking them (see the image recording).
    """
    annotations = []
    for filename in files:
        link = f"sandbox:/mnt/data/{filename}"
        start = text.find(link)
        span = (start, start + len(link)) if start >= 0 else (0, 0)
        annotations.append(
            {
                "type": "container_file_citation",
                "container_id": container_id,
                "end_index": span[1],
                "file_id": container_file_id(container_id, filename),
                "filename": filename,
                "start_index": span[0],
            }
        )
    return annotations


def analysis_stream(
    *,
    text: str,
    code: str,
    logs: str,
    image_png: bytes | None = None,
    container_id: str = "cntr_test",
    files: Mapping[str, bytes] | None = None,
    report: Mapping[str, Any] | None = None,
    model: str = "gpt-5.5",
    response_id: str = "resp_test",
    conversation_id: str | None = None,
    token_usage: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """A code-interpreter analysis, reasoning-free, as the Responses API streams it.

    Output items, in order: a ``code_interpreter_call`` (``code`` in several deltas; its
    outputs, an image as a ``data:image/png;base64,...`` URL when ``image_png`` is given, then
    the ``logs`` when not empty, arrive only in ``response.output_item.done`` and again in
    ``response.completed``); an assistant message with ``text`` in several deltas, each file
    in ``files`` (filename -> bytes) cited by a ``container_file_citation`` whose ``file_id`` is
    ``container_file_id(container_id, filename)``; if ``report`` is given, a function call
    ``report_results`` whose arguments ``json.dumps(report)`` stream in fragments. Ends with
    ``response.completed`` (status ``completed``, ``usage``).

    The file bytes are not on the wire: ``FakeOpenAI.script_analysis`` queues this stream and
    serves the files from the container.
    """
    tools: list[dict[str, Any]] = [{"type": "code_interpreter", "container": {"type": "auto"}}]
    if report is not None:
        tools.append(
            {
                "type": "function",
                "name": "report_results",
                "description": "Report the figures of the analysis for local verification.",
                "parameters": _REPORT_PARAMETERS,
                "strict": False,
            }
        )
    stream = _Stream(
        response_id=response_id, model=model, tools=tools, conversation_id=conversation_id
    )
    stream.start()
    outputs: list[dict[str, Any]] = []
    if image_png is not None:
        url = "data:image/png;base64," + base64.b64encode(image_png).decode("ascii")
        outputs.append({"type": "image", "url": url})
    if logs:
        outputs.append({"type": "logs", "logs": logs})
    stream.code_interpreter_call(code=code, container_id=container_id, outputs=outputs)
    stream.message(text, _citations(text, container_id, files or {}))
    if report is not None:
        stream.function_call("report_results", json.dumps(dict(report)))
    return stream.complete(token_usage if token_usage is not None else usage(2772, 1166))


def text_stream(
    text: str,
    *,
    model: str = "gpt-5.5",
    response_id: str = "resp_test",
    conversation_id: str | None = None,
    token_usage: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """A plain text answer: created, in_progress, one message in several deltas, completed."""
    stream = _Stream(
        response_id=response_id, model=model, tools=[], conversation_id=conversation_id
    )
    stream.start()
    stream.message(text, [])
    return stream.complete(
        token_usage if token_usage is not None else usage(40, len(pieces(text)) + 1)
    )


def _terminal(
    events: Sequence[Mapping[str, Any]],
    status: str,
    **fields: Any,
) -> dict[str, Any]:
    base: dict[str, Any] = {}
    output: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("type")
        if kind in ("response.created", "response.in_progress") and "response" in event:
            base = copy.deepcopy(dict(event["response"]))
        elif kind == "response.output_item.done" and "item" in event:
            output.append(copy.deepcopy(dict(event["item"])))
    response = response_object(
        response_id=base.get("id", "resp_test"),
        model=base.get("model", "gpt-5.5"),
        created_at=base.get("created_at", CREATED_AT),
        tools=base.get("tools") or [],
        status=status,
        output=output,
        **fields,
    )
    if "conversation" in base:
        response["conversation"] = base["conversation"]
    seq = max((e.get("sequence_number", -1) for e in events), default=-1) + 1
    return {"type": f"response.{status}", "sequence_number": seq, "response": response}


def failed_event(
    events_so_far: Sequence[Mapping[str, Any]],
    *,
    code: str = "server_error",
    message: str = (
        "An error occurred while processing your request. You can retry your request, or "
        "contact us through our help center at help.openai.com if the error persists."
    ),
) -> dict[str, Any]:
    """The ``response.failed`` event that ends a stream after ``events_so_far``."""
    return _terminal(events_so_far, "failed", error={"code": code, "message": message})


def incomplete_event(
    events_so_far: Sequence[Mapping[str, Any]], *, reason: str = "max_output_tokens"
) -> dict[str, Any]:
    """The ``response.incomplete`` event that ends a stream after ``events_so_far``."""
    return _terminal(
        events_so_far,
        "incomplete",
        incomplete_details={"reason": reason},
        usage=usage(1200, 4096),
    )


def chat_stream(
    text: str | None = None,
    *,
    tool_calls: Sequence[Mapping[str, Any]] = (),
    model: str = "gpt-4.1",
    completion_id: str = "chatcmpl-test",
    include_usage: bool = True,
    prompt_tokens: int = 53,
    created: int = CREATED_AT,
    argument_chunk: int | None = None,
    finish_reason: str | None = None,
) -> list[dict[str, Any]]:
    """Chat Completions chunks for a text answer and/or tool calls, as the API streams them.

    ``tool_calls`` items are mappings with ``name``, ``arguments`` (a JSON string, or any
    JSON-able value that is dumped) and optionally ``id`` and ``fragments`` (the exact pieces
    the arguments stream in; they must join to the arguments). The first chunk carries the
    role; text streams in several ``content`` deltas, each tool call starts with its id and
    name and then streams its arguments in fragments (word-sized, or ``argument_chunk``
    characters each: 1 splits every escape sequence); a chunk with ``finish_reason``
    (``tool_calls`` or ``stop``, unless ``finish_reason`` says otherwise, e.g. ``length``)
    follows, then, if ``include_usage``, a usage chunk with no choices. The server adds
    ``data: [DONE]``.
    """
    chunks: list[dict[str, Any]] = []

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage_: Any = None) -> None:
        choices = []
        if delta is not None:
            choices = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        chunks.append(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "service_tier": "default",
                "system_fingerprint": "fp_fake0000",
                "choices": choices,
                "usage": usage_,
                "obfuscation": _obfuscation(completion_id, len(chunks)),
            }
        )

    completion_tokens = 1
    first: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if text is not None:
        first["content"] = ""
        chunk(first)
        first = {}
        for piece in pieces(text):
            chunk({"content": piece})
            completion_tokens += 1
    for index, call in enumerate(tool_calls):
        arguments = call["arguments"]
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, separators=(",", ":"))
        call_id = call.get("id") or "call_" + _hex(completion_id, "call", index, n=24)
        start = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": call["name"], "arguments": ""},
        }
        chunk({**first, "tool_calls": [start]})
        first = {}
        fragments = call.get("fragments")
        if fragments is None and argument_chunk:
            step = argument_chunk
            fragments = [arguments[i : i + step] for i in range(0, len(arguments), step)]
        if fragments is None:
            fragments = pieces(arguments)
        if "".join(fragments) != arguments:
            raise ValueError("the fragments of a tool call must join to its arguments")
        for piece in fragments:
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            completion_tokens += 1
    if first:  # neither text nor tool calls: an empty answer
        first["content"] = ""
        chunk(first)
    chunk({}, finish_reason or ("tool_calls" if tool_calls else "stop"))
    if include_usage:
        chunk(
            None,
            usage_={
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
        )
    return chunks
