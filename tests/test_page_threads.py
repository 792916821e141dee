"""Threads on the pages (AppTest): saved as they stream, reopened by URL, History, Assistants.

Each test has a data directory of its own (conftest), so the default SQLite store is empty.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant_core.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [i.value for i in at.info]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def asked_example() -> AppTest:
    at = new_app()
    at.run()
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    at.button(key="analyse.ask").click().run()
    assert not at.exception, at.exception
    return at


def thread_id(at: AppTest) -> str:
    value = at.query_params["thread"]
    return value[0] if isinstance(value, list) else value


def opened(tid: str) -> AppTest:
    at = new_app()
    at.query_params["thread"] = tid
    at.run()
    assert not at.exception, at.exception
    return at


def test_an_answer_is_saved_as_it_streams_and_named_in_the_url():
    at = asked_example()
    tid = thread_id(at)
    store = open_store()
    record = store.get_thread(tid)
    assert record is not None
    assert record.title == "Treatment A vs Treatment B (n=10, 10)"
    assert record.profile_name == "Research Analyst"
    assert [run.status for run in record.runs] == ["completed"]
    assert record.verdict is not None
    assert all(f["status"] == "match" for f in record.verdict["figures"] if f["reported"])
    events = store.run_events(record.runs[0].id)
    assert [e.type for e in events][-2:] == ["status", "verification"]
    assert any(e.type == "code_done" for e in events)
    at.run()
    assert "Saved as “Treatment A vs Treatment B (n=10, 10)” · Research Analyst" in page_text(at)


def test_opening_a_thread_by_url_shows_it_whole_and_continues_it():
    tid = thread_id(asked_example())
    at = opened(tid)
    # the data are back in the boxes, the local results and the conversation are shown
    assert at.text_input(key="analyse.name.0").value == "Treatment A"
    assert at.text_area(key="analyse.values.0").value.startswith("37.4, 35.8, 39.3")
    text = page_text(at)
    assert "Welch's t(14.78) = -6.71" in text
    assert "figures are those of **Welch's t-test**" in text or "Welch" in text
    assert len(at.chat_message) == 2  # the question and its answer
    assert any(s.label == "Code and its output" for s in at.status)
    # a follow-up continues the same thread
    at.chat_input(key="analyse.follow_up").set_value("also run a Mann-Whitney U test").run()
    assert not at.exception, at.exception
    assert thread_id(at) == tid
    record = open_store().get_thread(tid)
    assert [run.question for run in record.runs][1] == "also run a Mann-Whitney U test"
    assert record.runs[1].status == "completed"
    assert "Mann-Whitney" in record.runs[1].text
    assert len(at.chat_message) == 4


def test_an_unknown_thread_says_so_and_the_page_still_works():
    at = opened("0" * 32)
    assert "There is no saved analysis with the id '" + "0" * 32 in page_text(at)
    assert "thread" not in at.query_params
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    assert "Welch's t(14.78) = -6.71" in page_text(at)


def test_new_data_start_a_new_thread():
    at = asked_example()
    first = thread_id(at)
    at.text_area(key="analyse.values.1").set_value("50 51 52 53 54 55 56 57 58 59").run()
    at.button(key="analyse.run").click().run()
    assert "thread" not in at.query_params
    at.button(key="analyse.ask").click().run()
    assert thread_id(at) != first
    assert len(open_store().list_threads()) == 2


def test_an_unusable_database_leaves_the_analysis_working(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/sub/db.sqlite")
    at = asked_example()
    assert not at.exception
    text = page_text(at)
    assert "not being saved" in text
    assert "Welch's t(14.78) = -6.71" in text
    assert len(at.chat_message) == 2


# --------------------------------------------------------------------------- History


def history(at: AppTest | None = None) -> AppTest:
    at = at or new_app()
    if at.session_state is None or not at._tree:
        at.run()
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    return at


def test_history_lists_searches_renames_and_deletes():
    tid = thread_id(asked_example())
    at = history()
    assert "Treatment A vs Treatment B (n=10, 10)" in page_text(at)
    at.text_input(key="history.search").set_value("welch").run()
    assert "Treatment A vs Treatment B" in page_text(at)  # found in the answer's text
    at.text_input(key="history.search").set_value("no such words anywhere").run()
    assert "No analysis matches your search." in page_text(at)
    at.text_input(key="history.search").set_value("").run()
    at.text_input(key=f"history.title.{tid}").set_value("Recovery study").run()
    at.button(key=f"history.rename.{tid}").click().run()
    assert "Recovery study" in page_text(at)
    assert open_store().get_thread(tid).title == "Recovery study"
    at.button(key=f"history.delete.{tid}").click().run()
    assert open_store().get_thread(tid) is None
    assert "No analyses yet" in page_text(at)


def test_history_opens_a_thread_on_the_analysis_page():
    tid = thread_id(asked_example())
    at = history()
    at.button(key=f"history.open.{tid}").click().run()
    assert not at.exception, at.exception
    assert thread_id(at) == tid
    assert at.text_input(key="analyse.name.1").value == "Treatment B"
    assert len(at.chat_message) == 2


def test_history_with_nothing_saved():
    at = history()
    assert "No analyses yet" in page_text(at)


# --------------------------------------------------------------------------- Assistants


def assistants() -> AppTest:
    at = new_app()
    at.run()
    at.switch_page("pages/assistants.py").run()
    assert not at.exception, at.exception
    return at


def test_the_default_research_analyst_is_there_and_chosen():
    at = assistants()
    assert at.selectbox(key="profiles.chosen").value == "research-analyst"
    instructions = at.text_area[0].value
    assert "why" in instructions.lower() and "assumption" in instructions.lower()
    assert at.sidebar.selectbox(key="assistant.profile").value == "research-analyst"


def test_create_edit_duplicate_and_delete_an_assistant():
    at = assistants()
    at.selectbox(key="profiles.chosen").set_value("__new__").run()
    at.text_input[0].set_value("Quick checker")
    at.text_area[0].set_value("Be brief. Run Welch's t-test only.")
    at.selectbox[1].set_value("chat")
    at.text_input[1].set_value("qwen2.5-coder")
    at.button[0].click().run()  # the form's Save
    assert not at.exception, at.exception
    store = open_store()
    made = next(p for p in store.list_profiles() if p.name == "Quick checker")
    assert (made.backend, made.model, made.code_interpreter) == ("chat", "qwen2.5-coder", True)
    assert at.selectbox(key="profiles.chosen").value == made.id
    # duplicate, then delete the copy
    at.button(key=f"profiles.duplicate.{made.id}").click().run()
    names = [p.name for p in store.list_profiles()]
    assert "Quick checker (copy)" in names
    copy = next(p for p in store.list_profiles() if p.name == "Quick checker (copy)")
    at.button(key=f"profiles.delete.{copy.id}").click().run()
    assert "Quick checker (copy)" not in [p.name for p in store.list_profiles()]
    # picking it in the sidebar switches the backend to the profile's
    at.sidebar.selectbox(key="assistant.profile").set_value(made.id).run()
    assert at.sidebar.radio(key="assistant.backend").value == "chat"


def test_a_duplicate_name_is_refused_and_the_form_keeps_its_text():
    at = assistants()
    at.selectbox(key="profiles.chosen").set_value("__new__").run()
    at.text_input[0].set_value("research analyst")
    at.text_area[0].set_value("My own words")
    at.button[0].click().run()
    assert not at.exception
    assert any("already" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_area[0].value == "My own words"
    assert len(open_store().list_profiles()) == 1


def test_an_assistant_needs_a_name():
    at = assistants()
    at.selectbox(key="profiles.chosen").set_value("__new__").run()
    at.button[0].click().run()
    assert any("Give the assistant a name" in e.value for e in at.error)


@pytest.mark.parametrize("page", ["pages/history.py", "pages/assistants.py"])
def test_pages_without_a_database_say_so(page, monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/db.sqlite")
    at = new_app()
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    assert "not being saved" in page_text(at)


# --------------------------------------------------------------------------- data links


def test_a_data_link_opens_the_page_filled_in_and_analysed():
    from assistant_core.links import DataLink, encode_data_link

    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939
    sleep_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    sleep_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    token = encode_data_link(DataLink({"Drug 1": sleep_1, "Drug 2": sleep_2}))
    at = new_app()
    at.query_params["data"] = token
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="analyse.name.1").value == "Drug 2"
    assert "Welch's t(17.78) = -1.86, p = .079" in page_text(at)
    # the page offers a link that carries the same data
    links = [c.value for c in at.code if "?data=" in c.value]
    assert links and links[0].endswith(f"?data={token}")


def test_a_damaged_data_link_says_so():
    at = new_app()
    at.query_params["data"] = "eNpNjLkOwjAQRH8FTT2sYns3hzv4BrooRaSYQ-IS"  # cut short
    at.run()
    assert not at.exception
    assert any("The data link is damaged or incomplete" in e.value for e in at.error)
