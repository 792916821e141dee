"""Input: pasted text and CSV files become a :class:`Dataset`; bad input raises :class:`DataError`.

Pasted text
    :func:`parse_values` reads one group as typed or pasted into a text area;
    :func:`parse_table` reads several groups from one text block (a labelled line per group,
    or columns pasted from a spreadsheet).
Files
    :func:`read_csv` reads a CSV file (delimiter and decimal separator detected) into a
    :class:`pandas.DataFrame`; :func:`guess_layout` suggests how its columns hold the groups;
    :func:`dataset_from_frame` turns it into a :class:`Dataset`.

Every message of a :class:`DataError` says what is wrong and where (group, line, column, text).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from assistant_core.errors import DataError

__all__ = [
    "EXAMPLE",
    "DataError",
    "Dataset",
    "Group",
    "ParsedValues",
    "dataset_from_frame",
    "guess_layout",
    "make_dataset",
    "parse_table",
    "parse_values",
    "read_csv",
]

Design = Literal["independent", "paired", "multi"]

#: The worked example of the use case: recovery time in days under two treatments.
# The worked example of our use case: days to recovery under two treatments. Student's t
# gives t(18) = -6.71, p = 2.73e-6; Welch's (the variances differ) t(14.78) = -6.71,
# p = 7.56e-6, the trap the assistant's verification must catch.
EXAMPLE: dict[str, list[float]] = {
    "Treatment A": [37.4, 35.8, 39.3, 41.2, 43.5, 40.2, 38.1, 37.4, 42.3, 45.1],
    "Treatment B": [55.8, 48.2, 49.5, 62.7, 55.6, 45.5, 54.0, 48.5, 51.2, 52.0],
}


@dataclass(frozen=True, eq=False)
class Group:
    """One named sample: its usable values and how many cells were missing.

    ``values`` is a read-only 1-D :class:`numpy.ndarray` of float64. Any sequence of numbers
    is accepted and copied, unless it is already a read-only float64 array that owns its
    memory. Two groups are equal when their names, values and missing counts are.
    """

    name: str
    values: np.ndarray
    missing: int = 0

    def __post_init__(self) -> None:
        values = self.values
        if not (
            isinstance(values, np.ndarray)
            and values.dtype == np.float64
            and values.ndim == 1
            and not values.flags.writeable
            and values.base is None  # not a view of memory someone else may change
        ):
            values = np.array(values, dtype=np.float64)
            if values.ndim != 1:
                raise ValueError(f"Group {self.name!r}: values must be one-dimensional.")
            values.flags.writeable = False
            object.__setattr__(self, "values", values)

    @property
    def n(self) -> int:
        return len(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return (
            self.name == other.name
            and self.missing == other.missing
            and np.array_equal(self.values, other.values, equal_nan=True)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.n, self.missing))


@dataclass(frozen=True)
class Dataset:
    """Named groups of floats, how they relate (design) and where they came from."""

    groups: tuple[Group, ...]
    paired: bool = False
    source: str = "paste"

    @property
    def design(self) -> Design:
        if self.paired:
            return "paired"
        return "multi" if len(self.groups) > 2 else "independent"

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.groups]

    def to_dict(self) -> dict:
        return {
            "design": self.design,
            "source": self.source,
            "groups": [
                {"name": g.name, "values": g.values.tolist(), "missing": g.missing}
                for g in self.groups
            ],
        }


@dataclass(frozen=True)
class ParsedValues:
    """One group as pasted: its label (if one was written) and its cells, ``None`` = missing."""

    label: str | None
    values: tuple[float | None, ...]

    @property
    def missing(self) -> int:
        return sum(v is None for v in self.values)


def make_dataset(
    groups: Mapping[str, Sequence[float | None] | np.ndarray | pd.Series],
    *,
    paired: bool = False,
    source: str = "paste",
) -> Dataset:
    """Check named raw groups and build a :class:`Dataset`.

    A group's values may be a sequence of numbers or a numpy array or pandas Series;
    ``None`` and NaN are missing. Paired data must be exactly two groups of equal length;
    a pair with a missing side is dropped and counted as missing in both groups.
    """
    names = [str(name).strip() for name in groups]
    if len(names) < 2:
        raise DataError(f"Need at least two groups to compare; got {len(names)}.")
    for name in names:
        if not name:
            raise DataError("A group has no name; give every group a name.")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(f"Two groups are both called {name!r}; group names must differ.")
        seen.add(name)
    raw = [_float_array(values, name) for name, values in zip(names, groups.values(), strict=True)]
    if paired:
        if len(raw) != 2:
            raise DataError(f"Paired analysis needs exactly two groups; got {len(raw)}.")
        a, b = raw
        if len(a) != len(b):
            raise DataError(
                f"Paired analysis needs the same number of values in both groups: "
                f"{names[0]!r} has {len(a)}, {names[1]!r} has {len(b)}."
            )
        missing = np.isnan(a) | np.isnan(b)
        dropped = int(np.count_nonzero(missing))
        built = [
            Group(names[0], _without(a, missing), dropped),
            Group(names[1], _without(b, missing), dropped),
        ]
    else:
        built = []
        for name, values in zip(names, raw, strict=True):
            missing = np.isnan(values)
            built.append(Group(name, _without(values, missing), int(np.count_nonzero(missing))))
    for group in built:
        if group.n == 0:
            raise DataError(f"Group {group.name!r} has no numeric values.")
    return Dataset(groups=tuple(built), paired=paired, source=source)


def _float_array(values: Sequence[float | None] | np.ndarray | pd.Series, group: str) -> np.ndarray:
    """A group's cells as a 1-D float64 array, NaN = missing; infinite values are an error."""
    try:
        if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
            array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            array = np.asarray(values, dtype=np.float64)  # None becomes NaN
    except (TypeError, ValueError) as exc:
        raise DataError(f"Group {group!r} contains a value that is not a number.") from exc
    if array.ndim != 1:
        raise DataError(f"Group {group!r} must be a flat list of numbers.")
    infinite = np.isinf(array)
    if infinite.any():
        value = float(array[np.argmax(infinite)])
        raise DataError(f"Group {group!r} contains an infinite value ({value!r}).")
    return array


