"""The ``lenddesk`` command.

``serve`` runs the production WSGI server (gunicorn), ``worker`` the Celery worker,
``scheduler`` Celery beat, ``run`` all three plus migrations and the demo firm (the
embedded default). Every other sub-command is a management command (``migrate``,
``createtenant``, ``createoperator``, ``demo``, ``check`` …).
"""

from __future__ import annotations

import os
import signal
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


def _gunicorn_args() -> list[str]:
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "lenddesk.wsgi:application",
        "--bind",
        bind,
        "--workers",
        os.environ.get("WEB_WORKERS", "2"),
        "--threads",
        os.environ.get("WEB_THREADS", "4"),
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


def _run_all() -> int:
    """Embedded default: one command brings up web, worker and scheduler."""
    _refuse_unsafe_settings()
    worker_niceness()  # a bad WORKER_NICE stops here, not in the child
    _django(["migrate", "--no-input", "-v", "0"])
    _django(["demo", "--if-empty"])
    children = [
        subprocess.Popen(_celery_args("worker"), preexec_fn=lower_worker_priority),  # noqa: S603
        subprocess.Popen(_celery_args("beat")),  # noqa: S603
        subprocess.Popen(_gunicorn_args()),  # noqa: S603
    ]

    def stop(signum, frame):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    sys.stdout.write(
        "\nLendDesk is running on http://%s/  (Ctrl+C stops it)\n\n" % bind
    )
    sys.stdout.flush()
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop(None, None)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
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
