"""Read the figures the assistant reported and check them, one by one, against the local report.

Two steps, both pure (no I/O, no streamlit):

* :func:`read_figures` turns the events of one answer into :class:`ReportedFigures`: the main
  test's figures (statistic, df, p, interval, mean difference, effect size), each a
  :class:`ReportedValue` that remembers how precisely it was written, plus the test and the
  alternative the assistant named. Sources, per figure, in priority order: the structured
  ``Reported`` event, then the code output (scipy reprs such as ``TtestResult(...)``, R's
  ``htest`` print, ``label: value`` lines), then the narrative (``t(18) = -6.71``,
  ``p = 2.73 × 10⁻⁶``, LaTeX, Markdown tables, ``95% CI [-16.17, -8.37]``, ...). The test is
  the one the structured event names, else the one the code called (``ttest_ind(...,
  equal_var=False)``), else the one the narrative names next to the figures.
* :func:`compare` decides which local test (the *variant*) the assistant used and compares each
  figure with that variant's local value at the precision it was reported, giving the
  ``Verification`` event of the ``ask`` contract. :func:`verify_events` does both.

The verdict (``Verification``):

``variant``
    The test key the assistant used (``"student_t"``, ``"welch_t"``, ``"paired_t"``,
    ``"mann_whitney_u"``, ``"wilcoxon_signed_rank"``, ``"one_way_anova"``, ``"welch_anova"``,
    ``"kruskal_wallis"``), with a suffix ``" (one-sided: less)"`` / ``" (one-sided: greater)"``
    when its p-value is one-sided (direction in the local convention: first group minus
    second); ``None`` when nothing identifies a test. :func:`split_variant` takes it apart.
    A named test is taken at its word (its figures are compared with that test's, and a note
    says which other test they match); otherwise the figures decide (df = 18 for 10 + 10 values
    is Student's, fractional df Welch's; a p half the two-sided one is one-sided), ties going
    to the recommended test.
``figures``
    A list of ``{"name", "reported", "local", "status"}`` dicts, plus ``"note"`` where there is
    something to say. The first entry, ``name == "test"``, is about the choice of test:
    ``reported`` is the variant, ``local`` the recommended test, ``status`` is ``"match"`` when
    they agree, ``"mismatch"`` when they do not (the note says so, with the recommended test's
    result: "the assistant used Student's t-test; the recommended test is Welch's t-test
    (t(14.78) = -6.708, p = 7.56e-06)"), ``"not_reported"`` when no test could be identified;
    its note also says when the data are paired but were analysed as independent (or the
    reverse), when the p-value is one-sided, when the narrative names another test than the
    code ran, and when differences are second minus first. Then one entry per figure:
    ``statistic``, ``df`` (``df_between`` and ``df_within`` for F), ``p_value``, ``ci_low``,
    ``ci_high``, ``mean_difference`` (only when reported) and ``effect_size``. ``reported`` is
    a number, or the text of a bound (``"< .001"``); the open bound of a one-sided interval is
    ``"inf"`` / ``"-inf"`` (strict JSON). ``local`` is the variant's local figure.
``unsupported``
    Labelled numbers in the narrative (``t =``, ``p =``, ``d =``, ``F(``, ``df``, ``CI``,
    ``mean``, ``SD``, ...) that neither the code output nor the local report supports at their
    precision, as short strings such as ``"p = 0.0004 (text)"``; also narrative figures of the
    main test that contradict the code output or the ``Reported`` event.

Precision rules (see :meth:`ReportedValue.agrees`): a value written with k decimals (or k
significant digits in scientific notation) matches a local value within half a unit in its
last place, widened to 0.55 units so that a figure rounded twice (0.04449 -> 0.0445 -> 0.045)
still matches, and never tighter than a relative 1e-6 (full-precision floats from another
library or platform). ``p < .001`` matches any local p below 0.001, ``p > .05`` any above;
``p = 0.000`` matches any p below 0.0005.

Conventions: local differences are first group minus second. A statistic, mean difference,
interval or effect size whose sign is flipped (second minus first) matches in magnitude, with a
note. U of the second group (n1·n2 - U) and the signed-rank sum of the negative ranks are
accepted. Figures the local report does not list but implies exactly are derived here: p-values
and intervals of the other alternatives (from t and df with ``scipy.special.stdtr``), Student's
and Welch's t of paired data analysed as independent (from the group means, SDs and sizes),
the F of a two-group ANOVA (t²), the normal-approximation p of Mann-Whitney when the local one
is exact, Cohen's d with averaged variances.

Known limits: whitespace-aligned tables in code output (pandas, pingouin) are not read as
figures (their numbers still support the narrative); pairwise post-hoc results are only
checked as loose figures; a statistic is checked against the assistant's main test only.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

from scipy import special

from assistant_core.events import (
    CodeDelta,
    CodeDone,
    CodeOutput,
    Event,
    Reported,
    TextDelta,
    Verification,
)

__all__ = [
    "FIGURE_NAMES",
    "MAIN_TESTS",
    "FigureBlock",
    "ReportedFigures",
    "ReportedValue",
    "compare",
    "parse_number",
    "read_figures",
    "split_variant",
    "verify_events",
]

Bound = Literal["=", "<", ">"]
Source = Literal["reported", "code_output", "text"]

#: The figures a verdict can speak about, in the order they are listed.
FIGURE_NAMES = (
    "statistic",
    "df",
    "df_between",
    "df_within",
    "p_value",
    "ci_low",
    "ci_high",
    "mean_difference",
    "effect_size",
)

#: Tests that answer "do the groups differ?" (the local report's keys).
MAIN_TESTS = (
    "student_t",
    "welch_t",
    "paired_t",
    "mann_whitney_u",
    "wilcoxon_signed_rank",
    "one_way_anova",
    "welch_anova",
    "kruskal_wallis",
)

#: Test key -> family: tests of one family share a statistic and the figures decide between them.
FAMILY = {
    "student_t": "t",
    "welch_t": "t",
    "paired_t": "t",
    "mann_whitney_u": "mann_whitney_u",
    "wilcoxon_signed_rank": "wilcoxon_signed_rank",
    "one_way_anova": "anova",
    "welch_anova": "anova",
    "kruskal_wallis": "kruskal_wallis",
    "shapiro_wilk": "assumption",
    "levene": "assumption",
}
MAIN_FAMILIES = frozenset(FAMILY[key] for key in MAIN_TESTS)

#: The figures each family must report; missing ones are listed as ``not_reported``.
KEY_FIGURES = {
    "t": ("statistic", "df", "p_value", "ci_low", "ci_high", "effect_size"),
    "mann_whitney_u": ("statistic", "p_value"),
    "wilcoxon_signed_rank": ("statistic", "p_value"),
    "anova": ("statistic", "df_between", "df_within", "p_value", "effect_size"),
    "kruskal_wallis": ("statistic", "df", "p_value"),
}

TEST_NAMES = {
    "student_t": "Student's t-test",
    "welch_t": "Welch's t-test",
    "paired_t": "the paired t-test",
    "mann_whitney_u": "the Mann-Whitney U test",
    "wilcoxon_signed_rank": "the Wilcoxon signed-rank test",
    "one_way_anova": "the one-way ANOVA",
    "welch_anova": "Welch's ANOVA",
    "kruskal_wallis": "the Kruskal-Wallis test",
}
_SYMBOL = {
    "t": "t",
    "mann_whitney_u": "U",
    "wilcoxon_signed_rank": "V",
    "anova": "F",
    "kruskal_wallis": "H",
}
EFFECT_NAMES = {
    "cohens_d": "Cohen's d",
    "hedges_g": "Hedges' g",
    "cohens_dz": "Cohen's dz",
    "cohens_d_av": "Cohen's d with the average of the two variances",
    "eta_squared": "eta squared",
    "omega_squared": "omega squared",
}

#: A figure rounded twice (6.7083 -> 6.708 -> 6.71) is off by up to 0.55 units in its last place.
ROUNDING_SLACK = 0.55
#: Full-precision figures agree within this relative difference (other library, other platform).
RELATIVE_FLOOR = 1e-6

# --------------------------------------------------------------------------- reported values


@dataclass(frozen=True)
class ReportedValue:
    """One number as the assistant wrote it, and how precisely.

    ``text`` is the number as written (``"2.73 × 10⁻⁶"``, ``".001"``); ``significant`` its
    significant digits; ``ulp`` one unit in its last written place (``1e-8`` for ``2.73e-6``,
    ``0.01`` for ``-6.71``); ``bound`` is ``"<"`` / ``">"`` for ``p < .001`` / ``p > .05``;
    ``source`` where it was read; ``label`` what it was written after (``"p"``, ``"t"``,
    ``"SD"``), for messages; ``position`` its offset in the (normalised) source text.
    """

    value: float
    text: str
    significant: int | None = None
    ulp: float = 0.0
    bound: Bound = "="
    source: Source = "text"
    label: str = ""
    position: int = field(default=-1, compare=False)

    @property
    def shown(self) -> str:
        """The figure as a verdict shows it: the number, or ``"< .001"`` for a bound."""
        return self.text if self.bound == "=" else f"{self.bound} {self.text}"

    def describe(self) -> str:
        """``"p = 0.0004 (text)"``: label, relation, number and source."""
        if self.label == "±":
            return f"± {self.text} ({self.source})"
        label = f"{self.label} " if self.label else ""
        return f"{label}{self.bound} {self.text} ({self.source})"

    def tolerance(self, local: float) -> float:
        """Half a unit in the last written place (x 1.1 for double rounding), or 1e-6 relative."""
        scale = max(abs(local), abs(self.value))
        return max(ROUNDING_SLACK * self.ulp, RELATIVE_FLOOR * scale)

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

    def negated(self) -> ReportedValue:
        """The same figure with its sign flipped (for second-minus-first conventions)."""
        bound: Bound = {"=": "=", "<": ">", ">": "<"}[self.bound]
        return replace(self, value=-self.value, bound=bound)


# A number as people write it. Verbose regex; the groups are read by _value_of.
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
"""
_NUMBER = re.compile(_NUMBER_SRC, re.X)
#: The same pattern without named groups, to embed in the labelled patterns below.
N = re.sub(r"\(\?P<\w+>", "(?:", _NUMBER_SRC)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
# "p < .001", "= 2.7e-6", "≤ 0.05": an optional relation before a number (Reported strings).
_RELATION = re.compile(r"^\s*(?P<op><=|>=|==|≤|≥|<|>|=|≈|~)?\s*")


def _value_of(match: re.Match[str], source: Source, label: str, bound: Bound) -> ReportedValue:
    """A :class:`ReportedValue` from a match of :data:`_NUMBER`."""
    text = match.group(0).strip()
    if match.group("inf"):
        value = -math.inf if match.group("isign") == "-" else math.inf
        return ReportedValue(value, text, None, 0.0, bound, source, label)
    mantissa = match.group("mant")
    sign = match.group("sign") or ""
    exponent_text = match.group("e1") or match.group("e2") or ""
    if match.group("e3"):
        exponent_text = match.group("e3").translate(_SUPERSCRIPTS)
    exponent = int(exponent_text or 0)
    decimals = len(mantissa.partition(".")[2])
    digits = mantissa.replace(".", "").lstrip("0")
    value = float(f"{sign}{mantissa}e{exponent}")
    ulp = float(f"1e{exponent - decimals}")
    return ReportedValue(value, text, max(len(digits), 1), ulp, bound, source, label)


def _bound_of(op: str | None) -> Bound:
    """``<``/``≤`` -> ``"<"``, ``>``/``≥`` -> ``">"``, anything else (=, :, of, ≈) -> ``"="``."""
    if op in ("<", "<=", "≤"):
        return "<"
    if op in (">", ">=", "≥"):
        return ">"
    return "="


def parse_number(text: str, source: Source = "text", label: str = "") -> ReportedValue | None:
    """Read one written figure: ``"-6.71"``, ``"< .001"``, ``"2.73 × 10⁻⁶"``, ``"2.73e-06"``.

    Returns None when ``text`` does not start with a number (after an optional relation).

    >>> parse_number("2.73 x 10^-6").ulp
    1e-08
    >>> parse_number("< .001").shown
    '< .001'
    """
    cleaned = _normalise(str(text))
    relation = _RELATION.match(cleaned)
    start = relation.end() if relation else 0
    match = _NUMBER.match(cleaned, start)
    if not match or not match.group(0).strip() or re.match(r"\w", cleaned[match.end() :]):
        return None
    value = _value_of(match, source, label, _bound_of(relation.group("op") if relation else None))
    if math.isnan(value.value) or (math.isinf(value.value) and not match.group("inf")):
        return None
    return value


