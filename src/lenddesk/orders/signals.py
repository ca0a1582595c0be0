"""What orders tell the apps built on them (finance), which orders may not import.

``disbursement_recorded`` is sent inside the transaction that recorded a loan paid
out, after its schedule: finance makes the order's receivable (the fee) from it.
"""

from django.dispatch import Signal

# kwargs: disbursement (Disbursement), actor (User)
disbursement_recorded = Signal()
