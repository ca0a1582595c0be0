from celery import shared_task

from lenddesk.products.reverse_match import reverse_match_run


@shared_task(name="products.reverse_match", acks_late=True, reject_on_worker_lost=True)
def reverse_match_run_task(*, tenant_id: int, job_id: int) -> int:
    """Run (or resume) a reverse match; each batch commits its own progress, in the
    firm (``tenant_task`` per batch), so this task opens no transaction itself."""
    return reverse_match_run(tenant_id=tenant_id, job_id=job_id).matched
