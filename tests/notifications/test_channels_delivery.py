"""An assignment notification leaves the app: by email through a local SMTP server and
by SMS through a stub of Alibaba Cloud's SendSms that checks the request signature."""

from email import message_from_bytes
from email.policy import default

import pytest

from lenddesk.customers.services import customer_assign, customer_create
from lenddesk.notifications.channel_settings import channel_config_save
from lenddesk.notifications.models import Notification, OutboxMessage
from lenddesk.notifications.sms_templates import sms_template_save
from lenddesk.notifications.tasks import sweep_outbox_task
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user
from tests.notifications.channels_support import (
    aliyun_sms_stub,
    http_stub,
    set_contact,
    smtp_server,
)

MOBILE = "13800138000"
TEMPLATE = "【安信金服】{title}，请及时跟进。拒收请回复R"


@pytest.fixture
def staff(tenant_a):
    user = make_user(tenant_a, "sales9", name="王五")
    return set_contact(tenant_a, user, email="wangwu@example.com", mobile=MOBILE)


def _switch_on(tenant, admin, *, sms_provider="aliyun", secret="s3cret"):  # noqa: S107 - the stub's test key
    with tenant_context(tenant):
        channel_config_save(
            actor=admin,
            channel="email",
            enabled=True,
            provider="smtp",
            default_kinds=["customers.assigned"],
        )
        channel_config_save(
            actor=admin,
            channel="sms",
            enabled=True,
            provider=sms_provider,
            default_kinds=["customers.assigned"],
            credentials={"access_key_id": "LTAI5tTESTKEY", "access_key_secret": secret},
        )
        sms_template_save(
            actor=admin,
            kind="customers.assigned",
            text=TEMPLATE,
            provider_code="SMS_123456",
        )


def _assign(tenant, admin, owner, capture):
    with tenant_context(tenant):
        customer = customer_create(
            actor=admin, data={"name": "赵六"}, phone="13900139000", to_pool=True
        ).customer
    with capture(execute=True), tenant_context(tenant):
        customer_assign(actor=admin, customers=[customer], owner=owner)
    return customer


def test_assignment_reaches_email_and_sms(
    tenant_a, admin_a, staff, settings, django_capture_on_commit_callbacks
):
    stub = aliyun_sms_stub({"LTAI5tTESTKEY": "s3cret"})
    with smtp_server(settings) as mails, http_stub(stub) as sms:
        settings.NOTIFY_ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:%d/" % sms.server_port
        _switch_on(tenant_a, admin_a)
        _assign(tenant_a, admin_a, staff, django_capture_on_commit_callbacks)

    assert len(mails) == 1
    assert mails[0].rcpt_tos == ["wangwu@example.com"]
    mail = message_from_bytes(mails[0].content, policy=default)
    assert mail["Subject"] == "新分配给您的客户：赵六"
    assert "/customers/" in mail.get_content()  # the link to the customer
    assert len(sms.received) == 1
    request = sms.received[0]
    assert request["PhoneNumbers"] == MOBILE
    assert request["SignName"] == "安信金服"
    assert request["TemplateCode"] == "SMS_123456"
    with tenant_context(tenant_a):
        assert Notification.objects.filter(recipient=staff).count() == 1  # inbox too
        rows = {m.channel: m for m in OutboxMessage.objects.filter(recipient=staff)}
    assert {ch: m.status for ch, m in rows.items()} == {"email": "sent", "sms": "sent"}
    assert rows["sms"].provider_id == "biz-1"
    assert rows["sms"].address_hint == "138****8000"  # stored masked, never in full
    assert (
        rows["sms"].sent_text
        == "【安信金服】新分配给您的客户：赵六，请及时跟进。拒收请回复R"
    )
    assert request["OutId"] == str(rows["sms"].key)  # the idempotency key travels


def test_nothing_leaves_the_app_while_channels_are_off(
    tenant_a, admin_a, staff, settings, django_capture_on_commit_callbacks
):
    with smtp_server(settings) as mails:
        _assign(tenant_a, admin_a, staff, django_capture_on_commit_callbacks)
    assert mails == []
    with tenant_context(tenant_a):
        assert Notification.objects.filter(recipient=staff).count() == 1
        assert not OutboxMessage.objects.exists()


def test_a_wrong_secret_is_refused_recorded_and_retried_with_backoff(
    tenant_a, admin_a, staff, settings, django_capture_on_commit_callbacks
):
    stub = aliyun_sms_stub({"LTAI5tTESTKEY": "s3cret"})
    with smtp_server(settings), http_stub(stub) as sms:
        settings.NOTIFY_ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:%d/" % sms.server_port
        _switch_on(tenant_a, admin_a, secret="wrong")
        _assign(tenant_a, admin_a, staff, django_capture_on_commit_callbacks)
        with tenant_context(tenant_a):
            message = OutboxMessage.objects.get(recipient=staff, channel="sms")
        assert sms.received == []
        assert message.status == "pending"
        assert message.attempts == 1
        assert message.last_error == "refused:SignatureDoesNotMatch"
        wait = (message.next_attempt_at - message.created_at).total_seconds()
        assert 55 <= wait <= 70  # first back-off: a minute

        assert sweep_outbox_task() == 0  # not due yet: nothing is tried again
        with tenant_context(tenant_a):
            channel_config_save(
                actor=admin_a,
                channel="sms",
                enabled=True,
                provider="aliyun",
                default_kinds=["customers.assigned"],
                credentials={"access_key_secret": "s3cret"},  # id kept, secret fixed
            )
            OutboxMessage.objects.filter(pk=message.pk).update(
                next_attempt_at=message.created_at
            )  # a minute later
        assert sweep_outbox_task() == 1
    with tenant_context(tenant_a):
        message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(sms.received) == 1
