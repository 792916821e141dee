"""Plotly figures of a data set and its local report."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from scipy import stats as sps

from assistant_core.data import Dataset
from assistant_core.reporting import TEST_NAMES

__all__ = ["difference_figure", "groups_figure"]

# Beyond this many points per group, a strip of every point costs the browser more than it
# tells the reader: the box then shows only its outliers.
MAX_POINTS_SHOWN = 2000
_COLOURS = ["#2f6db5", "#d9822b", "#3a9a5b", "#b8435d", "#7d5ba6", "#8c6d31", "#4aa3a3", "#666"]


def _mean_ci(summary: dict[str, Any], level: float) -> tuple[float, float, float] | None:
    n, mean, sem = summary.get("n"), summary.get("mean"), summary.get("sem")
    if n is None or n < 2 or mean is None or sem is None:
        return None
    half = float(sps.t.ppf(0.5 + level / 2, n - 1)) * sem
    return mean, mean - half, mean + half


def _box(values: np.ndarray, name: str, colour: str) -> go.Box:
    style = {
        "name": name,
        "marker": {"color": colour, "size": 6, "opacity": 0.7},
        "line": {"color": colour},
        "fillcolor": "rgba(0,0,0,0)",
        "showlegend": False,
    }
    if len(values) <= MAX_POINTS_SHOWN:
        return go.Box(y=values.tolist(), boxpoints="all", jitter=0.35, pointpos=0, **style)
    # Many points: send the five numbers, not a million values, to the browser.
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    iqr = q3 - q1
    inside = values[(values >= q1 - 1.5 * iqr) & (values <= q3 + 1.5 * iqr)]
    return go.Box(
        x=[name],
        q1=[q1],
        median=[median],
        q3=[q3],
        lowerfence=[inside.min()],
        upperfence=[inside.max()],
        **style,
    )


def groups_figure(dataset: Dataset, report: dict[str, Any]) -> go.Figure:
    """Each group's points with its box, and its mean with a (1 - alpha) t interval."""
    level = 1 - report.get("alpha", 0.05)
    fig = go.Figure()
    for i, (group, summary) in enumerate(zip(dataset.groups, report["groups"], strict=True)):
        colour = _COLOURS[i % len(_COLOURS)]
        fig.add_trace(_box(group.values, group.name, colour))
        ci = _mean_ci(summary, level)
        if ci is not None:
            mean, low, high = ci
            fig.add_trace(
                go.Scatter(
                    x=[group.name],
                    y=[mean],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 12, "color": "black"},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [high - mean],
                        "arrayminus": [mean - low],
                        "thickness": 2,
                        "width": 8,
                    },
                    name=f"mean, {level:.0%} CI",
                    legendgroup="mean",
                    showlegend=i == 0,
                    hovertemplate=f"mean %{{y:.4g}}<br>{level:.0%} CI [{low:.4g}, {high:.4g}]"
                    "<extra></extra>",
                )
            )
    fig.update_layout(
        title="Each group: points, box and mean with its confidence interval",
        yaxis_title="value",
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        height=420,
    )
    return fig


def _bound(value: float | None, infinite: str) -> str:
    return infinite if value is None else f"{value:.4g}"


def difference_figure(report: dict[str, Any]) -> go.Figure:
    """Mean differences with their confidence intervals, against the line of no difference.

    Two groups: one row per t-test (first minus second). Three or more: Tukey HSD pairs.
    """
    level = 1 - report.get("alpha", 0.05)
    rows: list[tuple[str, float, float | None, float | None]] = []
    tests = report["tests"]
    for key in ("welch_t", "student_t", "paired_t"):
        test = tests.get(key)
        if test and test.get("mean_difference") is not None:
            rows.append((TEST_NAMES[key], test["mean_difference"], test["ci_low"], test["ci_high"]))
    for pair in tests.get("post_hoc") or []:
        if pair.get("mean_difference") is not None:
            label = f"{pair['group_a']} − {pair['group_b']}"
            rows.append((label, pair["mean_difference"], pair["ci_low"], pair["ci_high"]))
    fig = go.Figure()
    for label, diff, low, high in rows:
        lo = diff if low is None else low
        hi = diff if high is None else high
        fig.add_trace(
            go.Scatter(
                x=[diff],
                y=[label],
                mode="markers",
                marker={"size": 11, "color": "#2f6db5"},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - diff],
                    "arrayminus": [diff - lo],
                    "thickness": 2,
                    "width": 8,
                },
                showlegend=False,
                hovertemplate=f"{label}<br>difference %{{x:.4g}}<br>{level:.0%} CI "
                f"[{_bound(low, '−∞')}, {_bound(high, '∞')}]<extra></extra>",
            )
        )
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    names = [g["name"] for g in report["groups"]]
    subtitle = f"{names[0]} − {names[1]}" if len(names) == 2 else "pairwise (Tukey HSD)"
    fig.update_layout(
        title=f"Mean difference with {level:.0%} CI: {subtitle}",
        xaxis_title="difference in means",
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=max(220, 90 + 60 * len(rows)),
    )
    return fig
