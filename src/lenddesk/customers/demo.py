"""Demo customers: a few thousand borrowers across owners, pools, stages and ratings,
with follow-ups and visits, made through the real services (encrypted, audited)."""

import datetime as dt
import os
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lenddesk.accounts.models import User
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
CHANNELS = (
    "抖音",
    "百度",
    "朋友介绍",
    "渠道合伙人",
    "老客户转介绍",
    "线下地推",
    "微信公众号",
)
NOTES = (
    "电话接通，客户有房产，想做抵押贷，约本周来公司。",
    "客户说先比较几家，下周再联系。",
    "已加微信，发送了所需资料清单。",
    "客户征信有两次逾期，需进一步了解。",
    "客户在外地出差，周五回来再谈。",
    "客户对利率比较敏感，推荐了公积金贷。",
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
    sellers = list(
        User.objects.filter(
            username__in=[
                "sales1",
                "sales2",
                "sales3",
                "sales4",
                "tele1",
                "lead1",
                "lead2",
            ]
        )
    )
    stages = {s.key: s for s in FunnelStage.objects.all()}
    stage_keys = (
        ["new"] * 5
        + ["contacted"] * 6
        + ["invited"] * 3
        + ["visited"] * 2
        + ["signed", "processing", "disbursed", "lost"]
    )
    now = timezone.now()
    for n in range(demo_size()):
        owner = rng.choice(sellers) if rng.random() < 0.7 else None
        with transaction.atomic():
            result = services.customer_create(
                actor=owner or User.objects.get(username="admin"),
                data={
                    "name": _name(rng),
                    "city": rng.choice(CITIES),
                    "demand_amount": Decimal(
                        rng.choice([5, 10, 20, 30, 50, 80, 100, 200, 300])
                    )
                    * 10000,
                    "demand_term_months": rng.choice([12, 24, 36, 60, 120]),
                    "demand_purpose": rng.choice(PURPOSES),
                    "has_house": rng.random() < 0.4,
                    "has_car": rng.random() < 0.5,
                    "provident_fund_months": rng.choice([0, 0, 12, 24, 36, 60]),
                    "social_security_months": rng.choice([0, 12, 24, 36, 60, 120]),
                    "monthly_income": Decimal(rng.randrange(4000, 40000, 500)),
                    "channel": rng.choice(CHANNELS),
                    "rating": rng.choice(["A", "B", "B", "C", "C", "C", "D", ""]),
                },
                phone="1%d%08d"
                % (
                    rng.choice([35, 36, 37, 38, 39, 50, 51, 58, 86, 88]),
                    10_000_000 + n * 37,
                ),
                owner=owner,
                to_pool=owner is None,
                source="demo",
            )
            customer = result.customer
            stage = stages[rng.choice(stage_keys)] if owner else stages["new"]
            created = now - dt.timedelta(
                days=rng.randrange(0, 60), hours=rng.randrange(0, 24)
            )
            Customer.objects.filter(pk=customer.pk).update(
                stage=stage, created_at=created
            )
            if owner and rng.random() < 0.6:
                for _i in range(rng.randrange(1, 4)):
                    _followup(owner, customer, rng, now)
    log("customers: %d" % Customer.objects.count())


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
