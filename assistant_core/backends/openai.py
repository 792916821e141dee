"""The OpenAI backend: the Responses API with the hosted code interpreter, one conversation per
thread (the Conversations API), the data as a CSV in the message or as an uploaded file.

How one turn goes (:meth:`OpenAIBackend.stream`):

1. The thread's remote conversation is created on its first turn (``conversation.remote_id``)
   and named on every turn, so follow-ups continue it. The data goes with the first turn
   only: inline as a CSV block when small, else (or when it came from a CSV file) as an
   uploaded file given to the code-interpreter container. Later turns run in the same
   container (its id is read from the stream), so the code's variables survive.
2. :func:`build_request` makes the request; the response is streamed and each stream event
   is turned into our events by :class:`StreamMapper` (one small method per family of events;
   the table is ``StreamMapper.HANDLERS``).
3. When the assistant called ``report_results`` (its figures, structured), the call is
   answered with a ``function_call_output`` in a follow-up response whose (short) answer is
   streamed too: the tool round trip is always completed.
4. Every failure, whatever raised it, becomes ONE ``Error`` event in :func:`map_failure`
   (shared with the chat backend, in :mod:`~assistant_core.backends.provider_errors`),
   followed by ``Status("failed")``; what arrived before it was already yielded and stays.

Retries of 408/409/429/5xx and of connection errors are the SDK's (``max_retries``), none of
ours on top. A stream that stalls is cut by the read timeout (``stall_timeout``: the longest
wait for the next bytes of a stream); a stream that just ends without ``response.completed``
is detected here. An expired code-interpreter container is replaced once (the data
uploaded again, the request retried) with a short note in the text.

Reasoning summaries (``response.reasoning_summary_text.delta``) become ``ReasoningDelta``
events: shown apart from the answer, and never read by the verifier as reported figures.
The API key never appears in an event, a message or a log line (see :func:`scrub`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import mimetypes
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import openai
import pandas as pd

from assistant_core.backends.base import ClientBackend, Conversation
from assistant_core.backends.provider_errors import (
    StreamFailure,
    detail,
    error_event_failure,
    map_failure,
    scrub,
)
from assistant_core.data import Dataset
from assistant_core.events import (
    CodeDelta,
    CodeDone,
    CodeOutput,
    Event,
    FileOutput,
    ImageOutput,
    ReasoningDelta,
    Reported,
    Status,
    TextDelta,
)
from assistant_core.openai_settings import default_model, estimate_cost, load_prices, price_for

__all__ = [
    "EXPIRED_NOTE",
    "INLINE_LIMIT",
    "INSTRUCTIONS",
    "REPORT_TOOL",
    "WORKING_RULES",
    "OpenAIBackend",
    "StreamFailure",
    "StreamMapper",
    "build_request",
    "data_message",
    "dataset_csv",
    "full_instructions",
    "list_models",
    "map_failure",
    "scrub",
]

log = logging.getLogger(__name__)

#: at most this many values go into the message as a CSV block; more go as a file
INLINE_LIMIT = 200
#: data sources that always go as a file (the user gave a file: the assistant gets one)
FILE_SOURCES = frozenset({"csv", "excel"})
#: the uploaded data's file name (code sees it under /mnt/data/)
DATA_FILENAME = "data.csv"
#: the purpose files for the code interpreter are uploaded with (as the recordings show)
UPLOAD_PURPOSE = "assistants"
#: follow-up responses answering tool calls, at most, in one turn (the last forbids tools)
MAX_TOOL_ROUNDS = 3
#: the one line the text gets when the code session had expired and was replaced
EXPIRED_NOTE = "(The previous code session had expired; I re-uploaded the data.)\n\n"

INSTRUCTIONS = """\
You are a careful research statistician. You analyse groups of numbers with the Python code \
interpreter (pandas, numpy, scipy) and explain the result to a researcher.

