"""The placeholders a contract template may use: the one catalogue the placeholder
page shows, the upload check compares against and generation fills.

A template writes them as docxtpl (Jinja2) expressions: ``{{ customer.name }}``.
Personal data appears masked; the customer's full ID number only in a credit-query
authorisation (the credit bureau needs it to identify the person authorising), and
only when the person generating it may reveal ID numbers — that reveal is audited
(PIPL: no more personal information than the purpose needs).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from lenddesk.contracts.models import ContractKind

FULL_ID = "customer.id_number"


@dataclass(frozen=True)
class Placeholder:
    name: str
    label: str
    example: str
    kinds: tuple[str, ...] = ()  # empty: every contract type

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    def allowed_in(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


CATALOGUE: tuple[Placeholder, ...] = (
    Placeholder("customer.name", _("Customer name"), "张三丰"),
    Placeholder(
        "customer.id_number_masked", _("ID number (masked)"), "110101********0012"
    ),
    Placeholder(
        FULL_ID,
        _("ID number in full (credit-query authorisation only)"),
        "110101199001010012",
        kinds=(ContractKind.CREDIT_AUTHORISATION,),
    ),
    Placeholder("customer.phone_masked", _("Mobile number (masked)"), "138****5678"),
    Placeholder("customer.city", _("Customer city"), "杭州"),
    Placeholder("customer.company_name", _("Customer company"), "杭州某某贸易有限公司"),
    Placeholder("order.number", _("Order number"), "20261206-0007"),
    Placeholder("order.amount", _("Loan amount (figures)"), "120,000.00"),
    Placeholder("order.amount_words", _("Loan amount (in words)"), "壹拾贰万元整"),
    Placeholder("order.term_months", _("Term (months)"), "36"),
    Placeholder("order.owner_name", _("Account manager"), "李娜"),
    Placeholder("product.names", _("Products"), "房抵贷A、信用贷B"),
    Placeholder("product.funders", _("Funders"), "某某银行"),
    Placeholder(
        "fee.description", _("How the fee is charged"), "按放款金额的2.00%收取"
    ),
    Placeholder("fee.amount", _("Service fee (figures)"), "2,400.00"),
    Placeholder("fee.amount_words", _("Service fee (in words)"), "贰仟肆佰元整"),
    Placeholder("firm.name", _("Firm name"), "示例金融服务有限公司"),
    Placeholder("contract.number", _("Contract number"), "JJ-20261206-0001"),
    Placeholder("contract.kind", _("Contract type"), "居间服务合同"),
    Placeholder(
        "contract.valid_until",
        _("Authorisation valid until"),
        "2027年12月06日",
        kinds=(ContractKind.CREDIT_AUTHORISATION,),
    ),
    Placeholder("today", _("Date of the contract"), "2026年12月06日"),
)

BY_NAME = {p.name: p for p in CATALOGUE}
ROOTS = frozenset(p.group for p in CATALOGUE)


def catalogue_for(kind: str) -> list[Placeholder]:
    return [p for p in CATALOGUE if p.allowed_in(kind)]


def refused_for(kind: str, names) -> tuple[list[str], list[str]]:
    """Of the ``names`` a template uses: those the catalogue does not know, and those
    it knows but not for this contract type."""
    unknown = sorted(n for n in names if n not in BY_NAME)
    misplaced = sorted(
        n for n in names if n in BY_NAME and not BY_NAME[n].allowed_in(kind)
    )
    return unknown, misplaced