def _from_structured(raw: Any, label: str) -> ReportedValue | None:
    """A figure of a ``Reported`` event: a number (its repr gives the precision) or a string."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        if math.isnan(raw):
            return None
        text = repr(float(raw)) if isinstance(raw, float) else str(raw)
        return parse_number(text, "reported", label)
    if isinstance(raw, str):
        return parse_number(raw, "reported", label)
    return None


# --------------------------------------------------------------------------- text clean-up

_LATEX = (
    # \text{p}, \mathrm{CI} -> their content
    (
        re.compile(r"\\(?:text|mathrm|mathit|mathbf|textit|textbf|operatorname)\s*\{([^{}]*)\}"),
        r"\1",
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
    (re.compile(r"\\eta\s*\^\s*\{?\s*2\s*\}?"), "η²"),
    (re.compile(r"\\omega\s*\^\s*\{?\s*2\s*\}?"), "ω²"),
    (re.compile(r"\\(?:left|right)\b"), ""),
    (re.compile(r"\\%"), "%"),
    # math delimiters \( \) \[ \] $ and LaTeX spaces \, \; \! "\ "
    (re.compile(r"\\[()\[\]]|\$+|\\[,;:! ]"), " "),
    (re.compile(r"[{}]"), ""),
)
# Markdown emphasis: * runs, except a product or power between numbers (2.73 * 10**-6).
_ASTERISKS = re.compile(r"\*+")
# _italic_ underscores at word edges (p_value keeps its underscore).
_UNDERSCORES = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
# An en or em dash used as a minus sign: not after a digit (8.37–16.17 stays a range).
_DASH_MINUS = re.compile(r"(?<![\d.])[–—](?=\d|\.\d)")
_CHARACTERS = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2010": "-",
        "\u2011": "-",
        "\ufe63": "-",
        "\uff0d": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u200a": " ",
        "\u200b": "",
        "\u2019": "'",
        "\u2018": "'",
        "⩽": "≤",
        "⩾": "≥",
        "`": "",
    }
)


def _keep_asterisk(text: str, match: re.Match[str]) -> str:
    before = text[max(0, match.start() - 2) : match.start()]
    after = text[match.end() : match.end() + 3]
    numeric = re.search(r"\d\s?$", before) and re.match(r"\s?[-+(]?\d", after)
    return match.group(0) if numeric else ""


def _normalise(text: str) -> str:
    """Unicode minus, spaces, LaTeX and Markdown reduced to plain text the patterns read.

    Offsets change, so everything downstream works on the normalised text only.
    """
    text = text.translate(_CHARACTERS)
    text = _DASH_MINUS.sub("-", text)
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    text = _ASTERISKS.sub(lambda m: _keep_asterisk(text, m), text)
    return _UNDERSCORES.sub("", text)


# --------------------------------------------------------------------------- test names


@dataclass(frozen=True)
class _Mention:
    """A test named in the text: its key (None for a bare family such as "t-test")."""

    start: int
    end: int
    test: str | None
    family: str
    negated: bool


_Positioned = TypeVar("_Positioned", "_Mention", "_Label")


class _ByPosition(Generic[_Positioned]):
    """Items sorted by their ``start``, looked up by position in O(log n)."""

    def __init__(self, items: Sequence[_Positioned]) -> None:
        self.items = list(items)
        self.starts = [item.start for item in self.items]

    def between(self, start: int, end: int) -> list[_Positioned]:
        """The items that start in ``[start, end)``."""
        return self.items[bisect_left(self.starts, start) : bisect_left(self.starts, end)]

    def first(
        self, start: int, end: int, accept: Callable[[_Positioned], bool]
    ) -> _Positioned | None:
        """The first accepted item that starts in ``[start, end)``."""
        low, high = bisect_left(self.starts, start), bisect_left(self.starts, end)
        return next((self.items[i] for i in range(low, high) if accept(self.items[i])), None)

    def last(
        self, start: int, end: int, accept: Callable[[_Positioned], bool]
    ) -> _Positioned | None:
        """The last accepted item that starts in ``[start, end)``."""
        low, high = bisect_left(self.starts, start), bisect_left(self.starts, end)
        return next(
            (self.items[i] for i in range(high - 1, low - 1, -1) if accept(self.items[i])), None
        )


# (pattern, test key or None, family). Overlaps: the earliest, then the longest match wins, so
# "Welch's ANOVA" is welch_anova and not welch_t + one_way_anova.
_NAME_PATTERNS: tuple[tuple[re.Pattern[str], str | None, str], ...] = tuple(
    (re.compile(pattern, re.I), key, family)
    for pattern, key, family in (
        (
            r"welch'?s?\s+(?:one[- ]way\s+)?(?:anova|f[- ]?test|f\b)|welch_anova"
            r"|use_?var\s*=\s*['\"]unequal['\"]",
            "welch_anova",
            "anova",
        ),
        (
            r"\bwelch\b(?:'?s)?(?:\s+(?:two[- ]sample\s+)?t[- ]?tests?\b)?"
            r"|equal_var\s*=\s*false\b|var\.equal\s*=\s*f(?:alse)?\b|unequal[- ]variances?",
            "welch_t",
            "t",
        ),
        (
            r"student'?s?\s+(?:two[- ]sample\s+|independent[- ]samples?\s+|unpaired\s+)?t\b"
            r"|equal_var\s*=\s*true\b|var\.equal\s*=\s*t(?:rue)?\b"
            r"|assum\w*\s+equal\s+variances?|pooled[- ]variance\s+t\b",
            "student_t",
            "t",
        ),
        (
            r"paired[- ](?:samples?[- ])?t\b|paired\s+(?:samples?\s+)?student'?s\s+t\b"
            r"|ttest_rel|paired\s*=\s*true\b|dependent[- ]samples?\s+t\b"
            r"|repeated[- ]measures\s+t\b",
            "paired_t",
            "t",
        ),
        (
            r"mann[- ]?whitney|mannwhitneyu|wilcoxon\s+rank[- ]sum|rank[- ]sum\s+test|ranksums",
            "mann_whitney_u",
            "mann_whitney_u",
        ),
        (
            r"wilcoxon(?!\s+rank[- ]sum)|signed[- ]rank",
            "wilcoxon_signed_rank",
            "wilcoxon_signed_rank",
        ),
        (
            r"(?:one[- ]way|classic(?:al)?|standard|fisher'?s?)\s+anova|f_oneway|anova_lm",
            "one_way_anova",
            "anova",
        ),
        (r"kruskal", "kruskal_wallis", "kruskal_wallis"),
        (r"shapiro|normality\s+test", "shapiro_wilk", "assumption"),
        (r"levene|brown[- ]forsythe|bartlett|fligner", "levene", "assumption"),
        # pairwise comparisons after an ANOVA: their p-values are not the main test's
        (
            r"tukey|post[- ]?hoc|pairwise|games[- ]howell|\bdunn\b|bonferroni|\bholm\b",
            "post_hoc",
            "assumption",
        ),
        (
            r"\bt[- ]?tests?\b|ttest_ind|two[- ]sample\s+t\b|independent[- ]samples?\s+t\b",
            None,
            "t",
        ),
        (r"\banova\b|\bf[- ]test\b", None, "anova"),
    )
)
# R prints " Two Sample t-test" (no "Welch") for Student's test: code output only.
_R_STUDENT = re.compile(r"^\s*two sample t-test", re.I | re.M)
# "rather than Student's", "instead of a t-test", "unlike the ...": the name is not the one used.
_NEGATED = re.compile(
    r"\b(?:rather\s+than|instead\s+of|not|unlike|than|over|nor|without)\s+"
    r"(?:(?:an?|the|using|use|classic(?:al)?)\s+)*$",
    re.I,
)


def _mentions(text: str, code_output: bool = False) -> list[_Mention]:
    """Every test named in ``text``, in order, overlaps resolved, negations marked."""
    found = [
        (m.start(), m.end(), key, family)
        for pattern, key, family in _NAME_PATTERNS
        for m in pattern.finditer(text)
    ]
    if code_output:
        found += [(m.start(), m.end(), "student_t", "t") for m in _R_STUDENT.finditer(text)]
    found.sort(key=lambda item: (item[0], item[0] - item[1]))
    kept: list[_Mention] = []
    end = -1
    for start, stop, key, family in found:
        if start < end:
            continue
        negated = bool(_NEGATED.search(text[max(0, start - 40) : start]))
        kept.append(_Mention(start, stop, key, family, negated))
        end = stop
    return kept


def _normalise_test(name: Any) -> str | None:
    """A main test key from a ``Reported`` event's ``test``: a key, an alias or a written name
    (None for anything else, Shapiro-Wilk or Levene included)."""
    if not isinstance(name, str) or not name.strip():
        return None
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    if key in MAIN_TESTS:
        return key
    aliases = {
        "student": "student_t",
        "welch": "welch_t",
        "paired": "paired_t",
        "t_test": None,
        "mann_whitney": "mann_whitney_u",
        "wilcoxon": "wilcoxon_signed_rank",
        "anova": "one_way_anova",
        "kruskal": "kruskal_wallis",
    }
    if key in aliases:
        return aliases[key]
    for mention in _mentions(_normalise(name)):
        if mention.test in MAIN_TESTS:
            return mention.test
    return None


_EFFECT_PATTERNS = (
    (re.compile(r"d\s*_?\s*z\b|\bdz\b", re.I), "cohens_dz"),
    (re.compile(r"hedges|\bg\b", re.I), "hedges_g"),
    (re.compile(r"cohen|\bd\b", re.I), "cohens_d"),
    (re.compile(r"η|eta", re.I), "eta_squared"),
    (re.compile(r"ω|omega", re.I), "omega_squared"),
)


def _normalise_effect(name: Any) -> str | None:
    """``"Cohen's d"`` -> ``cohens_d``, ``"g"`` -> ``hedges_g``, ``"η²"`` -> ``eta_squared``."""
    if not isinstance(name, str) or not name.strip():
        return None
    if name in EFFECT_NAMES:
        return name
    for pattern, key in _EFFECT_PATTERNS:
        if pattern.search(name):
            return key
    return name.strip()


# --------------------------------------------------------------------------- alternatives

_ALTERNATIVE_PATTERNS = (
    # alternative='less' (scipy), alternative = "greater", alternative="two.sided" (R)
    (re.compile(r"alternative\s*=\s*['\"]?(less|greater|two[-._]sided)", re.I), None),
    # R: "alternative hypothesis: true difference in means is less than 0"
    (re.compile(r"alternative hypothesis:[^\n]*?\b(less than|greater than|not equal)", re.I), None),
    (re.compile(r"\b(?:one[- ](?:sided|tailed)|directional)\b", re.I), "one-sided"),
    (re.compile(r"\b(?:two[- ](?:sided|tailed)|non[- ]?directional)\b", re.I), "two-sided"),
)


def _alternatives(text: str) -> list[str]:
    """Alternatives stated in ``text`` (not negated), in order."""
    found: list[tuple[int, str]] = []
    for pattern, fixed in _ALTERNATIVE_PATTERNS:
        for match in pattern.finditer(text):
            if _NEGATED.search(text[max(0, match.start() - 40) : match.start()]):
                continue
            word = fixed or match.group(1).lower()
            value = {"less than": "less", "greater than": "greater", "not equal": "two-sided"}.get(
                word, word
            )
            found.append((match.start(), "two-sided" if value.startswith("two") else value))
    return [value for _, value in sorted(found)]


def _one_alternative(stated: Sequence[str]) -> str | None:
    """One alternative from those stated in one source, or None if they disagree."""
    values = set(stated)
    if not values:
        return None
    if len(values) == 1:
        return values.pop()
    directed = values & {"less", "greater"}
    if len(directed) == 1 and "two-sided" not in values:
        return directed.pop()
    return None


# --------------------------------------------------------------------------- labelled figures

# A relation between a label and its number: "=", "<", ":", "of", "was", "≈" ...
_OP = (
    r"['\"]?\s*(?P<op><=|>=|==|=|≤|≥|<|>|≈|~|:|\bof\b|\bwas\b|\bis\b|\bwere\b|\bequals?\b)"
    r"\s*(?:(?:about|approximately|roughly|around|only|just|an?)\s+)?"
)
_STAT_SUFFIX = r"(?:[-_ ]?(?:stat(?:istic)?|value|score|ratio))?"

# kind, symbol, compiled pattern. Groups: num (the figure), df / df1 / df2, lo / hi, level.
_LABELS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    # t = -6.71, t(18) = -6.71, t(df = 14.78) = -6.71, t-statistic: -6.7083, t_18 = ...
    (
        "stat",
        "t",
        re.compile(
            rf"(?<!\w)(?:t|T(?=[-_ ]?stat)){_STAT_SUFFIX}"
            rf"(?:\s*\(\s*(?:df\s*=\s*)?(?P<df>{N})\s*\)|_(?P<dfs>{N}))?{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # U = 0, U-statistic: 0.0
    ("stat", "U", re.compile(rf"(?<!\w)U{_STAT_SUFFIX}{_OP}(?P<num>{N})", re.X)),
    # W / V (Wilcoxon; R's W for Mann-Whitney; Shapiro's W): the names nearby decide
    ("stat", "W", re.compile(rf"(?<!\w)(?P<sym>[WV]){_STAT_SUFFIX}{_OP}(?P<num>{N})", re.X)),
    # F(2, 27) = 4.85, F = 4.85, F-statistic: 4.846
    (
        "stat",
        "F",
        re.compile(
            rf"(?<!\w)F{_STAT_SUFFIX}(?:\s*\(\s*(?P<df1>{N})\s*,\s*(?P<df2>{N})\s*\))?"
            rf"{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # H(2) = 7.99, χ²(2) = 7.99, chi-squared = 7.99, χ²(2, N = 30) = 7.99
    (
        "stat",
        "H",
        re.compile(
            rf"(?:(?<!\w)H|χ²|χ2|(?<!\w)X²|(?<!\w)(?i:chi[- ]?squared?|chi2)){_STAT_SUFFIX}"
            rf"(?:\s*\(\s*(?:df\s*=\s*)?(?P<df>{N})\s*(?:,\s*N\s*=\s*\d+\s*)?\))?"
            rf"{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # p = .0003, p < .001, p-value: 2.73e-06, p_value = ..., P (two-sided) = ...
    (
        "p",
        "p",
        re.compile(
            rf"(?<!\w)[pP](?:[-_ ]?val(?:ue)?s?)?(?:\s*\((?:two|one|1|2)[- ](?:sided|tailed)\))?"
            rf"{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # df = 14.78, degrees of freedom: 18
    (
        "df",
        "df",
        re.compile(rf"(?<!\w)(?i:df|dof|d\.f\.|degrees\s+of\s+freedom){_OP}(?P<num>{N})", re.X),
    ),
    # Cohen's d = -3.00, d = -3, Hedges' g = -2.87, dz = -1.28, η² = 0.26, effect size (d) = 3
    (
        "effect",
        "d",
        re.compile(
            r"(?P<name>(?i:cohen'?s?\s+)d(?:_?z|_?av)?|(?i:hedges'?\s*s?\s+)g"
            r"|(?<![\w'.])d(?:_?z)?|(?<![\w'.])g|η²|η2|ω²|ω2"
            r"|(?i:eta)[- ]?(?:squared|\^?2)|(?i:omega)[- ]?(?:squared|\^?2)"
            r"|(?i:effect\s+size)(?:\s*\((?P<es>[^()]{1,30})\))?)(?![\w'])"
            rf"{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # 95% CI [-16.17, -8.37], (95% CI: -16.17 to -8.37), confidence interval from a to b
    (
        "ci",
        "CI",
        re.compile(
            r"(?:(?P<level>\d{2}(?:\.\d+)?)\s*%\s*)?(?:(?i:CI|C\.I\.|confidence\s+interval))"
            r"(?:\s*\(\s*(?P<level2>\d{2}(?:\.\d+)?)\s*%\s*\))?"
            r"(?:\s+(?i:for|of|on)\s+[^\[\]:=\d\n]{0,40}?)?"  # for the difference (A - B)
            r"\s*(?:[:=,]|\b(?i:was|is|of|from|spans?|ranged?\s+from)\b)?\s*[\[(]?\s*"
            # separators: , ; to – .. and; a hyphen right after a digit (8.37-16.17) or spaced
            # ( - ); or just spaces (R prints "-16.17  -8.37")
            r"(?P<lo>" + N + r")(?:\s*(?:,|;|\bto\b|–|—|\.\.|\band\b)\s*|(?<=\d)-|\s+-\s+|\s+)"
            rf"(?P<hi>{N})\s*[\])]?",
            re.X,
        ),
    ),
    # mean difference = -12.27, difference in means (A - B): -12.27, Δ = ...
    (
        "md",
        "mean difference",
        re.compile(
            r"(?:(?:(?i:mean|average)[\s_]+)?(?i:difference|diff)"
            r"(?:\s+(?i:in|of|between)\s+(?:the\s+)?(?:group\s+)?(?i:means?))?|Δ\s*(?:M|mean)?)"
            rf"(?:\s*\([^()\n]{{0,30}}\))?{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # mean = 40.03, M = 40.03, SD = 2.99, SE: 0.94, median of 39.75
    (
        "desc",
        "",
        re.compile(
            r"(?<![\w'])(?P<name>(?i:means?|average|median|mdn|sd|s\.d\.|std|sem?|s\.e\.m?\.?"
            r"|standard\s+(?:deviation|error))|M)(?!\s*(?i:diff))"
            rf"(?:\s*\([^()\n]{{0,20}}\))?{_OP}(?P<num>{N})",
            re.X,
        ),
    ),
    # 40.03 ± 2.99
    ("pm", "±", re.compile(rf"(?P<a>{N})\s*(?:±|\+/-|\+-)\s*(?P<b>{N})", re.X)),
)
# R's htest print: "95 percent confidence interval:\n -16.17367  -8.36633"
_R_CI = re.compile(
    rf"(?P<level>\d{{2}}(?:\.\d+)?)\s+percent\s+confidence\s+interval:\s*"
    rf"(?P<lo>{N})[\ \t]+(?P<hi>{N})",
    re.X,
)


@dataclass
class _Label:
    """A labelled figure found in text: one or more reported values under figure names."""

    start: int
    end: int
    kind: str  # stat, p, df, effect, ci, md, desc
    symbol: str
    values: dict[str, ReportedValue]
    effect_name: str | None = None
    ci_level: float | None = None


def _number_in(match: re.Match[str], group: str) -> re.Match[str] | None:
    text = match.group(group)
    return _NUMBER.match(text) if text is not None else None


def _read(
    match: re.Match[str], group: str, source: Source, label: str, op: str | None = None
) -> ReportedValue | None:
    number = _number_in(match, group)
    if number is None or not number.group(0).strip():
        return None
    value = _value_of(number, source, label, _bound_of(op))
    if math.isnan(value.value) or (math.isinf(value.value) and not number.group("inf")):
        return None
    return value


def _stat_values(match: re.Match[str], source: Source, symbol: str) -> dict[str, ReportedValue]:
    """t(18) = -6.71 -> statistic and df; F(2, 27) = 4.85 -> statistic, df_between, df_within."""
    written = "χ²" if symbol == "H" and not match.group(0).startswith("H") else symbol
    stat = _read(match, "num", source, written, match.group("op"))
    if stat is None:
        return {}
    values = {"statistic": stat}
    groups = match.groupdict()
    for group, name in (("df", "df"), ("dfs", "df"), ("df1", "df_between"), ("df2", "df_within")):
        df = _read(match, group, source, "df") if group in groups else None
        if df is not None:
            values[name] = df
    return values


def _interval_values(match: re.Match[str], source: Source) -> dict[str, ReportedValue]:
    level = match.groupdict().get("level") or match.groupdict().get("level2")
    shown = f"{level}% CI" if level else "CI"
    low = _read(match, "lo", source, f"{shown} lower bound")
    high = _read(match, "hi", source, f"{shown} upper bound")
    return {"ci_low": low, "ci_high": high} if low and high else {}


def _label_from(kind: str, symbol: str, match: re.Match[str], source: Source) -> _Label | None:
    """The figures of one labelled match, under the names a verdict uses."""
    groups = match.groupdict()
    label = _Label(match.start(), match.end(), kind, groups.get("sym") or symbol, {})
    if kind == "stat":
        values = _stat_values(match, source, label.symbol)
    elif kind == "ci":
        values = _interval_values(match, source)
        level = groups.get("level") or groups.get("level2")
        label.ci_level = float(level) / 100 if level else None
    elif kind == "pm":  # mean ± SD (or SE, or a CI half-width)
        label.kind = "desc"
        mean, spread = _read(match, "a", source, "mean"), _read(match, "b", source, "±")
        values = {"descriptive": mean, "spread": spread} if mean and spread else {}
    else:  # one number after its label: p, df, mean difference, effect size, mean, SD ...
        name = {"p": "p_value", "df": "df", "md": "mean_difference", "effect": "effect_size"}
        written = (groups.get("name") or symbol).strip()
        value = _read(match, "num", source, written, groups.get("op"))
        values = {name.get(kind, "descriptive"): value} if value else {}
        if kind == "effect":
            label.effect_name = _normalise_effect(groups.get("es") or written)
    if not values:
        return None
    label.values = {name: replace(v, position=match.start()) for name, v in values.items()}
    return label


def _labels(text: str, source: Source) -> list[_Label]:
    """Every labelled figure in ``text``, in order; overlaps go to the earliest, longest match."""
    found: list[tuple[int, int, _Label]] = []
    for kind, symbol, pattern in _LABELS:
        for match in pattern.finditer(text):
            label = _label_from(kind, symbol, match, source)
            if label is not None:
                found.append((match.start(), -match.end(), label))
    if source == "code_output":
        for match in _R_CI.finditer(text):
            label = _label_from("ci", "CI", match, source)
            if label is not None:
                found.append((match.start(), -match.end(), label))
    found.sort(key=lambda item: (item[0], item[1]))
    kept: list[_Label] = []
    end = -1
    for start, _, label in found:
        if start >= end:
            kept.append(label)
            end = label.end
    return kept


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class FigureBlock:
    """The figures of one reported result (one test), as found in one source.

    ``family`` is the test family (``"t"``, ``"anova"``, ``"mann_whitney_u"``, ...,
    ``"assumption"`` for Shapiro-Wilk or Levene), ``None`` when unknown (a bare ``p = ...``);
    ``test`` the specific test when it was named nearby or known from the code.
    """

    source: Source
    values: Mapping[str, ReportedValue]
    family: str | None = None
    test: str | None = None
    effect_size_name: str | None = None
    ci_level: float | None = None
    position: int = 0


@dataclass
class _Builder:
    labels: list[_Label] = field(default_factory=list)
    values: dict[str, ReportedValue] = field(default_factory=dict)
    symbol: str | None = None
    effect_name: str | None = None
    ci_level: float | None = None

    @property
    def start(self) -> int:
        return self.labels[0].start

    def add(self, label: _Label) -> None:
        self.labels.append(label)
        if label.kind == "stat":
            self.symbol = label.symbol
        if label.kind == "ci" and self._is_effect_interval(label):
            self.values["effect_size_ci_low"] = label.values["ci_low"]
            self.values["effect_size_ci_high"] = label.values["ci_high"]
            return
        self.values.update(label.values)
        self.effect_name = label.effect_name or self.effect_name
        self.ci_level = label.ci_level or self.ci_level

    def _is_effect_interval(self, label: _Label) -> bool:
        """An interval right after an effect size that contains it is the effect size's."""
        if not self.labels[:-1] or self.labels[-2].kind != "effect":
            return False
        effect = self.values.get("effect_size")
        low, high = label.values["ci_low"].value, label.values["ci_high"].value
        return effect is not None and min(low, high) <= effect.value <= max(low, high)