- Choose the test from the design and the data, state which test you use and why, and check \
its assumptions with code (Shapiro-Wilk per group or on the paired differences; Levene, \
median-centred, for equal variances) and say what the checks show.
- Compute every figure with code. Report the test statistic, degrees of freedom, the exact \
p-value (scientific notation when small), the confidence interval of the difference and an \
effect size with its name (e.g. Cohen's d), with 4 significant digits or more.
"""

#: rules of this dashboard that every assistant follows, whatever its profile's instructions
WORKING_RULES = """\
## How to work here
- Read the data exactly as given (the CSV block in the message, or the file in /mnt/data); \
never retype the values. Say how many values each group has.
- Differences, intervals and effect sizes are the first group minus the second, in the order \
the groups are given. Use the significance level and the alternative hypothesis stated with \
the data.
- At the end of an analysis, call report_results exactly once with the figures of the main \
test as your code computed them (numbers, not rounded text; null for what does not apply), \
then close with one or two sentences. Call it again in a later turn only when you ran a new \
main test.
"""

NO_CODE_RULES = """\
- You cannot run code in this conversation (the code interpreter is off for this assistant): \
work from the data in the message and say that your figures were not computed with code.
"""


def full_instructions(instructions: str | None = None, *, code_interpreter: bool = True) -> str:
    """A profile's instructions (else :data:`INSTRUCTIONS`) followed by the working rules."""
    parts = [(instructions or INSTRUCTIONS).strip(), WORKING_RULES.strip()]
    if not code_interpreter:
        parts.append(NO_CODE_RULES.strip())
    return "\n\n".join(parts) + "\n"


_NUMBER = {"type": ["number", "null"]}
#: the function the assistant reports its figures with (keys of ``events.Reported``)
REPORT_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "report_results",
    "description": (
        "Record the figures of the main test of the analysis, exactly as computed, so that "
        "they can be checked independently. Differences are first group minus second."
    ),
    "strict": True,
    "parameters": {
        "type": "object",
        "properties": {
            "test": {
                "type": ["string", "null"],
                "description": (
                    "The main test: one of student_t, welch_t, paired_t, mann_whitney_u, "
                    "wilcoxon_signed_rank, one_way_anova, welch_anova, kruskal_wallis, or its "
                    "name if it is another test."
                ),
            },
            "alternative": {
                "type": ["string", "null"],
                "enum": ["two-sided", "less", "greater", None],
                "description": "The alternative hypothesis, about first group minus second.",
            },
            "statistic": {**_NUMBER, "description": "The test statistic (t, U, V, F or H)."},
            "df": {**_NUMBER, "description": "Degrees of freedom (t-tests, Kruskal-Wallis)."},
            "df_between": {**_NUMBER, "description": "ANOVA: numerator degrees of freedom."},
            "df_within": {**_NUMBER, "description": "ANOVA: denominator degrees of freedom."},
            "p_value": {**_NUMBER, "description": "The exact p-value, not rounded."},
            "ci_low": {**_NUMBER, "description": "Lower bound of the CI of the difference."},
            "ci_high": {**_NUMBER, "description": "Upper bound of the CI of the difference."},
            "ci_level": {**_NUMBER, "description": "The CI's confidence level, e.g. 0.95."},
            "mean_difference": {**_NUMBER, "description": "Mean of first minus second."},
            "effect_size_name": {
                "type": ["string", "null"],
                "description": "e.g. cohens_d, hedges_g, cohens_dz, eta_squared.",
            },
            "effect_size": {**_NUMBER, "description": "The effect size's value."},
        },
        "required": [
            "test",
            "alternative",
            "statistic",
            "df",
            "df_between",
            "df_within",
            "p_value",
            "ci_low",
            "ci_high",
            "ci_level",
            "mean_difference",
            "effect_size_name",
            "effect_size",
        ],
        "additionalProperties": False,
    },
}
_REPORT_KEYS = tuple(REPORT_TOOL["parameters"]["properties"])
_TEXT_KEYS = frozenset({"test", "alternative", "effect_size_name"})

# --------------------------------------------------------------------------- the request


def dataset_csv(dataset: Dataset) -> str:
    """The data in long layout, ``group,value`` (paired data: ``pair,group,value``).

    Built by pandas (group names quoted as CSV needs); values at full precision.
    """
    frames = []
    for group in dataset.groups:
        values = pd.Series(group.values, dtype="float64")
        frame = pd.DataFrame({"group": group.name, "value": values})
        if dataset.paired:
            frame.insert(0, "pair", range(1, len(values) + 1))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).to_csv(index=False, lineterminator="\n")


