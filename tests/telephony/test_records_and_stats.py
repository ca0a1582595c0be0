"""Recordings (byte ranges for the page's player, permission refusal, audited
downloads), the records list in scope, the timeline and the statistics."""

import io
import zipfile

import pytest

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import TimelineEvent
from lenddesk.telephony import stats
from lenddesk.telephony.models import CallRecord
from lenddesk.telephony.services import call_note, call_start
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user
from tests.telephony.conftest import CUSTOMER_PHONE, script

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(firm, seller, customer, tenant_a):
    script("connected")
    with tenant_context(tenant_a):
        return call_start(actor=seller, customer=customer)


def test_recording_plays_with_byte_ranges_for_a_permitted_role(
    client, recorded, tenant_a
):
    lead = make_user(tenant_a, "gm1", role_keys=["general_manager"])
    force_session(client, lead)
    url = "/telephony/calls/%d/recording/" % recorded.pk
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF"
    assert whole["Accept-Ranges"] == "bytes" and "no-store" in whole["Cache-Control"]
    part = client.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 0-99/%d" % len(whole.content)
    assert part.content == whole.content[:100]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = client.get(url, HTTP_RANGE="bytes=999999-")
    assert beyond.status_code == 416
    download = client.get(url + "?download=1")
    assert "attachment" in download["Content-Disposition"]
    with tenant_context(tenant_a):
        assert (
            AuditEvent.objects.filter(action="telephony.recording_downloaded").count()
            == 1
        )
        assert AuditEvent.objects.filter(action="telephony.recording_played").exists()


def test_a_salesperson_may_not_play_recordings(seller_client, recorded):
    answer = seller_client.get("/telephony/calls/%d/recording/" % recorded.pk)
    assert answer.status_code == 403
    page = seller_client.get("/telephony/calls/%d/" % recorded.pk).content.decode()
    assert 'data-testid="recording-player"' not in page


def test_the_call_is_on_the_customer_timeline(recorded, customer, tenant_a):
    with tenant_context(tenant_a):
        lines = list(
            TimelineEvent.objects.filter(customer=customer, kind="call").values_list(
                "summary", flat=True
            )
        )
    assert any("connected" in line.lower() or "接通" in line for line in lines)


def test_records_and_the_api_stay_in_scope(client, firm, recorded, tenant_a):
    other = make_user(tenant_a, "caller2", role_keys=["salesperson"])
    force_session(client, other)
    assert client.get("/telephony/calls/%d/" % recorded.pk).status_code == 404
    assert client.get("/telephony/calls/%d/recording/" % recorded.pk).status_code in (
        403,
        404,
    )
    listing = client.get("/telephony/calls/")
    assert listing.status_code == 200
    assert "/telephony/calls/%d/" % recorded.pk not in listing.content.decode()
    with tenant_context(tenant_a):
        assert stats.by_person(other, *stats.period(None, None)) == []


def test_calls_list_page_shows_count_and_no_number(seller_client, recorded):
    page = seller_client.get(
        "/telephony/calls/?result=connected&sort=-duration_seconds"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        'data-testid="call-total"' in html
        and "/telephony/calls/%d/" % recorded.pk in html
    )
    assert CUSTOMER_PHONE not in html


def test_statistics_count_calls_connects_talk_time_and_visits(firm, seller, tenant_a):
    customers = [
        add_customer(tenant_a, seller, name="客户%d" % n, owner=seller)
        for n in range(4)
    ]
    script("connected", "no_answer", "connected", "busy")
    with tenant_context(tenant_a):
        calls = [call_start(actor=seller, customer=c) for c in customers]
        import datetime as dt

        from django.utils import timezone

        call_note(
            actor=seller,
            call=calls[0],
            outcome="visit",
            content="",
            visit_at=timezone.now() + dt.timedelta(days=1),
            visit_place="门店",
        )
        first, last = stats.period(None, None)
        people = stats.by_person(seller, first, last)
        talk = sum(c.duration_seconds for c in CallRecord.objects.all())
        days = stats.by_day(seller, first, last)
    assert len(people) == 1
    line = people[0]
    assert (line.calls, line.connected, line.visits) == (4, 2, 1)
    assert line.connect_rate == 50 and line.talk_seconds == talk
    assert len(days) == 7 and days[-1].calls == 4


def test_stats_page_chart_and_excel_export(client, firm, seller, customer, tenant_a):
    script("connected")
    with tenant_context(tenant_a):
        call_start(actor=seller, customer=customer)
    lead = make_user(tenant_a, "gm2", role_keys=["general_manager"])
    force_session(client, lead)
    page = client.get("/telephony/stats/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="call-chart-data"' in html
    export = client.get("/telephony/stats/?export=xlsx")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as book:
        names = book.namelist()
        first_sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "xl/worksheets/sheet3.xml" in names  # person, team, day
    assert "<v>1</v>" in first_sheet  # one call by the salesperson
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action="telephony.stats_exported").count() == 1


def test_a_salesperson_does_not_see_statistics(seller_client):
    assert seller_client.get("/telephony/stats/").status_code == 403
