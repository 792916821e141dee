"""Which assistant answers: the sidebar's choice of profile, backend, key and model.

Settings come from the environment or ``st.secrets``; a visitor's own key, typed in the
sidebar or on the Settings page, stays in their session only. A key is never shown, logged
or put in the page: the page sees whether one is set and, for the model list, a
fingerprint of it.

A profile (an "assistant", kept in the store) brings its instructions, tools and
temperature, and chooses the backend and model when it is picked; the person can still
switch the backend or model for this session, and each thread records what answered it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant_core.backends import Backend, get_backend
from assistant_core.errors import BackendError
from assistant_core.hosting import HostingPolicy, chat_url_allowed
from assistant_core.ui.access import hosting_policy
from assistant_core.ui.config import configured
from assistant_core.ui.guard import shown_errors

if TYPE_CHECKING:
    from assistant_core.store import Profile

__all__ = ["BACKEND_LABELS", "chosen_backend", "chosen_profile", "render_sidebar"]

#: backend name -> what the sidebar calls it
BACKEND_LABELS = {
    "builtin": "Built-in analyst (offline)",
    "openai": "OpenAI (hosted code interpreter)",
    "chat": "Any OpenAI-compatible model (local interpreter)",
}
_PROFILE_BACKENDS = {"auto": "Automatic (OpenAI when a key is configured)", **BACKEND_LABELS}
_PACE = 0.02  # seconds between the built-in analyst's chunks, so the page visibly streams
SETTINGS_PAGE = "pages/settings.py"


def _fingerprint(key: str | None) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else "none"


def _openai_key(policy: HostingPolicy) -> str | None:
    """The visitor's own key for this session, else the server's (where the mode allows)."""
    own = st.session_state.get("assistant.openai_key")
    if own or not policy.owner_keys:
        return own or None
    return configured("OPENAI_API_KEY")


def _models(key: str | None) -> list[str]:
    """The models the key can use (asked once per key and session)."""
    cache: dict[str, list[str]] = st.session_state.setdefault("assistant.models", {})
    fingerprint = _fingerprint(key)
    if fingerprint not in cache:
        from assistant_core.backends.openai import list_models

        cache[fingerprint] = list_models(api_key=key, base_url=configured("OPENAI_BASE_URL"))
    return cache[fingerprint]


#: settings typed into widgets that are not drawn on every page (or for every backend):
#: Streamlit forgets an undrawn widget's value, so these are kept by re-assigning them
_KEPT = (
    "assistant.openai_key",
    "assistant.model",
    "chat.preset",
    "chat.base_url",
    "chat.api_key",
    "chat.model",
)


def _keep_settings() -> None:
    state = st.session_state
    for key in _KEPT:
        if key in state:
            state[key] = state[key]


def render_sidebar() -> None:
    """The sidebar: what the dashboard is, and which assistant answers (every page calls it,
    after :func:`~assistant_core.ui.access.require_access` and its title, so the title shows
    while the sidebar reads the stored profiles)."""
    policy = hosting_policy()
    _keep_settings()
    with st.sidebar:
        st.markdown("**Research assistant**")
        st.caption(
            "Compares groups with standard tests computed locally (scipy), and has a research "
            "assistant analyse the same data with code; every figure it reports is checked."
        )
        with shown_errors("showing the assistant's settings"):
            _profile_choice(policy)
            _assistant_settings(policy)


def _profiles() -> dict[str, Profile]:
    """The stored profiles by id (a small query per rerun; none when there is no store)."""
    from assistant_core.ui.saved import saved_store

    store = saved_store(quiet=True)
    return {} if store is None else {p.id: p for p in store.list_profiles()}


def chosen_profile() -> Profile | None:
    """The assistant profile picked in the sidebar (None when the store is unavailable)."""
    profiles = _profiles()
    return profiles.get(st.session_state.get("assistant.profile")) or next(
        iter(profiles.values()), None
    )


def _default_backend(policy: HostingPolicy) -> str | None:
    usable = policy.usable_backends()
    if "openai" in usable and policy.owner_keys and configured("OPENAI_API_KEY"):
        return "openai"
    return usable[0] if usable else None


def _backend_of(profile: Profile, policy: HostingPolicy) -> str | None:
    if profile.backend in policy.usable_backends():
        return profile.backend
    return _default_backend(policy)


def _apply_profile(policy: HostingPolicy | None = None) -> None:
    """The profile's backend and model become the session's choice (a widget callback)."""
    profile = chosen_profile()
    if profile is None:
        return
    state = st.session_state
    backend = _backend_of(profile, policy or hosting_policy())
    if backend is None:
        return
    state["assistant.backend"] = backend
    if profile.model and backend == "openai":
        state["assistant.model"] = profile.model
    elif profile.model and backend == "chat":
        state["chat.model"] = profile.model


def _profile_choice(policy: HostingPolicy) -> None:
    profiles = _profiles()
    if not profiles or not policy.usable_backends():
        return
    state = st.session_state
    if state.get("assistant.profile") not in profiles:
        state["assistant.profile"] = next(iter(profiles))
        if "assistant.backend" not in state:
            _apply_profile(policy)
    st.selectbox(
        "Assistant",
        list(profiles),
        key="assistant.profile",
        format_func=lambda pid: profiles[pid].name,
        on_change=_apply_profile,
    )


def _assistant_settings(policy: HostingPolicy) -> None:
    state = st.session_state
    usable = policy.usable_backends()
    if not usable:
        st.caption(
            "The research assistant is off on this public dashboard: its code sandbox is not "
            "fully in force on this server. The local results are complete."
        )
        return
    if state.get("assistant.backend") not in usable:
        state["assistant.backend"] = _default_backend(policy)
    backend = st.radio(
        "Backend", list(usable), format_func=BACKEND_LABELS.get, key="assistant.backend"
    )
    if backend == "builtin":
        st.caption("A rule-based analyst that runs offline. It is not an AI model.")
    elif backend == "openai":
        _openai_settings(policy)
    else:
        _chat_status(policy)


def _openai_settings(policy: HostingPolicy) -> None:
    state = st.session_state
    if policy.owner_keys and configured("OPENAI_API_KEY") and not state.get("assistant.openai_key"):
        st.caption("Using the OpenAI key configured for this dashboard.")
    else:
        st.text_input(
            "Your OpenAI API key",
            type="password",
            key="assistant.openai_key",
            help="Kept in this browser session only: never stored, logged or shared.",
        )
    key = _openai_key(policy)
    if not key:
        st.info("Enter an OpenAI API key to use this assistant.", icon="🔑")
        return
    models = _models(key)
    default = configured("OPENAI_MODEL") or "gpt-5.5"
    if models:
        options = sorted(models)
        state.setdefault("assistant.model", default if default in options else options[0])
        if state["assistant.model"] not in options:
            state["assistant.model"] = options[0]
        st.selectbox("Model", options, key="assistant.model")
    else:
        state.setdefault("assistant.model", default)
        st.text_input("Model", key="assistant.model", help="The model list could not be read.")


def _chat_status(policy: HostingPolicy) -> None:
    from assistant_core.ui.chat_endpoint import chat_settings

    settings = chat_settings(policy)
    problem = settings.problem()
    if problem:
        st.info(problem, icon="🔌")
    else:
        key = "with a key" if settings.api_key else "without a key"
        st.caption(f"Model `{settings.model}` at {settings.host}, {key}.")
    st.page_link(SETTINGS_PAGE, label="Set the chat server", icon=":material/settings:")


def chosen_backend() -> Backend:
    """The backend the sidebar chose, with the profile's instructions, built once per choice."""
    state = st.session_state
    policy = hosting_policy()
    name = state.get("assistant.backend", "builtin")
    if name not in policy.usable_backends():
        raise BackendError("The research assistant is not available on this dashboard.")
    profile = chosen_profile()
    options: dict[str, Any] = {}
    secret = None
    if name == "openai":
        secret = _openai_key(policy)
        if not secret:
            raise BackendError("Enter an OpenAI API key in the sidebar to use this assistant.")
        options = {
            "api_key": secret,
            "model": state.get("assistant.model"),
            "base_url": configured("OPENAI_BASE_URL"),
        }
    elif name == "chat":
        from assistant_core.ui.chat_endpoint import chat_settings

        settings = chat_settings(policy)
        problem = settings.problem()
        if problem:
            raise BackendError(f"{problem} (Settings page: the chat server.)")
        if not chat_url_allowed(settings.base_url, policy, configured("CHAT_BASE_URL")):
            raise BackendError(
                f"This public dashboard may not connect to {settings.host}: use the server "
                "its owner configured, or a public provider over https (OpenAI, OpenRouter, "
                "Azure OpenAI)."
            )
        secret = settings.api_key
        options = {"api_key": secret, "base_url": settings.base_url, "model": settings.model}
    else:
        options = {"delay": _PACE}
    if name != "builtin" and profile is not None:
        options.update(
            instructions=profile.instructions or None,
            temperature=profile.temperature,
            code_interpreter=profile.code_interpreter,
        )
    identity = (
        name,
        options.get("model"),
        options.get("base_url"),
        _fingerprint(secret),
        (profile.id, profile.updated) if profile is not None and name != "builtin" else None,
    )
    cached = state.get("assistant.instance")
    if cached is None or cached[0] != identity:
        cached = (identity, get_backend(name, **options))
        state["assistant.instance"] = cached
    return cached[1]
