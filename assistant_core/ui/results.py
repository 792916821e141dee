"""Rendering a local report: the summary card, charts and tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assistant_core.charts import difference_figure, groups_figure
from assistant_core.data import Dataset
from assistant_core.reporting import TEST_NAMES, format_p, report_line, table_rows
from assistant_core.ui.text import md_escape

__all__ = ["render_details", "render_summary"]

_NUMBER = st.column_config.NumberColumn(format="%.4g")


def render_summary(report: dict[str, Any]) -> None:
    """The summary card: the recommended test as a person would report it, and warnings."""
    key = report["recommended"]
    with st.container(border=True):
        st.caption("Recommended test")
        st.subheader(TEST_NAMES.get(key, key))
        st.markdown(f"**{md_escape(report_line(report))}**")
        for reason in report.get("reasons", []):
            st.markdown(f"- {md_escape(reason)}")
    if report["warnings"]:
        st.warning("\n".join(f"- {md_escape(w)}" for w in report["warnings"]), icon="⚠️")


def _tests_table(report: dict[str, Any]) -> None:
    frame = pd.DataFrame(table_rows(report))
    frame["p"] = [format_p(p).removeprefix("p ") for p in frame["p_value"]]
    st.dataframe(
        frame[["test", "statistic", "df", "p_value", "p", "difference", "ci_low", "ci_high"]],
        hide_index=True,
        column_config={
            "statistic": _NUMBER,
            "p_value": st.column_config.NumberColumn("p value", format="%.4g"),
            "p": st.column_config.TextColumn("p (APA)"),
            "difference": _NUMBER,
            "ci_low": st.column_config.NumberColumn("CI low", format="%.4g"),
            "ci_high": st.column_config.NumberColumn("CI high", format="%.4g"),
        },
    )
    effects = report.get("effect_sizes") or {}
    if effects:
        st.markdown("**Effect sizes**")
        rows = []
        for name in [k for k in effects if not k.endswith(("_ci_low", "_ci_high"))]:
            rows.append(
                {
                    "effect size": name,
                    "value": effects[name],
                    "CI low": effects.get(f"{name}_ci_low"),
                    "CI high": effects.get(f"{name}_ci_high"),
                }
            )
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            column_config={c: _NUMBER for c in ("value", "CI low", "CI high")},
        )
    post_hoc = report["tests"].get("post_hoc")
    if post_hoc:
        st.markdown("**Tukey HSD (every pair)**")
        st.dataframe(
            pd.DataFrame(post_hoc),
            hide_index=True,
            column_config={c: _NUMBER for c in ("mean_difference", "p_value", "ci_low", "ci_high")},
        )


def _assumptions(report: dict[str, Any]) -> None:
    shapiro = report["tests"].get("shapiro_wilk") or {}
    rows = [
        {"check": f"Shapiro-Wilk normality: {name}", "statistic": r["statistic"], "p": r["p_value"]}
        for name, r in shapiro.items()
    ]
    levene = report["tests"].get("levene")
    if levene:
        rows.append(
            {
                "check": "Levene equal variances (median)",
                "statistic": levene["statistic"],
                "p": levene["p_value"],
            }
        )
    frame = pd.DataFrame(rows, columns=["check", "statistic", "p"])
    st.dataframe(frame, hide_index=True, column_config={"statistic": _NUMBER, "p": _NUMBER})
    st.caption(
        f"A p value below alpha = {report['alpha']:g} is evidence against the assumption. "
        "With large samples these checks flag tiny departures; look at the charts too."
    )


def _descriptives(report: dict[str, Any]) -> None:
    st.dataframe(
        pd.DataFrame(report["groups"]),
        hide_index=True,
        column_config={c: _NUMBER for c in ("mean", "sd", "sem", "median", "min", "max")},
    )


def render_details(dataset: Dataset, report: dict[str, Any]) -> None:
    """The two charts, then every table in tabs."""
    left, right = st.columns(2)
    left.plotly_chart(groups_figure(dataset, report), key="analyse.chart.groups")
    right.plotly_chart(difference_figure(report), key="analyse.chart.difference")
    tests, assumptions, descriptives = st.tabs(["All tests", "Assumptions", "Descriptives"])
    with tests:
        _tests_table(report)
    with assumptions:
        _assumptions(report)
    with descriptives:
        _descriptives(report)
