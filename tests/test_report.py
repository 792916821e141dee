"""Reports (Markdown and one self-contained HTML file) of stored analyses.

One real thread is made with the built-in analyst and a real local kernel (once for the
module); the other threads are stored through the same store and recorder with scripted
events, which is fast. Expected strings are worked out here, not read back from the module:
the hash from the documented recipe with the csv module, the figures with Python's own
formatting, the reproduction calls by running them with scipy.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant_core.backends import Conversation
from assistant_core.backends.builtin import BuiltinAnalyst
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.events import (
    CodeDone,
    CodeOutput,
    Error,
    FileOutput,
    ImageOutput,
    Reported,
    Status,
    TextDelta,
    Verification,
)
from assistant_core.interpreter import Interpreter
from assistant_core.report import (
    HASH_RECIPE,
    REPORT_FORMATS,
    data_sha256,
    fence,
    package_versions,
    python_code,
    r_code,
    r_string,
    render_report,
    report_filename,
    report_html,
    report_markdown,
)
from assistant_core.reporting import format_df, report_line
from assistant_core.runner import run_turn
from assistant_core.stats import check
from assistant_core.store import open_store
from tests.conftest import fresh_database, unmarked

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
FOLLOW_UP = "also run a Mann-Whitney U test"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
SLEEP = {
    "drug 1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    "drug 2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}
PLANT = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}
NO_TIES = {"x": [1.1, 2.3, 3.9, 4.2, 5.0, 6.7], "y": [2.2, 3.1, 4.8, 5.5, 7.3, 8.1, 9.4]}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


# --------------------------------------------------------------------------- helpers


def recipe_csv(thread: dict) -> bytes:
    """data.csv as HASH_RECIPE describes it, written with the csv module (not pandas)."""
    data = thread["data"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["pair", "group", "value"] if data["paired"] else ["group", "value"])
    for group in data["groups"]:
        for pair, value in enumerate(group["values"], start=1):
            row = [group["name"], repr(float(value))]
            writer.writerow([pair, *row] if data["paired"] else row)
    return buffer.getvalue().encode("utf-8")


def markdown_fences(text: str) -> list[tuple[str, str]]:
    """(info, content) of each fenced block, by CommonMark's rules for top-level fences."""
    blocks: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = re.match(r"^ {0,3}(`{3,}|~{3,})(.*)$", lines[i])
        if not opening or (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            i += 1
            continue
        marks, info = opening.group(1), opening.group(2).strip()
        content: list[str] = []
        i += 1
        while i < len(lines):
            closing = re.match(r"^ {0,3}(`{3,}|~{3,})\s*$", lines[i])
            if closing and closing.group(1)[0] == marks[0] and len(closing.group(1)) >= len(marks):
                break
            content.append(lines[i])
            i += 1
        else:
            raise AssertionError(f"a fence of {marks!r} is never closed")
        blocks.append((info, "\n".join(content) + "\n"))
        i += 1
    return blocks


def outside_fences(text: str) -> str:
    """The Markdown with every fenced block taken out (what is read as Markdown)."""
    kept, lines = [], text.split("\n")
    inside: str | None = None
    for line in lines:
        mark = re.match(r"^ {0,3}(`{3,}|~{3,})(.*)$", line)
        if inside is None and mark:
            inside = mark.group(1)
        elif inside is not None and mark and mark.group(1)[0] == inside[0]:
            if len(mark.group(1)) >= len(inside) and not mark.group(2).strip():
                inside = None
        elif inside is None:
            kept.append(line)
    return "\n".join(kept)


class Html(HTMLParser):
    """What a browser would see: tags, attributes, text, and the text of each <pre>."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.pre: list[str] = []
        self._pre_depth = 0
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]
        if tag == "pre":
            self._pre_depth += 1
            self.pre.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._pre_depth:
            self.pre[-1] += data

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def stored_thread(
    store,
    groups: dict[str, list[float]],
    *,
    paired: bool = False,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    question: str | None = None,
    events: list | None = None,
    local: bool = True,
) -> dict:
    """A thread kept in the store (with one scripted run when ``question`` is given)."""
    dataset = make_dataset(groups, paired=paired)
    conversation = Conversation(dataset, alpha=alpha, alternative=alternative)
    report = check(dataset, alpha, alternative).to_dict() if local else None
    store.create_thread(conversation, local_report=report, backend="openai", model="gpt-test")
    if question is not None:
        recorder = store.recorder(
            conversation, question, backend="openai", model="gpt-test", answered_by="gpt-test"
        )
        for event in events or []:
            recorder(event)
    return store.thread_json(conversation.id)


def run_python(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "reproduce"}
    exec(compile(code, "reproduce.py", "exec"), namespace)  # the report's own script
    return namespace


def close(value: float | None) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One real analysis: the built-in analyst in a real kernel, a question and a follow-up."""
    with fresh_database(tmp_path_factory.mktemp("report-db")) as url:
        store = open_store(url)
        interpreter = Interpreter()
        interpreter.start()
        try:
            dataset = make_dataset(EXAMPLE)
            local = check(dataset).to_dict()
            conversation = Conversation(dataset, interpreter=interpreter)
            store.create_thread(conversation, local_report=local, backend="builtin")
            analyst = BuiltinAnalyst()
            for question in ("Do they differ?", FOLLOW_UP):
                recorder = store.recorder(
                    conversation, question, backend="builtin", answered_by=analyst.label
                )
                for _ in run_turn(
                    analyst, conversation, question, local_report=local, on_event=recorder
                ):
                    pass
            yield store.thread_json(conversation.id)
        finally:
            interpreter.close()
            store.close()


@pytest.fixture(scope="module")
def markdown(thread: dict) -> str:
    return report_markdown(thread, now=NOW)


@pytest.fixture(scope="module")
def html_report(thread: dict) -> str:
    return report_html(thread, now=NOW)


@pytest.fixture
def hostile(store) -> dict:
    """Names, question, text, code, output, file names and notes all trying to break out."""
    events = [
        TextDelta(f"Hello {SCRIPT} and {IMG}\n\n```python\nnever closed fence\n"),
        CodeDone("print('```')\nprint('~~~~')\nx = '<b>bold</b>'  # ````\n"),
        CodeOutput("````\n</pre><script>alert(3)</script>\n"),
        ImageOutput(data=PNG, filename=IMG),
        ImageOutput(data=b"<svg onload=alert(4)>", mime="text/html"),
        FileOutput(filename=f"{IMG}.csv", data=b"a,b\n1,2\n", mime="text/html"),
        Error(kind="server", message=f"bad {SCRIPT}", retryable=True),
        Reported({"test": "welch_t", "statistic": -1.0}),
        Status(state="completed", usage={"input_tokens": 10, "output_tokens": 5}),
        Verification(
            variant="welch_t",
            figures=[
                {
                    "name": "statistic",
                    "reported": -1.0,
                    "local": -6.7,
                    "status": "mismatch",
                    "note": f"note {IMG}",
                }
            ],
            claims=[
                {
                    "start": 0,
                    "end": 5,
                    "source": "text",
                    "kind": "p_value",
                    "reported": f"p = {SCRIPT}",
                    "value": None,
                    "expected": 0.001,
                    "verdict": "contradicted",
                    "decision_error": False,
                    "about": IMG,
                    "test": "welch_t",
                    "reason": f"a reason with {SCRIPT}",
                }
            ],
        ),
    ]
    question = f"Compare {SCRIPT} with {IMG}; see https://example.org/typed | and ``` too"
    return stored_thread(
        store, {SCRIPT: EXAMPLE["Treatment A"], IMG: EXAMPLE["Treatment B"]},
        question=question, events=events,
    )  # fmt: skip


# --------------------------------------------------------------------------- what is in it


def test_formats_and_file_names(thread):
    assert REPORT_FORMATS == ("md", "html")
    assert render_report(thread, "md").startswith("# Analysis: Treatment A vs Treatment B")
    assert render_report(thread, "html").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="pdf"):
        render_report(thread, "pdf")  # type: ignore[arg-type]
    assert report_filename(thread, "html") == f"analysis-{thread['id'][:12]}.html"
    assert report_filename({"id": "../../etc/passwd"}, "md") == "analysis-etcpasswd.md"


