import logging

from celery import shared_task

from lenddesk.audit.services import chain_anchor
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.tasks import tenant_task

anchor_log = logging.getLogger("lenddesk.audit.anchor")


@tenant_task
def _head_of(*, tenant_id: int) -> tuple[int, str]:
    return chain_anchor()


@shared_task(name="audit.log_chain_anchors")
def log_chain_anchors_task() -> int:
    """Hourly: every firm's chain head as an ``audit anchor SLUG SEQ HASH`` log line.

    The log collector ships it off this machine, out of reach of whoever can rewrite
    the database (and the chain key); ``audit verify --anchors`` takes those lines.
    Suspended firms are included: their chains must not change either."""
    tenants = Tenant.objects.order_by("slug").values_list("pk", "slug")
    for tenant_id, slug in tenants:
        seq, row_hash = _head_of(tenant_id=tenant_id)
        anchor_log.info("audit anchor %s %d %s", slug, seq, row_hash)
    return len(tenants)
