"""The values a contract is filled with, by placeholder (``placeholders.CATALOGUE``).

The document is a Chinese legal text whatever language the person generating it
reads the site in, so the words written into it (type names, the fee clause, dates)
are Chinese here rather than translated messages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.contracts.amount_words import amount_in_words
from lenddesk.contracts.errors import ContractError, refusal
from lenddesk.contracts.models import (
    DEFAULT_VALID_MONTHS,
    Contract,
    ContractKind,
    ContractSetting,
    ContractTemplate,
)
from lenddesk.contracts.placeholders import FULL_ID
from lenddesk.orders.models import FeeKind, Order
from lenddesk.orders.selectors import order_lines
from lenddesk.orders.services.terms import fee_for
from lenddesk.security.errors import RateLimited
from lenddesk.security.services import reveal_field
from lenddesk.tenancy.context import require_current_tenant

TITLES = {
    ContractKind.BROKERAGE: "居间服务合同",
    ContractKind.FEE_CONFIRMATION: "服务费确认书",
    ContractKind.CREDIT_AUTHORISATION: "征信查询授权书",
}


def figures(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def chinese_date(day: dt.date) -> str:
    return "%04d年%02d月%02d日" % (day.year, day.month, day.day)


def valid_months(kind: str) -> int:
    setting = ContractSetting.objects.filter(kind=kind).first()
    return setting.valid_months if setting else DEFAULT_VALID_MONTHS


def authorisation_valid_until(kind: str, day: dt.date) -> dt.date:
    return day + relativedelta(months=valid_months(kind))


def contract_values(
    *, actor, contract: Contract, template: ContractTemplate, valid_until: dt.date
) -> dict:
    """Every catalogue value for ``contract`` (the full ID number only when the
    template asks for it: a reveal, checked and audited)."""
    order = contract.order
    today = timezone.localdate()
    values = {
        "customer": _customer(order),
        "order": _order(order),
        "product": _products(order),
        "fee": _fee(order),
        "firm": {"name": require_current_tenant().name},
        "contract": {
            "number": contract.number,
            "kind": TITLES[contract.kind],
            "valid_until": chinese_date(
                authorisation_valid_until(contract.kind, today)
            ),
        },
        "today": chinese_date(today),
    }
    if FULL_ID in template.placeholders:
        values["customer"]["id_number"] = _full_id(actor, contract)
    return values


def _customer(order: Order) -> dict:
    customer = order.customer
    return {
        "name": customer.name,
        "id_number_masked": customer.masked("id_number"),
        "phone_masked": customer.masked("phone"),
        "city": customer.city,
        "company_name": customer.company_name,
    }


def _order(order: Order) -> dict:
    owner = order.owner
    return {
        "number": order.number,
        "amount": figures(order.amount),
        "amount_words": amount_in_words(order.amount),
        "term_months": str(order.term_months),
        "owner_name": owner.display_name or owner.username,
    }


def _products(order: Order) -> dict:
    products = order_lines(order)
    funders = list(dict.fromkeys(p.funder.name for p in products))
    return {
        "names": "、".join(p.name for p in products),
        "funders": "、".join(funders),
    }


def _fee_base(order: Order) -> Decimal:
    """The disbursed amount once the loan is paid out, the requested one before."""
    try:
        return order.disbursement.amount
    except ObjectDoesNotExist:
        return order.amount


def _fee(order: Order) -> dict:
    amount = fee_for(order, _fee_base(order))
    return {
        "description": fee_clause(order),
        "amount": figures(amount),
        "amount_words": amount_in_words(amount),
    }


def _rate(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def fee_clause(order: Order) -> str:
    if order.fee_kind == FeeKind.FIXED:
        return "固定服务费人民币%s元" % figures(order.fee_fixed or Decimal("0"))
    if order.fee_kind == FeeKind.RATE:
        return "按实际放款金额的%s%%收取" % _rate(order.fee_rate or 0)
    parts = []
    for tier in order.fee_tiers or []:
        if tier["up_to"] is None:
            parts.append("超过以上金额的按%s%%收取" % _rate(tier["rate"]))
        else:
            parts.append(
                "放款金额不超过%s元的按%s%%收取"
                % (figures(Decimal(tier["up_to"])), _rate(tier["rate"]))
            )
    return "；".join(parts)


def _full_id(actor, contract: Contract) -> str:
    try:
        value = reveal_field(
            actor=actor,
            instance=contract.order.customer,
            field="id_number",
            purpose="征信查询授权书 %s" % contract.number,
        )
    except (PermissionDenied, RateLimited):
        raise id_refusal() from None
    return value or ""


def id_refusal():
    return refusal(
        "kind",
        _(
            "This template prints the customer's full ID number, which you may "
            "not reveal. Ask a colleague who may, or use the masked number."
        ),
        ContractError.ID_NOT_REVEALED,
    )