def test_the_header_names_backend_model_profile_and_when(markdown, html_report):
    for text in (markdown, Html(html_report).all_text):
        assert "2026-05-04 12:00:00 UTC" in text  # when the report was made
        assert "builtin" in text and "Built-in analyst (offline, not an AI model)" in text
        assert "none (no model named)" in text and "none (defaults)" in text


def test_every_local_figure_appears_in_both_formats(thread, markdown, html_report):
    local = thread["local_report"]
    texts = {"md": markdown, "html": Html(html_report).all_text}
    welch, student = local["tests"]["welch_t"], local["tests"]["student_t"]
    effects = local["effect_sizes"]
    expected = [report_line(local), "Welch's t-test (recommended)"]
    for test in (welch, student):
        expected += [f"{test['statistic']:.4f}", format_df(test["df"]), f"{test['p_value']:.4g}"]
        expected += [f"{test['ci_low']:.4f}", f"{test['ci_high']:.4f}"]
        expected.append(f"{test['mean_difference']:.4f}")
    expected += [f"{effects['cohens_d']:.4f}", f"{effects['hedges_g']:.4f}"]
    expected += [f"{effects['cohens_d_ci_low']:.4f}", f"{effects['cohens_d_ci_high']:.4f}"]
    expected += [f"{local['tests']['mann_whitney_u']['p_value']:.4g}"]
    expected += [f"{local['tests']['levene']['statistic']:.4f}"]
    for group in local["groups"]:
        expected += [f"{group['mean']:.4f}", f"{group['sd']:.4f}"]
    for name, shapiro in local["tests"]["shapiro_wilk"].items():
        expected += [name, f"{shapiro['statistic']:.4f}", f"{shapiro['p_value']:.4g}"]
    expected += local["reasons"] + local["warnings"]
    assert expected[2:5] == ["-6.7083", "14.78", "7.557e-06"]  # the precision shown
    for fmt, text in texts.items():
        missing = [item for item in expected if item not in text.replace("\\", "")]
        assert not missing, (fmt, missing)