def value_count(dataset: Dataset) -> int:
    return sum(len(group.values) for group in dataset.groups)


def sends_file(dataset: Dataset) -> bool:
    """The data goes as an uploaded file: large, or it came from a file."""
    return dataset.source in FILE_SOURCES or value_count(dataset) > INLINE_LIMIT


_DESIGNS = {
    "independent": "two independent groups",
    "paired": "paired measurements (two groups; rows with the same `pair` belong together)",
    "multi": "three or more independent groups",
}
_ALTERNATIVES = {
    "two-sided": "two-sided",
    "less": "less (the first group is lower than the second)",
    "greater": "greater (the first group is higher than the second)",
}


def data_message(
    question: str,
    dataset: Dataset,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    filename: str | None = None,
) -> str:
    """The first turn's message: the question, the design, and the data (or where it is)."""
    names = ", ".join(json.dumps(name, ensure_ascii=False) for name in dataset.names)
    counts = ", ".join(
        f"{json.dumps(g.name, ensure_ascii=False)}: {len(g.values)}" for g in dataset.groups
    )
    about = (
        f"Design: {_DESIGNS[dataset.design]}. Groups in order: {names} (values per group: "
        f"{counts}). Significance level alpha = {alpha:g}; alternative hypothesis: "
        f"{_ALTERNATIVES.get(alternative, alternative)}."
    )
    if filename:
        where = (
            f"The data is in the file `/mnt/data/{filename}` of your code interpreter "
            f"(CSV, long layout: columns {_columns(dataset)}; one row per value)."
        )
        return f"{question}\n\n{about}\n{where}"
    block = dataset_csv(dataset)
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", block))])
    return (
        f"{question}\n\n{about}\nThe data (CSV, long layout; one row per value):\n\n"
        f"{fence}csv\n{block}{fence}"
    )


def _columns(dataset: Dataset) -> str:
    return "pair, group, value" if dataset.paired else "group, value"


def build_tools(
    file_ids: Iterable[str] = (), container_id: str | None = None, *, code_interpreter: bool = True
) -> list[dict[str, Any]]:
    """The hosted code interpreter (unless it is off) and ``report_results``.

    The interpreter runs in the thread's container when one is known (so variables survive
    between turns), else in a new ``auto`` container given the data files, if any.
    """
    if not code_interpreter:
        return [REPORT_TOOL]
    container: str | dict[str, Any]
    if container_id:
        container = container_id
    else:
        container = {"type": "auto"}
        ids = list(file_ids)
        if ids:
            container["file_ids"] = ids
    return [{"type": "code_interpreter", "container": container}, REPORT_TOOL]


def build_request(
    *,
    model: str,
    instructions: str,
    conversation_id: str,
    input_items: list[dict[str, Any]],
    file_ids: Iterable[str] = (),
    container_id: str | None = None,
    tool_choice: str | None = None,
    temperature: float | None = None,
    code_interpreter: bool = True,
) -> dict[str, Any]:
    """The arguments of ``client.responses.create`` (without ``stream``)."""
    request: dict[str, Any] = {
        "model": model,
        "instructions": instructions,
        "input": input_items,
        "tools": build_tools(file_ids, container_id, code_interpreter=code_interpreter),
        "conversation": conversation_id,
    }
    if code_interpreter:
        request["include"] = ["code_interpreter_call.outputs"]
    if tool_choice:
        request["tool_choice"] = tool_choice
    if temperature is not None:
        request["temperature"] = temperature
    return request


def user_message(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def tool_output(call_id: str, output: str) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id, "output": output}


# --------------------------------------------------------------------------- stream events

_IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
_DATA_URL = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)$", re.S)
_RETRYABLE_CODES = frozenset({"server_error", "rate_limit_exceeded", "vector_store_timeout"})


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of an SDK model or of a plain dict (recordings), ``default`` when absent."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass
class _Call:
    """A function call of the response: its name, call id and arguments once known."""

    name: str
    call_id: str
    arguments: str | None = None
    handled: bool = False


