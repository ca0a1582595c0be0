"""Every write of commissions: lines from receipts, the month-end build, approval,
the month close, plans, paying entities and payees. Audited; state changes are
conditional updates."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.commissions import rules
from lenddesk.commissions.audit import CommissionAudit
from lenddesk.commissions.errors import CommissionError, refusal
from lenddesk.commissions.lines import lines_for_receipts, receipts_without_lines
from lenddesk.commissions.models import (
    PartnerPayee,
    PartnerPlan,
    PartnerStatement,
    PayingEntity,
    StaffPlan,
    StaffStatement,
    StatementStatus,
)
from lenddesk.commissions.pricing import reprice_staff, retotal_partner
from lenddesk.commissions.statements import closing_month
from lenddesk.finance.closing import lock_books
from lenddesk.web import months

KINDS = {"staff": StaffStatement, "partner": PartnerStatement}


def on_receipt_recorded(sender=None, *, receipt, actor=None, **kwargs) -> None:
    """``finance.signals.receipt_recorded``: the receipt's lines, in its transaction."""
    touched = lines_for_receipts([receipt])
    if touched.staff:
        reprice_staff(ids=touched.staff)
    if touched.partner:
        retotal_partner(ids=touched.partner)


def month_of(value) -> dt.date:
    """The first day of the month ``value`` names, or a refusal naming ``month``."""
    return months.month_of(value, code=CommissionError.MONTH_INVALID)


@transaction.atomic
def statements_build(*, actor, month: dt.date) -> dict:
    """Month-end: lines for the month's receipts that have none yet, then every open
    statement of the month priced and totalled. Set-based; safe to run again."""
    month = month_of(month)
    lock_books()  # no receipt is recorded, and no other build runs, meanwhile
    receipts = receipts_without_lines(month)
    lines_for_receipts(receipts)
    staff = reprice_staff(month=month)
    partner = retotal_partner(month=month)
    result = {"receipts": len(receipts), "staff": staff, "partner": partner}
    audit_record(
        actor=actor,
        action=CommissionAudit.MONTH_BUILT,
        object_type="commissions.month",
        object_id=month.strftime("%Y-%m"),
        changes=result,
    )
    return result


def lock_month(actor, month: dt.date) -> None:
    """Finance's month-close step: build the month once more, then lock every
    statement of it. Nothing changes a locked statement."""
    token = closing_month.set(month)
    try:
        statements_build(actor=actor, month=month)
    finally:
        closing_month.reset(token)
    now = timezone.now()
    staff = StaffStatement.objects.filter(month=month, locked_at__isnull=True).update(
        locked_at=now
    )
    partner = PartnerStatement.objects.filter(
        month=month, locked_at__isnull=True
    ).update(locked_at=now)
    audit_record(
        actor=actor,
        action=CommissionAudit.MONTH_LOCKED,
        object_type="commissions.month",
        object_id=month.strftime("%Y-%m"),
        changes={"staff": staff, "partner": partner},
    )


