"""Text -> readings: every figure and statement a reader would mark, with what it is about.

One pass over one source (the prose of an answer, or one code output):

1. normalise the text (:func:`~assistant_core.claims.written.normalise`, offsets kept) and
   split it into tokens and sentences;
2. find the group names, the tests named, the sidedness said and the tables;
3. read each number: the label before it (``t(18) =``, ``the p-value was``, ``a mean
   difference of roughly``), or after it (``18 degrees of freedom``), or the list it continues
   (``means of 5.1 and 4.2``), or its table cell's heading and row;
4. read the statements: conclusions (significant or not), directions (which group is higher),
   the pair said to differ, the tests named and the sidedness said;
5. group the test figures of each sentence into result blocks (one test's statistic, df, p,
   interval, effect size), each with the test named next to it.

Nothing here knows the local results: :mod:`assistant_core.claims.judge` does the judging.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from assistant_core.claims.code import calls
from assistant_core.claims.lexicon import CI_BOUND_HEADINGS as _CI_HEADINGS
from assistant_core.claims.lexicon import (
    FAMILY,
    NEGATED,
    SIDEDNESS,
    SYMBOL_FAMILY,
    TEST_NAMES,
    Label,
    label_of,
    not_a_label,
)
from assistant_core.claims.tables import Cell, find_cells
from assistant_core.claims.tokens import Token, sentences, tokenize
from assistant_core.claims.written import NUMBER, Mapped, Written, bound_of, normalise

__all__ = ["Block", "Mention", "Read", "Reading", "read"]

#: Kinds that belong to a test's result (grouped into blocks).
TEST_KINDS = frozenset(
    [
        "t",
        "F",
        "U",
        "W",
        "H",
        "chi2",
        "z",
        "r",
        "Q",
        "statistic",
        "df",
        "p_value",
        "ci_low",
        "ci_high",
        "ci_level",
        "mean_difference",
        "d",
        "g",
        "dz",
        "eta2",
        "omega2",
        "r_effect",
        "effect",
        "critical",
        "ss",
        "ms",
    ]
)
STAT_KINDS = frozenset(["t", "F", "U", "W", "H", "chi2", "z", "r", "Q", "statistic"])
GROUP_KINDS = frozenset(["n", "mean", "sd", "variance", "se", "median", "min", "max"])

#: Words between a label and its number that do not change what it says.
_FILLERS = frozenset(
    [
        "is",
        "was",
        "were",
        "are",
        "be",
        "been",
        "being",
        "of",
        "equals",
        "equal",
        "equaled",
        "equalled",
        "to",
        "the",
        "a",
        "an",
        "approximately",
        "approx",
        "about",
        "roughly",
        "around",
        "nearly",
        "almost",
        "just",
        "only",
        "exactly",
        "found",
        "obtained",
        "calculated",
        "computed",
        "resulting",
        "observed",
        "reported",
        "came",
        "comes",
        "come",
        "out",
        "turned",
        "turns",
        "at",
        "as",
        "here",
        "we",
        "get",
        "got",
        "gives",
        "gave",
        "giving",
        "yields",
        "yielded",
        "with",
        "its",
        "their",
        "corresponding",
        "associated",
        "so",
        "which",
        "that",
        "this",
        "our",
        "by",
        "value",
        "score",
        "result",
        "estimated",
        "estimate",
        "overall",
        "sample",
        "group",
        "groups",
        "condition",
        "respective",
        "given",
        "shown",
        "showing",
        "shows",
        "show",
        "stands",
        "stood",
        "amounts",
        "amounted",
        "becomes",
        "became",
        "has",
        "had",
        "have",
        "value(s)",
        "very",
        "extremely",
        "tiny",
        "small",
        "from",
        "table",
        "output",
        "analysis",
        "results",
        "model",
        "anova",
        "two",
        "both",
        "each",
        "samples",
        "three",
    ]
)
_RELATION_WORDS = {
    "less": "<",
    "below": "<",
    "under": "<",
    "smaller": "<",
    "lower": "<",
    "greater": ">",
    "above": ">",
    "over": ">",
    "more": ">",
    "exceeds": ">",
    "exceeding": ">",
    "exceeded": ">",
    "larger": ">",
    "higher": ">",
}
_LIST_JOINERS = frozenset({",", "and", "vs", "versus", "/", "or", "respectively", "to"})
_N_ADJECTIVES = frozenset(
    [
        "random",
        "randomly",
        "selected",
        "sampled",
        "different",
        "independent",
        "young",
        "old",
        "adult",
        "healthy",
        "male",
        "female",
        "new",
        "total",
        "more",
        "additional",
        "separate",
    ]
)
_POSTFIX_N = re.compile(
    r"(?i)^(?:participants?|subjects?|observations?|patients?|students?|people|persons?|values?"
    r"|runners?|workers?|employees?|customers?|athletes?|women|men|boys|girls|seeds?|screws?"
    r"|specimens?|pigs?|cows?|dogs?|birds?|fish|trials?|readings?|scores?|records?"
    r"|samples?|cases?|measurements?|animals?|plants?|rats?|mice|individuals?|respondents?"
    r"|children|adults|men|women|pairs?|volunteers?|items?|units?|cars?|trees?|per)$"
)


@dataclass(frozen=True)
class Mention:
    """A test named in the text (``test`` None for a bare family such as "t-test")."""

    start: int
    end: int
    test: str | None
    family: str
    negated: bool
    sentence: int = -1


@dataclass
class Reading:
    """One figure or statement read from the text (normalised offsets)."""

    kind: str
    start: int
    end: int
    sentence: int
    written: Written | None = None
    label: str = ""
    role: str | None = None  # df1/df2, between/within/total, low/high, first/second
    group: int | None = None
    pair: tuple[int, int] | None = None
    level: float | None = None  # a confidence interval's level (0.95)
    of: str | None = None  # what an interval or a critical value is of: mean_difference, d, ...
    test: str | None = None  # the test the label names
    polarity: bool | None = None  # conclusion / pair: significant?
    higher: tuple[int, int] | None = None  # direction: (higher group, lower group)
    sided: str | None = None  # sidedness said: one-sided / two-sided / less / greater
    block: int | None = None
    in_table: bool = False
    hypothetical: bool = False

    @property
    def shown(self) -> str:
        return self.written.shown if self.written else ""


@dataclass
class Block:
    """One test's result as written in one sentence (or one table row)."""

    index: int
    sentence: int
    start: int
    readings: list[int] = field(default_factory=list)
    family: str | None = None
    test: str | None = None
    sided: str | None = None  # stated next to it: two-sided, one-sided, less, greater


@dataclass
class Read:
    """What one source says: readings in order, blocks, named tests, stated settings."""

    source: str
    mapped: Mapped
    readings: list[Reading]
    blocks: list[Block]
    mentions: list[Mention]
    sided: str | None  # sidedness said once for the whole text (None: not said, or mixed)
    alpha: float | None  # alpha said in the text
    other_numbers: int  # numbers read as no figure (data, years, list numbers)
    stated: frozenset[str] = frozenset()  # every sidedness the text says somewhere

    def span(self, reading: Reading) -> tuple[int, int]:
        return self.mapped.span(reading.start, reading.end)


# --------------------------------------------------------------------------- groups


@dataclass(frozen=True)
class _GroupMention:
    start: int
    end: int
    group: int


_GROUP_VERBS = frozenset(
    [
        "had",
        "has",
        "have",
        "was",
        "were",
        "is",
        "are",
        "showed",
        "shows",
        "scored",
        "score",
        "averaged",
        "group",
        "mean",
        "median",
        "values",
        "participants",
        "patients",
        "subjects",
        "performed",
        "recovered",
        "took",
        "needed",
        "reported",
        "displayed",
        "exhibited",
        "demonstrated",
    ]
)


def _aliases(names: Sequence[str]) -> list[list[str]]:
    """Each group's names as a reader may write them: the whole name, and the words that
    tell it apart from the others ("A" for "Treatment A" beside "Treatment B")."""
    words = [set(re.findall(r"\w+", name.lower())) for name in names]
    common = set.intersection(*words) if words else set()
    out = []
    for name, _own in zip(names, words, strict=True):
        aliases = [name.strip()]
        if re.fullmatch(r"\w+_\w+", name.strip()):
            aliases.append(name.strip().replace("_", " "))  # group_a, written "Group A"
        distinct = [w for w in re.findall(r"\w+", name) if w.lower() not in common]
        if len(distinct) == 1 and distinct[0].lower() != name.strip().lower():
            clash = sum(distinct[0].lower() in other for other in words)
            if clash == 1:
                aliases.append(distinct[0])
        out.append([a for a in aliases if a])
    return out


@lru_cache(maxsize=64)
def _alias_patterns(names: tuple[str, ...]) -> tuple[tuple[int, re.Pattern[str], bool], ...]:
    """Each group's aliases as compiled patterns: (group index, pattern, short alias)."""
    out = []
    for index, aliases in enumerate(_aliases(names)):
        for alias in aliases:
            short = len(alias) <= 2
            flags = 0 if short else re.I
            if NUMBER.fullmatch(alias):
                # a group called "2" is group 2 only where a word says so ("dose 2", "group 2")
                pattern = re.compile(
                    rf"(?i)\b(?:group|dose|level|condition|sample|arm)\s*="
                    rf"?\s*{re.escape(alias)}(?![\w.])"
                )
            else:
                pattern = re.compile(
                    rf"(?<![\w-]){re.escape(alias)}(?![\w-]|'(?:s\s+)?[a-rt-z])", flags
                )
            out.append((index, pattern, short))
    return tuple(out)


def _group_mentions(text: str, names: Sequence[str]) -> list[_GroupMention]:
    """Where the groups are named in a text. Short texts (a table's headings and row labels,
    read again for each cell) are remembered; a whole answer is read afresh."""
    if len(text) <= 200:
        return list(_group_mentions_of(text, tuple(names)))
    return list(_group_mentions_of.__wrapped__(text, tuple(names)))


@lru_cache(maxsize=4096)
def _group_mentions_of(text: str, names: tuple[str, ...]) -> tuple[_GroupMention, ...]:
    found: list[tuple[int, int, int]] = []
    for index, pattern, short in _alias_patterns(names):
        for match in pattern.finditer(text):
            if short and _is_article(text, match):
                continue
            found.append((match.start(), match.end(), index))
    numbered = {}
    for index, name in enumerate(names):
        digits = re.findall(r"\d+", name)
        if len(digits) == 1:
            numbered.setdefault(int(digits[0]), index)
    for match in re.finditer(r"(?i)\b(?:group|sample|condition|treatment|arm)\s*([1-9])\b", text):
        number = int(match.group(1))
        index = numbered.get(number, number - 1) if len(numbered) == len(names) else number - 1
        if index < len(names) and not any(a <= match.start() < b for a, b, _ in found):
            found.append((match.start(), match.end(), index))
    for match in re.finditer(r"(?i)\b(first|second|third)\s+(?:group|sample|condition)\b", text):
        index = ("first", "second", "third").index(match.group(1).lower())
        if index < len(names):
            found.append((match.start(), match.end(), index))
    found.sort(key=lambda item: (item[0], item[0] - item[1]))
    kept: list[_GroupMention] = []
    end = -1
    for start, stop, index in found:
        if start >= end:
            kept.append(_GroupMention(start, stop, index))
            end = stop
    return tuple(kept)


def _is_article(text: str, match: re.Match[str]) -> bool:
    """ "A" at the start of a sentence before a lower-case word is the article, not group A."""
    if match.group(0) not in ("A", "I", "a"):
        return False
    before = text[: match.start()].rstrip(" *_#>-•")
    after = re.match(r"\s+([a-z][\w'-]*)", text[match.end() :])
    if not after:
        return False
    if after.group(1) in _GROUP_VERBS:
        return False
    return not before or before[-1] in ".!?:\n(" or before.endswith(("\n", "|"))


# --------------------------------------------------------------------------- tests named


def _mentions(text: str, sentence_of: callable) -> list[Mention]:  # type: ignore[valid-type]
    found = [
        (m.start(), m.end(), key, family)
        for pattern, key, family in TEST_NAMES
        for m in pattern.finditer(text)
    ]
    found.sort(key=lambda item: (item[0], item[0] - item[1]))
    kept: list[Mention] = []
    end = -1
    for start, stop, key, family in found:
        if start < end:
            continue
        negated = bool(NEGATED.search(text[max(0, start - 40) : start]))
        kept.append(Mention(start, stop, key, family, negated, sentence_of(start)))
        end = stop
    return kept


def _sidedness(text: str) -> list[tuple[int, int, str]]:
    out = []
    for pattern, fixed in SIDEDNESS:
        for match in pattern.finditer(text):
            if NEGATED.search(text[max(0, match.start() - 40) : match.start()]) and not fixed:
                continue
            word = (fixed or match.group(1)).lower()
            value = {
                "less than": "less",
                "greater than": "greater",
                "not equal": "two-sided",
                "two.sided": "two-sided",
                "two_sided": "two-sided",
            }.get(word, word)
            if value.startswith("two"):
                value = "two-sided"
            out.append((match.start(), match.end(), value))
    out.sort()
    return out


