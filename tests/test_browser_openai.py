"""End to end with the OpenAI backend: `streamlit run` against the loopback fake server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import streamlit_server
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import text_stream
from tests.test_browser import CHECKED, analysed_example, assert_checked, settle
from tests.test_page_openai import CODE, TEXT, WELCH

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def openai_url(fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"OPENAI_API_KEY": fake.api_key, "OPENAI_BASE_URL": fake.base_url}
    with streamlit_server(tmp_path_factory.mktemp("streamlit-openai"), env) as url:
        yield url


def test_openai_answer_streams_verifies_and_never_shows_the_key(openai_url, fake, browser):
    fake.script_analysis(text=TEXT, code=CODE, logs="-6.708257 14.780074 7.5573e-06", report=WELCH)
    fake.script_responses(text_stream("Recorded.", response_id="resp_two"))
    context, page = analysed_example(browser, openai_url)
    try:
        assert page.get_by_text("OpenAI (hosted code interpreter)").count() >= 1
        page.get_by_role("button", name="Ask the research assistant").click()
        page.get_by_text(CHECKED).first.wait_for(timeout=60_000)
        settle(page)
        body = page.inner_text("body")
        assert "OpenAI gpt-5.5 (hosted code interpreter)" in body
        assert "the treatments differ clearly" in body
        assert_checked(body)
        assert fake.api_key not in page.content()  # nowhere in the page's HTML
        analysis = next(r for r in fake.requests if r.path == "/v1/responses")
        assert analysis.headers["authorization"] == f"Bearer {fake.api_key}"
    finally:
        context.close()


def test_refused_key_shows_one_error_and_keeps_the_local_results(openai_url, fake, browser):
    fake.fault("401")
    context, page = analysed_example(browser, openai_url)
    try:
        page.get_by_role("button", name="Ask the research assistant").click()
        alert = page.get_by_role("alert").filter(has_text="key")
        alert.wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "Welch's t(14.78) = -6.71, p < .001" in body  # the local results stay
        assert fake.api_key not in page.content()
        assert "Traceback" not in body
    finally:
        context.close()
