"""The words people write for figures, tests and sidedness, and what they mean.

Three tables, each a list of (pattern, meaning) pairs tried in order:

* :data:`LABELS`: a label before a number (``t``, ``p-value``, ``Cohen's d``, ``Sum Sq``) ->
  the kind of figure, with a role where the label gives one (``SSB`` is the between-groups sum
  of squares);
* :data:`TEST_NAMES`: a test named in prose, output or code -> the local test's key;
* :data:`SIDEDNESS`: "one-tailed", ``alternative='less'`` -> the alternative said.

Every entry is exercised by a test quoting the real sentence it came from
(``tests/test_claims_reader.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "FAMILY",
    "LABELS",
    "MAIN_TESTS",
    "SIDEDNESS",
    "SYMBOL_FAMILY",
    "TEST_NAMES",
    "TEST_TITLES",
    "Label",
    "label_of",
    "test_title",
]

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

#: Test key -> family: tests of one family share a statistic; the figures decide between them.
FAMILY = {
    "student_t": "t",
    "welch_t": "t",
    "paired_t": "t",
    "mann_whitney_u": "rank_sum",
    "wilcoxon_signed_rank": "signed_rank",
    "one_way_anova": "anova",
    "welch_anova": "anova",
    "kruskal_wallis": "kruskal",
    "shapiro_wilk": "shapiro",
    "levene": "levene",
    "post_hoc": "post_hoc",
    "independent_t": "t",
}

TEST_TITLES = {
    "student_t": "Student's t-test",
    "welch_t": "Welch's t-test",
    "paired_t": "the paired t-test",
    "mann_whitney_u": "the Mann-Whitney U test",
    "wilcoxon_signed_rank": "the Wilcoxon signed-rank test",
    "one_way_anova": "the one-way ANOVA",
    "welch_anova": "Welch's ANOVA",
    "kruskal_wallis": "the Kruskal-Wallis test",
    "shapiro_wilk": "the Shapiro-Wilk test",
    "levene": "Levene's test",
    "post_hoc": "Tukey's HSD",
    "independent_t": "an independent-samples t-test",
}

#: The statistic symbol each family reports (for messages); and symbol -> family.
FAMILY_SYMBOL = {
    "t": "t",
    "rank_sum": "U",
    "signed_rank": "W",
    "anova": "F",
    "kruskal": "H",
    "shapiro": "W",
    "levene": "F",
}
SYMBOL_FAMILY = {"t": "t", "U": "rank_sum", "F": "anova", "H": "kruskal", "chi2": "kruskal"}


def test_title(key: str | None) -> str:
    """``"welch_t"`` -> ``"Welch's t-test"`` (a key not known is shown as it is)."""
    if not key:
        return "no test named"
    base, _, side = key.partition(" (")
    title = TEST_TITLES.get(base, base.replace("_", " "))
    return f"{title} ({side}" if side else title


@dataclass(frozen=True)
class Label:
    """What a label says: the kind of figure, and a role (``between``, ``first``, ...)."""

    kind: str
    role: str | None = None
    test: str | None = None  # the label names the test ("Mann-Whitney U", "Welch's t")
    symbol: str | None = None  # the statistic's symbol as a family marker


def _l(
    pattern: str, kind: str, role: str | None = None, test: str | None = None
) -> tuple[re.Pattern[str], Label]:
    """An entry; ``A|(?i)B`` means A case-sensitive or B in any case (one-letter symbols)."""
    head, mark, tail = pattern.partition("|(?i)")
    if mark:
        pattern = f"{head}|(?i:{tail.replace('|(?i)', '|')})"
    return re.compile(pattern), Label(kind, role, test)


# Label phrases, matched against the whole phrase before the number (the last one to four
# words). Case matters for one-letter symbols (t, T, F, U, W, V, H, M, N, n, p, P, d, g, r).
LABELS: tuple[tuple[re.Pattern[str], Label], ...] = (
    # critical values first: "critical value", "t critical", "critical t-value", "t_crit"
    _l(
        r"(?i)^(?:(?:the\s+)?critical(?:\s+(?:t|f|z|χ²|chi[- ]?squared?)(?:[- ]value)?)?"
        r"(?:\s+value)?(?:\s+of\s+t)?|(?:t|f|z)[-_ ]?crit(?:ical)?(?:[-_ ]value)?|t\*"
        r"|tabulated(?:\s+value)?|table\s+value)$",
        "critical",
    ),
    # statistics
    _l(
        r"^(?:t|T)$|(?i)^(?:the\s+)?t[-_ .]?(?:stat(?:istic)?s?|val(?:ue)?|score|ratio)$|^t_\d", "t"
    ),
    _l(r"(?i)^(?:welch'?s?|student'?s?|paired)\s+t$", "t"),
    _l(r"^F$|(?i)^(?:the\s+)?f[-_ ]?(?:stat(?:istic)?|val(?:ue)?|ratio|score)$|^F_", "F"),
    _l(r"^(?:U|u)$|(?i)^(?:the\s+)?u[-_ ]?(?:stat(?:istic)?|val(?:ue)?)$|^U_\w+$", "U"),
    _l(
        r"(?i)^mann[- ]?whitney(?:'?s)?\s+u$|^mann[- ]?whitney\s+u[- ]stat(?:istic)?$",
        "U",
        test="mann_whitney_u",
    ),
    _l(r"^(?:W|V)$|(?i)^w[-_ ]?(?:stat(?:istic)?|val(?:ue)?)$|^W_\w+$", "W"),
    _l(r"(?i)^wilcoxon(?:'?s)?\s+(?:w|t|v)$", "W", test="wilcoxon_signed_rank"),
    _l(r"^H$|(?i)^(?:the\s+)?h[-_ ]?(?:stat(?:istic)?|val(?:ue)?)$", "H"),
    _l(
        r"(?i)^kruskal[- ]wallis(?:'?s)?\s+(?:h|chi[- ]?squared?|χ²|test\s+statistic)$",
        "H",
        test="kruskal_wallis",
    ),
    _l(
        r"^(?:χ²|χ2|X²|X2)$|(?i)^chi[- ]?(?:squared?|sq|2)(?:[- ]stat(?:istic)?|[- ]value)?$",
        "chi2",
    ),
    _l(r"^(?:z|Z)$|(?i)^z[-_ ]?(?:stat(?:istic)?|val(?:ue)?|score)$", "z"),
    _l(r"^Q$", "Q"),
    _l(r"(?i)^(?:t|the\s+t)\s+test[-\s]+stat(?:istic)?$|^t_(?:obs|calc|computed|stat)$", "t"),
    _l(r"(?i)^(?:the\s+)?(?:test[-\s]+)?stat(?:istic)?$|^value$", "statistic"),
    # degrees of freedom
    _l(r"(?i)^(?:df|dof|degrees?\s+of\s+freedom|the\s+degrees\s+of\s+freedom)$", "df"),
    _l(r"(?i)^num(?:erator)?\s+df$|^df1$|^df[-_ ]?(?:between|b|effect|num)$", "df", "df1"),
    _l(r"(?i)^denom(?:inator)?\s+df$|^df2$|^df[-_ ]?(?:within|w|error|resid\w*|den)$", "df", "df2"),
    # p values
    _l(
        r"^(?:p|P)$|(?i)^(?:the\s+)?(?:(?:two|one)[- ](?:tailed|sided)\s+)?p[-_ ]?val(?:ue)?s?$"
        r"|(?i)^(?:p[-_ ]?(?:unc|adj|corr|fdr|bonf|holm|tukey)|pvalues?|pr|sig\.?|asymp\.?\s+sig\.?"
        r"|(?:exact\s+)?sig\.?\s+\(2-tailed\)|prob(?:ability)?|p\.(?:value|adj|val)|pr\s*\(\s*>\s*(?:f|\|?[tz]\|?|chi)\s*\)"
        r"|p[-_ ]?adj(?:usted)?)$",
        "p_value",
    ),
    # sample sizes
    _l(r"^(?:n|N)$|(?i)^(?:sample\s+sizes?|count|nobs|n[-_ ]obs|no\.\s+of\s+obs\w*)$", "n"),
    # descriptives
    _l(
        r"^M$|(?i)^(?:the\s+)?(?:means?|average|avg|mean\s+(?:score|value|time|rating)s?|x̄"
        r"|sample\s+means?|averaged?|averaging)$",
        "mean",
    ),
    _l(r"(?i)^mean\s+(?:in|of|for)\s+(?:group|sample)\s+\S+$", "mean"),
    _l(r"(?i)^mean\s+of\s+x$", "mean", "first"),
    _l(r"(?i)^mean\s+of\s+y$", "mean", "second"),
    _l(r"(?i)^(?:sd|s\.d\.|std|std\.?\s*dev\.?|stdev|standard\s+deviations?|sample\s+sd)$", "sd"),
    _l(r"(?i)^(?:var|variances?|s²|σ²|sample\s+variances?)$", "variance"),
    _l(
        r"(?i)^(?:se|sem|s\.e\.m?\.?|std\.?\s+err(?:or)?\.?|standard\s+errors?"
        r"(?:\s+of\s+the\s+mean)?|se\s+mean)$",
        "se",
    ),
    _l(r"(?i)^(?:median|mdn|md|medians|50%)$", "median"),
    _l(r"(?i)^(?:min|minimum)$", "min"),
    _l(r"(?i)^(?:max|maximum)$", "max"),
    # the difference
    _l(
        r"(?i)^(?:(?:the\s+)?(?:estimated\s+|observed\s+|average\s+|mean\s+)?(?:difference|diff)"
        r"(?:\s+(?:in|of|between)\s+(?:the\s+)?(?:group\s+)?means?)?|meandiff|mean[-_ ]diff"
        r"|δ|δm|mean\s+of\s+(?:the\s+)?differences?|estimate|d[_ ]?bar|d̄)$",
        "mean_difference",
    ),
    # effect sizes
    _l(r"(?i)^(?:cohen'?s?\s+d[-_ ]?z|d[-_]z|dz)$", "dz"),
    _l(
        r"(?i)^(?:cohen'?s?\s+d(?:[-_ ]?s)?|cohen[-_]d|cohens[-_]d|(?:cohen'?s?\s+)?d\s+estimate)$"
        r"|^d$",
        "d",
    ),
    _l(r"(?i)^(?:hedges'?\s*(?:'s\s+|s\s+)?g|hedges|hedges[-_]g|g\s+estimate)$|^g$", "g"),
    _l(
        r"(?i)^(?:partial\s+)?(?:η²|η2|ηp²|η_p²|eta[- _]?squared|eta[- ]?sq|eta2|np2|eta2\[g\]"
        r"|ges)$",
        "eta2",
    ),
    _l(r"(?i)^(?:ω²|ω2|omega[- _]?squared|omega2)$", "omega2"),
    _l(r"^r$|(?i)^(?:rbc|rank[- ]biserial(?:\s+correlation)?|r[-_ ]effect)$", "r_effect"),
    _l(r"(?i)^(?:effect\s+size|es)$", "effect"),
    # ANOVA tables
    _l(
        r"(?i)^(?:ssb|ss[-_ ]?(?:between|b|treatment|model|group)|between[- ]groups?\s+sum\s+of"
        r"\s+squares|sum\s+of\s+squares\s+between(?:\s+groups)?)$",
        "ss",
        "between",
    ),
    _l(
        r"(?i)^(?:ssw|sse|ss[-_ ]?(?:within|w|error|resid\w*)"
        r"|within[- ]groups?\s+sum\s+of\s+squares"
        r"|sum\s+of\s+squares\s+within(?:\s+groups)?|residual\s+sum\s+of\s+squares)$",
        "ss",
        "within",
    ),
    _l(r"(?i)^(?:sst|ss[-_ ]?total|total\s+sum\s+of\s+squares)$", "ss", "total"),
    _l(r"(?i)^(?:ss|sum[\s_]+sq|sum\s+of\s+sq(?:uares)?|sums\s+of\s+squares)$", "ss"),
    _l(r"(?i)^(?:msb|ms[-_ ]?(?:between|b|treatment|group))$", "ms", "between"),
    _l(r"(?i)^(?:msw|mse|ms[-_ ]?(?:within|w|error|resid\w*))$", "ms", "within"),
    _l(r"(?i)^(?:ms|mean[\s_]+sq|mean\s+squares?)$", "ms"),
    # alpha (sets the level; not a claim)
    _l(
        r"(?i)^(?:α|alpha|alp|significance\s+level|level\s+of\s+significance|fwer|sig\.?\s+level)$",
        "alpha",
    ),
    _l(r"(?i)^(?:ci|ci95%?|c\.i\.|conf(?:idence)?[\s._-]*int(?:erval)?|\d\d%\s*ci)$", "ci"),
    # figures nothing local checks (read so that they are counted, not dropped)
    _l(r"(?i)^(?:power|achieved\s+power|bf10|bf01|bayes\s+factor|cles|auc)$", "other"),
)

#: Table headings of interval bounds (statsmodels' lower/upper, R's lwr/upr).
CI_BOUND_HEADINGS = {
    "conf.low": "low",
    "conf.high": "high",
    "lower.ci": "low",
    "upper.ci": "high",
    "ci_low": "low",
    "ci_high": "high",
    "lower": "low",
    "lwr": "low",
    "lower ci": "low",
    "ci lower": "low",
    "low": "low",
    "upper": "high",
    "upr": "high",
    "upper ci": "high",
    "ci upper": "high",
    "high": "high",
}


# Phrases that end in a label's word but name something else: the variance of a rank sum
# (R's and rigr's wilcoxon print it), a value under the null hypothesis.
_NOT_LABELS = re.compile(
    r"(?i)^(?:(?:un)?adjusted\s+variance|adjustment\s+for\s+ties|hypothesi[sz]ed\s+\w+"
    r"|null\s+(?:value|median|mean|difference)|expected\s+(?:rank\s+sum|value))$"
)


@lru_cache(maxsize=4096)
def not_a_label(phrase: str) -> bool:
    """Whether a phrase ends in a label's word but is not that label (``adjusted variance``)."""
    return bool(_NOT_LABELS.match(re.sub(r"\s+", " ", phrase.strip().strip(":").strip())))


