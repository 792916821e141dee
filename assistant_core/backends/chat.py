"""The chat backend: any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure OpenAI,
Ollama, vLLM, LM Studio, OpenRouter, ...) with OUR local sandboxed interpreter as its tool.

Models behind such endpoints have no hosted code interpreter, so the model is given a
``run_python`` function tool and the code runs here, in the thread's Jupyter kernel
(:mod:`assistant_core.interpreter`, the same one the built-in analyst uses). How one turn
goes (:meth:`ChatBackend.stream`):

1. The request is the system message (instructions, the tools, what data is loaded in the
   kernel and how: design, alpha, alternative, group order), the thread's earlier turns
   rebuilt from their events (:func:`history_messages`), and the question.
2. ``client.chat.completions.create(..., stream=True)`` is streamed. Text becomes
   ``TextDelta``; the ``code`` argument of a ``run_python`` call is decoded from the JSON
   fragments WHILE it arrives (:class:`CodeArgumentDecoder`) and streamed as ``CodeDelta``,
   then ``CodeDone`` when the call is complete. (A second code call in the same response is
   shown when it runs, after the first one's output, so outputs stay under their cells.)
3. The calls run in order: code in the kernel (its ``CodeOutput``/``ImageOutput`` events
   stream out as they come; the text output, capped, goes back to the model as the ``tool``
   message); ``report_results`` yields ``Reported(figures)``. Then the next round is
   requested, until the model answers without tool calls; after ``max_rounds`` rounds that
   all called tools, one ``Error("round_limit")`` says so.
4. Before each cell the kernel is probed (a tiny silent cell): a kernel without this thread's
   data (first turn, a thread continued after its kernel was gone, a kernel restarted) gets
   it loaded by a setup cell of ours (never shown as the model's code); a fresh one also
   gets the earlier cells re-run silently (bounded; failures skipped), so that their
   variables exist again, and the cell's output says so.

Every failure becomes ONE ``Error`` event (:func:`~assistant_core.backends.provider_errors.
map_failure`, shared with the ``openai`` backend, naming the endpoint's host), then
``Status("failed")``; what arrived before it stays. The key is never in an event, a log line
or the kernel's environment (the interpreter drops every ``CHAT_*`` variable).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai

from assistant_core.analyst_code import number_literal, values_literal
from assistant_core.backends.base import ClientBackend, Conversation, Turn
from assistant_core.backends.openai import REPORT_TOOL, dataset_csv, parse_report
from assistant_core.backends.provider_errors import (
    Provider,
    StreamFailure,
    detail,
    map_failure,
)
from assistant_core.chat_settings import ChatSettings
from assistant_core.chat_settings import list_models as _list_models
from assistant_core.data import Dataset
from assistant_core.events import (
    CodeDelta,
    CodeDone,
    CodeOutput,
    Error,
    Event,
    ImageOutput,
    ReasoningDelta,
    Reported,
    Status,
    TextDelta,
)

__all__ = [
    "IMAGE_NOTE",
    "INSTRUCTIONS",
    "OUTPUT_LIMIT",
    "REPORT_TOOL_CHAT",
    "RUN_PYTHON_TOOL",
    "WORKING_RULES",
    "ChatBackend",
    "CodeArgumentDecoder",
    "build_tools",
    "history_messages",
    "setup_code",
    "system_message",
]

log = logging.getLogger(__name__)

RUN_PYTHON = "run_python"
REPORT = REPORT_TOOL["name"]
#: the text output of one cell that goes back to the model, at most (a note says it was cut)
OUTPUT_LIMIT = 8000
#: the output of an earlier turn's cell in the history, at most (the context stays small)
HISTORY_OUTPUT_LIMIT = 2000
#: what the model is told in place of an image the code showed
IMAGE_NOTE = "[image shown to the user]"
#: re-running earlier cells in a fresh kernel: at most this many cells, this many seconds
REPLAY_MAX_CELLS = 20
REPLAY_SECONDS = 60.0
#: rows of data the model gets inline when it has no code tool (more are left out, said so)
INLINE_VALUES_LIMIT = 5000
_MARKER = "_assistant_thread"
_LOADED_SENTINEL = "__assistant_data_loaded__"
_PROBE_SENTINEL = "__assistant_probe__"

INSTRUCTIONS = """\
You are a careful research statistician. You analyse groups of numbers with Python and \
explain the result to a researcher.