def _without(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``values`` without the missing cells (a new read-only array when any are dropped)."""
    if not missing.any():
        return values  # Group copies it unless it is a read-only array of its own
    kept = values[~missing]
    kept.flags.writeable = False
    return kept


# --------------------------------------------------------------------------------------
# One value


# Spellings of a missing cell (compared lower-case); the empty cell is handled apart.
_MISSING = frozenset({"na", "nan", "n/a", "null", "none", "-", "#n/a", "<na>"})
_INFINITE = frozenset({"inf", "infinity", "∞"})
# ASCII digits only: `\d` and float() would also take Arabic-Indic and other digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_QUOTES = ('"', "'", "“", "”", "‘", "’")


class _Bad(Exception):
    """A cell that is not a number; callers turn it into a :class:`DataError` naming the place."""

    def __init__(self, token: str, reason: str) -> None:
        super().__init__(token)
        self.token = token
        self.reason = reason


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] in _QUOTES and token[-1] in _QUOTES:
        return token[1:-1].strip()
    return token


def _value(token: str, decimal_comma: bool) -> float | None:
    """One cell as a float, ``None`` when it is a missing marker; :class:`_Bad` otherwise."""
    text = _unquote(token.strip())
    lowered = text.lower()
    if not text or lowered in _MISSING:
        return None
    if decimal_comma and text.count(",") == 1:
        text = text.replace(",", ".")
    if _NUMBER.fullmatch(text):
        number = float(text)
        if math.isinf(number):
            raise _Bad(token, "is too large")
        return number
    if lowered.lstrip("+-") in _INFINITE:
        raise _Bad(token, "is infinite; only finite numbers can be analysed")
    raise _Bad(token, "is not a number")


def _is_text(cell: str, decimal_comma: bool) -> bool:
    """True for a non-empty cell that is neither a number nor a missing marker (a name)."""
    try:
        _value(cell, decimal_comma)
    except _Bad as bad:
        return bad.reason == "is not a number"
    return False


def _show(token: str) -> str:
    token = token.strip()
    return token if len(token) <= 40 else token[:37] + "..."


def _bad_message(prefix: str, bad: _Bad) -> str:
    return f'{prefix}: "{_show(bad.token)}" {bad.reason}.'


def _normalise(text: str) -> str:
    """Unify line ends and the look-alike characters word processors put into numbers."""
    return (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2212", "-")  # minus sign
        .replace("\u2013", "-")  # en dash
        .replace("\u00a0", " ")  # no-break space
        .replace("\u202f", " ")  # narrow no-break space
    )


# --------------------------------------------------------------------------------------
# One group


# A label ends at the first ':' or '=' of its line and holds no tab, ';' or bracket.
_LABEL = re.compile(r"\s*([^\t\n;:=\[\]]*?)\s*[:=]")
_BRACKETS = {"[": "]", "(": ")"}


def _split_label(line: str) -> tuple[str | None, str] | None:
    """``(label, rest)`` when the line starts with ``Name:`` or ``Name =``; else None."""
    match = _LABEL.match(line)
    if match is None:
        return None
    label = _unquote(match.group(1).strip()) or None
    return label, line[match.end() :]


def _commas_are_decimal(lines: list[str]) -> bool:
    """Commas are decimal marks when other separators are in use and every comma sits
    inside a number such as ``3,5`` (one per number); otherwise they separate values."""
    body = "\n".join(lines)
    if "," not in body:
        return False
    several_lines = sum(bool(line.strip()) for line in lines) > 1
    if not (several_lines or ";" in body or "\t" in body):
        return False
    if any(token.count(",") > 1 for token in re.split(r"[;\s]+", body)):
        return False
    return re.search(r"(?<![0-9]),|,(?![0-9])", body) is None


def _strip_brackets(
    lines: list[tuple[int, str]], prefix: Callable[[int], str]
) -> list[tuple[int, str]]:
    """Remove one pair of brackets around the whole list: ``[1, 2]`` or ``(1, 2)``."""
    filled = [i for i, (_, line) in enumerate(lines) if line.strip()]
    if not filled:
        return lines
    first, last = filled[0], filled[-1]
    opener = lines[first][1].lstrip()[0]
    closer = lines[last][1].rstrip()[-1]
    if opener in _BRACKETS:
        if closer != _BRACKETS[opener]:
            raise DataError(
                f'{prefix(lines[first][0])}: the "{opener}" is never closed with '
                f'"{_BRACKETS[opener]}".'
            )
    elif closer in _BRACKETS.values():
        raise DataError(f'{prefix(lines[last][0])}: the "{closer}" has no opening bracket.')
    else:
        return lines
    out = list(lines)
    number, line = out[first]
    out[first] = (number, line.lstrip()[1:])
    number, line = out[last]
    out[last] = (number, line.rstrip()[:-1])
    return out


def _cells_of_lines(
    lines: list[tuple[int, str]], prefix: Callable[[int], str], empty: str
) -> tuple[float | None, ...]:
    """The values of a body of lines (label already removed) in order, ``None`` = missing.

    ``prefix(line_number)`` starts every error message; ``empty`` is the message when
    there is no value at all.
    """
    lines = _strip_brackets(lines, prefix)
    decimal_comma = _commas_are_decimal([line for _, line in lines])
    hard = re.compile(r"[;\t]" if decimal_comma else r"[,;\t]")
    per_line: list[tuple[int, list[str | None]]] = []
    for number, line in lines:
        if not line.strip():
            per_line.append((number, []))
            continue
        cells = hard.split(line)
        # "1, 2, 3," or a list wrapped over lines: a trailing ',' or ';' continues the list.
        if len(cells) > 1 and not cells[-1].strip():
            last_separator = [m.group() for m in hard.finditer(line)][-1]
            if last_separator in ",;":
                cells.pop()
        items: list[str | None] = []
        for cell in cells:
            tokens = cell.split()
            items.extend(tokens if tokens else [None])
        per_line.append((number, items))
    filled = [i for i, (_, items) in enumerate(per_line) if items]
    if not filled or all(item is None for _, items in per_line for item in items):
        raise DataError(empty)
    # A column pasted from a spreadsheet has one value per line; an empty line in it is an
    # empty cell. Elsewhere blank lines are only layout.
    one_per_line = all(len(items) == 1 for _, items in per_line if items)
    values: list[float | None] = []
    for number, items in per_line[filled[0] : filled[-1] + 1]:
        if not items:
            if one_per_line:
                values.append(None)
            continue
        for item in items:
            if item is None:
                values.append(None)
                continue
            try:
                values.append(_value(item, decimal_comma))
            except _Bad as bad:
                raise DataError(_bad_message(prefix(number), bad)) from None
    return tuple(values)


def parse_values(text: str, where: str = "the group") -> ParsedValues:
    """Read one group's values as pasted into a text area; ``where`` names it in messages.

    Numbers may be separated by commas, spaces, tabs, semicolons or new lines, wrapped in
    ``[ ]`` or ``( )`` and led by a label (``Treatment A: [45, 42, 39]``, ``B = 52 49 51``).
    ``NA``, ``NaN``, ``N/A``, ``null``, ``-`` and empty cells are missing (``None``, kept in
    place so that paired values stay aligned). Commas are decimal marks (``3,5; 4,1``) when
    semicolons, tabs or new lines separate the values and every comma sits inside a number.

    >>> parse_values("A: 1, 2.5, NA, -3e2")
    ParsedValues(label='A', values=(1.0, 2.5, None, -300.0))
    """
    text = _normalise(text)
    if not text.strip():
        raise DataError(f"{where[:1].upper()}{where[1:]} is empty: paste some numbers.")
    raw_lines = text.split("\n")
    show_line = sum(bool(line.strip()) for line in raw_lines) > 1
    lines = [(i + 1, line) for i, line in enumerate(raw_lines)]
    label: str | None = None
    first = next(i for i, (_, line) in enumerate(lines) if line.strip())
    split = _split_label(lines[first][1])
    if split is not None:
        label, rest = split
        lines[first] = (lines[first][0], rest)
    elif show_line:
        # A column copied with its header: "Treatment A" on the first line, numbers below.
        header = lines[first][1].strip()
        if header[:1].isalpha() and all(
            _is_text(token, False) for token in re.split(r"[\s,;]+", header) if token
        ):
            label = _unquote(header)
            lines[first] = (lines[first][0], "")

    def prefix(number: int) -> str:
        return f"In {where}, line {number}" if show_line else f"In {where}"

    empty = f"{where[:1].upper()}{where[1:]} is empty: paste some numbers."
    return ParsedValues(label, _cells_of_lines(lines, prefix, empty))


# --------------------------------------------------------------------------------------
# Several groups in one text block


def parse_table(text: str) -> dict[str, list[float | None]]:
    """Read several groups from one pasted text block: ``{name: values}``, ``None`` = missing.

    Two forms are understood:

    * a labelled line per group: ``Treatment A: [45, 42, 39]``, ``B = 52 49 51`` or
      ``Control<TAB>1<TAB>2`` (a name in the first cell, then numbers);
    * columns pasted from a spreadsheet (tab-separated, or comma/semicolon separated),
      with an optional header row (else the columns are ``Group 1``, ``Group 2``, ...).
      Short (ragged) columns are padded with ``None``. A first column of unique names is
      taken as row labels and dropped; a two-column table of a repeated name and a number
      (``Group, Value`` per row) is grouped by the name.

    Tab- and semicolon-separated tables may use decimal commas (``3,5``).

    >>> parse_table("A: 1 2 3\\nB: 4 5 6")
    {'A': [1.0, 2.0, 3.0], 'B': [4.0, 5.0, 6.0]}
    """
    text = _normalise(text)
    lines = [(i + 1, line) for i, line in enumerate(text.split("\n")) if line.strip()]
    if not lines:
        raise DataError(
            "The table is empty: paste two or more groups, one per line (Name: 1, 2, 3) "
            "or as columns from a spreadsheet."
        )
    split = _split_label(lines[0][1])
    if split is not None and split[0] is not None and not re.search(r"[:=]", split[1]):
        groups = _labelled_lines(lines)
    else:
        groups = _spreadsheet(lines)
    if len(groups) < 2:
        found = f'only one group ("{next(iter(groups))}")' if groups else "no group"
        raise DataError(
            f"Found {found}; paste two or more groups: one per line (Name: 1, 2, 3) "
            "or as columns from a spreadsheet."
        )
    return groups


def _add_group(
    groups: dict[str, list[float | None]],
    seen_on: dict[str, int],
    name: str,
    values: list[float | None],
    line: int,
) -> None:
    if name in groups:
        raise DataError(
            f'Line {line}: the group "{_show(name)}" appears twice (lines {seen_on[name]} and '
            f"{line}); group names must differ."
        )
    groups[name] = values
    seen_on[name] = line


def _labelled_lines(lines: list[tuple[int, str]]) -> dict[str, list[float | None]]:
    groups: dict[str, list[float | None]] = {}
    seen_on: dict[str, int] = {}
    for number, line in lines:
        split = _split_label(line)
        if split is None or split[0] is None:
            raise DataError(
                f'Line {number} has no group name: write every group as "Name: 1, 2, 3" '
                f'(here: "{_show(line)}").'
            )
        label, rest = split
        assert label is not None
        name = f'"{_show(label)}"'
        values = _cells_of_lines(
            [(number, rest)],
            lambda n, name=name: f"Line {n}, group {name}",
            f"Line {number}: the group {name} has no values.",
        )
        _add_group(groups, seen_on, label, list(values), number)
    return groups


def _table_delimiter(lines: list[tuple[int, str]]) -> str | None:
    """The cell separator of a pasted table; ``None`` means runs of spaces."""
    if any("\t" in line for _, line in lines):
        return "\t"
    first = lines[0][1]
    for delimiter in (";", ","):
        if delimiter in first:
            return delimiter
    return None


def _split_cells(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    cells = [cell.strip() for cell in line.split(delimiter)]
    while len(cells) > 1 and not cells[-1]:
        cells.pop()
    return cells


def _spreadsheet(lines: list[tuple[int, str]]) -> dict[str, list[float | None]]:
    delimiter = _table_delimiter(lines)
    rows = [(number, _split_cells(line, delimiter)) for number, line in lines]
    if delimiter is None:
        decimal_comma = _commas_are_decimal([line for _, line in lines])
    else:
        decimal_comma = delimiter in "\t;"

    def text(cell: str) -> bool:
        return _is_text(cell, decimal_comma)

    first_cells = [cells[0] if cells else "" for _, cells in rows]
    if all(text(cell) for cell in rows[0][1] if cell):  # only names: a header row
        if len(rows) == 1:
            raise DataError(
                f"Line {rows[0][0]} holds only names and no numbers follow; paste the values "
                "below the names, or one group per line (Name: 1, 2, 3)."
            )
        return _columns(rows, decimal_comma, header=True)
    if all(text(cell) for cell in first_cells) and all(len(c) > 1 for _, c in rows):
        return _labelled_rows(rows, delimiter, decimal_comma)
    return _columns(rows, decimal_comma, header=False)


def _labelled_rows(
    rows: list[tuple[int, list[str]]], delimiter: str | None, decimal_comma: bool
) -> dict[str, list[float | None]]:
    """``Control<TAB>1<TAB>2``: a name, then that group's values, on each line."""
    parsed: list[tuple[int, str, list[str]]] = []
    for number, cells in rows:
        if delimiter is None:  # "Treatment A 45 42": the name is every leading word
            k = 0
            while k < len(cells) and _is_text(cells[k], decimal_comma):
                k += 1
            parsed.append((number, _unquote(" ".join(cells[:k])), cells[k:]))
        else:
            parsed.append((number, _unquote(cells[0]), cells[1:]))
    names = [name for _, name, _ in parsed]
    long_layout = len(set(names)) < len(names) and all(len(c) == 1 for _, _, c in parsed)
    groups: dict[str, list[float | None]] = {}
    seen_on: dict[str, int] = {}
    for number, name, cells in parsed:
        values: list[float | None] = []
        for cell in cells:
            try:
                values.append(_value(cell, decimal_comma))
            except _Bad as bad:
                raise DataError(
                    _bad_message(f'Line {number}, group "{_show(name)}"', bad)
                ) from None
        if long_layout:  # one "name, value" per line: a long table without header
            groups.setdefault(name, []).extend(values)
        else:
            _add_group(groups, seen_on, name, values, number)
    return groups


def _columns(
    rows: list[tuple[int, list[str]]], decimal_comma: bool, *, header: bool
) -> dict[str, list[float | None]]:
    """Columns pasted from a spreadsheet, one group per column."""
    if header:
        head_line, head = rows[0]
        data = rows[1:]
        width = len(head)
        for number, cells in data:
            if len(cells) > width:
                raise DataError(
                    f"Line {number} has {len(cells)} cells but the header (line {head_line}) "
                    f"names {width} columns."
                )
        names = [_unquote(cell) or f"Group {k + 1}" for k, cell in enumerate(head)]
    else:
        data = rows
        width = max(len(cells) for _, cells in rows)
        names = [f"Group {k + 1}" for k in range(width)]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(
                f'Two columns are both called "{_show(name)}"; group names must differ.'
            )
        seen.add(name)
    padded = [(number, cells + [""] * (width - len(cells))) for number, cells in data]

    if header and width >= 2 and data:
        first = [cells[0] for _, cells in padded]
        if all(_is_text(cell, decimal_comma) for cell in first):
            if width == 2 and len(set(first)) < len(first):
                # "Group, Value" per row: a long table; group by the name, in order.
                long: list[tuple[int, list[str]]] = [(n, [c[0], c[1]]) for n, c in padded]
                return _labelled_rows(long, "\t", decimal_comma)
            if len(set(first)) == len(first):
                # Unique names in the first column label the rows (subjects): not a group.
                names = names[1:]
                padded = [(number, cells[1:]) for number, cells in padded]
                width -= 1

    columns: dict[str, list[float | None]] = {name: [] for name in names}
    for number, cells in padded:
        for name, cell in zip(names, cells, strict=True):
            try:
                columns[name].append(_value(cell, decimal_comma))
            except _Bad as bad:
                raise DataError(
                    _bad_message(f'Line {number}, column "{_show(name)}"', bad)
                ) from None
    if not header:
        # A trailing separator on every line makes an empty, nameless column: not a group.
        columns = {
            name: values for name, values in columns.items() if any(v is not None for v in values)
        }
    return columns


# --------------------------------------------------------------------------------------
# CSV files


_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ("\t", ";", "|", ",")  # in order of preference when several fit
_MAX_GROUPS = 1000


def read_csv(source: bytes | str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV file (``bytes`` = an upload's content; ``str``/path = a file) with pandas.

    The delimiter (``,`` ``;`` tab ``|``) and the decimal mark (``,`` in ``;``- or
    tab-separated files such as ``3,5``) are detected from the first 64 KB. UTF-8 with or
    without BOM; quoted fields. The frame's ``attrs`` record ``delimiter`` and ``decimal``.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        content = bytes(source)
        head = content[:_SNIFF_BYTES]
        whole = len(content) <= _SNIFF_BYTES
        target: Any = None
    else:
        try:
            path = os.fspath(source)
        except TypeError as exc:
            raise DataError(f"Cannot read a CSV from {type(source).__name__}.") from exc
        try:
            with open(path, "rb") as handle:
                head = handle.read(_SNIFF_BYTES + 1)
        except OSError as exc:
            raise DataError(f"Cannot open {path!s}: {exc.strerror or exc}.") from exc
        whole = len(head) <= _SNIFF_BYTES
        head = head[:_SNIFF_BYTES]
        content = b""
        target = path

    sample = _decode_head(head, whole)
    delimiter, decimal = _sniff(sample, whole)

    def source_() -> Any:
        return io.BytesIO(content) if target is None else target

    frame: pd.DataFrame | None = None
    if decimal == ".":
        try:
            frame = pd.read_csv(source_(), sep=delimiter, engine="pyarrow")
        except Exception:  # noqa: BLE001 - the C engine below gives the precise error
            frame = None
        if frame is not None and _has_bytes(frame):
            frame = None  # pyarrow keeps invalid UTF-8 as bytes; the C engine reports it
    if frame is None:
        frame = _read_with_c_engine(source_(), delimiter, decimal)

    if frame.shape[1] == 0:
        raise DataError("The file has no columns.")
    if len(frame) == 0:
        raise DataError("The file has a header but no data rows.")
    names = [str(c).strip() or str(c) for c in frame.columns]
    if len(set(names)) == len(names):
        frame.columns = names
    frame.attrs["delimiter"] = delimiter
    frame.attrs["decimal"] = decimal
    return frame


def _decode_head(head: bytes, whole: bool) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError('The file is UTF-16 text; save it as "CSV UTF-8" and upload it again.')
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            'This looks like an Excel workbook, not a CSV file; save it as "CSV UTF-8" first.'
        )
    if b"\x00" in head:
        raise DataError("The file is not a text file (it contains NUL bytes); upload a CSV file.")
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=whole)
    except UnicodeDecodeError as exc:
        bad = head[exc.start]
        raise DataError(
            f"The file is not UTF-8 text (byte 0x{bad:02x} at position {exc.start}); "
            'save it as "CSV UTF-8" and upload it again.'
        ) from exc
    if not text.strip():
        raise DataError("The file is empty.")
    return text


def _sniff(sample: str, whole: bool) -> tuple[str, str]:
    """Guess the delimiter and the decimal mark from the start of the file."""
    lines = sample.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # probably cut in the middle
    lines = [line for line in lines if line.strip()][:200]
    chosen = ","
    best_width = 1
    for delimiter in _DELIMITERS:
        if delimiter not in sample:
            continue
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        widths = [len(row) for row in rows if row]
        if not widths or widths[0] < 2:
            continue
        consistent = sum(w == widths[0] for w in widths) / len(widths)
        if consistent >= 0.8:
            chosen = delimiter
            break
        if widths[0] > best_width:  # no delimiter fits well: take the widest header
            chosen, best_width = delimiter, widths[0]
    decimal = "."
    if chosen != ",":
        try:
            cells = [
                cell.strip() for row in csv.reader(lines[1:], delimiter=chosen) for cell in row
            ]
        except csv.Error:
            cells = []
        comma = sum(bool(_COMMA_NUMBER.fullmatch(cell)) for cell in cells)
        dot = sum(bool(_DOT_NUMBER.fullmatch(cell)) for cell in cells)
        if comma and not dot:
            decimal = ","
    return chosen, decimal


_COMMA_NUMBER = re.compile(r"[+-]?[0-9]*,[0-9]+(?:[eE][+-]?[0-9]+)?")
_DOT_NUMBER = re.compile(r"[+-]?[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?")


def _has_bytes(frame: pd.DataFrame) -> bool:
    for name in frame.columns:
        if not isinstance(name, str):
            return True
    for _, column in frame.items():
        if (
            column.dtype == object
            and pd.api.types.infer_dtype(column, skipna=True) in ("bytes", "mixed")
            and any(isinstance(x, bytes) for x in column)
        ):
            return True
    return False


_C_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_with_c_engine(source: Any, delimiter: str, decimal: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            source,
            sep=delimiter,
            decimal=decimal,
            encoding="utf-8-sig",
            engine="c",
            low_memory=False,
        )
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1].hex()
        raise DataError(
            f"The file is not UTF-8 text (it holds the byte 0x{bad}, which UTF-8 does not "
            'allow there); save it as "CSV UTF-8" and upload it again.'
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError("The file is empty or has no columns.") from exc
    except pd.errors.ParserError as exc:
        message = str(exc).strip()
        match = _C_ERROR.search(message)
        if match:
            expected, line, saw = match.groups()
            raise DataError(
                f"Line {line} has {saw} fields but the header has {expected}; "
                f'check the delimiter ("{_delimiter_name(delimiter)}") and the quotes.'
            ) from exc
        if "EOF inside string" in message:
            raise DataError(
                'A quoted field is never closed (a " is missing); check the quotes.'
            ) from exc
        detail = message.split("C error:")[-1].strip()
        raise DataError(f"The file is not valid CSV: {detail}") from exc
    except Exception as exc:  # pandas raises many kinds; pages catch only ours
        raise DataError(f"The file could not be read as CSV: {exc}") from exc


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ";": ";", "|": "|", ",": ","}.get(delimiter, delimiter)


