"""The production server (gunicorn, with the arguments ``lenddesk serve`` uses) on a
free loopback port, the resident memory of its workers, and a Celery worker beside it
for workloads whose requests hand work to the worker."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from lenddesk.cli import lower_worker_priority


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path("/proc/%d/task" % pid).glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path("/proc/%d/status" % pid).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """``with Server(env) as server:`` — gunicorn serving ``bench.settings``."""

    def __init__(self, env: dict[str, str], log_path: str):
        self.port = free_port()
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def args(self) -> list[str]:
        os.environ["BIND"] = "%s:%d" % (self.host, self.port)
        from lenddesk.cli import _gunicorn_args

        args = _gunicorn_args()
        args[0] = sys.executable
        return args

    def __enter__(self) -> Server:
        env = dict(self.env, BIND="%s:%d" % (self.host, self.port))
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.args(), env=env, stdout=self.log, stderr=self.log, cwd=os.getcwd()
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; see %s" % self.log_path)
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
                conn.request("GET", "/__bench/minimal")
                status = conn.getresponse().status
                conn.close()
                if status == 200 and len(self.workers()) >= 1:
                    return self
                if status >= 500:
                    self.__exit__(None, None, None)
                    raise RuntimeError(
                        "the server answers %d; see %s" % (status, self.log_path)
                    )
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer; see %s" % self.log_path)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def workers(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def reset_peak(self) -> None:
        """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
        for pid in self.workers():
            with contextlib.suppress(OSError):
                Path("/proc/%d/clear_refs" % pid).write_text("5")

    def peak_rss_mb(self) -> float:
        """The largest worker's peak resident set since the last ``reset_peak``."""
        return max((_status_kb(p, "VmHWM") for p in self.workers()), default=0) / 1024

    def rss_mb(self) -> float:
        return max((_status_kb(p, "VmRSS") for p in self.workers()), default=0) / 1024


class Worker:
    """``with Worker(env, log) as worker:`` — one Celery worker process (solo pool) with
    the server's environment, for workloads whose requests hand work to the worker.
    Entering waits until the worker says it is ready and fails, never hangs, when it
    exits or stays silent."""

    READY = b" ready."

    def __init__(self, env: dict[str, str], log_path: str, *, timeout: float = 90):
        self.env = env
        self.log_path = log_path
        self.timeout = timeout
        self.process: subprocess.Popen | None = None

    def args(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lenddesk.celery",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            "bench-%d@%%h" % os.getpid(),
        ]

    def __enter__(self) -> Worker:
        path = Path(self.log_path)
        offset = path.stat().st_size if path.exists() else 0
        self.log = open(path, "ab")
        # Run beside its log: the folder broker writes its control files into the
        # working directory, which must not be the checkout.
        code = os.pathsep.join(filter(None, [os.getcwd(), self.env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            self.args(),
            env=dict(self.env, PYTHONPATH=code),
            preexec_fn=lower_worker_priority,  # as `lenddesk worker` runs
            stdout=self.log,
            stderr=self.log,
            cwd=path.parent,
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError(
                    "the Celery worker exited (%s); see %s"
                    % (self.process.returncode, self.log_path)
                )
            with open(path, "rb") as log:
                log.seek(offset)
                if self.READY in log.read():
                    return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(
            "the Celery worker was not ready after %d s; see %s"
            % (self.timeout, self.log_path)
        )

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: ends its task
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None