# --------------------------------------------------------------------------- the reader


class _Reader:
    def __init__(self, text: str, source: str, names: Sequence[str], code: str = "") -> None:
        self.source = source
        self.code = code
        self.mapped = normalise(text)
        self.mapped.sub(re.compile(r"(?i)\bs\.d\.(?=\s|$|[,;)])"), "SD ")
        self.mapped.sub(re.compile(r"(?i)\bd\.f\.(?=\s|$|[,;)=])"), "df ")
        self.mapped.sub(re.compile(r"(?i)\bs\.e\.(?:m\.)?(?=\s|$|[,;)])"), "SE ")
        self.mapped.sub(re.compile(r"(?i)\bC\.I\.(?=\s|$|[,;:)\[])"), "CI ")
        self.mapped.sub(re.compile(r"\+/-|\+-(?=\s|\d)"), "±")
        self.mapped.sub(re.compile(r"(?<=[A-Za-z])\^2(?![\d.])|(?<=[A-Za-z]\d)\^2(?![\d.])"), "²")
        self.text = self.mapped.text
        self.names = list(names)
        self.tokens = tokenize(self.text)
        self.starts = [t.start for t in self.tokens]
        output = source == "output"
        self.fenced = self._fenced_spans() if not output else [(0, len(self.text))]
        self.sentence = sentences(self.text, self.tokens, self.fenced)
        self.groups = _group_mentions(self.text, names)
        self.group_starts = [g.start for g in self.groups]
        self.mentions = _mentions(self.text, self._sentence_at)
        self.sides = _sidedness(self.text)
        self.readings: list[Reading] = []
        self.consumed: set[int] = set()
        self._levels: set[int] = set()
        self._table_spans: list[tuple[int, int]] = []

    # -- positions

    def _token_at(self, offset: int) -> int:
        return bisect_left(self.starts, offset)

    def _sentence_at(self, offset: int) -> int:
        if not self.tokens:
            return 0
        i = min(self._token_at(offset), len(self.tokens) - 1)
        return self.sentence[i]

    def _sentence_span(self, sentence: int) -> tuple[int, int]:
        first = bisect_left(self.sentence, sentence)
        last = bisect_left(self.sentence, sentence + 1) - 1
        if first >= len(self.tokens) or last < first:
            return 0, 0
        return self.tokens[first].start, self.tokens[last].end

    def _fenced_spans(self) -> list[tuple[int, int]]:
        spans = []
        for match in re.finditer(r"(?ms)^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", self.text):
            spans.append((match.start(1), match.end(1)))
        return spans

    # -- groups near a place

    def _groups_between(self, start: int, end: int) -> list[_GroupMention]:
        low = bisect_left(self.group_starts, start)
        high = bisect_left(self.group_starts, end)
        return self.groups[low:high]

    def _group_before(self, offset: int, limit: int) -> int | None:
        found = self._groups_between(limit, offset)
        return found[-1].group if found else None

    # -- the pass

    def run(self) -> Read:
        self._identifiers()
        self._tables()
        self._doctest()
        self._stat_parentheses()
        self._intervals()
        self._substitutions()
        self._numbers()
        self._respectively()
        self._sticky_groups()
        self._pair_scopes()
        self._effect_intervals()
        self._counts_in_words()
        self.readings = [r for r in self.readings if not self._assumed(r)]
        self.readings = [r for r in self.readings if not self._threshold(r)]
        self._statements()
        self.readings.sort(key=lambda r: (r.start, r.end))
        alpha = next(
            (
                r.written.value
                for r in self.readings
                if r.kind == "alpha" and r.written and 0 < r.written.value < 0.5
            ),
            None,
        )
        self.readings = [r for r in self.readings if r.kind != "alpha"]
        blocks = self._blocks()
        stated = {value for s_, _, value in self.sides if not self._hypothetical_at(s_)}
        sided = None
        if len(stated) == 1:
            sided = stated.pop()
        elif stated == {"one-sided", "less"} or stated == {"one-sided", "greater"}:
            sided = (stated - {"one-sided"}).pop()
        numbers = sum(1 for i, t in enumerate(self.tokens) if t.kind == "num")
        read_numbers = len(self.consumed)
        said = frozenset(v for s_, _, v in self.sides if not self._hypothetical_at(s_))
        return Read(
            self.source,
            self.mapped,
            self.readings,
            blocks,
            self.mentions,
            sided,
            alpha,
            max(0, numbers - read_numbers),
            said,
        )

    def _identifiers(self) -> None:
        """Numbers that name things, not figures: "group 2", "Table 3", "1)" starting an item,
        R's "[1]", the number inside a group's name."""
        tokens = self.tokens
        for match in re.finditer(r"(?m)^\s*(?:#+>?\s*)?Signif\. codes:.*$", self.text):
            for i in range(self._token_at(match.start()), self._token_at(match.end())):
                self.consumed.add(i)
        for mention in self.groups:
            for i in range(self._token_at(mention.start), len(tokens)):
                if tokens[i].start >= mention.end:
                    break
                if tokens[i].kind == "num":
                    self.consumed.add(i)
        for i, token in enumerate(tokens):
            if token.kind != "num":
                continue
            before = tokens[i - 1] if i else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            after2 = tokens[i + 2] if i + 2 < len(tokens) else None
            if (
                after is not None
                and after.kind == "word"
                and _GROUP_COUNT.fullmatch(after.text)
                and not (after2 is not None and after2.lower == "of")
            ):
                self._add("n", i, label="number of groups", role="groups")
                continue
            if (
                after is not None
                and after.lower in ("values", "value")
                and re.search(r"(?i)outlier", self.text[max(0, token.start - 120) : token.start])
            ):
                self.consumed.add(i)  # a count of outliers
                continue
            if (
                before is not None
                and before.kind == "word"
                and _IDENTIFIER_WORDS.match(before.text)
                and before.end + 1 >= token.start
            ):
                self.consumed.add(i)
                continue
            line_start = self.text.rfind("\n", 0, token.start) + 1
            lead = self.text[line_start : token.start]
            if (
                not lead.strip(" #>*-")
                and after is not None
                and after.text in (")", ".", ":")
                and (
                    token.number is not None
                    and token.number.value.is_integer()
                    and 0 < token.number.value < 100
                    and "." not in token.text
                    and (after.text != ":" or self.source == "text")
                )
            ):
                nxt = tokens[i + 2] if i + 2 < len(tokens) else None
                if after.text != "." or nxt is None or nxt.kind != "num":
                    self.consumed.add(i)
                    continue
            if (
                before is not None
                and before.text == "["
                and after is not None
                and (after.text == "]")
                and not lead.replace("[", "").strip(" #>")
            ):
                self.consumed.add(i)

    # -- adding readings

    def _add(self, kind: str, token: int | None, **fields: object) -> Reading:
        if token is not None:
            tok = self.tokens[token]
            self.consumed.add(token)
            start, end = tok.start, tok.end
            fields.setdefault("written", tok.number)
        else:
            start, end = fields.pop("start"), fields.pop("end")  # type: ignore[assignment]
        reading = Reading(kind, start, end, self._sentence_at(start), **fields)  # type: ignore[arg-type]
        self.readings.append(reading)
        return reading

    # -- tables

    def _tables(self) -> None:
        cells, self._table_spans = find_cells(self.text, aligned=True)
        self._table_heading_numbers(cells)
        rows: dict[int, list[Cell]] = {}
        for cell in cells:
            rows.setdefault(cell.row, []).append(cell)
        for row in rows.values():
            self._table_row(row)

    def _table_heading_numbers(self, cells: list[Cell]) -> None:
        """Numbers in a table's heading line ("25%", "CI95%") are not figures."""
        for cell in cells:
            if cell.heading_span is None:
                continue
            line_start = self.text.rfind("\n", 0, cell.heading_span[0]) + 1
            line_end = self.text.find("\n", cell.heading_span[1])
            line_end = len(self.text) if line_end < 0 else line_end
            for i in range(self._token_at(line_start), self._token_at(line_end)):
                if self.tokens[i].kind == "num":
                    self.consumed.add(i)

    def _table_row(self, row: list[Cell]) -> None:
        label_row = row[0].row_label
        row_label = label_of(label_row) if label_row else None
        row_groups = [g.group for g in _group_mentions(label_row, self.names)] if label_row else []
        if not row_groups:
            for _, text in row[0].texts:
                row_groups += [
                    g.group
                    for g in _group_mentions(text, self.names)
                    if g.end - g.start == len(text)
                ]
        row_test = _test_in(label_row)
        anova = any(
            (lab := label_of(c.heading)) is not None and lab.kind in ("ss", "ms", "F") for c in row
        )
        sided = None
        for heading, value in row[0].texts:
            if heading.lower().startswith("alternative") or value.lower() in (
                "two-sided",
                "less",
                "greater",
                "one-sided",
            ):
                sided = {"two.sided": "two-sided"}.get(value.lower(), value.lower())
        for cell in row:
            heading = cell.heading.strip()
            head = label_of(heading) if heading else None
            head_groups = [g.group for g in _group_mentions(heading, self.names)]
            bound = _CI_HEADINGS.get(heading.lower())
            label = head if head is not None and head.kind not in ("statistic",) else None
            if label is None and row_label is not None:
                label = row_label
            if label is None and head is not None:
                label = head
            kind = label.kind if label else None
            if bound:
                kind = "ci_low" if bound == "low" else "ci_high"
            if kind is None:
                continue
            group = (
                head_groups[0] if head_groups else (row_groups[0] if len(row_groups) == 1 else None)
            )
            if label is not None and label.role in ("first", "second") and group is None:
                group = 0 if label.role == "first" else 1
            pair = (row_groups[0], row_groups[1]) if len(row_groups) == 2 else None
            if pair is None and "-" in label_row and not row_groups:
                pair = self._dash_pair(label_row)
            if pair is None:
                pair = self._dash_pair(label_row) if len(row_groups) == 2 else pair
            role = label.role if label else None
            if kind == "ci" and not bound:
                # an interval is of the effect size in the column just before it
                left = [c for c in row if c.start < cell.start]
                effects = [
                    lab.kind
                    for c in left[-1:]
                    if (lab := label_of(c.heading)) is not None
                    and lab.kind in ("d", "g", "dz", "eta2", "omega2", "r_effect")
                ]
                self._cell_interval(
                    cell, group=group, pair=pair, test=row_test, of=effects[0] if effects else None
                )
                continue
            if pair is not None and kind in ("statistic", "estimate"):
                kind = "pair_difference"
            if kind == "mean_difference" and heading.lower() == "estimate":
                said = " ".join([label_row, *(t for _, t in row[0].texts)]).lower()
                if "hedges" in said:
                    kind = "g"
                elif "cohen" in said:
                    kind = "d"
            if anova and kind in ("ss", "ms", "df", "F", "p_value"):
                role = role or _anova_role(label_row)
                if kind == "df":
                    role = {"between": "df1", "within": "df2", "total": "total"}.get(
                        role or "", role
                    )
            test = row_test or (label.test if label else None) or _test_in(heading)
            self._cell(
                cell,
                kind,
                label_text=heading or label_row,
                role=role,
                group=group,
                pair=pair,
                test=test,
                sided=sided,
            )

    def _cell_interval(self, cell: Cell, **fields: object) -> None:
        """An interval cell ``[-16.17, -8.37]`` under a heading such as ``CI95%``."""
        numbers = [
            i
            for i in range(self._token_at(cell.start), len(self.tokens))
            if self.tokens[i].start < cell.end and self.tokens[i].kind == "num"
        ]
        if len(numbers) != 2:
            return
        level = _level(cell.heading) or (0.95 if "95" in cell.heading else None)
        if level is not None and cell.heading_span is not None and cell.row not in self._levels:
            self._levels.add(cell.row)
            a, b = cell.heading_span
            digits = re.search(r"\d\d(?:\.\d+)?\s*%?", self.text[a:b])
            if digits:
                self._add(
                    "ci_level",
                    None,
                    start=a + digits.start(),
                    end=a + digits.end(),
                    written=_written(digits.group(0).rstrip("% ")),
                    label=cell.heading,
                    level=level,
                )
        for index, kind in zip(numbers, ("ci_low", "ci_high"), strict=True):
            self._add(
                kind,
                index,
                label=cell.heading,
                in_table=True,
                level=level,
                **{k: v for k, v in fields.items() if k in ("group", "pair", "test", "of")},
            )

    def _dash_pair(self, label: str) -> tuple[int, int] | None:
        """``B-A`` (R's TukeyHSD rows) -> (B, A); ``(0 - 1)`` (scipy's) -> groups 0 and 1."""
        numbers = re.fullmatch(r"\s*[#>]*\s*\(?\s*(\d+)\s*-\s*(\d+)\s*\)?\s*", label)
        if numbers and len(self.names) > 2:
            a, b = int(numbers.group(1)), int(numbers.group(2))
            names_numbered = [re.findall(r"\d+", n) for n in self.names]
            if all(len(d) == 1 for d in names_numbered):
                lookup = {int(d[0]): i for i, d in enumerate(names_numbered)}
                if a in lookup and b in lookup:
                    return lookup[a], lookup[b]
            # scipy numbers the groups from 0: one "(0 - 1)" row, or saying so, tells
            base = (
                0 if re.search(r"\(\s*0\s*-\s*\d|\d\s*-\s*0\s*\)|numbered from 0", self.text) else 1
            )
            if a - base < len(self.names) and b - base < len(self.names):
                return a - base, b - base
        for sep in ("-", "–", " vs ", " vs. ", "/"):
            if sep in label:
                left, _, right = label.partition(sep)
                a = [g.group for g in _group_mentions(left.strip(), self.names)]
                b = [g.group for g in _group_mentions(right.strip(), self.names)]
                if len(a) == 1 and len(b) == 1 and a[0] != b[0]:
                    return a[0], b[0]
        return None

    def _cell(self, cell: Cell, kind: str, label_text: str, **fields: object) -> None:
        first = self._token_at(cell.start)
        numbers = []
        for i in range(first, len(self.tokens)):
            if self.tokens[i].start >= cell.end:
                break
            if self.tokens[i].kind == "num":
                numbers.append(i)
        if not numbers:
            return
        text = self.text[cell.start : cell.end]
        op = re.match(r"\s*([<>≤≥])", text)
        written = self.tokens[numbers[0]].number
        if written is not None and op:
            written = written.with_bound(bound_of(op.group(1)))
        pair = fields.get("pair")
        if pair is not None:
            kind = {"mean_difference": "pair_difference", "p_value": "pair_p"}.get(kind, kind)
        if len(numbers) == 2 and text.strip().startswith(("[", "(")):
            for index, role_kind in zip(numbers, ("ci_low", "ci_high"), strict=True):
                self._add(
                    role_kind,
                    index,
                    label=label_text,
                    in_table=True,
                    level=_level(label_text),
                    **{k: v for k, v in fields.items() if k in ("group", "pair", "test")},
                )
            return
        self._add(kind, numbers[0], written=written, label=label_text, in_table=True, **fields)
        if len(numbers) == 2:  # "5.15 (0.91)" or "5.15 ± 0.91": a mean and its spread
            spread = "se" if re.search(r"(?i)\bse|sem|standard error", label_text) else "sd"
            self._add(
                spread, numbers[1], label=label_text, in_table=True, group=fields.get("group")
            )
        for extra in numbers[2:]:
            self.consumed.add(extra)

    # -- what code printed: ">>> print(p)" then "0.111" (doctests, REPL sessions, cells)

    def _doctest(self) -> None:
        """Numbers printed by a line of code get their label from it: ``>>> p`` then
        ``0.0024`` is a p; ``>>> [np.var(x, ddof=1) for x in [a, b, c]]`` lists variances."""
        lines = list(re.finditer(r"(?m)^[ \t]*(>>>|\.\.\.|>(?=\s))[ \t]?(.*)$", self.text))
        if not lines:
            # a notebook's cells pasted with their output: "print(p)" then "0.0786"; in
            # prose, only R's printed form: "var(A)" then "[1] 106.0909"
            printed = (
                r"\s*\n?\s*(?:\[1\]\s*)?-?\d"
                if self.source == "output"
                else r"[ \t]*\n[ \t]*\[1\][ \t]*-?\d"
            )
            lines = [
                m
                for m in re.finditer(
                    r"(?m)^[ \t]*()((?:print\()?[A-Za-z_][\w.]*"
                    r"(?:\([^\n]*\))?\)?)[ \t]*$",
                    self.text,
                )
                if re.match(printed, self.text[m.end() : m.end() + 40])
            ]
            lines = [m for m in lines if not NUMBER.fullmatch(m.group(2).strip())]
        if not lines:
            if self.code:
                self._printed_by(self.code, 0, len(self.text))
            return
        variables: dict[str, str | None] = {}
        for index, match in enumerate(lines):
            if match.group(1) == "...":
                continue
            expression = match.group(2)
            previous = self.text[lines[index - 1].end() if index else 0 : match.start()]
            for assigned in re.finditer(r"(?m)^\s*([A-Za-z_][\w\s,]*?)\s*=(?!=)\s*(.+)$", previous):
                test = next((c.test for c in calls(assigned.group(2)) if c.test), None)
                for name in re.findall(r"\w+", assigned.group(1)):
                    variables[name] = test
            for assigned in re.finditer(r"^\s*([\w\s,()]+?)\s*=(?!=)\s*(.+)$", expression):
                test = next((c.test for c in calls(assigned.group(2)) if c.test), None)
                for name in re.findall(r"\w+", assigned.group(1)):
                    variables[name] = test
            start = match.end() + 1
            following = lines[index + 1].start() if index + 1 < len(lines) else len(self.text)
            end = following
            blank = self.text.find("\n\n", start, end)
            if blank >= 0:
                end = blank
            if start >= end:
                continue
            self._label_printed(expression, start, end, variables)

    def _label_printed(
        self, expression: str, start: int, end: int, variables: dict[str, str | None]
    ) -> None:
        found = _printed_label(expression, self.names)
        if found is None:
            return
        kind, groups, test = found
        if test is None:
            name = re.sub(r"^print\(|\)$", "", expression.strip())
            test = variables.get(name.split(".")[0])
        numbers = [
            i
            for i in range(self._token_at(start), len(self.tokens))
            if self.tokens[i].start < end
            and self.tokens[i].kind == "num"
            and i not in self.consumed
        ]
        if not numbers:
            return
        if groups and len(numbers) == len(groups):
            for i, group in zip(numbers, groups, strict=True):
                self._add(kind, i, label=expression.strip(), group=group, test=test)
            return
        if len(numbers) == 1:
            group = groups[0] if len(groups) == 1 else None
            self._add(kind, numbers[0], label=expression.strip(), group=group, test=test)

    def _printed_by(self, code: str, start: int, end: int) -> None:
        """A code cell's bare prints, matched in order with its output's lines."""
        prints = re.findall(r"(?m)^[ \t]*print\((.*)\)\s*$", code)
        lines = [m for m in re.finditer(r"(?m)^.*\S.*$", self.text[start:end])]
        if not prints or len(prints) != len(lines):
            return
        for expression, line in zip(prints, lines, strict=True):
            if re.match(r"\s*f?['\"]", expression) or "," in expression:
                continue
            self._label_printed(expression, start + line.start(), start + line.end(), {})

    # -- t(18), F(2, 27), χ²(2, N = 30)

    def _stat_parentheses(self) -> None:
        tokens = self.tokens
        for i, token in enumerate(tokens):
            if token.kind != "word":
                continue
            sub = re.fullmatch(r"(t|F|χ²|H|r|z|Q|U|W)_(\d+(?:\.\d+)?)", token.text)
            if sub and sub.group(1) == "H" and sub.group(2) in ("0", "1"):
                continue  # H_0, H_1: hypotheses
            label = label_of(token.text) if not sub else label_of(sub.group(1))
            if label is None or label.kind not in STAT_KINDS | {"critical"}:
                continue
            if sub:
                df_text = sub.group(2)
                start = token.start + len(sub.group(1)) + 1
                written = _written(df_text)
                if written is not None:
                    self._add(
                        "df",
                        None,
                        start=start,
                        end=token.end,
                        written=written,
                        label="df",
                        role="df" if label.kind != "F" else "df1",
                    )
                continue
            if i + 1 >= len(tokens) or tokens[i + 1].text != "(":
                continue
            close = _closing(tokens, i + 1)
            if close is None or close - i > 14:
                continue
            after = close + 1
            while (after < len(tokens) and tokens[after].text in (":", "=")) or (
                after < len(tokens) and tokens[after].kind == "rel"
            ):
                after += 1
            if after >= len(tokens) or tokens[after].kind != "num":
                continue
            inner = list(range(i + 2, close))
            nums = [j for j in inner if tokens[j].kind == "num"]
            n_index = next(
                (
                    j
                    for j in nums
                    if j >= 2 and tokens[j - 1].kind == "rel" and tokens[j - 2].text in ("N", "n")
                ),
                None,
            )
            dfs = [j for j in nums if j != n_index]
            if not dfs or len(dfs) > 2:
                continue
            roles = ["df1", "df2"] if len(dfs) == 2 else ["df"]
            for j, role in zip(dfs, roles, strict=True):
                self._add("df", j, label="df", role=role)
            if n_index is not None:
                self._add("n", n_index, label="N", role="total")

    # -- confidence intervals

    def _intervals(self) -> None:
        tokens = self.tokens
        for i, token in enumerate(tokens):
            if token.kind != "word":
                continue
            word = token.lower
            if word in ("ci", "ci95", "interval") or (
                word == "confidence" and i + 1 < len(tokens) and tokens[i + 1].lower == "interval"
            ):
                self._interval_from(i)
        # bare intervals right after a figure: "d = 3.0 [1.2, 4.8]", "-12.27 (-16.17, -8.37)"
        for i in range(len(tokens) - 4):
            if tokens[i].text not in "[(" or i in self.consumed:
                continue
            a, sep, b = i + 1, i + 2, i + 3
            if not (
                tokens[a].kind == "num"
                and tokens[b].kind == "num"
                and tokens[sep].text in (",", ";")
                and i + 4 < len(tokens)
                and tokens[i + 4].text in "])"
            ):
                continue
            if a in self.consumed or b in self.consumed:
                continue
            previous = i - 1
            if previous < 0 or tokens[previous].kind != "num":
                continue
            self._pending_bare.append((previous, a, b))

    _pending_bare: list[tuple[int, int, int]]

    def _interval_from(self, i: int) -> None:
        tokens = self.tokens
        if any(a <= tokens[i].start < b for a, b in self._table_spans):
            return  # a column heading ("Lower CI"): its cells were read with the table
        level = None
        level_token = None
        # "95% CI", "95 % confidence interval", "95 percent confidence interval"
        back = i - 1
        if (back >= 0 and tokens[back].text == "%") or (
            back >= 0 and tokens[back].lower == "percent"
        ):
            back -= 1
        if (
            back >= 0
            and tokens[back].kind == "num"
            and back != i - 1
            and 50 <= (tokens[back].number.value if tokens[back].number else 0) < 100
        ):
            level_token = back
        j = i + 1
        if tokens[i].lower == "confidence":
            j += 1
        if j < len(tokens) and tokens[j].text == "%" and tokens[i].lower == "ci95":
            j += 1
            level = 0.95
        # "CI (95%)", "CI95%"
        if (
            j + 2 < len(tokens)
            and tokens[j].text == "("
            and tokens[j + 1].kind == "num"
            and (tokens[j + 2].text == "%")
        ):
            level_token = j + 1
            j = (_closing(tokens, j) or j + 2) + 1
        of: str | None = None
        group: int | None = None
        steps = 0
        while j < len(tokens) and steps < 12:
            tok = tokens[j]
            if tok.kind == "num":
                break
            if (
                tok.kind == "nl"
                and self.source != "output"
                and steps > 0
                and (tokens[j - 1].text != ":")
            ):
                return
            low = tok.lower
            if low in ("difference", "diff", "mean", "means"):
                of = of or "mean_difference"
            elif low in ("d", "g", "effect", "dz"):
                of = {"d": "d", "g": "g", "dz": "dz"}.get(low, "effect")
            groups = self._groups_between(tok.start, tok.end)
            if groups and of is None:
                group = groups[0].group
            if (
                tok.kind == "word"
                and low not in _CI_WORDS
                and not groups
                and low not in ("difference", "diff", "mean", "means", "d", "g", "effect", "dz")
            ) and steps > 5:
                return
            j += 1
            steps += 1
        else:
            return
        if j + 1 >= len(tokens):
            return
        first = j
        second = j + 1
        if tokens[second].kind != "num" or tokens[second].text[0] not in "-+":
            sep = tokens[second].text.lower() if second < len(tokens) else ""
            if sep not in (",", ";", "to", "–", "—", "-", "and", ".", "…"):
                if tokens[second].kind != "num":
                    return
            else:
                second = j + 2
                if (
                    tokens[second - 1].text == "."
                    and second < len(tokens)
                    and tokens[second].text == "."
                ):
                    second += 1
        elif (
            tokens[second].start != tokens[first].end
            and self.source != "output"
            and (tokens[second].start - tokens[first].end > 1)
        ):
            return
        if second >= len(tokens) or tokens[second].kind != "num":
            return
        if first in self.consumed or second in self.consumed:
            return
        written_high = tokens[second].number
        if (
            tokens[second].start == tokens[first].end
            and written_high is not None
            and tokens[second].text.startswith("-")
        ):
            written_high = written_high.negated()  # 8.37-16.17: a range, not a minus sign
        if level_token is not None and tokens[level_token].number is not None:
            level = tokens[level_token].number.value / 100
            self._add(
                "ci_level",
                None,
                start=tokens[level_token].start,
                end=tokens[level_token + 1].end
                if level_token + 1 < len(tokens)
                else tokens[level_token].end,
                written=tokens[level_token].number,
                label="CI level",
                level=level,
                of=of,
                group=group,
            )
            self.consumed.add(level_token)
        label = self.text[tokens[i].start : tokens[i].end]
        self._add("ci_low", first, label=label, level=level, of=of, group=group)
        self._add(
            "ci_high", second, written=written_high, label=label, level=level, of=of, group=group
        )

    # -- numbers by their labels

    def _numbers(self) -> None:
        tokens = self.tokens
        previous: Reading | None = None
        by_token: dict[int, Reading] = {}
        for r in self.readings:
            i = self._token_at(r.start)
            if i < len(tokens) and tokens[i].start == r.start:
                by_token[i] = r
        for i, token in enumerate(tokens):
            if token.kind != "num":
                continue
            if i in self.consumed:
                previous = by_token.get(i, previous)
                continue
            reading = (
                self._in_units(i)
                or self._labelled(i)
                or self._chain(i)
                or self._postfix(i)
                or self._continued(i, previous)
            )
            if reading is None:
                reading = self._spread(i, previous)
            if reading is not None:
                by_token[i] = reading
                previous = reading
        for previous_index, a, b in getattr(self, "_pending_bare", []):
            prior = by_token.get(previous_index)
            if prior is None or a in self.consumed or b in self.consumed:
                continue
            of = (
                prior.kind
                if prior.kind
                in ("mean_difference", "d", "g", "dz", "mean", "pair_difference", "eta2", "omega2")
                else None
            )
            if of is None:
                continue
            self._add("ci_low", a, label="interval", of=of, group=prior.group, pair=prior.pair)
            self._add("ci_high", b, label="interval", of=of, group=prior.group, pair=prior.pair)

    def _assumed(self, reading: Reading) -> bool:
        """A value assumed, not found: "Assuming moderate correlation r ≈ 0.5"."""
        if reading.written is None or reading.kind in (
            "n",
            "df",
            "conclusion",
            "test",
            "sidedness",
        ):
            return False
        line_start = self.text.rfind("\n", 0, reading.start) + 1
        before = self.text[max(line_start, reading.start - 60) : reading.start]
        return bool(_ASSUMED.search(before))

    def _substitutions(self) -> None:
        """A formula, then the same formula with the numbers put in: ``(x̄₁ - x̄₂) /
        sqrt(s₁²/n₁ + s₂²/n₂) = (10.33 - 12.09) / sqrt(1.44²/20 + 2.40²/20)``. Each number
        gets the label of the symbol in its place (``s₁²`` over ``2.08``: a variance)."""
        for line in re.finditer(r"[^\n]+(?:\n[ \t]*=[^\n]+)*", self.text):
            parts = _top_level_equals(line.group(0))
            head = re.sub(r"^.*?(\S+)\s*$", r"\1", parts[0][1]) if len(parts) > 2 else ""
            if (label := label_of(head)) is not None and label.kind == "t":
                self._ratio_of_t(line.start(), parts[1:])
            for (_, a), (b_start, b) in pairwise(parts):
                symbols, numbers = _operands(a), _operands(b)
                if len(symbols) < 2 or len(symbols) != len(numbers) or _skeleton(a) != _skeleton(b):
                    continue
                if not all(not o[2] for o in symbols) or not all(o[2] for o in numbers):
                    continue  # the first side all symbols, the second all numbers
                for (_s, name, _n, squared), (offset, _text, _num, number_squared) in zip(
                    symbols, numbers, strict=True
                ):
                    label = self._subscripted(name.translate(_SUBSCRIPT_DIGITS))
                    if label is None or not (label.role or "").startswith("g"):
                        continue
                    kind = label.kind
                    if kind == "sd" and squared and not number_squared:
                        kind = "variance"
                    i = self._token_at(line.start() + b_start + offset)
                    if i >= len(self.tokens) or self.tokens[i].kind != "num" or i in self.consumed:
                        continue
                    self._add(kind, i, label=name, group=int((label.role or "g0")[1:]))

    def _ratio_of_t(self, offset: int, parts: list[tuple[int, str]]) -> None:
        """``t = ... = -1.7592 / 0.6259 = -2.81``: the difference over its standard error."""
        for start, side in parts[:-1]:
            ratio = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*", side)
            if ratio is None:
                continue
            for group, kind in ((1, "mean_difference"), (2, "se")):
                i = self._token_at(offset + start + ratio.start(group))
                if i < len(self.tokens) and self.tokens[i].kind == "num" and i not in self.consumed:
                    self._add(kind, i, label="t = difference / SE")

    def _counts_in_words(self) -> None:
        """The number of groups, and of values in each, written in words or after "of"."""
        for match in _COUNTED.finditer(self.text):
            if self._in_code(match.start()) or self._hypothetical_at(match.start()):
                continue
            k = _NUMBER_WORDS.index(match.group("k").lower()) + 2
            self._add(
                "n",
                None,
                start=match.start("k"),
                end=match.end("k"),
                written=_written(str(k)),
                label="number of groups",
                role="groups",
            )
            each = match.group("each")
            if each is None:
                continue
            first = self._token_at(match.start("each"))
            if each.isdigit():
                if first in self.consumed or first >= len(self.tokens):
                    continue
                self._add("n", first, label="n of each group", role="each")
            else:
                self._add(
                    "n",
                    None,
                    start=match.start("each"),
                    end=match.end("each"),
                    written=_written(str(_NUMBER_WORDS.index(each.lower()) + 2)),
                    label="n of each group",
                    role="each",
                )
        for match in re.finditer(
            rf"(?i)\b(\d+)\s+(?:{_GROUP_COUNT.pattern[4:]})\s+of\s+(\d+)\b", self.text
        ):
            first = self._token_at(match.start(2))
            if first < len(self.tokens) and first not in self.consumed:
                self._add("n", first, label="n of each group", role="each")

    def _effect_intervals(self) -> None:
        """An interval printed right under an effect size (``d estimate: -0.35``, then ``95
        percent confidence interval:``, ``lower upper``) is the effect size's interval."""
        ordered = sorted(self.readings, key=lambda r: r.start)
        for index, reading in enumerate(ordered):
            if reading.kind not in ("ci_low", "ci_high") or reading.of is not None:
                continue
            before = [r for r in ordered[:index] if r.kind not in ("ci_level", "ci_low")]
            near = before and reading.start - before[-1].end < 120
            if near and before[-1].kind in ("d", "g", "dz"):
                reading.of = before[-1].kind

    def _in_expression(self, i: int) -> bool:
        """Whether the number at ``i`` is the first term of an expression (``60-56``,
        ``12.69 - 10.77``, ``1.92 / 0.19``): then it is not the value of the label before."""
        tokens = self.tokens
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if after is None:
            return False
        if after.text in _OPERATORS and after.text != "-":
            return True
        if (
            after.text == "-"
            and i + 2 < len(tokens)
            and tokens[i + 2].kind in ("num", "word")
            and tokens[i + 2].start - after.end <= 1
        ):
            return True
        return after.kind == "num" and after.text[:1] in "+-" and after.start == tokens[i].end

    def _stacked(self, i: int) -> Reading | None:
        """A label on a line of its own above a number on a line of its own (a table pasted
        one cell per line): ``Mean`` / ``51.91``."""
        tokens = self.tokens
        line_start = self.text.rfind("\n", 0, tokens[i].start) + 1
        line_end = self.text.find("\n", tokens[i].end)
        line_end = len(self.text) if line_end < 0 else line_end
        if self.text[line_start:line_end].strip() != tokens[i].text:
            return None
        j = i - 1
        while j >= 0 and tokens[j].kind == "nl":
            j -= 1
        if j < 0 or tokens[j].kind != "word" or i - j > 3:
            return None
        label_line_start = self.text.rfind("\n", 0, tokens[j].start) + 1
        phrase = self.text[label_line_start : tokens[j].end].strip()
        if len(phrase.split()) > 4:
            return None
        found = self._label_ending(j)
        if found is None or self.text[label_line_start : tokens[found[0]].start].strip():
            return None
        return self._from_label(i, found, None, None, None)

    def _labelled(self, i: int) -> Reading | None:
        """The label before the number at ``i``: ``label [(...)] [for group] rel|fillers NUM``."""
        tokens = self.tokens
        if self._in_expression(i):
            return None
        stacked = self._stacked(i)
        if stacked is not None:
            return stacked
        sentence = self.sentence[i]
        j = i - 1
        op: str | None = None
        group: int | None = None
        sided: str | None = None
        skipped = 0
        while j >= 0 and self.sentence[j] == sentence and skipped < 8:
            tok = tokens[j]
            if tok.kind == "rel" or tok.text in (":", "≈"):
                op = op or tok.text
                j -= 1
                continue
            if tok.text == "(" and j == i - 1:
                j -= 1
                continue
            in_name = [g for g in self.groups if g.start < tok.start < g.end]
            if tok.kind == "num" and in_name:
                # the number in a group's name: "the mean of drug 1 was 0.75"
                group = in_name[-1].group if group is None else group
                j -= 1
                skipped += 1
                continue
            if tok.text == "," and j == i - 1 and j >= 1 and tokens[j - 1].kind == "word":
                if label_of(tokens[j - 1].text) is None:
                    return None
                j -= 1
                continue
            if tok.text == ")":
                open_at = _opening(tokens, j)
                if open_at is None or j - open_at > 12:
                    return None
                inner = self.text[tokens[open_at].start : tok.end]
                inner_groups = self._groups_between(tokens[open_at].start, tok.end)
                if inner_groups:
                    group = inner_groups[0].group
                side = _sidedness(inner)
                if side:
                    sided = side[0][2]
                j = open_at - 1
                skipped += 1
                continue
            if tok.kind == "word":
                groups = self._groups_between(tok.start, tok.end)
                if groups and j >= 2 and tokens[j - 1].text == "-":
                    found = self._label_ending(j)  # "A - B = 0.37": a pairwise difference
                    if found is not None:
                        return self._from_label(i, found, op, None, sided)
                if groups:
                    # "mean for A was", "A's mean": keep looking for the label
                    group = groups[-1].group if group is None else group
                    j -= 1
                    skipped += 1
                    continue
                low = tok.lower
                if low in _RELATION_WORDS and (j + 1 < i and tokens[j + 1].lower == "than"):
                    op = op or _RELATION_WORDS[low]
                    j -= 1
                    continue
                if low == "than" and j - 1 >= 0 and tokens[j - 1].lower in _RELATION_WORDS:
                    op = op or _RELATION_WORDS[tokens[j - 1].lower]
                    j -= 2
                    continue
                if low in ("less", "greater", "below", "above", "under", "exceeds") and not (
                    label_of(tok.text)
                ):
                    op = op or _RELATION_WORDS.get(low)
                    j -= 1
                    continue
                found = self._label_ending(j)
                if found is not None:
                    return self._from_label(i, found, op, group, sided)
                if any(m.start <= tok.start < m.end for m in self.mentions):
                    j -= 1
                    skipped += 1
                    continue
                if low in _FILLERS or low in ("for", "in", "among", "within", "than", "from"):
                    j -= 1
                    skipped += 1
                    continue
                return None
            if tok.text in ("*", "'", '"') and skipped < 6:
                j -= 1
                continue
            return None
        return None

    def _chain(self, i: int) -> Reading | None:
        """The result of a worked equation: ``t = (x̄1 - x̄2) / SE = -1.76 / 0.63 = -2.81`` (also
        over lines that start with ``=``): the label at its head names the last number."""
        tokens = self.tokens
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if (after is not None and (after.text in _OPERATORS or after.text == "(")) or (
            self._in_expression(i)
        ):
            return None
        j = i - 1
        if j < 0 or not (tokens[j].kind == "rel" and tokens[j].text in ("=", "≈", "~")):
            return None
        head_end: int | None = None
        k = j - 1
        steps = 0
        while k >= 0 and steps < 80:
            tok = tokens[k]
            steps += 1
            if tok.kind == "rel" and tok.text in ("=", "≈", "~"):
                j = k
                k -= 1
                continue
            if tok.kind == "nl":
                rest = self.text[tok.end : tokens[k + 1].start if k + 1 < len(tokens) else None]
                if tokens[k + 1].kind == "rel" and not rest.strip():
                    k -= 1
                    continue
                break
            if tok.kind in ("num", "word") or tok.text in _OPERATORS or tok.text in "()[]√|,":
                k -= 1
                continue
            break
        # the head is what stands before the first relation of the chain
        head_end = j - 1
        if head_end < 0 or head_end == i - 2:
            return None
        first = k + 1
        if first > head_end or head_end - first > 3:
            # "t = ..." with an expression before it is not a label: look for one just before j
            first = max(first, head_end - 3)
        for start in range(first, head_end + 1):
            phrase_tokens = tokens[start : head_end + 1]
            if any(t.kind not in ("word", "other") for t in phrase_tokens):
                continue
            found = self._label_ending(head_end)
            if found is not None and found[0] >= start:
                label = found[2]
                if label.kind in ("alpha",):
                    return None
                op = tokens[i - 1].text
                return self._from_label(i, found, op if op != "=" else None, None, None)
        return None

    def _label_ending(self, j: int) -> tuple[int, int, Label] | None:
        """(first token, last token, label) of the longest label phrase ending at token ``j``."""
        tokens = self.tokens
        found = self._label_ending_any(j)
        if found is None:
            return None
        start = tokens[found[0]].start
        if start and self.text[start - 1] == "\\":
            return None  # "\n" written out, not a label
        inside = self._groups_between(max(0, start - 200), start + 1)
        if any(g.start <= start < g.end for g in inside) and found[2].kind != "mean_difference":
            return None  # a word of a group's name
        return found

    def _label_ending_any(self, j: int) -> tuple[int, int, Label] | None:
        tokens = self.tokens
        if (
            j >= 2
            and tokens[j - 1].text == "-"
            and tokens[j].kind == "word"
            and (tokens[j - 2].kind == "word")
        ):
            a, b = self._subscripted(tokens[j - 2].text), self._subscripted(tokens[j].text)
            if a and b and a.kind == b.kind == "mean":
                return j - 2, j, Label("mean_difference")
            left = self._groups_between(tokens[j - 2].start, tokens[j - 2].end)
            right = self._groups_between(tokens[j].start, tokens[j].end)
            if left and right and left[-1].group != right[0].group:
                pair = f"pair{left[-1].group}-{right[0].group}"
                return j - 2, j, Label("mean_difference", pair)
        if tokens[j].kind == "word":
            sub = self._subscripted(tokens[j].text) or self._snake_key(tokens[j].text)
            if sub is not None:
                return j, j, sub
        for width in (4, 3, 2, 1):
            first = j - width + 1
            if first < 0:
                continue
            words = tokens[first : j + 1]
            if any(t.kind not in ("word", "other") for t in words):
                continue
            if any(
                t.kind == "other" and t.text not in ("'", "%", "(", ")", ">", "[", "]")
                for t in words
            ):
                continue
            if any(self.sentence[first + k] != self.sentence[j] for k in range(width)):
                continue
            phrase = self.text[words[0].start : words[-1].end]
            if not_a_label(phrase):
                return None
            label = label_of(phrase)
            if label is not None:
                return first, j, label
        return None

    def _snake_key(self, word: str) -> Label | None:
        """A figure named the way code names it: ``levene_p``, ``shapiro_W_2``, ``welch_df``,
        ``t_stat``: the test, the figure, and a group number."""
        if "_" not in word:
            return None
        parts = word.split("_")
        group = None
        if parts[-1].isdigit() and len(parts) > 1:
            group = self._group_of_subscript(parts[-1])
            parts = parts[:-1]
        test = _test_in(parts[0]) if len(parts) > 1 else None
        rest = parts[1:] if test else parts
        if not rest:
            return None
        label = label_of(" ".join(rest)) or label_of("_".join(rest))
        if label is None or label.kind in ("alpha", "ci"):
            return None
        role = f"g{group}" if group is not None else label.role
        return Label(label.kind, role, test or label.test)

    def _subscripted(self, word: str) -> Label | None:
        """``x̄1``, ``s_2``, ``n1``, ``s1²``, ``s_d``, ``s_p``, ``SD_A``: a group's figure."""
        if label_of(word) is not None and "_" not in word:
            return None
        match = _SUBSCRIPT.match(word)
        if not match:
            return None
        base = match.group("base")
        sub = match.group("sub") or match.group("sub2")
        kind = _SUBSCRIPT_BASE.get(base) or _SUBSCRIPT_BASE.get(base.lower())
        if kind is None:
            return None
        if match.group("sq"):
            kind = "variance" if kind == "sd" else kind
        low = sub.lower()
        if low in ("d", "diff", "dif", "differences"):
            return Label("mean_difference" if kind == "mean" else kind, "differences")
        if low in ("p", "pooled", "pool"):
            return Label(kind, "pooled")
        group = self._group_of_subscript(sub)
        if group is None:
            return None
        return Label(kind, f"g{group}")

    def _group_of_subscript(self, sub: str) -> int | None:
        names = self.names
        if sub.isdigit():
            number = int(sub)
            numbered = {}
            for index, name in enumerate(names):
                digits = re.findall(r"\d+", name)
                if len(digits) == 1:
                    numbered.setdefault(int(digits[0]), index)
            if len(numbered) == len(names) and number in numbered:
                return numbered[number]
            return number - 1 if 0 < number <= len(names) else None
        for index, aliases in enumerate(_aliases(names)):
            if any(alias.lower() == sub.lower() for alias in aliases):
                return index
        starts = [i for i, name in enumerate(names) if name.lower().startswith(sub.lower())]
        return starts[0] if len(starts) == 1 else None

    def _from_label(
        self,
        i: int,
        found: tuple[int, int, Label],
        op: str | None,
        group: int | None,
        sided: str | None,
    ) -> Reading | None:
        first, last, label = found
        tokens = self.tokens
        written = tokens[i].number
        if written is None:
            return None
        phrase = self.text[tokens[first].start : tokens[last].end]
        if op:
            written = written.with_bound(bound_of(op))
        elif tokens[i].start >= 2 and self.text[tokens[i].start - 1] in "<>":
            written = written.with_bound(bound_of(self.text[tokens[i].start - 1]))
        kind = label.kind
        role = label.role
        if kind in STAT_KINDS:
            lead = self.text[max(0, tokens[first].start - 30) : tokens[first].start].lower()
            if re.search(
                r"critical(?:\s+value)?\s*(?:of\s+|is\s+|:)?\s*$|tabulated|table\s+value", lead
            ):
                kind = "critical"
        if kind == "mean" and role in ("first", "second"):
            group = 0 if role == "first" else 1
        if role and role.startswith("g") and role[1:].isdigit():
            group, role = int(role[1:]), None
        pair_role = re.fullmatch(r"pair(\d+)-(\d+)", role or "")
        if pair_role:
            return self._add(
                "mean_difference",
                i,
                written=written,
                label=self.text[tokens[first].start : tokens[last].end],
                pair=(int(pair_role.group(1)), int(pair_role.group(2))),
            )
        if kind in GROUP_KINDS and group is None:
            group = self._group_before(
                tokens[first].start, self._sentence_span(self.sentence[i])[0]
            )
        pair = self._pair_near(i) if kind == "mean_difference" else None
        if kind in ("t", "chi2", "H", "F") and written.value and tokens[first].text in ("t",):
            pass
        reading = self._add(
            kind,
            i,
            written=written,
            label=phrase,
            role=role,
            group=group,
            test=label.test,
            sided=sided,
            pair=pair,
        )
        return reading

    def _pair_near(self, i: int) -> tuple[int, int] | None:
        start, _ = self._sentence_span(self.sentence[i])
        found = [g.group for g in self._groups_between(start, self.tokens[i].start)]
        distinct = list(dict.fromkeys(found))
        if len(distinct) == 2:
            return distinct[0], distinct[1]
        return None

    def _in_units(self, i: int) -> Reading | None:
        """ "3.18 pooled SDs apart", "0.35 standard deviations": an effect size in SD units."""
        tokens = self.tokens
        rest = self.text[tokens[i].end : tokens[i].end + 40]
        if re.match(
            r"\s+(?:pooled\s+)?(?:standard\s+deviations?|sds?)\b(?!\s*(?:=|:|for\b))", rest, re.I
        ):
            return self._add("effect", i, label="standard deviations")
        return None

    def _postfix(self, i: int) -> Reading | None:
        """ "18 degrees of freedom", "10 participants", "0.0025 < P" (a bound before its label)."""
        tokens = self.tokens
        written = tokens[i].number
        if written is None or i + 1 >= len(tokens):
            return None
        if tokens[i + 1].kind == "rel" and tokens[i + 1].text in "<>≤≥" and i + 2 < len(tokens):
            found = self._label_ending(i + 2) if tokens[i + 2].kind == "word" else None
            if found is not None and found[0] == i + 2 and found[2].kind == "p_value":
                flipped = {"<": ">", "≤": ">", ">": "<", "≥": "<"}[tokens[i + 1].text]
                return self._add(
                    "p_value",
                    i,
                    written=written.with_bound(bound_of(flipped)),
                    label=tokens[i + 2].text,
                )
        after = [
            tokens[k]
            for k in range(i + 1, min(i + 5, len(tokens)))
            if self.sentence[k] == self.sentence[i] and tokens[k].kind != "nl"
        ]
        if not after or after[0].kind != "word":
            return None
        words = " ".join(t.lower for t in after if t.kind == "word")
        if re.match(r"(?:degrees? of freedom|df|d f)\b", words):
            return self._add("df", i, label="degrees of freedom")

        noun = next((t for t in after[:3] if t.kind == "word" and _POSTFIX_N.match(t.text)), None)
        adjectives_only = noun is not None and all(
            t.kind == "word" and (t is noun or t.lower in _N_ADJECTIVES)
            for t in after[: after.index(noun) + 1]
        )
        if (
            noun is not None
            and adjectives_only
            and float(written.value).is_integer()
            and (written.value > 1)
        ):
            span_end = after[min(after.index(noun) + 3, len(after) - 1)].end
            groups = self._groups_between(tokens[i].end, span_end)
            group = groups[0].group if groups else None
            role = "each" if re.search(r"\b(?:per|each|in each|both)\b", words) else None
            return self._add("n", i, label=noun.text, group=group, role=role)
        if (
            after
            and after[0].lower in ("groups", "samples", "conditions")
            and len(after) >= 3
            and after[1].lower == "of"
            and after[2].kind == "num"
        ):
            self.consumed.add(i)
            return self._add("n", self.tokens.index(after[2]), label="groups of", role="each")
        return None

    def _continued(self, i: int, previous: Reading | None) -> Reading | None:
        """ "means of 5.1 and 4.2": a number right after a read one, joined by and/vs/","."""
        if previous is None or previous.kind in ("ci_low", "ci_high", "ci_level", "df"):
            return None
        tokens = self.tokens
        j = self._token_at(previous.end)
        if j >= len(tokens) or tokens[j].end != previous.end:
            j = self._token_at(previous.start)
        joined = []
        k = j + 1
        while k < i:
            tok = tokens[k]
            if (
                tok.lower in _LIST_JOINERS
                or tok.text in ("(", ")")
                or (tok.kind == "word" and self._groups_between(tok.start, tok.end))
                or tok.lower in ("for", "in", "the", "group", "of")
            ):
                joined.append(tok)
                k += 1
                continue
            return None
        if k != i or not joined or self.sentence[i] != previous.sentence:
            return None
        written = tokens[i].number
        if written is None:
            return None
        if previous.written is not None and previous.written.bound != "=":
            written = written.with_bound(previous.written.bound)
        group = None
        between = self._groups_between(previous.end, tokens[i].start)
        kind = previous.kind
        if kind in GROUP_KINDS or (previous.group is not None):
            group = between[-1].group if between else None
        if kind in STAT_KINDS and kind != "statistic":
            return None  # "t = 2.1, 3.4" is not a list of statistics people write
        return self._add(
            kind,
            i,
            written=written,
            label=previous.label,
            role=previous.role,
            group=group,
            test=previous.test,
            level=previous.level,
            of=previous.of,
        )

    def _spread(self, i: int, previous: Reading | None) -> Reading | None:
        """ "40.03 ± 2.99", "M = 5.15 (0.91)": the spread of the figure before it."""
        tokens = self.tokens
        if i < 1 or previous is None or previous.kind not in ("mean", "median", "mean_difference"):
            return None
        before = tokens[i - 1]
        prior_end = previous.end
        gap = self.text[prior_end : tokens[i].start].strip()
        sentence_text = self.text[slice(*self._sentence_span(self.sentence[i]))]
        if gap == "±" or before.text == "±":
            spread = (
                "se"
                if re.search(
                    r"(?i)±\s*(?:se|sem|s\.e)|\bse\b|\bsem\b|standard error", sentence_text
                )
                else "sd"
            )
            return self._add(spread, i, label="±", group=previous.group)
        if gap == "(" and previous.kind == "mean":
            return self._add("sd", i, label="(SD)", group=previous.group)
        return None

    def _respectively(self) -> None:
        """ "... were 5.15 and 4.20 for A and B, respectively": numbers to groups in order."""
        by_sentence: dict[int, list[Reading]] = {}
        for r in self.readings:
            if r.kind in GROUP_KINDS and not r.in_table:
                by_sentence.setdefault(r.sentence, []).append(r)
        for sentence, readings in by_sentence.items():
            start, end = self._sentence_span(sentence)
            groups = list(dict.fromkeys(g.group for g in self._groups_between(start, end)))
            by_kind: dict[str, list[Reading]] = {}
            for r in readings:
                by_kind.setdefault(r.kind, []).append(r)
            text = self.text[start:end].lower()
            explicit_order = "respectively" in self.text[start:end].lower()
            if not groups and explicit_order:
                groups = list(range(len(self.names)))
            for same in by_kind.values():
                if len(same) < 2 or len(same) != len(groups):
                    continue
                if not self._groups_between(start, end):
                    for r, g in zip(same, groups, strict=True):
                        r.group = g
                    continue
                assigned = [r.group for r in same]
                explicit = "respectively" in text
                if explicit or len(set(g for g in assigned if g is not None)) < len(same):
                    first_group_at = self._groups_between(start, end)[0].start
                    if explicit or first_group_at < same[0].start:
                        for r, g in zip(same, groups, strict=True):
                            r.group = g

    def _pair_scopes(self) -> None:
        """ "A − B = 0.37, 95% CI [-0.32, 1.06], p = .391; A − C = ...": the interval and the p
        after a pairwise difference are that pair's, up to the next one or a ";"."""
        if len(self.names) <= 2:
            return
        current: Reading | None = None
        for reading in sorted(self.readings, key=lambda r: r.start):
            if reading.kind == "mean_difference" and reading.pair is not None:
                current = reading
                continue
            if current is None:
                continue
            between = self.text[current.end : reading.start]
            if reading.sentence != current.sentence or ";" in between or "\n" in between:
                current = None
                continue
            if reading.kind in ("ci_low", "ci_high", "ci_level", "p_value") and not (
                reading.in_table
            ):
                reading.pair = current.pair
                if reading.kind == "p_value":
                    reading.kind = "pair_p"

    def _sticky_groups(self) -> None:
        """A heading or lead line that names one group ("### Group A", "**B:**") is the group
        of the figures under it that name none."""
        current: int | None = None
        current_until = -1
        heading_lines = []
        for match in re.finditer(
            r"(?m)^[ \t]*(?:#+\s*|[-*•]\s*)?(?:\*\*)?([^\n:]{1,40}?)"
            r"(?:\*\*)?\s*:?\s*$",
            self.text,
        ):
            groups = _group_mentions(match.group(1), self.names)
            if len(groups) == 1 and len(match.group(1).split()) <= 4:
                heading_lines.append((match.start(), match.end(), groups[0].group))
        if not heading_lines:
            return
        for r in self.readings:
            while heading_lines and heading_lines[0][0] <= r.start:
                _, current_until, current = heading_lines.pop(0)
                current_until = self._paragraph_end(current_until)
            if (
                r.kind in GROUP_KINDS
                and r.group is None
                and current is not None
                and (r.start <= current_until)
            ):
                r.group = current

    def _paragraph_end(self, offset: int) -> int:
        """Where a group's lead line stops applying: the next heading or "Step" line, a
        paragraph of prose, or 3,000 characters on."""
        stop = re.compile(r"\n[ \t]*(?:#|step\b|\*\*)|\n[ \t]*\n[^\n]{80,}", re.I).search(
            self.text, offset + 1
        )
        end = stop.start() if stop else len(self.text)
        return min(end, offset + 3000)

    # -- statements

    def _threshold(self, reading: Reading) -> bool:
        """A bound in a conditional ("only a p < .01 with n < 30 would make me use ...", "if
        p < .05 we reject"): a rule, not a figure of these data."""
        if reading.written is None or reading.in_table:
            return False
        before = self.text[max(0, reading.start - 24) : reading.start].lower()
        bounded = reading.written.bound != "=" or bool(
            re.search(
                r"(?:fewer|more|less|greater|larger|smaller)\s+than\s*$|at\s+(?:least|most)"
                r"\s*$|(?:below|above|under|over)\s*$",
                before,
            )
        )
        if not bounded:
            return False
        start, end = self._sentence_span(reading.sentence)
        return bool(_CONDITIONAL.search(self.text[start:end]))

    def _hypothetical_at(self, offset: int) -> bool:
        """A conditional or a question: "If p < .05, the difference is significant", "to test
        whether the means differ", "would be significant"."""
        start, end = self._sentence_span(self._sentence_at(offset))
        sentence = self.text[start:end]
        before = self.text[start : max(offset, start)]
        cut = max(before.rfind(","), before.rfind(";"), before.rfind(":"), before.rfind(" so "))
        clause = before[cut + 1 :] if cut >= 0 else before
        if _CONDITIONAL_START.match(sentence) and not re.search(r"(?i)\bsince\b", sentence[:12]):
            return True
        return bool(_HYPOTHETICAL.search(clause)) or sentence.rstrip().endswith("?")

    def _statements(self) -> None:
        self._not_significant_p()
        self._alpha_bounds()
        self._conclusions()
        self._directions()
        self._tests_named()
        self._sided_claims()

    def _clause_start(self, offset: int) -> int:
        """Where the clause around ``offset`` starts: not before its sentence."""
        start, _ = self._sentence_span(self._sentence_at(offset))
        return max(start, _clause_start(self.text, offset, soft_lines=True))

    def _clause_end(self, offset: int) -> int:
        _, end = self._sentence_span(self._sentence_at(offset))
        return (
            min(end, _clause_end(self.text, offset, soft_lines=True))
            if end > offset
            else (_clause_end(self.text, offset, soft_lines=True))
        )

    def _not_significant_p(self) -> None:
        """ "p = ns", "(ns)", "p = n.s.": a p at or above alpha, no number."""
        for match in re.finditer(
            r"(?i)\bp(?:[- ]?values?)?\s*(?:=|:|is|was)?\s*(ns|n\.s\.?)"
            r"(?!\w|\.\w)",
            self.text,
        ):
            if self._in_code(match.start()):
                continue
            self._add(
                "p_value",
                None,
                start=match.start(1),
                end=match.end(1),
                label=match.group(0),
                polarity=False,
            )

    def _alpha_bounds(self) -> None:
        """ "p < α", "p > alpha": a p said to be below (or above) the level, no number."""
        for match in re.finditer(
            r"(?i)\bp(?:[- ]?values?)?\s*(<|>|≤|≥|less than|greater than"
            r"|below|above)\s*(?:α|alpha|alp)\b",
            self.text,
        ):
            if self._in_code(match.start()):
                continue
            below = match.group(1).lower() in ("<", "≤", "less than", "below")
            self._add(
                "p_value",
                None,
                start=match.start(),
                end=match.end(),
                label=match.group(0),
                polarity=below,
            )

    def _conclusions(self) -> None:
        claimed: set[tuple[int, int]] = set()
        for match in _CONCLUSION.finditer(self.text):
            start, end = match.span()
            clause_start = self._clause_start(start)
            clause = self.text[clause_start:start]
            word = match.group(0).lower()
            if _NOT_CONCLUSION.match(self.text, end) or _NOT_CONCLUSION_BEFORE.search(clause):
                continue
            if self._hypothetical_at(start) or self._in_code(start):
                continue
            span = self._sentence_span(self._sentence_at(start))
            if _HYPOTHESIS_STATED.match(self.text, span[0]):
                continue  # "H1: the exams are significantly different" states, not claims
            if _CODE_CONDITIONAL.match(self.text, end):
                continue  # decision = "reject" if p < alpha else ...: code, not a claim
            line_start = self.text.rfind("\n", 0, start) + 1
            if (
                word.startswith("decision")
                and re.search(r"['\"]", word)
                and (self.text[line_start:start].isspace())
            ):
                continue  # an indented assignment in an if/else: code, not a claim
            sentence = self._sentence_at(start)
            key = (sentence, clause_start)
            if key in claimed:
                continue
            negative = bool(_NEGATIVE_CONCLUSION.search(word)) or bool(_NEGATORS.search(clause))
            if (
                word.startswith(
                    (
                        "fail",
                        "insufficient",
                        "not enough",
                        "no evidence",
                        "little",
                        "accept",
                        "retain",
                    )
                )
                or "fail_to_reject" in word
            ):
                negative = True
            elif word.startswith("decision"):
                negative = False
            elif "rejected" in word:
                negative = bool(re.search(r"\bnot\b|cannot", word)) or bool(
                    _NEGATORS.search(clause)
                )
            elif "reject" in word and not word.startswith(
                ("fail", "do not", "did not", "cannot", "can not", "not")
            ):
                negative = bool(_NEGATORS.search(clause))
            claimed.add(key)
            clause_end = self._clause_end(end)
            groups = list(
                dict.fromkeys(g.group for g in self._groups_between(clause_start, clause_end))
            )
            pair = (groups[0], groups[1]) if len(groups) == 2 else None
            kind = "pair" if pair is not None and len(self.names) > 2 else "conclusion"
            self._add(
                kind,
                None,
                start=start,
                end=end,
                label=match.group(0),
                polarity=not negative,
                pair=pair,
            )

    def _directions(self) -> None:
        for match in _COMPARATIVE.finditer(self.text):
            start, end = match.span()
            if self._in_code(start) or self._hypothetical_at(start):
                continue
            after = self.text[end : end + 24]
            if re.match(
                r"\s*(?:than\s+)?(?:or\s+equal\s+)?(?:to\s+)?(?:the\s+)?(?:alpha|α|"
                r"significance|\.?\d|p\b|critical|chance|expected|one|zero)",
                after,
                re.I,
            ):
                continue
            word = match.group("word").lower()
            up = word in _UP_WORDS
            quantity = re.match(
                r"\s*(?:\w+\s+){0,2}?(variances?|variability|spread|sd|"
                r"standard\s+deviations?|dispersion|medians?|means?|average)\b",
                self.text[end : end + 40],
                re.I,
            )
            clause_start = self._clause_start(start)
            lead = re.search(
                r"(?i)\b(variances?|variability|spread|sd|standard\s+deviations?|"
                r"dispersion|medians?)\b[^.;\n]{0,40}$",
                self.text[clause_start:start],
            )
            about = "mean"
            q = (quantity.group(1) if quantity else lead.group(1) if lead else "").lower()
            if q:
                about = (
                    "sd"
                    if q.startswith(("var", "spread", "sd", "standard", "disp"))
                    else "median"
                    if q.startswith("median")
                    else "mean"
                )
            clause_end = self._clause_end(end)
            before = self._groups_between(clause_start, start)
            after_groups = self._groups_between(end, clause_end)
            than = re.search(r"\bthan\b", self.text[end:clause_end])
            subject: int | None = None
            other: int | None = None
            if match.group("from"):
                continue
            others: list[int] = []
            if before:
                subject = before[-1].group
                if than:
                    rest = [g for g in after_groups if g.start >= end + than.start()]
                    other = rest[0].group if rest else None
                    others = [g.group for g in rest[1:] if g.group not in (subject, other)]
                elif word == "outperformed" and after_groups:
                    other = after_groups[0].group
                elif len(before) >= 2 and before[-2].group != subject:
                    continue  # "A and B: B higher" is too loose to read
            elif after_groups:
                subject = after_groups[0].group
                if than:
                    rest = [g for g in after_groups if g.start >= end + than.start()]
                    other = rest[0].group if rest else None
            if subject is None:
                continue
            if other is None and len(self.names) == 2 and (than or not after_groups):
                other = 1 - subject
            if other is None or other == subject:
                continue
            span_end = end + than.end() if than and than.start() < 6 else end
            for index, against in enumerate([other, *dict.fromkeys(others)]):
                higher = (subject, against) if up else (against, subject)
                reading = self._add(
                    "direction",
                    None,
                    start=start,
                    end=span_end,
                    label=match.group(0),
                    higher=higher,
                    of=about,
                )
                reading.role = "also" if index else None
        for match in _CHANGE.finditer(self.text):
            groups = self._groups_between(match.start(), match.end() + 60)
            clause_end = self._clause_end(match.end())
            groups = [g for g in groups if g.start < clause_end]
            if len(groups) < 2 or groups[0].group == groups[1].group:
                continue
            if self._hypothetical_at(match.start()):
                continue
            up = (
                match.group("word")
                .lower()
                .startswith(("increas", "rose", "grew", "went up", "improv", "climb"))
            )
            first, second = groups[0].group, groups[1].group
            higher = (second, first) if up else (first, second)
            self._add(
                "direction",
                None,
                start=match.start(),
                end=match.end(),
                label=match.group(0),
                higher=higher,
            )

    def _tests_named(self) -> None:
        figure_sentences = sorted(
            {r.sentence for r in self.readings if r.kind in TEST_KINDS or r.pair is not None}
        )
        for mention in self.mentions:
            if mention.negated or mention.test is None or self._in_code(mention.start):
                continue
            before = self.text[mention.start - 1 : mention.start] if mention.start else ""
            after = self.text[mention.end : mention.end + 1]
            if re.match(r"[\w.]", before) or re.match(r"\w", after):
                continue  # a part of an identifier: mannwhitneyu, mann_whitney_u, stats.levene
            start, end = self._sentence_span(mention.sentence)
            sentence = self.text[start:end]
            has_figures = mention.sentence in figure_sentences
            used = _USED.search(sentence) and not self._hypothetical_at(mention.start)
            line_start = self.text.rfind("\n", 0, mention.start) + 1
            line_end = self.text.find("\n", mention.end)
            line = self.text[line_start : line_end if line_end >= 0 else len(self.text)]
            soon = bisect_left(figure_sentences, mention.sentence + 1)
            follows = soon < len(figure_sentences) and figure_sentences[soon] <= (
                mention.sentence + 4
            )
            heading = (
                len(line.strip()) < 90
                and follows
                and (
                    line.strip().startswith(("#", "*"))
                    or line.rstrip().endswith(":")
                    or not re.search(r"[.!?]\s*$", line.strip())
                    or self.source == "output"
                )
            )
            del used, heading
            if _GENERIC_TEST.match(self.text, mention.end) and not has_figures:
                continue
            if self._hypothetical_at(mention.start) and not has_figures:
                continue
            clause = self.text[self._clause_start(mention.start) : self._clause_end(mention.end)]
            if re.search(r"(?i)\b(?:would|could|might)\s+(?:have\s+)?be\b|\bwould\b", clause):
                continue  # "Welch's version would be the one to use": not the test used
            if re.match(r"\s*(?:=|\()", self.text[mention.end : mention.end + 2]) and (
                self.text[mention.start : mention.end].isidentifier()
            ):
                continue  # a function called in code: ttest_ind(...)
            self._add(
                "test",
                None,
                start=mention.start,
                end=mention.end,
                label=self.text[mention.start : mention.end],
                test=mention.test,
            )

    def _sided_claims(self) -> None:
        for start, end, value in self.sides:
            if self._in_code(start) or self._hypothetical_at(start):
                continue
            if re.match(r"alternative\s*=", self.text[start:end]):
                continue
            self._add(
                "sidedness", None, start=start, end=end, label=self.text[start:end], sided=value
            )

    def _in_code(self, offset: int) -> bool:
        if self.source == "output":
            return False
        return any(a <= offset < b for a, b in self.fenced)

    # -- blocks

    def _blocks(self) -> list[Block]:
        blocks: list[Block] = []
        current: Block | None = None
        kinds: set[str] = set()
        by_sentence_sticky: dict[int, Mention | None] = {}
        sticky: Mention | None = None
        for index, reading in enumerate(self.readings):
            if reading.kind not in TEST_KINDS or reading.pair is not None:
                continue
            if reading.group is not None and reading.kind in ("p_value", "W", "statistic"):
                pass
            kind = (
                reading.kind + (reading.role or "")
                if reading.kind in ("df", "ss", "ms")
                else (reading.kind)
            )
            starts = (
                current is None
                or reading.sentence != current.sentence
                or (reading.kind in STAT_KINDS and kinds & (STAT_KINDS | {"p_value"}))
                or kind in kinds
                or self._other_test_between(current, reading)
            )
            if starts:
                current = Block(len(blocks), reading.sentence, reading.start)
                blocks.append(current)
                kinds = set()
            assert current is not None
            current.readings.append(index)
            reading.block = current.index
            kinds.add(kind)
        for block in blocks:
            self._tag(block, blocks, by_sentence_sticky)
        del sticky
        return blocks

    def _other_test_between(self, block: Block, reading: Reading) -> bool:
        last = self.readings[block.readings[-1]]
        for mention in self.mentions:
            if last.end <= mention.start < reading.start and not mention.negated:
                family = block.family or self._family_of(block)
                if family is None or mention.family != family:
                    return True
        return False

    def _family_of(self, block: Block) -> str | None:
        for index in block.readings:
            reading = self.readings[index]
            if reading.test:
                return FAMILY.get(reading.test)
            if reading.kind in SYMBOL_FAMILY:
                return SYMBOL_FAMILY[reading.kind]
        return None

    def _tag(self, block: Block, blocks: list[Block], cache: dict[int, Mention | None]) -> None:
        readings = [self.readings[i] for i in block.readings]
        first, last = readings[0], readings[-1]
        symbol_family = self._family_of(block)
        start, end = self._sentence_span(block.sentence)
        previous_block_end = max(
            (
                self.readings[b.readings[-1]].end
                for b in blocks
                if b.sentence == block.sentence and b.index < block.index
            ),
            default=start,
        )
        named = [
            m
            for m in self.mentions
            if not m.negated and m.sentence == block.sentence and m.family != "post_hoc"
        ]

        def fits(m: Mention) -> bool:
            return symbol_family is None or _compatible(m.family, symbol_family, readings)

        chosen = None
        for pool in (
            [m for m in named if previous_block_end <= m.start < first.start and fits(m)],
            [
                m
                for m in named
                if first.start <= m.start <= last.end + 40
                and fits(m)
                and not re.search(r"[;.]\s", self.text[last.end : m.start])
            ],
            [m for m in named if start <= m.start < first.start and fits(m)],
        ):
            specific = [m for m in pool if m.test]
            if specific:
                chosen = specific[-1] if pool is not None else None
                break
            if pool:
                chosen = pool[-1]
                break
        if chosen is None:
            chosen = self._heading_mention(block.sentence, cache)
            if chosen is not None and not fits(chosen):
                chosen = None
        label_test = next((r.test for r in readings if r.test), None)
        block.test = label_test or (chosen.test if chosen else None)
        block.family = (
            (FAMILY.get(block.test) if block.test else None)
            or (chosen.family if chosen else None)
            or symbol_family
        )
        if block.family == "post_hoc":
            block.test = "post_hoc"
        if block.family in ("kruskal",):
            for r in readings:
                if r.kind == "chi2":
                    r.kind = "H"
        sided = next((r.sided for r in readings if r.sided), None)
        if sided is None:
            sentence_sides = [v for s, _, v in self.sides if start <= s < end]
            if len(set(sentence_sides)) == 1:
                sided = sentence_sides[0]
        if sided is None and (
            self.source == "output" or any(a <= first.start < b for a, b in self.fenced)
        ):
            # the line of code that printed it, or R's "alternative hypothesis:" line below it
            previous_end = max(
                (self.readings[b.readings[-1]].end for b in blocks if b.index < block.index),
                default=0,
            )
            window = self.text[max(previous_end, first.start - 400) : first.start]
            window = window[max(window.rfind("\n\n\n"), window.rfind(">>>"), -1) + 1 :]
            before = [v for s_, _, v in self.sides if first.start - len(window) <= s_ < first.start]
            after = [
                v
                for s_, _, v in self.sides
                if last.end <= s_ < last.end + 120
                and "alternative hypothesis" in self.text[s_ : s_ + 30].lower()
            ]
            if after:
                sided = after[0]
            elif before:
                sided = before[-1]
            if sided in ("less", "greater") and self._reversed_data(first.start):
                sided = "greater" if sided == "less" else "less"
        block.sided = sided

    def _reversed_data(self, offset: int) -> bool:
        """R's "data:  y - x" (or "y and x") above a result: the second group first, so its
        "less" is the local "greater"."""
        window = self.text[max(0, offset - 300) : offset]
        found = list(re.finditer(r"(?m)^\s*data:\s+(.+?)\s+(?:and|-)\s+(.+?)\s*$", window))
        if not found or len(self.names) != 2:
            return False
        left, right = found[-1].group(1), found[-1].group(2)
        a = [g.group for g in _group_mentions(left, self.names)]
        b = [g.group for g in _group_mentions(right, self.names)]
        return a == [1] and b == [0]

    def _heading_mention(self, sentence: int, cache: dict[int, Mention | None]) -> Mention | None:
        """The test a heading or lead line above names ("## Welch's t-test", "Mann-Whitney:")."""
        if sentence in cache:
            return cache[sentence]
        result: Mention | None = None
        for s in range(sentence - 1, max(-1, sentence - 12), -1):
            start, end = self._sentence_span(s)
            line = self.text[start:end]
            named = [
                m
                for m in self.mentions
                if m.sentence == s and not m.negated and m.family != "post_hoc"
            ]
            has_figures = any(r.sentence == s and r.kind in TEST_KINDS for r in self.readings)
            if self.source == "output":
                if named and not has_figures and not re.search(r"[=:]\s*-?\.?\d", line):
                    result = sorted(named, key=lambda m: m.test is None)[0]
                    break
                if "\f" in line:
                    break
                continue
            paragraph_end = "\n\n" in self.text[end : end + 3] or (
                "\n" in self.text[end : end + 2] and len(line) < 80
            )
            crossed = s < sentence - 1 and paragraph_end
            heading = (
                line.lstrip().startswith(("#", "*"))
                or line.rstrip().endswith(":")
                or (len(line) < 60)
            )
            if named and not has_figures and heading and (not crossed or len(line) < 80):
                result = sorted(named, key=lambda m: m.test is None)[0]
                break
            if line.lstrip().startswith("#") or paragraph_end:
                break
        cache[sentence] = result
        return result