# --------------------------------------------------------------------------------------
# From a frame to a Dataset


def dataset_from_frame(
    frame: pd.DataFrame,
    *,
    group_col: str | None = None,
    value_col: str | None = None,
    columns: Sequence[str] | None = None,
    paired: bool = False,
    source: str = "csv",
) -> Dataset:
    """Build a :class:`Dataset` from a table.

    Long layout (``group_col`` and ``value_col``): one row per observation, groups in order
    of first appearance. Wide layout (``columns``): one column per group. With neither,
    :func:`guess_layout` decides. Empty and NA cells are missing; other non-numbers are an
    error naming the row (the header is row 1, as a spreadsheet counts), column and text.
    """
    if frame.shape[1] == 0:
        raise DataError("The table has no columns.")
    if columns is not None and (group_col is not None or value_col is not None):
        raise DataError(
            "Choose one layout: a group column and a value column (long), "
            "or the columns to compare (wide)."
        )
    if columns is None and group_col is None and value_col is None:
        guess = guess_layout(frame)
        if guess["layout"] == "long":
            group_col, value_col = guess["group_col"], guess["value_col"]
        else:
            columns = guess["columns"]
    decimal_comma = frame.attrs.get("decimal") == ","
    if columns is None:
        if group_col is None or value_col is None:
            raise DataError(
                "The long layout needs both a group column and a value column "
                f"(got group column {group_col!r}, value column {value_col!r})."
            )
        g = _column_position(frame, group_col)
        v = _column_position(frame, value_col)
        if g == v:
            raise DataError(
                f'The group column and the value column are both "{_show(str(group_col))}"; '
                "choose two different columns."
            )
        groups = _long_groups(frame, g, v, decimal_comma)
    else:
        positions = [_column_position(frame, name) for name in columns]
        if len(set(positions)) != len(positions):
            raise DataError("The same column is chosen twice; choose each group's column once.")
        groups: dict[str, np.ndarray] = {}
        for position in positions:
            name = str(frame.columns[position])
            groups[name] = _numeric(frame.iloc[:, position], name, decimal_comma)
    return make_dataset(groups, paired=paired, source=source)


