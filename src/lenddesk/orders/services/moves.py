"""Moving an order through its flow: forward to the next step, back to an earlier one
(with a reason), cancelled (with a reason) or completed at the end.

Only people holding the step's role, or whose data scope covers the order's owner (a
manager over them), move it. Two people moving one order at once: the move is one
conditional UPDATE on ``lock_version``, so exactly one wins and the other is told who
moved it, to where and when (``OrderConflict``, 409 in the API).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Role, User
from lenddesk.accounts.scope import scope_q, sees_only_own
from lenddesk.audit.services import audit_record
from lenddesk.customers.services.timeline import timeline
from lenddesk.orders.errors import OrderError
from lenddesk.orders.models import (
    MoveKind,
    NodeKind,
    Order,
    OrderMove,
    OrderStatus,
    WorkflowNode,
)
from lenddesk.orders.services import funnel
from lenddesk.orders.services.conflicts import conflict, refused
from lenddesk.orders.services.events import OrderAudit
from lenddesk.orders.services.notices import notify_moved
from lenddesk.orders.services.orders import ensure_open
from lenddesk.orders.services.sla import due_at
from lenddesk.orders.services.step_counts import step_count_moved
from lenddesk.orders.workflow_selectors import flow_steps

MOVES = (MoveKind.FORWARD, MoveKind.RETURN, MoveKind.CANCEL, MoveKind.COMPLETE)
COMMENT_MAX = 500


@dataclass(frozen=True)
class Plan:
    """Where a move goes: the recorded kind (a forward into the end step is a
    completion) and the target step."""

    kind: str
    target: WorkflowNode


def role_keys(actor: User) -> set[str]:
    return {role.key for role in actor.role_list()}


def ensure_reach(actor: User, order: Order) -> None:
    """Refuse an order the actor may not see, unless ``order_get`` just read it
    through the actor's scope (it marks the order ``reached_by``)."""
    if getattr(order, "reached_by", None) == actor.pk:
        return
    if not Order.objects.reachable(actor, order.pk).exists():
        raise PermissionDenied(_("This order is not in your reach."))


def may_move(actor: User, order: Order) -> bool:
    """Whether ``actor`` may move ``order`` out of its current step."""
    role = order.node.role_key
    if not role or role in role_keys(actor):
        return True
    if sees_only_own(actor):
        return False
    condition = scope_q(actor, owner="")
    if not condition:
        return True
    return User.objects.filter(pk=order.owner_id).filter(condition).exists()


def plan_move(
    order: Order, kind: str, to_node: str | None, comment: str, steps=None
) -> Plan:
    """The move ``kind`` from the order's step, or the refusal naming the field."""
    if kind not in MOVES:
        raise ValidationError(
            {"kind": _("Choose forward, return, cancel or complete.")}
        )
    node = order.node
    steps = sorted(steps or flow_steps(order), key=lambda n: n.position)
    later = [n for n in steps if n.position > node.position]
    following = later[0] if later else None
    if kind in (MoveKind.FORWARD, MoveKind.COMPLETE):
        return _ahead(order, kind, following, to_node)
    if not comment.strip():
        raise ValidationError({"comment": _("Give the reason.")})
    if kind == MoveKind.CANCEL:
        if not node.can_cancel:
            raise _not_allowed(None, _("Orders cannot be cancelled at %s.") % node.name)
        return Plan(MoveKind.CANCEL, node)
    if not node.can_return:
        raise _not_allowed(None, _("Orders cannot be returned from %s.") % node.name)
    earlier = [n for n in steps if n.position < node.position]
    if to_node:
        target = next((n for n in earlier if n.key == to_node), None)
    else:
        target = earlier[-1] if earlier else None
    if target is None:
        raise _not_allowed("to_node", _("Choose an earlier step to return to."))
    return Plan(MoveKind.RETURN, target)


def _ahead(order, kind, following, to_node) -> Plan:
    node = order.node
    if node.kind == NodeKind.END:
        if kind == MoveKind.COMPLETE:
            return Plan(MoveKind.COMPLETE, node)
        raise _not_allowed("kind", _("The order is at the end of its flow."))
    if following is None or (to_node and to_node != following.key):
        raise _not_allowed(
            "to_node", _("Orders move forward one step at a time, in the flow's order.")
        )
    if following.kind == NodeKind.END:
        return Plan(MoveKind.COMPLETE, following)
    if kind == MoveKind.COMPLETE:
        raise _not_allowed(
            "kind",
            _("Only the last step completes an order; %s is not it.") % node.name,
        )
    return Plan(MoveKind.FORWARD, following)


def _not_allowed(field: str | None, message: str) -> ValidationError:
    return refused(field, message, OrderError.MOVE_NOT_ALLOWED)


