"""The lenddesk command, production safety, health and logs."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from lenddesk.accounts.models import Role, User
from lenddesk.audit.services import verify_chain
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import PlatformOperator, Tenant


def test_createtenant_prints_one_json_object(db):
    out = io.StringIO()
    call_command(
        "createtenant",
        "--name",
        "丁公司",
        "--slug",
        "firm-d",
        "--admin-username",
        "boss",
        "--admin-password",
        "Strong#Pass1",
        "--seats",
        "7",
        "--modules",
        "customers,finance",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    tenant = Tenant.objects.get(pk=data["id"])
    assert data["slug"] == "firm-d" and tenant.seats == 7
    assert tenant.modules == ["customers", "finance"]
    with tenant_context(tenant):
        assert User.objects.get(username="boss").has_code("user.create")
        assert Role.objects.filter(is_system=True).count() == 8
        assert verify_chain().ok


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--modules", "customers,bogus"], "--modules"),
        (["--slug", "Bad Slug"], "--slug"),
        (["--admin-password", "weak"], "--admin-password"),
        (["--seats", "0"], "--seats"),
        (["--expires", "tomorrow"], "--expires"),
    ],
)
def test_createtenant_bad_input_names_the_option(db, args, option):
    base = {
        "--name": "戊公司",
        "--slug": "firm-e",
        "--admin-username": "boss",
        "--admin-password": "Strong#Pass1",
    }
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    argv = [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=option):
        call_command("createtenant", *argv)
    assert not Tenant.objects.filter(slug="firm-e").exists()


def test_createoperator(db):
    call_command(
        "createoperator",
        "--username",
        "ops",
        "--password",
        "Strong#Pass1",
        stdout=io.StringIO(),
    )
    assert PlatformOperator.objects.get(username="ops").check_password("Strong#Pass1")
    with pytest.raises(CommandError, match="--password"):
        call_command("createoperator", "--username", "ops2", "--password", "123")


def test_demo_is_idempotent(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=out)
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        assert User.objects.filter(username="sales1").count() == 1
        assert User.objects.count() == 12
        from lenddesk.customers.models import Customer

        # 40 in bulk; forms, partners and integrations bring the rest.
        assert Customer.objects.filter(attribution__source_ref="demo").count() == 40
        assert Customer.objects.filter(owner__isnull=True).exists()
        assert Customer.objects.filter(owner__username__startswith="sales").exists()
        assert verify_chain().ok
    assert "admin" in out.getvalue() and "operator" in out.getvalue()


def _run_cli(*args, env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "FIELD_ENCRYPTION_KEYS",
            "BLIND_INDEX_KEY",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "lenddesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_production_refuses_default_secret_and_says_why(tmp_path):
    result = _run_cli(
        "check",
        env_extra={"LENDDESK_ENV": "production", "LENDDESK_HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert (
        "SECRET_KEY" in result.stderr
        and "Refusing to start in production" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_production_refuses_debug(tmp_path):
    result = _run_cli(
        "check",
        env_extra={
            "LENDDESK_ENV": "production",
            "LENDDESK_HOME": str(tmp_path),
            "DEBUG": "1",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.com",
            "FIELD_ENCRYPTION_KEYS": "k2:" + "A" * 43 + "=",
            "BLIND_INDEX_KEY": "B" * 43 + "=",
        },
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_cli_help_lists_the_commands():
    result = _run_cli("help", env_extra={})
    for command in (
        "serve",
        "worker",
        "migrate",
        "createtenant",
        "createoperator",
        "demo",
        "check",
        "drain-intake",
    ):
        assert command in result.stdout


@pytest.mark.parametrize("raw", ["high", "-1", "20"])
def test_a_bad_worker_niceness_is_refused_naming_the_variable(monkeypatch, raw):
    from lenddesk.cli import worker_niceness

    monkeypatch.setenv("WORKER_NICE", raw)
    with pytest.raises(SystemExit) as refused:
        worker_niceness()
    assert "WORKER_NICE" in str(refused.value) and raw in str(refused.value)


def test_the_worker_yields_to_web_requests_by_default(monkeypatch):
    from lenddesk.cli import worker_niceness

    monkeypatch.delenv("WORKER_NICE", raising=False)
    assert worker_niceness() == 19
    monkeypatch.setenv("WORKER_NICE", "0")
    assert worker_niceness() == 0


def test_healthz_reports_each_dependency(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "broker"}
    assert all(c["ok"] for c in checks.values())


def test_healthz_is_503_when_a_dependency_fails(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_json_logs_carry_the_request_id(client, db, caplog):
    import logging

    from pythonjsonlogger.json import JsonFormatter

    from lenddesk.web.logging import RequestIdFilter

    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(
        JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s")
    )
    handler.addFilter(RequestIdFilter())
    logging.getLogger("django.request").addHandler(handler)
    try:
        response = client.get("/api/v1/nothing/", HTTP_X_REQUEST_ID="abc12345def")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response["X-Request-ID"] == "abc12345def"
    line = json.loads(handler.stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "abc12345def"


def test_security_headers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src


def test_tasks_run_only_with_an_explicit_tenant(tenant_a, admin_a):
    import datetime as dt

    from django.utils import timezone

    from lenddesk.accounts.models import ApiToken
    from lenddesk.accounts.services import token_issue
    from lenddesk.accounts.tasks import _prune_for
    from lenddesk.accounts.tasks import (
        prune_expired_tokens_task as prune_expired_tokens,
    )

    with pytest.raises(TypeError):
        _prune_for()  # no tenant given: refuses to guess
    with pytest.raises(Tenant.DoesNotExist):
        _prune_for(tenant_id=999999)
    with tenant_context(tenant_a):
        old, _raw = token_issue(user=admin_a)
        fresh, _raw = token_issue(user=admin_a)
        ApiToken.objects.filter(pk=old.pk).update(
            expires_at=timezone.now() - dt.timedelta(days=2)
        )
    assert prune_expired_tokens.apply().get() == 1
    with tenant_context(tenant_a):
        assert list(ApiToken.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_check_command_passes_on_a_sound_setup(db):
    call_command("check", stdout=io.StringIO())


def test_the_servers_access_line_has_the_request_id_and_no_query_string(capsys):
    """One short line per request; a search's query string (names, phone numbers)
    stays out of the log."""
    import datetime as dt
    import types

    from gunicorn.config import Config

    from lenddesk.cli import _gunicorn_args
    from lenddesk.web.access_log import AccessLogger

    args = _gunicorn_args()
    assert (
        args[args.index("--logger-class") + 1] == "lenddesk.web.access_log.AccessLogger"
    )
    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    response = types.SimpleNamespace(
        status="202 Accepted",
        sent=65,
        headers=[("Content-Type", "application/json"), ("X-Request-ID", "abc123def")],
    )
    environ = {
        "REMOTE_ADDR": "203.0.113.5",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/customers/",
        "QUERY_STRING": "q=13800138000",
    }
    logger.access(response, None, environ, dt.timedelta(microseconds=2500))
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.endswith('203.0.113.5 "GET /customers/" 202 65 2.5ms abc123def')
    assert "13800138000" not in line


def test_the_server_runs_one_request_per_process_and_a_process_per_core_plus_one(
    monkeypatch,
):
    """CPU-bound requests: in flight no more than the cores can run (see
    docs/performance.md, order moves); both stay settable."""
    import os

    from lenddesk.cli import _gunicorn_args

    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    args = _gunicorn_args()
    assert args[args.index("--workers") + 1] == str((os.cpu_count() or 1) + 1)
    assert args[args.index("--threads") + 1] == "1"
    monkeypatch.setenv("WEB_WORKERS", "5")
    monkeypatch.setenv("WEB_THREADS", "2")
    args = _gunicorn_args()
    assert args[args.index("--workers") + 1] == "5"
    assert args[args.index("--threads") + 1] == "2"
