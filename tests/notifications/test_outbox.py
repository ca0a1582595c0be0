"""The transactional outbox: written with the business change, delivered after the
commit, retried with back-off, never twice, nothing lost while the broker is down."""

import datetime as dt
import threading
from contextlib import contextmanager

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from lenddesk.notifications import channels, delivery, tasks
from lenddesk.notifications.channel_settings import channel_config_save
from lenddesk.notifications.channels.base import FAILURES
from lenddesk.notifications.models import OutboxMessage
from lenddesk.notifications.outbox import MAX_ATTEMPTS, backoff, outbox_claim
from lenddesk.notifications.outbox_admin import outbox_retry
from lenddesk.notifications.services import notify
from lenddesk.notifications.sms_templates import sms_template_save
from lenddesk.notifications.tasks import sweep_outbox_task
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.factories import make_tenant, make_user
from tests.notifications.channels_support import set_contact

KIND = "customers.assigned"


class CountingSms(channels.Adapter):
    """Records every call it gets: a second send of one message would show here."""

    calls: list[str] = []
    lock = threading.Lock()

    def send(self, delivery):
        with self.lock:
            self.calls.append(delivery.key)
        return "count-%s" % delivery.key


@pytest.fixture
def counting(monkeypatch):
    CountingSms.calls = []
    monkeypatch.setitem(channels.ADAPTERS, ("sms", "simulated"), CountingSms)
    return CountingSms.calls


def sms_on(tenant, admin, *, template=True):
    with tenant_context(tenant):
        channel_config_save(
            actor=admin,
            channel="sms",
            enabled=True,
            provider="simulated",
            default_kinds=[KIND],
        )
        if template:
            sms_template_save(
                actor=admin, kind="*", text="【安信金服】{title} 拒收请回复R"
            )


def people(tenant, n):
    return [
        set_contact(tenant, make_user(tenant, "p%d" % i), mobile="1380013%04d" % i)
        for i in range(n)
    ]


def send(tenant, recipients, title="新客户"):
    with tenant_context(tenant):
        return notify(recipients=recipients, kind=KIND, title=title)


def statuses(tenant):
    with tenant_context(tenant):
        return sorted(OutboxMessage.objects.values_list("status", "attempts"))


