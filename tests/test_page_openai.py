"""The analysis page with the OpenAI backend, against the loopback fake server (AppTest)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import text_stream

ROOT = Path(__file__).resolve().parent.parent
# The worked example's Welch figures, as an assistant would report them.
WELCH = {
    "test": "welch_t",
    "alternative": "two-sided",
    "statistic": -6.7083,
    "df": 14.780,
    "p_value": 7.557e-06,
    "ci_low": -16.17,
    "ci_high": -8.37,
    "mean_difference": -12.27,
    "effect_size_name": "cohens_d",
    "effect_size": -3.0,
}
CODE = "from scipy import stats\nres = stats.ttest_ind(a, b, equal_var=False)\nprint(res)\n"
TEXT = "Welch's t(14.78) = -6.71, p = 7.56 x 10^-6: the treatments differ clearly."


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [c.value for c in at.caption] + [s.value for s in at.subheader]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def analysed(fake: FakeOpenAI) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    assert not at.exception
    return at


def test_configured_key_selects_openai_and_lists_models(fake):
    at = analysed(fake)
    assert at.sidebar.radio(key="assistant.backend").value == "openai"
    assert at.sidebar.selectbox(key="assistant.model").value == "gpt-5.5"
    assert set(at.sidebar.selectbox(key="assistant.model").options) == set(fake.models)
    assert fake.api_key not in page_text(at)


def test_openai_analysis_streams_and_verifies(fake):
    fake.script_analysis(text=TEXT, code=CODE, logs="-6.708257 14.780074 7.5573e-06", report=WELCH)
    fake.script_responses(text_stream("Recorded.", response_id="resp_two"))
    at = analysed(fake)
    at.button(key="analyse.ask").click().run(timeout=60)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "OpenAI" in text and "gpt-5.5" in text  # who answered
    assert "Welch's t(14.78) = -6.71" in text
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert badges and all("green-badge" in b for b in badges), badges
    assert any(c.value.startswith("Tokens: ") for c in at.caption)  # usage shown per run
    body = fake.requests[-2].json()  # the analysis request (the last one is the tool output)
    assert body["model"] == "gpt-5.5"
    assert fake.api_key not in text


def test_refused_key_is_one_clear_error_and_the_local_results_stay(fake):
    fake.fault("401")
    at = analysed(fake)
    at.button(key="analyse.ask").click().run(timeout=60)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "key" in errors[0].lower(), errors
    assert fake.api_key not in errors[0]
    assert "Welch's t(14.78) = -6.71, p < .001" in page_text(at)  # the local card


def test_builtin_can_still_be_chosen(fake):
    at = analysed(fake)
    at.sidebar.radio(key="assistant.backend").set_value("builtin").run()
    at.button(key="analyse.ask").click().run(timeout=120)
    assert not at.exception
    assert "Built-in analyst (offline, not an AI model)" in page_text(at)
    assert not [r for r in fake.requests if r.path == "/v1/responses"]
