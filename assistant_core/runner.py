"""One turn of a conversation, the same for every backend: events, timing, verification.

Backends only yield events. Here, once: the turn is recorded on the conversation as the
events arrive (so an interrupted run keeps what it received), a backend that raises is
turned into one ``Error`` event, the time to the first event and to the end is measured,
and the figures are verified against the local report at the end.

Storage rides on ``on_event``: pass a :class:`assistant_core.store.RunRecorder` (from
``store.recorder(...)``) and every event reaches the store as it arrives. When the stream
is abandoned half-way (the generator closed: Stop on the page, a rerun, Ctrl-C) the turn
ends with a ``Status("stopped")`` given to ``on_event``, so the stored run is finished as
``stopped`` with what arrived; a process killed outright leaves it ``running`` until
``store.mark_abandoned_runs`` calls it ``interrupted``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant_core.backends.base import Backend, Conversation, Turn
from assistant_core.events import Error, Event, Status, Verification

if TYPE_CHECKING:
    from assistant_core.data import Dataset

__all__ = ["TurnTiming", "run_turn", "verify_turn"]

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
    Closed early (``close()``, or an exception such as KeyboardInterrupt passing through),
    it ends the turn with ``Status("stopped")``, given to ``on_event`` but not yielded.
    """
    turn = Turn(question=question, answered_by=backend.label)
    conversation.turns.append(turn)
    timing = timing or TurnTiming()
    ended = False  # a final Status has gone to on_event

    def emit(event: Event) -> Event:
        nonlocal ended
        if timing.first_event is None:
            timing.first_event = time.perf_counter() - timing.started
        turn.events.append(event)
        if event.type == "status" and event.state != "running":
            ended = True
        if on_event is not None:
            on_event(event)
        return event

    stream: Iterator[Event] | None = None
    try:
        try:
            stream = backend.stream(conversation, question)
            for event in stream:
                yield emit(event)
        except Exception as exc:  # noqa: BLE001 - a backend bug must not lose what arrived
            log.error("backend %s failed: %s: %s", backend.name, type(exc).__name__, exc)
            yield emit(
                Error(kind="internal", message=f"The assistant failed: {exc}", retryable=True)
            )
        if not ended:
            failed = any(e.type == "error" for e in turn.events)
            yield emit(Status(state="failed" if failed else "completed"))
        if local_report is not None:
            yield emit(verify_turn(turn, local_report, conversation.dataset))
    except BaseException:  # closed early (GeneratorExit), Ctrl-C, a rerun's exception
        _stop(stream, turn, ended, on_event)
        raise
    finally:
        turn.done = True
        timing.finished = time.perf_counter() - timing.started


def _stop(
    stream: object,
    turn: Turn,
    ended: bool,
    on_event: Callable[[Event], None] | None,
) -> None:
    """End a turn abandoned half-way: close the backend's stream, record it as stopped."""
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            close()
        except Exception as exc:  # noqa: BLE001 - stopping must not fail on a backend's bug
            log.warning("closing the backend's stream failed: %s", exc)
    if ended:
        return
    stopped = Status(state="stopped")
    if not any(e.type == "status" and e.state != "running" for e in turn.events):
        turn.events.append(stopped)
    if on_event is not None:
        try:
            on_event(stopped)
        except Exception as exc:  # noqa: BLE001 - the stop itself must go through
            log.warning("recording the stop failed: %s", exc)


def verify_turn(turn: Turn, local_report: dict, dataset: Dataset | None = None) -> Verification:
    """The verdict on one turn: every claim of its answer, judged against the local results."""
    from assistant_core.claims import check_answer
    from assistant_core.claims.facts import Facts
    from assistant_core.claims.summary import verification

    data = [group.values for group in dataset.groups] if dataset is not None else None
    report = check_answer(turn.events, local_report, data)
    return verification(report, Facts(local_report, data))
