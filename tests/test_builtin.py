"""The built-in analyst: its code, its keyword rules, and whole conversations run for real.

The end-to-end tests use a real sandboxed interpreter (one for the module) and the real
verification. Reference values are R's output, as printed by R (see tests/test_stats_reference.py
for where each was read): the worked example's Welch test, ``t.test(sleep..., paired = TRUE)``
from ``?t.test`` and ``oneway.test(weight ~ group, PlantGrowth)``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from assistant_core import analyst_code
from assistant_core.backends import BACKENDS, Conversation, get_backend
from assistant_core.backends.base import Turn
from assistant_core.backends.builtin import (
    BuiltinAnalyst,
    Result,
    _chunks,
    q,
    understand,
)
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.events import Event
from assistant_core.interpreter import Interpreter, shutdown_pool
from assistant_core.runner import run_turn, verify_turn
from assistant_core.stats import check


def printed(text: str) -> object:
    """``pytest.approx`` for a number as R printed it: within half a unit of its last digit."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (int(exponent or 0) - decimals)
    return pytest.approx(float(text), abs=0.5 * unit * (1 + 1e-6))


SLEEP = {
    "drug 1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    "drug 2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}
PLANT = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}
HOSTILE = "A'); import os; os.system('echo pwned')  #"
AWKWARD = "B \"quoted\" 'both'\nsecond line\\n ```"


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def interpreter() -> Iterator[Interpreter]:
    """One real sandboxed interpreter for the module (conversations share it, as kernels may)."""
    interp = Interpreter()
    interp.start()
    try:
        yield interp
    finally:
        interp.close()


def ask(conversation: Conversation, question: str) -> list[Event]:
    """One turn through the runner (as the page and the CLI run it), without verification."""
    return list(run_turn(BuiltinAnalyst(), conversation, question))


def types(events: list[Event]) -> list[str]:
    return [e.type for e in events]


def text_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if e.type == "text_delta")


def codes_of(events: list[Event]) -> list[str]:
    return [e.code for e in events if e.type == "code_done"]


def output_of(events: list[Event]) -> str:
    return "".join(e.logs for e in events if e.type == "code_output")


def reported(events: list[Event]) -> dict:
    found = [e for e in events if e.type == "reported"]
    assert len(found) == 1, types(events)
    return found[0].figures


def statuses(verification) -> dict[str, str]:
    return {f["name"]: f["status"] for f in verification.figures}


def verify_events(events: list[Event], report: dict, dataset=None):
    """The verdict the runner gives these events (every claim, judged)."""
    return verify_turn(Turn(question="", events=list(events)), report, dataset)


def contradicted(verification) -> list[dict]:
    return [c for c in verification.claims if c["verdict"] == "contradicted"]


def assert_verified(events: list[Event], dataset, alternative: str = "two-sided") -> None:
    """Every figure reported matches the local report, the test included, and no claim the
    analyst wrote or printed is contradicted."""
    verification = verify_events(events, check(dataset, 0.05, alternative).to_dict(), dataset)
    status = statuses(verification)
    assert "mismatch" not in status.values(), verification.figures
    figures = reported(events)
    for name in ("statistic", "df", "df_between", "df_within", "p_value", "ci_low", "ci_high"):
        if name in figures:
            assert status[name] == "match", (name, verification.figures)
    assert status["test"] == "match", verification.figures
    assert contradicted(verification) == [], contradicted(verification)


# --------------------------------------------------------------------------- pure parts


def test_registered_and_honest_about_what_it_is() -> None:
    backend = get_backend("builtin", delay=0.01)
    assert isinstance(backend, BuiltinAnalyst)
    assert BACKENDS["builtin"].endswith(":BuiltinAnalyst")
    assert backend.name == "builtin" and backend.uses_local_interpreter
    assert backend.label == "Built-in analyst (offline, not an AI model)"
    assert backend.delay == 0.01 and BuiltinAnalyst().delay == 0.0


