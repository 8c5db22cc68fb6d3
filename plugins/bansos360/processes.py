"""The process groups the runtimes start: whether one still runs, and how it is ended.

A runtime started from this very process (the tests, ``bansos360 demo``) is this process's child: once it exits it
stays a zombie until it is waited for, and ``kill(pid, 0)`` still finds it. ``alive`` reaps such a child, so a stop
does not wait out its whole timeout for a process that has already gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time


def alive(pid: int) -> bool:
    """Whether the process runs (a finished child of this process is reaped and counts as gone)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: ask the kernel
        reaped = 0
    if reaped == pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def end_groups(pids: list[int], timeout: float) -> None:
    """Ask each process group to end (SIGTERM), wait up to ``timeout`` in all, then kill what is left."""
    asked = []
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        asked.append(pid)
    deadline = time.monotonic() + timeout
    for pid in asked:
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
