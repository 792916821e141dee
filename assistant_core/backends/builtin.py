"""The built-in analyst: offline, deterministic and rule-based - not an AI model.

For the data of a conversation it writes a short plan, writes the Python that runs the plan
(:mod:`assistant_core.analyst_code`), runs it in the conversation's local interpreter,
reads the figures back from that code's own printed output and writes the narrative from
them. :func:`~assistant_core.stats.check` only helps it *choose* the test (the same rules
a careful analyst would apply); every figure it reports comes from the code it ran.

Later turns of the same conversation are follow-ups, understood by a few keyword rules
(:func:`understand`): another test, a one-sided alternative, the effect size, power, a plot,
or the whole analysis again. Anything else gets a list of what it can do.
"""

from __future__ import annotations

import math
import re
import time
import weakref
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant_core import analyst_code as code
from assistant_core.backends.base import Backend, Conversation
from assistant_core.data import Dataset
from assistant_core.errors import DataError
from assistant_core.events import (
    CodeDelta,
    CodeDone,
    CodeOutput,
    Error,
    Event,
    ImageOutput,
    Reported,
    Status,
    TextDelta,
)
from assistant_core.reporting import STAT_LABELS, TEST_NAMES, format_df, format_number, format_p
from assistant_core.stats import check

__all__ = ["BuiltinAnalyst", "Request", "Result", "understand"]

#: how many words go into one streamed text chunk
WORDS_PER_CHUNK = 4

#: a step of an answer: yields its events, returns whether it completed
Steps = Generator[Event, None, bool]
#: a cell: yields its events, returns its text output and how many images it made
Cell = Generator[Event, None, tuple[str, int]]

# --------------------------------------------------------------------------- understanding

#: (pattern, test family): the first rule that matches wins, so specific names come first
TEST_RULES: tuple[tuple[str, str], ...] = (
    (r"mann[- ]?whitney|rank[- ]?sum|\bu[- ]test", "rank"),
    (r"kruskal", "rank"),
    (r"wilcoxon|signed[- ]rank", "signed_rank"),
    (r"non[- ]?parametric|rank[- ]based", "rank"),
    (r"welch", "welch"),
    (r"student|pooled", "student"),
    (r"\banova\b|\bf[- ]test", "classic"),
    (r"\bpaired\b|repeated measures|before and after", "paired"),
)

#: test family -> test key, for each design (a family missing here does not fit the design)
TEST_FOR_DESIGN: dict[str, dict[str, str]] = {
    "independent": {
        "welch": "welch_t",
        "student": "student_t",
        "classic": "student_t",
        "rank": "mann_whitney_u",
        "signed_rank": "mann_whitney_u",
    },
    "paired": {
        "paired": "paired_t",
        "signed_rank": "wilcoxon_signed_rank",
        "rank": "wilcoxon_signed_rank",
    },
    "multi": {
        "welch": "welch_anova",
        "classic": "one_way_anova",
        "student": "one_way_anova",
        "rank": "kruskal_wallis",
        "signed_rank": "kruskal_wallis",
    },
}

#: (pattern, alternative): "one-sided" alone has no direction
ALTERNATIVE_RULES: tuple[tuple[str, str], ...] = (
    (r"two[- ]sided|two[- ]tailed|either direction|non[- ]?directional", "two-sided"),
    (r"\b(lower|less|smaller|shorter|fewer|below|decrease[sd]?|reduce[sd]?)\b", "less"),
    (
        r"\b(higher|greater|larger|bigger|longer|above|more than|exceeds?|increase[sd]?)\b",
        "greater",
    ),
    (r"one[- ]sided|one[- ]tailed|directional", "one-sided"),
)

#: (action, pattern), in the order the actions are carried out
ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("analysis", r"analy[sz]|\bdiffer|compare|significan|which test|\bagain\b|start over"),
    ("effect", r"effect[- ]?size|\bcohen|\bhedges|how (big|large|strong)|magnitude"),
    (
        "power",
        r"\bpower|sample size|how many (more )?"
        r"(subjects|participants|people|patients|observations|values|pairs)",
    ),
    ("plot", r"\bplot|chart|graph|visuali[sz]|histogram|box[- ]?plot|\bdraw|picture|\bfigure\b"),
)

#: (plot kind, pattern); a plot request matching none gets the means with their intervals
PLOT_RULES: tuple[tuple[str, str], ...] = (
    ("histogram", r"hist|distribution"),
    ("box", r"box|every value|points|dots"),
    ("means", r"mean|error bar|interval"),
)

_DESIGN_WORDS = {
    "independent": "two independent groups",
    "paired": "paired data",
    "multi": "three or more groups",
}


@dataclass(frozen=True)
class Request:
    """What a question asks for, as far as the keyword rules understand it."""

    actions: tuple[str, ...] = ()  # among "analysis", "test", "effect", "power", "plot"
    test: str | None = None  # a key of the local report's tests, fitting the design
    alternative: str | None = None  # "two-sided", "less" or "greater"
    plot: str = "means"
    notes: tuple[str, ...] = ()  # what could not be done as asked, and why


def _search(pattern: str, text: str) -> bool:
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def _second_group_first(question: str, names: Sequence[str]) -> bool:
    """True when the question names the second group before the first ("is B lower than A?").

    A group is recognised by its full name (any case) or, if that is unique, by its last
    word as written ("A" of "Treatment A"), so that "a" as an article does not count.
    """
    if len(names) != 2:
        return False
    last_words = [name.split()[-1] if name.split() else name for name in names]
    positions = []
    for name, last in zip(names, last_words, strict=True):
        whole = rf"(?<!\w){re.escape(name)}(?!\w)"
        found = [m.start() for m in re.finditer(whole, question, flags=re.IGNORECASE)]
        if last != name and last_words.count(last) == 1:
            found += [m.start() for m in re.finditer(rf"(?<!\w){re.escape(last)}(?!\w)", question)]
        positions.append(min(found) if found else None)
    first, second = positions
    return second is not None and (first is None or second < first)


