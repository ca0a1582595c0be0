"""Issue 13, what a black-box review found on the API: bodies nested thousands deep
or larger than the limit, numbers past what the database stores, nested field
errors, untranslated messages, mainland mobiles only, invisible characters in names,
over-long URLs and headers, and a burst of 404s from one colleague. Every answer is
a 4xx in the error shape, naming what is wrong; never a 500."""

import json

import pytest
from django.conf import settings

from lenddesk.accounts.services import token_issue
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers.models import Customer
from lenddesk.notifications.models import Notification
from lenddesk.security.fields import exact_lookup
from lenddesk.tenancy.context import tenant_context
from lenddesk.web.access import PROBE_THRESHOLD
from tests.conftest import force_session
from tests.customers.conftest import add_customer

pytestmark = pytest.mark.django_db

HUGE = 10**23
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _bearer(user) -> dict:
    with tenant_context(user.tenant):
        _row, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


@pytest.fixture
def api_a(admin_a):
    return {**_bearer(admin_a), **EN}


def _post(client, path, body, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def _assert_shape(response, status):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}, body
    assert "ErrorDetail" not in response.content.decode()
    return body


# --- Bodies: nesting and size (unauthenticated) ----------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/token/"])
def test_json_nested_thousands_deep_is_400_not_500(client, tenant_a, path):
    deep = b"[" * 3000 + b"]" * 3000
    body = _assert_shape(_post(client, path, deep, **EN), 400)
    assert body["error"] == "parse_error"
    assert "nested" in body["detail"]


def test_json_nested_deep_is_400_on_an_authenticated_endpoint(client, api_a):
    deep = b'{"name": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    body = _assert_shape(_post(client, "/api/v1/customers/", deep, **api_a), 400)
    assert body["error"] == "parse_error"


def test_a_body_over_the_upload_limit_is_413(client, tenant_a):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    big = b'{"username": "' + b"x" * size + b'"}'
    body = _assert_shape(_post(client, "/api/v1/auth/token", big, **EN), 413)
    assert body["error"] == "too_large"
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in body["detail"]


def test_a_lone_surrogate_anywhere_in_json_is_refused_naming_where(client, api_a):
    payload = '{"name": "ok", "tags": ["fine", "bad\\ud800"]}'
    response = _post(client, "/api/v1/customers/", payload.encode(), **api_a)
    body = _assert_shape(response, 400)
    assert list(body["fields"]) == ["tags.1"]


# --- Numbers past what the database stores ---------------------------------------------


@pytest.mark.parametrize(
    "query", ["stage=%d" % HUGE, "owner=%d" % HUGE, "department=%d" % HUGE, "stage=²"]
)
def test_huge_or_odd_list_filters_are_ignored_not_500(client, api_a, query):
    response = client.get("/api/v1/customers/?" + query, **api_a)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_huge_numbers_in_query_strings_elsewhere(client, api_a):
    for url in (
        "/api/v1/products/?funder=%d" % HUGE,
        "/api/v1/notifications/?before=%d" % HUGE,
        "/api/v1/customers/?before=%d" % HUGE,
    ):
        assert client.get(url, **api_a).status_code == 200, url
    for url in ("/api/v1/customers/%d/" % HUGE, "/api/v1/products/%d/" % HUGE):
        _assert_shape(client.get(url, **api_a), 404)


@pytest.mark.parametrize(
    "path, payload, field",
    [
        ("/api/v1/customers/", {"name": "王五", "stage": HUGE}, "stage"),
        ("/api/v1/customers/exports/", {"stage": HUGE}, "stage"),
        ("/api/v1/products/", {"funder": HUGE}, "funder"),
    ],
)
def test_huge_ids_in_bodies_are_400_naming_the_field(
    client, api_a, path, payload, field
):
    body = _assert_shape(_post(client, path, payload, **api_a), 400)
    assert field in body["fields"]
    assert "9223372036854775807" in " ".join(body["fields"][field])


def test_huge_owner_on_assign_is_400(client, tenant_a, admin_a, api_a):
    customer = add_customer(tenant_a, admin_a, owner=admin_a)
    path = "/api/v1/customers/%d/assign/" % customer.pk
    body = _assert_shape(_post(client, path, {"owner": HUGE}, **api_a), 400)
    assert "owner" in body["fields"]


# --- Field errors as plain messages ----------------------------------------------------


def test_a_bad_list_item_is_named_by_its_path_in_plain_words(client, api_a):
    payload = {"name": "王五", "phone": "13800138000", "tags": ["ok", {"x": 1}]}
    body = _assert_shape(_post(client, "/api/v1/customers/", payload, **api_a), 400)
    assert body["fields"] == {"tags.1": ["Not a valid string."]}
    assert body["detail"] == "tags.1: Not a valid string."


# --- Messages in the caller's language -------------------------------------------------


