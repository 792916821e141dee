"""The Python the built-in analyst writes: one small function per design and per follow-up.

Every cell is plain, readable scipy/pandas/numpy code. The data enter the code only as
literals made by :func:`repr` (``repr(float(v))`` for values, ``repr(str(name))`` for group
names); nothing a person typed is ever pasted into code any other way. Group names are
never printed raw either (``{name!r}``), so a name cannot forge output lines.

Each analysis cell collects its figures in a ``figures`` dict and prints them at its very
end, in one block, as ``key = value`` lines between two marker lines; :func:`parse_figures`
reads that block back from the cell's output. Differences are first group minus second.

Kernel variables the cells share (defined by :func:`setup_code`): ``groups`` (name -> array),
``names``, ``a`` and ``b`` (two groups), ``alpha``, ``alternative`` and helper functions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant_core.data import Dataset
from assistant_core.reporting import wrap_items

__all__ = [
    "FIGURES_END",
    "FIGURES_START",
    "PLOT_KINDS",
    "analysis_code",
    "effect_code",
    "number_literal",
    "parse_figures",
    "plot_code",
    "power_code",
    "setup_code",
    "test_code",
    "values_literal",
]

FIGURES_START = "--- figures ---"
FIGURES_END = "--- end of figures ---"

#: the plots the analyst can draw
PLOT_KINDS = ("box", "means", "histogram")

_WIDTH = 88  # wrap data literals at this many characters


# --------------------------------------------------------------------------- literals


def number_literal(value: float) -> str:
    """A float as Python source: ``repr(float(v))``, or ``float('nan')`` etc. if not finite."""
    number = float(value)
    if math.isfinite(number):
        return repr(number)
    return f"float({str(number)!r})"


def values_literal(values: Sequence[float], indent: int = 4) -> str:
    """``np.array([...])`` of the values, wrapped over lines when long."""
    items = [number_literal(v) for v in values]
    return wrap_items(items, "np.array([", "])", indent=indent, width=_WIDTH)


def _lines(*parts: str) -> str:
    return "\n".join(parts)


# --------------------------------------------------------------------------- setup


_SHOW_FIGURES = f'''
def show_figures(figures):
    """Print the figures as `key = value` lines, in one block at the end of the cell."""
    lines = [
        f"{{key}} = {{value}}" if isinstance(value, str) else f"{{key}} = {{float(value):.8g}}"
        for key, value in figures.items()
    ]
    print("{FIGURES_START}\\n" + "\\n".join(lines) + "\\n{FIGURES_END}")


def outliers(values):
    """Values beyond Tukey's fences (more than 1.5 IQR outside the quartiles)."""
    q1, q3 = np.percentile(values, [25, 75])
    fence = 1.5 * (q3 - q1)
    return values[(values < q1 - fence) | (values > q3 + fence)]
'''

_TWO_GROUP_HELPERS = '''
def cohens_d(x, y):
    """Cohen's d: difference of the means over the pooled SD (first minus second)."""
    nx, ny = len(x), len(y)
    pooled_var = ((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2)
    return (x.mean() - y.mean()) / np.sqrt(pooled_var)


def hedges_g(x, y):
    """Hedges' g: Cohen's d times the exact small-sample correction J."""
    df = len(x) + len(y) - 2
    j = np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2)
    return j * cohens_d(x, y)
'''

_PAIRED_HELPERS = '''
def cohens_dz(x, y):
    """Cohen's d_z: mean of the differences over their SD (first minus second)."""
    diff = x - y
    return diff.mean() / diff.std(ddof=1)
'''

_MULTI_HELPERS = '''
def welch_anova(samples):
    """Welch's one-way ANOVA (no equal variances assumed), as R's oneway.test."""
    k = len(samples)
    n = np.array([len(s) for s in samples], dtype=float)
    means = np.array([s.mean() for s in samples])
    weights = n / np.array([s.var(ddof=1) for s in samples])
    grand_mean = np.sum(weights * means) / np.sum(weights)
    lam = np.sum((1 - weights / np.sum(weights)) ** 2 / (n - 1))
    between = np.sum(weights * (means - grand_mean) ** 2) / (k - 1)
    f_value = between / (1 + 2 * (k - 2) * lam / (k**2 - 1))
    df_within = (k**2 - 1) / (3 * lam)
    return f_value, k - 1, df_within, stats.f.sf(f_value, k - 1, df_within)


