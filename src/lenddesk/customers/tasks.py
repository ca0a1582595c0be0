"""The customers app's Celery tasks. Each is named ``*_task`` and calls its worker
body from the module whose job it is; none of those modules imports this one (the
enqueues live in ``exports``, ``import_start`` and ``services.tag_rules``)."""

from celery import shared_task

from lenddesk.customers.export_files import export_run
from lenddesk.customers.imports import import_run
from lenddesk.customers.services.followups import remind_due_followups
from lenddesk.customers.services.returns import reclaim_overdue, warn_before_return
from lenddesk.customers.services.tagging import apply_tag_rules_everywhere
from lenddesk.tenancy.tasks import active_tenant_ids, tenant_task


@tenant_task
def _warn_for(*, tenant_id: int) -> int:
    return warn_before_return()


@tenant_task
def _reclaim_for(*, tenant_id: int) -> int:
    return reclaim_overdue()


@shared_task(name="customers.pool_return")
def pool_return_task() -> int:
    """Nightly: warn owners of customers about to return, then return the overdue ones
    to the public pool (掉公海). Each firm runs under its own tenant context."""
    returned = 0
    for tenant_id in active_tenant_ids():
        _warn_for(tenant_id=tenant_id)
        returned += _reclaim_for(tenant_id=tenant_id)
    return returned


@tenant_task
def _remind_for(*, tenant_id: int) -> int:
    return remind_due_followups()


@shared_task(name="customers.followup_reminders")
def followup_reminders_task() -> int:
    """Every few minutes: in-app reminders of follow-ups about to fall due."""
    return sum(_remind_for(tenant_id=t) for t in active_tenant_ids())


@shared_task(name="customers.export_run", acks_late=True, reject_on_worker_lost=True)
@tenant_task
def export_run_task(*, tenant_id: int, job_id: int) -> int:
    return export_run(job_id=job_id).rows


@shared_task(name="customers.import_run", acks_late=True, reject_on_worker_lost=True)
@tenant_task(own_transactions=True)
def import_run_task(*, tenant_id: int, job_id: int) -> int:
    """Run (or resume) an import; redelivery after a crash continues where it stopped.
    The import commits batch by batch, so only the firm is bound here."""
    return import_run(job_id=job_id).created_count


@shared_task(name="customers.tag_everyone")
@tenant_task(own_transactions=True)
def tag_everyone_task(*, tenant_id: int) -> int:
    """A new tag rule for the firm's existing customers, in committed chunks."""
    return apply_tag_rules_everywhere()
