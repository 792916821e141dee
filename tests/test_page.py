"""The analysis page through Streamlit's AppTest: paste, example, table, CSV, errors, paired."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import unmarked

ROOT = Path(__file__).resolve().parent.parent
SLEEP_1 = "0.7 -1.6 -0.2 -1.2 -0.1 3.4 3.7 0.8 0.0 2.0"
SLEEP_2 = "1.9 0.8 1.1 0.1 -0.1 4.4 5.5 1.6 4.6 3.4"


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def page_text(at: AppTest) -> str:
    """The page's Markdown, errors, warnings and headings, with Markdown escapes undone."""
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [s.value for s in at.subheader]
    return unmarked(re.sub(r"\\(.)", r"\1", "\n".join(parts)))


def analyse(at: AppTest) -> AppTest:
    at.button(key="analyse.run").click().run()
    assert not at.exception, at.exception
    return at


def test_paste_two_groups(app):
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939
    app.text_area(key="analyse.values.0").set_value(SLEEP_1)
    app.text_area(key="analyse.values.1").set_value(SLEEP_2)
    analyse(app)
    text = page_text(app)
    assert "Welch's t(17.78) = -1.86, p = .079" in text
    assert not app.error
    assert len(app.get("plotly_chart")) == 2


def test_paired_option(app):
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) -> t = -4.0621, df = 9
    app.text_area(key="analyse.values.0").set_value(SLEEP_1)
    app.text_area(key="analyse.values.1").set_value(SLEEP_2)
    app.checkbox(key="analyse.paired").check()
    analyse(app)
    assert "Paired t(9) = -4.06" in page_text(app)


def test_worked_example(app):
    app.button(key="analyse.example").click().run()
    assert app.text_input(key="analyse.name.0").value == "Treatment A"
    assert app.text_area(key="analyse.values.0").value
    analyse(app)
    text = page_text(app)
    assert "Recommended test" in [c.value for c in app.caption]
    # The figures of our use case: Welch's t(14.78) = -6.71 (Student's would be t(18)).
    assert "Welch's t(14.78) = -6.71, p < .001, d = -3.00" in text
    assert not app.error


def test_bad_value_shows_error_and_keeps_input(app):
    app.text_area(key="analyse.values.0").set_value("1, 2, 3x, 4")
    app.text_area(key="analyse.values.1").set_value("5 6 7 8")
    analyse(app)
    assert len(app.error) == 1
    message = app.error[0].value
    assert "3x" in message and "group 1" in message.lower()
    assert app.text_area(key="analyse.values.0").value == "1, 2, 3x, 4"
    assert not app.get("plotly_chart")


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("", "1 2 3", "empty"),
        ("1 2 3", "NA NA", "no numeric values"),
        ("1e999 2", "3 4", '"1e999" is too large'),
        ("[1, 2", "3 4", "never closed"),
        ("\x00\x01", "3 4", "group 1"),
    ],
)
def test_broken_inputs_never_raise(app, first, second, expected):
    app.text_area(key="analyse.values.0").set_value(first)
    app.text_area(key="analyse.values.1").set_value(second)
    analyse(app)
    assert app.error, page_text(app)
    assert expected.lower() in app.error[0].value.lower()


def test_results_stay_after_an_unrelated_rerun(app):
    app.text_area(key="analyse.values.0").set_value(SLEEP_1)
    app.text_area(key="analyse.values.1").set_value(SLEEP_2)
    analyse(app)
    app.selectbox(key="analyse.alternative").set_value("less").run()
    assert "Welch's t(17.78) = -1.86" in page_text(app)


def test_paste_a_table_with_labelled_lines(app):
    app.radio(key="analyse.mode").set_value("Paste a table").run()
    app.text_area(key="analyse.table").set_value(
        "drug 1: [" + SLEEP_1.replace(" ", ", ") + "]\ndrug 2 = " + SLEEP_2
    )
    analyse(app)
    assert "Welch's t(17.78) = -1.86" in page_text(app)


def test_switching_mode_keeps_pasted_groups(app):
    app.text_area(key="analyse.values.0").set_value(SLEEP_1).run()
    app.radio(key="analyse.mode").set_value("Upload a CSV file").run()
    app.radio(key="analyse.mode").set_value("Paste groups").run()
    assert app.text_area(key="analyse.values.0").value == SLEEP_1


def test_csv_upload_long_layout(app):
    # R: summary(aov(weight ~ group, data = PlantGrowth)) -> F = 4.846 on 2 and 27 df
    ctrl = [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14]
    trt1 = [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69]
    trt2 = [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26]
    rows = ["weight,group"]
    for name, values in (("ctrl", ctrl), ("trt1", trt1), ("trt2", trt2)):
        rows += [f"{v},{name}" for v in values]
    app.radio(key="analyse.mode").set_value("Upload a CSV file").run()
    app.file_uploader(key="analyse.csv").set_value(
        ("plants.csv", ("\n".join(rows) + "\n").encode(), "text/csv")
    ).run()
    assert not app.exception
    assert app.selectbox(key="analyse.gcol").value == "group"
    assert app.selectbox(key="analyse.vcol").value == "weight"
    analyse(app)
    text = page_text(app)
    assert "F(2, 27) = 4.85" in text or "Welch's F(2, 17.13) = 5.18" in text
    assert not app.error


def test_csv_upload_that_is_not_a_csv(app):
    app.radio(key="analyse.mode").set_value("Upload a CSV file").run()
    app.file_uploader(key="analyse.csv").set_value(
        ("data.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "text/csv")
    ).run()
    assert not app.exception
    assert app.error
    assert app.button(key="analyse.run").disabled


def badges(at: AppTest) -> list[str]:
    """The verdict panel's badges, as Markdown (``:green-badge[...]``)."""
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_assistant_streams_and_every_figure_verifies(app):
    app.button(key="analyse.example").click().run()
    analyse(app)
    assert "Ask the research assistant" in [b.label for b in app.button]
    app.button(key="analyse.ask").click().run(timeout=120)
    assert not app.exception, app.exception
    text = page_text(app)
    assert "Built-in analyst (offline, not an AI model)" in [c.value for c in app.caption]
    assert "Welch's t(14.78) = -6.71" in text  # its narrative
    assert len(app.chat_message) == 2  # the question and the answer
    found = badges(app)
    assert found and all("green-badge" in b for b in found), found
    assert "figures are those of **Welch's t-test**" in text


def test_follow_up_continues_the_conversation(app):
    app.button(key="analyse.example").click().run()
    analyse(app)
    app.button(key="analyse.ask").click().run(timeout=120)
    app.chat_input(key="analyse.follow_up").set_value("use Student's t-test instead").run(
        timeout=120
    )
    assert not app.exception, app.exception
    assert len(app.chat_message) == 4
    text = page_text(app)
    assert "Student's t(18) = -6.71" in text
    assert "figures are those of **Student's t-test**" in text  # the verdict names it


def test_new_analysis_starts_a_new_conversation(app):
    app.button(key="analyse.example").click().run()
    analyse(app)
    app.button(key="analyse.ask").click().run(timeout=120)
    analyse(app)
    assert len(app.chat_message) == 0
    assert not badges(app)
