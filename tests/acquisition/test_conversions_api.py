"""Conversion feedback in the API: settings read and changed (refusals name the
field), the secret returned once, the send log with its filters and cursor, "send
again" (409 when not failed), the permission, and the OpenAPI schema."""

import json

from lenddesk.accounts.services import token_issue
from lenddesk.acquisition.models import ConversionCallback
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import make_integration
from tests.factories import make_user


def _auth(user):
    with tenant_context(user.tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def _url(integration, tail=""):
    return "/api/v1/integrations/%d/conversions/%s" % (integration.pk, tail)


def _patch(client, url, body, auth):
    return client.patch(url, json.dumps(body), content_type="application/json", **auth)


def _post(client, url, body, auth):
    return client.post(url, json.dumps(body), content_type="application/json", **auth)


def test_settings_through_the_api(client, tenant_a, admin_a, settings):
    integration, _secret = make_integration(tenant_a, admin_a)
    auth = _auth(admin_a)
    start = client.get(_url(integration), **auth)
    assert start.status_code == 200
    assert start.json() == {
        "integration": integration.pk,
        "enabled": False,
        "url": "",
        "events": ["qualified", "signed", "disbursed", "lost"],
        "qualified_stage": "invited",
        "send_amount_band": False,
        "has_secret": False,
        "secret_issued_at": None,
    }
    settings.CONVERSION_STRICT_URLS = True
    unknown = _patch(client, _url(integration), {"enabled": True, "colour": 1}, auth)
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["colour"]
    bad = {"enabled": True, "url": "http://1.2.3.4/cb", "events": ["won"]}
    refused = _patch(client, _url(integration), bad, auth)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid"
    assert sorted(refused.json()["fields"]) == ["events", "url"]
    local = _patch(client, _url(integration), {**bad, "url": "https://[::1]/"}, auth)
    assert "url" in local.json()["fields"]
    good = {"enabled": True, "url": "https://1.2.3.4/cb", "events": ["signed"]}
    saved = _patch(client, _url(integration), good, auth)
    assert saved.status_code == 200
    body = saved.json()
    assert body["secret"].startswith("whsec_") and body["has_secret"] is True
    assert (body["enabled"], body["events"]) == (True, ["signed"])
    later = _patch(client, _url(integration), {"send_amount_band": True}, auth)
    assert "secret" not in later.json() and later.json()["events"] == ["signed"]
    rotated = client.post(_url(integration, "secret/"), **auth)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in (body["secret"], "")
    seller = _auth(make_user(tenant_a, "seller"))
    assert client.get(_url(integration), **seller).status_code == 403
    assert _patch(client, _url(integration), good, seller).status_code == 403


def test_send_log_and_send_again_through_the_api(client, tenant_a, admin_a):
    integration, _secret = make_integration(tenant_a, admin_a)
    with tenant_context(tenant_a):
        rows = ConversionCallback.objects.bulk_create(
            [
                ConversionCallback(
                    integration=integration,
                    event=event,
                    lead_ref="ref-%d" % n,
                    status=status,
                    attempts=8 if status == "failed" else 1,
                    last_http_status=500 if status == "failed" else 200,
                    last_error="http_status" if status == "failed" else "",
                )
                for n, (event, status) in enumerate(
                    [("signed", "delivered"), ("lost", "failed")] * 30
                )
            ]
        )
        ids = list(
            ConversionCallback.objects.order_by("-pk").values_list("pk", flat=True)
        )
    auth = _auth(admin_a)
    log = _url(integration, "callbacks/")
    first = client.get(log, **auth).json()
    assert [r["id"] for r in first["results"]] == ids[:50]
    assert first["next_before"] == ids[49]
    rest = client.get(log + "?before=%d" % ids[49], **auth).json()
    assert len(rest["results"]) == 10 and rest["next_before"] is None
    failed = client.get(log + "?status=failed&event=lost", **auth).json()["results"]
    assert len(failed) == 30 and {r["last_http_status"] for r in failed} == {500}
    assert set(failed[0]) >= {"event", "lead_ref", "status", "attempts", "last_error"}
    one = client.get(log + "?lead_ref=ref-3", **auth).json()["results"]
    assert [(r["lead_ref"], r["status"]) for r in one] == [("ref-3", "failed")]
    retry = _url(integration, "retry/")
    delivered = next(r for r in rows if r.status == "delivered")
    conflict = _post(client, retry, {"callback": delivered.pk}, auth)
    assert conflict.status_code == 409 and conflict.json()["error"] == "conflict"
    again = _post(client, retry, {"callback": failed[0]["id"]}, auth)
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    assert _post(client, retry, {"callback": "x"}, auth).status_code == 400
    assert _post(client, retry, {"callback": 10**12}, auth).status_code == 404


def test_the_schema_documents_the_conversion_endpoints(client, admin_a):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    settings_path = paths["/api/v1/integrations/{integration_id}/conversions/"]
    assert {"get", "patch"} <= set(settings_path)
    assert (
        "409"
        in paths["/api/v1/integrations/{integration_id}/conversions/retry/"]["post"][
            "responses"
        ]
    )
