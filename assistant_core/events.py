"""The event vocabulary every backend yields, and that the store, CLI and UI consume.

Each event is a small frozen dataclass; ``to_dict()`` gives the JSON-lines form of the
``ask`` contract in DESIGN.md (a ``type`` field in snake_case plus the event's fields).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "Answer",
    "Cell",
    "CodeDelta",
    "CodeDone",
    "CodeOutput",
    "Error",
    "Event",
    "FileOutput",
    "ImageOutput",
    "ReasoningDelta",
    "Reported",
    "Status",
    "TextDelta",
    "Thread",
    "Verification",
    "answer_parts",
    "event_from_dict",
]


@dataclass(frozen=True)
class Event:
    """Base class; ``type`` is the snake_case name used on the wire."""

    type: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        return {"type": self.type, **fields}


@dataclass(frozen=True)
class Thread(Event):
    """The conversation (stored thread) this run belongs to; first in ``ask --json``."""

    type: ClassVar[str] = "thread"
    id: str


@dataclass(frozen=True)
class TextDelta(Event):
    """A piece of the assistant's narrative, as it is written."""

    type: ClassVar[str] = "text_delta"
    text: str


@dataclass(frozen=True)
class ReasoningDelta(Event):
    """A piece of the model's reasoning summary: shown apart, never read as its answer."""

    type: ClassVar[str] = "reasoning_delta"
    text: str


@dataclass(frozen=True)
class CodeDelta(Event):
    """A piece of a code cell, as it is written."""

    type: ClassVar[str] = "code_delta"
    code: str


@dataclass(frozen=True)
class CodeDone(Event):
    """A code cell, complete, about to run."""

    type: ClassVar[str] = "code_done"
    code: str


@dataclass(frozen=True)
class CodeOutput(Event):
    """Text the running code produced: stdout, stderr, results, tracebacks, notes."""

    type: ClassVar[str] = "code_output"
    logs: str


@dataclass(frozen=True)
class ImageOutput(Event):
    """An image the code produced: PNG bytes (local interpreter) or a URL (hosted)."""

    type: ClassVar[str] = "image_output"
    data: bytes | None = None
    url: str | None = None
    mime: str = "image/png"
    filename: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "mime": self.mime}
        if self.data is not None:
            out["data_base64"] = base64.b64encode(self.data).decode("ascii")
        if self.url is not None:
            out["url"] = self.url
        if self.filename:
            out["filename"] = self.filename
        return out


@dataclass(frozen=True)
class FileOutput(Event):
    """A file the code wrote (kept, since hosted containers expire)."""

    type: ClassVar[str] = "file_output"
    filename: str
    data: bytes = b""
    mime: str = "application/octet-stream"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "filename": self.filename,
            "mime": self.mime,
            "data_base64": base64.b64encode(self.data).decode("ascii"),
        }


@dataclass(frozen=True)
class Reported(Event):
    """The figures the assistant itself reported, in structured form.

    ``figures`` keys (any may be missing): ``test`` (a key of the local report's tests,
    e.g. ``"welch_t"``), ``alternative``, ``statistic``, ``df``, ``df_between``,
    ``df_within``, ``p_value``, ``ci_low``, ``ci_high``, ``mean_difference``,
    ``effect_size_name`` (e.g. ``"cohens_d"``), ``effect_size``.
    """

    type: ClassVar[str] = "reported"
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Status(Event):
    """Where the run is: ``running``, ``completed``, ``failed``, ``stopped``; token usage."""

    type: ClassVar[str] = "status"
    state: str
    usage: dict[str, Any] | None = None


@dataclass(frozen=True)
class Error(Event):
    """The assistant's side failed; what arrived before it stays valid."""

    type: ClassVar[str] = "error"
    kind: str
    message: str
    retryable: bool = False


@dataclass(frozen=True)
class Verification(Event):
    """The verdict on one answer (last in ``ask --json``).

    ``variant`` is the test the figures are of; ``figures`` one line per key figure of it
    (``{"name", "reported", "local", "status"}``, status ``match``/``mismatch``/
    ``not_reported``); ``claims`` every figure and statement the reader reads, each with its
    verdict (see :class:`assistant_core.claims.Claim`); ``coverage`` their counts; ``notes``
    what to know about the choice of test. ``mode`` is ``data`` (judged against the local
    results) or ``consistency`` (no data: judged for internal consistency).
    """

    type: ClassVar[str] = "verification"
    variant: str | None
    figures: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mode: str = "data"


_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        Thread,
        TextDelta,
        ReasoningDelta,
        CodeDelta,
        CodeDone,
        CodeOutput,
        ImageOutput,
        FileOutput,
        Reported,
        Status,
        Error,
        Verification,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """The inverse of ``to_dict()`` (for the store and for replaying a run)."""
    kind = data.get("type")
    cls = _TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"unknown event type {kind!r}")
    fields = {k: v for k, v in data.items() if k != "type"}
    if cls is Verification:
        fields.pop("unsupported", None)  # stored by versions before the claims
    if cls in (ImageOutput, FileOutput) and "data_base64" in fields:
        fields["data"] = base64.b64decode(fields.pop("data_base64"))
    return cls(**fields)


# --------------------------------------------------------------------------- one answer's parts
# The page, the terminal, the reports and the claims cut an answer the same way, so a claim's
# ``cell`` names the same output everywhere. A cell starts with its code (``code_delta`` or
# ``code_done``) and holds every ``code_output`` that follows until the next cell's code; output
# with no code before it (a hosted interpreter that sends the result first) is a cell of its own.


@dataclass
class Cell:
    code: str = ""
    output: str = ""
    _writing: list[str] = field(default_factory=list, repr=False)


@dataclass
class Answer:
    text: str
    cells: list[Cell]
    reported: dict[str, Any]

    @property
    def outputs(self) -> list[str]:
        """What each cell that printed something printed (claims' ``cell`` indexes these)."""
        return [cell.output for cell in self.cells if cell.output.strip()]


def answer_parts(events: Iterable[Any]) -> Answer:
    """The prose, the cells and the structured figures of one answer's events."""
    text: list[str] = []
    cells: list[Cell] = []
    reported: dict[str, Any] = {}
    current: Cell | None = None
    for event in events:
        kind = getattr(event, "type", None)
        if kind == "text_delta" and isinstance(getattr(event, "text", None), str):
            text.append(event.text)
        elif kind in ("code_delta", "code_done"):
            code = getattr(event, "code", "")
            if current is None or current.output:
                current = Cell()
                cells.append(current)
            if kind == "code_delta" and isinstance(code, str):
                current._writing.append(code)
                current.code = "".join(current._writing)
            elif isinstance(code, str):
                current.code = code
        elif kind == "code_output" and isinstance(getattr(event, "logs", None), str):
            if current is None:
                current = Cell()
                cells.append(current)
            current.output += event.logs
        elif kind == "reported" and isinstance(getattr(event, "figures", None), Mapping):
            reported.update({k: v for k, v in event.figures.items() if v is not None})
    return Answer("".join(text), [c for c in cells if c.output or c.code], reported)
