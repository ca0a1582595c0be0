"""What customers tell the apps built on them, which customers may not import.

``owner_changed`` is sent inside the transaction that gave customers a new owner
(claim, assignment, allocation, departure handover); ``merged`` before a duplicate
record is removed, so rows that point at it can move to the survivor first;
``stage_changed`` inside the transaction that moved customers to another funnel stage
(an edit, a follow-up or visit, a bulk move; an order's funnel step through the
"stage" timeline line it writes).
"""

from django.dispatch import Signal

# kwargs: actor (User | None), customer_ids (list[int]), owner_id (int)
owner_changed = Signal()

# kwargs: actor (User), survivor (Customer), duplicate (Customer)
merged = Signal()

# kwargs: actor (User | None), customer_ids (list[int]), stage_key (str)
stage_changed = Signal()


def tell_owner_changed(*, actor, customer_ids, owner_id) -> None:
    if customer_ids and owner_id is not None:
        owner_changed.send(
            sender=None, actor=actor, customer_ids=list(customer_ids), owner_id=owner_id
        )


def tell_stage_changed(*, actor, customer_ids, stage_key) -> None:
    if customer_ids and stage_key:
        stage_changed.send(
            sender=None,
            actor=actor,
            customer_ids=list(customer_ids),
            stage_key=stage_key,
        )
