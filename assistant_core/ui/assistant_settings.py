"""Which assistant answers: the sidebar's choice of backend, key and model.

Settings come from the environment or ``st.secrets``; a visitor's own OpenAI key, typed in
the sidebar, stays in their session only. A key is never shown, logged or put in the page:
the page sees whether one is set and, for the model list, a fingerprint of it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

import streamlit as st

from assistant_core.backends import Backend, get_backend
from assistant_core.ui.guard import shown_errors

__all__ = ["chosen_backend", "configured", "render_sidebar"]

log = logging.getLogger(__name__)

_LABELS = {
    "builtin": "Built-in analyst (offline)",
    "openai": "OpenAI (hosted code interpreter)",
}
_PACE = 0.02  # seconds between the built-in analyst's chunks, so the page visibly streams


def configured(name: str) -> str | None:
    """A setting from the environment, else from ``st.secrets``; None when unset."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        value = st.secrets.get(name)
    except Exception:  # noqa: BLE001 - no secrets file, or an unreadable one: not set
        return None
    return str(value) if value else None


def _fingerprint(key: str | None) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else "none"


def _openai_key() -> str | None:
    """The visitor's own key for this session, else the one configured on the server."""
    return st.session_state.get("assistant.openai_key") or configured("OPENAI_API_KEY")


def _models(key: str | None) -> list[str]:
    """The models the key can use (asked once per key and session)."""
    cache: dict[str, list[str]] = st.session_state.setdefault("assistant.models", {})
    fingerprint = _fingerprint(key)
    if fingerprint not in cache:
        from assistant_core.backends.openai import list_models

        cache[fingerprint] = list_models(api_key=key, base_url=configured("OPENAI_BASE_URL"))
    return cache[fingerprint]


def render_sidebar() -> None:
    """The sidebar: what the dashboard is, and which assistant answers (every page calls it)."""
    with st.sidebar:
        st.markdown("**Research assistant**")
        st.caption(
            "Compares groups with standard tests computed locally (scipy), and has a research "
            "assistant analyse the same data with code; every figure it reports is checked."
        )
        with shown_errors("showing the assistant's settings"):
            _assistant_settings()


def _assistant_settings() -> None:
    state = st.session_state
    state.setdefault("assistant.backend", "openai" if configured("OPENAI_API_KEY") else "builtin")
    backend = st.radio("Assistant", list(_LABELS), format_func=_LABELS.get, key="assistant.backend")
    if backend == "builtin":
        st.caption("A rule-based analyst that runs offline. It is not an AI model.")
        return
    if configured("OPENAI_API_KEY") and not state.get("assistant.openai_key"):
        st.caption("Using the OpenAI key configured for this dashboard.")
    else:
        st.text_input(
            "Your OpenAI API key",
            type="password",
            key="assistant.openai_key",
            help="Kept in this browser session only: never stored, logged or shared.",
        )
    key = _openai_key()
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


def chosen_backend() -> Backend:
    """The backend the sidebar chose, built once per choice and session."""
    state = st.session_state
    name = state.get("assistant.backend", "builtin")
    options: dict[str, Any] = {}
    if name == "openai":
        key = _openai_key()
        if not key:
            from assistant_core.errors import BackendError

            raise BackendError("Enter an OpenAI API key in the sidebar to use this assistant.")
        options = {
            "api_key": key,
            "model": state.get("assistant.model"),
            "base_url": configured("OPENAI_BASE_URL"),
        }
    else:
        options = {"delay": _PACE}
    identity = (name, options.get("model"), _fingerprint(options.get("api_key")))
    cached = state.get("assistant.instance")
    if cached is None or cached[0] != identity:
        cached = (identity, get_backend(name, **options))
        state["assistant.instance"] = cached
    return cached[1]
