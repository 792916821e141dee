"""Backends by name: ``builtin``, ``openai``, ``chat``, and ``auto`` which picks one."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

from assistant_core.backends.base import DEFAULT_QUESTION, Backend, Conversation, Turn
from assistant_core.errors import UnknownBackend

__all__ = [
    "BACKENDS",
    "DEFAULT_QUESTION",
    "Backend",
    "Conversation",
    "Turn",
    "UnknownBackend",
    "get_backend",
    "resolve_name",
]

#: name -> "module:Class"; imported only when asked for, so start-up stays light
BACKENDS: dict[str, str] = {
    "builtin": "assistant_core.backends.builtin:BuiltinAnalyst",
    "openai": "assistant_core.backends.openai:OpenAIBackend",
    "chat": "assistant_core.backends.chat:ChatBackend",
}
#: names the design reserves for backends this version does not have yet (none at present)
PLANNED: dict[str, str] = {}


def resolve_name(name: str, environ: Mapping[str, str] | None = None) -> str:
    """``auto`` -> ``openai`` when an OpenAI key is set (and that backend exists), else builtin."""
    if name != "auto":
        return name
    env = os.environ if environ is None else environ
    if env.get("OPENAI_API_KEY") and "openai" in BACKENDS:
        return "openai"
    return "builtin"


def get_backend(name: str = "auto", *, model: str | None = None, **options: object) -> Backend:
    """A backend instance by registry name; ``UnknownBackend`` names the ones there are.

    ``model`` goes to backends that have models; the built-in analyst has none.
    """
    resolved = resolve_name(name)
    target = BACKENDS.get(resolved)
    if target is None:
        known = ", ".join(["auto", *BACKENDS])
        if resolved in PLANNED:
            raise UnknownBackend(
                f"The {resolved!r} backend ({PLANNED[resolved]}) is not available in this "
                f"version yet; the backends are: {known}."
            )
        raise UnknownBackend(f"Unknown backend {name!r}; the backends are: {known}.")
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if model is not None and getattr(cls, "has_models", False):
        options["model"] = model
    return cls(**options)
