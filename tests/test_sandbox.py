"""Hostile code against the local interpreter's sandbox, run as a model's tool call runs it.

Each case runs code through :meth:`Interpreter.run` and asserts that it is contained, with
a clear output, and that afterwards this process (standing for the dashboard) is alive and
the interpreter runs a normal cell again. Where a protection depends on the OS, the case
asserts it when :attr:`Interpreter.isolation` says it is in force, and otherwise asserts
that :meth:`Isolation.describe` says it is not: never a silent pass. Dangerous cases (fork
bomb, disk filling, signalling this process) run only where the protection that contains
them is in force.
"""

from __future__ import annotations

import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant_core import interpreter as interpreter_module
from assistant_core import sandbox_launch
from assistant_core.interpreter import Interpreter, Isolation
from assistant_core.paths import PROJECT_DIR
from tests.test_interpreter import host_pid, text

MARK = f"sbx-{os.getpid()}-{time.monotonic_ns()}"
SECRETS = {
    "OPENAI_API_KEY": f"sk-proj-{MARK}-openai",
    "CHAT_API_KEY": f"chat-{MARK}-key",
    "DATABASE_URL": f"postgresql://admin:{MARK}-pw@db.internal:5432/prod",
}


def said(isolation: Isolation, start: str) -> str:
    """The line of ``describe()`` that starts with ``start`` (there must be one)."""
    lines = [line for line in isolation.describe() if line.startswith(start)]
    assert len(lines) == 1, (start, isolation.describe())
    return lines[0]


def recovers(interpreter: Interpreter) -> None:
    """This process is alive and responsive; the interpreter runs a normal cell again."""
    assert subprocess.run(["true"], timeout=10, check=False).returncode == 0
    out = text(interpreter, "print(1+1)")
    assert out.endswith("2\n"), out
    assert interpreter.alive


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, Path]]:
    """Secrets where a careless sandbox would show them: the environment, a home with
    ``.streamlit/secrets.toml``, a data directory holding ``dashboard.db`` and a SQLite
    file named by a ``DATABASE_URL``-like path; outside ``/tmp`` (hidden anyway), so that
    each is hidden for its own reason."""
    base = Path(tempfile.mkdtemp(prefix="aci-sandbox-test-", dir="/var/tmp"))
    base.chmod(0o755)  # readable by anyone, unless hidden: so that hiding is what is tested
    home = base / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(f'OPENAI_API_KEY = "{MARK}-home"\n')
    data = base / "data"
    data.mkdir()
    (data / "dashboard.db").write_text(f"SQLite format 3 {MARK}-db")
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in SECRETS.items():
                patch.setenv(name, value)
            patch.setenv("HOME", str(home))
            patch.setenv("ASSISTANT_DATA_DIR", str(data))
            yield {"base": base, "home": home, "data": data}
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def it(world: dict[str, Path]) -> Iterator[Interpreter]:
    """The interpreter the hostile cells run in: small limits, short cells."""
    with Interpreter(
        cell_timeout=3,
        memory_limit=2**30,
        max_file_bytes=32 * 2**20,
        disk_limit=128 * 2**20,
        max_output_chars=20_000,
    ) as interpreter:
        yield interpreter


# -- secrets ----------------------------------------------------------------------------


def test_environment_holds_no_keys(it: Interpreter) -> None:
    out = text(
        it,
        "import os\n"
        "seen = repr(dict(os.environ))\n"
        "for path in ('/proc/self/environ', '/proc/1/environ', '/proc/1/cmdline'):\n"
        "    try:\n"
        "        seen += open(path, 'rb').read().decode('utf-8', 'replace')\n"
        "    except OSError as e:\n"
        "        seen += type(e).__name__\n"
        "print(sorted(k for k in os.environ if k in "
        f"{sorted(SECRETS)!r}))\n"
        f"print({MARK!r} in seen)",
    )
    assert out == "[]\nFalse\n"
    assert MARK not in out
    recovers(it)


