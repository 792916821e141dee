"""Cold start: ``streamlit run app.py`` to the first page shown, against a hello-world app.

Run: ``.venv/bin/python -m benchmarks.bench_cold_start [streamlit flags]`` (needs Debian's
Chromium); flags given are passed to both apps, e.g. ``--server.fileWatcherType none``.
Both apps are started the same way (headless, a free port, the project as working
directory, a fresh empty data directory each time), alternately, RUNS times each, so a
slow spell of the machine hits both alike. Each run is timed from the start of the
process to the app's title being visible in a fresh Chromium page; the time until the
health route first answers (the server is up, no script has run yet) is shown beside it.
Aim: our first page within 1.5x of the hello-world app's.

Streamlit's file watcher watches each script's folder recursively: the project's folder holds
``make run``'s ``.venv`` (some 5,000 folders), the hello app's temporary folder nothing, so
``--server.fileWatcherType none`` shows what the page itself costs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from benchmarks._timing import print_table
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, ROOT, free_port, wait_for_health

RUNS = 7
AIM = 1.5
HELLO_TITLE = "Hello, world"
HELLO_APP = f'import streamlit as st\n\nst.title("{HELLO_TITLE}")\n'
OUR_TITLE = "Do these groups differ?"
POLL = 0.01  # seconds between looks at the health route


def cold_start(
    browser: Browser, script: str, title: str, folder: Path, flags: Sequence[str] = ()
) -> tuple[float, float]:
    """Seconds from process start to (health route answering, title visible in the page)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STREAMLIT_"))}
    env.pop("DATABASE_URL", None)
    env["ASSISTANT_DATA_DIR"] = tempfile.mkdtemp(prefix="data-", dir=folder)
    log_path = Path(tempfile.mkstemp(prefix="server-", suffix=".log", dir=folder)[1])
    command = [
        *(sys.executable, "-m", "streamlit", "run", script),
        *("--server.port", str(port), "--server.address", "127.0.0.1"),
        *("--server.headless", "true"),
        *flags,
    ]
    context = browser.new_context()
    page = context.new_page()
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_for_health(f"http://127.0.0.1:{port}/_stcore/health", process, poll=POLL)
            up = time.perf_counter() - start
            page.goto(f"http://127.0.0.1:{port}")
            page.get_by_text(title, exact=True).wait_for(state="visible", timeout=60_000)
            shown = time.perf_counter() - start
        finally:
            context.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    output = log_path.read_text(errors="replace")
    if "Traceback" in output:
        raise RuntimeError(f"{script} printed a traceback:\n{output}")
    return up, shown


def main(flags: Sequence[str] = ()) -> None:
    times: dict[str, list[tuple[float, float]]] = {"hello world": [], "app.py": []}
    with tempfile.TemporaryDirectory() as name, sync_playwright() as playwright:
        folder = Path(name)
        hello = folder / "hello.py"
        hello.write_text(HELLO_APP)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            # one untimed run of each first: the disk cache holds both, as in every timed run
            cold_start(browser, str(hello), HELLO_TITLE, folder, flags)
            cold_start(browser, "app.py", OUR_TITLE, folder, flags)
            for _ in range(RUNS):
                hello_times = cold_start(browser, str(hello), HELLO_TITLE, folder, flags)
                times["hello world"].append(hello_times)
                times["app.py"].append(cold_start(browser, "app.py", OUR_TITLE, folder, flags))
        finally:
            browser.close()
    medians = {
        label: (statistics.median(u for u, _ in runs), statistics.median(s for _, s in runs))
        for label, runs in times.items()
    }
    base = medians["hello world"][1]
    rows = [
        [label, f"{up:.2f}", f"{shown:.2f}", f"{shown / base:.2f}"]
        for label, (up, shown) in medians.items()
    ]
    extra = f" (flags: {' '.join(flags)})" if flags else ""
    print(f"streamlit run to first page in Chromium; medians of {RUNS} runs, interleaved{extra}")
    print_table(["app", "server up (s)", "first page (s)", "ratio"], rows)
    ratio = medians["app.py"][1] / base
    print(f"ratio {ratio:.2f} (aim: at most {AIM})")


if __name__ == "__main__":
    main(sys.argv[1:])
