"""The Alibaba Cloud privacy-number provider against a local stub that checks the
request signature, and its SecretReport pushes (token-checked, idempotent, the
recording fetched and stored encrypted)."""

import json

import pytest

from lenddesk.accounts.models import User
from lenddesk.telephony.models import CallEvent, CallRecord, CallState
from lenddesk.telephony.providers.aliyun import push_token, rpc_signature
from lenddesk.telephony.services import call_start, settings_update, telephony_settings
from lenddesk.telephony.services.recordings import recording_bytes
from lenddesk.tenancy.context import tenant_context
from tests.telephony.aliyun_stub import Stub
from tests.telephony.conftest import CUSTOMER_PHONE

pytestmark = pytest.mark.django_db
SECRET = "stub-secret-value"


@pytest.fixture
def stub():
    server = Stub("LTAI-test", SECRET)
    yield server
    server.close()


@pytest.fixture
def aliyun(firm, stub, seller, tenant_a):
    with tenant_context(tenant_a):
        settings_update(
            actor=firm["admin"],
            values={
                "provider": "aliyun",
                "mode": "axb",
                "access_key_id": "LTAI-test",
                "pool_key": "FC100000",
                "endpoint": stub.url,
            },
            access_secret=SECRET,
        )
        seller.set_secret("phone", "13700001111")
        seller.save(update_fields=User.secret_columns("phone"))
    return stub


def test_signature_follows_the_documented_example():
    # Alibaba Cloud's RPC signature v1 example (DescribeRegions, secret "testsecret").
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert (
        rpc_signature(params, "testsecret", method="GET")
        == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    )


def test_the_secret_is_stored_encrypted(aliyun, tenant_a):
    with tenant_context(tenant_a):
        config = telephony_settings()
        assert SECRET.encode() not in bytes(config.access_secret_cipher)
        assert config.get_secret("access_secret") == SECRET


def test_bind_axb_then_report_push(aliyun, client, seller, customer, tenant_a):
    with tenant_context(tenant_a):
        call = call_start(actor=seller, customer=customer)
    bind = aliyun.requests[-1]
    assert bind["Action"] == "BindAxb" and bind["PhoneNoB"] == CUSTOMER_PHONE
    assert bind["OutId"] == str(call.pk)
    assert call.provider_call_id == "1000012345" and call.middle_number == "17000001111"
    report = [
        {
            "pool_key": "FC100000",
            "sub_id": 1000012345,
            "call_id": "abc123",
            "call_time": "2026-12-06 10:00:00",
            "start_time": "2026-12-06 10:00:05",
            "release_time": "2026-12-06 10:01:35",
            "unconnected_cause": 0,
            "release_cause": 16,
            "record_url": aliyun.url + "rec.wav",
            "out_id": str(call.pk),
        }
    ]
    body = json.dumps(report).encode()
    with tenant_context(tenant_a):
        token = push_token(telephony_settings().get_secret("callback_secret"), "firm-a")
    url = "/api/v1/telephony/callbacks/firm-a/aliyun/?token=" + token
    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["code"] == 0
    client.post(url, body, content_type="application/json")  # pushed twice
    with tenant_context(tenant_a):
        call.refresh_from_db()
        assert call.state == CallState.ENDED and call.duration_seconds == 90
        assert CallEvent.objects.filter(call=call).count() == 2
        assert recording_bytes(call)[:4] == b"RIFF"


def test_a_push_with_a_bad_token_is_refused_and_nothing_stored(
    aliyun, client, seller, customer, tenant_a
):
    with tenant_context(tenant_a):
        call = call_start(actor=seller, customer=customer)
    body = json.dumps(
        [{"sub_id": 1000012345, "call_id": "x1", "release_time": "2026-12-06 10:01:35"}]
    ).encode()
    for url in ("?token=" + "f" * 64, ""):
        answer = client.post(
            "/api/v1/telephony/callbacks/firm-a/aliyun/" + url,
            body,
            content_type="application/json",
        )
        assert answer.status_code == 401
    with tenant_context(tenant_a):
        assert not CallEvent.objects.exists()
        assert CallRecord.objects.get(pk=call.pk).state == CallState.REQUESTED


def test_a_wrong_secret_is_refused_by_the_provider(
    aliyun, seller, customer, tenant_a, firm
):
    from django.core.exceptions import ValidationError

    with tenant_context(tenant_a):
        settings_update(actor=firm["admin"], values={}, access_secret="not-the-secret")
        with pytest.raises(ValidationError) as refused:
            call_start(actor=seller, customer=customer)
    assert refused.value.code == "provider_failed"
