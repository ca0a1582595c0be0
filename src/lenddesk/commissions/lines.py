"""Commission lines from receipts, set-based: one call takes any number of receipts
(one from the ``receipt_recorded`` signal, a month's worth from the month-end build)
and answers in a fixed number of queries, whatever their count.

Who earns what on a receipt (kind "receipt"):

- staff: the active plan's shares of the fee go to the order's owner, its
  telemarketer (a participant with role ``telemarketer``, else whoever booked the
  customer's latest visit) and its processor (``Order.processor`` or a participant
  with role ``processor``); a share whose role nobody holds goes to the owner.
- partners, only on a funded order (it has a disbursement) that a partner referred:
  level 1 to that partner, level 2 to their upline, level 3 to the upline's upline,
  never deeper than the firm's ``max_depth`` and the plan's non-zero levels. A partner
  who is not active (pending or disabled) earns nothing; the share is not passed on.
  Recruiting earns nothing: only receipts make lines.

A refund claws back the refunded part of every line of the receipt it refunds, as
negative lines in the refund's own month. Write-offs collect nothing and make no line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from lenddesk.commissions import rules
from lenddesk.commissions.models import (
    PartnerLine,
    PartnerPayee,
    PartnerPlan,
    StaffLine,
    StaffPlan,
)
from lenddesk.commissions.pricing import price_new_staff_lines
from lenddesk.commissions.statements import partner_statement_ids, staff_statement_ids
from lenddesk.commissions.tax import ZERO, money
from lenddesk.customers.models import Visit
from lenddesk.finance.models import Receipt, ReceiptKind
from lenddesk.orders.models import Disbursement, Order, OrderParticipant
from lenddesk.partners.models import Partner, PartnerStatus
from lenddesk.partners.rules import partner_settings

MAX_LEVEL = 3


@dataclass
class Touched:
    """The statements a batch of receipts added lines to."""

    staff: set[int] = field(default_factory=set)
    partner: set[int] = field(default_factory=set)


def lines_for_receipts(receipts: list[Receipt]) -> Touched:
    """Write the staff and partner lines of ``receipts`` (rows of this firm)."""
    touched = Touched()
    money_in = [r for r in receipts if r.kind == ReceiptKind.RECEIPT]
    refunds = [r for r in receipts if r.kind == ReceiptKind.REFUND]
    if money_in:
        touched.staff |= _write_staff(_staff_lines(money_in))
        touched.partner |= _write_partner(_partner_lines(money_in))
    if refunds:
        touched.staff |= _write_staff(_staff_clawbacks(refunds))
        touched.partner |= _write_partner(_partner_clawbacks(refunds))
    return touched


# --- staff ---------------------------------------------------------------------------


def _telemarketers(orders: dict[int, dict]) -> dict[int, int]:
    """order id → the telemarketer's user id, where there is one."""
    found: dict[int, int] = {}
    customers = {o["customer_id"]: pk for pk, o in orders.items()}
    visits = (
        Visit.objects.filter(customer_id__in=customers, booked_by__isnull=False)
        .exclude(status="cancelled")
        .order_by("customer_id", "scheduled_at", "id")
        .values_list("customer_id", "booked_by_id")
    )
    by_customer = dict(visits)  # the latest visit wins (ordered ascending)
    for customer_id, booker in by_customer.items():
        order_id = customers[customer_id]
        if booker != orders[order_id]["owner_id"]:
            found[order_id] = booker
    participants = OrderParticipant.objects.filter(
        order_id__in=orders, role_key="telemarketer"
    ).values_list("order_id", "user_id")
    found.update(dict(participants))
    return found


def _processors(orders: dict[int, dict]) -> dict[int, int]:
    found = dict(
        OrderParticipant.objects.filter(
            order_id__in=orders, role_key="processor"
        ).values_list("order_id", "user_id")
    )
    found.update(
        {pk: o["processor_id"] for pk, o in orders.items() if o["processor_id"]}
    )
    return found


