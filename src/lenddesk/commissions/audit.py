"""The audit actions of commissions (the audit log's ``action``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class CommissionAudit(TextChoices):
    STAFF_PLAN_SAVED = "commission.staff_plan_saved", _("Staff commission plan saved")
    PARTNER_PLAN_SAVED = (
        "commission.partner_plan_saved",
        _("Partner commission plan saved"),
    )
    ENTITY_SAVED = "commission.entity_saved", _("Paying entity saved")
    PAYEE_SAVED = "commission.payee_saved", _("Partner payment details saved")
    STATEMENT_APPROVED = "commission.statement_approved", _("Statement approved")
    STATEMENT_REOPENED = (
        "commission.statement_reopened",
        _("Statement back to draft (new line)"),
    )
    MONTH_BUILT = "commission.month_built", _("Month's statements rebuilt")
    MONTH_LOCKED = "commission.month_locked", _("Month's statements locked")
    PAYOUT_CREATED = "commission.payout_created", _("Payout batch created")
    PAYOUT_PAID = "commission.payout_paid", _("Payout batch marked paid")
    PAYOUT_FILE = "commission.payout_file", _("Bank transfer file downloaded")
    EXPORTED = "commission.exported", _("Commission report exported")