@pytest.mark.parametrize(
    ("question", "design", "actions", "test", "alternative"),
    [
        ("use Student's t-test instead", "independent", ("test",), "student_t", None),
        ("Welch please", "independent", ("test",), "welch_t", None),
        ("try a Mann-Whitney U test", "independent", ("test",), "mann_whitney_u", None),
        ("non-parametric?", "independent", ("test",), "mann_whitney_u", None),
        ("is A lower than B? one-sided", "independent", ("test",), None, "less"),
        ("Is B lower than A?", "independent", ("test",), None, "greater"),
        ("alternative greater", "independent", ("test",), None, "greater"),
        ("back to two-sided", "independent", ("test",), None, "two-sided"),
        ("what is the power?", "independent", ("power",), None, None),
        ("how many participants would I need?", "independent", ("power",), None, None),
        ("effect size?", "independent", ("effect",), None, None),
        ("make a plot", "independent", ("plot",), None, None),
        ("what's the weather?", "independent", (), None, None),
        ("analyse again", "independent", ("analysis",), None, None),
        ("Wilcoxon", "paired", ("test",), "wilcoxon_signed_rank", None),
        ("the paired t-test", "paired", ("test",), "paired_t", None),
        ("Kruskal-Wallis", "multi", ("test",), "kruskal_wallis", None),
        ("the classic ANOVA", "multi", ("test",), "one_way_anova", None),
        ("Welch's ANOVA", "multi", ("test",), "welch_anova", None),
    ],
)
def test_understand(question, design, actions, test, alternative) -> None:
    groups = {"multi": PLANT, "paired": SLEEP}.get(design, {"A": [1, 2, 3], "B": [4, 5, 7]})
    dataset = make_dataset(groups, paired=design == "paired")
    request = understand(question, dataset)
    assert (request.actions, request.test, request.alternative) == (actions, test, alternative)
    assert request.notes == ()


def test_understand_explains_what_does_not_fit() -> None:
    paired = make_dataset(SLEEP, paired=True)
    request = understand("use Welch instead", paired)
    assert request.test is None and request.actions == ()
    assert "does not fit paired data" in request.notes[0]
    request = understand("one-sided please", make_dataset(EXAMPLE))
    assert request.alternative is None and "needs a direction" in request.notes[0]
    request = understand("is ctrl lower than trt1?", make_dataset(PLANT))
    assert request.alternative is None and "only applies to two groups" in request.notes[0]


def test_group_names_reach_the_code_only_as_repr_literals() -> None:
    dataset = make_dataset({HOSTILE: [1.5, 2.25, 3.0], AWKWARD: [4.0, 5.5, 6.0]})
    source = analyst_code.setup_code(dataset, 0.05, "two-sided")
    tree = ast.parse(source)  # valid Python whatever the names
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert HOSTILE in strings and AWKWARD in strings
    assert repr(HOSTILE) in source and repr(AWKWARD) in source
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported == {"numpy", "pandas"}
    assert not any(isinstance(n, ast.Name) and n.id == "os" for n in ast.walk(tree))
    for body in (analyst_code.analysis_code("independent", "welch_t"), analyst_code.plot_code()):
        assert "Treatment" not in body and "pwned" not in body  # names only through variables


def test_values_literal_round_trips_floats() -> None:
    values = [0.1, -2.5e-300, 1e300, 37.4, 1 / 3, *range(40)]
    literal = analyst_code.values_literal(values)
    assert max(len(line) for line in literal.splitlines()) <= 88
    array = eval(literal, {"np": __import__("numpy")})
    assert array.tolist() == [float(v) for v in values]
    assert analyst_code.number_literal(float("nan")) == "float('nan')"


def test_parse_figures_reads_the_last_block_only() -> None:
    output = (
        "--- figures ---\nt = 99\n--- end of figures ---\n"  # e.g. printed by an earlier cell
        "TtestResult(statistic=...)\n--- figures ---\ntest = welch_t\nt = -6.7082574\n"
        "p = 7.5573004e-06\nci_low = -inf\n--- end of figures ---\n"
    )
    figures = analyst_code.parse_figures(output)
    assert figures == {"test": "welch_t", "t": -6.7082574, "p": 7.5573004e-06, "ci_low": -1e999}
    assert analyst_code.parse_figures("Traceback ...\nNameError") is None
    assert analyst_code.parse_figures("--- figures ---\nt = 1\n") is None  # cut off


def test_result_reports_finite_figures_in_the_event_vocabulary() -> None:
    dataset = make_dataset(EXAMPLE)
    figures = {"test": "welch_t", "alternative": "less", "t": -6.7, "df": 14.8, "p": 3.8e-6}
    figures |= {"ci_low": float("-inf"), "ci_high": -9.06, "mean_difference": -12.27}
    figures |= {"cohens_d": float("nan")}
    out = Result(dataset, 0.05, figures).reported()
    assert out == {
        "test": "welch_t",
        "alternative": "less",
        "statistic": -6.7,
        "df": 14.8,
        "p_value": 3.8e-6,
        "ci_high": -9.06,
        "mean_difference": -12.27,
    }


