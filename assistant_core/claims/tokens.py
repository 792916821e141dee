"""Tokens and sentences of normalised text: what the reader walks over.

A token is a number (with its :class:`~assistant_core.claims.written.Written` form), a word
(letters, digits, apostrophes, inner hyphens and underscores: ``p-value``, ``Welch's``,
``U_M``), a relation (``=``, ``<``, ``≤``, ...), a line break, or one other character.
Sentences end at ``. `` before a capital, ``!``, ``?``, blank lines, and at line breaks that
start a list item, a table row or a heading, or that end a line with a colon; in printed
output every line break ends one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant_core.claims.written import NUMBER, NUMBER_BARE, Written, written_from

__all__ = ["Token", "sentences", "tokenize"]

_TOKEN = re.compile(
    rf"(?P<num>{NUMBER_BARE})"
    r"|(?P<word>[^\W\d_][\w'\u0304]*(?:[-_][\w'\u0304]+)*)"
    r"|(?P<rel><=|>=|==|!=|≤|≥|<|>|=|≈|~)"
    r"|(?P<nl>\n)"
    r"|(?P<other>[^\s\w])",
    re.X,
)


@dataclass(frozen=True)
class Token:
    kind: str  # num, word, rel, nl, other
    text: str
    start: int
    end: int
    number: Written | None = None

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "num":
            number = NUMBER.match(text, match.start())
            written = written_from(number) if number else None
            if written is None:
                continue
            tokens.append(Token("num", match.group(0), match.start(), match.end(), written))
        else:
            tokens.append(Token(kind, match.group(0), match.start(), match.end()))
    return tokens


_ITEM_START = re.compile(r"\s*(?:[-*•|#>]|\d{1,2}[.)]\s|[A-Za-z][.)]\s)")


def sentences(
    text: str, tokens: list[Token], line_spans: list[tuple[int, int]] | None = None
) -> list[int]:
    """The sentence index of each token; inside ``line_spans`` (printed output, code blocks)
    every line is a sentence of its own."""
    index = 0
    out: list[int] = []
    previous: Token | None = None
    spans = line_spans or []
    for i, token in enumerate(tokens):
        lines = any(a <= token.start < b for a, b in spans)
        if previous is not None and _breaks(text, tokens, i, previous, lines):
            index += 1
        out.append(index)
        previous = token
    return out


def _breaks(text: str, tokens: list[Token], i: int, previous: Token, lines: bool) -> bool:
    token = tokens[i]
    if previous.kind == "nl":
        if lines:
            return True
        if token.kind == "nl":
            return True
        line_start = text.rfind("\n", 0, token.start) + 1
        if _ITEM_START.match(text, line_start):
            return True
        before = text[: previous.start].rstrip(" ")
        line_before = before[before.rfind("\n") + 1 :].strip()
        if not line_before or line_before.endswith((":", ".", "!", "?", "|", "=")):
            return True
        if line_before.startswith(("#", "|", "-", "*", "•", ">")):
            return True
        # prose wrapped at a line break goes on with a lower-case word; a line of figures,
        # code or a table row does not
        flows = (token.kind == "word" and token.text[:1].islower()) or token.text == "("
        ends = line_before[-1].isalnum() or line_before[-1] in ",;-(*_'\""
        return not (flows and ends and len(line_before) >= 30 and "=" not in line_before[-12:])
    if previous.kind == "other" and previous.text in ".!?;":
        if previous.text == ";":
            return False  # a clause, not a sentence (see clause_breaks)
        if token.kind == "word" and token.text[:1].isupper():
            return not _abbreviation(tokens, i - 1)
        if token.kind == "nl":
            return False
        if token.kind == "other" and token.text in "([*#":
            return True
    return False


_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "vs",
        "etc",
        "al",
        "approx",
        "resp",
        "fig",
        "cf",
        "no",
        "std",
        "dept",
        "inc",
        "ca",
        "sig",
        "asymp",
    ]
)


def _abbreviation(tokens: list[Token], dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation ("vs.", "e.g.", "Std.")."""
    if dot == 0:
        return False
    before = tokens[dot - 1]
    if before.kind != "word":
        return False
    word = before.lower
    if dot >= 3 and tokens[dot - 2].text == "." and tokens[dot - 3].kind == "word":
        word = f"{tokens[dot - 3].lower}.{word}"
    return word in _ABBREVIATIONS