@lru_cache(maxsize=8192)
def label_of(phrase: str) -> Label | None:
    """The meaning of a label phrase, or None when it is not a label."""
    phrase = re.sub(r"\s+", " ", phrase.strip().strip(":").strip())
    if not phrase or len(phrase) > 60:
        return None
    for pattern, label in LABELS:
        if pattern.search(phrase):
            return label
    return None


# (pattern, test key or None, family). Overlaps: the earliest, then the longest match wins, so
# "Welch's ANOVA" is welch_anova and not welch_t + one_way_anova.
TEST_NAMES: tuple[tuple[re.Pattern[str], str | None, str], ...] = tuple(
    (re.compile(pattern, re.I), key, family)
    for pattern, key, family in (
        (
            r"welch'?s?\s+(?:one[- ]way\s+)?(?:anova|f[- ]?test|f\b)|welch_anova"
            r"|use_?var\s*=\s*['\"]unequal['\"]|one-way\s+analysis\s+of\s+means\s+\(not\s+"
            r"assuming\s+equal\s+variances\)|oneway\.test\((?![^)]*var\.equal\s*=\s*T)",
            "welch_anova",
            "anova",
        ),
        (
            r"\bwelch\b(?:'?s)?(?:\s+(?:two[- ]sample\s+|independent[- ]samples?\s+|unequal[- ]"
            r"variances?\s+)?t[- ]?tests?\b)?|equal_var\s*=\s*false\b|var\.equal\s*=\s*f(?:alse)?"
            r"\b|unequal[- ]variances?\s+t[- ]?test|t[- ]test\s+(?:assuming|with)\s+unequal"
            r"\s+variances?|separate[- ]variances?\s+t",
            "welch_t",
            "t",
        ),
        (
            r"student'?s?\s+(?:two[- ]sample\s+|independent[- ]samples?\s+|unpaired\s+)?t\b"
            r"(?![- ]?tests?\s+(?:for|of|on)\s+(?:paired|dependent|related|matched))"
            r"(?!\s*(?:cdf|pdf|distribution|quantile|table|critical))"
            r"|equal_var\s*=\s*true\b|var\.equal\s*=\s*t(?:rue)?\b"
            r"|t[- ]test\s+(?:assuming|with)\s+equal\s+variances?|pooled[- ]variances?\s+t\b"
            r"|(?m:^\s*two\s+sample\s+t-test)",
            "student_t",
            "t",
        ),
        (
            r"paired[- ](?:samples?[- ])?t\b|paired\s+(?:samples?\s+)?student'?s\s+t\b"
            r"|ttest_rel|paired\s*=\s*true\b|dependent[- ]samples?\s+t\b|paired_t_test|paired_ttest"
            r"|repeated[- ]measures\s+t\b|matched[- ]pairs?\s+t\b|paired\s+t[- ]test"
            r"|student'?s?\s+t[- ]?tests?\s+(?:for|of|on)\s+(?:paired|dependent|related|matched)"
            r"\s+(?:samples?|data|observations)",
            "paired_t",
            "t",
        ),
        (
            r"mann[-_ ]?whitney|mannwhitneyu|wilcoxon\s+rank[-_ ]sum|rank[-_ ]sum\s+test|ranksums"
            r"|wilcoxon[- ]mann[- ]whitney",
            "mann_whitney_u",
            "rank_sum",
        ),
        (
            r"wilcoxon(?!\s+rank[- ]sum)(?:\s+signed[- ]rank)?|signed[- ]rank",
            "wilcoxon_signed_rank",
            "signed_rank",
        ),
        (
            r"(?:one[-_ ]way|classic(?:al)?|standard|fisher'?s?)[\s_]+anova|f_oneway|anova_lm"
            r"|one[- ]way\s+analysis\s+of\s+(?:variance|means)|analysis\s+of\s+variance",
            "one_way_anova",
            "anova",
        ),
        (r"kruskal", "kruskal_wallis", "kruskal"),
        (r"shapiro|normality\s+tests?", "shapiro_wilk", "shapiro"),
        (r"levene|brown[- ]forsythe|homogeneity\s+of\s+variances?\s+test", "levene", "levene"),
        (
            r"tukey|post[- ]?hoc|pairwise|games[- ]howell|\bdunn\b|bonferroni|\bholm\b",
            "post_hoc",
            "post_hoc",
        ),
        (
            r"two[-_ ]?sample[-_ ]?t[-_ ]?tests?|independent[-_ ]samples?[-_ ]t[-_ ]?tests?"
            r"|unpaired[-_ ]t[-_ ]?tests?|two_sample_t_test|independent_t_test",
            "independent_t",
            "t",
        ),
        (
            r"\bt[- ]?tests?\b|ttest_ind|two[- ]sample\s+t\b|independent[- ]samples?\s+t\b",
            None,
            "t",
        ),
        (r"\banova\b|\bf[- ]tests?\b", None, "anova"),
    )
)

