"""Claims as the reader sees them: marks in place, a coverage line, contradicted claims first.

One model of what is shown, three renderings of it: Markdown with inline HTML for the page
(:func:`page_markdown`), self-contained HTML for reports and share views (:func:`html`), and
plain text for the terminal and Markdown reports (:func:`plain`). Every claim gets a number;
the mark after the figure shows its verdict as an icon *and* a word or value (never colour
alone): ``✓``, ``✗ 0.0794`` (the right value), ``?`` (unchecked); hovering gives the reason,
and the list under the answer repeats each claim with its reason, contradicted first.
"""

from __future__ import annotations

import html as _html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant_core.claims.model import KIND_LABELS, Claim, Coverage

__all__ = [
    "Numbered",
    "coverage_line",
    "html",
    "listing",
    "number",
    "page_markdown",
    "plain",
    "symbol",
]

_SYMBOL = {"confirmed": "✓", "contradicted": "✗", "unchecked": "?"}
_WORD = {"confirmed": "confirmed", "contradicted": "contradicted", "unchecked": "unchecked"}
_COLOUR = {"confirmed": "#1a7f37", "contradicted": "#cf222e", "unchecked": "#6e7781"}


@dataclass(frozen=True)
class Numbered:
    """A claim with its number in the answer (1, 2, ... in reading order)."""

    index: int
    claim: Claim


def number(claims: Iterable[Claim]) -> list[Numbered]:
    """Claims numbered in reading order: prose first, then each output, then the report."""
    order = {"text": 0, "output": 1, "report": 2}
    listed = sorted(
        claims, key=lambda c: (order.get(c.source, 3), c.cell or 0, c.start or 0, c.end or 0)
    )
    return [Numbered(i + 1, c) for i, c in enumerate(listed)]


def symbol(claim: Claim) -> str:
    return _SYMBOL.get(claim.verdict, "?")


def shown_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3g}"
    return str(value)


def mark_text(claim: Claim) -> str:
    """The short text of a mark: ``✓``, ``✗ 0.0794``, ``✗ not significant``, ``?``."""
    sign = symbol(claim)
    if claim.verdict == "contradicted" and claim.expected is not None:
        expected = claim.expected
        if claim.numeric:
            return f"{sign} {shown_value(expected)}"
        return f"{sign} {_statement_expected(claim)}"
    return sign


def _statement_expected(claim: Claim) -> str:
    if claim.kind in ("conclusion", "pair"):
        return "not significant" if "≥" in str(claim.expected) else "significant"
    if claim.kind == "test":
        from assistant_core.claims.lexicon import test_title

        return test_title(str(claim.expected)) if claim.expected else "other test"
    if claim.kind == "sidedness":
        return str(claim.expected)
    if claim.kind == "direction":
        return "reversed"
    return str(claim.expected)


def hover(claim: Claim) -> str:
    """The line shown on hover and in the list: what it is, the verdict, the reason."""
    what = KIND_LABELS.get(claim.kind, claim.kind)
    about = f" ({claim.about})" if claim.about else ""
    return f"{_WORD[claim.verdict]}: {what}{about}: {claim.reason}"


def coverage_line(claims: Sequence[Claim]) -> str:
    """``"25 claims (20 numbers): 21 confirmed, 2 contradicted, 2 unchecked"``."""
    return Coverage.of(claims).line()


def listing(numbered: Sequence[Numbered]) -> list[Numbered]:
    """The claims as listed under an answer: contradicted first, then unchecked, confirmed."""
    rank = {"contradicted": 0, "unchecked": 1, "confirmed": 2}
    return sorted(numbered, key=lambda n: (rank[n.claim.verdict], n.index))


# --------------------------------------------------------------------------- placing marks


def _segments(text: str, numbered: Sequence[Numbered]) -> list[tuple[str, list[Numbered], str]]:
    """The text cut at the claims: (text before, marks to put after the claim, claim text).

    Overlapping claims share the first one's place: their marks follow it.
    """
    placed = sorted(
        (n for n in numbered if n.claim.start is not None and n.claim.end is not None),
        key=lambda n: (n.claim.start, n.claim.end),
    )
    out: list[tuple[str, list[Numbered], str]] = []
    position = 0
    for item in placed:
        start, end = item.claim.start or 0, item.claim.end or 0
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        if start < position:
            if out:
                out[-1][1].append(item)
            continue
        out.append((text[position:start], [item], text[start:end]))
        position = end
    out.append((text[position:], [], ""))
    return out


# --------------------------------------------------------------------------- the page


