from celery import shared_task


@shared_task(name="products.reverse_match", acks_late=True, reject_on_worker_lost=True)
def reverse_match_run(*, tenant_id: int, job_id: int) -> int:
    """Run (or resume) a reverse match; each batch commits its own progress."""
    from lenddesk.products.services import reverse_match_run as run
    from lenddesk.tenancy.context import bind_tenant
    from lenddesk.tenancy.models import Tenant

    with bind_tenant(Tenant.objects.get(pk=tenant_id)):
        return run(job_id=job_id).matched
