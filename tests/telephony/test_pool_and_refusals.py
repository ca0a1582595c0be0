"""The caller-number pool (caps, cool-down, rotation, benching), the person's and
the customer's daily caps, calling hours and the do-not-call list: each refusal
says why, and the 拨打 button shows it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.notifications.models import Notification
from lenddesk.telephony.models import CallerNumber, CallRecord, NumberStatus
from lenddesk.telephony.services import call_start, dnc_add, number_add, settings_update
from lenddesk.telephony.services.pool import number_take
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.telephony.conftest import all_day, script

pytestmark = pytest.mark.django_db


def _call(firm, seller, customer):
    with tenant_context(firm["tenant"]):
        return call_start(actor=seller, customer=customer)


def test_a_line_at_its_daily_cap_is_skipped_for_the_next(
    firm, seller, customer, tenant_a
):
    with tenant_context(tenant_a):
        first, second = firm["lines"]
        CallerNumber.objects.filter(pk=first.pk).update(daily_cap=1)
        CallerNumber.objects.filter(pk=second.pk).update(last_used_at=timezone.now())
    other = add_customer(tenant_a, seller, name="王五", owner=seller)
    one = _call(firm, seller, customer)
    two = _call(firm, seller, other)
    assert one.caller_number_id == first.pk
    assert two.caller_number_id == second.pk
    with tenant_context(tenant_a):
        assert CallerNumber.objects.get(pk=first.pk).day_count == 1


def test_hourly_cap_and_cool_down_hold_a_line_back(firm, tenant_a):
    with tenant_context(tenant_a):
        CallerNumber.objects.all().delete()
        line = number_add(
            actor=firm["admin"], number="02088889999", hourly_cap=5, cooldown_seconds=60
        )
        assert number_take().pk == line.pk
        assert number_take() is None  # resting
        CallerNumber.objects.filter(pk=line.pk).update(free_at=None, hour_count=5)
        assert number_take() is None  # hour used up
        hour_ago = timezone.now() - dt.timedelta(hours=1)
        CallerNumber.objects.filter(pk=line.pk).update(hour_start=hour_ago)
        assert number_take().pk == line.pk  # a new hour starts at one


def test_no_free_line_is_refused_with_the_reason(firm, seller, customer, tenant_a):
    with tenant_context(tenant_a):
        CallerNumber.objects.update(status=NumberStatus.BENCHED)
    with pytest.raises(ValidationError) as refused:
        _call(firm, seller, customer)
    assert refused.value.code == "no_caller_number"
    assert "当前没有可用的外显线路" in refused.value.messages[0]


def test_a_line_with_a_low_connect_rate_is_benched_and_the_admin_told(
    firm, seller, tenant_a
):
    with tenant_context(tenant_a):
        settings_update(
            actor=firm["admin"],
            values={
                "bench_after_calls": 5,
                "bench_below_percent": 30,
                "customer_daily_cap": 50,
            },
        )
        CallerNumber.objects.exclude(pk=firm["lines"][0].pk).update(
            status=NumberStatus.DISABLED
        )
    customers = [
        add_customer(tenant_a, seller, name="客户%d" % n, owner=seller)
        for n in range(5)
    ]
    script("no_answer", "busy", "no_answer", "no_answer", "connected")
    for c in customers:
        _call(firm, seller, c)
    with tenant_context(tenant_a):
        line = CallerNumber.objects.get(pk=firm["lines"][0].pk)
        assert line.status == NumberStatus.BENCHED
        assert "20%" in line.bench_reason
        notes = Notification.objects.filter(kind="telephony.number_benched")
        assert [n.recipient_id for n in notes] == [firm["admin"].pk]


def test_a_healthy_line_stays_in_rotation(firm, seller, tenant_a):
    with tenant_context(tenant_a):
        settings_update(
            actor=firm["admin"],
            values={"bench_after_calls": 5, "bench_below_percent": 30},
        )
    customers = [
        add_customer(tenant_a, seller, name="客户%d" % n, owner=seller)
        for n in range(5)
    ]
    script(*["connected"] * 5)
    for c in customers:
        _call(firm, seller, c)
    with tenant_context(tenant_a):
        assert not CallerNumber.objects.filter(status=NumberStatus.BENCHED).exists()


def test_calling_hours(firm, seller, customer, tenant_a):
    now = timezone.localtime()
    with tenant_context(tenant_a):
        start = (now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
        if start < now.time():  # the hour after now is tomorrow: allow only before now
            settings_update(
                actor=firm["admin"],
                values={"quiet_start": dt.time(0, 0), "quiet_end": dt.time(0, 1)},
            )
        else:
            settings_update(
                actor=firm["admin"],
                values={"quiet_start": start, "quiet_end": dt.time(23, 59, 59)},
            )
    with pytest.raises(ValidationError) as refused:
        _call(firm, seller, customer)
    assert refused.value.code == "quiet_hours"
    assert "仅允许在" in refused.value.messages[0]
    with tenant_context(tenant_a):
        assert not CallRecord.objects.exists()
        all_day(firm["admin"])
    assert _call(firm, seller, customer).pk


def test_the_default_calling_hours_are_nine_to_eight(tenant_a):
    from lenddesk.telephony.services import telephony_settings

    with tenant_context(tenant_a):
        config = telephony_settings()
    assert (config.quiet_start, config.quiet_end) == (dt.time(9), dt.time(20))


def test_do_not_call_is_refused_and_the_button_says_why(
    firm, seller, seller_client, customer, tenant_a
):
    with tenant_context(tenant_a):
        dnc_add(actor=seller, customer=customer, reason="客户要求不再来电")
    answer = seller_client.post(
        "/telephony/customers/%d/call/" % customer.pk, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert 'data-testid="call-refused"' in text
    assert "免打扰" in text or "do-not-call" in text
    page = seller_client.get("/customers/%d/" % customer.pk).content.decode()
    assert 'data-testid="dnc-badge"' in page
    assert 'data-testid="call-button"' not in page
    with tenant_context(tenant_a):
        assert not CallRecord.objects.exists()
        refusal = AuditEvent.objects.get(action="telephony.call_refused")
        assert refusal.reason == "do_not_call"


def test_the_api_refuses_with_the_reason_and_keeps_the_audit_row(
    firm, client, seller, customer, tenant_a
):
    from tests.telephony.test_click_to_call import auth

    with tenant_context(tenant_a):
        dnc_add(actor=seller, customer=customer, reason="客户投诉")
    answer = client.post("/api/v1/customers/%d/calls/" % customer.pk, **auth(seller))
    assert answer.status_code == 400
    assert answer.json()["error"] == "do_not_call" and answer.json()["detail"]
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action="telephony.call_refused").count() == 1


def test_do_not_call_from_the_customer_page(firm, seller_client, customer, tenant_a):
    answer = seller_client.post(
        "/telephony/customers/%d/do-not-call/" % customer.pk,
        {"reason": "投诉", "by_customer": "on"},
    )
    assert answer.status_code == 302
    with tenant_context(tenant_a):
        assert customer.do_not_call.reason == "投诉"


def test_customer_and_person_daily_caps(firm, seller, customer, tenant_a):
    with tenant_context(tenant_a):
        settings_update(
            actor=firm["admin"], values={"customer_daily_cap": 1, "user_daily_cap": 2}
        )
    _call(firm, seller, customer)
    with pytest.raises(ValidationError) as refused:
        _call(firm, seller, customer)
    assert refused.value.code == "customer_call_cap"
    _call(firm, seller, add_customer(tenant_a, seller, name="王五", owner=seller))
    third = add_customer(tenant_a, seller, name="赵六", owner=seller)
    with pytest.raises(ValidationError) as refused:
        _call(firm, seller, third)
    assert refused.value.code == "user_call_cap"
    assert "2" in refused.value.messages[0]
