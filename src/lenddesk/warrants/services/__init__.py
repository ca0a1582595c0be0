"""Every write of the warrant centre. Other apps import from here; the app itself
imports from the submodules."""

from lenddesk.warrants.services.custody import (
    Original,
    custody_check_in,
    custody_check_out,
    custody_move,
    custody_receive,
    custody_return,
    next_receipt_number,
)
from lenddesk.warrants.services.overdue import notify_overdue_checkouts
from lenddesk.warrants.services.tasks import warrant_task_create, warrant_task_update

__all__ = [
    "Original",
    "custody_check_in",
    "custody_check_out",
    "custody_move",
    "custody_receive",
    "custody_return",
    "next_receipt_number",
    "notify_overdue_checkouts",
    "warrant_task_create",
    "warrant_task_update",
]
