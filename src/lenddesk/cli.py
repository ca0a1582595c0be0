"""The ``lenddesk`` command.

``serve`` runs the production WSGI server (gunicorn), ``worker`` the Celery worker,
``scheduler`` Celery beat, ``run`` all three plus migrations and the demo firm (the
embedded default). Every other sub-command is a management command (``migrate``,
``createtenant``, ``createoperator``, ``demo``, ``check`` …).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

USAGE = """usage: lenddesk COMMAND [options]

  run             migrate, create the demo firm on first run, then serve with the
                  background worker and scheduler (the embedded default)
  serve           production WSGI server (gunicorn) on $BIND (default 127.0.0.1:8000)
  worker          background worker (Celery)
  scheduler       periodic jobs (Celery beat)
  migrate         create or upgrade the database
  createtenant    --name N --slug S --admin-username U --admin-password P
                  [--seats K] [--modules all|m1,m2] [--expires YYYY-MM-DD]
  createoperator  --username U --password P
  demo            create the demo firm (idempotent) and print its log-ins
  check           configuration and security checks
  audit verify    check every firm's tamper-evident audit chain [--tenant SLUG]
                  [--anchors FILE]
  audit anchor    print every firm's chain head, to keep outside the database
  rotate-keys     new data keys and re-encryption, in resumable batches [--tenant SLUG]
  drain-intake    turn queued traffic-platform deliveries into leads now
                  (the worker does it by itself) [--tenant SLUG] [--limit N]
  help            this text; `lenddesk COMMAND --help` for one command
"""


def _setup_env() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lenddesk.settings")


def _django(argv: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lenddesk", *argv])
    return 0


def web_concurrency() -> tuple[str, str]:
    """gunicorn's processes and threads: by default one process per core and one
    more, each serving one request at a time. A request here is mostly CPU (Python,
    and PostgreSQL on the same cores), so more requests in flight than cores only
    take turns on them: 8 threads on 2 cores made each of 32 simultaneous order
    moves take 90 ms inside the server, 3 processes 27 ms, with more moves per
    second (docs/performance.md). Raise WEB_THREADS when the database is remote
    and requests wait on it."""
    return (
        os.environ.get("WEB_WORKERS") or str((os.cpu_count() or 1) + 1),
        os.environ.get("WEB_THREADS") or "1",
    )


def _gunicorn_args() -> list[str]:
    workers, threads = web_concurrency()
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "lenddesk.wsgi:application",
        "--bind",
        bind,
        "--workers",
        workers,
        "--threads",
        threads,
        "--worker-class",
        "gthread",
        "--timeout",
        os.environ.get("WEB_TIMEOUT", "60"),
        "--access-logfile",
        "-",
        "--logger-class",
        "lenddesk.web.access_log.AccessLogger",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # Above the API's own limits (lenddesk.web.middleware), which answer JSON.
        "--limit-request-line",
        "8190",
        "--limit-request-field_size",
        "16380",
        "--limit-request-fields",
        "200",
    ]


def _celery_args(kind: str) -> list[str]:
    base = [sys.executable, "-m", "celery", "-A", "lenddesk.celery"]
    if kind == "worker":
        return [
            *base,
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            os.environ.get("WORKER_CONCURRENCY", "2"),
        ]
    return [*base, "beat", "--loglevel", "INFO"]


def worker_niceness() -> int:
    """How much the background worker yields the CPU to web requests (``nice``;
    WORKER_NICE, default 19). It matters where both share cores: the worker then
    takes what web requests leave, so a burst of intake deliveries is answered first
    and turned into leads in the gaps (on two shared cores, 19 rather than 10 accepted
    a burst about a tenth faster, and its customers existed as soon). On a machine of
    its own the worker loses nothing."""
    raw = os.environ.get("WORKER_NICE", "19").strip()
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(
            "lenddesk: WORKER_NICE must be a whole number 0-19, not %r" % raw
        ) from None
    if not 0 <= value <= 19:
        raise SystemExit(
            "lenddesk: WORKER_NICE must be a whole number 0-19, not %r" % raw
        )
    return value


def lower_worker_priority() -> None:
    os.nice(worker_niceness())


def _exec(args: list[str]) -> int:
    os.execv(args[0], args)  # noqa: S606 - our own interpreter, fixed arguments
    return 0  # not reached


def _refuse_unsafe_settings() -> None:
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write("lenddesk: %s\n" % exc)
        raise SystemExit(2) from exc


def _bind_address(bind: str) -> tuple[str, int] | None:
    """``(host, port)`` of a TCP BIND (``host:port``, ``[v6]:port``, ``host``);
    None for a Unix socket or a spelling left to gunicorn to judge."""
    if bind.startswith("unix:") or bind.startswith("fd://"):
        return None
    if bind.startswith("["):
        host, _, rest = bind[1:].partition("]")
        port = rest.lstrip(":") or "8000"
    elif bind.count(":") == 1:
        host, _, port = bind.partition(":")
    elif ":" not in bind:
        host, port = bind, "8000"
    else:
        return None
    return (host, int(port)) if port.isdigit() else None


def port_is_free(host: str, port: int) -> bool:
    """Whether gunicorn could listen there (it sets SO_REUSEADDR too)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port_near(host: str, port: int) -> int | None:
    return next(
        (p for p in range(port + 1, port + 50) if p < 65536 and port_is_free(host, p)),
        None,
    )


