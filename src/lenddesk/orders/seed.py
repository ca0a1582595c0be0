"""The workflows every firm starts with (SPEC M7): 信用贷, 抵押贷 and 转贷, each
published as version 1. Idempotent: a workflow the firm already has is left as the
admin edited it; only a missing one is created.

Names and checklist lines are stored in Chinese (the firm's language), as the funnel
stages are; the English msgids here are their translation keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from lenddesk.customers.models import DocumentKind
from lenddesk.orders.models import (
    NodeKind,
    VersionStatus,
    Workflow,
    WorkflowNode,
    WorkflowVersion,
)

# The amount, the term, the products and the fee terms go to the funder with the
# application: from 提交资方 on nobody changes them (unless the order is returned).
LOCKED_AFTER_SUBMISSION = ["amount", "term_months", "products", "fee"]

ID = DocumentKind.ID_CARD.value
INCOME = DocumentKind.INCOME_PROOF.value
STATEMENT = DocumentKind.BANK_STATEMENT.value
PROPERTY = DocumentKind.PROPERTY_CERTIFICATE.value
CONTRACT = DocumentKind.CONTRACT.value


@dataclass(frozen=True)
class NodeSpec:
    key: str
    name: str
    role_key: str
    documents: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()
    sla_hours: int | None = None
    can_return: bool = True
    can_cancel: bool = True
    locked_fields: list[str] = field(default_factory=list)
    kind: str = NodeKind.STEP


SIGNING = NodeSpec(
    "signing",
    gettext_noop("Signing"),
    "salesperson",
    (ID, CONTRACT),
    (
        gettext_noop("Service agreement signed by the customer"),
        gettext_noop("Fee terms explained and confirmed in writing"),
        gettext_noop("ID card checked against the original"),
    ),
    sla_hours=24,
    can_return=False,
)
DOCUMENTS = NodeSpec(
    "documents",
    gettext_noop("Document collection"),
    "processor",
    (ID, INCOME, STATEMENT),
    (
        gettext_noop("Credit report obtained by the customer"),
        gettext_noop("Bank statements of the last six months"),
        gettext_noop("Proof of income or social-security record"),
        gettext_noop("Consents for the funder's credit check signed"),
    ),
    sla_hours=72,
)
APPRAISAL = NodeSpec(
    "appraisal",
    gettext_noop("Appraisal"),
    "warrant_officer",
    (PROPERTY,),
    (
        gettext_noop("Site visit with the bank's appraiser booked"),
        gettext_noop("Pre-valuation received"),
        gettext_noop("Formal valuation report filed"),
    ),
    sla_hours=72,
)
PRESCREEN = NodeSpec(
    "prescreen",
    gettext_noop("Pre-check"),
    "processor",
    (ID, INCOME, STATEMENT),
    (
        gettext_noop("Credit report checked: inquiries, overdue, debt ratio"),
        gettext_noop("Product eligibility checked again"),
        gettext_noop("Documents complete for the funder"),
    ),
    sla_hours=24,
)
SUBMISSION = NodeSpec(
    "submission",
    gettext_noop("Submission to funder"),
    "processor",
    (ID, INCOME, STATEMENT),
    (
        gettext_noop("Application submitted on the funder's channel"),
        gettext_noop("Funder's account manager and reference recorded"),
    ),
    sla_hours=24,
    locked_fields=LOCKED_AFTER_SUBMISSION,
)
APPROVAL = NodeSpec(
    "approval",
    gettext_noop("Funder approval"),
    "processor",
    (),
    (
        gettext_noop("Funder's decision recorded (amount, rate, term)"),
        gettext_noop("Customer told the approved terms"),
    ),
    sla_hours=120,
)
BANK_SIGNING = NodeSpec(
    "bank_signing",
    gettext_noop("Signing at the bank"),
    "processor",
    (ID, CONTRACT),
    (
        gettext_noop("Appointment at the bank booked with the customer"),
        gettext_noop("Loan and mortgage contracts signed"),
    ),
    sla_hours=72,
)
NOTARY = NodeSpec(
    "notary",
    gettext_noop("Notarisation"),
    "warrant_officer",
    (ID, PROPERTY),
    (
        gettext_noop("Notary appointment booked"),
        gettext_noop("Notarial certificate received"),
    ),
    sla_hours=72,
)
RELEASE = NodeSpec(
    "release",
    gettext_noop("Mortgage release"),
    "warrant_officer",
    (ID, PROPERTY),
    (
        gettext_noop("Old loan paid off (bridge funds arranged)"),
        gettext_noop("Release registered at the registration centre"),
        gettext_noop("Property certificate back in custody"),
    ),
    sla_hours=120,
)
REGISTRATION = NodeSpec(
    "registration",
    gettext_noop("Mortgage registration"),
    "warrant_officer",
    (ID, PROPERTY, CONTRACT),
    (
        gettext_noop("Appointment at the district registration centre"),
        gettext_noop("Registration certificate (mortgage right) obtained"),
        gettext_noop("Certificate delivered to the bank"),
    ),
    sla_hours=120,
)
DISBURSEMENT = NodeSpec(
    "disbursement",
    gettext_noop("Disbursement"),
    "processor",
    (),
    (
        gettext_noop("Funds arrived in the customer's account"),
        gettext_noop("Disbursement recorded (amount, date, schedule)"),
    ),
    sla_hours=72,
)
FEE = NodeSpec(
    "fee",
    gettext_noop("Fee collection"),
    "finance",
    (),
    (
        gettext_noop("Service fee received"),
        gettext_noop("Receipt issued to the customer"),
    ),
    sla_hours=48,
    can_cancel=False,
)
DONE = NodeSpec(
    "done",
    gettext_noop("Order finished"),
    "",
    can_return=False,
    can_cancel=False,
    kind=NodeKind.END,
)

# The flows share their steps: every loan opens with the signing and the documents,
# goes through the funder, and closes with the money and the fee; a mortgage adds the
# property's appraisal and the steps at the bank, the notary and the registration
# centre; a refinance also releases the old mortgage before registering the new one.
OPENING = (SIGNING, DOCUMENTS)
FUNDER = (PRESCREEN, SUBMISSION, APPROVAL)
AT_THE_BANK = (BANK_SIGNING, NOTARY)
CLOSING = (DISBURSEMENT, FEE, DONE)

CREDIT_NODES = (*OPENING, *FUNDER, *CLOSING)
MORTGAGE_NODES = (*OPENING, APPRAISAL, *FUNDER, *AT_THE_BANK, REGISTRATION, *CLOSING)
REFINANCE_NODES = (
    *OPENING,
    APPRAISAL,
    *FUNDER,
    *AT_THE_BANK,
    RELEASE,
    REGISTRATION,
    *CLOSING,
)

# (key, name, product types whose orders start on it, nodes)
DEFAULT_WORKFLOWS = (
    (
        "credit",
        gettext_noop("Credit loan"),
        ["credit", "car", "policy", "provident_fund", "business"],
        CREDIT_NODES,
    ),
    ("mortgage", gettext_noop("Mortgage loan"), ["mortgage"], MORTGAGE_NODES),
    # 转贷 has no product type of its own: it is chosen when the order is opened.
    ("refinance", gettext_noop("Refinance"), [], REFINANCE_NODES),
)


def seed_orders() -> None:
    """Run inside tenant_context(tenant)."""
    with translation.override("zh-hans"):
        for key, name, types, nodes in DEFAULT_WORKFLOWS:
            if not Workflow.objects.filter(key=key).exists():
                _create_workflow(key, gettext(name), types, nodes)


@transaction.atomic
def _create_workflow(key: str, name: str, types: list[str], nodes) -> Workflow:
    workflow = Workflow.objects.create(key=key, name=name, product_types=types)
    version = WorkflowVersion.objects.create(
        workflow=workflow,
        number=1,
        status=VersionStatus.PUBLISHED,
        note=gettext("Default flow"),
        published_at=timezone.now(),
    )
    WorkflowNode.objects.bulk_create(
        [_node(version, position, spec) for position, spec in enumerate(nodes)]
    )
    Workflow.objects.filter(pk=workflow.pk).update(current=version)
    workflow.current = version
    return workflow


def _node(version: WorkflowVersion, position: int, spec: NodeSpec) -> WorkflowNode:
    return WorkflowNode(
        tenant_id=version.tenant_id,
        version=version,
        position=position,
        key=spec.key,
        name=gettext(spec.name),
        kind=spec.kind,
        role_key=spec.role_key,
        required_documents=list(spec.documents),
        checklist=[gettext(line) for line in spec.checklist],
        sla_hours=spec.sla_hours,
        can_return=spec.can_return,
        can_cancel=spec.can_cancel,
        locked_fields=list(spec.locked_fields),
    )
