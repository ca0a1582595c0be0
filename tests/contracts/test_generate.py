"""Generating contracts from an order: the customer's name, the amounts in figures
and in words in both the DOCX and the PDF; without LibreOffice the DOCX still comes;
regenerating keeps every version; the full ID number needs the right to reveal it;
numbers are the prefix, the day and a running number without gaps."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.contracts import pdf as pdf_module
from lenddesk.contracts.models import Contract, ContractSequence, PdfState
from lenddesk.contracts.numbering import next_contract_number
from lenddesk.contracts.services import (
    contract_file,
    contract_generate,
    contract_regenerate,
    setting_update,
)
from lenddesk.tenancy.context import tenant_context
from tests.contracts.conftest import (
    BROKERAGE,
    CREDIT,
    FEE,
    ID_NUMBER,
    IN_CI,
    docx_text,
    pdf_text,
)
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().strftime("%Y%m%d")


def _generate(tenant, actor, order, kind=BROKERAGE):
    with tenant_context(tenant):
        return contract_generate(actor=actor, order=order, kind=kind)


def _files(tenant, actor, contract, number=1):
    with tenant_context(tenant):
        version = contract.versions.get(number=number)
        docx, _name = contract_file(actor=actor, version=version, fmt="docx")
        pdf = None
        if version.pdf_state == PdfState.READY:
            pdf, _name = contract_file(actor=actor, version=version, fmt="pdf")
        return version, docx, pdf


def test_docx_and_pdf_hold_the_name_and_the_amounts(tenant_a, people, order, templates):
    if not pdf_module.pdf_available() and not IN_CI:
        pytest.skip("LibreOffice (soffice) is not installed here")
    # In CI a missing soffice fails here instead of skipping.
    assert pdf_module.pdf_available(), "CI must install libreoffice-writer-nogui"
    contract = _generate(tenant_a, people["s1"], order)
    assert contract.number == "JJ-%s-0001" % TODAY
    version, docx, pdf = _files(tenant_a, people["s1"], contract)
    assert version.pdf_state == PdfState.READY
    for text in (docx_text(docx), pdf_text(pdf)):
        assert "张三丰" in text
        assert "120,000.00" in text
        assert "壹拾贰万元整" in text
        assert "2,400.00" in text and "贰仟肆佰元整" in text  # the 2% fee
        assert "居间服务合同" in text
        assert contract.number in text
        assert "按实际放款金额的2%收取" in text
        assert ID_NUMBER not in text  # masked in a brokerage contract
        assert "110101********4514" in text


def test_without_libreoffice_the_docx_is_still_made(
    tenant_a, people, order, templates, monkeypatch
):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    contract = _generate(tenant_a, people["s1"], order, FEE)
    version, docx, pdf = _files(tenant_a, people["s1"], contract)
    assert version.pdf_state == PdfState.UNAVAILABLE and pdf is None
    assert "服务费确认书" in docx_text(docx) and "贰仟肆佰元整" in docx_text(docx)
    with tenant_context(tenant_a), pytest.raises(ValidationError) as caught:
        contract_file(actor=people["s1"], version=version, fmt="pdf")
    assert caught.value.code == "pdf_unavailable"


def test_a_conversion_that_hangs_is_killed(monkeypatch, tmp_path):
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o755)
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: str(script))
    monkeypatch.setattr(pdf_module, "TIMEOUT_SECONDS", 1)
    assert pdf_module.docx_to_pdf(b"x").state == PdfState.FAILED


def test_regenerating_keeps_the_earlier_versions(
    tenant_a, people, order, templates, monkeypatch
):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    contract = _generate(tenant_a, people["s1"], order)
    with tenant_context(tenant_a):
        contract = contract_regenerate(actor=people["s1"], contract=contract)
        assert contract.version == 2
        assert list(contract.versions.values_list("number", flat=True)) == [2, 1]
        assert AuditEvent.objects.filter(action="contract.regenerated").count() == 1
    _v1, first, _pdf = _files(tenant_a, people["s1"], contract, 1)
    _v2, second, _pdf = _files(tenant_a, people["s1"], contract, 2)
    assert "张三丰" in docx_text(first) and "张三丰" in docx_text(second)


def test_the_full_id_number_needs_the_right_to_reveal_it(
    tenant_a, people, admin_a, order, templates, monkeypatch
):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    with tenant_context(tenant_a), pytest.raises(ValidationError) as caught:
        contract_generate(actor=people["s1"], order=order, kind=CREDIT)
    assert caught.value.code == "id_number_not_allowed"
    with tenant_context(tenant_a):
        assert not Contract.objects.filter(kind=CREDIT).exists()
    contract = _generate(tenant_a, admin_a, order, CREDIT)
    version, docx, _pdf = _files(tenant_a, admin_a, contract)
    assert version.full_id and ID_NUMBER in docx_text(docx)
    assert contract.number.startswith("ZX-")
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(action="data.revealed").exists()


def test_no_template_no_contract(tenant_a, people, order):
    with tenant_context(tenant_a), pytest.raises(ValidationError) as caught:
        contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)
    assert caught.value.code == "no_template"
    assert "kind" in caught.value.message_dict


def test_numbers_follow_the_prefix_and_a_failed_one_leaves_no_gap(
    tenant_a, admin_a, people, order, templates, monkeypatch
):
    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    with tenant_context(tenant_a):
        setting_update(actor=admin_a, kind=BROKERAGE, prefix="JJHT", valid_months=12)
    first = _generate(tenant_a, people["s1"], order)
    with tenant_context(tenant_a):
        try:
            with transaction.atomic():
                contract_generate(actor=people["s1"], order=order, kind=BROKERAGE)
                raise RuntimeError("the request failed after numbering")
        except RuntimeError:
            pass
    second = _generate(tenant_a, people["s1"], order)
    assert first.number == "JJHT-%s-0001" % TODAY
    assert second.number == "JJHT-%s-0002" % TODAY


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_numbers_taken_at_the_same_moment_have_no_gaps_and_no_twins():
    tenant = make_tenant(slug="number-race")
    count = 8
    barrier = threading.Barrier(count)
    numbers, lock = [], threading.Lock()

    def take():
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            with tenant_context(tenant):
                number = next_contract_number(BROKERAGE)
            with lock:
                numbers.append(number)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    expected = {"JJ-%s-%04d" % (TODAY, n) for n in range(1, count + 1)}
    assert sorted(numbers) == sorted(expected)
    with tenant_context(tenant):
        assert ContractSequence.objects.get(kind=BROKERAGE).last == count