#: ``fetch(file_id, container_id) -> bytes``: downloads a file the code wrote
Fetch = Callable[[str, str], bytes]


@dataclass
class StreamMapper:
    """Turns the events of ONE response stream into our events, one method per family.

    Works on the SDK's event objects and on plain dicts alike (``_get``). Keeps what the end
    of the stream needs: whether it completed, its usage, the function calls to answer.
    """

    fetch: Fetch | None = None
    response_id: str | None = None
    model: str | None = None
    completed: bool = False
    usage: dict[str, int] | None = None
    container_id: str | None = None
    calls: dict[str, _Call] = field(default_factory=dict)
    _code_done: set[str] = field(default_factory=set)
    _files: set[str] = field(default_factory=set)
    _images: set[str] = field(default_factory=set)

    #: stream event type -> the method that maps it; every other event is ignored
    #: (content parts, ``*.in_progress``/``interpreting`` markers, ...)
    HANDLERS: ClassVar[dict[str, str]] = {
        "response.created": "on_created",  # remembers the response id and model
        "response.output_text.delta": "on_text_delta",  # -> TextDelta
        "response.reasoning_summary_text.delta": "on_reasoning_delta",  # -> ReasoningDelta
        "response.code_interpreter_call_code.delta": "on_code_delta",  # -> CodeDelta
        "response.code_interpreter_call_code.done": "on_code_done",  # -> CodeDone
        "response.output_item.added": "on_item_added",  # remembers calls and the container
        "response.output_item.done": "on_item_done",  # -> CodeOutput, ImageOutput; Reported
        "response.output_text.annotation.added": "on_annotation",  # -> FileOutput (+Image)
        "response.function_call_arguments.done": "on_arguments_done",  # -> Reported
        "response.completed": "on_completed",  # usage (the Status comes at the turn's end)
        "response.failed": "on_failed",  # raises StreamFailure("failed")
        "response.incomplete": "on_incomplete",  # raises StreamFailure("incomplete")
        "error": "on_error",  # raises StreamFailure (kind from its code)
    }

    def map(self, event: Any) -> Iterator[Event]:
        """Our events for one stream event (none for the events we do not use)."""
        name = self.HANDLERS.get(_get(event, "type"))
        if name is not None:
            yield from getattr(self, name)(event)

    # -- text and code

    def on_text_delta(self, event: Any) -> Iterator[Event]:
        delta = _get(event, "delta")
        if delta:
            yield TextDelta(delta)

    def on_reasoning_delta(self, event: Any) -> Iterator[Event]:
        delta = _get(event, "delta")
        if delta:
            yield ReasoningDelta(delta)

    def on_code_delta(self, event: Any) -> Iterator[Event]:
        delta = _get(event, "delta")
        if delta:
            yield CodeDelta(delta)

    def on_code_done(self, event: Any) -> Iterator[Event]:
        self._code_done.add(_get(event, "item_id"))
        yield CodeDone(_get(event, "code") or "")

    # -- output items: code outputs, function calls

    def on_item_added(self, event: Any) -> Iterator[Event]:
        item = _get(event, "item")
        self._remember_call(item)
        self.container_id = _get(item, "container_id") or self.container_id
        return iter(())

    def on_item_done(self, event: Any) -> Iterator[Event]:
        item = _get(event, "item")
        kind = _get(item, "type")
        if kind == "code_interpreter_call":
            self.container_id = _get(item, "container_id") or self.container_id
            yield from self._code_outputs(item)
        elif kind == "function_call":
            call = self._remember_call(item)
            if call is not None and not call.handled:
                yield from self._finish_call(call, _get(item, "arguments"))

    def _code_outputs(self, item: Any) -> Iterator[Event]:
        item_id = _get(item, "id")
        code = _get(item, "code")
        if item_id not in self._code_done and code:  # no code events came: the code, whole
            self._code_done.add(item_id)
            yield CodeDelta(code)
            yield CodeDone(code)
        for output in _get(item, "outputs") or ():
            kind = _get(output, "type")
            if kind == "logs" and _get(output, "logs"):
                yield CodeOutput(_get(output, "logs"))
            elif kind == "image" and _get(output, "url"):
                image = image_from_url(_get(output, "url"))
                if image.data is not None:
                    self._images.add(hashlib.sha256(image.data).hexdigest())
                yield image

    def _remember_call(self, item: Any) -> _Call | None:
        if _get(item, "type") != "function_call":
            return None
        item_id = _get(item, "id") or _get(item, "call_id")
        call = self.calls.get(item_id)
        if call is None:
            call = _Call(name=_get(item, "name") or "", call_id=_get(item, "call_id") or "")
            self.calls[item_id] = call
        return call

    def on_arguments_done(self, event: Any) -> Iterator[Event]:
        call = self.calls.get(_get(event, "item_id"))
        if call is None:  # the item was not announced: remember it under its item id
            call = _Call(name=_get(event, "name") or "", call_id=_get(event, "item_id") or "")
            self.calls[_get(event, "item_id")] = call
        if not call.handled:
            yield from self._finish_call(call, _get(event, "arguments"))

    def _finish_call(self, call: _Call, arguments: str | None) -> Iterator[Event]:
        call.arguments = arguments or ""
        call.handled = True
        if call.name == REPORT_TOOL["name"]:
            figures = parse_report(call.arguments)
            if figures:
                yield Reported(figures=figures)

    def tool_outputs(self) -> list[dict[str, Any]]:
        """The ``function_call_output`` items answering this response's function calls."""
        outputs = []
        for call in self.calls.values():
            if not call.call_id:
                continue
            if call.name != REPORT_TOOL["name"]:
                answer = f"error: there is no tool named {call.name!r}"
            elif parse_report(call.arguments or "") is None:
                answer = "error: the arguments were not a JSON object; nothing was recorded"
            else:
                answer = "recorded"
            outputs.append(tool_output(call.call_id, answer))
        return outputs

    # -- files the code wrote

    def on_annotation(self, event: Any) -> Iterator[Event]:
        annotation = _get(event, "annotation")
        if _get(annotation, "type") != "container_file_citation":
            return
        file_id, container_id = _get(annotation, "file_id"), _get(annotation, "container_id")
        if not file_id or not container_id or file_id in self._files or self.fetch is None:
            return
        self._files.add(file_id)
        filename = _get(annotation, "filename") or file_id
        try:
            data = self.fetch(file_id, container_id)
        except Exception as exc:  # noqa: BLE001 - a file that cannot be fetched is a note
            log.warning(
                "could not download %s from the code session: %s", filename, type(exc).__name__
            )
            yield CodeOutput(
                f"(The file {filename} could not be downloaded from the code session.)"
            )
            return
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        yield FileOutput(filename=filename, data=data, mime=mime)
        digest = hashlib.sha256(data).hexdigest()
        extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
        if extension in _IMAGE_EXTENSIONS and digest not in self._images:
            self._images.add(digest)
            yield ImageOutput(data=data, mime=mime, filename=filename)

    # -- the response's life: created, completed, failed, incomplete, error

    def on_created(self, event: Any) -> Iterator[Event]:
        response = _get(event, "response")
        self.response_id = _get(response, "id") or self.response_id
        self.model = _get(response, "model") or self.model
        return iter(())

    def _take_usage(self, response: Any) -> None:
        usage = _get(response, "usage")
        if usage is not None:
            self.usage = {
                key: int(_get(usage, key) or 0)
                for key in ("input_tokens", "output_tokens", "total_tokens")
            }
        self.model = _get(response, "model") or self.model

    def on_completed(self, event: Any) -> Iterator[Event]:
        self._take_usage(_get(event, "response"))
        self.completed = True
        return iter(())

    def on_failed(self, event: Any) -> Iterator[Event]:
        response = _get(event, "response")
        self._take_usage(response)
        error = _get(response, "error")
        code = _get(error, "code") or ""
        message = _get(error, "message") or "no reason was given"
        raise StreamFailure(
            "failed",
            f"OpenAI reported that the response failed: {message}" + (f" ({code})" if code else ""),
            retryable=code in _RETRYABLE_CODES,
            code=code,
        )

    def on_incomplete(self, event: Any) -> Iterator[Event]:
        response = _get(event, "response")
        self._take_usage(response)
        reason = _get(_get(response, "incomplete_details"), "reason") or "no reason was given"
        raise StreamFailure(
            "incomplete",
            f"The answer stopped before it was finished: {_INCOMPLETE.get(reason, reason)}.",
            retryable=False,
            code=reason,
        )

    def on_error(self, event: Any) -> Iterator[Event]:
        error = _get(event, "error") or event  # {"type": "error", "code", "message"}
        code = _get(error, "code") or ""
        message = _get(error, "message") or "no reason was given"
        raise error_event_failure(code, message)