def _people(receipts: list[Receipt]) -> dict[int, dict[str, int]]:
    """order id → {role: user id} for the orders of ``receipts``."""
    orders = {
        row["id"]: row
        for row in Order.objects.filter(pk__in={r.order_id for r in receipts}).values(
            "id", "owner_id", "processor_id", "customer_id"
        )
    }
    tele, proc = _telemarketers(orders), _processors(orders)
    return {
        pk: {
            "owner": o["owner_id"],
            "telemarketer": tele.get(pk, o["owner_id"]),
            "processor": proc.get(pk, o["owner_id"]),
        }
        for pk, o in orders.items()
    }


def _staff_lines(receipts: list[Receipt]) -> list[tuple[tuple, StaffLine]]:
    plan = StaffPlan.objects.filter(is_active=True).first()
    if plan is None:
        return []
    people = _people(receipts)
    rows = []
    for receipt in receipts:
        for role in rules.SPLIT_ROLES:
            share = plan.share_of(role)
            if share <= 0:
                continue
            line = StaffLine(
                receipt_id=receipt.pk,
                order_id=receipt.order_id,
                role=role,
                share=share,
                fee=receipt.amount,
                base=rules.split_base(receipt.amount, share),
            )
            line.day = receipt.occurred_on
            rows.append(((people[receipt.order_id][role], receipt.period), line))
    return rows


def _refunded_parts(refunds: list[Receipt]) -> dict[int, list[tuple[int, Decimal]]]:
    """refund id → [(receipt id, the part of the refund that receipt takes back)]: the
    receipt it names, or else the order's receipts in proportion to their amounts."""
    parts = {r.pk: [(r.refund_of_id, r.amount)] for r in refunds if r.refund_of_id}
    loose = [r for r in refunds if not r.refund_of_id]
    if not loose:
        return parts
    received = defaultdict(list)
    for pk, order_id, amount in Receipt.objects.filter(
        order_id__in={r.order_id for r in loose}, kind=ReceiptKind.RECEIPT
    ).values_list("id", "order_id", "amount"):
        received[order_id].append((pk, amount))
    for refund in loose:
        total = sum((amount for _pk, amount in received[refund.order_id]), ZERO)
        parts[refund.pk] = [
            (pk, money(refund.amount * amount / total))
            for pk, amount in received[refund.order_id]
            if total > 0
        ]
    return parts


def _originals(model, parts: dict) -> dict[int, list]:
    wanted = {receipt for items in parts.values() for receipt, _part in items}
    found = defaultdict(list)
    for line in model.objects.filter(
        receipt_id__in=wanted, clawback_of__isnull=True
    ).select_related("statement"):
        found[line.receipt_id].append(line)
    return found


def _staff_clawbacks(refunds: list[Receipt]) -> list[tuple[tuple, StaffLine]]:
    parts = _refunded_parts(refunds)
    originals = _originals(StaffLine, parts)
    rows = []
    for refund in refunds:
        for receipt_id, part in parts[refund.pk]:
            for original in originals[receipt_id]:
                line = StaffLine(
                    receipt_id=refund.pk,
                    order_id=refund.order_id,
                    role=original.role,
                    share=original.share,
                    fee=-part,
                    base=rules.clawback(original.base, original.fee, part),
                    clawback_of_id=original.pk,
                )
                line.day = refund.occurred_on
                rows.append(((original.statement.user_id, refund.period), line))
    return rows


def _write_staff(rows: list[tuple[tuple, StaffLine]]) -> set[int]:
    if not rows:
        return set()
    ids = staff_statement_ids({key for key, _line in rows})
    lines = []
    for key, line in rows:
        line.statement_id = ids[key]
        lines.append(line)
    price_new_staff_lines(lines)
    StaffLine.objects.bulk_create(lines, batch_size=2000)
    return set(ids.values())


# --- partners ------------------------------------------------------------------------


def _chains(referrers: set[int], depth: int) -> dict[int, list[tuple[int, int, str]]]:
    """referring partner → [(level, partner id, status)], up to ``depth`` levels."""
    known: dict[int, tuple[int | None, str]] = {}
    wanted = set(referrers)
    for _level in range(depth):
        wanted -= set(known)
        if not wanted:
            break
        for pk, upline, status in Partner.objects.filter(pk__in=wanted).values_list(
            "id", "upline_id", "status"
        ):
            known[pk] = (upline, status)
        wanted = {known[pk][0] for pk in known if known[pk][0]}
    chains = {}
    for referrer in referrers:
        chain, current = [], referrer
        for level in range(1, depth + 1):
            if current is None or current not in known:
                break
            upline, status = known[current]
            chain.append((level, current, status))
            current = upline
        chains[referrer] = chain
    return chains


