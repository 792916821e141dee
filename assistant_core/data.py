"""Input: pasted text and CSV files become a :class:`Dataset`; bad input raises :class:`DataError`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant_core.errors import DataError

__all__ = ["DataError", "Dataset", "Group", "make_dataset"]

Design = Literal["independent", "paired", "multi"]


@dataclass(frozen=True)
class Group:
    """One named sample: its usable values and how many cells were missing."""

    name: str
    values: tuple[float, ...]
    missing: int = 0

    @property
    def n(self) -> int:
        return len(self.values)


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
                {"name": g.name, "values": list(g.values), "missing": g.missing} for g in self.groups
            ],
        }


def make_dataset(
    groups: Mapping[str, Sequence[float | None]],
    *,
    paired: bool = False,
    source: str = "paste",
) -> Dataset:
    """Check named raw groups (``None``/NaN = missing) and build a :class:`Dataset`.

    Paired data must be exactly two groups of equal length; a pair with a missing side is
    dropped and counted as missing in both groups.
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
    raw = [[_as_float_or_none(v, name) for v in values] for name, values in zip(names, groups.values())]
    if paired:
        if len(raw) != 2:
            raise DataError(f"Paired analysis needs exactly two groups; got {len(raw)}.")
        a, b = raw
        if len(a) != len(b):
            raise DataError(
                f"Paired analysis needs the same number of values in both groups: "
                f"{names[0]!r} has {len(a)}, {names[1]!r} has {len(b)}."
            )
        keep = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
        dropped = len(a) - len(keep)
        built = (
            Group(names[0], tuple(x for x, _ in keep), dropped),
            Group(names[1], tuple(y for _, y in keep), dropped),
        )
    else:
        built = tuple(
            Group(name, tuple(v for v in values if v is not None), sum(v is None for v in values))
            for name, values in zip(names, raw)
        )
    for group in built:
        if group.n == 0:
            raise DataError(f"Group {group.name!r} has no numeric values.")
    return Dataset(groups=built, paired=paired, source=source)


def _as_float_or_none(value: float | None, group: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise DataError(f"Group {group!r} contains an infinite value ({value!r}).")
    return number
