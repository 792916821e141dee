"""The data-entry widgets of the analysis page: paste groups, paste a table, or a CSV file.

``render()`` draws the widgets and returns a function that builds the Dataset when asked
(so parsing errors surface only when the person presses the button). Widget values live
in ``st.session_state`` under ``analyse.*`` keys, so an error never discards their input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant_core.errors import DataError
from assistant_core.ui.guard import shown_errors

# assistant_core.data (pandas, numpy) is imported where data are read, not here: the first
# page draws these widgets before there is anything to parse, and so starts faster
if TYPE_CHECKING:
    import pandas as pd

    from assistant_core.data import Dataset

__all__ = ["MODES", "fill_from", "load_example", "render"]

PASTE, TABLE, UPLOAD = "Paste groups", "Paste a table", "Upload a CSV file"
MODES = [PASTE, TABLE, UPLOAD]
MAX_GROUPS = 8
Builder = Callable[[bool], "Dataset"]


def _default_name(i: int) -> str:
    return f"Group {chr(ord('A') + i)}"


def load_example() -> None:
    """Fill the paste areas with the worked example (a button callback, before widgets draw)."""
    from assistant_core.data import EXAMPLE

    state = st.session_state
    state["analyse.mode"] = PASTE
    state["analyse.n_groups"] = len(EXAMPLE)
    for i, (name, values) in enumerate(EXAMPLE.items()):
        state[f"analyse.name.{i}"] = name
        state[f"analyse.values.{i}"] = ", ".join(f"{v:g}" for v in values)
    state["analyse.paired"] = False


def fill_from(dataset: Dataset) -> None:
    """Fill the paste areas with a stored data set (before the widgets are drawn).

    Every value is written with ``repr`` so that parsing it again gives the same floats;
    missing values were dropped when the data set was made, so none are written.
    """
    state = st.session_state
    state["analyse.mode"] = PASTE
    state["analyse.n_groups"] = max(2, min(len(dataset.groups), MAX_GROUPS))
    for i, group in enumerate(dataset.groups[:MAX_GROUPS]):
        state[f"analyse.name.{i}"] = group.name
        state[f"analyse.values.{i}"] = ", ".join(repr(float(v)) for v in group.values)
    state["analyse.paired"] = dataset.paired


def _paste_groups() -> Builder:
    state = st.session_state
    state.setdefault("analyse.n_groups", 2)
    n_groups = int(st.number_input("Number of groups", 2, MAX_GROUPS, key="analyse.n_groups"))
    columns = st.columns(min(n_groups, 4))
    for i in range(n_groups):
        with columns[i % len(columns)]:
            state.setdefault(f"analyse.name.{i}", _default_name(i))
            st.text_input(f"Name of group {i + 1}", key=f"analyse.name.{i}")
            st.text_area(
                f"Values of group {i + 1}",
                key=f"analyse.values.{i}",
                height=140,
                placeholder="45, 42, 39, 41 …  (commas, spaces, tabs, semicolons or new lines)",
            )

    def build(paired: bool) -> Dataset:
        from assistant_core.data import make_dataset, parse_values

        groups: dict[str, list[float | None]] = {}
        for i in range(n_groups):
            name = str(state.get(f"analyse.name.{i}", "")).strip()
            where = f"group {i + 1} ({name!r})" if name else f"group {i + 1}"
            if not name:
                raise DataError(f"Group {i + 1} has no name: give every group a name.")
            parsed = parse_values(str(state.get(f"analyse.values.{i}", "")), where=where)
            if name in groups:
                raise DataError(f"Two groups are both called {name!r}; group names must differ.")
            groups[name] = list(parsed.values)
        return make_dataset(groups, paired=paired, source="paste")

    return build


def _paste_table() -> Builder:
    st.text_area(
        "Paste the groups",
        key="analyse.table",
        height=200,
        placeholder="Treatment A: 45, 42, 39, 41\nTreatment B: 52, 49, 51, 55\n\n"
        "or columns copied from a spreadsheet (header row optional)",
    )

    def build(paired: bool) -> Dataset:
        from assistant_core.data import make_dataset, parse_table

        groups = parse_table(str(st.session_state.get("analyse.table", "")))
        return make_dataset(groups, paired=paired, source="paste")

    return build


def _uploaded_frame() -> pd.DataFrame | None:
    upload = st.file_uploader("CSV file", type=["csv", "tsv", "txt"], key="analyse.csv")
    state = st.session_state
    if upload is None:
        state.pop("analyse.frame", None)
        return None
    cached = state.get("analyse.frame")
    if cached is not None and cached[0] == upload.file_id:
        return cached[1]
    frame = None
    with shown_errors("reading the CSV file"):
        from assistant_core.data import read_csv

        frame = read_csv(upload.getvalue())
        state["analyse.frame"] = (upload.file_id, frame)
    return frame


def _upload() -> Builder | None:
    frame = _uploaded_frame()
    if frame is None:
        return None
    from assistant_core.data import dataset_from_frame, guess_layout

    st.caption(f"{len(frame):,} rows, {len(frame.columns)} columns")
    st.dataframe(frame.head(5), hide_index=True)
    guess = guess_layout(frame)
    names = [str(c) for c in frame.columns]
    layout = st.radio(
        "Layout",
        ["long", "wide"],
        index=0 if guess["layout"] == "long" else 1,
        format_func={
            "long": "Long: a column naming the group and a column of values",
            "wide": "Wide: one column per group",
        }.get,
        key="analyse.layout",
        horizontal=True,
    )
    if layout == "long":
        left, right = st.columns(2)
        group_col = left.selectbox(
            "Group column", names, index=_index(names, guess.get("group_col")), key="analyse.gcol"
        )
        value_col = right.selectbox(
            "Value column",
            names,
            index=_index(names, guess.get("value_col"), 1),
            key="analyse.vcol",
        )

        def build_long(paired: bool) -> Dataset:
            return dataset_from_frame(
                frame, group_col=group_col, value_col=value_col, paired=paired, source="csv"
            )

        return build_long
    default = [c for c in guess.get("columns") or [] if c in names] or names[:2]
    chosen = st.multiselect("Columns to compare", names, default=default, key="analyse.cols")

    def build_wide(paired: bool) -> Dataset:
        return dataset_from_frame(frame, columns=list(chosen), paired=paired, source="csv")

    return build_wide


def _index(names: list[str], wanted: Any, fallback: int = 0) -> int:
    if wanted in names:
        return names.index(wanted)
    return min(fallback, len(names) - 1)


# Widget keys whose values must survive while their widget is not drawn (another input mode
# is showing): Streamlit forgets the state of a widget that a run does not draw.
_KEPT = ("analyse.name.", "analyse.values.", "analyse.table", "analyse.n_groups", "analyse.mode")


def keep_entered_values() -> None:
    """Re-assign kept widget values so Streamlit does not drop what the person typed."""
    state = st.session_state
    for key in list(state.keys()):
        if isinstance(key, str) and key.startswith(_KEPT):
            state[key] = state[key]


def render() -> Builder | None:
    """Draw the data-entry widgets; return the Dataset builder, or None until there is data."""
    keep_entered_values()
    mode = st.radio(
        "Data", MODES, key="analyse.mode", horizontal=True, label_visibility="collapsed"
    )
    if mode == PASTE:
        return _paste_groups()
    if mode == TABLE:
        return _paste_table()
    return _upload()