_SYMBOL_FAMILY = {
    "t": "t",
    "U": "mann_whitney_u",
    "V": "wilcoxon_signed_rank",
    "W": None,
    "F": "anova",
    "H": "kruskal_wallis",
}


def _compatible(mention: _Mention, symbol: str | None) -> bool:
    """Whether a named test can be the one a statistic symbol belongs to."""
    if symbol is None:
        return True
    if symbol == "W":
        return mention.family in ("assumption", "mann_whitney_u", "wilcoxon_signed_rank")
    if symbol == "F" and mention.family == "assumption":
        return True
    return mention.family == _SYMBOL_FAMILY.get(symbol)


def _starts_new(current: _Builder, label: _Label, mentions: _ByPosition[_Mention]) -> bool:
    """Whether ``label`` begins another result than ``current``: a second statistic, a figure
    ``current`` already has, or another test named in between ("...; Mann-Whitney: p = ...")."""
    if label.kind == "stat":
        return "statistic" in current.values or "p_value" in current.values
    if set(label.values) & set(current.values):
        return True
    return any(
        not m.negated and not _compatible(m, current.symbol)
        for m in mentions.between(current.labels[-1].end, label.start)
    )


def _group(labels: Sequence[_Label], mentions: _ByPosition[_Mention]) -> list[_Builder]:
    """Labels of one segment into results: a statistic, or a repeated figure, starts a new one."""
    builders: list[_Builder] = []
    current: _Builder | None = None
    for label in labels:
        if current is None or _starts_new(current, label, mentions):
            current = _Builder()
        if not current.labels:
            builders.append(current)
        current.add(label)
    return builders


