"""Starting an import: the job configured (``imports.import_job_configure``) and, once
that commits, handed to the worker. Kept apart from ``imports`` because it enqueues the
task and ``tasks`` imports ``imports``."""

from __future__ import annotations

from django.db import transaction

from lenddesk.accounts.models import User
from lenddesk.customers.imports import import_job_configure
from lenddesk.customers.models import ImportJob
from lenddesk.customers.tasks import import_run_task


@transaction.atomic
def import_configure(
    *,
    actor: User,
    job: ImportJob,
    mapping: dict[str, str],
    duplicate_policy: str,
    assignment: str,
) -> ImportJob:
    """Check the column mapping, duplicate policy and assignment, queue the job, and
    run it in the background after the commit."""
    job = import_job_configure(
        actor=actor,
        job=job,
        mapping=mapping,
        duplicate_policy=duplicate_policy,
        assignment=assignment,
    )
    tenant_id = job.tenant_id
    transaction.on_commit(lambda: _enqueue(tenant_id, job.pk))
    return job


def _enqueue(tenant_id: int, job_id: int) -> None:
    import_run_task.delay(tenant_id=tenant_id, job_id=job_id)
