"""Provider callbacks on the machine path: signed, idempotent. A bad signature is
refused and stores nothing; an event delivered twice makes one record."""

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from lenddesk.telephony.models import CallEvent, CallRecord, CallState
from lenddesk.telephony.providers.base import body_signature
from lenddesk.telephony.services import telephony_settings
from lenddesk.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(firm, seller, customer, tenant_a):
    with tenant_context(tenant_a):
        call = CallRecord.objects.create(
            customer=customer,
            staff=seller,
            caller_number=firm["lines"][0],
            provider="simulated",
            mode="callback",
            provider_call_id="sim-test-1",
        )
        secret = telephony_settings().get_secret("callback_secret")
    return call, secret


def _events(call_id="sim-test-1"):
    end = timezone.now()
    return {
        "events": [
            {
                "event_id": "e-ring",
                "call_id": call_id,
                "kind": "ringing",
                "at": (end - dt.timedelta(seconds=70)).isoformat(),
            },
            {
                "event_id": "e-answer",
                "call_id": call_id,
                "kind": "answered",
                "at": (end - dt.timedelta(seconds=60)).isoformat(),
            },
            {
                "event_id": "e-end",
                "call_id": call_id,
                "kind": "ended",
                "at": end.isoformat(),
                "result": "connected",
                "duration": 60,
            },
        ]
    }


def _post(client, body: bytes, secret: str, *, stamp=None, signature=None):
    stamp = stamp or str(int(time.time()))
    return client.post(
        "/api/v1/telephony/callbacks/firm-a/simulated/",
        body,
        content_type="application/json",
        HTTP_X_TIMESTAMP=stamp,
        HTTP_X_SIGNATURE=signature
        if signature is not None
        else body_signature(secret, stamp, body),
    )


def test_signed_events_move_the_call(client, placed, tenant_a):
    call, secret = placed
    body = json.dumps(_events()).encode()
    answer = _post(client, body, secret)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"received": 3, "new": 3}
    with tenant_context(tenant_a):
        call.refresh_from_db()
        assert call.state == CallState.ENDED and call.duration_seconds == 60


def test_every_event_twice_makes_one_record(client, placed, tenant_a):
    call, secret = placed
    body = json.dumps(_events()).encode()
    assert _post(client, body, secret).json()["new"] == 3
    again = _post(client, body, secret)
    assert again.status_code == 200 and again.json()["new"] == 0
    with tenant_context(tenant_a):
        assert CallEvent.objects.filter(call=call).count() == 3
        call.refresh_from_db()
        assert call.duration_seconds == 60


@pytest.mark.parametrize("case", ["wrong", "empty", "stale", "other_body"])
def test_a_bad_signature_is_refused_and_nothing_stored(client, placed, tenant_a, case):
    call, secret = placed
    body = json.dumps(_events()).encode()
    if case == "wrong":
        answer = _post(client, body, secret, signature="0" * 64)
    elif case == "empty":
        answer = _post(client, body, secret, signature="")
    elif case == "stale":
        stamp = str(int(time.time()) - 3600)
        answer = _post(
            client,
            body,
            secret,
            stamp=stamp,
            signature=body_signature(secret, stamp, body),
        )
    else:
        stamp = str(int(time.time()))
        answer = client.post(
            "/api/v1/telephony/callbacks/firm-a/simulated/",
            body,
            content_type="application/json",
            HTTP_X_TIMESTAMP=stamp,
            HTTP_X_SIGNATURE=body_signature(secret, stamp, b"{}"),
        )
    assert answer.status_code == 401
    assert answer.json()["error"] == "bad_signature"
    with tenant_context(tenant_a):
        assert not CallEvent.objects.exists()
        call.refresh_from_db()
        assert call.state == CallState.REQUESTED


def test_bad_input_is_400_and_unknown_firm_404(client, placed):
    _call, secret = placed
    body = (
        b'{"events": [{"event_id": "x", "call_id": "sim-test-1", "kind": "explode"}]}'
    )
    answer = _post(client, body, secret)
    assert answer.status_code == 400
    assert "kind" in answer.json()["detail"]
    missing = client.post(
        "/api/v1/telephony/callbacks/no-such-firm/simulated/",
        b"{}",
        content_type="application/json",
    )
    assert missing.status_code == 404


def test_a_retry_after_the_commit_is_answered_without_storing_again(
    client, placed, tenant_a, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call, secret = placed
    body = json.dumps(_events()).encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body, secret).json()["new"] == 3
    with CaptureQueriesContext(connection) as queries:
        again = _post(client, body, secret)
    assert again.status_code == 200 and again.json() == {"received": 3, "new": 0}
    assert not [q for q in queries.captured_queries if "telephony_" in q["sql"]]
    with tenant_context(tenant_a):
        assert CallEvent.objects.filter(call=call).count() == 3
