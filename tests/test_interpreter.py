"""The local code interpreter against real kernels (no mocks): state, streaming, images,
time, memory and CPU limits, dead kernels, secrets, network, working directory, output cap,
the warm pool and clean shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant_core.events import CodeOutput, ImageOutput
from assistant_core.interpreter import (
    Interpreter,
    Isolation,
    prewarm,
    shutdown_pool,
    warm_interpreter,
)

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(interpreter: Interpreter, code: str) -> tuple[str, list[ImageOutput]]:
    """All text of a cell, and its images."""
    texts, images = [], []
    for event in interpreter.run(code):
        if isinstance(event, ImageOutput):
            images.append(event)
        else:
            assert isinstance(event, CodeOutput)
            texts.append(event.logs)
    return "".join(texts), images


def text(interpreter: Interpreter, code: str) -> str:
    return run(interpreter, code)[0]


def host_pid(interpreter: Interpreter, pid: int) -> int:
    """The pid, as this process sees it, of a pid the code printed inside its sandbox.

    In a pid namespace of its own the kernel's pids are its own (the kernel itself is 2):
    look the process up by its namespace and its pid there (``NSpid`` in ``status``).
    """
    kernel = interpreter._resources.kernel  # a test's look behind the sandbox
    namespace = kernel.pid_namespace if kernel is not None else None
    if namespace is None:
        return pid
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/ns/pid") != namespace:
                continue
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and int(line.split()[-1]) == pid:
                return int(name)
    raise LookupError(f"no process {pid} in the kernel's pid namespace")


def code_pid(interpreter: Interpreter, code: str) -> int:
    """Run ``code`` (which prints a pid in the sandbox); that process's pid out here."""
    return host_pid(interpreter, int(text(interpreter, code)))


@pytest.fixture(scope="module")
def interpreter() -> Iterator[Interpreter]:
    """One interpreter with the default limits, shared by the module."""
    with Interpreter(cell_timeout=20) as it:
        yield it


@pytest.fixture(scope="module")
def small() -> Iterator[Interpreter]:
    """Small memory and file limits, so that exceeding them is quick."""
    with Interpreter(cell_timeout=30, memory_limit=2**30, max_file_bytes=2**20) as it:
        yield it


@pytest.fixture(scope="module")
def quick_timeout() -> Iterator[Interpreter]:
    with Interpreter(cell_timeout=2) as it:
        yield it


# -- cells ------------------------------------------------------------------------------


def test_variables_survive_between_cells(interpreter: Interpreter) -> None:
    assert text(interpreter, "answer = 41") == ""
    assert text(interpreter, "answer += 1\nanswer") == "42\n"


def test_stdout_stderr_and_last_value_arrive(interpreter: Interpreter) -> None:
    out = text(
        interpreter, "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n6*7"
    )
    assert "to stdout\n" in out
    assert "to stderr\n" in out
    assert out.endswith("42\n")


def test_exception_comes_back_as_text_and_the_next_cell_works(interpreter: Interpreter) -> None:
    out = text(interpreter, "def f():\n    return 1 / 0\nf()")
    assert "ZeroDivisionError" in out
    assert "Traceback" in out
    assert "\x1b[" not in out  # no ANSI colour codes
    assert text(interpreter, "print('still here')") == "still here\n"


def test_outputs_stream_as_they_happen(interpreter: Interpreter) -> None:
    arrivals = []
    for event in interpreter.run("import time\nprint('first')\ntime.sleep(1)\nprint('second')"):
        arrivals.append((time.monotonic(), event))
    logs = [e.logs for _, e in arrivals if isinstance(e, CodeOutput)]
    assert logs == ["first\n", "second\n"]
    assert arrivals[1][0] - arrivals[0][0] > 0.6  # the first came before the sleep ended


def test_matplotlib_figure_comes_back_as_png(interpreter: Interpreter) -> None:
    _, images = run(
        interpreter,
        "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('t')\nplt.show()",
    )
    assert len(images) == 1
    assert images[0].mime == "image/png"
    assert images[0].data is not None and images[0].data.startswith(PNG_SIGNATURE)
    # A figure left open at the end of a cell is shown too.
    _, images = run(interpreter, "fig, ax = plt.subplots()\nax.bar(['a', 'b'], [1, 2]);")
    assert len(images) == 1 and images[0].data.startswith(PNG_SIGNATURE)


def test_scientific_stack_imports_under_the_default_limits(interpreter: Interpreter) -> None:
    out = text(
        interpreter,
        "import numpy, scipy.stats, pandas, matplotlib.pyplot\n"
        "print(f'{scipy.stats.ttest_ind([1, 2, 3, 4], [3, 4, 5, 6]).pvalue:.4f}')",
    )
    assert out == "0.0710\n"


