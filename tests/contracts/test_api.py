"""The contracts API: list, read, generate, the moves (409 on a conflict, fields
named on a refusal), downloads, the schema; and the data scope: a colleague's
contracts and another firm's answer 404."""

import io

import pytest
from django.test import Client
from PIL import Image

from lenddesk.accounts.services import token_issue
from lenddesk.contracts import pdf as pdf_module
from lenddesk.contracts.models import Contract
from lenddesk.contracts.services import contract_generate
from lenddesk.contracts.services import contracts as service
from lenddesk.tenancy.context import tenant_context
from tests.contracts.conftest import BROKERAGE, docx_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _docx_only(monkeypatch):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)


def bearer(tenant, user) -> Client:
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer " + raw
    return client


def _png():
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "white").save(out, format="PNG")
    out.name = "scan.png"
    out.seek(0)
    return out


def test_generate_read_move_and_download(tenant_a, people, order, templates):
    api = bearer(tenant_a, people["s1"])
    bad = api.post(
        "/api/v1/contracts/", {"order": order.pk, "kind": "x"}, "application/json"
    )
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]
    created = api.post(
        "/api/v1/contracts/",
        {"order": order.pk, "kind": BROKERAGE},
        "application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["customer_name"] == "张三丰"
    assert body["number"].startswith("JJ-")
    assert body["versions"][0]["pdf_state"] == "unavailable"
    assert body["versions"][0]["pdf_url"] is None
    url = "/api/v1/contracts/%d/" % body["id"]
    listed = api.get("/api/v1/contracts/?status=draft").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert listed["next_before"] is None
    sent = api.post(url + "send/", {}, "application/json")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    again = api.post(url + "send/", {}, "application/json")
    assert again.status_code == 400
    assert again.json()["error"] == "contract_move_not_allowed"
    no_reason = api.post(url + "void/", {}, "application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    signed = api.post(url + "sign/", {"scan": _png()})
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed" and signed.json()["signed_scan"]
    docx = api.get(body["versions"][0]["docx_url"])
    assert docx.status_code == 200
    assert docx["Cache-Control"] == "no-store, private"
    assert "壹拾贰万元整" in docx_text(docx.content)
    assert api.get(url + "versions/1/pdf/").status_code == 400
    assert api.get(url + "versions/1/exe/").status_code == 404
    assert api.get(url + "versions/9/docx/").status_code == 404


def test_a_conflict_answers_409(tenant_a, people, order, templates, monkeypatch):
    with tenant_context(tenant_a):
        contract = contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)
        Contract.objects.filter(pk=contract.pk).update(status="sent")
    api = bearer(tenant_a, people["s1"])
    # Seen as sent; voided by someone else between the read and the update.
    real_move = service._move

    def void_first(actor, contract, move, audit, **values):
        Contract.objects.filter(pk=contract.pk).update(status="void")
        return real_move(actor, contract, move, audit, **values)

    monkeypatch.setattr(service, "_move", void_first)
    answer = api.post("/api/v1/contracts/%d/sign/" % contract.pk, {"scan": _png()})
    assert answer.status_code == 409
    assert answer.json()["error"] == "conflict"


def test_a_colleague_and_another_firm_see_nothing(
    tenant_a, tenant_b, admin_b, people, order, templates
):
    with tenant_context(tenant_a):
        contract = contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)
    url = "/api/v1/contracts/%d/" % contract.pk
    colleague = bearer(tenant_a, people["s2"])
    assert colleague.get("/api/v1/contracts/").json()["results"] == []
    assert colleague.get(url).status_code == 404
    assert colleague.get(url + "versions/1/docx/").status_code == 404
    assert colleague.post(url + "send/", {}, "application/json").status_code == 404
    generated = colleague.post(
        "/api/v1/contracts/",
        {"order": order.pk, "kind": BROKERAGE},
        "application/json",
    )
    assert generated.status_code == 400 and "order" in generated.json()["fields"]
    assert bearer(tenant_b, admin_b).get(url).status_code == 404
    manager = bearer(tenant_a, people["gm"])
    assert manager.get(url).status_code == 200
    finance = bearer(tenant_a, people["f1"])
    assert finance.post(url + "send/", {}, "application/json").status_code == 403


def test_the_schema_documents_the_endpoints(tenant_a, admin_a):
    api = bearer(tenant_a, admin_a)
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in (
        "/api/v1/contracts/",
        "/api/v1/contracts/{id}/sign/",
        "/api/v1/contracts/{id}/versions/{number}/pdf/",
    ):
        assert path in text
