"""What finance tells the apps above it (commissions).

``receipt_recorded`` is sent INSIDE the recording transaction, after the row is saved,
for every kind (receipt, refund, write-off), with ``receipt`` and ``actor``. A receiver
that raises rolls the recording back with it.
"""

from django.dispatch import Signal

receipt_recorded = Signal()  # kwargs: receipt (Receipt), actor (User)
