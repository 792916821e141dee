"""Local statistics (scipy): the independent second opinion next to the assistant's figures.

:func:`check` runs the whole battery that fits the design of a :class:`~assistant_core.data.Dataset`
and returns a :class:`LocalReport` of frozen dataclasses; ``LocalReport.to_dict()`` is the JSON of
``python -m assistant_core check --json`` (see DESIGN.md) and ``LocalReport.to_frame()`` a tidy
table for display.

Conventions, chosen to agree with R (the reference the tests are checked against):

* Differences, intervals and one-sided alternatives are about the first group minus the second,
  as in R's ``t.test(x, y)``; Tukey pairs are ``group_a - group_b`` with ``group_a`` listed first.
* Mann-Whitney ``statistic`` is U of the first group (R's ``W``); the Wilcoxon signed-rank
  ``statistic`` is R's ``V`` (sum of the ranks of the positive differences). Both use the exact
  distribution when every n < 50 and there are no ties (and, for the signed-rank test, no zero
  differences), else the normal approximation with tie and continuity corrections; zero
  differences are dropped, as R does.
* Levene's test is centred on the median (Brown-Forsythe), the default of ``car::leveneTest``.
* Cohen's d uses the pooled SD; Hedges' g applies the exact gamma correction J; their intervals
  invert the noncentral t distribution (as R's effectsize and MBESS do) at level ``1 - alpha``
  and follow ``alternative`` (one-sided intervals have an infinite bound).
* Shapiro-Wilk is only defined for 3 <= n <= 5000: smaller groups get no figures and a warning;
  larger ones are tested on a fixed pseudo-random subsample of 5000 values (seeded, so the result
  is reproducible) and a warning says so.
* Degenerate input (n = 1, zero variance, all values equal, ...) never raises: the figures that
  cannot be computed are ``None`` and a warning says why. Data are rescaled internally by an
  exact power of two, so values near 1e300 or 1e-300 neither overflow nor underflow.

Recommendation rules (``recommended`` is always a key of ``tests``; ``reasons`` says why):

* two independent groups: ``welch_t`` by default (it does not assume equal variances and loses
  almost nothing when they are equal); ``mann_whitney_u`` when normality clearly fails - a
  Shapiro-Wilk p below 0.01 in some group - and the smallest group has fewer than 30 values;
  ``student_t`` only when Welch cannot be computed (a group with a single value).
* paired: ``paired_t`` by default; ``wilcoxon_signed_rank`` when the differences clearly fail
  normality (Shapiro-Wilk p < 0.01) with fewer than 30 pairs, or when the differences are
  constant (no t statistic exists).
* three or more groups: ``welch_anova`` by default; ``kruskal_wallis`` when normality clearly
  fails (p < 0.01) in some group and the smallest group has fewer than 30 values;
  ``one_way_anova`` only when Welch's ANOVA cannot be computed (a group with n < 2 or zero
  variance).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as sps

from assistant_core.data import Dataset
from assistant_core.errors import DataError
from assistant_core.reporting import format_p

try:  # scipy's Shapiro-Wilk routine itself: sps.shapiro adds ~40 us of argument handling a call
    from scipy.stats._ansari_swilk_statistics import swilk as _swilk
except ImportError:  # pragma: no cover - scipy versions that keep it elsewhere
    _swilk = None

__all__ = [
    "ALTERNATIVES",
    "AnovaResult",
    "EffectSizes",
    "GroupSummary",
    "KruskalResult",
    "LeveneResult",
    "LocalReport",
    "NormalityResult",
    "PostHocComparison",
    "RankTestResult",
    "TTestResult",
    "TestResults",
    "check",
]

ALTERNATIVES = ("two-sided", "less", "greater")

#: Below this many values per group a warning says the tests have little power.
SMALL_GROUP = 5
#: Shapiro-Wilk p below this counts as normality "clearly failing" for the recommendation.
CLEAR_NON_NORMALITY_P = 0.01
#: Rank tests are preferred for clear non-normality only below this many values per group.
SMALL_SAMPLE = 30
#: Exact rank-test p-values only when every n is below this (R's rule).
EXACT_LIMIT = 50
#: Shapiro-Wilk's p-value is valid up to this n (R refuses more, scipy warns).
SHAPIRO_MAX_N = 5000
SHAPIRO_SEED = 20240611
#: An SD ratio above this is reported as unequal variances.
SD_RATIO_LIMIT = 2.0

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- result types


def _num(value: Any) -> float | None:
    """A finite Python float, or ``None`` (for JSON: no NaN, no Infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _opt(value: float | None) -> float | None:
    """Keep infinities (one-sided bounds) but turn NaN into ``None``; plain Python float."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class GroupSummary:
    """Descriptive statistics of one group (``sd`` with n - 1; ``None`` where undefined)."""

    name: str
    n: int
    mean: float | None
    sd: float | None
    sem: float | None
    median: float | None
    min: float | None
    max: float | None
    missing: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": int(self.n),
            "mean": _num(self.mean),
            "sd": _num(self.sd),
            "sem": _num(self.sem),
            "median": _num(self.median),
            "min": _num(self.min),
            "max": _num(self.max),
            "missing": int(self.missing),
        }


@dataclass(frozen=True)
class TTestResult:
    """A t-test; ``mean_difference`` and the interval are first minus second (in data units).

    A one-sided interval has an infinite bound (``-inf``/``inf`` here, ``None`` in the dict).
    """

    statistic: float | None = None
    df: float | None = None
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    mean_difference: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": _num(self.statistic),
            "df": _num(self.df),
            "p_value": _num(self.p_value),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "mean_difference": _num(self.mean_difference),
        }


@dataclass(frozen=True)
class RankTestResult:
    """Mann-Whitney U (R's W) or Wilcoxon signed-rank (R's V); ``method`` says how p was found."""

    statistic: float | None = None
    p_value: float | None = None
    method: str = "not computed"

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": _num(self.statistic), "p_value": _num(self.p_value)}


@dataclass(frozen=True)
class NormalityResult:
    """Shapiro-Wilk W and p; ``n_used`` is below n when a subsample of 5000 was tested."""

    statistic: float | None = None
    p_value: float | None = None
    n_used: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": _num(self.statistic), "p_value": _num(self.p_value)}


@dataclass(frozen=True)
class LeveneResult:
    """Levene's test centred on the median (Brown-Forsythe; ``car::leveneTest`` default)."""

    statistic: float | None = None
    p_value: float | None = None
    df_between: float | None = None
    df_within: float | None = None
    center: str = "median"

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "center": self.center,
        }


@dataclass(frozen=True)
class AnovaResult:
    """An F test of equal means (classic or Welch's; Welch's ``df_within`` is fractional)."""

    statistic: float | None = None
    df_between: float | None = None
    df_within: float | None = None
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": _num(self.statistic),
            "df_between": _num(self.df_between),
            "df_within": _num(self.df_within),
            "p_value": _num(self.p_value),
        }


@dataclass(frozen=True)
class KruskalResult:
    """Kruskal-Wallis H (tie-corrected, as R's ``kruskal.test``), its df and p."""

    statistic: float | None = None
    df: float | None = None
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": _num(self.statistic),
            "df": _num(self.df),
            "p_value": _num(self.p_value),
        }


@dataclass(frozen=True)
class PostHocComparison:
    """One Tukey HSD pair: ``mean_difference`` is ``group_a - group_b``, interval at 1 - alpha."""

    group_a: str
    group_b: str
    mean_difference: float | None = None
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_a": self.group_a,
            "group_b": self.group_b,
            "mean_difference": _num(self.mean_difference),
            "p_value": _num(self.p_value),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
        }


