"""The reverse-match job: which of an actor's customers fit a product.

The database narrows the candidates (``prefilter``), Python checks the rest in
batches. A small job is scanned at once inside the request that started it; a large
one runs in the background (``tasks.reverse_match_run_task``), one transaction per
batch so its progress is visible and a redelivered task continues after the last
committed batch. This module never enqueues: ``services.reverse_match_start`` does.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.customers.models import Customer
from lenddesk.products.attributes import customer_facts
from lenddesk.products.models import JobStatus, ReverseMatchJob
from lenddesk.products.prefilter import prefilter_q
from lenddesk.products.rules import all_pass, compile_rules, typed_values
from lenddesk.tenancy.tasks import tenant_task

INLINE_REVERSE_LIMIT = 2000
REVERSE_BATCH = 5000
REVERSE_KEEP = 10_000
CUSTOMER_COLUMNS = (
    "pk",
    "birth_date",
    "city",
    "kind",
    "monthly_income",
    "demand_amount",
    "demand_term_months",
    "has_house",
    "has_car",
    "has_life_policy",
    "has_business_licence",
    "provident_fund_months",
    "social_security_months",
    "credit_notes",
)


def runs_inline(candidates: int) -> bool:
    """Whether a job of this many candidates is answered at once."""
    return candidates <= INLINE_REVERSE_LIMIT


def reverse_candidates(actor: User, rules: list[dict], today: dt.date):
    return (
        Customer.objects.visible_to(actor)
        .filter(owner__isnull=False)
        .filter(prefilter_q(rules, today))
    )


def _fits(compiled: list[tuple], row: dict, today: dt.date) -> bool:
    facts = customer_facts(SimpleNamespace(**row), today=today)
    return all_pass(compiled, typed_values(facts["values"]))


def reverse_scan(
    job: ReverseMatchJob, actor: User, rules: list[dict], today: dt.date, after: int = 0
) -> int | None:
    """Check one batch of candidates after ``after`` (all of them for small jobs);
    returns the last id seen, or None when the job is complete."""
    candidates = reverse_candidates(actor, rules, today)
    limit = None if runs_inline(job.candidates) else REVERSE_BATCH
    rows = candidates.filter(pk__gt=after).order_by("pk").values(*CUSTOMER_COLUMNS)
    rows = list(rows[:limit] if limit else rows)
    compiled = compile_rules(rules)
    fitting = [row["pk"] for row in rows if _fits(compiled, row, today)]
    kept = list(job.customer_ids)
    kept.extend(fitting[: max(0, REVERSE_KEEP - len(kept))])
    job.customer_ids = kept
    job.matched += len(fitting)
    job.processed += len(rows)
    if rows:
        job.last_customer_id = rows[-1]["pk"]
    done = limit is None or len(rows) < limit
    if done:
        job.status = JobStatus.COMPLETED
        job.processed = max(job.processed, job.candidates)
        job.finished_at = timezone.now()
    else:
        job.status = JobStatus.RUNNING
    job.save(
        update_fields=[
            "customer_ids",
            "matched",
            "processed",
            "last_customer_id",
            "status",
            "finished_at",
        ]
    )
    return None if done else rows[-1]["pk"]


@tenant_task
def _job_load(*, tenant_id: int, job_id: int) -> ReverseMatchJob:
    return ReverseMatchJob.objects.select_related("created_by", "rule_set").get(
        pk=job_id
    )


@tenant_task
def _scan_batch(*, tenant_id: int, job: ReverseMatchJob, after: int) -> int | None:
    rules = job.rule_set.rules if job.rule_set else []
    today = timezone.localdate(job.created_at)
    return reverse_scan(job, job.created_by, rules, today, after)


@tenant_task
def _job_failed(*, tenant_id: int, job_id: int, failure: str) -> None:
    ReverseMatchJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, failure=failure[:300]
    )


def reverse_match_run(*, tenant_id: int, job_id: int) -> ReverseMatchJob:
    """The background part: each batch runs in the firm in a transaction of its own,
    so progress is visible and a redelivered task continues after the last
    committed batch; a failure is recorded on the job and raised again."""
    job = _job_load(tenant_id=tenant_id, job_id=job_id)
    if job.status == JobStatus.COMPLETED:
        return job
    after = job.last_customer_id
    try:
        while after is not None:
            after = _scan_batch(tenant_id=tenant_id, job=job, after=after)
    except Exception as exc:
        _job_failed(tenant_id=tenant_id, job_id=job.pk, failure=str(exc))
        raise
    return job
