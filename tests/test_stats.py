"""Behaviour of `assistant_core.stats.check`: the JSON contract, degenerate data, warnings,
recommendations and conventions. Reference values (R, NIST) live in test_stats_reference.py."""

from __future__ import annotations

import dataclasses
import doctest
import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from assistant_core import stats
from assistant_core.data import Dataset, Group, make_dataset
from assistant_core.errors import DataError
from assistant_core.stats import ALTERNATIVES, LocalReport, check

GROUP_KEYS = {"name", "n", "mean", "sd", "sem", "median", "min", "max", "missing"}
TOP_KEYS = {
    "design",
    "alpha",
    "alternative",
    "groups",
    "tests",
    "effect_sizes",
    "recommended",
    "reasons",
    "warnings",
}
T_KEYS = {"statistic", "df", "p_value", "ci_low", "ci_high", "mean_difference"}
RANK_KEYS = {"statistic", "p_value"}
ANOVA_KEYS = {"statistic", "df_between", "df_within", "p_value"}
PAIR_KEYS = {"group_a", "group_b", "mean_difference", "p_value", "ci_low", "ci_high"}

RNG = np.random.default_rng(7)
NORMAL_A = np.round(RNG.normal(10.0, 2.0, 40), 3).tolist()
NORMAL_B = np.round(RNG.normal(11.0, 2.0, 40), 3).tolist()
NORMAL_C = np.round(RNG.normal(12.0, 2.0, 40), 3).tolist()


def strict_json(report: LocalReport) -> dict:
    """The report's dict after a strict JSON round trip (fails on NaN or Infinity)."""
    return json.loads(json.dumps(report.to_dict(), allow_nan=False))


