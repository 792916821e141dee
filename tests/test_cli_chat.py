"""`python -m assistant_core ask --backend chat` as a subprocess, against the fake server.

The fake server runs in this process; the command reaches it over loopback through
``CHAT_BASE_URL`` (with ``CHAT_API_KEY`` and ``CHAT_MODEL``), the way a user points the chat
backend at Ollama, vLLM or any other OpenAI-compatible server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant_core.data import make_dataset
from assistant_core.stats import check
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_streams import chat_stream

ROOT = Path(__file__).resolve().parent.parent
A = [37.4, 35.8, 39.3, 41.2, 43.5, 40.2, 38.1, 37.4, 42.3, 45.1]
B = [55.8, 48.2, 49.5, 62.7, 55.6, 45.5, 54.0, 48.5, 51.2, 52.0]
CODE = (
    "from scipy import stats\n"
    "res = stats.ttest_ind(groups['A'], groups['B'], equal_var=False)\n"
    "print(f't = {res.statistic:.4f}, df = {res.df:.3f}, p = {res.pvalue:.4g}')\n"
)


def ask(fake: FakeOpenAI, tmp_path: Path, *args: str, **settings: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CHAT_"))}
    env.update(settings)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'runs.sqlite'}"  # never the user's store
    env["ASSISTANT_DATA_DIR"] = str(tmp_path / "data")
    data = ["--group", "A=" + ",".join(map(str, A)), "--group", "B=" + ",".join(map(str, B))]
    command = [sys.executable, "-m", "assistant_core", "ask", "--backend", "chat", "--json"]
    return subprocess.run(
        [*command, *data, "--no-save", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def lines(text: str) -> list[dict]:
    def reject(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    events = [json.loads(line, parse_constant=reject) for line in text.splitlines()]
    if events and events[0]["type"] == "thread":  # the stored thread, when there is one
        events = events[1:]
    return events


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="chat-cli-key-0123456789") as server:
        yield server


def test_ask_with_the_chat_backend_streams_and_verifies(fake: FakeOpenAI, tmp_path: Path) -> None:
    local = check(make_dataset({"A": A, "B": B})).to_dict()
    welch = local["tests"]["welch_t"]
    figures = {
        "test": "welch_t",
        "alternative": "two-sided",
        **{k: welch[k] for k in ("statistic", "df", "p_value", "ci_low", "ci_high")},
        "mean_difference": welch["mean_difference"],
        "effect_size_name": "cohens_d",
        "effect_size": local["effect_sizes"]["cohens_d"],
    }
    fake.script_chat(
        chat_stream(
            "Welch's t-test it is.",
            tool_calls=[{"name": "run_python", "arguments": {"code": CODE}}],
        )
    )
    fake.script_chat(
        chat_stream(None, tool_calls=[{"name": "report_results", "arguments": figures}])
    )
    fake.script_chat(chat_stream("Group A recovers faster than group B."))

    result = ask(
        fake,
        tmp_path,
        "--model",
        "llama3.1",
        CHAT_BASE_URL=fake.base_url,
        CHAT_API_KEY=fake.api_key,
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and fake.api_key not in result.stdout + result.stderr
    events = lines(result.stdout)
    types = [e["type"] for e in events]
    assert types[0] == "text_delta" and types[-2:] == ["status", "verification"]
    order = [types.index(t) for t in ("code_delta", "code_done", "code_output", "reported")]
    assert order == sorted(order)
    assert types.index("reported") < len(types) - 1 - types[::-1].index("text_delta")
    (done,) = [e for e in events if e["type"] == "code_done"]
    assert done["code"] == CODE
    assert "".join(e["code"] for e in events if e["type"] == "code_delta") == CODE
    output = "".join(e["logs"] for e in events if e["type"] == "code_output")
    assert "t = -6.7083, df = 14.780, p = 7.557e-06" in output
    assert events[-2]["state"] == "completed" and events[-2]["usage"]["input_tokens"] == 159
    verdict = events[-1]
    assert verdict["variant"] == "welch_t"
    statuses = {f["name"]: f["status"] for f in verdict["figures"]}
    for name in ("statistic", "df", "p_value", "ci_low", "ci_high"):
        assert statuses[name] == "match", verdict
    assert "mismatch" not in statuses.values()
    requests = [r.json() for r in fake.requests if r.path == "/v1/chat/completions"]
    assert [r["model"] for r in requests] == ["llama3.1"] * 3


def test_ask_without_chat_settings_is_one_config_error(fake: FakeOpenAI, tmp_path: Path) -> None:
    result = ask(fake, tmp_path, CHAT_MODEL="llama3.1")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    events = lines(result.stdout)
    assert [e["type"] for e in events] == ["error", "status", "verification"]
    assert events[0]["kind"] == "config" and "CHAT_BASE_URL" in events[0]["message"]
    assert fake.requests == []


def test_a_profile_brings_its_instructions_temperature_and_tools(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    from assistant_core.store import Profile, open_store

    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    with open_store(url) as store:
        store.save_profile(
            Profile(
                id=None,
                name="Terse checker",
                instructions="Be terse. Cite the result each statement rests on.",
                backend="chat",
                temperature=0.1,
                code_interpreter=False,
            )
        )
    fake.script_chat(chat_stream("Terse answer."))
    settings = {"CHAT_BASE_URL": fake.base_url, "CHAT_API_KEY": fake.api_key, "CHAT_MODEL": "m"}
    result = ask(fake, tmp_path, "--profile", "terse CHECKER", **settings)
    assert result.returncode == 0, result.stderr
    request = next(r for r in fake.requests if r.path == "/v1/chat/completions").json()
    system = request["messages"][0]["content"]
    assert system.startswith("Be terse. Cite the result each statement rests on.")
    assert "report_results exactly once" in system  # the dashboard's own rules follow
    assert request["temperature"] == 0.1
    assert [t["function"]["name"] for t in request["tools"]] == ["report_results"]
    unknown = ask(fake, tmp_path, "--profile", "Nobody", **settings)
    assert unknown.returncode == 2
    assert "There is no assistant profile 'Nobody'; there are: 'Research Analyst'" in (
        unknown.stderr
    )