@transaction.atomic
def statement_approve(*, actor, kind: str, statement):
    """Approve a draft statement (a sign-off: its amounts stay as they are). One
    conditional update: of two approvals at once, one wins."""
    model = KINDS[kind]
    won = model.objects.filter(pk=statement.pk, status=StatementStatus.DRAFT).update(
        status=StatementStatus.APPROVED,
        approved_by=actor,
        approved_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not won:
        raise ValidationError(
            _("This statement is not a draft any more."),
            code=CommissionError.ALREADY_APPROVED,
        )
    statement.refresh_from_db()
    audit_record(
        actor=actor, action=CommissionAudit.STATEMENT_APPROVED, target=statement
    )
    return statement


@transaction.atomic
def statements_approve_month(*, actor, kind: str, month: dt.date) -> int:
    """Approve every draft statement of the month the actor may see; one
    conditional update (a statement approved meanwhile is simply not counted)."""
    model = KINDS[kind]
    ids = list(
        model.objects.visible_to(actor)
        .filter(month=month_of(month), status=StatementStatus.DRAFT)
        .values_list("id", flat=True)
    )
    now = timezone.now()
    done = model.objects.filter(pk__in=ids, status=StatementStatus.DRAFT).update(
        status=StatementStatus.APPROVED,
        approved_by=actor,
        approved_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action=CommissionAudit.STATEMENT_APPROVED,
        object_type="commissions.%sstatement" % kind,
        object_id=month.strftime("%Y-%m"),
        changes={"approved": done},
    )
    return done


# --- plans ---------------------------------------------------------------------------


def _clean_name(value, field: str = "name") -> str:
    name = str(value or "").strip()
    if not name or len(name) > 80:
        raise refusal(
            field, _("Give a name of 1 to 80 characters."), CommissionError.PLAN_INVALID
        )
    return name


def _clean_choice(value, choices, field: str) -> str:
    if value not in {c for c, _label in choices}:
        raise refusal(
            field, _("Choose one of the options."), CommissionError.PLAN_INVALID
        )
    return value


@transaction.atomic
def staff_plan_save(*, actor, name, tier_mode, shares: dict, tiers: dict) -> StaffPlan:
    """Put a staff plan in force (the one before it stops). Open statements are
    priced by it from now on; locked ones keep their amounts."""
    from lenddesk.commissions.models import TierMode

    values = {
        "name": _clean_name(name),
        "tier_mode": _clean_choice(tier_mode, TierMode.choices, "tier_mode"),
    }
    split = rules.parse_splits(shares)
    table = {
        role: rules.tiers_as_json(
            rules.parse_tiers(tiers.get(role), field="tiers_%s" % role)
        )
        for role in rules.SPLIT_ROLES
    }
    StaffPlan.objects.filter(is_active=True).update(is_active=False)
    plan = StaffPlan.objects.create(
        **values,
        share_owner=split["owner"],
        share_telemarketer=split["telemarketer"],
        share_processor=split["processor"],
        tiers=table,
        created_by=actor,
    )
    audit_record(actor=actor, action=CommissionAudit.STAFF_PLAN_SAVED, target=plan)
    open_ids = StaffStatement.objects.filter(locked_at__isnull=True).values_list(
        "id", flat=True
    )
    reprice_staff(ids=list(open_ids))
    return plan


def _rate(value, field: str):
    return rules._decimal(value, field, low=rules.ZERO, high=rules.HUNDRED)


@transaction.atomic
def partner_plan_save(*, actor, plan=None, name, paying_entity, rates, is_default):
    """Create or change a partner plan. Level rates in percent (0–100); a rate
    past the firm's depth is never paid."""
    values = {
        "name": _clean_name(name),
        "paying_entity": paying_entity,
        "rate_level1": _rate(rates.get(1), "rate_level1"),
        "rate_level2": _rate(rates.get(2, 0), "rate_level2"),
        "rate_level3": _rate(rates.get(3, 0), "rate_level3"),
    }
    if paying_entity is None or not paying_entity.is_active:
        raise refusal(
            "paying_entity",
            _("Choose an active paying entity."),
            CommissionError.PLAN_INVALID,
        )
    if is_default:
        PartnerPlan.objects.filter(is_default=True).exclude(
            pk=getattr(plan, "pk", None)
        ).update(is_default=False)
    if plan is None:
        plan = PartnerPlan.objects.create(**values, is_default=bool(is_default))
    else:
        for key, value in {**values, "is_default": bool(is_default)}.items():
            setattr(plan, key, value)
        plan.save()
    audit_record(actor=actor, action=CommissionAudit.PARTNER_PLAN_SAVED, target=plan)
    return plan


@transaction.atomic
def paying_entity_save(*, actor, entity=None, name, method, is_active=True):
    from lenddesk.commissions.models import WithholdingMethod

    name = _clean_name(name)
    method = _clean_choice(method, WithholdingMethod.choices, "method")
    taken = PayingEntity.objects.filter(name=name).exclude(
        pk=getattr(entity, "pk", None)
    )
    if taken.exists():
        raise refusal(
            "name",
            _("Another paying entity has this name."),
            CommissionError.PLAN_INVALID,
        )
    entity = entity or PayingEntity()
    entity.name, entity.method, entity.is_active = name, method, bool(is_active)
    entity.save()
    audit_record(actor=actor, action=CommissionAudit.ENTITY_SAVED, target=entity)
    return entity


@transaction.atomic
def payee_save(*, actor, partner, legal_name, id_number, bank_name, bank_account, plan):
    """A partner's payment details. Blank ID or account keeps the stored one."""
    payee = PartnerPayee.objects.filter(partner=partner).first() or PartnerPayee(
        partner=partner
    )
    payee.legal_name = str(legal_name or "").strip()[:40]
    payee.bank_name = str(bank_name or "").strip()[:80]
    payee.plan = plan
    if id_number:
        payee.set_secret("id_number", id_number)
    account = "".join(str(bank_account or "").split())
    if account:
        if not account.isdigit() or not 8 <= len(account) <= 30:
            raise refusal(
                "bank_account",
                _("Give the account number: 8 to 30 digits."),
                CommissionError.PAYEE_INCOMPLETE,
            )
        payee.set_secret("bank_account", account)
    payee.save()
    audit_record(actor=actor, action=CommissionAudit.PAYEE_SAVED, target=payee)
    return payee
