"""Tests of the input module: pasted text, CSV files and frames become a Dataset."""

from __future__ import annotations

import math
import re
import statistics

import numpy as np
import pandas as pd
import pytest

from assistant_core import data
from assistant_core.data import (
    EXAMPLE,
    DataError,
    Dataset,
    Group,
    ParsedValues,
    dataset_from_frame,
    guess_layout,
    make_dataset,
    parse_table,
    parse_values,
    read_csv,
)


def test_all_is_complete() -> None:
    public = {
        name
        for name, value in vars(data).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "assistant_core.data") == "assistant_core.data"
        and (callable(value) or name.isupper())
    }
    public |= {"DataError"}
    assert public - {"Design"} <= set(data.__all__)
    for name in data.__all__:
        assert hasattr(data, name)


# --------------------------------------------------------------------------------------
# parse_values: formats


@pytest.mark.parametrize(
    ("text", "label", "values"),
    [
        ("45, 42, 39", None, (45.0, 42.0, 39.0)),
        ("45 42 39", None, (45.0, 42.0, 39.0)),
        ("45\t42\t39", None, (45.0, 42.0, 39.0)),
        ("45;42;39", None, (45.0, 42.0, 39.0)),
        ("45\n42\n39\n", None, (45.0, 42.0, 39.0)),
        ("45\r\n42\r\n39", None, (45.0, 42.0, 39.0)),
        ("  45,42  ,   39  ", None, (45.0, 42.0, 39.0)),
        ("[45, 42, 39]", None, (45.0, 42.0, 39.0)),
        ("(45, 42, 39)", None, (45.0, 42.0, 39.0)),
        ("[45,\n 42,\n 39]", None, (45.0, 42.0, 39.0)),
        ("Treatment A: [45, 42, 39]", "Treatment A", (45.0, 42.0, 39.0)),
        ("B = 52 49 51", "B", (52.0, 49.0, 51.0)),
        ("B=52,49,51", "B", (52.0, 49.0, 51.0)),
        ('"Drug (10 mg)": 1 2', "Drug (10 mg)", (1.0, 2.0)),
        ("-1, +2, -0.5, .5, 5.", None, (-1.0, 2.0, -0.5, 0.5, 5.0)),
        ("1e-3 2.5E+4 -3e2 1E5", None, (0.001, 25000.0, -300.0, 100000.0)),
        ("\u22123 \u22121.5", None, (-3.0, -1.5)),  # the minus sign of word processors
        ("1, 2, 3,", None, (1.0, 2.0, 3.0)),  # a trailing comma ends the list
        ("1, 2, 3,\n4, 5", None, (1.0, 2.0, 3.0, 4.0, 5.0)),
        ("45,42,39\n41,38", None, (45.0, 42.0, 39.0, 41.0, 38.0)),
        ("'1', '2'", None, (1.0, 2.0)),
        ("1 2\n\n3 4", None, (1.0, 2.0, 3.0, 4.0)),  # blank line between rows: layout
    ],
)
def test_parse_values_formats(text: str, label: str | None, values: tuple[float, ...]) -> None:
    assert parse_values(text) == ParsedValues(label, values)


def test_parse_values_column_with_header_line() -> None:
    assert parse_values("Treatment A\n45\n42\n39") == ParsedValues(
        "Treatment A", (45.0, 42.0, 39.0)
    )


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("3,5; 4,1", (3.5, 4.1)),
        ("3,5;4,1;-0,25", (3.5, 4.1, -0.25)),
        ("3,5\t4,1", (3.5, 4.1)),
        ("3,5\n4,1\n2", (3.5, 4.1, 2.0)),
        ("1,5e3; 2", (1500.0, 2.0)),
        ("A: 3,5; 4,1", (3.5, 4.1)),
    ],
)
def test_parse_values_decimal_commas(text: str, values: tuple[float, ...]) -> None:
    assert parse_values(text).values == values


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("3, 5, 4", (3.0, 5.0, 4.0)),
        ("3,5,4", (3.0, 5.0, 4.0)),
        ("3,5", (3.0, 5.0)),  # one line, no other separator: the comma separates
        ("3,5 4,1", (3.0, 5.0, 4.0, 1.0)),
        ("1, 2; 3", (1.0, 2.0, 3.0)),  # ", " is a separator, not a decimal mark
        ("3,5,1; 2", (3.0, 5.0, 1.0, 2.0)),  # two commas in one number: separators
    ],
)
def test_parse_values_commas_as_separators(text: str, values: tuple[float, ...]) -> None:
    assert parse_values(text).values == values


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1, NA, 3", (1.0, None, 3.0)),
        ("NA NaN N/A null - nan n/a NULL", (None,) * 8),
        ("1,,3", (1.0, None, 3.0)),
        ("1, ,3", (1.0, None, 3.0)),
        (",1", (None, 1.0)),
        ("1\t\t3", (1.0, None, 3.0)),
        ("1\t2\t", (1.0, 2.0, None)),  # an empty trailing tab cell is a cell
        ("1;;3", (1.0, None, 3.0)),
        ("45\n\n42\n-\n39", (45.0, None, 42.0, None, 39.0)),  # a spreadsheet column
        ("[1, NA, 3]", (1.0, None, 3.0)),
        ("-5 - 5", (-5.0, None, 5.0)),
    ],
)
def test_parse_values_missing_cells_keep_their_place(
    text: str, values: tuple[float | None, ...]
) -> None:
    parsed = parse_values(text)
    assert parsed.values == values
    assert parsed.missing == sum(v is None for v in values)