def test_text_chunks_rejoin_and_names_stay_literal_in_markdown() -> None:
    text = "One two three four five six seven.\n\n**Eight** nine  ten\n"
    pieces = list(_chunks(text, 4))
    assert "".join(pieces) == text and len(pieces) == 3
    assert q("Treatment A") == "`Treatment A`"
    assert q("a`b") == "``a`b``"
    assert q("![x](http://example.com/x.png)\nnext") == "`![x](http://example.com/x.png) next`"


# --------------------------------------------------------------------------- end to end


def test_worked_example(interpreter: Interpreter) -> None:
    dataset = make_dataset(EXAMPLE)
    events = ask(Conversation(dataset=dataset, interpreter=interpreter), "Do they differ?")
    kinds = types(events)
    # the order of a whole answer
    assert kinds[0] == "text_delta"
    first = {kind: kinds.index(kind) for kind in dict.fromkeys(kinds)}
    assert (
        first["text_delta"]
        < first["code_delta"]
        < first["code_done"]
        < first["code_output"]
        < first["image_output"]
    )
    last_image = len(kinds) - 1 - kinds[::-1].index("image_output")
    assert "text_delta" in kinds[last_image:]
    assert kinds[-2:] == ["reported", "status"] and events[-1].state == "completed"
    assert "error" not in kinds
    # streamed in pieces: text a few words at a time, code a line at a time
    assert sum(k == "text_delta" for k in kinds) > 50
    assert all(len(e.text.split()) <= 4 for e in events if e.type == "text_delta")
    cell = codes_of(events)[0]
    deltas = []
    for event in events:
        if event.type == "code_done":
            break
        if event.type == "code_delta":
            deltas.append(event.code)
    assert "".join(deltas) == cell and all(d.count("\n") <= 1 for d in deltas)
    assert "stats.ttest_ind(a, b, equal_var=False, alternative=alternative)" in cell
    assert 'stats.levene(*groups.values(), center="median")' in cell

    # R: t.test(A, B): t = -6.7083, df = 14.78, p-value = 7.557e-06,
    # 95 percent confidence interval: -16.17 -8.37 (as the brief's R-validated values print)
    figures = reported(events)
    assert figures["test"] == "welch_t" and figures["alternative"] == "two-sided"
    assert figures["statistic"] == printed("-6.7083")
    assert figures["df"] == printed("14.78")
    assert figures["p_value"] == printed("7.557e-06")
    assert figures["ci_low"] == printed("-16.17")
    assert figures["ci_high"] == printed("-8.37")
    assert figures["mean_difference"] == printed("-12.27")
    assert figures["effect_size_name"] == "cohens_d"
    assert figures["effect_size"] == printed("-3.000")
    assert_verified(events, dataset)

    text = text_of(events)
    assert "not an AI model" in text
    assert "Welch's t(14.78) = -6.71, p < .001" in text
    assert "95% CI [-16.17, -8.37]" in text
    assert "H0:" in text and "Shapiro-Wilk" in text and "Levene" in text
    assert "Cohen's d = -3.00" in text and "large effect" in text
    assert "**Caveats.**" in text


def test_sleep_paired_against_r(interpreter: Interpreter) -> None:
    dataset = make_dataset(SLEEP, paired=True)
    events = ask(Conversation(dataset=dataset, interpreter=interpreter), "Is there a difference?")
    assert "stats.ttest_rel(a, b, alternative=alternative)" in codes_of(events)[0]
    figures = reported(events)
    # R ?t.test: t = -4.0621, df = 9, p-value = 0.002833, CI -2.4598858 -0.7001142,
    # mean difference -1.58
    assert figures["test"] == "paired_t"
    assert figures["statistic"] == printed("-4.0621")
    assert figures["df"] == 9
    assert figures["p_value"] == printed("0.002833")
    assert figures["ci_low"] == printed("-2.4598858")
    assert figures["ci_high"] == printed("-0.7001142")
    assert figures["mean_difference"] == printed("-1.58")
    assert figures["effect_size_name"] == "cohens_dz"
    assert_verified(events, dataset)
    assert "Paired t(9) = -4.06, p = .003" in text_of(events)