def understand(question: str, dataset: Dataset) -> Request:
    """Turn a question into a :class:`Request` with a few keyword rules (see the tables above)."""
    design = dataset.design
    notes: list[str] = []
    actions = [action for action, pattern in ACTION_RULES if _search(pattern, question)]

    test = None
    family = next((fam for pattern, fam in TEST_RULES if _search(pattern, question)), None)
    if family is not None:
        test = TEST_FOR_DESIGN[design].get(family)
        if test is None:
            fitting = ", ".join(
                TEST_NAMES[key] for key in dict.fromkeys(TEST_FOR_DESIGN[design].values())
            )
            notes.append(
                f"That test does not fit {_DESIGN_WORDS[design]}; the tests that do are: {fitting}."
            )

    alternative = next(
        (alt for pattern, alt in ALTERNATIVE_RULES if _search(pattern, question)), None
    )
    if alternative in ("less", "greater") and _second_group_first(question, dataset.names):
        alternative = "greater" if alternative == "less" else "less"
    if alternative == "one-sided":
        alternative = None
        notes.append(
            "A one-sided test needs a direction, chosen before looking at the data: ask for "
            'example "is the first group lower than the second?" or "one-sided, greater".'
        )
    if alternative is not None and design == "multi":
        alternative = None
        notes.append(
            "A one-sided alternative only applies to two groups; the tests for three or more "
            "groups are about any difference between them."
        )

    if test is not None or alternative is not None:
        actions.insert(1 if actions[:1] == ["analysis"] else 0, "test")
    plot = next((kind for kind, pattern in PLOT_RULES if _search(pattern, question)), "means")
    return Request(tuple(actions), test, alternative, plot, tuple(notes))


# --------------------------------------------------------------------------- results

#: test -> the printed figures holding its statistic, df, df_within and p-value
FIGURE_KEYS: dict[str, tuple[str, str | None, str | None, str]] = {
    "welch_t": ("t", "df", None, "p"),
    "student_t": ("t", "df", None, "p"),
    "paired_t": ("t", "df", None, "p"),
    "mann_whitney_u": ("U", None, None, "p"),
    "wilcoxon_signed_rank": ("V", None, None, "p"),
    "one_way_anova": ("F_anova", None, "df_within_anova", "p_anova"),
    "welch_anova": ("F_welch", None, "df_within_welch", "p_welch"),
    "kruskal_wallis": ("H", "df_kruskal", None, "p_kruskal"),
}

#: design -> the effect size reported (a key of the local report's effect sizes)
EFFECT_FOR_DESIGN = {"independent": "cohens_d", "paired": "cohens_dz", "multi": "eta_squared"}

EFFECT_LABELS = {
    "cohens_d": "Cohen's d",
    "hedges_g": "Hedges' g",
    "cohens_dz": "Cohen's d_z",
    "eta_squared": "η²",
    "omega_squared": "ω²",
    "rank_biserial": "the rank-biserial correlation r",
}

#: effect -> upper limits of "negligible", "small", "medium" (Cohen's conventions)
EFFECT_BANDS = {
    "cohens_d": (0.2, 0.5, 0.8),
    "hedges_g": (0.2, 0.5, 0.8),
    "cohens_dz": (0.2, 0.5, 0.8),
    "rank_biserial": (0.1, 0.3, 0.5),
    "eta_squared": (0.01, 0.06, 0.14),
}


@dataclass(frozen=True)
class Result:
    """The figures one cell printed (read back from its output), with what they belong to."""

    dataset: Dataset
    alpha: float
    figures: Mapping[str, float | str]

    def value(self, key: str | None) -> float | None:
        """A printed figure as a finite float, ``None`` when absent or not finite."""
        number = self.figures.get(key) if key else None
        if isinstance(number, float) and math.isfinite(number):
            return number
        return None

    def bound(self, key: str) -> float | None:
        """Like :meth:`value` but keeps infinite bounds (one-sided intervals)."""
        number = self.figures.get(key)
        if isinstance(number, float) and not math.isnan(number):
            return number
        return None

    @property
    def design(self) -> str:
        return self.dataset.design

    @property
    def names(self) -> list[str]:
        return self.dataset.names

    @property
    def test(self) -> str | None:
        test = self.figures.get("test")
        return test if isinstance(test, str) and test in FIGURE_KEYS else None

    @property
    def alternative(self) -> str:
        alternative = self.figures.get("alternative")
        return alternative if isinstance(alternative, str) else "two-sided"

    def _keys(self) -> tuple[str, str | None, str | None, str]:
        return FIGURE_KEYS[self.test] if self.test else ("", None, None, "")

    @property
    def statistic(self) -> float | None:
        return self.value(self._keys()[0])

    @property
    def df(self) -> float | None:
        return self.value(self._keys()[1])

    @property
    def df_within(self) -> float | None:
        return self.value(self._keys()[2])

    @property
    def p_value(self) -> float | None:
        return self.value(self._keys()[3])

    @property
    def significant(self) -> bool | None:
        p = self.p_value
        return None if p is None else p < self.alpha

    @property
    def effect_name(self) -> str:
        return EFFECT_FOR_DESIGN[self.design]

    @property
    def effect(self) -> float | None:
        return self.value(self.effect_name)

    def reported(self) -> dict[str, Any]:
        """The figures in the vocabulary of :class:`~assistant_core.events.Reported`.

        Figures that were not printed, or are not finite, are left out.
        """
        out: dict[str, Any] = {}
        if self.test and (self.statistic is None or self.p_value is None):
            out["test"] = self.test  # not computable: its other figures would mean nothing
        elif self.test:
            out["test"] = self.test
            out["alternative"] = self.alternative if self.design != "multi" else "two-sided"
            out["statistic"] = self.statistic
            if self.test in ("one_way_anova", "welch_anova"):
                out["df_between"] = self.value("df_between")
                out["df_within"] = self.df_within
            else:
                out["df"] = self.df
            out["p_value"] = self.p_value
            if self.test in ("welch_t", "student_t", "paired_t"):
                out["ci_low"] = self.value("ci_low")
                out["ci_high"] = self.value("ci_high")
                out["mean_difference"] = self.value("mean_difference")
        if self.effect is not None:
            out["effect_size_name"] = self.effect_name
            out["effect_size"] = self.effect
        return {key: value for key, value in out.items() if value is not None}


