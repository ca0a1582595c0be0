"""Whatever a platform sends, the intake endpoint answers 2xx or 4xx — never 5xx — and
whatever it accepted, the worker turns into an outcome without failing."""

import json
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenddesk.acquisition import intake, services
from lenddesk.acquisition.models import Delivery, DeliveryStatus, Integration
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import lead

pytestmark = pytest.mark.django_db

FIELDS = [
    *intake.DEFAULT_MAPPING,
    "consent",
    "user",
    "extra",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=120)
    | st.sampled_from(
        ["13800138000", "110101199003074514", "1e999", "NaN", "-0", "", "a\x00b"]
    )
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=20), values, max_size=10
)


def _post(client, integration, body: bytes, headers: dict):
    return client.post(
        "/api/v1/intake/%s/" % integration.key,
        data=body,
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def open_platform(tenant_a, platform):
    integration, secret = platform
    with tenant_context(tenant_a):
        Integration.objects.filter(pk=integration.pk).update(
            rate_limit_per_minute=100_000
        )
    return integration, secret


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    payload=payloads,
    with_consent=st.booleans(),
    key=st.text(max_size=130),
)
def test_signed_random_payloads_never_5xx(
    client, open_platform, payload, with_consent, key
):
    integration, secret = open_platform
    if with_consent:
        payload = {**payload, "consent": lead()["consent"]}
    body = json.dumps(payload, default=str).encode()
    stamp = str(int(time.time()))
    headers = {
        "HTTP_X_TIMESTAMP": stamp,
        "HTTP_X_SIGNATURE": intake.sign(secret, stamp, body),
        "HTTP_IDEMPOTENCY_KEY": key,
    }
    try:
        response = _post(client, integration, body, headers)
    except UnicodeEncodeError:
        return  # the test client cannot put such a header on the wire at all
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    _drained_without_failures(integration.tenant, payload)


def _drained_without_failures(tenant, payload) -> None:
    services.process_queued_deliveries(tenant=tenant)
    failed = [str(services.PROCESSING_FAILED)]
    with tenant_context(tenant):
        assert not Delivery.objects.filter(status=DeliveryStatus.QUEUED).exists()
        for delivery in Delivery.objects.filter(status=DeliveryStatus.REJECTED):
            assert delivery.errors.get("lead") != failed, payload


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(FIELDS), values, max_size=3))
def test_accepted_leads_with_random_fields_never_fail_in_the_worker(
    client, open_platform, changes
):
    """A valid lead with a few fields replaced: most are queued, so the worker's part
    (customer record, duplicates, consent) meets odd values too."""
    integration, secret = open_platform
    payload = {**lead(), **changes}
    body = json.dumps(payload, default=str).encode()
    stamp = str(int(time.time()))
    headers = {
        "HTTP_X_TIMESTAMP": stamp,
        "HTTP_X_SIGNATURE": intake.sign(secret, stamp, body),
        "HTTP_IDEMPOTENCY_KEY": "fuzz-%d" % time.monotonic_ns(),
    }
    response = _post(client, integration, body, headers)
    assert response.status_code < 500, response.content
    _drained_without_failures(integration.tenant, payload)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.binary(max_size=300),
    stamp=st.text(max_size=15)
    | st.integers(min_value=-(10**15), max_value=10**15).map(str),
    signature=st.text(max_size=80),
    sign_it=st.booleans(),
)
def test_random_bytes_and_headers_never_5xx(
    client, open_platform, body, stamp, signature, sign_it
):
    integration, secret = open_platform
    if sign_it and stamp.isascii():
        signature = intake.sign(secret, stamp, body)
    headers = {
        "HTTP_X_TIMESTAMP": stamp,
        "HTTP_X_SIGNATURE": signature,
        "HTTP_IDEMPOTENCY_KEY": "fuzz-%d" % time.monotonic_ns(),
    }
    response = _post(client, integration, body, headers)
    assert response.status_code < 500, response.content


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(key=st.text(min_size=1, max_size=60) | st.just("firm-a.\x00\x00\x00\x00zzzz"))
def test_random_integration_keys_never_5xx(client, tenant_a, key):
    url = "/api/v1/intake/%s/" % quote(key, safe="")
    response = client.post(url, data=b"{}", content_type="application/json")
    assert response.status_code < 500
