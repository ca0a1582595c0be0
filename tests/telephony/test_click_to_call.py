"""Click-to-call end to end with the simulated provider, and T30: the customer's
full number never reaches the page, the API answer or a log line."""

import logging
import re

import pytest

from lenddesk.accounts.services import token_issue
from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import FollowUp, TimelineEvent, Visit
from lenddesk.telephony.models import CallEvent, CallRecord, CallState
from lenddesk.tenancy.context import tenant_context
from tests.telephony.conftest import CUSTOMER_PHONE, script

pytestmark = pytest.mark.django_db

DIGIT_RUNS = [CUSTOMER_PHONE[i : i + 4] for i in range(len(CUSTOMER_PHONE) - 3)]


def no_number_in(text: str) -> None:
    """SECURITY.md T30: no run of four or more digits of the number (times, which
    carry unrelated digits, are taken out first)."""
    text = re.sub(r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})?", "", text)
    for run in DIGIT_RUNS:
        assert run not in text, run


def test_call_from_customer_page_rings_and_records(
    firm, seller_client, customer, caplog
):
    caplog.set_level(logging.DEBUG)
    script("connected")
    page = seller_client.get("/customers/%d/" % customer.pk)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="call-button"' in html
    assert CUSTOMER_PHONE not in html

    answer = seller_client.post(
        "/telephony/customers/%d/call/" % customer.pk, HTTP_HX_REQUEST="true"
    )
    text = answer.content.decode()
    assert answer.status_code == 200, text
    assert 'data-testid="call-started"' in text
    no_number_in(text)
    with tenant_context(firm["tenant"]):
        call = CallRecord.objects.get()
        assert call.state == CallState.ENDED and call.result == "connected"
        assert call.duration_seconds > 0 and call.has_recording
        assert call.caller_number_id in {line.pk for line in firm["lines"]}
        assert CallEvent.objects.filter(call=call).count() == 4
        assert TimelineEvent.objects.filter(customer=customer, kind="call").count() == 2
        audit = AuditEvent.objects.filter(action="telephony.call_started").get()
        assert CUSTOMER_PHONE not in str(audit.changes)
    for record in caplog.records:
        assert CUSTOMER_PHONE not in record.getMessage()

    detail = seller_client.get("/telephony/calls/%d/" % call.pk)
    assert detail.status_code == 200
    assert 'data-testid="after-call-form"' in detail.content.decode()
    assert CUSTOMER_PHONE not in detail.content.decode()


def test_after_call_form_writes_followup_and_visit(firm, seller_client, customer):
    script("connected")
    seller_client.post(
        "/telephony/customers/%d/call/" % customer.pk, HTTP_HX_REQUEST="true"
    )
    with tenant_context(firm["tenant"]):
        call = CallRecord.objects.get()
    answer = seller_client.post(
        "/telephony/calls/%d/" % call.pk,
        {
            "outcome": "visit",
            "content": "明天来面谈",
            "visit_at": "2099-01-02T10:00",
            "visit_place": "公司",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    with tenant_context(firm["tenant"]):
        followup = FollowUp.objects.get(customer=customer)
        assert followup.kind == "call" and "明天来面谈" in followup.content
        assert Visit.objects.filter(customer=customer).count() == 1
        call.refresh_from_db()
        assert call.visit_booked and call.outcome == "visit"
    again = seller_client.post(
        "/telephony/calls/%d/" % call.pk, {"outcome": "interested"}
    )
    assert again.status_code == 400


def test_visit_without_time_names_the_field(firm, seller_client, customer):
    script("connected")
    seller_client.post(
        "/telephony/customers/%d/call/" % customer.pk, HTTP_HX_REQUEST="true"
    )
    with tenant_context(firm["tenant"]):
        call = CallRecord.objects.get()
    answer = seller_client.post("/telephony/calls/%d/" % call.pk, {"outcome": "visit"})
    assert answer.status_code == 400
    with tenant_context(firm["tenant"]):
        assert not FollowUp.objects.filter(customer=customer).exists()


def auth(user):
    with tenant_context(user.tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def test_api_start_call_answers_id_and_state_never_the_number(
    firm, client, seller, customer, caplog
):
    caplog.set_level(logging.DEBUG)
    headers = auth(seller)
    answer = client.post("/api/v1/customers/%d/calls/" % customer.pk, **headers)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["id"] and body["state"] in {"ended", "failed"}
    assert set(body) >= {"id", "state", "result"} and "phone" not in body
    no_number_in(answer.content.decode())
    listing = client.get("/api/v1/calls/", **headers)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [body["id"]]
    no_number_in(listing.content.decode())
    for record in caplog.records:
        assert CUSTOMER_PHONE not in record.getMessage()


def test_customer_list_shows_the_call_button(firm, seller_client, customer):
    page = seller_client.get("/customers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-post="/telephony/customers/%d/call/"' % customer.pk in html
    assert CUSTOMER_PHONE not in html


def test_schema_documents_the_calls_api(client, tenant_a):
    text = client.get("/api/v1/schema/").content.decode()
    for path in (
        "/api/v1/customers/{id}/calls/",
        "/api/v1/calls/",
        "/api/v1/telephony/callbacks/",
    ):
        assert path in text


def test_the_todo_list_shows_the_call_button(firm, seller_client, customer, tenant_a):
    from django.utils import timezone

    from lenddesk.customers.models import Customer
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(tenant_a):
        Customer.objects.filter(pk=customer.pk).update(next_followup_at=timezone.now())
    html = seller_client.get("/customers/todo/").content.decode()
    assert 'hx-post="/telephony/customers/%d/call/"' % customer.pk in html
    assert CUSTOMER_PHONE not in html