def test_error_messages_follow_accept_language(client, tenant_a, admin_a):
    token = _bearer(admin_a)
    answers = {
        401: client.get("/api/v1/customers/1/", **ZH),
        404: client.get("/api/v1/customers/999999/", **token, **ZH),
        405: client.delete("/api/v1/me/", **token, **ZH),
        415: client.post(
            "/api/v1/customers/", data="{}", content_type="text/plain", **token, **ZH
        ),
    }
    expected = {401: "身份认证", 404: "未找到", 405: "不被允许", 415: "媒体类型"}
    for status, response in answers.items():
        body = _assert_shape(response, status)
        assert expected[status] in body["detail"], body
    english = client.get("/api/v1/customers/999999/", **token, **EN).json()
    assert english["detail"] == "Not found."


def test_an_unknown_api_route_answers_in_the_shape_and_language(client, api_a):
    body = _assert_shape(client.get("/api/v1/no-such-thing/", **api_a), 404)
    assert body == {"error": "not_found", "detail": "Not found.", "fields": {}}


# --- Mobile numbers --------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["010 1234 5678", "+1 650 253 0000", "12345678901"])
def test_a_customer_phone_must_be_a_mainland_mobile(client, tenant_a, api_a, phone):
    payload = {"name": "王五", "phone": phone}
    body = _assert_shape(_post(client, "/api/v1/customers/", payload, **api_a), 400)
    assert list(body["fields"]) == ["phone"]
    assert "mobile" in body["fields"]["phone"][0]
    with tenant_context(tenant_a):
        assert not Customer.objects.exists()


def test_mobiles_typed_any_usual_way_are_one_number(client, tenant_a, api_a):
    payload = {"name": "王五", "phone": "+86 138-0013-8000"}
    assert _post(client, "/api/v1/customers/", payload, **api_a).status_code == 201
    with tenant_context(tenant_a):
        for typed in (
            "13800138000",
            "8613800138000",
            "138 0013 8000",
            "１３８００１３８０００",
        ):
            found = Customer.objects.filter(exact_lookup(Customer, "phone", typed))
            assert found.count() == 1, typed


# --- Invisible characters in names -----------------------------------------------------


def test_bidi_overrides_and_zero_width_characters_are_removed(client, tenant_a, api_a):
    payload = {"name": "张\u200b三\u202e", "phone": "13800138000", "city": "\ufeff杭州"}
    response = _post(client, "/api/v1/customers/", payload, **api_a)
    assert response.status_code == 201
    assert response.json()["name"] == "张三"
    with tenant_context(tenant_a):
        customer = Customer.objects.get()
        assert (customer.name, customer.city) == ("张三", "杭州")


def test_a_control_character_in_a_name_is_refused(client, tenant_a, api_a):
    payload = {"name": "张\x07三", "phone": "13800138000"}
    body = _assert_shape(_post(client, "/api/v1/customers/", payload, **api_a), 400)
    assert list(body["fields"]) == ["name"]


# --- Over-long URLs and headers --------------------------------------------------------


def test_an_over_long_api_url_is_414_in_the_error_shape(client, api_a):
    response = client.get("/api/v1/customers/?q=" + "x" * 5000, **api_a)
    body = _assert_shape(response, 414)
    assert body["error"] == "uri_too_long"


def test_an_over_long_header_is_431_naming_it(client, api_a):
    response = client.get("/api/v1/customers/", HTTP_X_PADDING="y" * 9000, **api_a)
    body = _assert_shape(response, 431)
    assert list(body["fields"]) == ["X-Padding"]


# --- Probing for other firms' ids ------------------------------------------------------


def test_a_burst_of_404s_writes_one_audit_entry_and_tells_the_admins(
    client, tenant_a, tenant_b, admin_a, admin_b, salesperson_a
):
    theirs = add_customer(tenant_b, admin_b, owner=admin_b)
    token = {**_bearer(salesperson_a), **EN}
    for offset in range(PROBE_THRESHOLD + 5):
        url = "/api/v1/customers/%d/" % (theirs.pk + offset)
        assert client.get(url, **token).status_code == 404
    with tenant_context(tenant_a):
        probes = AuditEvent.objects.filter(
            action=AuditAction.ACCESS_DENIED, object_type="probe"
        )
        assert probes.count() == 1
        assert probes.get().actor_id == salesperson_a.pk
        alerts = Notification.objects.filter(kind="security.probe")
        assert list(alerts.values_list("recipient_id", flat=True)) == [admin_a.pk]
    with tenant_context(tenant_b):
        assert not AuditEvent.objects.filter(object_type="probe").exists()


def test_a_few_404s_are_not_a_probe(client, tenant_a, salesperson_a):
    token = {**_bearer(salesperson_a), **EN}
    for pk in range(1, 6):
        client.get("/api/v1/customers/%d/" % (10_000 + pk), **token)
    with tenant_context(tenant_a):
        assert not AuditEvent.objects.filter(object_type="probe").exists()


def test_a_burst_of_404s_on_staff_pages_is_noticed_too(client, tenant_a, salesperson_a):
    force_session(client, salesperson_a)
    for pk in range(PROBE_THRESHOLD):
        assert client.get("/customers/%d/" % (10_000 + pk)).status_code == 404
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(object_type="probe").count() == 1
