"""Warrant tasks (权证任务): created for an order, booked, assigned, done, cancelled.

A change names the ``lock_version`` it was made against and is one conditional
UPDATE on it: of two people changing the same task at once exactly one wins, the
other gets ``warrant_conflict`` (409) and nothing of theirs is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.notifications.services import notify
from lenddesk.orders.models import Order
from lenddesk.warrants.errors import WarrantError, refusal
from lenddesk.warrants.models import WarrantKind, WarrantStatus, WarrantTask
from lenddesk.warrants.services.common import (
    WarrantAudit,
    can_handle,
    ensure_order_open,
    ensure_participant,
    page_url,
)

OPEN = (WarrantStatus.PENDING, WarrantStatus.BOOKED)
CHANGEABLE = ("handler", "appointment_at", "place", "note")
MAX_TEXT = {"place": 120, "note": 500, "certificate_number": 60, "reason": 500}


def _check_handler(handler) -> None:
    if handler is not None and not can_handle(handler):
        raise refusal(
            "handler",
            _("The handler must be an active colleague who arranges warrant tasks."),
            WarrantError.HANDLER_INVALID,
        )


def _check_text(changes: dict[str, Any]) -> None:
    for field, limit in MAX_TEXT.items():
        value = changes.get(field)
        if value is not None and len(str(value)) > limit:
            raise refusal(
                field,
                _("At most %(n)d characters.") % {"n": limit},
                "invalid",
            )


@transaction.atomic
def warrant_task_create(
    *,
    actor,
    order: Order,
    kind: str,
    handler=None,
    appointment_at: dt.datetime | None = None,
    place: str = "",
    note: str = "",
) -> WarrantTask:
    ensure_order_open(order, _("The order is cancelled: no new warrant tasks."))
    if kind not in WarrantKind.values:
        raise refusal("kind", _("Choose the kind of task."), "invalid")
    _check_handler(handler)
    _check_text({"place": place, "note": note})
    task = WarrantTask.objects.create(
        order=order,
        kind=kind,
        handler=handler,
        appointment_at=appointment_at,
        place=place,
        note=note,
        status=WarrantStatus.BOOKED if appointment_at else WarrantStatus.PENDING,
        created_by=actor,
    )
    ensure_participant(order, handler)
    audit_record(
        actor=actor,
        action=WarrantAudit.TASK_CREATED,
        target=task,
        object_repr=_task_repr(task),
        changes={
            "order": order.number,
            "kind": kind,
            "handler": handler.pk if handler else None,
            "appointment_at": _iso(appointment_at),
        },
    )
    if handler is not None and handler.pk != getattr(actor, "pk", None):
        _notify_handler(task, _("New warrant task for you: %(task)s"))
    return task


def _task_repr(task: WarrantTask) -> str:
    return "%s · %s" % (task.order.number, task.get_kind_display())


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _notify_handler(task: WarrantTask, title: str) -> None:
    when = (
        timezone.localtime(task.appointment_at).strftime("%Y-%m-%d %H:%M")
        if task.appointment_at
        else ""
    )
    notify(
        recipients=[task.handler],
        kind="warrants.task",
        title=title % {"task": _task_repr(task)},
        body=" ".join(part for part in (when, task.place) if part),
        url=page_url("warrants:task", task.pk),
        target=task,
    )


def _conflict(task: WarrantTask) -> None:
    current = WarrantTask.objects.filter(pk=task.pk).first()
    if current is None:  # pragma: no cover - tasks are never deleted
        raise refusal(None, _("This task no longer exists."), WarrantError.TASK_CHANGED)
    raise refusal(
        None,
        _(
            "Someone else changed this task at %(when)s (it is now %(status)s, "
            "version %(version)d). Reload it and make your change again."
        )
        % {
            "when": timezone.localtime(current.updated_at).strftime("%H:%M:%S"),
            "status": current.get_status_display(),
            "version": current.lock_version,
        },
        WarrantError.TASK_CHANGED,
    )


def _status_values(task: WarrantTask, changes: dict[str, Any]) -> dict[str, Any]:
    """The fields a requested status sets, after checking what it needs."""
    status = changes.get("status")
    if status in (None, task.status) or status in OPEN:
        appointment = changes.get("appointment_at", task.appointment_at)
        booked = WarrantStatus.BOOKED if appointment else WarrantStatus.PENDING
        return {"status": booked}
    if status == WarrantStatus.DONE:
        number = (changes.get("certificate_number") or "").strip()
        if not number:
            raise refusal(
                "certificate_number",
                _("Give the number of the certificate or report obtained."),
                "required",
            )
        return {
            "status": WarrantStatus.DONE,
            "certificate_number": number,
            "done_at": timezone.now(),
        }
    if status == WarrantStatus.CANCELLED:
        reason = (changes.get("reason") or "").strip()
        if not reason:
            raise refusal("reason", _("Say why the task is cancelled."), "required")
        return {"status": WarrantStatus.CANCELLED, "note": reason}
    raise refusal("status", _("Choose a valid status."), "invalid")


def _new_values(task: WarrantTask, changes: dict[str, Any]) -> dict[str, Any]:
    _check_text(changes)
    values = {k: changes[k] for k in CHANGEABLE if k in changes}
    for field in ("place", "note"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "handler" in values:
        _check_handler(values["handler"])
    values.update(_status_values(task, changes))
    return {k: v for k, v in values.items() if getattr(task, k) != v}


def _snapshot(task: WarrantTask, fields) -> dict[str, Any]:
    out = {}
    for field in fields:
        value = getattr(task, field + "_id" if field == "handler" else field)
        out[field] = _iso(value) if isinstance(value, dt.datetime) else value
    return out


@transaction.atomic
def warrant_task_update(
    *, actor, task: WarrantTask, lock_version: int, changes: dict[str, Any]
) -> WarrantTask:
    """Book, reschedule, assign, complete (with the certificate number) or cancel
    (with a reason): one conditional UPDATE against ``lock_version``."""
    if task.lock_version != lock_version:
        _conflict(task)
    if task.status not in OPEN:
        raise refusal(
            None,
            _("This task is %(status)s: it can no longer change.")
            % {"status": task.get_status_display()},
            WarrantError.TASK_CLOSED,
        )
    values = _new_values(task, changes)
    if not values:
        return task
    before = _snapshot(task, values)
    won = WarrantTask.objects.filter(
        pk=task.pk, lock_version=lock_version, status__in=OPEN
    ).update(**values, lock_version=F("lock_version") + 1, updated_at=timezone.now())
    if not won:
        _conflict(task)
    old_handler_id = task.handler_id
    task.refresh_from_db()
    ensure_participant(task.order, task.handler)
    audit_record(
        actor=actor,
        action=WarrantAudit.TASK_UPDATED,
        target=task,
        object_repr=_task_repr(task),
        changes={k: [before[k], v] for k, v in _snapshot(task, values).items()},
    )
    _tell_handler(actor, task, values, old_handler_id)
    return task


def _tell_handler(actor, task: WarrantTask, values, old_handler_id) -> None:
    if task.handler is None or task.handler_id == getattr(actor, "pk", None):
        return
    if task.handler_id != old_handler_id:
        _notify_handler(task, _("New warrant task for you: %(task)s"))
    elif {"appointment_at", "place", "status"} & set(values):
        _notify_handler(task, _("Warrant task changed: %(task)s"))


def warrant_tasks_hand_over(*, actor, leaver, target) -> int:
    """A departure step: each open task of ``leaver`` goes to the next person of
    ``target`` who may handle it (else it waits unassigned); its version moves on, so
    a form opened before the handover is refused as stale."""
    moved = 0
    tasks = WarrantTask.objects.filter(handler=leaver, status__in=OPEN)
    for task in tasks.select_related("order").order_by("pk"):
        heir = target.next_owner()
        heir = heir if can_handle(heir) else None
        WarrantTask.objects.filter(pk=task.pk).update(
            handler=heir,
            lock_version=F("lock_version") + 1,
            updated_at=timezone.now(),
        )
        task.refresh_from_db()
        ensure_participant(task.order, heir)
        audit_record(
            actor=actor,
            action=WarrantAudit.TASK_UPDATED,
            target=task,
            object_repr=_task_repr(task),
            changes={"handler": [leaver.pk, heir.pk if heir else None]},
            reason="handover",
        )
        if heir is not None:
            _notify_handler(task, _("New warrant task for you: %(task)s"))
        moved += 1
    return moved
