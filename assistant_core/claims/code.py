"""What a code cell ran: the test functions it called, and the alternative each was given.

The printed output of ``ttest_ind(a, b, equal_var=False, alternative='less')`` is Welch's
one-sided test whatever the output itself says; the judge uses these hints for the claims
read from that cell's output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant_core.claims.lexicon import FAMILY

__all__ = ["Call", "calls"]


@dataclass(frozen=True)
class Call:
    test: str | None
    family: str
    alternative: str | None


_CALL = re.compile(
    r"\b(?P<fn>ttest_ind|ttest_rel|ttest_1samp|mannwhitneyu|ranksums|wilcoxon|f_oneway"
    r"|kruskal|welch_anova|anova_oneway|(?:pg|pingouin)\.ttest|(?:pg|pingouin)\.anova"
    r"|(?:pg|pingouin)\.mwu|(?:pg|pingouin)\.wilcoxon|shapiro|levene|tukey_hsd"
    r"|pairwise_tukeyhsd|t\.test|wilcox\.test|oneway\.test|kruskal\.test|aov|TukeyHSD)\s*\("
)
_COMMENT = re.compile(r"#[^\n]*")
_ALTERNATIVE = re.compile(r"alternative\s*=\s*['\"]?(less|greater|two[-._]sided)", re.I)


def _closing(text: str, open_at: int) -> int:
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _test_of(fn: str, args: str) -> str | None:
    flag = re.compile(r"(\w[\w.]*)\s*=\s*['\"]?(\w+)")
    kwargs = {key.lower(): value.lower() for key, value in flag.findall(args)}
    if fn == "ttest_ind":
        if kwargs.get("equal_var") == "false":
            return "welch_t"
        if kwargs.get("equal_var", "true") == "true" and "**" not in args:
            return "student_t"
        return None
    if fn == "t.test":
        if kwargs.get("paired") in ("true", "t"):
            return "paired_t"
        return "student_t" if kwargs.get("var.equal") in ("true", "t") else "welch_t"
    if fn.endswith(".ttest"):
        if kwargs.get("paired") == "true":
            return "paired_t"
        return {"true": "welch_t", "false": "student_t"}.get(kwargs.get("correction", ""))
    if fn == "wilcox.test":
        paired = kwargs.get("paired") in ("true", "t")
        return "wilcoxon_signed_rank" if paired else "mann_whitney_u"
    if fn == "oneway.test":
        return "one_way_anova" if kwargs.get("var.equal") in ("true", "t") else "welch_anova"
    if fn == "anova_oneway":
        return "one_way_anova" if kwargs.get("use_var") == "equal" else "welch_anova"
    return {
        "ttest_rel": "paired_t",
        "ttest_1samp": "paired_t",
        "mannwhitneyu": "mann_whitney_u",
        "ranksums": "mann_whitney_u",
        "mwu": "mann_whitney_u",
        "wilcoxon": "wilcoxon_signed_rank",
        "f_oneway": "one_way_anova",
        "aov": "one_way_anova",
        "anova": "one_way_anova",
        "kruskal": "kruskal_wallis",
        "kruskal.test": "kruskal_wallis",
        "welch_anova": "welch_anova",
        "shapiro": "shapiro_wilk",
        "levene": "levene",
        "tukey_hsd": "post_hoc",
        "pairwise_tukeyhsd": "post_hoc",
        "TukeyHSD": "post_hoc",
    }.get(fn.rsplit(".", 1)[-1] if not fn.endswith(".test") else fn)


def calls(code: str) -> list[Call]:
    """The test functions ``code`` calls, in order."""
    code = _COMMENT.sub("", code or "")
    found = []
    for match in _CALL.finditer(code):
        args = code[match.end() - 1 : _closing(code, match.end() - 1)]
        test = _test_of(match.group("fn"), args)
        family = FAMILY.get(test, "t") if test else "t"
        stated = _ALTERNATIVE.search(args)
        alternative = None
        if stated:
            word = stated.group(1).lower()
            alternative = "two-sided" if word.startswith("two") else word
        found.append(Call(test, family, alternative))
    return found
