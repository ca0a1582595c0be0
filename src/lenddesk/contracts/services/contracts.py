"""Contracts of an order: generating (DOCX, and PDF where LibreOffice is
installed), regenerating as a new version, and the moves draft → sent → signed,
any of them → void.

Every move is one conditional UPDATE on the status the actor saw: of two people
moving the same contract at once, one wins and the other is told it changed (409).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.contracts import files
from lenddesk.contracts.context import (
    authorisation_valid_until,
    contract_values,
    id_refusal,
)
from lenddesk.contracts.docx_files import render_docx
from lenddesk.contracts.errors import ContractError, refusal
from lenddesk.contracts.models import (
    Contract,
    ContractKind,
    ContractStatus,
    ContractTemplate,
    ContractVersion,
    PdfState,
)
from lenddesk.contracts.numbering import next_contract_number
from lenddesk.contracts.pdf import docx_to_pdf
from lenddesk.contracts.placeholders import FULL_ID
from lenddesk.contracts.services.common import ContractAudit
from lenddesk.contracts.services.templates import (
    clean_kind,
    current_template,
    template_data,
)
from lenddesk.customers.documents import document_upload
from lenddesk.customers.models import Customer, DocumentKind
from lenddesk.orders.models import Order, OrderStatus

S = ContractStatus
# move → (the statuses it leaves from, the status it reaches)
MOVES = {
    "send": ((S.DRAFT,), S.SENT),
    "sign": ((S.DRAFT, S.SENT), S.SIGNED),
    "void": ((S.DRAFT, S.SENT, S.SIGNED), S.VOID),
}
REGENERATE_FROM = (S.DRAFT, S.SENT)
REASON_MAX = 200


def can_move(contract: Contract, move: str) -> bool:
    return contract.status in MOVES[move][0]


def _template_for(actor, kind: str) -> ContractTemplate:
    """The type's current template, if the actor may print everything it asks
    for (the full ID number only by someone who may reveal it: refused before any
    reveal is attempted)."""
    template = current_template(kind)
    if template is None:
        raise refusal(
            "kind",
            _("No template of this contract type has been uploaded yet."),
            ContractError.NO_TEMPLATE,
        )
    if FULL_ID in template.placeholders and not actor.has_code(
        Customer.REVEAL_CODES["id_number"]
    ):
        raise id_refusal()
    return template


@transaction.atomic
def contract_generate(*, actor, order: Order, kind: str) -> Contract:
    """A new contract of ``kind`` for ``order``, numbered, with its first version."""
    clean_kind(kind)
    if order.status == OrderStatus.CANCELLED:
        raise refusal(
            None,
            _("The order is cancelled: no new contracts."),
            ContractError.ORDER_CANCELLED,
        )
    template = _template_for(actor, kind)
    contract = Contract.objects.create(
        order=order,
        kind=kind,
        number=next_contract_number(kind),
        created_by=actor,
    )
    version = _make_version(actor, contract, template, 1)
    audit_record(
        actor=actor,
        action=ContractAudit.GENERATED,
        target=contract,
        changes=_version_facts(version) | {"order": order.number, "kind": kind},
    )
    return contract


@transaction.atomic
def contract_regenerate(*, actor, contract: Contract) -> Contract:
    """A new version from the type's newest template and the order as it is now;
    the earlier versions stay. A sent contract goes back to draft."""
    seen = contract.status
    if seen not in REGENERATE_FROM:
        raise _not_now(contract)
    won = Contract.objects.filter(
        pk=contract.pk, status=seen, version=contract.version
    ).update(version=F("version") + 1, status=S.DRAFT, updated_at=timezone.now())
    if not won:
        raise _changed()
    contract.refresh_from_db()
    version = _make_version(
        actor, contract, _template_for(actor, contract.kind), contract.version
    )
    audit_record(
        actor=actor,
        action=ContractAudit.REGENERATED,
        target=contract,
        changes=_version_facts(version) | {"status": [seen, S.DRAFT]},
    )
    return contract


def _make_version(actor, contract, template, number: int) -> ContractVersion:
    valid_until = authorisation_valid_until(contract.kind, timezone.localdate())
    values = contract_values(
        actor=actor, contract=contract, template=template, valid_until=valid_until
    )
    docx = render_docx(template_data(template), values)
    pdf = docx_to_pdf(docx)
    docx_file = files.store(contract.tenant_id, docx)
    pdf_file = files.store(contract.tenant_id, pdf.data) if pdf.data else None
    return ContractVersion.objects.create(
        contract=contract,
        number=number,
        template=template,
        docx_name=docx_file.name,
        docx_sha256=docx_file.sha256,
        docx_size=docx_file.size,
        pdf_state=pdf.state,
        pdf_name=pdf_file.name if pdf_file else "",
        pdf_sha256=pdf_file.sha256 if pdf_file else "",
        pdf_size=pdf_file.size if pdf_file else None,
        full_id=FULL_ID in template.placeholders,
        valid_until=valid_until
        if contract.kind == ContractKind.CREDIT_AUTHORISATION
        else None,
        created_by=actor,
    )


def _version_facts(version: ContractVersion) -> dict:
    return {
        "version": version.number,
        "template": version.template_id,
        "docx_sha256": version.docx_sha256,
        "pdf": version.pdf_state,
        "full_id": version.full_id,
    }


def _not_now(contract: Contract) -> ValidationError:
    return refusal(
        None,
        _("A %(status)s contract cannot do that.")
        % {"status": contract.get_status_display()},
        ContractError.MOVE_NOT_ALLOWED,
    )


def _changed() -> ValidationError:
    return refusal(
        None,
        _("Someone else changed this contract just now. Reload it and try again."),
        ContractError.CHANGED,
    )


def _move(actor, contract: Contract, move: str, audit: str, **values) -> Contract:
    """The conditional UPDATE from the status the actor saw, and its audit row."""
    seen = contract.status
    if seen not in MOVES[move][0]:
        raise _not_now(contract)
    target = MOVES[move][1]
    won = Contract.objects.filter(pk=contract.pk, status=seen).update(
        status=target, updated_at=timezone.now(), **values
    )
    if not won:
        raise _changed()
    contract.refresh_from_db()
    changes = {"status": [seen, target]}
    changes.update({k: v for k, v in values.items() if k in ("void_reason",)})
    audit_record(actor=actor, action=audit, target=contract, changes=changes)
    return contract


@transaction.atomic
def contract_send(*, actor, contract: Contract) -> Contract:
    return _move(actor, contract, "send", ContractAudit.SENT, sent_at=timezone.now())


@transaction.atomic
def contract_void(*, actor, contract: Contract, reason: str) -> Contract:
    reason = " ".join((reason or "").split())
    if not reason:
        raise refusal(
            "reason",
            _("Say why the contract is void."),
            ContractError.REASON_REQUIRED,
        )
    if len(reason) > REASON_MAX:
        raise refusal(
            "reason",
            _("At most %(n)d characters.") % {"n": REASON_MAX},
            ContractError.REASON_REQUIRED,
        )
    was_signed = contract.status == ContractStatus.SIGNED
    contract = _move(
        actor,
        contract,
        "void",
        ContractAudit.VOIDED,
        voided_at=timezone.now(),
        void_reason=reason,
    )
    if was_signed and contract.kind == ContractKind.CREDIT_AUTHORISATION:
        _revoke_credit_authorisation(actor, contract, reason)
    return contract


@transaction.atomic
def contract_sign(*, actor, contract: Contract, scan) -> Contract:
    """Signed, with the scan of the signed paper (PDF, JPG or PNG, checked by its
    content and kept in the customer's documents). A signed credit-query
    authorisation records the customer's authorisation."""
    if not can_move(contract, "sign"):
        raise _not_now(contract)
    if scan is None:
        raise refusal(
            "scan",
            _("Upload the scan of the signed contract (PDF, JPG or PNG)."),
            ContractError.SCAN_REQUIRED,
        )
    customer = contract.order.customer
    try:
        document = document_upload(
            actor=actor, customer=customer, kind=DocumentKind.CONTRACT, upload=scan
        )
    except ValidationError as exc:
        raise _as_scan_error(exc) from None
    contract = _move(
        actor,
        contract,
        "sign",
        ContractAudit.SIGNED,
        signed_at=timezone.now(),
        signed_by=actor,
        signed_scan=document,
    )
    if contract.kind == ContractKind.CREDIT_AUTHORISATION:
        _grant_credit_authorisation(actor, contract, document)
    return contract


def _as_scan_error(exc: ValidationError) -> ValidationError:
    """The document check names its field ``file``; on this form it is ``scan``."""
    messages = exc.message_dict.get("file") if hasattr(exc, "error_dict") else None
    return refusal(
        "scan",
        " ".join(messages or exc.messages),
        getattr(exc, "code", None) or ContractError.SCAN_REQUIRED,
    )


def _grant_credit_authorisation(actor, contract: Contract, document) -> None:
    """Until the date printed on the signed version (the current one)."""
    from lenddesk.customers.services.credit import credit_authorisation_grant

    signed = ContractVersion.objects.get(contract=contract, number=contract.version)
    credit_authorisation_grant(
        actor,
        contract.order.customer,
        method="signed_form",
        valid_until=signed.valid_until
        or authorisation_valid_until(contract.kind, timezone.localdate()),
        source_label=contract.number,
        document=document,
    )


def _revoke_credit_authorisation(actor, contract: Contract, reason: str) -> None:
    """A void signed 征信查询授权书 no longer authorises a look at the credit report."""
    from lenddesk.customers.models.credit import CreditAuthorisation
    from lenddesk.customers.services.credit import credit_authorisation_revoke

    granted = CreditAuthorisation.objects.filter(
        customer_id=contract.order.customer_id,
        source_label=contract.number,
        revoked_at__isnull=True,
    )
    for authorisation in granted:
        credit_authorisation_revoke(
            actor=actor,
            authorisation=authorisation,
            reason=(_("Contract void: %(reason)s") % {"reason": reason})[:200],
        )


def contract_file(*, actor, version: ContractVersion, fmt: str) -> tuple[bytes, str]:
    """A version's DOCX or PDF and its download name; the download is audited."""
    contract = version.contract
    if fmt == "pdf":
        if version.pdf_state != PdfState.READY:
            raise refusal(
                "format",
                _("There is no PDF of this version."),
                ContractError.PDF_MISSING,
            )
        name = version.pdf_name
    else:
        name = version.docx_name
    data = files.load(version.tenant_id, name)
    audit_record(
        actor=actor,
        action=ContractAudit.DOWNLOADED,
        target=contract,
        changes={"version": version.number, "format": fmt},
    )
    return data, "%s-v%d.%s" % (contract.number, version.number, fmt)
