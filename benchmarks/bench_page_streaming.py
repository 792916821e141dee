"""Streaming cost in the page: our chat view against a bare ``st.write_stream`` page.

Run: ``.venv/bin/python -m benchmarks.bench_page_streaming`` (needs Debian's Chromium).
The loopback fake OpenAI server sends 2,000 text deltas at a fixed pace to both pages,
started with ``streamlit run`` in the same run; in a real browser a MutationObserver
notes when the first and the last word appear. Reported against the server's first and
last event. Aim: first character within 150 ms of the first byte, and total render time
(first byte to last word shown) within 1.1x of the bare page.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks._timing import print_table
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, streamlit_server
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import text_stream
from tests.test_browser import analysed_example

DELTAS = 2000
PACE = 0.002  # seconds between deltas: a fast model
RUNS = 3
TEXT = "".join(f" w{i:04d}" for i in range(1, DELTAS + 1))
WATCH = """() => {
  window.__seen = {};
  const first = 'w0001', last = 'LAST';
  new MutationObserver(() => {
    const text = document.body.textContent;
    if (!window.__seen.first && text.includes(first)) window.__seen.first = Date.now();
    if (!window.__seen.last && text.includes(last)) window.__seen.last = Date.now();
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}""".replace("LAST", f"w{DELTAS:04d}")


def _measure(page, fake: FakeOpenAI, start_button: str) -> tuple[float, float]:
    fake.script_responses(text_stream(TEXT), pace=PACE)
    page.evaluate(WATCH)
    page.get_by_role("button", name=start_button).click()
    page.wait_for_function("() => window.__seen.last", timeout=120_000, polling=100)
    seen = page.evaluate("() => window.__seen")
    first_byte, _ = fake.stream_times[-1]
    return seen["first"] / 1000 - first_byte, seen["last"] / 1000 - first_byte


def main() -> None:
    rows = []
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as folder:
        env = {"OPENAI_API_KEY": fake.api_key, "OPENAI_BASE_URL": fake.base_url}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            results = {}
            for label, script, button in (
                ("bare st.write_stream", "benchmarks/bare_stream_app.py", "Stream"),
                ("our page", "app.py", "Ask the research assistant"),
            ):
                log_dir = Path(folder) / label.replace(" ", "-")
                log_dir.mkdir()
                with streamlit_server(log_dir, env, script=script) as url:
                    firsts, totals = [], []
                    for _ in range(RUNS):
                        if script == "app.py":
                            context, page = analysed_example(browser, url)
                        else:
                            context = browser.new_context()
                            page = context.new_page()
                            page.goto(url)
                        page.get_by_role("button", name=button).wait_for(timeout=60_000)
                        first, total = _measure(page, fake, button)
                        firsts.append(first * 1000)
                        totals.append(total * 1000)
                        context.close()
                results[label] = (statistics.median(firsts), statistics.median(totals))
            browser.close()
    sent = DELTAS * PACE * 1000
    for label, (first, total) in results.items():
        rows.append(
            [
                label,
                f"{first:.0f}",
                f"{total:.0f}",
                f"{total / results['bare st.write_stream'][1]:.2f}",
            ]
        )
    print(f"{DELTAS} deltas sent over about {sent:.0f} ms; medians of {RUNS} runs")
    print_table(["page", "first character (ms)", "last word (ms)", "ratio"], rows)


if __name__ == "__main__":
    main()
