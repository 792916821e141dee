"""Load and validate the corpus files (``passages_*.yaml``); see README.md for the format.

Run ``python -m tests.corpus.load`` to validate every file and print a summary.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent

KINDS = frozenset(
    [
        "t",
        "F",
        "U",
        "W",
        "H",
        "chi2",
        "z",
        "r",
        "Q",
        "df",
        "p_value",
        "n",
        "mean",
        "sd",
        "variance",
        "se",
        "median",
        "mean_difference",
        "ci_low",
        "ci_high",
        "ci_level",
        "d",
        "g",
        "dz",
        "eta2",
        "omega2",
        "r_effect",
        "ss",
        "ms",
        "critical",
        "pair_difference",
        "pair_p",
        "conclusion",
        "direction",
        "pair",
        "test",
        "sidedness",
    ]
)
GENRES = frozenset(
    ["tutorial", "worked_example", "documentation", "qa_answer", "model_answer", "paper"]
)


class CorpusError(ValueError):
    """A passage that does not follow the format."""


@dataclass(frozen=True)
class Mark:
    find: str
    kind: str
    start: int
    end: int
    where: str  # "text" or "output"
    truth: Any = None
    expect: str = "confirmed"
    ref: str = ""


@dataclass(frozen=True)
class Variant:
    kind: str
    find: str
    replace: str
    start: int
    end: int
    where: str
    note: str = ""

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replace + text[self.end :]


@dataclass(frozen=True)
class Passage:
    id: str
    source: str
    genre: str
    groups: dict[str, list[float]]
    paired: bool
    alternative: str
    alpha: float
    text: str
    output: str
    marks: tuple[Mark, ...] = field(default_factory=tuple)
    variants: tuple[Variant, ...] = field(default_factory=tuple)
    file: str = ""


def _locate(haystack: str, needle: str, nth: int | None, where: str, pid: str) -> tuple[int, int]:
    if not needle:
        raise CorpusError(f"{pid}: an empty find")
    positions = []
    start = haystack.find(needle)
    while start != -1:
        positions.append(start)
        start = haystack.find(needle, start + 1)
    if not positions:
        raise CorpusError(f"{pid}: {needle!r} is not in the {where}")
    if nth is None and len(positions) > 1:
        raise CorpusError(
            f"{pid}: {needle!r} occurs {len(positions)} times in the {where}; give nth"
        )
    index = (nth or 1) - 1
    if index >= len(positions):
        raise CorpusError(f"{pid}: {needle!r} occurs only {len(positions)} times in the {where}")
    return positions[index], positions[index] + len(needle)


def _passage(raw: dict[str, Any], file: str) -> Passage:
    pid = str(raw.get("id") or "?")
    for key in ("id", "source", "genre", "data", "text"):
        if key not in raw:
            raise CorpusError(f"{pid}: missing {key}")
    if raw["genre"] not in GENRES:
        raise CorpusError(f"{pid}: unknown genre {raw['genre']!r}")
    data = raw["data"]
    groups = {str(k): [float(v) for v in vs] for k, vs in (data.get("groups") or {}).items()}
    if len(groups) < 2 and raw["genre"] != "paper":
        raise CorpusError(f"{pid}: needs at least two groups of data")
    text, output = str(raw["text"]), str(raw.get("output") or "")
    sources = {"text": text, "output": output}
    marks = []
    for m in raw.get("marks") or []:
        where = m.get("in", "text")
        if m.get("kind") not in KINDS:
            raise CorpusError(f"{pid}: unknown kind {m.get('kind')!r}")
        if m.get("expect", "confirmed") not in ("confirmed", "contradicted"):
            raise CorpusError(f"{pid}: expect must be confirmed or contradicted")
        start, end = _locate(sources[where], str(m["find"]), m.get("nth"), where, pid)
        marks.append(
            Mark(
                str(m["find"]),
                m["kind"],
                start,
                end,
                where,
                m.get("truth"),
                m.get("expect", "confirmed"),
                str(m.get("ref", "")),
            )
        )
    variants = []
    for v in raw.get("variants") or []:
        where = v.get("in", "text")
        if v.get("kind") not in KINDS:
            raise CorpusError(f"{pid}: unknown variant kind {v.get('kind')!r}")
        start, end = _locate(sources[where], str(v["find"]), v.get("nth"), where, pid)
        if str(v["replace"]) == str(v["find"]):
            raise CorpusError(f"{pid}: a variant that changes nothing")
        variants.append(
            Variant(
                v["kind"],
                str(v["find"]),
                str(v["replace"]),
                start,
                end,
                where,
                str(v.get("note", "")),
            )
        )
    return Passage(
        pid,
        str(raw["source"]),
        raw["genre"],
        groups,
        bool(data.get("paired", False)),
        str(data.get("alternative", "two-sided")),
        float(data.get("alpha", 0.05)),
        text,
        output,
        tuple(marks),
        tuple(variants),
        file,
    )


def load(pattern: str = "passages_*.yaml") -> list[Passage]:
    passages: list[Passage] = []
    for path in sorted(HERE.glob(pattern)):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            passages.append(_passage(raw, path.name))
    ids = [p.id for p in passages]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise CorpusError(f"duplicate ids: {sorted(duplicates)}")
    return passages


if __name__ == "__main__":
    try:
        found = load(sys.argv[1] if len(sys.argv) > 1 else "passages_*.yaml")
    except CorpusError as exc:
        print(f"invalid: {exc}")
        sys.exit(1)
    marks = sum(len(p.marks) for p in found)
    variants = sum(len(p.variants) for p in found)
    kinds = sorted({v.kind for p in found for v in p.variants})
    print(
        f"{len(found)} passages, {marks} marks, {variants} variants "
        f"({sum(1 for p in found if p.variants)} passages with variants)"
    )
    print("variant kinds:", ", ".join(kinds))