_SUBSCRIPT = re.compile(
    r"^(?P<base>x̄|xbar|xb|x|mean|m|M|s|sd|SD|n|N|se|SE|sem|var|v|md|d̄|dbar)"
    r"(?:_(?P<sub>[A-Za-z0-9]+)|(?P<sub2>\d|p))(?P<sq>²)?$"
)
_SUBSCRIPT_BASE = {
    "x̄": "mean",
    "xbar": "mean",
    "xb": "mean",
    "x": "mean",
    "mean": "mean",
    "m": "mean",
    "M": "mean",
    "s": "sd",
    "sd": "sd",
    "SD": "sd",
    "n": "n",
    "N": "n",
    "se": "se",
    "SE": "se",
    "sem": "se",
    "var": "variance",
    "v": "variance",
    "md": "mean_difference",
    "d̄": "mean_difference",
    "dbar": "mean_difference",
}
_GROUP_COUNT = re.compile(
    r"(?i)groups|conditions|treatments|levels|arms|categories|brands|locations|fertili[sz]ers"
)
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# "three groups", "two groups of 6", "three groups of ten": counts written in words
_COUNTED = re.compile(
    rf"(?i)\b(?P<k>{'|'.join(_NUMBER_WORDS)})\s+(?:{_GROUP_COUNT.pattern[4:]})\b"
    rf"(?:\s+of\s+(?P<each>\d+|{'|'.join(_NUMBER_WORDS)})\b)?"
)
_OPERATORS = frozenset("+-*/^×·÷−")
_IDENTIFIER_WORDS = re.compile(
    r"(?i)^(?:group|condition|sample|patient|subject|participant|table|figure|fig|step|week|day|"
    r"session|trial|item|question|model|section|example|version|part|chapter|exercise|line|"
    r"dose|arm|treatment|cohort|wave|round|phase|stage|block|study|experiment|hypothesis|"
    r"method|option|case|scenario|type|class|category|year|month|page|id|no|number|row|column|"
    r"col|x|y)$"
)
_CI_WORDS = frozenset(
    [
        "for",
        "of",
        "on",
        "the",
        "in",
        "was",
        "is",
        "were",
        "ranged",
        "ranging",
        "from",
        "spans",
        "spanning",
        "between",
        "around",
        "about",
        "percent",
        "level",
        "interval",
        "confidence",
        "lies",
        "lay",
        "a",
        "an",
        "its",
        "true",
        "population",
    ]
)


