"""Tables as people paste them: Markdown pipes, and columns aligned with spaces (pandas, R,
statsmodels, pingouin), found in normalised text.

Each number in a table becomes a :class:`Cell`: the number's span, its column heading and its
row's label (the row's leading cells that are not numbers), and the texts of the row's other
cells (``two-sided`` under ``alternative``). What a cell means is the reader's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant_core.claims.lexicon import CI_BOUND_HEADINGS, label_of
from assistant_core.claims.written import NUMBER_BARE

__all__ = ["Cell", "find_cells"]


@dataclass(frozen=True)
class Cell:
    start: int  # the cell's text (a number, a bound, an interval, "a (b)", "a ± b")
    end: int
    heading: str
    row_label: str
    row: int  # a key shared by the cells of one row
    texts: tuple[tuple[str, str], ...] = ()  # (heading, text) of the row's word cells
    heading_span: tuple[int, int] | None = None


_R_PREFIX = re.compile(r"^\s*(?:#+>?|>)\s?")
_PIPE_ROW = re.compile(r"^[ \t]*\|?(?P<body>.*\|.*?)\|?[ \t]*$")
_RULE = re.compile(r"^[\s|:+=-]+$")
_CELL_VALUE = re.compile(
    rf"^\s*(?:[<>≤≥=]\s*)?{NUMBER_BARE}\s*(?:\*+|[a-z]{{0,2}})?\s*$"
    rf"|^\s*[\[(]\s*{NUMBER_BARE}\s*[,;]\s*{NUMBER_BARE}\s*[\])]\s*$"
    rf"|^\s*{NUMBER_BARE}\s*(?:\(\s*{NUMBER_BARE}\s*\)|±\s*{NUMBER_BARE})\s*$",
    re.X,
)


def is_value_cell(text: str) -> bool:
    return bool(text.strip()) and bool(_CELL_VALUE.match(text))


def find_cells(text: str, aligned: bool) -> tuple[list[Cell], list[tuple[int, int]]]:
    """The cells of every table in ``text``, and the spans of the tables' lines.

    ``aligned``: also read columns aligned with spaces (printed output, fenced code blocks).
    """
    lines = _lines(text)
    cells: list[Cell] = []
    spans: list[tuple[int, int]] = []
    index = 0
    row_key = 0
    while index < len(lines):
        start, line = lines[index]
        if line.count("|") >= 2 or (
            line.count("|") == 1 and (line.strip().startswith("|") or _pipe_block(lines, index))
        ):
            end = index
            while (
                end < len(lines)
                and (
                    lines[end][1].count("|") >= 1
                    or _RULE.match(_R_PREFIX.sub("", lines[end][1]) or "x")
                )
                and lines[end][1].strip()
            ):
                end += 1
            found, row_key = _pipe_table(lines[index:end], row_key)
            cells += found
            if found:
                spans.append((start, lines[end - 1][0] + len(lines[end - 1][1])))
            index = max(end, index + 1)
            continue
        if aligned:
            found, used, row_key = _aligned_table(lines, index, row_key)
            if found:
                cells += found
                last = lines[index + used - 1]
                spans.append((start, last[0] + len(last[1])))
                index += used
                continue
        index += 1
    return cells, spans


def _pipe_block(lines: list[tuple[int, str]], index: int) -> bool:
    """A one-pipe heading ("Cohen's d | 95% CI") with a rule line under it."""
    following = lines[index + 1][1] if index + 1 < len(lines) else ""
    return bool(_RULE.match(_R_PREFIX.sub("", following) or "x")) and "-" in following


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _split_pipes(offset: int, line: str) -> list[tuple[int, str]]:
    """(start, text) of each cell of a pipe row, stripped."""
    cells = []
    position = 0
    parts = line.split("|")
    if parts and not parts[0].strip():
        position += len(parts[0]) + 1
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    for part in parts:
        # R's printed output pasted with its "## " or "#> " prefix
        bare = re.sub(r"^\s*(?:#+>?|>)\s?", "", part) if not cells else part
        lead = len(part) - len(bare.lstrip())
        cells.append((offset + position + lead, bare.strip()))
        position += len(part) + 1
    return cells


def _pipe_table(lines: list[tuple[int, str]], row_key: int) -> tuple[list[Cell], int]:
    rows = [(off, line) for off, line in lines]
    heading: list[str] | None = None
    heading_spans: list[tuple[int, int]] = []
    cells: list[Cell] = []
    for number, (offset, line) in enumerate(rows):
        if _RULE.match(_R_PREFIX.sub("", line)):
            continue
        split = _split_pipes(offset, line)
        following = rows[number + 1][1] if number + 1 < len(rows) else ""
        following = _R_PREFIX.sub("", following)
        if heading is None and _RULE.match(following) and "-" in following:
            heading = [text for _, text in split]
            heading_spans = [(start, start + len(text)) for start, text in split]
            continue
        row_key += 1
        label_parts = []
        for _, cell_text in split:
            if is_value_cell(cell_text) or not cell_text:
                break
            label_parts.append(cell_text)
        texts = tuple(
            ((heading[i] if heading and i < len(heading) else ""), t)
            for i, (_, t) in enumerate(split)
            if t and not is_value_cell(t)
        )
        for column, (start, cell_text) in enumerate(split):
            if not is_value_cell(cell_text):
                continue
            head = heading[column] if heading and column < len(heading) else ""
            span = heading_spans[column] if column < len(heading_spans) else None
            cells.append(
                Cell(
                    start, start + len(cell_text), head, " ".join(label_parts), row_key, texts, span
                )
            )
    return cells, row_key


# --------------------------------------------------------------------------- aligned columns

_WS_CELL = re.compile(r"\[[^\]\n]*\]|\S+")


def _ws_cells(line: str) -> list[tuple[int, int, str]]:
    # R's "## " / "#> " before pasted output is not a column: blank it, columns kept
    line = _R_PREFIX.sub(lambda m: " " * len(m.group(0)), line, count=1)
    return [(m.start(), m.end(), m.group(0)) for m in _WS_CELL.finditer(line)]


def _numeric(text: str) -> bool:
    return is_value_cell(text) or text.lower() in ("nan", "na", "none", "-", "inf", "-inf")


def _heading_ok(cells: list[tuple[int, int, str]], line: str) -> bool:
    """A line of column headings: words (two at least), no "=", not a lead-in ending in ":",
    and two or more of them headings that mean something (or all of them one: "mean
    difference" above its one number)."""
    words = [c for c in cells if not _numeric(c[2])]
    if len(words) < 2 or len(words) < len(cells) - 1:
        return False
    stripped = line.strip()
    if "=" in stripped or stripped.endswith((":", ".")):
        return False
    known = 0
    i = 0
    while i < len(cells):
        for width in (3, 2, 1):
            if i + width <= len(cells):
                phrase = " ".join(c[2] for c in cells[i : i + width])
                if label_of(phrase) is not None or phrase.lower() in CI_BOUND_HEADINGS:
                    known += 1
                    i += width - 1
                    break
        i += 1
    whole = label_of(" ".join(c[2] for c in cells)) is not None
    return known >= 2 or whole


def _aligned_table(
    lines: list[tuple[int, str]], index: int, row_key: int
) -> tuple[list[Cell], int, int]:
    """A heading line at ``index`` and the rows under it whose numbers sit under its words."""
    offset, heading_line = lines[index]
    heading = _ws_cells(heading_line)
    if not _heading_ok(heading, heading_line):
        return [], 0, row_key
    cells: list[Cell] = []
    used = 1
    for row_offset, line in lines[index + 1 :]:
        if not line.strip():
            if cells:
                break
            used += 1
            continue
        if _RULE.match(line):
            if cells:
                break  # R's "---" above its significance codes ends the table
            used += 1
            continue
        if "=" in line or line.lstrip().startswith("Signif. codes"):
            break
        row = _ws_cells(line)
        values = [c for c in row if is_value_cell(c[2])]
        if not values:
            if all(re.fullmatch(r"<\w+>|#+>?", c[2]) for c in row):
                used += 1  # a tibble's row of column types: <fct> <dbl>
                continue
            if cells or len(row) > 3:
                break
            used += 1  # a row of names between the heading and the numbers (pandas index)
            continue
        placed = [(c, _column(heading, c)) for c in values]
        if sum(p is not None for _, p in placed) < max(1, len(values) // 2):
            break
        row_key += 1
        first_value = min((c[0] for c, p in placed if p is not None), default=values[0][0])
        label = " ".join(c[2] for c in row if c[0] < first_value and not is_value_cell(c[2]))
        texts = tuple(
            (_heading_phrase(heading, h) if (h := _column(heading, c)) is not None else "", c[2])
            for c in row
            if not _numeric(c[2]) and c[0] > first_value
        )
        whole = " ".join(c[2] for c in heading)
        single = len(values) == 1 and label_of(whole) is not None
        for cell, column in placed:
            if column is None:
                continue
            phrase, first = _heading_phrase_span(heading, column)
            if single:  # "mean of the differences" above its one number
                phrase, first, column = whole, 0, len(heading) - 1
            cells.append(
                Cell(
                    row_offset + cell[0],
                    row_offset + cell[1],
                    phrase,
                    label,
                    row_key,
                    texts,
                    (offset + heading[first][0], offset + heading[column][1]),
                )
            )
        used += 1
    if not cells:
        return [], 0, row_key
    return cells, used, row_key


def _column(heading: list[tuple[int, int, str]], cell: tuple[int, int, str]) -> int | None:
    """The heading word a cell sits under: right edges aligned (numbers are right-aligned),
    else left edges, else the one it overlaps."""
    start, end, _ = cell
    best: tuple[float, int] | None = None
    for i, (h_start, h_end, _) in enumerate(heading):
        right, left = abs(h_end - end), abs(h_start - start)
        overlap = min(end, h_end) - max(start, h_start)
        if right <= 2:
            score = float(right)
        elif left <= 2:
            score = left + 0.5
        elif overlap > 0:
            score = 3.0
        else:
            continue
        if best is None or score < best[0]:
            best = (score, i)
    return best[1] if best else None


def _heading_phrase(heading: list[tuple[int, int, str]], column: int) -> str:
    return _heading_phrase_span(heading, column)[0]


def _heading_phrase_span(heading: list[tuple[int, int, str]], column: int) -> tuple[str, int]:
    """The longest phrase ending at ``column`` that means something ("Sum Sq", "mean of x",
    "Lower CI"), and the index of its first word."""
    for width in (4, 3, 2):
        first = column - width + 1
        if first < 0:
            continue
        words = heading[first : column + 1]
        if all(words[k + 1][0] - words[k][1] == 1 for k in range(len(words) - 1)):
            phrase = " ".join(w[2] for w in words)
            if label_of(phrase) is not None or phrase.lower() in CI_BOUND_HEADINGS:
                return phrase, first
    return heading[column][2], column