def _tag(
    text: str,
    builder: _Builder,
    window: tuple[int, int, int],
    mentions: _ByPosition[_Mention],
    sticky: _Mention | None,
) -> tuple[str | None, str | None]:
    """(family, test) of a result: the test named since the previous result (a specific name
    before a bare "t-test"), else the nearest named before it in the segment, else right after
    it, else the heading's. ``window`` is (segment start, previous result's start, next
    result's start)."""
    symbol = builder.symbol
    end = builder.labels[-1].end

    def usable(mention: _Mention) -> bool:
        return not mention.negated and _compatible(mention, symbol)

    def specific(mention: _Mention) -> bool:
        return usable(mention) and mention.test is not None

    def right_after(mention: _Mention) -> bool:
        # "p < .001 (Welch's t-test)", not "(d = 3.0); the post-hoc power ..."
        return usable(mention) and not re.search(r"[;.]\s", text[end : mention.start])

    chosen = (
        mentions.last(window[1], builder.start, specific)
        or mentions.last(window[0], builder.start, usable)
        or mentions.first(end, min(window[2], end + 30), right_after)
    )
    if chosen is None and sticky is not None and _compatible(sticky, symbol):
        chosen = sticky
    if chosen is not None:
        return chosen.family, chosen.test
    return _SYMBOL_FAMILY.get(symbol) if symbol else None, None


# A Markdown table row: | a | b | c |
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^[\s|:-]+$")
# Column headings that mean "the test statistic", whatever its symbol.
_STATISTIC_HEADING = re.compile(r"^(?:test\s+)?stat(?:istic)?$|^value$", re.I)


def _table_line(heading: Sequence[str], cells: Sequence[str]) -> str:
    """One row of a wide table as labelled text: "Welch: t = -6.71, df = 14.78, p = ..."."""
    row = " ".join(cells)
    mention = next((m for m in _mentions(row) if not m.negated), None)
    parts = []
    for name, cell in zip(heading, cells, strict=False):
        if not cell or not _NUMBER.search(cell):
            continue
        if _STATISTIC_HEADING.match(name):
            name = _SYMBOL.get(mention.family, "") if mention else ""
        if name:
            parts.append(f"{name} = {cell}")
    lead = ", ".join(c for c, h in zip(cells, heading, strict=False) if not _NUMBER.search(c))
    return f"{lead}: {', '.join(parts)}." if parts else row


def _tables_as_text(text: str) -> str:
    """Markdown tables rewritten as the labelled text the patterns read.

    A two-column table (| t-statistic | -6.71 |) becomes "t-statistic: -6.71"; a wide one
    with a heading row becomes one line per row, each cell labelled by its column heading.
    Line count and order are kept.
    """
    lines = text.split("\n")
    heading: list[str] | None = None
    for index, line in enumerate(lines):
        match = _TABLE_ROW.match(line)
        if not match:
            heading = None
            continue
        cells = [cell.strip() for cell in match.group(1).split("|")]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _TABLE_RULE.match(match.group(1)):
            lines[index] = ""
        elif len(cells) > 2 and _TABLE_ROW.match(following) and _TABLE_RULE.match(following):
            heading = cells  # the row above the |---|---| rule
            lines[index] = ""
        elif heading is None or len(cells) == 2:
            lines[index] = f"{cells[0]}: {' '.join(cells[1:])}"
        else:
            lines[index] = _table_line(heading, cells)
    return "\n".join(lines)


@dataclass
class _Parsed:
    """What one source's text holds: results, loose descriptive figures, names, alternatives."""

    blocks: list[FigureBlock] = field(default_factory=list)
    loose: list[ReportedValue] = field(default_factory=list)
    mentions: list[_Mention] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)