def test_every_question_code_cell_and_output_is_there_verbatim(thread, markdown, html_report):
    answers = [m for m in thread["messages"] if m["role"] == "assistant"]
    cells = [cell for m in answers for cell in m["code_cells"]]
    outputs = [out for m in answers for out in m["outputs"]]
    assert len(cells) == 3 and len(outputs) == 2 and FOLLOW_UP in markdown
    fenced = markdown_fences(markdown)
    pres = Html(html_report).pre
    for cell in cells:
        assert ("python", cell if cell.endswith("\n") else cell + "\n") in fenced
        assert any(cell in pre for pre in pres)
    for output in outputs:  # verbatim, with its claims marked
        assert ("text", output) in [(lang, unmarked(body)) for lang, body in fenced]
        assert output in [unmarked(pre) for pre in pres]
    assert FOLLOW_UP in Html(html_report).all_text


def test_every_figure_is_there(thread, markdown, html_report):
    images = [i for m in thread["messages"] for i in m.get("images") or []]
    assert len(images) == 1
    size = len(base64.b64decode(images[0]["data_base64"])) / 1000
    assert f"[figure 1: image/png, {size:.1f} kB, embedded in the HTML report]" in markdown
    srcs = [value for tag, name, value in Html(html_report).attrs if (tag, name) == ("img", "src")]
    assert f"data:image/png;base64,{images[0]['data_base64']}" in srcs
    assert len(srcs) == 2  # the assistant's figure and the plot of the data
    embedded = report_markdown(thread, embed_images=True)
    assert f"![figure 1](data:image/png;base64,{images[0]['data_base64']})" in embedded


def test_the_verdict_of_each_run_is_a_table(markdown, html_report):
    text = Html(html_report).all_text
    for document in (markdown, text):
        assert "The figures are those of Welch's t-test" in document
        assert "The figures are those of the Mann-Whitney U test" in document
        # the follow-up used another test than the one recommended: said, not a mismatch
        assert "the local recommendation is Welch's t-test" in document
        assert "MISMATCH" not in document
    assert "| statistic | -6.71 | -6.7082574 | confirmed |" in markdown  # the prose first