def _compatible(family: str, symbol_family: str, readings: Sequence[Reading]) -> bool:
    if family == symbol_family:
        return True
    kinds = {r.kind for r in readings}
    if family == "signed_rank" and kinds & {"W", "z", "statistic"}:
        return True
    if family == "rank_sum" and kinds & {"W", "z", "U", "statistic"}:
        return True
    if family in ("shapiro",) and kinds & {"W", "statistic"}:
        return True
    if family in ("levene",) and kinds & {"F", "W", "statistic"}:
        return True
    if family == "kruskal" and kinds & {"chi2", "H"}:
        return True
    if family == "anova" and symbol_family == "t":
        return False
    return symbol_family is None


_PRINTED_NAMES = (
    (
        re.compile(
            r"(?i)^(?:p|pval|pvalue|p_val|p_value|pnorm|p_exact|pv|p_two|p_one\w*|pval\w*"
            r"|p_\w+|\w*pvalue)$"
        ),
        "p_value",
    ),
    (re.compile(r"(?i)^(?:t|tstat|t_stat|t_statistic|tval|t_val|t_value)$"), "t"),
    (re.compile(r"^(?:U|u|U1|U2|u1|u2|u_stat|U_stat|ustat)$"), "U"),
    (re.compile(r"(?i)^(?:stat|statistic|s|test_stat\w*)$"), "statistic"),
    (re.compile(r"(?i)^(?:d|cohen_?d|cohens_d|effect_size|es)$"), "d"),
    (re.compile(r"(?i)^(?:g|hedges_?g)$"), "g"),
    (re.compile(r"(?i)^(?:f|f_stat|fstat|f_value)$"), "F"),
    (re.compile(r"(?i)^(?:h|h_stat)$"), "H"),
    (re.compile(r"(?i)^(?:w|w_stat|v)$"), "W"),
    (re.compile(r"(?i)^(?:z|z_score|zstat)$"), "z"),
    (re.compile(r"(?i)^(?:df|dof)$"), "df"),
    (re.compile(r"(?i)^(?:diff|md|mean_diff\w*|mean_difference)$"), "mean_difference"),
)
_PRINTED_CALLS = (  # Python's, and R's (mean(A), var(A), sd(A), length(A))
    (re.compile(r"(?:np|numpy|statistics)\.(?:mean|average)$|\.mean$|^mean$"), "mean"),
    (re.compile(r"(?:np|numpy|statistics)\.median$|\.median$|^median$"), "median"),
    (re.compile(r"(?:np|numpy)\.var$|statistics\.variance$|\.var$|^var$"), "variance"),
    (re.compile(r"(?:np|numpy)\.std$|statistics\.stdev$|\.std$|^sd$"), "sd"),
    (re.compile(r"(?:stats\.)?sem$"), "se"),
    (re.compile(r"^len$|^length$"), "n"),
    (re.compile(r"compute_effsize$"), "d"),
    (
        re.compile(r"^qt$|^qf$|^qchisq$|^qnorm$|(?:stats\.)?(?:t|f|chi2|norm)\.ppf$|\.isf$"),
        "critical",
    ),
)


