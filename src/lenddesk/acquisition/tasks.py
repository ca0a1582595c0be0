"""The intake worker's tasks, and asking for them: one drain of a firm's queue per
burst of deliveries (``schedule_drain``/``request_drain``), and the minute job that
covers a drain task that never arrived."""

import contextlib
import datetime as dt
import logging

from celery import shared_task
from django.core.cache import cache

from lenddesk.acquisition.worker import process_queued_deliveries
from lenddesk.tenancy.models import Tenant

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
