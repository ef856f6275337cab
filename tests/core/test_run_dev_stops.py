"""Ctrl-C on `make run` stops the web server and the worker within 10 s, and every process
they started, even when they take their time to stop (a warm shutdown waiting for a task,
runserver's reloading child)."""

import os
import stat
import sys

import pytest

from tests.run_dev import free_port, start_run_dev, stop_everything, wait_until_all_stopped

# Stand-ins for the worker and the web server: each starts a child, as runserver's reloader
# and the worker's pool do, and ignores SIGTERM (so does that child), as a worker finishing
# a long task would. The web server listens on PORT; the worker says it is ready.
STUBBORN_PROGRAM = f"""#!{sys.executable}
import os, pathlib, signal, socket, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if "seed_demo" in sys.argv:
    sys.exit(0)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
if "runserver" in sys.argv:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(os.environ["PORT"])))
    server.listen()
else:
    pathlib.Path(os.environ["NPS_WORKER_READY_FILE"]).touch()
time.sleep(300)
"""


@pytest.fixture
def stubborn_programs(tmp_path):
    for name in ("python", "celery"):
        program = tmp_path / name
        program.write_text(STUBBORN_PROGRAM)
        program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def test_ctrl_c_stops_web_server_worker_and_their_children_within_10_seconds(
    stubborn_programs,
):
    env = {**os.environ, "BIN": str(stubborn_programs), "PORT": str(free_port())}
    run = start_run_dev(env=env, url_timeout=30)
    try:
        # Two programs and a child each.
        assert len(run.descendants()) >= 4, run.output()

        run.interrupt()
        seconds = wait_until_all_stopped(run, timeout=15)

        assert run.process.poll() is not None
        assert run.descendants() == set()
        assert seconds < 10
    finally:
        stop_everything(run)


def test_run_dev_gives_up_when_the_worker_cannot_start(tmp_path):
    failing = tmp_path / "celery"
    failing.write_text("#!/bin/sh\necho 'cannot reach the broker' >&2\nexit 1\n")
    failing.chmod(failing.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "python").symlink_to(failing)
    env = {**os.environ, "BIN": str(tmp_path), "PORT": str(free_port())}

    with pytest.raises(AssertionError, match="exited while starting"):
        start_run_dev(env=env, url_timeout=60)
