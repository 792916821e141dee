"""End to end: a thread survives a reload, is listed in History, reopens whole, continues."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import CHECKED, analysed_example, assert_checked, settle

pytestmark = pytest.mark.browser


def wait_for_verdict(page) -> None:
    page.get_by_text(CHECKED).first.wait_for(timeout=90_000)
    settle(page)


def test_reload_history_open_and_follow_up(streamlit_url, browser):
    context, page = analysed_example(browser, streamlit_url)
    try:
        page.get_by_role("button", name="Ask the research assistant").click()
        wait_for_verdict(page)
        assert re.search(r"[?&]thread=[0-9a-f]{32}", page.url), page.url
        answer = page.inner_text("body")
        assert "Welch's t-test" in answer

        page.reload()  # a new session: everything comes back from the store
        page.get_by_text("Saved as “Treatment A vs Treatment B (n=10, 10)”").wait_for(
            timeout=60_000
        )
        wait_for_verdict(page)
        body = page.inner_text("body")
        assert "Welch's t(14.78) = -6.71, p < .001" in body  # the local results
        assert "I am the built-in analyst" in body  # the streamed answer
        assert_checked(body)  # the verdicts, in place
        page.locator("[data-testid='stImage'] img").first.wait_for(state="attached", timeout=30_000)
        assert page.get_by_label("Values of group 1").input_value().startswith("37.4, 35.8")

        reopened = page.url
        page.get_by_role("link", name="History").click()
        page.wait_for_url(re.compile(r"/history"), timeout=60_000)  # the title is on both pages
        # the session's server is shared: other tests' threads may be listed too
        page.get_by_text("Treatment A vs Treatment B (n=10, 10)").first.wait_for(timeout=60_000)
        settle(page)
        assert "Research Analyst (builtin)" in page.inner_text("body")
        thread = re.search(r"thread=([0-9a-f]{32})", reopened).group(1)
        page.locator(f".st-key-history-open-{thread} button").click()
        page.get_by_text("Saved as").wait_for(timeout=60_000)
        settle(page)
        assert "I am the built-in analyst" in page.inner_text("body")

        box = page.get_by_placeholder("Ask a follow-up question")
        box.fill("also run a Mann-Whitney U test")
        box.press("Enter")
        page.get_by_text(re.compile(r"Mann-Whitney U = ")).first.wait_for(timeout=90_000)
        settle(page)
        body = page.inner_text("body")
        assert "Traceback" not in body
        # each answer keeps its own claims: the first and the follow-up are both checked
        assert body.count(CHECKED) >= 2, body[-3000:]
    finally:
        context.close()


def test_a_reload_mid_answer_shows_what_arrived(streamlit_url, browser):
    context, page = analysed_example(browser, streamlit_url)
    try:
        page.get_by_role("button", name="Ask the research assistant").click()
        page.get_by_text("I am the built-in analyst").wait_for(timeout=60_000)
        page.wait_for_function("() => /[?&]thread=/.test(location.search)", timeout=30_000)
        page.reload()
        page.get_by_text("Saved as").wait_for(timeout=60_000)
        settle(page, timeout=120)
        body = page.inner_text("body")
        assert "I am the built-in analyst" in body  # nothing already received is lost
        assert "Traceback" not in body
    finally:
        context.close()


@pytest.fixture(scope="module")
def slow_openai_server(tmp_path_factory: pytest.TempPathFactory):
    """The dashboard with OpenAI configured (a fake whose answers arrive slowly)."""
    from tests.conftest import streamlit_server
    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as fake:
        env = {"OPENAI_API_KEY": fake.api_key, "OPENAI_BASE_URL": fake.base_url}
        with streamlit_server(tmp_path_factory.mktemp("slow"), extra_env=env) as url:
            yield url, fake


def test_a_second_tab_follows_an_answer_as_it_arrives(slow_openai_server, browser):
    from tests.fakes.openai_streams import text_stream

    url, fake = slow_openai_server
    words = " ".join(f"word{i}" for i in range(40))
    fake.script_responses(text_stream(f"Slowly: {words} THE END."), pace=0.4)
    context, page = analysed_example(browser, url)
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page.get_by_role("button", name="Ask the research assistant").click()
        page.get_by_text("Slowly:").wait_for(timeout=60_000)
        page.wait_for_function("() => /[?&]thread=/.test(location.search)", timeout=30_000)
        second = other.new_page()
        second.goto(page.url)
        second.get_by_text("An answer is still arriving in another tab").wait_for(timeout=60_000)
        assert "THE END" not in second.inner_text("body")
        second.get_by_text("THE END.").wait_for(timeout=90_000)  # followed to its end
        settle(second)
        assert "Slowly: word0" in second.inner_text("body")
        assert "Traceback" not in second.inner_text("body")
    finally:
        other.close()
        context.close()
