"""The worker's part of intake: queued deliveries become leads after the 202, a failure
stays with its delivery, and the minute job covers a task that never arrived."""

import datetime as dt
import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError

from lenddesk.acquisition import services, tasks
from lenddesk.acquisition.models import Delivery, DeliveryStatus
from lenddesk.customers.models import Customer
from lenddesk.tenancy.context import tenant_context
from tests.acquisition.conftest import drain, lead, make_integration, post_lead

pytestmark = pytest.mark.django_db


def _statuses(tenant) -> dict[str, str]:
    with tenant_context(tenant):
        return dict(Delivery.objects.values_list("idempotency_key", "status"))


def test_a_failing_delivery_does_not_block_the_others_and_is_not_left_queued(
    client, tenant_a, platform
):
    integration, secret = platform
    for key in ("a", "broken", "c"):
        post_lead(client, integration, secret, lead(name=key), key=key)
    with tenant_context(tenant_a):
        # A payload that no longer opens (a damaged row): a real failure, no mock.
        Delivery.objects.filter(idempotency_key="broken").update(
            payload_cipher=b"\x01damaged"
        )
    assert drain(tenant_a) == 3
    assert _statuses(tenant_a) == {
        "a": DeliveryStatus.CREATED,
        "broken": DeliveryStatus.REJECTED,
        "c": DeliveryStatus.CREATED,
    }
    with tenant_context(tenant_a):
        broken = Delivery.objects.get(idempotency_key="broken")
        assert broken.http_status == 400
        assert broken.processed_at is not None
        assert "lead" in broken.errors
        assert sorted(Customer.objects.values_list("name", flat=True)) == ["a", "c"]


def test_the_minute_job_drains_deliveries_whose_task_was_lost(
    client, tenant_a, tenant_b, admin_b, platform
):
    integration, secret = platform
    theirs, their_secret = make_integration(tenant_b, admin_b, assign_mode="pool")
    # No commit callbacks run in this test: the drain task is never sent.
    post_lead(client, integration, secret, lead(name="迟到"), key="late")
    post_lead(client, theirs, their_secret, lead(name="刚到"), key="fresh")
    assert tasks.drain_stale_intake_task() == 0  # not 30 s old yet
    with tenant_context(tenant_a):
        Delivery.objects.update(received_at=timezone.now() - dt.timedelta(seconds=45))
    assert tasks.drain_stale_intake_task() == 1
    assert _statuses(tenant_a) == {"late": DeliveryStatus.CREATED}
    assert _statuses(tenant_b) == {"fresh": DeliveryStatus.QUEUED}
    jobs = [
        job
        for job in settings.CELERY_BEAT_SCHEDULE.values()
        if job["task"] == "acquisition.drain_stale_intake"
    ]
    assert jobs and jobs[0]["schedule"] <= 60


def test_the_commit_schedules_one_drain_per_burst(
    deliver, tenant_a, platform, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        tasks.process_queued_task,
        "apply_async",
        lambda args, countdown: sent.append((*args, countdown)),
    )
    integration, secret = platform
    assert deliver(integration, secret, lead()).status_code == 202
    assert deliver(integration, secret, lead()).status_code == 202
    # The second found the first's flag; the drain waits a second to gather a batch.
    assert sent == [(tenant_a.pk, tasks.GATHER_SECONDS)]
    assert tasks.process_queued_task(tenant_a.pk) == 2  # clears the flag, then drains
    assert deliver(integration, secret, lead()).status_code == 202
    assert [tenant for tenant, _wait in sent] == [tenant_a.pk, tenant_a.pk]