def _refuse_busy_port(bind: str) -> None:
    """Stop before anything starts when BIND's port is taken (another LendDesk, say):
    gunicorn would otherwise retry for five seconds while the worker and the scheduler
    already run."""
    address = _bind_address(bind)
    if address is None or port_is_free(*address):
        return
    host, port = address
    spare = _free_port_near(host, port)
    hint = "BIND=%s:%d" % (
        host if ":" not in host else "[%s]" % host,
        spare or port + 1,
    )
    sys.stderr.write(
        "lenddesk: port %d is in use; set BIND=host:port to a free one, e.g.\n"
        "  %s scripts/run\n" % (port, hint)
    )
    raise SystemExit(1)


def _wait_listening(server: subprocess.Popen, bind: str, timeout: float = 60) -> bool:
    """True once the web server accepts connections; False when it exited first."""
    address = _bind_address(bind)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        if address is None:
            return True
        host = "127.0.0.1" if address[0] in ("", "0.0.0.0") else address[0]  # noqa: S104
        host = "::1" if host == "::" else host
        try:
            with socket.create_connection((host, address[1]), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return server.poll() is None


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


def _run_all() -> int:
    """Embedded default: one command brings up web, worker and scheduler. The web
    server starts first; the worker and the scheduler only once it listens."""
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    _refuse_busy_port(bind)
    _refuse_unsafe_settings()
    worker_niceness()  # a bad WORKER_NICE stops here, not in the child
    _django(["migrate", "--no-input", "-v", "0"])
    _django(["demo", "--if-empty"])
    _refuse_busy_port(bind)  # taken while the demo firm was being made
    children = [subprocess.Popen(_gunicorn_args())]  # noqa: S603

    def stop(signum, frame):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if not _wait_listening(children[0], bind):
            sys.stderr.write("lenddesk: the web server could not start on %s\n" % bind)
            return children[0].returncode or 1
        children += [
            subprocess.Popen(_celery_args("worker"), preexec_fn=lower_worker_priority),  # noqa: S603
            subprocess.Popen(_celery_args("beat")),  # noqa: S603
        ]
        sys.stdout.write(
            "\nLendDesk is running on http://%s/  (Ctrl+C stops it)\n\n" % bind
        )
        sys.stdout.flush()
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        _stop(children)
    return max((child.returncode or 0) for child in children)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup_env()
    if not argv or argv[0] in ("help", "-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return _run_all()
    if command == "serve":
        _refuse_unsafe_settings()
        return _exec(_gunicorn_args() + rest)
    if command == "worker":
        _refuse_unsafe_settings()
        lower_worker_priority()
        return _exec(_celery_args("worker") + rest)
    if command == "scheduler":
        _refuse_unsafe_settings()
        return _exec(_celery_args("beat") + rest)
    _refuse_unsafe_settings()
    # ``rotate-keys`` reads better on a command line; Django names it rotate_keys.
    return _django([command.replace("-", "_"), *rest])


if __name__ == "__main__":
    raise SystemExit(main())
