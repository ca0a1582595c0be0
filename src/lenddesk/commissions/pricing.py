"""Amounts and totals of open statements, set-based.

Staff: the lines of one person, role and month are priced together by the plan's tier
table (``rules.price_lines``), in the order their receipts were collected; a clawback
line takes back the refunded part of what its original line earned. Partner: the
month's income is the sum of its lines, the tax is the paying entity's method on it
(per payment: the month's total is one payment; cumulative: the year so far), and
``net = gross − tax``. Every total is the plain sum of its lines.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lenddesk.commissions import rules, tax
from lenddesk.commissions.bulk import set_values
from lenddesk.commissions.models import (
    PartnerLine,
    PartnerStatement,
    StaffLine,
    StaffPlan,
    StaffStatement,
    WithholdingMethod,
)
from lenddesk.commissions.statements import open_statements
from lenddesk.commissions.tax import ZERO

BATCH = 1000


def _plan_tiers(plan: StaffPlan) -> dict[str, list]:
    return {
        role: rules.parse_tiers(plan.tiers.get(role, [{"up_to": None, "rate": "0"}]))
        for role in rules.SPLIT_ROLES
    }


def _staff_rows(statement_ids):
    return list(
        StaffLine.objects.filter(statement_id__in=statement_ids)
        .order_by("statement_id", "receipt__occurred_on", "receipt_id", "id")
        .values_list(
            "id", "statement_id", "role", "base", "fee", "amount", "clawback_of_id"
        )
    )


def _price_originals(rows, tiers, mode) -> dict[int, Decimal]:
    groups = defaultdict(list)
    for pk, statement, role, base, _fee, _amount, clawback_of in rows:
        if clawback_of is None:
            groups[(statement, role)].append((pk, base))
    priced = {}
    for (_statement, role), items in groups.items():
        amounts = rules.price_lines(tiers[role], mode, [base for _pk, base in items])
        priced.update(zip([pk for pk, _base in items], amounts, strict=True))
    return priced


def _price_clawbacks(rows, priced: dict[int, Decimal]) -> dict[int, Decimal]:
    wanted = {row[6] for row in rows if row[6] is not None} - set(priced)
    earned = dict(priced)
    earned.update(
        StaffLine.objects.filter(pk__in=wanted).values_list("id", "amount")
        if wanted
        else []
    )
    fees = dict(
        StaffLine.objects.filter(pk__in={r[6] for r in rows if r[6]}).values_list(
            "id", "fee"
        )
    )
    result = {}
    for pk, _statement, _role, _base, fee, _amount, original in rows:
        if original is not None:
            result[pk] = rules.clawback(earned[original], fees[original], -fee)
    return result


def price_new_staff_lines(lines: list[StaffLine]) -> None:
    """Amounts of unsaved lines, before they are inserted, priced together with the
    saved lines of their statements (whose changed amounts are written): the
    month-end build then inserts priced rows instead of updating every new one."""
    plan = StaffPlan.objects.filter(is_active=True).first()
    if plan is None or not lines:
        return
    saved = StaffLine.objects.filter(
        statement_id__in={line.statement_id for line in lines}
    ).values_list(
        "id",
        "statement_id",
        "role",
        "base",
        "fee",
        "amount",
        "clawback_of_id",
        "receipt__occurred_on",
        "receipt_id",
    )
    keyed = [(tuple(row[:7]), (row[1], row[7], row[8], 0, row[0])) for row in saved]
    keyed += [
        (
            (
                ("new", n),
                line.statement_id,
                line.role,
                line.base,
                line.fee,
                ZERO,
                line.clawback_of_id,
            ),
            (line.statement_id, line.day, line.receipt_id, 1, n),
        )
        for n, line in enumerate(lines)
    ]
    rows = [row for row, _order in sorted(keyed, key=lambda item: item[1])]
    priced = _price_originals(rows, _plan_tiers(plan), plan.tier_mode)
    priced.update(_price_clawbacks(rows, priced))
    for n, line in enumerate(lines):
        line.amount = priced[("new", n)]
    changed = [
        (row[0], priced[row[0]])
        for row in rows
        if not isinstance(row[0], tuple) and priced[row[0]] != row[5]
    ]
    set_values(StaffLine, "amount", changed, "numeric")


def reprice_staff(*, ids=None, month=None) -> int:
    """Price the lines of the open staff statements named (by ids or month) and
    write their totals. Answers how many statements it priced."""
    plan = StaffPlan.objects.filter(is_active=True).first()
    statement_ids = list(
        open_statements(StaffStatement, ids=ids, month=month).values_list(
            "id", flat=True
        )
    )
    if not statement_ids:
        return 0
    if plan is not None:
        rows = _staff_rows(statement_ids)
        priced = _price_originals(rows, _plan_tiers(plan), plan.tier_mode)
        priced.update(_price_clawbacks(rows, priced))
        changed = [
            (pk, priced[pk])
            for pk, *_rest, amount, _original in rows
            if priced[pk] != amount
        ]
        set_values(StaffLine, "amount", changed, "numeric")
    _staff_totals(statement_ids)
    return len(statement_ids)


def _line_sums(model, statement_ids, columns) -> dict[int, list]:
    """statement id → [count, Σ column, …], summed as ``Decimal`` in Python (exact on
    every database; SQLite would sum in floating point)."""
    sums: dict[int, list] = {}
    rows = model.objects.filter(statement_id__in=statement_ids).values_list(
        "statement_id", *columns
    )
    for statement_id, *values in rows.iterator(chunk_size=5000):
        entry = sums.setdefault(statement_id, [0] + [ZERO] * len(columns))
        entry[0] += 1
        for index, value in enumerate(values, start=1):
            entry[index] += value
    return sums


def _staff_totals(statement_ids) -> None:
    sums = _line_sums(StaffLine, statement_ids, ("base", "amount"))
    updated = []
    for pk in statement_ids:
        count, base, amount = sums.get(pk, (0, ZERO, ZERO))
        updated.append(
            StaffStatement(
                pk=pk, base_total=base, amount_total=amount, line_count=count
            )
        )
    StaffStatement.objects.bulk_update(
        updated, ["base_total", "amount_total", "line_count"], batch_size=BATCH
    )


# --- partners ------------------------------------------------------------------------


def _year_before(statements) -> dict[tuple, list]:
    """(partner, entity, year) → [(month, gross, tax)] of the year's other statements,
    for the cumulative method."""
    cumulative = [s for s in statements if s.method == WithholdingMethod.CUMULATIVE]
    if not cumulative:
        return {}
    rows = PartnerStatement.objects.filter(
        partner_id__in={s.partner_id for s in cumulative},
        method=WithholdingMethod.CUMULATIVE,
        month__year__in={s.month.year for s in cumulative},
    ).values_list("id", "partner_id", "paying_entity_id", "month", "gross", "tax")
    found = defaultdict(dict)
    for pk, partner, entity, month, gross, withheld in rows:
        found[(partner, entity, month.year)][pk] = (month, gross, withheld)
    return found


def withholding_of(statement, gross: Decimal, year: dict) -> tax.Withholding:
    """The tax on ``gross`` for this statement's entity method; ``year`` holds the
    year's statements of this partner and entity (id → (month, gross, tax))."""
    if statement.method != WithholdingMethod.CUMULATIVE:
        return tax.per_payment(gross)
    earlier = [v for pk, v in year.items() if v[0] < statement.month]
    first = min([v[0] for v in earlier] + [statement.month])
    months = statement.month.month - first.month + 1
    income = gross + sum((v[1] for v in earlier), ZERO)
    withheld = sum((v[2] for v in earlier), ZERO)
    return tax.cumulative(income, months, withheld)


def retotal_partner(*, ids=None, month=None) -> int:
    """Income, tax and net of the open partner statements named."""
    statements = sorted(
        open_statements(PartnerStatement, ids=ids, month=month),
        key=lambda s: (s.month, s.pk),
    )
    if not statements:
        return 0
    sums = _line_sums(PartnerLine, [s.pk for s in statements], ("amount",))
    years = _year_before(statements)
    for statement in statements:
        count, gross = sums.get(statement.pk, (0, ZERO))
        year = years.get(
            (statement.partner_id, statement.paying_entity_id, statement.month.year), {}
        )
        result = withholding_of(statement, gross, year)
        statement.gross, statement.taxable, statement.tax = (
            gross,
            result.taxable,
            result.tax,
        )
        statement.net = gross - result.tax
        statement.line_count = count
        year[statement.pk] = (statement.month, gross, result.tax)
    PartnerStatement.objects.bulk_update(
        statements, ["gross", "taxable", "tax", "net", "line_count"], batch_size=BATCH
    )
    return len(statements)
