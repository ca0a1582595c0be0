from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

EVERYTHING = [
    "finance.view",
    "finance.receive",
    "finance.refund",
    "finance.writeoff",
    "finance.expense",
    "finance.close",
    "finance.settings",
]


@register_permissions(
    module="finance",
    grants={"general_manager": EVERYTHING, "finance": EVERYTHING},
)
class FinancePermission(TextChoices):
    VIEW = "finance.view", _("View receivables, receipts and profit")
    RECEIVE = "finance.receive", _("Record receipts of fees")
    REFUND = "finance.refund", _("Record refunds of fees")
    WRITEOFF = "finance.writeoff", _("Write off fees")
    EXPENSE = "finance.expense", _("Record other expenses")
    CLOSE = "finance.close", _("Close a month")
    SETTINGS = "finance.settings", _("Manage the firm's accounts and fee policy")
