"""The local code interpreter: a stateful, sandboxed Jupyter kernel per conversation.

An :class:`Interpreter` owns one IPython kernel (``ipykernel``), reached with
``jupyter_client`` over its ``ipc`` transport (Unix sockets in a private directory).
Variables survive between cells; :meth:`Interpreter.run` yields
:class:`~assistant_core.events.CodeOutput` and :class:`~assistant_core.events.ImageOutput`
events as the kernel produces them, and never raises for anything the code does.

The kernel is started as::

    unshare -n -- python -I -S sandbox_launch.py --as .. --cpu .. --nproc .. --fsize .. \\
        -- python -m ipykernel_launcher -f <connection file>

so that it has no network (a network namespace of its own, where the OS allows one),
resource limits from its first instruction, a scrubbed environment (an allow-list, never
secrets), and a working directory of its own as its cwd and ``HOME``. What is actually in
force is reported by :attr:`Interpreter.isolation` (see :meth:`Isolation.describe`).

:func:`warm_interpreter` hands out a started interpreter from a pool of one kept ready,
so that the first cell of a new conversation does not wait for a kernel to start.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import functools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from types import TracebackType
from typing import Any

import zmq

from assistant_core.errors import AssistantCoreError
from assistant_core.events import CodeOutput, ImageOutput

__all__ = [
    "Interpreter",
    "InterpreterError",
    "Isolation",
    "prewarm",
    "shutdown_pool",
    "warm_interpreter",
]

LAUNCHER = Path(__file__).resolve().with_name("sandbox_launch.py")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

_START_TIMEOUT = 60.0  # seconds for a kernel to answer its first kernel_info request
_INTERRUPT_GRACE = 3.0  # seconds a cell may take to stop after SIGINT before a restart
_POLL = 0.2  # seconds between checks that the kernel is still alive while a cell runs
_SUPERSEDE_AFTER = 1.0  # seconds a new cell waits before closing a suspended, abandoned one
_MAX_IMAGES = 50  # images per cell; more are counted in a note, not sent

# Run silently after a cell that failed with MemoryError: the traceback IPython keeps
# (sys.last_*, its formatter, the last execution result) holds the failed cell's frames,
# and with them the memory the cell had taken, so that even imports would fail.
_RELEASE_MEMORY = """
try:
    import sys as _sys, gc as _gc
    for _name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(_sys, _name):
            setattr(_sys, _name, None)
    _ip = get_ipython()
    _ip.InteractiveTB.tb = None
    _ip.last_execution_result = None
    del _sys, _name, _ip
    _gc.collect()
    del _gc
except Exception:
    pass
"""

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")

# Environment: only these variables are copied from the server's environment ...
_ALLOWED_NAMES = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "TMPDIR",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "LD_LIBRARY_PATH",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    }
)
_ALLOWED_PREFIXES = ("LC_",)
# ... and none whose name looks like it holds a secret, even if allowed above.
_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASS", "CREDENTIAL", "AUTH")
_SECRET_PREFIXES = ("OPENAI_", "CHAT_", "AZURE_")
_SECRET_NAMES = frozenset({"DATABASE_URL"})


class InterpreterError(AssistantCoreError, RuntimeError):
    """The interpreter itself failed (a kernel could not be started); never the code's fault."""


