"""Actions on many selected customers at once (批量操作): return to the public pool,
add a tag, change the stage, assign to a colleague. Every row is looked up through
the actor's data scope and held to the same rules as the one-customer action; each
change is audited; the outcome says how many were done and why the rest were not."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_records
from lenddesk.customers.models import Customer, FunnelStage, Tag, TimelineEvent
from lenddesk.customers.services.pool import (
    customer_assign,
    customer_release,
    pool_rules,
)
from lenddesk.customers.services.tagging import MAX_TAGS, clean_tag_names
from lenddesk.customers.signals import tell_stage_changed

BULK_MAX = 500


@dataclass
class BulkOutcome:
    done: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason → how many

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


def _in_scope(actor: User, customer_ids: list[int], outcome: BulkOutcome):
    """The selected customers the actor may act on; the others are counted as
    skipped (another person's, another team's, or gone)."""
    ids = list(dict.fromkeys(customer_ids))[:BULK_MAX]
    customers = list(
        Customer.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_related("owner")
        .order_by("pk")
    )
    if len(customers) < len(ids):
        outcome.skipped[_("not in your data scope")] += len(ids) - len(customers)
    return customers


def _owned(customers: list[Customer], outcome: BulkOutcome) -> list[Customer]:
    """The public pool's customers are read-only until claimed (``ensure_owned``)."""
    pooled = [c for c in customers if c.owner_id is None]
    if pooled:
        outcome.skipped[_("in the public pool")] += len(pooled)
    return [c for c in customers if c.owner_id is not None]


@transaction.atomic
def customers_release(
    *, actor: User, customer_ids: list[int], reason: str = ""
) -> BulkOutcome:
    """Return the selected customers to the public pool, one ``customer_release``
    each. Key customers stay: a bulk action should not undo that choice unseen."""
    outcome = BulkOutcome()
    for customer in _owned(_in_scope(actor, customer_ids, outcome), outcome):
        if customer.is_locked:
            outcome.skipped[_("key customer (remove the mark first)")] += 1
            continue
        try:
            customer_release(actor=actor, customer=customer, reason=reason)
        except ValidationError as exc:
            outcome.skipped[" ".join(exc.messages)] += 1
        else:
            outcome.done += 1
    return outcome


@transaction.atomic
def customers_tag(
    *, actor: User, customer_ids: list[int], tag_name: str
) -> BulkOutcome:
    """Add one tag to the selected customers (their other tags stay)."""
    names = clean_tag_names([tag_name or ""], field="tag")
    if not names:
        raise ValidationError({"tag": _("Name the tag to add.")})
    tag, _created = Tag.objects.get_or_create(name=names[0])
    outcome = BulkOutcome()
    customers = _owned(_in_scope(actor, customer_ids, outcome), outcome)
    links = Customer.tags.through.objects.filter(
        customer_id__in=[c.pk for c in customers]
    )
    tagged = set(links.filter(tag=tag).values_list("customer_id", flat=True))
    counts = dict(
        links.values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n")
    )
    adding = []
    for customer in customers:
        if customer.pk in tagged:
            outcome.skipped[_("already has this tag")] += 1
        elif counts.get(customer.pk, 0) >= MAX_TAGS:
            outcome.skipped[
                _("already has %(n)d tags, the most allowed") % {"n": MAX_TAGS}
            ] += 1
        else:
            adding.append(customer)
    Customer.tags.through.objects.bulk_create(
        [Customer.tags.through(customer_id=c.pk, tag_id=tag.pk) for c in adding]
    )
    _audit_each(actor, adding, {"tags": {"added": tag.name}})
    outcome.done = len(adding)
    return outcome


@transaction.atomic
def customers_set_stage(
    *, actor: User, customer_ids: list[int], stage_id: int | None
) -> BulkOutcome:
    stage = FunnelStage.objects.filter(pk=stage_id).first() if stage_id else None
    if stage is None:
        raise ValidationError({"stage": _("Choose a stage.")})
    outcome = BulkOutcome()
    customers = _owned(_in_scope(actor, customer_ids, outcome), outcome)
    moving = [c for c in customers if c.stage_id != stage.pk]
    if len(moving) < len(customers):
        outcome.skipped[_("already at this stage")] += len(customers) - len(moving)
    moved_ids = set(
        Customer.objects.filter(
            pk__in=[c.pk for c in moving], owner__isnull=False
        ).values_list("pk", flat=True)
    )
    Customer.objects.filter(pk__in=moved_ids).update(
        stage=stage, version=F("version") + 1
    )
    moved = [c for c in moving if c.pk in moved_ids]
    if len(moved) < len(moving):
        outcome.skipped[_("in the public pool")] += len(moving) - len(moved)
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                customer=c, actor=actor, kind="stage", summary=_("Stage: %s") % stage
            )
            for c in moved
        ]
    )
    _audit_each(actor, moved, lambda c: {"stage": [c.stage_id, stage.pk]})
    tell_stage_changed(
        actor=actor, customer_ids=[c.pk for c in moved], stage_key=stage.key
    )
    outcome.done = len(moved)
    return outcome


@transaction.atomic
def customers_assign(
    *, actor: User, customer_ids: list[int], owner_id: int | None
) -> BulkOutcome:
    """Hand the selected customers to a colleague (``customer_assign``), as many as
    the colleague's private-pool cap leaves room for."""
    owner = User.objects.filter(pk=owner_id, status=UserStatus.ACTIVE).first()
    if owner is None:
        raise ValidationError({"owner": _("Choose an active colleague.")})
    outcome = BulkOutcome()
    customers = _in_scope(actor, customer_ids, outcome)
    moving = [c for c in customers if c.owner_id != owner.pk]
    if len(moving) < len(customers):
        outcome.skipped[_("already theirs")] += len(customers) - len(moving)
    cap = pool_rules().private_cap
    room = max(cap - Customer.objects.filter(owner=owner).count(), 0)
    if len(moving) > room:
        outcome.skipped[
            _("%(owner)s would pass the private-pool cap of %(cap)d")
            % {"owner": owner, "cap": cap}
        ] += len(moving) - room
        moving = moving[:room]
    if moving:
        outcome.done = customer_assign(actor=actor, customers=moving, owner=owner)
    return outcome


def _audit_each(actor: User, customers: list[Customer], changes) -> None:
    audit_records(
        [
            dict(
                actor=actor,
                action=AuditAction.CUSTOMER_UPDATED,
                target=customer,
                changes=changes(customer) if callable(changes) else changes,
            )
            for customer in customers
        ]
    )
