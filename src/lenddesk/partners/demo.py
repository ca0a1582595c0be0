"""Demo partners: a three-level tree (partners invited by staff, their sub-partners
and theirs), one still awaiting approval, and their referrals, some of people the
firm already knew (not credited). Through the partner services, so depth, consent and
attribution hold; the system acts where staff would. Idempotent."""

import random
from decimal import Decimal

from lenddesk.accounts.demo import DEMO_PASSWORD
from lenddesk.accounts.models import User
from lenddesk.acquisition.services import current_notice
from lenddesk.customers.models import Customer
from lenddesk.partners import services
from lenddesk.partners.models import MAX_DEPTH, Partner

# name, city, upline (index into this tuple or None), account manager
TREE = (
    ("成都恒信房产中介", "成都", None, "lead1"),
    ("重庆渝通车贷服务部", "重庆", None, "lead2"),
    ("西安长安财税咨询", "西安", None, "lead1"),
    ("刘建军（中介经纪人）", "成都", 0, None),
    ("陈晓燕（保险代理）", "成都", 0, None),
    ("王海涛（二手车商）", "重庆", 1, None),
    ("赵敏（会计）", "西安", 2, None),
    ("孙志强", "成都", 3, None),
    ("周婷", "成都", 3, None),
    ("吴磊", "重庆", 5, None),
)
PENDING = 9  # the last to join waits for approval
CLIENTS = [
    "张国庆",
    "李秀英",
    "王志刚",
    "刘桂兰",
    "陈建华",
    "杨丽娟",
    "黄伟",
    "赵红梅",
    "周强",
    "吴静",
    "郑勇",
    "徐芳",
]


def build(tenant, log) -> None:
    if Partner.objects.exists():
        log("partners: %d (kept)" % Partner.objects.count())
        return
    services.partner_settings_update(
        actor=None, max_depth=MAX_DEPTH, auto_approve=False
    )
    partners = []
    for number, (name, city, upline, manager) in enumerate(TREE):
        if upline is None:
            invitation = services.invitation_create(
                actor=None,
                manager=User.objects.get(username=manager),
                note="演示：%s" % name,
            )
        else:
            invitation = services.partner_own_invitation(partner=partners[upline])
        partner = services.partner_signup(
            invitation=invitation,
            name=name,
            phone="1%d%08d" % (45, 60_000_000 + number * 101),
            password=DEMO_PASSWORD,
            city=city,
        )
        if number != PENDING:
            partner = services.partner_approve(actor=None, partner=partner)
        partners.append(partner)
    referrals = _refer(partners[:PENDING], current_notice())
    log("partners: %d in %d levels, referrals: %d" % (
        len(partners), MAX_DEPTH, referrals))  # fmt: skip


def _refer(partners: list[Partner], notice) -> int:
    """Two to four referrals each; every fifth is someone the firm already knows."""
    rng = random.Random(20261203)  # noqa: S311 - repeatable demo data, not secrets
    known = iter(Customer.objects.exclude(phone_cipher=None).order_by("-pk")[:20])
    done = 0
    for partner in partners:
        for _i in range(rng.randrange(2, 5)):
            done += 1
            phone = "1%d%08d" % (47, 50_000_000 + done * 211)
            if done % 5 == 0:
                phone = next(known).get_secret("phone")
            services.referral_create(
                partner=partner,
                name=CLIENTS[done % len(CLIENTS)],
                phone=phone,
                city=partner.city,
                amount=Decimal(rng.choice([10, 20, 50, 80, 150]) * 10000),
                consent=True,
                notice_version=notice.version,
            )
    return done