def test_the_data_hash_follows_the_recipe(thread, markdown, html_report):
    expected = hashlib.sha256(recipe_csv(thread)).hexdigest()
    assert data_sha256(thread) == expected
    assert f"**SHA-256 of the data:** `{expected}`" in markdown
    assert f'<span class="hash" id="data-sha256">{expected}</span>' in html_report
    assert "`group,value`" in HASH_RECIPE and "repr(float(value))" in HASH_RECIPE
    # the CSV at the end of the Markdown and in the HTML download are exactly what is hashed
    assert ("csv", recipe_csv(thread).decode()) in markdown_fences(markdown)
    [link] = [v for tag, n, v in Html(html_report).attrs if tag == "a" and n == "href"]
    assert base64.b64decode(link.partition("base64,")[2]) == recipe_csv(thread)

    groups = [dict(group) for group in thread["data"]["groups"]]
    groups[1]["values"] = [*groups[1]["values"][:-1], 52.1]
    changed = {**thread, "data": {**thread["data"], "groups": groups}}
    assert data_sha256(changed) == hashlib.sha256(recipe_csv(changed)).hexdigest() != expected
    assert data_sha256(changed) in report_markdown(changed)


def test_paired_data_hash_numbers_the_pairs(store):
    thread = stored_thread(store, SLEEP, paired=True)
    assert recipe_csv(thread).startswith(b"pair,group,value\n1,drug 1,0.7\n2,drug 1,-1.6\n")
    assert data_sha256(thread) == hashlib.sha256(recipe_csv(thread)).hexdigest()


def test_versions_are_listed(markdown):
    versions = package_versions()
    assert {"python", "numpy", "scipy", "pandas", "streamlit", "openai"} <= set(versions)
    assert versions["research-assistant-dashboard"] == "0.1.0"
    assert "statsmodels" not in versions
    assert "statsmodels" in package_versions("import statsmodels.api as sm")
    assert f"| scipy | {versions['scipy']} |" in markdown


def test_a_thread_without_a_stored_local_report_gets_one_computed(store):
    thread = stored_thread(store, NO_TIES, local=False)
    markdown = report_markdown(thread)
    assert "Computed now with scipy: the thread had no stored local report." in markdown
    assert report_line(check(make_dataset(NO_TIES)).to_dict()) in markdown
    assert "No question was asked in this thread." in markdown


# --------------------------------------------------------------------------- reproduction

PAIRED_NO_TIES = {"x": [1.5, 2.0, 3.7, 4.1, 6.0], "y": [1.0, 2.2, 3.0, 2.9, 4.4]}
LARGE_TWO = {
    "first": np.round(np.random.default_rng(1).normal(10, 2, 150), 3).tolist(),
    "second": np.round(np.random.default_rng(2).normal(11, 3, 160), 3).tolist(),
}
LARGE_THREE = {
    f"g{i}": np.round(np.random.default_rng(i).normal(i, 1, 80), 2).tolist() for i in range(3)
}
REPRODUCE_CASES = {
    "independent-ties": (EXAMPLE, False, "two-sided", 0.05),
    "independent-exact-less-90": (NO_TIES, False, "less", 0.1),
    "paired-ties-zeros": (SLEEP, True, "two-sided", 0.05),
    "paired-exact-greater": (PAIRED_NO_TIES, True, "greater", 0.05),
    "multi": (PLANT, False, "two-sided", 0.05),
    "independent-large": (LARGE_TWO, False, "greater", 0.05),
    "multi-large": (LARGE_THREE, False, "two-sided", 0.01),
}


def _check_t(result: Any, local: dict, conf: float, alternative: str) -> None:
    assert result.statistic == close(local["statistic"])
    assert result.df == close(local["df"])
    assert result.pvalue == close(local["p_value"])
    interval = result.confidence_interval(conf)
    for bound, open_side, stored in (("low", "less", "ci_low"), ("high", "greater", "ci_high")):
        if alternative == open_side:  # a one-sided interval: infinite, stored as null
            assert local[stored] is None and np.isinf(getattr(interval, bound))
        else:
            assert getattr(interval, bound) == close(local[stored])


