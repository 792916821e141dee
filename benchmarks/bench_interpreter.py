"""Time to the first cell's output: a cold kernel start against ``warm_interpreter()``.

Run: ``.venv/bin/python -m benchmarks.bench_interpreter``. Aim: taking a warm interpreter
costs a small fraction of a cold start, so the first cell of a conversation does not wait
for a kernel. Between two acquisitions the pool gets the time a person takes to start a
new conversation (``GAP`` seconds) to start the next kernel in the background. The kernels
start in the sandbox this machine allows (printed first), as the dashboard's do.
"""

from __future__ import annotations

import statistics
import time

from assistant_core.interpreter import Interpreter, shutdown_pool, warm_interpreter
from benchmarks._timing import print_table

RUNS = 7
GAP = 2.0  # seconds between conversations (the pool starts the next kernel meanwhile)


def _first_cell(interpreter: Interpreter) -> None:
    out = "".join(getattr(event, "logs", "") for event in interpreter.run("print(6 * 7)"))
    assert out == "42\n", out


def _cold() -> tuple[float, float]:
    started = time.perf_counter()
    interpreter = Interpreter()
    interpreter.start()
    ready = time.perf_counter()
    _first_cell(interpreter)
    done = time.perf_counter()
    interpreter.close()
    return ready - started, done - started


def _warm() -> tuple[float, float]:
    started = time.perf_counter()
    interpreter = warm_interpreter()
    ready = time.perf_counter()
    _first_cell(interpreter)
    done = time.perf_counter()
    interpreter.close()
    return ready - started, done - started


def main() -> None:
    probe = Interpreter()
    isolation = probe.isolation
    probe.close()
    in_force = [
        name
        for name, on in (
            ("network namespace", isolation.network_blocked),
            ("filesystem sandbox", isolation.filesystem_sandbox),
            ("pid namespace", isolation.pid_namespace),
            ("unprivileged user", isolation.unprivileged_user),
            ("disk limit", isolation.disk_limit is not None),
        )
        if on
    ]
    print(f"sandbox in force: {', '.join(in_force) or 'nothing'} (complete: {isolation.complete})")
    cold = [_cold() for _ in range(RUNS)]
    warm_interpreter().close()  # fills the pool
    warm = []
    for _ in range(RUNS):
        time.sleep(GAP)
        warm.append(_warm())
    shutdown_pool()
    rows = []
    for name, samples in (("cold Interpreter().start()", cold), ("warm_interpreter()", warm)):
        acquire = statistics.median(s[0] for s in samples)
        first = statistics.median(s[1] for s in samples)
        rows.append([name, f"{acquire * 1000:.1f}", f"{first * 1000:.1f}"])
    ratio = statistics.median(s[1] for s in warm) / statistics.median(s[1] for s in cold)
    print_table(["acquisition", "ready (ms, median)", "first cell output (ms, median)"], rows)
    print(f"\nwarm / cold, time to the first cell's output: {ratio:.3f} (median of {RUNS} runs)")


if __name__ == "__main__":
    main()
