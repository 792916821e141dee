"""Text as it is written, made readable, with every offset kept; numbers with their precision.

:class:`Mapped` is the normalised text (Unicode minus signs, LaTeX, Markdown emphasis,
thousands separators and decimal commas reduced to one plain form) together with, for each of
its characters, the span of the original text it came from, so that a claim read from the
normalised text is reported at its place in what the reader reads.

:class:`Written` is one number as written: its value, its text, one unit in its last written
place, and a bound (``p < .001``). :meth:`Written.agrees` is the precision rule: a figure
written with k decimals agrees with a local value within 0.55 units of its last place (a
figure rounded twice, 0.04449 -> 0.0445 -> 0.045, still agrees), never tighter than a relative
1e-6 (full-precision floats from another library).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

__all__ = [
    "NUMBER",
    "NUMBER_BARE",
    "RELATIVE_FLOOR",
    "ROUNDING_SLACK",
    "Bound",
    "Mapped",
    "Written",
    "normalise",
    "parse_written",
    "written_from",
]

Bound = Literal["=", "<", ">"]

#: A figure rounded twice (6.7083 -> 6.708 -> 6.71) is off by up to 0.55 units in its last place.
ROUNDING_SLACK = 0.55
#: Four or more significant digits: worked out by hand from rounded inputs, off by one unit.
WORKED_SLACK = 1.1
#: Full-precision figures agree within this relative difference (other library, other platform).
RELATIVE_FLOOR = 1e-6
#: A machine-printed figure (seven or more digits) computed from rounded inputs (a p from a t
#: copied with three decimals) is off by up to this relative difference.
PRINTED_FLOOR = 1e-4


@dataclass(frozen=True)
class Written:
    """One number as written, and how precisely.

    ``text`` is the number as written (``"2.73 × 10⁻⁶"``, ``".001"``); ``ulp`` one unit in its
    last written place (``1e-8`` for ``2.73e-6``, ``0.01`` for ``-6.71``); ``significant`` its
    significant digits; ``bound`` is ``"<"``/``">"`` for ``p < .001``/``p > .05``.
    """

    value: float
    text: str
    ulp: float = 0.0
    significant: int | None = None
    bound: Bound = "="

    @property
    def shown(self) -> str:
        return self.text if self.bound == "=" else f"{self.bound} {self.text}"

    @property
    def decimals(self) -> int:
        """Decimal places written (for showing the local value at the same precision)."""
        if self.ulp <= 0:
            return 4
        return max(0, min(12, round(-math.log10(self.ulp))))

    def tolerance(self, local: float) -> float:
        """Half a unit in the last place (x 1.1, for double rounding); a figure of four or more
        significant digits may also have been worked out from rounded inputs, so one unit."""
        scale = max(abs(local), abs(self.value))
        slack = ROUNDING_SLACK if (self.significant or 0) <= 3 else WORKED_SLACK
        floor = PRINTED_FLOOR if (self.significant or 0) >= 7 else RELATIVE_FLOOR
        return max(slack * self.ulp, floor * scale)

    def truncates(self, local: float | None) -> bool:
        """Whether this figure is ``local`` cut off rather than rounded (0.1067 -> 0.106)."""
        if local is None or self.bound != "=" or not math.isfinite(local) or self.ulp <= 0:
            return False
        if self.value == 0 or (local > 0) != (self.value > 0):
            return False
        return 0 <= abs(local) - abs(self.value) < self.ulp

    def agrees(self, local: float | None) -> bool:
        """Whether ``local`` rounds to this figure (or satisfies its bound)."""
        if local is None or math.isnan(local) or math.isnan(self.value):
            return False
        if self.bound == "<":
            return local < self.value + abs(self.value) * 1e-12
        if self.bound == ">":
            return local > self.value - abs(self.value) * 1e-12
        if math.isinf(local) or math.isinf(self.value):
            return local == self.value
        return abs(local - self.value) <= self.tolerance(local)

    def negated(self) -> Written:
        bound: Bound = {"=": "=", "<": ">", ">": "<"}[self.bound]
        return replace(self, value=-self.value, bound=bound)

    def with_bound(self, bound: Bound) -> Written:
        return replace(self, bound=bound)


# A number as people write it. Verbose regex; the groups are read by written_from.
_NUMBER_SRC = r"""
(?<![\w.])                                   # not the tail of a word, a number or a decimal
(?:
    (?P<isign>[-+])?(?P<inf>(?i:inf(?:inity)?)\b|∞)      # infinite bound of a one-sided CI
  |
    (?P<sign>[-+])?
    (?P<mant>\d+(?:\.\d+)?|\.\d+)            # 6.71  18  .001
    (?:
        [eE](?P<e1>[-+]?\d{1,4})\b           # 2.73e-06
      | \s?[x×*·]\s?10\s?(?:\^|\*\*)\s?\(?(?P<e2>[-+]?\d{1,4})\)?   # 2.73 x 10^-6, 10**(-6)
      | \s?[x×*·]\s?10(?P<e3>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,4})               # 2.73 × 10⁻⁶
    )?
)
(?![\w])
"""
NUMBER = re.compile(_NUMBER_SRC, re.X)
#: The same pattern without named groups, to embed in other patterns (verbose mode).
NUMBER_BARE = re.sub(r"\(\?P<\w+>", "(?:", _NUMBER_SRC)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_RELATION = re.compile(r"^\s*(?P<op><=|>=|==|≤|≥|<|>|=|≈|~)?\s*")


def written_from(match: re.Match[str], bound: Bound = "=") -> Written | None:
    """A :class:`Written` from a match of :data:`NUMBER` (None for what is not finite)."""
    text = match.group(0).strip()
    if not text:
        return None
    if match.group("inf"):
        value = -math.inf if match.group("isign") == "-" else math.inf
        return Written(value, text, 0.0, None, bound)
    mantissa = match.group("mant")
    sign = match.group("sign") or ""
    exponent_text = match.group("e1") or match.group("e2") or ""
    if match.group("e3"):
        exponent_text = match.group("e3").translate(_SUPERSCRIPTS)
    try:
        exponent = int(exponent_text or 0)
        value = float(f"{sign}{mantissa}e{exponent}")
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    decimals = len(mantissa.partition(".")[2])
    digits = mantissa.replace(".", "").lstrip("0")
    return Written(value, text, float(f"1e{exponent - decimals}"), max(len(digits), 1), bound)


def bound_of(op: str | None) -> Bound:
    """``<``/``≤``/"less than" -> ``"<"``, ``>``/``≥`` -> ``">"``, anything else -> ``"="``."""
    if not op:
        return "="
    op = op.strip().lower()
    if op in ("<", "<=", "≤") or op.startswith(("less", "below", "under", "smaller", "lower")):
        return "<"
    if op in (">", ">=", "≥") or op.startswith(("greater", "above", "more", "over", "exceed")):
        return ">"
    return "="


def parse_written(text: str) -> Written | None:
    """One written figure: ``"-6.71"``, ``"< .001"``, ``"2.73 × 10⁻⁶"``, ``"2.73e-06"``.

    >>> parse_written("2.73 x 10^-6").ulp
    1e-08
    >>> parse_written("< .001").shown
    '< .001'
    """
    cleaned = normalise(str(text)).text
    relation = _RELATION.match(cleaned)
    start = relation.end() if relation else 0
    match = NUMBER.match(cleaned, start)
    if not match or cleaned[match.end() :].strip():
        return None
    return written_from(match, bound_of(relation.group("op") if relation else None))


# --------------------------------------------------------------------------- mapped text


class Mapped:
    """Normalised text; ``span(start, end)`` gives the original text's span of a piece of it."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text = text
        self._starts = list(range(len(text)))
        self._ends = list(range(1, len(text) + 1))

    def sub(
        self, pattern: re.Pattern[str], repl: str | int | Callable[[re.Match[str]], str]
    ) -> Mapped:
        """Replace every match: by a string (mapped to the whole match), or by one of its
        groups (``int``: those characters keep their own places)."""
        text, starts, ends = self.text, self._starts, self._ends
        pieces: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        last = 0
        for match in pattern.finditer(text):
            a, b = match.span()
            pieces.append(text[last:a])
            new_starts += starts[last:a]
            new_ends += ends[last:a]
            if isinstance(repl, int):
                ga, gb = match.span(repl)
                if ga >= 0:
                    pieces.append(text[ga:gb])
                    new_starts += starts[ga:gb]
                    new_ends += ends[ga:gb]
            else:
                out = repl(match) if callable(repl) else repl
                if out:
                    lo = starts[a] if a < len(starts) else len(self.original)
                    hi = ends[b - 1] if b > a else lo
                    pieces.append(out)
                    new_starts += [lo] * len(out)
                    new_ends += [hi] * len(out)
            last = b
        if not pieces:
            return self
        pieces.append(text[last:])
        new_starts += starts[last:]
        new_ends += ends[last:]
        self.text = "".join(pieces)
        self._starts, self._ends = new_starts, new_ends
        return self

    def translate(self, table: dict[int, str]) -> Mapped:
        """One character for one (or for none) without moving any other."""
        keep = {k: v for k, v in table.items() if v is not None and len(v) == 1}
        self.text = self.text.translate(keep)
        drop = "".join(chr(k) for k, v in table.items() if v == "")
        if drop:
            self.sub(re.compile(f"[{re.escape(drop)}]"), "")
        return self

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]``."""
        if not self._starts:
            return 0, 0
        start = min(max(start, 0), len(self._starts) - 1)
        end = min(max(end, start + 1), len(self._ends))
        return self._starts[start], self._ends[end - 1]


_LATEX: tuple[tuple[re.Pattern[str], str | int], ...] = (
    (
        re.compile(
            r"\\(?:text|mathrm|mathit|mathbf|textit|textbf|operatorname|boldsymbol|mbox)"
            r"\s*\{([^{}]*)\}"
        ),
        1,
    ),
    (re.compile(r"\\times\b"), "×"),
    (re.compile(r"\\cdot\b"), "·"),
    (re.compile(r"\\(?:leq?|leqslant)\b"), "≤"),
    (re.compile(r"\\(?:geq?|geqslant)\b"), "≥"),
    (re.compile(r"\\lt\b"), "<"),
    (re.compile(r"\\gt\b"), ">"),
    (re.compile(r"\\(?:approx|sim)\b"), "≈"),
    (re.compile(r"\\pm\b"), "±"),
    (re.compile(r"\\infty\b"), "∞"),
    (re.compile(r"\\chi\s*\^\s*\{?\s*2\s*\}?|\bchi\^2"), "χ²"),
    (re.compile(r"\\eta\s*\^\s*\{?\s*2\s*\}?|\beta\^2"), "η²"),
    (re.compile(r"\\omega\s*\^\s*\{?\s*2\s*\}?|\bomega\^2"), "ω²"),
    (re.compile(r"\\eta\b"), "η"),
    (re.compile(r"\\omega\b"), "ω"),
    (re.compile(r"\\alpha\b"), "α"),
    (re.compile(r"\\mu\b"), "μ"),
    (re.compile(r"\\(?:bar|overline)\s*\{?\s*([xX])\s*\}?"), "x̄"),
    (re.compile(r"\\(?:left|right|big|Big)\b"), ""),
    (re.compile(r"\\%"), "%"),
    # math delimiters \( \) \[ \] $ and LaTeX spaces \, \; \! "\ "
    (re.compile(r"\\[()\[\]]|\$+|\\[,;:! ]|\\quad\b|\\qquad\b"), " "),
)
# subscripts written in braces keep their content: t_{18} = ... -> t_18 = ...
_BRACED_SUB = re.compile(r"(?<=[A-Za-zχη])_\{([^{}]*)\}")
_BRACED_SUP = re.compile(r"\^\{([^{}]*)\}")
_BRACES = re.compile(r"[{}]")
# Markdown emphasis: * runs, except a product or power between numbers (2.73 * 10**-6).
_ASTERISKS = re.compile(r"\*+")
# _italic_ underscores at word edges (p_value and U_M keep theirs).
_UNDERSCORES = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9{])")
# An en or em dash used as a minus sign: not after a digit (8.37–16.17 stays a range).
_DASH_MINUS = re.compile(r"(?<![\d.)\]])\s?[–—](?=\d|\.\d)")
# np.float64(-6.7) -> -6.7 (numpy 2 reprs)
_NP_SCALAR = re.compile(r"\bnp\.(?:float|int)\d*\(([^()]*)\)")
# thousands separators: 1,234 or 12,345.6 (not F(2,120), not 45,42,39)
_THOUSANDS = re.compile(r"(?<![\d,.(\[])(\d{1,3})((?:,\d{3})+)(?![\d,])")
_DECIMAL_COMMA = re.compile(r"(?<![\d,.])\d+,(?!\d{3}(?!\d))\d+(?![\d,])")
_DECIMAL_POINT = re.compile(r"\d\.\d")
_COMMA_BETWEEN_DIGITS = re.compile(r"(?<=\d),(?=\d)")
_HTML_ENTITIES = re.compile(r"&(lt|gt|le|ge|amp|minus|nbsp|plusmn|times|asymp);")
_ENTITY = {"lt": "<", "gt": ">", "le": "≤", "ge": "≥", "amp": "&", "minus": "-", "nbsp": " "}
_ENTITY |= {"plusmn": "±", "times": "×", "asymp": "≈"}

_CHARACTERS = {
    ord("\u2212"): "-",  # minus sign
    ord("\u2010"): "-",
    ord("\u2011"): "-",
    ord("\ufe63"): "-",
    ord("\uff0d"): "-",
    ord("\u00a0"): " ",
    ord("\u2009"): " ",
    ord("\u202f"): " ",
    ord("\u2007"): " ",
    ord("\u200a"): " ",
    ord("\u2002"): " ",
    ord("\u2003"): " ",
    ord("\u200b"): "",
    ord("\ufeff"): "",
    ord("\u00ad"): "",
    ord("\u2019"): "'",
    ord("\u2018"): "'",
    ord("\u201c"): '"',
    ord("\u201d"): '"',
    ord("⩽"): "≤",
    ord("⩾"): "≥",
    ord("`"): "",
    ord("\r"): " ",
    ord("\t"): " ",
    ord("\u00b2"): "²",
}


def _asterisk(text: str) -> Callable[[re.Match[str]], str]:
    def keep(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 2) : match.start()]
        after = text[match.end() : match.end() + 3]
        numeric = re.search(r"\d\s?$", before) and re.match(r"\s?[-+(]?\d", after)
        return match.group(0) if numeric else ""

    return keep


def uses_decimal_commas(text: str) -> bool:
    """Whether the text writes decimals with commas (``3,5``) and never with points."""
    return bool(_DECIMAL_COMMA.search(text)) and not _DECIMAL_POINT.search(text)


_SQUARED_NUMBER = re.compile(r"(?<=[0-9])²")


def normalise(text: str) -> Mapped:
    """The text the reader reads: plain characters, LaTeX and Markdown reduced, separators
    removed; tabs kept as spaces and line breaks kept, so columns and lines stay where they were."""
    mapped = Mapped(text)
    mapped.translate(_CHARACTERS)
    mapped.sub(_HTML_ENTITIES, lambda m: _ENTITY[m.group(1)])
    mapped.sub(_DASH_MINUS, lambda m: " -" if m.group(0).startswith(" ") else "-")
    mapped.sub(_NP_SCALAR, 1)
    for pattern, repl in _LATEX:
        mapped.sub(pattern, repl)
    mapped.sub(_BRACED_SUB, lambda m: "_" + m.group(1))
    mapped.sub(_BRACED_SUP, lambda m: "^" + m.group(1))
    mapped.sub(_BRACES, "")
    mapped.sub(_ASTERISKS, _asterisk(mapped.text))
    mapped.sub(_UNDERSCORES, "")
    mapped.sub(_SQUARED_NUMBER, " ²")  # 1.4424² is 1.4424 squared, not the number 1.4424²
    if uses_decimal_commas(mapped.text):
        mapped.sub(_COMMA_BETWEEN_DIGITS, ".")
    else:
        mapped.sub(_THOUSANDS, lambda m: m.group(1) + m.group(2).replace(",", ""))
    return mapped
