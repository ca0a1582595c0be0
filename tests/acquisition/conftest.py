import itertools
import json
import time

import pytest
from django.utils import translation

from lenddesk.acquisition import intake, services
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import team  # noqa: F401  (fixture)

_phones = itertools.count(1)


def lead_phone() -> str:
    return "137%08d" % next(_phones)


def lead(**extra) -> dict:
    """A platform payload with consent evidence, in the default field names."""
    body = {
        "name": "李四",
        "phone": lead_phone(),
        "city": "杭州",
        "amount": "200000",
        "consent": {
            "notice_version": "2026-01",
            "agreed_at": "2026-11-28T10:00:00+08:00",
            "ip": "203.0.113.7",
            "evidence": "page-snapshot-123",
        },
    }
    body.update(extra)
    return body


def signed_headers(secret: str, body: bytes, *, key="", timestamp=None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "HTTP_X_TIMESTAMP": ts,
        "HTTP_X_SIGNATURE": intake.sign(secret, ts, body),
    }
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key or "evt-%d" % next(_phones)
    return headers


def post_lead(client, integration, secret, payload, *, key="", timestamp=None, **extra):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = signed_headers(secret, body, key=key, timestamp=timestamp)
    headers.update(extra)
    return client.post(
        "/api/v1/intake/%s/" % integration.key,
        data=body,
        content_type="application/json",
        **headers,
    )


def make_integration(tenant, actor, *, name="快贷平台", **values):
    with tenant_context(tenant):
        channel = services.channel_for(
            name=values.pop("channel_name", "信息流"), kind="traffic"
        )
        issued = services.integration_create(
            actor=actor, values={"name": name, "channel": channel, **values}
        )
    return issued.integration, issued.secret


def drain(tenant) -> int:
    """The worker's part: every queued delivery of the firm becomes a lead (or not)."""
    return services.process_queued_deliveries(tenant=tenant)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """``post_lead`` followed by what its commit hands to the worker (Celery runs eager
    in tests), as in production a moment after the 202."""

    def send(integration, secret, payload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_lead(client, integration, secret, payload, **kwargs)

    return send


@pytest.fixture
def platform(tenant_a, admin_a):
    """An integration of firm A that leaves leads in the pool, and its secret."""
    return make_integration(tenant_a, admin_a, assign_mode="pool")


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Pages and messages in English, so assertions survive the Chinese catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
