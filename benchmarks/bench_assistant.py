"""The built-in analyst: time to the first event and to the verdict, warm and cold kernel.

Run: ``.venv/bin/python -m benchmarks.bench_assistant``. "Warm" takes the interpreter from
the pool kept ready by ``warm_interpreter()`` (what the page and the command line do);
"cold" gives each conversation a fresh interpreter that starts its kernel on the first
cell. Medians of several runs on the worked example; the analyst streams without pauses.
"""

from __future__ import annotations

import statistics
import time

from assistant_core.backends import Conversation, get_backend
from assistant_core.data import EXAMPLE, make_dataset
from assistant_core.interpreter import Interpreter, shutdown_pool, warm_interpreter
from assistant_core.runner import TurnTiming, run_turn
from assistant_core.stats import check
from benchmarks._timing import print_table

RUNS = 7
GAP = 2.0  # seconds between conversations: the pool starts the next kernel meanwhile


def _one_turn(interpreter: Interpreter) -> TurnTiming:
    dataset = make_dataset(EXAMPLE)
    local = check(dataset).to_dict()
    conversation = Conversation(dataset)
    conversation.interpreter = interpreter
    timing = TurnTiming()
    events = list(
        run_turn(
            get_backend("builtin"),
            conversation,
            "Do they differ?",
            local_report=local,
            timing=timing,
        )
    )
    assert events[-1].type == "verification", events[-1]
    interpreter.close()
    return timing


def main() -> None:
    warm_interpreter().close()  # fill the pool once
    rows = []
    for label, make in (("warm kernel", warm_interpreter), ("cold kernel", Interpreter)):
        firsts, verdicts = [], []
        for _ in range(RUNS):
            time.sleep(GAP)
            timing = _one_turn(make())
            firsts.append(timing.first_event * 1000)
            verdicts.append(timing.finished * 1000)
        rows.append(
            [label, f"{statistics.median(firsts):.1f}", f"{statistics.median(verdicts):.0f}"]
        )
    shutdown_pool()
    print_table(["built-in analyst", "first event (ms)", "verdict (ms)"], rows)


if __name__ == "__main__":
    main()
