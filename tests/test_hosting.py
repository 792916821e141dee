"""Access modes: the policy (unit) and the pages under each mode (AppTest).

Modes: local (default), private (sign-in + allowed users), public (visitors bring their own
key; quotas), demo (built-in analyst only; quotas).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant_core.hosting import chat_url_allowed, policy_from, quota_problem, user_allowed
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
OWNER_KEY = "sk-owner-key-that-must-never-be-used-0123456789"


# --------------------------------------------------------------------------- policy


def test_local_is_the_default_and_allows_everything():
    policy = policy_from({}, sandbox_complete=False)
    assert policy.mode == "local"
    assert policy.usable_backends() == ("builtin", "openai", "chat")
    assert policy.owner_keys and not policy.requires_sign_in
    assert policy.runs_per_session is None and policy.runs_per_day is None


def test_public_modes_never_use_the_owners_keys_and_have_quotas():
    public = policy_from({"ACCESS_MODE": "public"}, sandbox_complete=True)
    assert not public.owner_keys
    assert public.usable_backends() == ("builtin", "openai", "chat")
    assert (public.runs_per_session, public.runs_per_day) == (10, 200)
    demo = policy_from({"ACCESS_MODE": "demo", "RUNS_PER_DAY": "5"}, sandbox_complete=True)
    assert demo.usable_backends() == ("builtin",)
    assert demo.runs_per_day == 5


def test_without_a_complete_sandbox_public_modes_run_no_local_code():
    public = policy_from({"ACCESS_MODE": "public"}, sandbox_complete=False)
    assert public.usable_backends() == ("openai",)
    demo = policy_from({"ACCESS_MODE": "demo"}, sandbox_complete=False)
    assert demo.usable_backends() == ()
    private = policy_from(
        {"ACCESS_MODE": "private", "ALLOWED_USERS": "a@b.org"}, sandbox_complete=False
    )
    assert private.usable_backends() == ("builtin", "openai", "chat")


def test_a_misspelt_mode_fails_closed_and_says_so():
    policy = policy_from({"ACCESS_MODE": "publik"}, sandbox_complete=True)
    assert policy.mode == "demo"
    assert "'publik' is not one of local, private, public, demo" in policy.problem


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"ACCESS_MODE": "private"}, "ALLOWED_USERS is empty"),
        ({"ACCESS_MODE": "public", "RUNS_PER_DAY": "lots"}, "RUNS_PER_DAY must be a whole"),
        ({"ACCESS_MODE": "public", "RUNS_PER_SESSION": "-1"}, "must not be negative"),
    ],
)
def test_configuration_mistakes_are_explained(settings, message):
    assert message in policy_from(settings, sandbox_complete=True).problem


def test_allowed_users_by_address_or_domain():
    allowed = ("ada@uni.edu", "@lab.org")
    assert user_allowed("Ada@Uni.edu", allowed)
    assert user_allowed("bob@lab.org", allowed)
    assert not user_allowed("eve@evil.org", allowed)
    assert not user_allowed("bob@sub.lab.org.evil", allowed)
    assert not user_allowed(None, allowed)


def test_public_chat_servers_only():
    public = policy_from({"ACCESS_MODE": "public"}, sandbox_complete=True)
    owner = "http://10.0.0.7:11434/v1"
    assert chat_url_allowed(owner, public, owner)
    assert chat_url_allowed("https://openrouter.ai/api/v1", public, owner)
    assert chat_url_allowed("https://myres.openai.azure.com/openai/v1", public, None)
    for url in (
        "http://169.254.169.254/latest",
        "http://localhost:11434/v1",
        "https://10.0.0.8/v1",
        "http://api.openai.com/v1",
        "https://api.openai.com.evil.net/v1",
    ):
        assert not chat_url_allowed(url, public, owner), url
    local = policy_from({}, sandbox_complete=True)
    assert chat_url_allowed("http://localhost:11434/v1", local, None)


def test_quota_messages():
    policy = policy_from(
        {"ACCESS_MODE": "public", "RUNS_PER_SESSION": "2", "RUNS_PER_DAY": "3"},
        sandbox_complete=True,
    )
    assert quota_problem(policy, 1, 2) is None
    assert "used its 2 runs" in quota_problem(policy, 2, 0)
    assert "its 3 questions for today" in quota_problem(policy, 0, 3)


# --------------------------------------------------------------------------- pages


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [t.value for t in at.title]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def app(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def ask_example(at: AppTest) -> AppTest:
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    at.button(key="analyse.ask").click().run()
    assert not at.exception, at.exception
    return at


def test_private_mode_requires_sign_in(monkeypatch):
    monkeypatch.setenv("ACCESS_MODE", "private")
    monkeypatch.setenv("ALLOWED_USERS", "ada@uni.edu, @lab.org")
    at = app({"is_logged_in": False})
    assert "This dashboard is private: sign in to use it." in page_text(at)
    assert at.button(key="access.login")
    assert not [b for b in at.button if b.key == "analyse.run"]  # nothing else is drawn
    at.button(key="access.login").click().run()
    assert not at.exception
    assert "Sign-in is not configured" in page_text(at)  # no [auth] in this test's secrets


def test_private_mode_lets_listed_users_in_and_keeps_others_out(monkeypatch):
    monkeypatch.setenv("ACCESS_MODE", "private")
    monkeypatch.setenv("ALLOWED_USERS", "ada@uni.edu, @lab.org")
    outsider = app({"is_logged_in": True, "email": "eve@evil.org"})
    assert "is not on this dashboard's list of users" in page_text(outsider)
    assert not [b for b in outsider.button if b.key == "analyse.run"]
    member = app({"is_logged_in": True, "email": "bob@lab.org"})
    assert "Do these groups differ?" in page_text(member)
    assert [b for b in member.button if b.key == "analyse.run"]


@pytest.fixture
def owner_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible fake whose key is the owner's, configured on the server."""
    with FakeOpenAI(api_key=OWNER_KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", OWNER_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def test_public_mode_never_uses_the_owners_key(monkeypatch, owner_openai):
    monkeypatch.setenv("ACCESS_MODE", "public")
    at = app()
    assert at.sidebar.radio(key="assistant.backend").value == "builtin"
    at.sidebar.radio(key="assistant.backend").set_value("openai").run()
    assert "Enter an OpenAI API key to use this assistant." in page_text(at)
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    assert any("Enter an OpenAI API key" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "analyse.ask"]
    assert not [r for r in owner_openai.requests if r.path.startswith("/v1/responses")]
    assert OWNER_KEY not in repr(at)


def test_a_visitors_key_stays_in_their_session(monkeypatch, owner_openai):
    monkeypatch.setenv("ACCESS_MODE", "public")
    visitor = app()
    visitor.sidebar.radio(key="assistant.backend").set_value("openai").run()
    visitor.sidebar.text_input(key="assistant.openai_key").set_value("sk-visitor-one-123456").run()
    assert "Enter an OpenAI API key" not in page_text(visitor)
    other = app()  # another session of the same server
    other.sidebar.radio(key="assistant.backend").set_value("openai").run()
    assert other.sidebar.text_input(key="assistant.openai_key").value in ("", None)
    assert "Enter an OpenAI API key to use this assistant." in page_text(other)


def test_demo_mode_offers_the_built_in_analyst_only_and_counts_runs(monkeypatch):
    monkeypatch.setenv("ACCESS_MODE", "demo")
    monkeypatch.setenv("RUNS_PER_SESSION", "1")
    at = app()
    assert at.sidebar.radio(key="assistant.backend").options == ["Built-in analyst (offline)"]
    ask_example(at)
    assert len(at.chat_message) == 2  # the first run is answered
    at.chat_input(key="analyse.follow_up").set_value("also run a Mann-Whitney U test").run()
    text = page_text(at)
    assert "This session has used its 1 runs" in text
    assert "Your question was not sent: “also run a Mann-Whitney U test”" in text
    assert len(at.chat_message) == 2


def test_the_daily_quota_counts_every_session(monkeypatch):
    monkeypatch.setenv("ACCESS_MODE", "demo")
    monkeypatch.setenv("RUNS_PER_DAY", "1")
    ask_example(app())
    second = ask_example(app())
    assert "has answered its 1 questions for today" in page_text(second)


def test_a_misconfigured_mode_is_shown_and_restrictive(monkeypatch):
    monkeypatch.setenv("ACCESS_MODE", "publik")
    at = app()
    assert "ACCESS_MODE 'publik' is not one of" in page_text(at)
    assert at.sidebar.radio(key="assistant.backend").options == ["Built-in analyst (offline)"]


def test_a_public_dashboard_does_not_reach_addresses_on_the_owners_network(monkeypatch):
    monkeypatch.setenv("ACCESS_MODE", "public")
    at = app()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="chat.base_url").set_value("http://169.254.169.254/latest").run()
    assert any("may not connect to 169.254.169.254" in e.value for e in at.error)
    assert at.button(key="chat.list_models").disabled
    at.text_input(key="chat.model").set_value("any").run()
    at.switch_page("pages/analyse.py").run()
    at.sidebar.radio(key="assistant.backend").set_value("chat").run()
    at.button(key="analyse.example").click().run()
    at.button(key="analyse.run").click().run()
    assert any("may not connect to 169.254.169.254" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "analyse.ask"]