@dataclass(frozen=True)
class TestResults:
    """Every test run; a test that does not apply to the design is ``None`` (absent in the dict).

    ``shapiro_wilk`` maps group names (and, for paired data, ``differences``) to results.
    """

    __test__ = False  # not a pytest test class

    student_t: TTestResult | None = None
    welch_t: TTestResult | None = None
    paired_t: TTestResult | None = None
    mann_whitney_u: RankTestResult | None = None
    wilcoxon_signed_rank: RankTestResult | None = None
    shapiro_wilk: Mapping[str, NormalityResult] = field(default_factory=dict)
    levene: LeveneResult | None = None
    one_way_anova: AnovaResult | None = None
    welch_anova: AnovaResult | None = None
    kruskal_wallis: KruskalResult | None = None
    post_hoc: tuple[PostHocComparison, ...] | None = None

    def keys(self) -> list[str]:
        """The names of the tests present, in the order of the dict."""
        return list(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("student_t", "welch_t", "paired_t", "mann_whitney_u", "wilcoxon_signed_rank"):
            result = getattr(self, name)
            if result is not None:
                out[name] = result.to_dict()
        if self.shapiro_wilk:
            out["shapiro_wilk"] = {key: res.to_dict() for key, res in self.shapiro_wilk.items()}
        for name in ("levene", "one_way_anova", "welch_anova", "kruskal_wallis"):
            result = getattr(self, name)
            if result is not None:
                out[name] = result.to_dict()
        if self.post_hoc is not None:
            out["post_hoc"] = [pair.to_dict() for pair in self.post_hoc]
        return out


@dataclass(frozen=True)
class EffectSizes:
    """Standardised effect sizes with noncentral-t intervals (first minus second).

    Two independent groups fill ``cohens_d``/``hedges_g``, paired data ``cohens_dz`` and three or
    more groups ``eta_squared``/``omega_squared``; ``to_dict`` only shows those of the design.
    """

    design: str = "independent"
    cohens_d: float | None = None
    cohens_d_ci_low: float | None = None
    cohens_d_ci_high: float | None = None
    hedges_g: float | None = None
    hedges_g_ci_low: float | None = None
    hedges_g_ci_high: float | None = None
    cohens_dz: float | None = None
    cohens_dz_ci_low: float | None = None
    cohens_dz_ci_high: float | None = None
    eta_squared: float | None = None
    omega_squared: float | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.design == "paired":
            keys = ("cohens_dz", "cohens_dz_ci_low", "cohens_dz_ci_high")
        elif self.design == "multi":
            keys = ("eta_squared", "omega_squared")
        else:
            keys = (
                "cohens_d",
                "cohens_d_ci_low",
                "cohens_d_ci_high",
                "hedges_g",
                "hedges_g_ci_low",
                "hedges_g_ci_high",
            )
        return {key: _num(getattr(self, key)) for key in keys}


@dataclass(frozen=True)
class LocalReport:
    """Everything :func:`check` found; ``to_dict()`` is the ``check --json`` contract."""

    design: str
    alpha: float
    alternative: str
    groups: tuple[GroupSummary, ...]
    tests: TestResults
    effect_sizes: EffectSizes
    recommended: str
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON-ready dict (no NaN or Infinity: ``None`` instead)."""
        return {
            "design": self.design,
            "alpha": float(self.alpha),
            "alternative": self.alternative,
            "groups": [group.to_dict() for group in self.groups],
            "tests": self.tests.to_dict(),
            "effect_sizes": self.effect_sizes.to_dict(),
            "recommended": self.recommended,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """A tidy table of the tests, one row per test, for display.

        Columns: ``name, statistic, df, p_value, ci_low, ci_high`` and ``df2`` (the denominator
        df of F tests). Shapiro-Wilk rows are named ``shapiro_wilk[<group>]`` and Tukey rows
        ``post_hoc[<a> - <b>]`` (their interval is the one of the mean difference). Figures that
        could not be computed are NaN; one-sided bounds are infinite.
        """
        rows: list[dict[str, Any]] = []

        def row(name: str, statistic=None, df=None, p=None, low=None, high=None, df2=None) -> None:
            rows.append(
                {
                    "name": name,
                    "statistic": _opt(statistic),
                    "df": _opt(df),
                    "p_value": _opt(p),
                    "ci_low": _opt(low),
                    "ci_high": _opt(high),
                    "df2": _opt(df2),
                }
            )

        tests = self.tests
        for name in ("student_t", "welch_t", "paired_t"):
            res = getattr(tests, name)
            if res is not None:
                row(name, res.statistic, res.df, res.p_value, res.ci_low, res.ci_high)
        for name in ("mann_whitney_u", "wilcoxon_signed_rank"):
            res = getattr(tests, name)
            if res is not None:
                row(name, res.statistic, p=res.p_value)
        for key, res in tests.shapiro_wilk.items():
            row(f"shapiro_wilk[{key}]", res.statistic, p=res.p_value)
        if tests.levene is not None:
            lev = tests.levene
            row("levene", lev.statistic, lev.df_between, lev.p_value, df2=lev.df_within)
        for name in ("one_way_anova", "welch_anova"):
            res = getattr(tests, name)
            if res is not None:
                row(name, res.statistic, res.df_between, res.p_value, df2=res.df_within)
        if tests.kruskal_wallis is not None:
            kw = tests.kruskal_wallis
            row("kruskal_wallis", kw.statistic, kw.df, kw.p_value)
        for pair in tests.post_hoc or ():
            row(
                f"post_hoc[{pair.group_a} - {pair.group_b}]",
                p=pair.p_value,
                low=pair.ci_low,
                high=pair.ci_high,
            )
        columns = ["name", "statistic", "df", "p_value", "ci_low", "ci_high", "df2"]
        frame = pd.DataFrame(rows, columns=columns)
        for column in columns[1:]:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        return frame


# --------------------------------------------------------------------------- helpers


def _validate(alpha: Any, alternative: Any) -> tuple[float, str]:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise DataError(
            f"alpha must be a number strictly between 0 and 1 (e.g. 0.05); got {alpha!r}."
        )
    alpha_f = float(alpha)
    if not (math.isfinite(alpha_f) and 0.0 < alpha_f < 1.0):
        raise DataError(f"alpha must be strictly between 0 and 1 (e.g. 0.05); got {alpha!r}.")
    if alternative not in ALTERNATIVES:
        raise DataError(
            f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}."
        )
    return alpha_f, str(alternative)


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.4g}"


def _unscale(value: float | None, exponent: int) -> float | None:
    """Back to data units (the data were divided by 2**exponent, exactly)."""
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return value
    try:
        return math.ldexp(value, exponent)  # exact, like np.ldexp, at a tenth of its cost
    except OverflowError:
        return None


def _scale_exponent(ordered: Sequence[np.ndarray]) -> int:
    """The power of two that brings the largest |value| into [0.5, 1): exact rescaling.

    ``ordered`` are sorted arrays, so the largest |value| of each is at one of its ends.
    """
    peak = max((max(abs(float(o[0])), abs(float(o[-1]))) for o in ordered if o.size), default=0.0)
    if peak == 0.0 or not math.isfinite(peak):
        return 0
    return math.frexp(peak)[1]


def _rescaled(a: np.ndarray, exponent: int, out: np.ndarray | None = None) -> np.ndarray:
    """``np.ldexp(a, -exponent)`` (into ``out`` if given); ``a`` itself when ``exponent`` is 0.

    Multiplying by 2**-exponent is the same single correctly rounded IEEE operation, so the same
    bits, and several times faster than ``np.ldexp``; ``np.ldexp`` is only needed when that power
    of two is not a normal double.
    """
    if exponent == 0:
        return a
    if -1022 <= -exponent <= 1023:
        return np.multiply(a, math.ldexp(1.0, -exponent), out=out)
    return np.ldexp(a, -exponent, out=out)


class _Sample:
    """One group's (rescaled) values, in their original order and sorted, with shared figures.

    Every figure that several tests need is computed at most once per call of :func:`check`.
    Order statistics (extremes, median, quartiles) are read off ``ordered``, so nothing is sorted
    or partitioned twice; sums run over ``values`` in their original order, so means and
    variances are bit for bit what ``np.mean`` and ``np.var`` give on the data as entered.
    ``ordered`` is only sorted on first use when it is not given (Levene's deviations never
    need it).
    """

    def __init__(self, values: np.ndarray, ordered: np.ndarray | None = None) -> None:
        self.values = values
        self.n = int(values.size)
        self._ordered = ordered
        if self.n == 0:
            self.low = self.high = math.nan
        elif ordered is not None:
            self.low, self.high = float(ordered[0]), float(ordered[-1])
        else:
            self.low, self.high = float(values.min()), float(values.max())
        self.constant = self.n > 0 and self.low == self.high

    @cached_property
    def ordered(self) -> np.ndarray:
        return np.sort(self.values) if self._ordered is None else self._ordered

    @property
    def peak(self) -> float:
        """The largest |value|."""
        return max(abs(self.low), abs(self.high))

    @cached_property
    def mean(self) -> float:
        """The mean; exactly the value itself for a constant sample."""
        if self.n == 0:
            return math.nan
        if self.constant:
            return float(self.values[0])
        return float(np.mean(self.values))

    @cached_property
    def ss(self) -> float:
        """Sum of squared deviations from the mean (``np.var``'s numerator); 0 if constant."""
        if self.constant or self.n == 0:
            return 0.0
        deviations = self.values - self.mean
        np.multiply(deviations, deviations, out=deviations)
        return float(np.sum(deviations))

    @property
    def var(self) -> float:
        """Sample variance (n - 1), exactly 0 for a constant sample; NaN for n < 2."""
        return self.ss / (self.n - 1) if self.n > 1 else math.nan

    @cached_property
    def sum_of_squares(self) -> float:
        return float(np.sum(self.values * self.values))

    @cached_property
    def median(self) -> float:
        return _sorted_median(self.ordered)

    def quantile(self, q: float) -> float:
        """R's type 7 quantile (numpy's default "linear"), with ``np.quantile``'s arithmetic."""
        position = (self.n - 1) * q
        below = math.floor(position)
        if below >= self.n - 1:
            return float(self.ordered[-1])
        gamma = position - below
        low, high = float(self.ordered[below]), float(self.ordered[below + 1])
        step = high - low
        # numpy interpolates from the nearer end, which keeps the result monotone in q
        return high - step * (1 - gamma) if gamma >= 0.5 else low + step * gamma


def _sorted_median(ordered: np.ndarray) -> float:
    """The median of a sorted array, with ``np.median``'s arithmetic."""
    half = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[half])
    return (float(ordered[half - 1]) + float(ordered[half])) / 2.0


def _beyond(ordered: np.ndarray, low: float, high: float) -> np.ndarray:
    """The values of a sorted array below ``low`` or above ``high``, in increasing order."""
    below = int(np.searchsorted(ordered, low, side="left"))
    above = int(np.searchsorted(ordered, high, side="right"))
    return np.concatenate((ordered[:below], ordered[above:]))


def _merge_with_labels(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge two sorted runs of doubles with |value| < 2 (the rescaled data all are).

    Returns int64 keys in increasing order, equal exactly where the values are equal, and
    whether each came from ``second``. A double's bit pattern shifted left by one (which drops
    the sign bit; below 2 the bit shifted into the top is 0) and negated for negative numbers is
    an even integer in the same order as the double (-0.0 and 0.0 both give 0), so adding the
    run (0 or 1) keeps the order and tells the runs apart. One stable int64 sort, which for two
    sorted runs is a timsort merge, then orders values and labels together: cheaper than an
    argsort of the values plus a gather.
    """
    if any(run.size and max(-run[0], run[-1]) >= 2.0 for run in (first, second)):
        raise ValueError("_merge_with_labels needs |value| < 2")
    keys = np.empty(first.size + second.size, dtype=np.int64)
    for run, start in ((first, 0), (second, first.size)):
        part = keys[start : start + run.size]
        np.left_shift(run.view(np.int64), 1, out=part)  # 2 * |value| as bits: sign shifted out
        negatives = part[: np.searchsorted(run, 0.0)]  # a sorted run starts with its negatives
        np.negative(negatives, out=negatives)
    keys[first.size :] |= 1
    keys.sort(kind="stable")
    from_second = np.empty(keys.size, dtype=bool)  # the label bit, written straight as 0/1 bytes
    np.bitwise_and(keys, 1, out=from_second.view(np.int8), casting="unsafe")
    keys >>= 1  # drop the label: equal values, equal keys
    return keys, from_second


def _rank_sums(runs: Sequence[np.ndarray]) -> tuple[list[float], np.ndarray]:
    """Rank sums of sorted runs within their union, and the sizes of its groups of ties.

    Ranks are 1-based and tied values share their average rank; the tie sizes are in increasing
    order of value. The runs are sorted already, so they only need merging (see
    :func:`_merge_with_labels`; three or more runs take a stable argsort of their concatenation,
    also a timsort merge). Rank sums are sums of half-integers, exact in float64 whatever the
    order of summation. Two runs must have |values| < 2.
    """
    k = len(runs)
    n = sum(run.size for run in runs)
    if n == 0:
        return [0.0] * k, np.empty(0)
    if k == 2:
        merged, from_second = _merge_with_labels(runs[0], runs[1])
        in_run = [from_second]
    else:
        pooled = np.concatenate(runs)
        order = np.argsort(pooled, kind="stable")
        merged = pooled[order]
        run_of = np.repeat(np.arange(k), [run.size for run in runs])[order]
        in_run = [run_of == r for r in range(1, k)]
    first = np.empty(n, dtype=bool)  # first of its value in the merged order
    first[0] = True
    np.not_equal(merged[1:], merged[:-1], out=first[1:])
    positions = [np.flatnonzero(mask) for mask in in_run]  # of runs 1.., in the merged order
    if np.count_nonzero(first) == n:  # no ties: the rank is the position + 1
        ties = np.empty(0)
        sums = [float(np.sum(p)) + p.size for p in positions]
    else:
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, n))
        ranks = np.repeat(starts + (counts + 1) / 2.0, counts)
        ties = counts[counts > 1].astype(float)
        sums = [float(np.sum(ranks[p])) for p in positions]
    # the first run gets the remaining ranks (exact: all are sums of half-integers)
    return [n * (n + 1) / 2.0 - sum(sums), *sums], ties


def _t_test(
    diff: float, se: float, df: float, alpha: float, alternative: str, exponent: int
) -> TTestResult:
    """t = diff / se on ``df``; p and the 1 - alpha interval follow the alternative.

    ``special.stdtr``/``stdtrit`` are what ``scipy.stats.t`` calls, without its ~30 us of
    argument handling per call.
    """
    t = diff / se
    if alternative == "two-sided":
        p = 2.0 * float(special.stdtr(df, -abs(t)))
        half = float(special.stdtrit(df, 1.0 - alpha / 2.0)) * se
        low, high = diff - half, diff + half
    elif alternative == "less":
        p = float(special.stdtr(df, t))
        low, high = -math.inf, diff + float(special.stdtrit(df, 1.0 - alpha)) * se
    else:
        p = float(special.stdtr(df, -t))
        low, high = diff - float(special.stdtrit(df, 1.0 - alpha)) * se, math.inf
    return TTestResult(
        statistic=_num(t),
        df=_num(df),
        p_value=_num(min(1.0, p)),
        ci_low=_unscale(low, exponent),
        ci_high=_unscale(high, exponent),
        mean_difference=_unscale(diff, exponent),
    )


def _f_sf(f_value: float, df1: float, df2: float) -> float:
    """P(F > f_value): ``scipy.stats.f.sf`` for f_value >= 0, without its call overhead."""
    return float(special.fdtrc(df1, df2, f_value))


def _essentially_zero(se: float, *means: float) -> bool:
    """R's t.test check: the standard error is negligible next to the means."""
    scale = max((abs(m) for m in means), default=0.0)
    return not (se > 0.0) or se < 10.0 * _EPS * scale


def _within_negligible(ss_within: float, samples: Sequence[_Sample]) -> bool:
    """The groups do not vary beyond rounding: ss_within <= (32 eps)**2 * sum of all x**2.

    The sum of squares is at most sum(n * peak**2), so the pass over the data that computes it
    is only made when that bound cannot settle the comparison.
    """
    threshold = (32.0 * _EPS) ** 2
    if ss_within > threshold * (2.0 * sum(s.n * s.peak**2 for s in samples)):
        return False
    magnitude = sum(s.sum_of_squares for s in samples)
    return ss_within <= threshold * magnitude


def _oneway_f(samples: Sequence[_Sample]) -> tuple[float, float, float, float, float, float]:
    """Classic one-way ANOVA: (F, df_between, df_within, p, ss_between, ss_total); NaN if none."""
    nan = math.nan
    samples = [s for s in samples if s.n]
    k = len(samples)
    n_total = sum(s.n for s in samples)
    df_between, df_within = k - 1, n_total - k
    if k < 2 or df_within < 1:
        return nan, float(df_between), float(df_within), nan, nan, nan
    means = [s.mean for s in samples]
    grand = sum(s.n * m for s, m in zip(samples, means, strict=True)) / n_total
    ss_within = sum(s.ss for s in samples)
    ss_between = sum(s.n * (m - grand) ** 2 for s, m in zip(samples, means, strict=True))
    if _within_negligible(ss_within, samples):
        return nan, float(df_between), float(df_within), nan, ss_between, ss_within + ss_between
    f_value = (ss_between / df_between) / (ss_within / df_within)
    p = _f_sf(f_value, df_between, df_within)
    return f_value, float(df_between), float(df_within), p, ss_between, ss_within + ss_between


# --------------------------------------------------------------------------- the tests


def _student(x: _Sample, y: _Sample, alpha: float, alternative: str, e: int) -> TTestResult:
    n1, n2 = x.n, y.n
    if n1 + n2 < 3:
        return TTestResult()
    v1 = x.var if n1 > 1 else 0.0
    v2 = y.var if n2 > 1 else 0.0
    df = n1 + n2 - 2
    pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
    se = math.sqrt(pooled * (1.0 / n1 + 1.0 / n2))
    m1, m2 = x.mean, y.mean
    if _essentially_zero(se, m1, m2):
        return TTestResult(mean_difference=_unscale(m1 - m2, e))
    return _t_test(m1 - m2, se, df, alpha, alternative, e)


def _welch(x: _Sample, y: _Sample, alpha: float, alternative: str, e: int) -> TTestResult:
    n1, n2 = x.n, y.n
    if n1 < 2 or n2 < 2:
        return TTestResult(mean_difference=_unscale(x.mean - y.mean, e))
    a, b = x.var / n1, y.var / n2
    se2 = a + b
    se = math.sqrt(se2)
    m1, m2 = x.mean, y.mean
    if _essentially_zero(se, m1, m2):
        return TTestResult(mean_difference=_unscale(m1 - m2, e))
    df = se2**2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    return _t_test(m1 - m2, se, df, alpha, alternative, e)


def _paired(d: _Sample, alpha: float, alternative: str, e: int) -> TTestResult:
    n = d.n
    mean = d.mean
    if n < 2:
        return TTestResult(mean_difference=_unscale(mean, e))
    se = math.sqrt(d.var / n)
    if _essentially_zero(se, mean):
        return TTestResult(mean_difference=_unscale(mean, e))
    return _t_test(mean, se, n - 1, alpha, alternative, e)


def _mann_whitney(
    n1: int, n2: int, rank_sum: float, ties: np.ndarray, alternative: str
) -> RankTestResult:
    """From the rank sum of the first group in the pooled sample and the pooled tie sizes."""
    if n1 == 0 or n2 == 0:
        return RankTestResult()
    w = rank_sum - n1 * (n1 + 1) / 2.0
    if n1 < EXACT_LIMIT and n2 < EXACT_LIMIT and ties.size == 0:
        p = _mann_whitney_exact_p(w, n1, n2, alternative)
        return RankTestResult(_num(w), _num(min(1.0, p)), "exact")
    n = n1 + n2
    sigma2 = (n1 * n2 / 12.0) * ((n + 1) - float(np.sum(ties**3 - ties)) / (n * (n - 1)))
    z = w - n1 * n2 / 2.0
    if not sigma2 > 0.0:
        return RankTestResult(_num(w), None, "not computable: every value is tied")
    p = _normal_p(z, math.sqrt(sigma2), alternative)
    return RankTestResult(_num(w), _num(p), "normal approximation with continuity correction")


@lru_cache(maxsize=64)
def _mann_whitney_null(n1: int, n2: int) -> tuple[np.ndarray, np.ndarray]:
    """P(U = u) and P(U <= u) for u = 0 .. n1 * n2 // 2 under H0 (no ties); needs n1 <= n2.

    The same recurrence for the frequencies of U (in integers while they fit in uint64) and the
    same floating-point steps as scipy's exact ``mannwhitneyu``, so the same p-values; scipy
    spends ~0.3 ms per call on input handling, this is computed once per (n1, n2).
    """
    top = n1 * n2 // 2
    sigma = np.zeros(top + 1, dtype=int)
    for d in range(1, n1 + 1):
        sigma[d::d] += d
    for d in range(n2 + 1, n2 + n1 + 1):
        sigma[d::d] -= d
    sigma = sigma[1:]
    counts = np.zeros(top + 1, dtype=np.uint64)
    counts[0] = 1
    in_integers, largest = True, np.iinfo(np.uint64).max
    for u in range(1, top + 1):
        value = np.dot(counts[:u], sigma[u - 1 :: -1]) / u
        if in_integers and value > largest:
            counts = counts.astype(float)  # too big for uint64: go on in floating point
            in_integers = False
        counts[u] = value
    pmf = counts / special.binom(n1 + n2, n1)
    cdf = np.cumsum(pmf)
    pmf.flags.writeable = cdf.flags.writeable = False
    return pmf, cdf


def _mann_whitney_exact_p(w: float, n1: int, n2: int, alternative: str) -> float:
    """Exact p of U = ``w`` (first group), as scipy's ``mannwhitneyu(method="exact")``."""
    pmf, cdf = _mann_whitney_null(min(n1, n2), max(n1, n2))
    w2 = n1 * n2 - w
    if alternative == "greater":
        u, factor = w, 1.0
    elif alternative == "less":
        u, factor = w2, 1.0  # by symmetry, P(W <= w) = P(W2 >= w2)
    else:
        u, factor = max(w, w2), 2.0
    k = int(u)
    mirror = n1 * n2 - k
    # P(U >= k), summed from the nearer tail (the distribution is symmetric)
    p = 1.0 - float(cdf[k]) + float(pmf[k]) if k < mirror else float(cdf[mirror])
    return min(max(p * factor, 0.0), 1.0)


def _normal_p(z: float, sigma: float, alternative: str) -> float:
    """R's continuity-corrected normal p for a rank statistic centred at ``z``."""
    if alternative == "two-sided":
        correction = math.copysign(0.5, z) if z != 0 else 0.0
    elif alternative == "greater":
        correction = 0.5
    else:
        correction = -0.5
    zc = (z - correction) / sigma
    lower, upper = float(special.ndtr(zc)), float(special.ndtr(-zc))  # norm.cdf, norm.sf
    if alternative == "less":
        return lower
    if alternative == "greater":
        return upper
    return min(1.0, 2.0 * min(lower, upper))


@lru_cache(maxsize=64)
def _signrank_cdf(n: int) -> np.ndarray:
    """P(V <= v) for v = 0..n(n+1)/2 under H0 (exact, by counting subsets of 1..n)."""
    total = n * (n + 1) // 2
    counts = np.zeros(total + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    cdf = np.cumsum(counts) / 2.0**n
    cdf.flags.writeable = False
    return cdf


def _wilcoxon(v: float, n: int, ties: np.ndarray, zeros: int, alternative: str) -> RankTestResult:
    """R's ``wilcox.test(x, y, paired = TRUE)`` from V (the rank sum of the positive differences
    among the ``n`` non-zero ones), their tie sizes and the number of zero differences dropped."""
    if n == 0:
        return RankTestResult(method="not computable: every difference is zero")
    if n < EXACT_LIMIT and ties.size == 0 and zeros == 0:
        cdf = _signrank_cdf(n)
        vi = round(v)

        def upper(value: int) -> float:  # P(V >= value)
            return 1.0 if value <= 0 else float(1.0 - cdf[value - 1])

        if alternative == "greater":
            p = upper(vi)
        elif alternative == "less":
            p = float(cdf[vi])
        else:
            p = upper(vi) if v > n * (n + 1) / 4.0 else float(cdf[vi])
            p = min(1.0, 2.0 * p)
        return RankTestResult(_num(v), _num(max(0.0, min(1.0, p))), "exact")
    sigma2 = n * (n + 1) * (2 * n + 1) / 24.0 - float(np.sum(ties**3 - ties)) / 48.0
    p = _normal_p(v - n * (n + 1) / 4.0, math.sqrt(sigma2), alternative)
    return RankTestResult(_num(v), _num(p), "normal approximation with continuity correction")


def _signed_runs(ordered: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """|negative values| ascending, the number of zeros and the positive values ascending, from
    a sorted array (the two runs whose merge ranks |d| for the signed-rank test)."""
    below = int(np.searchsorted(ordered, 0.0, side="left"))
    above = int(np.searchsorted(ordered, 0.0, side="right"))
    return -ordered[:below][::-1], above - below, ordered[above:]


@lru_cache(maxsize=16)
def _shapiro_subsample(n: int) -> np.ndarray:
    """The fixed pseudo-random positions (sorted) of the values tested when n > 5000."""
    rng = np.random.default_rng(SHAPIRO_SEED)
    positions = np.sort(rng.choice(n, SHAPIRO_MAX_N, replace=False))
    positions.flags.writeable = False
    return positions


def _shapiro(sample: _Sample) -> NormalityResult:
    n = sample.n
    if n < 3 or sample.constant:
        return NormalityResult(n_used=0)
    if n > SHAPIRO_MAX_N:
        values = sample.values[_shapiro_subsample(n)]
        ordered = np.sort(values)
        if ordered[0] == ordered[-1]:
            return NormalityResult(n_used=0)
        median = _sorted_median(ordered)
    else:
        values, ordered, median = sample.values, sample.ordered, sample.median
    w, p = _shapiro_wilk(values, ordered, median)
    return NormalityResult(_num(w), _num(p), int(values.size))


def _shapiro_wilk(values: np.ndarray, ordered: np.ndarray, median: float) -> tuple[float, float]:
    """W and p of ``sps.shapiro(values - median)``; ``ordered`` is ``values`` sorted.

    Centring on the median (Shapiro-Wilk is location invariant) keeps scipy's sums well
    conditioned. scipy sorts its input and shifts it by the input's element at n // 2 (gh-15777)
    before its routine ``swilk``; here the sorted centred values come from ``ordered`` directly
    (subtracting a constant keeps the order), so the routine sees the very same numbers.
    """
    if _swilk is None:  # pragma: no cover
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sps.shapiro(values - median)
        return float(result.statistic), float(result.pvalue)
    centred = ordered - median
    centred -= values[values.size // 2] - median
    w, p, _ = _swilk(centred, np.zeros(values.size // 2), 0)
    return float(w), float(p)


def _levene(samples: Sequence[_Sample]) -> LeveneResult:
    deviations = []
    for s in samples:
        if s.n:
            deviation = s.values - s.median
            deviations.append(_Sample(np.abs(deviation, out=deviation)))
    f_value, df1, df2, p, _, _ = _oneway_f(deviations)
    return LeveneResult(_num(f_value), _num(p), _num(df1), _num(df2))


def _welch_anova(samples: Sequence[_Sample]) -> AnovaResult:
    k = len(samples)
    if k < 2 or any(s.n < 2 for s in samples):
        return AnovaResult(df_between=float(k - 1))
    n = np.array([s.n for s in samples], dtype=float)
    means = np.array([s.mean for s in samples])
    variances = np.array([s.var for s in samples])
    if not np.all(variances > 0.0):
        return AnovaResult(df_between=float(k - 1))
    w = n / variances
    sum_w = float(np.sum(w))
    tmp = float(np.sum((1.0 - w / sum_w) ** 2 / (n - 1.0))) / (k * k - 1.0)
    grand = float(np.sum(w * means)) / sum_w
    f_value = float(np.sum(w * (means - grand) ** 2)) / ((k - 1) * (1.0 + 2.0 * (k - 2) * tmp))
    df_within = 1.0 / (3.0 * tmp)
    p = _f_sf(f_value, k - 1, df_within)
    return AnovaResult(_num(f_value), float(k - 1), _num(df_within), _num(p))


def _kruskal(sizes: Sequence[int], rank_sums: Sequence[float], ties: np.ndarray) -> KruskalResult:
    """From the groups' sizes, their rank sums in the pooled sample and its tie sizes."""
    k = len(sizes)
    if k < 2:
        return KruskalResult()
    n = sum(sizes)
    correction = 1.0 - float(np.sum(ties**3 - ties)) / (float(n) ** 3 - n)
    if not correction > 0.0:
        return KruskalResult(df=float(k - 1))
    centre = (n + 1) / 2.0
    h = 0.0
    for size, rank_sum in zip(sizes, rank_sums, strict=True):
        h += size * (rank_sum / size - centre) ** 2
    h = 12.0 / (n * (n + 1)) * h / correction
    return KruskalResult(_num(h), float(k - 1), _num(float(special.chdtrc(k - 1, h))))


def _tukey(
    names: Sequence[str],
    samples: Sequence[_Sample],
    classic: tuple[float, ...],
    alpha: float,
    e: int,
) -> tuple[PostHocComparison, ...]:
    """Tukey HSD for every pair; ``classic`` is :func:`_oneway_f` of the same samples."""
    k = len(samples)
    n = [s.n for s in samples]
    means = [s.mean for s in samples]
    f_value, _, df_within, _, _, _ = classic
    pairs: list[PostHocComparison] = []
    if math.isnan(f_value) or df_within < 1:
        for i in range(k):
            for j in range(i + 1, k):
                pairs.append(
                    PostHocComparison(names[i], names[j], _unscale(means[i] - means[j], e))
                )
        return tuple(pairs)
    ss_within = sum(s.ss for s in samples)
    mse = ss_within / df_within
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q_crit = float(sps.studentized_range.ppf(1.0 - alpha, k, df_within))
        for i in range(k):
            for j in range(i + 1, k):
                diff = means[i] - means[j]
                se = math.sqrt(mse / 2.0 * (1.0 / n[i] + 1.0 / n[j]))
                p = float(sps.studentized_range.sf(abs(diff) / se, k, df_within))
                pairs.append(
                    PostHocComparison(
                        names[i],
                        names[j],
                        _unscale(diff, e),
                        _num(min(1.0, max(0.0, p))),
                        _unscale(diff - q_crit * se, e),
                        _unscale(diff + q_crit * se, e),
                    )
                )
    return tuple(pairs)


# --------------------------------------------------------------------------- effect sizes


def _ncp_bound(t: float, df: float, target: float) -> float | None:
    """The noncentrality ncp with P(T <= t | df, ncp) = target (the CDF falls as ncp grows).

    ``special.nctdtr`` is the function ``scipy.stats.nct.cdf`` evaluates, at ~1 us instead of
    ~20 us a call; the root finding is unchanged.
    """

    def f(ncp: float) -> float:
        return float(special.nctdtr(df, ncp, t)) - target

    try:
        width = 1.0 + 0.1 * abs(t)
        low, high = t - width, t + width
        for _ in range(80):
            value = f(low)
            if math.isnan(value):
                return None
            if value > 0:
                break
            low -= width
            width *= 2.0
        else:
            return None
        width = 1.0 + 0.1 * abs(t)
        for _ in range(80):
            value = f(high)
            if math.isnan(value):
                return None
            if value < 0:
                break
            high += width
            width *= 2.0
        else:
            return None
        return float(optimize.brentq(f, low, high, xtol=1e-12, rtol=1e-12, maxiter=200))
    except (ValueError, RuntimeError, OverflowError, ZeroDivisionError):
        return None


def _ncp_interval(
    t: float, df: float, alpha: float, alternative: str
) -> tuple[float | None, float | None]:
    """Interval for the noncentrality of an observed t (one-sided bounds are infinite)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if alternative == "two-sided":
            low = _ncp_bound(t, df, 1.0 - alpha / 2.0)
            high = _ncp_bound(t, df, alpha / 2.0)
        elif alternative == "less":
            low, high = -math.inf, _ncp_bound(t, df, alpha)
        else:
            low, high = _ncp_bound(t, df, 1.0 - alpha), math.inf
    if low is None or high is None:
        # normal approximation to the noncentral t when the exact inversion fails
        se = math.sqrt(1.0 + t * t / (2.0 * df))
        if alternative == "two-sided":
            z = float(special.ndtri(1.0 - alpha / 2.0))
            low, high = (t - z * se if low is None else low), (t + z * se if high is None else high)
        else:
            z = float(special.ndtri(1.0 - alpha))
            low = t - z * se if low is None else low
            high = t + z * se if high is None else high
    return low, high


def _hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    return math.exp(special.gammaln(df / 2.0) - special.gammaln((df - 1.0) / 2.0)) / math.sqrt(
        df / 2.0
    )


def _cohens_d(x: _Sample, y: _Sample, alpha: float, alternative: str) -> EffectSizes:
    n1, n2 = x.n, y.n
    df = n1 + n2 - 2
    if n1 < 1 or n2 < 1 or df < 1:
        return EffectSizes("independent")
    v1 = x.var if n1 > 1 else 0.0
    v2 = y.var if n2 > 1 else 0.0
    sd = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df)
    m1, m2 = x.mean, y.mean
    if _essentially_zero(sd, m1, m2):
        return EffectSizes("independent")
    d = (m1 - m2) / sd
    factor = math.sqrt(1.0 / n1 + 1.0 / n2)
    low, high = _ncp_interval(d / factor, df, alpha, alternative)
    d_low, d_high = low * factor, high * factor
    if df < 2:
        return EffectSizes("independent", d, d_low, d_high)
    j = _hedges_j(df)
    return EffectSizes("independent", d, d_low, d_high, d * j, d_low * j, d_high * j)


def _cohens_dz(d: _Sample, alpha: float, alternative: str) -> EffectSizes:
    n = d.n
    if n < 2:
        return EffectSizes("paired")
    sd = math.sqrt(d.var)
    mean = d.mean
    if _essentially_zero(sd, mean):
        return EffectSizes("paired")
    dz = mean / sd
    factor = 1.0 / math.sqrt(n)
    low, high = _ncp_interval(dz / factor, n - 1, alpha, alternative)
    return EffectSizes(
        "paired", cohens_dz=dz, cohens_dz_ci_low=low * factor, cohens_dz_ci_high=high * factor
    )


def _eta_omega(classic: tuple[float, ...]) -> EffectSizes:
    """Eta and omega squared from :func:`_oneway_f`'s result."""
    f_value, df1, df2, _, ss_between, ss_total = classic
    if math.isnan(f_value) or not ss_total > 0:
        return EffectSizes("multi")
    mse = (ss_total - ss_between) / df2
    eta = ss_between / ss_total
    omega = (ss_between - df1 * mse) / (ss_total + mse)
    return EffectSizes("multi", eta_squared=_num(eta), omega_squared=_num(omega))


# ------------------------------------------------------------------ descriptives & warnings


def _summary(name: str, sample: _Sample, missing: int, e: int) -> GroupSummary:
    n = sample.n
    if n == 0:
        return GroupSummary(name, 0, None, None, None, None, None, None, missing)
    sd = math.sqrt(sample.var) if n > 1 else None
    return GroupSummary(
        name=name,
        n=n,
        mean=_unscale(sample.mean, e),
        sd=_unscale(sd, e),
        sem=_unscale(sd / math.sqrt(n), e) if sd is not None else None,
        median=_unscale(sample.median, e),
        min=_unscale(sample.low, e),
        max=_unscale(sample.high, e),
        missing=missing,
    )


def _outlier_warning(name: str, sample: _Sample, e: int) -> str | None:
    """Values beyond 1.5 x IQR of the quartiles; from 100 values on, only those beyond 3 x IQR.

    About 0.7 % of normal data lie beyond 1.5 x IQR, so in large groups the mild ones are
    expected and naming thousands of them would only hide the extreme ones.
    """
    if sample.n < 4:
        return None
    q1, q3 = sample.quantile(0.25), sample.quantile(0.75)
    iqr = q3 - q1
    mild = _beyond(sample.ordered, q1 - 1.5 * iqr, q3 + 1.5 * iqr)  # sorted, like all below
    extreme = _beyond(mild, q1 - 3.0 * iqr, q3 + 3.0 * iqr)
    large = sample.n >= 100
    if (extreme if large else mild).size == 0:
        return None

    def listing(values: np.ndarray) -> str:
        shown = values[:5]
        text = ", ".join(_fmt(_unscale(float(v), e)) for v in shown)
        return text + (f" and {values.size - shown.size} more" if values.size > shown.size else "")

    if large:
        count = extreme.size
        return (
            f"Group {name!r} has {count} extreme outlier{'s' if count != 1 else ''} "
            f"(beyond 3 x IQR of the quartiles, out of {sample.n}): {listing(extreme)}."
        )
    text = (
        f"Group {name!r} has {mild.size} possible outlier{'s' if mild.size != 1 else ''} "
        f"beyond 1.5 x IQR of the quartiles: {listing(mild)}."
    )
    if extreme.size:
        text += f" Beyond 3 x IQR (extreme): {listing(extreme)}."
    return text


def _ties_count(ties: np.ndarray) -> tuple[int, int]:
    """(number of groups of tied values, number of values involved), from the tie sizes."""
    return int(ties.size), int(np.sum(ties))


def _ties_text(groups: int, involved: int, noun: str) -> str:
    if groups == 1:
        return f"one {noun} occurs {involved} times"
    return f"{groups} {noun}s occur more than once ({involved} observations involved)"


# --------------------------------------------------------------------------- check


def check(dataset: Dataset, alpha: float = 0.05, alternative: str = "two-sided") -> LocalReport:
    """Run the local battery of tests that fits the dataset's design.

    Parameters
    ----------
    dataset : Dataset
        Named groups of finite floats (see :func:`assistant_core.data.make_dataset`); two groups
        are ``independent`` or ``paired``, three or more ``multi``.
    alpha : float, default 0.05
        Significance level, strictly between 0 and 1; intervals are at ``1 - alpha``.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        About the first group minus the second (R's ``t.test(x, y)`` convention). Ignored, with a
        warning, for three or more groups.

    Returns
    -------
    LocalReport
        Frozen dataclasses; ``to_dict()`` gives the ``check --json`` contract (strict JSON) and
        ``to_frame()`` a table. Figures that cannot be computed (n too small, zero variance)
        are ``None`` and ``warnings`` says why: degenerate data never raise.

    Raises
    ------
    DataError
        If ``alpha`` or ``alternative`` is invalid, or the dataset is malformed (fewer than two
        groups, an empty group, non-finite values, paired groups of unequal length).

    Examples
    --------
    Student's sleep data (R's ``t.test(extra ~ group, data = sleep)``):

    >>> from assistant_core.data import make_dataset
    >>> sleep = make_dataset({
    ...     "drug 1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    ...     "drug 2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
    ... })
    >>> report = check(sleep)
    >>> report.recommended
    'welch_t'
    >>> welch = report.tests.welch_t
    >>> round(welch.statistic, 4), round(welch.df, 3), round(welch.p_value, 5)
    (-1.8608, 17.776, 0.07939)
    >>> round(welch.ci_low, 4), round(welch.ci_high, 4)
    (-3.3655, 0.2055)
    >>> sorted(report.to_dict()["tests"])  # doctest: +NORMALIZE_WHITESPACE
    ['levene', 'mann_whitney_u', 'shapiro_wilk', 'student_t', 'welch_t']
    """
    alpha, alternative = _validate(alpha, alternative)
    groups = tuple(dataset.groups)
    if len(groups) < 2:
        raise DataError(f"Need at least two groups to compare; got {len(groups)}.")
    names = [g.name for g in groups]
    # no copy when the values already are a float64 array (they are only ever read)
    raw = [np.asarray(g.values, dtype=float).reshape(-1) for g in groups]
    ordered = []
    for name, values in zip(names, raw, strict=True):
        if values.size == 0:
            raise DataError(f"Group {name!r} has no numeric values.")
        # The one sort of each group: every order statistic below comes from it, and as NaN
        # sorts last and infinities to the ends, its ends also say whether all are finite.
        ordered.append(np.sort(values))
        if not (math.isfinite(ordered[-1][0]) and math.isfinite(ordered[-1][-1])):
            raise DataError(f"Group {name!r} contains a missing or infinite value; drop it first.")
    if dataset.paired and (len(raw) != 2 or raw[0].size != raw[1].size):
        raise DataError("Paired analysis needs exactly two groups of the same length.")
    design = "paired" if dataset.paired else ("multi" if len(groups) > 2 else "independent")

    exponent = _scale_exponent(ordered)
    # rescaling by a power of two keeps the order, so the sorted copies are rescaled in place
    samples = [
        _Sample(_rescaled(values, exponent), _rescaled(o, exponent, out=o))
        for values, o in zip(raw, ordered, strict=True)
    ]
    with np.errstate(all="ignore"):
        return _check(design, names, groups, samples, exponent, alpha, alternative)


def _check(
    design: str,
    names: list[str],
    groups: Sequence[Any],
    samples: list[_Sample],
    e: int,
    alpha: float,
    alternative: str,
) -> LocalReport:
    notes: list[str] = []
    summaries = tuple(
        _summary(g.name, s, g.missing, e) for g, s in zip(groups, samples, strict=True)
    )

    # -- data warnings
    if design == "paired" and groups[0].missing:
        notes.append(
            f"{groups[0].missing} pair{'s' if groups[0].missing != 1 else ''} with a missing "
            "value were dropped."
        )
    elif design != "paired":
        for g in groups:
            if g.missing:
                notes.append(
                    f"Group {g.name!r}: {g.missing} missing value{'s' if g.missing != 1 else ''} "
                    "dropped."
                )
    for name, s in zip(names, samples, strict=True):
        if s.n == 1:
            notes.append(
                f"Group {name!r} has a single value: nothing that needs its variance "
                "(SD, t-tests, normality) can be computed from it."
            )
        elif s.n < SMALL_GROUP:
            notes.append(
                f"Group {name!r} has only {s.n} values: tests have little power and "
                "normality cannot be judged."
            )
        if s.n > 1 and s.constant:
            notes.append(
                f"Group {name!r} has zero variance: all its values equal "
                f"{_fmt(_unscale(float(s.values[0]), e))}."
            )
    if all(s.constant for s in samples) and len({float(s.values[0]) for s in samples}) == 1:
        notes.append("All values in all groups are equal: there is nothing to test.")
    for name, s in zip(names, samples, strict=True):
        text = _outlier_warning(name, s, e)
        if text:
            notes.append(text)

    tests: dict[str, Any] = {}
    shapiro: dict[str, NormalityResult] = {}
    sample_of = dict(zip(names, samples, strict=True))  # by Shapiro-Wilk key
    for name, s in zip(names, samples, strict=True):
        shapiro[name] = _shapiro(s)

    if design == "paired":
        # the differences need the pairs in their original order; then they are sorted once
        d_values = samples[0].values - samples[1].values
        d = _Sample(d_values, np.sort(d_values))
        diff_key = "differences" if "differences" not in names else "differences (first - second)"
        sample_of.setdefault(diff_key, d)
        shapiro[diff_key] = _shapiro(d)
        tests["paired_t"] = _paired(d, alpha, alternative, e)
        negative, zeros, positive = _signed_runs(d.ordered)
        rank_sums, ties = _rank_sums([negative, positive])  # ranks of |d|, zeros dropped
        tests["wilcoxon_signed_rank"] = _wilcoxon(
            rank_sums[1], negative.size + positive.size, ties, zeros, alternative
        )
        effects = _cohens_dz(d, alpha, alternative)
        if d.n > 1 and d.constant:
            notes.append(
                f"Every pair has the same difference ({_fmt(_unscale(float(d.values[0]), e))}): "
                "the paired t-test and Cohen's dz need some variation in the differences."
            )
        if zeros:
            notes.append(
                f"{zeros} pair{'s have' if zeros != 1 else ' has'} a zero difference, dropped "
                "from the Wilcoxon signed-rank test (as R does); its p-value is then the normal "
                "approximation."
            )
        tie_groups, tied = _ties_count(ties)
        if tie_groups:
            notes.append(
                f"Ties: {_ties_text(tie_groups, tied, 'absolute difference')}; the Wilcoxon "
                "signed-rank test uses average ranks and the normal approximation with a tie "
                "correction instead of an exact p-value."
            )
    elif design == "independent":
        x, y = samples
        tests["student_t"] = _student(x, y, alpha, alternative, e)
        tests["welch_t"] = _welch(x, y, alpha, alternative, e)
        rank_sums, ties = _rank_sums([x.ordered, y.ordered])
        tests["mann_whitney_u"] = _mann_whitney(x.n, y.n, rank_sums[0], ties, alternative)
        tests["levene"] = _levene(samples)
        effects = _cohens_d(x, y, alpha, alternative)
    else:
        tests["levene"] = _levene(samples)
        classic = _oneway_f(samples)
        tests["one_way_anova"] = AnovaResult(
            _num(classic[0]), _num(classic[1]), _num(classic[2]), _num(classic[3])
        )
        tests["welch_anova"] = _welch_anova(samples)
        rank_sums, ties = _rank_sums([s.ordered for s in samples])
        tests["kruskal_wallis"] = _kruskal([s.n for s in samples], rank_sums, ties)
        tests["post_hoc"] = _tukey(names, samples, classic, alpha, e)
        effects = _eta_omega(classic)
        if alternative != "two-sided":
            notes.append(
                f"The alternative {alternative!r} only applies to two groups; the tests for "
                "three or more groups are two-sided (it was ignored)."
            )

    if design != "paired":
        tie_groups, tied = _ties_count(ties)  # of the pooled values
        if tie_groups:
            test = "Mann-Whitney U" if design == "independent" else "Kruskal-Wallis"
            exactness = (
                " (normal approximation, not an exact p-value)" if design == "independent" else ""
            )
            notes.append(
                f"Ties: {_ties_text(tie_groups, tied, 'value')}; the {test} test uses average "
                f"ranks and a tie correction{exactness}."
            )

    # -- normality notes
    for key, res in shapiro.items():
        s = sample_of[key]
        if s.n > SHAPIRO_MAX_N and res.n_used:
            notes.append(
                f"Shapiro-Wilk for {key!r} was run on a fixed random subsample of "
                f"{SHAPIRO_MAX_N} of its {s.n} values (its p-value is only valid up to "
                f"{SHAPIRO_MAX_N}); with so many values the t-tests rely on the central limit "
                "theorem rather than on normality."
            )
        elif res.p_value is None and s.n >= 3 and not s.constant:
            notes.append(f"Shapiro-Wilk could not be computed for {key!r}.")
        elif s.n < 3 and key in names:
            notes.append(f"Shapiro-Wilk needs at least 3 values; group {key!r} has {s.n}.")
        if res.p_value is not None and res.p_value < alpha:
            notes.append(
                f"Shapiro-Wilk suggests {key!r} is not normally distributed "
                f"(W = {_fmt(res.statistic)}, {format_p(res.p_value)})."
            )

    # -- variance notes
    levene: LeveneResult | None = tests.get("levene")
    if design != "paired":
        sds = [s.sd for s in summaries if s.sd is not None]
        parts = []
        if levene is not None and levene.p_value is not None and levene.p_value < alpha:
            parts.append(f"Levene's test (median-centred) {format_p(levene.p_value)}")
        positive = [v for v in sds if v > 0]
        if len(positive) >= 2 and max(positive) / min(positive) > SD_RATIO_LIMIT:
            parts.append(
                f"the largest SD is {max(positive) / min(positive):.3g} times the smallest"
            )
        if parts:
            notes.append(
                "Unequal variances: " + "; ".join(parts) + ". Welch's tests do not assume equal "
                "variances; Student's t and the classic ANOVA do."
            )

    # -- tests that could not be computed
    labels = {
        "student_t": "Student's t-test",
        "welch_t": "Welch's t-test",
        "paired_t": "The paired t-test",
        "mann_whitney_u": "The Mann-Whitney U test",
        "wilcoxon_signed_rank": "The Wilcoxon signed-rank test",
        "levene": "Levene's test",
        "one_way_anova": "The one-way ANOVA",
        "welch_anova": "Welch's ANOVA",
        "kruskal_wallis": "The Kruskal-Wallis test",
    }
    why = {
        "student_t": "it needs at least 3 values in all and some variation within the groups",
        "welch_t": "it needs at least 2 values with some variation in each group",
        "paired_t": "it needs at least 2 pairs whose differences vary",
        "mann_whitney_u": "every value is tied",
        "wilcoxon_signed_rank": "every difference is zero",
        "levene": "the absolute deviations from the group medians do not vary within groups",
        "one_way_anova": "it needs some variation within the groups",
        "welch_anova": "it needs at least 2 values and a non-zero variance in every group",
        "kruskal_wallis": "every value is tied",
    }
    for key, label in labels.items():
        res = tests.get(key)
        if res is not None and res.p_value is None:
            notes.append(f"{label} cannot be computed: {why[key]}.")
    if (
        design == "multi"
        and tests["post_hoc"]
        and all(p.p_value is None for p in tests["post_hoc"])
    ):
        notes.append("Tukey's HSD cannot be computed: it needs some variation within the groups.")
    if design == "independent" and effects.cohens_d is None:
        notes.append("Cohen's d cannot be computed: the pooled SD is zero or undefined.")
    if design == "paired" and effects.cohens_dz is None:
        notes.append("Cohen's dz cannot be computed: the differences do not vary.")

    recommended, reasons = _recommend(
        design, names, samples, tests, shapiro, levene, summaries, alpha
    )

    results = TestResults(
        student_t=tests.get("student_t"),
        welch_t=tests.get("welch_t"),
        paired_t=tests.get("paired_t"),
        mann_whitney_u=tests.get("mann_whitney_u"),
        wilcoxon_signed_rank=tests.get("wilcoxon_signed_rank"),
        shapiro_wilk=shapiro,
        levene=tests.get("levene"),
        one_way_anova=tests.get("one_way_anova"),
        welch_anova=tests.get("welch_anova"),
        kruskal_wallis=tests.get("kruskal_wallis"),
        post_hoc=tests.get("post_hoc"),
    )
    return LocalReport(
        design=design,
        alpha=alpha,
        alternative=alternative,
        groups=summaries,
        tests=results,
        effect_sizes=effects,
        recommended=recommended,
        reasons=tuple(reasons),
        warnings=tuple(dict.fromkeys(notes)),
    )


def _recommend(
    design: str,
    names: list[str],
    samples: list[_Sample],
    tests: Mapping[str, Any],
    shapiro: Mapping[str, NormalityResult],
    levene: LeveneResult | None,
    summaries: Sequence[GroupSummary],
    alpha: float,
) -> tuple[str, list[str]]:
    def ok(key: str) -> bool:
        return tests.get(key) is not None and tests[key].p_value is not None

    def first_ok(*keys: str) -> str | None:
        return next((k for k in keys if ok(k)), None)

    reasons: list[str] = []
    if design == "paired":
        n = samples[0].n
        diff = next(k for k in shapiro if k not in names)
        res = shapiro[diff]
        clear = res.p_value is not None and res.p_value < CLEAR_NON_NORMALITY_P
        if clear and n < SMALL_SAMPLE and ok("wilcoxon_signed_rank"):
            reasons.append(
                f"The differences clearly fail normality (Shapiro-Wilk {format_p(res.p_value)} "
                f"< {CLEAR_NON_NORMALITY_P}) with only {n} pairs (< {SMALL_SAMPLE}), so the paired "
                "t-test's assumption cannot be relied on; the Wilcoxon signed-rank test does not "
                "need it."
            )
            return "wilcoxon_signed_rank", reasons
        if ok("paired_t"):
            reasons.append(
                "The same subjects were measured twice, so the paired t-test on the differences "
                "(first minus second) is used: it removes the variation between subjects."
            )
            if res.p_value is None:
                reasons.append("Normality of the differences could not be checked (too few pairs).")
            elif clear:
                reasons.append(
                    f"The differences look non-normal ({format_p(res.p_value)}), but with {n} "
                    "pairs the t-test is robust (central limit theorem)."
                )
            else:
                reasons.append(
                    f"Shapiro-Wilk does not clearly reject normality of the differences "
                    f"({format_p(res.p_value)}, not below {CLEAR_NON_NORMALITY_P}), and the "
                    "t-test is fairly robust to moderate departures."
                )
            return "paired_t", reasons
        if ok("wilcoxon_signed_rank"):
            reasons.append(
                "The paired t-test cannot be computed (the differences do not vary or there are "
                "too few pairs); the Wilcoxon signed-rank test still can."
            )
            return "wilcoxon_signed_rank", reasons
        reasons.append("No paired test could be computed from these data; see the warnings.")
        return "paired_t", reasons

    smallest = min(s.n for s in samples)
    failing = [
        (name, shapiro[name].p_value)
        for name in names
        if shapiro[name].p_value is not None and shapiro[name].p_value < CLEAR_NON_NORMALITY_P
    ]
    unchecked = [name for name in names if shapiro[name].p_value is None]
    rank_key, welch_key, classic_key = (
        ("mann_whitney_u", "welch_t", "student_t")
        if design == "independent"
        else ("kruskal_wallis", "welch_anova", "one_way_anova")
    )
    rank_label = "Mann-Whitney U test" if design == "independent" else "Kruskal-Wallis test"
    welch_label = "Welch's t-test" if design == "independent" else "Welch's ANOVA"
    classic_label = "Student's t-test" if design == "independent" else "the classic one-way ANOVA"

    if failing and smallest < SMALL_SAMPLE and ok(rank_key):
        listed = ", ".join(f"{name!r} ({format_p(p)})" for name, p in failing)
        reasons.append(
            f"Normality clearly fails (Shapiro-Wilk p < {CLEAR_NON_NORMALITY_P}) for {listed} and "
            f"the samples are small (smallest group n = {smallest} < {SMALL_SAMPLE}), so the "
            f"mean-based tests cannot be relied on; the {rank_label} compares ranks and does "
            "not assume normality."
        )
        return rank_key, reasons
    if ok(welch_key):
        reasons.append(
            f"{welch_label} is the default: it does not assume equal variances and loses almost "
            f"nothing when they are equal, whereas {classic_label} can mislead when they differ."
        )
        sds = [s.sd for s in summaries if s.sd]
        unequal = levene is not None and levene.p_value is not None and levene.p_value < alpha
        if unequal or (len(sds) >= 2 and max(sds) / min(sds) > SD_RATIO_LIMIT):
            reasons.append("Here the variances look unequal, which Welch's correction handles.")
        if failing:
            reasons.append(
                f"Some groups look non-normal, but with at least {SMALL_SAMPLE} values per group "
                "the test on means is robust (central limit theorem)."
            )
        elif unchecked:
            reasons.append(
                "Normality could not be checked for "
                + ", ".join(repr(name) for name in unchecked)
                + " (fewer than 3 values or no variation)."
            )
        else:
            reasons.append(
                f"Shapiro-Wilk does not clearly reject normality in any group (all p >= "
                f"{CLEAR_NON_NORMALITY_P})."
            )
        return welch_key, reasons
    fallback = first_ok(classic_key, rank_key)
    if fallback == classic_key:
        reasons.append(
            f"{welch_label} cannot be computed (it needs at least two values with some spread in "
            f"every group); {classic_label} pools the variances and still can."
        )
        return classic_key, reasons
    if fallback == rank_key:
        reasons.append(
            f"Neither {welch_label} nor {classic_label} can be computed from these data; the "
            f"{rank_label} still can."
        )
        return rank_key, reasons
    reasons.append("No test could be computed from these data; see the warnings.")
    return welch_key, reasons