# Sentence ends inside a line: ". The", "! (", not decimals (".001") or "e.g. x".
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[*#])")
# A line in the narrative that introduces what follows: "## Welch's t-test", "Results:".
_HEADING = re.compile(r"^\s*(?:#+\s*.*|.{0,80}:\s*)$")
_BOUNDARY = "\f"  # between two code outputs: what one printed is not under the other's heading
_READ = "\x01"  # fills a repr already read, so its line is not taken for a heading


def _segments(text: str, source: Source) -> list[tuple[int, int, bool]]:
    """(start, end, is_heading_line) spans: sentences in the narrative; in code output, the
    stretch between heading lines (printed results often spread over several lines)."""
    spans: list[tuple[int, int, bool]] = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if source == "code_output":
            heading = line == _BOUNDARY or (
                0 < len(stripped) <= 60 and _READ not in line and not _labels(line, source)
            )
            spans.append((offset, offset + len(line), heading))
        else:
            heading = bool(stripped) and bool(_HEADING.match(line))
            starts = [0] + [m.end() for m in _SENTENCE_END.finditer(line)]
            ends = [*starts[1:], len(line)]
            spans.extend(
                (offset + a, offset + b, heading) for a, b in zip(starts, ends, strict=True)
            )
        offset += len(line) + 1
    if source != "code_output":
        return spans
    merged: list[tuple[int, int, bool]] = []
    for start, end, heading in spans:
        if heading or not merged or merged[-1][2]:
            merged.append((start, end, heading))
        else:
            merged[-1] = (merged[-1][0], end, False)
    return merged


def _parse_text(text: str, source: Source) -> _Parsed:
    """Results, loose figures, named tests and stated alternatives of one source's text."""
    parsed = _Parsed()
    if not text.strip():
        return parsed
    parsed.mentions = _mentions(text, code_output=source == "code_output")
    parsed.alternatives = _alternatives(text)
    labels = _ByPosition(_labels(text, source))
    mentions = _ByPosition(parsed.mentions)
    sticky: _Mention | None = None
    for start, end, heading in _segments(text, source):
        inside = labels.between(start, end)
        if heading and not inside:
            if text[start:end] == _BOUNDARY:
                sticky = None
            elif mentions.between(start, end) or source == "text":
                named = [m for m in mentions.between(start, end) if not m.negated]
                named.sort(key=lambda m: m.test is None)
                sticky = named[0] if named else None
            continue
        parsed.loose.extend(
            value for label in inside if label.kind == "desc" for value in label.values.values()
        )
        results = [label for label in inside if label.kind != "desc"]
        builders = _group(results, mentions)
        for index, builder in enumerate(builders):
            previous = builders[index - 1].start if index else start
            following = builders[index + 1].start if index + 1 < len(builders) else end
            family, test = _tag(text, builder, (start, previous, following), mentions, sticky)
            parsed.blocks.append(
                FigureBlock(
                    source,
                    dict(builder.values),
                    family,
                    test,
                    builder.effect_name,
                    builder.ci_level,
                    builder.start,
                )
            )
    return parsed


# --------------------------------------------------------------------------- code and output

# A call of a test function in the assistant's code (scipy, statsmodels, pingouin).
_CALL = re.compile(
    r"\b(?P<fn>ttest_ind|ttest_rel|ttest_1samp|mannwhitneyu|ranksums|wilcoxon|f_oneway"
    r"|kruskal|welch_anova|anova_oneway|(?:pg|pingouin)\.ttest|(?:pg|pingouin)\.anova"
    r"|shapiro|levene)\s*\("
)
# scipy result reprs: TtestResult(statistic=np.float64(-6.7), pvalue=..., df=18.0)
_REPR = re.compile(r"\b(?P<cls>\w+Result|ConfidenceInterval)\(")
_REPR_FIELD = re.compile(rf"(?P<key>\w+)=(?:np\.\w+\()?(?P<num>{N}|nan)\)?", re.X)
_REPR_CLASSES = {
    "TtestResult": ("t", None),
    "Ttest_indResult": ("t", None),
    "Ttest_relResult": ("t", "paired_t"),
    "MannwhitneyuResult": ("mann_whitney_u", "mann_whitney_u"),
    "WilcoxonResult": ("wilcoxon_signed_rank", "wilcoxon_signed_rank"),
    "F_onewayResult": ("anova", "one_way_anova"),
    "KruskalResult": ("kruskal_wallis", "kruskal_wallis"),
    "ShapiroResult": ("assumption", "shapiro_wilk"),
    "LeveneResult": ("assumption", "levene"),
    "BartlettResult": ("assumption", "levene"),
}
_REPR_NAMES = {
    "statistic": "statistic",
    "pvalue": "p_value",
    "df": "df",
    "low": "ci_low",
    "high": "ci_high",
}
_COMMENT = re.compile(r"#[^\n]*")


def _closing(text: str, open_at: int) -> int:
    """Index just past the parenthesis that closes the one at ``open_at`` (or the end)."""
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


@dataclass(frozen=True)
class _Call:
    test: str | None
    family: str
    alternative: str | None


def _call_test(fn: str, args: str) -> tuple[str | None, str]:
    """(test, family) of one call from its function and arguments."""
    flag = re.compile(r"(\w+)\s*=\s*['\"]?(\w+)")
    kwargs = {key: value.lower() for key, value in flag.findall(args)}
    if fn == "ttest_ind":
        if kwargs.get("equal_var") == "false" or kwargs.get("usevar") == "unequal":
            return "welch_t", "t"
        if kwargs.get("equal_var", "true") == "true" and "**" not in args:
            return "student_t", "t"
        return None, "t"
    if fn.endswith(".ttest"):
        if kwargs.get("paired") == "true":
            return "paired_t", "t"
        correction = kwargs.get("correction")
        return {"true": "welch_t", "false": "student_t"}.get(correction or ""), "t"
    if fn == "anova_oneway":
        return ("one_way_anova" if kwargs.get("use_var") == "equal" else "welch_anova"), "anova"
    key = {
        "ttest_rel": "paired_t",
        "ttest_1samp": "paired_t",
        "mannwhitneyu": "mann_whitney_u",
        "ranksums": "mann_whitney_u",
        "wilcoxon": "wilcoxon_signed_rank",
        "f_oneway": "one_way_anova",
        "kruskal": "kruskal_wallis",
        "welch_anova": "welch_anova",
        "shapiro": "shapiro_wilk",
        "levene": "levene",
    }.get(fn.rsplit(".", 1)[-1], "one_way_anova")
    return key, FAMILY[key]


def _calls(code: str) -> list[_Call]:
    """The test functions the code called, in order, with the test and alternative they imply."""
    code = _COMMENT.sub("", code)
    calls = []
    for match in _CALL.finditer(code):
        args = code[match.end() - 1 : _closing(code, match.end() - 1)]
        test, family = _call_test(match.group("fn"), args)
        stated = _alternatives(args)
        calls.append(_Call(test, family, stated[0] if stated else None))
    return calls


def _reprs(logs: str, calls: Sequence[_Call]) -> tuple[list[FigureBlock], str]:
    """Results printed as scipy reprs, and ``logs`` with those reprs blanked out."""
    blocks: list[FigureBlock] = []
    t_calls = [call.test for call in calls if call.family == "t"]
    spans: list[tuple[int, int]] = []
    for match in _REPR.finditer(logs):
        end = _closing(logs, match.end() - 1)
        spans.append((match.start(), end))
        values: dict[str, ReportedValue] = {}
        for item in _REPR_FIELD.finditer(logs, match.end(), end):
            name = _REPR_NAMES.get(item.group("key"))
            number = _NUMBER.fullmatch(item.group("num"))
            if name and number:
                values[name] = _value_of(number, "code_output", name, "=")
        cls = match.group("cls")
        if cls == "ConfidenceInterval" and blocks and blocks[-1].family == "t":
            blocks[-1] = replace(blocks[-1], values={**blocks[-1].values, **values})
            continue
        family, test = _REPR_CLASSES.get(cls, (None, None))
        blocks.append(FigureBlock("code_output", values, family, test, position=match.start()))
    t_blocks = [i for i, block in enumerate(blocks) if block.family == "t" and block.test is None]
    distinct = set(t_calls)
    for order, index in enumerate(t_blocks):
        # the n-th t-test result printed is taken to come from the n-th t-test call
        test = t_calls[order] if len(t_calls) == len(t_blocks) else None
        if test is None and len(distinct) == 1:
            test = next(iter(distinct))
        blocks[index] = replace(blocks[index], test=test)
    blanked = list(logs)
    for start, end in spans:
        blanked[start:end] = _READ * (end - start)
    return blocks, "".join(blanked)


# --------------------------------------------------------------------------- read_figures


@dataclass(frozen=True)
class ReportedFigures:
    """What the assistant reported about its main test.

    ``figures`` maps figure names (:data:`FIGURE_NAMES`) to :class:`ReportedValue`; ``test``
    is the test key the assistant named or ran (None when it did not say); ``family`` the
    family of its main result (``"t"``, ``"anova"``, ...) even when the exact test is unknown;
    ``alternative`` is ``"two-sided"``, ``"less"``, ``"greater"``, ``"one-sided"`` (direction
    not stated) or None; ``effect_size_name`` e.g. ``"cohens_d"``; ``ci_level`` e.g. 0.95.

    ``by_test`` holds the figures of each test when the assistant gave results for several
    tests of one family without naming one as its answer (``figures`` is then the first).

    For the checks of the narrative: ``named_in_code`` / ``named_in_text`` are the main tests
    the code ran and the narrative named; ``contradictions`` are narrative figures of the main
    test that disagree with ``figures`` (taken from a better source); ``others`` every other
    labelled figure in the narrative (other tests, means, SDs); ``code_numbers`` every number in
    the code output.
    """

    figures: Mapping[str, ReportedValue] = field(default_factory=dict)
    test: str | None = None
    family: str | None = None
    alternative: str | None = None
    effect_size_name: str | None = None
    ci_level: float | None = None
    named_in_code: tuple[str, ...] = ()
    named_in_text: tuple[str, ...] = ()
    by_test: Mapping[str, Mapping[str, ReportedValue]] = field(default_factory=dict)
    contradictions: tuple[tuple[str, ReportedValue], ...] = ()
    others: tuple[ReportedValue, ...] = ()
    descriptives: tuple[ReportedValue, ...] = ()
    code_numbers: tuple[float, ...] = ()

    def get(self, name: str) -> ReportedValue | None:
        """The reported figure ``name``, or None."""
        return self.figures.get(name)


def _reported_block(events: Sequence[Event]) -> tuple[FigureBlock | None, dict[str, Any]]:
    """The structured figures (later ``Reported`` events override earlier ones)."""
    raw: dict[str, Any] = {}
    for event in events:
        if isinstance(event, Reported) and isinstance(event.figures, Mapping):
            raw.update({k: v for k, v in event.figures.items() if v is not None})
    if not raw:
        return None, raw
    values = {}
    for name in (*FIGURE_NAMES, "effect_size_ci_low", "effect_size_ci_high"):
        value = _from_structured(raw.get(name), name)
        if value is not None:
            values[name] = value
    test = _normalise_test(raw.get("test"))
    level = raw.get("ci_level") or raw.get("confidence_level")
    block = FigureBlock(
        "reported",
        values,
        FAMILY.get(test) if test else None,
        test,
        _normalise_effect(raw.get("effect_size_name")),
        float(level) if isinstance(level, int | float) and 0 < level < 1 else None,
    )
    return block, raw


def _consistent(block: FigureBlock, chosen: Mapping[str, ReportedValue]) -> bool:
    """Whether a block's figures agree with those already chosen (each at the coarser precision)."""
    for name, value in block.values.items():
        other = chosen.get(name)
        if other is None:
            continue
        if value.bound == "=" and other.bound == "=":
            slack = value.tolerance(other.value) + other.tolerance(value.value)
            if abs(value.value - other.value) > slack:
                return False
        elif value.bound == "=" or other.bound == "=":
            exact, bound = (value, other) if value.bound == "=" else (other, value)
            if not bound.agrees(exact.value):
                return False
    return True


def _first_family(blocks: Sequence[FigureBlock]) -> str | None:
    return next((b.family for b in blocks if b.family in MAIN_FAMILIES), None)


def _choose_family(
    reported: FigureBlock | None,
    text: _Parsed,
    output: _Parsed,
    output_blocks: Sequence[FigureBlock],
    calls: Sequence[_Call],
) -> str | None:
    """The main result's family: the structured test, else the first result the narrative
    gives, else the first the code printed, else the first test named or called."""
    if reported is not None and reported.family:
        return reported.family
    named = [m.family for m in text.mentions if not m.negated and m.family in MAIN_FAMILIES]
    called = [c.family for c in calls if c.family in MAIN_FAMILIES]
    return (
        _first_family(text.blocks)
        or _first_family(output_blocks)
        or (named[0] if named else None)
        or (called[0] if called else None)
    )


def _unique(tests: Iterable[str | None]) -> str | None:
    distinct = {t for t in tests if t}
    return distinct.pop() if len(distinct) == 1 else None


def _choose_test(
    family: str | None,
    reported: FigureBlock | None,
    calls: Sequence[_Call],
    text: _Parsed,
    output: _Parsed,
) -> str | None:
    """The specific test: structured, else the one the code ran, else the one the text names."""
    if reported is not None and reported.test:
        return reported.test
    if family is None:
        return None
    for candidates in (
        [c.test for c in calls if c.family == family],
        [m.test for m in text.mentions if not m.negated and m.family == family],
        [m.test for m in output.mentions if not m.negated and m.family == family],
    ):
        test = _unique(candidates)
        if test:
            return test
    return None


def _most_named(tests: Sequence[str | None]) -> str | None:
    """The test named most often, when one is named more often than any other."""
    counts = Counter(t for t in tests if t)
    ranked = counts.most_common(2)
    if len(ranked) == 2 and ranked[0][1] > ranked[1][1]:
        return ranked[0][0]
    return None


def _merge(
    blocks: Sequence[FigureBlock], family: str | None, test: str | None
) -> tuple[dict[str, ReportedValue], str | None, list[FigureBlock], list[FigureBlock]]:
    """Figures of the main result, best source first; returns (figures, test, used, conflicting).

    A block joins when it is of the main family (or of no known family and without a
    statistic: a bare ``p = ...`` or interval) and agrees with what is already chosen.
    """
    chosen: dict[str, ReportedValue] = {}
    used: list[FigureBlock] = []
    conflicting: list[FigureBlock] = []
    for block in blocks:
        if block.family not in (family, None):
            continue
        if block.family is None and "statistic" in block.values:
            continue
        if test and block.test and block.test != test:
            continue
        if not _consistent(block, chosen):
            conflicting.append(block)
            continue
        if block.test and not test and block.family == family:
            test = block.test
        for name, value in block.values.items():
            chosen.setdefault(name, value)
        used.append(block)
    return chosen, test, used, conflicting


def _figures_by_test(
    blocks: Sequence[FigureBlock], family: str | None
) -> dict[str, dict[str, ReportedValue]]:
    """The figures of each test of ``family`` the assistant gave results for, when it gave
    several ("Welch: ...; with Student's t-test: ...") without saying which is its answer."""
    tags = list(dict.fromkeys(b.test for b in blocks if b.family == family and b.test))
    if len(tags) < 2:
        return {}
    return {tag: _merge(blocks, family, tag)[0] for tag in tags}


def _code_text(events: Sequence[Event]) -> str:
    done = [e.code for e in events if isinstance(e, CodeDone) and isinstance(e.code, str)]
    if done:
        return "\n".join(done)
    return "".join(e.code for e in events if isinstance(e, CodeDelta) and isinstance(e.code, str))


@dataclass(frozen=True)
class _Sources:
    """One answer's events, read: structured figures, code calls, code output, narrative."""

    reported: FigureBlock | None
    raw: Mapping[str, Any]
    calls: list[_Call]
    output: _Parsed
    output_blocks: list[FigureBlock]
    text: _Parsed
    logs: str


def _read_sources(events: Sequence[Event]) -> _Sources:
    narrative = "".join(
        e.text for e in events if isinstance(e, TextDelta) and isinstance(e.text, str)
    )
    outputs = [e.logs for e in events if isinstance(e, CodeOutput) and isinstance(e.logs, str)]
    logs = _normalise(f"\n{_BOUNDARY}\n".join(outputs))
    calls = _calls(_code_text(events))
    reported, raw = _reported_block(events)
    repr_blocks, rest = _reprs(logs, calls)
    output = _parse_text(rest, "code_output")
    output_blocks = sorted([*repr_blocks, *output.blocks], key=lambda b: b.position)
    text = _parse_text(_tables_as_text(_normalise(narrative)), "text")
    return _Sources(reported, raw, calls, output, output_blocks, text, logs)


@dataclass(frozen=True)
class _Main:
    """The main result: its family, test, figures, the blocks they came from, the blocks of
    the same result that disagree, and the figures by test when several tests were given."""

    family: str | None
    test: str | None
    figures: dict[str, ReportedValue]
    used: list[FigureBlock]
    conflicting: list[FigureBlock]
    by_test: dict[str, dict[str, ReportedValue]]


def _main_result(sources: _Sources) -> _Main:
    """The main result, each figure from the best source that gives it."""
    family = _choose_family(
        sources.reported, sources.text, sources.output, sources.output_blocks, sources.calls
    )
    test = _choose_test(family, sources.reported, sources.calls, sources.text, sources.output)
    reported = [sources.reported] if sources.reported else []
    ordered = [*reported, *sources.output_blocks, *sources.text.blocks]
    by_test = _figures_by_test(ordered, family) if test is None else {}
    if by_test:  # results of several tests and no answer named: compare() picks one
        figures, _, used, conflicting = _merge(ordered, family, next(iter(by_test)))
    else:
        figures, test, used, conflicting = _merge(ordered, family, test)
    if test is None and not by_test:
        named = [m.test for m in sources.text.mentions if not m.negated and m.family == family]
        test = _most_named(named)
    if family is None and test:
        family = FAMILY.get(test)
    return _Main(family, test, figures, used, conflicting, by_test)


def read_figures(events: Iterable[Event]) -> ReportedFigures:
    """What the assistant reported, read from the events of one answer.

    Never raises on odd text: what cannot be read is left out.
    """
    sources = _read_sources(list(events))
    main = _main_result(sources)
    family, figures, text = main.family, main.figures, sources.text
    contradictions = [
        (name, value)
        for block in main.conflicting
        if block.source == "text" and block.family == family
        for name, value in block.values.items()
        if name in figures and not _consistent(FigureBlock("text", {name: value}), figures)
    ]
    # every other narrative figure (also one that merely repeats a chosen figure: "p < .001"
    # chosen, "p = 0.0004" elsewhere) must be supported by the code output or the local report
    judged = {id(value) for value in figures.values()} | {id(v) for _, v in contradictions}
    others = [v for block in text.blocks for v in block.values.values() if id(v) not in judged]
    named_in_text = [m.test for m in text.mentions if not m.negated and m.test in MAIN_TESTS]
    return ReportedFigures(
        figures=figures,
        test=main.test,
        family=family,
        alternative=_read_alternative(sources.raw, sources.calls, family, sources.output, text),
        effect_size_name=next((b.effect_size_name for b in main.used if b.effect_size_name), None),
        ci_level=next((b.ci_level for b in main.used if b.ci_level), None),
        named_in_code=tuple(dict.fromkeys(c.test for c in sources.calls if c.test in MAIN_TESTS)),
        named_in_text=tuple(dict.fromkeys(named_in_text)),
        by_test=main.by_test,
        contradictions=tuple(contradictions),
        others=tuple(others),
        descriptives=tuple(text.loose),
        code_numbers=tuple(_all_numbers(sources.logs)),
    )


def _read_alternative(
    raw: Mapping[str, Any],
    calls: Sequence[_Call],
    family: str | None,
    output: _Parsed,
    text: _Parsed,
) -> str | None:
    """Structured, else the main test call's ``alternative=``, else R's print, else the text."""
    structured = raw.get("alternative")
    if isinstance(structured, str) and structured.strip():
        stated = _alternatives(f"alternative='{structured.strip()}'") or _alternatives(structured)
        if stated:
            return stated[0]
    for stated in (
        [c.alternative for c in calls if c.family == family and c.alternative],
        output.alternatives,
        text.alternatives,
    ):
        value = _one_alternative([s for s in stated if s])
        if value:
            return value
    return None


def _all_numbers(text: str) -> list[float]:
    numbers = []
    for match in _NUMBER.finditer(text):
        if match.group(0).strip():
            value = _value_of(match, "code_output", "", "=").value
            if math.isfinite(value):
                numbers.append(value)
    return numbers


# --------------------------------------------------------------------------- local variants


@dataclass(frozen=True)
class _Variant:
    """One local test the assistant may have run, with its figures for each alternative."""

    key: str
    family: str
    figures: Mapping[str, Mapping[str, float | None]]  # alternative -> figure -> value
    effects: Mapping[str, float | None] = field(default_factory=dict)
    derived: bool = False
    p_alternates: Mapping[str, tuple[tuple[float, str], ...]] = field(default_factory=dict)


def _f(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) or math.isinf(value) else None


def _t_p(t: float | None, df: float | None, alternative: str) -> float | None:
    if t is None or df is None or df <= 0 or math.isnan(t):
        return None
    if alternative == "less":
        return float(special.stdtr(df, t))
    if alternative == "greater":
        return float(special.stdtr(df, -t))
    return float(min(1.0, 2 * special.stdtr(df, -abs(t))))


def _t_ci(
    md: float | None, t: float | None, df: float | None, alternative: str, level: float
) -> tuple[float | None, float | None]:
    if md is None or t is None or df is None or t == 0 or df <= 0:
        return None, None
    se = abs(md / t)
    if alternative == "two-sided":
        crit = float(special.stdtrit(df, 1 - (1 - level) / 2))
        return md - crit * se, md + crit * se
    crit = float(special.stdtrit(df, level))
    if alternative == "less":
        return -math.inf, md + crit * se
    return md - crit * se, math.inf


def _t_figures(
    base: Mapping[str, Any], local_alt: str, local_level: float, level: float
) -> dict[str, dict[str, float | None]]:
    """A t-test's figures for each alternative (p and CI from t, df and the mean difference)."""
    t, df, md = _f(base.get("statistic")), _f(base.get("df")), _f(base.get("mean_difference"))
    out = {}
    for alt in ("two-sided", "less", "greater"):
        p = _t_p(t, df, alt)
        low, high = _t_ci(md, t, df, alt, level)
        if alt == local_alt:
            p = _f(base.get("p_value")) if base.get("p_value") is not None else p
            if abs(level - local_level) < 1e-9 and base.get("ci_low") is not None:
                low, high = _f(base.get("ci_low")), _f(base.get("ci_high"))
        out[alt] = {
            "statistic": t,
            "df": df,
            "p_value": p,
            "ci_low": low,
            "ci_high": high,
            "mean_difference": md,
        }
    return out


def _rank_figures(
    statistic: float | None, p: float | None, centre: float | None, local_alt: str
) -> dict[str, dict[str, float | None]]:
    """A rank test's p for each alternative, from its local p (one-sided = half two-sided)."""
    if p is None or statistic is None or centre is None:
        return {
            alt: {"statistic": statistic, "p_value": p if alt == local_alt else None}
            for alt in ("two-sided", "less", "greater")
        }
    two = p if local_alt == "two-sided" else min(1.0, 2 * min(p, 1 - p))
    low_tail = statistic <= centre  # the first group tends lower
    less = two / 2 if low_tail else 1 - two / 2
    ps = {"two-sided": two, "less": less, "greater": 1 - less}
    ps[local_alt] = p
    return {alt: {"statistic": statistic, "p_value": ps[alt]} for alt in ps}


def _same_for_all(figures: Mapping[str, float | None]) -> dict[str, dict[str, float | None]]:
    return {alt: dict(figures) for alt in ("two-sided", "less", "greater")}


@dataclass(frozen=True)
class _Local:
    """The parts of the local report the comparison needs."""

    report: Mapping[str, Any]
    design: str
    alpha: float
    alternative: str
    recommended: str | None
    groups: tuple[Mapping[str, Any], ...]
    tests: Mapping[str, Any]
    effects: Mapping[str, Any]
    warnings: tuple[str, ...]

    @classmethod
    def of(cls, local: Any) -> _Local:
        report = local.to_dict() if hasattr(local, "to_dict") else dict(local or {})
        groups = tuple(g for g in report.get("groups") or () if isinstance(g, Mapping))
        alpha = _f(report.get("alpha"))
        return cls(
            report,
            str(report.get("design") or ("multi" if len(groups) > 2 else "independent")),
            alpha if alpha and 0 < alpha < 1 else 0.05,
            str(report.get("alternative") or "two-sided"),
            report.get("recommended"),
            groups,
            report.get("tests") or {},
            report.get("effect_sizes") or {},
            tuple(str(w) for w in report.get("warnings") or ()),
        )

    def group(self, index: int, key: str) -> float | None:
        return _f(self.groups[index].get(key)) if index < len(self.groups) else None


def _summary_t_tests(local: _Local, level: float) -> list[_Variant]:
    """Student's and Welch's t for two groups from their means, SDs and sizes (paired data
    analysed as if independent); exact formulas, so these are the same figures scipy gives."""
    values = [local.group(i, k) for i in (0, 1) for k in ("n", "mean", "sd")]
    if any(v is None for v in values) or len(local.groups) != 2:
        return []
    n1, m1, s1, n2, m2, s2 = (float(v) for v in values)  # type: ignore[arg-type]
    if n1 < 2 or n2 < 2:
        return []
    md = m1 - m2
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n1 + n2 - 2)
    variants = []
    se_student = math.sqrt(pooled * (1 / n1 + 1 / n2))
    se_welch = math.sqrt(v1 + v2)
    welch_df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1)) if v1 + v2 > 0 else None
    d = md / math.sqrt(pooled) if pooled > 0 else None
    df_student = n1 + n2 - 2
    j = math.exp(
        math.lgamma(df_student / 2)
        - math.log(math.sqrt(df_student / 2))
        - math.lgamma((df_student - 1) / 2)
    )
    effects = {"cohens_d": d, "hedges_g": d * j if d is not None else None}
    for key, se, df in (("student_t", se_student, df_student), ("welch_t", se_welch, welch_df)):
        if se <= 0 or df is None:
            continue
        base = {"statistic": md / se, "df": df, "mean_difference": md}
        figures = _t_figures(base, local.alternative, 1 - local.alpha, level)
        variants.append(_Variant(key, "t", figures, effects, derived=True))
    return variants


