"""The store: migrations and schema, round trips of every stored kind, runs cut half-way.

Runs on a SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set (see conftest).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text, update

from assistant_core import migrations
from assistant_core.backends import Conversation
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.events import (
    CodeDelta,
    CodeDone,
    CodeOutput,
    Error,
    FileOutput,
    ImageOutput,
    ReasoningDelta,
    Reported,
    Status,
    TextDelta,
    Thread,
    Verification,
)
from assistant_core.runner import run_turn
from assistant_core.stats import check
from assistant_core.store import (
    TABLES,
    Profile,
    StoreError,
    UnknownThread,
    close_all,
    default_title,
    open_store,
    parse_url,
    redact_url,
)
from tests.conftest import fresh_database
from tests.fakes import ScriptedBackend

ROOT = Path(__file__).resolve().parent.parent
DATASET = make_dataset(EXAMPLE, source="paste")
LOCAL = check(DATASET).to_dict()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

#: every kind of event, with the awkward cases: bytes, no bytes, a URL, nested figures
EVERY_EVENT = [
    Thread(id="t-1"),
    TextDelta("Welch's t-test: "),
    TextDelta("t(14.78) = −6.71 — ünïcode\n"),
    ReasoningDelta("Check the variances first."),
    CodeDelta("import scipy\n"),
    CodeDone("import scipy\nprint(1)"),
    CodeOutput("1\n"),
    ImageOutput(data=PNG, filename="box.png"),
    ImageOutput(url="https://example.invalid/plot.png", mime="image/jpeg"),
    ImageOutput(data=b"", mime="image/svg+xml"),
    FileOutput(filename="results.csv", data=b"a,b\n1,2\n", mime="text/csv"),
    FileOutput(filename="empty.txt"),
    Reported({"test": "welch_t", "statistic": -6.7083, "df": 14.78, "nested": {"a": [1, None]}}),
    Error(kind="rate_limit", message="Rate limit reached; try again.", retryable=True),
    Status(state="completed", usage={"input_tokens": 10, "output_tokens": 5}),
    Verification(
        variant="welch_t",
        figures=[{"name": "p_value", "reported": 7.56e-06, "local": 7.557e-06, "status": "match"}],
        claims=[
            {
                "start": 0,
                "end": 4,
                "source": "text",
                "kind": "p_value",
                "reported": "p = 0.123",
                "value": 0.123,
                "expected": 7.557e-06,
                "verdict": "contradicted",
                "decision_error": True,
                "about": "",
                "test": "welch_t",
                "reason": "wrong",
            }
        ],
        coverage={
            "numbers": 1,
            "statements": 0,
            "checked": 1,
            "confirmed": 0,
            "contradicted": 1,
            "unchecked": 0,
        },
    ),
]

# The schema the migrations must leave: table -> columns, and the indexes and unique keys.
SCHEMA = {
    "schema_migrations": ["version", "name", "applied"],
    "profiles": [
        "id",
        "name",
        "instructions",
        "backend",
        "model",
        "code_interpreter",
        "temperature",
        "created",
        "updated",
    ],
    "threads": [
        "id",
        "title",
        "profile_id",
        "profile_name",
        "backend",
        "model",
        "dataset",
        "alpha",
        "alternative",
        "local_report",
        "remote_id",
        "state",
        "created",
        "updated",
    ],
    "runs": [
        "id",
        "thread_id",
        "question",
        "backend",
        "model",
        "profile_id",
        "answered_by",
        "status",
        "usage",
        "error",
        "verification",
        "owner",
        "started",
        "finished",
    ],
    "messages": ["id", "thread_id", "run_id", "role", "text", "created"],
    "blobs": ["id", "run_id", "mime", "filename", "size", "data", "created"],
    "events": ["id", "run_id", "seq", "type", "data", "blob_id", "created"],
    "shares": ["token", "thread_id", "title", "snapshot", "created", "revoked"],
}
INDEXES = {
    "runs": {("thread_id",), ("status",)},
    "messages": {("thread_id", "id")},
    "blobs": {("run_id",)},
    "threads": {("updated",)},
    "shares": {("thread_id",)},
}
UNIQUE = {"profiles": {("name",)}, "events": {("run_id", "seq")}}
FOREIGN_KEYS = {
    "threads": {("profile_id", "profiles", "SET NULL")},
    "runs": {("thread_id", "threads", "CASCADE"), ("profile_id", "profiles", "SET NULL")},
    "messages": {("thread_id", "threads", "CASCADE"), ("run_id", "runs", "CASCADE")},
    "blobs": {("run_id", "runs", "CASCADE")},
    "events": {("run_id", "runs", "CASCADE"), ("blob_id", "blobs", "CASCADE")},
    "shares": {("thread_id", "threads", "CASCADE")},
}


def schema_of(engine) -> dict:
    """Tables, columns, indexes, unique keys and foreign keys, as the database reports them."""
    found = inspect(engine)
    names = set(found.get_table_names())
    out: dict = {}
    for table in sorted(names):
        uniques = {tuple(u["column_names"]) for u in found.get_unique_constraints(table)}
        indexes = set()
        for index in found.get_indexes(table):
            key = tuple(index["column_names"])
            (uniques if index.get("unique") else indexes).add(key)
        out[table] = {
            "columns": [c["name"] for c in found.get_columns(table)],
            "indexes": indexes,
            "unique": uniques,
            "foreign_keys": {
                (
                    fk["constrained_columns"][0],
                    fk["referred_table"],
                    (fk.get("options") or {}).get("ondelete", "").upper(),
                )
                for fk in found.get_foreign_keys(table)
            },
        }
    return out


def versions(store) -> list[int]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT version FROM schema_migrations ORDER BY version"))
        return [row[0] for row in rows]


def new_thread(store, dataset=DATASET, **options) -> Conversation:
    conversation = Conversation(dataset, **options)
    store.create_thread(conversation, local_report=LOCAL, backend="builtin", model=None)
    return conversation


# --------------------------------------------------------------------------- migrations


def test_empty_database_is_migrated_to_the_asserted_schema(store):
    assert versions(store) == [m.version for m in migrations.MIGRATIONS] == [1, 2, 3, 4]
    schema = schema_of(store.engine)
    assert {table: info["columns"] for table, info in schema.items()} == SCHEMA
    for table, keys in INDEXES.items():
        assert keys <= schema[table]["indexes"], table
    for table, keys in UNIQUE.items():
        assert keys <= schema[table]["unique"], table
    for table, keys in FOREIGN_KEYS.items():
        assert schema[table]["foreign_keys"] == keys, table
    # the tables the queries use agree with what the migrations made
    for name, table in TABLES.items():
        assert [c.name for c in table.columns] == SCHEMA[name]
    assert [p.name for p in store.list_profiles()] == ["Research Analyst"]


def test_database_made_by_the_first_migration_is_brought_forward(tmp_path):
    with fresh_database(tmp_path / "old") as old_url, fresh_database(tmp_path / "new") as new_url:
        engine = create_engine(parse_url(old_url))
        try:
            with engine.begin() as conn:
                assert migrations.migrate(conn, upto=1) == [1]
            assert "profiles" in inspect(engine).get_table_names()
        finally:
            engine.dispose()
        old, new = open_store(old_url), open_store(new_url)
        assert versions(old) == versions(new) == [1, 2, 3, 4]
        assert schema_of(old.engine) == schema_of(new.engine)
        assert old.default_profile().name == "Research Analyst"
        old.close()
        new.close()


def test_reopening_applies_nothing_twice(store, database_url):
    first = store.list_profiles()
    close_all()
    again = open_store(database_url)
    assert versions(again) == [1, 2, 3, 4]
    assert again.list_profiles() == first
    again.close()


def test_open_store_is_cheap_once_migrated(store, database_url):
    started = time.perf_counter()
    for _ in range(200):
        open_store(database_url)
    assert (time.perf_counter() - started) / 200 < 0.005  # a page reruns often


def test_a_database_newer_than_the_code_is_refused(store, database_url):
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO schema_migrations (version, name, applied) VALUES (99, 'x', :t)"),
            {"t": "2030-01-01 00:00:00"},
        )
    close_all()
    with pytest.raises(StoreError, match=r"schema version 99, newer than this code knows \(4\)"):
        open_store(database_url)


def test_concurrent_opens_migrate_once(database_url, tmp_path):
    """Four processes open a new database at the same moment: one migrates, all succeed."""
    script = textwrap.dedent(
        """
        import logging, sys, time
        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
        start = float(sys.argv[2])
        time.sleep(max(0.0, start - time.time()))
        from assistant_core.store import open_store
        store = open_store(sys.argv[1])
        print("profiles", len(store.list_profiles()))
        store.close()
        """
    )
    start = time.time() + 2.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url, str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "profiles 1" in out
    assert sum("applied migrations [1, 2, 3, 4]" in out for out, _ in results) == 1
    store = open_store(database_url)
    assert versions(store) == [1, 2, 3, 4]
    assert len(store.list_profiles()) == 1
    store.close()


def test_sqlite_is_in_wal_mode_with_foreign_keys(tmp_path):
    # a SQLite file whatever TEST_DATABASE_URL says: these are SQLite's settings
    store = open_store(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        store.close()


def test_default_url_is_a_sqlite_file_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "nested" / "data"))
    store = open_store()
    assert store.url == f"sqlite:///{tmp_path / 'nested' / 'data' / 'dashboard.db'}"
    assert (tmp_path / "nested" / "data" / "dashboard.db").exists()
    store.close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with open_store() as from_env:
        assert from_env.url.endswith("env.db")


@pytest.mark.parametrize(
    ("url", "expected", "bad_input"),
    [
        ("postgresql://analyst:s3cret-pw@127.0.0.1:1/db", "Cannot open the store", False),
        ("postgres://analyst:s3cret-pw@127.0.0.1:1/db", "postgresql+psycopg://", False),
        ("mysql://analyst:s3cret-pw@localhost/db", "SQLite and PostgreSQL only", True),
        ("not a url with :s3cret-pw@", "is not a database URL", True),
    ],
)
def test_a_bad_url_is_a_store_error_without_its_password(url, expected, bad_input):
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert expected in message and "s3cret-pw" not in message
    assert caught.value.bad_input is bad_input
    assert "\n" not in message


def test_urls_are_shown_without_passwords():
    assert redact_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert redact_url(parse_url("postgres://u:pw@h/db")) == "postgresql+psycopg://u:***@h/db"
    assert redact_url("sqlite:///x.db") == "sqlite:///x.db"


# --------------------------------------------------------------------------- round trips


def test_every_event_kind_round_trips_exactly(store):
    conversation = new_thread(store)
    run_id = store.start_run(conversation.id, "q", backend="builtin")
    for event in EVERY_EVENT:
        store.add_event(run_id, event)
    assert store.run_events(run_id) == EVERY_EVENT
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT type, data, blob_id FROM events ORDER BY seq")).all()
        stored = conn.execute(
            text("SELECT mime, filename, size, data FROM blobs ORDER BY id")
        ).all()
    assert "data_base64" not in "".join(row.data for row in rows)  # bytes live in blobs
    assert [(b.mime, b.filename, b.size) for b in stored] == [
        ("image/png", "box.png", len(PNG)),
        ("image/svg+xml", None, 0),
        ("text/csv", "results.csv", 8),
        ("application/octet-stream", "empty.txt", 0),
    ]
    assert bytes(stored[0].data) == PNG


def test_a_thread_round_trips_with_its_data_options_state_and_turns(store):
    paired = make_dataset(
        {"Before": [1.5, 2.0, None, 3.25], "After": [2.0, 2.5, 4, 3.0]}, paired=True
    )
    conversation = Conversation(paired, alpha=0.01, alternative="less")
    conversation.state = {"builtin": {"test": "paired_t", "figures": {"n_Before": 3.0}}}
    conversation.remote_id = "conv_123"
    local = check(paired, alpha=0.01, alternative="less").to_dict()
    store.create_thread(conversation, local_report=local, backend="openai", model="gpt-x")
    recorder = store.recorder(conversation, "Did it go down?", backend="openai", model="gpt-x")
    for event in EVERY_EVENT:
        recorder(event)
    loaded = store.load_conversation(conversation.id)
    assert loaded.id == conversation.id
    assert loaded.dataset == paired and loaded.dataset.design == "paired"
    assert [g.missing for g in loaded.dataset.groups] == [1, 1]
    assert loaded.dataset.source == paired.source
    assert (loaded.alpha, loaded.alternative) == (0.01, "less")
    assert loaded.state == conversation.state and loaded.remote_id == "conv_123"
    [turn] = loaded.turns
    assert turn.done and turn.question == "Did it go down?" and turn.events == EVERY_EVENT
    assert turn.answered_by == "openai"
    record = store.get_thread(conversation.id)
    assert record.local_report == local and record.model == "gpt-x"
    [run] = record.runs
    assert run.status == "completed" and run.usage == {"input_tokens": 10, "output_tokens": 5}
    assert run.error == "rate_limit: Rate limit reached; try again."
    assert run.text == "Welch's t-test: t(14.78) = −6.71 — ünïcode\n"
    assert run.verification == EVERY_EVENT[-1].to_dict()
    assert record.verdict["variant"] == "welch_t"
    assert [(m.role, m.text) for m in record.messages] == [
        ("user", "Did it go down?"),
        ("assistant", run.text),
    ]


def test_default_title_names_the_groups_and_their_sizes():
    two = make_dataset({"Treatment A": [1, 2, 3], "Treatment B": [4, 5, 6, 7]})
    assert default_title(two) == "Treatment A vs Treatment B (n=3, 4)"
    paired = make_dataset({"Before": [1, 2], "After": [3, 4]}, paired=True)
    assert default_title(paired) == "Before vs After, paired (n=2)"
    many = make_dataset({f"group {i}" * 5: [1, 2] for i in range(12)})
    assert len(default_title(many)) == 200


# --------------------------------------------------------------------------- profiles


def test_profiles_are_saved_updated_duplicated_and_deleted(store):
    default = store.default_profile()
    assert default.name == "Research Analyst" and default.code_interpreter
    for phrase in ("test", "assumption", "precision", "rest on"):
        assert phrase in default.instructions
    mine = store.save_profile(
        Profile(id=None, name=" Strict ", instructions="Be strict.", backend="openai", model="m1")
    )
    assert mine.id and mine.name == "Strict" and mine.created is not None
    changed = store.save_profile(
        Profile(**{**mine.__dict__, "temperature": 0.3, "code_interpreter": False})
    )
    assert changed.id == mine.id and changed.temperature == 0.3 and not changed.code_interpreter
    assert changed.created == mine.created and changed.updated >= mine.updated
    with pytest.raises(StoreError, match="'strict' already exists") as caught:
        store.save_profile(Profile(id=None, name="strict", backend="builtin"))
    assert caught.value.bad_input
    with pytest.raises(StoreError, match="needs a name"):
        store.save_profile(Profile(id=None, name="  ", backend="builtin"))
    copy = store.duplicate_profile(mine.id)
    again = store.duplicate_profile(mine.id)
    assert (copy.name, again.name) == ("Strict (copy)", "Strict (copy 2)")
    assert copy.instructions == "Be strict." and copy.model == "m1" and copy.id != mine.id
    names = [p.name for p in store.list_profiles()]
    assert names[0] == "Research Analyst"  # the built-in one first, then by name
    assert sorted(names[1:]) == ["Strict", "Strict (copy 2)", "Strict (copy)"]
    assert store.get_profile("nope") is None


def test_deleting_a_profile_keeps_its_threads(store):
    profile = store.save_profile(Profile(id=None, name="Temporary", backend="builtin"))
    conversation = Conversation(DATASET)
    store.create_thread(
        conversation, local_report=LOCAL, profile=profile, backend="builtin", model=None
    )
    store.start_run(conversation.id, "q", backend="builtin", profile_id=profile.id)
    store.delete_profile(profile.id)
    record = store.get_thread(conversation.id)
    assert record.profile_id is None and record.profile_name == "Temporary"
    assert record.runs[0].profile_id is None
    assert store.list_threads()[0].profile_name == "Temporary"
    store.delete_profile(store.default_profile().id)
    assert store.default_profile().name == "Research Analyst"  # never left with none


# --------------------------------------------------------------------------- threads


def test_threads_are_listed_searched_renamed_and_deleted_with_everything(store):
    first = new_thread(store)
    second = new_thread(store, make_dataset({"Ctrl": [1, 2, 3], "Drug": [2, 3, 4]}))
    run_id = store.start_run(first.id, "Is 50% of it significant?", backend="builtin")
    store.add_event(run_id, TextDelta("Welch's t-test says "))
    store.add_event(run_id, TextDelta("yes."))
    store.add_event(run_id, CodeDone("stats.ttest_ind(a, b, equal_var=False)"))
    store.add_event(run_id, ImageOutput(data=PNG))
    store.finish_run(run_id, "completed", usage={"total_tokens": 3})

    listed = store.list_threads()
    assert [t.id for t in listed] == [first.id, second.id]  # latest activity first
    top = listed[0]
    assert top.title == "Treatment A vs Treatment B (n=10, 10)" and top.messages == 2
    assert top.last_status == "completed" and top.backend == "builtin"
    assert listed[1].messages == 0 and listed[1].last_status is None
    assert store.list_threads(limit=1) == [top]

    def found(search: str) -> list[str]:
        return [t.id for t in store.list_threads(search=search)]

    assert found("WELCH'S") == [first.id]  # the answer, ignoring case
    assert found("equal_var") == [first.id]  # the code
    assert found("drug") == [second.id]  # the title
    assert found("50%") == [first.id] and found("5_%") == []  # no wildcards
    assert found("nowhere") == []

    store.rename_thread(second.id, "  Drug trial  ")
    assert store.get_thread(second.id).title == "Drug trial"
    with pytest.raises(UnknownThread):
        store.rename_thread("missing", "x")
    with pytest.raises(StoreError, match="cannot be empty"):
        store.rename_thread(second.id, " ")

    store.delete_thread(first.id)
    assert store.get_thread(first.id) is None
    with store.engine.connect() as conn:
        for table in ("runs", "messages", "events", "blobs"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    assert [t.id for t in store.list_threads()] == [second.id]
    store.delete_thread("missing")  # nothing to do, no error


def test_state_and_remote_id_are_kept(store):
    conversation = new_thread(store)
    store.set_remote_id(conversation.id, "conv_abc")
    store.save_state(conversation.id, {"openai": {"file_ids": ["f1"], "data_sent": True}})
    loaded = store.load_conversation(conversation.id)
    assert loaded.remote_id == "conv_abc"
    assert loaded.state == {"openai": {"file_ids": ["f1"], "data_sent": True}}
    with pytest.raises(UnknownThread, match="'missing'"):
        store.save_state("missing", {})
    with pytest.raises(StoreError, match="already"):
        store.create_thread(conversation, local_report=None, backend="builtin")


def test_thread_json_is_strict_and_whole(store):
    conversation = new_thread(store)
    recorder = store.recorder(conversation, "Do they differ?", backend="builtin")
    for event in EVERY_EVENT:
        recorder(event)
    data = store.thread_json(conversation.id)

    def reject(constant: str) -> None:
        raise ValueError(constant)

    again = json.loads(json.dumps(data, allow_nan=False), parse_constant=reject)
    assert again == data
    assert data["id"] == conversation.id and data["local_report"] == LOCAL
    assert data["data"]["groups"][0] == {
        "name": "Treatment A",
        "values": list(EXAMPLE["Treatment A"]),
        "missing": 0,
        "n": 10,
    }
    assert (data["data"]["alpha"], data["data"]["design"]) == (0.05, "independent")
    user, answer = data["messages"]
    assert user == {
        "role": "user",
        "run_id": answer["run_id"],
        "text": "Do they differ?",
        "created": user["created"],
    }
    assert answer["text"].startswith("Welch's t-test") and answer["status"] == "completed"
    assert answer["code_cells"] == ["import scipy\nprint(1)"] and answer["outputs"] == ["1\n"]
    assert answer["images"][0] == {
        "mime": "image/png",
        "data_base64": ImageOutput(data=PNG).to_dict()["data_base64"],
        "filename": "box.png",
    }
    assert answer["images"][1]["url"].endswith("plot.png")
    assert answer["files"][0]["filename"] == "results.csv"
    assert answer["reported"]["test"] == "welch_t"
    assert data["verdict"] == answer["verification"] and data["verdict"]["variant"] == "welch_t"
    with pytest.raises(UnknownThread):
        store.thread_json("missing")


# --------------------------------------------------------------------------- runs cut short


def test_a_run_stopped_half_way_keeps_its_events(store):
    conversation = new_thread(store)
    script = [TextDelta("One, "), TextDelta("two, "), CodeDone("x = 3"), TextDelta("four")]
    recorder = store.recorder(conversation, "Count", backend="scripted")
    stream = run_turn(ScriptedBackend(script), conversation, "Count", on_event=recorder)
    received = [next(stream) for _ in range(3)]
    stream.close()  # Stop on the page
    assert received == script[:3]
    assert conversation.turns[-1].events == [*script[:3], Status("stopped")]
    assert conversation.turns[-1].done
    [run] = store.get_thread(conversation.id).runs
    assert run.status == "stopped" and run.finished is not None and run.text == "One, two, "
    assert store.run_events(run.id) == [*script[:3], Status("stopped")]
    # the stored thread continues: the stopped turn is history
    loaded = store.load_conversation(conversation.id)
    assert loaded.history[0].events == [*script[:3], Status("stopped")]


def test_a_killed_process_keeps_its_events_and_shows_interrupted(store, database_url):
    conversation = new_thread(store)
    script = textwrap.dedent(
        """
        import sys, time
        from assistant_core.events import TextDelta
        from assistant_core.store import open_store
        store = open_store(sys.argv[1])
        conversation = store.load_conversation(sys.argv[2])
        recorder = store.recorder(conversation, "Slow question", backend="scripted")
        for i in range(3):
            recorder(TextDelta(f"part {i}. "))
            print("stored", i, flush=True)
        time.sleep(60)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, database_url, conversation.id],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for i in range(3):
        assert process.stdout.readline().strip() == f"stored {i}"
    [running] = store.get_thread(conversation.id).runs
    assert running.status == "running" and running.text == "part 0. part 1. part 2. "
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    [run] = store.get_thread(conversation.id).runs
    assert run.status == "interrupted" and "interrupted" in run.error
    assert run.text == "part 0. part 1. part 2. "
    assert [e.text for e in store.run_events(run.id)] == ["part 0. ", "part 1. ", "part 2. "]
    assert store.list_threads()[0].last_status == "interrupted"


