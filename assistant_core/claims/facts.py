"""The local figures a claim can be judged against: the local report, and what it implies.

:class:`Facts` answers "what should this figure be?" for one kind of figure about one test
(under one alternative), one group or one pair, as a list of :class:`Candidate` values: the
first is the project's own convention, the others are conventions that are also correct and
that people use (U of the second group, the normal approximation of a rank test's p, a
second-minus-first difference, Levene's test centred at the mean), each with a note that says
which convention it is.

Most figures come from the local report; some are exact consequences of it (p and intervals
under another alternative or level, critical values, sums of squares from the group
summaries); a few need the data (a rank test's p by another method), computed here with scipy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import special, stats

from assistant_core.claims.lexicon import FAMILY, MAIN_TESTS

__all__ = ["ALTERNATIVES", "Candidate", "Facts"]

ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class Candidate:
    """A correct value for a figure; ``note`` names the convention when it is not ours."""

    value: float
    note: str | None = None


def _f(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if not math.isnan(value) else None


def _t_p(t: float, df: float, alternative: str) -> float:
    if alternative == "less":
        return float(special.stdtr(df, t))
    if alternative == "greater":
        return float(special.stdtr(df, -t))
    return float(min(1.0, 2 * special.stdtr(df, -abs(t))))


def _signed(
    value: float | None, note: str = "sign flipped: second group minus first"
) -> list[Candidate]:
    if value is None:
        return []
    out = [Candidate(value)]
    if value != 0:
        out.append(Candidate(-value, note))
    return out


def _signed_rank_exact(d: np.ndarray, alternative: str) -> float | None:
    """The exact p of the signed-rank statistic over every sign pattern of the observed
    (mid)ranks, zeros dropped: what an exact test with ties gives (pingouin, coin)."""
    nonzero = d[d != 0]
    n = len(nonzero)
    if n == 0 or n > 60:
        return None
    ranks = stats.rankdata(np.abs(nonzero))
    doubled = np.rint(ranks * 2).astype(int)
    total = int(doubled.sum())
    counts = np.zeros(total + 1)
    counts[0] = 1.0
    for r in doubled:
        counts[r:] = counts[r:] + counts[:-r].copy() if r else counts
    counts /= counts.sum()
    v = round(2 * float(ranks[nonzero > 0].sum()))
    lower = float(counts[: v + 1].sum())
    upper = float(counts[v:].sum())
    if alternative == "less":
        return lower
    if alternative == "greater":
        return upper
    return min(1.0, 2 * min(lower, upper))


class Facts:
    """The local results of one analysis, as figures a claim can be judged against."""

    def __init__(
        self,
        report: Mapping[str, Any] | Any,
        data: Sequence[Sequence[float]] | None = None,
    ) -> None:
        report = report.to_dict() if hasattr(report, "to_dict") else dict(report or {})
        self.report = report
        self.groups = [g for g in report.get("groups") or [] if isinstance(g, Mapping)]
        self.names = [str(g.get("name", f"group {i + 1}")) for i, g in enumerate(self.groups)]
        self.tests: Mapping[str, Any] = report.get("tests") or {}
        self.effects: Mapping[str, Any] = report.get("effect_sizes") or {}
        self.design = str(report.get("design") or "independent")
        alpha = _f(report.get("alpha"))
        self.alpha = alpha if alpha and 0 < alpha < 1 else 0.05
        self.alternative = str(report.get("alternative") or "two-sided")
        self.recommended: str | None = report.get("recommended")
        self.reasons = [str(r) for r in report.get("reasons") or []]
        self.data = [np.asarray(v, dtype=float) for v in data] if data is not None else None
        if self.data is not None and len(self.data) != len(self.groups):
            self.data = None
        self._rank_sum_cache: dict[str, list[Candidate]] = {}

    # ------------------------------------------------------------------ groups

    def group(self, index: int, key: str) -> float | None:
        return _f(self.groups[index].get(key)) if 0 <= index < len(self.groups) else None

    def group_values(self, kind: str, index: int) -> list[Candidate]:
        """n, mean, SD, variance, SE, median, min, max of one group."""
        key = {
            "n": "n",
            "mean": "mean",
            "sd": "sd",
            "se": "sem",
            "median": "median",
            "min": "min",
            "max": "max",
        }.get(kind)
        if kind == "variance":
            sd = self.group(index, "sd")
            if sd is None:
                return []
            # worked by hand from the SD as printed: 2.3988² = 5.75424 (R's var: 5.754174)
            square = Candidate(round(sd, 4) ** 2, "the square of the SD rounded to 4 decimals")
            return [Candidate(sd * sd), square]
        value = self.group(index, key) if key else None
        out = [Candidate(value)] if value is not None else []
        if kind == "sd" and self.data is not None and 0 <= index < len(self.data):
            values = self.data[index]
            if len(values) > 1:
                out.append(Candidate(float(np.std(values)), "population SD (divisor n)"))
        return out

    def special(self, kind: str, role: str) -> list[Candidate]:
        """Figures of the paired differences (``s_d``, ``x̄_d``) or pooled over the groups
        (``s_p``), for a label that says which."""
        if role == "differences":
            d = self._differences()
            if d is None or len(d) < 2:
                return []
            sd = float(np.std(d, ddof=1))
            values = {
                "mean": float(np.mean(d)),
                "mean_difference": float(np.mean(d)),
                "sd": sd,
                "variance": sd * sd,
                "se": sd / math.sqrt(len(d)),
                "n": float(len(d)),
                "median": float(np.median(d)),
            }
            return (
                _signed(values[kind], "second minus first")
                if kind in ("mean", "mean_difference", "median")
                else ([Candidate(values[kind])] if kind in values else [])
            )
        if role == "pooled":
            ns = [self.group(i, "n") for i in range(len(self.groups))]
            sds = [self.group(i, "sd") for i in range(len(self.groups))]
            if any(v is None for v in (*ns, *sds)) or sum(ns) - len(ns) <= 0:  # type: ignore[arg-type]
                return []
            pooled = sum((n - 1) * s * s for n, s in zip(ns, sds, strict=True)) / (  # type: ignore[operator]
                sum(ns) - len(ns)
            )  # type: ignore[arg-type]
            if kind == "variance":
                return [Candidate(pooled, "the pooled variance")]
            if kind == "sd":
                return [Candidate(math.sqrt(pooled), "the pooled SD")]
        if role == "each" and kind == "n":
            ns = {self.group(i, "n") for i in range(len(self.groups))}
            if len(ns) == 1:
                return [Candidate(ns.pop(), "each group's n")]
        return []

    def grand(self, kind: str) -> list[Candidate]:
        """Figures of all the groups together (the grand mean, the total N)."""
        ns = [self.group(i, "n") or 0 for i in range(len(self.groups))]
        if kind == "n":
            out = [Candidate(sum(ns), "the total N")]
            if len(set(ns)) == 1 and ns:
                out.insert(0, Candidate(ns[0], "each group's n"))
            return out
        if kind == "mean" and sum(ns):
            means = [self.group(i, "mean") or 0 for i in range(len(self.groups))]
            return [
                Candidate(
                    sum(n * m for n, m in zip(ns, means, strict=True)) / sum(ns), "the grand mean"
                )
            ]
        return []

    # ------------------------------------------------------------------ tests

    def available(self, family: str | None) -> list[str]:
        """The tests of a family that can be judged here, in the order ties go."""
        out = []
        for key in (*MAIN_TESTS, "shapiro_wilk", "levene", "post_hoc"):
            if family is not None and FAMILY.get(key) != family:
                continue
            if (
                key in self.t_tests
                or key in self.tests
                or (key in ("one_way_anova", "welch_anova") and key in self.anovas)
            ):
                out.append(key)
        return out

    @cached_property
    def t_tests(self) -> dict[str, dict[str, float]]:
        """t, df, mean difference and SE of each t-test: the local ones, plus Student's and
        Welch's from the group summaries when the report has none (paired data analysed as
        independent)."""
        out: dict[str, dict[str, float]] = {}
        for key in ("student_t", "welch_t", "paired_t"):
            test = self.tests.get(key)
            if not isinstance(test, Mapping):
                continue
            t, df, md = (_f(test.get(k)) for k in ("statistic", "df", "mean_difference"))
            if t is None or df is None or md is None or t == 0:
                continue
            out[key] = {"t": t, "df": df, "md": md, "se": abs(md / t)}
        if (
            len(self.groups) == 2
            and self.design != "paired"
            and not {"student_t", "welch_t"} & set(out)
        ):
            out.update(self._summary_t_tests())
        return out

    def _summary_t_tests(self) -> dict[str, dict[str, float]]:
        values = [self.group(i, k) for i in (0, 1) for k in ("n", "mean", "sd")]
        if any(v is None for v in values):
            return {}
        n1, m1, s1, n2, m2, s2 = (float(v) for v in values)  # type: ignore[arg-type]
        if n1 < 2 or n2 < 2 or (s1 == 0 and s2 == 0):
            return {}
        md = m1 - m2
        v1, v2 = s1 * s1 / n1, s2 * s2 / n2
        pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n1 + n2 - 2)
        se_s = math.sqrt(pooled * (1 / n1 + 1 / n2))
        se_w = math.sqrt(v1 + v2)
        df_w = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
        out = {}
        if md != 0:
            out["student_t"] = {"t": md / se_s, "df": n1 + n2 - 2, "md": md, "se": se_s}
            out["welch_t"] = {"t": md / se_w, "df": df_w, "md": md, "se": se_w}
        return out

    @cached_property
    def anovas(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for key in ("one_way_anova", "welch_anova"):
            test = self.tests.get(key)
            if isinstance(test, Mapping) and _f(test.get("statistic")) is not None:
                out[key] = {
                    k: v
                    for k in ("statistic", "df_between", "df_within", "p_value")
                    if (v := _f(test.get(k))) is not None
                }
        for t_key, f_key in (("student_t", "one_way_anova"), ("welch_t", "welch_anova")):
            if f_key in out or t_key not in self.t_tests:
                continue
            t = self.t_tests[t_key]
            out[f_key] = {
                "statistic": t["t"] ** 2,
                "df_between": 1.0,
                "df_within": t["df"],
                "p_value": _t_p(t["t"], t["df"], "two-sided"),
            }
        return out

    @cached_property
    def anova_table(self) -> dict[str, float]:
        """Sums of squares and mean squares of the one-way ANOVA, from the group summaries."""
        ns = [self.group(i, "n") for i in range(len(self.groups))]
        means = [self.group(i, "mean") for i in range(len(self.groups))]
        sds = [self.group(i, "sd") for i in range(len(self.groups))]
        if len(ns) < 2 or any(v is None for v in (*ns, *means, *sds)):
            return {}
        total = sum(ns)  # type: ignore[arg-type]
        grand = sum(n * m for n, m in zip(ns, means, strict=True)) / total  # type: ignore[operator]
        ssb = sum(n * (m - grand) ** 2 for n, m in zip(ns, means, strict=True))  # type: ignore[operator]
        ssw = sum((n - 1) * s * s for n, s in zip(ns, sds, strict=True))  # type: ignore[operator]
        k = len(ns)
        if total - k <= 0:
            return {}
        msb, msw = ssb / (k - 1), ssw / (total - k)
        out = {
            "ss_between": ssb,
            "ss_within": ssw,
            "ss_total": ssb + ssw,
            "ms_between": msb,
            "ms_within": msw,
            "df_between": k - 1.0,
            "df_within": total - k,
            "df_total": total - 1.0,
        }
        if ssb + ssw > 0:
            out["eta2"] = ssb / (ssb + ssw)
            out["omega2"] = (ssb - (k - 1) * msw) / (ssb + ssw + msw)
        return out

    def figure(
        self,
        test: str,
        kind: str,
        alt: str,
        role: str | None = None,
        level: float | None = None,
        of: str | None = None,
        group: int | None = None,
    ) -> list[Candidate]:
        """The correct values of a figure of ``test`` under ``alt`` (empty when none)."""
        family = FAMILY.get(test)
        if family == "t":
            return self._t_figure(test, kind, alt, role, level, of)
        if family == "anova":
            return self._anova_figure(test, kind, role)
        if family == "rank_sum":
            return self._rank_sum_figure(kind, alt)
        if family == "signed_rank":
            return self._signed_rank_figure(kind, alt)
        if family == "kruskal":
            return self._kruskal_figure(kind, role)
        if family == "shapiro":
            return self._shapiro_figure(kind, group)
        if family == "levene":
            return self._levene_figure(kind, role)
        return []

    # -- t-tests

    def t_p(self, test: str, alt: str) -> float | None:
        t = self.t_tests.get(test)
        if t is None:
            return None
        local = self.tests.get(test)
        if alt == self.alternative and isinstance(local, Mapping) and _f(local.get("p_value")):
            return _f(local.get("p_value"))
        return _t_p(t["t"], t["df"], alt)

    def t_interval(self, test: str, alt: str, level: float) -> tuple[float, float] | None:
        t = self.t_tests.get(test)
        if t is None:
            return None
        md, se, df = t["md"], t["se"], t["df"]
        if alt == "two-sided":
            crit = float(special.stdtrit(df, 1 - (1 - level) / 2))
            return md - crit * se, md + crit * se
        crit = float(special.stdtrit(df, level))
        return (-math.inf, md + crit * se) if alt == "less" else (md - crit * se, math.inf)

    def _t_figure(
        self, test: str, kind: str, alt: str, role: str | None, level: float | None, of: str | None
    ) -> list[Candidate]:
        t = self.t_tests.get(test)
        if t is None:
            return []
        if kind in ("t", "statistic"):
            return _signed(t["t"])
        if kind == "df":
            return [Candidate(t["df"])]
        if kind == "p_value":
            p = self.t_p(test, alt)
            return [Candidate(p)] if p is not None else []
        if kind == "mean_difference":
            return _signed(t["md"])
        if kind == "se":
            return [Candidate(t["se"], "the standard error of the difference")]
        if kind in ("ci_low", "ci_high"):
            if of in ("d", "g", "dz", "effect"):
                return self._effect_interval(test, kind, of)
            interval = self.t_interval(test, alt, level or 1 - self.alpha)
            if interval is None:
                return []
            low, high = interval
            own = low if kind == "ci_low" else high
            flipped = -high if kind == "ci_low" else -low
            return [Candidate(own), Candidate(flipped, "sign flipped: second group minus first")]
        if kind == "critical":
            out = []
            for df in dict.fromkeys((t["df"], float(math.floor(t["df"])), float(round(t["df"])))):
                if df < 1:
                    continue
                note = None if df == t["df"] else f"at df = {df:g}, as a table gives it"
                two = float(special.stdtrit(df, 1 - self.alpha / 2))
                one = float(special.stdtrit(df, 1 - self.alpha))
                pairs = [
                    (two, "two-sided"),
                    (-two, "two-sided, lower tail"),
                    (one, "one-sided"),
                    (-one, "one-sided, lower tail"),
                ]
                if alt != "two-sided":
                    pairs = pairs[2:] + pairs[:2]
                out += [Candidate(v, f"{n}, {note}" if note else n) for v, n in pairs]
            return out
        if kind in ("d", "g", "dz", "effect", "r_effect"):
            return self._t_effect(test, kind)
        return []

    def _t_effect(self, test: str, kind: str) -> list[Candidate]:
        t = self.t_tests[test]
        out: list[Candidate] = []
        d = _f(self.effects.get("cohens_d"))
        g = _f(self.effects.get("hedges_g"))
        dz = _f(self.effects.get("cohens_dz"))
        pooled = self._pooled_d()
        d_av = self._average_variance_d()
        r = math.sqrt(t["t"] ** 2 / (t["t"] ** 2 + t["df"]))
        if kind in ("d", "effect"):
            if test == "paired_t":
                out += _signed(dz)
                out += [
                    Candidate(c.value, "the pooled-SD d of the two groups") for c in _signed(pooled)
                ]
            else:
                out += _signed(d if d is not None else pooled)
            out += [
                Candidate(c.value, "d with the average of the two variances") for c in _signed(d_av)
            ]
        if kind in ("g", "effect"):
            if g is not None:
                out += _signed(g)
            elif pooled is not None:
                df = t["df"]
                j = (
                    math.exp(
                        special.gammaln(df / 2)
                        - math.log(math.sqrt(df / 2))
                        - special.gammaln((df - 1) / 2)
                    )
                    if df > 1
                    else None
                )
                if j:
                    out += _signed(pooled * j)
        if kind in ("dz", "effect") and test == "paired_t":
            out += _signed(dz)
        if kind in ("r_effect", "effect"):
            out += _signed(r, "negative r")
        return out

    def _effect_interval(self, test: str, kind: str, of: str) -> list[Candidate]:
        name = {"d": "cohens_d", "g": "hedges_g", "dz": "cohens_dz"}.get(of)
        names = [name] if name else ["cohens_d", "hedges_g", "cohens_dz"]
        if test == "paired_t" and of == "d":
            names = ["cohens_dz", "cohens_d"]
        side = "ci_low" if kind == "ci_low" else "ci_high"
        other = "ci_high" if kind == "ci_low" else "ci_low"
        out = []
        for n in names:
            own = _f(self.effects.get(f"{n}_{side}"))
            flip = _f(self.effects.get(f"{n}_{other}"))
            if own is not None:
                out.append(Candidate(own))
            if flip is not None:
                out.append(Candidate(-flip, "sign flipped: second group minus first"))
        return out

    def _pooled_d(self) -> float | None:
        values = [self.group(i, k) for i in (0, 1) for k in ("n", "mean", "sd")]
        if len(self.groups) != 2 or any(v is None for v in values):
            return None
        n1, m1, s1, n2, m2, s2 = (float(v) for v in values)  # type: ignore[arg-type]
        if n1 + n2 <= 2:
            return None
        pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n1 + n2 - 2)
        return (m1 - m2) / math.sqrt(pooled) if pooled > 0 else None

    def _average_variance_d(self) -> float | None:
        m1, s1, m2, s2 = (self.group(i, k) for i in (0, 1) for k in ("mean", "sd"))
        if len(self.groups) != 2 or None in (m1, s1, m2, s2) or not (s1 or s2):
            return None
        return (m1 - m2) / math.sqrt((s1 * s1 + s2 * s2) / 2)  # type: ignore[operator]

    # -- ANOVA

    def _anova_figure(self, test: str, kind: str, role: str | None) -> list[Candidate]:
        a = self.anovas.get(test)
        if a is None:
            return []
        table = self.anova_table if test == "one_way_anova" else {}
        if kind in ("F", "statistic"):
            return [Candidate(a["statistic"])] if "statistic" in a else []
        if kind == "df":
            if role in ("df1", "between"):
                return [Candidate(a["df_between"])]
            if role in ("df2", "within"):
                return [Candidate(a["df_within"])]
            if role == "total" and table:
                return [Candidate(table["df_total"])]
            return [Candidate(a["df_between"]), Candidate(a["df_within"])]
        if kind == "p_value":
            return [Candidate(a["p_value"])] if "p_value" in a else []
        if kind == "critical":
            crit = float(stats.f.isf(self.alpha, a["df_between"], a["df_within"]))
            return [Candidate(crit)]
        anova_table = self.anova_table
        if kind in ("ss", "ms"):
            names = {
                "between": [f"{kind}_between"],
                "within": [f"{kind}_within"],
                "total": [f"{kind}_total"],
            }.get(role or "", [f"{kind}_between", f"{kind}_within", f"{kind}_total"])
            return [Candidate(anova_table[n]) for n in names if n in anova_table]
        if kind in ("eta2", "effect"):
            eta = _f(self.effects.get("eta_squared")) or anova_table.get("eta2")
            out = [Candidate(eta)] if eta is not None else []
            if kind == "effect":
                out += self._anova_figure(test, "omega2", role)
            return out
        if kind == "omega2":
            omega = _f(self.effects.get("omega_squared"))
            if omega is None:
                omega = anova_table.get("omega2")
            out = [Candidate(omega)] if omega is not None else []
            if omega is not None and omega < 0:
                out.append(Candidate(0.0, "a negative ω² set to 0"))
            return out
        return []

    # -- rank tests

    def _rank_sum_figure(self, kind: str, alt: str) -> list[Candidate]:
        mw = self.tests.get("mann_whitney_u")
        if not isinstance(mw, Mapping) or len(self.groups) < 2:
            return []
        u = _f(mw.get("statistic"))
        n1, n2 = self.group(0, "n") or 0, self.group(1, "n") or 0
        if u is None or not n1 or not n2:
            return []
        other = n1 * n2 - u
        if kind in ("U", "statistic"):
            out = [Candidate(u), Candidate(other, "U of the second group")]
            return out
        if kind == "W":
            return [
                Candidate(u, "R's W (U of the first group)"),
                Candidate(u + n1 * (n1 + 1) / 2, "the rank sum of the first group"),
                Candidate(other + n2 * (n2 + 1) / 2, "the rank sum of the second group"),
                Candidate(other, "U of the second group"),
            ]
        if kind == "p_value":
            return self._rank_sum_p(alt, _f(mw.get("p_value")), mw.get("method"))
        if kind == "z":
            return [c for z in self._rank_sum_z() for c in _signed(z, "negative z")]
        if kind in ("r_effect", "effect"):
            out = [
                Candidate(1 - 2 * u / (n1 * n2), "rank-biserial r"),
                Candidate(2 * u / (n1 * n2) - 1, "rank-biserial r"),
            ]
            for z in self._rank_sum_z()[:1]:
                out += _signed(abs(z) / math.sqrt(n1 + n2), "r = z/√N")
            return out
        return []

    def _rank_sum_p(self, alt: str, local: float | None, method: Any) -> list[Candidate]:
        out: list[Candidate] = []
        if alt == self.alternative and local is not None:
            out.append(Candidate(local))
        computed = self._rank_sum_ps(alt)
        if not out and computed:  # the first is the p itself, with no convention to name
            return [Candidate(computed[0].value), *computed[1:]]
        return out + computed

    def _rank_sum_ps(self, alt: str) -> list[Candidate]:
        """The rank-sum test's p by each method scipy has (computed once per sidedness)."""
        cached = self._rank_sum_cache.get(alt)
        if cached is None:
            cached = self._rank_sum_cache[alt] = self._compute_rank_sum_ps(alt)
        return cached

    def _compute_rank_sum_ps(self, alt: str) -> list[Candidate]:
        out: list[Candidate] = []
        if self.data is None:
            return out
        x, y = self.data[0], self.data[1]
        for method_name, kwargs, note in (
            ("exact", {}, "the exact p"),
            (
                "asymptotic",
                {"use_continuity": True},
                "the normal approximation with continuity correction",
            ),
            (
                "asymptotic",
                {"use_continuity": False},
                "the normal approximation without continuity correction",
            ),
        ):
            try:
                p = float(
                    stats.mannwhitneyu(x, y, alternative=alt, method=method_name, **kwargs).pvalue
                )
            except (ValueError, FloatingPointError):
                continue
            if math.isfinite(p):
                out.append(Candidate(p, note))
        return out

    def _rank_sum_z(self) -> list[float]:
        if self.data is None:
            return []
        x, y = self.data[0], self.data[1]
        n1, n2 = len(x), len(y)
        ranks = stats.rankdata(np.concatenate([x, y]))
        u = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
        _, counts = np.unique(ranks, return_counts=True)
        n = n1 + n2
        sigma2 = n1 * n2 / 12 * ((n + 1) - float(np.sum(counts**3 - counts)) / (n * (n - 1)))
        if sigma2 <= 0:
            return []
        mu = n1 * n2 / 2
        sigma = math.sqrt(sigma2)
        return [(u - mu) / sigma, (u - mu - math.copysign(0.5, u - mu)) / sigma]

    def _differences(self) -> np.ndarray | None:
        if self.data is None or len(self.data) != 2 or len(self.data[0]) != len(self.data[1]):
            return None
        return self.data[0] - self.data[1]

    def _signed_rank_figure(self, kind: str, alt: str) -> list[Candidate]:
        wx = self.tests.get("wilcoxon_signed_rank")
        if not isinstance(wx, Mapping):
            return []
        v = _f(wx.get("statistic"))
        d = self._differences()
        nonzero = d[d != 0] if d is not None else None
        m = len(nonzero) if nonzero is not None else int(self.group(0, "n") or 0)
        total = m * (m + 1) / 2
        if kind in ("W", "statistic", "U"):
            if v is None:
                return []
            return [
                Candidate(v),
                Candidate(total - v, "the rank sum of the negative differences"),
                Candidate(min(v, total - v), "the smaller rank sum"),
            ]
        if kind == "p_value":
            out = []
            local = _f(wx.get("p_value"))
            if alt == self.alternative and local is not None:
                out.append(Candidate(local))
            if d is not None:
                exact = _signed_rank_exact(d, alt)
                if exact is not None:
                    out.append(Candidate(exact, "the exact p over the tied ranks" if out else None))
                for kwargs, note in (
                    ({"method": "exact"}, "the exact p"),
                    (
                        {"method": "approx", "correction": True},
                        "the normal approximation with continuity correction",
                    ),
                    (
                        {"method": "approx", "correction": False},
                        "the normal approximation without continuity correction",
                    ),
                ):
                    try:
                        p = float(stats.wilcoxon(d, alternative=alt, **kwargs).pvalue)
                    except (ValueError, FloatingPointError, TypeError):
                        continue
                    if math.isfinite(p):
                        out.append(Candidate(p, note if out else None))
            return out
        if kind in ("z", "r_effect", "effect") and nonzero is not None and m > 0 and v is not None:
            _, counts = np.unique(np.abs(nonzero), return_counts=True)
            sigma2 = m * (m + 1) * (2 * m + 1) / 24 - float(np.sum(counts**3 - counts)) / 48
            if sigma2 <= 0:
                return []
            z = (v - total / 2) / math.sqrt(sigma2)
            if kind == "z":
                zc = (v - total / 2 - math.copysign(0.5, v - total / 2)) / math.sqrt(sigma2)
                return _signed(z, "negative z") + _signed(zc, "with continuity correction")
            n_pairs = len(d) if d is not None else m
            return _signed(abs(z) / math.sqrt(n_pairs), "r = z/√n") + _signed(
                (2 * v - total) / total, "matched-pairs rank-biserial r"
            )
        return []

    def _kruskal_figure(self, kind: str, role: str | None) -> list[Candidate]:
        kw = self.tests.get("kruskal_wallis")
        if not isinstance(kw, Mapping):
            return []
        h, df, p = (_f(kw.get(k)) for k in ("statistic", "df", "p_value"))
        if kind in ("H", "chi2", "statistic"):
            return [Candidate(h)] if h is not None else []
        if kind == "df":
            return [Candidate(df)] if df is not None else []
        if kind == "p_value":
            return [Candidate(p)] if p is not None else []
        if kind == "critical" and df:
            return [Candidate(float(stats.chi2.isf(self.alpha, df)))]
        if kind in ("eta2", "effect") and h is not None and df is not None:
            n = sum(self.group(i, "n") or 0 for i in range(len(self.groups)))
            k = df + 1
            out = []
            if n > k:
                out.append(Candidate((h - k + 1) / (n - k), "η² based on H"))
            if n > 1:
                out.append(Candidate(h * (n + 1) / (n * n - 1), "ε² based on H"))
            return out
        return []

    def _shapiro_figure(self, kind: str, group: int | None) -> list[Candidate]:
        sw = self.tests.get("shapiro_wilk")
        if not isinstance(sw, Mapping):
            return []
        key = {"W": "statistic", "statistic": "statistic", "p_value": "p_value"}.get(kind)
        if key is None:
            return []
        out = []
        d = self._differences()
        paired = group is None and self.design == "paired" and d is not None and len(d) >= 3
        if paired and d is not None and np.ptp(d) > 0:
            result = stats.shapiro(d)
            value = float(result.statistic if key == "statistic" else result.pvalue)
            out.append(Candidate(value, "of the paired differences"))
        indices = [group] if group is not None else range(len(self.names))
        for i in indices:
            if i is None or i >= len(self.names):
                continue
            entry = sw.get(self.names[i])
            value = _f(entry.get(key)) if isinstance(entry, Mapping) else None
            if value is not None:
                out.append(Candidate(value, None if group is not None else self.names[i]))
        return out

    def _levene_figure(self, kind: str, role: str | None) -> list[Candidate]:
        lev = self.tests.get("levene")
        if not isinstance(lev, Mapping):
            return []
        k = len(self.groups)
        n = sum(self.group(i, "n") or 0 for i in range(k))
        if kind in ("F", "W", "statistic", "p_value"):
            key = "p_value" if kind == "p_value" else "statistic"
            out = []
            value = _f(lev.get(key))
            if value is not None:
                out.append(Candidate(value))
            if self.data is not None:
                try:
                    mean_centred = stats.levene(*self.data, center="mean")
                    other = float(
                        mean_centred.pvalue if key == "p_value" else mean_centred.statistic
                    )
                    if math.isfinite(other):
                        out.append(Candidate(other, "centred at the mean (Levene's original)"))
                except ValueError:
                    pass
            return out
        if kind == "df":
            if role in ("df1", "between"):
                return [Candidate(k - 1)]
            if role in ("df2", "within"):
                return [Candidate(n - k)]
            return [Candidate(k - 1), Candidate(n - k)]
        return []

    # ------------------------------------------------------------------ pairs

    def pair(self, kind: str, a: int, b: int, level: float | None = None) -> list[Candidate]:
        """A Tukey pair's difference (a minus b), p and interval."""
        if not (0 <= a < len(self.names) and 0 <= b < len(self.names)):
            return []
        name_a, name_b = self.names[a], self.names[b]
        for row in self.tests.get("post_hoc") or []:
            if not isinstance(row, Mapping):
                continue
            first, second = row.get("group_a"), row.get("group_b")
            if {first, second} != {name_a, name_b}:
                continue
            sign = 1.0 if first == name_a else -1.0
            md, p = _f(row.get("mean_difference")), _f(row.get("p_value"))
            low, high = _f(row.get("ci_low")), _f(row.get("ci_high"))
            if kind in ("pair_difference", "mean_difference"):
                return _signed(md * sign if md is not None else None)
            if kind in ("pair_p", "p_value"):
                return [Candidate(p)] if p is not None else []
            if kind in ("ci_low", "ci_high") and low is not None and high is not None:
                lo, hi = (low, high) if sign > 0 else (-high, -low)
                own = lo if kind == "ci_low" else hi
                flipped = -hi if kind == "ci_low" else -lo
                return [Candidate(own), Candidate(flipped, "sign flipped")]
        table = self.anova_table
        if table and kind in ("df", "se", "t", "statistic"):
            na, nb = self.group(a, "n"), self.group(b, "n")
            if kind == "df":
                return [Candidate(table["df_within"], "the error df")]
            if na and nb:
                se = math.sqrt(table["ms_within"] * (1 / na + 1 / nb))
                if kind == "se":
                    return [Candidate(se, "the SE of the pairwise difference")]
                diff = (self.group(a, "mean") or 0) - (self.group(b, "mean") or 0)
                if se > 0:
                    return _signed(diff / se, "sign flipped")
        if len(self.names) == 2 and kind in ("pair_difference", "mean_difference"):
            md = (self.group(a, "mean") or 0) - (self.group(b, "mean") or 0)
            return _signed(md)
        return []

    def pair_p(self, a: int, b: int) -> float | None:
        found = self.pair("pair_p", a, b)
        return found[0].value if found else None