- Choose the test from the design and the data, state which test you use and why, and check \
its assumptions with code (Shapiro-Wilk per group or on the paired differences; Levene, \
median-centred, for equal variances) and say what the checks show.
- Report the test statistic, degrees of freedom, the exact p-value (scientific notation when \
small), the confidence interval of the difference and an effect size with its name (e.g. \
Cohen's d), with 4 significant digits or more.
"""

#: rules of this dashboard that every assistant follows, whatever its profile's instructions
WORKING_RULES = """\
## How to work here
- Compute every figure with code; never retype the data or compute figures in your head. \
Say how many values each group has.
- Differences, intervals and effect sizes are the first group minus the second, in the order \
the groups are given. Use the significance level and the alternative hypothesis stated below.
- At the end of an analysis, call report_results exactly once with the figures of the main \
test as your code computed them (numbers, not rounded text; null for what does not apply), \
then close with one or two sentences. Call it again in a later turn only when you ran a new \
main test.
"""

RUN_PYTHON_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": RUN_PYTHON,
        "description": (
            "Run Python code in a stateful Jupyter kernel (variables persist between calls). "
            "numpy, pandas, scipy and matplotlib are installed; there is no "
            "internet. Returns what the code printed (print results explicitly), the value of "
            "the last expression, errors, and a note for each figure shown to the user."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "The Python code to run."},
            },
            "required": ["code"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
#: ``openai.REPORT_TOOL`` (the Responses shape) in the Chat Completions tool shape
REPORT_TOOL_CHAT: dict[str, Any] = {
    "type": "function",
    "function": {key: REPORT_TOOL[key] for key in ("name", "description", "parameters", "strict")},
}


def build_tools(code_interpreter: bool = True) -> list[dict[str, Any]]:
    """``run_python`` (unless the code interpreter is off) and ``report_results``."""
    return [RUN_PYTHON_TOOL, REPORT_TOOL_CHAT] if code_interpreter else [REPORT_TOOL_CHAT]


# --------------------------------------------------------------------------- the data


def setup_code(dataset: Dataset, alpha: float, alternative: str, marker: str) -> str:
    """The cell that loads the data into a fresh kernel, written from the Dataset's arrays.

    Defines ``groups`` (name -> numpy array, in order), ``names``, ``df`` (long layout:
    ``group``, ``value``; paired data also ``pair``), ``alpha`` and ``alternative``, and the
    thread marker the probe looks for. Values are exact (``repr`` of each float).
    """
    entries = [
        f"    {str(group.name)!r}: {values_literal(group.values.tolist())},"
        for group in dataset.groups
    ]
    lines = [
        "import numpy as np",
        "import pandas as pd",
        "groups = {",
        *entries,
        "}",
        "names = list(groups)",
        "df = pd.concat(",
        "    [pd.DataFrame({'group': name, 'value': v}) for name, v in groups.items()],",
        "    ignore_index=True,",
        ")",
    ]
    if dataset.paired:
        lines.append("df.insert(0, 'pair', np.tile(np.arange(1, len(groups[names[0]]) + 1), 2))")
    lines += [
        f"alpha = {number_literal(alpha)}",
        f"alternative = {str(alternative)!r}",
        f"{_MARKER} = {marker!r}",
        f"print({_LOADED_SENTINEL!r}, len(df))",
    ]
    return "\n".join(lines) + "\n"


def _probe_code(marker: str) -> str:
    """Prints whether the kernel holds this thread's data, and whether it holds anything."""
    return (
        "_ip = get_ipython()\n"
        f"print({_PROBE_SENTINEL!r}, globals().get({_MARKER!r}) == {marker!r}, any(\n"
        "    not k.startswith('_') and k not in _ip.user_ns_hidden for k in _ip.user_ns))\n"
        "del _ip\n"
    )


_DESIGNS = {
    "independent": "two independent groups",
    "paired": (
        "paired measurements: two groups of the same subjects, in the same order "
        "(groups[names[0]][i] and groups[names[1]][i] belong together; `df` has a `pair` column)"
    ),
    "multi": "three or more independent groups",
}
_ALTERNATIVES = {
    "two-sided": "two-sided",
    "less": "less (the first group is lower than the second)",
    "greater": "greater (the first group is higher than the second)",
}


def system_message(
    dataset: Dataset,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    instructions: str | None = None,
    code_interpreter: bool = True,
) -> str:
    """The instructions (a profile's, else :data:`INSTRUCTIONS`), the tools and the data.

    With the code interpreter, the data is described, not given: it is loaded in the kernel
    from the Dataset's arrays, so the model cannot alter it by retyping. Without it, the model
    gets the data as a CSV block (it has no other way to see it).
    """
    names = ", ".join(json.dumps(name, ensure_ascii=False) for name in dataset.names)
    counts = ", ".join(
        f"{json.dumps(g.name, ensure_ascii=False)}: {len(g.values)}" for g in dataset.groups
    )
    about = (
        f"Design: {_DESIGNS[dataset.design]}. Groups in order: {names} (values per group: "
        f"{counts}); differences are the first group minus the second. Significance level "
        f"alpha = {alpha:g}; alternative hypothesis: "
        f"{_ALTERNATIVES.get(alternative, alternative)}."
    )
    parts = [(instructions or INSTRUCTIONS).strip(), WORKING_RULES.strip()]
    if code_interpreter:
        columns = "pair, group, value" if dataset.paired else "group, value"
        parts.append(
            "## Tools\n"
            f"- {RUN_PYTHON}: runs Python in a stateful Jupyter kernel that belongs to this "
            "conversation (variables persist between calls and between questions). Print "
            "what you need to see; figures you draw are shown to the user.\n"
            f"- {REPORT}: records the figures of the main test so they can be checked."
        )
        parts.append(
            "## The data\n"
            "The data is already loaded in the kernel; use these variables and never retype "
            "the values:\n"
            f"- `df`: a pandas DataFrame in long layout, columns {columns}, one row per value;\n"
            "- `groups`: a dict, group name -> numpy array of its values, in the order below;\n"
            "- `names`: the group names in order; `alpha` and `alternative` as below.\n"
            f"{about}"
        )
    else:
        parts.append(
            "## Tools\n"
            f"You cannot run code in this conversation. Use {REPORT} to record the figures of "
            "the main test so they can be checked."
        )
        parts.append(f"## The data\n{about}\n{_inline_data(dataset)}")
    return "\n\n".join(parts)


def _inline_data(dataset: Dataset) -> str:
    block = dataset_csv(dataset)
    lines = block.splitlines(keepends=True)
    note = ""
    if len(lines) - 1 > INLINE_VALUES_LIMIT:
        block = "".join(lines[: INLINE_VALUES_LIMIT + 1])
        note = f"\n(Only the first {INLINE_VALUES_LIMIT} rows are shown.)"
    return f"The data (CSV, long layout; one row per value):\n\n```csv\n{block}```{note}"


# --------------------------------------------------------------------------- tool arguments

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WHITESPACE = " \t\r\n"


class CodeArgumentDecoder:
    """Decodes the ``code`` string of a tool call's JSON arguments WHILE they arrive.

    The arguments stream as fragments of JSON text (``{"co``, ``de": "import``,
    `` numpy\\nprint(1)"}``); :meth:`feed` takes the next fragment and returns only the new
    characters of the decoded ``code`` value, so that the cell can be shown as it is written.
    Escapes split across fragments (``\\`` then ``n``, ``\\u00`` then ``e9``) and surrogate
    pairs are held until whole. Other keys (and their values, of any JSON type) are skipped.
    A text that is not a JSON object stops the decoding quietly (``valid`` turns False).
    """

    def __init__(self, key: str = "code") -> None:
        self.key = key
        self.valid = True
        self.complete = False  # the code string has been closed
        self._state = "start"
        self._key: list[str] = []
        self._escape = ""
        self._high = ""
        self._depth = 0
        self._skip_string = False
        self._skip_escape = False
        self._found = False
        self._decoded: list[str] = []

    @property
    def code(self) -> str:
        """The code decoded so far."""
        return "".join(self._decoded)

    def feed(self, fragment: str) -> str:
        out: list[str] = []
        for char in fragment:
            if self._state in ("done", "invalid"):
                break
            self._step(char, out)
        new = "".join(out)
        self._decoded.append(new)
        return new

    def _fail(self) -> None:
        self._state = "invalid"
        self.valid = False

    def _step(self, char: str, out: list[str]) -> None:
        state = self._state
        if state == "start":
            if char == "{":
                self._state = "key_or_end"
            elif char not in _WHITESPACE:
                self._fail()
        elif state == "key_or_end":
            if char == '"':
                self._key, self._escape, self._high = [], "", ""
                self._state = "key"
            elif char == "}":
                self._state = "done"
            elif char not in _WHITESPACE + ",":
                self._fail()
        elif state == "key":
            closed = self._string_char(char, self._key)
            if closed:
                self._state = "colon"
        elif state == "colon":
            if char == ":":
                self._state = "value"
            elif char not in _WHITESPACE:
                self._fail()
        elif state == "value":
            if char in _WHITESPACE:
                return
            if char == '"' and "".join(self._key) == self.key and not self._found:
                self._found = True
                self._escape, self._high = "", ""
                self._state = "code"
            else:
                self._depth, self._skip_string, self._skip_escape = 0, False, False
                self._state = "skip"
                self._skip(char)
        elif state == "code":
            if self._string_char(char, out):
                self.complete = True
                self._state = "after_value"
        elif state == "skip":
            self._skip(char)
        elif state == "after_value":
            if char == ",":
                self._state = "key_or_end"
            elif char == "}":
                self._state = "done"
            elif char not in _WHITESPACE:
                self._fail()

    def _string_char(self, char: str, out: list[str]) -> bool:
        """One character inside a JSON string; True when it closed the string."""
        if self._escape:
            self._escape += char
            if self._escape[1] == "u":
                if len(self._escape) < 6:
                    return False
                digits, self._escape = self._escape[2:6], ""
                try:
                    self._code_point(int(digits, 16), out)
                except ValueError:
                    out.append(self._take_high() + "\\u" + digits)
                return False
            escaped, self._escape = _ESCAPES.get(char, char), ""
            out.append(self._take_high() + escaped)
            return False
        if char == "\\":
            self._escape = "\\"
            return False
        if char == '"':
            out.append(self._take_high())
            return True
        out.append(self._take_high() + char)
        return False

    def _take_high(self) -> str:
        high, self._high = self._high, ""
        return high

    def _code_point(self, value: int, out: list[str]) -> None:
        """A ``\\uXXXX`` escape: a high surrogate waits for its low half (as json.loads does)."""
        if 0xD800 <= value < 0xDC00:
            out.append(self._take_high())
            self._high = chr(value)
        elif 0xDC00 <= value < 0xE000 and self._high:
            high = ord(self._take_high())
            out.append(chr(0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)))
        else:
            out.append(self._take_high() + chr(value))

    def _skip(self, char: str) -> None:
        """Another key's value, of any JSON type, until the ``,`` or ``}`` after it."""
        if self._skip_string:
            if self._skip_escape:
                self._skip_escape = False
            elif char == "\\":
                self._skip_escape = True
            elif char == '"':
                self._skip_string = False
                if self._depth == 0:
                    self._state = "after_value"
        elif char == '"':
            self._skip_string = True
        elif char in "[{":
            self._depth += 1
        elif char in "]}":
            if self._depth == 0:
                self._state = "done" if char == "}" else "invalid"
            else:
                self._depth -= 1
                if self._depth == 0:
                    self._state = "after_value"
        elif char == "," and self._depth == 0:
            self._state = "key_or_end"


