"""The public API shell: tokens, /me, the error shape, OpenAPI and docs."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lenddesk.accounts.models import ApiToken
from lenddesk.accounts.services import user_disable
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.factories import PASSWORD, make_user


def _token(client, tenant, username="admin", password=PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        {"tenant": tenant.slug, "username": username, "password": password},
        content_type="application/json",
    )


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": "Bearer %s" % raw}


def test_token_then_me(client, tenant_a):
    response = _token(client, tenant_a)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["token"].startswith(
        "ld_%d_" % tenant_a.pk
    )
    me = client.get("/api/v1/me/", **_bearer(body["token"]))
    assert me.status_code == 200
    data = me.json()
    assert data["username"] == "admin"
    assert data["tenant"]["slug"] == tenant_a.slug
    assert "user.create" in data["permissions"]
    assert "password" not in data


def test_token_is_stored_hashed(client, tenant_a):
    raw = _token(client, tenant_a).json()["token"]
    with tenant_context(tenant_a):
        token = ApiToken.objects.get()
        assert token.key_hash != raw and raw not in token.key_hash
        assert token.key_hash == ApiToken.hash_secret(raw)
        assert AuditEvent.objects.filter(action=AuditAction.TOKEN_ISSUED).count() == 1


def test_bad_credentials_give_the_error_shape(client, tenant_a):
    for response in (
        _token(client, tenant_a, password="wrong"),
        _token(client, tenant_a, username="ghost"),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_credentials",
            "detail": response.json()["detail"],
            "fields": {},
        }
    unknown_firm = client.post(
        "/api/v1/auth/token",
        {"tenant": "nope", "username": "admin", "password": "x"},
        content_type="application/json",
    )
    assert unknown_firm.status_code == 401
    assert (
        unknown_firm.json()["detail"]
        == _token(client, tenant_a, password="x").json()["detail"]
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"tenant", "username", "password"}),
        ({"tenant": "bad slug!", "username": "a", "password": "b"}, {"tenant"}),
        ({"tenant": "x", "username": "a" * 200, "password": "b"}, {"username"}),
    ],
)
def test_bad_input_names_the_fields(client, db, body, fields):
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "invalid"
    assert set(data["fields"]) == fields
    for field in fields:
        assert field in data["detail"]


def test_malformed_json_is_a_400_not_a_500(client, db):
    response = client.post(
        "/api/v1/auth/token", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"


def test_me_without_or_with_bad_token_is_401(client, tenant_a):
    assert client.get("/api/v1/me/").status_code == 401
    bad = client.get("/api/v1/me/", **_bearer("ld_%d_forged" % tenant_a.pk))
    assert bad.status_code == 401
    assert bad.json()["error"] == "authentication_failed"
    garbage = client.get("/api/v1/me/", **_bearer("garbage"))
    assert garbage.status_code == 401


def test_token_of_one_firm_with_another_firms_prefix_fails(client, tenant_a, tenant_b):
    raw = _token(client, tenant_a).json()["token"]
    secret = raw.split("_", 2)[2]
    swapped = "ld_%d_%s" % (tenant_b.pk, secret)
    assert client.get("/api/v1/me/", **_bearer(swapped)).status_code == 401


def test_expired_and_revoked_tokens_fail(client, tenant_a):
    raw = _token(client, tenant_a).json()["token"]
    with tenant_context(tenant_a):
        ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me/", **_bearer(raw)).status_code == 401
    raw2 = _token(client, tenant_a).json()["token"]
    with tenant_context(tenant_a):
        ApiToken.objects.filter(key_hash=ApiToken.hash_secret(raw2)).update(
            revoked_at=timezone.now()
        )
    assert client.get("/api/v1/me/", **_bearer(raw2)).status_code == 401


def test_disabling_a_user_kills_their_tokens(client, tenant_a, admin_a):
    worker = make_user(tenant_a, "apiuser")
    raw = _token(client, tenant_a, username="apiuser").json()["token"]
    assert client.get("/api/v1/me/", **_bearer(raw)).status_code == 200
    with tenant_context(tenant_a):
        user_disable(actor=admin_a, user=worker)
    assert client.get("/api/v1/me/", **_bearer(raw)).status_code == 401


def test_basic_auth_and_session_are_not_api_pathways(client, admin_a, tenant_a):
    import base64

    basic = base64.b64encode(b"admin:" + PASSWORD.encode()).decode()
    assert (
        client.get("/api/v1/me/", HTTP_AUTHORIZATION="Basic " + basic).status_code
        == 401
    )
    from tests.conftest import force_session

    force_session(client, admin_a)
    assert client.get("/api/v1/me/").status_code == 401


def test_openapi_schema_and_docs(client, db):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/me/" in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_unknown_api_route_is_json_404(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_token_endpoint_is_throttled(client, tenant_a, settings):
    from django.core.cache import cache

    cache.clear()
    statuses = [
        _token(Client(), tenant_a, password="wrong").status_code for _ in range(25)
    ]
    assert 429 in statuses
    throttled = _token(Client(), tenant_a, password="wrong")
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "throttled"
    cache.clear()


def test_a_nul_character_in_the_query_is_a_400_naming_the_parameter(client, admin_a):
    from lenddesk.accounts.services import token_issue
    from lenddesk.tenancy.context import tenant_context

    with tenant_context(admin_a.tenant):
        _token, raw = token_issue(user=admin_a)
    response = client.get(
        "/api/v1/customers/?stage=1%00", HTTP_AUTHORIZATION="Bearer " + raw
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"stage": ["stage: contains a NUL character."]}
    assert client.get("/customers/?q=%00").status_code == 400
