"""Issue 13 on traffic-platform intake, on both stacks (the test client's full one and
the production WSGI application's lean handler): what cannot become a lead is refused
while the platform waits, in the documented error shape, and nothing is stored for a
body that is not a JSON object, not UTF-8, not declared as JSON, or too large."""

import json

import pytest

from lenddesk.acquisition.models import Delivery
from lenddesk.customers.models import Customer
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import lead, post_lead, signed_headers
from tests.acquisition.test_machine_endpoint import call

pytestmark = pytest.mark.django_db


def _lean(integration, secret, body: bytes):
    """One delivery through ``lenddesk.wsgi`` (the machine handler)."""
    status, _headers, content = call(
        "POST",
        "/api/v1/intake/%s/" % integration.key,
        body,
        **signed_headers(secret, body),
    )
    return status, json.loads(content)


def _full(client, integration, secret, body: bytes, content_type="application/json"):
    response = client.post(
        "/api/v1/intake/%s/" % integration.key,
        data=body,
        content_type=content_type,
        **signed_headers(secret, body),
    )
    return response.status_code, response.json()


STACKS = ["full", "lean"]


def _send(stack, client, integration, secret, body: bytes):
    if stack == "lean":
        return _lean(integration, secret, body)
    return _full(client, integration, secret, body)


def _stored(tenant) -> int:
    with tenant_context(tenant):
        return Delivery.objects.count()


@pytest.mark.parametrize("stack", STACKS)
def test_a_body_of_megabytes_is_413_and_not_read(client, tenant_a, platform, stack):
    integration, secret = platform
    body = json.dumps(lead(credit_notes="x" * (6 * 1024 * 1024))).encode()
    status, answer = _send(stack, client, integration, secret, body)
    assert status == 413
    assert answer["error"] == "too_large"
    assert set(answer) == {"error", "detail", "fields"}
    assert _stored(tenant_a) == 0


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(
    "body",
    [b"[" * 3000 + b"]" * 3000, b"not json", b"\xff\xfe{}", b'"text"', b"[1]"],
    ids=["deep", "not-json", "not-utf8", "string", "array"],
)
def test_a_body_that_is_not_a_json_object_is_refused_and_not_stored(
    client, tenant_a, platform, stack, body
):
    integration, secret = platform
    status, answer = _send(stack, client, integration, secret, body)
    assert status == 400
    assert answer["error"] == "invalid"
    assert list(answer["fields"]) == ["body"]
    assert set(answer) == {"error", "detail", "fields"}
    assert _stored(tenant_a) == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
    ],
)
def test_a_body_not_declared_as_json_is_415(client, tenant_a, platform, content_type):
    integration, secret = platform
    body = json.dumps(lead()).encode()
    status, answer = _full(client, integration, secret, body, content_type)
    assert status == 415
    assert answer["error"] == "unsupported_media_type"
    assert list(answer["fields"]) == ["Content-Type"]
    assert _stored(tenant_a) == 0


def test_json_with_a_utf8_charset_is_taken(client, tenant_a, platform):
    integration, secret = platform
    body = json.dumps(lead()).encode()
    content_type = "application/json; charset=UTF-8"
    assert _full(client, integration, secret, body, content_type)[0] == 202


@pytest.mark.parametrize("stack", STACKS)
def test_a_lone_surrogate_in_a_name_is_400_at_the_door(
    client, tenant_a, platform, stack
):
    integration, secret = platform
    body = json.dumps(lead(name="李\ud800四")).encode()  # ASCII: "\\ud800"
    status, answer = _send(stack, client, integration, secret, body)
    assert status == 400
    assert list(answer["fields"]) == ["name"]
    assert set(answer) == {"error", "detail", "fields"}  # no undocumented "lead"


def test_a_rejected_answer_and_its_retry_carry_only_the_documented_keys(
    client, platform
):
    integration, secret = platform
    payload = lead(phone="12")
    first = post_lead(client, integration, secret, payload, key="bad-1")
    again = post_lead(client, integration, secret, payload, key="bad-1")
    for response in (first, again):
        assert response.status_code == 400
        assert set(response.json()) == {"error", "detail", "fields"}


def test_invisible_characters_in_names_are_removed(deliver, tenant_a, platform):
    integration, secret = platform
    payload = lead(name="\u202e李\u200b四\u2066", city="杭\u200d州")
    assert deliver(integration, secret, payload).status_code == 202
    with tenant_context(tenant_a):
        customer = Customer.objects.get()
        assert (customer.name, customer.city) == ("李四", "杭州")


@pytest.mark.parametrize("phone", ["010-12345678", "+44 20 7946 0958"])
def test_a_landline_or_foreign_phone_is_400_naming_the_field(
    deliver, tenant_a, platform, phone
):
    integration, secret = platform
    response = deliver(integration, secret, lead(phone=phone))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]
    with tenant_context(tenant_a):
        assert not Customer.objects.exists()


def test_an_over_long_url_is_414_json_on_the_lean_stack(platform):
    integration, secret = platform
    path = "/api/v1/intake/%s/?pad=%s" % (integration.key, "x" * 5000)
    status, headers, content = call(
        "POST", path, b"{}", **signed_headers(secret, b"{}")
    )
    assert status == 414
    assert json.loads(content)["error"] == "uri_too_long"
    assert headers["Content-Type"] == "application/json"
