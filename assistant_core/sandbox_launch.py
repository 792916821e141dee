"""Start a command (the Jupyter kernel) inside a sandbox: namespaces, mounts, a user, limits.

Used by :mod:`assistant_core.interpreter`::

    python -I -S sandbox_launch.py [--as B] [--cpu S] [--nproc N] [--fsize B] \\
        [--sandbox JSON] -- CMD...

Without ``--sandbox`` it sets the resource limits and ``exec``\\ s the command (the behaviour
where no namespace can be made). With ``--sandbox`` it builds what the JSON asks for and
fails (exit status 125, one line on stderr) rather than start the command with less:

* ``"namespaces": ["net"]`` (plus ``"user"`` when not root): a network namespace of its
  own, then the command runs in this process, as today.
* ``"namespaces": ["net", "mount", "pid"]`` (plus ``"user"``): three processes. This one
  (the *monitor*) stays outside the namespaces, so that the dashboard can wait for it; it
  watches the dashboard (``parent_pid``) and kills the sandbox if the dashboard dies, and
  when the kernel ends it ends the same way (same exit status or signal). Its child is
  pid 1 of the new pid namespace (the *init*): it builds the filesystem view, reaps
  orphans, and dies with the monitor (``PR_SET_PDEATHSIG``); when it dies the kernel kills
  every process left in the namespace. The init's child drops to ``uid``/``gid``, sets
  ``no_new_privs`` and the limits and ``exec``\\ s the command.

The filesystem view: everything read-only; ``hide`` paths covered by an empty tmpfs
(``hide_files`` by ``/dev/null``); ``expose`` paths shown again, read-only, where a hidden
path covers them (the deeper path wins); ``writable`` paths shown read-write; ``/tmp`` and
``/dev/shm`` from ``tmp``/``shm`` directories or fresh tmpfs of ``tmp_size`` bytes; a
``/proc`` of the new pid namespace; other interpreters' workspaces hidden.

``--probe`` prints, as JSON, which of these this machine allows (tried in throwaway
processes). Standard library only, nothing from ``assistant_core``: it runs as a plain
script under ``python -I -S``; :mod:`assistant_core.interpreter` imports its mount helpers.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import os
import platform
import re
import resource
import select
import signal
import struct
import sys
from collections.abc import Iterable

__all__ = [
    "SandboxError",
    "apply_limits",
    "main",
    "mount",
    "mount_owner",
    "mounts",
    "probe",
    "process_start_time",
    "umount",
]

# Seconds of CPU time between the soft limit (SIGXCPU) and the hard limit (SIGKILL).
CPU_GRACE_SECONDS = 5
# Exit status when the sandbox asked for cannot be built (the command is not started).
SETUP_FAILED = 125

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_FLAGS = {
    "mount": CLONE_NEWNS,
    "user": CLONE_NEWUSER,
    "pid": CLONE_NEWPID,
    "net": CLONE_NEWNET,
}

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000
MNT_DETACH = 0x2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38

AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
_SYS_MOUNT_SETATTR = 442  # the same number on every architecture that has it

# Source name of the tmpfs workspaces the dashboard mounts: "aci-ws-<pid>-<start time>".
WORKSPACE_SOURCE = re.compile(r"^aci-ws-(\d+)-(\d+)$")

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    """A step of building the sandbox failed; the message names the step."""


class _MountAttr(ctypes.Structure):
    _fields_ = (
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    )


def _check(result: int, what: str) -> None:
    if result == -1:
        code = ctypes.get_errno()
        raise SandboxError(code, f"{what}: {os.strerror(code)}")


def _bytes(path: str | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    """``mount(2)``; raises :class:`SandboxError` naming the target."""
    result = _libc.mount(
        _bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags), _bytes(data)
    )
    _check(result, f"mount {fstype or 'bind'} on {target}")


def umount(target: str, flags: int = MNT_DETACH) -> None:
    """``umount2(2)``, by default lazily (``MNT_DETACH``): the mount goes at once."""
    _check(_libc.umount2(_bytes(target), ctypes.c_int(flags)), f"umount {target}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _prctl(option: int, value: int) -> None:
    args = (ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    _check(_libc.prctl(ctypes.c_int(option), *args), f"prctl {option}")


def _set_readonly(path: str, *, readonly: bool, recursive: bool) -> None:
    """Make a mount (and with ``recursive`` every mount below) read-only, or read-write."""
    if platform.machine() not in ("alpha", "ia64"):
        attr = _MountAttr(
            MOUNT_ATTR_RDONLY if readonly else 0, 0 if readonly else MOUNT_ATTR_RDONLY, 0, 0
        )
        result = _libc.syscall(
            ctypes.c_long(_SYS_MOUNT_SETATTR),
            ctypes.c_int(AT_FDCWD),
            ctypes.c_char_p(os.fsencode(path)),
            ctypes.c_uint(AT_RECURSIVE if recursive else 0),
            ctypes.byref(attr),
            ctypes.c_size_t(ctypes.sizeof(attr)),
        )
        if result == 0:
            return
        if ctypes.get_errno() != errno.ENOSYS:
            _check(result, f"mount_setattr {path}")
    # Kernels before 5.12: remount each mount, keeping the flags it has (in a user
    # namespace they may not be cleared).
    targets = [path]
    if recursive:
        targets += [p for p in _mount_points() if p != path and _within(p, path)]
    for target in targets:
        try:
            flags = _statvfs_flags(target) & ~MS_RDONLY
            mount(None, target, None, MS_BIND | MS_REMOUNT | flags | (MS_RDONLY if readonly else 0))
        except OSError as exc:  # a mount point hidden by a later mount, or gone
            if exc.errno not in (errno.ENOENT, errno.EINVAL) or target == path:
                raise


def _statvfs_flags(path: str) -> int:
    st = os.statvfs(path).f_flag
    flags = 0
    for st_bit, ms_bit in (
        (os.ST_RDONLY, MS_RDONLY),
        (os.ST_NOSUID, MS_NOSUID),
        (os.ST_NODEV, MS_NODEV),
        (os.ST_NOEXEC, MS_NOEXEC),
        (os.ST_NOATIME, MS_NOATIME),
        (os.ST_NODIRATIME, MS_NODIRATIME),
        (os.ST_RELATIME, MS_RELATIME),
    ):
        if st & st_bit:
            flags |= ms_bit
    return flags


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts(mountinfo: str = "/proc/self/mountinfo") -> list[tuple[str, str, str]]:
    """``(mount point, fstype, source)`` of each mount, in the order they were made."""
    result = []
    with open(mountinfo, encoding="utf-8", errors="surrogateescape") as lines:
        for line in lines:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 2:
                result.append((_unescape(fields[4]), tail[0], _unescape(tail[1])))
    return result


def _mount_points() -> list[str]:
    return [point for point, _, _ in mounts()]


def mount_owner(source: str) -> tuple[int, int] | None:
    """``(pid, start time)`` of the process that mounted a workspace, from its source name."""
    match = WORKSPACE_SOURCE.match(source)
    return (int(match.group(1)), int(match.group(2))) if match else None


def process_start_time(pid: int) -> int | None:
    """The start time of a process (clock ticks since boot), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


