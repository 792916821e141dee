"""Claims judged without data: is each reported result consistent with itself?

As statcheck does: for every statistic written with its degrees of freedom and a p (t, F, r, χ²,
z, Q, H), the p is recomputed from the statistic, with the statistic's rounding taken into
account (any value that rounds to the statistic as written gives an admissible p), and the
reported p is consistent when it agrees with one of them at its own precision. A test is
one-tailed only where the text says so. A decision error is an inconsistency that changes the
conclusion at alpha. Conclusions are judged against the p the text reports. Everything else is
unchecked: nothing local can check it.

Deliberate differences from statcheck: the admissible p range uses the statistic's full
rounding interval (statcheck also does) and the p's own rounding with the same 0.55-unit slack
as every other figure here (statcheck compares the rounded p); a "p = .000" is read as
p < .0005 (statcheck flags it); bounds such as "p < .05" are consistent when the admissible
range reaches below the bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import stats

from assistant_core.claims.judge import SourceText, _about_words, _public_kind, _reported
from assistant_core.claims.model import Claim, ClaimReport
from assistant_core.claims.reader import Read, Reading

__all__ = ["check_consistency"]


def _p_of(
    kind: str, value: float, df1: float | None, df2: float | None, sided: str
) -> float | None:
    try:
        if kind == "t" and df1:
            p = float(stats.t.sf(abs(value), df1))
            return p if sided != "two-sided" else min(1.0, 2 * p)
        if kind == "z":
            p = float(stats.norm.sf(abs(value)))
            return p if sided != "two-sided" else min(1.0, 2 * p)
        if kind == "F" and df1 and df2:
            return float(stats.f.sf(value, df1, df2))
        if kind in ("chi2", "H", "Q") and df1:
            return float(stats.chi2.sf(value, df1))
        if kind == "r" and df1 and abs(value) < 1:
            t = value * math.sqrt(df1 / (1 - value * value))
            p = float(stats.t.sf(abs(t), df1))
            return p if sided != "two-sided" else min(1.0, 2 * p)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return None


def _range(
    kind: str, stat: Reading, df1: float | None, df2: float | None, sided: str
) -> tuple[float, float] | None:
    written = stat.written
    if written is None:
        return None
    half = 0.5 * written.ulp
    values = [written.value - half, written.value + half]
    if kind in ("t", "z", "r") and (values[0] < 0 < values[1]):
        values.append(0.0)
    ps = [p for v in values if (p := _p_of(kind, v, df1, df2, sided)) is not None]
    if not ps:
        return None
    return min(ps), max(ps)


def _agrees(p: Reading, low: float, high: float) -> bool:
    written = p.written
    if written is None:
        return False
    if written.bound == "<":
        return low < written.value
    if written.bound == ">":
        return high > written.value
    slack = 0.55 * written.ulp
    return written.value - slack <= high and written.value + slack >= low


def check_consistency(sources: Sequence[SourceText], alpha: float = 0.05) -> ClaimReport:
    """Every claim of ``sources``, judged for internal consistency only."""
    claims: list[Claim] = []
    for source in sources:
        read = source.read
        alpha_here = read.alpha or alpha
        verdicts: dict[int, tuple[str, object, str, bool]] = {}
        block_p: dict[int, Reading] = {}
        for block in read.blocks:
            readings = [read.readings[i] for i in block.readings]
            stat = next(
                (
                    r
                    for r in readings
                    if r.kind in ("t", "F", "chi2", "H", "z", "r", "Q") and r.written is not None
                ),
                None,
            )
            p = next((r for r in readings if r.kind == "p_value"), None)
            if p is not None:
                block_p[block.index] = p
            if stat is None or p is None or p.written is None:
                continue
            dfs = [r for r in readings if r.kind == "df" and r.written is not None]
            df1 = dfs[0].written.value if dfs else None  # type: ignore[union-attr]
            df2 = dfs[1].written.value if len(dfs) > 1 else None  # type: ignore[union-attr]
            if stat.kind == "z":
                df1 = df1 or 1.0
            sided = block.sided or read.sided or "two-sided"
            sided = "one-sided" if sided in ("less", "greater") else sided
            found = _range(stat.kind, stat, df1, df2, sided)
            if found is None:
                continue
            low, high = found
            shown = f"{low:.3g}" if abs(high - low) < 1e-12 else f"{low:.3g} to {high:.3g}"
            where = f"{'one' if sided == 'one-sided' else 'two'}-sided p from {stat.shown}"
            if dfs:
                where += " with df " + ", ".join(d.written.text for d in dfs)  # type: ignore[union-attr]
            if _agrees(p, low, high):
                verdicts[id(p)] = ("confirmed", low, f"consistent: the {where} is {shown}", False)
                for r in [stat, *dfs]:
                    verdicts[id(r)] = (
                        "confirmed",
                        r.written.value if r.written else None,
                        f"consistent with {p.shown}",
                        False,
                    )
            else:
                written = p.written
                reported_sig = (
                    written.value <= alpha_here
                    if written.bound == "<"
                    else (False if written.bound == ">" else written.value < alpha_here)
                )
                error = reported_sig != (high < alpha_here if reported_sig else low < alpha_here)
                reason = f"inconsistent: the {where} is {shown}"
                if sided == "two-sided" and _agrees(p, *(x / 2 for x in (low, high))):
                    reason += "; it is the one-sided p, but the text does not say one-tailed"
                if error:
                    reason += f" (the decision at α = {alpha_here:g} is reversed)"
                verdicts[id(p)] = ("contradicted", low, reason, error)
                for r in [stat, *dfs]:
                    verdicts[id(r)] = (
                        "unchecked",
                        None,
                        f"one of it and {p.shown} is wrong; without data it cannot be told which",
                        False,
                    )
        for reading in read.readings:
            verdict: tuple[str, object, str, bool]
            if id(reading) in verdicts:
                verdict = verdicts[id(reading)]
            elif reading.kind in ("conclusion",):
                verdict = _conclusion(read, reading, block_p, alpha_here)
            else:
                verdict = ("unchecked", None, "no data to check it against", False)
            start, end = read.span(reading) if read.source != "report" else (None, None)
            claims.append(
                Claim(
                    kind=_public_kind(reading, None),
                    source=read.source,  # type: ignore[arg-type]
                    reported=_reported(reading),
                    verdict=verdict[0],  # type: ignore[arg-type]
                    reason=verdict[2],
                    start=start,
                    end=end,
                    cell=source.cell,
                    value=reading.written.value if reading.written else None,
                    expected=verdict[1],  # type: ignore[arg-type]
                    about=_about_words(reading, reading.test, None, None),
                    test=reading.test,
                    decision_error=verdict[3],
                )
            )
    return ClaimReport.of(claims, None, (), "consistency")


def _conclusion(
    read: Read, reading: Reading, block_p: dict[int, Reading], alpha: float
) -> tuple[str, object, str, bool]:
    same = [
        r
        for r in read.readings
        if r.kind == "p_value" and r.sentence == reading.sentence and r.written is not None
    ]
    p = same[-1] if same else None
    if p is None or p.written is None:
        return ("unchecked", None, "no p value beside it to check it by", False)
    written = p.written
    significant = (
        written.value <= alpha
        if written.bound == "<"
        else (False if written.bound == ">" else written.value < alpha)
    )
    expected = f"{p.shown} {'<' if significant else '≥'} α = {alpha:g}"
    if bool(reading.polarity) == significant:
        return ("confirmed", expected, f"consistent with {expected}", False)
    return ("contradicted", expected, f"the text's own {expected} says otherwise", True)