_FENCE = re.compile(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$|`[^`\n]+`")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)


def _protected(text: str) -> list[tuple[int, int, str]]:
    """Spans of code (left as they are) and of math (marks go after them)."""
    spans = [(m.start(), m.end(), "code") for m in _FENCE.finditer(text)]
    for m in _MATH.finditer(text):
        if not any(a <= m.start() < b for a, b, _ in spans):
            spans.append((m.start(), m.end(), "math"))
    return sorted(spans)


def _escape_markdown_html(text: str) -> str:
    """The model's text made safe for ``unsafe_allow_html``: no tag of its own survives
    (``<`` becomes ``&lt;`` outside code, where Markdown shows it as ``<``)."""
    out = []
    position = 0
    for match in _FENCE.finditer(text):
        out.append(text[position : match.start()].replace("<", "&lt;"))
        out.append(match.group(0))
        position = match.end()
    out.append(text[position:].replace("<", "&lt;"))
    return "".join(out)


def _attr(text: str) -> str:
    return _html.escape(text, quote=True).replace("\n", " ")


def _page_mark(items: Sequence[Numbered]) -> str:
    parts = []
    for item in items:
        c = item.claim
        colour = _COLOUR[c.verdict]
        parts.append(
            f'<sup title="{_attr(hover(c))}" style="color:{colour};font-weight:600">'
            f"{_html.escape(mark_text(c))}&#8239;{item.index}</sup>"
        )
    return "".join(parts)


def page_markdown(text: str, numbered: Sequence[Numbered]) -> str:
    """The answer's Markdown with each claim marked where it is written (for
    ``st.markdown(..., unsafe_allow_html=True)``): the claim underlined in its verdict's colour,
    then a superscript mark with the icon, the right value if it is wrong, and its number.
    Inside code the text is left alone; a claim inside math gets its mark after the math."""
    protected = _protected(text)
    pieces: list[str] = []
    offset = 0
    waiting: list[tuple[int, list[Numbered]]] = []  # (end of the math, marks for after it)
    for before, items, claimed in _segments(text, numbered):
        pieces.append(_escaped(text, offset, before, waiting))
        offset += len(before)
        if not items:
            continue
        inside = next((s for s in protected if s[0] <= offset < s[1]), None)
        if inside is not None and inside[2] == "code":
            pieces.append(claimed)
        elif inside is not None and inside[2] == "math":
            pieces.append(claimed)
            waiting.append((inside[1], list(items)))
        else:
            c = items[0].claim
            colour = _COLOUR[c.verdict]
            if c.verdict == "contradicted":
                style = f"text-decoration:underline wavy {colour}"
            else:
                style = f"border-bottom:2px solid {colour}"
            pieces.append(f'<span style="{style}">{_escape_markdown_html(claimed)}</span>')
            pieces.append(_page_mark(items))
        offset += len(claimed)
    pieces.extend(_page_mark(items) for _, items in waiting)
    return "".join(pieces)


def _escaped(text: str, offset: int, piece: str, waiting: list[tuple[int, list[Numbered]]]) -> str:
    """A stretch of unmarked text, escaped, with the marks waiting for the end of a math
    span put where it ends."""
    if not waiting:
        return _escape_markdown_html(piece)
    out = []
    position = 0
    for end, items in list(waiting):
        cut = end - offset
        if 0 <= cut <= len(piece):
            out.append(_escape_markdown_html(piece[position:cut]))
            out.append(_page_mark(items))
            position = cut
            waiting.remove((end, items))
    out.append(_escape_markdown_html(piece[position:]))
    return "".join(out)


# --------------------------------------------------------------------------- HTML and text


def html(text: str, numbered: Sequence[Numbered], *, pre: bool = False) -> str:
    """Escaped HTML of a text (prose as paragraphs, or ``pre`` for printed output) with marks:
    ``<span class="claim contradicted" title="...">0.0312</span><sup>✗ 0.0794 3</sup>``."""
    parts = []
    for before, items, claimed in _segments(text, numbered):
        parts.append(_html.escape(before))
        if not items:
            continue
        c = items[0].claim
        parts.append(
            f'<span class="claim {c.verdict}" title="{_attr(hover(c))}">'
            f"{_html.escape(claimed)}</span>"
        )
        for item in items:
            parts.append(
                f'<sup class="mark {item.claim.verdict}" title="{_attr(hover(item.claim))}">'
                f"{_html.escape(mark_text(item.claim))}&#8239;{item.index}</sup>"
            )
    body = "".join(parts)
    if pre:
        return f"<pre>{body}</pre>"
    return _blocks(body)


_FENCED = re.compile(r"(?ms)^[ \t]*(```|~~~)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)")


def _blocks(body: str) -> str:
    """Escaped, marked prose as HTML blocks: fenced code as ``<pre>`` (a fence never closed
    runs to the end), the rest as paragraphs."""
    out = []
    position = 0
    for match in _FENCED.finditer(body):
        out.append(_paragraphs(body[position : match.start()]))
        out.append(f"<pre><code>{match.group(2).rstrip(chr(10))}</code></pre>")
        position = match.end()
    out.append(_paragraphs(body[position:]))
    return "".join(out)


def _paragraphs(body: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    return "".join(f"<p>{p.strip(chr(10)).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def plain(
    text: str, numbered: Sequence[Numbered], bracket: Callable[[str], str] | None = None
) -> str:
    """Plain text with marks after each claim: ``p = 0.0312 [✗ 0.0794 3]``."""
    wrap = bracket or (lambda s: f" [{s}]")
    parts = []
    for before, items, claimed in _segments(text, numbered):
        parts.append(before)
        if not items:
            continue
        parts.append(claimed)
        parts.append(wrap("; ".join(f"{mark_text(i.claim)} {i.index}" for i in items)))
    return "".join(parts)
