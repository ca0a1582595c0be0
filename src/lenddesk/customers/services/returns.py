"""The nightly return to the public pool (掉公海): which owned customers are overdue,
the warning before they go, and the return itself."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer, PoolRules, PublicPool, TimelineEvent
from lenddesk.customers.services.pool import default_pool, pool_rules
from lenddesk.notifications.services import message, notify_all


def _overdue_condition(rules: PoolRules, now: dt.datetime) -> Q:
    """Owned customers past their rating's days without a follow-up, or past the days
    without a signed order; key customers, open business and protection are exempt."""
    by_rating = Q()
    for rating, days in (
        ("A", rules.return_days_a),
        ("B", rules.return_days_b),
        ("C", rules.return_days_c),
    ):
        by_rating |= Q(rating=rating, last_touch__lt=now - dt.timedelta(days=days))
    by_rating |= Q(
        ~Q(rating__in=["A", "B", "C"]),
        last_touch__lt=now - dt.timedelta(days=rules.return_days_d),
    )
    condition = by_rating
    if rules.return_days_without_order:
        condition |= Q(
            claimed_at__lt=now - dt.timedelta(days=rules.return_days_without_order)
        )
    return condition


def overdue_customers(now: dt.datetime | None = None):
    now = now or timezone.now()
    rules = pool_rules()
    return (
        Customer.objects.filter(
            owner__isnull=False, is_locked=False, has_open_business=False
        )
        .exclude(protected_until__gt=now)
        .annotate(last_touch=Coalesce("last_followup_at", "claimed_at", "created_at"))
        .filter(_overdue_condition(rules, now))
    )


def reclaim_overdue(*, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """The nightly return to the public pool (掉公海). Each batch is one transaction:
    one UPDATE, the timeline entries in bulk and one audit row listing every customer
    and its previous owner; each previous owner gets one notification for the night."""
    now = now or timezone.now()
    returned = 0
    rules = pool_rules()
    pool = default_pool()
    lost_by_owner: dict[int, int] = {}
    # One scan of the firm finds the candidates (no index serves the overdue rule);
    # each batch re-checks them by primary key, so a follow-up logged meanwhile still
    # keeps its customer. (Re-scanning per batch: ~6 s a scan at 1M customers.)
    candidates = list(
        overdue_customers(now).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(candidates), batch):
        with transaction.atomic():
            chunk = list(
                overdue_customers(now)
                .filter(pk__in=candidates[start : start + batch])
                .order_by("pk")
                .values_list("pk", "owner_id", "name")
            )
            if not chunk:
                continue
            _return_chunk(chunk, pool, rules, now)
            for _pk, owner_id, _name in chunk:
                lost_by_owner[owner_id] = lost_by_owner.get(owner_id, 0) + 1
            returned += len(chunk)
    _notify_returned(lost_by_owner, now)
    return returned


def _return_chunk(
    chunk: list[tuple[int, int, str]],
    pool: PublicPool,
    rules: PoolRules,
    now: dt.datetime,
) -> None:
    """One batch of the return: the UPDATE, the timeline lines and the audit row."""
    ids = [pk for pk, _owner, _name in chunk]
    Customer.objects.filter(pk__in=ids, owner__isnull=False).update(
        previous_owner=F("owner"),
        owner=None,
        pool=pool,
        claimed_at=None,
        return_warned_at=None,
        cooldown_until=now + dt.timedelta(days=rules.cooldown_days),
        version=F("version") + 1,
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            customer_id=pk,
            kind="returned",
            summary=_("Returned to the public pool after no follow-up"),
        )
        for pk in ids
    )
    audit_record(
        action=AuditAction.CUSTOMER_RETURNED,
        object_type="customers.customer",
        object_id="%d..%d" % (ids[0], ids[-1]),
        object_repr=_("%d customers") % len(ids),
        changes={"returned": {str(pk): owner for pk, owner, _n in chunk}},
        reason="no follow-up",
    )


def _notify_returned(lost_by_owner: dict[int, int], now: dt.datetime) -> None:
    day = timezone.localdate(now).isoformat()
    notify_all(
        message(
            recipient=owner,
            kind="customers.returned",
            title=_("%d of your customers went back to the public pool")
            % lost_by_owner[owner.pk],
            body=_("They had no follow-up within the firm's return period."),
            url=reverse("customers:pool"),
            dedupe_key="returned:%s" % day,
        )
        for owner in User.objects.filter(pk__in=lost_by_owner)
    )


def warn_before_return(*, now: dt.datetime | None = None) -> int:
    """Warn once per customer, on its timeline, and tell each owner in one notification
    which customers return within the warning window (the to-do list shows them too)."""
    now = now or timezone.now()
    rules = pool_rules()
    soon = now + dt.timedelta(days=rules.warn_days_before_return)
    at_risk = list(
        overdue_customers(soon)
        .filter(return_warned_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "owner_id", "name")[:5000]
    )
    if not at_risk:
        return 0
    with transaction.atomic():
        Customer.objects.filter(pk__in=[pk for pk, _o, _n in at_risk]).update(
            return_warned_at=now
        )
        summary = (
            _("Returns to the public pool within %d days without a follow-up")
            % rules.warn_days_before_return
        )
        TimelineEvent.objects.bulk_create(
            TimelineEvent(customer_id=pk, kind="warning", summary=summary)
            for pk, _o, _n in at_risk
        )
    names_by_owner: dict[int, list[str]] = {}
    for _pk, owner_id, name in at_risk:
        names_by_owner.setdefault(owner_id, []).append(name)
    _notify_warned(names_by_owner, rules.warn_days_before_return, now)
    return len(at_risk)


def _notify_warned(
    names_by_owner: dict[int, list[str]], days: int, now: dt.datetime
) -> None:
    day = timezone.localdate(now).isoformat()
    notify_all(
        message(
            recipient=owner,
            kind="customers.return_warning",
            title=_(
                "%(count)d customers return to the public pool within %(days)d days"
            )
            % {"count": len(names_by_owner[owner.pk]), "days": days},
            body=_("Follow up to keep them: %s")
            % "、".join(names_by_owner[owner.pk][:20])
            + ("…" if len(names_by_owner[owner.pk]) > 20 else ""),
            url=reverse("customers:todo"),
            dedupe_key="return-warning:%s" % day,
        )
        for owner in User.objects.filter(pk__in=names_by_owner)
    )