def parse_arguments(arguments: str) -> dict[str, Any] | None:
    """A tool call's arguments as a dict; None when they are not a JSON object.

    Raw control characters inside strings are accepted (some local models write raw
    newlines in the code), as :class:`CodeArgumentDecoder` does.
    """
    try:
        value = json.loads(arguments, strict=False) if arguments.strip() else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# --------------------------------------------------------------------------- history


def _short_id(*parts: object) -> str:
    """A 9-character alphanumeric tool-call id (the strictest servers, Mistral's, want that)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return "h" + digest[:8]


def cap_output(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """``text`` at most ``limit`` characters: its head and tail, with a note of what was cut."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 3 // 4], text[-(limit // 4) :]
    cut = len(text) - len(head) - len(tail)
    return (
        f"{head}\n[... {cut} characters of output cut here (the output was too long): "
        f"print less ...]\n{tail}"
    )


def _call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def history_messages(turns: Sequence[Turn], *, code_as_text: bool = False) -> list[dict[str, Any]]:
    """The earlier turns as Chat Completions messages, rebuilt from their events.

    Each turn: the user's question; then, in the order they happened, the assistant's text,
    each code cell as a ``run_python`` call followed by its ``tool`` message (the cell's
    output, capped), and the reported figures as a ``report_results`` call answered
    "recorded". Every assistant message with tool calls is followed by the tool messages for
    its ids, so the list is valid for the API. With ``code_as_text`` (no code tool in this
    request), cells and their outputs are written into the assistant's text instead.
    """
    messages: list[dict[str, Any]] = []
    for number, turn in enumerate(turns):
        messages.append({"role": "user", "content": turn.question})
        builder = _TurnHistory(number, code_as_text)
        for event in turn.events:
            builder.add(event)
        messages += builder.finish()
    return messages