# --------------------------------------------------------------------------- wording


def q(name: str) -> str:
    """A group name for the narrative: a Markdown code span, so it is shown, never rendered."""
    text = " ".join(str(name).splitlines()) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _num(value: float | None, digits: int = 2) -> str:
    return format_number(value, digits)


def _p(value: float | None) -> str:
    """``p < .001 (p = 7.557e-06)``: the reporting style, with the exact value beside it."""
    if value is None:
        return "p = n/a"
    styled = format_p(value)
    return f"{styled} (p = {value:.4g})" if styled == "p < .001" else styled


def _band(effect: str, value: float) -> str:
    small, medium, large = EFFECT_BANDS.get(effect, EFFECT_BANDS["cohens_d"])
    size = abs(value)
    if size < small:
        return "negligible"
    if size < medium:
        return "small"
    if size < large:
        return "medium"
    return "large"


def _level(alpha: float) -> str:
    return f"{round((1 - alpha) * 100, 1):g}%"


def _count(n: float | None, noun: str) -> str:
    n = int(n or 0)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def result_line(result: Result) -> str:
    """The test in reporting style, e.g. ``Welch's t(14.78) = -6.71, p < .001 (p = 7.557e-06)``."""
    test = result.test
    if test is None:
        return "The test could not be read from the output."
    if result.statistic is None or result.p_value is None:
        return f"{TEST_NAMES[test]} could not be computed from these data (see the output above)"
    label = STAT_LABELS[test]
    stat = _num(result.statistic)
    if test in ("one_way_anova", "welch_anova"):
        dfs = f"{format_df(result.value('df_between'))}, {format_df(result.df_within)}"
        return f"{label}({dfs}) = {stat}, {_p(result.p_value)}"
    if result.df is not None:
        return f"{label}({format_df(result.df)}) = {stat}, {_p(result.p_value)}"
    return f"{label} = {_num(result.statistic, 1)}, {_p(result.p_value)}"


def _hypotheses(result: Result) -> str:
    names, alt = result.names, result.alternative
    if result.design == "multi":
        if result.test == "kruskal_wallis":
            return (
                "**Hypotheses.** H0: the values of all groups come from the same distribution. "
                "H1: at least one group tends to have higher or lower values than another."
            )
        return "**Hypotheses.** H0: all group means are equal. H1: at least one mean differs."
    a, b = q(names[0]), q(names[1])
    relation = {"two-sided": "≠", "less": "<", "greater": ">"}[alt]
    sided = "two-sided" if alt == "two-sided" else "one-sided"
    if result.test == "mann_whitney_u":
        word = {"two-sided": "higher or lower", "less": "lower", "greater": "higher"}[alt]
        return (
            f"**Hypotheses.** H0: the values of {a} and {b} come from the same distribution. "
            f"H1: values in {a} tend to be {word} than in {b} ({sided})."
        )
    if result.test == "wilcoxon_signed_rank":
        word = {"two-sided": "not centred on zero", "less": "mostly negative"}.get(
            alt, "mostly positive"
        )
        return (
            f"**Hypotheses.** H0: the differences {a} − {b} are symmetric around zero. "
            f"H1: they are {word} ({sided})."
        )
    if result.design == "paired":
        return (
            f"**Hypotheses.** H0: the mean difference {a} − {b} is 0. "
            f"H1: it is {relation} 0 ({sided})."
        )
    return (
        f"**Hypotheses.** H0: the mean of {a} equals the mean of {b}. "
        f"H1: mean({a}) {relation} mean({b}) ({sided})."
    )


def _assumptions(result: Result) -> str:
    parts = []
    if result.design == "paired":
        w, p = result.value("shapiro_W_diff"), result.value("shapiro_p_diff")
        if p is None:
            parts.append("Normality of the differences could not be checked (too few pairs).")
        else:
            verdict = "clearly non-normal" if p < 0.01 else "no clear departure from normality"
            parts.append(
                f"Shapiro-Wilk on the differences: W = {_num(w, 3)}, {format_p(p)} ({verdict})."
            )
        return "**Assumptions.** " + " ".join(parts)
    checks, failing = [], []
    for i, name in enumerate(result.names, start=1):
        w, p = result.value(f"shapiro_W_{i}"), result.value(f"shapiro_p_{i}")
        if p is None:
            checks.append(f"{q(name)} not checked (fewer than 3 values or no spread)")
            continue
        checks.append(f"{q(name)} W = {_num(w, 3)}, {format_p(p)}")
        if p < 0.01:
            failing.append(q(name))
    normal = (
        f"clearly non-normal: {', '.join(failing)}"
        if failing
        else "no clear departure from normality"
    )
    parts.append(f"Shapiro-Wilk: {'; '.join(checks)} ({normal}).")
    lev_w, lev_p = result.value("levene_W"), result.value("levene_p")
    if lev_p is not None:
        if lev_p < result.alpha:
            verdict = "the variances differ"
        else:
            verdict = "no clear evidence that the variances differ"
        parts.append(f"Levene (median-centred): W = {_num(lev_w)}, {format_p(lev_p)} ({verdict}).")
    test = result.test
    if test in ("welch_t", "welch_anova"):
        parts.append("Welch's test does not need equal variances in any case.")
    elif test in ("student_t", "one_way_anova") and lev_p is not None and lev_p < result.alpha:
        parts.append("This test assumes equal variances, which looks doubtful here.")
    elif test in ("mann_whitney_u", "kruskal_wallis"):
        parts.append("The rank test does not need normality.")
    return "**Assumptions.** " + " ".join(parts)