def test_parse_values_returns_plain_floats() -> None:
    parsed = parse_values("1 2.5")
    assert all(type(v) is float for v in parsed.values)


# --------------------------------------------------------------------------------------
# parse_values: errors


def test_parse_values_bad_token_names_group_and_token() -> None:
    with pytest.raises(DataError, match=re.escape('In Group A: "4.2x" is not a number.')):
        parse_values("1, 4.2x, 3", "Group A")


def test_parse_values_bad_token_names_line_when_multi_line() -> None:
    message = 'In Group A, line 2: "4.2x" is not a number.'
    with pytest.raises(DataError, match=re.escape(message)):
        parse_values("45\n4.2x\n39", "Group A")


def test_parse_values_line_numbers_count_blank_lines() -> None:
    with pytest.raises(DataError, match=re.escape('In Group B, line 4: "abc" is not a number.')):
        parse_values("Group B:\n1 2\n\nabc", "Group B")


def test_parse_values_default_place() -> None:
    with pytest.raises(DataError, match=re.escape('In the group: "x" is not a number.')):
        parse_values("x")


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "A:", "[]", "( )", ",", "B = "])
def test_parse_values_empty(text: str) -> None:
    with pytest.raises(DataError, match=r"^Group A is empty: paste some numbers\.$"):
        parse_values(text, "Group A")


def test_parse_values_empty_default_place_is_a_sentence() -> None:
    with pytest.raises(DataError, match=r"^The group is empty"):
        parse_values("")


@pytest.mark.parametrize("token", ["inf", "-inf", "Infinity", "+inf", "∞"])
def test_parse_values_infinity(token: str) -> None:
    with pytest.raises(DataError, match=rf'In Group A: "{re.escape(token)}" is infinite'):
        parse_values(f"1, {token}, 3", "Group A")


def test_parse_values_overflow_is_too_large() -> None:
    with pytest.raises(DataError, match=re.escape('In Group A: "1e999" is too large.')):
        parse_values("1, 1e999", "Group A")


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("1, 2, x", "x"),
        ("1, 2%, 3", "2%"),
        ("0x10", "0x10"),
        ("1_000", "1_000"),
        ("١٢", "١٢"),  # Arabic-Indic digits: float() would take them, we do not
        ("1.2.3", "1.2.3"),
    ],
)
def test_parse_values_rejects_non_numbers(text: str, token: str) -> None:
    with pytest.raises(DataError, match=rf'"{re.escape(token)}" is not a number'):
        parse_values(text, "Group A")


def test_parse_values_thousand_separators_are_not_supported() -> None:
    with pytest.raises(DataError, match=re.escape('"1.234,5" is not a number')):
        parse_values("1.234,5; 2", "Group A")


