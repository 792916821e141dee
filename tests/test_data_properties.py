"""Property tests of the input module: any input either parses or raises DataError."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant_core.data import (
    DataError,
    Dataset,
    ParsedValues,
    dataset_from_frame,
    parse_table,
    parse_values,
    read_csv,
)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what people paste: numbers, separators, brackets, labels, NA markers.
PIECES = st.sampled_from(
    [
        "1",
        "-2.5",
        "3,5",
        "1e-3",
        "+4",
        ".5",
        "NA",
        "nan",
        "-",
        "null",
        "inf",
        "x",
        "A",
        "Treatment A",
        ":",
        "=",
        ",",
        ";",
        " ",
        "\t",
        "\n",
        "\r\n",
        "[",
        "]",
        "(",
        ")",
        '"',
        "'",
        "−",
        "\u00a0",
        "1e999",
    ]
)
PASTED = st.one_of(st.text(), st.lists(PIECES, max_size=30).map("".join))
FINITE = st.floats(allow_nan=False, allow_infinity=False)


@FAST
@given(PASTED)
def test_parse_values_returns_or_raises_data_error(text: str) -> None:
    try:
        parsed = parse_values(text, "Group A")
    except DataError as exc:
        assert str(exc)
        return
    assert isinstance(parsed, ParsedValues)
    assert parsed.values
    for value in parsed.values:
        assert value is None or (isinstance(value, float) and math.isfinite(value))


@FAST
@given(PASTED)
def test_parse_table_returns_or_raises_data_error(text: str) -> None:
    try:
        groups = parse_table(text)
    except DataError as exc:
        assert str(exc)
        return
    assert len(groups) >= 2
    for name, values in groups.items():
        assert isinstance(name, str)
        assert name
        for value in values:
            assert value is None or (isinstance(value, float) and math.isfinite(value))


@FAST
@given(st.lists(FINITE, min_size=1, max_size=30))
def test_repr_joined_by_commas_round_trips(values: list[float]) -> None:
    parsed = parse_values(", ".join(repr(v) for v in values))
    assert parsed.values == tuple(values)


@FAST
@given(st.lists(FINITE, min_size=2, max_size=30))
def test_decimal_commas_joined_by_semicolons_round_trip(values: list[float]) -> None:
    # A single "3,5" is two values (comma as separator): the round trip needs a ";".
    text = "; ".join(repr(v).replace(".", ",") for v in values)
    assert parse_values(text).values == tuple(values)


@FAST
@given(st.lists(FINITE, min_size=1, max_size=30), st.sampled_from(["\n", "\t", " ", ";"]))
def test_other_separators_round_trip(values: list[float], separator: str) -> None:
    assert parse_values(separator.join(repr(v) for v in values)).values == tuple(values)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """Bytes that are often CSV-like: a delimiter, rows of cells, sometimes a BOM."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    cell = st.one_of(PIECES, st.text(max_size=6), FINITE.map(repr))
    rows = draw(st.lists(st.lists(cell, min_size=1, max_size=4), min_size=1, max_size=8))
    text = "\n".join(delimiter.join(row) for row in rows)
    encoded = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        encoded = b"\xef\xbb\xbf" + encoded
    return encoded


@FAST
@given(st.one_of(st.binary(max_size=300), csv_bytes()))
def test_read_csv_and_dataset_return_or_raise_data_error(content: bytes) -> None:
    try:
        frame = read_csv(content)
    except DataError as exc:
        assert str(exc)
        return
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape[1] >= 1
    try:
        dataset = dataset_from_frame(frame)
    except DataError as exc:
        assert str(exc)
        return
    assert isinstance(dataset, Dataset)
    assert len(dataset.groups) >= 2
    for group in dataset.groups:
        assert isinstance(group.values, np.ndarray)
        assert group.values.dtype == np.float64
        assert not group.values.flags.writeable
        assert np.isfinite(group.values).all()


LABELS = st.sampled_from(["A", "B", " A", "B ", "Treatment A", "Ünïcødé", "a long label, 21 B", ""])


@st.composite
def long_frames(draw: st.DrawFn) -> tuple[list[str], list[float], int]:
    """Group labels, values and a number of Arrow chunks for a long frame."""
    labels = draw(st.lists(LABELS, min_size=1, max_size=60))
    values = draw(st.lists(FINITE, min_size=len(labels), max_size=len(labels)))
    return labels, values, draw(st.integers(1, 4))


@FAST
@given(long_frames(), st.data())
def test_long_frame_groups_match_a_plain_loop(case: tuple, data: st.DataObject) -> None:
    labels, values, chunks = case
    whole = pa.array(labels, pa.large_string())
    step = -(-len(labels) // chunks)
    pieces = [whole.slice(start, step) for start in range(0, len(labels), step)]
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(pieces, whole.type)))
    if data.draw(st.booleans()):
        column = column.astype(object)  # the slow, general path must agree
    frame = pd.DataFrame({"g": column, "v": values})
    expected: dict[str, list[float]] = {}
    for label, value in zip(labels, values, strict=True):
        expected.setdefault(label.strip(), []).append(value)
    try:
        dataset = dataset_from_frame(frame, group_col="g", value_col="v")
    except DataError as exc:
        empty = next((row for row, label in enumerate(labels) if not label.strip()), None)
        if empty is not None:
            assert str(exc) == f'Row {empty + 2}: the group (column "g") is empty.'
        else:
            assert len(expected) < 2
        return
    assert dataset.names == list(expected)
    assert {g.name: g.values.tolist() for g in dataset.groups} == expected
    assert all(g.missing == 0 for g in dataset.groups)