def _printed_label(
    expression: str, names: Sequence[str]
) -> tuple[str, list[int], str | None] | None:
    """(kind, groups, test) of what a line of code prints, or None when it cannot be told."""
    text = expression.strip()
    inner = re.fullmatch(r"print\((.*)\)", text)
    if inner:
        text = inner.group(1).strip()
    text = re.sub(r"^(?:round|float|abs)\((.*?)(?:,\s*\d+)?\)$", r"\1", text)
    attribute = re.fullmatch(r"\w+\.(statistic|pvalue|df)", text)
    if attribute:
        return (
            {"statistic": "statistic", "pvalue": "p_value", "df": "df"}[attribute.group(1)],
            [],
            None,
        )
    if re.fullmatch(r"[A-Za-z_]\w*", text):
        for pattern, kind in _PRINTED_NAMES:
            if pattern.match(text):
                return kind, [], None
        return None
    comprehension = re.fullmatch(
        r"\[\s*([\w.]+)\((\w+)[^)]*\)\s+for\s+(\w+)\s+in\s+\[([^\]]*)\]\s*\]", text
    )
    if comprehension:
        kind = _call_kind(comprehension.group(1), text)
        if kind is None:
            return None
        groups = [_group_index(n.strip(), names) for n in comprehension.group(4).split(",")]
        if any(g is None for g in groups):
            return None
        return kind, [g for g in groups if g is not None], None
    call = re.fullmatch(r"([\w.]+)\((.*)\)", text, re.S)
    if call:
        kind = _call_kind(call.group(1), text)
        if kind is None:
            return None
        arguments = [a.strip() for a in call.group(2).split(",") if "=" not in a]
        groups = [g for a in arguments if (g := _group_index(a, names)) is not None]
        return kind, groups[:1] if kind not in ("d", "g") else [], None
    return None


