"""`assistant_core.verify`: reading what the assistant reported and checking it against the
local report, on written transcripts.

Local reports come from `stats.check` on data with published reference values:

* the worked example (A vs B): Student t(18) = -6.7083, p = 2.7312e-06; Welch t(14.78) =
  -6.7083, p = 7.5573e-06, 95% CI of A - B [-16.17, -8.37]; Cohen's d = -3.00.
* R's ``sleep``: paired t(9) = -4.0621, p = 0.002833; unpaired Welch (R's ``t.test(extra ~
  group, data = sleep)``) t(17.776) = -1.8608, p = 0.07939.
* R's ``PlantGrowth``: F(2, 27) = 4.846, p = 0.01591; Welch F(2, 17.13) = 5.181, p = 0.01739.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.events import CodeDelta, CodeDone, CodeOutput, Reported, TextDelta
from assistant_core.stats import check
from assistant_core.verify import (
    ReportedValue,
    compare,
    parse_number,
    read_figures,
    split_variant,
    verify_events,
)

A = [37.4, 35.8, 39.3, 41.2, 43.5, 40.2, 38.1, 37.4, 42.3, 45.1]
B = [55.8, 48.2, 49.5, 62.7, 55.6, 45.5, 54.0, 48.5, 51.2, 52.0]
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
CTRL = [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14]
TRT1 = [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69]
TRT2 = [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26]

STUDENT_P = 2.7312e-06
WELCH_P = 7.5573e-06


@pytest.fixture(scope="module")
def worked() -> dict[str, Any]:
    return check(make_dataset({"A": A, "B": B})).to_dict()


@pytest.fixture(scope="module")
def sleep() -> dict[str, Any]:
    return check(make_dataset({"group1": SLEEP_1, "group2": SLEEP_2}, paired=True)).to_dict()


@pytest.fixture(scope="module")
def plants() -> dict[str, Any]:
    return check(make_dataset({"ctrl": CTRL, "trt1": TRT1, "trt2": TRT2})).to_dict()


def said(*texts: str) -> list[TextDelta]:
    """A narrative, streamed in pieces as a backend would."""
    return [TextDelta(piece) for text in texts for piece in (text[:7], text[7:])]


def entry(verdict, name: str) -> dict[str, Any]:
    return next(f for f in verdict.figures if f["name"] == name)


def statuses(verdict) -> dict[str, str]:
    return {f["name"]: f["status"] for f in verdict.figures}


# --------------------------------------------------------------------------- the trap


def test_unnamed_test_with_students_figures_is_student_and_says_welch_is_recommended(worked):
    verdict = verify_events(said("The groups differ: t = -6.71, p = 2.73 x 10^-6."), worked)

    assert verdict.variant == "student_t"
    assert entry(verdict, "statistic")["status"] == "match"
    p = entry(verdict, "p_value")
    assert p["status"] == "match"
    assert p["local"] == pytest.approx(STUDENT_P, rel=1e-4)
    test = entry(verdict, "test")
    assert (test["reported"], test["local"], test["status"]) == ("student_t", "welch_t", "mismatch")
    assert "Student's t-test" in test["note"]
    assert "recommended test is Welch's t-test" in test["note"]
    assert "7.56e-06" in test["note"]
    assert verdict.unsupported == []


def test_the_same_figures_called_welch_give_a_p_value_mismatch(worked):
    verdict = verify_events(
        said("Using Welch's t-test: t = -6.71, p = 2.73 x 10^-6."),
        worked,
    )

    assert verdict.variant == "welch_t"
    p = entry(verdict, "p_value")
    assert p["status"] == "mismatch"
    assert p["reported"] == pytest.approx(2.73e-06)
    assert p["local"] == pytest.approx(WELCH_P, rel=1e-4)
    assert "Student's t-test" in p["note"]  # where the reported p comes from
    assert entry(verdict, "statistic")["status"] == "match"
    assert entry(verdict, "test")["status"] == "match"


# --------------------------------------------------------------------------- which variant


@pytest.mark.parametrize(
    ("text", "variant", "df"),
    [
        ("We found t(18) = -6.71, p < .001.", "student_t", 18.0),
        ("We found t(14.78) = -6.71, p < .001.", "welch_t", 14.78),
        ("t = -6.71, df = 18, p < .001", "student_t", 18.0),
        ("t = -6.71, df = 14.78, p < .001", "welch_t", 14.78),
    ],
)
def test_student_or_welch_from_the_degrees_of_freedom(worked, text, variant, df):
    verdict = verify_events(said(text), worked)

    assert verdict.variant == variant
    assert entry(verdict, "df") == {
        "name": "df",
        "reported": df,
        "local": pytest.approx(df, abs=0.01),
        "status": "match",
    }
    assert "did not name its test" in entry(verdict, "test")["note"]


@pytest.mark.parametrize(
    ("call", "variant", "p"),
    [
        ("stats.ttest_ind(a, b, equal_var=False)", "welch_t", WELCH_P),
        ("stats.ttest_ind(a, b)", "student_t", STUDENT_P),
        ("stats.ttest_ind(a, b, equal_var=True)", "student_t", STUDENT_P),
    ],
)
def test_student_or_welch_from_the_code(worked, call, variant, p):
    events = [
        CodeDone(f"from scipy import stats\nresult = {call}\nprint(result.statistic)"),
        CodeOutput("-6.708257401685039\n"),
        TextDelta("The t statistic is t = -6.71."),
    ]

    figures = read_figures(events)
    verdict = compare(figures, worked)

    assert figures.test == variant
    assert verdict.variant == variant
    assert entry(verdict, "p_value")["status"] == "not_reported"
    assert entry(verdict, "p_value")["local"] == pytest.approx(p, rel=1e-4)


def test_welch_named_in_text_but_student_run_in_code_is_noted(worked):
    events = [
        CodeDone("r = stats.ttest_ind(a, b)\nprint(r)"),
        CodeOutput(
            "TtestResult(statistic=-6.708257401685041, pvalue=2.731203986467087e-06, df=18.0)"
        ),
        TextDelta("Welch's t-test gives t = -6.71, p = 2.73e-06."),
    ]

    verdict = verify_events(events, worked)

    assert verdict.variant == "student_t"
    assert statuses(verdict)["p_value"] == "match"
    assert (
        "narrative names Welch's t-test, but the code ran Student's t-test"
        in (entry(verdict, "test")["note"])
    )


# --------------------------------------------------------------------------- wrong figures


def test_a_wrong_p_value_is_a_mismatch_with_both_values(worked):
    verdict = verify_events(
        said("Welch's t-test: t(14.78) = -6.71, p = 0.0003, 95% CI [-16.17, -8.37]."),
        worked,
    )

    p = entry(verdict, "p_value")
    assert p["status"] == "mismatch"
    assert p["reported"] == pytest.approx(0.0003)
    assert p["local"] == pytest.approx(WELCH_P, rel=1e-4)
    assert statuses(verdict) == {
        "test": "match",
        "statistic": "match",
        "df": "match",
        "p_value": "mismatch",
        "ci_low": "match",
        "ci_high": "match",
        "effect_size": "not_reported",
    }


def test_a_wrong_statistic_and_interval_are_mismatches(worked):
    verdict = verify_events(said("Welch: t(14.78) = -5.90, 95% CI [-15.0, -9.5]"), worked)

    assert entry(verdict, "statistic")["status"] == "mismatch"
    assert entry(verdict, "ci_low")["status"] == "mismatch"
    assert entry(verdict, "ci_high")["status"] == "mismatch"


def test_unsupported_numbers_in_the_narrative_are_flagged(worked):
    text = (
        "Welch's t-test: t(14.78) = -6.71, p < .001. Group A had a mean of 40.03 (SD = 2.99) "
        "and group B a mean of 52.3 (SD = 5.9), n = 10 each, data from 2024. A sensitivity "
        "check gave p = 0.0004. The medians were 39.75 and 51.6 (median = 39.75)."
    )

    verdict = verify_events(said(text), worked)

    assert verdict.unsupported == ["SD = 5.9 (text)", "p = 0.0004 (text)"]
    assert statuses(verdict)["p_value"] == "match"


def test_narrative_figures_that_contradict_the_code_output_are_flagged(worked):
    events = [
        CodeDone("print(stats.ttest_ind(a, b, equal_var=False))"),
        CodeOutput(
            "TtestResult(statistic=np.float64(-6.708257401685039), "
            "pvalue=np.float64(7.557300361309793e-06), df=np.float64(14.780073757484757))"
        ),
        TextDelta("Result: t = -6.71, p = 2.73e-6."),
    ]

    verdict = verify_events(events, worked)

    assert statuses(verdict)["p_value"] == "match"  # the code output's p
    assert "the narrative says 2.73e-6" in entry(verdict, "p_value")["note"]
    assert verdict.unsupported == ["p = 2.73e-6 (text)"]


def test_figures_of_other_tests_are_checked_but_not_taken_for_the_main_one(worked):
    text = (
        "Shapiro-Wilk: W = 0.967, p = 0.858 (A) and W = 0.949, p = 0.654 (B). "
        "Levene's test: F = 1.37, p = 0.257. "
        "Welch's t-test: t(14.78) = -6.71, p < .001. "
        "The Mann-Whitney U test agrees (U = 0, p = 0.00018), but Levene's p = 0.31."
    )

    verdict = verify_events(said(text), worked)

    assert verdict.variant == "welch_t"
    assert entry(verdict, "p_value")["reported"] == "< .001"
    assert verdict.unsupported == ["p = 0.31 (text)"]


# --------------------------------------------------------------------------- precision


def test_low_precision_figures_still_match(worked):
    verdict = verify_events(said("t = -6.7, p < .001, d = -3"), worked)

    assert statuses(verdict) == {
        "test": "match",
        "statistic": "match",
        "df": "not_reported",
        "p_value": "match",
        "ci_low": "not_reported",
        "ci_high": "not_reported",
        "effect_size": "match",
    }
    assert entry(verdict, "p_value")["reported"] == "< .001"


@pytest.mark.parametrize(
    ("written", "local", "agrees"),
    [
        ("-6.71", -6.708257401685039, True),
        ("-6.7", -6.708257401685039, True),
        ("-6.70", -6.708257401685039, False),
        ("2.73e-6", 2.7312039864671015e-06, True),
        ("2.73e-6", 7.557300361309793e-06, False),
        ("2.7 × 10⁻⁶", 2.7312039864671015e-06, True),
        (".08", 0.07939414018735816, True),
        ("0.079", 0.07939414018735816, True),
        ("0.0794", 0.07939414018735816, True),
        ("0.0793", 0.07939414018735816, False),
        ("0.045", 0.04449, True),  # 0.04449 -> 0.0445 -> 0.045: rounded twice
        ("0.045", 0.0443, False),
        ("< .001", 7.557e-06, True),
        ("< .001", 0.0016, False),
        ("> .05", 0.0794, True),
        ("> .05", 0.0159, False),
        ("0.000", 7.557e-06, True),  # printed to three places
        ("-6.708257401685041", -6.708257401685039, True),  # full precision, other library
        ("-3", -3.0000239121467716, True),
        ("18", 14.78, False),
    ],
)
def test_agreement_at_the_precision_reported(written, local, agrees):
    value = parse_number(written)

    assert value is not None
    assert value.agrees(local) is agrees


@pytest.mark.parametrize(
    ("written", "value", "ulp", "bound"),
    [
        ("2.73 x 10^-6", 2.73e-06, 1e-08, "="),
        ("2.73 × 10⁻⁶", 2.73e-06, 1e-08, "="),
        (r"2.73 \times 10^{-6}", 2.73e-06, 1e-08, "="),
        ("2.73 * 10**-6", 2.73e-06, 1e-08, "="),
        ("2.731e-06", 2.731e-06, 1e-09, "="),
        ("−6.71", -6.71, 0.01, "="),
        ("< .001", 0.001, 0.001, "<"),
        ("≤ 0.05", 0.05, 0.01, "<"),
        ("> .05", 0.05, 0.01, ">"),
        ("18", 18.0, 1.0, "="),
    ],
)
def test_numbers_as_written(written, value, ulp, bound):
    parsed = parse_number(written)

    assert parsed is not None
    assert parsed.value == pytest.approx(value)
    assert parsed.ulp == pytest.approx(ulp)
    assert parsed.bound == bound


def test_parse_number_rejects_what_is_not_a_number():
    assert parse_number("n/a") is None
    assert parse_number("") is None
    assert parse_number("1e99999") is None


# --------------------------------------------------------------------------- written forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t = -6.71, p = 2.73 x 10^-6", {"statistic": -6.71, "p_value": 2.73e-06}),
        ("t(18) = -6.71", {"statistic": -6.71, "df": 18.0}),
        ("t(14.78) = −6.71", {"statistic": -6.71, "df": 14.78}),
        ("t(df = 14.78) = -6.71", {"statistic": -6.71, "df": 14.78}),
        ("p = 2.73 × 10⁻⁶", {"p_value": 2.73e-06}),
        (r"p is \(2.73 \times 10^{-6}\)", {"p_value": 2.73e-06}),
        (r"$p = 2.73 \times 10^{-6}$", {"p_value": 2.73e-06}),
        (r"$t(18) = -6.71$, $p < 0.001$", {"statistic": -6.71, "df": 18.0, "p_value": 0.001}),
        ("p = .0003", {"p_value": 0.0003}),
        ("the p-value was 0.0028", {"p_value": 0.0028}),
        ("**p-value:** 7.56e-06", {"p_value": 7.56e-06}),
        ("95% CI [-16.17, -8.37]", {"ci_low": -16.17, "ci_high": -8.37}),
        ("(95% CI: -16.17 to -8.37)", {"ci_low": -16.17, "ci_high": -8.37}),
        (
            "95% CI for the difference (A − B): [−16.17, −8.37]",
            {"ci_low": -16.17, "ci_high": -8.37},
        ),
        ("mean difference = -12.27", {"mean_difference": -12.27}),
        ("d = -3.00", {"effect_size": -3.0}),
        ("Cohen's d = 3.0", {"effect_size": 3.0}),
        ("U = 0, p = 0.00018", {"statistic": 0.0, "p_value": 0.00018}),
        ("F(2, 27) = 4.85", {"statistic": 4.85, "df_between": 2.0, "df_within": 27.0}),
        ("H(2) = 7.99", {"statistic": 7.99, "df": 2.0}),
        ("χ²(2) = 7.99", {"statistic": 7.99, "df": 2.0}),
        (r"$\chi^2(2) = 7.99$", {"statistic": 7.99, "df": 2.0}),
    ],
)
def test_written_forms_are_read(text, expected):
    figures = read_figures(said(text))

    assert {name: v.value for name, v in figures.figures.items()} == pytest.approx(expected)
    assert all(v.source == "text" for v in figures.figures.values())


def test_effect_size_name_and_interval_level_are_read():
    figures = read_figures(said("Hedges' g = -2.87; 90% CI [-15.4, -9.1]"))

    assert figures.effect_size_name == "hedges_g"
    assert figures.ci_level == 0.9


@pytest.mark.parametrize(
    ("text", "test"),
    [
        ("We ran Welch's t-test.", "welch_t"),
        ("A t-test with equal_var=False.", "welch_t"),
        ("Student's t-test (equal_var=True).", "student_t"),
        ("A paired t-test on the differences.", "paired_t"),
        ("The Mann-Whitney U test (mannwhitneyu).", "mann_whitney_u"),
        ("The Wilcoxon signed-rank test.", "wilcoxon_signed_rank"),
        ("A one-way ANOVA.", "one_way_anova"),
        ("Welch's ANOVA.", "welch_anova"),
        ("The Kruskal-Wallis test.", "kruskal_wallis"),
        ("Welch's t-test rather than Student's t-test.", "welch_t"),
        ("Instead of Student's t-test we used Welch's t-test.", "welch_t"),
    ],
)
def test_the_named_test_is_detected(text, test):
    assert read_figures(said(text)).test == test


@pytest.mark.parametrize(
    ("text", "alternative"),
    [
        ("A one-sided test: t = -6.71.", "one-sided"),
        ("A one-tailed test: t = -6.71.", "one-sided"),
        ("ttest_ind(a, b, alternative='less') gives t = -6.71", "less"),
        ("A two-sided test: t = -6.71.", "two-sided"),
        ("t = -6.71.", None),
    ],
)
def test_the_stated_alternative_is_detected(text, alternative):
    assert read_figures(said(text)).alternative == alternative


# --------------------------------------------------------------------------- sources


def test_a_scipy_repr_is_read_from_the_code_output(worked):
    events = [
        CodeOutput(
            "TtestResult(statistic=-6.708257401685041, pvalue=2.731203986467087e-06, df=18.0)\n"
            "ConfidenceInterval(low=np.float64(-16.112773449224278), "
            "high=np.float64(-8.427226550775714))\n"
        )
    ]

    figures = read_figures(events)
    verdict = compare(figures, worked)

    assert figures.get("statistic").value == pytest.approx(-6.708257401685041)
    assert figures.get("statistic").source == "code_output"
    assert figures.get("df").value == 18.0
    assert verdict.variant == "student_t"
    assert {k: v for k, v in statuses(verdict).items() if k != "test"} == {
        "statistic": "match",
        "df": "match",
        "p_value": "match",
        "ci_low": "match",
        "ci_high": "match",
        "effect_size": "not_reported",
    }


def test_printed_lines_are_read_from_the_code_output(worked):
    events = [
        CodeDelta("print('t-statistic:', round(t, 4))"),
        CodeOutput("Welch's t-test\nt-statistic: -6.7083\np-value: 7.557e-06\ndf = 14.78\n"),
    ]

    verdict = verify_events(events, worked)

    assert verdict.variant == "welch_t"
    assert statuses(verdict)["statistic"] == "match"
    assert statuses(verdict)["p_value"] == "match"
    assert statuses(verdict)["df"] == "match"


def test_r_htest_output_is_read(worked):
    output = (
        "\n\tWelch Two Sample t-test\n\ndata:  a and b\n"
        "t = -6.7083, df = 14.78, p-value = 7.557e-06\n"
        "alternative hypothesis: true difference in means is not equal to 0\n"
        "95 percent confidence interval:\n -16.173670  -8.366330\n"
        "sample estimates:\nmean of x mean of y \n    40.03     52.30 \n"
    )

    verdict = verify_events([CodeOutput(output), TextDelta("See above.")], worked)

    assert verdict.variant == "welch_t"
    assert all(
        status == "match"
        for name, status in statuses(verdict).items()
        if name not in ("effect_size",)
    )


def test_reported_events_take_priority_over_the_text(worked):
    events = [
        Reported(
            {
                "test": "welch_t",
                "statistic": -6.708,
                "df": 14.78,
                "p_value": "< .001",
                "ci_low": -16.17,
                "ci_high": -8.37,
                "effect_size_name": "cohens_d",
                "effect_size": -3.0,
            }
        ),
        TextDelta("Student's t-test: t(18) = -6.71, p = 2.73e-6."),
    ]

    figures = read_figures(events)
    verdict = compare(figures, worked)

    assert figures.test == "welch_t"
    assert {v.source for v in figures.figures.values()} == {"reported"}
    assert verdict.variant == "welch_t"
    assert set(statuses(verdict).values()) == {"match"}
    assert entry(verdict, "p_value")["reported"] == "< .001"


def test_markdown_tables_are_read(worked):
    text = (
        "| Test | t | df | p-value | 95% CI |\n"
        "|---|---|---|---|---|\n"
        "| Welch's t-test | -6.71 | 14.78 | 7.56e-06 | [-16.17, -8.37] |\n\n"
        "| Metric | Value |\n|---|---|\n| Cohen's d | -3.00 |\n"
    )

    verdict = verify_events(said(text), worked)

    assert verdict.variant == "welch_t"
    assert set(statuses(verdict).values()) == {"match"}


# --------------------------------------------------------------------------- paired data


def test_a_paired_analysis_of_paired_data_verifies(sleep):
    text = (
        "A paired t-test shows t(9) = -4.06, p = .0028, mean difference -1.58 "
        "(95% CI [-2.46, -0.70]); Cohen's dz = -1.28."
    )

    verdict = verify_events(said(text), sleep)

    assert verdict.variant == "paired_t"
    assert set(statuses(verdict).values()) == {"match"}
    assert entry(verdict, "statistic")["local"] == pytest.approx(-4.0621, abs=1e-4)
    assert entry(verdict, "p_value")["local"] == pytest.approx(0.002833, abs=1e-6)


def test_a_welch_analysis_of_paired_data_is_identified_and_noted(sleep):
    text = "t(17.78) = -1.86, p = .08: no significant difference between the groups."

    verdict = verify_events(said(text), sleep)

    assert verdict.variant == "welch_t"
    # R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p-value = 0.07939
    assert entry(verdict, "statistic")["local"] == pytest.approx(-1.8608, abs=1e-4)
    assert entry(verdict, "df")["local"] == pytest.approx(17.776, abs=1e-3)
    assert entry(verdict, "p_value")["local"] == pytest.approx(0.07939, abs=1e-5)
    assert {k: v for k, v in statuses(verdict).items() if k.startswith(("stat", "df", "p_"))} == {
        "statistic": "match",
        "df": "match",
        "p_value": "match",
    }
    test = entry(verdict, "test")
    assert test["status"] == "mismatch"
    assert test["local"] == "paired_t"
    assert "The data are paired" in test["note"]
    assert "paired t-test (t(9) = -4.062, p = 0.00283)" in test["note"]


def test_a_paired_test_of_independent_groups_cannot_be_checked(worked):
    verdict = verify_events(said("A paired t-test: t(9) = -7.2, p < .001."), worked)

    assert verdict.variant == "paired_t"
    assert "entered as independent" in entry(verdict, "test")["note"]
    assert entry(verdict, "statistic")["status"] == "mismatch"


# --------------------------------------------------------------------------- sides and signs


def test_a_one_sided_p_value_is_detected_from_the_figures(worked):
    verdict = verify_events(said("t(18) = -6.71, p = 1.37e-6"), worked)

    assert verdict.variant == "student_t (one-sided: less)"
    assert split_variant(verdict.variant) == ("student_t", "less")
    assert entry(verdict, "p_value")["status"] == "match"
    assert "one-sided" in entry(verdict, "test")["note"]


def test_a_stated_one_sided_welch_test_verifies(worked):
    verdict = verify_events(
        said("A one-sided Welch's t-test (alternative='less'): t(14.78) = -6.71, p = 3.78e-6."),
        worked,
    )

    assert verdict.variant == "welch_t (one-sided: less)"
    assert entry(verdict, "p_value")["status"] == "match"
    assert entry(verdict, "ci_low")["local"] == "-inf"  # strict JSON for an open bound
    json.dumps(verdict.to_dict(), allow_nan=False)


def test_second_minus_first_is_noted_and_compared_in_magnitude(worked):
    text = (
        "Welch's t-test: t(14.78) = 6.71, p < .001; B was higher by a mean difference of 12.27 "
        "(95% CI [8.37, 16.17]), Cohen's d = 3.0."
    )

    verdict = verify_events(said(text), worked)

    assert set(statuses(verdict).values()) == {"match"}
    assert "B minus A" in entry(verdict, "test")["note"]
    assert "second group minus first" in entry(verdict, "statistic")["note"]
    assert "negated and swapped" in entry(verdict, "ci_low")["note"]
    assert "magnitude" in entry(verdict, "effect_size")["note"]


def test_an_effect_size_under_the_wrong_name_is_a_mismatch(worked):
    verdict = verify_events(said("Welch's t-test: t(14.78) = -6.71; Cohen's d = -2.87."), worked)

    effect = entry(verdict, "effect_size")
    assert effect["status"] == "mismatch"
    assert "Hedges' g" in effect["note"]


def test_u_of_the_second_group_is_accepted(worked):
    verdict = verify_events(said("Mann-Whitney U = 100, p = 0.00018"), worked)

    assert verdict.variant == "mann_whitney_u"
    assert set(statuses(verdict).values()) == {"match", "mismatch"}
    assert entry(verdict, "statistic")["status"] == "match"
    assert "second group" in entry(verdict, "statistic")["note"]
    assert entry(verdict, "test")["status"] == "mismatch"  # Welch's t is recommended


# --------------------------------------------------------------------------- three groups


def test_a_one_way_anova_verifies(plants):
    verdict = verify_events(
        said("One-way ANOVA: F(2, 27) = 4.846, p = 0.01591, η² = 0.26."), plants
    )

    assert verdict.variant == "one_way_anova"
    assert statuses(verdict) == {
        "test": "mismatch",
        "statistic": "match",
        "df_between": "match",
        "df_within": "match",
        "p_value": "match",
        "effect_size": "match",
    }
    assert "Welch's ANOVA (F(2, 17.13) = 5.181, p = 0.0174)" in entry(verdict, "test")["note"]


def test_a_welch_anova_is_identified_from_its_fractional_df(plants):
    verdict = verify_events(said("ANOVA: F(2, 17.13) = 5.181, p = 0.01739."), plants)

    assert verdict.variant == "welch_anova"
    assert entry(verdict, "test")["status"] == "match"
    assert entry(verdict, "p_value")["status"] == "match"


def test_post_hoc_p_values_are_not_taken_for_the_anova_p(plants):
    text = (
        "A one-way ANOVA found F(2, 27) = 4.85. Tukey HSD: trt2 vs trt1 difference = 0.865, "
        "p = 0.012."
    )

    verdict = verify_events(said(text), plants)

    assert entry(verdict, "p_value")["status"] == "not_reported"
    assert verdict.unsupported == []


# --------------------------------------------------------------------------- robustness


def test_nothing_reported_lists_every_key_figure_as_not_reported(worked):
    verdict = verify_events([], worked)

    assert verdict.variant is None
    assert statuses(verdict) == {
        "test": "not_reported",
        "statistic": "not_reported",
        "df": "not_reported",
        "p_value": "not_reported",
        "ci_low": "not_reported",
        "ci_high": "not_reported",
        "effect_size": "not_reported",
    }
    assert entry(verdict, "p_value")["local"] == pytest.approx(WELCH_P, rel=1e-4)
    assert verdict.unsupported == []


def test_text_without_figures_reports_nothing(worked):
    verdict = verify_events(said("The groups look different; B is higher."), worked)

    assert verdict.variant is None
    assert set(statuses(verdict).values()) == {"not_reported"}


@pytest.mark.parametrize(
    "text",
    [
        "p = = = t(((( F(2,,) 1e99999 x 10^ 99999999999 CI [1, ] d = ∞ p < -",
        "t = 1e999, p = 1e-99999, df = 0, F(0, 0) = nan",
        "95% CI [inf, -inf] U = -1 H(-2) = 0",
        "$$\\frac{a}{b}$$ \\(\\) ** __ `` | | |\n|---|\n| t | x |",
        "t" * 10_000,
        "(" * 500 + "p = 0.5" + ")" * 500,
    ],
)
def test_garbage_never_raises(worked, text):
    verdict = verify_events([TextDelta(text), CodeOutput(text), CodeDone(text)], worked)

    json.dumps(verdict.to_dict(), allow_nan=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list("tpdFUHWVχ²()[]=<>.,;:-−+×^{}e0123456789 \n%$\\*|_'sSDCI")),
        max_size=120,
    )
)
def test_random_text_never_raises(text):
    report = check(make_dataset({"A": A, "B": B})).to_dict()

    verdict = verify_events([TextDelta(text), CodeOutput(text)], report)

    json.dumps(verdict.to_dict(), allow_nan=False)


def test_a_local_report_object_is_accepted(worked):
    report = check(make_dataset({"A": A, "B": B}))

    assert verify_events(said("t(18) = -6.71"), report).variant == "student_t"


def test_reported_value_describes_itself():
    value = ReportedValue(0.0004, "0.0004", 1, 1e-4, "=", "text", "p")

    assert value.describe() == "p = 0.0004 (text)"
    assert value.shown == "0.0004"
    assert value.negated().value == -0.0004


def test_split_variant():
    assert split_variant("welch_t") == ("welch_t", "two-sided")
    assert split_variant("paired_t (one-sided: greater)") == ("paired_t", "greater")
    assert split_variant(None) == (None, "two-sided")


@pytest.mark.parametrize(
    "figures",
    [
        {"test": "shapiro", "statistic": 0.97, "p_value": 0.86},
        {"test": 42, "statistic": "n/a", "p_value": float("nan"), "df": float("inf")},
        {"test": "welch_t", "statistic": [1, 2], "ci_low": {"a": 1}, "alternative": 3},
        {"test": "kruskal_wallis", "statistic": 7.99, "df": 2},  # not a test of two groups
        {"effect_size_name": "r", "effect_size": 0.8, "statistic": -6.71},
    ],
)
def test_odd_structured_figures_never_raise(worked, figures):
    verdict = verify_events([Reported(figures)], worked)

    json.dumps(verdict.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "groups",
    [
        {"A": [1.0, 1.0, 1.0], "B": [2.0, 2.0, 2.0]},  # zero variance
        {"A": [1.0], "B": [2.0, 3.0]},  # a single value
        {"A": [1.0, 2.0], "B": [1.0, 2.0], "C": [5.0]},
    ],
)
def test_degenerate_local_reports_never_raise(groups):
    report = check(make_dataset(groups)).to_dict()
    text = "Welch's t-test: t(3.2) = -1.5, p = 0.2, d = 0.4; F(2, 2) = 1.1, p = 0.45; U = 3"

    verdict = verify_events(said(text), report)

    json.dumps(verdict.to_dict(), allow_nan=False)


def test_an_empty_local_report_never_raises():
    verdict = verify_events(said("t(18) = -6.71, p = 2.73e-6"), {})

    assert verdict.variant is None


def test_figures_that_fit_two_tests_equally_say_so(worked):
    verdict = verify_events(said("A t-test gave t = -6.71."), worked)

    assert verdict.variant == "welch_t"  # the recommended one, when nothing tells them apart
    assert "fit Welch's t-test and Student's t-test equally well" in entry(verdict, "test")["note"]


def test_results_of_several_tests_check_the_recommended_one(worked):
    text = (
        "| Test | t | df | p-value |\n|---|---|---|---|\n"
        "| Student's t-test | -6.71 | 18 | 2.73e-06 |\n"
        "| Welch's t-test | -6.71 | 14.78 | 7.56e-06 |\n"
    )

    verdict = verify_events(said(text), worked)

    assert verdict.variant == "welch_t"
    assert set(statuses(verdict).values()) == {"match", "not_reported"}
    assert "several tests" in entry(verdict, "test")["note"]
    assert verdict.unsupported == []


def test_a_rank_test_of_paired_data_as_independent_cannot_be_checked(sleep):
    verdict = verify_events(said("Mann-Whitney U = 31, p = 0.07"), sleep)

    assert verdict.variant == "mann_whitney_u"
    note = entry(verdict, "test")["note"]
    assert "The data are paired" in note
    assert "no figures of the Mann-Whitney U test" in note


def test_the_wilcoxon_statistic_may_be_either_rank_sum(sleep):
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE): V = 0, p-value = 0.009091
    for text in ("Wilcoxon signed-rank test: V = 0, p = 0.0091", "Wilcoxon: W = 45, p = .009"):
        verdict = verify_events(said(text), sleep)

        assert verdict.variant == "wilcoxon_signed_rank"
        assert entry(verdict, "statistic")["status"] == "match"
        assert entry(verdict, "p_value")["status"] == "match"


def test_separate_code_outputs_do_not_share_a_heading(worked):
    events = [
        CodeOutput("Levene's test\nstat: 1.37, p: 0.257"),
        CodeOutput("p-value: 7.557e-06"),  # not Levene's: another cell printed it
    ]

    verdict = verify_events(events, worked)

    assert verdict.variant == "welch_t"
    assert entry(verdict, "p_value")["status"] == "match"


FULL_CODE = """import numpy as np
from scipy import stats
print(f"Mean A: {a.mean():.2f}, SD A: {a.std(ddof=1):.2f}")
print(f"Mean B: {b.mean():.2f}, SD B: {b.std(ddof=1):.2f}")
print("Shapiro A:", stats.shapiro(a))
print("Shapiro B:", stats.shapiro(b))
print("Levene:", stats.levene(a, b))
res = stats.ttest_ind(a, b, equal_var=False)  # Welch
print(res)
ci = res.confidence_interval()
print(f"95% CI: ({ci.low:.2f}, {ci.high:.2f})")
d = (a.mean() - b.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
print(f"Cohen's d: {d:.3f}")
"""
FULL_OUTPUT = (
    "Mean A: 40.03, SD A: 2.99\nMean B: 52.30, SD B: 4.95\n"
    "Shapiro A: ShapiroResult(statistic=np.float64(0.9666528188963999), "
    "pvalue=np.float64(0.8581959144602633))\n"
    "Shapiro B: ShapiroResult(statistic=np.float64(0.9487964768231109), "
    "pvalue=np.float64(0.6542820278847024))\n"
    "Levene: LeveneResult(statistic=np.float64(1.3696045797059007), "
    "pvalue=np.float64(0.2571419178057955))\n"
    "TtestResult(statistic=np.float64(-6.708257401685039), "
    "pvalue=np.float64(7.557300361309793e-06), df=np.float64(14.780073757484757))\n"
    "95% CI: (-16.17, -8.37)\nCohen's d: -3.000\n"
)
FULL_TEXT = """## Analysis

I compared the two groups (n = 10 each; collected in 2023) at α = 0.05.

**Descriptives.** Group A: M = 40.03, SD = 2.99; Group B: M = 52.30, SD = 4.95. Group B \
scored about 31% higher.

**Assumptions.** Shapiro-Wilk tests did not indicate non-normality (A: W = 0.967, p = 0.858; \
B: W = 0.949, p = 0.654), and Levene's test found no evidence of unequal variances \
(F = 1.37, p = .257). I nevertheless used Welch's t-test, which does not assume equal variances.

**Result.** Welch's t-test: $t(14.78) = -6.71$, $p = 7.56 \\times 10^{-6}$ (two-sided). The \
mean difference (A − B) was −12.27 points, 95% CI [−16.17, −8.37]. The effect is very large \
(Cohen's d = −3.00); with this effect size the post-hoc power is essentially 1.

