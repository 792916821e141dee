"""The verdict of one answer as the ``ask`` contract gives it: the variant, one line per key
figure of the test used (``match``/``mismatch``/``not_reported``), then every claim.

The per-figure lines are read off the claims, the prose first: when the prose and the output
disagree, the line shows the prose (what the reader takes away).
"""

from __future__ import annotations

import re
from typing import Any

from assistant_core.claims.facts import Facts
from assistant_core.claims.lexicon import FAMILY, test_title
from assistant_core.claims.model import Claim, ClaimReport
from assistant_core.events import Verification

__all__ = ["KEY_FIGURES", "verification"]

#: The figures each family must report, by the names of the ``ask`` contract; each is found
#: among the claims of these kinds.
KEY_FIGURES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "t": (
        ("statistic", ("t",)),
        ("df", ("df",)),
        ("p_value", ("p_value",)),
        ("ci_low", ("ci_low",)),
        ("ci_high", ("ci_high",)),
        ("effect_size", ("d", "g", "dz", "r_effect")),
    ),
    "rank_sum": (("statistic", ("U", "W", "z")), ("p_value", ("p_value",))),
    "signed_rank": (("statistic", ("W", "U", "z")), ("p_value", ("p_value",))),
    "anova": (
        ("statistic", ("F",)),
        ("df_between", ("df",)),
        ("df_within", ("df",)),
        ("p_value", ("p_value",)),
        ("effect_size", ("eta2", "omega2")),
    ),
    "kruskal": (("statistic", ("H", "chi2")), ("df", ("df",)), ("p_value", ("p_value",))),
}
_SOURCE_RANK = {"text": 0, "output": 1, "report": 2}
_STATUS = {"confirmed": "match", "contradicted": "mismatch", "unchecked": "not_reported"}


def _main_claims(report: ClaimReport) -> list[Claim]:
    base = (report.variant or "").split(" (")[0]
    family = FAMILY.get(base)
    return [c for c in report.claims if c.test and FAMILY.get(c.test) == family]


def _pick(claims: list[Claim], kinds: tuple[str, ...], name: str) -> Claim | None:
    found = [c for c in claims if c.kind in kinds and c.value is not None]
    if name in ("df_between", "df_within"):
        found = [c for c in found if _df_role(c, claims) == name]
    if not found:
        return None
    found.sort(key=lambda c: (_SOURCE_RANK.get(c.source, 3), c.cell or 0, c.start or 0))
    best_source = found[0].source
    same = [c for c in found if c.source == best_source]
    wrong = [c for c in same if c.verdict == "contradicted"]
    return wrong[0] if wrong else same[0]


def _df_role(claim: Claim, claims: list[Claim]) -> str:
    """The first df of an F is the between-groups one, the second the within."""
    dfs = [
        c for c in claims if c.kind == "df" and c.source == claim.source and c.cell == claim.cell
    ]
    index = dfs.index(claim)
    return "df_between" if index % 2 == 0 else "df_within"


def verification(report: ClaimReport, facts: Facts) -> Verification:
    """The ``verification`` event of one answer, from its claims."""
    figures: list[dict[str, Any]] = []
    base = (report.variant or "").split(" (")[0] or None
    test_claims = [c for c in report.claims if c.kind == "test"]
    wrong_name = next((c for c in test_claims if c.verdict == "contradicted"), None)
    entry: dict[str, Any] = {
        "name": "test",
        "reported": report.variant,
        "local": facts.recommended,
        "status": "not_reported" if base is None else ("mismatch" if wrong_name else "match"),
    }
    notes = list(report.notes)
    if wrong_name is not None:
        notes.insert(0, f"The text names {test_title(wrong_name.test)}: {wrong_name.reason}.")
    if notes:
        entry["note"] = " ".join(notes)
    figures.append(entry)
    family = FAMILY.get(base or "")
    claims = _main_claims(report)
    variant = report.variant or ""
    infinite = "ci_low" if "less" in variant else "ci_high" if "greater" in variant else None
    for name, kinds in KEY_FIGURES.get(family or "", ()):
        if name == infinite:
            continue  # a one-sided interval's open end is infinite: nothing to report
        claim = _pick(claims, kinds, name)
        if claim is None:
            figures.append(
                {"name": name, "reported": None, "local": None, "status": "not_reported"}
            )
            continue
        bound = re.search(r"([<>≤≥])\s*(\S+)$", claim.reported)
        shown: Any = f"{bound.group(1)} {bound.group(2)}" if bound else claim.value
        line: dict[str, Any] = {
            "name": name,
            "reported": shown if shown is not None else claim.reported,
            "local": claim.expected if isinstance(claim.expected, int | float) else None,
            "status": _STATUS[claim.verdict],
            "source": claim.source,
        }
        if claim.verdict != "confirmed" or "(" in claim.reason:
            line["note"] = claim.reason
        figures.append(line)
    if any(c.kind == "mean_difference" for c in claims):
        claim = _pick(claims, ("mean_difference",), "mean_difference")
        if claim is not None:
            figures.append(
                {
                    "name": "mean_difference",
                    "reported": claim.value,
                    "local": claim.expected if isinstance(claim.expected, int | float) else None,
                    "status": _STATUS[claim.verdict],
                    "source": claim.source,
                }
            )
    data = report.to_dict()
    return Verification(
        variant=report.variant,
        figures=_strict(figures),
        claims=data["claims"],
        coverage=data["coverage"],
        notes=list(report.notes),
        mode=report.mode,
    )


def _strict(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Infinities as "inf"/"-inf" (strict JSON)."""
    import math

    out = []
    for figure in figures:
        fixed = dict(figure)
        for key in ("reported", "local"):
            value = fixed.get(key)
            if isinstance(value, float) and math.isinf(value):
                fixed[key] = "inf" if value > 0 else "-inf"
            elif isinstance(value, float) and math.isnan(value):
                fixed[key] = None
        out.append(fixed)
    return out
