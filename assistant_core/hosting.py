"""How the dashboard is hosted, and what that allows: the access mode and its policy.

``ACCESS_MODE`` (environment or ``st.secrets``) is one of:

``local`` (default)
    One person on their own machine: every backend, the keys configured on the server.
``private``
    Behind sign-in (``st.login`` with OIDC, configured in ``[auth]`` of ``secrets.toml``);
    only the people in ``ALLOWED_USERS`` (e-mail addresses, or ``@domain``) get in. The
    owner's keys serve them.
``public``
    Anyone may use it, bringing their own key: the owner's keys are never used for a
    visitor, the chat backend may only talk to well-known public servers (no address on
    the owner's network), and runs are limited per session and per day.
``demo``
    Anyone may use it, with the built-in analyst only, limited per session and per day.

In the public modes the local code interpreter (which the built-in analyst and the chat
backend run code in) is on only when every protection of its sandbox is in force. A mode
that is misspelt falls back to ``demo``, the most restrictive, and says so.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "MODES",
    "HostingPolicy",
    "chat_url_allowed",
    "policy_from",
    "quota_problem",
    "user_allowed",
]

MODES = ("local", "private", "public", "demo")
ALL_BACKENDS = ("builtin", "openai", "chat")
LOCAL_INTERPRETER_BACKENDS = frozenset({"builtin", "chat"})
DEFAULT_RUNS_PER_SESSION = 10
DEFAULT_RUNS_PER_DAY = 200
#: servers a visitor of a public dashboard may point the chat backend at
PUBLIC_CHAT_HOSTS = ("api.openai.com", "openrouter.ai")
PUBLIC_CHAT_SUFFIXES = (".openai.azure.com",)


@dataclass(frozen=True)
class HostingPolicy:
    """What the current access mode allows."""

    mode: str
    backends: tuple[str, ...]
    owner_keys: bool  # the keys configured on the server may be used
    requires_sign_in: bool
    allowed_users: tuple[str, ...]
    runs_per_session: int | None
    runs_per_day: int | None
    local_interpreter: bool  # code may run in the local interpreter
    problem: str | None = None  # a configuration mistake to show the owner

    @property
    def public(self) -> bool:
        return self.mode in ("public", "demo")

    def usable_backends(self) -> tuple[str, ...]:
        """The backends a person may choose here (local-interpreter ones need the sandbox)."""
        return tuple(
            name
            for name in self.backends
            if self.local_interpreter or name not in LOCAL_INTERPRETER_BACKENDS
        )


def _count(value: str | None, name: str, default: int | None) -> tuple[int | None, str | None]:
    if value is None or str(value).strip() == "":
        return default, None
    text = str(value).strip().lower()
    if text in ("none", "unlimited", "off"):
        return None, None
    try:
        number = int(text)
    except ValueError:
        return default, f"{name} must be a whole number (or 'unlimited'), not {value!r}."
    if number < 0:
        return default, f"{name} must not be negative."
    return number, None


def policy_from(settings: Mapping[str, str | None], *, sandbox_complete: bool) -> HostingPolicy:
    """The policy the settings ask for (``ACCESS_MODE``, ``ALLOWED_USERS``, ``RUNS_PER_*``)."""
    problems = []
    mode = str(settings.get("ACCESS_MODE") or "local").strip().lower()
    if mode not in MODES:
        problems.append(
            f"ACCESS_MODE {mode!r} is not one of {', '.join(MODES)}; the dashboard runs in "
            "'demo' mode (the built-in analyst only) until it is corrected."
        )
        mode = "demo"
    public = mode in ("public", "demo")
    per_session, problem = _count(
        settings.get("RUNS_PER_SESSION"),
        "RUNS_PER_SESSION",
        DEFAULT_RUNS_PER_SESSION if public else None,
    )
    problems += [problem] if problem else []
    per_day, problem = _count(
        settings.get("RUNS_PER_DAY"), "RUNS_PER_DAY", DEFAULT_RUNS_PER_DAY if public else None
    )
    problems += [problem] if problem else []
    allowed = tuple(
        entry.strip().lower()
        for entry in str(settings.get("ALLOWED_USERS") or "").replace(";", ",").split(",")
        if entry.strip()
    )
    if mode == "private" and not allowed:
        problems.append(
            "ACCESS_MODE is 'private' but ALLOWED_USERS is empty: nobody can use the dashboard "
            "until it lists e-mail addresses or @domains."
        )
    return HostingPolicy(
        mode=mode,
        backends=("builtin",) if mode == "demo" else ALL_BACKENDS,
        owner_keys=not public,
        requires_sign_in=mode == "private",
        allowed_users=allowed,
        runs_per_session=per_session,
        runs_per_day=per_day,
        local_interpreter=sandbox_complete or not public,
        problem=" ".join(problems) or None,
    )


def user_allowed(email: str | None, allowed: tuple[str, ...]) -> bool:
    """``email`` is listed, or its domain is (``@example.org``); case does not matter."""
    if not email or "@" not in email:
        return False
    email = email.strip().lower()
    domain = "@" + email.rsplit("@", 1)[1]
    return email in allowed or domain in allowed


def chat_url_allowed(url: str, policy: HostingPolicy, configured_url: str | None) -> bool:
    """May this session's chat backend talk to ``url``?

    Anywhere when the dashboard is not public; on a public one, only the server the owner
    configured or a well-known public provider over https, so that a visitor cannot make the
    dashboard reach addresses on the owner's network.
    """
    if not policy.public:
        return True
    if configured_url and url.rstrip("/") == configured_url.rstrip("/"):
        return True
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (
        host in PUBLIC_CHAT_HOSTS or host.endswith(PUBLIC_CHAT_SUFFIXES)
    )


def quota_problem(policy: HostingPolicy, session_runs: int, runs_today: int) -> str | None:
    """Why another run may not start now (None: it may)."""
    if policy.runs_per_session is not None and session_runs >= policy.runs_per_session:
        return (
            f"This session has used its {policy.runs_per_session} runs of the research "
            "assistant (a limit of this public dashboard). The local results stay available; "
            "open a new session later, or run the dashboard yourself for unlimited use."
        )
    if policy.runs_per_day is not None and runs_today >= policy.runs_per_day:
        return (
            f"This dashboard has answered its {policy.runs_per_day} questions for today (a "
            "limit set by its owner). The local results stay available; try again tomorrow."
        )
    return None