def test_parse_values_long_tokens_are_shortened() -> None:
    with pytest.raises(DataError) as info:
        parse_values("1, " + "x" * 200, "Group A")
    assert "x" * 37 + "..." in str(info.value)
    assert "x" * 41 not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2, 3", 'In Group A: the "[" is never closed with "]".'),
        ("(1, 2, 3]", 'In Group A: the "(" is never closed with ")".'),
        ("1, 2, 3]", 'In Group A: the "]" has no opening bracket.'),
    ],
)
def test_parse_values_unbalanced_brackets(text: str, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        parse_values(text, "Group A")


# --------------------------------------------------------------------------------------
# parse_table: labelled lines


def test_parse_table_labelled_lines() -> None:
    text = "Treatment A: [45, 42, 39]\nB = 52 49 51\n\nControl: 1; 2; NA\n"
    assert parse_table(text) == {
        "Treatment A": [45.0, 42.0, 39.0],
        "B": [52.0, 49.0, 51.0],
        "Control": [1.0, 2.0, None],
    }


def test_parse_table_labelled_lines_decimal_commas() -> None:
    assert parse_table("A: 3,5; 4,1\nB: 2,25; 1,5") == {"A": [3.5, 4.1], "B": [2.25, 1.5]}


def test_parse_table_first_cell_labels() -> None:
    assert parse_table("Control\t1\t2\t3\nDrug\t4\t5\t6") == {
        "Control": [1.0, 2.0, 3.0],
        "Drug": [4.0, 5.0, 6.0],
    }


def test_parse_table_first_cell_labels_with_spaces_and_commas() -> None:
    assert parse_table("Control 1 2 3\nTreatment B 4 5") == {
        "Control": [1.0, 2.0, 3.0],
        "Treatment B": [4.0, 5.0],
    }
    assert parse_table("A,1,2\nB,3,4") == {"A": [1.0, 2.0], "B": [3.0, 4.0]}


def test_parse_table_unlabelled_line_among_labelled() -> None:
    message = 'Line 2 has no group name: write every group as "Name: 1, 2, 3" (here: "4 5 6").'
    with pytest.raises(DataError, match=re.escape(message)):
        parse_table("A: 1 2 3\n4 5 6")


def test_parse_table_labelled_line_bad_value() -> None:
    with pytest.raises(
        DataError, match=re.escape('Line 3, group "Drug B": "abc" is not a number.')
    ):
        parse_table("Control: 1 2\n\nDrug B: 3, abc")


def test_parse_table_labelled_line_without_values() -> None:
    with pytest.raises(DataError, match=re.escape('Line 2: the group "B" has no values.')):
        parse_table("A: 1 2\nB:")


def test_parse_table_duplicate_label() -> None:
    message = 'Line 3: the group "A" appears twice (lines 1 and 3); group names must differ.'
    with pytest.raises(DataError, match=re.escape(message)):
        parse_table("A: 1\nB: 2\nA: 3")


def test_parse_table_first_cell_label_bad_value() -> None:
    with pytest.raises(DataError, match=re.escape('Line 2, group "Drug": "x" is not a number.')):
        parse_table("Control\t1\t2\nDrug\t3\tx")


# --------------------------------------------------------------------------------------
# parse_table: spreadsheet columns


def test_parse_table_columns_with_header() -> None:
    text = "Drug A\tDrug B\n45\t52\n42\t49\n39\t51\n"
    assert parse_table(text) == {"Drug A": [45.0, 42.0, 39.0], "Drug B": [52.0, 49.0, 51.0]}


def test_parse_table_columns_without_header() -> None:
    assert parse_table("45\t52\n42\t49\n39\t51") == {
        "Group 1": [45.0, 42.0, 39.0],
        "Group 2": [52.0, 49.0, 51.0],
    }


def test_parse_table_three_columns() -> None:
    assert parse_table("A\tB\tC\n1\t2\t3\n4\t5\t6") == {
        "A": [1.0, 4.0],
        "B": [2.0, 5.0],
        "C": [3.0, 6.0],
    }


def test_parse_table_ragged_columns_become_missing() -> None:
    # Spreadsheets copy empty trailing cells as tabs, or leave them off the line.
    assert parse_table("A\tB\n1\t4\n2\t5\n3\t\n7") == {
        "A": [1.0, 2.0, 3.0, 7.0],
        "B": [4.0, 5.0, None, None],
    }


def test_parse_table_empty_cells_in_the_middle() -> None:
    assert parse_table("A\tB\n1\t\n\t5\n3\t6") == {"A": [1.0, None, 3.0], "B": [None, 5.0, 6.0]}


def test_parse_table_na_cells() -> None:
    assert parse_table("A\tB\n1\tNA\nn/a\t5") == {"A": [1.0, None], "B": [None, 5.0]}


def test_parse_table_decimal_commas_in_tab_table() -> None:
    assert parse_table("3,5\t4,1\n2,0\t1,25") == {"Group 1": [3.5, 2.0], "Group 2": [4.1, 1.25]}


def test_parse_table_semicolon_table_with_decimal_commas() -> None:
    text = "Placebo;Drug\n3,5;4,1\n2,2;\n1;2,5"
    assert parse_table(text) == {"Placebo": [3.5, 2.2, 1.0], "Drug": [4.1, None, 2.5]}


def test_parse_table_comma_table() -> None:
    text = "Placebo,Drug\n3.5,4.1\n2.2,\n1,2.5"
    assert parse_table(text) == {"Placebo": [3.5, 2.2, 1.0], "Drug": [4.1, None, 2.5]}


def test_parse_table_space_aligned_columns() -> None:
    assert parse_table("1 4\n2 5\n3 6") == {"Group 1": [1.0, 2.0, 3.0], "Group 2": [4.0, 5.0, 6.0]}


def test_parse_table_drops_a_column_of_subject_labels() -> None:
    text = "Subject\tBefore\tAfter\nS1\t10\t12\nS2\t11\t14\nS3\t9\t10"
    assert parse_table(text) == {"Before": [10.0, 11.0, 9.0], "After": [12.0, 14.0, 10.0]}


def test_parse_table_long_two_column_paste_is_grouped() -> None:
    text = "Group\tValue\nA\t1\nB\t3\nA\t2\nB\t4"
    assert parse_table(text) == {"A": [1.0, 2.0], "B": [3.0, 4.0]}
    assert parse_table("A\t1\nB\t3\nA\t2") == {"A": [1.0, 2.0], "B": [3.0]}


def test_parse_table_bad_cell_names_line_and_column() -> None:
    message = 'Line 3, column "Drug B": "abc" is not a number.'
    with pytest.raises(DataError, match=re.escape(message)):
        parse_table("Drug A\tDrug B\n1\t2\n3\tabc")


def test_parse_table_bad_cell_without_header_names_numbered_column() -> None:
    with pytest.raises(DataError, match=re.escape('Line 2, column "Group 2": "4..1"')):
        parse_table("1\t2\n3\t4..1")


def test_parse_table_infinite_cell() -> None:
    with pytest.raises(DataError, match=re.escape('Line 2, column "B": "inf" is infinite')):
        parse_table("A\tB\n1\tinf")


def test_parse_table_too_many_cells() -> None:
    message = "Line 3 has 3 cells but the header (line 1) names 2 columns."
    with pytest.raises(DataError, match=re.escape(message)):
        parse_table("A\tB\n1\t2\n3\t4\t5")


def test_parse_table_duplicate_column_names() -> None:
    with pytest.raises(DataError, match=re.escape('Two columns are both called "A"')):
        parse_table("A\tA\n1\t2")


def test_parse_table_header_only() -> None:
    with pytest.raises(DataError, match=r"^Line 1 holds only names and no numbers follow"):
        parse_table("Drug A\tDrug B\n")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("A: 1 2 3", 'only one group ("A")'),
        ("Values\n1\n2\n3", 'only one group ("Values")'),
        ("1\n2\n3", 'only one group ("Group 1")'),
    ],
)
def test_parse_table_fewer_than_two_groups(text: str, found: str) -> None:
    with pytest.raises(DataError, match=re.escape(f"Found {found}; paste two or more groups")):
        parse_table(text)


