"""The intake worker's tasks, and asking for them: one drain of a firm's queue per
burst of deliveries (``schedule_drain``/``request_drain``), and the minute job that
covers a drain task that never arrived. Conversion feedback's delivery after a commit
(``kick_conversions``) and its minute sweep."""

import contextlib
import datetime as dt
import logging

from celery import shared_task
from django.core.cache import cache

from lenddesk.acquisition.conversion_delivery import conversions_deliver_due
from lenddesk.acquisition.worker import process_queued_deliveries
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task

logger = logging.getLogger(__name__)

DRAIN_FLAG_SECONDS = 30
# The drain starts this long after the first delivery of a burst, so a busy minute is
# turned into leads in batches of dozens, not one task per lead.
GATHER_SECONDS = 1
STALE_AFTER = dt.timedelta(seconds=30)


def drain_flag(slug: str) -> str:
    """The cache flag held while a drain of the firm's queue is on its way (named by
    the firm's slug: the intake endpoint takes it before it has read the firm)."""
    return "intake:drain:%s" % slug


def schedule_drain(tenant: Tenant) -> None:
    """Ask the worker for one drain of the firm's queue per burst of deliveries: the
    first delivery takes the flag and the drain starts a second later; the task clears
    the flag as it starts, so a delivery committed after that start asks again.
    (The intake endpoint takes the flag in its rate-limit round trip instead and calls
    ``request_drain`` when it got it.)"""
    try:
        taken = cache.add(drain_flag(tenant.slug), 1, timeout=DRAIN_FLAG_SECONDS)
    except Exception:
        taken = True  # the cache is down: ask anyway; the broker may be up
    if taken:
        request_drain(tenant)


def request_drain(tenant: Tenant) -> None:
    """Send the drain task, by whoever took the firm's flag. Never raises: the
    delivery is stored, and the minute job picks it up when the broker was
    unreachable; the flag is let go so that the next delivery asks again."""
    try:
        process_queued_task.apply_async((tenant.pk,), countdown=GATHER_SECONDS)
    except Exception:
        logger.warning(
            "Intake drain of firm %s not scheduled (broker or cache unreachable); "
            "the minute job will process the queued deliveries.",
            tenant.pk,
            exc_info=True,
        )
        with contextlib.suppress(Exception):
            cache.delete(drain_flag(tenant.slug))


@shared_task(name="acquisition.process_queued")
def process_queued_task(tenant_id: int) -> int:
    """Turn one firm's queued intake deliveries into leads."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    cache.delete(drain_flag(tenant.slug))
    return process_queued_deliveries(tenant=tenant)


@shared_task(name="acquisition.drain_stale_intake")
def drain_stale_intake_task() -> int:
    """Every minute: firms with deliveries queued for over 30 s (a lost task, a broker
    outage) are drained here."""
    return process_queued_deliveries(older_than=STALE_AFTER)


# --- conversion feedback (回传) -------------------------------------------------------


@tenant_task(own_transactions=True)
def _send_conversions_for(*, tenant_id: int) -> dict[str, int]:
    return conversions_deliver_due()


@shared_task(name="acquisition.deliver_conversions")
def deliver_conversions_task(*, tenant_id: int) -> dict[str, int]:
    """Send one firm's due conversion callbacks (queued by the commit that wrote
    them)."""
    return _send_conversions_for(tenant_id=tenant_id)


@shared_task(name="acquisition.sweep_conversions")
def sweep_conversions_task() -> int:
    """Every minute: every firm's due conversion callbacks (retries after their
    back-off, and whatever a stopped worker or an unreachable broker left)."""
    sent = 0
    for tenant_id in active_tenant_ids():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None or not tenant.has_module("acquisition"):
            continue
        sent += sum(_send_conversions_for(tenant_id=tenant_id).values())
    return sent


def kick_conversions(tenant_id: int) -> None:
    """After a commit: ask a worker to send. With the broker down the rows wait
    for the sweep; the business change is not affected."""
    app = deliver_conversions_task.app
    try:
        if app.conf.task_always_eager:
            deliver_conversions_task.apply_async(kwargs={"tenant_id": tenant_id})
            return
        # One try, no publish retries: the request must not wait for Redis.
        with app.pool.acquire(block=True, timeout=1) as connection:
            connection.ensure_connection(max_retries=0)
            deliver_conversions_task.apply_async(
                kwargs={"tenant_id": tenant_id}, retry=False, connection=connection
            )
    except Exception as exc:
        logger.warning(
            "conversions: could not queue delivery (%s); the sweep will",
            type(exc).__name__,
        )