def test_limits_are_in_force_inside_the_kernel(interpreter: Interpreter) -> None:
    out = text(
        interpreter,
        "import resource\n"
        "print([resource.getrlimit(getattr(resource, 'RLIMIT_' + n))[0]"
        " for n in ('AS', 'CPU', 'NPROC', 'FSIZE', 'CORE')])",
    )
    assert out == f"{[4 * 2**30, 300, 256, 200 * 2**20, 0]}\n"
    isolation = interpreter.isolation
    assert (isolation.memory_limit, isolation.cpu_seconds) == (4 * 2**30, 300)
    assert (isolation.max_processes, isolation.max_file_bytes) == (256, 200 * 2**20)
    assert isolation.scrubbed_environment


def test_output_is_capped_with_a_note(interpreter: Interpreter) -> None:
    events = list(interpreter.run("print('x' * 10_000_000)"))
    logs = "".join(e.logs for e in events if isinstance(e, CodeOutput))
    assert "[output truncated: 9900001 more characters]" in logs
    assert len(logs) < interpreter.max_output_chars + 200
    assert text(interpreter, "print('after')") == "after\n"  # the kernel was drained


def test_cwd_is_the_private_workdir(interpreter: Interpreter) -> None:
    workdir = interpreter.workdir
    assert workdir.is_dir()
    out = text(
        interpreter,
        "import os\nprint(os.getcwd())\nprint(os.environ['HOME'])\n"
        "with open('result.csv', 'w') as f:\n    f.write('a,b\\n1,2\\n')",
    )
    assert out == f"{workdir}\n{workdir}\n"
    assert (workdir / "result.csv").read_text() == "a,b\n1,2\n"
    assert interpreter.isolation.workdir == str(workdir)


def test_hard_exit_is_survived(interpreter: Interpreter) -> None:
    text(interpreter, "kept = 1")
    child = code_pid(
        interpreter, "import subprocess\nprint(subprocess.Popen(['sleep', '300']).pid)"
    )
    out = text(interpreter, "import os\nos._exit(1)")
    assert "exited with status 1" in out
    assert _proc_state(child) in ("gone", "Z")  # the code's children went with the kernel
    assert "restarted" in out and "variables are lost" in out
    assert interpreter.alive
    assert "NameError" in text(interpreter, "kept")
    assert text(interpreter, "print(1 + 1)") == "2\n"


def test_killed_kernel_is_restarted_before_the_next_cell(interpreter: Interpreter) -> None:
    pid = code_pid(interpreter, "import os\nprint(os.getpid())")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while interpreter.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    out = text(interpreter, "print('fresh')")
    assert "SIGKILL" in out and "restarted" in out
    assert out.endswith("fresh\n")


def test_abandoned_cell_is_stopped(interpreter: Interpreter) -> None:
    text(interpreter, "kept = 'yes'")
    cell = interpreter.run("import time\nfor i in range(100):\n    print(i)\n    time.sleep(0.1)")
    first = next(cell)
    assert isinstance(first, CodeOutput) and first.logs.startswith("0\n")
    started = time.monotonic()
    cell.close()  # the consumer goes away: the cell is interrupted
    assert time.monotonic() - started < 4
    assert text(interpreter, "print(kept)") == "yes\n"


def test_suspended_cell_does_not_block_the_next_one(interpreter: Interpreter) -> None:
    cell = interpreter.run("import time\nfor i in range(100):\n    print(i)\n    time.sleep(0.1)")
    assert isinstance(next(cell), CodeOutput)
    # ``cell`` is still referenced but nobody iterates it: the next cell takes over.
    started = time.monotonic()
    assert text(interpreter, "print('next')") == "next\n"
    assert time.monotonic() - started < 6
    assert list(cell) == []


# -- time, memory, CPU, files -----------------------------------------------------------


def test_infinite_loop_is_interrupted_at_the_time_limit(quick_timeout: Interpreter) -> None:
    text(quick_timeout, "kept = 7")
    started = time.monotonic()
    out = text(quick_timeout, "while True:\n    pass")
    assert time.monotonic() - started < 2 + 3
    assert "Execution stopped after 2 s (time limit): interrupted; variables kept." in out
    assert text(quick_timeout, "print(kept)") == "7\n"


def test_cell_that_ignores_the_interrupt_gets_a_new_kernel(quick_timeout: Interpreter) -> None:
    text(quick_timeout, "kept = 7")
    code = (
        "while True:\n"
        "    try:\n"
        "        while True:\n"
        "            pass\n"
        "    except KeyboardInterrupt:\n"
        "        pass"
    )
    out = text(quick_timeout, code)
    assert "Execution stopped after 2 s (time limit)" in out
    assert "the interpreter was restarted, so variables are lost" in out
    assert "NameError" in text(quick_timeout, "kept")
    assert text(quick_timeout, "print('works')") == "works\n"


