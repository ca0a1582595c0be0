"""The intake endpoint as the production server runs it: through ``lenddesk.wsgi``,
whose lean handler serves machine endpoints (lenddesk/web/machine.py) with no
transaction open, so a delivery is stored or found in one round trip on PostgreSQL."""

import json

import psycopg
import pytest
from django.core.cache import cache
from django.core.signals import request_started
from django.db import close_old_connections, connection
from django.test import RequestFactory

from lenddesk.acquisition.models import Delivery, DeliveryStatus, Integration
from lenddesk.acquisition.tasks import drain_flag
from lenddesk.customers.models import Customer
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import drain, lead, make_integration, signed_headers

# Tests marked transactional take the production path (no transaction open around
# the request); PostgreSQL only, as a transactional test cannot empty SQLite's
# append-only audit table. The others run inside the test's transaction.
pytestmark = pytest.mark.django_db


def call(method, path, body=b"", *, host="testserver", **headers):
    """One request through the WSGI application gunicorn serves."""
    from lenddesk.wsgi import application

    environ = (
        RequestFactory()
        .generic(method, path, body, content_type="application/json", **headers)
        .environ
    )
    environ["HTTP_HOST"] = host
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    # As Django's test client does: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    try:
        content = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def send(integration, secret, payload, *, key="", **headers):
    body = json.dumps(payload).encode()
    signed = signed_headers(secret, body, key=key)
    return call(
        "POST", "/api/v1/intake/%s/" % integration.key, body, **signed, **headers
    )


@pytest.fixture
def platform(tenant_a, admin_a):
    return make_integration(tenant_a, admin_a, assign_mode="pool")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_stored_once_and_answered_with_every_security_header(
    tenant_a, platform
):
    integration, secret = platform
    payload = lead(name="精简")
    status, headers, content = send(integration, secret, payload, key="lean-1")
    assert status == 202
    first = json.loads(content)
    assert first["status"] == "queued"
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in headers["Cache-Control"]
    assert len(headers["X-Request-ID"]) >= 8
    # The commit asked for the drain (tests run the worker's tasks at once): the
    # retry answers the current status of the same lead.
    status, headers, content = send(integration, secret, payload, key="lean-1")
    assert (status, headers["Idempotent-Replayed"]) == (200, "true")
    assert json.loads(content) == {"status": "created", "lead": first["lead"]}
    assert drain(tenant_a) == 0
    with tenant_context(tenant_a):
        assert Delivery.objects.count() == 1
        assert Customer.objects.filter(name="精简").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reused_key_and_a_corrected_delivery(tenant_a, platform):
    integration, secret = platform
    status, _h, content = send(integration, secret, lead(phone="12"), key="fix-me")
    assert status == 400
    rejected = json.loads(content)
    assert rejected["fields"] == {"phone": [rejected["fields"]["phone"][0]]}
    status, _h, content = send(integration, secret, lead(), key="fix-me")
    assert set(rejected) == {"error", "detail", "fields"}  # the documented shape
    assert status == 202  # the correction of a rejected delivery is taken
    with tenant_context(tenant_a):
        assert json.loads(content)["lead"] == str(Delivery.objects.get().reference)
    status, _h, content = send(integration, secret, lead(name="别的"), key="fix-me")
    assert status == 409
    assert json.loads(content)["error"] == "idempotency_key_reused"
    with tenant_context(tenant_a):  # the corrected lead, made by the worker
        assert Delivery.objects.get().status == DeliveryStatus.CREATED
        assert Customer.objects.filter(name="李四").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_broken_database_connection_is_replaced_for_the_next_delivery(
    tenant_a, platform
):
    integration, secret = platform
    assert send(integration, secret, lead())[0] == 202
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    status, _headers, _content = send(integration, secret, lead(), key="after-cut")
    assert status == 202
    assert connection.connection.info.backend_pid != pid
    # Our statement gone from the session (a pooler's reset, say): prepared again.
    connection.connection.execute("DEALLOCATE lenddesk_intake_store")
    assert send(integration, secret, lead(), key="after-reset")[0] == 202
    with tenant_context(tenant_a):
        assert Delivery.objects.filter(idempotency_key="after-cut").count() == 1
        assert Delivery.objects.filter(idempotency_key="after-reset").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refused_deliveries_do_not_use_up_the_allowance(tenant_a, platform):
    integration, secret = platform
    with tenant_context(tenant_a):
        Integration.objects.filter(pk=integration.pk).update(rate_limit_per_minute=2)
    for _attempt in range(4):  # someone who knows the key, not the secret
        assert send(integration, "wrong-secret", lead())[0] == 401
    assert cache.get(drain_flag(tenant_a.slug)) is None  # let go by each refusal
    codes = [send(integration, secret, lead())[0] for _ in range(3)]
    assert codes == [202, 202, 429]


