"""`scripts/run-dev` in a child process: started, read until it prints its URL, interrupted.

It runs in a session of its own, so that the SIGINT a test sends reaches it alone, as
Ctrl-C reaches it alone in a terminal (its programs run in process groups of their own),
and with SIGINT's default action, as a terminal gives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunDev:
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    url_printed: threading.Event = field(default_factory=threading.Event)

    def output(self) -> str:
        return "".join(self.lines)

    def descendants(self) -> set[int]:
        """The live processes run-dev started, their own children included."""
        return live_descendants(self.process.pid)

    def interrupt(self) -> None:
        """Ctrl-C."""
        self.process.send_signal(signal.SIGINT)


def start_run_dev(*, env: dict[str, str], url_timeout: float) -> RunDev:
    """Start run-dev; return once it printed its URL (fail after `url_timeout` seconds)."""
    process = subprocess.Popen(  # noqa: S603 - the project's own script
        # SIGINT as in a terminal. A test run started as a background job of a script
        # (no job control) ignores it, and so would run-dev, whose shell cannot then trap
        # it: Ctrl-C would do nothing. env execs run-dev in its own process (same pid).
        ["/usr/bin/env", "--default-signal=INT", str(ROOT / "scripts" / "run-dev")],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    run = RunDev(process=process)

    def read() -> None:
        for line in process.stdout:
            run.lines.append(line)
            if "NPS Loop is running at" in line:
                run.url_printed.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + url_timeout
    while not run.url_printed.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_everything(run)
            raise AssertionError(f"run-dev printed no URL:\n{run.output()}")
    return run


def wait_until_all_stopped(run: RunDev, *, timeout: float) -> float:
    """Seconds until run-dev and every process it started are gone (`timeout` at most)."""
    started = time.monotonic()
    watched = run.descendants()
    while time.monotonic() - started < timeout:
        watched &= {pid for pid in watched if _alive(pid)}
        if run.process.poll() is not None and not watched:
            break
        time.sleep(0.05)
    return time.monotonic() - started


def stop_everything(run: RunDev) -> None:
    """Kill whatever a failed test left running."""
    for pid in run.descendants() | {run.process.pid}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    run.process.wait(timeout=10)


def live_descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, ppid = _pid_and_parent(stat.read_text())
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {pid for pid in found if _alive(pid)}


def _pid_and_parent(stat: str) -> tuple[int, int]:
    # "pid (command) state ppid ...": the command may hold spaces and parentheses.
    head, _, tail = stat.rpartition(")")
    return int(head.split(" (", 1)[0]), int(tail.split()[1])


def _alive(pid: int) -> bool:
    """Running: a zombie whose parent has not reaped it yet does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