@pytest.mark.parametrize("case", REPRODUCE_CASES)
def test_the_python_calls_reproduce_the_local_report(case, store, tmp_path, monkeypatch):
    groups, paired, alternative, alpha = REPRODUCE_CASES[case]
    thread = stored_thread(store, groups, paired=paired, alpha=alpha, alternative=alternative)
    local, code = thread["local_report"], python_code(thread)
    if "large" in case:
        assert "data.csv" in code and "pd.read_csv" in code
        (tmp_path / "data.csv").write_bytes(recipe_csv(thread))
        monkeypatch.chdir(tmp_path)
    else:
        assert "read_csv" not in code and repr(float(groups[next(iter(groups))][0])) in code
    ns = run_python(code)
    tests, effects, conf = local["tests"], local["effect_sizes"], 1 - alpha
    if local["design"] == "independent":
        _check_t(ns["welch"], tests["welch_t"], conf, alternative)
        _check_t(ns["student"], tests["student_t"], conf, alternative)
        assert ns["mann_whitney"].statistic == close(tests["mann_whitney_u"]["statistic"])
        assert ns["mann_whitney"].pvalue == close(tests["mann_whitney_u"]["p_value"])
        assert ns["levene"].pvalue == close(tests["levene"]["p_value"])
        assert ns["cohens_d"] == close(effects["cohens_d"])
    elif local["design"] == "paired":
        _check_t(ns["paired"], tests["paired_t"], conf, alternative)
        assert ns["wilcoxon"].pvalue == close(tests["wilcoxon_signed_rank"]["p_value"])
        if alternative != "two-sided":  # then scipy's statistic is R's V too
            assert ns["wilcoxon"].statistic == close(tests["wilcoxon_signed_rank"]["statistic"])
        assert ns["cohens_dz"] == close(effects["cohens_dz"])
    else:
        for name, key in (("anova", "one_way_anova"), ("welch_anova", "welch_anova")):
            assert ns[name].statistic == close(tests[key]["statistic"])
            assert ns[name].pvalue == pytest.approx(tests[key]["p_value"], rel=1e-7, abs=1e-15)
        assert ns["kruskal"].pvalue == close(tests["kruskal_wallis"]["p_value"])
        interval = ns["tukey"].confidence_interval(conf)
        names = [g["name"] for g in local["groups"]]
        for pair in tests["post_hoc"]:
            i, j = names.index(pair["group_a"]), names.index(pair["group_b"])
            assert ns["tukey"].statistic[i, j] == close(pair["mean_difference"])
            assert ns["tukey"].pvalue[i, j] == pytest.approx(pair["p_value"], abs=1e-6)
            assert interval.low[i, j] == pytest.approx(pair["ci_low"], rel=1e-6)
        assert ns["eta_squared"] == close(effects["eta_squared"])


def test_the_r_calls_name_the_right_tests(store):
    independent = r_code(stored_thread(store, NO_TIES, alpha=0.1, alternative="less"))
    assert "a <- c(1.1, 2.3, 3.9, 4.2, 5.0, 6.7)" in independent
    assert 't.test(a, b, var.equal = FALSE, alternative = "less", conf.level = 0.9)' in independent
    assert 't.test(a, b, var.equal = TRUE, alternative = "less", conf.level = 0.9)' in independent
    assert 'wilcox.test(a, b, alternative = "less")' in independent

    paired = r_code(stored_thread(store, SLEEP, paired=True))
    assert "b <- c(1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4)" in paired
    assert 't.test(a, b, paired = TRUE, alternative = "two.sided", conf.level = 0.95)' in paired
    assert 'wilcox.test(a, b, paired = TRUE, alternative = "two.sided")' in paired

    multi = r_code(stored_thread(store, PLANT, alpha=0.01))
    assert '"trt2" = c(6.31, 5.12, 5.54, 5.5, 5.37, 5.29, 4.92, 6.15, 5.8, 5.26)' in multi
    for call in (
        "oneway.test(value ~ group, data = d, var.equal = TRUE)",
        "oneway.test(value ~ group, data = d, var.equal = FALSE)",
        "kruskal.test(value ~ group, data = d)",
        "TukeyHSD(aov(value ~ group, data = d), conf.level = 0.99)",
    ):
        assert call in multi
    large = r_code(stored_thread(store, LARGE_THREE))
    assert 'd <- read.csv("data.csv"' in large and "c(" in large


