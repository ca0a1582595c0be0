"""Working a customer: follow-ups (跟进), visits (上门/到访) and the reminders of
follow-ups about to fall due. Each one moves the funnel stage forward when it fits."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import (
    Customer,
    FollowUp,
    FunnelStage,
    Visit,
    VisitStatus,
)
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.customers.services.timeline import timeline
from lenddesk.customers.signals import tell_stage_changed
from lenddesk.notifications.services import message, notify_all

REMIND_AHEAD = dt.timedelta(minutes=15)
REMIND_LATE = dt.timedelta(hours=2)


@transaction.atomic
def followup_create(
    *,
    actor: User,
    customer: Customer,
    kind: str,
    content: str,
    next_at: dt.datetime | None = None,
) -> FollowUp:
    ensure_owned(customer)
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("Write what happened.")})
    if next_at is not None and next_at <= timezone.now():
        raise ValidationError(
            {"next_at": _("The next follow-up must be in the future.")}
        )
    FollowUp.objects.filter(
        customer=customer, done_at__isnull=True, next_at__isnull=False
    ).update(done_at=timezone.now())
    followup = FollowUp.objects.create(
        customer=customer, author=actor, kind=kind, content=content, next_at=next_at
    )
    Customer.objects.filter(pk=customer.pk).update(
        last_followup_at=followup.created_at,
        next_followup_at=next_at,
        return_warned_at=None,
    )
    contacted = FunnelStage.objects.filter(key="contacted").first()
    if contacted and customer.stage and customer.stage.key == "new":
        Customer.objects.filter(pk=customer.pk).update(stage=contacted)
        tell_stage_changed(
            actor=actor, customer_ids=[customer.pk], stage_key=contacted.key
        )
    timeline(
        customer,
        actor,
        "followup",
        "%s: %s" % (followup.get_kind_display(), content[:200]),
    )
    audit_record(
        actor=actor,
        action=AuditAction.FOLLOWUP_CREATED,
        target=customer,
        changes={"kind": kind, "next_at": next_at.isoformat() if next_at else None},
    )
    return followup


@transaction.atomic
def visit_book(
    *,
    actor: User,
    customer: Customer,
    scheduled_at: dt.datetime,
    place: str,
    note: str = "",
) -> Visit:
    ensure_owned(customer)
    if scheduled_at <= timezone.now():
        raise ValidationError({"scheduled_at": _("Choose a time in the future.")})
    if not place.strip():
        raise ValidationError({"place": _("Where will you meet?")})
    visit = Visit.objects.create(
        customer=customer,
        booked_by=actor,
        scheduled_at=scheduled_at,
        place=place.strip(),
        note=note,
    )
    invited = FunnelStage.objects.filter(key="invited").first()
    if invited and customer.stage and customer.stage.order < invited.order:
        Customer.objects.filter(pk=customer.pk).update(stage=invited)
        tell_stage_changed(
            actor=actor, customer_ids=[customer.pk], stage_key=invited.key
        )
    timeline(
        customer,
        actor,
        "visit",
        _("Visit booked for %s")
        % timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M"),
    )
    audit_record(actor=actor, action=AuditAction.VISIT_BOOKED, target=customer)
    return visit


@transaction.atomic
def visit_set_status(*, actor: User, visit: Visit, status: str) -> Visit:
    ensure_owned(visit.customer)
    if status not in VisitStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    Visit.objects.filter(pk=visit.pk).update(status=status)
    visit.refresh_from_db()
    if status == VisitStatus.ARRIVED:
        visited = FunnelStage.objects.filter(key="visited").first()
        customer = visit.customer
        if visited and customer.stage and customer.stage.order < visited.order:
            Customer.objects.filter(pk=customer.pk).update(stage=visited)
            tell_stage_changed(
                actor=actor, customer_ids=[customer.pk], stage_key=visited.key
            )
    timeline(
        visit.customer, actor, "visit", _("Visit: %s") % visit.get_status_display()
    )
    audit_record(
        actor=actor,
        action=AuditAction.VISIT_UPDATED,
        target=visit.customer,
        changes={"status": status},
    )
    return visit


def remind_due_followups(*, now: dt.datetime | None = None) -> int:
    """In-app reminder to the owner shortly before a planned follow-up (run every few
    minutes). The key holds the planned time, so a rescheduled follow-up reminds again
    and a repeated run never does."""
    now = now or timezone.now()
    due = (
        Customer.objects.filter(
            owner__isnull=False,
            next_followup_at__gt=now - REMIND_LATE,
            next_followup_at__lte=now + REMIND_AHEAD,
        )
        .select_related("owner")
        .order_by("next_followup_at")[:5000]
    )
    return notify_all(
        message(
            recipient=customer.owner,
            kind="customers.followup_due",
            title=_("Follow up with %(name)s at %(time)s")
            % {
                "name": customer.name,
                "time": timezone.localtime(customer.next_followup_at).strftime("%H:%M"),
            },
            url=reverse("customers:detail", args=[customer.pk]),
            target=customer,
            dedupe_key="followup:%d:%d"
            % (customer.pk, int(customer.next_followup_at.timestamp())),
        )
        for customer in due
    )