def test_a_run_of_another_host_is_interrupted_only_after_it_went_quiet(store):
    conversation = new_thread(store)
    run_id = store.start_run(conversation.id, "q", backend="openai")
    store.add_event(run_id, TextDelta("partial"))
    with store.engine.begin() as conn:
        runs = TABLES["runs"]
        conn.execute(update(runs).where(runs.c.id == run_id).values(owner="elsewhere:1"))
    assert store.mark_abandoned_runs(conversation.id) == 0  # it may still be streaming
    assert store.get_thread(conversation.id).runs[0].status == "running"
    assert store.mark_abandoned_runs(idle_seconds=0) == 1
    [run] = store.get_thread(conversation.id).runs
    assert run.status == "interrupted" and run.text == "partial"


def test_a_live_run_of_this_process_is_left_running(store):
    conversation = new_thread(store)
    run_id = store.start_run(conversation.id, "q", backend="builtin")
    assert store.mark_abandoned_runs() == 0
    with store.engine.connect() as conn:
        runs = TABLES["runs"]
        owner = conn.execute(select(runs.c.owner).where(runs.c.id == run_id)).scalar_one()
    assert owner.endswith(f":{os.getpid()}")


def test_the_recorder_saves_the_state_backends_carry(store):
    conversation = new_thread(store)

    class Remembering(ScriptedBackend):
        def stream(self, conversation, question):
            conversation.remote_id = "conv_new"
            conversation.state.setdefault("scripted", {})["asked"] = question
            yield from super().stream(conversation, question)

    recorder = store.recorder(conversation, "q", backend="scripted", answered_by="Scripted")
    events = list(
        run_turn(
            Remembering([TextDelta("ok")]), conversation, "q", local_report=LOCAL, on_event=recorder
        )
    )
    assert recorder.finished and recorder.error is None
    loaded = store.load_conversation(conversation.id)
    assert loaded.remote_id == "conv_new" and loaded.state == {"scripted": {"asked": "q"}}
    assert loaded.turns[0].events == events and loaded.turns[0].answered_by == "Scripted"
    assert store.get_thread(conversation.id).runs[0].verification == events[-1].to_dict()


