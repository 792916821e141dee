"""`assistant_core.stats` against published reference values (R output, NIST StRD certificates).

Every expected constant below was printed by R (or certified by NIST) and checked in a public
source before it was written down: the comment above each case gives the R call and where its
output was read. Values are compared at the precision R printed them, i.e. within half a unit of
the last printed digit (see :func:`printed`). Nothing here is compared with scipy itself.

Data sets are embedded as literals, copied from R's ``datasets`` package as R prints them
(``sleep``, ``PlantGrowth``, ``mtcars$mpg`` by ``am``), from R's help pages (the Hollander & Wolfe
examples of ``?wilcox.test`` and ``?kruskal.test``) and from the NIST StRD file ``SiRstv.dat``.
"""

from __future__ import annotations

import pytest

from assistant_core.data import make_dataset
from assistant_core.stats import check


def printed(text: str) -> object:
    """``pytest.approx`` for a number as R printed it: within half a unit of its last digit."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (int(exponent or 0) - decimals)
    return pytest.approx(float(text), abs=0.5 * unit * (1 + 1e-6))


# R: sleep (datasets package), extra hours of sleep; group 1 and group 2 are the same 10 patients
# (ID 1..10 in order). Values as printed by R and reproduced in R's ?sleep / ?t.test examples.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

# R: PlantGrowth (datasets package), weight by group, as printed by
# dcast(PlantGrowth, group ~ id) in a public R notebook (and by print(PlantGrowth)).
PLANT = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}

# R: mtcars (datasets package), mpg split by am (0 = automatic, 1 = manual), in row order of
# print(mtcars): 19 automatic and 13 manual cars.
MPG_AUTOMATIC = [
    21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3,
    15.2, 10.4, 10.4, 14.7, 21.5, 15.5, 15.2, 13.3, 19.2,
]  # fmt: skip
MPG_MANUAL = [21.0, 21.0, 22.8, 32.4, 30.4, 33.9, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4]

# R: ?wilcox.test, Hollander & Wolfe (1973), p. 29f: Hamilton depression scale factor at the
# first (x) and second (y) visit of 9 patients.
DEPRESSION_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]

# R: ?wilcox.test, Hollander & Wolfe (1973), p. 69f: permeability constants of the human
# chorioamnion at term (x) and at 12 to 26 weeks (y).
PERMEABILITY_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
PERMEABILITY_Y = [1.15, 0.88, 0.90, 0.74, 1.21]

# R: ?kruskal.test, Hollander & Wolfe (1973), 116: mucociliary efficiency in normal subjects,
# subjects with obstructive airway disease and subjects with asbestosis.
HW_KRUSKAL = {
    "normal": [2.9, 3.0, 2.5, 2.6, 3.2],
    "obstructive": [3.8, 2.7, 4.0, 2.4],
    "asbestosis": [2.8, 3.4, 3.7, 2.2, 2.0],
}

# NIST StRD, one-way ANOVA, SiRstv (https://www.itl.nist.gov/div898/strd/anova/SiRstv.html):
# silicon resistivity by instrument; data copied from SiRstv.dat (5 instruments x 5 values).
SIRSTV = {
    "1": [196.3052, 196.1240, 196.1890, 196.2569, 196.3403],
    "2": [196.3042, 196.3825, 196.1669, 196.3257, 196.0422],
    "3": [196.1303, 196.2005, 196.2889, 196.0343, 196.1811],
    "4": [196.2795, 196.1748, 196.1494, 196.1485, 195.9885],
    "5": [196.2119, 196.1051, 196.1850, 196.0052, 196.2090],
}


def sleep(paired: bool = False):
    return make_dataset({"1": SLEEP_1, "2": SLEEP_2}, paired=paired)


# 1. Student's t ------------------------------------------------------------------------------


def test_student_t_sleep() -> None:
    # R: t.test(extra ~ group, data = sleep, var.equal = TRUE)
    # Printed (R output in a public Quarto notebook on hypothesis tests, and quoted in other
    # R tutorials): t = -1.8608, df = 18, p-value = 0.07919;
    # 95 percent confidence interval: -3.363874  0.203874; means 0.75 and 2.33.
    t = check(sleep()).tests.student_t
    assert t.statistic == printed("-1.8608")
    assert t.df == 18
    assert t.p_value == printed("0.07919")
    assert t.ci_low == printed("-3.363874")
    assert t.ci_high == printed("0.203874")
    assert t.mean_difference == pytest.approx(0.75 - 2.33)


def test_student_and_welch_t_mtcars() -> None:
    # R: t.test(mpg ~ am, data = mtcars, var.equal = TRUE)
    # Printed (many public R notebooks, e.g. regression-course write-ups on mtcars):
    # t = -4.1061, df = 30, p-value = 0.000285; CI -10.84837 -3.64151;
    # means 17.14737 (automatic) and 24.39231 (manual).
    report = check(make_dataset({"0": MPG_AUTOMATIC, "1": MPG_MANUAL}))
    student = report.tests.student_t
    assert student.statistic == printed("-4.1061")
    assert student.df == 30
    assert student.p_value == printed("0.000285")
    assert student.ci_low == printed("-10.84837")
    assert student.ci_high == printed("-3.64151")
    assert report.groups[0].mean == printed("17.14737")
    assert report.groups[1].mean == printed("24.39231")
    # R: t.test(mpg ~ am, data = mtcars)
    # Printed (same notebooks): t = -3.7671, df = 18.332, p-value = 0.001374;
    # 95 percent confidence interval: -11.280194  -3.209684.
    welch = report.tests.welch_t
    assert welch.statistic == printed("-3.7671")
    assert welch.df == printed("18.332")
    assert welch.p_value == printed("0.001374")
    assert welch.ci_low == printed("-11.280194")
    assert welch.ci_high == printed("-3.209684")


# 2. Welch's t -------------------------------------------------------------------------------


def test_welch_t_sleep() -> None:
    # R: t.test(extra ~ group, data = sleep)   -- the example of R's ?t.test help page
    # Printed (reproduced verbatim in many public R tutorials and package vignettes):
    # t = -1.8608, df = 17.776, p-value = 0.07939;
    # 95 percent confidence interval: -3.3654832  0.2054832.
    t = check(sleep()).tests.welch_t
    assert t.statistic == printed("-1.8608")
    assert t.df == printed("17.776")
    assert t.p_value == printed("0.07939")
    assert t.ci_low == printed("-3.3654832")
    assert t.ci_high == printed("0.2054832")
    assert t.mean_difference == pytest.approx(-1.58)


# 3. Paired t --------------------------------------------------------------------------------


def test_paired_t_sleep() -> None:
    # R: t.test(extra ~ group, data = sleep, paired = TRUE)   (or with Pair(extra.1, extra.2))
    # Printed (many R tutorials): t = -4.0621, df = 9, p-value = 0.002833;
    # 95 percent confidence interval: -2.4598858 -0.7001142; mean difference -1.58.
    t = check(sleep(paired=True)).tests.paired_t
    assert t.statistic == printed("-4.0621")
    assert t.df == 9
    assert t.p_value == printed("0.002833")
    assert t.ci_low == printed("-2.4598858")
    assert t.ci_high == printed("-0.7001142")
    assert t.mean_difference == printed("-1.58")


# 4. One-sided alternatives -------------------------------------------------------------------


def test_one_sided_less_welch_sleep_at_80_percent() -> None:
    # R: t.test(extra ~ group, data = sleep, alternative = "less", conf.level = 0.80)
    # Printed (a public R workbook, "two-sample t-test with options", sample_7_3.R):
    # t = -1.8608, df = 17.776, p-value = 0.0397;
    # 80 percent confidence interval: -Inf -0.8478191.
    report = check(sleep(), alpha=0.20, alternative="less")
    t = report.tests.welch_t
    assert t.statistic == printed("-1.8608")
    assert t.df == printed("17.776")
    assert t.p_value == printed("0.0397")
    assert t.ci_low == float("-inf")
    assert t.ci_high == printed("-0.8478191")
    assert report.to_dict()["tests"]["welch_t"]["ci_low"] is None


def test_one_sided_greater_paired_sleep() -> None:
    # R: t.test(drug2, drug1, paired = TRUE, alternative = "greater")
    #    with drug1 <- sleep$extra[sleep$group == 1]; drug2 <- sleep$extra[sleep$group == 2]
    # Printed (a public R exercise solution on paired tests): t = 4.0621, df = 9,
    # p-value = 0.001416; 95 percent confidence interval: 0.8669947 Inf; mean difference 1.58.
    data = make_dataset({"drug2": SLEEP_2, "drug1": SLEEP_1}, paired=True)
    t = check(data, alternative="greater").tests.paired_t
    assert t.statistic == printed("4.0621")
    assert t.df == 9
    assert t.p_value == printed("0.001416")
    assert t.ci_low == printed("0.8669947")
    assert t.ci_high == float("inf")
    assert t.mean_difference == printed("1.58")


# 5. Mann-Whitney U ---------------------------------------------------------------------------


def test_mann_whitney_exact_greater_permeability() -> None:
    # R: wilcox.test(x, y, alternative = "g")   -- the ?wilcox.test example (exact, no ties)
    # Printed (R's help page output, reproduced in several public notebooks):
    # Wilcoxon rank sum exact test, W = 35, p-value = 0.1272.
    data = make_dataset({"x": PERMEABILITY_X, "y": PERMEABILITY_Y})
    mw = check(data, alternative="greater").tests.mann_whitney_u
    assert mw.statistic == 35
    assert mw.p_value == printed("0.1272")
    assert mw.method == "exact"


def test_mann_whitney_with_ties_normal_approximation() -> None:
    # R: wilcox.test(extra ~ group, data = sleep)
    # Printed (public R tutorials): Wilcoxon rank sum test with continuity correction,
    # W = 25.5, p-value = 0.06933 (ties, so no exact p-value).
    mw = check(sleep()).tests.mann_whitney_u
    assert mw.statistic == 25.5
    assert mw.p_value == printed("0.06933")
    # R: wilcox.test(mpg ~ am, data = mtcars)
    # Printed (many public R notebooks and course write-ups on mtcars):
    # W = 42, p-value = 0.001871 ("cannot compute exact p-value with ties").
    mw = check(make_dataset({"0": MPG_AUTOMATIC, "1": MPG_MANUAL})).tests.mann_whitney_u
    assert mw.statistic == 42
    assert mw.p_value == printed("0.001871")


# 6. Wilcoxon signed-rank ----------------------------------------------------------------------


def test_wilcoxon_signed_rank_exact_depression() -> None:
    # R: wilcox.test(x, y, paired = TRUE, alternative = "greater")   -- ?wilcox.test example
    # Printed (R's help page output, reproduced in public notebooks): V = 40, p-value = 0.01953.
    data = make_dataset({"x": DEPRESSION_X, "y": DEPRESSION_Y}, paired=True)
    w = check(data, alternative="greater").tests.wilcoxon_signed_rank
    assert w.statistic == 40
    assert w.p_value == printed("0.01953")
    assert w.method == "exact"
    # R: wilcox.test(Pair(first, second) ~ 1, data = depression)   (two-sided, same data)
    # Printed (a public Quarto notebook on rank tests): V = 40, p-value = 0.03906.
    w = check(data).tests.wilcoxon_signed_rank
    assert w.statistic == 40
    assert w.p_value == printed("0.03906")


def test_wilcoxon_signed_rank_with_zero_and_ties_sleep() -> None:
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE)
    # Printed (public R tutorials): Wilcoxon signed rank test with continuity correction,
    # V = 0, p-value = 0.009091 (warnings: cannot compute exact p-value with ties / zeroes).
    w = check(sleep(paired=True)).tests.wilcoxon_signed_rank
    assert w.statistic == 0
    assert w.p_value == printed("0.009091")


# 7. Shapiro-Wilk ------------------------------------------------------------------------------


def test_shapiro_wilk_plant_growth() -> None:
    # R: by(PlantGrowth$weight, PlantGrowth$group, shapiro.test)
    # Printed (public R notebooks checking ANOVA assumptions on PlantGrowth):
    # ctrl W = 0.95668, p-value = 0.7475; trt1 W = 0.93041, p-value = 0.4519;
    # trt2 W = 0.94101, p-value = 0.5643.
    shapiro = check(make_dataset(PLANT)).tests.shapiro_wilk
    assert shapiro["ctrl"].statistic == printed("0.95668")
    assert shapiro["ctrl"].p_value == printed("0.7475")
    assert shapiro["trt1"].statistic == printed("0.93041")
    assert shapiro["trt1"].p_value == printed("0.4519")
    assert shapiro["trt2"].statistic == printed("0.94101")
    assert shapiro["trt2"].p_value == printed("0.5643")


# 8. Levene (Brown-Forsythe) --------------------------------------------------------------------


def test_levene_median_plant_growth() -> None:
    # R: car::leveneTest(weight ~ group, data = PlantGrowth)
    # Printed (many public notebooks): Levene's Test for Homogeneity of Variance
    # (center = median): Df 2 / 27, F value 1.1192, Pr(>F) 0.3412.
    levene = check(make_dataset(PLANT)).tests.levene
    assert levene.statistic == printed("1.1192")
    assert levene.p_value == printed("0.3412")
    assert (levene.df_between, levene.df_within) == (2, 27)
    assert levene.center == "median"


# 9. One-way ANOVA -----------------------------------------------------------------------------


def test_one_way_anova_plant_growth() -> None:
    # R: anova(lm(weight ~ group, data = PlantGrowth))
    #    (= oneway.test(weight ~ group, data = PlantGrowth, var.equal = TRUE))
    # Printed (public R notebooks): group Df 2, Sum Sq 3.7663, F value 4.8461, Pr(>F) 0.01591;
    # Residuals Df 27, Sum Sq 10.4921.
    report = check(make_dataset(PLANT))
    anova = report.tests.one_way_anova
    assert anova.statistic == printed("4.8461")
    assert (anova.df_between, anova.df_within) == (2, 27)
    assert anova.p_value == printed("0.01591")
    # eta squared = SS_group / SS_total = 3.7663 / (3.7663 + 10.4921), from the same table
    assert report.effect_sizes.eta_squared == pytest.approx(3.7663 / 14.2584, abs=1e-5)


def test_one_way_anova_nist_sirstv_certified() -> None:
    # NIST StRD one-way ANOVA, SiRstv (average difficulty), certified values:
    # between-instrument df 4, within df 20, F Statistic 1.18046237440255E+00,
    # R-Squared 1.90999039051129E-01 (https://www.itl.nist.gov/div898/strd/anova/SiRstv.html).
    # R: anova(lm(Resistance ~ factor(Instrument), data = SiRstv)) reproduces them.
    report = check(make_dataset(SIRSTV))
    anova = report.tests.one_way_anova
    assert (anova.df_between, anova.df_within) == (4, 20)
    assert anova.statistic == pytest.approx(1.18046237440255, rel=1e-9)
    assert report.effect_sizes.eta_squared == pytest.approx(1.90999039051129e-01, rel=1e-9)


# 10. Welch's ANOVA -----------------------------------------------------------------------------


def test_welch_anova_plant_growth() -> None:
    # R: oneway.test(weight ~ group, data = PlantGrowth)
    # Printed (many public notebooks): One-way analysis of means (not assuming equal
    # variances): F = 5.181, num df = 2.000, denom df = 17.128, p-value = 0.01739.
    welch = check(make_dataset(PLANT)).tests.welch_anova
    assert welch.statistic == printed("5.181")
    assert welch.df_between == 2
    assert welch.df_within == printed("17.128")
    assert welch.p_value == printed("0.01739")


# 11. Kruskal-Wallis -----------------------------------------------------------------------------


def test_kruskal_wallis_hollander_wolfe() -> None:
    # R: kruskal.test(list(x, y, z))   -- the ?kruskal.test example (Hollander & Wolfe, 116)
    # Printed (R's help page output, reproduced in public notebooks and package docs):
    # Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68.
    kw = check(make_dataset(HW_KRUSKAL)).tests.kruskal_wallis
    assert kw.statistic == printed("0.77143")
    assert kw.df == 2
    assert kw.p_value == printed("0.68")


def test_kruskal_wallis_with_ties_plant_growth() -> None:
    # R: kruskal.test(weight ~ group, data = PlantGrowth)   (PlantGrowth has a tie: 4.17)
    # Printed (many public notebooks): Kruskal-Wallis chi-squared = 7.9882, df = 2,
    # p-value = 0.01842.
    kw = check(make_dataset(PLANT)).tests.kruskal_wallis
    assert kw.statistic == printed("7.9882")
    assert kw.df == 2
    assert kw.p_value == printed("0.01842")


# 12. Tukey HSD ----------------------------------------------------------------------------------


def test_tukey_hsd_plant_growth() -> None:
    # R: TukeyHSD(aov(weight ~ group, data = PlantGrowth))
    # Printed (many public notebooks, 95% family-wise confidence level):
    #                diff        lwr       upr     p adj
    #   trt1-ctrl -0.371 -1.0622161 0.3202161 0.3908711
    #   trt2-ctrl  0.494 -0.1972161 1.1852161 0.1979960
    #   trt2-trt1  0.865  0.1737839 1.5562161 0.0120064
    # R reports later-minus-earlier; we report group_a - group_b with group_a first, so the
    # differences and intervals are R's negated (and the bounds swap).
    pairs = {(p.group_a, p.group_b): p for p in check(make_dataset(PLANT)).tests.post_hoc}
    expected = {
        ("ctrl", "trt1"): ("-0.371", "-1.0622161", "0.3202161", "0.3908711"),
        ("ctrl", "trt2"): ("0.494", "-0.1972161", "1.1852161", "0.1979960"),
        ("trt1", "trt2"): ("0.865", "0.1737839", "1.5562161", "0.0120064"),
    }
    assert set(pairs) == set(expected)
    for key, (diff, lwr, upr, p_adj) in expected.items():
        pair = pairs[key]
        assert -pair.mean_difference == printed(diff)
        assert -pair.ci_high == printed(lwr)
        assert -pair.ci_low == printed(upr)
        assert pair.p_value == printed(p_adj)


# 13. Effect sizes (noncentral-t intervals) ------------------------------------------------------


def test_cohens_d_and_hedges_g_mtcars() -> None:
    # R: effectsize::cohens_d(mpg ~ am, data = mtcars)
    # Printed (effectsize README and its reference page for cohens_d):
    #   Cohen's d | 95% CI:  -1.48 | [-2.27, -0.67]   (Estimated using pooled SD.)
    # R: effectsize::hedges_g(mpg ~ am, data = mtcars)
    #   Hedges' g | 95% CI:  -1.44 | [-2.21, -0.65]
    effects = check(make_dataset({"0": MPG_AUTOMATIC, "1": MPG_MANUAL})).effect_sizes
    assert effects.cohens_d == printed("-1.48")
    assert effects.cohens_d_ci_low == printed("-2.27")
    assert effects.cohens_d_ci_high == printed("-0.67")
    assert effects.hedges_g == printed("-1.44")
    assert effects.hedges_g_ci_low == printed("-2.21")
    assert effects.hedges_g_ci_high == printed("-0.65")


def test_cohens_d_one_sided_mtcars() -> None:
    # R: effectsize::cohens_d(mpg ~ am, data = mtcars, alternative = "less")
    # Printed (effectsize reference page for cohens_d):
    #   Cohen's d | 95% CI:  -1.48 | [-Inf, -0.80]   (One-sided CIs: lower bound fixed at -Inf.)
    effects = check(
        make_dataset({"0": MPG_AUTOMATIC, "1": MPG_MANUAL}), alternative="less"
    ).effect_sizes
    assert effects.cohens_d == printed("-1.48")
    assert effects.cohens_d_ci_low == float("-inf")
    assert effects.cohens_d_ci_high == printed("-0.80")


def test_cohens_dz_paired_sleep() -> None:
    # R: effectsize::cohens_d(Pair(extra[group == 1], extra[group == 2]) ~ 1, data = sleep)
    #    (same as cohens_d(sleep$extra[sleep$group == 1], sleep$extra[sleep$group == 2],
    #     paired = TRUE))
    # Printed (effectsize reference page for cohens_d, "Paired Samples"):
    #   Cohen's d | 95% CI:  -1.28 | [-2.12, -0.41]
    effects = check(sleep(paired=True)).effect_sizes
    assert effects.cohens_dz == printed("-1.28")
    assert effects.cohens_dz_ci_low == printed("-2.12")
    assert effects.cohens_dz_ci_high == printed("-0.41")