def eta_omega_squared(samples):
    """Eta squared and omega squared of the classic one-way ANOVA."""
    values = np.concatenate(samples)
    grand_mean = values.mean()
    ss_between = sum(len(s) * (s.mean() - grand_mean) ** 2 for s in samples)
    ss_total = np.sum((values - grand_mean) ** 2)
    df_between, df_within = len(samples) - 1, len(values) - len(samples)
    ms_within = (ss_total - ss_between) / df_within
    omega = (ss_between - df_between * ms_within) / (ss_total + ms_within)
    return ss_between / ss_total, omega
'''


def setup_code(dataset: Dataset, alpha: float, alternative: str) -> str:
    """Imports, the data as literals, the options and the helper functions."""
    entries = [
        f"    {str(group.name)!r}: {values_literal(group.values.tolist())},"
        for group in dataset.groups
    ]
    design = dataset.design
    if design == "paired":
        pairing = "a, b = groups[names[0]], groups[names[1]]  # paired: same subjects, in order"
        helpers = _PAIRED_HELPERS
    elif design == "independent":
        pairing = "a, b = groups[names[0]], groups[names[1]]"
        helpers = _TWO_GROUP_HELPERS
    else:
        pairing = "samples = list(groups.values())"
        helpers = _MULTI_HELPERS
    return _lines(
        "import numpy as np",
        "import pandas as pd",
        "from scipy import optimize, special, stats",
        "",
        "# The data, as entered (differences are first group minus second)",
        "groups = {",
        *entries,
        "}",
        "names = list(groups)",
        pairing,
        f"alpha = {number_literal(alpha)}",
        f"alternative = {str(alternative)!r}",
        'print(f"{len(groups)} groups loaded:", {name: len(v) for name, v in groups.items()})',
        "",
        _SHOW_FIGURES.rstrip(),
        "",
        helpers.rstrip(),
    )


# --------------------------------------------------------------------------- sections

_DESCRIPTIVES = """
# Descriptive statistics
summary = pd.DataFrame({name: pd.Series(v).describe() for name, v in groups.items()}).T
print(summary.round(4).to_string())
print()
for i, (name, values) in enumerate(groups.items(), start=1):
    figures[f"n_{i}"] = len(values)
    figures[f"mean_{i}"] = values.mean()
    figures[f"sd_{i}"] = values.std(ddof=1)
    figures[f"median_{i}"] = np.median(values)
    figures[f"outliers_{i}"] = len(outliers(values))
"""

_ASSUMPTIONS_GROUPS = """
# Assumptions: normality per group (Shapiro-Wilk), equal variances (Levene, median-centred)
normality = {name: stats.shapiro(v) for name, v in groups.items() if len(v) >= 3}
for i, name in enumerate(names, start=1):
    if name in normality:
        sw = normality[name]
        print(f"Shapiro-Wilk {name!r}: W = {sw.statistic:.4f}, p = {sw.pvalue:.4g}")
        figures[f"shapiro_W_{i}"] = sw.statistic
        figures[f"shapiro_p_{i}"] = sw.pvalue
levene = stats.levene(*groups.values(), center="median")
print(f"Levene (median-centred): W = {levene.statistic:.4f}, p = {levene.pvalue:.4g}")
print()
figures["levene_W"] = levene.statistic
figures["levene_p"] = levene.pvalue
"""

_ASSUMPTIONS_PAIRED = """
# Assumption of the paired t-test: the differences are roughly normal (Shapiro-Wilk)
diff = a - b
print("differences (first - second):", diff)
if len(diff) >= 3:
    sw = stats.shapiro(diff)
    print(f"Shapiro-Wilk of the differences: W = {sw.statistic:.4f}, p = {sw.pvalue:.4g}")
    figures["shapiro_W_diff"] = sw.statistic
    figures["shapiro_p_diff"] = sw.pvalue
figures["outliers_diff"] = len(outliers(diff))
print()
"""

_T_TEST = """
# {title}
res = {call}
ci = res.confidence_interval(1 - alpha)
print(res)
print(ci)
figures.update(test={test!r}, alternative=alternative, t=res.statistic, df=res.df, p=res.pvalue)
figures.update(mean_difference={difference}, ci_low=ci.low, ci_high=ci.high)
"""

_T_TESTS = {
    "welch_t": (
        "Welch's t-test: compares the means without assuming equal variances",
        "stats.ttest_ind(a, b, equal_var=False, alternative=alternative)",
        "a.mean() - b.mean()",
    ),
    "student_t": (
        "Student's t-test: compares the means, pooling the two variances (assumed equal)",
        "stats.ttest_ind(a, b, equal_var=True, alternative=alternative)",
        "a.mean() - b.mean()",
    ),
    "paired_t": (
        "Paired t-test: is the mean of the differences (first - second) zero?",
        "stats.ttest_rel(a, b, alternative=alternative)",
        "(a - b).mean()",
    ),
}

_MANN_WHITNEY = """
# Mann-Whitney U test: compares ranks, no normality needed (U of the first group, R's W).
# Exact p-value for samples under 50 without ties (as R), else the normal approximation.
pooled = np.concatenate([a, b])
tied_values = len(pooled) - len(np.unique(pooled))
exact = len(a) < 50 and len(b) < 50 and tied_values == 0
res = stats.mannwhitneyu(a, b, alternative=alternative, method="exact" if exact else "asymptotic")
print(res)
rank_biserial = 2 * res.statistic / (len(a) * len(b)) - 1
figures.update(test="mann_whitney_u", alternative=alternative, U=res.statistic, p=res.pvalue)
figures.update(rank_biserial=rank_biserial, tied_values=tied_values, exact=int(exact))
"""

_WILCOXON = """
# Wilcoxon signed-rank test on the differences (zero differences dropped, as R does).
# V is R's statistic: the rank sum of the positive differences.
diff = a - b
nonzero = diff[diff != 0]
ranks = stats.rankdata(np.abs(nonzero))
V = ranks[nonzero > 0].sum()
tied_values = len(nonzero) - len(np.unique(np.abs(nonzero)))
zeros = len(diff) - len(nonzero)
exact = len(nonzero) < 50 and tied_values == 0 and zeros == 0
res = stats.wilcoxon(
    a, b, alternative=alternative, correction=True, method="exact" if exact else "asymptotic"
)
print(res)
rank_sum_total = len(nonzero) * (len(nonzero) + 1) / 2
rank_biserial = (2 * V - rank_sum_total) / rank_sum_total  # matched-pairs rank-biserial r
figures.update(test="wilcoxon_signed_rank", alternative=alternative, V=V, p=res.pvalue)
figures.update(rank_biserial=rank_biserial, tied_values=tied_values, zeros=zeros, exact=int(exact))
"""

_MULTI_TESTS = """
# Three tests of "all groups are alike", reported side by side:
# the classic one-way ANOVA (equal variances), Welch's ANOVA (no equal variances needed)
# and the Kruskal-Wallis test (ranks, no normality needed)
anova = stats.f_oneway(*samples)
f_welch, df_between, df_within_welch, p_welch = welch_anova(samples)
kruskal = stats.kruskal(*samples)
df_within = sum(len(s) for s in samples) - len(samples)
print(f"One-way ANOVA:  F({df_between}, {df_within}) = {anova.statistic:.4f}, p={anova.pvalue:.4g}")
print(f"Welch's ANOVA:  F({df_between}, {df_within_welch:.2f}) = {f_welch:.4f}, p={p_welch:.4g}")
print(f"Kruskal-Wallis: H({df_between}) = {kruskal.statistic:.4f}, p={kruskal.pvalue:.4g}")
print()
figures.update(test={test!r}, df_between=df_between)
figures.update(F_anova=anova.statistic, df_within_anova=df_within, p_anova=anova.pvalue)
figures.update(F_welch=f_welch, df_within_welch=df_within_welch, p_welch=p_welch)
figures.update(H=kruskal.statistic, df_kruskal=df_between, p_kruskal=kruskal.pvalue)

# Which pairs differ: Tukey's HSD (pairs are first listed minus second listed)
if min(len(s) for s in samples) < 2:
    print("Tukey's HSD needs at least two values in every group: not computed.")
else:
    tukey = stats.tukey_hsd(*samples)
    tukey_ci = tukey.confidence_interval(1 - alpha)
    print("Tukey HSD, groups numbered from 0:", dict(enumerate(names)))
    print(tukey)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            pair = f"{i + 1}_{j + 1}"
            figures[f"tukey_diff_{pair}"] = tukey.statistic[i, j]
            figures[f"tukey_p_{pair}"] = tukey.pvalue[i, j]
            figures[f"tukey_low_{pair}"] = tukey_ci.low[i, j]
            figures[f"tukey_high_{pair}"] = tukey_ci.high[i, j]
"""

_EFFECTS = {
    "independent": """
# Effect size: Cohen's d (pooled SD) and Hedges' g (small-sample corrected)
d, g = cohens_d(a, b), hedges_g(a, b)
print(f"Cohen's d = {d:.4f}, Hedges' g = {g:.4f}")
figures.update(cohens_d=d, hedges_g=g)
""",
    "paired": """
# Effect size: Cohen's d_z (mean difference over the SD of the differences)
dz = cohens_dz(a, b)
print(f"Cohen's d_z = {dz:.4f}")
figures.update(cohens_dz=dz)
""",
    "multi": """
# Effect size: eta squared and omega squared (share of the variance between groups)
eta_squared, omega_squared = eta_omega_squared(samples)
print(f"eta squared = {eta_squared:.4f}, omega squared = {omega_squared:.4f}")
figures.update(eta_squared=eta_squared, omega_squared=omega_squared)
""",
}

_NEW_FIGURES = "figures = {}  # every figure of this cell, printed together at its end"
_SHOW = "\nshow_figures(figures)"


def _test_section(design: str, test: str) -> str:
    if design == "multi":
        return _MULTI_TESTS.replace("{test!r}", repr(test))
    if test in _T_TESTS:
        title, call, difference = _T_TESTS[test]
        return _T_TEST.format(title=title, call=call, test=test, difference=difference)
    if test == "mann_whitney_u":
        return _MANN_WHITNEY
    if test == "wilcoxon_signed_rank":
        return _WILCOXON
    raise ValueError(f"no code for test {test!r} in a {design} design")


def analysis_code(design: str, test: str) -> str:
    """The body of the first analysis: descriptives, assumptions, the test, effect size."""
    assumptions = _ASSUMPTIONS_PAIRED if design == "paired" else _ASSUMPTIONS_GROUPS
    return _lines(
        _NEW_FIGURES,
        _DESCRIPTIVES.rstrip(),
        assumptions.rstrip(),
        _test_section(design, test).rstrip(),
        _EFFECTS[design].rstrip(),
        _SHOW,
    )


def test_code(design: str, test: str, alternative: str | None = None) -> str:
    """A follow-up cell: another test (and/or another alternative) on the same variables."""
    head = [_NEW_FIGURES]
    if alternative is not None:
        head.insert(0, f"alternative = {str(alternative)!r}")
    return _lines(
        *head,
        _test_section(design, test).rstrip(),
        _EFFECTS[design].rstrip(),
        _SHOW,
    )


def effect_code(design: str) -> str:
    """A follow-up cell: the effect sizes of the design."""
    return _lines(_NEW_FIGURES, _EFFECTS[design].rstrip(), _SHOW)


# --------------------------------------------------------------------------- power

_POWER_T = '''
# Power of the t-test from the noncentral t distribution (statsmodels is not needed).
# Under H1, t follows a noncentral t with noncentrality {ncp}.
def t_test_power(effect, {sizes}, alpha, alternative):
    df = {df}
    ncp = effect * {scale}
    if alternative == "two-sided":
        crit = stats.t.ppf(1 - alpha / 2, df)
        return stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)
    if alternative == "less":
        return stats.nct.cdf(stats.t.ppf(alpha, df), df, ncp)
    return stats.nct.sf(stats.t.ppf(1 - alpha, df), df, ncp)


