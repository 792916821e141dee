"""Wording of results: p values, degrees of freedom, the reporting-style line, escaping."""

from __future__ import annotations

import pytest

from assistant_core.reporting import format_df, format_number, format_p, report_line
from assistant_core.ui.text import md_escape


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.07939, "p = .079"),
        (0.0004, "p < .001"),
        (0.001, "p = .001"),
        (1.0, "p = 1.000"),
        (None, "p = n/a"),
        (float("nan"), "p = n/a"),
    ],
)
def test_format_p(p, text):
    assert format_p(p) == text


def test_format_df_and_number():
    assert format_df(18.0) == "18"
    assert format_df(17.776) == "17.78"
    assert format_df(None) == "n/a"
    assert format_number(-6.7138) == "-6.71"
    assert format_number(1.5e-5) == "1.50e-05"
    assert format_number(None) == "n/a"


def _report(key, test, effects=None, alpha=0.05):
    return {"recommended": key, "alpha": alpha, "tests": {key: test}, "effect_sizes": effects or {}}


def test_report_line_t_tests_and_one_sided_interval():
    line = report_line(
        _report(
            "welch_t",
            {
                "statistic": -1.8608,
                "df": 17.776,
                "p_value": 0.07939,
                "ci_low": -3.3654832,
                "ci_high": 0.2054832,
                "mean_difference": -1.58,
            },
            {"cohens_d": -0.832},
        )
    )
    assert (
        line
        == "Welch's t(17.78) = -1.86, p = .079, d = -0.83, 95% CI of the difference [-3.37, 0.21]"
    )
    one_sided = report_line(
        _report(
            "paired_t",
            {
                "statistic": -4.06,
                "df": 9,
                "p_value": 0.0014,
                "ci_low": None,
                "ci_high": -0.87,
                "mean_difference": -1.58,
            },
            {"cohens_dz": -1.28},
            alpha=0.1,
        )
    )
    assert (
        one_sided
        == "Paired t(9) = -4.06, p = .001, d_z = -1.28, 90% CI of the difference [-inf, -0.87]"
    )


def test_report_line_other_tests():
    anova = _report(
        "welch_anova",
        {"statistic": 5.181, "df_between": 2, "df_within": 17.128, "p_value": 0.01739},
    )
    assert report_line(anova) == "Welch's F(2, 17.13) = 5.18, p = .017"
    kw = _report("kruskal_wallis", {"statistic": 7.9882, "df": 2, "p_value": 0.01842})
    assert report_line(kw) == "Kruskal-Wallis H(2) = 7.99, p = .018"
    mw = _report("mann_whitney_u", {"statistic": 35.0, "p_value": 0.1272})
    assert report_line(mw) == "Mann-Whitney U = 35.0, p = .127"


def test_md_escape_keeps_links_and_images_as_text():
    assert md_escape(
        "![x](http://evil.example/a.png)"
    ) == r"\!\[x\]\(http\:\/\/evil\.example\/a\.png\)".replace(r"\/", "/")
    assert md_escape("**bold** <b>") == r"\*\*bold\*\* \<b\>"
