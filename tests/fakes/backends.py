"""Test doubles of our own interfaces (fakes, not patches): a scripted backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from assistant_core.backends import Backend, Conversation
from assistant_core.events import Event


class ScriptedBackend(Backend):
    """Yields a fixed list of events per call and records the questions it was asked.

    ``fail_after`` raises a RuntimeError after that many events, as a buggy backend would.
    """

    name = "scripted"
    label = "Scripted test backend"

    def __init__(self, events: Sequence[Event], *, fail_after: int | None = None) -> None:
        self.events = list(events)
        self.fail_after = fail_after
        self.questions: list[str] = []
        self.histories: list[list[str]] = []

    def stream(self, conversation: Conversation, question: str) -> Iterator[Event]:
        self.questions.append(question)
        self.histories.append([turn.question for turn in conversation.history])
        for i, event in enumerate(self.events):
            if self.fail_after is not None and i == self.fail_after:
                raise RuntimeError("scripted failure")
            yield event


class BrokenBackend(ScriptedBackend):
    """Starts an answer, then fails as a provider would: an Error event, retryable."""

    name = "broken"
    label = "Broken test backend"

    def __init__(self) -> None:
        from assistant_core.events import Error, TextDelta

        super().__init__(
            [
                TextDelta("Looking at the data, "),
                Error(kind="rate_limit", message="Rate limit reached; try again.", retryable=True),
            ]
        )