def _average_variance_d(local: _Local) -> float | None:
    """Cohen's d with the mean of the two variances as its SD (d_av); equals the pooled-SD d
    when the groups are the same size."""
    if len(local.groups) != 2:
        return None
    m1, s1, m2, s2 = (local.group(i, k) for i in (0, 1) for k in ("mean", "sd"))
    if None in (m1, s1, m2, s2) or not (s1 or s2):
        return None
    return (m1 - m2) / math.sqrt((s1 * s1 + s2 * s2) / 2)  # type: ignore[operator]


def _mann_whitney_alternates(local: _Local, u: float | None) -> tuple[tuple[float, str], ...]:
    """The normal approximation's two-sided p (scipy's default for larger samples), when the
    local p is exact: both are correct p-values for the same U."""
    n1, n2 = local.group(0, "n"), local.group(1, "n")
    exact = not any("Mann-Whitney" in w and "normal approximation" in w for w in local.warnings)
    if u is None or not n1 or not n2 or not exact:
        return ()
    mu, sigma = n1 * n2 / 2, math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    alternates = []
    for correction, note in ((0.5, "with"), (0.0, "without")):
        z = max(abs(u - mu) - correction, 0) / sigma
        p = float(min(1.0, 2 * special.ndtr(-z)))
        alternates.append((p, f"the normal approximation {note} continuity correction"))
    return tuple(alternates)


def _t_variants(local: _Local, level: float) -> dict[str, _Variant]:
    """The t-tests: those of the local report, plus Student's and Welch's derived from the
    group summaries when the report has none (paired data), with their effect sizes."""
    variants: dict[str, _Variant] = {}
    for key in ("student_t", "welch_t", "paired_t"):
        if isinstance(local.tests.get(key), Mapping):
            names = ("cohens_dz",) if key == "paired_t" else ("cohens_d", "hedges_g")
            variants[key] = _Variant(
                key,
                "t",
                _t_figures(local.tests[key], local.alternative, 1 - local.alpha, level),
                {name: _f(local.effects.get(name)) for name in names if name in local.effects},
            )
    for derived in _summary_t_tests(local, level):
        variants.setdefault(derived.key, derived)
    d_av = _average_variance_d(local)
    pooled_d = variants["student_t"].effects.get("cohens_d") if "student_t" in variants else None
    for key, variant in list(variants.items()):
        extra: dict[str, float | None] = {"cohens_d_av": d_av} if d_av is not None else {}
        if key == "paired_t":  # "Cohen's d" of paired data may be dz or the pooled-SD d
            extra["cohens_d"] = pooled_d
        variants[key] = replace(variant, effects={**variant.effects, **extra})
    return variants


def _rank_variants(local: _Local) -> dict[str, _Variant]:
    """Mann-Whitney and Wilcoxon signed-rank, with one-sided p-values from the two-sided."""
    variants: dict[str, _Variant] = {}
    n1, n2 = local.group(0, "n"), local.group(1, "n")
    mw = local.tests.get("mann_whitney_u")
    if isinstance(mw, Mapping):
        u = _f(mw.get("statistic"))
        centre = n1 * n2 / 2 if n1 and n2 else None
        alternates = _mann_whitney_alternates(local, u)
        variants["mann_whitney_u"] = _Variant(
            "mann_whitney_u",
            "mann_whitney_u",
            _rank_figures(u, _f(mw.get("p_value")), centre, local.alternative),
            p_alternates={"two-sided": alternates} if local.alternative == "two-sided" else {},
        )
    wx = local.tests.get("wilcoxon_signed_rank")
    if isinstance(wx, Mapping):
        m = _signed_rank_n(local)
        centre = m * (m + 1) / 4 if m else None
        variants["wilcoxon_signed_rank"] = _Variant(
            "wilcoxon_signed_rank",
            "wilcoxon_signed_rank",
            _rank_figures(
                _f(wx.get("statistic")), _f(wx.get("p_value")), centre, local.alternative
            ),
        )
    return variants


def _anova_variants(local: _Local) -> dict[str, _Variant]:
    """The one-way and Welch ANOVAs (with eta and omega squared) and Kruskal-Wallis."""
    variants: dict[str, _Variant] = {}
    effects = {
        k: _f(local.effects.get(k)) for k in ("eta_squared", "omega_squared") if k in local.effects
    }
    for key in ("one_way_anova", "welch_anova"):
        if isinstance(local.tests.get(key), Mapping):
            names = ("statistic", "df_between", "df_within", "p_value")
            base = {k: _f(local.tests[key].get(k)) for k in names}
            variants[key] = _Variant(key, "anova", _same_for_all(base), effects)
    kw = local.tests.get("kruskal_wallis")
    if isinstance(kw, Mapping):
        base = {k: _f(kw.get(k)) for k in ("statistic", "df", "p_value")}
        variants["kruskal_wallis"] = _Variant(
            "kruskal_wallis", "kruskal_wallis", _same_for_all(base)
        )
    return variants


def _variants(local: _Local, level: float) -> dict[str, _Variant]:
    """Every local test of the main families, plus those derived from the group summaries."""
    variants = {**_t_variants(local, level), **_rank_variants(local), **_anova_variants(local)}
    variants.update(_two_group_anovas(variants))
    return variants


def _two_group_anovas(variants: Mapping[str, _Variant]) -> dict[str, _Variant]:
    """An ANOVA of two groups is a t-test: F = t², the same p (classic = Student, Welch = Welch)."""
    out = {}
    for t_key, f_key in (("student_t", "one_way_anova"), ("welch_t", "welch_anova")):
        if t_key not in variants or f_key in variants:
            continue
        two = variants[t_key].figures["two-sided"]
        t, df = two.get("statistic"), two.get("df")
        base = {
            "statistic": t * t if t is not None else None,
            "df_between": 1.0,
            "df_within": df,
            "p_value": two.get("p_value"),
        }
        out[f_key] = _Variant(f_key, "anova", _same_for_all(base), derived=True)
    return out


def _signed_rank_n(local: _Local) -> int | None:
    """Pairs the signed-rank test used: n minus the zero differences the warnings report."""
    n = local.group(0, "n")
    if not n:
        return None
    zeros = 0
    for warning in local.warnings:
        match = re.match(r"(\d+) pairs? (?:has|have) a zero difference", warning)
        if match:
            zeros = int(match.group(1))
    return int(n) - zeros


# --------------------------------------------------------------------------- comparing figures


@dataclass
class _Outcome:
    status: str  # match, mismatch
    local: float | None
    note: str | None = None
    flipped: bool = False


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:.{digits}g}"


def _check_signed(value: ReportedValue, local: float | None) -> _Outcome:
    """A figure whose sign depends on the order of the groups: magnitude counts, sign noted."""
    if value.agrees(local):
        return _Outcome("match", local)
    if local is not None and value.negated().agrees(local):
        return _Outcome("match", local, "opposite sign: second group minus first", flipped=True)
    return _Outcome("mismatch", local)


