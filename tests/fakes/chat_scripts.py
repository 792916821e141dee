"""A scripted chat model's Welch analysis of the worked example, for backend and page tests."""

from __future__ import annotations

from typing import Any

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import chat_stream

__all__ = [
    "WELCH_CODE",
    "WELCH_FIGURES",
    "WELCH_TEXT",
    "WRONG_P_FIGURES",
    "WRONG_P_TEXT",
    "script_welch",
]

WELCH_CODE = (
    "from scipy import stats\n"
    "a, b = groups[names[0]], groups[names[1]]\n"
    "res = stats.ttest_ind(a, b, equal_var=False)\n"
    "ci = res.confidence_interval(confidence_level=1 - alpha)\n"
    "d = (a.mean() - b.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)\n"
    'print(f"Welch t = {res.statistic:.4f}, df = {res.df:.3f}, p = {res.pvalue:.4g}")\n'
    'print(f"95% CI [{ci.low:.3f}, {ci.high:.3f}], d = {d:.3f}")\n'
    "print(df.groupby('group')['value'].agg(['count', 'mean']))\n"
)
WELCH_TEXT = (
    "I used Welch's t-test because the variances may differ. The treatments differ clearly: "
    "recovery under Treatment A is shorter than under Treatment B."
)


# What the scripted model reports for the worked example: fixed numbers, written as a model
# writes them (R: t.test(A, B) -> t = -6.7083, df = 14.78, p-value = 7.557e-06, 95 percent CI
# -16.174 -8.366, mean difference -12.27; Cohen's d with the average variance, -3.00). They are
# not computed here with the code the verdict compares against, so a wrong one is caught.
WELCH_FIGURES: dict[str, Any] = {
    "test": "welch_t",
    "alternative": "two-sided",
    "statistic": -6.7083,
    "df": 14.78,
    "df_between": None,
    "df_within": None,
    "p_value": 7.557e-06,
    "ci_low": -16.174,
    "ci_high": -8.366,
    "ci_level": 0.95,
    "mean_difference": -12.27,
    "effect_size_name": "cohens_d",
    "effect_size": -3.0,
}
# A model that got the p wrong in what it reports and in what it writes (a seeded error).
WRONG_P_FIGURES: dict[str, Any] = WELCH_FIGURES | {"p_value": 0.0312}
WRONG_P_TEXT = (
    "I used Welch's t-test because the variances may differ. The difference is statistically "
    "significant (p = 0.0312)."
)


def script_welch(
    fake: FakeOpenAI,
    *,
    figures: dict[str, Any] = WELCH_FIGURES,
    text: str = WELCH_TEXT,
    **stream_kw: Any,
) -> None:
    """Three rounds: plan + code; report_results (``figures``); the closing ``text``."""
    fake.script_chat(
        chat_stream(
            "I will compare the groups with Welch's t-test.",
            tool_calls=[{"name": "run_python", "arguments": {"code": WELCH_CODE}}],
            completion_id="chatcmpl-one",
            **stream_kw,
        )
    )
    fake.script_chat(
        chat_stream(
            None,
            tool_calls=[{"name": "report_results", "arguments": figures}],
            completion_id="chatcmpl-two",
        )
    )
    fake.script_chat(chat_stream(text, completion_id="chatcmpl-three"))