def _interval(result: Result) -> str:
    """``95% CI [-16.17, -8.37]``, or the one bound of a one-sided interval."""
    level = _level(result.alpha)
    low, high = result.bound("ci_low"), result.bound("ci_high")
    if low == -math.inf and high is not None:
        return f"one-sided {level} upper bound {_num(high)}"
    if high == math.inf and low is not None:
        return f"one-sided {level} lower bound {_num(low)}"
    return f"{level} CI [{_num(low)}, {_num(high)}]"


def _difference(result: Result) -> str:
    """The mean difference and its interval (t-tests), or the medians (rank tests)."""
    names = result.names
    if result.test in ("welch_t", "student_t", "paired_t"):
        diff = result.value("mean_difference")
        if result.p_value is None:
            return f"Mean difference {q(names[0])} − {q(names[1])} = {_num(diff)}."
        if result.design == "paired":
            return (
                f"Mean difference {q(names[0])} − {q(names[1])} = {_num(diff)}, "
                f"{_interval(result)}."
            )
        return (
            f"Means: {q(names[0])} {_num(result.value('mean_1'))}, {q(names[1])} "
            f"{_num(result.value('mean_2'))}; difference {_num(diff)}, {_interval(result)}."
        )
    if result.test in ("mann_whitney_u", "wilcoxon_signed_rank"):
        r = result.value("rank_biserial")
        medians = ""
        if result.value("median_1") is not None:
            medians = (
                f"Medians: {q(names[0])} {_num(result.value('median_1'))}, "
                f"{q(names[1])} {_num(result.value('median_2'))}. "
            )
        if r is None:
            return medians.strip()
        return medians + (
            f"Rank-biserial correlation r = {_num(r)} ({_band('rank_biserial', r)}; -1 means "
            "every value of the first group is below every value of the second, +1 above)."
        )
    return ""


def _effect_text(result: Result) -> str:
    name, value = result.effect_name, result.effect
    if value is None:
        return f"**Effect size.** {EFFECT_LABELS[name]} could not be computed."
    text = f"**Effect size.** {EFFECT_LABELS[name]} = {_num(value)}"
    if name == "cohens_d" and result.value("hedges_g") is not None:
        text += f" (Hedges' g = {_num(result.value('hedges_g'))})"
    if name == "eta_squared" and result.value("omega_squared") is not None:
        text += f" (ω² = {_num(result.value('omega_squared'))})"
    text += f": a {_band(name, value)} effect by Cohen's conventions"
    if name in ("cohens_d", "cohens_dz"):
        unit = "pooled SDs" if name == "cohens_d" else "SDs of the differences"
        text += f"; the means are {_num(abs(value))} {unit} apart."
    else:
        text += f"; {_num(value * 100, 0)}% of the variance lies between the groups."
    return text


def _plain_words(result: Result) -> str:
    significant = result.significant
    if significant is None:
        return (
            "**In plain words.** The test could not be computed from these data (see the "
            "output above), so there is no conclusion to draw."
        )
    level = f"α = {result.alpha:g}"
    if result.design == "multi":
        if not significant:
            return (
                f"**In plain words.** At {level} the data do not show a difference between the "
                "groups. That is not proof that they are alike: small differences may go unseen."
            )
        pairs = _tukey_pairs(result, only_significant=True)
        which = (
            "Tukey's HSD finds these pairs different: " + "; ".join(pairs) + "."
            if pairs
            else "No single pair differs clearly in Tukey's HSD, though the groups as a whole do."
        )
        return f"**In plain words.** At {level} at least one group differs from another. {which}"
    a, b = q(result.names[0]), q(result.names[1])
    diff = result.value("mean_difference")
    if result.test in ("mann_whitney_u", "wilcoxon_signed_rank"):
        diff = None
    if not significant:
        text = f"**In plain words.** At {level} the data do not show that {a} and {b} differ"
        if result.alternative != "two-sided":
            text += " in the direction tested"
        text += ". That is not proof that they are the same"
        if diff is not None:
            text += ": the interval above shows which differences are still plausible"
        return text + "."
    direction = None
    if diff is not None:
        direction = "lower" if diff < 0 else "higher"
    elif result.value("rank_biserial") is not None:
        direction = "lower" if result.value("rank_biserial") < 0 else "higher"
    if direction is None:
        return f"**In plain words.** At {level} the data show a difference between {a} and {b}."
    how_much = f", by {_num(abs(diff))} on average" if diff is not None else ""
    low, high = result.value("ci_low"), result.value("ci_high")
    if diff is not None and low is not None and high is not None:
        how_much += f" (plausibly between {_num(min(abs(low), abs(high)))} and "
        how_much += f"{_num(max(abs(low), abs(high)))})"
    subject = "the values" if result.design == "paired" else "values"
    return (
        f"**In plain words.** At {level} the difference is statistically significant: "
        f"{subject} of {a} are {direction} than those of {b}{how_much}."
    )


