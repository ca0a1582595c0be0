"""Conversion feedback pages on an integration: the settings (the integrations admin
only), the secret shown once, the send log with its filters and "send again" (htmx
answers the row, or 409 with the reason), and the audit rows."""

import re

import pytest

from lenddesk.acquisition.models import ConversionCallback, ConversionConfig
from lenddesk.audit.models import AuditEvent
from lenddesk.customers.bulk import customers_set_stage
from lenddesk.customers.models import FunnelStage
from lenddesk.customers.services import customer_assign
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import make_integration
from tests.acquisition.test_conversions_stub import (
    Receiver,
    customer_from_platform,
    send_due,
    switch_on,
)
from tests.conftest import force_session
from tests.factories import make_user


@pytest.fixture(scope="module")
def receiver():
    stub = Receiver()
    yield stub
    stub.close()


SECRET = re.compile(r'data-testid="conversion-secret">([^<]+)<')


def _url(integration, tail=""):
    return "/acquisition/integrations/%d/conversions/%s" % (integration.pk, tail)


def _rows(response) -> int:
    return response.content.decode().count('data-testid="conversion-row"')


def test_settings_page_is_the_integration_admins_and_shows_the_secret_once(
    client, tenant_a, admin_a, receiver, settings
):
    integration, _secret = make_integration(tenant_a, admin_a)
    for role in ("general_manager", "salesperson"):
        force_session(client, make_user(tenant_a, "u-" + role, role_keys=[role]))
        assert client.get(_url(integration)).status_code == 403
        assert client.get(_url(integration, "log/")).status_code == 403
        assert client.post(_url(integration), {"enabled": "on"}).status_code == 403
    force_session(client, admin_a)
    detail = client.get("/acquisition/integrations/%d/" % integration.pk)
    assert _url(integration) in detail.content.decode()
    page = client.get(_url(integration))
    assert page.status_code == 200 and 'data-testid="conversion-form"' in page.text
    values = {
        "enabled": "on",
        "url": receiver.url,
        "events": ["signed", "lost"],
        "qualified_stage": "visited",
    }
    shown = client.post(_url(integration), values)
    assert shown.status_code == 200
    [secret] = SECRET.findall(shown.text)
    assert secret.startswith("whsec_")
    with tenant_context(tenant_a):
        config = ConversionConfig.objects.get(integration=integration)
        assert (config.enabled, config.events, config.qualified_stage) == (
            True,
            ["signed", "lost"],
            "visited",
        )
        assert config.get_secret("secret") == secret
        assert not config.send_amount_band
        saved = AuditEvent.objects.get(action="acquisition.conversion_settings")
        assert "secret" in saved.changes and secret not in str(saved.changes)
    again = client.post(_url(integration), {**values, "send_amount_band": "on"})
    assert again.status_code == 302  # saved; the secret is not shown again
    assert secret not in client.get(_url(integration)).text
    rotated = client.post(_url(integration, "secret/"))
    assert rotated.status_code == 200 and secret not in rotated.text
    assert 'data-testid="conversion-secret"' in rotated.text
    settings.CONVERSION_STRICT_URLS = True
    refused = client.post(_url(integration), {**values, "url": "http://x.example/"})
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["url"]


def test_send_log_filters_and_sends_a_failed_callback_again(
    client, tenant_a, admin_a, receiver, settings, django_capture_on_commit_callbacks
):
    settings.CONVERSION_MAX_ATTEMPTS = 1
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    receiver.reset(switch_on(tenant_a, admin_a, integration, receiver.url))
    customers = [
        customer_from_platform(client, tenant_a, integration, secret, key=key)
        for key in ("log-ok", "log-bad")
    ]
    with tenant_context(tenant_a):
        customer_assign(actor=admin_a, customers=customers, owner=admin_a)
        invited = FunnelStage.objects.get(key="invited").pk
    receiver.answers = [200, 500]
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        customers_set_stage(
            actor=admin_a, customer_ids=[c.pk for c in customers], stage_id=invited
        )
    with tenant_context(tenant_a):
        failed = ConversionCallback.objects.get(status="failed")
        delivered = ConversionCallback.objects.get(status="delivered")
    assert failed.last_http_status == 500
    force_session(client, admin_a)
    log = _url(integration, "log/")
    assert _rows(client.get(log)) == 2
    only_failed = client.get(log + "?status=failed")
    assert _rows(only_failed) == 1 and failed.lead_ref in only_failed.text
    assert _rows(client.get(log + "?event=lost")) == 0
    assert _rows(client.get(log + "?q=%s" % delivered.lead_ref)) == 1
    retry = _url(integration, "retry/")
    refused = client.post(retry, {"callback": delivered.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert 'data-testid="conversion-error"' in refused.text
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(retry, {"callback": failed.pk}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and _rows(again) == 1
    with tenant_context(tenant_a):
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("delivered", 1)
        assert AuditEvent.objects.filter(
            action="acquisition.conversion_retried"
        ).exists()
    assert send_due(tenant_a) == {}
    assert client.post(retry, {"callback": "999999"}).status_code == 404
    plain = client.post(retry, {"callback": failed.pk})
    assert plain.status_code == 302 and plain.url.endswith("/conversions/log/")