def test_a_failing_store_never_breaks_the_run(store):
    conversation = new_thread(store)
    recorder = store.recorder(conversation, "q", backend="scripted")
    store.delete_thread(conversation.id)  # the run's rows are gone: every write now fails
    events = list(
        run_turn(
            ScriptedBackend([TextDelta("a"), TextDelta("b")]), conversation, "q", on_event=recorder
        )
    )
    assert [e.type for e in events] == ["text_delta", "text_delta", "status"]
    assert isinstance(recorder.error, StoreError)


def test_unknown_threads_and_statuses_are_clear(store):
    with pytest.raises(UnknownThread, match="No stored thread has the id 'nope'"):
        store.load_conversation("nope")
    with pytest.raises(UnknownThread):
        store.start_run("nope", "q", backend="builtin")
    assert store.get_thread("nope") is None
    conversation = new_thread(store)
    run_id = store.start_run(conversation.id, "q", backend="builtin")
    with pytest.raises(StoreError, match="Unknown run status 'done'"):
        store.finish_run(run_id, "done")


def test_runs_are_counted_per_day_for_quotas(store):
    from datetime import UTC, datetime, timedelta

    conversation = new_thread(store)
    assert store.runs_today() == 0
    for _ in range(3):
        store.start_run(conversation.id, "q", backend="builtin")
    assert store.runs_today() == 3
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert store.runs_today(now=tomorrow) == 0
    assert store.runs_since(datetime.now(UTC) - timedelta(hours=1)) == 3
