"""Celery tasks of the notifications app: delivering the outbox.

``deliver_outbox_task`` is queued after the commit that wrote messages; the beat's
``sweep_outbox_task`` runs every minute for every firm, so messages written while
Redis or the worker was down go out once they are back (nothing is lost: the rows
are in the database, and a claim is exclusive).
"""

from __future__ import annotations

import logging

from celery import shared_task

from lenddesk.notifications.delivery import outbox_deliver_due
from lenddesk.notifications.outbox import outbox_prune
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

log = logging.getLogger("lenddesk.notifications.outbox")
MODULE = "notifications"


@tenant_task(own_transactions=True)
def _deliver_for(*, tenant_id: int) -> dict[str, int]:
    return outbox_deliver_due()


@shared_task(name="notifications.deliver_outbox")
def deliver_outbox_task(*, tenant_id: int) -> dict[str, int]:
    """Deliver one firm's due messages now (queued by the commit that wrote them)."""
    return _deliver_for(tenant_id=tenant_id)


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox_task() -> int:
    """Every minute: every firm's due messages (retries, and whatever a stopped
    worker or an unreachable Redis left behind)."""
    delivered = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module(MODULE):
            continue
        delivered += sum(_deliver_for(tenant_id=tenant_id).values())
    return delivered


def kick_delivery(tenant_id: int) -> None:
    """After a commit: ask a worker to deliver. When the broker is down the messages
    wait in the outbox for the next sweep; the business change is not affected."""
    app = deliver_outbox_task.app
    try:
        if app.conf.task_always_eager:
            deliver_outbox_task.apply_async(kwargs={"tenant_id": tenant_id})
            return
        # One try, no publish retries: with Redis down the request must not wait
        # (kombu would retry the connection for seconds); the sweep delivers.
        with app.pool.acquire(block=True, timeout=1) as connection:
            connection.ensure_connection(max_retries=0)
            deliver_outbox_task.apply_async(
                kwargs={"tenant_id": tenant_id}, retry=False, connection=connection
            )
    except Exception as exc:
        log.warning(
            "outbox: could not queue delivery (%s); the sweep will", type(exc).__name__
        )


@tenant_task
def _prune_for(*, tenant_id: int) -> int:
    return outbox_prune()


@shared_task(name="notifications.prune_outbox")
def prune_outbox_task() -> int:
    """Nightly: sent messages older than 90 days leave the send log."""
    return sum(_prune_for(tenant_id=t) for t in active_tenant_ids())
