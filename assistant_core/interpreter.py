"""The local code interpreter: a stateful, sandboxed Jupyter kernel per conversation.

An :class:`Interpreter` owns one IPython kernel (``ipykernel``), reached with
``jupyter_client`` over its ``ipc`` transport (Unix sockets in a private directory).
Variables survive between cells; :meth:`Interpreter.run` yields
:class:`~assistant_core.events.CodeOutput` and :class:`~assistant_core.events.ImageOutput`
events as the kernel produces them, and never raises for anything the code does.

The code is written by a model, which can be wrong or talked into anything by text in a
user's data, so the kernel is started as::

    python -I -S sandbox_launch.py --as .. --cpu .. --nproc .. --fsize .. --sandbox {..} \\
        -- python -m ipykernel_launcher -f <connection file>

and, where the OS allows it (see :mod:`assistant_core.sandbox_launch`), runs in network,
mount and pid namespaces of its own (with a user namespace when the dashboard is not
root): no network; the system read-only, the server's home, data directory (the
database), the project's ``.streamlit/``, ``/tmp`` and ``/run`` hidden; only its own
processes visible, all of which die with the kernel and with the dashboard. As root it
runs as a uid of its own (so that ``RLIMIT_NPROC`` holds and root's files are shut) and
everything it may write is a size-limited tmpfs (:class:`_Workspace`), so that filling it
stops at the limit and never fills the server's disk. Always: resource limits from its
first instruction, a scrubbed environment (an allow-list, never secrets), a working
directory of its own as its cwd and ``HOME``. What is actually in force is reported by
:attr:`Interpreter.isolation` (see :meth:`Isolation.describe`).

:func:`warm_interpreter` hands out a started interpreter from a pool of one kept ready,
so that the first cell of a new conversation does not wait for a kernel to start.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import functools
import json
import os
import re
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from types import TracebackType
from typing import Any

import zmq

from assistant_core import sandbox_launch as _launch
from assistant_core.errors import AssistantCoreError
from assistant_core.events import CodeOutput, ImageOutput
from assistant_core.paths import PROJECT_DIR, data_dir

__all__ = [
    "Interpreter",
    "InterpreterError",
    "Isolation",
    "prewarm",
    "sandbox_in_force",
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
# Sandbox uids (when the dashboard runs as root): one per interpreter, drawn from here.
_UID_BASE = 0x7A000000
_UID_SPAN = 2**24
_DEFAULT_TMP_SIZE = 256 * 2**20  # the sandbox's /tmp when no disk limit is asked for

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
    """A new network namespace is in force: no interfaces are up."""
    memory_limit: int | None
    """``RLIMIT_AS`` in bytes (each process's address space), or None for no limit."""
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
    filesystem_sandbox: bool = False
    """A mount namespace of its own: the system read-only, the project read-only without
    its ``.streamlit/``, the server's home, data directory, ``/tmp`` and ``/run`` hidden."""
    pid_namespace: bool = False
    """A pid namespace of its own: the code sees only its own processes, which all end
    with the kernel and with the dashboard."""
    unprivileged_user: bool = False
    """The kernel does not run as root (so ``RLIMIT_NPROC`` holds, root's files are shut)."""
    user: str = ""
    """Who the kernel runs as, e.g. ``uid 2046820353``."""
    disk_limit: int | None = None
    """Bytes the code may write in all (working directory, ``/tmp``, ``/dev/shm``), kept in
    memory so that the server's disk is not written; None when not limited."""

    def describe(self) -> list[str]:
        """Plain sentences: what is in force and what is not."""
        who = self.user or ("an unprivileged user" if self.unprivileged_user else "root")
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
        if self.filesystem_sandbox:
            lines.append(
                "Filesystem: sandboxed. The code sees the system read-only; the server's "
                "home and data directories (the database), the project's secrets, /tmp and "
                "/run are hidden. It writes only to its working directory and a private /tmp."
            )
        else:
            lines.append(
                f"Filesystem: NOT sandboxed. The code can read and write whatever {who} can, "
                "outside its working directory too."
            )
        if self.pid_namespace:
            lines.append(
                "Processes: isolated. The code sees only its own processes, cannot signal "
                "the dashboard, and all of them end with the kernel or the dashboard."
            )
        else:
            lines.append(
                f"Processes: NOT isolated. The code can see the server's processes and "
                f"signal those of {who}."
            )
        if self.unprivileged_user:
            lines.append(f"User: the kernel runs as {who}, not as root.")
        else:
            lines.append("User: the kernel runs as ROOT.")
        if self.max_processes is None:
            lines.append("Process count: NOT limited.")
        elif self.process_limit_enforced:
            lines.append(
                f"Process count: at most {self.max_processes} processes and threads "
                "for the user the kernel runs as."
            )
        else:
            lines.append(
                f"Process count: a limit of {self.max_processes} is set but NOT enforced, "
                "because the kernel runs as root (root is exempt from RLIMIT_NPROC)."
            )
        if self.memory_limit is not None:
            lines.append(
                f"Memory: each process's address space is limited to "
                f"{_format_bytes(self.memory_limit)}; larger allocations fail with MemoryError."
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
        if self.max_file_bytes is not None:
            lines.append(
                f"Files: each file the code writes is limited to "
                f"{_format_bytes(self.max_file_bytes)}."
            )
        else:
            lines.append("Files: the size of files the code writes is NOT limited.")
        if self.disk_limit is not None:
            lines.append(
                f"Disk: the code can write {_format_bytes(self.disk_limit)} in all, held in "
                'memory; beyond that writing fails with "No space left on device", and the '
                "server's disk is not written."
            )
        else:
            lines.append(
                "Disk: NOT limited. The working directory is on the server's disk, which the "
                "code can fill."
            )
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
        return lines

    @property
    def complete(self) -> bool:
        """Every protection is in force: network, filesystem, processes, an unprivileged
        user, all limits (memory, CPU, processes, file size, disk), scrubbed environment."""
        return (
            self.network_blocked
            and self.scrubbed_environment
            and self.filesystem_sandbox
            and self.pid_namespace
            and self.unprivileged_user
            and self.memory_limit is not None
            and self.cpu_seconds is not None
            and self.max_processes is not None
            and self.process_limit_enforced
            and self.max_file_bytes is not None
            and self.disk_limit is not None
        )


def _format_bytes(value: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            amount = value / size
            return f"{amount:.0f} {unit}" if amount == int(amount) else f"{amount:.1f} {unit}"
    return f"{value} bytes"


@functools.lru_cache(maxsize=1)
def _capabilities() -> dict[str, bool]:
    """What this machine allows (:func:`sandbox_launch.probe`), asked once, in a subprocess.

    ``full``: network, mount and pid namespaces and the mounts of the filesystem sandbox;
    ``net``: a network namespace alone; ``setuid``: switching to a sandbox uid (root only).
    """
    command = [sys.executable, "-I", "-S", str(LAUNCHER), "--probe"]
    if os.geteuid() == 0:
        command += ["--probe-uid", str(_UID_BASE)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        found = json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        found = {}
    return {key: found.get(key) is True for key in ("full", "net", "setuid")}


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _depth(path: str) -> int:
    return len([part for part in path.split("/") if part])


def _home_directories(environ: Mapping[str, str]) -> list[str]:
    homes = [environ.get("HOME", "")]
    with contextlib.suppress(KeyError, ImportError):
        import pwd

        homes.append(pwd.getpwuid(os.geteuid()).pw_dir)
    return [home for home in homes if home and home != "/"]


def _sqlite_files(environ: Mapping[str, str]) -> list[str]:
    """The SQLite file named by ``DATABASE_URL`` (and its journals), if it names one."""
    match = re.match(r"^sqlite(?:\+\w+)?:///([^?]+)", environ.get("DATABASE_URL", ""))
    if not match:
        return []
    path = os.path.realpath(match.group(1))
    return [
        p for p in (path, *(path + s for s in ("-wal", "-shm", "-journal"))) if os.path.isfile(p)
    ]


def _python_paths() -> list[str]:
    """What the kernel's Python needs to read: its prefixes, executable and site dirs."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths = set(prefixes)
    paths.add(os.path.dirname(os.path.abspath(sys.executable)))
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    for entry in sys.path:
        if entry and (
            "site-packages" in entry
            or "dist-packages" in entry
            or any(_within(entry, prefix) for prefix in prefixes)
        ):
            paths.add(entry)
    paths.update(p for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p)
    return sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)})


@functools.lru_cache(maxsize=1)
def _python_open_to_all() -> bool:
    """Every user can run this Python: its installation is world-readable, and every
    directory above it can be passed (not so for a pyenv in root's mode-0700 home)."""
    paths = [os.path.realpath(sys.executable), *_python_paths()]
    try:
        for path in paths:
            mode = os.stat(path).st_mode
            if not mode & stat.S_IROTH or (stat.S_ISDIR(mode) and not mode & stat.S_IXOTH):
                return False
            parent = os.path.dirname(path)
            while parent != "/":
                if not os.stat(parent).st_mode & stat.S_IXOTH:
                    return False
                parent = os.path.dirname(parent)
    except OSError:
        return False
    return True


def _filesystem_plan(
    environ: Mapping[str, str], writable: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """(hidden directories, hidden files, read-only paths shown again) for the sandbox.

    Hidden: the home directory, the data directory (or, while it does not exist, its nearest
    existing ancestor that holds nothing the kernel needs), the project's ``.streamlit/``,
    ``/run`` (sockets of system services) and a SQLite file named by ``DATABASE_URL``. Shown
    again, read-only, where a hidden directory covers them: the project and the Python
    installation (which may live in either).
    """
    hide = {os.path.realpath(p) for p in _home_directories(environ)}
    hide.add(os.path.realpath(PROJECT_DIR / ".streamlit"))
    hide.add("/run")
    # A Python path that holds a hidden directory (LD_LIBRARY_PATH=$HOME, say) is not shown.
    python = [p for p in _python_paths() if not any(_within(h, p) for h in hide)]
    keep = sorted({str(PROJECT_DIR), *python}, key=_depth)
    needed = [*keep, *writable]
    data = os.path.realpath(data_dir(environ))
    if os.path.lexists(data):
        hide.add(data)
    else:  # not made yet: hide where it will be made, unless the kernel needs what is there
        while not os.path.lexists(data):
            data = os.path.dirname(data)
        if data != "/" and not any(_within(path, data) for path in needed):
            hide.add(data)
    hidden = sorted(p for p in hide if os.path.isdir(p))
    shown: list[str] = []
    for path in keep:  # drop a path already shown through a shallower one (nothing hidden between)
        if not any(
            _within(path, above)
            and not any(_within(h, above) and h != above and _within(path, h) for h in hidden)
            for above in shown
        ):
            shown.append(path)
    return hidden, _sqlite_files(environ), shown


def _is_secret_name(name: str) -> bool:
    upper = name.upper()
    return (
        any(word in upper for word in _SECRET_WORDS)
        or upper.startswith(_SECRET_PREFIXES)
        or upper in _SECRET_NAMES
    )


def _kernel_environment(
    source: Mapping[str, str],
    *,
    workdir: Path,
    config_dir: str,
    sandboxed: bool,
    own_user: bool = False,
    tmp_dir: str | None = None,
) -> dict[str, str]:
    """The kernel's environment: an allow-list from ``source``, then our own settings.

    ``config_dir`` holds IPython's and matplotlib's files, ``tmp_dir`` (if given) is
    ``TMPDIR``. In a pid namespace the kernel is not told the dashboard's pid: its parent
    there is the sandbox's init (pid 1), which ipykernel's parent poller takes for a sign
    that its parent died.
    """
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
            "MPLCONFIGDIR": f"{config_dir}/matplotlib",
            "IPYTHONDIR": f"{config_dir}/ipython",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    if own_user:  # a uid of its own has no name: getpass.getuser() reads these first
        env.update({"USER": "sandbox", "LOGNAME": "sandbox"})
    if tmp_dir is not None:
        env["TMPDIR"] = tmp_dir
    if not sandboxed:
        # ipykernel exits by itself if this process dies (its parent changes).
        env["JPY_PARENT_PID"] = str(os.getpid())
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
    """One kernel process and its client; a restart makes a new one.

    ``prefix`` gives the command that starts the kernel (the sandbox launcher), given the
    paths of the kernel's sockets. The connection file and the sockets are in ``run_dir``
    (given to ``owner``, the uid the kernel runs as, if any); the log in ``log_dir``.
    """

    def __init__(
        self,
        *,
        prefix: Callable[[list[Path]], list[str]],
        env: dict[str, str],
        cwd: Path,
        run_dir: Path,
        log_dir: Path,
        owner: int | None = None,
    ) -> None:
        from jupyter_client.blocking.client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        name = f"k{secrets.token_hex(3)}"
        self.connection_file = run_dir / f"{name}.json"
        self.log_path = log_dir / f"{name}.log"
        _, info = write_connection_file(
            str(self.connection_file),
            ip=str(run_dir / name),
            key=secrets.token_hex(32).encode("ascii"),
            transport="ipc",
            kernel_name="python3",
        )
        if owner is not None:
            os.chown(self.connection_file, owner, owner)
        self._socket_files = [
            run_dir / f"{name}-{info[port]}"  # type: ignore[literal-required]
            for port in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
        ]
        command = [
            *prefix(self._socket_files),
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
        self.pid_namespace: str | None = None
        self.init_pid: int | None = None
        self._init_fd: int | None = None
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
        self._find_sandbox()

    def _find_sandbox(self) -> None:
        """Note the kernel's pid namespace and its init (host pids), if it has its own."""
        with contextlib.suppress(OSError, ValueError, IndexError, AttributeError):
            pid = self.process.pid
            namespace = os.readlink(f"/proc/{pid}/ns/pid_for_children")
            if namespace == os.readlink(f"/proc/{pid}/ns/pid"):
                return  # no namespace of its own
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            self.pid_namespace, self.init_pid = namespace, int(children[0])
            # (the init is the monitor's child, not yet reaped by it: its pid is still its own)
            self._init_fd = os.pidfd_open(self.init_pid)

    def sandbox_tasks(self) -> int | None:
        """Processes and threads in the kernel's pid namespace, bar its init; None if unknown."""
        if self.pid_namespace is None:
            return None
        count = 0
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == self.init_pid:
                continue
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{name}/ns/pid") == self.pid_namespace:
                    count += len(os.listdir(f"/proc/{name}/task"))
        return count

    def interrupt(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGINT)
        except OSError:
            with contextlib.suppress(OSError):
                self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        """Kill the kernel's whole process group (and with its init the whole pid namespace,
        waited for), close the client, remove its files."""
        # The group outlives its leader while children of the code run: sweep it too. The
        # leader is not reaped before this (see exit_status), so the group id is still ours.
        if self.process.returncode is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        init_fd, self._init_fd = self._init_fd, None
        if init_fd is not None:  # the init exits once every process of the sandbox is gone
            with contextlib.suppress(OSError):
                select.select([init_fd], [], [], 5)
            os.close(init_fd)
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
        self.workspace: _Workspace | None = None

    def release(self) -> None:
        kernel, self.kernel = self.kernel, None
        if kernel is not None:
            kernel.kill()
        workspace, self.workspace = self.workspace, None
        if workspace is not None:
            workspace.release()
        shutil.rmtree(self.state_dir, ignore_errors=True)
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


_sweep_lock = threading.Lock()
_swept = False


def _workspace_source() -> str:
    """The name our workspaces are mounted under: it says whose they are, for the sweep."""
    pid = os.getpid()
    return f"aci-ws-{pid}-{_launch.process_start_time(pid)}"


def _sweep_stale_workspaces() -> None:
    """Unmount the workspaces of dashboards that are gone (a SIGKILL leaves its mounts)."""
    global _swept
    with _sweep_lock:
        if _swept:
            return
        _swept = True
    with contextlib.suppress(OSError):
        temp_dirs = {os.path.realpath(tempfile.gettempdir()), "/tmp"}
        for point, fstype, source in reversed(_launch.mounts()):
            owner = _launch.mount_owner(source)
            if fstype != "tmpfs" or owner is None:
                continue
            if _launch.process_start_time(owner[0]) == owner[1]:
                continue  # its dashboard is running
            with contextlib.suppress(OSError):
                _launch.umount(point)
            for path in (point, os.path.dirname(point)):
                name = os.path.basename(path)
                if os.path.dirname(path) in temp_dirs and name.startswith(
                    ("aci-", "assistant-work-")
                ):
                    shutil.rmtree(path, ignore_errors=True)


class _Workspace:
    """Size-limited tmpfs mounts for everything the code may write (root only).

    Mounted in the dashboard's own mount namespace, in the interpreter's state directory:
    ``ws`` (the limit) holds ``work`` (bind-mounted on the working directory, so that the
    dashboard sees the code's files where it always did), ``tmp`` and ``shm`` (the
    sandbox's ``/tmp`` and ``/dev/shm``); ``run`` (small, new for each kernel) holds the
    kernel's own files: connection file, sockets, log, IPython's and matplotlib's files and
    ``TMPDIR``, so that a kernel starts and runs cells even when the code has filled ``ws``.
    Filling either fails with ``ENOSPC`` and writes nothing to the server's disk. Files
    already in the working directory are copied in; a working directory the caller gave
    gets them back at the end.
    """

    RUN_SIZE = 16 * 2**20

    def __init__(self, root: Path, workdir: Path, owns_workdir: bool, size: int, uid: int) -> None:
        self.root = root
        self.workdir = workdir
        self.owns_workdir = owns_workdir
        self.uid = uid
        # ``run`` is part of the limit; the files already given count apart from it.
        self.size = max(size - self.RUN_SIZE, size // 2) + _tree_size(workdir)
        self._mounted: list[Path] = []

    @property
    def space(self) -> Path:
        return self.root / "ws"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    def setup(self) -> None:
        """Mount it and copy the working directory's files in; OSError if it cannot be made."""
        _sweep_stale_workspaces()
        self.space.mkdir(mode=0o700)
        self.run_dir.mkdir(mode=0o700)
        self._mount_tmpfs(self.space, self.size, 0o700, 0)
        try:
            for name in ("work", "tmp", "shm"):
                (self.space / name).mkdir(mode=0o700)
                os.chown(self.space / name, self.uid, self.uid)
            work = self.space / "work"
            shutil.copytree(self.workdir, work, symlinks=True, dirs_exist_ok=True)
            for directory, dirs, files in os.walk(work):
                for name in [*dirs, *files]:
                    os.lchown(os.path.join(directory, name), self.uid, self.uid)
            _launch.mount(str(work), str(self.workdir), None, _launch.MS_BIND)
            self._mounted.append(self.workdir)
            self.renew_run_dir()
        except BaseException:
            self.release()
            raise

    def renew_run_dir(self) -> None:
        """A new, empty ``run`` for the next kernel (whatever the last one left is gone)."""
        if self.run_dir in self._mounted:
            self._mounted.remove(self.run_dir)
            _launch.umount(str(self.run_dir))
        self._mount_tmpfs(self.run_dir, self.RUN_SIZE, 0o700, self.uid)
        (self.run_dir / "tmp").mkdir(mode=0o700)
        os.chown(self.run_dir / "tmp", self.uid, self.uid)

    def _mount_tmpfs(self, path: Path, size: int, mode: int, uid: int) -> None:
        options = (
            f"size={size},nr_inodes={max(4096, size // 16384)},mode={mode:o},uid={uid},gid={uid}"
        )
        flags = _launch.MS_NOSUID | _launch.MS_NODEV
        _launch.mount(_workspace_source(), str(path), "tmpfs", flags, options)
        self._mounted.append(path)

    def release(self) -> None:
        """Unmount (copying the files back into a working directory the caller gave)."""
        for point in sorted(self._mounted, key=lambda p: p == self.space):  # ws last
            with contextlib.suppress(OSError):
                _launch.umount(str(point))
            if point == self.workdir and not self.owns_workdir:
                with contextlib.suppress(OSError):
                    _mirror(self.space / "work", self.workdir)
        self._mounted.clear()


def _tree_size(path: Path) -> int:
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(directory, name)).st_size
    return total


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _mirror(source: Path, target: Path) -> None:
    """Make ``target`` hold what ``source`` holds (files, directories, symlinks as links).

    Symlinks are never followed, on either side: the code wrote ``source``, and this runs
    as the dashboard's user.
    """
    source_fd = os.open(source, _DIR_FLAGS)
    try:
        target_fd = os.open(target, _DIR_FLAGS)
        try:
            _mirror_at(source_fd, target_fd)
        finally:
            os.close(target_fd)
    finally:
        os.close(source_fd)


def _remove_at(dir_fd: int, name: str) -> None:
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)
    else:
        os.unlink(name, dir_fd=dir_fd)


def _mirror_at(source_fd: int, target_fd: int) -> None:
    names = set(os.listdir(source_fd))
    for name in os.listdir(target_fd):
        if name not in names:
            _remove_at(target_fd, name)
    for name in names:
        info = os.stat(name, dir_fd=source_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            with contextlib.suppress(FileNotFoundError):
                if not stat.S_ISDIR(os.stat(name, dir_fd=target_fd, follow_symlinks=False).st_mode):
                    _remove_at(target_fd, name)
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=target_fd)
            inner_source = os.open(name, _DIR_FLAGS, dir_fd=source_fd)
            try:
                inner_target = os.open(name, _DIR_FLAGS, dir_fd=target_fd)
                try:
                    _mirror_at(inner_source, inner_target)
                finally:
                    os.close(inner_target)
            finally:
                os.close(inner_source)
        elif stat.S_ISLNK(info.st_mode):
            _remove_at(target_fd, name)
            os.symlink(os.readlink(name, dir_fd=source_fd), name, dir_fd=target_fd)
        elif stat.S_ISREG(info.st_mode):
            _remove_at(target_fd, name)
            reader = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=source_fd)
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                writer = os.open(name, flags, info.st_mode & 0o777, dir_fd=target_fd)
                with open(reader, "rb", closefd=False) as src, open(writer, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            finally:
                os.close(reader)


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

    ``disk_limit`` is how much the code may write in all (working directory, ``/tmp``,
    ``/dev/shm``), held in memory. ``sandbox_uid`` is the uid (and gid) the kernel runs as
    when the dashboard runs as root; by default one of its own per interpreter, so that the
    process limit of one conversation's code is not shared with another's. What is in
    force where is :attr:`isolation`.
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
        disk_limit: int | None = 2**30,
        sandbox_uid: int | None = None,
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
            ("disk_limit", disk_limit),
            ("sandbox_uid", sandbox_uid),
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
        self.disk_limit = disk_limit
        if os.geteuid() == 0:
            self.sandbox_uid: int | None = sandbox_uid or _UID_BASE + secrets.randbelow(_UID_SPAN)
        else:
            self.sandbox_uid = None
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
        self._workspace_failed = False

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
        """What this machine allows for this interpreter (see :func:`_capabilities`)."""
        found = _capabilities()
        root = os.geteuid() == 0
        sandbox = found["full"]
        # Outside a mount namespace of its own the sandbox uid must reach Python by itself.
        own_user = root and found["setuid"] and (sandbox or _python_open_to_all())
        if own_user:
            user = f"uid {self.sandbox_uid} (a user of its own)"
        elif root:
            user = "root"
        else:
            user = f"the server's user (uid {os.geteuid()})"
        workspace = sandbox and root and self.disk_limit is not None and not self._workspace_failed
        return Isolation(
            network_blocked=self.block_network and (found["full"] or found["net"]),
            memory_limit=self.memory_limit,
            cpu_seconds=self.cpu_seconds,
            max_processes=self.max_processes,
            max_file_bytes=self.max_file_bytes,
            scrubbed_environment=True,
            workdir=str(self.workdir),
            process_limit_enforced=self.max_processes is not None and (own_user or not root),
            filesystem_sandbox=sandbox,
            pid_namespace=sandbox,
            unprivileged_user=own_user or not root,
            user=user,
            disk_limit=self.disk_limit if workspace else None,
        )

    def _launcher(self, isolation: Isolation, spec: dict[str, Any] | None) -> list[str]:
        """The command that starts the kernel in the sandbox ``spec`` describes."""
        limits = []
        for flag, value in (
            ("--as", self.memory_limit),
            ("--cpu", self.cpu_seconds),
            ("--nproc", self.max_processes),
            ("--fsize", self.max_file_bytes),
        ):
            if value is not None:
                limits += [flag, str(value)]
        if spec is not None:
            limits += ["--sandbox", json.dumps(spec)]
        return [sys.executable, "-I", "-S", str(LAUNCHER), *limits, "--"]

    def _sandbox_spec(
        self, isolation: Isolation, run_dir: Path, workspace: _Workspace | None
    ) -> dict[str, Any] | None:
        """What the launcher is to build (None: only the limits, as where nothing else works)."""
        root = os.geteuid() == 0
        uid = self.sandbox_uid if isolation.unprivileged_user and root else None
        names = [] if root else ["user"]
        if isolation.network_blocked:
            names.append("net")
        if isolation.pid_namespace:
            names += ["mount", "pid"]
        if names == ["user"]:
            names = []
        if not names and uid is None:
            return None
        spec: dict[str, Any] = {
            "namespaces": names,
            "uid": uid,
            "gid": uid,
            "parent_pid": os.getpid(),
            "cwd": str(self.workdir),
        }
        if isolation.filesystem_sandbox:
            writable = [str(self.workdir), str(run_dir)]
            hide, hide_files, expose = _filesystem_plan(os.environ, writable)
            spec.update(hide=hide, hide_files=hide_files, expose=expose, writable=writable)
            if workspace is not None:
                spec.update(
                    tmp=str(workspace.space / "tmp"),
                    shm=str(workspace.space / "shm"),
                    workspace_source=_workspace_source(),
                )
            else:
                spec["tmp_size"] = self.disk_limit or _DEFAULT_TMP_SIZE
        return spec

    def _launch(self) -> None:
        """Kill the current kernel if any, start a new one and wait for it (lock held)."""
        resources = self._resources
        old, resources.kernel = resources.kernel, None
        if old is not None:
            old.kill()
        isolation = self._plan_isolation()
        uid = self.sandbox_uid if isolation.unprivileged_user and os.geteuid() == 0 else None
        if isolation.disk_limit is not None and resources.workspace is None:
            workspace = _Workspace(
                resources.state_dir,
                self.workdir,
                resources.owns_workdir,
                isolation.disk_limit,
                uid if uid is not None else os.geteuid(),
            )
            try:
                workspace.setup()
                resources.workspace = workspace
            except OSError:
                self._workspace_failed = True  # (said by describe(): disk NOT limited)
                isolation = self._plan_isolation()
        workspace = resources.workspace
        if workspace is not None:
            try:
                workspace.renew_run_dir()
            except OSError as exc:
                raise InterpreterError(f"the kernel's directory could not be made: {exc}") from exc
            run_dir = workspace.run_dir
        else:
            run_dir = resources.state_dir / "run"
            run_dir.mkdir(mode=0o700, exist_ok=True)
            if uid is not None:
                os.chown(run_dir, uid, uid)
                os.chown(self.workdir, uid, uid)
        spec = self._sandbox_spec(isolation, run_dir, workspace)
        sealed = spec is not None and workspace is None and isolation.filesystem_sandbox

        def prefix(sockets: list[Path]) -> list[str]:
            if sealed and spec is not None:
                spec["seal"] = {"dir": str(run_dir), "files": [str(p) for p in sockets]}
            return self._launcher(isolation, spec)

        env = _kernel_environment(
            os.environ,
            workdir=self.workdir,
            config_dir=str(run_dir) if workspace or not isolation.filesystem_sandbox else "/tmp",
            tmp_dir=str(run_dir / "tmp") if workspace else None,
            sandboxed=isolation.pid_namespace,
            own_user=uid is not None,
        )
        try:
            kernel = _Kernel(
                prefix=prefix,
                env=env,
                cwd=self.workdir,
                run_dir=run_dir,
                log_dir=run_dir if workspace is not None else resources.state_dir,
                owner=uid,
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
                yield from self._check_processes(kernel)
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
            yield from self._check_processes(kernel)
        else:
            yield self._restart_note(f"Execution stopped after {limit} (time limit)", kernel)

    def _check_processes(self, kernel: _Kernel) -> Iterator[CodeOutput]:
        """Restart a kernel whose sandbox is (nearly) at its process limit (a fork bomb).

        There the kernel cannot even start a thread, and the processes the code left
        behind would wait forever: a restart ends them all with the pid namespace.
        """
        limit = self.max_processes
        if limit is None or not kernel.alive:
            return
        tasks = kernel.sandbox_tasks()
        if tasks is not None and tasks >= limit - 2:
            yield self._restart_note(
                f"The code's processes reached the limit of {limit} processes and threads",
                kernel,
            )

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


@functools.lru_cache(maxsize=1)
def sandbox_in_force() -> bool:
    """Every protection would be in force for a default interpreter here (asked once).

    Public hosting runs code only when this is True; no kernel is started to find out.
    """
    interpreter = Interpreter()
    try:
        return interpreter.isolation.complete
    finally:
        interpreter.close()


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
