"""The set-up pages: calling settings (credentials never shown back), the number
pool, the do-not-call list; bad input answers 400 naming the field."""

import pytest

from lenddesk.telephony.models import CallerNumber, NumberStatus
from lenddesk.telephony.services import dnc_add, telephony_settings
from lenddesk.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db

SETTINGS = {
    "provider": "aliyun",
    "mode": "axb",
    "access_key_id": "LTAI5t",
    "access_secret": "very-secret-value",
    "pool_key": "FC1",
    "endpoint": "https://dyplsapi.aliyuncs.com/",
    "quiet_start": "09:00",
    "quiet_end": "20:00",
    "user_daily_cap": "200",
    "customer_daily_cap": "3",
    "bench_below_percent": "15",
    "bench_after_calls": "20",
    "bind_minutes": "30",
    "recording_notice": "on",
}


def test_settings_page_saves_and_never_shows_the_secret(client_admin_a, firm, tenant_a):
    assert client_admin_a.get("/telephony/settings/").status_code == 200
    answer = client_admin_a.post("/telephony/settings/", SETTINGS)
    assert answer.status_code == 302
    page = client_admin_a.get("/telephony/settings/").content.decode()
    assert "very-secret-value" not in page
    assert 'data-testid="push-path"' in page
    with tenant_context(tenant_a):
        assert telephony_settings().get_secret("access_secret") == "very-secret-value"


def test_settings_refuse_hours_that_end_before_they_start(client_admin_a, firm):
    answer = client_admin_a.post(
        "/telephony/settings/",
        {**SETTINGS, "quiet_start": "20:00", "quiet_end": "09:00"},
    )
    assert answer.status_code == 400
    assert 'name="quiet_end"' in answer.content.decode()


def test_number_pool_page_adds_switches_and_refuses_bad_numbers(
    client_admin_a, firm, tenant_a
):
    assert client_admin_a.get("/telephony/numbers/").status_code == 200
    good = {
        "number": "021-6666 0003",
        "label": "新线路",
        "hourly_cap": "20",
        "daily_cap": "100",
        "cooldown_seconds": "30",
    }
    assert client_admin_a.post("/telephony/numbers/", good).status_code == 302
    again = client_admin_a.post("/telephony/numbers/", good)
    assert again.status_code == 400
    bad = client_admin_a.post("/telephony/numbers/", {**good, "number": "abc"})
    assert bad.status_code == 400
    huge = client_admin_a.post(
        "/telephony/numbers/",
        {**good, "number": "02100000009", "daily_cap": "99999999999"},
    )
    assert huge.status_code == 400
    with tenant_context(tenant_a):
        line = CallerNumber.objects.get(number="02166660003")
    client_admin_a.post(
        "/telephony/numbers/%d/status/" % line.pk, {"status": "disabled"}
    )
    with tenant_context(tenant_a):
        assert CallerNumber.objects.get(pk=line.pk).status == NumberStatus.DISABLED


def test_dnc_page_lists_and_a_salesperson_may_not_configure(
    client_admin_a, firm, seller, seller_client, customer, tenant_a
):
    with tenant_context(tenant_a):
        dnc_add(actor=seller, customer=customer, reason="客户要求")
    page = client_admin_a.get("/telephony/do-not-call/").content.decode()
    assert "客户要求" in page
    assert seller_client.get("/telephony/settings/").status_code == 403
    assert seller_client.get("/telephony/numbers/").status_code == 403
    off = seller_client.post(
        "/telephony/customers/%d/do-not-call/" % customer.pk, {"remove": "1"}
    )
    assert off.status_code == 302
    with tenant_context(tenant_a):
        assert customer.__class__.objects.get(pk=customer.pk).do_not_call
