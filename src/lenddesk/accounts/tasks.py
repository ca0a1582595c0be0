from celery import shared_task
from django.core.management import call_command

from lenddesk.accounts.services.tokens import tokens_prune
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task


@tenant_task
def _prune_for(*, tenant_id: int) -> int:
    return tokens_prune()


@shared_task(name="accounts.prune_expired_tokens")
def prune_expired_tokens_task() -> int:
    """Hourly: delete API tokens that expired or were revoked more than a day ago."""
    return sum(_prune_for(tenant_id=tenant_id) for tenant_id in active_tenant_ids())


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions_task() -> None:
    call_command("clearsessions")
