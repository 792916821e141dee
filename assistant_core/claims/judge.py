"""Readings -> claims with verdicts, against the local results.

For each result block (one test's figures in one sentence, row or output paragraph) the judge
decides which local test and alternative the figures are of: among the tests of the block's
family, under the alternatives the text allows (the sidedness said beside it, else in the
text, else in the code that printed it, else the analysis's), the one that confirms the most
figures; ties go to the test named, then to the test that the other blocks of that family
point to, then to the local recommendation. A figure is never explained away by a variant the
text rules out: a p written beside "two-tailed" is judged as two-sided only.

Each figure is then confirmed (it agrees at the precision written), contradicted (with the
right value and a one-line reason) or unchecked (nothing local checks it, and why). The
statements follow from the figures: a conclusion from the local p of the result it is about,
at the alpha said (else the analysis's); a direction from the group means (medians where the
text speaks of medians); a pair from its Tukey p; a test named from the test the figures beside
it are of; a sidedness from the p values it governs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant_core.claims.code import Call
from assistant_core.claims.facts import Candidate, Facts
from assistant_core.claims.lexicon import FAMILY, FAMILY_SYMBOL, MAIN_TESTS, test_title
from assistant_core.claims.model import KIND_LABELS, Claim, ClaimReport
from assistant_core.claims.reader import GROUP_KINDS, Block, Read, Reading
from assistant_core.claims.written import Written, parse_written

__all__ = ["SourceText", "judge"]

MAIN_FAMILIES = ("t", "rank_sum", "signed_rank", "anova", "kruskal")
_ONE_SIDED = ("less", "greater")


@dataclass
class SourceText:
    """One source of an answer, read: the prose, one code output, or the structured report."""

    read: Read
    cell: int | None = None
    calls: Sequence[Call] = ()


@dataclass
class _Choice:
    test: str | None
    alt: str
    confirmed: int = 0
    contradicted: int = 0


@dataclass
class _Outcome:
    verdict: str
    expected: float | str | None
    reason: str
    decision_error: bool = False


@dataclass
class _Context:
    facts: Facts
    sources: list[SourceText]
    choices: dict[tuple[int, int], _Choice] = field(default_factory=dict)
    family_choice: dict[str, _Choice] = field(default_factory=dict)
    main_family: str | None = None
    notes: list[str] = field(default_factory=list)


def _fmt(value: float | None, like: Written | None = None) -> str:
    """A local value at one decimal more than the figure it is set beside."""
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if like is not None and like.ulp > 0 and abs(value) >= 1e-3:
        decimals = min(like.decimals + 1, 8)
        return f"{value:.{decimals}f}"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.3g}"
    return f"{value:.4g}"


def _expand(sided: str) -> list[str]:
    if sided == "one-sided":
        return list(_ONE_SIDED)
    return [sided]


def _alts(
    block: Block, source: SourceText, facts: Facts, prose: frozenset[str] = frozenset()
) -> list[str]:
    """The alternatives the text allows for a block's p values and intervals: the sidedness
    said beside it; else the one said in its text (or the code that printed it); else, where
    the text says several, any of those; else the analysis's."""
    sided = block.sided
    if sided is None and source.read.source in ("text", "report"):
        sided = source.read.sided
    if sided is None and source.read.source == "output":
        stated = {c.alternative for c in source.calls if c.alternative}
        if len(stated) == 1:
            sided = stated.pop()
    if sided is not None:
        return _expand(sided)
    said = set(source.read.stated) | (set(prose) if source.read.source == "output" else set())
    if said:
        out = [facts.alternative] + [a for s in sorted(said) for a in _expand(s)]
        return list(dict.fromkeys(out))
    return [facts.alternative]


def _family_of(block: Block, read: Read, facts: Facts) -> str | None:
    if block.family:
        return block.family
    kinds = {read.readings[i].kind for i in block.readings}
    if kinds & {"F", "ss", "ms", "eta2", "omega2"}:
        return "anova"
    if kinds & {"t", "d", "g", "dz", "mean_difference"}:
        return "t"
    if kinds & {"U"}:
        return "rank_sum"
    if kinds & {"H", "chi2"}:
        return "kruskal"
    if kinds & {"W"}:
        return "signed_rank" if facts.design == "paired" else "rank_sum"
    return None