def test_r_strings_cannot_be_broken_out_of():
    assert r_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert r_string("tab\there\u2028") == '"tab\\there\\u{2028}"'


def test_large_data_shows_the_first_rows_and_keeps_the_whole_hash(store):
    thread = stored_thread(store, LARGE_TWO)
    markdown, page = report_markdown(thread), Html(report_html(thread))
    assert "The first 20 of 310 rows of data.csv (the hash covers all):" in markdown
    first = recipe_csv(thread).decode().split("\n")
    assert ("csv", "\n".join(first[:21]) + "\n") in markdown_fences(markdown)
    assert hashlib.sha256(recipe_csv(thread)).hexdigest() in markdown
    assert "the data as in data.csv (310 rows" in markdown
    [link] = [v for tag, n, v in page.attrs if tag == "a" and n == "href"]
    assert base64.b64decode(link.partition("base64,")[2]) == recipe_csv(thread)


# --------------------------------------------------------------------------- safety


def test_the_html_is_self_contained(html_report):
    page = Html(html_report)
    lowered = html_report.lower()
    assert "<script" not in lowered and "script" not in page.tags
    assert "http://" not in lowered and "https://" not in lowered
    assert not {"link", "iframe", "object", "embed", "base", "form"} & set(page.tags)
    assert "url(" not in lowered and "@import" not in lowered
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name)
        if name in ("src", "href"):
            assert value.startswith("data:"), (tag, name, value[:40])
    csp = [v for tag, n, v in page.attrs if tag == "meta" and n == "content" and "src" in v]
    assert csp == ["default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                   "base-uri 'none'; form-action 'none'"]  # fmt: skip


def test_hostile_names_and_text_are_escaped_in_html(hostile):
    document = report_html(hostile)
    page = Html(document)
    assert "<script" not in document.lower() and "<img src=x" not in document
    assert page.tags.count("img") == 2  # the data plot and the one real PNG; not the fake
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name, value)
        if name in ("src", "href"):
            assert value.startswith("data:"), (tag, name, value[:40])
    text = page.all_text
    for hostile_text in (SCRIPT, IMG, f"bad {SCRIPT}", f"note {IMG}", "</pre><script>alert(3)"):
        assert hostile_text in text
    assert "https://example.org/typed" in text  # typed by the user: shown, never a link
    [file_link] = [v for tag, n, v in page.attrs if tag == "a" and n == "href"][1:]
    assert file_link.startswith("data:application/octet-stream;base64,")
    code = hostile["messages"][1]["code_cells"][0]
    assert code in page.pre
    assert "never closed fence" in "".join(page.pre)  # the assistant's open fence stays code
    assert "Reproduce" in text and "Software" in text  # the document went on to the end


def test_hostile_text_cannot_break_the_markdown(hostile):
    markdown = report_markdown(hostile)
    fences = markdown_fences(markdown)  # raises if a fence is left open
    answer = hostile["messages"][1]
    assert ("python", answer["code_cells"][0]) in fences
    assert ("text", answer["outputs"][0]) in fences
    prose = outside_fences(markdown)
    assert "## Reproduce" in prose and "## Software" in prose  # not swallowed by a fence
    assert not re.search(r"(?<!\\)<(script|img|/)", prose)  # no raw HTML outside code
    assert "\\<script>alert(1)\\</script>" in prose
    table_rows = [line for line in prose.splitlines() if line.startswith("| \\<script")]
    assert table_rows and all(line.count(" | ") == 3 for line in table_rows[:1])
    assert "[figure 1: image/png, 70 bytes, embedded in the HTML report]" in markdown
    assert "[figure 2: text/html, not an image type a report embeds]" in markdown
    code = python_code(hostile)
    namespace = run_python(code)  # the names are data, never code
    local_welch = hostile["local_report"]["tests"]["welch_t"]
    assert namespace["welch"].statistic == close(local_welch["statistic"])
    assert "\n" not in r_string(IMG) and r_string(SCRIPT) in r_code(hostile)


