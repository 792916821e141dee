"""Rendering the assistant's side: a turn as it streams (or as stored), and the verdict.

One renderer serves both: :class:`TurnView` takes events one at a time and draws them
into a chat message, so a stored turn is drawn by feeding it its saved events.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant_core.events import (
    CodeDelta,
    CodeDone,
    CodeOutput,
    Error,
    Event,
    FileOutput,
    ImageOutput,
    ReasoningDelta,
    Status,
    TextDelta,
)
from assistant_core.reporting import usage_line, variant_name
from assistant_core.ui.text import md_escape

__all__ = ["TurnView", "render_verdict"]

_CURSOR = "▌"


class TurnView:
    """Draws one turn's events inside the current container, creating elements lazily."""

    def __init__(self, question: str, *, label: str) -> None:
        with st.chat_message("user"):
            st.markdown(md_escape(question))
        self._message = st.chat_message("assistant", avatar=":material/query_stats:")
        self._message.caption(label)
        self._text: list[str] = []
        self._text_slot: Any = None
        self._code: list[str] = []
        self._cell: Any = None
        self._code_slot: Any = None
        self._output: list[str] = []
        self._output_slot: Any = None
        self._reasoning: list[str] = []
        self._reasoning_slot: Any = None

    # -- text
    def _flush_text(self, cursor: bool) -> None:
        if self._text_slot is not None:
            self._text_slot.markdown("".join(self._text) + (_CURSOR if cursor else ""))

    def _end_text(self) -> None:
        self._flush_text(cursor=False)
        self._text, self._text_slot = [], None

    # -- code cells
    def _open_cell(self) -> None:
        if self._cell is None:
            self._end_text()
            self._cell = self._message.status("Writing code…", expanded=True)
            self._code_slot = self._cell.empty()
            self._output, self._output_slot = [], None

    def _end_cell(self) -> None:
        if self._cell is not None:
            self._cell.update(label="Code and its output", state="complete", expanded=False)
            self._cell, self._output_slot = None, None

    def show(self, event: Event, *, live: bool = True) -> None:
        """Draw one event; ``live`` shows a cursor after text still being written."""
        match event:
            case TextDelta(text=text):
                if self._output_slot is not None:
                    self._end_cell()
                if self._text_slot is None:
                    self._text_slot = self._message.empty()
                self._text.append(text)
                self._flush_text(cursor=live)
            case ReasoningDelta(text=text):
                if self._reasoning_slot is None:
                    box = self._message.expander("Reasoning summary (not part of the answer)")
                    self._reasoning_slot = box.empty()
                self._reasoning.append(text)
                self._reasoning_slot.markdown(md_escape("".join(self._reasoning)))
            case CodeDelta(code=code):
                if self._output_slot is not None:
                    self._end_cell()  # a new cell starts after the previous one's output
                self._open_cell()
                self._code.append(code)
                self._code_slot.code("".join(self._code), language="python")
            case CodeDone(code=code):
                self._open_cell()
                self._code_slot.code(code, language="python")
                self._code = []
                self._cell.update(label="Running code…", state="running")
            case CodeOutput(logs=logs):
                self._open_cell()
                if self._output_slot is None:
                    self._output_slot = self._cell.empty()
                self._output.append(logs)
                self._output_slot.code("".join(self._output), language="text")
            case ImageOutput(data=data, url=url):
                self._open_cell()
                if data:
                    self._cell.image(data)
                elif url:
                    self._cell.markdown(f"[figure]({url})")
            case FileOutput(filename=name, data=data):
                self._open_cell()
                self._cell.download_button(f"Download {name}", data=data, file_name=name)
            case Error(message=message):
                self._end_text()
                self._end_cell()
                self._message.error(message, icon="🛑")
            case Status(state=state, usage=usage) if state in ("completed", "failed", "stopped"):
                self.finish(state)
                if usage:
                    self._message.caption(usage_line(usage))

    def finish(self, state: str) -> None:
        """The turn is over: drop the cursor, close an open cell, say if it was stopped."""
        self._end_text()
        self._end_cell()
        if state == "stopped":
            self._message.warning("Stopped. What arrived before the stop is kept.", icon="⏹️")


_BADGE = {
    "match": ("match", "green", ":material/check:"),
    "mismatch": ("mismatch", "red", ":material/close:"),
    "not_reported": ("not reported", "gray", ":material/remove:"),
}


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return md_escape(str(value))


def render_verdict(verification: dict[str, Any] | None) -> None:
    """The verdict panel: the variant the assistant used, then a badge per figure."""
    with st.container(border=True):
        st.caption("Did the assistant get it right?")
        if verification is None:
            st.markdown("Ask the research assistant; each figure it reports is checked here.")
            return
        if verification.get("variant"):
            used = md_escape(variant_name(verification["variant"]))
            st.markdown(f"The assistant used **{used}**.")
        for figure in verification.get("figures", []):
            label, colour, icon = _BADGE.get(figure["status"], (figure["status"], "gray", None))
            if figure["name"] == "test" and figure["status"] == "mismatch":
                # right figures of another test: a judgement to show, not an error in a number
                label, colour, icon = "other test", "orange", ":material/swap_horiz:"
            left, right = st.columns([2, 3])
            left.badge(label, color=colour, icon=icon)
            text = f"**{md_escape(figure['name'])}**: reported {_value(figure.get('reported'))}"
            text += f", local {_value(figure.get('local'))}"
            if figure.get("note"):
                text += f" — {md_escape(figure['note'])}"
            right.markdown(text)
        for number in verification.get("unsupported", []):
            st.warning(f"Not supported by its code output or the local checks: {md_escape(number)}")