_INCOMPLETE = {
    "max_output_tokens": "it reached the maximum output length (max_output_tokens)",
    "content_filter": "the content filter stopped it (content_filter)",
    "max_messages": "it reached the maximum number of messages (max_messages)",
}


def parse_report(arguments: str) -> dict[str, Any] | None:
    """``report_results`` arguments -> figures (known keys, numbers as floats, no nulls).

    None when the arguments are not a JSON object.
    """
    try:
        raw = json.loads(arguments) if arguments else None
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    figures: dict[str, Any] = {}
    for key in _REPORT_KEYS:
        value = raw.get(key)
        if key in _TEXT_KEYS:
            if isinstance(value, str) and value.strip():
                figures[key] = value.strip()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            figures[key] = float(value)
        elif isinstance(value, str):  # a model may still write "7.557e-06"
            try:
                figures[key] = float(value)
            except ValueError:
                continue
    return figures


def image_from_url(url: str) -> ImageOutput:
    """A code-interpreter image: a ``data:`` URL decoded to bytes, any other URL kept."""
    match = _DATA_URL.match(url)
    if match is None:
        return ImageOutput(url=url)
    mime = match.group("mime") or "image/png"
    payload = match.group("data")
    try:
        if ";base64" in match.group("params"):
            data = base64.b64decode(payload, validate=False)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return ImageOutput(url=url, mime=mime)
    return ImageOutput(data=data, mime=mime)


