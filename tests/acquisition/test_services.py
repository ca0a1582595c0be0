"""The shared entry points other apps call: channel_for, notices, consent, attribution."""

import pytest
from django.core.exceptions import ValidationError

from lenddesk.acquisition import services
from lenddesk.acquisition.models import Attribution, Channel, ConsentRecord
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer

pytestmark = pytest.mark.django_db


def test_channel_for_gets_or_creates_by_name_within_the_firm(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        first = services.channel_for(name=" 朋友圈 ", kind="promotion")
        again = services.channel_for(name="朋友圈", kind="form")
        assert first == again and again.kind == "promotion"
        odd = services.channel_for(name="新渠道", kind="nonsense")
        assert odd.kind == "other"
        with pytest.raises(ValidationError):
            services.channel_for(name="  ", kind="other")
    with tenant_context(tenant_b):
        assert not Channel.objects.filter(name="朋友圈").exists()
        theirs = services.channel_for(name="朋友圈", kind="promotion")
        assert theirs.pk != first.pk


def test_notice_publish_and_current(tenant_a, admin_a):
    with tenant_context(tenant_a):
        assert services.current_notice() is None
        services.notice_publish(actor=admin_a, version="v1", text="一")
        second = services.notice_publish(actor=admin_a, version="v2", text="二")
        assert services.current_notice() == second
        with pytest.raises(ValidationError) as caught:
            services.notice_publish(actor=admin_a, version="v1", text="again")
        assert "version" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            services.notice_publish(actor=admin_a, version="", text="")
        assert {"version", "text"} <= set(caught.value.message_dict)


def test_consent_record_points_at_the_published_version(tenant_a, admin_a):
    customer = add_customer(tenant_a, admin_a)
    with tenant_context(tenant_a):
        notice = services.notice_publish(actor=admin_a, version="2026-01", text="t")
        record = services.consent_record(
            customer=customer,
            notice_version="2026-01",
            source="form",
            source_ref="form:3",
            purposes=["loan_matching"],
            evidence={"checkbox": True},
            ip_address="198.51.100.1",
            user_agent="Mozilla/5.0 MicroMessenger",
        )
        assert record.notice == notice and record.given_at is not None
        unknown = services.consent_record(
            customer=None, notice_version="old-v", source="partner"
        )
        assert unknown.notice is None and unknown.customer is None
        with pytest.raises(ValidationError):
            services.consent_record(customer=customer, notice_version="", source="form")
        with pytest.raises(ValidationError):
            services.consent_record(customer=customer, notice_version="v", source="x")
        assert ConsentRecord.objects.count() == 2


def test_attribution_first_touch_wins_and_fills_gaps(tenant_a, admin_a, salesperson_a):
    customer = add_customer(tenant_a, admin_a)
    with tenant_context(tenant_a):
        first = services.channel_for(name="海报", kind="promotion")
        later = services.channel_for(name="信息流", kind="traffic")
        account = services.ad_account_save(actor=admin_a, channel=later, name="a1")
        made = services.attribution_record(
            customer=customer, source_kind="promotion", channel=first
        )
        again = services.attribution_record(
            customer=customer,
            source_kind="traffic",
            channel=later,
            ad_account=account,
            campaign="c1",
            sharer=salesperson_a,
            source_ref="integration:1",
        )
        assert again.pk == made.pk
        again.refresh_from_db()
        assert again.channel == first and again.source_kind == "promotion"
        assert again.ad_account == account  # empty parts are filled
        assert again.campaign == "c1" and again.sharer == salesperson_a
        assert again.source_ref == "integration:1"
        assert Attribution.objects.count() == 1
        # The channel is taken from the ad account when none is given.
        other = add_customer(tenant_a, admin_a)
        via_account = services.attribution_record(
            customer=other, source_kind="traffic", ad_account=account
        )
        assert via_account.channel == later
