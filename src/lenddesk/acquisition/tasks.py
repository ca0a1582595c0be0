import contextlib
import datetime as dt
import logging

from celery import shared_task
from django.core.cache import cache

from lenddesk.acquisition.services import process_queued_deliveries
from lenddesk.tenancy.models import Tenant

logger = logging.getLogger(__name__)

DRAIN_FLAG_SECONDS = 30
# The drain starts this long after the first delivery of a burst, so a busy minute is
# turned into leads in batches of dozens, not one task per lead.
GATHER_SECONDS = 1
STALE_AFTER = dt.timedelta(seconds=30)


def _drain_flag(tenant_id: int) -> str:
    return "intake:drain:%d" % tenant_id


def schedule_drain(tenant_id: int) -> None:
    """Ask the worker for one drain of the firm's queue per burst of deliveries: the
    first delivery sets the flag and the drain starts a second later; the task clears
    the flag as it starts, so a delivery committed after that start asks again.
    Never raises: the delivery is stored, and the minute job picks it up when the
    broker was unreachable."""
    flag = _drain_flag(tenant_id)
    try:
        if cache.add(flag, 1, timeout=DRAIN_FLAG_SECONDS):
            process_queued.apply_async((tenant_id,), countdown=GATHER_SECONDS)
    except Exception:
        logger.warning(
            "Intake drain of firm %s not scheduled (broker or cache unreachable); "
            "the minute job will process the queued deliveries.",
            tenant_id,
            exc_info=True,
        )
        with contextlib.suppress(Exception):
            cache.delete(flag)


@shared_task(name="acquisition.process_queued")
def process_queued(tenant_id: int) -> int:
    """Turn one firm's queued intake deliveries into leads."""
    cache.delete(_drain_flag(tenant_id))
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    return process_queued_deliveries(tenant=tenant)


@shared_task(name="acquisition.drain_stale_intake")
def drain_stale_intake() -> int:
    """Every minute: firms with deliveries queued for over 30 s (a lost task, a broker
    outage) are drained here."""
    return process_queued_deliveries(older_than=STALE_AFTER)