def _check_statistic(
    value: ReportedValue, variant: _Variant, figures: Mapping[str, float | None], local: _Local
) -> _Outcome:
    stat = figures.get("statistic")
    if variant.family == "t":
        return _check_signed(value, stat)
    if value.agrees(stat):
        return _Outcome("match", stat)
    complement, note = None, ""
    if stat is not None and variant.family == "mann_whitney_u":
        n1, n2 = local.group(0, "n"), local.group(1, "n")
        complement = n1 * n2 - stat if n1 and n2 else None
        note = "U of the second group (the local U is the first group's)"
    elif stat is not None and variant.family == "wilcoxon_signed_rank":
        m = _signed_rank_n(local)
        complement = m * (m + 1) / 2 - stat if m else None
        note = "the sum of the negative ranks (the local V sums the positive ones)"
    if complement is not None and value.agrees(complement):
        return _Outcome("match", stat, note)
    return _Outcome("mismatch", stat)


def _check_p(value: ReportedValue, variant: _Variant, alt: str, figures: Mapping) -> _Outcome:
    p = figures.get("p_value")
    if value.agrees(p):
        return _Outcome("match", p)
    for alternate, how in variant.p_alternates.get(alt, ()):
        if value.agrees(alternate):
            return _Outcome("match", p, f"matches {how} (p = {_fmt(alternate, 3)})")
    return _Outcome("mismatch", p)


def _check_interval(
    low: ReportedValue | None, high: ReportedValue | None, figures: Mapping
) -> dict[str, _Outcome]:
    """Both bounds: as they are, or both negated and swapped (second minus first)."""
    loc_low, loc_high = figures.get("ci_low"), figures.get("ci_high")
    out: dict[str, _Outcome] = {}
    if low is not None and high is not None:
        if low.agrees(loc_low) and high.agrees(loc_high):
            return {"ci_low": _Outcome("match", loc_low), "ci_high": _Outcome("match", loc_high)}
        if (
            loc_low is not None
            and loc_high is not None
            and (low.negated().agrees(loc_high) and high.negated().agrees(loc_low))
        ):
            note = "interval of second group minus first (bounds negated and swapped)"
            return {
                "ci_low": _Outcome("match", loc_low, note, flipped=True),
                "ci_high": _Outcome("match", loc_high, note, flipped=True),
            }
    for name, value, local in (("ci_low", low, loc_low), ("ci_high", high, loc_high)):
        if value is not None:
            out[name] = _Outcome("match" if value.agrees(local) else "mismatch", local)
    return out


def _effect_candidates(name: str | None, variant: _Variant) -> list[str]:
    """Local effect sizes a reported one may be: the named one; for an unnamed or d-family one
    that this test does not compute (d of a paired test: dz or pooled d), every local one."""
    effects = [k for k, v in variant.effects.items() if v is not None]
    d_family = name in (None, "cohens_d", "cohens_dz", "hedges_g")
    if name == "cohens_d" and "cohens_d" in effects and variant.key != "paired_t":
        return [k for k in ("cohens_d", "cohens_d_av") if k in effects]
    if name in effects and not (variant.key == "paired_t" and name == "cohens_d"):
        return [name]  # type: ignore[list-item]
    return effects if d_family else []


def _check_effect(value: ReportedValue, name: str | None, variant: _Variant) -> _Outcome | None:
    """The effect size, in magnitude (its sign follows the order of the groups)."""
    candidates = _effect_candidates(name, variant)
    if not candidates:
        return None  # an effect size the local report does not compute: not judged
    effects = variant.effects
    matching = [k for k in candidates if _check_signed(value, effects[k]).status == "match"]
    wanted = matching[0] if matching else candidates[0]
    local = effects[wanted]
    outcome = _check_signed(value, local)
    shown = EFFECT_NAMES.get(wanted, wanted)
    notes = []
    if name and wanted != name:
        notes.append(f"{EFFECT_NAMES.get(name, name)} reported; compared with {shown}")
    if outcome.flipped:
        sign = "reported as a magnitude" if value.value >= 0 else "opposite sign"
        notes.append(f"{sign} (local {shown} = {_fmt(local, 3)})")
        outcome.flipped = False
    if outcome.status == "mismatch":
        others = [
            k
            for k, v in effects.items()
            if k != wanted and v is not None and _check_signed(value, v).status == "match"
        ]
        if others:
            notes.append(f"matches {EFFECT_NAMES.get(others[0], others[0])}")
    outcome.note = "; ".join(notes) or None
    return outcome


def _outcomes(
    reported: ReportedFigures, variant: _Variant, alt: str, local: _Local
) -> dict[str, _Outcome]:
    """Each reported figure against ``variant`` under alternative ``alt``."""
    figures = variant.figures.get(alt, {})
    out: dict[str, _Outcome] = {}
    for name in ("statistic", "df", "df_between", "df_within", "p_value", "mean_difference"):
        value = reported.get(name)
        if value is None or (name not in figures and name != "statistic"):
            continue
        if name == "statistic":
            out[name] = _check_statistic(value, variant, figures, local)
        elif name == "p_value":
            out[name] = _check_p(value, variant, alt, figures)
        elif name == "mean_difference":
            out[name] = _check_signed(value, figures.get(name))
        else:
            local_value = figures.get(name)
            out[name] = _Outcome("match" if value.agrees(local_value) else "mismatch", local_value)
    if variant.family == "t":
        out.update(_check_interval(reported.get("ci_low"), reported.get("ci_high"), figures))
    effect = reported.get("effect_size")
    if effect is not None:
        outcome = _check_effect(effect, reported.effect_size_name, variant)
        if outcome is not None:
            out["effect_size"] = outcome
    return out


def _score(outcomes: Mapping[str, _Outcome]) -> tuple[int, int]:
    """(mismatches, -matches): lower is a better explanation of the reported figures."""
    statuses = [o.status for o in outcomes.values()]
    return statuses.count("mismatch"), -statuses.count("match")


def _alternatives_to_try(reported: ReportedFigures, local: _Local, family: str) -> list[str]:
    """Alternatives to consider, most plausible first: the stated one, else the requested one,
    else two-sided; the figures may still show a one-sided p."""
    if family not in ("t", "mann_whitney_u", "wilcoxon_signed_rank"):
        return ["two-sided"]
    stated = reported.alternative
    if stated == "two-sided":
        return ["two-sided"]
    if stated in ("less", "greater"):
        return [stated, "greater" if stated == "less" else "less"]
    if stated == "one-sided":
        return ["less", "greater"]
    order = [local.alternative, "two-sided", "less", "greater"]
    return list(dict.fromkeys(order))


@dataclass
class _Choice:
    variant: _Variant
    alternative: str
    outcomes: dict[str, _Outcome]
    named: bool
    ties: tuple[str, ...] = ()  # other tests whose figures fit exactly as well


def _choose_variant(
    reported: ReportedFigures, variants: Mapping[str, _Variant], local: _Local
) -> _Choice | None:
    """The local test (and alternative) that best explains the reported figures.

    The test the assistant named, if the local report has it; else the one with the fewest
    mismatches and most matches; ties go to the more plausible alternative, then to the
    recommended test, then to figures computed by ``stats`` rather than derived here.
    """
    family = reported.family or (FAMILY.get(reported.test) if reported.test else None)
    if reported.test and reported.test not in variants:
        return None  # named, but not a test of this design: see _unavailable_choice
    if family is None and not reported.figures:
        return None
    named = reported.test is not None
    if named:
        candidates = [variants[reported.test]]  # type: ignore[index]
    elif family is None:  # a bare "p = ...": any test may explain it (an F of two groups is t²)
        candidates = [v for v in variants.values() if not (v.derived and v.family == "anova")]
    else:
        candidates = [v for v in variants.values() if v.family == family]
    best: tuple[Any, ...] | None = None
    choice: _Choice | None = None
    scores: dict[str, tuple[int, int]] = {}
    for rank, variant in enumerate(candidates):
        alternatives = _alternatives_to_try(reported, local, variant.family)
        for alt_rank, alt in enumerate(alternatives):
            outcomes = _outcomes(reported, variant, alt, local)
            score = _score(outcomes)
            scores[variant.key] = min(scores.get(variant.key, score), score)
            key = (*score, alt_rank, variant.key != local.recommended, variant.derived, rank)
            if best is None or key < best:
                best, choice = key, _Choice(variant, alt, outcomes, named)
    if choice is not None and not named:
        chosen = scores[choice.variant.key]
        choice.ties = tuple(k for k, s in scores.items() if s == chosen and k != choice.variant.key)
    return choice


# --------------------------------------------------------------------------- notes


def _result_text(variant: _Variant, alt: str) -> str:
    figures = variant.figures.get(alt) or variant.figures.get("two-sided", {})
    symbol = _SYMBOL[variant.family]
    stat, p = figures.get("statistic"), figures.get("p_value")
    if variant.family == "anova":
        dfs = f"({_fmt(figures.get('df_between'))}, {_fmt(figures.get('df_within'))})"
    elif figures.get("df") is not None:
        dfs = f"({_fmt(figures.get('df'))})"
    else:
        dfs = ""
    return f"{symbol}{dfs} = {_fmt(stat)}, p = {_fmt(p, 3)}"


def _test_notes(
    reported: ReportedFigures, choice: _Choice, variants: Mapping[str, _Variant], local: _Local
) -> list[str]:
    """What the verdict says about the choice of test."""
    key, alt = choice.variant.key, choice.alternative
    notes = []
    if not choice.named:
        notes.append(_unnamed_note(reported, choice))
    if reported.named_in_code and reported.named_in_text:
        code, text = set(reported.named_in_code), set(reported.named_in_text)
        if len(code) == 1 and text and not code & text:
            notes.append(
                f"The narrative names {TEST_NAMES[next(iter(text))]}, but the code ran "
                f"{TEST_NAMES[next(iter(code))]}."
            )
    notes += _design_notes(key, variants, local)
    if choice.variant.derived:
        notes.append(
            f"The local figures of {TEST_NAMES[key]} are computed here from the group sizes, "
            "means and SDs."
        )
    recommended = local.recommended
    if recommended and recommended != key and recommended in variants:
        notes.append(
            f"The assistant used {TEST_NAMES[key]}; the recommended test is "
            f"{TEST_NAMES.get(recommended, recommended)} "
            f"({_result_text(variants[recommended], local.alternative)})."
        )
    if alt != "two-sided":
        notes.append(f"The assistant's p-value is one-sided ({alt}, first group minus second).")
    if alt != local.alternative != "two-sided":
        notes.append(
            f"The requested alternative is {local.alternative!r}; the assistant's is {alt!r}."
        )
    if any(o.flipped for o in choice.outcomes.values()):
        names = [g.get("name") for g in local.groups[:2]]
        if len(names) == 2:
            notes.append(
                f"The assistant's differences are {names[1]} minus {names[0]} (the local ones "
                f"are {names[0]} minus {names[1]}); compared in magnitude."
            )
    return notes


def _design_notes(key: str, variants: Mapping[str, _Variant], local: _Local) -> list[str]:
    """A test that does not fit the design (independent test of paired data, or the reverse),
    or one the local report has no figures for."""
    notes = []
    paired_test = key in ("paired_t", "wilcoxon_signed_rank")
    if local.design == "paired" and not paired_test and FAMILY.get(key) != "anova":
        notes.append("The data are paired, but the assistant analysed them as independent groups.")
    if local.design != "paired" and paired_test:
        notes.append("The groups were entered as independent, so a paired test does not apply.")
    if key not in variants:
        notes.append(f"The local report has no figures of {TEST_NAMES[key]} for these data.")
    return notes


def _unnamed_note(reported: ReportedFigures, choice: _Choice) -> str:
    """How the test was identified when the assistant did not name it."""
    key = choice.variant.key
    if not reported.figures:
        return f"The assistant named no specific test; compared with {TEST_NAMES[key]}."
    if not choice.ties:
        return f"The assistant did not name its test; its figures fit {TEST_NAMES[key]}."
    fitting = [TEST_NAMES[t] for t in (key, *choice.ties) if t in TEST_NAMES]
    listed = ", ".join(fitting[:-1]) + f" and {fitting[-1]}"
    return (
        f"The assistant did not name its test; its figures fit {listed} equally well; "
        f"compared with {TEST_NAMES[key]}."
    )