# -- limits ---------------------------------------------------------------------------


def _set(limit: int, soft: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(limit)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(limit, (soft, hard))


def apply_limits(
    *,
    address_space: int | None = None,
    cpu_seconds: int | None = None,
    max_processes: int | None = None,
    max_file_bytes: int | None = None,
) -> None:
    """Lower this process's resource limits (children and ``exec`` inherit them)."""
    _set(resource.RLIMIT_CORE, 0)
    if address_space is not None:
        _set(resource.RLIMIT_AS, address_space)
    if cpu_seconds is not None:
        _set(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + CPU_GRACE_SECONDS)
    if max_processes is not None:
        _set(resource.RLIMIT_NPROC, max_processes)
    if max_file_bytes is not None:
        _set(resource.RLIMIT_FSIZE, max_file_bytes)


# -- the namespaces -------------------------------------------------------------------


def _enter_namespaces(names: Iterable[str]) -> None:
    """``unshare`` the named namespaces; in a new user namespace keep our own uid and gid."""
    names = set(names)
    flags = 0
    for name in names:
        flags |= NAMESPACE_FLAGS[name]
    uid, gid = os.geteuid(), os.getegid()
    _unshare(flags)
    if "user" in names:
        # Map only ourselves: after exec the command holds no capability in the namespace.
        maps = (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1"))
        for name, text in maps:
            with open(f"/proc/self/{name}", "w", encoding="ascii") as file:
                file.write(text)


def _drop_privileges(uid: int | None, gid: int | None) -> None:
    """Become ``uid``/``gid`` (no supplementary groups); no setuid binary may raise us again."""
    if gid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
    if uid is not None:
        os.setresuid(uid, uid, uid)
        if os.geteuid() != uid or os.getuid() != uid:
            raise SandboxError(errno.EPERM, f"could not switch to uid {uid}")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _depth(path: str) -> int:
    return len([part for part in path.split("/") if part])


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _build_filesystem(spec: dict) -> None:
    """Build the filesystem view of the sandbox (in a new mount namespace, as its root)."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    sources: dict[str, int] = {}
    for path in [*spec.get("expose", []), *spec.get("writable", [])]:
        sources[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
    for key in ("tmp", "shm"):
        if spec.get(key):
            sources[spec[key]] = os.open(spec[key], os.O_PATH | os.O_CLOEXEC)
    hide = [p for p in [*spec.get("hide", []), *spec.get("hide_files", [])] if os.path.lexists(p)]
    covered = [*hide, "/tmp", "/dev/shm"]
    own = spec.get("workspace_source")
    for point, fstype, source in mounts():  # other interpreters' workspaces (not below /tmp)
        if fstype != "tmpfs" or not WORKSPACE_SOURCE.match(source) or source == own:
            continue
        if not any(_within(point, c) for c in covered):
            hide.append(point)
    # Shallow first; at the same depth hidden, then /tmp, then shown again: deeper wins.
    order = {"hide": 0, "tmp": 1, "expose": 2, "writable": 3}
    plan = [(p, "hide") for p in hide]
    plan += [("/tmp", "tmp"), ("/dev/shm", "tmp")]
    plan += [(p, "expose") for p in spec.get("expose", [])]
    plan += [(p, "writable") for p in spec.get("writable", [])]
    plan.sort(key=lambda item: (_depth(item[0]), order[item[1]]))
    tmp_size = int(spec.get("tmp_size") or 64 * 2**20)
    hidden_dirs: list[str] = []
    writable: list[str] = []
    for path, kind in plan:
        if kind == "hide":
            if os.path.isdir(path) and not os.path.islink(path):
                options = "size=1m,nr_inodes=4096,mode=755"
                mount("aci-hidden", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options)
                hidden_dirs.append(path)
            elif os.path.isfile(path):
                mount("/dev/null", path, None, MS_BIND)
            continue
        if kind == "tmp":
            source = spec.get("tmp" if path == "/tmp" else "shm")
            if not os.path.isdir(path):
                continue
            if source:
                mount(f"/proc/self/fd/{sources[source]}", path, None, MS_BIND)
            else:
                options = f"size={tmp_size},nr_inodes={max(1024, tmp_size // 16384)},mode=1777"
                mount("aci-tmp", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
            writable.append(path)
            continue
        if not os.path.lexists(path):
            os.makedirs(path, mode=0o755, exist_ok=True)
        mount(f"/proc/self/fd/{sources[path]}", path, None, MS_BIND | MS_REC)
        if kind == "writable":
            writable.append(path)
    if spec.get("proc", True):
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _set_readonly("/", readonly=True, recursive=True)
    for path in writable:
        _set_readonly(path, readonly=False, recursive=False)
    for fd in sources.values():
        os.close(fd)


# -- the processes --------------------------------------------------------------------


def _exec(command: list[str], args: argparse.Namespace, cwd: str | None) -> None:
    apply_limits(
        address_space=args.address_space,
        cpu_seconds=args.cpu_seconds,
        max_processes=args.max_processes,
        max_file_bytes=args.max_file_bytes,
    )
    if cwd:
        os.chdir(cwd)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(command[0], command)


def _fail(message: str) -> None:
    sys.stderr.write(f"sandbox: {message}\n")
    sys.stderr.flush()
    os._exit(SETUP_FAILED)


def _seal(spec: dict, kernel: int) -> int | None:
    """Make the connection directory read-only once the kernel has bound its sockets.

    Only where that directory is on the host's disk (no workspace): so that the code cannot
    fill the disk through it. Returns the kernel's wait status if it ended meanwhile.
    """
    seal = spec.get("seal")
    if not seal:
        return None
    for _ in range(3000):  # up to 60 s, as long as the dashboard waits for a start
        if all(os.path.exists(path) for path in seal["files"]):
            _set_readonly(seal["dir"], readonly=True, recursive=False)
            return None
        pid, status = os.waitpid(kernel, os.WNOHANG)
        if pid:
            return status
        select.select([], [], [], 0.02)
    return None


def _init(
    spec: dict, command: list[str], args: argparse.Namespace, alive: int, report: int
) -> None:
    """Pid 1 of the sandbox: build it, start the command, reap, report how it ended."""
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([alive], [], [], 0)[0]:  # the monitor died before prctl
            os._exit(1)
        _prctl(PR_SET_DUMPABLE, 0)  # the code may not ptrace it or read its memory
        if "mount" in spec["namespaces"]:
            _build_filesystem(spec)
        kernel = os.fork()
        if kernel == 0:
            try:
                os.close(alive)
                os.close(report)
                _drop_privileges(spec.get("uid"), spec.get("gid"))
                _exec(command, args, spec.get("cwd"))
            except OSError as exc:
                _fail(f"could not start {command[0]}: {exc}")
        status = _seal(spec, kernel)
    except OSError as exc:
        _fail(f"the sandbox could not be built: {exc}")
    while status is None:
        try:
            pid, wait_status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == kernel:
            status = wait_status
    os.write(report, struct.pack("i", status))
    os._exit(0)  # the kernel now kills whatever is left in the namespace


def _end_like(status: int) -> None:
    """End this process the way the kernel ended: same exit status, or same signal."""
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum])
        os.kill(os.getpid(), signum)
        os._exit(128 + signum)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _monitor(init: int, parent: int | None, report: int) -> None:
    """Wait for the init; kill it if the dashboard dies first. Never returns."""
    watched = []
    try:
        watched.append(os.pidfd_open(init))
        if parent is not None:
            watched.append(os.pidfd_open(parent))
    except (AttributeError, OSError):
        watched = []
    while True:
        if watched:
            ready = select.select(watched, [], [])[0]
            dashboard_gone = len(watched) > 1 and watched[1] in ready
        else:  # no pidfd: poll
            select.select([], [], [], 0.2)
            dashboard_gone = parent is not None and os.getppid() != parent
        if dashboard_gone:
            os.kill(init, signal.SIGKILL)
            os.waitpid(init, 0)
            os._exit(1)
        pid, status = os.waitpid(init, os.WNOHANG)
        if pid:
            data = os.read(report, 4)
            _end_like(struct.unpack("i", data)[0] if len(data) == 4 else status)


def _sandboxed(spec: dict, command: list[str], args: argparse.Namespace) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    parent = spec.get("parent_pid")
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the dashboard is already gone
    names = list(spec["namespaces"])
    try:
        _enter_namespaces(names)
    except OSError as exc:
        _fail(f"namespaces {', '.join(names)} could not be made: {exc}")
    if "pid" not in names:
        try:
            _drop_privileges(spec.get("uid"), spec.get("gid"))
            _exec(command, args, spec.get("cwd"))
        except OSError as exc:
            _fail(f"could not start {command[0]}: {exc}")
    alive_r, alive_w = os.pipe2(os.O_CLOEXEC)
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    init = os.fork()
    if init == 0:
        os.close(alive_w)
        os.close(report_r)
        _init(spec, command, args, alive_r, report_w)
    os.close(alive_r)
    os.close(report_w)
    _monitor(init, parent, report_r)


# -- the probe ------------------------------------------------------------------------


def _try(action: object) -> bool:
    """Run ``action`` in a throwaway child; True if it succeeded."""
    pid = os.fork()
    if pid == 0:
        try:
            action()  # type: ignore[operator]
        except BaseException:  # noqa: BLE001 - any failure means "not available"
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _probe_full(names: list[str], uid: int | None) -> None:
    _enter_namespaces(names)
    pid = os.fork()
    if pid == 0:
        try:
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            mount("aci-probe", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k")
            os.mkdir("/tmp/a")
            fd = os.open("/tmp", os.O_PATH)
            mount(f"/proc/self/fd/{fd}", "/tmp/a", None, MS_BIND | MS_REC)
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            _set_readonly("/", readonly=True, recursive=True)
            _set_readonly("/tmp", readonly=False, recursive=False)
            if uid is not None:
                _drop_privileges(uid, uid)
        except BaseException:  # noqa: BLE001
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        raise SandboxError(errno.EPERM, "the filesystem sandbox could not be built")


def probe(uid: int | None = None) -> dict[str, bool]:
    """What this machine allows: ``full`` (network, mount and pid namespaces, with a user
    namespace when not root, and the mounts), ``net`` (a network namespace alone), and
    ``setuid`` (switching to ``uid``; root only)."""
    user = [] if os.geteuid() == 0 else ["user"]
    full = _try(lambda: _probe_full([*user, "net", "mount", "pid"], uid))
    net = full or _try(lambda: _enter_namespaces([*user, "net"]))
    setuid = uid is not None and _try(lambda: _drop_privileges(uid, uid))
    return {"full": full, "net": net, "setuid": setuid}


# -- the command line -----------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Parse the options, build the sandbox and replace a process with the command."""
    parser = argparse.ArgumentParser(prog="sandbox_launch", description=__doc__)
    parser.add_argument("--as", dest="address_space", type=int, help="RLIMIT_AS in bytes")
    parser.add_argument("--cpu", dest="cpu_seconds", type=int, help="RLIMIT_CPU in seconds")
    parser.add_argument("--nproc", dest="max_processes", type=int, help="RLIMIT_NPROC")
    parser.add_argument("--fsize", dest="max_file_bytes", type=int, help="RLIMIT_FSIZE bytes")
    parser.add_argument("--sandbox", help="JSON: what to build (see the module's docstring)")
    parser.add_argument("--probe", action="store_true", help="print what this machine allows")
    parser.add_argument("--probe-uid", type=int, help="with --probe: try switching to this uid")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe_uid)))
        return
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if args.sandbox:
        try:
            _sandboxed(json.loads(args.sandbox), command, args)
        except Exception as exc:  # noqa: BLE001 - one line in the log, never a traceback
            _fail(f"the sandbox could not be built: {type(exc).__name__}: {exc}")
        return
    apply_limits(
        address_space=args.address_space,
        cpu_seconds=args.cpu_seconds,
        max_processes=args.max_processes,
        max_file_bytes=args.max_file_bytes,
    )
    sys.stdout.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