**Conclusion.** Group B scores significantly higher than group A (p < .001).
"""


def test_a_complete_correct_answer_verifies_without_flags(worked):
    events = [CodeDone(FULL_CODE), CodeOutput(FULL_OUTPUT), *said(FULL_TEXT)]

    verdict = verify_events(events, worked)

    assert verdict.variant == "welch_t"
    assert set(statuses(verdict).values()) == {"match"}
    assert [f["name"] for f in verdict.figures] == [
        "test",
        "statistic",
        "df",
        "p_value",
        "ci_low",
        "ci_high",
        "mean_difference",
        "effect_size",
    ]
    assert verdict.unsupported == []


def test_a_complete_answer_with_a_misquoted_figure_is_flagged(worked):
    text = FULL_TEXT.replace("SD = 4.95", "SD = 4.59").replace("$t(14.78)", "$t(18)")
    events = [CodeDone(FULL_CODE), CodeOutput(FULL_OUTPUT), *said(text)]

    verdict = verify_events(events, worked)

    assert set(statuses(verdict).values()) == {"match"}  # the code output is right
    assert "the narrative says 18" in entry(verdict, "df")["note"]
    assert verdict.unsupported == ["SD = 4.59 (text)", "df = 18 (text)"]


def test_docstring_examples():
    import doctest

    from assistant_core import verify

    assert doctest.testmod(verify).failed == 0


@pytest.mark.parametrize(
    ("output", "variant", "fixture"),
    [
        (
            "MannwhitneyuResult(statistic=np.float64(0.0), "
            "pvalue=np.float64(0.00018165114609146497))",
            "mann_whitney_u",
            "worked",
        ),
        ("Ttest_indResult(statistic=-6.708257, pvalue=7.5573e-06)", "welch_t", "worked"),
        (
            "F_onewayResult(statistic=np.float64(4.846087862380138), "
            "pvalue=np.float64(0.01590995832562288))",
            "one_way_anova",
            "plants",
        ),
        ("KruskalResult(statistic=7.9882, pvalue=0.018424)", "kruskal_wallis", "plants"),
        ("WilcoxonResult(statistic=0.0, pvalue=0.00909)", "wilcoxon_signed_rank", "sleep"),
        ("Ttest_relResult(statistic=-4.0621, pvalue=0.002833)", "paired_t", "sleep"),
    ],
)
def test_other_scipy_reprs_are_read(request, output, variant, fixture):
    verdict = verify_events([CodeOutput(output)], request.getfixturevalue(fixture))

    assert verdict.variant == variant
    assert entry(verdict, "statistic")["status"] == "match"
    assert entry(verdict, "p_value")["status"] == "match"


def test_reasoning_summaries_are_never_read_as_reported_figures() -> None:
    from assistant_core.events import ReasoningDelta

    local = check(make_dataset(EXAMPLE)).to_dict()
    verdict = verify_events([ReasoningDelta("Maybe t = 9.99 and p = 0.5?")], local)
    assert not verdict.unsupported
    assert all(f["status"] == "not_reported" for f in verdict.figures if f["name"] != "test")
