"""Plain-text wording of a local report: the reporting-style line and display tables.

No Streamlit here: the page, the command line and (later) exports all word results the
same way through these functions. They take the JSON form of a report (``to_dict()``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "STAT_LABELS",
    "TEST_NAMES",
    "format_df",
    "format_number",
    "format_p",
    "report_line",
    "table_rows",
    "usage_line",
    "variant_name",
    "wrap_items",
]

TEST_NAMES: dict[str, str] = {
    "student_t": "Student's t-test",
    "welch_t": "Welch's t-test",
    "paired_t": "Paired t-test",
    "mann_whitney_u": "Mann-Whitney U",
    "wilcoxon_signed_rank": "Wilcoxon signed-rank",
    "one_way_anova": "One-way ANOVA",
    "welch_anova": "Welch's ANOVA",
    "kruskal_wallis": "Kruskal-Wallis",
    "levene": "Levene (median)",
}

#: the statistic's symbol as a result line names it ("Welch's t(14.78) = ...")
STAT_LABELS: dict[str, str] = {
    "student_t": "Student's t",
    "welch_t": "Welch's t",
    "paired_t": "Paired t",
    "mann_whitney_u": "Mann-Whitney U",
    "wilcoxon_signed_rank": "Wilcoxon signed-rank V",
    "one_way_anova": "F",
    "welch_anova": "Welch's F",
    "kruskal_wallis": "Kruskal-Wallis H",
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_number(value: float | None, digits: int = 2) -> str:
    """``-6.7138`` -> ``-6.71``; tiny or huge magnitudes in scientific notation; None -> ``n/a``."""
    if _missing(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 10 ** (-digits) or magnitude >= 1e7):
        return f"{value:.{max(digits, 1)}e}"
    return f"{value:.{digits}f}"


def format_df(df: float | None) -> str:
    """Whole degrees of freedom as integers, fractional (Welch) ones to two decimals."""
    if _missing(df):
        return "n/a"
    return str(round(df)) if abs(df - round(df)) < 1e-9 else f"{df:.2f}"


def format_p(p: float | None) -> str:
    """APA style: ``p < .001``, else ``p = .023`` (no leading zero)."""
    if _missing(p):
        return "p = n/a"
    if p < 0.001:
        return "p < .001"
    text = f"{p:.3f}"
    return "p = " + (text[1:] if text.startswith("0") else text)


def report_line(report: dict[str, Any], key: str | None = None) -> str:
    """The result of one test (the recommended one by default) as a person would report it.

    >>> report_line({"recommended": "welch_t", "alpha": 0.05, "tests": {"welch_t": {
    ...     "statistic": -6.7138, "df": 14.78, "p_value": 2e-6, "ci_low": -15.1,
    ...     "ci_high": -8.3, "mean_difference": -11.7}}, "effect_sizes": {"cohens_d": -3.0}})
    "Welch's t(14.78) = -6.71, p < .001, d = -3.00, 95% CI of the difference [-15.10, -8.30]"
    """
    key = key or report["recommended"]
    test = report["tests"].get(key) or {}
    effects = report.get("effect_sizes") or {}
    label = STAT_LABELS.get(key, TEST_NAMES.get(key, key))
    stat = format_number(test.get("statistic"))
    p = format_p(test.get("p_value"))
    if key in ("student_t", "welch_t", "paired_t"):
        parts = [f"{label}({format_df(test.get('df'))}) = {stat}", p]
        d_key, d_label = ("cohens_dz", "d_z") if key == "paired_t" else ("cohens_d", "d")
        if not _missing(effects.get(d_key)):
            parts.append(f"{d_label} = {format_number(effects[d_key])}")
        level = round((1 - report.get("alpha", 0.05)) * 100, 1)
        level_text = f"{level:g}%"
        low, high = test.get("ci_low"), test.get("ci_high")
        if not (_missing(low) and _missing(high)):
            low_text = "-inf" if _missing(low) else format_number(low)
            high_text = "inf" if _missing(high) else format_number(high)
            parts.append(f"{level_text} CI of the difference [{low_text}, {high_text}]")
        return ", ".join(parts)
    if key in ("one_way_anova", "welch_anova"):
        dfs = f"{format_df(test.get('df_between'))}, {format_df(test.get('df_within'))}"
        parts = [f"{label}({dfs}) = {stat}", p]
        if key == "one_way_anova" and not _missing(effects.get("eta_squared")):
            parts.append(f"η² = {format_number(effects['eta_squared'])}")
        return ", ".join(parts)
    if key == "kruskal_wallis":
        return f"{label}({format_df(test.get('df'))}) = {stat}, {p}"
    return f"{label} = {format_number(test.get('statistic'), 1)}, {p}"


def table_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per test of the report for a table: name, statistic, df, p, CI, recommended."""
    rows: list[dict[str, Any]] = []
    for key, test in report["tests"].items():
        if key in ("shapiro_wilk", "post_hoc") or not isinstance(test, dict):
            continue
        if "df_between" in test:
            df = f"{format_df(test.get('df_between'))}, {format_df(test.get('df_within'))}"
        else:
            df = format_df(test.get("df")) if "df" in test else ""
        rows.append(
            {
                "test": TEST_NAMES.get(key, key),
                "statistic": test.get("statistic"),
                "df": df,
                "p_value": test.get("p_value"),
                "difference": test.get("mean_difference"),
                "ci_low": test.get("ci_low"),
                "ci_high": test.get("ci_high"),
                "recommended": key == report.get("recommended"),
            }
        )
    return rows


def variant_name(variant: str) -> str:
    """A verdict's variant in words: ``welch_t (one-sided: less)`` -> ``Welch's t-test (...)``."""
    key, sep, rest = variant.partition(" ")
    return TEST_NAMES.get(key, key) + sep + rest


def usage_line(usage: dict[str, Any]) -> str:
    """A run's token usage: ``Tokens: 1,234 in, 567 out (about $0.0123)``."""
    text = f"Tokens: {usage.get('input_tokens', 0):,} in, {usage.get('output_tokens', 0):,} out"
    if usage.get("cost_usd") is not None:
        text += f" (about ${usage['cost_usd']:.4f})"
    return text


def wrap_items(
    items: Sequence[str], opening: str, closing: str, *, indent: int = 0, width: int = 88
) -> str:
    """``opening item, item, ... closing`` on one line, or wrapped over lines of at most
    ``width`` (for data written into code: the built-in analyst's and the reports')."""
    one_line = opening + ", ".join(items) + closing
    if indent + len(one_line) <= width:
        return one_line
    pad = " " * (indent + 4)
    lines: list[str] = []
    line = ""
    for item in items:
        piece = item + ","
        if line and len(pad) + len(line) + 1 + len(piece) > width:
            lines.append(pad + line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    lines.append(pad + line.rstrip(","))
    return opening + "\n" + "\n".join(lines) + "\n" + " " * indent + closing
