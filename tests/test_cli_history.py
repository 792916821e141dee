"""`ask` keeps its thread, `ask --thread ID` continues it, `history` lists and shows threads.

Real subprocesses with the built-in analyst (offline); the store is a SQLite file, or a
PostgreSQL schema when TEST_DATABASE_URL is set (see conftest).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant_core.data import make_dataset
from assistant_core.events import event_from_dict
from assistant_core.stats import check
from assistant_core.store import open_store
from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parent.parent
A = "37.4,35.8,39.3,41.2,43.5,40.2,38.1,37.4,42.3,45.1"
B = "55.8,48.2,49.5,62.7,55.6,45.5,54.0,48.5,51.2,52.0"
GROUPS = ["--group", f"Treatment A={A}", "--group", f"Treatment B={B}"]
FOLLOW_UP = "also run a Mann-Whitney U test"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_core", *args],
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


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("history-db")) as url:
        yield url


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Module fixtures run before each test's own environment is set: make one here."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env = {k: v for k, v in env.items() if not k.startswith("OPENAI_")}
    env["ASSISTANT_DATA_DIR"] = str(tmp_path_factory.mktemp("history-data"))
    return env


@pytest.fixture(scope="module")
def first(db: str, module_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run("ask", "--json", "--backend", "builtin", *GROUPS, "--database", db, env=module_env)


@pytest.fixture(scope="module")
def thread_id(first: subprocess.CompletedProcess[str]) -> str:
    assert first.returncode == 0, first.stderr
    return strict_lines(first.stdout)[0]["id"]


@pytest.fixture(scope="module")
def follow_up(
    db: str, thread_id: str, module_env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    # no --backend: the thread's own (the built-in analyst) carries over with its data
    return run(
        "ask", "--json", "--thread", thread_id, "--question", FOLLOW_UP, "--database", db,
        env=module_env,
    )  # fmt: skip


def test_ask_keeps_its_thread_and_names_it_first(first, thread_id, db):
    events = strict_lines(first.stdout)
    assert events[0] == {"type": "thread", "id": thread_id}
    assert [e["type"] for e in events].count("thread") == 1
    with open_store(db) as store:
        record = store.get_thread(thread_id)
        assert record.title == "Treatment A vs Treatment B (n=10, 10)"
        assert record.backend == "builtin" and record.model is None
        assert record.dataset == make_dataset(
            {"Treatment A": A.split(","), "Treatment B": B.split(",")}, source="command line"
        )
        assert record.local_report == check(record.dataset).to_dict()
        [run_record] = record.runs
        assert run_record.status == "completed"
        assert run_record.answered_by.startswith("Built-in analyst")
        assert run_record.verification == events[-1]
        # every event printed was stored, in order, bytes and all
        assert store.run_events(run_record.id) == [event_from_dict(e) for e in events[1:]]
        assert any(e["type"] == "image_output" for e in events)


def test_follow_up_is_answered_in_the_same_thread_with_the_same_data(follow_up, thread_id, db):
    assert follow_up.returncode == 0, follow_up.stderr
    assert "Traceback" not in follow_up.stderr
    events = strict_lines(follow_up.stdout)
    assert events[0] == {"type": "thread", "id": thread_id}
    text = "".join(e.get("text", "") for e in events if e["type"] == "text_delta")
    assert "Mann-Whitney U = 0.0" in text
    assert "mannwhitneyu" in "".join(e["code"] for e in events if e["type"] == "code_done")
    [reported] = [e for e in events if e["type"] == "reported"]
    assert reported["figures"]["test"] == "mann_whitney_u"
    verdict = events[-1]
    assert verdict["type"] == "verification" and verdict["variant"] == "mann_whitney_u"
    statuses = {f["name"]: f["status"] for f in verdict["figures"]}
    assert statuses["statistic"] == statuses["p_value"] == "match"
    # R: wilcox.test(a, b, exact = FALSE) on the worked example: W = 0, p-value = 0.0001817
    p = next(f for f in verdict["figures"] if f["name"] == "p_value")
    assert p["local"] == pytest.approx(1.8165e-4, rel=1e-3)
    with open_store(db) as store:
        record = store.get_thread(thread_id)
        assert [r.question for r in record.runs][1] == FOLLOW_UP
        assert [r.status for r in record.runs] == ["completed", "completed"]
        assert [m.role for m in record.messages] == ["user", "assistant", "user", "assistant"]
        assert record.verdict["variant"] == "mann_whitney_u"
        memory = record.state["builtin"]  # the analyst's memory, kept between processes
        assert memory["test"] == "mann_whitney_u" and memory["figures"]
        conversation = store.load_conversation(thread_id)
        assert [t.question for t in conversation.history][1] == FOLLOW_UP


def test_history_lists_threads(follow_up, thread_id, db):
    listed = run("history", "--json", "--database", db)
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert entry["id"] == thread_id and entry["messages"] == 4
    assert entry["title"] == "Treatment A vs Treatment B (n=10, 10)"
    assert (entry["backend"], entry["model"], entry["status"]) == ("builtin", None, "completed")
    assert entry["created"] <= entry["updated"]
    table = run("history", "--database", db)
    assert table.returncode == 0, table.stderr
    header, row = table.stdout.splitlines()
    assert header.split() == ["id", "created", "backend", "messages", "status", "title"]
    assert row.startswith(thread_id) and row.endswith("Treatment A vs Treatment B (n=10, 10)")
    assert " builtin " in row and " 4 " in row
    found = run("history", "--json", "--search", "MANN-WHITNEY", "--database", db)
    assert [t["id"] for t in json.loads(found.stdout)] == [thread_id]
    missing = run("history", "--search", "no such words", "--database", db)
    assert missing.stdout.strip() == "No thread matches."


def test_history_shows_one_thread_whole(follow_up, thread_id, db):
    shown = run("history", "--json", thread_id, "--database", db)
    assert shown.returncode == 0, shown.stderr
    [data] = strict_lines(shown.stdout)
    assert data["id"] == thread_id and data["data"]["groups"][1]["name"] == "Treatment B"
    assert data["data"]["groups"][0]["values"][:2] == [37.4, 35.8]
    assert data["local_report"]["recommended"] == "welch_t"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant", "user", "assistant"]
    first_answer, second_answer = data["messages"][1], data["messages"][3]
    assert first_answer["code_cells"] and first_answer["outputs"]
    assert first_answer["images"][0]["mime"] == "image/png"
    assert first_answer["images"][0]["data_base64"].startswith("iVBORw0KGgo")
    assert first_answer["verification"]["variant"] == "welch_t"
    assert data["messages"][2]["text"] == FOLLOW_UP
    assert data["verdict"] == second_answer["verification"]

    text = run("history", thread_id, "--database", db)
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert out.startswith(f"Thread {thread_id}: Treatment A vs Treatment B (n=10, 10)")
    assert "Treatment A (n=10): 37.4, 35.8" in out
    assert out.count("════ You") == 2 and FOLLOW_UP in out
    assert "──────── Python ────────" in out and "[figure: image/png" in out
    assert "The figures are those of Welch's t-test" in out
    assert "The figures are those of the Mann-Whitney U test" in out


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--thread", "no-such-thread", "--question", "q"],
        ["history", "no-such-thread"],
        ["history", "--json", "no-such-thread"],
    ],
)
def test_an_unknown_thread_exits_2(args, store):
    result = run(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert "no-such-thread" in one_clear_line(result)


def test_thread_takes_its_data_from_the_store(thread_id, db):
    result = run(
        "ask", "--thread", thread_id, "--group", "A=1,2", "--alpha", "0.1", "--database", db
    )
    assert result.returncode == 2 and result.stdout == ""
    assert one_clear_line(result) == (
        "error: --thread takes its data and options from the stored thread; drop --group/--alpha."
    )


def test_no_save_keeps_nothing(store):
    result = run("ask", "--json", "--no-save", "--backend", "builtin", "--group", "A=1,2,3,4",
                 "--group", "B=3,4,5,6")  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = strict_lines(result.stdout)
    assert events[0] == {"type": "thread", "id": None}
    assert events[-1]["type"] == "verification"
    assert store.list_threads() == []
    shown = run("history")
    assert shown.returncode == 0 and shown.stdout.strip() == "No stored threads yet."


def test_the_terminal_view_names_the_thread(store):
    result = run("ask", "--backend", "builtin", "--group", "A=1,2,3,4", "--group", "B=3,4,5,6")
    assert result.returncode == 0, result.stderr
    [thread] = store.list_threads()
    assert result.stdout.startswith(f"Thread {thread.id}\n")
    assert result.stdout.rstrip().endswith(f"`history {thread.id}`.")
    unsaved = run("ask", "--no-save", "--group", "A=1,2,3,4", "--group", "B=3,4,5,6")
    assert unsaved.stdout.startswith("Thread not saved (--no-save)\n")
    assert len(store.list_threads()) == 1


@pytest.mark.parametrize(
    ("url", "status"),
    [("postgresql://analyst:pw-secret@127.0.0.1:1/db", 1), ("mysql://a:pw-secret@h/db", 2)],
)
def test_a_store_that_cannot_be_opened_is_one_clear_line(url, status):
    for args in (["history"], ["ask", "--group", "A=1,2", "--group", "B=3,4"]):
        result = run(*args, "--database", url)
        assert result.returncode == status and result.stdout == ""
        line = one_clear_line(result)
        assert line.startswith("error: ") and "pw-secret" not in line


def test_a_killed_ask_keeps_every_event_it_printed(store):
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant_core", "ask", "--json", "--backend", "builtin", *GROUPS],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    printed = []
    while not printed or printed[-1]["type"] != "code_done":
        printed.append(json.loads(process.stdout.readline()))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    [thread] = store.list_threads()
    assert thread.id == printed[0]["id"] and thread.last_status == "interrupted"
    [run_record] = store.get_thread(thread.id).runs
    stored = store.run_events(run_record.id)
    expected = [event_from_dict(e) for e in printed[1:]]
    assert stored[: len(expected)] == expected  # printed only after it was stored
    assert run_record.text.startswith("I am the built-in analyst")


def test_ctrl_c_keeps_the_run_as_stopped(store):
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant_core", "ask", "--json", "--backend", "builtin", *GROUPS],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    while json.loads(process.stdout.readline())["type"] != "code_delta":
        pass
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    [thread] = store.list_threads()
    [run_record] = store.get_thread(thread.id).runs
    if process.returncode == 130:
        assert run_record.status == "stopped"
        assert store.run_events(run_record.id)[-1].to_dict() == {
            "type": "status",
            "state": "stopped",
            "usage": None,
        }
    else:  # it had finished already
        assert process.returncode == 0 and run_record.status == "completed"