def _tukey_pairs(result: Result, *, only_significant: bool) -> list[str]:
    pairs = []
    names = result.names
    for i in range(1, len(names) + 1):
        for j in range(i + 1, len(names) + 1):
            key = f"{i}_{j}"
            p = result.value(f"tukey_p_{key}")
            if p is None or (only_significant and p >= result.alpha):
                continue
            pairs.append(
                f"{q(names[i - 1])} − {q(names[j - 1])} = {_num(result.value(f'tukey_diff_{key}'))}"
                f", {_level(result.alpha)} CI [{_num(result.value(f'tukey_low_{key}'))}, "
                f"{_num(result.value(f'tukey_high_{key}'))}], {format_p(p)}"
            )
    return pairs


def _multi_details(result: Result) -> str:
    others = []
    for test in ("welch_anova", "one_way_anova", "kruskal_wallis"):
        if test != result.test:
            others.append(
                result_line(Result(result.dataset, result.alpha, {**result.figures, "test": test}))
            )
    text = "For comparison: " + "; ".join(others) + "."
    pairs = _tukey_pairs(result, only_significant=False)
    if pairs:
        text += "\n\nTukey's HSD, every pair: " + "; ".join(pairs) + "."
    return text


def _caveats(result: Result) -> str:
    notes = []
    sizes = [int(result.value(f"n_{i}") or 0) for i in range(1, len(result.names) + 1)]
    smallest = min(sizes) if sizes else 0
    if 0 < smallest < 30:
        unit = "pair" if result.design == "paired" else "value"
        where = "" if result.design == "paired" else " in the smallest group"
        notes.append(
            f"Small samples ({_count(smallest, unit)}{where}): tests on means lean on "
            "normality, and only large effects are likely to be detected."
        )
    with_outliers = [
        f"{q(name)} ({_count(result.value(f'outliers_{i}'), 'value')})"
        for i, name in enumerate(result.names, start=1)
        if (result.value(f"outliers_{i}") or 0) > 0
    ]
    if with_outliers:
        notes.append(
            "Possible outliers (beyond 1.5 IQR from the quartiles): "
            + ", ".join(with_outliers)
            + ". Check they are real values; means and t-tests are sensitive to them."
        )
    if result.design == "paired" and (result.value("outliers_diff") or 0) > 0:
        notes.append(
            f"The differences include {_count(result.value('outliers_diff'), 'possible outlier')}."
        )
    tied = result.value("tied_values")
    if result.test in ("mann_whitney_u", "wilcoxon_signed_rank") and tied:
        notes.append(
            f"Ties ({_count(tied, 'tied value')}): the p-value is the normal approximation with "
            "a tie correction, not an exact one."
        )
    if result.test == "wilcoxon_signed_rank" and result.value("zeros"):
        notes.append(f"{_count(result.value('zeros'), 'zero difference')} dropped, as R does.")
    if result.alternative != "two-sided" and result.design != "multi":
        notes.append(
            "A one-sided test is only valid if its direction was chosen before seeing the data."
        )
    notes.append("Statistical significance is not practical importance: judge the size too.")
    return "**Caveats.** " + " ".join(notes)


def narrative(result: Result) -> str:
    """The answer after the first analysis, written from the figures its code printed."""
    paragraphs = [
        _hypotheses(result) + f" Significance level α = {result.alpha:g}.",
        _assumptions(result),
        f"**Result.** {result_line(result)}. {_difference(result)}".rstrip(),
    ]
    if result.design == "multi":
        paragraphs.append(_multi_details(result))
    paragraphs += [_effect_text(result), _plain_words(result), _caveats(result)]
    return "\n\n".join(paragraphs) + "\n\n"


# --------------------------------------------------------------------------- the plan

_WHY = {
    "welch_t": (
        "it compares the two means without assuming equal variances, and loses almost nothing "
        "when they are equal. Only a clear departure from normality in small groups "
        "(Shapiro-Wilk p < .01 with n < 30) would make me use the Mann-Whitney U test instead."
    ),
    "student_t": (
        "Welch's t-test needs at least two values with some spread in each group, which these "
        "data lack; Student's t-test pools the variances and still can be computed."
    ),
    "mann_whitney_u": (
        "a first look at the data shows a clear departure from normality in a small group "
        "(Shapiro-Wilk p < .01 with n < 30), so I compare ranks, which needs no normality."
    ),
    "paired_t": (
        "the same subjects were measured twice, so the test works on the differences and "
        "removes the variation between subjects. Only clearly non-normal differences "
        "(Shapiro-Wilk p < .01 with fewer than 30 pairs) would make me use the Wilcoxon "
        "signed-rank test instead."
    ),
    "wilcoxon_signed_rank": (
        "a first look shows differences that are clearly non-normal in a small sample (or do "
        "not vary at all), so I use the ranks of the differences, which needs no normality."
    ),
    "welch_anova": (
        "it does not assume equal variances. The classic ANOVA and the Kruskal-Wallis test run "
        "beside it, and Tukey's HSD shows which pairs differ."
    ),
    "one_way_anova": (
        "Welch's ANOVA needs at least two values with some spread in every group, which these "
        "data lack. Welch's ANOVA and the Kruskal-Wallis test run beside it where they can, "
        "and Tukey's HSD shows which pairs differ."
    ),
    "kruskal_wallis": (
        "a first look at the data shows a clear departure from normality in a small group, so I "
        "compare ranks. Both ANOVAs run beside it, and Tukey's HSD shows which pairs differ."
    ),
}