def test_huge_allocation_is_a_memory_error(small: Interpreter) -> None:
    out = text(small, "x = bytearray(8 * 2**30)")
    assert "MemoryError" in out
    assert "memory is limited to 1 GiB" in out
    assert text(small, "print('ok')") == "ok\n"


def test_growing_list_is_contained(small: Interpreter) -> None:
    out = text(
        small,
        "def grow():\n"
        "    chunks = []\n"
        "    while True:\n"
        "        chunks.append(bytearray(2**24))\n"
        "grow()",
    )
    assert "MemoryError" in out or ("died" in out and "restarted" in out)
    # The failed cell's memory was released: even a fresh import of numpy works.
    assert text(small, "import numpy\nprint(numpy.ones(10**6).sum())") == "1000000.0\n"


def test_large_files_are_refused(small: Interpreter) -> None:
    out = text(
        small,
        "try:\n    with open('big.bin', 'wb') as f:\n        f.write(b'0' * 2**21)\n"
        "except OSError as e:\n    print('refused', e.errno)",
    )
    assert out == "refused 27\n"  # EFBIG
    assert (small.workdir / "big.bin").stat().st_size <= 2**20


def test_cpu_time_limit_stops_and_restarts_the_kernel() -> None:
    with Interpreter(cell_timeout=20, cpu_seconds=1) as it:
        out = text(it, "while True:\n    pass")
        assert "CPU time limit of 1 s" in out and "restarted" in out
        assert text(it, "print('after')") == "after\n"


# -- isolation --------------------------------------------------------------------------


def test_environment_holds_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    monkeypatch.setenv("MY_TOKEN", "token-value-123")
    monkeypatch.setenv("CHAT_API_KEY", "chat-key-value-456")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@host/db")
    monkeypatch.setenv("LC_SNEAKY", "sk-test-secret")  # allowed by name, not by value
    with Interpreter(cell_timeout=20) as it:
        out = text(
            it,
            "import os\nenv = dict(os.environ)\n"
            "print(sorted(k for k in ('OPENAI_API_KEY', 'MY_TOKEN', 'CHAT_API_KEY',"
            " 'DATABASE_URL', 'LC_SNEAKY') if k in env))\n"
            "print('sk-test-secret' in repr(env))\n"
            "print(env['MPLBACKEND'], env['OPENBLAS_NUM_THREADS'])",
        )
        assert out == "[]\nFalse\nmodule://matplotlib_inline.backend_inline 1\n"
        assert it.isolation.scrubbed_environment


CONNECT = (
    "import socket\n"
    "try:\n"
    "    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
    "    print('connected')\n"
    "except OSError as e:\n"
    "    print('failed', type(e).__name__)"
)


@pytest.fixture
def tcp_server() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.listen(8)
        yield server.getsockname()[1]


def test_network_is_blocked(interpreter: Interpreter, tcp_server: int) -> None:
    isolation = interpreter.isolation
    if os.geteuid() == 0:
        assert isolation.network_blocked, "as root a network namespace must be possible"
    out = text(interpreter, CONNECT.format(port=tcp_server))
    if isolation.network_blocked:
        assert out.startswith("failed")
        assert any(line.startswith("Network: blocked") for line in isolation.describe())
    else:
        assert any(line.startswith("Network: OPEN") for line in isolation.describe())


def test_network_open_when_not_blocked_and_describe_says_so(tcp_server: int) -> None:
    with Interpreter(cell_timeout=20, block_network=False) as it:
        assert not it.isolation.network_blocked
        assert not it.isolation.complete
        assert any(line.startswith("Network: OPEN") for line in it.isolation.describe())
        assert text(it, CONNECT.format(port=tcp_server)) == "connected\n"


