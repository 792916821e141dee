"""Claims: every number and every statement the reader reads, checked where it is written.

A claim is a span of what the reader reads (the prose of an answer, a table in it, a code
cell's printed output, or the structured ``report_results`` figures) with its kind, the value
as written, what it is about, and one verdict: ``confirmed``, ``contradicted`` (with the right
value and a reason) or ``unchecked`` (and why). Three steps, as statcheck has them:

* :mod:`~assistant_core.claims.reader`: text -> readings (figures and statements, where);
* :mod:`~assistant_core.claims.facts`: the local results -> what each figure should be;
* :mod:`~assistant_core.claims.judge` (with data) or
  :mod:`~assistant_core.claims.consistency` (without): readings -> claims.

:mod:`~assistant_core.claims.marks` turns claims into what the page, the terminal and the
reports show (marks in place, a coverage line, contradicted claims first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant_core.claims.code import calls
from assistant_core.claims.consistency import check_consistency
from assistant_core.claims.facts import Facts
from assistant_core.claims.judge import SourceText, judge, report_read
from assistant_core.claims.model import Claim, ClaimReport, Coverage
from assistant_core.claims.reader import read

__all__ = [
    "MAX_TEXT",
    "Claim",
    "ClaimReport",
    "Coverage",
    "TextTooLong",
    "check_answer",
    "check_text",
]

#: The longest text read (characters): longer ones are refused with a clear message.
MAX_TEXT = 2_000_000


class TextTooLong(ValueError):
    """A text longer than :data:`MAX_TEXT`."""


def _check_length(text: str, what: str) -> None:
    if len(text) > MAX_TEXT:
        raise TextTooLong(
            f"the {what} has {len(text):,} characters; at most {MAX_TEXT:,} are read"
        )


def check_text(
    text: str,
    *,
    report: Mapping[str, Any] | Any | None = None,
    data: Sequence[Sequence[float]] | None = None,
    names: Sequence[str] | None = None,
    outputs: Sequence[str] = (),
    code: str = "",
    structured: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
) -> ClaimReport:
    """The claims of a text (and of code outputs beside it).

    With ``report`` (the local report, a dict or a LocalReport) and optionally ``data`` (the
    groups' values, for figures the report implies only with the data), claims are judged
    against the local results; without, for internal consistency. ``names`` are the group
    names (taken from the report when given).
    """
    _check_length(text, "text")
    for output in outputs:
        _check_length(output, "output")
    facts = Facts(report, data) if report is not None else None
    group_names = list(facts.names if facts is not None else names or [])
    hints = calls(code)
    sources = [SourceText(read(text, "text", group_names))]
    sources += [
        SourceText(read(output, "output", group_names), cell=index, calls=hints)
        for index, output in enumerate(outputs)
    ]
    if structured:
        sources.append(SourceText(report_read(structured, group_names)))
    if facts is None or not facts.groups:
        return check_consistency(sources, alpha)
    return judge(facts, sources)


def check_answer(
    events: Iterable[Any],
    report: Mapping[str, Any] | Any,
    data: Sequence[Sequence[float]] | None = None,
) -> ClaimReport:
    """The claims of one answer (its events): the prose, each code output, the structured
    figures; each code output is read with the code cells run before it."""
    text_parts: list[str] = []
    outputs: list[str] = []
    output_calls: list[list[Any]] = []
    code_so_far: list[str] = []
    structured: dict[str, Any] = {}
    pending_code: list[str] = []
    for event in events:
        kind = getattr(event, "type", None)
        if kind == "text_delta" and isinstance(event.text, str):
            text_parts.append(event.text)
        elif kind == "code_delta" and isinstance(event.code, str):
            pending_code.append(event.code)
        elif kind == "code_done" and isinstance(event.code, str):
            code_so_far.append(event.code)
            pending_code = []
        elif kind == "code_output" and isinstance(event.logs, str):
            if pending_code:
                code_so_far.append("".join(pending_code))
                pending_code = []
            outputs.append(event.logs)
            output_calls.append(calls(code_so_far[-1] if code_so_far else ""))
        elif kind == "reported" and isinstance(event.figures, Mapping):
            structured.update({k: v for k, v in event.figures.items() if v is not None})
    text = "".join(text_parts)
    _check_length(text, "answer")
    facts = Facts(report, data)
    names = facts.names
    sources = [SourceText(read(text, "text", names))]
    for index, output in enumerate(outputs):
        if len(output) > MAX_TEXT:
            output = output[:MAX_TEXT]
        sources.append(
            SourceText(read(output, "output", names), cell=index, calls=output_calls[index])
        )
    if structured:
        sources.append(SourceText(report_read(structured, names)))
    if not facts.groups:
        return check_consistency(sources, facts.alpha)
    return judge(facts, sources)
