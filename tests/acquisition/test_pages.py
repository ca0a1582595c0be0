"""Acquisition pages as a manager, finance and an admin use them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lenddesk.acquisition import services
from lenddesk.acquisition.models import (
    AdAccount,
    AdSpend,
    Attribution,
    Channel,
    Delivery,
    DeliveryStatus,
    Integration,
)
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers.models import Customer, FunnelStage
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import drain, lead, make_integration, post_lead
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(tenant_a):
    return make_user(tenant_a, "gm", role_keys=["general_manager"])


def test_manager_adds_edits_and_deactivates_channels_and_accounts(
    client, tenant_a, manager
):
    force_session(client, manager)
    bad = client.post("/acquisition/channels/", {"name": "", "kind": "traffic"})
    assert bad.status_code == 400
    assert "name" in bad.context["form"].errors
    assert (
        client.post(
            "/acquisition/channels/",
            {"name": "抖音", "kind": "traffic", "active": "on"},
        ).status_code
        == 302
    )
    twice = client.post("/acquisition/channels/", {"name": "抖音", "kind": "traffic"})
    assert twice.status_code == 400
    assert "already exists" in str(twice.context["form"].errors["name"])
    with tenant_context(tenant_a):
        channel = Channel.objects.get(name="抖音")
    page = client.get("/acquisition/channels/").content.decode()
    assert "抖音" in page
    url = "/acquisition/channels/%d/" % channel.pk
    response = client.post(
        url, {"name": "抖音信息流", "kind": "traffic", "active": "on"}
    )
    assert response.status_code == 302
    added = client.post(
        url + "accounts/",
        {
            "channel": channel.pk,
            "name": "巨量1号",
            "external_id": "1688",
            "active": "on",
        },
    )
    assert added.status_code == 302
    with tenant_context(tenant_a):
        account = AdAccount.objects.get(name="巨量1号")
    edit = client.post(
        "/acquisition/accounts/%d/" % account.pk,
        {"channel": channel.pk, "name": "巨量一号", "external_id": "1688"},
    )
    assert edit.status_code == 302
    assert client.post(url + "toggle/").status_code == 302
    with tenant_context(tenant_a):
        channel.refresh_from_db()
        account.refresh_from_db()
        assert channel.name == "抖音信息流" and not channel.active
        assert account.name == "巨量一号" and not account.active
        assert AuditEvent.objects.filter(action=AuditAction.CHANNEL_SAVED).count() == 3
        assert (
            AuditEvent.objects.filter(action=AuditAction.AD_ACCOUNT_SAVED).count() == 2
        )
    assert "inactive" in client.get("/acquisition/channels/").content.decode()


def test_salesperson_cannot_open_acquisition_pages(client, salesperson_a):
    force_session(client, salesperson_a)
    for url in (
        "/acquisition/channels/",
        "/acquisition/spend/",
        "/acquisition/report/",
        "/acquisition/integrations/",
        "/acquisition/notice/",
    ):
        assert client.get(url).status_code == 403, url


def test_spend_and_the_channel_report(client, tenant_a, admin_a, manager):
    with tenant_context(tenant_a):
        channel = services.channel_for(name="百度", kind="traffic")
        account = services.ad_account_save(actor=admin_a, channel=channel, name="搜索1")
        other = services.channel_for(name="线下", kind="offline")
    today = timezone.localdate()
    finance = make_user(tenant_a, "fin", role_keys=["finance"])
    force_session(client, finance)
    bad = client.post(
        "/acquisition/spend/",
        {
            "ad_account": account.pk,
            "period_start": today.isoformat(),
            "period_end": (today - dt.timedelta(days=2)).isoformat(),
            "amount": "-1",
        },
    )
    assert bad.status_code == 400
    assert {"period_end", "amount"} <= set(bad.context["form"].errors)
    for amount in ("999.00", "1000.50"):  # the second corrects the first
        response = client.post(
            "/acquisition/spend/",
            {
                "ad_account": account.pk,
                "campaign": "双十一",
                "period_start": today.isoformat(),
                "period_end": today.isoformat(),
                "amount": amount,
            },
        )
        assert response.status_code == 302
    with tenant_context(tenant_a):
        spend = AdSpend.objects.get()
        assert spend.amount == Decimal("1000.50")
    assert "1,000.50" in client.get("/acquisition/spend/").content.decode()
    # Two leads attributed to 百度/搜索1/双十一 and one offline lead.
    for name in ("甲", "乙"):
        customer = add_customer(tenant_a, admin_a, name=name)
        with tenant_context(tenant_a):
            services.attribution_record(
                customer=customer,
                source_kind="traffic",
                ad_account=account,
                campaign="双十一",
            )
    walk_in = add_customer(tenant_a, admin_a, name="丙")
    with tenant_context(tenant_a):
        services.attribution_record(
            customer=walk_in, source_kind="offline", channel=other
        )
        won = FunnelStage.objects.order_by("-order").first()
        Customer.objects.filter(name="甲").update(stage=won)
    report = client.get("/acquisition/report/")
    assert report.status_code == 200
    rows = {row.label: row for row, _counts in report.context["rows"]}
    assert rows["百度"].leads == 2
    assert rows["百度"].spend == Decimal("1000.50")
    assert rows["百度"].cost_per_lead == Decimal("500.25")
    assert rows["百度"].stages[won.pk] == 1
    assert rows["线下"].leads == 1 and rows["线下"].cost_per_lead == Decimal("0.00")
    assert report.context["total"].leads == 3
    by_campaign = client.get("/acquisition/report/?group=campaign")
    labels = [row.label for row, _c in by_campaign.context["rows"]]
    assert "双十一" in labels
    by_account = client.get("/acquisition/report/?group=account").content.decode()
    assert "搜索1" in by_account and "500.25" in by_account
    # Another date range has nothing.
    old = (today - dt.timedelta(days=400)).isoformat()
    empty = client.get("/acquisition/report/?date_from=%s&date_to=%s" % (old, old))
    assert empty.context["rows"] == []
    # Garbage parameters never break the page.
    assert client.get("/acquisition/report/?date_from=x&group=zzz").status_code == 200


def test_integration_secret_is_shown_once_and_rotated(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        channel = services.channel_for(name="融360", kind="traffic")
    force_session(client, admin_a)
    bad = client.post(
        "/acquisition/integrations/new/",
        {
            "name": "融360",
            "channel": channel.pk,
            "assign_mode": "pool",
            "rate_limit_per_minute": "600",
            "field_mapping": '{"tel": "salary"}',
        },
    )
    assert bad.status_code == 400
    assert "field_mapping" in bad.context["form"].errors
    created = client.post(
        "/acquisition/integrations/new/",
        {
            "name": "融360",
            "channel": channel.pk,
            "assign_mode": "pool",
            "rate_limit_per_minute": "600",
            "field_mapping": '{"tel": "phone"}',
            "active": "on",
        },
    )
    assert created.status_code == 200
    secret = created.context["secret"]
    assert secret.startswith("whsec_") and secret in created.content.decode()
    with tenant_context(tenant_a):
        integration = Integration.objects.get(name="融360")
        assert integration.get_secret("secret") == secret
        assert secret.encode() not in bytes(integration.secret_cipher)
    detail = client.get("/acquisition/integrations/%d/" % integration.pk)
    assert detail.status_code == 200
    assert secret not in detail.content.decode()
    assert integration.key in detail.content.decode()
    rotated = client.post("/acquisition/integrations/%d/rotate/" % integration.pk)
    assert rotated.status_code == 200
    assert rotated.context["secret"] != secret
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(
            action=AuditAction.INTEGRATION_SECRET_ROTATED
        ).exists()
        row = AuditEvent.objects.filter(action=AuditAction.INTEGRATION_SAVED).first()
        assert secret not in str(row.changes)
    edit = client.post(
        "/acquisition/integrations/%d/edit/" % integration.pk,
        {
            "name": "融360",
            "channel": channel.pk,
            "assign_mode": "pool",
            "rate_limit_per_minute": "30",
        },
    )
    assert edit.status_code == 302
    assert "融360" in client.get("/acquisition/integrations/").content.decode()


def test_integration_page_shows_deliveries_and_replays(client, tenant_a, admin_a):
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    existing = add_customer(tenant_a, admin_a, phone="13900005555")
    no_consent = lead()
    del no_consent["consent"]
    post_lead(client, integration, secret, no_consent, key="q-1")
    post_lead(client, integration, secret, lead(phone="123"), key="bad-1")
    post_lead(client, integration, secret, lead(phone="13900005555"), key="dup-1")
    post_lead(client, integration, secret, lead(), key="ok-1")
    drain(tenant_a)
    post_lead(client, integration, secret, lead(), key="waiting-1")
    force_session(client, admin_a)
    page = client.get("/acquisition/integrations/%d/" % integration.pk)
    html = page.content.decode()
    counts = page.context["counts"]
    assert counts["quarantined"] == counts["rejected"] == 1
    assert counts["created"] == counts["duplicate"] == counts["queued"] == 1
    assert "/customers/%d/" % existing.pk in html  # the dedup link
    assert "phone:" in html  # the field error
    assert "Queued" in html
    only = client.get("/acquisition/integrations/%d/?status=rejected" % integration.pk)
    assert len(only.context["deliveries"]) == 1
    waiting = client.get("/acquisition/integrations/%d/?status=queued" % integration.pk)
    assert [d.idempotency_key for d in waiting.context["deliveries"]] == ["waiting-1"]
    assert "/replay/" not in waiting.content.decode()  # the worker's, not staff's
    with tenant_context(tenant_a):
        quarantined = Delivery.objects.get(idempotency_key="q-1")
        created = Delivery.objects.get(idempotency_key="ok-1")
        queued = Delivery.objects.get(idempotency_key="waiting-1")
    url = "/acquisition/integrations/%d/deliveries/%d/replay/"
    response = client.post(url % (integration.pk, quarantined.pk), follow=True)
    assert "Quarantined" in response.content.decode()
    response = client.post(url % (integration.pk, created.pk), follow=True)
    assert "already reached a customer" in response.content.decode()
    response = client.post(url % (integration.pk, queued.pk), follow=True)
    assert "is queued" in response.content.decode()
    with tenant_context(tenant_a):
        quarantined.refresh_from_db()
        assert quarantined.status == DeliveryStatus.QUARANTINED
        assert quarantined.replay_count == 1
        queued.refresh_from_db()
        assert queued.status == DeliveryStatus.QUEUED
        assert queued.replay_count == 0


def test_other_firms_integrations_and_deliveries_are_404(
    client, tenant_a, admin_a, tenant_b, admin_b
):
    theirs, secret = make_integration(tenant_b, admin_b)
    post_lead(client, theirs, secret, lead(), key="b-1")
    with tenant_context(tenant_b):
        delivery = Delivery.objects.get()
        channel = theirs.channel
    force_session(client, admin_a)
    for url in (
        "/acquisition/integrations/%d/" % theirs.pk,
        "/acquisition/integrations/%d/edit/" % theirs.pk,
        "/acquisition/channels/%d/" % channel.pk,
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        "/acquisition/integrations/%d/rotate/" % theirs.pk,
        "/acquisition/integrations/%d/deliveries/%d/replay/" % (theirs.pk, delivery.pk),
        "/acquisition/channels/%d/toggle/" % channel.pk,
    ):
        assert client.post(url).status_code == 404, url


def test_privacy_notice_versions(client, tenant_a, admin_a):
    force_session(client, admin_a)
    assert (
        "Nothing published yet" in client.get("/acquisition/notice/").content.decode()
    )
    response = client.post(
        "/acquisition/notice/", {"version": "2026-01", "text": "我们如何处理您的信息"}
    )
    assert response.status_code == 302
    again = client.post("/acquisition/notice/", {"version": "2026-01", "text": "x"})
    assert again.status_code == 400
    assert "version" in again.context["form"].errors
    client.post("/acquisition/notice/", {"version": "2026-02", "text": "第二版"})
    with tenant_context(tenant_a):
        assert services.current_notice().version == "2026-02"
        assert (
            AuditEvent.objects.filter(action=AuditAction.NOTICE_PUBLISHED).count() == 2
        )
    assert "第二版" in client.get("/acquisition/notice/").content.decode()


def test_customer_page_shows_where_the_customer_came_from(
    client, tenant_a, admin_a, team
):
    integration, secret = make_integration(tenant_a, admin_a, assign_mode="pool")
    post_lead(client, integration, secret, lead(name="来源客户"))
    drain(tenant_a)
    with tenant_context(tenant_a):
        customer = Customer.objects.get(name="来源客户")
        assert Attribution.objects.filter(customer=customer).exists()
    force_session(client, admin_a)
    detail = client.get("/customers/%d/" % customer.pk).content.decode()
    assert "/acquisition/customers/%d/source/" % customer.pk in detail
    panel = client.get("/acquisition/customers/%d/source/" % customer.pk)
    html = panel.content.decode()
    assert panel.status_code == 200
    assert "信息流" in html and "2026-01" in html
    # A colleague's customer outside the salesperson's scope is 404.
    theirs = add_customer(tenant_a, team["s2"], owner=team["s2"])
    force_session(client, team["s1"])
    assert (
        client.get("/acquisition/customers/%d/source/" % theirs.pk).status_code == 404
    )
