"""What a claim is: one span of what the reader reads, what it says, and its verdict.

A :class:`Claim` is frozen. Its offsets index the source it was read from (the prose of an
answer, one code cell's printed output, or nothing for the structured ``report_results``
figures). :class:`ClaimReport` holds the claims of one answer (or one text), their coverage,
and the variant (which test the figures are of) with its notes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "KIND_LABELS",
    "NUMERIC_KINDS",
    "STATEMENT_KINDS",
    "Claim",
    "ClaimReport",
    "Coverage",
    "Verdict",
]

Verdict = Literal["confirmed", "contradicted", "unchecked"]
Source = Literal["text", "output", "report"]

#: Kind -> the words a reader would use for it (messages, the UI, reports).
KIND_LABELS: dict[str, str] = {
    "t": "t statistic",
    "F": "F statistic",
    "U": "U statistic",
    "W": "W statistic",
    "H": "H statistic",
    "chi2": "χ² statistic",
    "z": "z statistic",
    "r": "r",
    "Q": "Q statistic",
    "df": "degrees of freedom",
    "p_value": "p value",
    "n": "sample size",
    "mean": "mean",
    "sd": "standard deviation",
    "variance": "variance",
    "se": "standard error",
    "median": "median",
    "min": "minimum",
    "max": "maximum",
    "mean_difference": "mean difference",
    "ci_low": "lower confidence bound",
    "ci_high": "upper confidence bound",
    "ci_level": "confidence level",
    "d": "Cohen's d",
    "g": "Hedges' g",
    "dz": "Cohen's d_z",
    "eta2": "η²",
    "omega2": "ω²",
    "r_effect": "r (effect size)",
    "ss": "sum of squares",
    "ms": "mean square",
    "critical": "critical value",
    "pair_difference": "pairwise difference",
    "pair_p": "pairwise p value",
    "conclusion": "conclusion",
    "direction": "direction",
    "pair": "pair said to differ",
    "test": "test named",
    "sidedness": "sidedness",
}
STATEMENT_KINDS = frozenset({"conclusion", "direction", "pair", "test", "sidedness"})
NUMERIC_KINDS = frozenset(KIND_LABELS) - STATEMENT_KINDS


@dataclass(frozen=True)
class Claim:
    """One figure or statement as the reader reads it, with its verdict.

    ``start``/``end`` are character offsets into the source (``None`` for the structured
    report); ``cell`` is the index of the code output a claim of source ``output`` was read
    from. ``reported`` is the claim as written (``"p = .031"``); ``value`` the number it
    states (``None`` for statements and bounds such as "ns"); ``expected`` the local figure
    it should be (``None`` when unchecked); ``about`` what it is about, in words ("Welch's
    t-test", "group A", "A vs B"); ``test`` the test key it was judged against.
    """

    kind: str
    source: Source
    reported: str
    verdict: Verdict
    reason: str
    start: int | None = None
    end: int | None = None
    cell: int | None = None
    value: float | None = None
    expected: float | str | None = None
    about: str = ""
    test: str | None = None
    group: str | None = None
    pair: tuple[str, str] | None = None
    decision_error: bool = False
    page: int | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "kind": self.kind,
            "reported": self.reported,
            "value": _json_number(self.value),
            "expected": _json_number(self.expected),
            "verdict": self.verdict,
            "decision_error": self.decision_error,
            "about": self.about,
            "test": self.test,
            "reason": self.reason,
        }
        if self.cell is not None:
            out["cell"] = self.cell
        if self.group is not None:
            out["group"] = self.group
        if self.pair is not None:
            out["pair"] = list(self.pair)
        if self.page is not None:
            out["page"] = self.page
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Claim:
        pair = data.get("pair")
        return cls(
            kind=str(data.get("kind", "")),
            source=data.get("source", "text"),
            reported=str(data.get("reported", "")),
            verdict=data.get("verdict", "unchecked"),
            reason=str(data.get("reason", "")),
            start=data.get("start"),
            end=data.get("end"),
            cell=data.get("cell"),
            value=_from_json_number(data.get("value")),
            expected=_from_json_number(data.get("expected")),
            about=str(data.get("about") or ""),
            test=data.get("test"),
            group=data.get("group"),
            pair=(str(pair[0]), str(pair[1])) if isinstance(pair, list | tuple) else None,
            decision_error=bool(data.get("decision_error", False)),
            page=data.get("page"),
        )


@dataclass(frozen=True)
class Coverage:
    """How many claims there are and how they were judged."""

    numbers: int = 0
    statements: int = 0
    confirmed: int = 0
    contradicted: int = 0
    unchecked: int = 0

    @property
    def total(self) -> int:
        return self.numbers + self.statements

    @property
    def checked(self) -> int:
        return self.confirmed + self.contradicted

    @classmethod
    def of(cls, claims: Iterable[Claim]) -> Coverage:
        listed = list(claims)
        return cls(
            numbers=sum(c.numeric for c in listed),
            statements=sum(not c.numeric for c in listed),
            confirmed=sum(c.verdict == "confirmed" for c in listed),
            contradicted=sum(c.verdict == "contradicted" for c in listed),
            unchecked=sum(c.verdict == "unchecked" for c in listed),
        )

    def line(self) -> str:
        """``"25 claims: 21 confirmed, 2 contradicted, 2 unchecked"``."""
        if not self.total:
            return "No figures or statements to check."
        noun = "claim" if self.total == 1 else "claims"
        parts = [f"{self.confirmed} confirmed", f"{self.contradicted} contradicted"]
        parts.append(f"{self.unchecked} unchecked")
        return f"{self.total} {noun} ({self.numbers} numbers): {', '.join(parts)}"

    def to_dict(self) -> dict[str, int]:
        return {
            "numbers": self.numbers,
            "statements": self.statements,
            "checked": self.checked,
            "confirmed": self.confirmed,
            "contradicted": self.contradicted,
            "unchecked": self.unchecked,
        }


@dataclass(frozen=True)
class ClaimReport:
    """The claims of one answer or text, in reading order, and what they add up to.

    ``variant`` is the key of the test the figures are of (``"welch_t"``, with
    ``" (one-sided: less)"`` when its p is one-sided); ``notes`` say what a reader should know
    about the choice of test (the local recommendation differs, the data are paired, ...).
    """

    claims: tuple[Claim, ...] = ()
    variant: str | None = None
    notes: tuple[str, ...] = ()
    mode: Literal["data", "consistency"] = "data"
    coverage: Coverage = field(default_factory=Coverage)

    @classmethod
    def of(
        cls,
        claims: Iterable[Claim],
        variant: str | None = None,
        notes: Iterable[str] = (),
        mode: Literal["data", "consistency"] = "data",
    ) -> ClaimReport:
        listed = tuple(claims)
        return cls(listed, variant, tuple(dict.fromkeys(notes)), mode, Coverage.of(listed))

    def ordered(self) -> list[Claim]:
        """Contradicted first, then confirmed, then unchecked; reading order within each."""
        rank = {"contradicted": 0, "confirmed": 1, "unchecked": 2}
        return sorted(self.claims, key=lambda c: rank[c.verdict])

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "notes": list(self.notes),
            "mode": self.mode,
            "claims": [c.to_dict() for c in self.claims],
            "coverage": self.coverage.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClaimReport:
        claims = [Claim.from_dict(c) for c in data.get("claims") or [] if isinstance(c, Mapping)]
        mode = "consistency" if data.get("mode") == "consistency" else "data"
        return cls.of(claims, data.get("variant"), data.get("notes") or (), mode)


def _json_number(value: Any) -> Any:
    """Strict JSON: infinities as ``"inf"``/``"-inf"``, NaN as None."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return value


def _from_json_number(value: Any) -> Any:
    if value == "inf":
        return math.inf
    if value == "-inf":
        return -math.inf
    return value
