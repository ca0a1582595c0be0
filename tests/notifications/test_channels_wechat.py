"""WeChat template messages through a stub of the official-account API: the token is
fetched once and reused, ``client_msg_id`` carries the outbox key, a wrong AppSecret
is recorded and retried."""

import pytest

from lenddesk.notifications.channel_settings import channel_config_save
from lenddesk.notifications.channels import wechat
from lenddesk.notifications.models import OutboxMessage
from lenddesk.notifications.preferences import wechat_bind
from lenddesk.notifications.services import notify
from lenddesk.notifications.tasks import sweep_outbox_task
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user
from tests.notifications.channels_support import http_stub, wechat_stub

KIND = "orders.overdue"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture
def bound(tenant_a):
    user = make_user(tenant_a, "wx1")
    with tenant_context(tenant_a):
        wechat_bind(actor=user, openid=OPENID)
    return user


def wechat_on(tenant, admin, secret):
    with tenant_context(tenant):
        channel_config_save(
            actor=admin,
            channel="wechat",
            enabled=True,
            provider="wechat_mp",
            default_kinds=[KIND],
            credentials={"app_id": "wx1234", "app_secret": secret, "template_id": "T1"},
        )


def test_template_messages_reach_the_official_account_api(
    tenant_a, admin_a, bound, settings
):
    wechat._TOKENS.clear()
    with http_stub(wechat_stub("wx1234", "good")) as api:
        settings.NOTIFY_WECHAT_API = "http://127.0.0.1:%d" % api.server_port
        settings.NOTIFY_SITE_URL = "https://crm.example.com"
        wechat_on(tenant_a, admin_a, "good")
        with tenant_context(tenant_a):
            notify(recipients=[bound], kind=KIND, title="订单超时", url="/orders/1/")
            notify(recipients=[bound], kind=KIND, title="订单又超时")
        assert sweep_outbox_task() == 2
    assert api.tokens == 1  # one token for both messages
    first = api.received[0]
    assert first["touser"] == OPENID and first["template_id"] == "T1"
    assert first["data"]["first"]["value"] == "订单超时"
    assert first["url"] == "https://crm.example.com/orders/1/"
    with tenant_context(tenant_a):
        keys = set(OutboxMessage.objects.values_list("key", flat=True))
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert {p["client_msg_id"] for p in api.received} == {str(k) for k in keys}


def test_a_wrong_app_secret_is_recorded_and_retried(tenant_a, admin_a, bound, settings):
    wechat._TOKENS.clear()
    with http_stub(wechat_stub("wx1234", "good")) as api:
        settings.NOTIFY_WECHAT_API = "http://127.0.0.1:%d" % api.server_port
        wechat_on(tenant_a, admin_a, "bad")
        with tenant_context(tenant_a):
            notify(recipients=[bound], kind=KIND, title="订单超时")
        sweep_outbox_task()
    with tenant_context(tenant_a):
        message = OutboxMessage.objects.get()
    assert (message.status, message.last_error) == ("pending", "refused:40125")
    assert api.received == []


def test_someone_without_a_binding_is_not_sent_to(tenant_a, admin_a, settings):
    wechat_on(tenant_a, admin_a, "good")
    with tenant_context(tenant_a):
        notify(recipients=[make_user(tenant_a, "wx2")], kind=KIND, title="x")
    sweep_outbox_task()
    with tenant_context(tenant_a):
        assert OutboxMessage.objects.get().last_error == "no_wechat"