@dataclass(frozen=True)
class Isolation:
    """The protections actually in force around an interpreter's kernel."""

    network_blocked: bool
    """A new network namespace (``unshare -n``) is in force: no interfaces are up."""
    memory_limit: int | None
    """``RLIMIT_AS`` in bytes (the kernel's address space), or None for no limit."""
    cpu_seconds: int | None
    """``RLIMIT_CPU`` in seconds of CPU time over the kernel's life, or None."""
    max_processes: int | None
    """``RLIMIT_NPROC`` (processes and threads of the user), or None. Root is exempt."""
    max_file_bytes: int | None
    """``RLIMIT_FSIZE``: the largest file the code may write, in bytes, or None."""
    scrubbed_environment: bool
    """The kernel's environment is an allow-list without secrets."""
    workdir: str
    """The kernel's private working directory (also its ``HOME``)."""
    process_limit_enforced: bool = True
    """False when ``max_processes`` is set but the kernel runs as root, which ignores it."""

    def describe(self) -> list[str]:
        """Plain sentences: what is in force and what is not."""
        lines = []
        if self.network_blocked:
            lines.append(
                "Network: blocked. The code runs in a network namespace of its own with no "
                "interface up, so it cannot reach the internet or services on this machine."
            )
        else:
            lines.append(
                "Network: OPEN. No network namespace could be made here, so the code can "
                "reach the internet and services on this machine."
            )
        if self.memory_limit is not None:
            lines.append(
                f"Memory: the address space is limited to {_format_bytes(self.memory_limit)}; "
                "larger allocations fail with MemoryError."
            )
        else:
            lines.append("Memory: NOT limited.")
        if self.cpu_seconds is not None:
            lines.append(
                f"CPU time: limited to {self.cpu_seconds} s per kernel, counted over all its "
                "cells; when it is used up the kernel is stopped and restarted."
            )
        else:
            lines.append("CPU time: NOT limited (only the per-cell time limit applies).")
        if self.max_processes is None:
            lines.append("Processes: NOT limited.")
        elif self.process_limit_enforced:
            lines.append(
                f"Processes: at most {self.max_processes} processes and threads "
                "for the user the kernel runs as."
            )
        else:
            lines.append(
                f"Processes: a limit of {self.max_processes} is set but NOT enforced, "
                "because the kernel runs as root (root is exempt from RLIMIT_NPROC)."
            )
        if self.max_file_bytes is not None:
            lines.append(
                f"Files: each file the code writes is limited to "
                f"{_format_bytes(self.max_file_bytes)}."
            )
        else:
            lines.append("Files: the size of files the code writes is NOT limited.")
        if self.scrubbed_environment:
            lines.append(
                "Environment: scrubbed. The kernel starts from a short allow-list of "
                "variables; API keys, tokens, passwords and other secrets are not passed."
            )
        else:
            lines.append("Environment: NOT scrubbed; the kernel sees the server's variables.")
        lines.append(
            f"Working directory: {self.workdir} (private to this conversation; "
            "also the kernel's HOME)."
        )
        who = "root" if not self.process_limit_enforced else "the server's user"
        lines.append(
            f"Not in force: a filesystem sandbox. The code runs as {who} and can read "
            "and write whatever that user can, outside its working directory too."
        )
        return lines

    @property
    def complete(self) -> bool:
        """Every protection is in force (network, all four limits, scrubbed environment)."""
        return (
            self.network_blocked
            and self.scrubbed_environment
            and self.memory_limit is not None
            and self.cpu_seconds is not None
            and self.max_processes is not None
            and self.process_limit_enforced
            and self.max_file_bytes is not None
        )