@pytest.mark.parametrize("text", ["", "  \n\n \t"])
def test_parse_table_empty(text: str) -> None:
    with pytest.raises(DataError, match=r"^The table is empty"):
        parse_table(text)


# --------------------------------------------------------------------------------------
# read_csv


LONG_CSV = b"group,value\nA,1.5\nA,2\nB,3\nB,NA\nA,\nB,4\n"


def test_read_csv_long_from_bytes() -> None:
    frame = read_csv(LONG_CSV)
    assert list(frame.columns) == ["group", "value"]
    assert frame["group"].tolist() == ["A", "A", "B", "B", "A", "B"]
    values = frame["value"].tolist()
    assert values[:3] == [1.5, 2.0, 3.0]
    assert math.isnan(values[3]) and math.isnan(values[4])
    assert values[5] == 4.0
    assert frame.attrs == {"delimiter": ",", "decimal": "."}


def test_read_csv_from_path_and_str(tmp_path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(LONG_CSV)
    from_path = read_csv(path)
    from_str = read_csv(str(path))
    pd.testing.assert_frame_equal(from_path, read_csv(LONG_CSV))
    pd.testing.assert_frame_equal(from_str, from_path)


def test_read_csv_wide() -> None:
    frame = read_csv(b"before,after\n10,12\n11,14\n9,\n")
    assert list(frame.columns) == ["before", "after"]
    assert frame["before"].tolist() == [10, 11, 9]
    assert frame["after"].tolist()[:2] == [12.0, 14.0]
    assert math.isnan(frame["after"].tolist()[2])


def test_read_csv_semicolon_and_decimal_comma() -> None:
    frame = read_csv(b"Placebo;Drug\n3,5;4,1\n2,25;5\n")
    assert frame.attrs == {"delimiter": ";", "decimal": ","}
    assert frame["Placebo"].tolist() == [3.5, 2.25]
    assert frame["Drug"].tolist() == [4.1, 5.0]


def test_read_csv_semicolon_with_decimal_points() -> None:
    frame = read_csv(b"a;b\n3.5;4\n1;2\n")
    assert frame.attrs == {"delimiter": ";", "decimal": "."}
    assert frame["a"].tolist() == [3.5, 1.0]


def test_read_csv_tab_and_pipe() -> None:
    assert read_csv(b"a\tb\n1\t2\n3\t4\n")["b"].tolist() == [2, 4]
    assert read_csv(b"a|b\n1|2\n3|4\n")["b"].tolist() == [2, 4]


def test_read_csv_tab_with_decimal_comma(tmp_path) -> None:
    path = tmp_path / "export.tsv"
    path.write_bytes(b"a\tb\n1,5\t2,5\n3,25\t4\n")
    frame = read_csv(path)
    assert frame.attrs["decimal"] == ","
    assert frame["a"].tolist() == [1.5, 3.25]


def test_read_csv_utf8_bom(tmp_path) -> None:
    content = "\ufeffGruppe;Wert\nA;1,5\nÄ;2\n".encode()
    frame = read_csv(content)
    assert list(frame.columns) == ["Gruppe", "Wert"]
    assert frame["Gruppe"].tolist() == ["A", "Ä"]
    assert frame["Wert"].tolist() == [1.5, 2.0]
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfgroup,value\nA,1\nB,2\n")
    assert list(read_csv(path).columns) == ["group", "value"]


def test_read_csv_quoted_fields() -> None:
    content = b'name,group,value\n"Smith, J","Drug, 10 mg",1.5\n"Doe, A",Placebo,2\n'
    frame = read_csv(content)
    assert frame["name"].tolist() == ["Smith, J", "Doe, A"]
    assert frame["group"].tolist() == ["Drug, 10 mg", "Placebo"]
    assert frame["value"].tolist() == [1.5, 2.0]


def test_read_csv_quoted_newline_and_ragged_rows_fall_back_to_c_engine() -> None:
    frame = read_csv(b'note,value\n"two\nlines",1\nshort\n')
    assert frame["note"].tolist()[0] == "two\nlines"
    assert frame.shape == (2, 2)


def test_read_csv_windows_line_ends_and_spaces_after_delimiter() -> None:
    frame = read_csv(b"group, value\r\nA, 1\r\nB, 2\r\n")
    assert list(frame.columns) == ["group", "value"]
    assert frame["value"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"^The file is empty\.$"),
        (b"  \n\n", r"^The file is empty\.$"),
        (b"\xef\xbb\xbf", r"^The file is empty\.$"),
        (b"group,value\n", r"^The file has a header but no data rows\.$"),
        (b"a,b\n1,\xff\n", r"^The file is not UTF-8 text \(byte 0xff at position 6\)"),
        ("a,b\n1,é\n".encode("latin-1"), r"^The file is not UTF-8 text \(byte 0xe9"),
        ("a,b\n1,2\n".encode("utf-16"), r"^The file is UTF-16 text"),
        (b"PK\x03\x04\x14\x00\x06\x00", r"^This looks like an Excel workbook"),
        (b"\x00\x01\x02binary", r"^The file is not a text file"),
        (
            b"a,b\n1,2\n3,4,5\n",
            r'^Line 3 has 3 fields but the header has 2; check the delimiter \(","\)',
        ),
        (b'a,b\n"1,2\n', r"^A quoted field is never closed"),
    ],
)
def test_read_csv_errors(content: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_csv(content)


def test_read_csv_not_utf8_after_the_sniffed_head() -> None:
    content = b"group,value\n" + b"A,1\n" * 40_000 + b"B,\xff\n"
    with pytest.raises(DataError, match=r"^The file is not UTF-8 text \(it holds the byte 0xff"):
        read_csv(content)


def test_read_csv_missing_file(tmp_path) -> None:
    with pytest.raises(DataError, match=r"^Cannot open .*nope\.csv"):
        read_csv(tmp_path / "nope.csv")


def test_read_csv_directory(tmp_path) -> None:
    with pytest.raises(DataError, match=r"^Cannot open"):
        read_csv(tmp_path)


def test_read_csv_errors_are_chained() -> None:
    with pytest.raises(DataError) as info:
        read_csv(b"a,b\n1,2\n3,4,5\n")
    assert isinstance(info.value.__cause__, pd.errors.ParserError)


def test_read_csv_large_file_reads_all_rows(tmp_path) -> None:
    rows = 50_000
    path = tmp_path / "big.csv"
    body = "".join(f"{'AB'[i % 2]},{i % 97}.5\n" for i in range(rows))
    path.write_text("group,value\n" + body)
    frame = read_csv(path)
    assert frame.shape == (rows, 2)
    dataset = dataset_from_frame(frame, group_col="group", value_col="value")
    assert [g.n for g in dataset.groups] == [rows // 2, rows // 2]


# --------------------------------------------------------------------------------------
# dataset_from_frame


def test_dataset_from_long_frame() -> None:
    dataset = dataset_from_frame(read_csv(LONG_CSV), group_col="group", value_col="value")
    assert dataset == Dataset(
        groups=(Group("A", (1.5, 2.0), 1), Group("B", (3.0, 4.0), 1)),
        paired=False,
        source="csv",
    )


def test_dataset_groups_in_order_of_first_appearance() -> None:
    frame = pd.DataFrame({"g": ["z", "a", "z", "m", "a"], "v": [1, 2, 3, 4, 5]})
    dataset = dataset_from_frame(frame, group_col="g", value_col="v")
    assert dataset.names == ["z", "a", "m"]
    assert [g.values.tolist() for g in dataset.groups] == [[1.0, 3.0], [2.0, 5.0], [4.0]]
    assert dataset.design == "multi"


def test_dataset_group_names_are_stripped_and_merged() -> None:
    frame = pd.DataFrame({"g": ["A", " A", "B ", "B", "A "], "v": [1, 2, 3, 4, 5]})
    dataset = dataset_from_frame(frame, group_col="g", value_col="v")
    assert dataset.groups == (Group("A", (1.0, 2.0, 5.0)), Group("B", (3.0, 4.0)))


def test_dataset_group_column_of_lists_is_named_by_text() -> None:
    frame = pd.DataFrame({"g": [[1], [2], [1]], "v": [1.0, 2.0, 3.0]})
    dataset = dataset_from_frame(frame, group_col="g", value_col="v")
    assert dataset.groups == (Group("[1]", (1.0, 3.0)), Group("[2]", (2.0,)))


def _long_frame(labels: list[str], values: list[float], chunks: int = 1) -> pd.DataFrame:
    """A long frame whose group column is Arrow strings cut into ``chunks`` chunks, as
    ``read_csv`` gives them for large files."""
    import pyarrow as pa

    whole = pa.array(labels, pa.large_string())
    step = -(-len(labels) // chunks)
    pieces = [whole.slice(start, step) for start in range(0, len(labels), step)]
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(pieces, whole.type)))
    return pd.DataFrame({"g": column, "v": values})


def _grouped(labels: list[str], values: list[float]) -> dict[str, list[float]]:
    """What dataset_from_frame must find, computed the slow and obvious way."""
    groups: dict[str, list[float]] = {}
    for label, value in zip(labels, values, strict=True):
        groups.setdefault(label.strip(), []).append(value)
    return groups


@pytest.mark.parametrize(
    "pool",
    [
        ["Treatment A", "Treatment B"],
        ["a", "b", "c"],
        ["x", "Ünïcødé", "12 bytes lbl"],  # "12 bytes lbl": still stored whole
        ["a label longer than twelve bytes", "B"],
        [f"g{k}" for k in range(12)],  # more groups than the fast path takes
        ["A", "A ", " B", "B"],
    ],
)
def test_dataset_long_groups_match_a_plain_loop(pool: list[str]) -> None:
    rng = np.random.default_rng(len(pool))
    rows = 30_000
    labels = [pool[k] for k in rng.integers(0, len(pool), rows)]
    values = rng.normal(size=rows).round(3).tolist()
    for chunks in (1, 7):
        frame = _long_frame(labels, values, chunks)
        dataset = dataset_from_frame(frame, group_col="g", value_col="v")
        expected = _grouped(labels, values)
        assert dataset.names == list(expected)
        assert {g.name: g.values.tolist() for g in dataset.groups} == expected


@pytest.mark.parametrize("late", ["C", "a longer label seen late"])
def test_dataset_group_first_seen_late_is_found(late: str) -> None:
    labels = ["A", "B"] * 20_000 + [late]  # only after the rows that are sampled
    values = [float(k) for k in range(len(labels))]
    dataset = dataset_from_frame(_long_frame(labels, values, 3), group_col="g", value_col="v")
    assert dataset.names == ["A", "B", late]
    assert [g.n for g in dataset.groups] == [20_000, 20_000, 1]
    assert dataset.groups[2].values.tolist() == [40_000.0]


def test_dataset_usual_group_column_takes_the_fast_path() -> None:
    frame = _long_frame(["Treatment A", "Treatment B", "Treatment A"], [1.0, 2.0, 3.0])
    codes, labels = data._factorize_few_short_strings(frame["g"])
    assert codes.tolist() == [0, 1, 0]
    assert labels == ["Treatment A", "Treatment B"]


def test_dataset_empty_label_in_a_large_column_names_the_row() -> None:
    labels = ["A", "B"] * 10 + ["  "] + ["A"]
    frame = _long_frame(labels, [1.0] * len(labels))
    with pytest.raises(DataError, match=re.escape('Row 22: the group (column "g") is empty.')):
        dataset_from_frame(frame, group_col="g", value_col="v")


def test_dataset_groups_do_not_share_memory_with_the_frame() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    dataset = dataset_from_frame(frame, columns=["a", "b"])
    frame.loc[0, "a"] = 99.0
    assert dataset.groups[0].values.tolist() == [1.0, 2.0, 3.0]


def test_dataset_numeric_group_codes_are_named_without_decimals() -> None:
    frame = pd.DataFrame({"g": [1.0, 2.0, 1.0, 2.0], "v": [1, 2, 3, 4]})
    assert dataset_from_frame(frame, group_col="g", value_col="v").names == ["1", "2"]


def test_dataset_from_wide_frame() -> None:
    frame = read_csv(b"id,before,after\n1,10,12\n2,11,\n3,9,10\n")
    dataset = dataset_from_frame(frame, columns=["before", "after"])
    assert dataset.groups == (
        Group("before", (10.0, 11.0, 9.0), 0),
        Group("after", (12.0, 10.0), 1),
    )


def test_dataset_from_wide_frame_paired_drops_incomplete_pairs() -> None:
    frame = read_csv(b"id,before,after\n1,10,12\n2,11,\n3,9,10\n")
    dataset = dataset_from_frame(frame, columns=["before", "after"], paired=True)
    assert dataset.design == "paired"
    assert dataset.groups == (Group("before", (10.0, 9.0), 1), Group("after", (12.0, 10.0), 1))


def test_dataset_decimal_comma_text_column_with_typo() -> None:
    frame = read_csv(b"a;b\n3,5;4,1\n2,5;x\n")
    with pytest.raises(DataError, match=re.escape('Row 3, column "b": "x" is not a number.')):
        dataset_from_frame(frame, columns=["a", "b"])


def test_dataset_missing_markers_in_text_column() -> None:
    frame = pd.DataFrame({"g": ["A", "A", "B", "B", "B"], "v": ["1", "-", "3,5", " 4 ", "n/a"]})
    frame.attrs["decimal"] = ","
    dataset = dataset_from_frame(frame, group_col="g", value_col="v")
    assert dataset.groups == (Group("A", (1.0,), 1), Group("B", (3.5, 4.0), 1))


def test_dataset_bad_value_names_row_column_and_text() -> None:
    frame = read_csv(b"group,value\nA,1\nA,2\nB,4.2x\nB,abc\n")
    message = 'Row 4, column "value": "4.2x" is not a number (1 more such cell in this column).'
    with pytest.raises(DataError, match=re.escape(message)):
        dataset_from_frame(frame, group_col="group", value_col="value")


def test_dataset_bad_value_in_wide_column() -> None:
    frame = read_csv(b"a,b\n1,2\n3,oops\n")
    with pytest.raises(DataError, match=re.escape('Row 3, column "b": "oops" is not a number.')):
        dataset_from_frame(frame, columns=["a", "b"])


def test_dataset_infinite_value_names_row() -> None:
    frame = read_csv(b"group,value\nA,1\nB,inf\nB,2\nA,3\n")
    with pytest.raises(DataError, match=re.escape('Row 3, column "value": "inf" is infinite')):
        dataset_from_frame(frame, group_col="group", value_col="value")


def test_dataset_true_false_is_not_a_number() -> None:
    frame = read_csv(b"a,b\n1,true\n2,false\n")
    with pytest.raises(DataError, match=re.escape('Row 2, column "b": "True" is not a number')):
        dataset_from_frame(frame, columns=["a", "b"])


def test_dataset_empty_group_names_the_row() -> None:
    frame = read_csv(b"group,value\nA,1\nB,2\n,3\n")
    message = 'Row 4: the group (column "group") is empty.'
    with pytest.raises(DataError, match=re.escape(message)):
        dataset_from_frame(frame, group_col="group", value_col="value")


def test_dataset_unknown_column_lists_the_columns() -> None:
    frame = read_csv(LONG_CSV)
    message = 'Unknown column "Value"; the columns are: "group", "value".'
    with pytest.raises(DataError, match=re.escape(message)):
        dataset_from_frame(frame, group_col="group", value_col="Value")
    with pytest.raises(DataError, match=re.escape('Unknown column "c"')):
        dataset_from_frame(frame, columns=["value", "c"])


def test_dataset_layout_arguments_are_checked() -> None:
    frame = read_csv(LONG_CSV)
    with pytest.raises(DataError, match=r"^Choose one layout"):
        dataset_from_frame(frame, group_col="group", value_col="value", columns=["value"])
    with pytest.raises(DataError, match=r"^The long layout needs both"):
        dataset_from_frame(frame, group_col="group")
    with pytest.raises(DataError, match=r"are both \"group\""):
        dataset_from_frame(frame, group_col="group", value_col="group")
    with pytest.raises(DataError, match=r"^The same column is chosen twice"):
        dataset_from_frame(frame, columns=["value", "value"])


def test_dataset_one_group_or_group_without_values() -> None:
    with pytest.raises(DataError, match=r"^Need at least two groups to compare; got 1\."):
        dataset_from_frame(read_csv(b"g,v\nA,1\nA,2\n"), group_col="g", value_col="v")
    with pytest.raises(DataError, match=r"^Group 'B' has no numeric values\."):
        dataset_from_frame(read_csv(b"g,v\nA,1\nB,\n"), group_col="g", value_col="v")


def test_dataset_too_many_groups() -> None:
    frame = pd.DataFrame({"g": [f"s{i}" for i in range(1500)], "v": range(1500)})
    with pytest.raises(DataError, match=r'^Column "g" has 1500 different groups'):
        dataset_from_frame(frame, group_col="g", value_col="v")


def test_dataset_without_layout_uses_the_guess() -> None:
    assert dataset_from_frame(read_csv(LONG_CSV)).names == ["A", "B"]
    assert dataset_from_frame(read_csv(b"x,y\n1,2\n3,4\n")).names == ["x", "y"]


def test_dataset_source_and_columns_given_as_non_strings() -> None:
    frame = pd.DataFrame({0: [1.0, 2.0], 1: [3.0, 4.0]})
    dataset = dataset_from_frame(frame, columns=["0", "1"], source="upload.csv")
    assert dataset.names == ["0", "1"]
    assert dataset.source == "upload.csv"


# --------------------------------------------------------------------------------------
# guess_layout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (LONG_CSV, {"layout": "long", "group_col": "group", "value_col": "value", "columns": []}),
        (
            b"before,after\n1,2\n3,4\n",
            {
                "layout": "wide",
                "group_col": None,
                "value_col": None,
                "columns": ["before", "after"],
            },
        ),
        (
            b"subject,before,after\nS1,1,2\nS2,3,4\n",
            {
                "layout": "wide",
                "group_col": None,
                "value_col": None,
                "columns": ["before", "after"],
            },
        ),
        (
            b"id,a,b,c\n1,1,2,3\n2,3,4,5\n",
            {"layout": "wide", "group_col": None, "value_col": None, "columns": ["a", "b", "c"]},
        ),
        (
            b"id,group,value\n1,A,2.5\n2,B,3.5\n3,A,1.5\n",
            {"layout": "long", "group_col": "group", "value_col": "value", "columns": []},
        ),
        (
            b"arm,days\n1,40.5\n2,51.2\n1,38.1\n2,49.9\n1,41.0\n2,50.3\n",
            {"layout": "long", "group_col": "arm", "value_col": "days", "columns": []},
        ),
        (
            b"group,value\nA,1\nB,4.2x\nA,3\nB,4\nA,5\n",
            {"layout": "long", "group_col": "group", "value_col": "value", "columns": []},
        ),
    ],
)
def test_guess_layout(content: bytes, expected: dict) -> None:
    assert guess_layout(read_csv(content)) == expected


