"""Demo acquisition: the firm's channels with ad accounts and their spend (daily for
the online platforms, monthly for street promotion), the privacy notice, and two
traffic-platform integrations whose deliveries were created, matched an existing
customer or held for lack of consent. Written through the real services with no
acting user, so the audit log shows the system, not the administrator. Idempotent."""

import datetime as dt
import json
import random
from decimal import Decimal

from django.utils import timezone

from lenddesk.acquisition.channels import ad_account_save, channel_save, spend_save
from lenddesk.acquisition.consent import current_notice, notice_publish
from lenddesk.acquisition.integrations import integration_create
from lenddesk.acquisition.models import (
    AdAccount,
    AssignMode,
    Channel,
    ChannelKind,
    Delivery,
    Integration,
)
from lenddesk.acquisition.receiving import intake_receive
from lenddesk.acquisition.worker import process_queued_deliveries
from lenddesk.customers.models import Customer

NOTICE_VERSION = "2026-01"
NOTICE_TEXT = (
    "安信助贷服务有限公司（以下简称“我们”）将收集您的姓名、手机号码、所在城市及借款需求，"
    "仅用于为您匹配合适的贷款产品并与您联系。我们不会向无关第三方出售您的个人信息；"
    "经您同意后，我们会将必要信息提供给您选定的资方用于审批。您可以随时联系我们查询、"
    "更正或删除您的信息，或撤回同意。"
)
# name, kind
CHANNELS = (
    ("抖音", ChannelKind.TRAFFIC),
    ("百度", ChannelKind.TRAFFIC),
    ("微信公众号", ChannelKind.FORM),
    ("朋友介绍", ChannelKind.REFERRAL),
    ("老客户转介绍", ChannelKind.REFERRAL),
    ("线下地推", ChannelKind.OFFLINE),
    ("渠道合伙人", ChannelKind.PARTNER),
)
# channel, account, platform account id, campaign, daily spend range (yuan) or None
ACCOUNTS = (
    ("抖音", "巨量引擎-成都一号", "1712093345", "房抵贷-成都", (1800, 3200)),
    ("抖音", "巨量引擎-重庆", "1712093388", "信用贷-重庆", (900, 1800)),
    ("百度", "百度营销-主账户", "bd-28815530", "贷款搜索词", (600, 1500)),
    ("线下地推", "地推团队（成都）", "", "写字楼扫楼", None),
)
MONTHLY_STREET_SPEND = Decimal("18000.00")
SPEND_DAYS = 60
# Channels of the demo customers who arrived in bulk (imports, walk-ins, referrals):
# forms, promotion materials, partners and integrations bring their own.
BULK_CHANNELS = ("抖音", "抖音", "百度", "朋友介绍", "老客户转介绍", "线下地推")
INTEGRATIONS = (
    ("抖音线索直推", "抖音", "巨量引擎-成都一号", "房抵贷-成都"),
    ("百度营销表单", "百度", "百度营销-主账户", "贷款搜索词"),
)
CITIES = ("成都", "重庆", "西安", "武汉", "深圳")
NAMES = [
    "周子豪",
    "吴晓东",
    "郑梓涵",
    "冯一诺",
    "韩欣怡",
    "唐宇轩",
    "曹思远",
    "许俊杰",
    "邓文博",
    "彭嘉怡",
    "苏浩然",
    "蒋明",
]


def build(tenant, log) -> None:
    if AdAccount.objects.exists():
        log("channels: %d (kept)" % Channel.objects.count())
        return
    channels = _channels()
    rng = random.Random(20261201)  # noqa: S311 - repeatable demo data, not secrets
    spends = 0
    for channel, name, external_id, campaign, daily in ACCOUNTS:
        account = ad_account_save(
            actor=None, channel=channels[channel], name=name, external_id=external_id
        )
        spends += _spend(account, campaign, daily, rng)
    if current_notice() is None:
        notice_publish(actor=None, version=NOTICE_VERSION, text=NOTICE_TEXT)
    log("channels: %d, ad accounts: %d, spend entries: %d" % (
        len(channels), len(ACCOUNTS), spends))  # fmt: skip


