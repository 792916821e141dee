"""The chat backend's endpoint: where it is set (the Settings page) and what it resolves to.

Settings come from ``CHAT_BASE_URL``, ``CHAT_API_KEY`` and ``CHAT_MODEL`` (environment or
``st.secrets``), or from the Settings page for this session. A key configured on the server
is only ever sent to the base URL configured with it: a visitor who points the dashboard at
another server must bring that server's key, so the owner's key cannot be sent elsewhere.
"""

from __future__ import annotations

import streamlit as st

from assistant_core.chat_settings import PRESETS, ChatSettings, host_of, validate_base_url
from assistant_core.hosting import HostingPolicy, chat_url_allowed
from assistant_core.ui.access import hosting_policy
from assistant_core.ui.config import configured

__all__ = ["chat_settings", "render_endpoint_form"]

_CUSTOM = "custom"


def _defaults() -> None:
    state = st.session_state
    state.setdefault("chat.base_url", configured("CHAT_BASE_URL") or "")
    state.setdefault("chat.model", configured("CHAT_MODEL") or "")
    if "chat.preset" not in state:
        url = state["chat.base_url"]
        state["chat.preset"] = next(
            (pid for pid, p in PRESETS.items() if p.base_url == url), _CUSTOM
        )


def chat_settings(policy: HostingPolicy | None = None) -> ChatSettings:
    """The endpoint this session uses (the Settings page's values, else the configured ones).

    The server's key is used only with the server's base URL, and only where the access mode
    lets visitors use the owner's keys.
    """
    policy = policy or hosting_policy()
    _defaults()
    state = st.session_state
    base_url = str(state.get("chat.base_url") or "").strip()
    own_key = str(state.get("chat.api_key") or "").strip() or None
    server_url = (configured("CHAT_BASE_URL") or "").strip()
    key = own_key
    same_server = bool(base_url) and base_url.rstrip("/") == server_url.rstrip("/")
    if key is None and same_server and policy.owner_keys:
        key = configured("CHAT_API_KEY")
    return ChatSettings(base_url=base_url, api_key=key, model=str(state.get("chat.model") or ""))


def _apply_preset() -> None:
    preset = PRESETS.get(st.session_state.get("chat.preset", _CUSTOM))
    if preset is not None:
        st.session_state["chat.base_url"] = preset.base_url


def render_endpoint_form() -> None:
    """The Settings page's form: preset, base URL, key (this session only) and model."""
    _defaults()
    st.selectbox(
        "Server",
        [*PRESETS, _CUSTOM],
        key="chat.preset",
        format_func=lambda pid: PRESETS[pid].label if pid in PRESETS else "Another server",
        on_change=_apply_preset,
        help="Fills in the usual base URL; you can still edit it.",
    )
    preset = PRESETS.get(st.session_state["chat.preset"])
    if preset is not None and preset.note:
        st.caption(preset.note)
    st.text_input(
        "Base URL",
        key="chat.base_url",
        placeholder="http://localhost:11434/v1",
        help="The OpenAI-compatible API's base URL, without /chat/completions.",
    )
    url = str(st.session_state.get("chat.base_url") or "")
    problem = validate_base_url(url) if url else None
    if problem:
        st.error(problem, icon="⚠️")
    server_url = (configured("CHAT_BASE_URL") or "").rstrip("/")
    has_server_key = (
        hosting_policy().owner_keys
        and bool(configured("CHAT_API_KEY"))
        and url.rstrip("/") == server_url
    )
    st.text_input(
        "API key" + (" (optional: a key is configured for this server)" if has_server_key else ""),
        key="chat.api_key",
        type="password",
        help="Kept in this browser session only: never stored, logged or shared. "
        "Local servers (Ollama, vLLM, LM Studio) usually need none.",
    )
    st.text_input(
        "Model",
        key="chat.model",
        placeholder="e.g. qwen2.5-coder:14b",
        help="A model the server offers (for Azure OpenAI, your deployment's name). "
        "It must support tool (function) calling.",
    )
    policy = hosting_policy()
    allowed = not url or chat_url_allowed(url, policy, configured("CHAT_BASE_URL"))
    if not allowed:
        st.error(
            f"This public dashboard may not connect to {host_of(url)}: use the server its owner "
            "configured, or a public provider over https (OpenAI, OpenRouter, Azure OpenAI).",
            icon="🚫",
        )
    if st.button(
        "List the server's models", key="chat.list_models", disabled=bool(problem) or not allowed
    ):
        from assistant_core.chat_settings import list_models

        models = list_models(chat_settings())
        if models:
            st.session_state["chat.models"] = models
        else:
            st.warning(f"No model list could be read from {host_of(url)}.", icon="⚠️")
    models = st.session_state.get("chat.models") or []
    if models:
        st.caption("Models on this server: " + ", ".join(f"`{m}`" for m in models[:50]))
