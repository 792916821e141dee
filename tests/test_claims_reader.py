"""Each way of writing a figure or a statement, tested on the real sentence it came from.

The sentences are real passages of the corpus (tests/corpus/passages_*.yaml, where each keeps
its source, its data and the truth recomputed in R); ``PATTERNS`` names, for each pattern of
the reader, one passage and the piece of it the pattern reads. Each piece must be read as the
kind of claim it is and confirmed against the passage's own data.
"""

from __future__ import annotations

import pytest

from tests.corpus.load import load
from tests.test_claims_corpus import judged, over

PASSAGES = {p.id: p for p in load()}

# (what the reader handles, passage id, where, the piece, the claim's kind)
PATTERNS = [
    ("R's htest print: t = ..., df = ...", "r-doc-t-test-mtcars-am", "output", "-3.7671", "t"),
    ("R's htest print: p-value = ...", "r-doc-t-test-mtcars-am", "output", "0.001374", "p_value"),
    ("R's interval under its level", "r-doc-t-test-mtcars-am", "output", "-11.280194", "ci_low"),
    ("R's 'mean of x mean of y' estimates", "r-doc-t-test-mtcars-am", "output", "17.14737", "mean"),
    ("R's W of wilcox.test in prose", "cv-407317-knn-tree-welch-wilcox", "text", "W = 35", "W"),
    (
        "a test named as R prints it",
        "cv-407317-knn-tree-welch-wilcox",
        "text",
        "Welch Two Sample t-test",
        "test",
    ),
    (
        "reST math: :math:`U_M = 17`",
        "scipy-mannwhitneyu-diabetes-two-sided",
        "text",
        "U_M = 17",
        "U",
    ),
    (
        "a doctest's printed p",
        "scipy-mannwhitneyu-diabetes-two-sided",
        "output",
        "0.1111111111111111",
        "p_value",
    ),
    (
        "an emmeans Tukey table: estimate",
        "emmeans-368-tukey-three-groups",
        "text",
        "3.7733290",
        "pair_difference",
    ),
    (
        "an emmeans Tukey table: p.value",
        "emmeans-368-tukey-three-groups",
        "text",
        "0.0016529",
        "pair_p",
    ),
    (
        "a Welch ANOVA in rstatix's words",
        "rstatix-334-welch-anova-toothgrowth-na",
        "text",
        "= 29.59",
        "F",
    ),
    (
        "Kruskal-Wallis written X2(2) = ...",
        "rstatix-334-welch-anova-toothgrowth-na",
        "text",
        "X2(2) = 21.91",
        "H",
    ),
    ("an ANOVA table's mean square", "r-doc-oneway-test-sleep", "output", "12.4820", "ms"),
    (
        "effectsize's Hedges' g table",
        "effectsize-readme-cohens-d-hedges-g-mtcars",
        "output",
        "-1.44",
        "g",
    ),
    (
        "effectsize's eta squared table",
        "effectsize-readme-eta-omega-squared-gear",
        "output",
        "0.43",
        "eta2",
    ),
    (
        "a summary table's median",
        "datanovia-plantgrowth-summary-statistics",
        "output",
        "5.16",
        "median",
    ),
    (
        "an effect size in words",
        "bookdown-anorexia-paired-effect-size",
        "text",
        "effect size was -0.3462",
        "d",
    ),
    (
        "t_crit=... in a model's working",
        "htbench-cot-grok4fast-welch-correct",
        "text",
        "t_crit=2.040",
        "critical",
    ),
    (
        "sidedness in parentheses",
        "htbench-cot-grok4fast-welch-correct",
        "text",
        "two-tailed",
        "sidedness",
    ),
    (
        "a bound with its sidedness",
        "htbench-cot-claude-opus-paired-sd-guess",
        "text",
        "p-value < 0.0001 (two-tailed)",
        "p_value",
    ),
    (
        "df worked as n − 1 with a Unicode minus",
        "htbench-cot-gpt51-paired-zero-corr",
        "text",
        "df = n − 1 = 19",
        "df",
    ),
    (
        "'less than .05' in words",
        "statology-welch-t-test-r-booklet",
        "text",
        "less than .05",
        "p_value",
    ),
    (
        "a direction: 'has a higher mean score'",
        "statology-welch-t-test-r-booklet",
        "text",
        "has a higher mean score",
        "direction",
    ),
    (
        "a critical value printed by R's qt",
        "statistic-on-air-paired-t-test-runners",
        "output",
        "[1] 2.262157",
        "critical",
    ),
    (
        "LaTeX: as $p < \\alpha$",
        "cervenka-notebook-paired-t-test-module",
        "text",
        "as $p < \\alpha$",
        "p_value",
    ),
    ("a p 'higher than 0.05'", "cv-277687-mann-whitney-a-b", "text", "higher than 0.05", "p_value"),
]


@pytest.mark.parametrize(
    ("what", "pid", "where", "piece", "kind"), PATTERNS, ids=[p[0] for p in PATTERNS]
)
def test_the_pattern_reads_its_real_sentence(
    what: str, pid: str, where: str, piece: str, kind: str
) -> None:
    passage = PASSAGES[pid]
    source = passage.text if where == "text" else passage.output
    start = source.index(piece)
    claims = over(judged(passage), where, start, start + len(piece))
    assert claims, (what, passage.source)
    assert kind in {c.kind for c in claims}, (what, [(c.kind, c.reported) for c in claims])
    assert all(c.verdict == "confirmed" for c in claims), [(c.kind, c.reason) for c in claims]