def n_for_power(effect, target=0.8):
    """The smallest {unit} with at least `target` power, or nan if none up to 10**6."""
    def power_at(n):
        return t_test_power(effect, {same_n}, alpha, alternative)
    if power_at(2) >= target:
        return 2
    if power_at(10**6) < target:
        return float("nan")
    return int(np.ceil(optimize.brentq(lambda n: power_at(n) - target, 2, 10**6)))


effect = {effect}
power = t_test_power(effect, {observed}, alpha, alternative)
n_needed = n_for_power(effect)
n_needed_medium = n_for_power(-0.5 if alternative == "less" else 0.5)  # a medium effect
print(f"{effect_label} = {{effect:.4f}}, {sizes_text}, alpha = {{alpha}}, {{alternative}}")
print(f"power = {{power:.4f}}")
print(f"{unit} for 80% power at this effect: {{n_needed}}; at |d| = 0.5: {{n_needed_medium}}")
figures.update(alternative=alternative, effect=effect, power=power)
figures.update(n_needed=n_needed, n_needed_medium=n_needed_medium)
'''

_POWER_ANOVA = '''
# Power of the one-way ANOVA from the noncentral F distribution (statsmodels is not needed):
# Cohen's f^2 = eta^2 / (1 - eta^2), noncentrality = f^2 * N.
def anova_power(f_squared, n_per_group, k, alpha):
    df_between, df_within = k - 1, k * n_per_group - k
    crit = stats.f.ppf(1 - alpha, df_between, df_within)
    return stats.ncf.sf(crit, df_between, df_within, f_squared * k * n_per_group)


