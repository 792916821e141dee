"""The claim engine's verdicts on the cases the claims issue names, the marks, and properties.

Data: R's ``sleep`` (``?t.test``). R's reference values, as R prints them:
``t.test(extra ~ group, data = sleep)``: t = -1.8608, df = 17.776, p-value = 0.07939,
95 percent CI -3.3654832 0.2054832; with ``var.equal = TRUE``: df = 18, p-value = 0.07919;
``alternative = "less"`` (Welch): p-value = 0.03969.

The texts below are MADE UP for these cases (each seeds one error, or none); the real
passages are in tests/corpus/ (tests/test_claims_corpus.py).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assistant_core.claims import MAX_TEXT, TextTooLong, check_text
from assistant_core.claims.marks import html, number, page_markdown, plain
from assistant_core.data import make_dataset
from assistant_core.stats import check

SLEEP = {
    "drug 1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    "drug 2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}
DATASET = make_dataset(SLEEP)
REPORT = check(DATASET).to_dict()
DATA = [g.values for g in DATASET.groups]


def judged(text: str, outputs: tuple[str, ...] = (), report: dict | None = None):
    return check_text(text, report=report or REPORT, data=DATA, outputs=outputs)


def at(result, text: str, piece: str, source: str = "text"):
    """The claims whose span covers ``piece`` (its first occurrence) in ``text``."""
    start = text.index(piece)
    end = start + len(piece)
    found = [
        c
        for c in result.claims
        if c.source == source and c.start is not None and c.start < end and start < (c.end or 0)
    ]
    assert found, (piece, [(c.kind, c.reported) for c in result.claims])
    return found


def verdict(result, text: str, piece: str, source: str = "text") -> str:
    verdicts = {c.verdict for c in at(result, text, piece, source)}
    return "contradicted" if "contradicted" in verdicts else verdicts.pop()


# --------------------------------------------------------------------------- the cases

WELCH = "Welch's t-test: t(17.78) = -1.86, p = .079; the groups do not differ significantly."


def test_right_figures_are_confirmed_where_they_are_written() -> None:
    result = judged(WELCH)
    for piece in ("-1.86", "17.78", ".079", "do not differ significantly", "Welch's t-test"):
        assert verdict(result, WELCH, piece) == "confirmed", piece
    assert result.coverage.contradicted == 0 and result.variant == "welch_t"


def test_a_wrong_narrative_p_is_caught_though_the_output_is_right() -> None:
    text = "The difference is statistically significant (p = 0.0312)."
    output = "t = -1.860813, df = 17.776, p-value = 0.07939"
    result = judged(text, (output,))
    wrong = at(result, text, "0.0312")
    assert [c.verdict for c in wrong] == ["contradicted"]
    assert wrong[0].expected == pytest.approx(0.07939, abs=5e-6)
    assert wrong[0].decision_error  # it changes the decision at .05
    assert verdict(result, text, "statistically significant") == "contradicted"
    assert verdict(result, output, "0.07939", "output") == "confirmed"  # the output is right
    assert result.coverage.contradicted == 2


def test_student_figures_are_right_for_students_test_and_not_an_error() -> None:
    text = "Student's t-test: t(18) = -1.86, p = .079."
    result = judged(text)
    assert result.coverage.contradicted == 0
    assert result.variant == "student_t"
    assert any("Welch" in note for note in result.notes)  # the local recommendation, and why


def test_a_one_sided_p_passed_off_as_two_sided_is_contradicted() -> None:
    text = "Welch's t-test (two-tailed): t(17.78) = -1.86, p = .040."
    result = judged(text)
    assert verdict(result, text, ".040") == "contradicted"


def test_the_test_named_must_be_the_test_whose_figures_are_given() -> None:
    text = "Student's t-test: t(17.78) = -1.86, p = .079."  # Welch's df under Student's name
    result = judged(text)
    assert verdict(result, text, "Student's t-test") == "contradicted"


@pytest.mark.parametrize(
    ("text", "piece"),
    [
        ("Welch's t(17.78) = -1.86, p = .079, a significant difference.", "significant"),
        ("Welch's t(17.78) = -1.86, p = .079. Drug 1 was higher than drug 2.", "higher than"),
        ("Welch's t(17.78) = -1.86, p = .79.", ".79"),
        ("Welch's t(17.78) = -2.86, p = .079.", "-2.86"),
        ("Welch's t(16.78) = -1.86, p = .079.", "16.78"),
    ],
)
def test_one_seeded_error_is_contradicted_where_it_is_written(text: str, piece: str) -> None:
    assert verdict(judged(text), text, piece) == "contradicted"


def test_latex_markdown_unicode_minus_and_words_are_read() -> None:
    for text, piece in [
        ("Welch's test gave $t(17.78) = -1.86$, $p = .079$.", "-1.86"),
        ("Welch's test gave \\(t(17.78) = -1.86\\), \\(p = .079\\).", ".079"),
        ("Welch's test gave t(17.78) = −1.86 (p = .079).", "−1.86"),
        ("**t-statistic:** -1.8608", "-1.8608"),
        ("Welch's t(17.78) = -1.86, p greater than .05.", ".05"),
    ]:
        assert verdict(judged(text), text, piece) == "confirmed", text


def test_a_claim_about_a_group_that_does_not_exist_is_unchecked_with_its_reason() -> None:
    text = "The mean of group C was 4.5."
    result = judged(text)
    claims = at(result, text, "4.5")
    assert [c.verdict for c in claims] == ["unchecked"]
    assert claims[0].reason


def test_without_data_figures_are_checked_for_consistency() -> None:
    text = "t(18) = -1.86, p = .079. t(18) = -1.86, p = .0079."
    result = check_text(text)
    assert result.mode == "consistency"
    assert verdict(result, text, ".079") == "confirmed"
    assert verdict(result, text, ".0079") == "contradicted"


def test_empty_and_too_long_texts() -> None:
    assert judged("").claims == ()
    with pytest.raises(TextTooLong, match="at most"):
        judged("x" * (MAX_TEXT + 1))


# --------------------------------------------------------------------------- marks


def test_marks_are_placed_on_the_figure_and_the_model_s_html_is_escaped() -> None:
    text = "<script>alert(1)</script> Welch's t(17.78) = -1.86, p = 0.0312.\n\n```\np = 0.0312\n```"
    result = judged(text)
    numbered = number(c for c in result.claims if c.source == "text")
    page = page_markdown(text, numbered)
    assert "<script>" not in page and "&lt;script>" in page
    assert re.search(r"0\.0312</span><sup[^>]*>✗ 0\.07939?&#8239;\d", page), page
    assert "```\np = 0.0312\n```" in page  # code is left as written
    report = html(text, numbered)
    assert "<script>" not in report and "&lt;script&gt;" in report
    assert 'class="claim contradicted"' in report and "<pre><code>" in report
    terminal = plain(text, numbered)
    assert re.search(r"0\.0312 \[✗ 0\.0793\d \d+\]", terminal), terminal


def test_marks_inside_math_go_after_it() -> None:
    text = "Welch's test: $t(17.78) = -1.86$."
    page = page_markdown(text, number(judged(text).claims))
    assert "$t(17.78) = -1.86$<sup" in page


# --------------------------------------------------------------------------- properties

WORDS = st.sampled_from(
    [
        "t",
        "p",
        "=",
        "<",
        "(",
        ")",
        "df",
        "F(2, 27)",
        "Welch's",
        "significant",
        "not",
        "drug 1",
        "higher than",
        "$",
        "\\(",
        "|",
        "\n",
        "95% CI [",
        "]",
        ",",
        "−",
        "one-tailed",
        "Mann-Whitney U",
        "H0:",
        "```",
        "1e-5",
        "0,05",
        "1,234.5",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.one_of(WORDS, st.floats(allow_nan=True, allow_infinity=True).map(str)), max_size=60
    ).map(" ".join),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_no_text_makes_the_reader_raise(text: str) -> None:
    for result in (judged(text), check_text(text)):
        for claim in result.claims:
            assert claim.verdict in ("confirmed", "contradicted", "unchecked")
            assert claim.reason
            if claim.start is not None:
                assert 0 <= claim.start <= (claim.end or 0) <= len(text)


TEMPLATE = "Welch's t-test: t({df}) = {t}, p = {p}."
# R, with more digits: t.test(extra ~ group, data = sleep)$statistic, $parameter, $p.value
TRUE = {"t": -1.860813, "df": 17.776474, "p": 0.07939414}
# ... and with var.equal = TRUE: the figures of another valid test, which a moved number may hit
STUDENT = {"t": -1.860813, "df": 18.0, "p": 0.07918671}


@settings(max_examples=60, deadline=None)
@given(
    figure=st.sampled_from(["t", "df", "p"]),
    decimals=st.integers(min_value=2, max_value=4),
    units=st.integers(min_value=2, max_value=40),
    sign=st.sampled_from([-1, 1]),
)
def test_a_number_moved_beyond_its_rounding_is_contradicted(
    figure: str, decimals: int, units: int, sign: int
) -> None:
    shown = {k: f"{v:.{decimals}f}" for k, v in TRUE.items()}
    untouched = TEMPLATE.format(**shown)
    result = judged(untouched)
    assert result.coverage.contradicted == 0, untouched
    assert all(verdict(result, untouched, shown[k]) == "confirmed" for k in shown), untouched
    moved = dict(shown)
    value = round(TRUE[figure], decimals) + sign * units * 10.0**-decimals
    if figure == "p" and value <= 0:
        value = round(TRUE[figure], decimals) + units * 10.0**-decimals
    moved[figure] = f"{value:.{decimals}f}"
    assume(abs(value - STUDENT[figure]) > 1.5 * 10.0**-decimals)  # not Student's figure
    text = TEMPLATE.format(**moved)
    piece = f"({moved['df']})" if figure == "df" else f"= {moved[figure]}"
    assert verdict(judged(text), text, piece) == "contradicted", text
