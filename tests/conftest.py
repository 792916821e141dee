"""Shared fixtures: a real `streamlit run` server on a free port and a headless Chromium;
the store, kept away from the user's own data directory.

Every test runs with ``ASSISTANT_DATA_DIR`` set to a directory of its own and without
``DATABASE_URL``, so nothing a test does reaches the real store. The ``store`` fixture gives
an empty, migrated store (and sets ``DATABASE_URL`` to it, for code and subprocesses that
open the default one): a SQLite file, or, when ``TEST_DATABASE_URL`` names a PostgreSQL
database, a schema of its own in that database, dropped afterwards.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from assistant_core.store import Store

ROOT = Path(__file__).resolve().parent.parent
#: a PostgreSQL database the store tests may use (each test in a fresh schema); see .ci/run
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(
    url: str, process: subprocess.Popen, timeout: float = 60.0, poll: float = 0.2
) -> None:
    """Until ``url`` answers 200; the server exiting first, or the timeout, raises."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(poll)
    raise RuntimeError(f"streamlit did not answer {url} within {timeout} s")


@contextmanager
def streamlit_server(
    log_dir: Path, extra_env: dict[str, str] | None = None, script: str = "app.py"
) -> Iterator[str]:
    """`streamlit run <script>` on a free loopback port; no traceback may reach its log."""
    port = free_port()
    log_path = log_dir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STREAMLIT_"))}
    # the server outlives any one test's environment: keep it off the user's data directory
    env["ASSISTANT_DATA_DIR"] = str(log_dir / "data")
    env.pop("DATABASE_URL", None)
    env.update(extra_env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_health(f"http://127.0.0.1:{port}/_stcore/health", process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    output = log_path.read_text(errors="replace")
    assert "Traceback" not in output, f"the server printed a traceback:\n{output}"


@pytest.fixture(scope="session")
def streamlit_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard with no OpenAI settings: the built-in analyst."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --------------------------------------------------------------------------- the store


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reaches the user's data directory or their DATABASE_URL (not even by accident)."""
    base = tmp_path_factory.getbasetemp() / "data-dirs" / uuid.uuid4().hex[:12]
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(base))  # created only if something stores
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield
    store = sys.modules.get("assistant_core.store")
    if store is not None:  # close what the test opened (ResourceWarning counts as an error)
        store.close_all()


def _admin_engine() -> Any:
    from sqlalchemy import create_engine

    from assistant_core.store import parse_url

    return create_engine(parse_url(TEST_DATABASE_URL or ""), isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """The URL of an empty database: a new schema in TEST_DATABASE_URL's PostgreSQL database
    (dropped afterwards), else a SQLite file in ``directory``."""
    if not TEST_DATABASE_URL:
        directory.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{directory / f'store-{uuid.uuid4().hex[:8]}.db'}"
        return
    from sqlalchemy import text

    from assistant_core.store import close_all, parse_url

    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = parse_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            close_all()
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (not yet migrated): see :func:`fresh_database`."""
    with fresh_database(tmp_path / "db") as url:
        yield url


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An empty, migrated store; DATABASE_URL points at it (subprocesses inherit that)."""
    from assistant_core.store import open_store

    monkeypatch.setenv("DATABASE_URL", database_url)
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.close()


_MARK_SUP = re.compile(r"<sup\b[^>]*>.*?</sup>", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_SUP_TEXT = re.compile(r"[✓✗?](?: [^\u202f\n]{0,30})?\u202f\d+")
_PLAIN_MARK = re.compile(r" \[(?:[✓✗?][^\]]*?) \d+(?:; [✓✗?][^\]]*? \d+)*\]")


def unmarked(text: str) -> str:
    """Text as written, without the claims' marks (HTML spans and superscripts of the page and
    the HTML report, or the ``[✓ 3]`` marks of the terminal and the Markdown report)."""
    text = _MARK_SUP.sub("", text)
    text = html.unescape(_TAG.sub("", text))
    return _SUP_TEXT.sub("", _PLAIN_MARK.sub("", text))