@transaction.atomic
def order_move(
    *,
    actor: User,
    order: Order,
    kind: str,
    to_node: str | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> Order:
    """Move the order; ``expected_version`` is the ``lock_version`` the mover saw
    (a stale one is the conflict, whatever else is wrong with the move)."""
    version = order.lock_version if expected_version is None else expected_version
    if version != order.lock_version:
        raise conflict(order.pk)
    ensure_reach(actor, order)
    ensure_open(order)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("At most %d characters.") % COMMENT_MAX})
    if not may_move(actor, order):
        raise refused(
            None,
            _("Only a %(role)s (or their manager) moves orders on at %(step)s.")
            % {"role": role_label(order.node.role_key), "step": order.node.name},
            OrderError.WRONG_ROLE,
        )
    plan = plan_move(order, kind, to_node, comment)
    before = (order.node_id, order.status)
    _apply(actor, order, plan, comment, version)
    # last, so the count's row is held only until the commit that follows
    step_count_moved(
        order_id=order.pk, before=before, after=(order.node_id, order.status)
    )
    return order


def _apply(actor, order: Order, plan: Plan, comment: str, version: int) -> None:
    now = timezone.now()
    source = order.node
    values = {
        "node": plan.target,
        "node_entered_at": now,
        "node_due_at": due_at(plan.target, now),
        "is_overdue": False,
        "lock_version": F("lock_version") + 1,
        "updated_at": now,
    }
    if plan.kind in (MoveKind.CANCEL, MoveKind.COMPLETE):
        values.update(node_due_at=None, closed_at=now)
        values["status"] = (
            OrderStatus.CANCELLED
            if plan.kind == MoveKind.CANCEL
            else OrderStatus.COMPLETED
        )
    if plan.kind == MoveKind.CANCEL:
        values["cancel_reason"] = comment[:200]
    won = Order.objects.filter(
        pk=order.pk, lock_version=version, status=OrderStatus.OPEN
    ).update(**values)
    if not won:
        raise conflict(order.pk)
    # kept on the order for the answer, which shows it without reading it back
    order.recorded_move = OrderMove.objects.create(
        order=order,
        kind=plan.kind,
        from_node=source,
        to_node=plan.target,
        comment=comment,
        actor=actor,
        lock_version=version + 1,
    )
    values.update(lock_version=version + 1, node=plan.target)
    for name, value in values.items():  # what the UPDATE wrote, without re-reading
        setattr(order, name, value)
    _record(actor, order, plan, source, comment)


def _record(actor, order: Order, plan: Plan, source: WorkflowNode, comment: str):
    """The customer's stage and timeline, the audit row and the notices."""
    customer = order.customer
    if plan.kind == MoveKind.FORWARD:
        funnel.customer_advance(customer, actor, funnel.PROCESSING)
    elif plan.kind == MoveKind.COMPLETE:
        funnel.customer_advance(customer, actor, funnel.DISBURSED)
    elif plan.kind == MoveKind.CANCEL:
        funnel.customer_lost(customer, actor)
    if plan.kind in (MoveKind.CANCEL, MoveKind.COMPLETE):
        funnel.sync_open_business(customer)
    summary = move_summary(order, plan.kind, actor, comment)
    timeline(customer, actor, "order", summary)
    audit_record(
        actor=actor,
        action=OrderAudit.MOVED,
        target=order,
        changes={
            "kind": plan.kind,
            "node": [source.key, plan.target.key],
            "version": order.lock_version,
        },
        reason=comment[:200],
    )
    notify_moved(actor=actor, order=order, summary=summary)


def move_summary(order: Order, kind: str, actor, comment: str = "") -> str:
    values = {
        "number": order.number,
        "step": order.node.name,
        "who": actor,
        "reason": comment[:120],
    }
    if kind == MoveKind.RETURN:
        text = _("Order %(number)s returned to %(step)s by %(who)s: %(reason)s")
    elif kind == MoveKind.CANCEL:
        text = _("Order %(number)s cancelled by %(who)s: %(reason)s")
    elif kind == MoveKind.COMPLETE:
        text = _("Order %(number)s completed by %(who)s")
    else:
        text = _("Order %(number)s moved on to %(step)s by %(who)s")
    return text % values


def role_label(role_key: str) -> str:
    """The role's name as the firm calls it (its key when the role is gone)."""
    role = Role.objects.filter(key=role_key).first()
    return role.name if role else role_key


def allowed_moves(actor: User, order: Order) -> dict:
    """What the move form offers this person now: the next step, the earlier steps
    to return to, and whether cancelling is possible. Empty when they may not move."""
    if order.status != OrderStatus.OPEN or not may_move(actor, order):
        return {}
    node = order.node
    steps = flow_steps(order)  # in the flow's order
    later = [n for n in steps if n.position > node.position]
    following = later[0] if later else None
    return {
        "forward": following if following and following.kind != NodeKind.END else None,
        "complete": following is None or following.kind == NodeKind.END,
        "returns": [n for n in steps if n.position < node.position]
        if node.can_return
        else [],
        "cancel": node.can_cancel,
    }