def _call_kind(function: str, text: str) -> str | None:
    for pattern, kind in _PRINTED_CALLS:
        if pattern.search(function):
            if kind == "d" and re.search(r"eftype\s*=\s*['\"]hedges", text):
                return "g"
            if kind == "sd" and "ddof" not in text and function.startswith(("np", "numpy")):
                return "sd"
            return kind
    return None


def _group_index(name: str, names: Sequence[str]) -> int | None:
    for index, group in enumerate(names):
        if group == name or group.lower() == name.lower():
            return index
    return None


def _test_in(text: str) -> str | None:
    for pattern, key, _ in TEST_NAMES:
        if key and pattern.search(text):
            return key
    return None


def _anova_role(row_label: str) -> str:
    low = row_label.lower()
    if re.search(r"resid|within|error", low):
        return "within"
    if "total" in low:
        return "total"
    return "between"


def _level(label: str) -> float | None:
    match = re.search(r"(\d{2}(?:\.\d+)?)\s*%", label)
    return float(match.group(1)) / 100 if match else None


_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_OPERAND = re.compile(
    r"(?P<num>(?<![A-Za-z0-9_.])\d+(?:\.\d+)?(?![A-Za-z0-9_.]))"
    r"|(?P<sym>(?<![A-Za-z0-9_.])[A-Za-zx̄][A-Za-z0-9_̄₀-₉]*)(?![A-Za-z0-9_̄₀-₉]|\s*\()"
)
_SQUARED = re.compile(r"\s*(?:\^\s*2|²|\*\*\s*2)")