class _Judge:
    def __init__(self, facts: Facts, sources: list[SourceText]) -> None:
        self.facts = facts
        self.sources = sources
        self.choices: dict[tuple[int, int], _Choice] = {}
        self.family_choice: dict[str, _Choice] = {}
        self.notes: list[str] = []
        self.main_family: str | None = None
        self.families: dict[tuple[int, int], str | None] = {}
        # which source each reading is in (by identity: readings are compared field by field)
        self._source_of = {
            id(reading): source for source in sources for reading in source.read.readings
        }

    def _alts(self, block: Block, source: SourceText) -> list[str]:
        prose = next((x.read.stated for x in self.sources if x.read.source == "text"), frozenset())
        return _alts(block, source, self.facts, prose)

    # ------------------------------------------------------------------ numbers

    def candidates(self, reading: Reading, test: str | None, alt: str) -> list[Candidate]:
        facts = self.facts
        kind = reading.kind
        if reading.pair is not None and len(facts.names) > 2:
            return facts.pair(kind, *reading.pair, level=reading.level)
        if kind in GROUP_KINDS and not (kind == "se" and reading.group is None and test):
            if reading.group is not None:
                return facts.group_values(kind, reading.group)
            return []
        if kind == "ci_level" or test is None:
            return []
        if reading.of == "mean" and reading.group is not None and kind in ("ci_low", "ci_high"):
            return self._mean_interval(reading)
        if kind in ("d", "g", "dz") and FAMILY.get(test) != "t":
            # Cohen's d beside a rank test is still the groups' d
            test = next(iter(facts.available("t")), test)
        elif kind in ("eta2", "omega2") and FAMILY.get(test) not in ("anova",):
            test = next(iter(facts.available("anova")), test)
        return facts.figure(test, kind, alt, reading.role, reading.level, reading.of, reading.group)

    def _mean_interval(self, reading: Reading) -> list[Candidate]:
        from scipy import special

        n, mean, se = (self.facts.group(reading.group or 0, k) for k in ("n", "mean", "sem"))
        if n is None or mean is None or se is None or n < 2:
            return []
        level = reading.level or 1 - self.facts.alpha
        crit = float(special.stdtrit(n - 1, 1 - (1 - level) / 2))
        return [Candidate(mean - crit * se if reading.kind == "ci_low" else mean + crit * se)]

    def number(self, reading: Reading, test: str | None, alt: str) -> _Outcome:
        written = reading.written
        if written is None:
            return self._bare(reading, test, alt)
        if reading.kind == "other":
            return _Outcome("unchecked", None, f"nothing local checks {reading.label or 'this'}")
        if reading.kind == "n" and reading.role == "groups":
            return self._against(
                reading, [Candidate(float(len(self.facts.groups)))], "the number of groups"
            )
        if reading.kind in ("p_value", "pair_p") and written.value > 1:
            return _Outcome(
                "unchecked", None, f"{written.text} cannot be a p value; it is read as nothing here"
            )
        if (
            reading.kind in GROUP_KINDS
            and reading.group is None
            and reading.role in ("differences", "pooled", "each")
        ):
            found = self.facts.special(reading.kind, reading.role or "")
            if found:
                return self._against(
                    reading,
                    found,
                    f"the {KIND_LABELS[reading.kind]} of "
                    + {
                        "differences": "the paired differences",
                        "pooled": "the groups pooled",
                        "each": "each group",
                    }[reading.role or ""],
                )
        if reading.kind == "n" and reading.group is None and (self.facts.design == "paired"):
            found = self.facts.special("n", "differences")
            if found:
                found += [c for c in self.facts.grand("n") if c.note == "the total N"]
                return self._against(reading, found, "the number of pairs")
        if (
            reading.kind in GROUP_KINDS
            and reading.group is None
            and not (reading.kind == "se" and test)
        ):
            return self._unnamed_group(reading)
        found = self.candidates(reading, test, alt)
        if reading.kind == "df" and reading.pair is None and not self._beside_statistic(reading):
            # a df on its own may be one group's n - 1 (a hand-worked table)
            found = found + [
                Candidate(n - 1, f"n − 1 of {name}")
                for index, name in enumerate(self.facts.names)
                if (n := self.facts.group(index, "n")) is not None
            ]
        if not found:
            return _Outcome("unchecked", None, self._why_unchecked(reading, test))
        for candidate in found:
            if written.agrees(candidate.value):
                about = self._about(reading, test, alt)
                note = f" ({candidate.note})" if candidate.note else ""
                reason = f"{about}: {_fmt(candidate.value, written)}{note}"
                return _Outcome("confirmed", candidate.value, reason)
        for candidate in found:
            if written.truncates(candidate.value):
                about = self._about(reading, test, alt)
                return _Outcome(
                    "confirmed",
                    candidate.value,
                    f"{about}: {_fmt(candidate.value, written)} (cut off, not rounded)",
                )
        clash = self._symbol_clash(reading, test, alt)
        if clash is not None:
            return clash
        expected = found[0].value
        if (
            reading.kind in ("ci_low", "ci_high")
            and reading.of in ("d", "g", "dz")
            and abs(written.value - expected) <= 0.02 + 0.02 * abs(expected)
        ):
            # effect-size intervals differ by method (noncentral t, normal approximation)
            return _Outcome(
                "unchecked",
                None,
                f"the interval of {reading.of} depends on its method; the local one (noncentral "
                f"t) gives {_fmt(expected, written)}",
            )
        about = self._about(reading, test, alt)
        reason = f"{about} gives {_fmt(expected, written)}, not {written.shown}"
        error = False
        if reading.kind in ("p_value", "pair_p"):
            alpha = self.alpha_for(reading)
            error = _significant(written, alpha) != (expected < alpha)
            if error:
                reason += f" (the decision at α = {alpha:g} is reversed)"
            hint = self._other_sidedness(reading, test, alt)
            if hint:
                reason += f"; {hint}"
        return _Outcome("contradicted", expected, reason, error)

    def _against(self, reading: Reading, found: list[Candidate], about: str) -> _Outcome:
        written = reading.written
        assert written is not None
        for candidate in found:
            if written.agrees(candidate.value) or written.truncates(candidate.value):
                return _Outcome(
                    "confirmed", candidate.value, f"{about}: {_fmt(candidate.value, written)}"
                )
        return _Outcome(
            "contradicted",
            found[0].value,
            f"{about} is {_fmt(found[0].value, written)}, not {written.shown}",
        )

    def _beside_statistic(self, reading: Reading) -> bool:
        source = self._source_of.get(id(reading))
        if source is None or reading.block is None:
            return False
        read = source.read
        return any(
            read.readings[i].kind in ("t", "F", "chi2", "H", "statistic")
            for i in read.blocks[reading.block].readings
        )

    def _reported_with_df_and_p(self, reading: Reading) -> bool:
        source = self._source_of.get(id(reading))
        if source is None or reading.block is None or reading.block >= len(source.read.blocks):
            return False
        read = source.read
        kinds = {read.readings[i].kind for i in read.blocks[reading.block].readings}
        return "df" in kinds and "p_value" in kinds

    def _symbol_clash(self, reading: Reading, test: str | None, alt: str) -> _Outcome | None:
        """A one-letter symbol used for something else ("d = 10", the degrees of freedom):
        when the number is exactly another figure of the same result, it is not judged as
        the symbol's usual figure."""
        written = reading.written
        if written is None or len(reading.label.strip()) > 1 or test is None:
            return None
        if reading.kind not in ("d", "g", "r_effect", "t", "z", "U", "W", "H", "F", "n", "mean"):
            return None
        if reading.kind in ("t", "z", "F", "H") and self._reported_with_df_and_p(reading):
            return None  # "t(17.78) = -1.74, p = .08" is the test's own statistic, judged so
        for kind in ("critical", "df", "n", "t", "mean_difference"):
            if kind == reading.kind:
                continue
            probe = Reading(
                kind,
                reading.start,
                reading.end,
                reading.sentence,
                written,
                reading.label,
                group=reading.group,
            )
            if kind == "n":
                values = self.facts.grand("n")
            else:
                values = [
                    c
                    for other in [test, *self.facts.available(FAMILY.get(test))]
                    for c in self.candidates(probe, other, alt)
                ]
            for candidate in values:
                if written.agrees(candidate.value):
                    if kind == "critical":
                        return _Outcome(
                            "confirmed",
                            candidate.value,
                            f"{reading.label} = {written.text} is the critical value "
                            f"of {test_title(test)} at α = {self.facts.alpha:g}: "
                            f"{_fmt(candidate.value, written)}",
                        )
                    return _Outcome(
                        "unchecked",
                        None,
                        f"{reading.label} = {written.text} is not "
                        f"{KIND_LABELS.get(reading.kind, reading.kind)} here; it is "
                        f"the {KIND_LABELS.get(kind, kind)}",
                    )
        return None

    def _bare(self, reading: Reading, test: str | None, alt: str) -> _Outcome:
        """ "ns": a p at or above alpha; "p < α": below it."""
        if reading.kind not in ("p_value", "pair_p"):
            return _Outcome("unchecked", None, "no number to check")
        found = self.candidates(reading, test, alt)
        if not found:
            return _Outcome("unchecked", None, self._why_unchecked(reading, test))
        p = found[0].value
        alpha = self.alpha_for(reading)
        if reading.polarity is not None:
            return self._decision(reading, p, alpha, self._about(reading, test, alt))
        if p >= alpha:
            return _Outcome(
                "confirmed", p, f"{self._about(reading, test, alt)}: {_fmt(p)} ≥ α = {alpha:g}"
            )
        return _Outcome(
            "contradicted",
            p,
            f"{self._about(reading, test, alt)} gives {_fmt(p)} < α = {alpha:g}: significant",
            True,
        )

    def _unnamed_group(self, reading: Reading) -> _Outcome:
        written = reading.written
        assert written is not None
        facts = self.facts
        found = []
        for index, name in enumerate(facts.names):
            for candidate in facts.group_values(reading.kind, index):
                found.append((candidate, name))
        for candidate in facts.grand(reading.kind):
            found.append((candidate, candidate.note or "all groups"))
        for candidate, name in found:
            if written.agrees(candidate.value):
                return _Outcome(
                    "confirmed",
                    candidate.value,
                    f"the {KIND_LABELS[reading.kind]} of {name}: {_fmt(candidate.value, written)}",
                )
        listing = ", ".join(f"{name} {_fmt(c.value, written)}" for c, name in found[:6])
        return _Outcome(
            "unchecked",
            None,
            f"no group is named, and it is none of the groups' "
            f"{KIND_LABELS[reading.kind]}s ({listing})"
            if listing
            else "no group is named",
        )

    def _why_unchecked(self, reading: Reading, test: str | None) -> str:
        if reading.kind == "ci_level":
            return "a confidence level is checked with its interval"
        if test is None:
            return "no local test fits the figures beside it"
        if FAMILY.get(test) not in (*MAIN_FAMILIES, "shapiro", "levene"):
            return f"nothing local checks this figure of {test_title(test)}"
        return f"{test_title(test)} has no local {KIND_LABELS.get(reading.kind, reading.kind)}"

    def _about(self, reading: Reading, test: str | None, alt: str) -> str:
        facts = self.facts
        if reading.pair is not None and len(facts.names) > 2:
            a, b = reading.pair
            return f"Tukey's HSD, {facts.names[a]} vs {facts.names[b]}"
        if reading.kind in GROUP_KINDS and reading.group is not None:
            return f"the {KIND_LABELS[reading.kind]} of {facts.names[reading.group]}"
        title = test_title(test)
        if reading.kind in ("p_value", "ci_low", "ci_high", "critical") and FAMILY.get(
            test or ""
        ) in ("t", "rank_sum", "signed_rank"):
            title += f" ({alt})" if alt != "two-sided" else " (two-sided)"
        if reading.group is not None and FAMILY.get(test or "") == "shapiro":
            title += f", {facts.names[reading.group]}"
        return title

    def _other_sidedness(self, reading: Reading, test: str | None, alt: str) -> str | None:
        if test is None or FAMILY.get(test) not in ("t", "rank_sum", "signed_rank"):
            return None
        written = reading.written
        if written is None:
            return None
        for other in ("two-sided", "less", "greater"):
            if other == alt:
                continue
            for candidate in self.candidates(reading, test, other):
                if written.agrees(candidate.value):
                    if other == "two-sided":
                        return "it is the two-sided p, but the text says one-sided"
                    return f"it is the one-sided p ({other}), but the text " + (
                        "says two-sided" if self._says_two(reading) else "does not say one-sided"
                    )
        return None

    def _says_two(self, reading: Reading) -> bool:
        return reading.sided == "two-sided"

    def alpha_for(self, reading: Reading) -> float:
        source = self._source_of.get(id(reading))
        if source is not None and source.read.alpha:
            return source.read.alpha
        return self.facts.alpha

    # ------------------------------------------------------------------ choosing the test

    def block_score(self, source: SourceText, block: Block, test: str, alt: str) -> _Choice:
        choice = _Choice(test, alt)
        for index in block.readings:
            reading = source.read.readings[index]
            if reading.kind in GROUP_KINDS or reading.written is None:
                continue
            outcome = self.number(reading, test, alt)
            if outcome.verdict == "confirmed":
                choice.confirmed += 1
            elif outcome.verdict == "contradicted":
                choice.contradicted += 1
        return choice

    def choose(self) -> None:
        facts = self.facts
        scores: dict[str, dict[tuple[str, str], list[int]]] = {}
        per_block: dict[tuple[int, int], list[_Choice]] = {}
        for s, source in enumerate(self.sources):
            for block in source.read.blocks:
                family = _family_of(block, source.read, facts)
                self.families[(s, block.index)] = family
                if family is None:
                    continue
                options = []
                for test in facts.available(family):
                    for alt in self._alts(block, source):
                        choice = self.block_score(source, block, test, alt)
                        options.append(choice)
                        total = scores.setdefault(family, {}).setdefault((test, alt), [0, 0])
                        total[0] += choice.confirmed
                        total[1] += choice.contradicted
                per_block[(s, block.index)] = options
        main = self._main_family()
        if main is not None:
            for s, source in enumerate(self.sources):
                for block in source.read.blocks:
                    if self.families.get((s, block.index)) is not None:
                        continue
                    options = []
                    for test in facts.available(main):
                        for alt in self._alts(block, source):
                            choice = self.block_score(source, block, test, alt)
                            options.append(choice)
                            total = scores.setdefault(main, {}).setdefault((test, alt), [0, 0])
                            total[0] += choice.confirmed
                            total[1] += choice.contradicted
                    if any(o.confirmed for o in options):
                        per_block[(s, block.index)] = options
        named = self._named_tests()
        for family, options in scores.items():
            ranked = sorted(
                options.items(),
                key=lambda item: (
                    -(item[1][0] - item[1][1]),
                    -item[1][0],
                    item[0][0] not in named,
                    item[0][0] != facts.recommended,
                    item[0][1] != facts.alternative,
                ),
            )
            (test, alt), (confirmed, contradicted) = ranked[0]
            self.family_choice[family] = _Choice(test, alt, confirmed, contradicted)
        for key, options in per_block.items():
            s, index = key
            block = self.sources[s].read.blocks[index]
            family = self.families[key] or main
            preferred = self.family_choice.get(family or "")
            if not options:
                self.choices[key] = _Choice(None, self._alts(block, self.sources[s])[0])
                continue
            best = sorted(
                options,
                key=lambda c: (
                    -(c.confirmed - c.contradicted),
                    -c.confirmed,
                    c.test != block.test,
                    not (preferred and c.test == preferred.test and c.alt == preferred.alt),
                    c.test not in named,
                    c.test != facts.recommended,
                ),
            )[0]
            self.choices[key] = best
        self.main_family = main

    def _named_tests(self) -> set[str]:
        named: set[str] = set()
        for source in self.sources:
            for mention in source.read.mentions:
                if mention.test and not mention.negated:
                    named.add(mention.test)
            for call in source.calls:
                if call.test:
                    named.add(call.test)
            for block in source.read.blocks:
                if block.test:
                    named.add(block.test)
        return named

    def _main_family(self) -> str | None:
        for source in self.sources:
            for block in source.read.blocks:
                family = self.families.get((self.sources.index(source), block.index))
                if family in MAIN_FAMILIES:
                    return family
        for source in self.sources:
            for mention in source.read.mentions:
                if not mention.negated and mention.family in MAIN_FAMILIES:
                    return mention.family
        if self.facts.recommended:
            return FAMILY.get(self.facts.recommended)
        return None

    def choice_for(self, s: int, block: Block | None) -> _Choice:
        facts = self.facts
        if block is not None:
            key = (s, block.index)
            if key in self.choices and self.choices[key].test is not None:
                chosen = self.choices[key]
                preferred = self.family_choice.get(self.families.get(key) or self.main_family or "")
                if (
                    chosen.confirmed == 0
                    and preferred is not None
                    and (FAMILY.get(preferred.test or "") == FAMILY.get(chosen.test or ""))
                ):
                    # nothing in the block fits any test: judge it as the answer's test
                    alts = self._alts(block, self.sources[s])
                    alt = preferred.alt if preferred.alt in alts else chosen.alt
                    return _Choice(preferred.test, alt)
                return chosen
            if self.families.get(key) is not None and key in self.choices:
                return self.choices[key]
        main = self.family_choice.get(self.main_family or "")
        alts = self._alts(block, self.sources[s]) if block is not None else [facts.alternative]
        if main is not None:
            alt = main.alt if main.alt in alts else alts[0]
            return _Choice(main.test, alt)
        test = (
            facts.recommended if self.main_family == FAMILY.get(facts.recommended or "") else None
        )
        if test is None and self.main_family:
            available = facts.available(self.main_family)
            test = available[0] if available else None
        return _Choice(test, alts[0])

    # ------------------------------------------------------------------ statements

    def _sentence_choice(self, s: int, reading: Reading) -> tuple[_Choice, Reading | None]:
        """The result a statement is about: a p in its sentence, else a block in its
        sentence, else the closest result before it, else the main result."""
        read = self.sources[s].read
        same = [
            r
            for r in read.readings
            if r.sentence == reading.sentence and r.kind == "p_value" and r.block is not None
        ]
        if same:
            before = [r for r in same if r.start <= reading.start]
            anchor = before[-1] if before else same[0]
            block = read.blocks[anchor.block] if anchor.block is not None else None
            return self.choice_for(s, block), anchor
        blocks = [b for b in read.blocks if b.sentence == reading.sentence]
        if not blocks:
            blocks = [
                b
                for b in read.blocks
                if b.sentence < reading.sentence
                and b.sentence >= reading.sentence - 2
                and self.families.get((s, b.index)) in MAIN_FAMILIES
            ]
            blocks = blocks[-1:]
        if blocks:
            return self.choice_for(s, blocks[-1]), None
        return self.choice_for(s, None), None

    def conclusion(self, s: int, reading: Reading) -> _Outcome:
        facts = self.facts
        alpha = self.sources[s].read.alpha or facts.alpha
        if reading.kind == "pair" and reading.pair is not None:
            a, b = reading.pair
            p = facts.pair_p(a, b)
            names = f"{facts.names[a]} vs {facts.names[b]}"
            if p is None:
                return _Outcome("unchecked", None, f"no local pairwise test of {names}")
            return self._decision(reading, p, alpha, f"Tukey's HSD, {names}")
        test_mention = self._assumption_named(s, reading)
        if test_mention is not None:
            p = self._assumption_p(test_mention, reading)
            if p is None:
                return _Outcome("unchecked", None, f"no local p of {test_title(test_mention)}")
            return self._decision(reading, p, alpha, test_title(test_mention))
        choice, _anchor = self._sentence_choice(s, reading)
        if choice.test is None:
            return _Outcome("unchecked", None, "no local test to judge it by")
        if FAMILY.get(choice.test) == "t":
            p = facts.t_p(choice.test, choice.alt)
        else:
            found = facts.figure(choice.test, "p_value", choice.alt)
            p = found[0].value if found else None
        if p is None:
            return _Outcome("unchecked", None, f"no local p of {test_title(choice.test)}")
        return self._decision(reading, p, alpha, self._about_p(choice))

    def _about_p(self, choice: _Choice) -> str:
        title = test_title(choice.test)
        if FAMILY.get(choice.test or "") in ("t", "rank_sum", "signed_rank"):
            title += f" ({choice.alt})"
        return title

    def _decision(self, reading: Reading, p: float, alpha: float, about: str) -> _Outcome:
        significant = p < alpha
        relation = "<" if significant else "≥"
        expected = f"p = {_fmt(p)} {relation} α = {alpha:g}"
        if bool(reading.polarity) == significant:
            return _Outcome("confirmed", expected, f"{about}: {expected}")
        truth = "significant" if significant else "not significant"
        return _Outcome("contradicted", expected, f"{about}: {expected}, so it is {truth}", True)

    def _assumption_named(self, s: int, reading: Reading) -> str | None:
        read = self.sources[s].read
        before = [
            m
            for m in read.mentions
            if m.sentence == reading.sentence and m.start < reading.start and not m.negated
        ]
        if before and before[-1].test in ("shapiro_wilk", "levene"):
            return before[-1].test
        return None

    def _assumption_p(self, test: str, reading: Reading) -> float | None:
        facts = self.facts
        if test == "levene":
            found = facts.figure("levene", "p_value", "two-sided")
            return found[0].value if found else None
        found = facts.figure("shapiro_wilk", "p_value", "two-sided", group=reading.group)
        if not found:
            return None
        values = [c.value for c in found]
        # "normality was rejected" holds if it was for some group; "not" if for none
        return min(values)

    def direction(self, s: int, reading: Reading) -> _Outcome:
        facts = self.facts
        assert reading.higher is not None
        a, b = reading.higher
        read = self.sources[s].read
        start, end = read.mapped.span(reading.start, reading.end)
        sentence_text = read.mapped.original[max(0, start - 80) : end + 40].lower()
        key = (
            reading.of
            if reading.of in ("sd", "median")
            else ("median" if "median" in sentence_text else "mean")
        )
        va, vb = facts.group(a, key), facts.group(b, key)
        if va is None or vb is None:
            return _Outcome("unchecked", None, "no local group summaries")
        names = facts.names
        expected = f"{key} of {names[a]} {_fmt(va)} {'>' if va > vb else '<=' if va == vb else '<'}"
        expected += f" {key} of {names[b]} {_fmt(vb)}"
        if va > vb:
            return _Outcome("confirmed", expected, expected)
        if va == vb:
            return _Outcome("contradicted", expected, f"{expected}: they are equal")
        return _Outcome(
            "contradicted", expected, f"{names[a]} is not higher than {names[b]}: {expected}"
        )

    def test_named(self, s: int, reading: Reading) -> _Outcome:
        facts = self.facts
        named = reading.test
        assert named is not None
        if (
            named == "welch_t"
            and len(facts.names) > 2
            and not re.search(r"(?i)\bt\b", reading.label)
        ):
            named = "welch_anova"  # "Welch's test" of three groups is Welch's ANOVA
        family = FAMILY.get(named)
        if named == "post_hoc":
            return self._post_hoc_named()
        if named == "independent_t":
            choice = self.family_choice.get("t")
            if choice is None or choice.test is None:
                return _Outcome("unchecked", None, "no t-test figures to check it by")
            if choice.test in ("student_t", "welch_t"):
                return _Outcome(
                    "confirmed", choice.test, f"the figures are those of {test_title(choice.test)}"
                )
            return _Outcome(
                "contradicted",
                choice.test,
                f"the figures are those of {test_title(choice.test)}, a test of paired data",
            )
        if family in ("shapiro", "levene"):
            return self._assumption_named_outcome(named)
        if family not in MAIN_FAMILIES:
            return _Outcome("unchecked", None, f"nothing local checks {test_title(named)}")
        read = self.sources[s].read
        blocks = [
            b
            for b in read.blocks
            if b.sentence == reading.sentence and self.families.get((s, b.index)) == family
        ]
        if not blocks:
            # a title or lead line: the result printed under it
            later = [
                b
                for b in read.blocks
                if reading.sentence < b.sentence <= (reading.sentence + 4)
                and self.families.get((s, b.index)) is not None
            ]
            if later and self.families.get((s, later[0].index)) == family:
                blocks = later[:1]
        if not blocks and named not in facts.available(family):
            beside = [
                b
                for b in read.blocks
                if b.sentence == reading.sentence
                and self.families.get((s, b.index)) in MAIN_FAMILIES
            ]
            if beside:
                other = self.choice_for(s, beside[0]).test
                return _Outcome(
                    "contradicted",
                    other,
                    f"the figures beside it are those of {test_title(other)}; "
                    f"{test_title(named)} does not apply to these data",
                )
        if blocks:
            choice = self.choices.get((s, blocks[0].index))
            if choice is not None and choice.test is None:
                choice = None
        else:
            # no figures beside the name: are the named test's figures given anywhere?
            for t, other in enumerate(self.sources):
                for block in other.read.blocks:
                    given = self.choices.get((t, block.index))
                    if given is not None and given.test == named and given.confirmed:
                        return _Outcome(
                            "confirmed", named, f"its figures are given: {test_title(named)}"
                        )
            choice = self.family_choice.get(family or "")
        if choice is None:
            if named not in facts.available(family):
                bare_wilcoxon = named == "wilcoxon_signed_rank" and not re.search(
                    r"(?i)signed|paired|rel|one[- ]sample", reading.label
                )  # "wilcoxon" alone also names the rank-sum test (R's rigr, SAS)
                if named == "paired_t" or (named == "wilcoxon_signed_rank" and not bare_wilcoxon):
                    return _Outcome(
                        "contradicted", None, "the groups here are independent, not paired"
                    )
                before = self.sources[s].read.mapped.text[
                    max(0, reading.start - 40) : reading.start
                ]
                contrasted = re.search(
                    r"(?i)\b(?:instead\s+of|rather\s+than|not|unlike|as\s+opposed\s+to)"
                    r"\s+(?:the\s+|a\s+)?(?:[\w-]+\s+){0,2}$",
                    before,
                )
                if (
                    named in ("mann_whitney_u", "student_t", "welch_t")
                    and facts.design == "paired"
                    and not contrasted
                ):
                    return _Outcome(
                        "contradicted",
                        None,
                        f"the data here are paired; {test_title(named)} is for independent samples",
                    )
                return _Outcome(
                    "unchecked", None, f"there are no local results of {test_title(named)}"
                )
            return _Outcome(
                "unchecked", None, f"no figures of {test_title(named)} are given to check it by"
            )
        if named not in facts.available(family):
            used = test_title(choice.test)
            if named in ("paired_t", "wilcoxon_signed_rank") and facts.design != "paired":
                return _Outcome(
                    "contradicted",
                    choice.test,
                    f"the groups are independent; the figures are those of {used}",
                )
            return _Outcome("contradicted", choice.test, f"the figures are those of {used}")
        if choice.test == named:
            note = ""
            if facts.design == "paired" and named in ("student_t", "welch_t", "mann_whitney_u"):
                note = "; the data are paired, so a paired test fits them better"
            return _Outcome(
                "confirmed", named, f"the figures are those of {test_title(named)}" + note
            )
        # the figures fit another test: does the named one fit them as well (a tie)?
        source = self.sources[s]
        for block in (
            blocks
            or [b for b in source.read.blocks if self.families.get((s, b.index)) == family][:1]
        ):
            own = self.block_score(source, block, named, choice.alt)
            best = self.block_score(source, block, choice.test or named, choice.alt)
            if own.confirmed - own.contradicted >= best.confirmed - best.contradicted:
                return _Outcome("confirmed", named, f"the figures fit {test_title(named)}")
        return _Outcome(
            "contradicted",
            choice.test,
            f"the figures are those of {test_title(choice.test)}, not {test_title(named)}",
        )

    def _post_hoc_named(self) -> _Outcome:
        found = [
            r
            for source in self.sources
            for r in source.read.readings
            if r.pair is not None and r.written is not None
        ]
        for reading in found:
            if self.number(reading, None, "two-sided").verdict == "confirmed":
                return _Outcome("confirmed", "post_hoc", "its pairwise figures are given")
        if not found:
            return _Outcome("unchecked", None, "no pairwise figures to check it by")
        return _Outcome("unchecked", None, "none of its pairwise figures could be confirmed")

    def _assumption_named_outcome(self, named: str) -> _Outcome:
        family = FAMILY[named]
        for s, source in enumerate(self.sources):
            for block in source.read.blocks:
                if self.families.get((s, block.index)) == family:
                    choice = self.choice_for(s, block)
                    if choice.confirmed:
                        return _Outcome(
                            "confirmed", named, f"its figures are those of {test_title(named)}"
                        )
        return _Outcome("unchecked", None, f"no figures of {test_title(named)} to check it by")

    def sidedness(self, s: int, reading: Reading) -> _Outcome:
        said = reading.sided
        read = self.sources[s].read
        ps = [
            r
            for r in read.readings
            if r.kind == "p_value"
            and r.written is not None
            and r.block is not None
            and r.sentence == reading.sentence
        ]
        if not ps:
            ps = [
                r
                for r in read.readings
                if r.kind == "p_value"
                and r.written is not None
                and r.block is not None
                and FAMILY.get(self.choice_for(s, read.blocks[r.block]).test or "") in MAIN_FAMILIES
            ]
        own = bool(ps)  # the p values are in the claim's own text: the nearest decides
        if not ps:
            for t, other in enumerate(self.sources):
                if t == s:
                    continue
                found = [
                    r
                    for r in other.read.readings
                    if r.kind == "p_value" and r.written is not None and r.block is not None
                ]
                if found:
                    s, read, ps = t, other.read, found
                    break
        if not ps:
            return _Outcome("unchecked", None, "no p value to check it by")
        # the nearest p first: in printed output the p just before (R prints the alternative
        # after it), in prose the p just after (a heading or a hypothesis comes first)
        after_first = read.source == "text"
        if own:
            ps = sorted(
                ps,
                key=lambda r: (
                    (r.start > reading.start) != after_first,
                    abs(r.start - reading.start),
                ),
            )
        if said in _ONE_SIDED and self._subtracted_in_reverse(read.mapped.text, reading.start):
            said_local = "greater" if said == "less" else "less"
            return self._sided_as(s, read, ps, said_local, said, nearest=own)
        return self._sided_as(s, read, ps, said, said, nearest=own)

    def _subtracted_in_reverse(self, text: str, offset: int) -> bool:
        """Whether the output just before says the second group minus the first (R's
        ``data:  y - x``), so that a one-sided direction is the mirror of the local one."""
        names = self.facts.names
        if len(names) != 2:
            return False
        lines = re.findall(r"(?m)^data:\s+(.+?)\s+(?:-|and)\s+(.+?)\s*$", text[:offset])
        if not lines:
            return False
        first, second = lines[-1]
        return (first.strip(), second.strip()) == (names[1], names[0])

    def _sided_as(
        self, s: int, read: Any, ps: list[Reading], said: str, shown: str, *, nearest: bool
    ) -> _Outcome:
        wanted = (
            ["two-sided"]
            if said == "two-sided"
            else ([said] if said in _ONE_SIDED else list(_ONE_SIDED))
        )
        others = [a for a in ("two-sided", "less", "greater") if a not in wanted]
        for p in ps:  # any p of another text that fits; in its own text, the nearest decides
            block = read.blocks[p.block] if p.block is not None else None
            test = self.choice_for(s, block).test
            if any(self.number(p, test, alt).verdict == "confirmed" for alt in wanted):
                return _Outcome("confirmed", shown, f"the p value {p.shown} is {shown}")
            wrong = self._other_side(p, test, others, shown) if nearest else None
            if wrong is not None:
                return wrong
        for p in ps if not nearest else ():
            block = read.blocks[p.block] if p.block is not None else None
            wrong = self._other_side(p, self.choice_for(s, block).test, others, shown)
            if wrong is not None:
                return wrong
        return _Outcome("unchecked", None, "the p values beside it fit neither sidedness")

    def _other_side(
        self, p: Reading, test: str | None, others: list[str], shown: str
    ) -> _Outcome | None:
        """The claim contradicted when the p fits another sidedness, else None."""
        for alt in others:
            if self.number(p, test, alt).verdict == "confirmed":
                side = "two-sided" if alt == "two-sided" else f"one-sided ({alt})"
                return _Outcome(
                    "contradicted", side, f"the p value {p.shown} is {side}, not {shown}"
                )
        return None

    # ------------------------------------------------------------------ the claims

    def claims(self) -> list[Claim]:
        out = []
        for s, source in enumerate(self.sources):
            read = source.read
            for reading in read.readings:
                outcome = self.outcome(s, reading)
                out.append(self._claim(source, reading, outcome))
        return out

    def outcome(self, s: int, reading: Reading) -> _Outcome:
        if reading.kind in ("conclusion", "pair"):
            return self.conclusion(s, reading)
        if reading.kind == "direction":
            return self.direction(s, reading)
        if reading.kind == "test":
            return self.test_named(s, reading)
        if reading.kind == "sidedness":
            return self.sidedness(s, reading)
        read = self.sources[s].read
        block = read.blocks[reading.block] if reading.block is not None else None
        choice = self.choice_for(s, block)
        if reading.kind == "ci_level":
            return self._level(s, reading, choice)
        if (
            reading.kind == "mean_difference"
            and reading.pair is not None
            and len(self.facts.names) == 2
        ):
            reading.pair = None
        return self.number(reading, choice.test, choice.alt)

    def _level(self, s: int, reading: Reading, choice: _Choice) -> _Outcome:
        """A CI level is right when the bounds beside it are that level's interval."""
        read = self.sources[s].read
        bounds = [
            r
            for r in read.readings
            if r.kind in ("ci_low", "ci_high")
            and r.start > reading.start
            and r.start - reading.end < 80
        ][:2]
        if not bounds or choice.test is None:
            return _Outcome("unchecked", None, "no interval beside it to check it by")
        level = reading.level or 0.95

        def fits(lv: float) -> bool:
            if any(b.pair is not None for b in bounds) and abs(lv - (1 - self.facts.alpha)) > 1e-9:
                return False  # Tukey's intervals are given at 1 - alpha only
            ok = 0
            for b in bounds:
                b.level = lv
                if self.number(b, choice.test, choice.alt).verdict == "confirmed":
                    ok += 1
            return ok == len(bounds)

        try:
            if fits(level):
                return _Outcome("confirmed", level, f"the interval is the {level:.0%} one")
            for other in (0.95, 0.90, 0.99, 0.80, 0.975, 0.999):
                if other != level and fits(other):
                    return _Outcome(
                        "contradicted",
                        other,
                        f"the bounds beside it are those of the {other:.0%} "
                        f"interval, not the {level:.0%} one",
                    )
            return _Outcome("unchecked", None, "the bounds beside it fit no usual level")
        finally:
            for b in bounds:
                b.level = level

    def _claim(self, source: SourceText, reading: Reading, outcome: _Outcome) -> Claim:
        read = source.read
        if read.source == "report":
            start = end = None
        else:
            start, end = read.span(reading)
        facts = self.facts
        pair = None
        if reading.pair is not None and all(i < len(facts.names) for i in reading.pair):
            pair = (facts.names[reading.pair[0]], facts.names[reading.pair[1]])
        group = (
            facts.names[reading.group]
            if reading.group is not None and (reading.group < len(facts.names))
            else None
        )
        block = read.blocks[reading.block] if reading.block is not None else None
        s = self.sources.index(source)
        test = self.choice_for(s, block).test if reading.kind not in GROUP_KINDS else None
        if reading.kind == "test":
            test = reading.test
        about = _about_words(reading, test, group, pair)
        return Claim(
            kind=_public_kind(reading, test),
            source=read.source,  # type: ignore[arg-type]
            reported=_reported(reading),
            verdict=outcome.verdict,  # type: ignore[arg-type]
            reason=outcome.reason,
            start=start,
            end=end,
            cell=source.cell,
            value=reading.written.value if reading.written else None,
            expected=outcome.expected,
            about=about,
            test=test,
            group=group,
            pair=pair,
            decision_error=outcome.decision_error,
        )

    def variant_and_notes(self) -> tuple[str | None, list[str]]:
        facts = self.facts
        main = self.family_choice.get(self.main_family or "")
        if main is None or main.test is None:
            return None, self.notes
        variant = main.test
        if main.alt != "two-sided" and FAMILY.get(main.test) in ("t", "rank_sum", "signed_rank"):
            variant += f" (one-sided: {main.alt})"
        notes = list(self.notes)
        recommended = facts.recommended
        if (
            recommended
            and recommended != main.test
            and FAMILY.get(recommended) == FAMILY.get(main.test)
        ):
            reason = next(
                (r for r in facts.reasons if test_title(recommended).split()[0] in r),
                facts.reasons[0] if facts.reasons else "",
            )
            notes.append(
                f"The figures are those of {test_title(main.test)}, which is a valid choice; "
                f"the local recommendation is {test_title(recommended)}"
                + (f": {reason}" if reason else ".")
            )
        elif recommended and FAMILY.get(recommended) != FAMILY.get(main.test):
            notes.append(
                f"The figures are those of {test_title(main.test)}; the local "
                f"recommendation is {test_title(recommended)}."
            )
        if facts.design == "paired" and main.test in ("student_t", "welch_t", "mann_whitney_u"):
            notes.append(
                "The data are paired, but the figures are those of a test for independent groups."
            )
        if main.alt != facts.alternative and main.alt != "two-sided":
            notes.append(f"The p value is one-sided ({main.alt}).")
        return variant, notes