_EFFECT_PLAN = {
    "independent": "Cohen's d and Hedges' g",
    "paired": "Cohen's d_z",
    "multi": "η² and ω²",
}


def _question_text(dataset: Dataset, alternative: str) -> str:
    names = dataset.names
    if dataset.design == "multi":
        return (
            f"Do the means of the {len(names)} groups differ, and if so, which pairs differ "
            "and by how much?"
        )
    a, b = q(names[0]), q(names[1])
    if alternative == "less":
        return f"Are the values of {a} lower than those of {b} (one-sided), and by how much?"
    if alternative == "greater":
        return f"Are the values of {a} higher than those of {b} (one-sided), and by how much?"
    return f"Do {a} and {b} differ (two-sided), and by how much?"


def _design_text(dataset: Dataset) -> str:
    groups = dataset.groups

    def missing(n: int) -> str:
        return f", {_count(n, 'missing value')} dropped" if n else ""

    if dataset.design == "paired":
        return (
            f"Paired data: {q(groups[0].name)} and {q(groups[1].name)} measured on the same "
            f"{groups[0].n} subjects{missing(groups[0].missing)}. Differences are first minus "
            "second."
        )
    listed = ", ".join(f"{q(g.name)} (n = {g.n}{missing(g.missing)})" for g in groups)
    if dataset.design == "multi":
        return f"{len(groups)} independent groups: {listed}."
    return f"Two independent groups: {listed}. Differences are first group minus second."


def plan_text(
    dataset: Dataset, test: str, recommended: str, alternative: str, notes: Sequence[str] = ()
) -> str:
    """What the analyst is going to do, and why (no figures: those come from the code)."""
    label = TEST_NAMES[test]
    if test == recommended:
        choice = f"{label}, because {_WHY[test]}"
    else:
        choice = (
            f"{label}, as you asked. (My own choice would have been {TEST_NAMES[recommended]}: "
            f"{_WHY[recommended]})"
        )
    assumptions = (
        "normality of the differences (Shapiro-Wilk)"
        if dataset.design == "paired"
        else "normality in each group (Shapiro-Wilk) and equal variances (Levene, median-centred)"
    )
    paragraphs = [
        "I am the built-in analyst: a fixed, rule-based procedure that runs offline, not an AI "
        "model. I choose a standard test for the design of the data, write the Python that runs "
        "it, run it in the local interpreter, and report only figures that this code prints.",
        f"**Question.** {_question_text(dataset, alternative)}",
        f"**Design.** {_design_text(dataset)}",
        f"**Plan.** Descriptive statistics; {assumptions}; then the test: {choice} Then "
        f"{_EFFECT_PLAN[dataset.design]} for the size of the effect, and a plot of the data.",
        *notes,
    ]
    return "\n\n".join(paragraphs) + "\n\n"


def help_text(dataset: Dataset, notes: Sequence[str] = ()) -> str:
    """What the analyst understands as a follow-up (it is not a language model)."""
    tests = ", ".join(
        TEST_NAMES[key] for key in dict.fromkeys(TEST_FOR_DESIGN[dataset.design].values())
    )
    names = dataset.names
    lines = [
        *notes,
        "I am the built-in analyst (offline and rule-based, not an AI model), so I only "
        "understand a few kinds of follow-up. I can:",
        f"- run another test that fits {_DESIGN_WORDS[dataset.design]}: {tests} "
        '(e.g. "use Student\'s t-test instead");',
    ]
    if dataset.design != "multi":
        lines.append(
            f'- test one direction: "is {q(names[0])} lower than {q(names[1])}?", "one-sided, '
            'greater", or back to "two-sided";'
        )
    lines += [
        '- give the effect size: "what is the effect size?";',
        '- compute the power and the sample size needed: "what is the power?";',
        '- draw a plot: "make a plot", "histogram", "box plot";',
        '- run the whole analysis again: "analyse again".',
    ]
    return "\n".join(lines) + "\n\n"


# --------------------------------------------------------------------------- the backend

#: interpreter -> id of the conversation whose data its kernel holds (kernels may be shared)
_LOADED: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()

#: the figures of the first analysis kept for the wording of follow-ups
_REMEMBERED = re.compile(r"(n|mean|median|outliers|shapiro_[Wp])_\w+|levene_[Wp]")


def _chunks(text: str, size: int) -> Iterator[str]:
    """Pieces of ``size`` words (with their spacing); joined they give ``text`` back."""
    words = re.split(r"(?<=\s)(?=\S)", text)
    for start in range(0, len(words), size):
        yield "".join(words[start : start + size])


class BuiltinAnalyst(Backend):
    """Offline analyst: plans, writes and runs the analysis code, and reports what it printed."""

    name = "builtin"
    label = "Built-in analyst (offline, not an AI model)"
    uses_local_interpreter = True

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay

    def stream(self, conversation: Conversation, question: str) -> Iterator[Event]:
        try:
            interpreter = _interpreter_of(conversation)
        except Exception as exc:  # noqa: BLE001 - any failure to start is reported, not raised
            yield Error(
                kind="interpreter",
                message=f"The local code interpreter could not be started: {exc}",
                retryable=True,
            )
            yield Status(state="failed")
            return
        turn = _Turn(self.delay, conversation, interpreter)
        completed = yield from turn.answer(question)
        if completed and turn.reported:
            yield Reported(figures=dict(turn.reported))
        yield Status(state="completed" if completed else "failed")