def _top_level_equals(text: str) -> list[tuple[int, str]]:
    """The sides of ``a = b = c`` (with their offsets); "==" and "<=" do not split."""
    parts, start = [], 0
    for match in re.finditer(r"(?<![=<>!≈])=(?!=)", text):
        parts.append((start, text[start : match.start()]))
        start = match.end()
    parts.append((start, text[start:]))
    return parts


def _operands(side: str) -> list[tuple[int, str, bool, bool]]:
    """(offset, text, is a number, squared) of each operand of an expression."""
    out = []
    for match in _OPERAND.finditer(side):
        squared = bool(_SQUARED.match(side, match.end()))
        out.append((match.start(), match.group(0), match.group("num") is not None, squared))
    return out


def _skeleton(side: str) -> str:
    """An expression with its operands and squares taken out: ``(X-X)/sqrt(X/X+X/X)``."""
    bare = _SQUARED.sub("", side)
    return re.sub(r"\s+", "", _OPERAND.sub("X", bare))


def _written(text: str) -> Written | None:
    match = NUMBER.fullmatch(text)
    from assistant_core.claims.written import written_from

    return written_from(match) if match else None


def _closing(tokens: Sequence[Token], open_at: int) -> int | None:
    depth = 0
    for k in range(open_at, min(len(tokens), open_at + 30)):
        if tokens[k].text == "(":
            depth += 1
        elif tokens[k].text == ")":
            depth -= 1
            if depth == 0:
                return k
    return None