@dataclass
class _TurnHistory:
    number: int
    code_as_text: bool
    messages: list[dict[str, Any]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    call_id: str | None = None
    outputs: list[str] = field(default_factory=list)
    calls: int = 0

    def add(self, event: Event) -> None:
        kind = event.type
        if kind == "text_delta":
            self._close_call()
            self.text.append(event.text)  # type: ignore[attr-defined]
        elif kind == "code_done":
            self._close_call()
            self._code(event.code)  # type: ignore[attr-defined]
        elif kind == "code_output" and self.call_id is not None:
            self.outputs.append(event.logs)  # type: ignore[attr-defined]
        elif kind == "image_output" and self.call_id is not None:
            self.outputs.append(IMAGE_NOTE + "\n")
        elif kind == "reported":
            self._close_call()
            self._report(event.figures)  # type: ignore[attr-defined]

    def _take_text(self) -> str | None:
        text, self.text = "".join(self.text).strip(), []
        return text or None

    def _code(self, code: str) -> None:
        self.calls += 1
        self.call_id = _short_id("turn", self.number, "call", self.calls)
        if self.code_as_text:
            self.text.append(f"\n\n[I ran this Python code:]\n```python\n{code.rstrip()}\n```\n")
            return
        arguments = json.dumps({"code": code}, ensure_ascii=False)
        self.messages.append(
            {
                "role": "assistant",
                "content": self._take_text(),
                "tool_calls": [_call(self.call_id, RUN_PYTHON, arguments)],
            }
        )

    def _close_call(self) -> None:
        if self.call_id is None:
            return
        output = cap_output("".join(self.outputs), HISTORY_OUTPUT_LIMIT).strip() or "(no output)"
        if self.code_as_text:
            self.text.append(f"[Its output:]\n```\n{output}\n```\n")
        else:
            self.messages.append({"role": "tool", "tool_call_id": self.call_id, "content": output})
        self.call_id, self.outputs = None, []

    def _report(self, figures: Mapping[str, Any]) -> None:
        self.calls += 1
        call_id = _short_id("turn", self.number, "report", self.calls)
        arguments = json.dumps(dict(figures), ensure_ascii=False)
        self.messages.append(
            {
                "role": "assistant",
                "content": self._take_text(),
                "tool_calls": [_call(call_id, REPORT, arguments)],
            }
        )
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": "recorded"})

    def finish(self) -> list[dict[str, Any]]:
        self._close_call()
        text = self._take_text()
        if text is not None:
            self.messages.append({"role": "assistant", "content": text})
        elif not self.messages:  # nothing arrived: the question still gets an answer turn
            self.messages.append({"role": "assistant", "content": "(No answer arrived.)"})
        return self.messages


# --------------------------------------------------------------------------- one response


@dataclass
class _ToolCall:
    """A tool call of the streamed response, assembled from its deltas."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""
    decoder: CodeArgumentDecoder = field(default_factory=CodeArgumentDecoder)
    live: bool = False  # its code was streamed as it arrived (and CodeDone sent)

    @property
    def code(self) -> str | None:
        """The ``code`` argument, when the arguments are a JSON object with a string code."""
        parsed = parse_arguments(self.arguments)
        code = parsed.get("code") if parsed is not None else None
        return code if isinstance(code, str) else None


@dataclass
class _Round:
    """One streamed chat completion: its text, tool calls, finish reason and usage."""

    code_tool: bool
    text: list[str] = field(default_factory=list)
    calls: list[_ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    _by_index: dict[int, _ToolCall] = field(default_factory=dict)
    _live: _ToolCall | None = None
    _live_done: bool = False

    def map(self, chunk: Any) -> Iterator[Event]:
        """Our events for one ``ChatCompletionChunk``."""
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = {
                "input_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
                "output_tokens": int(getattr(usage, "completion_tokens", 0) or 0),
                "total_tokens": int(getattr(usage, "total_tokens", 0) or 0),
            }
        for choice in getattr(chunk, "choices", None) or ():
            if (getattr(choice, "index", 0) or 0) != 0:
                continue  # we ask for one choice
            delta = getattr(choice, "delta", None)
            if delta is not None:
                reasoning = getattr(delta, "reasoning_content", None) or getattr(
                    delta, "reasoning", None
                )
                if isinstance(reasoning, str) and reasoning:
                    yield ReasoningDelta(reasoning)
                content = getattr(delta, "content", None)
                if isinstance(content, str) and content:
                    self.text.append(content)
                    yield TextDelta(content)
                for call_delta in getattr(delta, "tool_calls", None) or ():
                    yield from self._call_delta(call_delta)
            if getattr(choice, "finish_reason", None):
                self.finish_reason = choice.finish_reason

    def _slot(self, call_delta: Any) -> tuple[_ToolCall, bool]:
        index = getattr(call_delta, "index", None)
        if not isinstance(index, int):
            index = self.calls[-1].index if self.calls else 0
        call_id = getattr(call_delta, "id", None) or ""
        call = self._by_index.get(index)
        if call is not None and call_id and call.id and call_id != call.id:
            call = None  # a server that numbers every call 0: a new id is a new call
        if call is None:
            call = _ToolCall(index=index, id=call_id)
            self._by_index[index] = call
            self.calls.append(call)
            return call, True
        call.id = call.id or call_id
        return call, False

    def _call_delta(self, call_delta: Any) -> Iterator[Event]:
        call, new = self._slot(call_delta)
        if new and self._live is not None and call is not self._live:
            yield from self.finish_live()
        function = getattr(call_delta, "function", None)
        name = getattr(function, "name", None) if function is not None else None
        if name and not call.name:
            call.name = name
        elif name and name != call.name and not call.arguments:
            call.name += name  # a name streamed in pieces (a repeated whole name is ignored)
        fragment = getattr(function, "arguments", None) if function is not None else None
        if fragment is not None and not isinstance(fragment, str):
            fragment = json.dumps(fragment)  # a server that sends the arguments parsed
        if not fragment:
            return
        call.arguments += fragment
        first_code = not any(c.name == RUN_PYTHON for c in self.calls if c is not call)
        if self._live is None and self.code_tool and call.name == RUN_PYTHON and first_code:
            self._live, call.live = call, True  # later cells are shown when they run
        if call is self._live and not self._live_done:
            code = call.decoder.feed(fragment)
            if code:
                yield CodeDelta(code)

    def finish_live(self) -> Iterator[Event]:
        """The live call is complete: its ``CodeDone`` (the code as the arguments parse)."""
        call = self._live
        if call is None or self._live_done:
            return
        self._live_done = True
        code = call.code
        if code is None and not call.decoder.code:
            call.live = False  # nothing was shown: the call is answered, not shown
            return
        yield CodeDone(code if code is not None else call.decoder.code)


# --------------------------------------------------------------------------- the backend


class _InterpreterUnavailable(Exception):
    """The local interpreter could not be started or the data could not be loaded."""


@dataclass
class _Progress:
    streaming: bool = False
    text_tail: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    responses: int = 0
    cells: list[str] = field(default_factory=list)  # this turn's cells that ran cleanly

    def add(self, usage: Mapping[str, int] | None) -> None:
        if usage:
            self.responses += 1
            self.input_tokens += usage.get("input_tokens", 0)
            self.output_tokens += usage.get("output_tokens", 0)
            self.total_tokens += usage.get("total_tokens", 0)

    def usage(self) -> dict[str, Any] | None:
        if not self.responses:
            return None
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }


_RESTART_NOTES = ("variables are lost", "[The interpreter is closed", "could not be started")


class ChatBackend(ClientBackend):
    """An OpenAI-compatible Chat Completions model, with our local interpreter as its tool."""

    name = "chat"
    has_models = True
    uses_local_interpreter = True

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        instructions: str | None = None,
        temperature: float | None = None,
        code_interpreter: bool = True,
        max_rounds: int = 8,
        timeout: float = 120.0,
        stall_timeout: float = 60.0,
        max_retries: int = 2,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """Settings not given come from ``CHAT_BASE_URL``/``CHAT_API_KEY``/``CHAT_MODEL``
        (in ``environ``, by default the process environment; never the ``OPENAI_*`` ones).

        ``instructions`` replace :data:`INSTRUCTIONS` (an assistant profile's); the tools and
        the data are always described after them. ``max_rounds``: model requests per turn
        that may call tools. ``stall_timeout``: the longest wait for the next bytes of a
        stream; ``timeout``: connecting and sending. ``max_retries``: the SDK's retries of
        429/5xx/connection failures (none of ours on top). Missing or malformed settings are
        not an exception: :meth:`stream` says which setting to set, as one ``config`` error.
        """
        if max_rounds < 1:
            raise ValueError("max_rounds must be at least 1")
        env = ChatSettings.from_mapping(os.environ if environ is None else environ)
        self.settings = ChatSettings(
            base_url=(base_url or env.base_url or "").strip(),
            api_key=(api_key or env.api_key or "").strip() or None,
            model=(model or env.model or "").strip(),
        )
        self.model = self.settings.model
        self.instructions = instructions
        self.temperature = temperature
        self.code_interpreter = code_interpreter
        self.max_rounds = max_rounds
        self.timeout = timeout
        self.stall_timeout = stall_timeout
        self.max_retries = max_retries
        self.provider = Provider.endpoint(self.settings.host)
        if self.settings.problem() is None:
            self.label = f"Chat model {self.model} at {self.settings.host}"
        else:
            self.label = "Chat model (not set up: CHAT_BASE_URL and CHAT_MODEL)"
        self._client: openai.OpenAI | None = None
        self._stream_options = True  # dropped if the server rejects stream_options

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(model={self.model!r}, host={self.settings.host!r})"

    @classmethod
    def list_models(cls, api_key: str | None = None, base_url: str | None = None) -> list[str]:
        """The models the endpoint offers (``[]`` when they cannot be read)."""
        env = ChatSettings.from_mapping(os.environ)
        settings = ChatSettings(base_url=base_url or env.base_url, api_key=api_key or env.api_key)
        return _list_models(settings)

    @property
    def client(self) -> openai.OpenAI:
        """The SDK client, pointed at the endpoint with OUR key (never ``OPENAI_API_KEY``)."""
        if self._client is None:
            self._client = openai.OpenAI(
                api_key=self.settings.client_key,
                base_url=self.settings.base_url,
                max_retries=self.max_retries,
                timeout=self.timeout,
            )
        return self._client

    def _secrets(self) -> list[str | None]:
        return [self.settings.api_key, os.environ.get("CHAT_API_KEY")]

    # -- one turn

    def stream(self, conversation: Conversation, question: str) -> Iterator[Event]:
        problem = self.settings.problem()
        if problem is not None:
            yield Error(kind="config", message=problem, retryable=False)
            yield Status(state="failed")
            return
        progress = _Progress()
        try:
            finished = yield from self._turn(conversation, question, progress)
        except _InterpreterUnavailable as exc:
            yield Error(kind="interpreter", message=str(exc), retryable=True)
            yield Status(state="failed", usage=progress.usage())
            return
        except Exception as exc:  # noqa: BLE001 - every failure becomes one Error event
            error = map_failure(
                exc,
                model=self.model,
                started=progress.streaming,
                max_retries=self.max_retries,
                stall_timeout=self.stall_timeout,
                secrets=self._secrets(),
                provider=self.provider,
            )
            log.warning("chat answer failed (%s): %s", error.kind, error.message)
            yield error
            yield Status(state="failed", usage=progress.usage())
            return
        if not finished:
            yield Error(
                kind="round_limit",
                message=(
                    f"The assistant used its {self.max_rounds} rounds of code without "
                    "finishing; ask a follow-up to let it continue."
                ),
                retryable=False,
            )
            yield Status(state="failed", usage=progress.usage())
            return
        yield Status(state="completed", usage=progress.usage())

    def _turn(
        self, conversation: Conversation, question: str, progress: _Progress
    ) -> Generator[Event, None, bool]:
        """Rounds of (streamed answer, tool calls run) until an answer without tool calls.

        Returns True when the model finished, False when ``max_rounds`` ran out.
        """
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "content": system_message(
                    conversation.dataset,
                    alpha=conversation.alpha,
                    alternative=conversation.alternative,
                    instructions=self.instructions,
                    code_interpreter=self.code_interpreter,
                ),
            },
            *history_messages(conversation.history, code_as_text=not self.code_interpreter),
            {"role": "user", "content": question},
        ]
        tools = build_tools(self.code_interpreter)
        for round_no in range(self.max_rounds):
            current = _Round(code_tool=self.code_interpreter)
            yield from self._respond(messages, tools, current, progress)
            if not current.calls:
                return True
            for number, call in enumerate(current.calls):
                call.id = call.id or _short_id("round", round_no, "call", number, time.time_ns())
            messages.append(
                {
                    "role": "assistant",
                    "content": "".join(current.text) or None,
                    "tool_calls": [
                        _call(
                            call.id,
                            call.name,
                            call.arguments if parse_arguments(call.arguments) else "{}",
                        )
                        for call in current.calls
                    ],
                }
            )
            for call in current.calls:
                result = yield from self._answer_call(conversation, call, progress)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        return False

    def _respond(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        current: _Round,
        progress: _Progress,
    ) -> Iterator[Event]:
        """Stream one chat completion through ``current``; raise if it did not finish."""
        chunks = self._create(messages, tools)
        gap = progress.text_tail not in ("", "\n")  # a later round's text starts a paragraph
        progress.streaming = True
        try:
            with chunks:
                for chunk in chunks:
                    for event in current.map(chunk):
                        if isinstance(event, TextDelta):
                            if gap:
                                yield TextDelta("\n\n")
                                gap = False
                            progress.text_tail = event.text[-1:]
                        yield event
            progress.streaming = False
        finally:
            progress.add(current.usage)
        host = self.settings.host
        if current.finish_reason is None:
            raise StreamFailure(
                "interrupted",
                f"The answer from {host} stopped before it was complete (the stream ended "
                "without a finish reason); what arrived is kept.",
                retryable=True,
            )
        if current.finish_reason in ("length", "content_filter"):
            why = {
                "length": "it reached the maximum output length",
                "content_filter": "the server's content filter stopped it",
            }[current.finish_reason]
            raise StreamFailure(
                "incomplete",
                f"The answer from {host} stopped before it was finished: {why} "
                f"(finish_reason {current.finish_reason}).",
                retryable=False,
                code=current.finish_reason,
            )
        yield from current.finish_live()

    def _create(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "tools": tools,
            "stream": True,
            "timeout": openai.Timeout(self.timeout, read=self.stall_timeout),
        }
        if self.temperature is not None:
            request["temperature"] = self.temperature
        if self._stream_options:
            try:
                return self.client.chat.completions.create(
                    **request, stream_options={"include_usage": True}
                )
            except openai.BadRequestError as exc:
                if "stream_options" not in detail(exc):
                    raise
                log.info("%s does not take stream_options; asking without", self.settings.host)
                self._stream_options = False
        return self.client.chat.completions.create(**request)

    # -- tool calls

    def _answer_call(
        self, conversation: Conversation, call: _ToolCall, progress: _Progress
    ) -> Generator[Event, None, str]:
        """Run one tool call; returns the ``tool`` message's content."""
        if call.name == RUN_PYTHON and self.code_interpreter:
            code = call.code
            if code is None:
                if call.live:
                    yield CodeOutput(
                        "[The code was not run: the tool call's arguments were not valid JSON.]\n"
                    )
                return (
                    'error: the arguments were not a JSON object with a string "code"; nothing '
                    f'was run. Call {RUN_PYTHON} again with {{"code": "..."}}.'
                )
            if not call.live:
                yield CodeDelta(code)
                yield CodeDone(code)
            return (yield from self._run_cell(conversation, code, progress))
        if call.name == REPORT:
            figures = parse_report(call.arguments)
            if figures is None:
                return "error: the arguments were not a JSON object; nothing was recorded"
            if figures:
                yield Reported(figures=figures)
            return "recorded"
        tools = ", ".join(t["function"]["name"] for t in build_tools(self.code_interpreter))
        return f"error: there is no tool named {call.name!r}; the tools are: {tools}."

    def _run_cell(
        self, conversation: Conversation, code: str, progress: _Progress
    ) -> Generator[Event, None, str]:
        """Run the model's cell in the thread's kernel (made ready first); returns its text."""
        interpreter, restored = self._ready(conversation, progress)
        note = ""
        if restored:
            note = (
                "[The code session had been restarted: the data was loaded again and the "
                "earlier code cells were re-run first.]\n"
            )
            yield CodeOutput(note)
        outputs: list[str] = []
        for event in interpreter.run(code):
            yield event
            if isinstance(event, CodeOutput):
                outputs.append(event.logs)
            elif isinstance(event, ImageOutput):
                outputs.append(IMAGE_NOTE + "\n")
        text = "".join(outputs)
        if not any(mark in text for mark in _RESTART_NOTES):
            progress.cells.append(code)
        return note + (cap_output(text) if text.strip() else "(no output)")

    # -- the kernel: probe, load, replay

    def _ready(self, conversation: Conversation, progress: _Progress) -> tuple[Any, bool]:
        """The thread's kernel holding its data; True when earlier cells had to be re-run.

        A kernel that holds this thread's marker is used as it is. Otherwise the data is
        loaded; and if the kernel was fresh (nothing in it: a new or restarted kernel), the
        earlier turns' cells (and this turn's, after a restart mid-turn) are re-run silently.
        """
        interpreter = _interpreter_of(conversation)
        state = _probe(interpreter, conversation.id)
        if state is None:  # closed or broken: a new one
            conversation.interpreter = None
            interpreter.close()
            interpreter = _interpreter_of(conversation)
            state = _probe(interpreter, conversation.id)
        if state == "ours":
            return interpreter, False
        source = setup_code(
            conversation.dataset, conversation.alpha, conversation.alternative, conversation.id
        )
        output = _run_silently(interpreter, source)
        if _LOADED_SENTINEL not in output:
            raise _InterpreterUnavailable(
                "The data could not be loaded into the local code interpreter: "
                + (output.strip()[-500:] or "no output")
            )
        if state != "fresh":
            return interpreter, False  # the kernel kept its variables (another backend's)
        cells = [
            event.code  # type: ignore[attr-defined]
            for turn in conversation.history
            for event in turn.events
            if event.type == "code_done"
        ] + progress.cells
        if not cells:
            return interpreter, False
        _replay(interpreter, cells)
        return interpreter, True


def _interpreter_of(conversation: Conversation) -> Any:
    """The conversation's interpreter; a warm one is taken (and kept) on first use."""
    if conversation.interpreter is None:
        from assistant_core.interpreter import InterpreterError, warm_interpreter

        try:
            conversation.interpreter = warm_interpreter()
        except (InterpreterError, OSError) as exc:
            raise _InterpreterUnavailable(
                f"The local code interpreter could not be started: {exc}"
            ) from exc
    return conversation.interpreter


def _run_silently(interpreter: Any, code: str) -> str:
    """Run a cell of ours; its text output (images dropped), for us only."""
    return "".join(e.logs for e in interpreter.run(code) if isinstance(e, CodeOutput))


def _probe(interpreter: Any, marker: str) -> str | None:
    """``ours`` (holds this thread's data), ``fresh`` (holds nothing), ``other``; None: broken."""
    output = _run_silently(interpreter, _probe_code(marker))
    for line in output.splitlines():
        if line.startswith(_PROBE_SENTINEL):
            words = line.split()
            if len(words) == 3:
                if words[1] == "True":
                    return "ours"
                return "other" if words[2] == "True" else "fresh"
    return None


def _replay(interpreter: Any, cells: Sequence[str]) -> None:
    """Re-run earlier cells so their variables exist again: bounded, failures skipped."""
    started = time.monotonic()
    ran = 0
    for code in cells[:REPLAY_MAX_CELLS]:
        if time.monotonic() - started > REPLAY_SECONDS:
            break
        _run_silently(interpreter, code)
        ran += 1
    log.info("re-ran %d of %d earlier cells in a fresh kernel", ran, len(cells))
