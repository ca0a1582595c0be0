"""The production profile as deployed: static files collected with the manifest
storage, the settings guard, the API docs under the content security policy, and
plain HTTP on health checks and intake."""

import base64
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import Tags, run_checks
from django.core.management import call_command
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import RequestFactory

import lenddesk
from lenddesk.settings import (
    DEFAULT_BLIND_INDEX_KEY,
    DEFAULT_FIELD_ENCRYPTION_KEYS,
    DEFAULT_SECRET_KEY,
)
from lenddesk.web.machine import MachineHandler

SOURCE = Path(lenddesk.__file__).resolve().parent
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


@pytest.fixture
def manifest_static(settings, tmp_path):
    """Static files collected as `lenddesk collectstatic` does in production."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_with_the_manifest_storage_succeeds(manifest_static):
    assert (manifest_static / "staticfiles.json").is_file()
    css = staticfiles_storage.url("vendor/tabler/tabler.min.css")
    assert re.fullmatch(r"/static/vendor/tabler/tabler\.min\.[0-9a-f]{12}\.css", css)


def test_every_static_file_a_template_names_is_in_the_manifest(manifest_static):
    names = {
        name
        for template in SOURCE.rglob("templates/**/*.html")
        for name in STATIC_TAG.findall(template.read_text(encoding="utf-8"))
    }
    assert "vendor/tabler/tabler.min.css" in names
    for name in sorted(names):
        staticfiles_storage.url(name)  # ValueError when missing from the manifest


@pytest.mark.django_db
def test_pages_render_with_hashed_static_urls(client, manifest_static):
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    hashed = staticfiles_storage.url("vendor/tabler/tabler.min.css")
    assert hashed in login.content.decode()
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert hashed in missing.content.decode()  # the real error template


def test_the_deploy_check_names_a_missing_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "empty"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        },
    }
    ids = [
        problem.id
        for problem in run_checks(
            include_deployment_checks=True, tags=[Tags.staticfiles]
        )
    ]
    assert "lenddesk.E002" in ids


def test_the_deploy_check_passes_once_collected(manifest_static):
    ids = [
        problem.id
        for problem in run_checks(
            include_deployment_checks=True, tags=[Tags.staticfiles]
        )
    ]
    assert "lenddesk.E002" not in ids


# --- The settings guard -------------------------------------------------------------


def _key(seed: str) -> str:
    return base64.b64encode(seed.encode().ljust(32, b"-")[:32]).decode()


SAFE = {
    "LENDDESK_ENV": "production",
    "SECRET_KEY": "s" * 30 + "-production-secret-0123456789",
    "FIELD_ENCRYPTION_KEYS": "k2:" + _key("production-field-key"),
    "BLIND_INDEX_KEY": _key("production-blind-index"),
    "AUDIT_CHAIN_KEY": _key("production-audit-chain"),
    "ALLOWED_HOSTS": "crm.example.com",
}
DEV_FIELD_KEY = DEFAULT_FIELD_ENCRYPTION_KEYS.partition(":")[2]


def _import_settings(tmp_path, **changes) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {*SAFE, "DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(SAFE, LENDDESK_HOME=str(tmp_path))
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", "import lenddesk.settings"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_guard_accepts_a_safe_production_environment(tmp_path):
    result = _import_settings(tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", DEFAULT_SECRET_KEY + " "),
        ("SECRET_KEY", " " + DEFAULT_SECRET_KEY),
        ("FIELD_ENCRYPTION_KEYS", "k7:" + DEV_FIELD_KEY),
        ("FIELD_ENCRYPTION_KEYS", DEFAULT_FIELD_ENCRYPTION_KEYS + " "),
        (
            "FIELD_ENCRYPTION_KEYS",
            SAFE["FIELD_ENCRYPTION_KEYS"] + ",old:" + DEV_FIELD_KEY,
        ),
        ("FIELD_ENCRYPTION_KEYS", "k2:not-base64"),
        ("BLIND_INDEX_KEY", DEFAULT_BLIND_INDEX_KEY + " "),
        ("BLIND_INDEX_KEY", "c2hvcnQ="),
        ("AUDIT_CHAIN_KEY", None),
        ("AUDIT_CHAIN_KEY", "bGVuZGRlc2stZGV2LWF1ZGl0LWNoYWluLWtleS0zMmI=\n"),
        ("ALLOWED_HOSTS", "*"),
        ("ALLOWED_HOSTS", "crm.example.com,*"),
        ("ALLOWED_HOSTS", ".com"),
        ("ALLOWED_HOSTS", " , "),
    ],
)
def test_the_guard_refuses_unsafe_values_naming_the_variable(tmp_path, variable, value):
    result = _import_settings(tmp_path, **{variable: value})
    assert result.returncode != 0
    refusal = result.stderr.strip().splitlines()[-1]
    assert "Refusing to start in production" in refusal
    assert variable in refusal


def test_a_subdomain_wildcard_is_accepted(tmp_path):
    result = _import_settings(tmp_path, ALLOWED_HOSTS=".crm.example.com")
    assert result.returncode == 0, result.stderr


# --- API docs under the content security policy -------------------------------------


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def test_every_script_of_the_api_docs_is_allowed_by_the_policy(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = next(
        part for part in policy.split(";") if part.strip().startswith("script-src")
    )
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    parser = _Scripts()
    parser.feed(response.content.decode())
    assert len(parser.scripts) >= 3
    inline = [script for script in parser.scripts if not script.get("src")]
    assert inline, "the init script is inline and must carry the nonce"
    for script in parser.scripts:
        src = script.get("src")
        if src:
            assert src.startswith("/") and not src.startswith("//"), src
        else:
            assert script.get("nonce") == nonce


def test_pages_without_inline_scripts_send_no_nonce(client, db):
    response = client.get("/accounts/login/")
    assert "'nonce-" not in response["Content-Security-Policy"]


# --- Plain HTTP in production -------------------------------------------------------


@pytest.fixture
def https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    return settings


def test_healthz_is_never_redirected(client, db, https_redirect):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_pages_still_redirect_plain_http(client, db, https_redirect):
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_intake_over_plain_http_is_refused_with_a_json_error(
    client, db, https_redirect
):
    response = client.post(
        "/api/v1/intake/some-key/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "https_required"
    assert "HTTPS" in response.json()["detail"]


def test_intake_over_https_is_not_refused(client, db, https_redirect):
    response = client.post(
        "/api/v1/intake/some-key/",
        data=b"{}",
        content_type="application/json",
        secure=True,
    )
    assert response.status_code != 403 or response.json()["error"] != "https_required"
    assert response.status_code < 500


def test_intake_on_the_lean_handler_over_plain_http_is_refused(db, https_redirect):
    environ = (
        RequestFactory()
        .post("/api/v1/intake/some-key/", b"{}", content_type="application/json")
        .environ
    )
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    handler = MachineHandler()  # built now, with the redirect on
    request_started.disconnect(close_old_connections)  # keep the test's connection
    try:
        content = b"".join(handler(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
    assert answer["status"] == 403
    assert json.loads(content)["error"] == "https_required"
    assert answer["headers"]["Content-Type"] == "application/json"
