"""The pages: the order page's contracts panel with its generate buttons, the
contract list with counts per status, a contract with its versions and moves (a
refusal shown with its status), downloads; and the demo."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from lenddesk.contracts import pdf as pdf_module
from lenddesk.contracts.demo import build
from lenddesk.contracts.models import Contract, ContractTemplate
from lenddesk.contracts.services import contract_generate
from lenddesk.customers.models.credit import CreditAuthorisation
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.contracts.conftest import BROKERAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _docx_only(monkeypatch):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    force_session(client, user)
    return client


def test_generate_from_the_order_page_then_send_sign_and_void(
    tenant_a, people, order, templates
):
    s1 = _client(people["s1"])
    order_page = s1.get("/orders/%d/" % order.pk).content.decode()
    assert 'data-testid="order-panel-contracts"' in order_page
    assert "/contracts/orders/%d/generate/?kind=brokerage" % order.pk in order_page
    form = s1.get("/contracts/orders/%d/generate/?kind=brokerage" % order.pk)
    assert form.status_code == 200 and "PDF" in form.content.decode()
    bad = s1.post("/contracts/orders/%d/generate/" % order.pk, {"kind": "nope"})
    assert bad.status_code == 400
    made = s1.post("/contracts/orders/%d/generate/" % order.pk, {"kind": BROKERAGE})
    assert made.status_code == 302
    with tenant_context(tenant_a):
        contract = Contract.objects.get()
    page = s1.get(made["Location"]).content.decode()
    assert contract.number in page and 'data-testid="contract-versions"' in page
    assert 'data-testid="pdf-unavailable"' in page
    url = "/contracts/%d/" % contract.pk
    assert s1.post(url + "send/").status_code == 302
    refused = s1.post(url + "send/")
    assert refused.status_code == 400
    assert 'data-testid="step-errors"' in refused.content.decode()
    no_scan = s1.post(url + "sign/", {})
    assert no_scan.status_code == 400
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, format="PNG")
    scan = SimpleUploadedFile("scan.png", out.getvalue(), "image/png")
    assert s1.post(url + "sign/", {"scan": scan}).status_code == 302
    no_reason = s1.post(url + "void/", {"reason": ""})
    assert no_reason.status_code == 400
    assert s1.post(url + "void/", {"reason": "重签"}).status_code == 302
    with tenant_context(tenant_a):
        assert Contract.objects.get().status == "void"
    download = s1.get(url + "versions/1/docx/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store, private"


def test_the_list_counts_per_status_and_keeps_to_the_scope(
    tenant_a, people, order, templates
):
    with tenant_context(tenant_a):
        contract = contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)
    page = _client(people["s1"]).get("/contracts/?status=draft").content.decode()
    assert contract.number in page and 'data-testid="count-draft">1<' in page
    colleague = _client(people["s2"])
    assert contract.number not in colleague.get("/contracts/").content.decode()
    assert colleague.get("/contracts/%d/" % contract.pk).status_code == 404
    assert (
        colleague.get("/contracts/%d/versions/1/docx/" % contract.pk).status_code == 404
    )
    assert _client(people["gm"]).get("/contracts/%d/" % contract.pk).status_code == 200


def test_a_move_someone_else_made_first_answers_409_on_the_page(
    tenant_a, people, order, templates, monkeypatch
):
    from lenddesk.contracts.services import contracts as service

    with tenant_context(tenant_a):
        contract = contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)
    real_move = service._move

    def voided_first(actor, contract, move, audit, **values):
        Contract.objects.filter(pk=contract.pk).update(status="void")
        return real_move(actor, contract, move, audit, **values)

    monkeypatch.setattr(service, "_move", voided_first)
    answer = _client(people["s1"]).post("/contracts/%d/send/" % contract.pk)
    assert answer.status_code == 409
    assert 'data-testid="step-errors"' in answer.content.decode()


def test_numbering_is_set_on_the_templates_page(tenant_a, admin_a):
    client = _client(admin_a)
    bad = client.post(
        "/contracts/templates/settings/",
        {"kind": "credit_authorisation", "prefix": "zx!", "valid_months": "12"},
    )
    assert bad.status_code == 400 and 'data-field="prefix"' in bad.content.decode()
    assert (
        client.post(
            "/contracts/templates/settings/",
            {"kind": "nope", "prefix": "ZX", "valid_months": "12"},
        ).status_code
        == 400
    )
    ok = client.post(
        "/contracts/templates/settings/",
        {"kind": "credit_authorisation", "prefix": "zxsq", "valid_months": "24"},
    )
    assert ok.status_code == 302
    assert 'value="ZXSQ"' in client.get("/contracts/templates/").content.decode()


def test_the_demo_uploads_the_templates_and_plays_contracts(tenant_a, people, order):
    with tenant_context(tenant_a):
        lines = []
        build(tenant_a, lines.append)
        assert ContractTemplate.objects.count() == 3
        statuses = set(Contract.objects.values_list("status", flat=True))
        assert {"signed", "draft"} <= statuses
        assert CreditAuthorisation.objects.filter(customer=order.customer).exists()
        build(tenant_a, lines.append)  # idempotent
        assert ContractTemplate.objects.count() == 3
        assert "kept" in lines[-1]
