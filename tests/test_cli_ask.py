"""`python -m assistant_core ask` per DESIGN.md, with the built-in analyst, as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
A = "37.4,35.8,39.3,41.2,43.5,40.2,38.1,37.4,42.3,45.1"
B = "55.8,48.2,49.5,62.7,55.6,45.5,54.0,48.5,51.2,52.0"


def ask(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_core", "ask", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def strict_lines(text: str) -> list[dict]:
    def reject(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return [json.loads(line, parse_constant=reject) for line in text.splitlines()]


@pytest.fixture(scope="module")
def worked_example(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    # made before any test's own environment: keep the run off the user's data directory
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ASSISTANT_DATA_DIR"] = str(tmp_path_factory.mktemp("ask-data"))
    return ask("--json", "--backend", "builtin", "--group", f"A={A}", "--group", f"B={B}", env=env)


def test_json_lines_in_contract_order(worked_example):
    assert worked_example.returncode == 0, worked_example.stderr
    assert "Traceback" not in worked_example.stderr
    events = strict_lines(worked_example.stdout)
    types = [e["type"] for e in events]
    assert types[0] == "thread" and len(events[0]["id"]) >= 16  # the stored thread, first
    assert types.count("thread") == 1
    assert types[-1] == "verification"
    assert types[-2] == "status" and events[-2]["state"] == "completed"
    assert {
        "text_delta",
        "code_delta",
        "code_done",
        "code_output",
        "image_output",
        "reported",
    } <= set(types)
    assert types.index("code_delta") < types.index("code_done") < types.index("code_output")
    image = next(e for e in events if e["type"] == "image_output")
    assert image["mime"] == "image/png" and image["data_base64"].startswith("iVBORw0KGgo")


def test_every_figure_verifies(worked_example):
    verdict = strict_lines(worked_example.stdout)[-1]
    assert verdict["variant"] == "welch_t"
    statuses = {f["name"]: f["status"] for f in verdict["figures"]}
    assert statuses["statistic"] == statuses["df"] == statuses["p_value"] == "match"
    assert statuses["ci_low"] == statuses["ci_high"] == "match"
    assert "mismatch" not in statuses.values()
    # Welch's t(14.78) = -6.71, p = 7.56e-6 on the worked example (not Student's 2.73e-6)
    p = next(f for f in verdict["figures"] if f["name"] == "p_value")
    assert p["local"] == pytest.approx(7.557e-06, rel=1e-3)


def test_terminal_view_streams_text_code_and_verdict():
    result = ask("--group", f"A={A}", "--group", f"B={B}", "--question", "Do A and B differ?")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Thread ")
    assert "──────── Python ────────" in out and "──────── output ────────" in out
    assert "Welch's t(14.78) = -6.71" in out
    assert "The figures are those of Welch's t-test" in out
    assert "MISMATCH" not in out


def test_auto_without_a_key_is_the_builtin_analyst():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    result = ask("--json", "--group", "A=1,2,3,4", "--group", "B=3,4,5,6", env=env)
    assert result.returncode == 0, result.stderr
    events = strict_lines(result.stdout)
    assert "built-in analyst" in "".join(e.get("text", "") for e in events)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--backend", "nope", "--group", "A=1,2", "--group", "B=3,4"], "nope"),
        (["--group", "A=1,x", "--group", "B=3,4"], '"x"'),
        ([], "No data"),
    ],
)
def test_bad_input_exits_2(args, expected):
    result = ask("--json", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_assistant_failure_exits_1_after_printing_what_arrived(monkeypatch, capsys):
    from assistant_core import backends
    from assistant_core.cli import main

    monkeypatch.setitem(backends.BACKENDS, "broken", "tests.fakes:BrokenBackend")
    status = main(
        ["ask", "--json", "--backend", "broken", "--group", f"A={A}", "--group", f"B={B}"]
    )
    assert status == 1
    events = strict_lines(capsys.readouterr().out)
    assert [e["type"] for e in events] == [
        "thread",
        "text_delta",
        "error",
        "status",
        "verification",
    ]
    assert events[2] == {
        "type": "error",
        "kind": "rate_limit",
        "message": "Rate limit reached; try again.",
        "retryable": True,
    }
    assert events[3]["state"] == "failed"
    assert all(f["status"] == "not_reported" for f in events[-1]["figures"] if f["name"] != "test")


def test_ctrl_c_ends_quietly_without_a_traceback():
    import signal
    import time

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant_core",
            "ask",
            "--json",
            "--backend",
            "builtin",
            "--group",
            f"A={A}",
            "--group",
            f"B={B}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the thread event: the run has started
    assert json.loads(first)["type"] == "thread"
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (0, 130)  # 0 when the run had already finished
    assert "Traceback" not in err
    if process.returncode == 130:
        assert err.strip().splitlines()[-1] == "interrupted"