def test_fences_outlast_any_backticks_inside():
    assert fence("x", "text") == "```text\nx\n```"
    assert fence("a ````` b\n", "text").startswith("``````text\na ````` b\n``````")


def test_key_shaped_strings_never_reach_a_report(store, monkeypatch):
    key = "sk-proj-" + "A1b2C3d4" * 4
    secret = "an-unusual-secret-value-42"
    monkeypatch.setenv("CHAT_API_KEY", secret)
    events = [
        TextDelta(f"My key is {key} and {secret}."),
        CodeDone(f"client = OpenAI(api_key='{key}')\n"),
        CodeOutput(f"Authorization: Bearer {key}\n"),
        Error(kind="auth", message=f"Incorrect API key provided: {key}"),
        Status(state="failed"),
    ]
    thread = stored_thread(store, NO_TIES, question=f"why does {key} fail?", events=events)
    assert key in str(thread)  # the stored events do hold it: the report must remove it
    for document in (report_markdown(thread), report_html(thread)):
        assert key not in document and "sk-proj" not in document and secret not in document
        assert "[key]" in document


# --------------------------------------------------------------------------- the plot


def test_the_plot_leaves_matplotlib_alone(store):
    import matplotlib

    from assistant_core.report_html import groups_plot_png

    before = dict(matplotlib.rcParams)
    names = {"$x^{": [1.0, 2.0, 3.0], "平均 🙂": [2.0, 3.0, 4.5], "a\nb" * 20: [5.0]}
    png = groups_plot_png(stored_thread(store, names)["data"])
    paired = groups_plot_png(stored_thread(store, SLEEP, paired=True)["data"])
    assert png.startswith(b"\x89PNG") and paired.startswith(b"\x89PNG")
    assert dict(matplotlib.rcParams) == before


# --------------------------------------------------------------------------- in a browser


def _open_offline(browser, path: Path) -> dict[str, Any]:
    """Open a file in an offline context where every request but the file's is aborted."""
    url = path.as_uri()
    context = browser.new_context(offline=True)
    aborted: list[str] = []

    def only_the_file(route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_file)
    try:
        page = context.new_page()
        requested: list[str] = []
        dialogs: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url, wait_until="load")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => ({complete: e.complete, width: e.naturalWidth}))"
        )
        return {
            "url": url,
            "aborted": aborted,
            "requested": [u for u in requested if not u.startswith("data:")],
            "dialogs": dialogs,
            "images": images,
            "result_visible": page.locator("#result-line").is_visible(),
            "result": page.inner_text("#result-line"),
        }
    finally:
        context.close()


@pytest.mark.browser
def test_the_html_opens_with_the_network_off(browser, thread, html_report, hostile, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(html_report, encoding="utf-8")
    seen = _open_offline(browser, path)
    assert seen["aborted"] == [] and seen["requested"] == [seen["url"]]
    assert len(seen["images"]) == 2
    assert all(image["complete"] and image["width"] > 0 for image in seen["images"])
    assert seen["result_visible"] and seen["result"] == report_line(thread["local_report"])

    path = tmp_path / "hostile.html"
    path.write_text(report_html(hostile), encoding="utf-8")
    seen = _open_offline(browser, path)
    assert seen["dialogs"] == []  # no alert() ran
    assert seen["aborted"] == [] and seen["requested"] == [seen["url"]]
    assert all(image["complete"] and image["width"] > 0 for image in seen["images"])


def test_the_assistants_markdown_becomes_safe_html():
    from assistant_core.report_html import html_prose

    assert html_prose("**<b>x</b>** and `a<b>`\nnext line\n\nsecond") == (
        "<p><strong>&lt;b&gt;x&lt;/b&gt;</strong> and <code>a&lt;b&gt;</code>\nnext line</p>\n"
        "<p>second</p>"
    )
    assert html_prose("~~~\n<i>\n~~~\nafter") == "<pre><code>&lt;i&gt;</code></pre>\n<p>after</p>"
