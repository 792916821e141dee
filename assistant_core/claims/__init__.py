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
from assistant_core.errors import DataError
from assistant_core.events import answer_parts

__all__ = [
    "MAX_TEXT",
    "Claim",
    "ClaimReport",
    "Coverage",
    "TextTooLong",
    "check_answer",
    "check_parts",
    "check_text",
]

#: The longest text read (characters): longer ones are refused with a clear message.
MAX_TEXT = 2_000_000


class TextTooLong(DataError):
    """A text longer than :data:`MAX_TEXT`."""


def _check_length(text: str, what: str) -> None:
    if len(text) > MAX_TEXT:
        raise TextTooLong(f"the {what} has {len(text):,} characters; at most {MAX_TEXT:,} are read")


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
    """The claims of one answer (its events): the prose, each cell's output (read with the
    code that printed it), the structured figures."""
    answer = answer_parts(events)
    cells = [(c.code, c.output) for c in answer.cells if c.output.strip()]
    return check_parts(answer.text, cells, answer.reported, report, data)


def check_parts(
    text: str,
    cells: Sequence[tuple[str, str]],
    structured: Mapping[str, Any] | None,
    report: Mapping[str, Any] | Any,
    data: Sequence[Sequence[float]] | None = None,
) -> ClaimReport:
    """The claims of an answer given as its prose, its cells that printed something (code,
    output) and the structured figures: what :func:`check_answer` reads from events, and what
    a stored analysis keeps. A claim's ``cell`` is the index of its output in ``cells``."""
    _check_length(text, "answer")
    facts = Facts(report, data)
    names = facts.names
    sources = [SourceText(read(text, "text", names))]
    for index, (code, output) in enumerate(cells):
        output = output[:MAX_TEXT]
        sources.append(
            SourceText(read(output, "output", names, code), cell=index, calls=calls(code))
        )
    if structured:
        sources.append(SourceText(report_read(structured, names)))
    if not facts.groups:
        return check_consistency(sources, facts.alpha)
    return judge(facts, sources)