# --------------------------------------------------------------------------- failures
# The mapping of failures onto one Error (``map_failure``, ``scrub``, ``StreamFailure``) is
# shared with the chat backend: see :mod:`assistant_core.backends.provider_errors`.


def container_expired(exc: BaseException) -> bool:
    """The request failed because the code-interpreter container has expired or is gone."""
    if isinstance(exc, StreamFailure):
        text = exc.message
    elif isinstance(exc, openai.APIStatusError) and exc.status_code in (400, 404, 410):
        text = f"{exc.code or ''} {detail(exc)}"
    else:
        return False
    text = text.lower()
    return "container" in text and re.search(r"expir|not found|no longer|deleted", text) is not None


# --------------------------------------------------------------------------- the backend


@dataclass
class _Progress:
    """What one turn has done so far: for the failure's kind, the text's joins, the usage."""

    streaming: bool = False  # inside a response stream (a broken connection "interrupts")
    output_seen: bool = False  # an event of the answer was yielded
    text_tail: str = ""  # the last character of the answer's text so far
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    responses: int = 0

    def add(self, usage: Mapping[str, int] | None) -> None:
        if usage:
            self.responses += 1
            self.input_tokens += usage.get("input_tokens", 0)
            self.output_tokens += usage.get("output_tokens", 0)
            self.total_tokens += usage.get("total_tokens", 0)


def _memory(conversation: Conversation) -> dict[str, Any]:
    """What this backend keeps on the thread between turns (JSON-safe: it may be stored)."""
    memory = conversation.state.setdefault("openai", {})
    memory.setdefault("data_sent", False)
    memory.setdefault("file_ids", [])
    memory.setdefault("container_id", None)
    memory.setdefault("pending_outputs", [])
    return memory


