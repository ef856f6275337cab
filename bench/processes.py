"""Child processes of the benchmarks (workers, servers): always stopped on the way out."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen, *, grace_seconds: float) -> None:
    """SIGTERM (a warm shutdown: the task in hand finishes), SIGKILL after the grace."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
