"""Set resource limits on this process, then ``exec`` the given command.

Used by :mod:`assistant_core.interpreter` to start a Jupyter kernel with limits in force
from its first instruction::

    python -I -S sandbox_launch.py --as BYTES --cpu SECONDS --nproc N --fsize BYTES -- CMD...

Every limit is optional. A limit is never raised above the hard limit already in force.
Core dumps are always disabled (a kernel killed by ``SIGXCPU`` must not write a core file
into its working directory). The module uses the standard library only, and nothing from
``assistant_core``, so that it can run as a plain script under ``python -I -S``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys

__all__ = ["apply_limits", "main"]

# Seconds of CPU time between the soft limit (SIGXCPU) and the hard limit (SIGKILL).
CPU_GRACE_SECONDS = 5


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


def main(argv: list[str] | None = None) -> None:
    """Parse the limits, apply them and replace this process with the command."""
    parser = argparse.ArgumentParser(prog="sandbox_launch", description=__doc__)
    parser.add_argument("--as", dest="address_space", type=int, help="RLIMIT_AS in bytes")
    parser.add_argument("--cpu", dest="cpu_seconds", type=int, help="RLIMIT_CPU in seconds")
    parser.add_argument("--nproc", dest="max_processes", type=int, help="RLIMIT_NPROC")
    parser.add_argument("--fsize", dest="max_file_bytes", type=int, help="RLIMIT_FSIZE bytes")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
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