def _plans_of(referrers: set[int]) -> dict[int, PartnerPlan]:
    plans = {p.pk: p for p in PartnerPlan.objects.filter(is_active=True)}
    default = next((p for p in plans.values() if p.is_default), None)
    chosen = dict(
        PartnerPayee.objects.filter(
            partner_id__in=referrers, plan__isnull=False
        ).values_list("partner_id", "plan_id")
    )
    found = {}
    for referrer in referrers:
        plan = plans.get(chosen.get(referrer)) or default
        if plan is not None:
            found[referrer] = plan
    return found


def _partner_lines(receipts: list[Receipt]) -> list[tuple[tuple, PartnerLine]]:
    referrer_of = dict(
        Order.objects.filter(
            pk__in={r.order_id for r in receipts}, partner__isnull=False
        ).values_list("id", "partner_id")
    )
    funded = set(
        Disbursement.objects.filter(order_id__in=referrer_of).values_list(
            "order_id", flat=True
        )
    )
    referrers = {referrer_of[pk] for pk in funded}
    if not referrers:
        return []
    depth = min(partner_settings().max_depth, MAX_LEVEL)
    chains, plans = _chains(referrers, depth), _plans_of(referrers)
    rows = []
    for receipt in receipts:
        referrer = referrer_of.get(receipt.order_id)
        if receipt.order_id not in funded or referrer not in plans:
            continue
        plan = plans[referrer]
        for level, partner_id, status in chains[referrer]:
            rate = plan.rate_for(level)
            if rate <= 0 or status != PartnerStatus.ACTIVE:
                continue
            line = PartnerLine(
                receipt_id=receipt.pk,
                order_id=receipt.order_id,
                referrer_id=referrer,
                level=level,
                rate=rate,
                fee=receipt.amount,
                amount=money(receipt.amount * rate / rules.HUNDRED),
            )
            key = (partner_id, plan.paying_entity_id, receipt.period)
            rows.append((key, line))
    return rows


def _partner_clawbacks(refunds: list[Receipt]) -> list[tuple[tuple, PartnerLine]]:
    parts = _refunded_parts(refunds)
    originals = _originals(PartnerLine, parts)
    rows = []
    for refund in refunds:
        for receipt_id, part in parts[refund.pk]:
            for original in originals[receipt_id]:
                line = PartnerLine(
                    receipt_id=refund.pk,
                    order_id=refund.order_id,
                    referrer_id=original.referrer_id,
                    level=original.level,
                    rate=original.rate,
                    fee=-part,
                    amount=rules.clawback(original.amount, original.fee, part),
                    clawback_of_id=original.pk,
                )
                statement = original.statement
                key = (statement.partner_id, statement.paying_entity_id, refund.period)
                rows.append((key, line))
    return rows


def _write_partner(rows: list[tuple[tuple, PartnerLine]]) -> set[int]:
    if not rows:
        return set()
    ids = partner_statement_ids({key for key, _line in rows})
    lines = []
    for key, line in rows:
        line.statement_id = ids[key]
        lines.append(line)
    PartnerLine.objects.bulk_create(lines, batch_size=2000)
    return set(ids.values())


def receipts_without_lines(month) -> list[Receipt]:
    """The month's receipts and refunds that have no line yet (missed or recorded
    before a plan existed): what the month-end build adds."""
    has_staff = StaffLine.objects.filter(receipt__period=month).values("receipt_id")
    has_partner = PartnerLine.objects.filter(receipt__period=month).values("receipt_id")
    return list(
        Receipt.objects.filter(
            period=month, kind__in=[ReceiptKind.RECEIPT, ReceiptKind.REFUND]
        )
        .exclude(pk__in=has_staff)
        .exclude(pk__in=has_partner)
        .only(
            "id", "order_id", "kind", "amount", "occurred_on", "period", "refund_of_id"
        )
        .order_by("id")
    )
