"""Provider failures -> ONE ``Error(kind, message, retryable)``, shared by every backend that
speaks the OpenAI wire format (the ``openai`` backend and the ``chat`` backend).

One implementation, so that both backends classify the same SDK exception the same way and
scrub keys the same way; only the words differ: a :class:`Provider` says how the messages
name the other side ("OpenAI", or "the server at localhost:11434" for a chat endpoint), so
that a person reading the message knows which service failed.

Kinds: auth, permission, model, not_found, quota, rate_limit, server, request, timeout,
connection, interrupted, failed, incomplete, internal (and whatever a
:class:`StreamFailure` raised by a backend says).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import openai

from assistant_core.events import Error

__all__ = [
    "OPENAI",
    "Provider",
    "StreamFailure",
    "detail",
    "error_event_failure",
    "map_failure",
    "scrub",
]


@dataclass(frozen=True)
class Provider:
    """How failure messages name the service on the other side of the wire.

    ``subject`` starts a sentence, ``name`` goes inside one, ``rate_limit`` is the phrase for
    its rate limit; ``where`` follows "The model 'x' does not exist" (empty for OpenAI, whose
    model names are global); ``backend`` names our backend ("The chat backend failed");
    ``key_setting`` is the setting that holds the key (named when the key is refused by a
    server that is not OpenAI, or is missing).
    """

    subject: str = "OpenAI"
    name: str = "OpenAI"
    rate_limit: str = "OpenAI's rate limit"
    where: str = ""
    backend: str = "OpenAI"
    key_setting: str = "OPENAI_API_KEY"

    @classmethod
    def endpoint(cls, host: str, *, backend: str = "chat", key_setting: str = "CHAT_API_KEY"):
        """A server we reach at ``host`` (e.g. ``localhost:11434``, ``openrouter.ai``)."""
        where = f"the server at {host}"
        return cls(
            subject=f"The server at {host}",
            name=where,
            rate_limit=f"the rate limit of {where}",
            where=f" on {where}",
            backend=backend,
            key_setting=key_setting,
        )

    @property
    def is_openai(self) -> bool:
        return self.key_setting == "OPENAI_API_KEY" and self.name == "OpenAI"


#: the messages of the ``openai`` backend (unchanged since before the chat backend)
OPENAI = Provider()


class StreamFailure(Exception):
    """The stream said the answer failed (or ended early); becomes one ``Error``."""

    def __init__(self, kind: str, message: str, *, retryable: bool = False, code: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retryable = retryable
        self.code = code


_KEY_PATTERN = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-*]{6,}")


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without any of ``secrets`` and without anything shaped like an OpenAI key."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[key]")
    return _KEY_PATTERN.sub("[key]", text)


def detail(exc: openai.APIError) -> str:
    """The server's own message (the SDK keeps the ``error`` object as ``body``)."""
    body = exc.body
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        body = body["error"]
    message = body.get("message") if isinstance(body, Mapping) else None
    return message if isinstance(message, str) and message else exc.message


def _mentions_model(exc: openai.APIError) -> bool:
    code = (exc.code or "").lower() if isinstance(exc.code, str) else ""
    return "model" in code or "model" in detail(exc).lower()


def _retry_after(exc: openai.APIStatusError) -> str:
    value = exc.response.headers.get("retry-after") if exc.response is not None else None
    return f" (the server asked to wait {value} s)" if value else ""


def error_event_failure(code: str, message: str, provider: Provider = OPENAI) -> StreamFailure:
    """An error sent inside a stream (or the SDK's exception for one) as a failure."""
    if code == "rate_limit_exceeded":
        text = f"{provider.rate_limit} was reached: {message}"
        return StreamFailure("rate_limit", _capital(text), retryable=True, code=code)
    text = f"{provider.subject} reported an error during the answer: {message}" + (
        f" ({code})" if code else ""
    )
    return StreamFailure("server", text, retryable=True, code=code)


def map_failure(
    exc: BaseException,
    *,
    model: str,
    started: bool = False,
    max_retries: int = 2,
    stall_timeout: float = 60.0,
    secrets: Iterable[str | None] = (),
    provider: Provider = OPENAI,
) -> Error:
    """THE place where anything that went wrong becomes one ``Error(kind, message, retryable)``.

    ``started``: the answer's stream had begun (a broken connection is then "interrupted").
    The message is scrubbed of ``secrets`` and of anything shaped like a key.
    """
    kind, message, retryable = _classify(exc, model, started, max_retries, stall_timeout, provider)
    return Error(kind=kind, message=scrub(message, secrets), retryable=retryable)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _classify(
    exc: BaseException, model: str, started: bool, retries: int, stall: float, p: Provider
) -> tuple[str, str, bool]:
    tries = f"after {retries} {'retry' if retries == 1 else 'retries'}"
    if isinstance(exc, StreamFailure):
        return exc.kind, exc.message, exc.retryable
    if isinstance(exc, openai.AuthenticationError):
        hint = "" if p.is_openai else f" ({p.key_setting})"
        return (
            "auth",
            f"{p.subject} refused the API key (401 Unauthorized): check that the key{hint} is "
            "right and still active.",
            False,
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return "permission", f"{p.subject} refused the request (403): {detail(exc)}", False
    if isinstance(exc, openai.NotFoundError):
        if _mentions_model(exc):
            return (
                "model",
                f"The model {model!r} does not exist{p.where} or this key cannot use it (404); "
                "choose another model.",
                False,
            )
        return (
            "not_found",
            f"{p.subject} could not find what the request named (404): {detail(exc)}",
            False,
        )
    if isinstance(exc, openai.RateLimitError):
        if exc.code == "insufficient_quota":
            account = "The OpenAI account" if p.is_openai else f"The account at {p.name}"
            return "quota", f"{account} has no quota left (429): {detail(exc)}", False
        return (
            "rate_limit",
            _capital(
                f"{p.rate_limit} was still exceeded {tries} (429){_retry_after(exc)}; "
                "try again in a moment."
            ),
            True,
        )
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return (
            "server",
            f"{p.subject} had a server error ({exc.status_code}) {tries}; try again in a moment.",
            True,
        )
    if isinstance(exc, openai.APIStatusError):
        return (
            "request",
            f"{p.subject} rejected the request ({exc.status_code}): {detail(exc)}",
            False,
        )
    if isinstance(exc, openai.APITimeoutError):
        return (
            "timeout",
            f"{p.subject} sent nothing for {stall:g} s, so the answer was abandoned; what "
            "arrived is kept.",
            True,
        )
    if isinstance(exc, openai.APIConnectionError):
        if started:
            return (
                "interrupted",
                f"The connection to {p.name} broke during the answer; what arrived is kept.",
                True,
            )
        return "connection", f"Could not connect to {p.name} {tries}: {exc.message}", True
    if isinstance(exc, openai.APIError):  # an error the SDK read from the stream itself
        code = exc.code if isinstance(exc.code, str) else ""
        failure = error_event_failure(code, detail(exc), p)
        return failure.kind, failure.message, failure.retryable
    if isinstance(exc, openai.OpenAIError) and "api_key" in str(exc):
        return "auth", f"No {p.backend} API key is set ({p.key_setting}).", False
    return "internal", f"The {p.backend} backend failed: {type(exc).__name__}: {exc}", True