def test_messages_written_while_the_broker_is_down_go_out_at_the_next_sweep(
    tenant_a, admin_a, counting, monkeypatch, django_capture_on_commit_callbacks
):
    sms_on(tenant_a, admin_a)
    staff = people(tenant_a, 3)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(tasks.deliver_outbox_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert send(tenant_a, staff) == 3  # the business change commits anyway
    assert len(queued) == 1  # the kick was tried after the commit, and failed
    assert counting == []
    assert statuses(tenant_a) == [("pending", 0)] * 3

    assert sweep_outbox_task() == 3  # the worker is back: the beat's sweep
    assert sweep_outbox_task() == 0
    assert len(counting) == len(set(counting)) == 3
    assert statuses(tenant_a) == [("sent", 1)] * 3


def test_a_rolled_back_change_leaves_nothing_to_send(tenant_a, admin_a, counting):
    sms_on(tenant_a, admin_a)
    staff = people(tenant_a, 1)
    with pytest.raises(RuntimeError), tenant_context(tenant_a), transaction.atomic():
        notify(recipients=staff, kind=KIND, title="撤销")
        raise RuntimeError("the business change fails")
    assert statuses(tenant_a) == []
    assert sweep_outbox_task() == 0


def test_two_sweeps_that_read_the_same_messages_send_each_once(
    tenant_a, admin_a, counting
):
    sms_on(tenant_a, admin_a)
    send(tenant_a, people(tenant_a, 4))
    with tenant_context(tenant_a):
        ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    with bind_tenant(tenant_a):
        first = outbox_claim(candidates=ids)
        second = outbox_claim(candidates=ids)  # read before the first one's claim
    assert len(first) == 4 and second == []
    assert sweep_outbox_task() == 0  # claimed, leased: not due for anyone else


def test_a_message_whose_worker_died_is_taken_again_with_the_same_key(
    tenant_a, admin_a, counting
):
    sms_on(tenant_a, admin_a)
    send(tenant_a, people(tenant_a, 1))
    with bind_tenant(tenant_a):
        [claimed] = outbox_claim()  # ... and the worker is killed before sending
    assert sweep_outbox_task() == 0  # the lease still holds
    with tenant_context(tenant_a):
        OutboxMessage.objects.filter(pk=claimed.pk).update(
            lease_until=timezone.now() - dt.timedelta(seconds=1)
        )
    assert sweep_outbox_task() == 1
    assert counting == [str(claimed.key)]
    assert statuses(tenant_a) == [("sent", 2)]


def test_failures_back_off_then_stop_and_the_admin_can_send_again(
    tenant_a, admin_a, counting, django_capture_on_commit_callbacks
):
    sms_on(tenant_a, admin_a, template=False)  # no template: cannot be sent
    [person] = people(tenant_a, 1)
    send(tenant_a, [person])
    assert sweep_outbox_task() == 1
    with tenant_context(tenant_a):
        message = OutboxMessage.objects.get()
    assert (message.status, message.last_error) == ("failed", "no_template")
    assert message.failure() == str(FAILURES["no_template"])  # words, not the code
    assert counting == []

    with tenant_context(tenant_a):
        sms_template_save(actor=admin_a, kind="*", text="【安信金服】{title} 回T退订")
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        outbox_retry(actor=admin_a, message=message)
    assert statuses(tenant_a) == [("sent", 1)]
    assert len(counting) == 1


def test_back_off_doubles_up_to_an_hour_and_gives_up_after_the_last_attempt(
    tenant_a, admin_a, monkeypatch
):
    class Down(channels.Adapter):
        def send(self, delivery):
            raise channels.SendFailed("network", "ConnectionRefusedError")

    monkeypatch.setitem(channels.ADAPTERS, ("sms", "simulated"), Down)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 7, 20)] == [
        60,
        120,
        240,
        3600,
        3600,
    ]
    sms_on(tenant_a, admin_a)
    send(tenant_a, people(tenant_a, 1))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with tenant_context(tenant_a):
            OutboxMessage.objects.update(next_attempt_at=timezone.now())
        sweep_outbox_task()
        assert statuses(tenant_a) == [
            ("failed" if attempt == MAX_ATTEMPTS else "pending", attempt)
        ]
    with tenant_context(tenant_a):
        assert (
            OutboxMessage.objects.get().last_error == "network:ConnectionRefusedError"
        )


def test_people_without_a_mobile_fail_without_retrying(tenant_a, admin_a, counting):
    sms_on(tenant_a, admin_a)
    send(tenant_a, [make_user(tenant_a, "nophone")])
    sweep_outbox_task()
    with tenant_context(tenant_a):
        message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        1,
        "no_mobile",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_on_postgresql_send_every_message_exactly_once(
    counting, monkeypatch
):
    monkeypatch.setattr(tasks.deliver_outbox_task, "apply_async", lambda *a, **k: None)
    monkeypatch.setattr(delivery, "BATCH", 3)  # small claims: the sweeps interleave
    tenant = make_tenant()
    with tenant_context(tenant):
        from lenddesk.accounts.models import User

        admin = User.objects.get(username="admin")
    sms_on(tenant, admin)
    staff = people(tenant, 8)
    for round_ in range(5):
        send(tenant, staff, title="第%d批" % round_)  # 40 messages
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    totals = []

    def sweep():
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            totals.append(sweep_outbox_task())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sum(totals) == 40
    assert len(counting) == len(set(counting)) == 40
    assert statuses(tenant) == [("sent", 1)] * 40


@contextmanager
def broker_at(url: str):
    """Celery publishing for real (not eagerly) to ``url``, then back as it was."""
    from lenddesk.celery import app

    before = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, url
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = before
        app._pool = app.amqp._producer_pool = None


def test_with_redis_really_unreachable_the_change_commits_and_the_sweep_delivers(
    tenant_a, admin_a, counting, django_capture_on_commit_callbacks, caplog
):
    """No mock of the queue: the broker is a Redis port nothing listens on."""
    sms_on(tenant_a, admin_a)
    staff = people(tenant_a, 2)
    with (
        broker_at("redis://127.0.0.1:1/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send(tenant_a, staff) == 2
    assert "could not queue delivery (OperationalError)" in caplog.text
    assert statuses(tenant_a) == [("pending", 0)] * 2
    assert counting == []
    assert sweep_outbox_task() == 2  # Redis and the worker are back
    assert statuses(tenant_a) == [("sent", 1)] * 2