def _format_bytes(value: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            amount = value / size
            return f"{amount:.0f} {unit}" if amount == int(amount) else f"{amount:.1f} {unit}"
    return f"{value} bytes"


@functools.lru_cache(maxsize=1)
def _network_prefix() -> tuple[str, ...]:
    """The command prefix that gives a new network namespace here, or () if none works."""
    unshare = shutil.which("unshare")
    true = shutil.which("true")
    if not unshare or not true:
        return ()
    for flags in ("-n", "-rn"):
        try:
            result = subprocess.run(
                [unshare, flags, "--", true], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if result.returncode == 0:
            return (unshare, flags, "--")
    return ()


def _is_secret_name(name: str) -> bool:
    upper = name.upper()
    return (
        any(word in upper for word in _SECRET_WORDS)
        or upper.startswith(_SECRET_PREFIXES)
        or upper in _SECRET_NAMES
    )


def _kernel_environment(
    source: Mapping[str, str], *, workdir: Path, state_dir: Path
) -> dict[str, str]:
    """The kernel's environment: an allow-list from ``source``, then our own settings."""
    secret_values = [v for k, v in source.items() if _is_secret_name(k) and len(v) >= 8]
    env = {
        name: value
        for name, value in source.items()
        if (name in _ALLOWED_NAMES or name.startswith(_ALLOWED_PREFIXES))
        and not _is_secret_name(name)
        and not any(secret in value for secret in secret_values)
    }
    bin_dir = os.path.dirname(sys.executable)
    path = env.get("PATH") or os.defpath
    if bin_dir not in path.split(os.pathsep):
        path = bin_dir + os.pathsep + path
    env.update(
        {
            "PATH": path,
            "HOME": str(workdir),
            "MPLBACKEND": INLINE_BACKEND,
            "MPLCONFIGDIR": str(state_dir / "matplotlib"),
            "IPYTHONDIR": str(state_dir / "ipython"),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # ipykernel exits by itself if this process dies (its parent changes).
            "JPY_PARENT_PID": str(os.getpid()),
        }
    )
    return env


def _short_temp_dir(prefix: str) -> Path:
    """A private temporary directory with a short path (Unix socket paths are ~100 chars)."""
    base = tempfile.gettempdir()
    if len(base) > 60 and os.path.isdir("/tmp"):
        base = "/tmp"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _wait_for_idle(kernel: _Kernel, msg_id: str, grace: float) -> bool:
    """Drain the kernel's output until the cell ``msg_id`` is idle; False after ``grace`` s."""
    deadline = time.monotonic() + grace
    while (remaining := deadline - time.monotonic()) > 0 and kernel.alive:
        try:
            msg = kernel.client.iopub_channel.get_msg(timeout=min(_POLL, remaining))
        except Empty:
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id and _is_idle(msg):
            return True
    return False


def _is_idle(msg: dict[str, Any]) -> bool:
    return msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"


def _discard_pending(channel: Any, wait: float = 0.0) -> None:
    """Drop the messages waiting on a channel (``get_msgs()`` would block: no timeout)."""
    while True:
        try:
            channel.get_msg(timeout=wait)
        except Empty:
            return


def _describe_exit(returncode: int | None, cpu_seconds: int | None) -> str:
    if returncode is None:
        return "stopped responding"
    if returncode >= 0:
        return f"exited with status {returncode}"
    signum = -returncode
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    if signum == signal.SIGXCPU:
        limit = f" of {cpu_seconds} s" if cpu_seconds is not None else ""
        return f"used up its CPU time limit{limit} ({name})"
    if signum == signal.SIGKILL:
        return f"was killed ({name}; possibly out of memory)"
    return f"was killed by {name}"


class _Kernel:
    """One kernel process and its client; a restart makes a new one."""

    def __init__(
        self, *, command_prefix: list[str], env: dict[str, str], cwd: Path, state_dir: Path
    ) -> None:
        from jupyter_client.blocking.client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        name = f"k{secrets.token_hex(3)}"
        self.connection_file = state_dir / f"{name}.json"
        self.log_path = state_dir / f"{name}.log"
        _, info = write_connection_file(
            str(self.connection_file),
            ip=str(state_dir / name),
            key=secrets.token_hex(32).encode("ascii"),
            transport="ipc",
            kernel_name="python3",
        )
        self._socket_files = [
            state_dir / f"{name}-{info[port]}"  # type: ignore[literal-required]
            for port in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
        ]
        command = [
            *command_prefix,
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            str(self.connection_file),
            "--HistoryManager.enabled=False",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        self.client = BlockingKernelClient()
        # Messages still queued for a dead kernel must not hold up closing (or the exit of
        # the whole process, which waits for the sockets' context): linger 0 drops them.
        self.client.context.setsockopt(zmq.LINGER, 0)
        try:
            self.client.load_connection_info(info)
            self.client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
        except BaseException:
            self.kill()
            raise

    @property
    def alive(self) -> bool:
        return self.exit_status() is None

    def exit_status(self) -> int | None:
        """None while running, else like ``Popen.returncode`` (``-signal`` if killed).

        The process is not reaped here (``WNOWAIT``): while it is a zombie its pid, which
        is also its process group's id, cannot be reused, so :meth:`kill` can still
        signal the group without any risk of hitting an unrelated one.
        """
        if self.process.returncode is not None:
            return self.process.returncode
        try:
            info = os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped elsewhere
            return self.process.poll()
        if info is None or info.si_pid == 0:
            return None
        if info.si_code == os.CLD_EXITED:
            return info.si_status
        return -info.si_status

    def log_tail(self, limit: int = 2000) -> str:
        try:
            text = self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""
        return _strip_ansi(text).strip()

    def wait_ready(self, timeout: float) -> None:
        """Wait until the kernel answers on the shell channel and publishes on IOPub."""
        deadline = time.monotonic() + timeout
        shell, iopub = self.client.shell_channel, self.client.iopub_channel
        while True:
            if not self.alive:
                tail = self.log_tail()
                raise InterpreterError(
                    f"the kernel exited while starting (status {self.exit_status()})"
                    + (f":\n{tail}" if tail else "")
                )
            if time.monotonic() > deadline:
                raise InterpreterError(f"the kernel did not answer within {timeout:g} s")
            self.client.kernel_info()
            try:
                reply = shell.get_msg(timeout=0.5)
            except Empty:
                continue
            if reply["msg_type"] != "kernel_info_reply":
                continue
            try:  # IOPub is subscribed once a status message for our request arrives
                iopub.get_msg(timeout=0.2)
            except Empty:
                continue
            break
        _discard_pending(iopub, wait=0.05)  # what the start-up requests left behind
        _discard_pending(shell)

    def interrupt(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGINT)
        except OSError:
            with contextlib.suppress(OSError):
                self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        """Kill the kernel's whole process group, close the client, remove its files."""
        # The group outlives its leader while children of the code run: sweep it too. The
        # leader is not reaped before this (see exit_status), so the group id is still ours.
        if self.process.returncode is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(Exception):
            self.client.stop_channels()
        for path in (self.connection_file, *self._socket_files):
            with contextlib.suppress(OSError):
                path.unlink()


class _Resources:
    """What an interpreter must release: kept apart from it so a finalizer can hold it."""

    def __init__(self, workdir: Path, owns_workdir: bool, state_dir: Path) -> None:
        self.workdir = workdir
        self.owns_workdir = owns_workdir
        self.state_dir = state_dir
        self.kernel: _Kernel | None = None

    def release(self) -> None:
        kernel, self.kernel = self.kernel, None
        if kernel is not None:
            kernel.kill()
        shutil.rmtree(self.state_dir, ignore_errors=True)
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class _CellOutput:
    """Turns a cell's IOPub messages into events, within the output cap."""

    def __init__(self, max_chars: int) -> None:
        self.remaining = max_chars
        self.dropped_chars = 0
        self.images = 0
        self.dropped_images = 0
        self.memory_error = False

    def text(self, text: str) -> Iterator[CodeOutput]:
        if not text:
            return
        if self.remaining <= 0:
            self.dropped_chars += len(text)
        elif len(text) > self.remaining:
            yield CodeOutput(logs=text[: self.remaining])
            self.dropped_chars += len(text) - self.remaining
            self.remaining = 0
        else:
            self.remaining -= len(text)
            yield CodeOutput(logs=text)

    def message(self, msg: dict[str, Any]) -> Iterator[CodeOutput | ImageOutput]:
        kind = msg["msg_type"]
        content = msg.get("content") or {}
        if kind == "stream":
            yield from self.text(_strip_ansi(str(content.get("text", ""))))
        elif kind in ("execute_result", "display_data", "update_display_data"):
            data = content.get("data") or {}
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    yield from self.image(data[mime], mime)
                    return
            text = data.get("text/plain")
            if text:
                yield from self.text(_strip_ansi(str(text)) + "\n")
            elif data:
                kinds = ", ".join(sorted(data))
                yield from self.text(f"[output of type {kinds} not shown]\n")
        elif kind == "error":
            self.memory_error = self.memory_error or content.get("ename") == "MemoryError"
            lines = content.get("traceback") or [
                f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
            ]
            yield from self.text(_strip_ansi("\n".join(map(str, lines))) + "\n")

    def image(self, encoded: Any, mime: str) -> Iterator[CodeOutput | ImageOutput]:
        if self.images >= _MAX_IMAGES:
            self.dropped_images += 1
            return
        try:
            data = base64.b64decode(str(encoded))
        except (binascii.Error, ValueError):
            yield from self.text(f"[an image ({mime}) could not be decoded]\n")
            return
        self.images += 1
        yield ImageOutput(data=data, mime=mime)

    def notes(self) -> Iterator[CodeOutput]:
        if self.dropped_chars:
            yield CodeOutput(logs=f"\n[output truncated: {self.dropped_chars} more characters]\n")
        if self.dropped_images:
            yield CodeOutput(
                logs=f"[{self.dropped_images} more images not shown "
                f"(at most {_MAX_IMAGES} per cell)]\n"
            )


class Interpreter:
    """A stateful, sandboxed Python kernel with a working directory of its own.

    ``workdir`` exists from construction on (files may be put there before :meth:`start`);
    a temporary one is made when none is given, and removed by :meth:`close`.
    """

    def __init__(
        self,
        *,
        cell_timeout: float = 60.0,
        memory_limit: int | None = 4 * 2**30,
        cpu_seconds: int | None = 300,
        max_processes: int | None = 256,
        max_file_bytes: int | None = 200 * 2**20,
        max_output_chars: int = 100_000,
        block_network: bool = True,
        workdir: str | Path | None = None,
    ) -> None:
        if cell_timeout <= 0:
            raise ValueError("cell_timeout must be positive")
        if max_output_chars < 0:
            raise ValueError("max_output_chars must not be negative")
        for name, value in (
            ("memory_limit", memory_limit),
            ("cpu_seconds", cpu_seconds),
            ("max_processes", max_processes),
            ("max_file_bytes", max_file_bytes),
        ):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None")
        self.cell_timeout = float(cell_timeout)
        self.memory_limit = memory_limit
        self.cpu_seconds = cpu_seconds
        self.max_processes = max_processes
        self.max_file_bytes = max_file_bytes
        self.max_output_chars = max_output_chars
        self.block_network = block_network
        if workdir is None:
            self.workdir = _short_temp_dir("assistant-work-")
            owns_workdir = True
        else:
            self.workdir = Path(workdir).resolve()
            self.workdir.mkdir(parents=True, exist_ok=True)
            owns_workdir = False
        state_dir = _short_temp_dir("aci-")
        self._resources = _Resources(self.workdir, owns_workdir, state_dir)
        self._finalizer = weakref.finalize(self, _Resources.release, self._resources)
        self._lock = threading.RLock()  # guards the kernel (start, restart, close)
        self._run_lock = threading.Lock()  # one cell at a time
        self._active: weakref.ref[Generator[Any, None, None]] | None = None  # holds the lock
        self._closed = False
        self._isolation: Isolation | None = None

    # -- lifecycle -------------------------------------------------------------------

    @property
    def isolation(self) -> Isolation:
        """The protections in force (as started; before :meth:`start`, as planned)."""
        if self._isolation is None:
            return self._plan_isolation()
        return self._isolation

    @property
    def alive(self) -> bool:
        """A kernel is running (started, not closed, not dead)."""
        kernel = self._resources.kernel
        return not self._closed and kernel is not None and kernel.alive

    def start(self) -> None:
        """Start the kernel and wait until it is ready; does nothing if it is running.

        Raises :class:`InterpreterError` if the kernel cannot be started.
        """
        with self._lock:
            if self._closed:
                raise InterpreterError("the interpreter is closed")
            kernel = self._resources.kernel
            if kernel is not None and kernel.alive:
                return
            self._launch()

    def restart(self) -> None:
        """A fresh kernel (variables are lost), same working directory."""
        with self._lock:
            if self._closed:
                raise InterpreterError("the interpreter is closed")
            self._launch()

    def close(self) -> None:
        """Kill the kernel (its whole process group) and remove the temporary directories.

        Safe to call more than once, and from ``atexit``.
        """
        self._closed = True
        acquired = self._lock.acquire(timeout=5)
        try:
            self._finalizer()
        finally:
            if acquired:
                self._lock.release()

    def __enter__(self) -> Interpreter:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _plan_isolation(self) -> Isolation:
        prefix = _network_prefix() if self.block_network else ()
        return Isolation(
            network_blocked=bool(prefix),
            memory_limit=self.memory_limit,
            cpu_seconds=self.cpu_seconds,
            max_processes=self.max_processes,
            max_file_bytes=self.max_file_bytes,
            scrubbed_environment=True,
            workdir=str(self.workdir),
            process_limit_enforced=self.max_processes is not None and os.geteuid() != 0,
        )

    def _command_prefix(self, isolation: Isolation) -> list[str]:
        prefix = list(_network_prefix()) if isolation.network_blocked else []
        limits = []
        for flag, value in (
            ("--as", self.memory_limit),
            ("--cpu", self.cpu_seconds),
            ("--nproc", self.max_processes),
            ("--fsize", self.max_file_bytes),
        ):
            if value is not None:
                limits += [flag, str(value)]
        return [*prefix, sys.executable, "-I", "-S", str(LAUNCHER), *limits, "--"]

    def _launch(self) -> None:
        """Kill the current kernel if any, start a new one and wait for it (lock held)."""
        resources = self._resources
        old, resources.kernel = resources.kernel, None
        if old is not None:
            old.kill()
        isolation = self._plan_isolation()
        env = _kernel_environment(os.environ, workdir=self.workdir, state_dir=resources.state_dir)
        try:
            kernel = _Kernel(
                command_prefix=self._command_prefix(isolation),
                env=env,
                cwd=self.workdir,
                state_dir=resources.state_dir,
            )
        except OSError as exc:
            raise InterpreterError(f"the kernel could not be started: {exc}") from exc
        resources.kernel = kernel
        try:
            kernel.wait_ready(_START_TIMEOUT)
        except BaseException:
            resources.kernel = None
            kernel.kill()
            raise
        self._isolation = isolation

    def _restart_note(self, what: str, failed: _Kernel | None) -> CodeOutput:
        """Restart after ``failed`` failed; the note says what happened and what was lost."""
        try:
            with self._lock:
                if self._closed:
                    return CodeOutput(logs="\n[The interpreter was closed.]\n")
                current = self._resources.kernel
                if failed is not None and current is not None and current is not failed:
                    return CodeOutput(
                        logs="\n[The interpreter was restarted while this cell ran, "
                        "so variables are lost.]\n"
                    )
                self._launch()
        except InterpreterError as exc:
            return CodeOutput(logs=f"\n[{what}; the interpreter could not be restarted: {exc}]\n")
        return CodeOutput(
            logs=f"\n[{what}; the interpreter was restarted, so variables are lost.]\n"
        )

    # -- running code -----------------------------------------------------------------

    def run(self, code: str) -> Iterator[CodeOutput | ImageOutput]:
        """Run a cell; yield its outputs as they happen. Never raises for what the code does.

        Stdout, stderr, the last expression's value and tracebacks come as
        :class:`CodeOutput`; images (matplotlib figures) as :class:`ImageOutput` with PNG
        bytes. Text beyond ``max_output_chars`` is cut with a note. A cell that runs past
        ``cell_timeout`` is interrupted (or, if it does not stop, its kernel restarted);
        a kernel that dies is restarted; either way a note says so.

        One cell runs at a time: a second ``run`` waits for the first to finish; a cell
        whose generator was left suspended (nobody iterates it) is stopped when another
        cell has waited :data:`_SUPERSEDE_AFTER` seconds for it.
        """
        holder: list[weakref.ref[Generator[Any, None, None]]] = []
        cell = self._cell(code, holder)
        holder.append(weakref.ref(cell))
        return cell

    def _cell(
        self, code: str, holder: list[weakref.ref[Generator[Any, None, None]]]
    ) -> Generator[CodeOutput | ImageOutput, None, None]:
        self._take_turn()
        self._active = holder[0]
        try:
            yield from self._run(code)
        finally:
            self._active = None
            self._run_lock.release()

    def _take_turn(self) -> None:
        """Acquire the run lock; close a suspended, abandoned cell that holds it."""
        waited_since = time.monotonic()
        while not self._run_lock.acquire(timeout=_POLL):
            if time.monotonic() - waited_since < _SUPERSEDE_AFTER:
                continue
            active = self._active
            previous = active() if active is not None else None
            if previous is not None and not previous.gi_running:
                with contextlib.suppress(ValueError, RuntimeError):
                    previous.close()  # its finally stops the cell and releases the lock

    def _run(self, code: str) -> Iterator[CodeOutput | ImageOutput]:
        if self._closed:
            yield CodeOutput(logs="[The interpreter is closed; the code was not run.]\n")
            return
        kernel = self._resources.kernel
        if kernel is not None and not kernel.alive:
            reason = _describe_exit(kernel.exit_status(), self.cpu_seconds)
            yield self._restart_note(f"The interpreter {reason} after the last cell", kernel)
        elif kernel is None:
            try:
                self.start()
            except InterpreterError as exc:
                yield CodeOutput(logs=f"[The interpreter could not be started: {exc}]\n")
                return
        kernel = self._resources.kernel
        if kernel is None:
            return
        output = _CellOutput(self.max_output_chars)
        msg_id: str | None = None
        finished = False
        try:
            try:
                _discard_pending(kernel.client.shell_channel)  # replies nobody waited for
                msg_id = kernel.client.execute(
                    code, store_history=True, allow_stdin=False, stop_on_error=False
                )
                deadline = time.monotonic() + self.cell_timeout
                outcome = "timeout"
                iopub = kernel.client.iopub_channel
                while (remaining := deadline - time.monotonic()) > 0:
                    try:
                        msg = iopub.get_msg(timeout=min(_POLL, remaining))
                    except Empty:
                        if not kernel.alive:
                            outcome = "died"
                            break
                        continue
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    if _is_idle(msg):
                        outcome = "done"
                        break
                    yield from output.message(msg)
            except Exception as exc:  # noqa: BLE001 - e.g. sockets closed by close() elsewhere
                finished = True
                yield from output.notes()
                if self._closed:
                    yield CodeOutput(logs="\n[The interpreter was closed while the cell ran.]\n")
                else:
                    yield self._restart_note(
                        f"The connection to the interpreter failed ({exc})", kernel
                    )
                return
            if outcome == "done":
                finished = True
                yield from output.notes()
                if output.memory_error:
                    self._release_memory(kernel)
                    if self.memory_limit is not None:
                        yield CodeOutput(
                            logs=f"[The interpreter's memory is limited to "
                            f"{_format_bytes(self.memory_limit)}.]\n"
                        )
            elif outcome == "died":
                finished = True
                yield from self._drain(kernel, msg_id, output)
                yield from output.notes()
                reason = _describe_exit(kernel.exit_status(), self.cpu_seconds)
                yield self._restart_note(
                    f"The interpreter {reason} while running this cell", kernel
                )
            else:
                yield from self._stop_cell(kernel, msg_id, output)
                finished = True
        finally:
            if not finished and msg_id is not None:
                # The consumer stopped iterating: do not leave the cell running.
                self._abandon(kernel, msg_id)

    def _stop_cell(
        self, kernel: _Kernel, msg_id: str, output: _CellOutput
    ) -> Iterator[CodeOutput | ImageOutput]:
        """The cell ran past its time limit: interrupt it, or restart the kernel."""
        limit = f"{self.cell_timeout:g} s"
        kernel.interrupt()
        stopped = False
        deadline = time.monotonic() + _INTERRUPT_GRACE
        iopub = kernel.client.iopub_channel
        with contextlib.suppress(Exception):
            while (remaining := deadline - time.monotonic()) > 0 and kernel.alive:
                try:
                    msg = iopub.get_msg(timeout=min(_POLL, remaining))
                except Empty:
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if _is_idle(msg):
                    stopped = True
                    break
                if kind == "error" and msg["content"].get("ename") == "KeyboardInterrupt":
                    continue  # our own interrupt; the note below says it
                yield from output.message(msg)
        yield from output.notes()
        if stopped:
            yield CodeOutput(
                logs=f"\n[Execution stopped after {limit} (time limit): "
                "interrupted; variables kept.]\n"
            )
        else:
            yield self._restart_note(f"Execution stopped after {limit} (time limit)", kernel)

    def _drain(
        self, kernel: _Kernel, msg_id: str, output: _CellOutput
    ) -> Iterator[CodeOutput | ImageOutput]:
        """Outputs of a dead kernel that had already arrived."""
        with contextlib.suppress(Exception):
            while True:
                try:
                    msg = kernel.client.iopub_channel.get_msg(timeout=0.05)
                except Empty:
                    return
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    yield from output.message(msg)

    def _release_memory(self, kernel: _Kernel) -> None:
        """After a MemoryError: drop IPython's references to the failed cell's frames."""
        with contextlib.suppress(Exception):
            msg_id = kernel.client.execute(
                _RELEASE_MEMORY, silent=True, store_history=False, allow_stdin=False
            )
            if _wait_for_idle(kernel, msg_id, _INTERRUPT_GRACE):
                return

    def _abandon(self, kernel: _Kernel, msg_id: str) -> None:
        """Stop a cell whose outputs nobody reads any more (interrupt, else restart)."""
        if self._closed or not kernel.alive:
            return
        kernel.interrupt()
        with contextlib.suppress(Exception):
            if _wait_for_idle(kernel, msg_id, _INTERRUPT_GRACE):
                return
        with contextlib.suppress(InterpreterError), self._lock:
            if not self._closed and self._resources.kernel is kernel:
                self._launch()


# -- the warm pool -------------------------------------------------------------------


class _Pending:
    """An interpreter being started in the background, for the next conversation."""

    def __init__(self, key: tuple[tuple[str, Any], ...], options: dict[str, Any]) -> None:
        self.key = key
        self.options = options
        self.done = threading.Event()
        self.interpreter: Interpreter | None = None
        self._lock = threading.Lock()
        self._discarded = False
        threading.Thread(target=self._start, name="interpreter-warm-up", daemon=True).start()

    def _start(self) -> None:
        interpreter = None
        try:
            interpreter = Interpreter(**self.options)
            interpreter.start()
        except Exception:  # noqa: BLE001 - the taker falls back to a cold start and sees it
            if interpreter is not None:
                interpreter.close()
            interpreter = None
        with self._lock:
            if self._discarded and interpreter is not None:
                interpreter.close()
            else:
                self.interpreter = interpreter
        self.done.set()

    def take(self) -> Interpreter | None:
        """Wait for the start; the interpreter if it is running, else None."""
        self.done.wait()
        interpreter = self.interpreter
        if interpreter is not None and not interpreter.alive:
            interpreter.close()
            return None
        return interpreter

    def discard(self, wait: float | None = None) -> None:
        with self._lock:
            self._discarded = True
            interpreter, self.interpreter = self.interpreter, None
        if interpreter is not None:
            interpreter.close()
        if wait is not None and self.done.wait(wait):
            with self._lock:
                interpreter, self.interpreter = self.interpreter, None
            if interpreter is not None:
                interpreter.close()


_pool_lock = threading.Lock()
_pending: _Pending | None = None
_exiting = False


def _pool_key(options: dict[str, Any]) -> tuple[tuple[str, Any], ...] | None:
    if options.get("workdir") is not None:
        return None  # a workdir of the caller's cannot be shared with a spare interpreter
    return tuple(sorted(options.items()))


def warm_interpreter(**options: Any) -> Interpreter:
    """A started :class:`Interpreter`, taken from a pool of one kept ready.

    ``options`` are those of :class:`Interpreter`. The ready one is used if it was started
    with the same options (else one is started now); then the next one is started in a
    background thread, so the first cell of the next conversation does not wait for a
    kernel. Raises :class:`InterpreterError` if no kernel can be started.
    """
    global _pending
    key = _pool_key(options)
    if key is None:
        interpreter = Interpreter(**options)
        interpreter.start()
        return interpreter
    with _pool_lock:
        pending, _pending = _pending, None
    interpreter = None
    if pending is not None:
        if pending.key == key:
            interpreter = pending.take()
        else:
            pending.discard()
    if interpreter is None:
        interpreter = Interpreter(**options)
        try:
            interpreter.start()
        except BaseException:
            interpreter.close()
            raise
    with _pool_lock:
        if not _exiting and _pending is None:
            _pending = _Pending(key, dict(options))
    return interpreter


def prewarm(**options: Any) -> None:
    """Start an interpreter in the background for the next ``warm_interpreter(**options)``.

    Cheap when one is already ready or starting: call it as soon as a conversation is
    likely (results on the page, the ``ask`` command starting), before it is needed.
    """
    global _pending
    key = _pool_key(options)
    if key is None:
        return
    with _pool_lock:
        if _exiting or (_pending is not None and _pending.key == key):
            return
        stale, _pending = _pending, _Pending(key, dict(options))
    if stale is not None:
        stale.discard()


def shutdown_pool() -> None:
    """Close the interpreter kept ready (waiting briefly for one still starting)."""
    global _pending
    with _pool_lock:
        pending, _pending = _pending, None
    if pending is not None:
        pending.discard(wait=10.0)


def _at_exit() -> None:
    global _exiting
    _exiting = True
    shutdown_pool()


atexit.register(_at_exit)
