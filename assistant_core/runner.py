"""One turn of a conversation, the same for every backend: events, timing, verification.

Backends only yield events. Here, once: the turn is recorded on the conversation as the
events arrive (so an interrupted run keeps what it received), a backend that raises is
turned into one ``Error`` event, the time to the first event and to the end is measured,
and the figures are verified against the local report at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from assistant_core.backends.base import Backend, Conversation, Turn
from assistant_core.events import Error, Event, Status, Verification

__all__ = ["TurnTiming", "run_turn"]

log = logging.getLogger(__name__)


@dataclass
class TurnTiming:
    """Seconds from the start of a turn to its first event and to its verdict."""

    started: float = field(default_factory=time.perf_counter)
    first_event: float | None = None
    finished: float | None = None


def run_turn(
    backend: Backend,
    conversation: Conversation,
    question: str,
    *,
    local_report: dict | None = None,
    on_event: Callable[[Event], None] | None = None,
    timing: TurnTiming | None = None,
) -> Iterator[Event]:
    """Stream one answer; the turn is appended to ``conversation.turns`` before the first event.

    Yields the backend's events, an ``Error`` if the backend broke, a final ``Status`` if
    the backend gave none, and last a ``Verification`` when ``local_report`` is given.
    """
    turn = Turn(question=question, answered_by=backend.label)
    conversation.turns.append(turn)
    timing = timing or TurnTiming()

    def emit(event: Event) -> Event:
        if timing.first_event is None:
            timing.first_event = time.perf_counter() - timing.started
        turn.events.append(event)
        if on_event is not None:
            on_event(event)
        return event

    try:
        for event in backend.stream(conversation, question):
            yield emit(event)
    except Exception as exc:  # noqa: BLE001 - a backend bug must not lose what arrived
        log.error("backend %s failed: %s: %s", backend.name, type(exc).__name__, exc)
        yield emit(Error(kind="internal", message=f"The assistant failed: {exc}", retryable=True))
    if not any(e.type == "status" and e.state != "running" for e in turn.events):
        failed = any(e.type == "error" for e in turn.events)
        yield emit(Status(state="failed" if failed else "completed"))
    if local_report is not None:
        yield emit(verify_turn(turn, local_report))
    turn.done = True
    timing.finished = time.perf_counter() - timing.started


def verify_turn(turn: Turn, local_report: dict) -> Verification:
    """The verdict on one turn's figures against the local report."""
    from assistant_core.verify import verify_events

    return verify_events(turn.events, local_report)
