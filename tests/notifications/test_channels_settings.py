"""消息设置 and 发送记录 as an admin uses them: SMS templates must carry the signature
and the opt-out line, provider keys are write-only, failures can be sent again."""

import pytest
from django.core.exceptions import ValidationError

from lenddesk.audit.models import AuditEvent
from lenddesk.notifications.channel_settings import channel_config_save
from lenddesk.notifications.models import ChannelConfig, OutboxMessage, SmsTemplate
from lenddesk.notifications.services import notify
from lenddesk.notifications.sms_templates import (
    render,
    sms_template_save,
    template_check,
)
from lenddesk.notifications.tasks import sweep_outbox_task
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user

KIND = "customers.assigned"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{title}，请跟进。拒收请回复R", "sms_signature_missing"),
        ("【安信】{title}，请跟进。", "sms_opt_out_missing"),
        ("【安信】{name}，请跟进。拒收请回复R", "sms_template_field"),
    ],
)
def test_a_template_without_signature_or_opt_out_is_refused(text, code):
    with pytest.raises(ValidationError) as refused:
        template_check(kind=KIND, text=text)
    assert refused.value.error_dict["text"][0].code == code
    assert "text" in refused.value.message_dict


def test_a_template_renders_with_its_signature(tenant_a, admin_a):
    template = SmsTemplate(kind=KIND, text="【安信金服】{title}，{firm}。回T退订")
    sms = render(template, title="新客户：赵六", body="", firm="安信")
    assert sms["text"] == "【安信金服】新客户：赵六，安信。回T退订"
    assert sms["sign_name"] == "安信金服"


def test_the_page_refuses_a_bad_template_naming_the_field(client, admin_a):
    force_session(client, admin_a)
    answer = client.post(
        "/notifications/sms-templates/", {"kind": KIND, "text": "没有签名 拒收请回复R"}
    )
    assert answer.status_code == 400
    assert 'data-field="text"' in answer.content.decode()
    with tenant_context(admin_a.tenant):
        assert not SmsTemplate.objects.exists()
    good = client.post(
        "/notifications/sms-templates/",
        {
            "kind": "*",
            "text": "【安信金服】{title} 拒收请回复R",
            "provider_code": "SMS_1",
        },
    )
    assert good.status_code == 302
    with tenant_context(admin_a.tenant):
        assert SmsTemplate.objects.get().provider_code == "SMS_1"


def test_provider_keys_are_write_only_and_never_audited(client, tenant_a, admin_a):
    force_session(client, admin_a)
    answer = client.post(
        "/notifications/channels/sms/save/",
        {
            "sms-enabled": "on",
            "sms-provider": "aliyun",
            "sms-default_kinds": [KIND],
            "sms-access_key_id": "LTAI5tABCDEFGH1234",
            "sms-access_key_secret": "VERY-SECRET-VALUE",
        },
    )
    assert answer.status_code == 302
    page = client.get("/notifications/channels/").content.decode()
    assert "VERY-SECRET-VALUE" not in page and "LTAI5tABCDEFGH1234" not in page
    assert "LTAI**********1234" in page  # the masked hint
    with tenant_context(tenant_a):
        config = ChannelConfig.objects.get(channel="sms")
        assert b"VERY-SECRET" not in bytes(config.credentials_cipher)
        audit = " ".join(str(e.changes) for e in AuditEvent.objects.all())
    assert "VERY-SECRET" not in audit and "credentials_changed" in audit
    bad = client.post("/notifications/channels/sms/save/", {"sms-provider": "nobody"})
    assert bad.status_code == 400
    assert 'data-field="provider"' in bad.content.decode()


def test_the_send_log_shows_failures_and_sends_again(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        channel_config_save(
            actor=admin_a,
            channel="sms",
            enabled=True,
            provider="simulated",
            default_kinds=[KIND],
        )
        notify(recipients=[make_user(tenant_a, "s7")], kind=KIND, title="新客户")
    sweep_outbox_task()  # no template: fails for good
    force_session(client, admin_a)
    page = client.get("/notifications/outbox/?status=failed")
    assert page.status_code == 200
    with tenant_context(tenant_a):
        message = OutboxMessage.objects.get()
    html = page.content.decode()
    assert "retry-%d" % message.pk in html
    assert "no_template" not in html  # people read the reason, not its code
    again = client.post("/notifications/outbox/%d/retry/" % message.pk)
    assert again.status_code == 302
    with tenant_context(tenant_a):
        message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)  # queued again
    twice = client.post("/notifications/outbox/%d/retry/" % 999999)
    assert twice.status_code == 404