def n_for_power(f_squared, target=0.8):
    """The smallest n per group with at least `target` power, or nan if none up to 10**6."""
    k = len(samples)
    if anova_power(f_squared, 2, k, alpha) >= target:
        return 2
    if anova_power(f_squared, 10**6, k, alpha) < target:
        return float("nan")
    gap = lambda n: anova_power(f_squared, n, k, alpha) - target  # noqa: E731
    return int(np.ceil(optimize.brentq(gap, 2, 10**6)))


eta_squared, _ = eta_omega_squared(samples)
f_squared = eta_squared / (1 - eta_squared)
n_total = sum(len(s) for s in samples)
ncp = f_squared * n_total
df_between, df_within = len(samples) - 1, n_total - len(samples)
crit = stats.f.ppf(1 - alpha, df_between, df_within)
power = stats.ncf.sf(crit, df_between, df_within, ncp)
n_needed = n_for_power(f_squared)
n_needed_medium = n_for_power(0.25**2)  # Cohen's medium effect, f = 0.25
print(f"Cohen's f = {np.sqrt(f_squared):.4f}, N = {n_total}, alpha = {alpha}")
print(f"power = {power:.4f}")
print(f"n per group for 80% power at this effect: {n_needed}; at f = 0.25: {n_needed_medium}")
figures.update(effect=np.sqrt(f_squared), eta_squared=eta_squared, power=power)
figures.update(n_needed=n_needed, n_needed_medium=n_needed_medium)
'''


def power_code(design: str) -> str:
    """A follow-up cell: power at the observed effect size and the n needed for 80%."""
    if design == "multi":
        body = _POWER_ANOVA
    elif design == "paired":
        body = _POWER_T.format(
            ncp="d_z * sqrt(n)",
            sizes="n",
            df="n - 1",
            scale="np.sqrt(n)",
            unit="number of pairs",
            same_n="n",
            effect="cohens_dz(a, b)",
            observed="len(a)",
            effect_label="Cohen's d_z",
            sizes_text="n = {len(a)} pairs",
        )
    else:
        body = _POWER_T.format(
            ncp="d * sqrt(n1 * n2 / (n1 + n2))",
            sizes="n1, n2",
            df="n1 + n2 - 2",
            scale="np.sqrt(n1 * n2 / (n1 + n2))",
            unit="n per group",
            same_n="n, n",
            effect="cohens_d(a, b)",
            observed="len(a), len(b)",
            effect_label="Cohen's d",
            sizes_text="n = {len(a)} and {len(b)}",
        )
    return _lines(_NEW_FIGURES, body.rstrip(), _SHOW)


# --------------------------------------------------------------------------- plots

_PLOT_HEAD = """
import matplotlib.pyplot as plt

# Labels: '$' would start matplotlib's maths mode; very long names are shortened
labels = [name.replace("$", r"\\$") for name in names]
labels = [label if len(label) <= 30 else label[:29] + "…" for label in labels]
positions = np.arange(1, len(groups) + 1)
jitter = np.random.default_rng(0)  # fixed seed: the same picture every time
fig, ax = plt.subplots(figsize=(6.4, 4.2))
"""

_POINTS = """
for x, values in zip(positions, groups.values()):
    ax.scatter(x + jitter.uniform(-0.08, 0.08, len(values)), values, s=22, alpha=0.7, zorder=3)
"""

_PLOT_BODIES = {
    "box": """
ax.boxplot(list(groups.values()), positions=positions, widths=0.5, showfliers=False)
"""
    + _POINTS
    + """
ax.set_xticks(positions, labels)
ax.set_ylabel("value")
ax.set_title("Each group: box (median, quartiles) and every value")
""",
    "means": """
means = [values.mean() for values in groups.values()]
half_widths = [
    stats.t.ppf(1 - alpha / 2, len(v) - 1) * stats.sem(v) if len(v) > 1 else np.nan
    for v in groups.values()
]
"""
    + _POINTS
    + """
ax.errorbar(positions + 0.25, means, yerr=half_widths, fmt="D", color="black", capsize=6)
ax.set_xticks(positions, labels)
ax.set_ylabel("value")
ax.set_title(f"Means with {1 - alpha:.0%} confidence intervals (black), and every value")
""",
    "histogram": """
bins = np.histogram_bin_edges(np.concatenate(list(groups.values())), bins="auto")
for label, values in zip(labels, groups.values()):
    ax.hist(values, bins=bins, alpha=0.5, label=label)
ax.set_xlabel("value")
ax.set_ylabel("count")
ax.legend()
ax.set_title("Distribution of each group")
""",
}

_PLOT_TAIL = """
fig.tight_layout()
plt.show()
"""


def plot_code(kind: str = "box") -> str:
    """A cell that draws the groups with matplotlib (``kind`` is one of :data:`PLOT_KINDS`)."""
    if kind not in _PLOT_BODIES:
        raise ValueError(f"unknown plot {kind!r}; the plots are {', '.join(PLOT_KINDS)}")
    return _lines(_PLOT_HEAD.strip(), _PLOT_BODIES[kind].strip(), _PLOT_TAIL.strip())


# --------------------------------------------------------------------------- parsing

_FIGURE_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_]*) = (.*)")


def parse_figures(output: str) -> dict[str, float | str] | None:
    """The last figures block printed in ``output``, or ``None`` when there is none.

    Values that read as numbers become floats (``nan`` and ``inf`` included); the others
    (``test``, ``alternative``) stay strings.
    """
    end = output.rfind(FIGURES_END)
    if end < 0:
        return None
    start = output.rfind(FIGURES_START, 0, end)
    if start < 0:
        return None
    figures: dict[str, float | str] = {}
    for line in output[start + len(FIGURES_START) : end].splitlines():
        match = _FIGURE_LINE.fullmatch(line.strip())
        if match is None:
            continue
        key, text = match.groups()
        try:
            figures[key] = float(text)
        except ValueError:
            figures[key] = text
    return figures
