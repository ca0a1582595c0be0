"""draft → sent → signed, any of them → void: a conditional UPDATE from the status
the actor saw (two people at once: one wins, the other gets ``conflict``), void
needs a reason, signed needs a scan that really is a PDF or an image, and a signed
credit-query authorisation records the customer's authorisation."""

import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lenddesk.audit.models import AuditEvent
from lenddesk.contracts import pdf as pdf_module
from lenddesk.contracts.models import Contract, ContractStatus
from lenddesk.contracts.services import (
    contract_generate,
    contract_regenerate,
    contract_send,
    contract_sign,
    contract_void,
)
from lenddesk.customers.models import CustomerDocument
from lenddesk.customers.models.credit import CreditAuthorisation
from lenddesk.tenancy.context import tenant_context
from tests.contracts.conftest import BROKERAGE, CREDIT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _docx_only(monkeypatch):
    """PDF conversion is tested in test_generate; here it would only be slow."""
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)


def png_scan(name="scan.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


@pytest.fixture
def contract(tenant_a, people, order, templates):
    with tenant_context(tenant_a):
        return contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)


def test_draft_sent_signed_with_its_scan(tenant_a, people, contract):
    s1 = people["s1"]
    with tenant_context(tenant_a):
        contract = contract_send(actor=s1, contract=contract)
        assert contract.status == ContractStatus.SENT and contract.sent_at
        contract = contract_sign(actor=s1, contract=contract, scan=png_scan())
        assert contract.status == ContractStatus.SIGNED
        scan = CustomerDocument.objects.get(pk=contract.signed_scan_id)
        assert (
            scan.kind == "contract" and scan.customer_id == contract.order.customer_id
        )
        actions = list(
            AuditEvent.objects.filter(action__startswith="contract.").values_list(
                "action", flat=True
            )
        )
        assert {"contract.generated", "contract.sent", "contract.signed"} <= set(
            actions
        )
        with pytest.raises(ValidationError) as caught:
            contract_send(actor=s1, contract=contract)
        assert caught.value.code == "contract_move_not_allowed"
        with pytest.raises(ValidationError) as caught:
            contract_regenerate(actor=s1, contract=contract)
        assert caught.value.code == "contract_move_not_allowed"


def test_signing_needs_a_real_scan(tenant_a, people, contract):
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as caught:
            contract_sign(actor=people["s1"], contract=contract, scan=None)
        assert "scan" in caught.value.message_dict
        fake = SimpleUploadedFile(
            "scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
        )
        with pytest.raises(ValidationError) as caught:
            contract_sign(actor=people["s1"], contract=contract, scan=fake)
        assert "scan" in caught.value.message_dict
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT
        assert not CustomerDocument.objects.filter(kind="contract").exists()


def test_void_needs_a_reason_and_ends_the_contract(tenant_a, people, contract):
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as caught:
            contract_void(actor=people["s1"], contract=contract, reason="   ")
        assert "reason" in caught.value.message_dict
        contract = contract_void(
            actor=people["s1"], contract=contract, reason="客户放弃"
        )
        assert contract.status == ContractStatus.VOID
        assert contract.void_reason == "客户放弃"
        with pytest.raises(ValidationError):
            contract_void(actor=people["s1"], contract=contract, reason="again")


def test_of_two_moves_from_the_same_state_the_second_is_a_conflict(
    tenant_a, people, contract
):
    with tenant_context(tenant_a):
        seen_by_s1 = Contract.objects.get(pk=contract.pk)
        seen_by_gm = Contract.objects.get(pk=contract.pk)
        contract_void(actor=people["gm"], contract=seen_by_gm, reason="重签")
        with pytest.raises(ValidationError) as caught:
            contract_send(actor=people["s1"], contract=seen_by_s1)
        assert caught.value.code == "conflict"
        assert Contract.objects.get(pk=contract.pk).status == ContractStatus.VOID
        # A regeneration racing a regeneration: the version moved on.
        other = contract_generate(
            actor=people["s1"], order=contract.order, kind=BROKERAGE
        )
        first = Contract.objects.get(pk=other.pk)
        second = Contract.objects.get(pk=other.pk)
        contract_regenerate(actor=people["s1"], contract=first)
        with pytest.raises(ValidationError) as caught:
            contract_regenerate(actor=people["s1"], contract=second)
        assert caught.value.code == "conflict"
        assert other.versions.count() == 2


def test_a_signed_credit_query_authorisation_authorises_queries(
    tenant_a, people, admin_a, order, templates
):
    with tenant_context(tenant_a):
        contract = contract_generate(actor=admin_a, order=order, kind=CREDIT)
        contract = contract_sign(actor=people["s1"], contract=contract, scan=png_scan())
        authorisation = CreditAuthorisation.objects.get(customer=order.customer)
        assert authorisation.method == "signed_form"
        assert authorisation.source_label == contract.number
        assert authorisation.document_id == contract.signed_scan_id
        today = timezone.localdate()
        assert authorisation.valid_until == today + relativedelta(months=12)
        assert authorisation.valid_until > today + dt.timedelta(days=360)
        printed = contract.versions.get(number=contract.version).valid_until
        assert printed == authorisation.valid_until


def test_a_signed_brokerage_contract_authorises_nothing(tenant_a, people, contract):
    with tenant_context(tenant_a):
        contract_sign(actor=people["s1"], contract=contract, scan=png_scan())
        assert not CreditAuthorisation.objects.exists()


def test_voiding_a_signed_credit_authorisation_revokes_it(
    tenant_a, people, admin_a, order, templates
):
    with tenant_context(tenant_a):
        contract = contract_generate(actor=admin_a, order=order, kind=CREDIT)
        contract = contract_sign(actor=people["s1"], contract=contract, scan=png_scan())
        contract_void(actor=people["s1"], contract=contract, reason="客户撤回授权")
        authorisation = CreditAuthorisation.objects.get(customer=order.customer)
        assert authorisation.revoked_at is not None
        assert authorisation.revoked_by == people["s1"]
        assert "客户撤回授权" in authorisation.revoke_reason