def _significant(written: Written, alpha: float) -> bool:
    if written.bound == "<":
        return written.value <= alpha
    if written.bound == ">":
        return written.value < alpha and False
    return written.value < alpha


def _public_kind(reading: Reading, test: str | None) -> str:
    kind = reading.kind
    if kind == "statistic":
        symbol = FAMILY_SYMBOL.get(FAMILY.get(test or "", ""), "statistic")
        return {"W": "W"}.get(symbol, symbol)
    if kind == "effect":
        family = FAMILY.get(test or "")
        return {
            "anova": "eta2",
            "rank_sum": "r_effect",
            "signed_rank": "r_effect",
            "kruskal": "eta2",
        }.get(family or "", "d")
    if reading.pair is not None and kind in ("mean_difference", "p_value"):
        return "pair_difference" if kind == "mean_difference" else "pair_p"
    return kind


def _reported(reading: Reading) -> str:
    label = reading.label.strip()
    if reading.written is None:
        return label
    if reading.kind in ("ci_low", "ci_high", "ci_level"):
        return reading.written.text
    relation = reading.written.bound
    return f"{label} {relation} {reading.written.text}" if label else reading.written.shown


def _about_words(
    reading: Reading, test: str | None, group: str | None, pair: tuple[str, str] | None
) -> str:
    if pair is not None:
        return f"{pair[0]} vs {pair[1]}"
    if group is not None and reading.kind in GROUP_KINDS:
        return f"group {group}"
    if reading.kind in ("direction",) and reading.higher is not None:
        return "which group is higher"
    if test:
        base = test_title(test)
        return base + (f", group {group}" if group else "")
    return ""


