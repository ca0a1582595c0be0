"""The loan API as the mobile app and integrators use it: submissions and decisions,
the disbursement (account masked) and the schedule, in the contract's error shape."""

import datetime as dt

import pytest
from django.utils import timezone

from lenddesk.accounts.services import token_issue
from lenddesk.orders.models import Disbursement, Submission
from lenddesk.tenancy.context import tenant_context
from tests.orders.test_submissions import upload, world  # noqa: F401


def bearer(tenant, user) -> dict:
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


@pytest.fixture
def api(world):  # noqa: F811
    world["headers"] = bearer(world["tenant"], world["processor"])
    return world


def _post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


def _submit(client, w):
    return _post(
        client,
        "/api/v1/orders/%d/submissions/" % w["order"].pk,
        {"product": w["product"].pk},
        w["headers"],
    )


def _approve(client, w, **body):
    submission = _submit(client, w).json()
    values = {"decision": "approved", "amount": "300000", "rate": "4.2", "term": 36}
    values.update(body)
    return submission, _post(
        client,
        "/api/v1/submissions/%d/decision/" % submission["id"],
        values,
        w["headers"],
    )


def disbursement_body(**overrides) -> dict:
    today = timezone.localdate()
    body = {
        "amount": "300000.00",
        "disbursed_on": str(today - dt.timedelta(days=3)),
        "first_due_on": str(today + dt.timedelta(days=27)),
        "annual_rate": "4.2",
        "term_months": 36,
        "method": "equal_instalment",
        "account_bank": "建设银行",
        "account_number": "6217003810012345678",
    }
    body.update(overrides)
    return body


def test_submit_names_missing_documents_then_succeeds(client, api):
    response = _submit(client, api)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "documents_missing"
    assert "documents" in body["fields"]
    upload(api["tenant"], api["admin"], api["customer"], "property_certificate")
    response = _submit(client, api)
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "pending"
    assert created["funder_name"] == "测试银行"
    assert {d["kind"] for d in created["documents"]} == {
        "id_card",
        "property_certificate",
    }
    again = _submit(client, api)
    assert again.status_code == 409
    listing = client.get(
        "/api/v1/orders/%d/submissions/" % api["order"].pk, **api["headers"]
    )
    assert listing.status_code == 200
    assert [s["id"] for s in listing.json()] == [created["id"]]


def test_decision_once_and_bounded(client, api):
    upload(api["tenant"], api["admin"], api["customer"], "property_certificate")
    submission = _submit(client, api).json()
    url = "/api/v1/submissions/%d/decision/" % submission["id"]
    zero = _post(
        client,
        url,
        {"decision": "approved", "amount": "1", "rate": "4", "term": 0},
        api["headers"],
    )
    assert zero.status_code == 400
    assert "term" in zero.json()["fields"]
    negative = _post(
        client,
        url,
        {"decision": "approved", "amount": "-5", "rate": "4", "term": 12},
        api["headers"],
    )
    assert negative.status_code == 400
    assert "amount" in negative.json()["fields"]
    no_reason = _post(client, url, {"decision": "rejected"}, api["headers"])
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["fields"]
    ok = _post(
        client,
        url,
        {"decision": "approved", "amount": "300000", "rate": "4.2", "term": 36},
        api["headers"],
    )
    assert ok.status_code == 200
    assert ok.json()["approved_amount"] == "300000.00"
    again = _post(client, url, {"decision": "rejected", "reason": "x"}, api["headers"])
    assert again.json()["error"] == "already_decided"
    assert again.status_code in (400, 409)
    with tenant_context(api["tenant"]):
        assert Submission.objects.get(pk=submission["id"]).status == "approved"


def test_withdraw_through_the_api(client, api):
    upload(api["tenant"], api["admin"], api["customer"], "property_certificate")
    submission = _submit(client, api).json()
    url = "/api/v1/submissions/%d/withdraw/" % submission["id"]
    assert _post(client, url, {}, api["headers"]).status_code == 400
    response = _post(client, url, {"reason": "换资方"}, api["headers"])
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_disbursement_and_schedule(client, api):
    upload(api["tenant"], api["admin"], api["customer"], "property_certificate")
    _submission, approved = _approve(client, api)
    assert approved.status_code == 200
    url = "/api/v1/orders/%d/disbursement/" % api["order"].pk
    assert client.get(url, **api["headers"]).status_code == 404
    for field, value in (
        ("term_months", 0),
        ("amount", "-300000"),
        ("amount", "300000.01"),
        ("annual_rate", "40"),
        ("method", "balloon"),
    ):
        response = _post(
            client, url, disbursement_body(**{field: value}), api["headers"]
        )
        assert response.status_code == 400, (field, response.json())
        assert field in response.json()["fields"], (field, response.json())
    with tenant_context(api["tenant"]):
        assert not Disbursement.objects.exists()
    response = _post(client, url, disbursement_body(), api["headers"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["account_number"] == "******"
    assert "6217003810012345678" not in response.content.decode()
    assert client.get(url, **api["headers"]).json()["amount"] == "300000.00"
    again = _post(client, url, disbursement_body(), api["headers"])
    assert again.json()["error"] == "already_disbursed"
    schedule = client.get(
        "/api/v1/orders/%d/schedule/" % api["order"].pk, **api["headers"]
    )
    assert schedule.status_code == 200
    data = schedule.json()
    assert len(data["instalments"]) == 36
    assert data["instalments"][0]["total"] == "8883.91"
    assert data["totals"]["principal"] == "300000.00"
    assert data["totals"]["interest"] == "19820.77"
    assert data["disbursement"]["account_number"] == "******"


def test_permissions_and_other_firms(client, api, tenant_b, admin_b):
    sales = bearer(api["tenant"], api["sales"])
    url = "/api/v1/orders/%d/submissions/" % api["order"].pk
    assert client.get(url, **sales).status_code == 200
    assert _post(client, url, {"product": api["product"].pk}, sales).status_code == 403
    foreign = bearer(tenant_b, admin_b)
    assert client.get(url, **foreign).status_code == 404
    assert (
        client.get(
            "/api/v1/orders/%d/schedule/" % api["order"].pk, **foreign
        ).status_code
        == 404
    )


def test_the_operations_are_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/orders/{id}/submissions/",
        "/api/v1/submissions/{id}/decision/",
        "/api/v1/orders/{id}/disbursement/",
        "/api/v1/orders/{id}/schedule/",
    ):
        assert path in paths, sorted(paths)
    decision = paths["/api/v1/submissions/{id}/decision/"]["post"]
    assert decision["tags"] == ["orders"]
    assert "400" in decision["responses"] and "409" in decision["responses"]
