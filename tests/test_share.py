"""Share links: the store (snapshot, revoke), the command line, and the read-only page.

Threads are made through the store's own API with a scripted run (no kernel): what is
shared is what was stored, so the run's content does not need a real assistant.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant_core.backends.base import Conversation, Turn
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.events import (
    CodeDone,
    CodeOutput,
    ImageOutput,
    Reported,
    Status,
    TextDelta,
)
from assistant_core.runner import verify_turn
from assistant_core.stats import check
from assistant_core.store import ShareUnavailable, Store
from tests.conftest import unmarked

ROOT = Path(__file__).resolve().parent.parent
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CODE = "from scipy import stats\nprint(stats.ttest_ind(a, b, equal_var=False))"
WELCH = {
    "test": "welch_t",
    "statistic": -6.7083,
    "df": 14.78,
    "p_value": 7.557e-06,
    "mean_difference": -12.27,
}


def make_thread(store: Store) -> str:
    dataset = make_dataset(EXAMPLE)
    report = check(dataset).to_dict()
    conversation = Conversation(dataset)
    store.create_thread(conversation, local_report=report, backend="chat", model="qwen")
    recorder = store.recorder(
        conversation, "Do they differ?", backend="chat", model="qwen", answered_by="Chat model"
    )
    events = [
        TextDelta("I use Welch's t-test. "),
        CodeDone(CODE),
        CodeOutput("TtestResult(statistic=-6.7083, pvalue=7.557e-06, df=14.78)\n"),
        ImageOutput(data=PNG, mime="image/png"),
        Reported(WELCH),
        TextDelta("Welch's t(14.78) = -6.71, p = 7.56e-6."),
        Status("completed"),
    ]
    for event in events:
        recorder(event)
    recorder(verify_turn(Turn(question="", events=events), report, conversation.dataset))
    return conversation.id


def test_a_share_is_a_snapshot_that_revoking_ends(store):
    tid = make_thread(store)
    share = store.create_share(tid)
    assert len(share.token) >= 22  # at least 128 random bits, URL-safe
    assert re.fullmatch(r"[A-Za-z0-9_-]+", share.token)
    store.rename_thread(tid, "renamed after sharing")
    found, snapshot = store.open_share(share.token)
    assert found.thread_id == tid
    assert snapshot["title"] == "Treatment A vs Treatment B (n=10, 10)"  # as it was shared
    types = [e["type"] for e in snapshot["turns"][0]["events"]]
    assert types == [
        "text_delta",
        "code_done",
        "code_output",
        "image_output",
        "reported",
        "text_delta",
        "status",
        "verification",
    ]
    assert snapshot["verdict"]["variant"]
    assert store.revoke_share(share.token)
    assert not store.revoke_share(share.token)  # once
    with pytest.raises(ShareUnavailable, match="revoked by its owner"):
        store.open_share(share.token)
    with pytest.raises(ShareUnavailable, match="does not exist"):
        store.open_share("x" * 32)
    with pytest.raises(ShareUnavailable, match="does not exist"):
        store.open_share("")


def test_tokens_are_distinct_and_deleting_the_thread_ends_its_links(store):
    tid = make_thread(store)
    tokens = {store.create_share(tid).token for _ in range(20)}
    assert len(tokens) == 20
    assert len(store.list_shares(tid)) == 20
    store.delete_thread(tid)
    assert store.list_shares(tid) == []
    with pytest.raises(ShareUnavailable, match="does not exist"):
        store.open_share(tokens.pop())


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_shares_lists_revokes_and_exports(store, monkeypatch, tmp_path):
    tid = make_thread(store)
    monkeypatch.setenv("PUBLIC_URL", "https://stats.example.org/dash/")
    made = cli("share", tid, "--json")
    assert made.returncode == 0, made.stderr
    link = json.loads(made.stdout)
    assert link["url"] == f"https://stats.example.org/dash/shared?share={link['token']}"
    listed = json.loads(cli("share", "--list", tid, "--json").stdout)
    assert [item["token"] for item in listed] == [link["token"]]
    assert listed[0]["revoked"] is None
    assert cli("share", "--revoke", link["token"]).returncode == 0
    again = cli("share", "--revoke", link["token"])
    assert again.returncode == 2
    assert again.stderr.strip() == "error: There is no active share link with that token."
    unknown = cli("share", "0" * 32)
    assert unknown.returncode == 2 and "no stored thread" in unknown.stderr
    assert cli("share").returncode == 2  # nothing to do
    out = tmp_path / "report.html"
    exported = cli("report", tid, "--format", "html", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    html = out.read_text()
    assert "-6.71" in html and "stats.ttest_ind(a, b, equal_var=False)" in html
    md = cli("report", tid, "--format", "md")
    assert md.returncode == 0 and "stats.ttest_ind(a, b, equal_var=False)" in md.stdout
    assert cli("report", "nope").returncode == 2


def shared_page(token: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["share"] = token
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_shared_page_is_read_only_and_complete(store):
    tid = make_thread(store)
    token = store.create_share(tid).token
    at = shared_page(token)
    text = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    text = re.sub(r"\\(.)", r"\1", text)
    assert at.title[0].value == "Treatment A vs Treatment B (n=10, 10)"
    assert "A read-only snapshot shared on" in text
    assert "Welch's t(14.78) = -6.71, p < .001" in text  # the local results
    assert "figures are those of **Welch's t-test**" in text  # the verdict
    assert any(CODE in c.value for c in at.code)  # the code, its output, its image
    shown = [c.value for c in at.code] + [unmarked(m.value) for m in at.markdown]
    assert any("pvalue=7.557e-06" in c for c in shown)  # the output, its claims marked
    assert len(at.get("imgs")) >= 1 or at.get("image")
    # nothing can be asked or run, and there is no assistant sidebar
    assert not at.chat_input and not at.text_area
    assert [b.key for b in at.button] == []
    assert not at.sidebar.radio


@pytest.mark.parametrize("how", ["revoked", "unknown"])
def test_a_dead_link_says_so_plainly(store, how):
    tid = make_thread(store)
    token = store.create_share(tid).token
    if how == "revoked":
        store.revoke_share(token)
    else:
        token = token[:-4] + "AAAA"
    at = shared_page(token)
    message = at.error[0].value
    expected = "revoked by its owner" if how == "revoked" else "does not exist"
    assert expected in message
    assert not at.get("plotly_chart")


def test_the_owner_makes_and_revokes_links_on_the_analysis_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    at.button(key="share.create").click().run()  # saves the analysis, then shares it
    assert not at.exception, at.exception
    urls = [c.value for c in at.code if "/shared?share=" in c.value]
    assert len(urls) == 1
    token = urls[0].split("share=")[1]
    assert "thread" in at.query_params
    assert shared_page(token).title[0].value.startswith("Treatment A vs Treatment B")
    at.button(key=f"share.revoke.{token[:12]}").click().run()
    assert "revoked by its owner" in shared_page(token).error[0].value


def test_the_report_downloads_are_offered_once_the_analysis_is_saved():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    assert not at.get("download_button")  # nothing saved yet: a button prepares it
    at.button(key="report.prepare").click().run()
    assert not at.exception, at.exception
    assert "thread" in at.query_params
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download Markdown", "Download HTML"]