def _opening(tokens: Sequence[Token], close_at: int) -> int | None:
    depth = 0
    for k in range(close_at, max(-1, close_at - 30), -1):
        if tokens[k].text == ")":
            depth += 1
        elif tokens[k].text == "(":
            depth -= 1
            if depth == 0:
                return k
    return None


def _clause_start(text: str, offset: int, soft_lines: bool = False) -> int:
    low = max(0, offset - 300)
    cut = max(
        text.rfind(". ", low, offset),
        text.rfind("; ", low, offset),
        text.rfind("\n\n" if soft_lines else "\n", low, offset),
        text.rfind(", but ", low, offset),
        text.rfind(", while ", low, offset),
        text.rfind(", whereas ", low, offset),
        text.rfind(", and ", low, offset),
    )
    return cut + 1 if cut >= 0 else low


def _clause_end(text: str, offset: int, soft_lines: bool = False) -> int:
    marks = (". ", "; ", "\n\n" if soft_lines else "\n", ", but ", ", while ", ", whereas ")
    ends = [text.find(mark, offset, offset + 300) for mark in marks]
    found = [e for e in ends if e >= 0]
    return min(found) if found else min(len(text), offset + 300)


_CONCLUSION = re.compile(
    r"(?i)\b(?:decision\s*[=:]\s*['\"]?(?:fail_to_reject|reject)"
    r"|(?:accept(?:ed|s|ing)?|retain(?:ed|s)?)\s+(?:the\s+|my\s+|our\s+)?(?:null|h0|h₀)"
    r"(?:\s+hypothesis)?"
    r"|(?:fail(?:ed|s)?|do(?:es)?\s+not|did\s+not|cannot|can\s*not|could\s+not|not)"
    r"\s+(?:to\s+)?reject(?:ed)?(?:\s+(?:the\s+|my\s+|our\s+)?(?:null(?:\s+hypothesis)?|h0|h₀))?"
    r"|reject(?:ed|s|ing)?\s+(?:the\s+|my\s+|our\s+)?(?:null(?:\s+hypothesis)?|h0|h₀)"
    r"|(?:null(?:\s+hypothesis)?|h0|h₀)\s+(?:is|was|can(?:not)?\s+be|could\s+not\s+be|should"
    r"\s+be|will\s+be|must\s+be)\s+(?:not\s+)?rejected"
    r"|(?:not\s+|non[- ]?|in)?(?:statistically\s+)?significant(?:ly)?"
    r"|n\.s\.(?=\s|$|[,;)])"
    r"|(?:no|insufficient|not\s+enough|little|strong|some|sufficient)\s+(?:statistical\s+)?"
    r"evidence)"
)
_CODE_CONDITIONAL = re.compile(r"""['"]?\s+if\s+\w""")
_NEGATIVE_CONCLUSION = re.compile(
    r"(?i)^(?:not\s|non|in(?=significant)|n\.s\.|no\s|fail|"
    r"insufficient|not enough|little|do(?:es)? not|did not|cannot|"
    r"can\s*not|could not)"
)
_NEGATORS = re.compile(
    r"(?i)\b(?:not|no|never|neither|nor|without|lack(?:ed|s)?|n't|fail(?:ed|s)?|cannot|"
    r"absence|nothing)\b(?![^,;]*\b(?:but|however)\b)|n't\b"
)
_NOT_CONCLUSION = re.compile(
    r"(?i)\s*(?:level|threshold|cut-?off|criterion|figures|digits|test(?:ing)?\s+(?:of|for))\b"
)
_NOT_CONCLUSION_BEFORE = re.compile(
    r"(?i)\b(?:level\s+of|test(?:s|ing)?\s+(?:of|for)|to\s+(?:assess|determine|test|see|check)"
    r"(?:\s+\w+){0,3}|whether|if)\s+(?:\w+\s+){0,3}$"
)
_CONDITIONAL = re.compile(
    r"(?i)\b(?:if|unless|whenever|would|only\s+(?:if|when)|in\s+case|should\s+it|threshold|"
    r"cut-?off|criterion|rule\s+of\s+thumb|conventionally|typically|usually)\b"
)
_CONDITIONAL_START = re.compile(  # "when" only with a threshold: "when p < .05, ..."
    r"(?i)^[\s>*#-]*(?:\d+[.)]\s*)?(?:if|when(?=[^,.\n]*(?:[<>≤≥]|\balpha\b|α|\bbelow\b|\babove\b|\bexceeds?\b|(?:less|greater|smaller|larger)\s+than))|whenever|unless|should|suppose|assuming|in\s+case)\b"
)
_ASSUMED = re.compile(
    r"(?i)\b(?:assum(?:e|es|ed|ing)|suppos(?:e|ing))\b(?!\s+(?:equal|unequal|normal|independen))"
    r"[^.;\n]*$"
)
_HYPOTHESIS_STATED = re.compile(r"\s*[-*]?\s*\*?H\*?(?:_\{?[01aA]\}?|[01₀₁aA])\*?\s*[:=]")
_HYPOTHETICAL = re.compile(
    r"(?i)\b(?:if|unless|whenever)\b"
    r"|\b(?:would|could|might)\s+(?:have\s+)?(?:be|been|have|indicate|suggest|mean|perform|make|use|prefer|choose|"
    r"switch|need|give|show)\w*\b"
    r"|\bwhether\b"
    r"|\b(?:to\s+(?:determine|test|assess|see|check)|hypothes[ie]s?\s*:)|\bH[01₀₁]\s*:"
    r"|\bnull hypothesis\s+(?:is|states|says)\b|\balternative hypothesis\s+(?:is|states|says)\b"
    # a hypothesis stated (*H*_{1}: ...), a procedure ("required to reject", "reject or do
    # not reject", "the probability of error in rejecting"), a value assumed
    r"|\b(?:required|needed|necessary|enough|sufficient|in\s+order)\s+to\b"
    r"|\b(?:reject|accept|retain)\s+or\s*$|\b(?:erred|error|risk)\s+in\b"
    r"|\b(?:assum(?:e|ing)|suppos(?:e|ing))\b(?!\s+(?:equal|unequal|normal|independen))"
)
_UP_WORDS = frozenset(
    [
        "higher",
        "greater",
        "larger",
        "bigger",
        "more",
        "longer",
        "taller",
        "heavier",
        "increased",
        "elevated",
        "better",
        "outperformed",
    ]
)
_COMPARATIVE = re.compile(
    r"(?i)\b(?P<word>higher|greater|larger|bigger|more|longer|taller|heavier|lower|smaller|"
    r"less|fewer|shorter|lighter|(?<=performed\s)better|(?<=performed\s)worse|outperformed)"
    r"\b(?P<from>\s+from)?"
)
_CHANGE = re.compile(
    r"(?i)\b(?P<word>increas(?:ed|es|e)|rose|grew|went\s+up|improv(?:ed|es)|climbed|"
    r"decreas(?:ed|es|e)|fell|dropped|declined|went\s+down|reduced)\b(?=[^.\n]{0,40}\bfrom\b)"
)
_USED = re.compile(
    r"(?i)\b(?:used?|using|perform(?:ed|ing)?|ran|run|conduct(?:ed|ing)?|appl(?:y|ied)|carried"
    r"\s+out|chose|choose|results?|according|shows?|showed|gave|gives|indicat(?:es|ed)|"
    r"reveal(?:s|ed)|yield(?:s|ed)|found|confirm(?:s|ed)|suggest(?:s|ed)|test(?:ed)?\s+with|"
    r"computed|calculated|via|by)\b"
)
_GENERIC_TEST = re.compile(
    r"(?i)[\s,]*(?:\(\w+\)\s*)?(?:is|are)?\s*(?:more\s+|less\s+|generally\s+|often\s+)?"
    r"(?:robust|appropriate|preferred|recommended|used\s+(?:when|to|for)|suitable|assumes|"
    r"does\s+not\s+assume|a\s+(?:test|non-?parametric|parametric)|tests?\s+whether|compares|"
    r"can\s+be\s+used|should\s+be\s+used|requires|is\s+an?\s+\w+\s+test)\b"
)


def read(text: str, source: str, names: Sequence[str], code: str = "") -> Read:
    """Every figure and statement of one source (``"text"`` or ``"output"``); ``code`` is the
    cell that printed an output (its bare prints label the numbers)."""
    reader = _Reader(text, source, names, code)
    reader._pending_bare = []
    return reader.run()
