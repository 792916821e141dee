"""The analysis page with the chat backend (any OpenAI-compatible server) against the loopback
fake server, and the Settings page where the chat server is chosen (AppTest)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant_core.store import open_store
from tests.conftest import unmarked
from tests.fakes.chat_scripts import script_welch
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CHAT_BASE_URL", server.base_url)
        monkeypatch.setenv("CHAT_API_KEY", server.api_key)
        monkeypatch.setenv("CHAT_MODEL", "qwen2.5-coder")
        yield server


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [c.value for c in at.caption] + [i.value for i in at.info]
    return unmarked(re.sub(r"\\(.)", r"\1", "\n".join(parts)))


def with_chat_backend() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.sidebar.radio(key="assistant.backend").set_value("chat").run()
    assert not at.exception, at.exception
    return at


def test_the_chat_backend_analyses_verifies_and_is_saved(fake):
    script_welch(fake)
    at = with_chat_backend()
    assert "Model `qwen2.5-coder` at 127.0.0.1" in page_text(at)
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    at.button(key="analyse.ask").click().run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Chat model qwen2.5-coder at 127.0.0.1" in text
    assert "figures are those of **Welch's t-test**" in text
    assert "mismatch" not in [b.label for b in at.get("badge")] if at.get("badge") else True
    codes = [c.value for c in at.code] + [unmarked(m.value) for m in at.markdown]
    assert any("stats.ttest_ind(a, b, equal_var=False)" in c for c in codes)
    assert any("Welch t = -6.7" in c for c in codes)  # the kernel's real output
    # the system prompt is the default profile's, the key went only to the chat server
    first = next(r for r in fake.requests if r.path == "/v1/chat/completions").json()
    assert "careful research analyst" in first["messages"][0]["content"]
    assert "report_results exactly once" in first["messages"][0]["content"]
    tid = at.query_params["thread"]
    tid = tid[0] if isinstance(tid, list) else tid
    record = open_store().get_thread(tid)
    assert (record.backend, record.model) == ("chat", "qwen2.5-coder")
    assert record.runs[0].status == "completed"
    assert all(
        f["status"] == "match" for f in record.verdict["figures"] if f["reported"] is not None
    )
    assert fake.api_key not in at.get("html").__repr__()


def test_a_missing_model_says_what_to_set(fake, monkeypatch):
    monkeypatch.delenv("CHAT_MODEL")
    at = with_chat_backend()
    assert "No chat model is set" in page_text(at)
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    assert any("No chat model is set" in e.value for e in at.error)


def settings() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception, at.exception
    return at


def test_presets_fill_in_the_base_url(monkeypatch):
    for name in ("CHAT_BASE_URL", "CHAT_API_KEY", "CHAT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    at = settings()
    at.selectbox(key="chat.preset").set_value("ollama").run()
    assert at.text_input(key="chat.base_url").value == "http://localhost:11434/v1"
    at.selectbox(key="chat.preset").set_value("openrouter").run()
    assert at.text_input(key="chat.base_url").value == "https://openrouter.ai/api/v1"


def test_a_bad_base_url_is_explained():
    at = settings()
    at.text_input(key="chat.base_url").set_value("localhost:11434/v1/chat/completions").run()
    assert any("CHAT_BASE_URL" in e.value for e in at.error)


def test_the_owners_key_only_goes_to_the_owners_server(fake):
    at = settings()
    assert at.text_input(key="chat.base_url").value == fake.base_url
    assert "a key is configured for this server" in at.text_input(key="chat.api_key").label
    at.text_input(key="chat.base_url").set_value("http://127.0.0.1:9/v1").run()
    assert "a key is configured" not in at.text_input(key="chat.api_key").label
    at.switch_page("pages/analyse.py").run()
    at.sidebar.radio(key="assistant.backend").set_value("chat").run()
    assert "without a key" in page_text(at)


def test_listing_the_servers_models(fake):
    at = settings()
    at.button(key="chat.list_models").click().run()
    assert "gpt-4.1" in page_text(at) or any(m in page_text(at) for m in fake.models)
