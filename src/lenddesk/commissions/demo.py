"""Demo commissions (提成与分佣), in two steps around the finance demo:

- ``build_plans`` (before finance's demo): the staff plan (marginal tiers, 60/20/20
  split), two paying entities (the firm, per payment; its platform company,
  cumulative) with a partner plan each, and the partners' referrals on some disbursed
  orders. Finance's receipts then write their lines through the real signal, and
  finance's close of last month locks last month's statements.
- ``build`` (after finance's demo): partners' payment details, last month's
  statements approved, a payout batch made and marked paid. When ``build_plans`` did
  not run first, it sets the plans up and brings the open months up to date.

Through the services; the finance clerk acts. Idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.commissions import payouts, services
from lenddesk.commissions.models import (
    PartnerPayee,
    PartnerPlan,
    PartnerStatement,
    PayingEntity,
    PayoutBatch,
    StaffPlan,
    StaffStatement,
    StatementStatus,
)
from lenddesk.finance.models import ClosedMonth, Receipt
from lenddesk.orders.models import Disbursement, Order
from lenddesk.partners.models import Partner, PartnerStatus

TIERS = {
    "owner": [
        {"up_to": "20000", "rate": "15"},
        {"up_to": "50000", "rate": "20"},
        {"up_to": None, "rate": "25"},
    ],
    "telemarketer": [{"up_to": None, "rate": "10"}],
    "processor": [{"up_to": None, "rate": "8"}],
}
# legal name, ID number (test numbers with valid check digits), bank, account
PAYEES = (
    ("刘建军", "11010519491231002X", "招商银行成都分行", "6225880212345678"),
    ("陈晓燕", "110105194912310038", "中国工商银行成都分行", "6212264402000012345"),
    ("王海涛", "110105194912310046", "中国建设银行重庆分行", "6217003810001234567"),
    ("孙志强", "110105194912310054", "中国农业银行成都分行", "6228480402564890018"),
)


def _clerk() -> User | None:
    return (
        User.objects.filter(username="finance1").first()
        or User.objects.filter(username="admin").first()
    )


def _plans(clerk) -> None:
    services.staff_plan_save(
        actor=clerk,
        name="2026年提成方案",
        tier_mode="marginal",
        shares={"owner": "60", "telemarketer": "20", "processor": "20"},
        tiers=TIERS,
    )
    firm = services.paying_entity_save(
        actor=clerk, name="本公司代发", method="per_payment"
    )
    platform = services.paying_entity_save(
        actor=clerk, name="推荐官平台公司", method="cumulative"
    )
    services.partner_plan_save(
        actor=clerk,
        name="标准三级分佣",
        paying_entity=firm,
        rates={1: "30", 2: "8", 3: "3"},
        is_default=True,
    )
    services.partner_plan_save(
        actor=clerk,
        name="平台推荐官",
        paying_entity=platform,
        rates={1: "25", 2: "5", 3: "0"},
        is_default=False,
    )


def _refer_orders(log) -> int:
    """The lowest active partners refer some disbursed orders (demo orders carry no
    partner of their own)."""
    partners = list(
        Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("-level", "id")[:4]
    )
    funded = list(
        Disbursement.objects.order_by("disbursed_on", "id").values_list(
            "order_id", flat=True
        )
    )
    picked = funded[::2][: len(partners) * 2]
    for n, order_id in enumerate(picked):
        Order.objects.filter(pk=order_id, partner__isnull=True).update(
            partner=partners[n % len(partners)]
        )
    return len(picked)


def build_plans(tenant, log) -> None:
    if StaffPlan.objects.exists():
        log("commissions: plans (kept)")
        return
    clerk = _clerk()
    if clerk is None:
        return
    _plans(clerk)
    referred = _refer_orders(log) if Partner.objects.exists() else 0
    log("commissions: staff plan, 2 partner plans, %d referred orders" % referred)


def _payees(clerk) -> None:
    platform = PartnerPlan.objects.filter(is_default=False).first()
    partners = Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by(
        "-level", "id"
    )[: len(PAYEES)]
    for n, (partner, (name, id_number, bank, account)) in enumerate(
        zip(partners, PAYEES, strict=False)
    ):
        if PartnerPayee.objects.filter(partner=partner).exists():
            continue
        services.payee_save(
            actor=clerk,
            partner=partner,
            legal_name=name,
            id_number=id_number,
            bank_name=bank,
            bank_account=account,
            plan=platform if n == len(PAYEES) - 1 else None,
        )


def _open_months() -> list[dt.date]:
    closed = set(ClosedMonth.objects.values_list("month", flat=True))
    months = set(Receipt.objects.values_list("period", flat=True))
    return sorted(months - closed)


def _pay_last_closed(clerk) -> str:
    month = (
        ClosedMonth.objects.order_by("-month").values_list("month", flat=True).first()
    )
    if month is None:
        return "no closed month"
    for model, kind in ((StaffStatement, "staff"), (PartnerStatement, "partner")):
        for statement in model.objects.filter(
            month=month, status=StatementStatus.DRAFT
        ):
            services.statement_approve(actor=clerk, kind=kind, statement=statement)
    made = []
    for entity in PayingEntity.objects.all():
        complete = PartnerPayee.objects.filter(
            partner_id__in=payouts.payable(entity, month=month).values("partner_id")
        )
        ids = [
            s.pk
            for s in payouts.payable(entity, month=month)
            if any(p.partner_id == s.partner_id and p.is_complete for p in complete)
        ]
        if ids:
            made.append(
                payouts.payout_batch_create(
                    actor=clerk, paying_entity=entity, month=month, ids=ids
                )
            )
    if made:
        payouts.payout_mark_paid(
            actor=clerk,
            batch=made[0],
            reference="CMB%s" % timezone.localdate().strftime("%Y%m%d001"),
        )
    return "%s approved, %d payout batches" % (month.strftime("%Y-%m"), len(made))


def build(tenant, log) -> None:
    if PayoutBatch.objects.exists():
        log("commissions: %d payout batches (kept)" % PayoutBatch.objects.count())
        return
    clerk = _clerk()
    if clerk is None:
        return
    if not StaffPlan.objects.exists():
        build_plans(tenant, log)
    for month in _open_months():
        services.statements_build(actor=clerk, month=month)
    _payees(clerk)
    result = _pay_last_closed(clerk)
    log(
        "commissions: %d staff and %d partner statements; %s"
        % (StaffStatement.objects.count(), PartnerStatement.objects.count(), result)
    )
