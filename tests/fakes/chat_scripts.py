"""A scripted chat model's Welch analysis of the worked example, for backend and page tests."""

from __future__ import annotations

from typing import Any

from assistant_core.stats import check
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import chat_stream

__all__ = ["WELCH_CODE", "WELCH_TEXT", "script_welch", "welch_figures"]

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


def welch_figures(dataset) -> dict[str, Any]:
    """What the scripted model reports: the figures its code computed (Welch, A minus B)."""
    local = check(dataset).to_dict()
    welch = local["tests"]["welch_t"]
    return {
        "test": "welch_t",
        "alternative": "two-sided",
        "statistic": welch["statistic"],
        "df": welch["df"],
        "df_between": None,
        "df_within": None,
        "p_value": welch["p_value"],
        "ci_low": welch["ci_low"],
        "ci_high": welch["ci_high"],
        "ci_level": 0.95,
        "mean_difference": welch["mean_difference"],
        "effect_size_name": "cohens_d",
        "effect_size": local["effect_sizes"]["cohens_d"],
    }


def script_welch(fake: FakeOpenAI, dataset, **stream_kw: Any) -> None:
    """Three rounds: plan + code; report_results; the closing text."""
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
            tool_calls=[{"name": "report_results", "arguments": welch_figures(dataset)}],
            completion_id="chatcmpl-two",
        )
    )
    fake.script_chat(chat_stream(WELCH_TEXT, completion_id="chatcmpl-three"))
