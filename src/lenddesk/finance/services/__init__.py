"""Every write of finance. Other apps import from here; finance itself imports from
the submodules."""

from lenddesk.finance.services.close import clean_month, month_close
from lenddesk.finance.services.expenses import expense_record
from lenddesk.finance.services.receipts import (
    receipt_record,
    receivable_of_order,
    refund_record,
    writeoff_record,
)
from lenddesk.finance.services.receivables import (
    fee_basis,
    receivable_for_disbursement,
    receivables_sync,
)
from lenddesk.finance.services.setup import (
    account_add,
    account_set_active,
    policy_update,
)

__all__ = [
    "account_add",
    "account_set_active",
    "clean_month",
    "expense_record",
    "fee_basis",
    "month_close",
    "policy_update",
    "receipt_record",
    "receivable_for_disbursement",
    "receivable_of_order",
    "receivables_sync",
    "refund_record",
    "writeoff_record",
]
