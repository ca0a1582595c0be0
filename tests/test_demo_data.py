"""The demo firm shows the product: every acquisition menu page has realistic data,
and the seeding is the system's work, not the administrator's."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from lenddesk.accounts.models import User
from lenddesk.acquisition.models import Attribution, ChannelKind, DeliveryStatus
from lenddesk.audit.models import AuditEvent
from lenddesk.audit.services import verify_chain
from lenddesk.customers.models import Customer
from lenddesk.partners.models import Partner, PartnerReferral
from lenddesk.promotion.models import MaterialView, Submission
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from tests.conftest import force_session


@pytest.fixture(scope="module")
def _demo_firm(django_db_setup, django_db_blocker):
    """The demo is built once for this module, in a transaction rolled back after it
    (each test's own transaction nests inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        yield Tenant.objects.get(slug="demo")
        transaction.set_rollback(True)


@pytest.fixture
def demo_admin(_demo_firm, db, client):
    with tenant_context(_demo_firm):
        admin = User.objects.get(username="admin")
    force_session(client, admin)
    return admin


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_channel_report_has_leads_and_spend_per_channel(demo_admin, client):
    response = client.get("/acquisition/report/")
    assert response.status_code == 200
    total = response.context["total"]
    assert total.leads > 0 and total.spend > 0
    rows = {row.label: row for row, _counts in response.context["rows"]}
    assert rows["抖音"].spend > 0 and rows["抖音"].cost_per_lead is not None
    assert rows["线下地推"].spend > 0  # paid by the month
    page = response.content.decode()
    for channel in ("抖音", "百度", "渠道合伙人", "微信公众号"):
        assert channel in page


def test_customers_are_attributed_to_channels_forms_and_partners_that_exist(
    demo_admin,
):
    with tenant_context(demo_admin.tenant):
        customers = Customer.objects.count()
        attributions = Attribution.objects.select_related("channel")
        assert attributions.count() >= customers - 10  # duplicates are not credited
        assert all(a.channel.name == a.customer.channel for a in attributions)
        kinds = set(attributions.values_list("source_kind", flat=True))
        assert {ChannelKind.TRAFFIC, ChannelKind.FORM, ChannelKind.PARTNER} <= kinds
        assert attributions.filter(partner__isnull=False).exists()
        assert attributions.filter(sharer__isnull=False).exists()
        assert attributions.filter(ad_account__isnull=False).exists()


def test_partners_in_three_levels_with_referrals(demo_admin, client):
    page = _page(client, "/partners/")
    assert "成都恒信房产中介" in page and "孙志强" in page
    assert 'data-testid="pending-count"' in page
    with tenant_context(demo_admin.tenant):
        assert set(Partner.objects.values_list("level", flat=True)) == {1, 2, 3}
        referrals = PartnerReferral.objects.all()
        assert referrals.filter(credited=True).count() > 10
        assert referrals.filter(credited=False).exists()


def test_forms_have_submissions_and_materials_have_visits(demo_admin, client):
    forms = _page(client, "/promotion/forms/")
    assert "房产抵押贷款申请" in forms and "企业经营贷快速申请" in forms
    stats = _page(client, "/promotion/stats/")
    assert "房子还在还贷，也能再贷一笔？" in stats
    with tenant_context(demo_admin.tenant):
        assert MaterialView.objects.count() > 20
        assert MaterialView.objects.filter(node__depth__gt=1).exists()
        submissions = Submission.objects.all()
        assert submissions.filter(material__isnull=True).count() >= 16
        assert submissions.filter(material__isnull=False).exists()


def test_integrations_have_created_duplicate_and_held_deliveries(demo_admin, client):
    page = _page(client, "/acquisition/integrations/")
    assert "抖音线索直推" in page and "百度营销表单" in page
    with tenant_context(demo_admin.tenant):
        from lenddesk.acquisition.models import Integration

        integration = Integration.objects.get(name="抖音线索直推")
    detail = client.get("/acquisition/integrations/%d/" % integration.pk)
    counts = detail.context["counts"]
    assert counts[DeliveryStatus.CREATED] > 0
    assert counts[DeliveryStatus.DUPLICATE] > 0
    assert counts[DeliveryStatus.QUARANTINED] > 0


def test_the_administrators_audit_trail_has_no_seed_edits(demo_admin):
    with tenant_context(demo_admin.tenant):
        assert not AuditEvent.objects.filter(actor=demo_admin).exists()
        assert not AuditEvent.objects.filter(actor_name=str(demo_admin)).exists()
        assert AuditEvent.objects.filter(actor__isnull=True, actor_name="").exists()
        assert verify_chain().ok


def test_running_the_demo_again_adds_nothing(demo_admin):
    def counts():
        with tenant_context(demo_admin.tenant):
            return (
                Customer.objects.count(),
                Attribution.objects.count(),
                Partner.objects.count(),
                Submission.objects.count(),
                AuditEvent.objects.count(),
            )

    before = counts()
    call_command("demo", stdout=io.StringIO())
    assert counts() == before
