"""The error classes a page or the command line may catch: one for input, one for the assistant."""

from __future__ import annotations

__all__ = ["AssistantCoreError", "BackendError", "DataError", "UnknownBackend"]


class AssistantCoreError(Exception):
    """Base of every error this package raises on purpose."""


class DataError(AssistantCoreError, ValueError):
    """Input a person gave cannot be used; the message says what is wrong and where."""


class BackendError(AssistantCoreError):
    """The assistant's side failed; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnknownBackend(AssistantCoreError, KeyError):
    """No backend has that name (the message names the ones there are)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown backend"
