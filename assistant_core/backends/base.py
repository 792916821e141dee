"""What every backend is: a small class with one streaming method that yields our events.

History, timing, storage and verification live once, outside the backends (see
:mod:`assistant_core.runner`); a backend only turns a question about a data set into events.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from assistant_core.events import Event

if TYPE_CHECKING:  # annotations only: pandas (under data) stays out of the pages' start-up
    from assistant_core.data import Dataset
    from assistant_core.interpreter import Interpreter

__all__ = ["DEFAULT_QUESTION", "Backend", "ClientBackend", "Conversation", "Turn"]

DEFAULT_QUESTION = (
    "Do these groups differ? Choose the appropriate test, check its assumptions, and report "
    "the result with its effect size and confidence interval."
)


@dataclass
class Turn:
    """One exchange of a conversation: the question and the events of its answer."""

    question: str
    events: list[Event] = field(default_factory=list)
    done: bool = False
    answered_by: str = ""  # the backend's label

    @property
    def text(self) -> str:
        """The answer's narrative, joined from its text deltas."""
        return "".join(getattr(e, "text", "") for e in self.events if e.type == "text_delta")


@dataclass
class Conversation:
    """A thread: its data, options, the turns so far and what carries state between them.

    ``interpreter`` is the thread's local code interpreter (kernel state survives between
    turns); ``remote_id`` is the provider's conversation id where there is one.
    """

    dataset: Dataset
    alpha: float = 0.05
    alternative: str = "two-sided"
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    turns: list[Turn] = field(default_factory=list)
    interpreter: Interpreter | None = None
    remote_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def history(self) -> list[Turn]:
        """The finished turns (the one being answered is not among them)."""
        return [turn for turn in self.turns if turn.done]


class Backend(abc.ABC):
    """A way of getting an analysis: built-in analyst, OpenAI, any chat-completions model."""

    #: registry name, e.g. ``"builtin"``
    name: str = ""
    #: what the page calls it (the built-in one is never called an AI model)
    label: str = ""
    #: True when the backend runs code in our local interpreter
    uses_local_interpreter: bool = False
    #: True when the backend takes a ``model`` argument
    has_models: bool = False

    @abc.abstractmethod
    def stream(self, conversation: Conversation, question: str) -> Iterator[Event]:
        """Answer ``question`` about ``conversation.dataset``, yielding events as they happen.

        Must not raise for the assistant's own failures: yield an ``Error`` event instead.
        Earlier turns are in ``conversation.history``.
        """


class ClientBackend(Backend):
    """A backend that talks to a server through an SDK client made on first use.

    ``close()`` releases the client's connections (a new client is made if it is used
    again); the backend is also a context manager that closes it.
    """

    _client: Any = None

    def close(self) -> None:
        """Close the SDK client's connections (a new client is made if used again)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
