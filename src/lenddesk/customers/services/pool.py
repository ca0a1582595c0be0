"""Who holds a customer: the public pool's rules and pools, claiming (抢客户) under
the cap and the daily limit, releasing, assigning (分配) and key customers (锁定).
A public-pool customer is read-only until someone claims it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Department, User, UserStatus
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff
from lenddesk.customers.errors import CustomerError, CustomerNotOwned
from lenddesk.customers.models import ClaimCounter, Customer, PoolRules, PublicPool
from lenddesk.customers.services.timeline import timeline
from lenddesk.customers.signals import tell_owner_changed
from lenddesk.notifications.services import notify


def ensure_owned(customer: Customer) -> None:
    """One rule for pages and API: a public-pool customer is read-only (no follow-ups,
    visits, documents, edits, stage or key-customer changes) until someone claims it."""
    if customer.owner_id is None:
        raise CustomerNotOwned(
            _("This customer is in the public pool: claim it first.")
        )


def pool_rules() -> PoolRules:
    rules, _created = PoolRules.objects.get_or_create()
    return rules


def default_pool() -> PublicPool:
    pool = PublicPool.objects.filter(is_default=True).first()
    if pool is None:
        pool = PublicPool.objects.create(name=_("Public pool"), is_default=True)
    return pool


@transaction.atomic
def pool_rules_update(*, actor: User, values: dict) -> PoolRules:
    rules = pool_rules()
    before = {k: getattr(rules, k) for k in values}
    for key, value in values.items():
        setattr(rules, key, value)
    rules.full_clean()
    rules.save()
    changes = diff(before, {k: getattr(rules, k) for k in values})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.POOL_RULES_CHANGED,
            target=rules,
            changes=changes,
        )
    return rules


@transaction.atomic
def pool_create(*, actor: User, name: str, department_id: int | None) -> PublicPool:
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"name": _("Give the pool a name.")})
    department = (
        Department.objects.filter(pk=department_id).first() if department_id else None
    )
    if department is None:
        raise ValidationError(
            {"department": _("A department's pool needs its department.")}
        )
    pool = PublicPool.objects.create(name=name, department=department)
    audit_record(
        actor=actor,
        action=AuditAction.POOL_RULES_CHANGED,
        target=pool,
        changes={"pool": name, "department": department.pk},
    )
    return pool


def _owned_count(owner: User) -> int:
    return Customer.objects.filter(owner=owner).count()


def ensure_cap(owner: User, rules: PoolRules, adding: int = 1) -> None:
    """Refuse when ``owner`` would hold more than the private-pool cap."""
    # Serialise one person's intake: a row lock on PostgreSQL, and SQLite's write lock.
    User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
    if _owned_count(owner) + adding > rules.private_cap:
        raise ValidationError(
            _("%(owner)s already has %(cap)d customers, the private-pool cap.")
            % {"owner": owner, "cap": rules.private_cap},
            code=CustomerError.POOL_CAP_REACHED,
        )


def _take_one_claim(actor: User, day: dt.date, limit: int) -> bool:
    """Count one claim against today's limit; False when it is used up. On PostgreSQL
    one upsert that also locks the day's row, so concurrent claims count exactly."""
    if limit <= 0:
        return False
    if connection.vendor != "postgresql":
        counter, _created = ClaimCounter.objects.get_or_create(user=actor, day=day)
        return bool(
            ClaimCounter.objects.filter(pk=counter.pk, used__lt=limit).update(
                used=F("used") + 1
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_claimcounter (tenant_id, user_id, day, used) "
            "VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (tenant_id, user_id, day) DO UPDATE "
            "SET used = customers_claimcounter.used + 1 "
            "WHERE customers_claimcounter.used < %s RETURNING used",
            [actor.tenant_id, actor.pk, day, limit],
        )
        return cursor.fetchone() is not None


def _consume_claim_quota(actor: User, rules: PoolRules) -> None:
    if not _take_one_claim(actor, timezone.localdate(), rules.daily_claim_limit):
        raise ValidationError(
            _("You have used today's %(n)d claims.") % {"n": rules.daily_claim_limit},
            code=CustomerError.CLAIM_LIMIT_REACHED,
        )


def _ensure_cooled_down(actor: User, customer: Customer, now: dt.datetime) -> None:
    if (
        customer.previous_owner_id == actor.pk
        and customer.cooldown_until
        and customer.cooldown_until > now
    ):
        raise ValidationError(
            _(
                "You released this customer recently; you may claim it again after %(when)s."
            )
            % {
                "when": timezone.localtime(customer.cooldown_until).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
            code=CustomerError.COOLDOWN,
        )


@transaction.atomic
def customer_claim(*, actor: User, customer: Customer) -> Customer:
    """Take a public-pool customer into one's private pool. Under concurrent claims
    exactly one wins (a single conditional UPDATE), and no cap or daily limit is
    exceeded."""
    rules = pool_rules()
    now = timezone.now()
    _ensure_cooled_down(actor, customer, now)
    ensure_cap(actor, rules)
    _consume_claim_quota(actor, rules)
    taken = {
        "owner": actor,
        "pool": None,
        "claimed_at": now,
        "return_warned_at": None,
        "protected_until": now + dt.timedelta(days=rules.protection_days),
    }
    won = Customer.objects.filter(pk=customer.pk, owner__isnull=True).update(
        **taken, version=F("version") + 1
    )
    if not won:
        raise ValidationError(
            _("Someone else claimed this customer first."),
            code=CustomerError.ALREADY_CLAIMED,
        )
    for name, value in taken.items():  # what the UPDATE wrote, without re-reading
        setattr(customer, name, value)
    customer.version += 1
    tell_owner_changed(actor=actor, customer_ids=[customer.pk], owner_id=actor.pk)
    timeline(customer, actor, "claimed", _("Claimed by %s") % actor)
    audit_record(actor=actor, action=AuditAction.CUSTOMER_CLAIMED, target=customer)
    return customer


@transaction.atomic
def customer_release(*, actor: User, customer: Customer, reason: str = "") -> Customer:
    """Give a customer back to the public pool (the owner, or a manager)."""
    ensure_owned(customer)
    rules = pool_rules()
    previous = customer.owner
    released = Customer.objects.filter(pk=customer.pk, owner__isnull=False).update(
        owner=None,
        pool=default_pool(),
        previous_owner=previous,
        claimed_at=None,
        protected_until=None,
        is_locked=False,
        cooldown_until=timezone.now() + dt.timedelta(days=rules.cooldown_days),
        version=F("version") + 1,
    )
    if not released:
        raise ValidationError(
            _("This customer is already in the public pool."),
            code=CustomerError.NOT_OWNER,
        )
    customer.refresh_from_db()
    timeline(customer, actor, "released", _("Returned to the public pool. %s") % reason)
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_RELEASED,
        target=customer,
        changes={"owner": [previous.pk if previous else None, None]},
        reason=reason[:200],
    )
    return customer


@transaction.atomic
def customer_assign(
    *, actor: User | None, customers: list[Customer], owner: User
) -> int:
    """A manager hands customers to a colleague (分配); caps still hold."""
    if owner.status != UserStatus.ACTIVE:
        raise ValidationError({"owner": _("Choose an active colleague.")})
    rules = pool_rules()
    moving = [c for c in customers if c.owner_id != owner.pk]
    ensure_cap(owner, rules, adding=len(moving))
    now = timezone.now()
    for customer in moving:
        before = customer.owner_id
        Customer.objects.filter(pk=customer.pk).update(
            owner=owner,
            pool=None,
            claimed_at=now,
            return_warned_at=None,
            protected_until=now + dt.timedelta(days=rules.protection_days),
            version=F("version") + 1,
        )
        timeline(customer, actor, "assigned", _("Assigned to %s") % owner)
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_ASSIGNED,
            target=customer,
            changes={"owner": [before, owner.pk]},
        )
    tell_owner_changed(
        actor=actor, customer_ids=[c.pk for c in moving], owner_id=owner.pk
    )
    if moving and owner != actor:
        _notify_assigned(owner, moving)
    return len(moving)


def _notify_assigned(owner: User, customers: list[Customer]) -> None:
    if len(customers) == 1:
        title = _("New customer for you: %s") % customers[0].name
        url = reverse("customers:detail", args=[customers[0].pk])
    else:
        title = _("%d customers were assigned to you") % len(customers)
        url = reverse("customers:list")
    notify(
        recipients=[owner],
        kind="customers.assigned",
        title=title,
        url=url,
        target=customers[0] if len(customers) == 1 else None,
    )


@transaction.atomic
def customer_set_locked(*, actor: User, customer: Customer, locked: bool) -> Customer:
    """Key customers (锁定) never return to the pool; each person has a small quota."""
    ensure_owned(customer)
    if locked:
        rules = pool_rules()
        count = Customer.objects.filter(owner=customer.owner, is_locked=True).count()
        if count >= rules.locked_per_person:
            raise ValidationError(
                _("Only %(n)d key customers per person.")
                % {"n": rules.locked_per_person},
                code=CustomerError.LOCK_LIMIT,
            )
    Customer.objects.filter(pk=customer.pk).update(is_locked=locked)
    customer.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_UPDATED,
        target=customer,
        changes={"is_locked": locked},
    )
    return customer