def _channels() -> dict[str, Channel]:
    return {
        name: Channel.objects.filter(name=name).first()
        or channel_save(actor=None, name=name, kind=kind)
        for name, kind in CHANNELS
    }


def _spend(account: AdAccount, campaign: str, daily, rng: random.Random) -> int:
    """Daily spend over the last two months, or one entry per month when ``daily`` is
    None (street promotion is paid by the month)."""
    today = timezone.localdate()
    if daily is None:
        months = {
            (today - dt.timedelta(days=back)).replace(day=1)
            for back in range(0, SPEND_DAYS, 28)
        }
        for first in sorted(months):
            last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            spend_save(
                actor=None,
                ad_account=account,
                campaign=campaign,
                period_start=first,
                period_end=last,
                amount=MONTHLY_STREET_SPEND,
                note="地推人员工资及物料",
            )
        return len(months)
    for back in range(SPEND_DAYS):
        day = today - dt.timedelta(days=back)
        spend_save(
            actor=None,
            ad_account=account,
            campaign=campaign,
            period_start=day,
            period_end=day,
            amount=Decimal(rng.randrange(daily[0], daily[1], 10)),
        )
    return SPEND_DAYS


def bulk_channels() -> list[tuple[Channel, AdAccount | None, str]]:
    """(channel, ad account, campaign) for customers of the bulk demo data."""
    accounts = {a.channel_id: a for a in AdAccount.objects.order_by("pk")}
    campaigns = {name: campaign for _c, name, _e, campaign, _d in ACCOUNTS}
    found = _channels()
    choices = []
    for name in BULK_CHANNELS:
        channel = found[name]
        account = (
            accounts.get(channel.pk) if channel.kind == ChannelKind.TRAFFIC else None
        )
        choices.append(
            (channel, account, campaigns.get(getattr(account, "name", ""), ""))
        )
    return choices


def build_intake(tenant, log) -> None:
    """Deliveries as a platform would post them, received and turned into leads by
    the same code as the intake endpoint and the worker."""
    if Integration.objects.exists():
        log("integrations: %d (kept)" % Integration.objects.count())
        return
    notice = current_notice()
    known_phones = [
        customer.get_secret("phone")
        for customer in Customer.objects.exclude(phone_cipher=None).order_by("pk")[:4]
    ]
    for number, (name, channel, account, campaign) in enumerate(INTEGRATIONS):
        integration = integration_create(
            actor=None,
            values={
                "name": name,
                "channel": Channel.objects.get(name=channel),
                "ad_account": AdAccount.objects.get(name=account),
                "campaign": campaign,
                "assign_mode": AssignMode.RULES,
            },
        ).integration
        for body, key in _payloads(number, notice, known_phones[2 * number :][:2]):
            intake_receive(
                tenant=tenant,
                integration=integration,
                idempotency_key=key,
                body=json.dumps(body, ensure_ascii=False).encode(),
                remote_ip="203.0.113.%d" % (10 + number),
            )
    process_queued_deliveries(tenant=tenant)
    counts = {}
    for status in Delivery.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    log("integrations: %d, deliveries: %s" % (len(INTEGRATIONS), counts))


def _payloads(number: int, notice, known_phones: list[str]):
    """Six new leads, the customers behind ``known_phones`` again, and two leads the
    platform sent without consent evidence."""
    agreed = timezone.now() - dt.timedelta(minutes=5)
    consent = {"notice_version": notice.version, "agreed_at": agreed.isoformat()}
    for n in range(6):
        yield (
            {
                "name": NAMES[(number * 6 + n) % len(NAMES)],
                "mobile": "1%d%08d" % (77 + number, 20_260_000 + n * 7919),
                "city": CITIES[n % len(CITIES)],
                "amount": (n + 1) * 50_000,
                "purpose": "资金周转",
                "consent": consent,
            },
            "demo-%d-new-%d" % (number, n),
        )
    for n, phone in enumerate(known_phones):
        yield (
            {"name": "老客户", "mobile": phone, "consent": consent},
            "demo-%d-again-%d" % (number, n),
        )
    for n in range(2):
        yield (
            {
                "name": NAMES[-1 - n],
                "mobile": "1%d%08d" % (66, 30_000_000 + number * 10 + n),
            },
            "demo-%d-noconsent-%d" % (number, n),
        )