def test_error_messages_follow_the_callers_language(platform):
    integration, _secret = platform
    path = "/api/v1/intake/%s.unknownkey00/" % integration.key.split(".")[0]
    _s, _h, english = call("POST", path, b"{}", HTTP_ACCEPT_LANGUAGE="en")
    _s, _h, chinese = call("POST", path, b"{}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert json.loads(english)["detail"] == "Unknown integration key."
    assert json.loads(chinese)["detail"] != json.loads(english)["detail"]


def test_hosts_methods_and_paths_outside_the_endpoint_are_refused(platform):
    integration, _secret = platform
    path = "/api/v1/intake/%s/" % integration.key
    assert call("POST", path, b"{}", host="attacker.example")[0] == 400
    status, headers, _content = call("GET", path)
    assert (status, headers["Allow"]) == (405, "POST, OPTIONS")
    for other in ("/api/v1/intake/", "/api/v1/intake/%s/extra/" % integration.key):
        status, headers, content = call("POST", other, b"{}")
        assert status == 404
        assert json.loads(content)["error"] == "not_found"


def test_staff_pages_and_api_keep_the_full_middleware():
    status, headers, _content = call("GET", "/accounts/login/")
    assert status == 200
    assert "csrftoken" in headers.get("Set-Cookie", "")
    status, _headers, content = call("GET", "/api/v1/customers/")
    assert status in (401, 403)
    assert json.loads(content)["error"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_first_seen_on_a_refused_delivery_is_still_taken(tenant_a, platform):
    """A retry within two minutes is answered from the stored row; a key that was only
    seen on a refused request is stored as new."""
    integration, secret = platform
    payload = lead(name="先拒后收")
    assert send(integration, "wrong-secret", payload, key="seen-1")[0] == 401
    status, _headers, content = send(integration, secret, payload, key="seen-1")
    assert status == 202
    again, headers, replay = send(integration, secret, payload, key="seen-1")
    assert (again, headers["Idempotent-Replayed"]) == (200, "true")
    assert json.loads(replay)["lead"] == json.loads(content)["lead"]
    other, _headers, _content = send(integration, secret, lead(), key="seen-1")
    assert other == 409  # another body under a seen key still goes the full way
    with tenant_context(tenant_a):
        assert Delivery.objects.filter(idempotency_key="seen-1").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_behind_a_transaction_pooler_the_statement_is_sent_whole(
    settings, tenant_a, platform
):
    """DB_PREPARED_STATEMENTS=0: no session-level PREPARE (a transaction pooler would
    hand the next message another server connection)."""
    settings.DB_PREPARED_STATEMENTS = False
    integration, secret = platform
    connection.close()  # a new session, with nothing prepared
    payload = lead(name="池化")
    first = send(integration, secret, payload, key="pooled")
    again = send(integration, secret, payload, key="pooled")
    assert (first[0], again[0]) == (202, 200)
    assert json.loads(again[2])["lead"] == json.loads(first[2])["lead"]
    prepared = connection.connection.execute(
        "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'lenddesk_%'"
    )
    assert prepared.fetchone()[0] == 0
