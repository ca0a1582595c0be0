"""Opening an order from a signed customer, changing it, and who takes part in it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.accounts.models import User, UserStatus
from lenddesk.acquisition.models import Attribution
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.customers.services.timeline import timeline
from lenddesk.orders.errors import OrderError
from lenddesk.orders.models import (
    MoveKind,
    Order,
    OrderMove,
    OrderParticipant,
    OrderProduct,
    OrderStatus,
    Workflow,
    WorkflowNode,
)
from lenddesk.orders.services import funnel
from lenddesk.orders.services.conflicts import conflict, locked, refused
from lenddesk.orders.services.events import OrderAudit
from lenddesk.orders.services.notices import notify_opened
from lenddesk.orders.services.numbering import next_order_number
from lenddesk.orders.services.sla import due_at
from lenddesk.orders.services.step_counts import step_count_add
from lenddesk.orders.services.terms import clean_amount, clean_fee_terms, clean_term
from lenddesk.orders.workflow_selectors import flow_steps
from lenddesk.products.models import Product

MAX_PRODUCTS = 5
PROCESSOR_CODE = "orders.view"
FEE_FIELDS = ("fee_kind", "fee_rate", "fee_fixed", "fee_tiers")
# An edited field → the lock name a step's ``locked_fields`` uses.
LOCK_OF = {
    "amount": "amount",
    "term_months": "term_months",
    "products": "products",
    "processor": "processor",
    **{name: "fee" for name in FEE_FIELDS},
}
FIELD_LABELS = {
    "amount": gettext_lazy("Amount"),
    "term_months": gettext_lazy("Term"),
    "products": gettext_lazy("Products"),
    "processor": gettext_lazy("Processor"),
    "fee_kind": gettext_lazy("Fee terms"),
    "fee_rate": gettext_lazy("Fee terms"),
    "fee_fixed": gettext_lazy("Fee terms"),
    "fee_tiers": gettext_lazy("Fee terms"),
}


@transaction.atomic
def order_open(
    *,
    actor: User,
    customer: Customer,
    products: list,
    amount,
    term_months,
    fee_kind: str,
    processor: User | None = None,
    note: str = "",
    workflow: Workflow | None = None,
    **fees,
) -> Order:
    """The customer signed: an order on the flow of its main product's type (or the
    ``workflow`` chosen), at its first step, numbered, with the customer's channel
    and partner, its owner and processor as participants. ``fees``: ``fee_rate``,
    ``fee_fixed`` or ``fee_tiers``, as ``fee_kind`` needs."""
    _ensure_reachable(actor, customer)
    lines = clean_products(products)
    values = {
        "amount": clean_amount(amount),
        "term_months": clean_term(term_months),
        **clean_fee_terms(fee_kind=fee_kind, **fees),
    }
    processor = clean_processor(processor)
    version = _flow_for(lines[0], workflow).current
    first = version.nodes.order_by("position").first()
    now = timezone.now()
    attribution = Attribution.objects.filter(customer=customer).first()
    order = Order.objects.create(
        number=next_order_number(),
        customer=customer,
        owner_id=customer.owner_id,
        processor=processor,
        version=version,
        node=first,
        note=(note or "")[:2000],
        channel_id=attribution.channel_id if attribution else None,
        partner_id=attribution.partner_id if attribution else None,
        node_entered_at=now,
        node_due_at=due_at(first, now),
        created_by=actor,
        **values,
    )
    _set_lines(order, lines)
    participant_add(order, order.owner_id, "salesperson")
    if processor is not None:
        participant_add(order, processor.pk, "processor")
    OrderMove.objects.create(
        order=order, kind=MoveKind.OPEN, to_node=first, actor=actor, lock_version=1
    )
    _record_opened(actor, order, lines)
    notify_opened(actor=actor, order=order)
    step_count_add(node_id=first.pk, status=order.status, delta=1, order_id=order.pk)
    return order


def _record_opened(actor: User, order: Order, lines: list[Product]) -> None:
    """The customer signed (stage, running business, timeline) and the audit row."""
    customer = order.customer
    funnel.customer_advance(customer, actor, funnel.SIGNED)
    funnel.sync_open_business(customer)
    timeline(
        customer,
        actor,
        "order",
        _("Order %(number)s opened: %(products)s, %(amount)s yuan, %(term)d months")
        % {
            "number": order.number,
            "products": "、".join(p.name for p in lines),
            "amount": order.amount,
            "term": order.term_months,
        },
    )
    audit_record(
        actor=actor,
        action=OrderAudit.OPENED,
        target=order,
        changes={
            "customer": customer.pk,
            "products": [p.pk for p in lines],
            "amount": str(order.amount),
            "workflow": order.version_id,
        },
    )


def _ensure_reachable(actor: User, customer: Customer) -> None:
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("This customer is not in your reach.")})
    ensure_owned(customer)


def clean_products(products) -> list[Product]:
    """The order's products, the main one first: active products of this firm, each
    once, at least one."""
    ids = []
    for item in products or []:
        pk = getattr(item, "pk", item)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValidationError({"products": _("Choose products from the list.")})
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationError({"products": _("Choose at least one product.")})
    if len(ids) > MAX_PRODUCTS:
        raise ValidationError(
            {"products": _("At most %d products per order.") % MAX_PRODUCTS}
        )
    found = Product.objects.filter(pk__in=ids, is_active=True).in_bulk()
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"products": _("Not an active product of the firm: %s") % missing[0]}
        )
    return [found[pk] for pk in ids]


def clean_processor(processor: User | None) -> User | None:
    if processor is None:
        return None
    person = User.objects.filter(pk=processor.pk, status=UserStatus.ACTIVE).first()
    if person is None or not person.has_code(PROCESSOR_CODE):
        raise ValidationError(
            {"processor": _("Choose an active colleague who handles orders.")}
        )
    return person


def _flow_for(product: Product, workflow: Workflow | None) -> Workflow:
    if workflow is None:
        workflow = next(
            (
                w
                for w in Workflow.objects.filter(is_active=True).order_by("pk")
                if product.type in (w.product_types or [])
            ),
            None,
        )
    if workflow is None or not workflow.is_active or workflow.current_id is None:
        raise refused(
            "products",
            _("No published workflow for products of this type (%s).")
            % product.get_type_display(),
            OrderError.NO_PUBLISHED_WORKFLOW,
        )
    return workflow


def _set_lines(order: Order, products: list[Product]) -> None:
    OrderProduct.objects.filter(order=order).delete()
    OrderProduct.objects.bulk_create(
        [
            OrderProduct(
                tenant_id=order.tenant_id, order=order, product=p, position=index
            )
            for index, p in enumerate(products)
        ]
    )


def participant_add(
    order: Order, user_id: int, role_key: str, *, replace_role: bool = True
) -> None:
    """Someone who handles a step sees the order (``Order.visible_to``). One row per
    person: by default a second role of the same person updates the row; helpers of
    a step (a warrant officer on a processor's order) pass ``replace_role=False``."""
    if replace_role:
        OrderParticipant.objects.update_or_create(
            order=order, user_id=user_id, defaults={"role_key": role_key}
        )
    else:
        OrderParticipant.objects.get_or_create(
            order=order, user_id=user_id, defaults={"role_key": role_key}
        )


def locked_fields(order: Order) -> dict[str, WorkflowNode]:
    """Each locked field with the step that locked it: a step's locks hold from it
    on, so every step up to the current one counts."""
    result: dict[str, WorkflowNode] = {}
    here = order.node.position
    for node in flow_steps(order):
        if node.position > here:
            break
        for name in node.locked_fields or []:
            result.setdefault(name, node)
    return result


def ensure_open(order: Order) -> None:
    if order.status != OrderStatus.OPEN:
        raise refused(
            None,
            _("This order is %s: nothing more can change.")
            % order.get_status_display(),
            OrderError.ORDER_CLOSED,
        )


@transaction.atomic
def order_update(*, actor: User, order: Order, data: dict) -> Order:
    """Change an open order; a field its current step locks is refused (named), and
    an order moved meanwhile answers the conflict instead of writing past a lock."""
    ensure_open(order)
    _refuse_locked(order, data)
    changes = _changes(order, data)
    if not changes:
        return order
    before = {k: _plain(getattr(order, k, None)) for k in changes}
    if "products" in changes:
        before["products"] = list(
            order.lines.order_by("position").values_list("product_id", flat=True)
        )
    values = {k: v for k, v in changes.items() if k != "products"}
    won = Order.objects.filter(
        pk=order.pk, lock_version=order.lock_version, status=OrderStatus.OPEN
    ).update(updated_at=timezone.now(), **values)
    if not won:
        raise conflict(order.pk)
    if "products" in changes:
        _set_lines(order, changes["products"])
    if "processor" in changes:
        _swap_processor(order, changes["processor"])
    order.refresh_from_db()
    audit_record(
        actor=actor,
        action=OrderAudit.UPDATED,
        target=order,
        changes={k: [before[k], _plain(v)] for k, v in changes.items()},
    )
    timeline(
        order.customer,
        actor,
        "order",
        _("Order %(number)s changed: %(fields)s")
        % {
            "number": order.number,
            "fields": "、".join(
                sorted({str(FIELD_LABELS.get(k, _("Note"))) for k in changes})
            ),
        },
    )
    return order


def _refuse_locked(order: Order, data: dict) -> None:
    """A locked field given a different (or an invalid) value is refused as locked:
    whatever is wrong with the value, the field cannot change now."""
    locks = locked_fields(order)
    for field in data:
        node = locks.get(LOCK_OF.get(field, ""))
        if node is None:
            continue
        try:
            changed = bool(_changes(order, {field: data[field]}))
        except ValidationError:
            changed = True
        if changed:
            raise locked(field, str(FIELD_LABELS[field]), node.name)


def _changes(order: Order, data: dict) -> dict:
    """The cleaned values of ``data`` that differ from the order's."""
    cleaned: dict = {}
    if "amount" in data:
        cleaned["amount"] = clean_amount(data["amount"])
    if "term_months" in data:
        cleaned["term_months"] = clean_term(data["term_months"])
    if any(k in data for k in FEE_FIELDS):
        current = {k: getattr(order, k) for k in FEE_FIELDS}
        cleaned.update(clean_fee_terms(**{**current, **_pick(data, FEE_FIELDS)}))
    if "processor" in data:
        cleaned["processor"] = clean_processor(data["processor"])
    if "note" in data:
        cleaned["note"] = (data["note"] or "")[:2000]
    changes = {k: v for k, v in cleaned.items() if getattr(order, k) != v}
    if "products" in data:
        lines = clean_products(data["products"])
        current = list(
            order.lines.order_by("position").values_list("product_id", flat=True)
        )
        if [p.pk for p in lines] != current:
            changes["products"] = lines
    return changes


def _pick(data: dict, keys) -> dict:
    return {k: data[k] for k in keys if k in data}


def _swap_processor(order: Order, processor: User | None) -> None:
    OrderParticipant.objects.filter(order=order, role_key="processor").exclude(
        user_id=order.owner_id
    ).delete()
    if processor is not None:
        participant_add(order, processor.pk, "processor")


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value if value is None or isinstance(value, int | str) else str(value)