def _elsewhere(
    name: str, value: ReportedValue, choice: _Choice, variants: Mapping[str, _Variant]
) -> str | None:
    """For a mismatch: another local test (or tail) whose figure the reported one matches."""
    if name not in ("statistic", "df", "df_within", "p_value"):
        return None
    for variant in variants.values():
        if variant.family != choice.variant.family:
            continue
        for alt in ("two-sided", "less", "greater"):
            if variant is choice.variant and alt == choice.alternative:
                continue
            local = variant.figures.get(alt, {}).get(name)
            if local is not None and (value.agrees(local) or value.negated().agrees(local)):
                tail = "" if alt == "two-sided" else f" (one-sided, {alt})"
                what = name.replace("_", " ")
                return (
                    f"{value.shown} matches the {what} of {TEST_NAMES[variant.key]}{tail} "
                    f"({_fmt(local, 4)})"
                )
    return None


# --------------------------------------------------------------------------- compare


def _json_number(value: float | None) -> float | str | None:
    """Strict JSON: the infinite bound of a one-sided interval as ``"inf"`` / ``"-inf"``."""
    if value is not None and math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return value


def _entry(
    name: str, value: ReportedValue | None, outcome: _Outcome | None, local: float | None
) -> dict[str, Any]:
    if value is None:
        return {
            "name": name,
            "reported": None,
            "local": _json_number(local),
            "status": "not_reported",
        }
    reported: Any = _json_number(value.value) if value.bound == "=" else value.shown
    entry = {
        "name": name,
        "reported": reported,
        "local": _json_number(outcome.local if outcome else local),
        "status": outcome.status if outcome else "mismatch",
    }
    if outcome and outcome.note:
        entry["note"] = outcome.note
    return entry


def _local_effect(variant: _Variant, name: str | None) -> float | None:
    effects = variant.effects
    if name in effects:
        return effects[name]
    return next((v for v in effects.values() if v is not None), None)


#: The figures a verdict lists for each family, in order (key figures always, others if given).
SHOWN_FIGURES = {
    "t": ("statistic", "df", "p_value", "ci_low", "ci_high", "mean_difference", "effect_size"),
    "mann_whitney_u": ("statistic", "p_value"),
    "wilcoxon_signed_rank": ("statistic", "p_value"),
    "anova": ("statistic", "df_between", "df_within", "p_value", "effect_size"),
    "kruskal_wallis": ("statistic", "df", "p_value"),
}


def _figure_entries(
    reported: ReportedFigures, choice: _Choice, variants: Mapping[str, _Variant]
) -> list[dict[str, Any]]:
    """One entry per figure of the chosen test: key figures always, others when reported."""
    variant = choice.variant
    figures = variant.figures.get(choice.alternative, {})
    required = set(KEY_FIGURES[variant.family])
    if not any(v is not None for v in variant.effects.values()):
        required.discard("effect_size")
    contradicted = dict(reversed(reported.contradictions))  # the first one per figure
    entries = []
    for name in SHOWN_FIGURES[variant.family]:
        value = reported.get(name)
        outcome = choice.outcomes.get(name)
        if name not in required and (value is None or outcome is None):
            continue  # not a key figure and not reported, or not computed locally
        if name == "effect_size":
            local_value = _local_effect(variant, reported.effect_size_name)
        else:
            local_value = figures.get(name)
        entry = _entry(name, value, outcome, local_value)
        note = entry.get("note")
        if value is not None and entry["local"] is None and note is None:
            note = "the local report has no figure to compare with"
        if entry["status"] == "mismatch" and value is not None and note is None:
            note = _elsewhere(name, value, choice, variants)
        if name in contradicted:
            said = f"the narrative says {contradicted[name].shown}"
            note = f"{note}; {said}" if note else said
        if note:
            entry["note"] = note
        entries.append(entry)
    return entries


def _test_entry(choice: _Choice | None, notes: Sequence[str], local: _Local) -> dict[str, Any]:
    if choice is None:
        entry = {"name": "test", "reported": None, "local": local.recommended}
        return {**entry, "status": "not_reported", "note": "No test could be identified."}
    status = "match" if choice.variant.key == local.recommended else "mismatch"
    entry = {
        "name": "test",
        "reported": choice.variant.key,
        "local": local.recommended,
        "status": status,
    }
    if notes:
        entry["note"] = " ".join(notes)
    return entry


def _not_reported_entries(variants: Mapping[str, _Variant], local: _Local) -> list[dict[str, Any]]:
    """Nothing identifiable was reported: the recommended test's key figures, all missing."""
    variant = variants.get(local.recommended or "") or next(iter(variants.values()), None)
    if variant is None:
        return []
    figures = variant.figures.get(local.alternative) or variant.figures.get("two-sided", {})
    entries = []
    for name in KEY_FIGURES[variant.family]:
        value = _local_effect(variant, None) if name == "effect_size" else figures.get(name)
        if name == "effect_size" and not variant.effects:
            continue
        entries.append(_entry(name, None, None, value))
    return entries


def compare(reported: ReportedFigures, local: Mapping[str, Any] | Any) -> Verification:
    """The verdict: each reported figure against the local value of the test the assistant used.

    ``local`` is ``stats.check(...).to_dict()`` (or the ``LocalReport`` itself). See the module
    docstring for the shape of the result and the precision rules.
    """
    context = _Local.of(local)
    level = reported.ci_level or (1 - context.alpha)
    variants = _variants(context, level)
    reported, several = _pick_reported_test(reported, context)
    choice = _choose_variant(reported, variants, context)
    if choice is None and reported.test and reported.test not in variants and reported.family:
        choice = _unavailable_choice(reported)
    if choice is None:  # figures of no test the local report ran: checked as loose figures
        loose = replace(reported, others=(*reported.others, *reported.figures.values()))
        figures = [_test_entry(None, (), context), *_not_reported_entries(variants, context)]
        return Verification(None, figures, _unsupported(loose, context, variants))
    notes = _test_notes(reported, choice, variants, context)
    if several:
        notes.insert(0, several)
    figures = [
        _test_entry(choice, notes, context),
        *_figure_entries(reported, choice, variants),
    ]
    variant = choice.variant.key
    if choice.alternative != "two-sided":
        variant += f" (one-sided: {choice.alternative})"
    return Verification(variant, figures, _unsupported(reported, context, variants))


def _pick_reported_test(
    reported: ReportedFigures, local: _Local
) -> tuple[ReportedFigures, str | None]:
    """When the assistant gave figures for several tests without naming its answer, check
    those of the recommended test (the others are checked as figures of other tests)."""
    if reported.test is not None or not reported.by_test:
        return reported, None
    tests = list(reported.by_test)
    pick = local.recommended if local.recommended in reported.by_test else tests[0]
    figures = reported.by_test[pick]
    chosen = {id(v) for v in figures.values()}
    others = tuple(v for v in (*reported.others, *reported.figures.values()) if id(v) not in chosen)
    contradictions = tuple(
        (name, value)
        for name, value in reported.contradictions
        if name in figures and not _consistent(FigureBlock("text", {name: value}), figures)
    )
    names = ", ".join(TEST_NAMES[t] for t in tests if t in TEST_NAMES)
    note = f"The assistant gave figures for several tests ({names}); {TEST_NAMES[pick]} is checked."
    picked = replace(
        reported, figures=figures, test=pick, others=others, contradictions=contradictions
    )
    return picked, note


def _unavailable_choice(reported: ReportedFigures) -> _Choice:
    """A named test the local report cannot compute (a paired test of independent groups)."""
    key = reported.test or ""
    empty = _Variant(key, FAMILY[key], _same_for_all({}))
    outcomes = {
        name: _Outcome("mismatch", None, "no local figure for this test")
        for name in reported.figures
        if name in FIGURE_NAMES
    }
    return _Choice(empty, "two-sided", outcomes, True)


def split_variant(variant: str | None) -> tuple[str | None, str]:
    """``"welch_t (one-sided: less)"`` -> ``("welch_t", "less")``; plain keys are two-sided."""
    if not variant:
        return None, "two-sided"
    match = re.fullmatch(r"(\w+)(?: \(one-sided: (less|greater)\))?", variant.strip())
    if not match:
        return variant, "two-sided"
    return match.group(1), match.group(2) or "two-sided"


# --------------------------------------------------------------------------- unsupported


def _local_numbers(value: Any) -> list[float]:
    """Every number in the local report (nested), as magnitudes."""
    if isinstance(value, Mapping):
        return [x for item in value.values() for x in _local_numbers(item)]
    if isinstance(value, list | tuple):
        return [x for item in value for x in _local_numbers(item)]
    number = _f(value)
    return [abs(number)] if number is not None and math.isfinite(number) else []


def _derived_numbers(local: _Local, variants: Mapping[str, _Variant]) -> list[float]:
    """Figures an assistant often reports that the local report implies but does not list:
    each group's mean ± t·SEM (bounds and half-width), the standard error of a difference
    (d / t) and the pooled SD (difference / d)."""
    numbers = []
    for group in local.groups:
        n, mean, sem = _f(group.get("n")), _f(group.get("mean")), _f(group.get("sem"))
        if n and n > 1 and mean is not None and sem is not None:
            half = float(special.stdtrit(n - 1, 1 - local.alpha / 2)) * sem
            numbers += [abs(mean - half), abs(mean + half), half]
    for variant in variants.values():
        two = variant.figures.get("two-sided", {})
        t, md = two.get("statistic"), two.get("mean_difference")
        if variant.family == "t" and t and md is not None:
            numbers.append(abs(md / t))
        d = variant.effects.get("cohens_d")
        if md is not None and d:
            numbers.append(abs(md / d))
    return numbers


def _support_pool(
    reported: ReportedFigures, local: _Local, variants: Mapping[str, _Variant]
) -> tuple[list[float], list[float]]:
    """(numbers, p-values) that can support a figure in the narrative, as magnitudes."""
    numbers = _local_numbers(local.report) + _derived_numbers(local, variants)
    p_values = []
    for variant in variants.values():
        for figures in variant.figures.values():
            derived = [abs(v) for v in figures.values() if v is not None and math.isfinite(v)]
            numbers += derived
            if figures.get("p_value") is not None:
                p_values.append(figures["p_value"])
        for alternates in variant.p_alternates.values():
            p_values += [p for p, _ in alternates]
    numbers += [abs(x) for x in reported.code_numbers]
    p_values += [p for p in _local_p_values(local.report)] + [
        x for x in reported.code_numbers if 0 <= x <= 1
    ]
    return numbers, p_values


def _local_p_values(value: Any) -> list[float]:
    if isinstance(value, Mapping):
        found = [float(v) for k, v in value.items() if k == "p_value" and _f(v) is not None]
        return found + [p for k, v in value.items() if k != "p_value" for p in _local_p_values(v)]
    if isinstance(value, list | tuple):
        return [p for item in value for p in _local_p_values(item)]
    return []


def _is_plain_integer(value: ReportedValue) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+", value.text))


def _supported(value: ReportedValue, numbers: Sequence[float], p_values: Sequence[float]) -> bool:
    """Whether some supporting number agrees with ``value`` (in magnitude); both lists sorted."""
    if value.bound == "<":
        return bool(p_values) and value.agrees(p_values[0])
    if value.bound == ">":
        return bool(p_values) and value.agrees(p_values[-1])
    magnitude = replace(value, value=abs(value.value))
    if math.isinf(magnitude.value):
        return False
    reach = 2 * magnitude.tolerance(magnitude.value) + 1e-300  # agrees() is never wider
    low = bisect_left(numbers, magnitude.value - reach)
    high = bisect_right(numbers, magnitude.value + reach)
    return any(magnitude.agrees(x) for x in numbers[low:high])


def _unsupported(
    reported: ReportedFigures, local: _Local, variants: Mapping[str, _Variant]
) -> list[str]:
    """Narrative figures neither the code output nor the local report supports, in the order
    they appear: figures of the main test must agree with the figure checked (or the code
    output); any other labelled figure with some figure of the local report or code output."""
    numbers, p_values = _support_pool(reported, local, variants)
    numbers, p_values = sorted(numbers), sorted(p_values)
    code = sorted(abs(x) for x in reported.code_numbers)
    flagged: list[ReportedValue] = []
    for _, value in reported.contradictions:
        if value.bound != "=" or not _supported(value, code, ()):
            flagged.append(value)
    descriptive = {id(v) for v in reported.descriptives}
    for value in (*reported.others, *reported.descriptives):
        if id(value) in descriptive and _is_plain_integer(value):
            continue  # plain integers: sample sizes, years, counts
        if not _supported(value, numbers, p_values):
            flagged.append(value)
    flagged.sort(key=lambda v: v.position)
    return list(dict.fromkeys(v.describe() for v in flagged))


def verify_events(events: Iterable[Event], local: Mapping[str, Any] | Any) -> Verification:
    """``compare(read_figures(events), local)``: the verdict on one answer."""
    return compare(read_figures(events), local)