def _interpreter_of(conversation: Conversation) -> Any:
    """The conversation's interpreter; a warm one is taken (and kept) on the first turn."""
    if conversation.interpreter is None:
        from assistant_core.interpreter import warm_interpreter

        conversation.interpreter = warm_interpreter()
    return conversation.interpreter


def _is_loaded(interpreter: Any, conversation: Conversation) -> bool:
    """The kernel holds this conversation's variables (not restarted, not reused since)."""
    if not getattr(interpreter, "alive", True):
        return False  # the kernel died: run() restarts it, without the variables
    try:
        return _LOADED.get(interpreter) == conversation.id
    except TypeError:  # not weakly referable or not hashable: load the data every time
        return False


def _mark_loaded(interpreter: Any, conversation: Conversation | None) -> None:
    try:
        if conversation is None:
            _LOADED.pop(interpreter, None)
        else:
            _LOADED[interpreter] = conversation.id
    except TypeError:
        pass


@dataclass
class _Turn:
    """One answer: streams text and code, runs cells, collects the figures to report."""

    delay: float
    conversation: Conversation
    interpreter: Any
    reported: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> Dataset:
        return self.conversation.dataset

    @property
    def memory(self) -> dict[str, Any]:
        """What this analyst remembers between turns (JSON-safe: it may be stored)."""
        return self.conversation.state.setdefault("builtin", {})

    # -- streaming

    def say(self, text: str) -> Iterator[Event]:
        for piece in _chunks(text, WORDS_PER_CHUNK):
            yield TextDelta(piece)
            self._pause()

    def execute(self, source: str) -> Cell:
        """Write the cell out (a line at a time), run it and pass its output on.

        Returns ``(text output, number of images)``.
        """
        for line in source.splitlines(keepends=True):
            yield CodeDelta(line)
            self._pause()
        yield CodeDone(source)
        logs: list[str] = []
        images = 0
        for event in self.interpreter.run(source):
            if isinstance(event, CodeOutput):
                logs.append(event.logs)
            elif isinstance(event, ImageOutput):
                images += 1
            yield event
        return "".join(logs), images

    def _pause(self) -> None:
        if self.delay > 0:
            time.sleep(self.delay)

    def read(self, output: str, what: str) -> Generator[Event, None, dict[str, Any] | None]:
        """The figures block of a cell's output; an ``Error`` event (and None) if there is none."""
        figures = code.parse_figures(output)
        if figures is None:
            _mark_loaded(self.interpreter, None)  # the kernel may have lost its variables
            yield Error(
                kind="analysis",
                message=(
                    f"The {what} cell did not print its figures (see its output above; the "
                    "interpreter may have stopped). No figures are reported rather than "
                    "invented ones; asking again runs it afresh."
                ),
                retryable=True,
            )
        return figures

    def load_data(self) -> Iterator[Event]:
        """Run the setup cell again (data, options, helpers) for a follow-up."""
        alternative = self.memory["alternative"]
        yield from self.execute(code.setup_code(self.dataset, self.conversation.alpha, alternative))
        _mark_loaded(self.interpreter, self.conversation)

    def follow_up_cell(self, source: str) -> Cell:
        """Run a follow-up cell; if the kernel lost the variables meanwhile, load them, rerun.

        Returns ``(text output, number of images)`` of the last run.
        """
        output, images = yield from self.execute(source)
        if "NameError" in output and code.parse_figures(output) is None:
            yield from self.say(
                "The interpreter lost its variables (it was restarted), so I load the data "
                "again and run the cell once more.\n\n"
            )
            yield from self.load_data()
            output, images = yield from self.execute(source)
        return output, images

    # -- the answer

    def answer(self, question: str) -> Steps:
        """Yield the answer's events; return True when it completed."""
        request = understand(question, self.dataset)
        if "test" not in self.memory or "analysis" in request.actions:
            return (yield from self.analyse(request))
        handlers = {
            "test": self.run_test,
            "effect": self.effect,
            "power": self.power,
            "plot": self.plot,
        }
        actions = [action for action in request.actions if action in handlers]
        if not actions:
            yield from self.say(help_text(self.dataset, request.notes))
            return True
        if request.notes:
            yield from self.say("\n\n".join(request.notes) + "\n\n")
        if not _is_loaded(self.interpreter, self.conversation):
            yield from self.say(
                "The interpreter does not hold this conversation's data any more (it was "
                "restarted or used for other data), so I load the data again first.\n\n"
            )
            yield from self.load_data()
        for action in actions:
            if not (yield from handlers[action](request)):
                return False
        return True

    def analyse(self, request: Request) -> Steps:
        """The first answer: plan, analysis cell, plot cell, narrative."""
        dataset = self.dataset
        alpha = self.conversation.alpha
        alternative = request.alternative or self.conversation.alternative
        if dataset.design == "multi":
            alternative = "two-sided"
        try:
            recommended = check(dataset, alpha, alternative).recommended
        except DataError as exc:
            yield Error(kind="analysis", message=str(exc), retryable=False)
            return False
        test = request.test or recommended
        yield from self.say(plan_text(dataset, test, recommended, alternative, request.notes))

        source = (
            code.setup_code(dataset, alpha, alternative)
            + "\n\n"
            + code.analysis_code(dataset.design, test)
        )
        output, _ = yield from self.execute(source)
        figures = yield from self.read(output, "analysis")
        if figures is None:
            return False
        _mark_loaded(self.interpreter, self.conversation)
        result = Result(dataset, alpha, figures)
        self.memory.update(
            test=test,
            alternative=alternative,
            figures={
                key: (value if isinstance(value, float) and math.isfinite(value) else None)
                for key, value in figures.items()
                if _REMEMBERED.fullmatch(key)
            },
        )

        _, images = yield from self.execute(code.plot_code("box"))
        text = narrative(result)
        if not images:
            text += "(The plot did not come back from the interpreter: see its output above.)\n\n"
        yield from self.say(text)
        self.reported.update(result.reported())
        if "power" in request.actions:
            return (yield from self.power(request))
        return True

    def run_test(self, request: Request) -> Steps:
        """A follow-up: another test and/or another alternative, on the kernel's variables."""
        design = self.dataset.design
        previous_test, previous_alt = self.memory["test"], self.memory["alternative"]
        test = request.test or previous_test
        alternative = request.alternative or previous_alt
        changed = alternative if alternative != previous_alt else None
        what = TEST_NAMES[test]
        if design != "multi":
            what += (
                f", {alternative}" if alternative == "two-sided" else f", one-sided ({alternative})"
            )
        yield from self.say(
            f"{what}, on the same data (the variables are still in the interpreter).\n\n"
        )
        output, _ = yield from self.follow_up_cell(code.test_code(design, test, changed))
        figures = yield from self.read(output, "test")
        if figures is None:
            return False
        self.memory.update(test=test, alternative=alternative)
        result = Result(
            self.dataset, self.conversation.alpha, {**self.memory.get("figures", {}), **figures}
        )
        paragraphs = [
            _hypotheses(result),
            f"**Result.** {result_line(result)}. {_difference(result)}".rstrip(),
        ]
        if design == "multi":
            paragraphs.append(_multi_details(result))
        if changed and changed != "two-sided" and previous_alt == "two-sided":
            paragraphs.append(
                "A one-sided p-value is half the two-sided one when the data lie in the direction "
                "tested (and close to 1 when they do not); the one-sided interval has an open end."
            )
        if test in ("student_t", "one_way_anova"):
            lev_p = result.value("levene_p")
            if lev_p is not None:
                paragraphs.append(
                    f"This test pools the variances. Levene's test earlier gave {format_p(lev_p)}"
                    + (
                        ", so that looks doubtful: Welch's version is safer."
                        if lev_p < result.alpha
                        else "; with unequal variances Welch's version would be the safer one."
                    )
                )
        paragraphs.append(_plain_words(result))
        yield from self.say("\n\n".join(paragraphs) + "\n\n")
        self.reported.update(result.reported())
        return True

    def effect(self, request: Request) -> Steps:
        design = self.dataset.design
        yield from self.say("The effect size, from the data in the interpreter.\n\n")
        output, _ = yield from self.follow_up_cell(code.effect_code(design))
        figures = yield from self.read(output, "effect size")
        if figures is None:
            return False
        result = Result(self.dataset, self.conversation.alpha, figures)
        yield from self.say(_effect_text(result) + "\n\n")
        if result.effect is not None:
            self.reported.update(effect_size_name=result.effect_name, effect_size=result.effect)
        return True

    def power(self, request: Request) -> Steps:
        design = self.dataset.design
        test = "one-way ANOVA (noncentral F)" if design == "multi" else "t-test (noncentral t)"
        yield from self.say(
            f"The power of the {test} at the effect size observed, and the sample size that "
            "would give 80% power.\n\n"
        )
        output, _ = yield from self.follow_up_cell(code.power_code(design))
        figures = yield from self.read(output, "power")
        if figures is None:
            return False
        result = Result(self.dataset, self.conversation.alpha, figures)
        yield from self.say(_power_text(result) + "\n\n")
        return True

    def plot(self, request: Request) -> Steps:
        titles = {
            "means": "the means with their confidence intervals, beside every value",
            "box": "a box plot with every value",
            "histogram": "a histogram of each group",
        }
        yield from self.say(f"A plot: {titles[request.plot]}.\n\n")
        _, images = yield from self.follow_up_cell(code.plot_code(request.plot))
        if not images:
            yield from self.say(
                "The plot did not come back from the interpreter (see the output above).\n\n"
            )
        return True