def report_read(figures: Mapping[str, Any], names: Sequence[str]) -> Read:
    """The structured ``report_results`` figures as a source with one block."""
    from assistant_core.claims.reader import Read as _Read
    from assistant_core.claims.written import Mapped

    test = _test_key(figures.get("test"))
    family = FAMILY.get(test) if test else None
    readings: list[Reading] = []
    kinds = {
        "statistic": ("statistic", None),
        "df": ("df", None),
        "df_between": ("df", "df1"),
        "df_within": ("df", "df2"),
        "p_value": ("p_value", None),
        "ci_low": ("ci_low", None),
        "ci_high": ("ci_high", None),
        "mean_difference": ("mean_difference", None),
        "effect_size": ("effect", None),
    }
    effect = str(figures.get("effect_size_name") or "").lower()
    effect_kind = (
        "dz"
        if "z" in effect.replace("size", "") and "d" in effect
        else "g"
        if ("g" in effect and "hedges" in effect) or effect in ("g", "hedges_g")
        else "eta2"
        if "eta" in effect or "η" in effect
        else "omega2"
        if "omega" in effect or "ω" in effect
        else "r_effect"
        if effect in ("r", "rank_biserial")
        else "d"
        if effect
        else "effect"
    )
    for key, (kind, role) in kinds.items():
        written = _structured(figures.get(key))
        if written is None:
            continue
        if kind == "effect":
            kind = effect_kind
        label = key.replace("_", " ")
        readings.append(Reading(kind, 0, 0, 0, written, label, role, block=0))
    alternative = figures.get("alternative")
    sided = None
    if isinstance(alternative, str):
        low = alternative.lower()
        sided = "two-sided" if low.startswith("two") else low if low in _ONE_SIDED else None
    level = figures.get("ci_level") or figures.get("confidence_level")
    if isinstance(level, int | float) and 0 < level < 1:
        for r in readings:
            if r.kind in ("ci_low", "ci_high"):
                r.level = float(level)
    blocks = [Block(0, 0, 0, list(range(len(readings))), family, test, sided)] if readings else []
    del names
    return _Read("report", Mapped(""), readings, blocks, [], sided, None, 0)


def _structured(raw: Any) -> Written | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        if not math.isfinite(float(raw)):
            return None
        return parse_written(repr(float(raw)) if isinstance(raw, float) else str(raw))
    if isinstance(raw, str):
        return parse_written(raw)
    return None


def _test_key(name: Any) -> str | None:
    from assistant_core.claims.reader import _test_in

    if not isinstance(name, str) or not name.strip():
        return None
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in MAIN_TESTS:
        return key
    aliases = {
        "student": "student_t",
        "welch": "welch_t",
        "paired": "paired_t",
        "mann_whitney": "mann_whitney_u",
        "wilcoxon": "wilcoxon_signed_rank",
        "anova": "one_way_anova",
        "kruskal": "kruskal_wallis",
    }
    if key in aliases:
        return aliases[key]
    return _test_in(name)


def judge(facts: Facts, sources: Sequence[SourceText]) -> ClaimReport:
    """The claims of every source, judged against ``facts``."""
    judge_ = _Judge(facts, list(sources))
    judge_.choose()
    claims = judge_.claims()
    variant, notes = judge_.variant_and_notes()
    return ClaimReport.of(claims, variant, notes, "data")