def quiet_check(*args, **kwargs) -> LocalReport:
    """check() with every warning turned into an error: nothing may escape."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return check(*args, **kwargs)


# --------------------------------------------------------------------------- the contract


def test_independent_contract_keys() -> None:
    report = quiet_check(make_dataset({"A": NORMAL_A, "B": NORMAL_B}))
    out = strict_json(report)
    assert set(out) == TOP_KEYS
    assert out["design"] == "independent"
    assert out["alpha"] == 0.05
    assert out["alternative"] == "two-sided"
    assert [g["name"] for g in out["groups"]] == ["A", "B"]
    assert all(set(g) == GROUP_KEYS for g in out["groups"])
    tests = out["tests"]
    assert set(tests) == {"student_t", "welch_t", "mann_whitney_u", "shapiro_wilk", "levene"}
    assert set(tests["student_t"]) == T_KEYS
    assert set(tests["welch_t"]) == T_KEYS
    assert set(tests["mann_whitney_u"]) == RANK_KEYS
    assert set(tests["shapiro_wilk"]) == {"A", "B"}
    assert all(set(r) == {"statistic", "p_value"} for r in tests["shapiro_wilk"].values())
    assert tests["levene"]["center"] == "median"
    assert set(tests["levene"]) == {"statistic", "p_value", "center"}
    assert set(out["effect_sizes"]) == {
        "cohens_d",
        "cohens_d_ci_low",
        "cohens_d_ci_high",
        "hedges_g",
        "hedges_g_ci_low",
        "hedges_g_ci_high",
    }
    assert out["recommended"] in tests
    assert out["reasons"] and all(isinstance(r, str) for r in out["reasons"])
    assert isinstance(out["warnings"], list)


def test_paired_contract_keys() -> None:
    data = make_dataset({"before": NORMAL_A, "after": NORMAL_B}, paired=True)
    out = strict_json(quiet_check(data))
    assert out["design"] == "paired"
    tests = out["tests"]
    assert set(tests) == {"paired_t", "wilcoxon_signed_rank", "shapiro_wilk"}
    assert set(tests["paired_t"]) == T_KEYS
    assert set(tests["wilcoxon_signed_rank"]) == RANK_KEYS
    assert set(tests["shapiro_wilk"]) == {"before", "after", "differences"}
    assert set(out["effect_sizes"]) == {"cohens_dz", "cohens_dz_ci_low", "cohens_dz_ci_high"}
    assert out["recommended"] in {"paired_t", "wilcoxon_signed_rank"}


def test_paired_differences_key_does_not_clash_with_a_group_name() -> None:
    data = make_dataset({"differences": NORMAL_A, "other": NORMAL_B}, paired=True)
    shapiro = strict_json(quiet_check(data))["tests"]["shapiro_wilk"]
    assert len(shapiro) == 3 and "differences" in shapiro


def test_multi_contract_keys() -> None:
    data = make_dataset({"A": NORMAL_A, "B": NORMAL_B, "C": NORMAL_C})
    out = strict_json(quiet_check(data))
    assert out["design"] == "multi"
    tests = out["tests"]
    assert set(tests) == {
        "shapiro_wilk",
        "levene",
        "one_way_anova",
        "welch_anova",
        "kruskal_wallis",
        "post_hoc",
    }
    assert set(tests["one_way_anova"]) == ANOVA_KEYS
    assert set(tests["welch_anova"]) == ANOVA_KEYS
    assert set(tests["kruskal_wallis"]) == {"statistic", "df", "p_value"}
    assert [(p["group_a"], p["group_b"]) for p in tests["post_hoc"]] == [
        ("A", "B"),
        ("A", "C"),
        ("B", "C"),
    ]
    assert all(set(p) == PAIR_KEYS for p in tests["post_hoc"])
    welch_df = tests["welch_anova"]["df_within"]
    assert welch_df != int(welch_df)  # fractional
    assert set(out["effect_sizes"]) == {"eta_squared", "omega_squared"}
    assert out["recommended"] in tests


def test_p_values_are_probabilities() -> None:
    for data in (
        make_dataset({"A": NORMAL_A, "B": NORMAL_B}),
        make_dataset({"A": NORMAL_A, "B": NORMAL_B}, paired=True),
        make_dataset({"A": NORMAL_A, "B": NORMAL_B, "C": NORMAL_C}),
    ):
        for alternative in ("two-sided", "less", "greater"):
            frame = quiet_check(data, alternative=alternative).to_frame()
            p = frame["p_value"].dropna()
            assert ((p >= 0) & (p <= 1)).all()


def test_to_frame_is_tidy() -> None:
    report = quiet_check(make_dataset({"A": NORMAL_A, "B": NORMAL_B, "C": NORMAL_C}))
    frame = report.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns)[:6] == ["name", "statistic", "df", "p_value", "ci_low", "ci_high"]
    names = frame["name"].tolist()
    assert "welch_anova" in names and "kruskal_wallis" in names
    assert "shapiro_wilk[A]" in names and "post_hoc[A - B]" in names
    assert all(frame[c].dtype == float for c in frame.columns[1:])
    welch = frame.set_index("name").loc["welch_anova"]
    assert welch["df"] == 2 and welch["df2"] == report.tests.welch_anova.df_within


def test_report_is_frozen() -> None:
    report = quiet_check(make_dataset({"A": NORMAL_A, "B": NORMAL_B}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.recommended = "student_t"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.tests.welch_t.p_value = 0.5  # type: ignore[misc,union-attr]


def test_docstring_example_runs() -> None:
    result = doctest.testmod(stats, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, math.nan, math.inf, "0.05", True, None])
def test_bad_alpha_is_a_data_error(alpha) -> None:
    with pytest.raises(DataError, match="alpha"):
        check(make_dataset({"A": [1, 2, 3], "B": [4, 5, 6]}), alpha=alpha)


@pytest.mark.parametrize("alternative", ["two.sided", "g", "LESS", "", None, "not-equal"])
def test_bad_alternative_is_a_data_error(alternative) -> None:
    with pytest.raises(DataError, match="alternative"):
        check(make_dataset({"A": [1, 2, 3], "B": [4, 5, 6]}), alternative=alternative)


def test_malformed_datasets_are_data_errors() -> None:
    with pytest.raises(DataError, match="two groups"):
        check(Dataset((Group("A", (1.0, 2.0)),)))
    with pytest.raises(DataError, match="same length"):
        check(Dataset((Group("A", (1.0, 2.0)), Group("B", (1.0,))), paired=True))
    with pytest.raises(DataError, match="no numeric values"):
        check(Dataset((Group("A", ()), Group("B", (1.0,)))))
    with pytest.raises(DataError, match="infinite"):
        check(Dataset((Group("A", (1.0, math.nan)), Group("B", (1.0, 2.0)))))


def test_alpha_sets_the_interval_level() -> None:
    data = make_dataset({"A": NORMAL_A, "B": NORMAL_B})
    wide = quiet_check(data, alpha=0.01).tests.welch_t
    narrow = quiet_check(data, alpha=0.2).tests.welch_t
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high
    assert wide.p_value == narrow.p_value


# --------------------------------------------------------------------------- conventions


def test_first_minus_second_sign() -> None:
    low, high = [1.0, 2.0, 3.0, 4.0, 5.5], [4.0, 5.0, 6.5, 7.0, 8.0]
    ab = quiet_check(make_dataset({"low": low, "high": high}))
    ba = quiet_check(make_dataset({"high": high, "low": low}))
    for key in ("student_t", "welch_t"):
        t_ab, t_ba = getattr(ab.tests, key), getattr(ba.tests, key)
        assert t_ab.mean_difference < 0 < t_ba.mean_difference
        assert t_ab.statistic == pytest.approx(-t_ba.statistic)
        assert t_ab.ci_low == pytest.approx(-t_ba.ci_high)
        assert t_ab.ci_high < 0
    assert ab.effect_sizes.cohens_d < 0 < ba.effect_sizes.cohens_d
    assert ab.effect_sizes.hedges_g == pytest.approx(-ba.effect_sizes.hedges_g)
    # W is U of the first group: W(ab) + W(ba) = n1 * n2
    assert ab.tests.mann_whitney_u.statistic + ba.tests.mann_whitney_u.statistic == 25
    paired = quiet_check(make_dataset({"low": low, "high": high}, paired=True))
    assert paired.tests.paired_t.mean_difference == pytest.approx(np.mean(low) - np.mean(high))
    assert paired.tests.wilcoxon_signed_rank.statistic == 0  # no positive difference
    assert paired.effect_sizes.cohens_dz < 0


def test_one_sided_alternatives_are_about_first_minus_second() -> None:
    data = make_dataset({"low": [1.0, 2.0, 3.0, 4.0, 5.5], "high": [4.0, 5.0, 6.5, 7.0, 8.0]})
    less = quiet_check(data, alternative="less")
    greater = quiet_check(data, alternative="greater")
    two = quiet_check(data)
    assert less.tests.welch_t.p_value < 0.05 < greater.tests.welch_t.p_value
    assert less.tests.welch_t.p_value + greater.tests.welch_t.p_value == pytest.approx(1)
    assert less.tests.welch_t.p_value == pytest.approx(two.tests.welch_t.p_value / 2)
    assert less.tests.welch_t.ci_low == -math.inf and greater.tests.welch_t.ci_high == math.inf
    assert less.tests.mann_whitney_u.p_value < greater.tests.mann_whitney_u.p_value
    assert less.effect_sizes.cohens_d_ci_low == -math.inf
    out = strict_json(less)
    assert out["tests"]["welch_t"]["ci_low"] is None
    assert out["effect_sizes"]["cohens_d_ci_low"] is None
    assert out["effect_sizes"]["hedges_g_ci_low"] is None
    assert out["tests"]["welch_t"]["ci_high"] is not None


def test_multi_ignores_a_one_sided_alternative_with_a_warning() -> None:
    data = make_dataset({"A": NORMAL_A, "B": NORMAL_B, "C": NORMAL_C})
    one_sided = quiet_check(data, alternative="greater")
    two_sided = quiet_check(data)
    assert one_sided.tests.one_way_anova == two_sided.tests.one_way_anova
    assert one_sided.tests.post_hoc == two_sided.tests.post_hoc
    assert any("'greater'" in w and "ignored" in w for w in one_sided.warnings)


def test_scale_invariance_for_huge_and_tiny_values() -> None:
    base = quiet_check(make_dataset({"A": NORMAL_A, "B": NORMAL_B}))
    for factor in (1e300, 1e-300):
        scaled = quiet_check(
            make_dataset({"A": [v * factor for v in NORMAL_A], "B": [v * factor for v in NORMAL_B]})
        )
        strict_json(scaled)
        for key in ("student_t", "welch_t"):
            ours, ref = getattr(scaled.tests, key), getattr(base.tests, key)
            assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9)
            assert ours.p_value == pytest.approx(ref.p_value, rel=1e-9)
            assert ours.mean_difference == pytest.approx(ref.mean_difference * factor, rel=1e-9)
        assert scaled.effect_sizes.cohens_d == pytest.approx(base.effect_sizes.cohens_d, rel=1e-9)
        assert scaled.tests.levene.p_value == pytest.approx(base.tests.levene.p_value, rel=1e-9)
        assert scaled.tests.shapiro_wilk["A"].statistic == pytest.approx(
            base.tests.shapiro_wilk["A"].statistic, rel=1e-6
        )
        assert scaled.groups[0].sd == pytest.approx(base.groups[0].sd * factor, rel=1e-9)


# --------------------------------------------------------------------------- degenerate data

DEGENERATE = {
    "n=1 vs n=5": ({"A": [3.0], "B": [1.0, 2.0, 3.0, 4.0, 5.0]}, False),
    "both constant": ({"A": [2.0] * 5, "B": [3.0] * 5}, False),
    "identical groups": ({"A": [1.0, 2.0, 3.0, 4.0], "B": [1.0, 2.0, 3.0, 4.0]}, False),
    "one group constant": ({"A": [1.0, 1.0, 1.0, 1.0], "B": [1.0, 2.0, 3.0, 4.0, 5.0]}, False),
    "n=2 each": ({"A": [1.0, 2.0], "B": [3.0, 5.0]}, False),
    "n=1 each": ({"A": [1.0], "B": [2.0]}, False),
    "all values equal": ({"A": [7.0] * 4, "B": [7.0] * 6}, False),
    "huge values": ({"A": [1e300, 2e300, 3e300], "B": [-1.7e308, 1e307, 5e299]}, False),
    "tiny values": ({"A": [1e-300, 2e-300, 3e-300], "B": [4e-300, 5e-300, 7e-300]}, False),
    "subnormal values": ({"A": [5e-324, 1e-323, 1.5e-323], "B": [2e-323, 4e-323]}, False),
    "paired constant difference": ({"A": [1.0, 2.0, 3.0], "B": [0.0, 1.0, 2.0]}, True),
    "paired identical": ({"A": [1.0, 2.0, 3.0], "B": [1.0, 2.0, 3.0]}, True),
    "paired single pair": ({"A": [1.0], "B": [2.0]}, True),
    "multi singletons": ({"A": [1.0], "B": [2.0], "C": [3.0]}, False),
    "multi constant groups": ({"A": [1.0, 1.0], "B": [2.0, 2.0], "C": [3.0, 3.0]}, False),
    "multi all equal": ({"A": [1.0, 1.0], "B": [1.0, 1.0], "C": [1.0]}, False),
    "multi one constant": ({"A": [1.0, 2.0, 3.0], "B": [5.0, 5.0, 5.0], "C": [2.0, 4.0]}, False),
}


@pytest.mark.parametrize("case", list(DEGENERATE))
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_degenerate_data_never_raise_nan_or_warn(case: str, alternative: str) -> None:
    groups, paired = DEGENERATE[case]
    report = quiet_check(make_dataset(groups, paired=paired), alternative=alternative)
    out = strict_json(report)
    assert out["recommended"] in out["tests"]
    assert out["reasons"]
    frame = report.to_frame()
    assert len(frame) >= 1


def test_n1_vs_n5() -> None:
    report = quiet_check(make_dataset({"A": [3.0], "B": [1.0, 2.0, 3.0, 4.0, 5.0]}))
    tests = report.tests
    assert tests.welch_t.statistic is None and tests.welch_t.p_value is None
    assert tests.student_t.p_value is not None  # R's t.test(var.equal = TRUE) allows n = 1
    assert tests.shapiro_wilk["A"].p_value is None
    assert report.groups[0].sd is None and report.groups[0].mean == 3.0
    assert report.recommended == "student_t"
    assert any("'A' has a single value" in w for w in report.warnings)
    assert any("Welch's t-test cannot be computed" in w for w in report.warnings)
    assert any("Shapiro-Wilk needs at least 3 values" in w for w in report.warnings)


def test_both_groups_constant() -> None:
    report = quiet_check(make_dataset({"A": [2.0] * 5, "B": [3.0] * 5}))
    assert report.tests.welch_t.p_value is None and report.tests.student_t.p_value is None
    assert report.tests.welch_t.mean_difference == -1.0
    assert report.effect_sizes.cohens_d is None
    assert report.tests.levene.statistic is None
    assert report.tests.mann_whitney_u.p_value is not None  # ranks still separate the groups
    assert report.recommended == "mann_whitney_u"
    assert any("'A' has zero variance" in w for w in report.warnings)
    assert any("'B' has zero variance" in w for w in report.warnings)
    assert report.groups[0].sd == 0.0


def test_all_values_equal() -> None:
    report = quiet_check(make_dataset({"A": [7.0] * 4, "B": [7.0] * 6}))
    assert report.tests.mann_whitney_u.p_value is None
    assert report.tests.welch_t.p_value is None
    assert any("All values in all groups are equal" in w for w in report.warnings)
    assert any("No test could be computed" in r for r in report.reasons)


def test_identical_groups() -> None:
    report = quiet_check(make_dataset({"A": [1.0, 2.0, 3.0, 4.0], "B": [1.0, 2.0, 3.0, 4.0]}))
    welch = report.tests.welch_t
    assert welch.statistic == 0 and welch.p_value == pytest.approx(1.0)
    assert welch.ci_low == pytest.approx(-welch.ci_high)
    assert report.tests.mann_whitney_u.p_value == pytest.approx(1.0)
    assert report.effect_sizes.cohens_d == 0


def test_one_group_constant() -> None:
    report = quiet_check(make_dataset({"A": [1.0, 1.0, 1.0, 1.0], "B": [1.0, 2.0, 3.0, 4.0, 5.0]}))
    welch = report.tests.welch_t
    assert welch.df == pytest.approx(4.0)  # all the variance comes from B
    assert welch.p_value is not None
    assert report.effect_sizes.cohens_d is not None
    assert any("'A' has zero variance: all its values equal 1" in w for w in report.warnings)


def test_two_values_each() -> None:
    report = quiet_check(make_dataset({"A": [1.0, 2.0], "B": [3.0, 5.0]}))
    assert report.tests.welch_t.p_value is not None
    assert report.tests.student_t.df == 2
    assert report.tests.shapiro_wilk["A"].statistic is None
    assert report.tests.levene.p_value is None  # |x - median| is constant in a pair
    assert any("'A' has only 2 values" in w for w in report.warnings)


def test_huge_values_do_not_overflow() -> None:
    report = quiet_check(
        make_dataset({"A": [1e300, 2e300, 3e300], "B": [1.1e300, 2.5e300, 3.4e300]})
    )
    welch = report.tests.welch_t
    assert welch.p_value is not None
    assert welch.mean_difference == pytest.approx(-0.3333333333333333e300)
    assert report.groups[0].sd == pytest.approx(1e300)
    assert report.groups[0].mean == pytest.approx(2e300)


def test_tiny_values_do_not_underflow() -> None:
    report = quiet_check(
        make_dataset({"A": [1e-300, 2e-300, 3e-300], "B": [4e-300, 5e-300, 7e-300]})
    )
    assert report.tests.welch_t.p_value is not None
    assert report.groups[0].sd == pytest.approx(1e-300)
    assert report.effect_sizes.cohens_d is not None


def test_paired_degenerate_differences() -> None:
    constant = quiet_check(make_dataset({"A": [1.0, 2.0, 3.0], "B": [0.0, 1.0, 2.0]}, paired=True))
    assert constant.tests.paired_t.p_value is None
    assert constant.tests.paired_t.mean_difference == 1.0
    assert constant.effect_sizes.cohens_dz is None
    assert constant.recommended == "wilcoxon_signed_rank"
    assert any("Every pair has the same difference" in w for w in constant.warnings)
    zero = quiet_check(make_dataset({"A": [1.0, 2.0, 3.0], "B": [1.0, 2.0, 3.0]}, paired=True))
    assert zero.tests.wilcoxon_signed_rank.p_value is None
    assert any("zero difference" in w for w in zero.warnings)


# --------------------------------------------------------------------------- warnings


def test_warns_about_missing_values() -> None:
    report = quiet_check(make_dataset({"A": [1.0, None, 3.0, 4.0, 2.0], "B": [2, 3, 4, math.nan]}))
    assert report.groups[0].missing == 1 and report.groups[1].missing == 1
    assert any("Group 'A': 1 missing value dropped" in w for w in report.warnings)
    assert strict_json(report)["groups"][0]["missing"] == 1
    paired = quiet_check(make_dataset({"A": [1, 2, None, 4], "B": [2, 3, 4, 5]}, paired=True))
    assert any("1 pair with a missing value" in w for w in paired.warnings)


def test_warns_about_outliers_naming_values_and_group() -> None:
    values = [10.0, 10.5, 11.0, 9.5, 10.2, 9.8, 10.1, 25.0, 60.0]
    report = quiet_check(make_dataset({"A": NORMAL_A, "Spiky": values}))
    texts = [w for w in report.warnings if "outlier" in w and "'Spiky'" in w]
    assert len(texts) == 1
    assert "25, 60" in texts[0]  # both beyond 1.5 x IQR
    assert "Beyond 3 x IQR (extreme): 25, 60" in texts[0]


def test_large_groups_warn_only_about_extreme_outliers() -> None:
    rng = np.random.default_rng(3)
    normal = rng.normal(10, 1, 2000).tolist()
    quiet = quiet_check(make_dataset({"A": normal, "B": [v + 1 for v in normal]}))
    assert not any("outlier" in w for w in quiet.warnings)
    spiked = quiet_check(make_dataset({"A": [*normal, 1000.0], "B": normal}))
    texts = [w for w in spiked.warnings if "outlier" in w]
    assert texts == [
        "Group 'A' has 1 extreme outlier (beyond 3 x IQR of the quartiles, out of 2001): 1000."
    ]


def test_warns_about_ties() -> None:
    report = quiet_check(make_dataset({"A": [1, 2, 2, 3, 4], "B": [2, 5, 6, 7, 8]}))
    assert any(w.startswith("Ties:") and "Mann-Whitney" in w for w in report.warnings)
    assert report.tests.mann_whitney_u.method.startswith("normal approximation")
    no_ties = quiet_check(make_dataset({"A": [1, 2, 3], "B": [4, 5, 6]}))
    assert not any(w.startswith("Ties:") for w in no_ties.warnings)
    assert no_ties.tests.mann_whitney_u.method == "exact"


def test_warns_about_small_groups() -> None:
    report = quiet_check(make_dataset({"A": [1.0, 2.0, 3.0], "B": NORMAL_B}))
    assert any("Group 'A' has only 3 values" in w for w in report.warnings)
    assert not any("Group 'B' has only" in w for w in report.warnings)


def test_warns_about_unequal_variances() -> None:
    spread = [v * 6 for v in NORMAL_B]
    report = quiet_check(make_dataset({"A": NORMAL_A, "B": spread}))
    text = next(w for w in report.warnings if w.startswith("Unequal variances"))
    assert "Levene" in text and "times the smallest" in text
    assert report.recommended == "welch_t"
    assert any("variances look unequal" in r for r in report.reasons)


def test_large_groups_are_fast_enough_and_subsample_shapiro() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(0.0, 1.0, 1_000_000)
    b = rng.normal(0.01, 1.0, 1_000_000)
    data = Dataset((Group("A", tuple(a.tolist())), Group("B", tuple(b.tolist()))))
    first = quiet_check(data)
    again = quiet_check(data)
    strict_json(first)
    assert first.tests.shapiro_wilk["A"].n_used == stats.SHAPIRO_MAX_N
    assert first.tests.shapiro_wilk == again.tests.shapiro_wilk  # deterministic subsample
    assert any("subsample of 5000 of its 1000000 values" in w for w in first.warnings)
    assert first.tests.mann_whitney_u.method.startswith("normal approximation")
    assert first.recommended == "welch_t"


# --------------------------------------------------------------------------- recommendations


def test_recommends_welch_by_default() -> None:
    report = quiet_check(make_dataset({"A": NORMAL_A, "B": NORMAL_B}))
    assert report.recommended == "welch_t"
    assert "Welch's t-test is the default" in report.reasons[0]


def test_recommends_mann_whitney_when_small_and_clearly_not_normal() -> None:
    skewed = [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5, 0.6, 0.8, 1.5, 9.0, 30.0]
    report = quiet_check(make_dataset({"A": skewed, "B": NORMAL_B[:12]}))
    assert report.tests.shapiro_wilk["A"].p_value < stats.CLEAR_NON_NORMALITY_P
    assert report.recommended == "mann_whitney_u"
    assert "Normality clearly fails" in report.reasons[0]
    assert any(
        "Shapiro-Wilk suggests 'A' is not normally distributed" in w for w in report.warnings
    )


def test_large_non_normal_samples_still_get_welch() -> None:
    rng = np.random.default_rng(11)
    skewed = rng.exponential(1.0, 200).tolist()
    report = quiet_check(make_dataset({"A": skewed, "B": rng.exponential(1.2, 200).tolist()}))
    assert report.tests.shapiro_wilk["A"].p_value < 0.01
    assert report.recommended == "welch_t"
    assert any("central limit theorem" in r for r in report.reasons)


def test_paired_recommendations() -> None:
    normal = make_dataset({"A": NORMAL_A, "B": NORMAL_B}, paired=True)
    assert quiet_check(normal).recommended == "paired_t"
    before = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0]
    shifts = [0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.2, 0.3, 0.1, 0.2, 8.0, 15.0]
    after = [b + s for b, s in zip(before, shifts, strict=True)]
    report = quiet_check(make_dataset({"A": after, "B": before}, paired=True))
    assert report.tests.shapiro_wilk["differences"].p_value < 0.01
    assert report.recommended == "wilcoxon_signed_rank"


def test_multi_recommendations() -> None:
    data = make_dataset({"A": NORMAL_A, "B": NORMAL_B, "C": NORMAL_C})
    assert quiet_check(data).recommended == "welch_anova"
    skewed = [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5, 0.6, 0.8, 1.5, 9.0, 30.0]
    report = quiet_check(make_dataset({"A": skewed, "B": NORMAL_B[:12], "C": NORMAL_C[:12]}))
    assert report.recommended == "kruskal_wallis"
    one_constant = quiet_check(make_dataset({"A": [1, 2, 3, 4], "B": [5, 5, 5, 5], "C": [2, 4, 6]}))
    assert one_constant.tests.welch_anova.p_value is None
    assert one_constant.recommended == "one_way_anova"
    assert "Welch's ANOVA cannot be computed" in one_constant.reasons[0]


# --------------------------------------------------------------------------- fast paths
# check() sorts each group once and reads order statistics, ranks and ties off the sorted
# arrays, and calls scipy's numerical routines directly; these pin the shortcuts to the numpy
# and scipy results they replace, bit for bit.


def _samples_for_internals() -> list[np.ndarray]:
    rng = np.random.default_rng(17)
    arrays = [rng.normal(0.0, 1.0, n) for n in (1, 2, 3, 4, 5, 8, 9, 10, 31, 100, 101)]
    arrays += [np.round(rng.normal(0.0, 3.0, n)) for n in (4, 7, 50, 1000)]  # ties
    arrays += [np.array([-0.0, 0.0, 1.0, -1.0]), np.array([0.25, 0.25, 0.25])]
    return arrays


def test_sample_figures_match_numpy_exactly() -> None:
    for values in _samples_for_internals():
        sample = stats._Sample(values, np.sort(values))
        assert sample.median == np.median(values)
        assert (sample.low, sample.high) == (values.min(), values.max())
        if values.size >= 2:
            q1, q3 = np.percentile(values, [25, 75])
            assert (sample.quantile(0.25), sample.quantile(0.75)) == (q1, q3)
        if not sample.constant:
            assert sample.mean == np.mean(values)
            assert sample.var == np.var(values, ddof=1)
            assert sample.ss == np.sum((values - np.mean(values)) ** 2)
        unsorted = stats._Sample(values)  # sorts on first use
        assert unsorted.median == sample.median and unsorted.constant == sample.constant


def test_rank_sums_match_scipy_rankdata() -> None:
    # check() passes runs rescaled into (-1, 1); the two-run merge relies on |value| < 2
    rng = np.random.default_rng(5)
    cases = [
        [np.sort(rng.uniform(-1.0, 1.0, 12)), np.sort(rng.uniform(-0.5, 1.0, 9))],
        [np.sort(np.round(rng.normal(0.0, 0.3, n), 1)) for n in (40, 30)],
        [np.array([-0.5, -0.0, 0.0, 0.25]), np.array([-0.5, 0.0, 0.5])],  # -0.0 ties with 0.0
        [np.sort(np.round(rng.normal(0.0, 0.3, n), 1)) for n in (5, 8, 13, 21)],
        [np.sort(rng.uniform(-1.0, 1.0, n)) for n in (3, 1, 6)],
        [np.array([0.5]), np.array([0.5])],
    ]
    for runs in cases:
        pooled = np.concatenate(runs)
        ranks = sps.rankdata(pooled)
        sums, ties = stats._rank_sums(runs)
        bounds = np.cumsum([0] + [run.size for run in runs])
        assert sums == [float(np.sum(ranks[a:b])) for a, b in itertools.pairwise(bounds)]
        _, counts = np.unique(pooled, return_counts=True)
        assert ties.tolist() == counts[counts > 1].tolist()
    with pytest.raises(ValueError, match="< 2"):
        stats._rank_sums([np.array([0.5, 2.5]), np.array([1.0])])


def test_exact_mann_whitney_p_matches_scipy() -> None:
    rng = np.random.default_rng(8)
    for n1, n2 in ((1, 1), (1, 7), (3, 4), (5, 10), (10, 10), (12, 7), (20, 35), (49, 49)):
        for _ in range(3):
            values = rng.permutation(n1 + n2).astype(float)  # no ties
            x, y = values[:n1], values[n1:]
            for alternative in ALTERNATIVES:
                ref = sps.mannwhitneyu(x, y, alternative=alternative, method="exact")
                u = float(sps.mannwhitneyu(x, y, alternative="greater").statistic)
                assert stats._mann_whitney_exact_p(u, n1, n2, alternative) == ref.pvalue


def test_rescaling_by_multiplication_is_ldexp() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(0.0, 1.0, 500) * 10.0 ** rng.integers(-320, 308, 500)
    values = np.concatenate((values, [5e-324, -5e-324, 2.2250738585072014e-308, 1.7e308]))
    with np.errstate(all="ignore"):  # some of these exponents overflow some values
        for exponent in (-1073, -1022, -600, -1, 1, 52, 600, 1023, 1024, 1074):
            assert np.array_equal(stats._rescaled(values, exponent), np.ldexp(values, -exponent))


def test_shapiro_wilk_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    for values in (rng.normal(5.0, 2.0, 3), rng.exponential(1.0, 40), rng.normal(0.0, 1.0, 5000)):
        median = float(np.median(values))
        ref = sps.shapiro(values - median)
        assert stats._shapiro_wilk(values, np.sort(values), median) == (
            ref.statistic,
            ref.pvalue,
        )


def test_large_sample_rank_tests_match_scipy() -> None:
    rng = np.random.default_rng(12)
    x = np.round(rng.normal(0.0, 3.0, 30_000), 1)  # many ties
    y = np.round(rng.normal(0.05, 3.0, 20_000), 1)
    mw = quiet_check(make_dataset({"x": x, "y": y})).tests.mann_whitney_u
    ref = sps.mannwhitneyu(x, y, method="asymptotic")
    assert mw.statistic == ref.statistic
    assert mw.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    paired = quiet_check(make_dataset({"x": x[:20_000], "y": y}, paired=True))
    ref = sps.wilcoxon(x[:20_000], y, method="asymptotic", correction=True)
    v = paired.tests.wilcoxon_signed_rank
    nonzero = np.count_nonzero(x[:20_000] - y)  # zero differences are dropped
    assert min(v.statistic, nonzero * (nonzero + 1) / 2 - v.statistic) == ref.statistic
    assert v.p_value == pytest.approx(ref.pvalue, rel=1e-9)