def test_plant_growth_three_groups_against_r(interpreter: Interpreter) -> None:
    dataset = make_dataset(PLANT)
    events = ask(Conversation(dataset=dataset, interpreter=interpreter), "Do the groups differ?")
    cell = codes_of(events)[0]
    for call in ("stats.f_oneway(", "welch_anova(samples)", "stats.kruskal(", "stats.tukey_hsd("):
        assert call in cell
    figures = reported(events)
    # R: oneway.test(weight ~ group, PlantGrowth): F = 5.181, num df = 2.000,
    # denom df = 17.128, p-value = 0.01739
    assert figures["test"] == "welch_anova"
    assert figures["statistic"] == printed("5.181")
    assert figures["df_between"] == 2
    assert figures["df_within"] == printed("17.128")
    assert figures["p_value"] == printed("0.01739")
    assert figures["effect_size_name"] == "eta_squared"
    assert_verified(events, dataset)
    text = text_of(events)
    assert "Welch's F(2, 17.13) = 5.18, p = .017" in text
    assert "Tukey's HSD finds these pairs different: `trt1` − `trt2` =" in text


def test_hostile_group_names_are_data_not_code(interpreter: Interpreter) -> None:
    dataset = make_dataset({HOSTILE: EXAMPLE["Treatment A"], AWKWARD: EXAMPLE["Treatment B"]})
    events = ask(Conversation(dataset=dataset, interpreter=interpreter), "Do they differ?")
    assert events[-1].state == "completed" and "error" not in types(events)
    cell = codes_of(events)[0]
    assert repr(HOSTILE) in cell and repr(AWKWARD) in cell
    output = output_of(events)
    assert "Traceback" not in output
    # the shell command never ran: "pwned" appears only inside the quoted name
    assert all(line.strip() != "pwned" for line in output.splitlines())
    assert output.count("pwned") == output.count("os.system('echo pwned')")
    assert "image_output" in types(events)  # the plot labels survive the name too
    assert_verified(events, dataset)
    assert q(HOSTILE) in text_of(events)


def test_follow_ups_in_one_conversation(interpreter: Interpreter) -> None:
    dataset = make_dataset(EXAMPLE)
    conversation = Conversation(dataset=dataset, interpreter=interpreter)
    ask(conversation, "Do they differ?")

    events = ask(conversation, "use Student's t-test instead")
    assert "equal_var=True" in codes_of(events)[0] and "groups = {" not in codes_of(events)[0]
    student = reported(events)
    # R: t.test(A, B, var.equal = TRUE): t = -6.7083, df = 18, p-value = 2.731e-06
    assert (student["test"], student["df"]) == ("student_t", 18)
    assert student["p_value"] == printed("2.731e-06")
    verification = verify_events(events, check(dataset).to_dict(), dataset)
    assert verification.variant == "student_t"
    # Student's test is a valid choice when its figures are right: not a mismatch, but the
    # verdict says that the local recommendation (Welch's) differs, and why
    assert statuses(verification)["test"] == "match"
    assert any("recommendation is Welch's t-test" in note for note in verification.notes)
    assert contradicted(verification) == []
    assert all(s == "match" for name, s in statuses(verification).items() if name != "test")

    events = ask(conversation, "is A lower than B? one-sided")
    assert codes_of(events)[0].startswith("alternative = 'less'\n")
    one_sided = reported(events)
    assert one_sided["alternative"] == "less" and one_sided["test"] == "student_t"
    assert one_sided["p_value"] == pytest.approx(student["p_value"] / 2, rel=1e-6)
    assert "ci_low" not in one_sided  # the open end of a one-sided interval
    verification = verify_events(events, check(dataset, alternative="less").to_dict(), dataset)
    assert verification.variant == "student_t (one-sided: less)"
    assert all(s == "match" for name, s in statuses(verification).items() if name != "test")
    assert "H1: mean(`Treatment A`) < mean(`Treatment B`)" in text_of(events)

    events = ask(conversation, "what is the effect size?")
    assert reported(events) == {"effect_size_name": "cohens_d", "effect_size": printed("-3.0000")}

    events = ask(conversation, "what is the power?")
    assert "stats.nct" in codes_of(events)[0]
    text = text_of(events)
    assert "**Power.**" in text and "one-sided (less)" in text
    assert "3 per group would be needed" in text
    assert events[-1].state == "completed" and "reported" not in types(events)

    events = ask(conversation, "make a plot")
    assert "image_output" in types(events) and events[-1].state == "completed"

    events = ask(conversation, "what's the weather?")
    text = text_of(events)
    assert "I can:" in text and "what is the power?" in text
    assert "code_done" not in types(events) and "error" not in types(events)
    assert events[-1].state == "completed"