class OpenAIBackend(ClientBackend):
    """OpenAI's Responses API with the hosted code interpreter; a conversation per thread."""

    name = "openai"
    has_models = True
    uses_local_interpreter = False

    def __init__(
        self,
        *,
        model: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        instructions: str | None = None,
        temperature: float | None = None,
        code_interpreter: bool = True,
        timeout: float = 120.0,
        stall_timeout: float = 60.0,
        max_retries: int = 2,
        prices: Mapping[str, tuple[float, float]] | None = None,
    ) -> None:
        """``instructions`` (an assistant profile's) replace :data:`INSTRUCTIONS`; the working
        rules (:data:`WORKING_RULES`) always follow them. ``code_interpreter=False`` sends no
        code-interpreter tool, and the data always goes in the message."""
        self.model = model or default_model()
        tool = "hosted code interpreter" if code_interpreter else "no code interpreter"
        self.label = f"OpenAI {self.model} ({tool})"
        self.instructions = full_instructions(instructions, code_interpreter=code_interpreter)
        self.temperature = temperature
        self.code_interpreter = code_interpreter
        self.timeout = timeout
        self.stall_timeout = stall_timeout
        self.max_retries = max_retries
        self.prices = dict(prices) if prices is not None else load_prices()
        self._api_key = api_key
        self._base_url = base_url
        self._client: openai.OpenAI | None = None

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(model={self.model!r})"

    @classmethod
    def list_models(cls, api_key: str | None = None, base_url: str | None = None) -> list[str]:
        return list_models(api_key=api_key, base_url=base_url)

    # -- plumbing

    @property
    def client(self) -> openai.OpenAI:
        """The SDK client (made on first use; the SDK reads OPENAI_API_KEY/OPENAI_BASE_URL)."""
        if self._client is None:
            self._client = openai.OpenAI(
                api_key=self._api_key,
                base_url=self._base_url,
                max_retries=self.max_retries,
                timeout=self.timeout,
            )
        return self._client

    def _secrets(self) -> list[str | None]:
        key = self._client.api_key if self._client is not None else None
        return [self._api_key, key, os.environ.get("OPENAI_API_KEY")]

    def _stream_timeout(self) -> openai.Timeout:
        """Per read of a stream: ``stall_timeout``; connecting and writing: ``timeout``."""
        return openai.Timeout(self.timeout, read=self.stall_timeout)

    def _usage(self, progress: _Progress) -> dict[str, Any] | None:
        if not progress.responses:
            return None
        usage: dict[str, Any] = {
            "input_tokens": progress.input_tokens,
            "output_tokens": progress.output_tokens,
            "total_tokens": progress.total_tokens,
        }
        price = price_for(self.prices, self.model)
        cost = estimate_cost(price, progress.input_tokens, progress.output_tokens)
        if cost is not None:
            usage["cost_usd"] = cost
        return usage

    # -- one turn

    def stream(self, conversation: Conversation, question: str) -> Iterator[Event]:
        progress = _Progress()
        try:
            yield from self._turn(conversation, question, progress)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one Error event
            error = map_failure(
                exc,
                model=self.model,
                started=progress.streaming,
                max_retries=self.max_retries,
                stall_timeout=self.stall_timeout,
                secrets=self._secrets(),
            )
            log.warning("OpenAI answer failed (%s): %s", error.kind, error.message)
            yield error
            yield Status(state="failed", usage=self._usage(progress))
            return
        yield Status(state="completed", usage=self._usage(progress))

    def _turn(
        self, conversation: Conversation, question: str, progress: _Progress
    ) -> Iterator[Event]:
        client = self.client
        memory = _memory(conversation)
        if conversation.remote_id is None:
            conversation.remote_id = client.conversations.create(
                metadata={"thread": conversation.id[:512]}
            ).id
        text = question
        if not memory["data_sent"]:
            filename = None
            if self.code_interpreter and sends_file(conversation.dataset):
                if not memory["file_ids"]:
                    memory["file_ids"] = [self._upload(conversation.dataset)]
                filename = DATA_FILENAME
            text = data_message(
                question,
                conversation.dataset,
                alpha=conversation.alpha,
                alternative=conversation.alternative,
                filename=filename,
            )
        try:
            yield from self._exchange(conversation, user_message(text), progress)
        except Exception as exc:
            if not container_expired(exc) or progress.output_seen:
                raise
            yield from self._replace_container(conversation, text, progress)

    def _replace_container(
        self, conversation: Conversation, text: str, progress: _Progress
    ) -> Iterator[Event]:
        """The thread's container expired: a new one with the data uploaded again; retry once."""
        log.info("the code-interpreter container had expired; uploading the data again")
        memory = _memory(conversation)
        memory["container_id"] = None
        memory["file_ids"] = [self._upload(conversation.dataset)]
        yield TextDelta(EXPIRED_NOTE)
        progress.output_seen, progress.text_tail = True, EXPIRED_NOTE[-1]
        again = (
            f"{text}\n\n(The code session was restarted: the data is in "
            f"`/mnt/data/{DATA_FILENAME}` again; variables from earlier cells are gone.)"
        )
        yield from self._exchange(conversation, user_message(again), progress)

    def _upload(self, dataset: Dataset) -> str:
        """The data as a CSV file for the code interpreter; returns its file id."""
        data = dataset_csv(dataset).encode("utf-8")
        uploaded = self.client.files.create(
            file=(DATA_FILENAME, data, "text/csv"), purpose=UPLOAD_PURPOSE
        )
        return uploaded.id

    def _exchange(
        self, conversation: Conversation, message: dict[str, Any], progress: _Progress
    ) -> Iterator[Event]:
        """One question: its response, then a follow-up answering each round of tool calls.

        Tool outputs not yet delivered (a follow-up that failed last turn) go first.
        """
        memory = _memory(conversation)
        items = [*memory["pending_outputs"], message]
        for round_no in range(MAX_TOOL_ROUNDS + 1):
            request = build_request(
                model=self.model,
                instructions=self.instructions,
                conversation_id=conversation.remote_id or "",
                input_items=items,
                file_ids=memory["file_ids"],
                container_id=memory["container_id"],
                tool_choice="none" if round_no == MAX_TOOL_ROUNDS else None,
                temperature=self.temperature,
                code_interpreter=self.code_interpreter,
            )
            mapper = StreamMapper(fetch=self._download)
            yield from self._respond(request, mapper, progress, memory)
            memory["data_sent"] = True
            items = mapper.tool_outputs()
            memory["pending_outputs"] = items  # kept if the follow-up fails: sent next turn
            if not items:
                return

    def _respond(
        self,
        request: dict[str, Any],
        mapper: StreamMapper,
        progress: _Progress,
        memory: dict[str, Any],
    ) -> Iterator[Event]:
        """Stream one response through ``mapper``; raise if it did not complete."""
        events = self.client.responses.create(
            **request, stream=True, timeout=self._stream_timeout()
        )
        memory["pending_outputs"] = []  # the request was accepted: the server has them
        gap = progress.text_tail not in ("", "\n")  # a follow-up's text starts a paragraph
        progress.streaming = True
        try:
            with events:
                for event in events:
                    for ours in mapper.map(event):
                        if isinstance(ours, TextDelta):
                            if gap:
                                yield TextDelta("\n\n")
                                gap = False
                            progress.text_tail = ours.text[-1:]
                        progress.output_seen = True
                        yield ours
            progress.streaming = False  # (left set when the stream broke: see map_failure)
        finally:
            progress.add(mapper.usage)
            memory["container_id"] = mapper.container_id or memory["container_id"]
        if not mapper.completed:
            raise StreamFailure(
                "interrupted",
                "The answer stopped before it was complete (the stream ended without "
                "response.completed); what arrived is kept.",
                retryable=True,
            )

    def _download(self, file_id: str, container_id: str) -> bytes:
        content = self.client.containers.files.content.retrieve(file_id, container_id=container_id)
        return content.content


def list_models(api_key: str | None = None, base_url: str | None = None) -> list[str]:
    """The ids of the models the key can use, sorted; ``[]`` when they cannot be read."""
    try:
        client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=1, timeout=15.0)
        with client:
            return sorted(model.id for model in client.models.list())
    except Exception as exc:  # noqa: BLE001 - no list is an answer too: the page asks for a name
        log.info("the model list could not be read: %s", type(exc).__name__)
        return []
