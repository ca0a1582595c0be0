"""Credit reports (征信报告) through the services: a look needs an authorisation in
force and a purpose, and every look — allowed or refused — leaves a query record
(SECURITY T36; 征信业管理条例 art. 22; PIPL 29)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import (
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    transaction,
)
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.documents import document_upload
from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.models import (
    CreditAuthorisation,
    CreditQueryRecord,
    DocumentKind,
)
from lenddesk.customers.models.credit import AppendOnly
from lenddesk.customers.services.credit import (
    credit_authorisation_grant,
    credit_authorisation_revoke,
    credit_consent_record,
    credit_report_open,
)
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def credit_report(tenant, actor, customer, name="征信报告.pdf"):
    with tenant_context(tenant):
        return document_upload(
            actor=actor,
            customer=customer,
            kind=DocumentKind.CREDIT_REPORT,
            upload=SimpleUploadedFile(name, PDF),
        )


def grant(tenant, actor, customer, *, days=365, label="HT-2026-0001"):
    with tenant_context(tenant):
        return credit_authorisation_grant(
            actor,
            customer,
            method="signed_form",
            valid_until=timezone.localdate() + dt.timedelta(days=days),
            source_label=label,
        )


def backdate(tenant, authorisation, *, valid_from, valid_until):
    """Time passes: the authorisation's period now lies in the past."""
    with tenant_context(tenant):
        CreditAuthorisation.objects.filter(pk=authorisation.pk).update(
            valid_from=valid_from, valid_until=valid_until
        )


def open_report(tenant, actor, document, purpose="pre_loan", **extra):
    with tenant_context(tenant):
        return credit_report_open(
            actor=actor, document=document, purpose=purpose, **extra
        )


@pytest.fixture
def owned(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], name="李四")
    return customer, credit_report(tenant_a, team["s1"], customer)


def test_t36_allowed_then_no_purpose_then_expired(tenant_a, team, owned):
    """SECURITY T36: three looks; the first is recorded with staff name, time,
    method, content and purpose; the other two are refused and recorded."""
    customer, document = owned
    authorisation = grant(tenant_a, team["s1"], customer)
    before = timezone.now()

    first = open_report(tenant_a, team["s1"], document, purpose="pre_loan")
    second = open_report(tenant_a, team["s1"], document, purpose="")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    backdate(
        tenant_a,
        authorisation,
        valid_from=yesterday - dt.timedelta(days=365),
        valid_until=yesterday,
    )
    third = open_report(tenant_a, team["s1"], document, purpose="post_loan")

    assert first.allowed and first.data == PDF
    assert not second.allowed and second.data is None
    assert not third.allowed and third.data is None
    with tenant_context(tenant_a):
        records = list(CreditQueryRecord.objects.order_by("id"))
        assert len(records) == 3
        allowed, no_purpose, expired = records
        assert allowed.outcome == "allowed" and allowed.refusal == ""
        assert allowed.staff_id == team["s1"].pk
        assert allowed.staff_name == team["s1"].display_name
        assert before <= allowed.queried_at <= timezone.now()
        assert allowed.method == "view"
        assert allowed.content.endswith(" v1 · 征信报告.pdf")  # kind, version, name
        assert allowed.purpose == "pre_loan"
        assert allowed.authorisation_id == authorisation.pk
        assert (no_purpose.outcome, no_purpose.refusal) == ("refused", "no_purpose")
        assert (expired.outcome, expired.refusal) == (
            "refused",
            "authorisation_expired",
        )
        assert expired.authorisation_id == authorisation.pk
        actions = list(
            AuditEvent.objects.filter(action__startswith="customer.credit_")
            .order_by("seq")
            .values_list("action", "result")
        )
    assert actions[-3:] == [
        ("customer.credit_viewed", "ok"),
        ("customer.credit_refused", "refused"),
        ("customer.credit_refused", "refused"),
    ]
    assert yesterday.isoformat() in third.reason


def test_no_authorisation_at_all_is_refused_and_recorded(tenant_a, team, owned):
    _customer, document = owned
    opening = open_report(tenant_a, team["s1"], document)
    assert not opening.allowed
    with tenant_context(tenant_a):
        record = CreditQueryRecord.objects.get()
    assert (record.refusal, record.authorisation_id) == ("no_authorisation", None)
    assert opening.reason


def test_revoked_authorisation_is_refused(tenant_a, team, owned):
    customer, document = owned
    authorisation = grant(tenant_a, team["s1"], customer)
    with tenant_context(tenant_a):
        credit_authorisation_revoke(
            actor=team["s1"], authorisation=authorisation, reason="客户撤回"
        )
        with pytest.raises(ValidationError) as second:
            credit_authorisation_revoke(actor=team["s1"], authorisation=authorisation)
    assert second.value.code == "already_revoked"
    opening = open_report(tenant_a, team["s1"], document)
    assert not opening.allowed
    assert opening.record.refusal == "authorisation_revoked"


