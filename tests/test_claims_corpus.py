"""The claim engine on real passages (tests/corpus/): what a person would mark is checked.

Every passage was written by someone outside the team (tutorials, documentation examples, Q&A
answers, model answers published in repositories, papers' results sentences); each keeps its
source in its YAML file, with its full data and, for each figure a person would mark, the
truth recomputed in R. The variants are MADE UP: each seeds one error into a real passage.

A mark is *checked* when a claim over its span is confirmed or contradicted; a mark whose
source is right must never be contradicted; a seeded error must be contradicted where it is
written. The figures are measured over the whole corpus and printed with what was missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant_core.claims import ClaimReport, check_text
from assistant_core.data import make_dataset
from assistant_core.stats import check
from tests.corpus.load import Mark, Passage, Variant, load

PASSAGES = load()

# Measured on this corpus (see the closing note of the claims issue): the engine checks this
# share of the marks and catches all but this many seeded errors. The target is 90 %
# and every error; these floors keep what has been reached from slipping back.
CHECKED_FLOOR = 0.83
MISSED_VARIANTS_CEILING = 24
MISSED_SOURCE_ERRORS_CEILING = 9


def judged(passage: Passage, text: str | None = None, output: str | None = None) -> ClaimReport:
    """The passage's claims, judged against the local results of its own data, as `verify`
    judges a text given with data."""
    dataset = make_dataset(passage.groups, paired=passage.paired)
    report = check(dataset, alpha=passage.alpha, alternative=passage.alternative).to_dict()
    output = passage.output if output is None else output
    return check_text(
        passage.text if text is None else text,
        report=report,
        data=[group.values for group in dataset.groups],
        names=dataset.names,
        outputs=[output] if output else (),
        alpha=passage.alpha,
    )


def over(report: ClaimReport, where: str, start: int, end: int) -> list:
    """The claims whose span overlaps [start, end) in the text or the output."""
    return [
        c
        for c in report.claims
        if c.source == where
        and c.start is not None
        and c.end is not None
        and c.start < end
        and start < c.end
    ]


@dataclass(frozen=True)
class MarkResult:
    passage: str
    mark: Mark
    verdicts: tuple[str, ...]

    @property
    def checked(self) -> bool:
        return any(v in ("confirmed", "contradicted") for v in self.verdicts)


@pytest.fixture(scope="module")
def mark_results() -> list[MarkResult]:
    results = []
    for passage in PASSAGES:
        report = judged(passage)
        for mark in passage.marks:
            found = over(report, mark.where, mark.start, mark.end)
            results.append(MarkResult(passage.id, mark, tuple(c.verdict for c in found)))
    return results


def test_the_corpus_is_large_and_sourced() -> None:
    assert len(PASSAGES) >= 40
    assert all(p.source.strip() for p in PASSAGES)
    assert sum(1 for p in PASSAGES if p.variants) >= 15
    seeded = {v.kind for p in PASSAGES for v in p.variants}
    for kind in ("t", "df", "p_value", "conclusion", "direction", "pair", "test", "sidedness"):
        assert kind in seeded, kind


def test_most_marked_figures_are_checked(mark_results: list[MarkResult]) -> None:
    missed = [r for r in mark_results if not r.checked]
    share = 1 - len(missed) / len(mark_results)
    print(f"\n{share:.1%} of {len(mark_results)} marks checked; unchecked:")
    for r in missed:
        print(f"  {r.passage}: {r.mark.kind} {r.mark.find!r} {r.verdicts}")
    assert share >= CHECKED_FLOOR, f"{share:.1%} checked"


def test_no_correct_figure_is_called_contradicted(mark_results: list[MarkResult]) -> None:
    wrong = [
        (r.passage, r.mark.kind, r.mark.find)
        for r in mark_results
        if r.mark.expect == "confirmed" and "contradicted" in r.verdicts
    ]
    assert wrong == []


def test_errors_the_sources_made_are_contradicted(mark_results: list[MarkResult]) -> None:
    """Some real passages are wrong (a typo'd p, a model's invented variance): those marks are
    contradicted where they are written, all but the few still unread."""
    theirs = [r for r in mark_results if r.mark.expect == "contradicted"]
    missed = [r for r in theirs if "contradicted" not in r.verdicts]
    print(f"\n{len(theirs) - len(missed)} of {len(theirs)} errors in the sources contradicted")
    for r in missed:
        print(f"  {r.passage}: {r.mark.kind} {r.mark.find!r} {r.verdicts}")
    assert len(theirs) >= 40
    assert len(missed) <= MISSED_SOURCE_ERRORS_CEILING


def _variant_caught(passage: Passage, variant: Variant) -> bool:
    text, output = passage.text, passage.output
    if variant.where == "text":
        text = variant.apply(text)
    else:
        output = variant.apply(output)
    report = judged(passage, text, output)
    end = variant.start + len(variant.replace)
    return any(c.verdict == "contradicted" for c in over(report, variant.where, variant.start, end))


def test_seeded_errors_are_contradicted_where_they_are_written() -> None:
    missed = [
        (p.id, v.kind, v.find, v.replace)
        for p in PASSAGES
        for v in p.variants
        if not _variant_caught(p, v)
    ]
    total = sum(len(p.variants) for p in PASSAGES)
    print(f"\n{total - len(missed)} of {total} seeded errors contradicted; missed:")
    for m in missed:
        print("  ", *m)
    assert len(missed) <= MISSED_VARIANTS_CEILING, missed


def test_an_untouched_passage_has_no_contradiction_the_source_did_not_make() -> None:
    """Beyond the marks: no claim anywhere in a correct passage is contradicted unless the
    source itself got that figure wrong."""
    for passage in PASSAGES:
        theirs = [m for m in passage.marks if m.expect == "contradicted"]
        report = judged(passage)
        for claim in report.claims:
            if claim.verdict != "contradicted":
                continue
            assert any(
                m.where == claim.source
                and m.start < (claim.end or 0)
                and (claim.start or 0) < m.end
                for m in theirs
            ), (passage.id, claim.reported, claim.reason)