def test_guess_layout_of_odd_frames_does_not_raise() -> None:
    assert guess_layout(pd.DataFrame({"only": ["a", "b"]}))["layout"] == "wide"
    assert guess_layout(pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"]}))["layout"] == "long"
    assert guess_layout(pd.DataFrame({"a": [None, None], "b": [1, 2]}))["layout"] == "wide"
    assert guess_layout(pd.DataFrame({"a": [[1], [2]], "b": [1, 2]}))["layout"] == "long"


# --------------------------------------------------------------------------------------
# make_dataset and the example


def test_pasted_paired_groups_keep_alignment_through_make_dataset() -> None:
    before = parse_values("Before: 10, NA, 12, 13", "Before")
    after = parse_values("After: 11\t14\t\t15", "After")
    assert before.values == (10.0, None, 12.0, 13.0)
    assert after.values == (11.0, 14.0, None, 15.0)
    dataset = make_dataset({before.label: before.values, after.label: after.values}, paired=True)
    assert dataset.groups == (Group("Before", (10.0, 13.0), 2), Group("After", (11.0, 15.0), 2))


def test_paired_table_columns_keep_alignment() -> None:
    groups = parse_table("Before\tAfter\n10\t11\n\t14\n12\t\n13\t15")
    dataset = make_dataset(groups, paired=True)
    assert dataset.groups == (Group("Before", (10.0, 13.0), 2), Group("After", (11.0, 15.0), 2))


def test_independent_groups_count_missing() -> None:
    dataset = make_dataset(parse_table("A: 1, NA, 3\nB: 4 5 -"))
    assert dataset.groups == (Group("A", (1.0, 3.0), 1), Group("B", (4.0, 5.0), 1))
    assert dataset.to_dict()["groups"][0] == {"name": "A", "values": [1.0, 3.0], "missing": 1}


def test_make_dataset_paired_needs_equal_lengths() -> None:
    with pytest.raises(DataError, match=r"same number of values in both groups: 'A' has 2"):
        make_dataset({"A": [1, 2], "B": [1, 2, 3]}, paired=True)


def test_make_dataset_rejects_infinity() -> None:
    with pytest.raises(DataError, match=r"^Group 'A' contains an infinite value"):
        make_dataset({"A": [1, math.inf], "B": [1, 2]})
    with pytest.raises(DataError, match=re.escape("Group 'B' contains an infinite value (-inf).")):
        make_dataset({"A": np.array([1.0, 2.0]), "B": np.array([1.0, np.nan, -np.inf])})


def test_make_dataset_rejects_cells_that_are_not_numbers() -> None:
    with pytest.raises(DataError, match=r"^Group 'A' contains a value that is not a number\."):
        make_dataset({"A": [1.0, "x"], "B": [1, 2]})
    with pytest.raises(DataError, match=r"^Group 'A' must be a flat list of numbers\."):
        make_dataset({"A": np.ones((2, 2)), "B": [1, 2]})


def test_make_dataset_accepts_numpy_arrays_and_series_with_nan() -> None:
    dataset = make_dataset(
        {
            "array": np.array([1.0, np.nan, 3.0]),
            "series": pd.Series([4.0, 5.0, np.nan, np.nan]),
            "integers": pd.Series([7, None, 9], dtype="Int64"),
            "ints": np.array([1, 2], dtype=np.int64),
        }
    )
    assert dataset.groups == (
        Group("array", (1.0, 3.0), 1),
        Group("series", (4.0, 5.0), 2),
        Group("integers", (7.0, 9.0), 1),
        Group("ints", (1.0, 2.0), 0),
    )


def test_make_dataset_paired_arrays_drop_incomplete_pairs() -> None:
    before = np.array([10.0, np.nan, 12.0, 13.0])
    after = pd.Series([11.0, 14.0, np.nan, 15.0])
    dataset = make_dataset({"Before": before, "After": after}, paired=True)
    assert dataset.groups == (Group("Before", (10.0, 13.0), 2), Group("After", (11.0, 15.0), 2))


def test_group_values_are_a_read_only_float_array() -> None:
    source = np.array([1.0, 2.0, 3.0])
    dataset = make_dataset({"A": source, "B": [4, None, 6]})
    for group in dataset.groups:
        assert isinstance(group.values, np.ndarray)
        assert group.values.dtype == np.float64
        assert group.values.ndim == 1
        assert not group.values.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            group.values[0] = 0.0
    source[0] = 99.0  # the caller's array stays the caller's
    assert dataset.groups[0].values.tolist() == [1.0, 2.0, 3.0]
    assert Group("C", (1, 2)).values.dtype == np.float64
    assert Group("D", ()).n == 0


def test_group_equality_and_hash() -> None:
    assert Group("A", (1.0, 2.0), 1) == Group("A", np.array([1.0, 2.0]), 1)
    assert hash(Group("A", (1.0, 2.0), 1)) == hash(Group("A", [1.0, 2.0], 1))
    assert Group("A", (1.0, 2.0)) != Group("A", (1.0, 2.5))
    assert Group("A", (1.0, 2.0)) != Group("A", (1.0, 2.0), 1)
    assert Group("A", (1.0, 2.0)) != Group("B", (1.0, 2.0))
    assert Group("A", (1.0,)) != (1.0,)
    with pytest.raises(ValueError, match="one-dimensional"):
        Group("A", [[1.0, 2.0]])


def test_to_dict_gives_plain_floats() -> None:
    groups = make_dataset({"A": np.array([1.5, np.nan]), "B": [2, 3]}).to_dict()["groups"]
    assert groups == [
        {"name": "A", "values": [1.5], "missing": 1},
        {"name": "B", "values": [2.0, 3.0], "missing": 0},
    ]
    assert all(type(v) is float for group in groups for v in group["values"])


def test_example_is_the_worked_use_case() -> None:
    assert list(EXAMPLE) == ["Treatment A", "Treatment B"]
    a, b = EXAMPLE.values()
    assert len(a) == len(b) == 10
    assert 39 <= statistics.mean(a) <= 42
    assert 50 <= statistics.mean(b) <= 54
    assert 2.5 <= statistics.stdev(a) <= 5
    assert 4 <= statistics.stdev(b) <= 6
    assert make_dataset(EXAMPLE).design == "independent"
    text = "\n".join(f"{name}: {', '.join(map(str, values))}" for name, values in EXAMPLE.items())
    assert parse_table(text) == {name: [float(v) for v in vs] for name, vs in EXAMPLE.items()}