def test_follow_ups_rank_tests_verify(interpreter: Interpreter) -> None:
    for groups, paired, question, test in (
        (EXAMPLE, False, "Mann-Whitney instead", "mann_whitney_u"),
        (SLEEP, True, "use the Wilcoxon signed-rank test", "wilcoxon_signed_rank"),
        (PLANT, False, "Kruskal-Wallis?", "kruskal_wallis"),
    ):
        dataset = make_dataset(groups, paired=paired)
        conversation = Conversation(dataset=dataset, interpreter=interpreter)
        ask(conversation, "Do they differ?")
        events = ask(conversation, question)
        assert reported(events)["test"] == test
        verification = verify_events(events, check(dataset).to_dict(), dataset)
        assert verification.variant == test
        assert all(s == "match" for name, s in statuses(verification).items() if name != "test")


def test_follow_up_reloads_data_into_a_kernel_used_by_another_conversation(
    interpreter: Interpreter,
) -> None:
    first = Conversation(dataset=make_dataset(EXAMPLE), interpreter=interpreter)
    ask(first, "Do they differ?")
    other = Conversation(dataset=make_dataset(PLANT), interpreter=interpreter)
    ask(other, "Do they differ?")  # the kernel now holds PlantGrowth
    events = ask(first, "use Student's t-test")
    codes = codes_of(events)
    assert len(codes) == 2 and "'Treatment A': np.array(" in codes[0]
    assert "load the data again" in text_of(events)
    assert reported(events)["df"] == 18


def test_a_closed_interpreter_is_an_error_not_invented_figures() -> None:
    interp = Interpreter()
    interp.start()
    conversation = Conversation(dataset=make_dataset(EXAMPLE), interpreter=interp)
    try:
        ask(conversation, "Do they differ?")
        interp.close()  # the kernel is gone: cells cannot run any more
        events = ask(conversation, "Do they differ?")
    finally:
        interp.close()
    errors = [e for e in events if e.type == "error"]
    assert len(errors) == 1 and errors[0].kind == "analysis" and errors[0].retryable
    assert "reported" not in types(events)
    assert events[-1].type == "status" and events[-1].state == "failed"


def test_a_kernel_that_died_between_turns_gets_the_data_again() -> None:
    interp = Interpreter()
    interp.start()
    conversation = Conversation(dataset=make_dataset(EXAMPLE), interpreter=interp)
    try:
        ask(conversation, "Do they differ?")
        list(interp.run("import os; os._exit(3)"))  # the kernel dies (and is restarted)
        events = ask(conversation, "what is the effect size?")
    finally:
        interp.close()
    assert events[-1].state == "completed", text_of(events) + output_of(events)
    assert reported(events)["effect_size"] == printed("-3.0000")


def test_takes_a_warm_interpreter_when_the_conversation_has_none() -> None:
    conversation = Conversation(dataset=make_dataset(EXAMPLE))
    try:
        first = ask(conversation, "Do they differ?")
        assert conversation.interpreter is not None
        kernel = conversation.interpreter
        second = ask(conversation, "effect size")
        assert conversation.interpreter is kernel  # kept for the next turns
    finally:
        if conversation.interpreter is not None:
            conversation.interpreter.close()
        shutdown_pool()
    assert first[-1].state == "completed" and second[-1].state == "completed"
    assert "load the data again" not in text_of(second)


def test_deterministic(interpreter: Interpreter) -> None:
    runs = []
    for _ in range(2):
        conversation = Conversation(dataset=make_dataset(EXAMPLE), interpreter=interpreter)
        first = ask(conversation, "Do they differ?")
        events = first + ask(conversation, "what is the power?")
        runs.append((text_of(events), codes_of(events), reported(first)))
    assert runs[0] == runs[1]


def test_a_test_asked_for_in_the_first_question_is_used_and_explained(
    interpreter: Interpreter,
) -> None:
    dataset = make_dataset(EXAMPLE)
    conversation = Conversation(dataset=dataset, interpreter=interpreter)
    events = ask(conversation, "Compare them with Student's t-test, one-sided: is A lower?")
    text = text_of(events)
    assert "Student's t-test, as you asked. (My own choice would have been Welch's t-test" in text
    assert "lower than those of `Treatment B` (one-sided)" in text
    figures = reported(events)
    assert (figures["test"], figures["alternative"], figures["df"]) == ("student_t", "less", 18)
    verification = verify_events(events, check(dataset, alternative="less").to_dict(), dataset)
    assert verification.variant == "student_t (one-sided: less)"
    assert all(s == "match" for name, s in statuses(verification).items() if name != "test")