def test_consent_recorded_with_scan_then_revoked(tenant_a, team, owned):
    customer, document = owned
    today = timezone.localdate()
    with tenant_context(tenant_a):
        authorisation = credit_consent_record(
            actor=team["s1"],
            customer=customer,
            method="recorded_consent",
            source_label="面签时当面口头同意并录音",
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
            note="录音文件编号 R-77",
            scan=SimpleUploadedFile("同意书.pdf", PDF),
        )
        assert authorisation.document.kind == DocumentKind.OTHER
        assert authorisation.recorded_by_id == team["s1"].pk
    assert open_report(tenant_a, team["s1"], document).allowed
    with tenant_context(tenant_a):
        credit_authorisation_revoke(actor=team["s1"], authorisation=authorisation)
        authorisation.refresh_from_db()
        assert authorisation.revoked_at is not None
        assert authorisation.revoked_by_id == team["s1"].pk
    assert not open_report(tenant_a, team["s1"], document).allowed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"valid_until": dt.date(2020, 1, 1)}, "valid_until"),
        ({"valid_until": "next year"}, "valid_until"),
        ({"method": "phone"}, "method"),
        ({"source_label": "  "}, "source_label"),
        ({"source_label": "x" * 121}, "source_label"),
        ({"valid_from": dt.date(2999, 1, 1)}, "valid_from"),
        ({"document": "scan.pdf"}, "document"),
    ],
)
def test_bad_grant_names_the_field_and_changes_nothing(
    tenant_a, team, owned, change, field
):
    customer, _document = owned
    arguments = {
        "method": "recorded_consent",
        "valid_until": timezone.localdate() + dt.timedelta(days=10),
        "source_label": "电话同意",
        **change,
    }
    with tenant_context(tenant_a), pytest.raises(ValidationError) as refused:
        credit_authorisation_grant(team["s1"], customer, **arguments)
    assert field in refused.value.message_dict
    with tenant_context(tenant_a):
        assert not CreditAuthorisation.objects.exists()


def test_validity_is_bounded(tenant_a, team, owned):
    customer, _document = owned
    with tenant_context(tenant_a), pytest.raises(ValidationError) as refused:
        credit_authorisation_grant(
            team["s1"],
            customer,
            method="signed_form",
            valid_until=timezone.localdate() + dt.timedelta(days=20 * 365),
            source_label="HT-1",
        )
    assert "valid_until" in refused.value.message_dict


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"method": "print"}, "method"),
        ({"purpose_note": "x" * 201}, "purpose_note"),
    ],
)
def test_bad_look_input_names_the_field_and_records_nothing(
    tenant_a, team, owned, change, field
):
    customer, document = owned
    grant(tenant_a, team["s1"], customer)
    with pytest.raises(ValidationError) as refused:
        open_report(tenant_a, team["s1"], document, **change)
    assert field in refused.value.message_dict
    with tenant_context(tenant_a):
        assert not CreditQueryRecord.objects.exists()


def test_only_credit_reports_open_here(tenant_a, team, owned):
    customer, _document = owned
    grant(tenant_a, team["s1"], customer)
    with tenant_context(tenant_a):
        id_card = document_upload(
            actor=team["s1"],
            customer=customer,
            kind="id_card",
            upload=SimpleUploadedFile("id.pdf", PDF),
        )
    with pytest.raises(ValidationError) as refused:
        open_report(tenant_a, team["s1"], id_card)
    assert "document" in refused.value.message_dict


def test_pool_customer_is_refused(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], to_pool=True)
    with tenant_context(tenant_a), pytest.raises(CustomerNotOwned):
        credit_authorisation_grant(
            team["s1"],
            customer,
            method="signed_form",
            valid_until=timezone.localdate(),
            source_label="HT-2",
        )


def test_query_records_are_append_only(tenant_a, team, owned):
    customer, document = owned
    grant(tenant_a, team["s1"], customer)
    record = open_report(tenant_a, team["s1"], document).record
    with tenant_context(tenant_a):
        record.purpose = "post_loan"
        with pytest.raises(AppendOnly):
            record.save()
        with pytest.raises(AppendOnly):
            record.delete()
        for attempt in (
            lambda: CreditQueryRecord.objects.filter(pk=record.pk).update(
                purpose="post_loan"
            ),
            lambda: CreditQueryRecord.objects.filter(pk=record.pk).delete(),
        ):
            with (
                pytest.raises(
                    (IntegrityError, InternalError, OperationalError, ProgrammingError)
                ),
                transaction.atomic(),
            ):
                attempt()
        assert CreditQueryRecord.objects.get(pk=record.pk).purpose == "pre_loan"


def test_a_merge_keeps_the_dossier_and_refuses_to_drop_viewed_reports(
    tenant_a, team, owned, admin_a
):
    from django.core.exceptions import ValidationError

    from lenddesk.customers.models import Customer, CustomerDocument
    from lenddesk.customers.services.customers import customer_merge

    s1 = team["s1"]
    customer, _report = owned
    survivor = add_customer(tenant_a, s1, owner=s1, name="李四")
    grant(tenant_a, s1, customer)
    with tenant_context(tenant_a):
        customer_merge(actor=admin_a, survivor=survivor, duplicate=customer)
        assert CreditAuthorisation.objects.filter(customer=survivor).count() == 1
        assert CustomerDocument.objects.filter(customer=survivor).count() == 1
    third = add_customer(tenant_a, s1, owner=s1, name="李四")
    viewed = credit_report(tenant_a, s1, third)
    open_report(tenant_a, s1, viewed, purpose="")  # refused, and still on record
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError, match="征信报告查询记录"):
            customer_merge(actor=admin_a, survivor=survivor, duplicate=third)
        assert Customer.objects.filter(pk=third.pk).exists()
