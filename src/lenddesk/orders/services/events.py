"""The codes orders write to the audit log, the customer's timeline and the inbox.

The audit codes follow ``audit.models.AuditAction``'s shape (``<subject>.<verb>``);
the audit log shows them with the labels there.
"""


class OrderAudit:
    OPENED = "order.opened"
    UPDATED = "order.updated"
    MOVED = "order.moved"
    OVERDUE = "order.overdue"
    HANDED_OVER = "order.handed_over"
    OWNER_FOLLOWED = "order.owner_followed"


class OrderNotice:
    OPENED = "orders.opened"
    MOVED = "orders.moved"
    OVERDUE = "orders.overdue"
    HANDED_OVER = "orders.handed_over"