def test_home_data_directory_and_project_secrets_are_hidden(
    it: Interpreter, world: dict[str, Path]
) -> None:
    isolation = it.isolation
    probe_paths = [
        world["home"] / ".streamlit" / "secrets.toml",
        world["data"] / "dashboard.db",
        PROJECT_DIR / ".streamlit" / "secrets.toml",
        PROJECT_DIR / ".streamlit" / "config.toml",  # beside it: proves the directory hidden
        PROJECT_DIR / ".streamlit" / "secrets.toml.example",
    ]
    out = text(
        it,
        "import os\n"
        f"for path in {[str(p) for p in probe_paths]!r}:\n"
        "    try:\n"
        "        data = open(path, 'rb').read()\n"
        f"        print('READ', path, {MARK.encode()!r} in data)\n"
        "    except OSError as e:\n"
        "        print('refused', type(e).__name__)",
    )
    assert MARK not in out
    if isolation.filesystem_sandbox:
        assert "READ" not in out, out
        assert out.count("refused FileNotFoundError") == len(probe_paths)
        assert "the server's home and data directories" in said(isolation, "Filesystem: sandboxed")
    else:
        assert "Filesystem: NOT sandboxed" in said(isolation, "Filesystem:")
    recovers(it)


def test_sqlite_file_named_by_database_url_is_hidden(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = world["base"] / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    database = elsewhere / "app.db"
    database.write_text(f"SQLite format 3 {MARK}-url")
    database.chmod(0o644)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    with Interpreter(cell_timeout=10) as own:
        out = text(own, f"print(len(open({str(database)!r}, 'rb').read()))")
        if own.isolation.filesystem_sandbox:
            assert out == "0\n"  # (an empty file in its place)
        else:
            assert "Filesystem: NOT sandboxed" in said(own.isolation, "Filesystem:")
        recovers(own)


def test_real_home_is_hidden_but_python_runs(it: Interpreter) -> None:
    home = pwd.getpwuid(os.geteuid()).pw_dir
    if not os.path.isdir(home) or home == "/":
        pytest.skip(f"this user's home ({home}) is not a directory of its own")
    needed = {
        Path(os.path.relpath(p, home)).parts[0]
        for p in (sys.base_prefix, sys.prefix, os.path.realpath(sys.executable))
        if p.startswith(home.rstrip("/") + "/")
    }
    visible_on_host = sorted(set(os.listdir(home)) - needed)
    out = text(
        it,
        f"import os\nprint(sorted(set(os.listdir({home!r})) & set({visible_on_host!r})))",
    )
    if it.isolation.filesystem_sandbox:
        assert out == "[]\n"
    else:
        assert "Filesystem: NOT sandboxed" in said(it.isolation, "Filesystem:")
    recovers(it)


def test_root_owned_private_file_is_unreadable(it: Interpreter) -> None:
    shadow = text(
        it,
        "try:\n    open('/etc/shadow').read()\n    print('read')\n"
        "except OSError as e:\n    print('refused', type(e).__name__)",
    )
    if os.geteuid() == 0:
        private = it.workdir / "root-only.txt"  # put there by the dashboard, while it runs
        private.write_text(f"{MARK}-private")
        private.chmod(0o600)
        out = text(
            it,
            "try:\n    print(open('root-only.txt').read())\n"
            "except OSError as e:\n    print('refused', type(e).__name__)",
        )
        private.unlink()
        if it.isolation.unprivileged_user:
            assert out == "refused PermissionError\n"
            assert shadow.startswith("refused")
        else:
            assert "User: the kernel runs as ROOT" in said(it.isolation, "User:")
    else:
        assert shadow.startswith("refused")
    recovers(it)


def test_files_outside_the_working_directory_cannot_be_written(it: Interpreter) -> None:
    app = PROJECT_DIR / "app.py"
    before = app.read_bytes()
    new_file = PROJECT_DIR / f"{MARK}.txt"
    try:
        out = text(
            it,
            "import os\n"
            f"for path, mode in (({str(app)!r}, 'a'), ({str(new_file)!r}, 'w'),"
            " ('/etc/passwd', 'a'), ('/usr/local/bin/evil', 'w')):\n"
            "    try:\n"
            "        open(path, mode).write('# changed\\n')\n"
            "        print('WROTE', path)\n"
            "    except OSError as e:\n"
            "        print('refused', type(e).__name__)",
        )
        assert app.read_bytes() == before
        assert not new_file.exists()
        if it.isolation.filesystem_sandbox or it.isolation.unprivileged_user:
            assert "WROTE" not in out and out.count("refused") == 4, out
        else:
            assert "Filesystem: NOT sandboxed" in said(it.isolation, "Filesystem:")
        # The working directory is writable, and the dashboard sees what is written there.
        assert text(it, "_ = open('out.csv', 'w').write('a,b\\n')") == ""
        assert (it.workdir / "out.csv").read_text() == "a,b\n"
    finally:
        new_file.unlink(missing_ok=True)
    recovers(it)


# -- network ----------------------------------------------------------------------------

CONNECT = (
    "import socket\n"
    "for host, port in (('1.1.1.1', 443), ('93.184.216.34', 80), ('127.0.0.1', {port})):\n"
    "    try:\n"
    "        socket.create_connection((host, port), timeout=2).close()\n"
    "        print('connected', host)\n"
    "    except OSError as e:\n"
    "        print('failed', type(e).__name__)"
)


def test_no_connection_to_the_internet_or_this_machine(it: Interpreter) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.listen(8)
        out = text(it, CONNECT.format(port=server.getsockname()[1]))
    if it.isolation.network_blocked:
        assert "connected" not in out and out.count("failed") == 3, out
    else:
        assert said(it.isolation, "Network: OPEN")
    recovers(it)


# -- processes --------------------------------------------------------------------------


def _sandbox_end(interpreter: Interpreter) -> int | None:
    """A pidfd that becomes readable when the current sandbox has ended, else None."""
    kernel = interpreter._resources.kernel  # a test's look behind the sandbox
    if kernel is None or kernel.init_pid is None:
        return None
    return os.pidfd_open(kernel.init_pid)


def _processes_of(uid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                found.append(int(name))
        except OSError:
            continue
    return found


def test_fork_bomb_is_contained() -> None:
    with Interpreter(cell_timeout=5, max_processes=32, memory_limit=2**30) as bomb_site:
        isolation = bomb_site.isolation
        if not isolation.process_limit_enforced:
            assert "NOT enforced" in said(isolation, "Process count:")
            return  # a fork bomb here would take the machine: not run
        ended = _sandbox_end(bomb_site)
        started = time.monotonic()
        out = text(bomb_site, "import os\nwhile True:\n    os.fork()")
        assert time.monotonic() - started < 15
        assert "BlockingIOError" in out or "limit of 32 processes" in out, out
        if isolation.pid_namespace:
            assert "The code's processes reached the limit of 32" in out
            assert ended is not None and select.select([ended], [], [], 5)[0], "bomb lives on"
            os.close(ended)
        if bomb_site.sandbox_uid is not None:  # a uid of its own: count what runs as it
            deadline = time.monotonic() + 5
            while len(_processes_of(bomb_site.sandbox_uid)) > 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(_processes_of(bomb_site.sandbox_uid)) <= 1  # the new kernel only
        recovers(bomb_site)


def test_memory_bomb_is_a_memory_error(it: Interpreter) -> None:
    out = text(it, "hog = [bytearray(2**26) for _ in range(10_000)]")
    assert "MemoryError" in out and "memory is limited to 1 GiB" in out
    recovers(it)


def test_infinite_loop_stops_at_the_time_limit(it: Interpreter) -> None:
    started = time.monotonic()
    out = text(it, "while True:\n    pass")
    assert time.monotonic() - started < 3 + 4
    assert "Execution stopped after 3 s (time limit)" in out
    recovers(it)


def test_filling_the_disk_stops_at_the_limit() -> None:
    with Interpreter(cell_timeout=20, disk_limit=256 * 2**20, max_file_bytes=64 * 2**20) as fill:
        isolation = fill.isolation
        if isolation.disk_limit is None:
            assert "Disk: NOT limited" in said(isolation, "Disk:")
            return  # filling the disk here would fill the server's: not run
        used = shutil.disk_usage(fill.workdir.parent).used
        out = text(
            fill,
            "import os\nwritten = 0\nchunk = b'x' * 2**20\n"
            "try:\n"
            "    for n in range(10_000):\n"
            "        with open(f'fill-{n}.bin', 'wb') as f:\n"
            "            for _ in range(16):\n"
            "                f.write(chunk)\n"
            "                written += len(chunk)\n"
            "except OSError as e:\n"
            "    print('stopped:', e.strerror, 'after', written // 2**20, 'MiB')",
        )
        assert "stopped: No space left on device after" in out, out
        written = int(out.split("after")[1].split()[0])
        assert 64 <= written <= 256
        on_disk = sum(p.stat().st_size for p in fill.workdir.iterdir())
        assert on_disk <= 256 * 2**20
        # Written in memory: the server's disk grew by far less than what was written.
        assert shutil.disk_usage(fill.workdir.parent).used - used < 48 * 2**20
        assert "256 MiB in all" in said(isolation, "Disk:")
        # A full workspace does not keep a new kernel from starting or running cells.
        fill.restart()
        assert text(fill, "import os\nos.remove('fill-0.bin')\nprint('freed')") == "freed\n"
        recovers(fill)


def test_huge_output_is_capped(it: Interpreter) -> None:
    out = text(it, "print('x' * 5_000_000)\nfor i in range(200_000):\n    print(i)")
    assert "[output truncated:" in out
    assert len(out) < it.max_output_chars + 200
    recovers(it)


def test_killing_its_parent_and_the_dashboard_fails(it: Interpreter) -> None:
    isolation = it.isolation
    if not (isolation.pid_namespace or isolation.unprivileged_user):
        assert "Processes: NOT isolated" in said(isolation, "Processes:")
        assert "User: the kernel runs as ROOT" in said(isolation, "User:")
        return  # the code could kill this process here: not run
    me = os.getpid()
    out = text(
        it,
        "import os, signal\n"
        f"print('sees dashboard', os.path.exists('/proc/{me}'))\n"
        f"for pid in (os.getppid(), {me}):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "        print('sent')\n"
        "    except OSError as e:\n"
        "        print('refused', type(e).__name__)",
    )
    assert os.getpid() == me  # still here
    if isolation.pid_namespace:
        lines = out.splitlines()
        assert lines[0] == "sees dashboard False"
        # Its parent is the sandbox's init: refused (another uid) or ignored (pid 1).
        assert lines[1] in ("refused PermissionError", "sent")
        assert lines[2] == "refused ProcessLookupError"
    else:
        assert "refused PermissionError" in out
    recovers(it)


def test_killing_its_own_process_group_restarts_the_kernel(it: Interpreter) -> None:
    out = text(it, "import os, signal\nos.kill(0, signal.SIGKILL)")
    assert "restarted" in out
    recovers(it)


def test_hard_exit_is_reported_and_recovered(it: Interpreter) -> None:
    out = text(it, "import os\nos._exit(3)")
    assert "exited with status 3" in out and "restarted" in out
    recovers(it)


def test_setsid_children_die_with_the_kernel(it: Interpreter) -> None:
    isolation = it.isolation
    code = (
        "import subprocess\nprint(subprocess.Popen(['sleep', '300'], start_new_session=True).pid)"
    )
    child = host_pid(it, int(text(it, code)))
    it.restart()
    if isolation.pid_namespace:
        assert not Path(f"/proc/{child}").exists() or _state(child) in "ZX"
    else:
        assert "Processes: NOT isolated" in said(isolation, "Processes:")
        with pytest.raises(OSError):
            os.kill(child, signal.SIGKILL)  # (it escaped: clean up)
    recovers(it)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


DASHBOARD = textwrap.dedent(
    """
    import json, os, time
    from assistant_core.interpreter import Interpreter
    it = Interpreter(cell_timeout=10)
    it.start()
    list(it.run("import subprocess\\nsubprocess.Popen(['sleep', '300'], start_new_session=True)"))
    kernel = it._resources.kernel
    members = []
    for name in os.listdir('/proc'):
        try:
            if name.isdigit() and os.readlink(f'/proc/{name}/ns/pid') == kernel.pid_namespace:
                members.append(int(name))
        except OSError:
            pass
    print(json.dumps({"pids": [kernel.process.pid, *members],
                      "pid_namespace": it.isolation.pid_namespace}), flush=True)
    time.sleep(300)
    """
)


def test_kernel_dies_with_a_killed_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    dashboard = subprocess.Popen(
        [sys.executable, "-c", DASHBOARD], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        info = json.loads(dashboard.stdout.readline())  # type: ignore[union-attr]
    finally:
        dashboard.kill()
        dashboard.wait()
        dashboard.stdout.close()  # type: ignore[union-attr]
    if not info["pid_namespace"]:
        isolation = Interpreter(cell_timeout=1).isolation
        assert "Processes: NOT isolated" in said(isolation, "Processes:")
        return
    started = {pid: _start_time(pid) for pid in info["pids"]}
    assert len(started) >= 4  # monitor, init, kernel, the code's sleep

    def alive() -> list[int]:
        return [p for p, t in started.items() if t and _start_time(p) == t and _state(p) != "Z"]

    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive() == []
    # Its workspace mounts (root only) are left behind; the next dashboard sweeps them.
    prefix = f"aci-ws-{dashboard.pid}-"
    left = [m for m in sandbox_launch.mounts() if m[2].startswith(prefix)]
    if os.geteuid() == 0:
        assert left, "the killed dashboard had a workspace"
    monkeypatch.setattr(interpreter_module, "_swept", False)
    interpreter_module._sweep_stale_workspaces()
    assert not [m for m in sandbox_launch.mounts() if m[2].startswith(prefix)]
    assert not any(Path(point).exists() for point, _, _ in left if "/aci-" in point)


# -- where the OS allows less -----------------------------------------------------------


@pytest.mark.parametrize(
    ("found", "missing"),
    [
        ({"full": False, "net": False, "setuid": False}, ["Network: OPEN", "Filesystem: NOT"]),
        ({"full": False, "net": True, "setuid": True}, ["Filesystem: NOT", "Processes: NOT"]),
    ],
)
def test_describe_says_what_is_not_in_force(
    monkeypatch: pytest.MonkeyPatch, found: dict[str, bool], missing: list[str]
) -> None:
    monkeypatch.setattr(interpreter_module, "_capabilities", lambda: found)
    with Interpreter(cell_timeout=10) as weak:
        isolation = weak.isolation
        assert not isolation.complete
        described = "\n".join(isolation.describe())
        for line in missing:
            assert line in described
        assert "Disk: NOT limited" in described
        assert isolation.network_blocked == found["net"]
        uid = int(text(weak, "import os\nprint(os.getuid())"))
        if os.geteuid() == 0:
            # Without a mount namespace, a uid of its own only where it can reach Python.
            assert (uid != 0) == isolation.unprivileged_user
            if isolation.unprivileged_user:
                assert found["setuid"] and uid == weak.sandbox_uid
            else:
                assert "User: the kernel runs as ROOT" in described
                assert "NOT enforced" in described
        recovers(weak)


NON_ROOT_DASHBOARD = textwrap.dedent(
    """
    import json, os
    from assistant_core.interpreter import Interpreter
    with Interpreter(cell_timeout=10, max_processes=64) as it:
        out = "".join(getattr(e, "logs", "") for e in it.run(
            "import os\\n"
            "print(os.getuid(), os.getpid())\\n"
            "try:\\n    open('/etc/shadow')\\nexcept OSError as e:\\n    print(type(e).__name__)\\n"
            "print(1+1)"))
        iso = it.isolation
        print(json.dumps({"out": out, "complete": iso.complete, "pid": iso.pid_namespace,
                          "fs": iso.filesystem_sandbox, "net": iso.network_blocked,
                          "user": iso.user, "disk": iso.disk_limit,
                          "describe": iso.describe()}))
    """
)


def test_a_dashboard_that_is_not_root_uses_a_user_namespace(tmp_path: Path) -> None:
    """The non-root path, from a root test run: a child dashboard as uid 65534."""
    if os.geteuid() != 0:
        pytest.skip("already not root: every other test here takes the non-root path")
    tools = [shutil.which(name) for name in ("unshare", "setpriv", "mount")]
    if None in tools:
        pytest.skip("unshare, setpriv or mount is missing: cannot make a non-root dashboard")
    home = pwd.getpwuid(0).pw_dir
    stage = tmp_path / "stage"
    stage.mkdir()
    user_home = tmp_path / "nobody"
    user_home.mkdir()
    os.chown(user_home, 65534, 65534)
    os.chmod(tmp_path, 0o755)
    # Root's home may hold the Python installation (pyenv) behind mode 0700: show the
    # installation to the child through an open tmpfs, in a mount namespace of its own.
    needed = [p for p in {sys.base_prefix, sys.prefix} if p.startswith(home.rstrip("/") + "/")]
    binds = "".join(
        f"mkdir -p '{p}' && mount --bind '{stage}/{os.path.relpath(p, home)}' '{p}'\n"
        for p in needed
    )
    script = (
        "set -e\nmount --make-rprivate /\n"
        f"mount --bind '{home}' '{stage}'\n"
        f"mount -t tmpfs -o mode=755 tmpfs '{home}'\n"
        f"{binds}"
        f"exec setpriv --reuid 65534 --regid 65534 --clear-groups env -i PATH=/usr/bin:/bin "
        f"HOME='{user_home}' PYTHONPATH='{PROJECT_DIR}' '{sys.executable}' -c \"$0\"\n"
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, NON_ROOT_DASHBOARD],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.splitlines()[-1])
    lines = report["out"].splitlines()
    assert lines[0].startswith("65534 ")
    assert lines[1] == "PermissionError" and lines[-1] == "2"
    assert report["user"] == "the server's user (uid 65534)"
    described = "\n".join(report["describe"])
    assert "Disk: NOT limited" in described and not report["complete"]  # no workspace as non-root
    if report["pid"]:
        assert lines[0] == "65534 2" and report["fs"] and report["net"]
        assert "Filesystem: sandboxed" in described and "Processes: isolated" in described
    else:
        assert "Processes: NOT isolated" in described and "Filesystem: NOT" in described
