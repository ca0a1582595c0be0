"""Demo customers: a few thousand borrowers across owners, pools, stages and ratings,
attributed to the firm's real channels, with follow-ups and visits, made through the
real services (encrypted, audited as the system's, not the administrator's)."""

import datetime as dt
import os
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from stdnum.cn import ric

from lenddesk.accounts.models import User
from lenddesk.acquisition.demo import bulk_channels
from lenddesk.acquisition.models import Attribution
from lenddesk.customers import services
from lenddesk.customers.models import Customer, FunnelStage

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅春梅小红玉兰子豪浩然梓涵一诺欣怡宇轩思远俊杰晓东文博嘉怡"
CITIES = (
    "成都",
    "重庆",
    "西安",
    "武汉",
    "长沙",
    "郑州",
    "杭州",
    "苏州",
    "深圳",
    "广州",
    "东莞",
    "佛山",
)
PURPOSES = (
    "经营周转",
    "装修",
    "购车",
    "资金周转",
    "扩大生产",
    "教育",
    "医疗",
    "还信用卡",
)
NOTES = (
    "电话接通，客户有房产，想做抵押贷，约本周来公司。",
    "客户说先比较几家，下周再联系。",
    "已加微信，发送了所需资料清单。",
    "客户征信有两次逾期，需进一步了解。",
    "客户在外地出差，周五回来再谈。",
    "客户对利率比较敏感，推荐了公积金贷。",
)


SELLERS = ("sales1", "sales2", "sales3", "sales4", "tele1", "lead1", "lead2")
STAGE_KEYS = (
    ["new"] * 5
    + ["contacted"] * 6
    + ["invited"] * 3
    + ["visited"] * 2
    + ["signed", "processing", "disbursed", "lost"]
)
CREDIT_NOTES = (
    "征信良好，无逾期",
    "征信良好，无逾期",
    "近两年有1次逾期，已结清",
    "信用卡有2次逾期",
    "征信有3次逾期，查询较多",
    "",
    "",
)


def demo_size() -> int:
    """How many demo customers (LENDDESK_DEMO_CUSTOMERS; the test suite uses a few)."""
    return int(os.environ.get("LENDDESK_DEMO_CUSTOMERS", "2400"))


def _name(rng: random.Random) -> str:
    given = GIVEN[rng.randrange(len(GIVEN))]
    if rng.random() < 0.6:
        given += GIVEN[rng.randrange(len(GIVEN))]
    return SURNAMES[rng.randrange(len(SURNAMES))] + given


def build(tenant, log) -> None:
    if Customer.objects.exists():
        log("customers: %d (kept)" % Customer.objects.count())
        return
    rng = random.Random(20261128)  # noqa: S311 - repeatable demo data, not secrets
    sellers = list(User.objects.filter(username__in=SELLERS))
    stages = {s.key: s for s in FunnelStage.objects.all()}
    sources = bulk_channels()
    now = timezone.now()
    touches = []
    for n in range(demo_size()):
        owner = rng.choice(sellers) if rng.random() < 0.7 else None
        source = rng.choice(sources)
        with transaction.atomic():
            customer = _create(n, owner, source[0], rng, now)
            stage = stages[rng.choice(STAGE_KEYS)] if owner else stages["new"]
            created = now - dt.timedelta(
                days=rng.randrange(0, 60), hours=rng.randrange(0, 24)
            )
            Customer.objects.filter(pk=customer.pk).update(
                stage=stage, created_at=created
            )
            if owner and rng.random() < 0.6:
                for _i in range(rng.randrange(1, 4)):
                    _followup(owner, customer, rng, now)
        touches.append((customer.pk, *source))
    _attribute(touches)
    log("customers: %d" % Customer.objects.count())


def _create(n: int, owner, channel, rng: random.Random, now) -> Customer:
    """One customer through the real service, with no acting user (the system made
    it); an owned one also gets what product matching needs (ID number, credit)."""
    data = {
        "name": _name(rng),
        "city": rng.choice(CITIES),
        "demand_amount": Decimal(rng.choice([5, 10, 20, 30, 50, 80, 100, 200, 300]))
        * 10000,
        "demand_term_months": rng.choice([12, 24, 36, 60, 120]),
        "demand_purpose": rng.choice(PURPOSES),
        "has_house": rng.random() < 0.4,
        "has_car": rng.random() < 0.5,
        "provident_fund_months": rng.choice([0, 0, 12, 24, 36, 60]),
        "social_security_months": rng.choice([0, 12, 24, 36, 60, 120]),
        "monthly_income": Decimal(rng.randrange(4000, 40000, 500)),
        "channel": channel.name,
        "rating": rng.choice(["A", "B", "B", "C", "C", "C", "D", ""]),
    }
    id_number = ""
    if owner is not None:
        data["credit_notes"] = rng.choice(CREDIT_NOTES)
        data["has_life_policy"] = rng.random() < 0.2
        data["has_business_licence"] = rng.random() < 0.15
        id_number = _id_number(n, rng, now)
    return services.customer_create(
        actor=None,
        data=data,
        phone="1%d%08d"
        % (rng.choice([35, 36, 37, 38, 39, 50, 51, 58, 86, 88]), 10_000_000 + n * 37),
        id_number=id_number,
        owner=owner,
        to_pool=owner is None,
        source="demo",
    ).customer


def _id_number(n: int, rng: random.Random, now) -> str:
    """A valid, fictitious ID number (Beijing Chaoyang) of an adult, unique per n."""
    age = rng.choice([24, 28, 31, 35, 38, 42, 45, 48, 52, 55, 58, 62, 64, 67])
    birth = timezone.localdate(now).replace(year=now.year - age, month=1, day=1)
    birth += dt.timedelta(days=n // 1000 * 7 + rng.randrange(0, 7))
    body = "110105%s%03d" % (birth.strftime("%Y%m%d"), n % 1000)
    return body + ric.calc_check_digit(body + "0")


def _attribute(touches) -> None:
    """Each bulk customer's attribution to its real channel (and ad account), dated
    like the customer so the channel report spreads over the two months. One bulk
    insert: the per-customer service would double the demo's run time."""
    Attribution.objects.bulk_create(
        [
            Attribution(
                customer_id=pk,
                channel=channel,
                ad_account=account,
                campaign=campaign,
                source_kind=channel.kind,
                source_ref="demo",
            )
            for pk, channel, account, campaign in touches
        ],
        batch_size=500,
    )
    created = Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at")
    Attribution.objects.filter(source_ref="demo").update(
        created_at=Subquery(created[:1])
    )


def _followup(owner, customer, rng, now) -> None:
    next_at = (
        now + dt.timedelta(hours=rng.randrange(2, 240)) if rng.random() < 0.7 else None
    )
    services.followup_create(
        actor=owner,
        customer=customer,
        kind=rng.choice(["call", "call", "wechat", "visit"]),
        content=rng.choice(NOTES),
        next_at=next_at,
    )
    if rng.random() < 0.3:  # some are overdue, as in real life
        Customer.objects.filter(pk=customer.pk).update(
            next_followup_at=now - dt.timedelta(hours=rng.randrange(1, 72))
        )
