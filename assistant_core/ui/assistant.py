"""Rendering the assistant's side: a turn as it streams (or as stored), and its checks.

One renderer serves both: :class:`TurnView` takes events one at a time and draws them
into a chat message, so a stored turn is drawn by feeding it its saved events. When the
turn's verdict arrives, its prose and its printed output are drawn again with every claim
marked where it is written, and the answer ends with its coverage line and its claims,
contradicted ones first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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
    Verification,
)
from assistant_core.reporting import usage_line, variant_name
from assistant_core.ui.text import md_escape

__all__ = ["TurnView", "render_claims_summary", "render_verdict", "with_claims"]

_CURSOR = "▌"
log = logging.getLogger(__name__)


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
        self._length = 0  # characters of prose so far (claims index the prose joined)
        self._segments: list[tuple[Any, int, int]] = []  # (slot, start, end) of each text
        self._events: list[Event] = []
        self._outputs: list[tuple[Any, str]] = []  # (slot, output) of each cell, in order

    # -- text
    def _flush_text(self, cursor: bool) -> None:
        if self._text_slot is not None:
            self._text_slot.markdown("".join(self._text) + (_CURSOR if cursor else ""))

    def _end_text(self) -> None:
        self._flush_text(cursor=False)
        if self._text_slot is not None:
            text = "".join(self._text)
            self._segments.append((self._text_slot, self._length, self._length + len(text)))
            self._length += len(text)
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
            output = "".join(self._output)
            if self._output_slot is not None and output.strip():
                self._outputs.append((self._output_slot, output))
            self._cell, self._output_slot = None, None

    def show(self, event: Event, *, live: bool = True) -> None:
        """Draw one event; ``live`` shows a cursor after text still being written."""
        self._events.append(event)
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
            case Verification():
                self.finish("completed")
                self.show_claims(event.to_dict())

    def show_claims(self, verification: dict[str, Any]) -> None:
        """Mark every claim where it is written, then the coverage line and the claims."""
        from assistant_core.claims.marks import html, number, page_markdown
        from assistant_core.claims.model import Claim

        claims = [Claim.from_dict(c) for c in verification.get("claims") or []]
        numbered = number(claims)
        for slot, start, end in self._segments:
            text = "".join(self._segment_text(start, end))
            inside = [
                _shifted(n, -start)
                for n in numbered
                if n.claim.source == "text"
                and n.claim.start is not None
                and start <= n.claim.start < end
            ]
            if inside:
                slot.markdown(page_markdown(text, inside), unsafe_allow_html=True)
        for cell, (slot, output) in enumerate(self._outputs):
            inside = [n for n in numbered if n.claim.source == "output" and n.claim.cell == cell]
            if inside:
                slot.markdown(html(output, inside, pre=True), unsafe_allow_html=True)
        with self._message:
            render_claims_summary(verification, numbered)

    def _segment_text(self, start: int, end: int) -> list[str]:
        return [self._prose[start:end]]

    @property
    def _prose(self) -> str:
        return "".join(getattr(e, "text", "") for e in self._events if e.type == "text_delta")

    def finish(self, state: str) -> None:
        """The turn is over: drop the cursor, close an open cell, say if it was stopped."""
        self._end_text()
        self._end_cell()
        if state == "stopped":
            self._message.warning("Stopped. What arrived before the stop is kept.", icon="⏹️")


def _shifted(item: Any, by: int) -> Any:
    from dataclasses import replace

    from assistant_core.claims.marks import Numbered

    claim = item.claim
    moved = replace(claim, start=(claim.start or 0) + by, end=(claim.end or 0) + by)
    return Numbered(item.index, moved)


def render_claims_summary(verification: dict[str, Any], numbered: Sequence[Any]) -> None:
    """Under an answer: the test its figures are of, the coverage line, the contradicted claims
    in full, and every claim in an expander (contradicted, unchecked, confirmed)."""
    from assistant_core.claims.marks import coverage_line, hover, listing, mark_text

    claims = [n.claim for n in numbered]
    with st.container(border=True):
        line = coverage_line(claims)
        if verification.get("variant"):
            used = md_escape(variant_name(verification["variant"]))
            st.markdown(f"**Checked, claim by claim.** The figures are those of **{used}**.")
        else:
            st.markdown("**Checked, claim by claim.**")
        st.markdown(md_escape(line) + ".")
        for note in verification.get("notes") or []:
            st.caption(md_escape(note))
        wrong = [n for n in numbered if n.claim.verdict == "contradicted"]
        for item in wrong:
            st.markdown(
                f":red-badge[:material/close: {item.index} contradicted] "
                f"**{md_escape(item.claim.reported)}**: {md_escape(item.claim.reason)}"
            )
        if numbered:
            with st.expander(f"All {len(numbered)} claims, contradicted first"):
                for item in listing(numbered):
                    badge = _CLAIM_BADGE[item.claim.verdict]
                    st.markdown(
                        f"{badge} {item.index} · `{md_escape(mark_text(item.claim))}` "
                        f"{md_escape(item.claim.reported)} — {md_escape(hover(item.claim))}"
                    )


_CLAIM_BADGE = {
    "confirmed": ":green-badge[:material/check: confirmed]",
    "contradicted": ":red-badge[:material/close: contradicted]",
    "unchecked": ":gray-badge[:material/help: unchecked]",
}


def render_verdict(verification: dict[str, Any] | None) -> None:
    """The panel beside the local results: what the latest answer's claims add up to."""
    with st.container(border=True):
        st.caption("Did the assistant get it right?")
        if verification is None:
            st.markdown(
                "Ask the research assistant; every figure and statement in its answer is "
                "checked against these local results, where it is written."
            )
            return
        from assistant_core.claims.model import Claim, Coverage

        claims = [Claim.from_dict(c) for c in verification.get("claims") or []]
        if verification.get("variant"):
            used = md_escape(variant_name(verification["variant"]))
            st.markdown(f"The latest answer's figures are those of **{used}**.")
        st.markdown(md_escape(Coverage.of(claims).line()) + ".")
        wrong = [c for c in claims if c.verdict == "contradicted"]
        if wrong:
            st.markdown(
                f":red-badge[:material/close: {len(wrong)} contradicted] — see the marks "
                "in the answer."
            )
        elif claims:
            st.markdown(":green-badge[:material/check: nothing contradicted]")
        for note in verification.get("notes") or []:
            st.caption(md_escape(note))


def with_claims(
    events: Sequence[Event], recheck: Callable[[Sequence[Event]], Verification] | None
) -> list[Event]:
    """A stored turn's events with its verdict re-checked claim by claim when it was stored by
    a version before the claims (no ``claims`` and no ``coverage`` in it)."""
    out = list(events)
    for index, event in enumerate(out):
        stale = isinstance(event, Verification) and not event.claims and not event.coverage
        if stale and recheck is not None:
            try:
                out[index] = recheck(out[:index])
            except Exception as exc:  # noqa: BLE001 - an old verdict is shown as it was
                log.warning("re-checking a stored answer failed: %s", exc)
    return out
