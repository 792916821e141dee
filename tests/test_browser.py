"""End to end: `streamlit run` in a real Chromium; paste two groups, analyse, read the result."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

# R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939
SLEEP_1 = "0.7 -1.6 -0.2 -1.2 -0.1 3.4 3.7 0.8 0.0 2.0"
SLEEP_2 = "1.9 0.8 1.1 0.1 -0.1 4.4 5.5 1.6 4.6 3.4"


def settle(page, quiet_ms: int = 600, timeout: float = 60) -> None:
    """Wait until the page has stopped changing (the app's current run has drawn everything)."""
    deadline = time.monotonic() + timeout
    page.wait_for_timeout(300)
    before = page.inner_text("body")
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet_ms)
        now = page.inner_text("body")
        if now == before:
            return
        before = now
    raise AssertionError(f"the page kept changing for {timeout} s")


def enter(page, label: str, text: str) -> None:
    """Type into a text area and leave it, as a person does, then let the app rerun."""
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Tab")  # a text area sends its value when it loses focus
    settle(page)


def _page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.get_by_text("Do these groups differ?").wait_for(timeout=60_000)
    settle(page)
    return context, page


def test_paste_two_groups_and_analyse(streamlit_url, browser):
    context, page = _page(browser, streamlit_url)
    try:
        enter(page, "Values of group 1", SLEEP_1)
        enter(page, "Values of group 2", SLEEP_2)
        page.get_by_role("button", name="Analyse").click()
        page.get_by_text("Welch's t(17.78) = -1.86").wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "p = .079" in body
        assert "Traceback" not in body
    finally:
        context.close()


def test_bad_input_shows_message_and_keeps_text(streamlit_url, browser):
    context, page = _page(browser, streamlit_url)
    try:
        enter(page, "Values of group 1", "1, 2, 3x, 4")
        enter(page, "Values of group 2", "5 6 7 8")
        page.get_by_role("button", name="Analyse").click()
        alert = page.get_by_role("alert").filter(has_text="3x")
        alert.wait_for(timeout=60_000)
        assert "group 1" in alert.inner_text().lower()
        assert page.get_by_label("Values of group 1").input_value() == "1, 2, 3x, 4"
        assert "Traceback" not in page.inner_text("body")
    finally:
        context.close()


CHECKED = "Checked, claim by claim"
COVERAGE = re.compile(r"(\d+) claims \((\d+) numbers\): (\d+) confirmed, (\d+) contradicted")


def assert_checked(body: str, *, at_least: int = 6, marks: int = 4) -> None:
    """The answer was checked claim by claim: its coverage line is there, nothing is
    contradicted, at least ``at_least`` claims are confirmed, and at least ``marks`` of them
    carry their confirmed mark (✓) on the figure itself, in the prose or the output."""
    assert CHECKED in body, body[-2000:]
    coverage = COVERAGE.search(body)
    assert coverage, body[-2000:]
    _total, _numbers, confirmed, wrong = map(int, coverage.groups())
    assert wrong == 0 and confirmed >= at_least, (coverage.group(0), body[-3000:])
    assert body.count("✓") >= marks, body[-3000:]


def analysed_example(browser, url):
    """A new browser context on the dashboard, the worked example loaded and analysed."""
    context, page = _page(browser, url)
    page.get_by_role("button", name="Load the worked example").click()
    settle(page)
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("Did the assistant get it right?").wait_for(timeout=60_000)
    settle(page)
    return context, page


def test_assistant_streams_and_the_verdict_panel_fills(streamlit_url, browser):
    context, page = analysed_example(browser, streamlit_url)
    try:
        page.get_by_role("button", name="Ask the research assistant").click()
        # streaming: at some moment the plan is on the page and the verdict is not yet
        partial_seen, deadline = False, time.monotonic() + 90
        while time.monotonic() < deadline:
            body = page.inner_text("body")
            if CHECKED in body:
                break
            partial_seen = partial_seen or "I am the built-in analyst" in body
            page.wait_for_timeout(50)
        assert partial_seen, "the answer appeared all at once, not streamed"
        page.get_by_text(CHECKED).first.wait_for(timeout=30_000)
        settle(page)  # the verdict panel is drawn badge by badge: wait for the run's end
        body = page.inner_text("body")
        assert "Welch's t-test" in body
        assert "Welch's t(14.78) = -6.71, p < .001" in body
        assert_checked(body)
        assert page.locator("[data-testid='stImage'] img").count() >= 1  # the analyst's plot
        assert "Traceback" not in body
    finally:
        context.close()


def test_stop_ends_the_run_and_keeps_what_arrived(streamlit_url, browser):
    context, page = analysed_example(browser, streamlit_url)
    try:
        page.get_by_role("button", name="Ask the research assistant").click()
        page.get_by_text("I am the built-in analyst").wait_for(timeout=60_000)
        page.get_by_role("button", name="Stop").click()
        page.get_by_text("Stopped. What arrived before the stop is kept.").wait_for(timeout=60_000)
        settle(page)
        body = page.inner_text("body")
        assert "I am the built-in analyst" in body
        assert CHECKED not in body  # no verdict for a stopped run
        # the conversation goes on: a follow-up runs in the same (interrupted) interpreter
        box = page.get_by_placeholder("Ask a follow-up question")
        box.fill("use Student's t-test instead")
        box.press("Enter")
        page.get_by_text("Student's t(18) = -6.71").first.wait_for(timeout=90_000)
        assert "Traceback" not in page.inner_text("body")
    finally:
        context.close()