def test_isolation_describe_and_complete() -> None:
    full = Isolation(
        network_blocked=True,
        memory_limit=4 * 2**30,
        cpu_seconds=300,
        max_processes=256,
        max_file_bytes=200 * 2**20,
        scrubbed_environment=True,
        workdir="/tmp/w",
        filesystem_sandbox=True,
        pid_namespace=True,
        unprivileged_user=True,
        user="uid 2046820353 (a user of its own)",
        disk_limit=2**30,
    )
    assert full.complete
    lines = full.describe()
    assert all(isinstance(line, str) and line.endswith(".") for line in lines)
    joined = "\n".join(lines)
    assert "4 GiB" in joined and "300 s" in joined and "200 MiB" in joined and "/tmp/w" in joined
    assert "Filesystem: sandboxed" in joined and "Processes: isolated" in joined
    assert "runs as uid 2046820353 (a user of its own), not as root" in joined
    assert "1 GiB in all" in joined and "No space left on device" in joined
    assert "NOT" not in joined and "OPEN" not in joined
    for missing, said in (
        ({"process_limit_enforced": False, "unprivileged_user": False}, "NOT enforced"),
        ({"filesystem_sandbox": False}, "Filesystem: NOT sandboxed"),
        ({"pid_namespace": False}, "Processes: NOT isolated"),
        ({"unprivileged_user": False, "user": ""}, "runs as ROOT"),
        ({"disk_limit": None}, "Disk: NOT limited"),
        ({"network_blocked": False}, "Network: OPEN"),
    ):
        partial = Isolation(**{**full.__dict__, **missing})
        assert not partial.complete, missing
        assert said in "\n".join(partial.describe()), missing
    bare = Isolation(False, None, None, None, None, False, "/tmp/w")
    assert not bare.complete
    flagged = [line for line in bare.describe() if any(w in line for w in ("NOT", "OPEN", "ROOT"))]
    assert len(flagged) == 10
    assert "whatever root can" in "\n".join(bare.describe())


def test_process_limit_enforcement_is_reported_honestly(interpreter: Interpreter) -> None:
    isolation = interpreter.isolation
    assert isolation.process_limit_enforced == isolation.unprivileged_user
    uid = int(text(interpreter, "import os\nprint(os.getuid())"))
    assert isolation.unprivileged_user == (uid != 0)
    if os.geteuid() == 0 and isolation.unprivileged_user:
        assert uid == interpreter.sandbox_uid and f"uid {uid}" in isolation.user
    assert isolation.complete == (
        isolation.network_blocked
        and isolation.filesystem_sandbox
        and isolation.pid_namespace
        and isolation.unprivileged_user
        and isolation.disk_limit is not None
    )


# -- lifecycle --------------------------------------------------------------------------


def test_close_kills_the_process_group_and_removes_the_workdir() -> None:
    it = Interpreter(cell_timeout=20)
    it.start()
    it.start()  # idempotent
    workdir = it.workdir
    child = code_pid(it, "import subprocess\nprint(subprocess.Popen(['sleep', '300']).pid)")
    kernel = code_pid(it, "import os\nprint(os.getpid())")
    it.close()
    it.close()  # safe twice
    assert not it.alive
    assert not workdir.exists()
    for pid in (child, kernel):
        assert not Path(f"/proc/{pid}").exists() or "Z" in _proc_state(pid), pid
    assert "closed" in text(it, "print(1)")


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
    except OSError:
        return "gone"


def test_restart_keeps_the_workdir_and_a_given_workdir_is_left(tmp_path: Path) -> None:
    given = tmp_path / "work"
    with Interpreter(cell_timeout=20, workdir=given) as it:
        text(it, "v = 1\nopen('kept.txt', 'w').write('x')")
        it.restart()
        assert "NameError" in text(it, "v")
        assert text(it, "print(open('kept.txt').read())") == "x\n"
    assert (given / "kept.txt").exists()


def test_warm_interpreter_returns_started_distinct_interpreters() -> None:
    first = warm_interpreter(cell_timeout=20)
    try:
        assert first.alive
        started = time.monotonic()
        second = warm_interpreter(cell_timeout=20)
        try:
            assert second.alive
            assert second.workdir != first.workdir
            assert text(second, "print('warm')") == "warm\n"
            assert text(first, "print('first')") == "first\n"
        finally:
            second.close()
        assert time.monotonic() - started < 30
    finally:
        first.close()
        shutdown_pool()


def test_prewarm_starts_the_next_interpreter_before_it_is_taken() -> None:
    prewarm(cell_timeout=21)
    prewarm(cell_timeout=21)  # already starting: nothing more
    taken = warm_interpreter(cell_timeout=21)
    try:
        assert taken.alive
        assert text(taken, "print('ready')") == "ready\n"
    finally:
        taken.close()
        shutdown_pool()


def test_launcher_applies_limits_and_execs() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(ROOT / "assistant_core" / "sandbox_launch.py"),
            "--as",
            str(2**31),
            "--fsize",
            "4096",
            "--",
            sys.executable,
            "-c",
            "import resource as r; print(r.getrlimit(r.RLIMIT_AS), r.getrlimit(r.RLIMIT_FSIZE))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert out == f"({2**31}, {2**31}) (4096, 4096)\n"


@pytest.mark.skipif(
    shutil.which("ruff", path=str(Path(sys.executable).parent)) is None, reason="no ruff"
)
def test_ruff_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    files = [
        "assistant_core/interpreter.py",
        "assistant_core/sandbox_launch.py",
        "tests/test_interpreter.py",
        "tests/test_sandbox.py",
        "benchmarks/bench_interpreter.py",
    ]
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *args, *files], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
