"""End to end: share a thread, open the link in a fresh browser context, revoke it; the
owner's keys (in the server's environment) appear nowhere in any page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import streamlit_server
from tests.fakes.openai_server import FakeOpenAI
from tests.test_browser import CHECKED, analysed_example, assert_checked, settle

pytestmark = pytest.mark.browser

OWNER_KEY = "sk-owner-0123456789abcdefSECRET"
CHAT_KEY = "sk-chat-owner-9876543210SECRET"


@pytest.fixture(scope="module")
def owner_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard with the owner's OpenAI and chat keys set (a fake OpenAI behind them)."""
    with FakeOpenAI(api_key=OWNER_KEY) as fake:
        env = {
            "OPENAI_API_KEY": OWNER_KEY,
            "OPENAI_BASE_URL": fake.base_url,
            "CHAT_API_KEY": CHAT_KEY,
            "CHAT_BASE_URL": fake.base_url,
            "CHAT_MODEL": "qwen",
        }
        with streamlit_server(tmp_path_factory.mktemp("owner"), extra_env=env) as url:
            yield url


def assert_no_keys(page) -> None:
    html = page.content()
    for key in (OWNER_KEY, CHAT_KEY, OWNER_KEY[:20], CHAT_KEY[:20]):
        assert key not in html


def test_share_open_elsewhere_and_revoke(owner_server, browser):
    context, page = analysed_example(browser, owner_server)
    try:
        page.get_by_text("Built-in analyst (offline)").click()  # no paid run needed here
        settle(page)
        page.get_by_role("button", name="Ask the research assistant").click()
        page.get_by_text(CHECKED).first.wait_for(timeout=90_000)
        settle(page)
        assert_no_keys(page)
        page.get_by_text("Read-only link for colleagues").click()
        page.get_by_role("button", name="Make a read-only link").click()
        link = page.locator("code").filter(has_text="/shared?share=").first
        link.wait_for(timeout=30_000)
        url = link.inner_text().strip()
        assert url.startswith(owner_server + "/shared?share=")

        # a colleague, in a browser of their own
        other = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            shared = other.new_page()
            shared.goto(url)
            shared.get_by_text("A read-only snapshot shared on").wait_for(timeout=60_000)
            settle(shared)
            body = shared.inner_text("body")
            assert "Welch's t(14.78) = -6.71, p < .001" in body  # the local results
            assert_checked(body)  # the verdict, claim by claim
            assert "Welch's t-test" in body
            assert "I am the built-in analyst" in body  # the conversation
            image = shared.locator("[data-testid='stImage'] img").first
            image.wait_for(state="attached", timeout=30_000)  # the analyst's plot
            # nothing to run from here: no question box, no buttons to ask, no settings
            assert shared.get_by_placeholder("Ask a follow-up question").count() == 0
            assert shared.get_by_role("button", name="Ask the research assistant").count() == 0
            assert shared.get_by_role("button", name="Analyse").count() == 0
            assert "Your OpenAI API key" not in body
            assert_no_keys(shared)

            page.get_by_role("button", name="Revoke").click()
            settle(page)
            shared.reload()
            shared.get_by_text("This share link was revoked by its owner").wait_for(timeout=60_000)
            assert "-6.71" not in shared.inner_text("body")
            shared.goto(url[:-6] + "AAAAAA")
            shared.get_by_text("This share link does not exist").wait_for(timeout=60_000)
            assert_no_keys(shared)
        finally:
            other.close()
    finally:
        context.close()