def _power_text(result: Result) -> str:
    power = result.value("power")
    effect = result.value("effect")
    needed, medium = result.value("n_needed"), result.value("n_needed_medium")
    design = result.design
    alpha = f"{result.alpha:g}"
    if design == "multi":
        label, unit, medium_label = "Cohen's f", "per group", "f = 0.25"
    else:
        label = "Cohen's d_z" if design == "paired" else "Cohen's d"
        unit = "pairs" if design == "paired" else "per group"
        medium_label = "|d| = 0.5"
    if power is None:
        return "**Power.** The power could not be computed (the effect size is not defined)."
    percent = "above 99.9%" if power > 0.999 else f"{_num(power * 100, 1)}%"
    sided = ""
    alternative = result.figures.get("alternative")
    if design != "multi" and isinstance(alternative, str):
        sided = " two-sided" if alternative == "two-sided" else f" one-sided ({alternative})"
    text = (
        f"**Power.** With {label} = {_num(effect)} and the sample sizes as they are, the power "
        f"of the{sided} test at α = {alpha} is {percent}. "
    )
    if needed is not None:
        text += f"For 80% power at this effect size, {int(needed)} {unit} would be needed"
    else:
        text += "No sample size up to a million gives 80% power at this effect size"
    if medium is not None:
        text += f"; for a medium effect ({medium_label}), {int(medium)} {unit}."
    else:
        text += "."
    text += (
        "\n\nA caution: power computed from the effect observed in the same data (post-hoc "
        "power) adds nothing to the p-value; it is most useful for planning the next study."
    )
    if design == "independent":
        text += (
            " It is computed for the t-test that pools the variances; with unequal variances "
            "it is an approximation."
        )
    return text
