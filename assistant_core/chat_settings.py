"""Settings of the ``chat`` backend: which OpenAI-compatible Chat Completions server, which
model, and the key (if the server needs one). No Streamlit here: the page, the command line
and the tests all use these.

The settings come from ``CHAT_BASE_URL``, ``CHAT_API_KEY`` and ``CHAT_MODEL`` (the
environment, or any mapping shaped like it, e.g. Streamlit's secrets). Unlike the ``openai``
backend these are never the SDK's own ``OPENAI_*`` variables: a key meant for OpenAI must not
be sent to a local or third-party server by accident.

:data:`PRESETS` lists the usual servers with their base URLs. Azure OpenAI's URL has a
``{resource}`` placeholder: the name of your Azure OpenAI resource must be filled in (and
the model is the *deployment* name); :func:`validate_base_url` says so when it was not.

The key is never shown: :class:`ChatSettings`' ``repr`` says only whether one is set.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "KEY_PLACEHOLDER",
    "PRESETS",
    "ChatSettings",
    "Preset",
    "host_of",
    "list_models",
    "validate_base_url",
]

log = logging.getLogger(__name__)

#: sent as the key when none is set: the SDK needs a non-empty key; local servers ignore it
KEY_PLACEHOLDER = "not-needed"


@dataclass(frozen=True)
class Preset:
    """A well-known OpenAI-compatible server: where it listens and whether it wants a key."""

    label: str
    base_url: str
    needs_key: bool
    note: str = ""


#: id -> preset, in the order a settings page offers them
PRESETS: dict[str, Preset] = {
    "openai": Preset("OpenAI", "https://api.openai.com/v1", True, "Models such as gpt-4.1."),
    "azure": Preset(
        "Azure OpenAI",
        "https://{resource}.openai.azure.com/openai/v1",
        True,
        "The v1 API: replace {resource} with your Azure OpenAI resource's name; the model is "
        "your deployment's name.",
    ),
    "ollama": Preset(
        "Ollama", "http://localhost:11434/v1", False, "A model you pulled, e.g. qwen2.5-coder."
    ),
    "vllm": Preset("vLLM", "http://localhost:8000/v1", False, "Start it with tool calling on."),
    "lmstudio": Preset(
        "LM Studio", "http://localhost:1234/v1", False, "Start the server in the Developer tab."
    ),
    "openrouter": Preset(
        "OpenRouter", "https://openrouter.ai/api/v1", True, "Models as vendor/name."
    ),
}


def validate_base_url(url: str) -> str | None:
    """None when ``url`` can be a Chat Completions base URL; else what is wrong with it.

    The message names ``CHAT_BASE_URL`` and says how to fix it.
    """
    url = (url or "").strip()
    shown = repr(url) if "@" not in url else "(a URL with a user name, not shown)"
    example = "e.g. http://localhost:11434/v1 for Ollama or https://api.openai.com/v1"
    if not url:
        return f"No chat server is set: set CHAT_BASE_URL ({example})."
    if "{" in url or "}" in url:
        return (
            f"CHAT_BASE_URL {shown} still has a placeholder: replace {{resource}} with the name "
            "of your Azure OpenAI resource."
        )
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"CHAT_BASE_URL {shown} is not a valid URL ({exc})."
    if not parts.scheme or "://" not in url:
        return (
            f"CHAT_BASE_URL {shown} has no scheme: write it with http:// or https:// ({example})."
        )
    if parts.scheme.lower() not in ("http", "https"):
        return f"CHAT_BASE_URL {shown} must start with http:// or https://, not {parts.scheme}://."
    if not parts.hostname:
        return f"CHAT_BASE_URL {shown} has no host name ({example})."
    if parts.username is not None or parts.password is not None:
        return (
            "CHAT_BASE_URL must not contain a user name or password: put the key in "
            "CHAT_API_KEY instead."
        )
    if parts.query or parts.fragment:
        return (
            f"CHAT_BASE_URL must not have a query or fragment ('?...' or '#...'): give the base "
            f"URL only, e.g. {parts.scheme}://{parts.netloc}{parts.path or '/v1'}."
        )
    if port == 0:
        return f"CHAT_BASE_URL {url!r} has port 0."
    if parts.path.rstrip("/").endswith("/chat/completions"):
        base = url.rstrip("/").removesuffix("/chat/completions")
        return f"CHAT_BASE_URL is the base URL, without /chat/completions: {base!r}."
    return None


def host_of(url: str) -> str:
    """``host[:port]`` of ``url`` (no user name or password); the URL itself if it has none."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "an invalid URL"
    if not host:
        return url or "no server"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


@dataclass(frozen=True)
class ChatSettings:
    """Where the chat backend talks to: ``base_url``, (optional) ``api_key`` and ``model``."""

    base_url: str = ""
    api_key: str | None = field(default=None, repr=False)
    model: str = ""

    @classmethod
    def from_mapping(cls, env_like: Mapping[str, str] | None) -> ChatSettings:
        """Read ``CHAT_BASE_URL``, ``CHAT_API_KEY``, ``CHAT_MODEL`` (blank means unset)."""
        env = env_like or {}

        def get(name: str) -> str:
            value = env.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(
            base_url=get("CHAT_BASE_URL"),
            api_key=get("CHAT_API_KEY") or None,
            model=get("CHAT_MODEL"),
        )

    @property
    def host(self) -> str:
        return host_of(self.base_url)

    @property
    def client_key(self) -> str:
        """The key the SDK is given: the real one, or a placeholder (it needs a non-empty key)."""
        return self.api_key or KEY_PLACEHOLDER

    def problem(self) -> str | None:
        """What must be set or fixed before a request can be made (None: nothing)."""
        invalid = validate_base_url(self.base_url)
        if invalid is not None:
            return invalid
        if not self.model:
            return (
                f"No chat model is set for {self.host}: set CHAT_MODEL to a model the server "
                "offers (for Azure OpenAI, the deployment name)."
            )
        return None

    def __repr__(self) -> str:  # never the key
        key = "set" if self.api_key else "not set"
        return f"ChatSettings(base_url={self.base_url!r}, model={self.model!r}, api_key={key})"

    __str__ = __repr__


def list_models(settings: ChatSettings, *, timeout: float = 15.0) -> list[str]:
    """The ids of the models the server offers, sorted; ``[]`` when they cannot be read.

    Uses the SDK's ``models.list()`` (``GET {base_url}/models``, which OpenAI, Azure's v1 API,
    Ollama, vLLM, LM Studio and OpenRouter all serve).
    """
    if validate_base_url(settings.base_url) is not None:
        return []
    import openai

    try:
        client = openai.OpenAI(
            api_key=settings.client_key, base_url=settings.base_url, max_retries=1, timeout=timeout
        )
        with client:
            return sorted({model.id for model in client.models.list()})
    except Exception as exc:  # noqa: BLE001 - no list is an answer too: the page asks for a name
        log.info("the model list of %s could not be read: %s", settings.host, type(exc).__name__)
        return []