def _column_position(frame: pd.DataFrame, name: object) -> int:
    labels = [str(c) for c in frame.columns]
    wanted = str(name)
    matches = [i for i, label in enumerate(labels) if label == wanted]
    if not matches:
        matches = [i for i, label in enumerate(labels) if label.strip() == wanted.strip()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DataError(f'Two columns are called "{_show(wanted)}"; rename one of them.')
    shown = ", ".join(f'"{_show(label)}"' for label in labels[:20])
    more = f" and {len(labels) - 20} more" if len(labels) > 20 else ""
    raise DataError(f'Unknown column "{_show(wanted)}"; the columns are: {shown}{more}.')


def _as_text(column: pd.Series) -> pd.Series:
    """The cells as stripped strings (``<NA>`` where pandas found no value)."""
    return column.astype("string").str.strip()


def _numeric(column: pd.Series, name: str, decimal_comma: bool) -> np.ndarray:
    """The column as floats (NaN = missing), or a :class:`DataError` naming the first bad cell."""
    if pd.api.types.is_bool_dtype(column.dtype):
        _report_bad(column, np.ones(len(column), dtype=bool), name, "is not a number")
    if pd.api.types.is_numeric_dtype(column.dtype):
        numbers = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        text = _as_text(column)
        if decimal_comma:
            text = text.str.replace(",", ".", regex=False)
        coerced = pd.to_numeric(text, errors="coerce")
        numbers = np.asarray(coerced.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        unread = np.isnan(numbers)
        if unread.any():
            lowered = text.str.lower()
            missing = (text.isna() | (text == "") | lowered.isin(_MISSING)).to_numpy(
                dtype=bool, na_value=True
            )
            bad = unread & ~missing
            if bad.any():
                _report_bad(column, bad, name, "is not a number")
    infinite = np.isinf(numbers)
    if infinite.any():
        _report_bad(column, infinite, name, "is infinite; only finite numbers can be analysed")
    return numbers


def _report_bad(column: pd.Series, bad: np.ndarray, name: str, reason: str) -> None:
    positions = np.flatnonzero(bad)
    first = int(positions[0])
    more = len(positions) - 1
    also = f" ({more} more such cell{'s' if more > 1 else ''} in this column)" if more else ""
    shown = _show(str(column.iloc[first]))
    raise DataError(f'Row {first + 2}, column "{_show(name)}": "{shown}" {reason}{also}.')


def _long_groups(frame: pd.DataFrame, g: int, v: int, decimal_comma: bool) -> dict[str, np.ndarray]:
    """One float array per group (NaN = missing), groups in order of first appearance."""
    group_name = str(frame.columns[g])
    # Number the raw labels once, then name the few distinct ones.
    codes, labels = _factorize(frame.iloc[:, g])
    text = _label_text(pd.Series(labels))
    empty = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
    if (codes < 0).any() or empty.any():
        bad = (codes < 0) | np.isin(codes, np.flatnonzero(empty))
        row = int(np.argmax(bad)) + 2
        raise DataError(f'Row {row}: the group (column "{_show(group_name)}") is empty.')
    names = text.tolist()
    if len(set(names)) < len(names):  # " A" and "A", or 1 and "1": one group
        merged, unique_names = pd.factorize(text, sort=False)
        codes, names = merged[codes], unique_names.tolist()
    numbers = _numeric(frame.iloc[:, v], str(frame.columns[v]), decimal_comma)
    if len(names) > _MAX_GROUPS:
        raise DataError(
            f'Column "{_show(group_name)}" has {len(names)} different groups; '
            "is it really the column that names the groups?"
        )
    return dict(zip(names, _split_by_code(numbers, codes, len(names)), strict=True))


def _factorize(labels: pd.Series) -> tuple[np.ndarray, Any]:
    """A code per row (-1 = empty cell) and the distinct labels in order of first appearance,
    as ``pd.factorize(labels, sort=False)`` gives them."""
    fast = _factorize_few_short_strings(labels)
    if fast is not None:
        return fast
    try:
        return pd.factorize(labels, sort=False)
    except TypeError:  # unhashable cells (lists, not from a CSV): number them by their text
        return pd.factorize(_as_text(labels), sort=False)


_FEW = 8
_SAMPLE_ROWS = 10_000


def _factorize_few_short_strings(labels: pd.Series) -> tuple[np.ndarray, list[str]] | None:
    """:func:`_factorize` for the usual group column, three times faster than pandas (which
    hashes every string): Arrow strings, no empty cell, at most ``_FEW`` labels of at most 12
    bytes, all of which appear in the first ``_SAMPLE_ROWS`` rows. ``None`` when the column is
    not like that.

    Arrow's string-view layout stores a string of up to 12 bytes whole in a 16-byte view (its
    length, its bytes, zeros), so a row holds a label exactly when the two 64-bit words of
    its view equal those of the label's view (the length is part of the first word, so a
    longer string, whose view points elsewhere, never matches).
    """
    dtype = labels.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or labels.hasnans:
        return None
    import pyarrow as pa

    candidates = [str(label) for label in pd.unique(labels.iloc[:_SAMPLE_ROWS])]
    if len(candidates) > _FEW or any(len(label.encode()) > 12 for label in candidates):
        return None
    try:
        keys = _words(pa.array(candidates, pa.string_view()))
        column = pa.chunked_array(pa.array(labels)).cast(pa.string_view())
    except (AttributeError, pa.ArrowNotImplementedError):  # pyarrow < 16: no string views
        return None
    # code + 1 per row, 0 where no label matched (adding is much faster than masked writes)
    codes = np.zeros(len(labels), dtype=np.int8)
    start = 0
    for chunk in column.chunks:
        words = _words(chunk)
        part = codes[start : start + len(chunk)]
        for code, (first, second) in enumerate(keys):
            match = (words[:, 0] == first) & (words[:, 1] == second)
            part += match.view(np.int8) * np.int8(code + 1)
        start += len(chunk)
    if not codes.all():  # a label first seen after the sample
        return None
    codes -= 1
    return codes, candidates


def _words(views: Any) -> np.ndarray:
    """The 16-byte views of a pyarrow string-view array as pairs of 64-bit words."""
    end = views.offset + len(views)
    if end == 0:
        return np.empty((0, 2), dtype=np.uint64)
    buffer = views.buffers()[1]
    return np.frombuffer(buffer, dtype=np.uint64, count=2 * end).reshape(-1, 2)[views.offset :]


def _label_text(labels: pd.Series) -> pd.Series:
    """Group labels as names: stripped text; whole-number floats (1.0, 2.0) as "1", "2"."""
    if pd.api.types.is_float_dtype(labels.dtype):
        finite = labels.dropna()
        if len(finite) and np.all(np.abs(finite) < 2**53) and np.all(finite == np.round(finite)):
            labels = labels.astype("Int64")
    return _as_text(labels)


def _split_by_code(values: np.ndarray, codes: np.ndarray, count: int) -> list[np.ndarray]:
    """``values[codes == k]`` for every k below ``count``, each a new read-only array."""
    if count <= 8:  # a pass per group is the fastest for a few groups
        parts = [np.extract(codes == k, values) for k in range(count)]
    else:
        # Codes as the smallest integer type: numpy sorts those stably with a radix sort.
        small = codes.astype(np.min_scalar_type(count))
        ordered = values[np.argsort(small, kind="stable")]
        bounds = np.cumsum(np.bincount(codes, minlength=count))[:-1]
        parts = [part.copy() for part in np.split(ordered, bounds)]
    for part in parts:
        part.flags.writeable = False
    return parts


_ID_NAMES = re.compile(
    r"(?i)^(?:id|#|no\.?|nr\.?|n°|index|row|subject|participant|patient)$|_id$| id$"
)


def guess_layout(frame: pd.DataFrame) -> dict[str, Any]:
    """Guess how a frame holds its groups, for the page to pre-select.

    Returns ``{"layout": "long"|"wide", "group_col", "value_col", "columns"}``: a text
    column and a numeric column -> long; two or more numeric columns -> wide. ID-like
    columns (``id``, ``subject``, ...) are not taken as values while others remain.
    """
    decimal_comma = frame.attrs.get("decimal") == ","
    sample = frame.head(10_000)
    names = list(frame.columns)
    kinds = [_column_kind(sample.iloc[:, k], decimal_comma) for k in range(len(names))]
    numeric = [k for k, kind in enumerate(kinds) if kind == "numeric"]
    text = [k for k, kind in enumerate(kinds) if kind == "text"]
    values = [k for k in numeric if not _ID_NAMES.search(str(names[k]))] or numeric
    grouping = [k for k in text if _repeats(sample.iloc[:, k])] or text

    def long(group: int, value: int) -> dict[str, Any]:
        return {
            "layout": "long",
            "group_col": names[group],
            "value_col": names[value],
            "columns": [],
        }

    def wide(positions: list[int]) -> dict[str, Any]:
        columns = [names[k] for k in positions]
        return {"layout": "wide", "group_col": None, "value_col": None, "columns": columns}

    if len(values) == 2 and not text:
        codes = [k for k in values if _few_integer_codes(sample.iloc[:, k])]
        if len(codes) == 1:  # groups coded 1/2 next to a measurement
            return long(codes[0], next(k for k in values if k != codes[0]))
    if len(values) >= 2:
        return wide(values)
    if values and grouping:
        return long(grouping[0], values[0])
    if values:
        return wide(values)
    if len(names) >= 2:
        return long(0, 1)
    return wide(list(range(len(names))))


def _column_kind(column: pd.Series, decimal_comma: bool) -> str:
    """``numeric``, ``text`` or ``empty``; a text column of mostly numbers counts as numeric
    (a typo in a number column must be reported, not make the column a group name)."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return "text"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "numeric" if column.notna().any() else "empty"
    try:
        cells = _as_text(column.dropna().head(500))
    except Exception:  # noqa: BLE001 - an odd object column is simply text
        return "text"
    cells = cells[(cells != "") & ~cells.str.lower().isin(_MISSING)]
    if len(cells) == 0:
        return "empty"
    if decimal_comma:
        cells = cells.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cells, errors="coerce")
    share = float(numbers.notna().mean())
    return "numeric" if share >= 0.8 else "text"


def _repeats(column: pd.Series) -> bool:
    present = column.dropna()
    try:
        return 0 < present.nunique() < len(present)
    except TypeError:  # unhashable cells (not from a CSV): not a grouping column
        return False


def _few_integer_codes(column: pd.Series) -> bool:
    if not pd.api.types.is_integer_dtype(column.dtype):
        return False
    present = column.dropna()
    distinct = present.nunique()
    return 2 <= distinct <= 10 and len(present) >= 2 * distinct