#: "rather than Student's", "instead of a t-test": the name that follows is not the one used.
NEGATED = re.compile(
    r"\b(?:rather\s+than|instead\s+of|not|unlike|than|over|nor|without|n't|no\s+need\s+for|"
    r"alternative\s+to|alternatives?\s+such\s+as|versus|vs\.?|or|compared\s+(?:to|with))\s+"
    r"(?:(?:an?|the|using|use|classic(?:al)?|standard|regular|ordinary|usual)\s+)*$",
    re.I,
)

#: (pattern, alternative). "less"/"greater" are in the local convention (first minus second)
#: only when the pattern reads them from a statement that says so (scipy's, R's).
SIDEDNESS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"alternative\s*=\s*['\"]?(less|greater|two[-._]sided)", re.I), None),
    (
        re.compile(r"alternative hypothesis:[^\n]*?\b(less than|greater than|not equal)", re.I),
        None,
    ),
    (re.compile(r"\b(?:right|upper)[- ](?:sided|tailed)\b", re.I), "greater"),
    (re.compile(r"\b(?:left|lower)[- ](?:sided|tailed)\b", re.I), "less"),
    (
        re.compile(
            r"\b(?:one[- ](?:sided|tailed)|directional|1[- ](?:tailed|sided)|onetailed)\b", re.I
        ),
        "one-sided",
    ),
    (
        re.compile(
            r"\b(?:two[- ](?:sided|tailed)|non[- ]?directional|2[- ](?:tailed|sided))\b", re.I
        ),
        "two-sided",
    ),
)