def test_a_salesperson_sees_neither_settings_nor_send_log(client, salesperson_a):
    force_session(client, salesperson_a)
    assert client.get("/notifications/channels/").status_code == 403
    assert client.get("/notifications/outbox/").status_code == 403
    assert client.get("/notifications/preferences/").status_code == 200


def test_the_demo_firm_sends_sms_and_wechat_through_the_simulators(tenant_a):
    from lenddesk.notifications import demo

    lines = []
    with tenant_context(tenant_a):
        demo.build(tenant_a, lines.append)
        demo.build(tenant_a, lines.append)
        live = dict(ChannelConfig.objects.values_list("channel", "provider"))
        assert SmsTemplate.objects.count() == 2
    assert live == {"sms": "simulated", "wechat": "simulated"}
    assert "kept" in lines[-1]


def test_an_admin_sends_a_test_message_to_themselves(
    client, tenant_a, admin_a, django_capture_on_commit_callbacks
):
    from lenddesk.notifications.channels import sms
    from tests.notifications.channels_support import set_contact

    set_contact(tenant_a, admin_a, mobile="13900001111")
    with tenant_context(tenant_a):
        channel_config_save(
            actor=admin_a,
            channel="sms",
            enabled=True,
            provider="simulated",
            default_kinds=[],
        )
        sms_template_save(
            actor=admin_a, kind="*", text="【安信金服】{title} 拒收请回复R"
        )
    force_session(client, admin_a)
    assert (
        'data-testid="test-sms"'
        in client.get("/notifications/channels/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/notifications/channels/sms/test/")
    assert answer.status_code == 302
    with tenant_context(tenant_a):
        message = OutboxMessage.objects.get()
    assert (message.status, message.kind) == ("sent", "notifications.test")
    sent = [m for m in sms.SIMULATED_OUTBOX if m["id"] == message.provider_id]
    assert sent and sent[0]["text"].startswith("【安信金服】")
    assert client.post("/notifications/channels/fax/test/").status_code == 404


def test_another_firms_message_is_404_and_old_sent_ones_are_pruned(
    client, tenant_a, admin_a, admin_b
):
    import datetime as dt

    from django.utils import timezone

    from lenddesk.notifications.tasks import prune_outbox_task

    with tenant_context(tenant_a):
        channel_config_save(
            actor=admin_a,
            channel="sms",
            enabled=True,
            provider="simulated",
            default_kinds=[KIND],
        )
        notify(recipients=[admin_a, make_user(tenant_a, "s8")], kind=KIND, title="旧")
        old, recent = OutboxMessage.objects.order_by("pk")
        OutboxMessage.objects.filter(pk=old.pk).update(
            status="sent", created_at=timezone.now() - dt.timedelta(days=91)
        )
    force_session(client, admin_b)
    assert client.post("/notifications/outbox/%d/retry/" % recent.pk).status_code == 404
    assert prune_outbox_task() == 1
    with tenant_context(tenant_a):
        assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_send_log_keeps_to_the_actors_data_scope(tenant_a, admin_a, salesperson_a):
    from lenddesk.notifications.outbox_admin import outbox_counts, outbox_list

    other = make_user(tenant_a, "s9")
    with tenant_context(tenant_a):
        channel_config_save(
            actor=admin_a,
            channel="sms",
            enabled=True,
            provider="simulated",
            default_kinds=[KIND],
        )
        notify(recipients=[salesperson_a, other], kind=KIND, title="新客户")
        mine = outbox_list(actor=salesperson_a)
        assert [m.recipient_id for m in mine] == [salesperson_a.pk]
        assert outbox_counts(actor=salesperson_a)["pending"] == 1
        assert outbox_list(actor=admin_a).count() == 2
