"""Showing a run in the terminal: JSON lines, or the stream as a person reads it."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from assistant_core.events import Event, answer_parts
from assistant_core.reporting import TEST_NAMES, report_line, usage_line, variant_name

__all__ = ["TerminalView", "checked_text"]

_RULE = "─" * 8


class TerminalView:
    """Prints events as they arrive: one JSON object per line, or readable text."""

    def __init__(
        self,
        *,
        json_lines: bool,
        local_report: dict[str, Any],
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.json_lines = json_lines
        self.local = local_report
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._in_code = False
        self._at_line_start = True
        self._after_output = False
        self._in_reasoning = False
        self._events: list[Event] = []

    def show(self, event: Event) -> None:
        self._events.append(event)
        if self.json_lines:
            self.out.write(json.dumps(event.to_dict(), allow_nan=False) + "\n")
            self.out.flush()
            return
        handler = getattr(self, f"_{event.type}", None)
        if handler is not None:
            handler(event)
            self.out.flush()

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self._at_line_start = text.endswith("\n")

    def _newline(self) -> None:
        if not self._at_line_start:
            self._write("\n")

    def _thread(self, event: Any) -> None:
        self._write(f"Thread {event.id}\n\n")

    def _text_delta(self, event: Any) -> None:
        if self._in_reasoning:
            self._newline()
            self._write(f"{_RULE}\n")
            self._in_reasoning = False
        if self._after_output:  # text after a cell's output starts on a line of its own
            self._newline()
            self._after_output = False
        self._write(event.text)

    def _reasoning_delta(self, event: Any) -> None:
        if not self._in_reasoning:
            self._newline()
            self._write(f"{_RULE} reasoning summary {_RULE}\n")
            self._in_reasoning = True
        self._write(event.text)

    def _open_code(self) -> None:
        if not self._in_code:
            self._newline()
            self._write(f"\n{_RULE} Python {_RULE}\n")
            self._in_code = True

    def _code_delta(self, event: Any) -> None:
        self._open_code()
        self._write(event.code)

    def _code_done(self, event: Any) -> None:
        if not self._in_code:  # a backend that sends the whole cell at once
            self._open_code()
            self._write(event.code)
        self._newline()
        self._write(f"{_RULE} output {_RULE}\n")
        self._in_code = False

    def _code_output(self, event: Any) -> None:
        self._write(event.logs)
        self._after_output = True

    def _image_output(self, event: Any) -> None:
        self._newline()
        size = f"{len(event.data) / 1024:.0f} kB" if event.data else event.url
        self._write(f"[figure: {event.mime}, {size}]\n")

    def _file_output(self, event: Any) -> None:
        self._newline()
        self._write(f"[file: {event.filename}, {len(event.data)} bytes]\n")

    def _status(self, event: Any) -> None:
        if event.state not in ("running", "completed"):
            self._newline()
            self._write(f"\n[run {event.state}]\n")
        if event.usage:
            self._newline()
            self._write(f"[{usage_line(event.usage)}]\n")

    def _error(self, event: Any) -> None:
        self._newline()
        hint = " (trying again may help)" if event.retryable else ""
        self.err.write(f"error ({event.kind}): {event.message}{hint}\n")
        self.err.flush()

    def _verification(self, event: Any) -> None:
        self._newline()
        key = self.local.get("recommended")
        if key:
            self._write(f"\n{_RULE} local check (scipy) {_RULE}\n")
            self._write(f"{TEST_NAMES.get(key, key)}: {report_line(self.local)}\n")
        self._write(f"\n{_RULE} checked, claim by claim {_RULE}\n")
        self._write(checked_text(self._events, event.to_dict()))
        self._events = []


def checked_text(events: list[Event], verification: dict[str, Any]) -> str:
    """The answer's prose again, each claim marked where it is written, the coverage line,
    the claims listed (contradicted first) with their reasons, and what to know about the
    choice of test."""
    from assistant_core.claims.marks import coverage_line, hover, listing, mark_text, number, plain
    from assistant_core.claims.model import Claim

    answer = answer_parts(events)
    claims = [Claim.from_dict(c) for c in verification.get("claims") or []]
    numbered = number(claims)
    lines = []
    if verification.get("variant"):
        lines.append(f"The figures are those of {variant_name(verification['variant'])}.")
    for note in verification.get("notes") or []:
        lines.append(note)
    lines.append(coverage_line(claims) + ".")
    text = answer.text
    prose = [n for n in numbered if n.claim.source == "text"]
    if text.strip() and prose:
        lines += ["", plain(text, prose).strip(), ""]
    for cell, output in enumerate(answer.outputs):
        marked = [n for n in numbered if n.claim.source == "output" and n.claim.cell == cell]
        if marked:
            lines += [f"[output of cell {cell + 1}]", plain(output, marked).rstrip(), ""]
    for item in listing(numbered):
        claim = item.claim
        where = {
            "text": "text",
            "output": f"output {(claim.cell or 0) + 1}",
            "report": "reported",
        }.get(claim.source, claim.source)
        lines.append(
            f"  {item.index:>3} {mark_text(claim):<14} {claim.reported[:40]:<40} "
            f"({where}) {hover(claim)}"
        )
    return "\n".join(lines) + "\n"