def test_an_unreachable_broker_still_stores_and_answers(
    deliver, tenant_a, platform, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(tasks.process_queued_task, "apply_async", refuse)
    integration, secret = platform
    with caplog.at_level(logging.WARNING, logger="lenddesk.acquisition.tasks"):
        response = deliver(integration, secret, lead(), key="offline")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert "not scheduled" in caplog.text
    assert cache.get("intake:drain:%s" % tenant_a.slug) is None  # the next one retries
    assert _statuses(tenant_a) == {"offline": DeliveryStatus.QUEUED}


def test_a_drain_can_be_limited_and_spans_firms(
    client, tenant_a, tenant_b, admin_b, platform
):
    integration, secret = platform
    theirs, their_secret = make_integration(tenant_b, admin_b, assign_mode="pool")
    for n in range(3):
        post_lead(client, integration, secret, lead(), key="a-%d" % n)
    post_lead(client, theirs, their_secret, lead(), key="b-0")
    assert services.process_queued_deliveries(tenant=tenant_a, limit=2) == 2
    assert sorted(_statuses(tenant_a).values()) == ["created", "created", "queued"]
    assert services.process_queued_deliveries() == 2  # every firm
    assert set(_statuses(tenant_a).values()) == {"created"}
    assert _statuses(tenant_b) == {"b-0": DeliveryStatus.CREATED}


def test_a_queued_delivery_is_not_replayed_by_staff(
    client, tenant_a, admin_a, platform
):
    integration, secret = platform
    post_lead(client, integration, secret, lead(), key="wait")
    with tenant_context(tenant_a):
        delivery = Delivery.objects.get()
        with pytest.raises(ValidationError, match="queued"):
            services.delivery_replay(actor=admin_a, delivery=delivery)
    assert drain(tenant_a) == 1


def test_a_lead_the_customer_record_refuses_is_rejected_by_the_drain(
    client, tenant_a, admin_a
):
    """Checks that need the firm's data (its required custom fields) run in the
    worker; the retry then tells the platform which of its fields was refused."""
    from lenddesk.customers.models import CustomField

    with tenant_context(tenant_a):
        CustomField.objects.create(key="site", label="站点", required=True)
    integration, secret = make_integration(
        tenant_a, admin_a, assign_mode="pool", field_mapping={"src": "custom_site"}
    )
    payload = lead(src="")
    assert post_lead(client, integration, secret, payload, key="k").status_code == 202
    drain(tenant_a)
    retry = post_lead(client, integration, secret, payload, key="k")
    assert retry.status_code == 400
    assert retry.json()["error"] == "invalid"
    assert "src" in retry.json()["fields"]
    assert _statuses(tenant_a) == {"k": DeliveryStatus.REJECTED}


def test_an_operator_can_drain_by_hand(client, tenant_a, platform):
    from io import StringIO

    from django.core.management import CommandError, call_command

    integration, secret = platform
    post_lead(client, integration, secret, lead(), key="by-hand")
    out = StringIO()
    call_command("drain_intake", tenant=tenant_a.slug, stdout=out)
    assert "1 queued deliveries processed" in out.getvalue()
    assert _statuses(tenant_a) == {"by-hand": DeliveryStatus.CREATED}
    with pytest.raises(CommandError):
        call_command("drain_intake", tenant="nobody")


def test_one_person_twice_in_a_batch_becomes_one_customer_and_one_duplicate(
    client, tenant_a, platform
):
    """The drain works in batches; the second lead of a person waits for the next
    batch and finds the first as a customer, as one by one."""
    integration, secret = platform
    for key, name in (("first", "钱七"), ("other", "孙八"), ("again", "钱七")):
        phone = "13900001111" if name == "钱七" else "13900002222"
        post_lead(client, integration, secret, lead(name=name, phone=phone), key=key)
    assert drain(tenant_a) == 3
    assert _statuses(tenant_a) == {
        "first": "created",
        "other": "created",
        "again": "duplicate",
    }
    with tenant_context(tenant_a):
        first = Delivery.objects.get(idempotency_key="first")
        again = Delivery.objects.get(idempotency_key="again")
        assert again.duplicate_of_id == first.customer_id
        assert Customer.objects.filter(name="钱七").count() == 1
        assert first.customer.consents.count() == 2  # evidence of both arrivals
        assert first.customer.followups.filter(is_system=True).count() == 1
