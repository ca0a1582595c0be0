"""The demo firm's message channels: SMS and WeChat through the simulated providers
(nothing leaves the machine), with the firm's SMS templates; email stays off until
the server's EMAIL_* settings point at a real mail server."""

from lenddesk.accounts.models import User
from lenddesk.notifications.channel_settings import channel_config_save
from lenddesk.notifications.models import ChannelConfig
from lenddesk.notifications.sms_templates import sms_template_save

DEFAULT_KINDS = ["customers.assigned", "customers.followup_due", "orders.overdue"]
TEMPLATES = {
    "*": "【安信金服】{title}。请登录系统查看。拒收请回复R",
    "customers.assigned": "【安信金服】{title}，请尽快联系客户。拒收请回复R",
}


def build(tenant, log) -> None:
    if ChannelConfig.objects.exists():
        log("message channels: %d (kept)" % ChannelConfig.objects.count())
        return
    # the general manager sets it up: the administrator's audit trail starts empty
    admin = User.objects.filter(roles__key="general_manager").order_by("pk").first()
    for channel in ("sms", "wechat"):
        channel_config_save(
            actor=admin,
            channel=channel,
            enabled=True,
            provider="simulated",
            default_kinds=DEFAULT_KINDS,
        )
    for kind, text in TEMPLATES.items():
        sms_template_save(actor=admin, kind=kind, text=text)
    log("message channels: SMS and WeChat simulated, %d SMS templates" % len(TEMPLATES))
