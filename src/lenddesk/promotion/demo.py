"""Demo promotion: two application forms, two articles salespeople share, visits
passed on through share chains, and the applications that came of them, through the
same services as the public pages (consent, attribution, share chain). Made by the
system, not by a user. Idempotent."""

import random
from decimal import Decimal

from lenddesk.accounts.models import User
from lenddesk.acquisition.services import current_notice
from lenddesk.promotion import services
from lenddesk.promotion.models import ApplicationForm, Assignment, MaterialKind

PHONES = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) MicroMessenger/8.0.47",
          "Mozilla/5.0 (Linux; Android 14; V2309A) MicroMessenger/8.0.45",
          "Mozilla/5.0 (Linux; Android 13; HUAWEI P60) MicroMessenger/8.0.44")  # fmt: skip
FIELDS = [
    {"name": "city", "required": True},
    {"name": "demand_amount", "required": True},
    {"name": "has_house", "required": False},
]
FORMS = (
    {
        "title": "房产抵押贷款申请",
        "intro": "名下有房即可申请，额度最高500万，最快3天放款。",
        "thanks": "提交成功！客户经理将在30分钟内与您联系。",
        "channel_name": "微信公众号",
        "assignment": Assignment.RULES,
        "fields": FIELDS,
    },
    {
        "title": "企业经营贷快速申请",
        "intro": "营业执照满一年，纳税良好，可申请信用经营贷。",
        "thanks": "我们已收到您的申请，请保持电话畅通。",
        "assignment": Assignment.USER,
        "fields": [*FIELDS[:2], {"name": "company_name", "required": False}],
    },
)
ARTICLES = (
    ("房子还在还贷，也能再贷一笔？", "一文看懂二次抵押的条件、额度和流程。"),
    ("小微企业主如何三天拿到经营贷", "准备好这五样材料，审批快一半。"),
)
GIVEN = [
    "子涵",
    "浩宇",
    "欣妍",
    "俊熙",
    "思彤",
    "宇航",
    "雨萱",
    "梓睿",
    "诗琪",
    "博文",
    "佳怡",
    "明轩",
]
SURNAMES = "王李张刘陈杨赵黄周吴"
CITIES = ("成都", "重庆", "西安", "武汉")
SHARERS = ("sales1", "sales2", "sales3")


def build(tenant, log) -> None:
    if ApplicationForm.objects.exists():
        log("application forms: %d (kept)" % ApplicationForm.objects.count())
        return
    notice = current_notice()
    rng = random.Random(20261202)  # noqa: S311 - repeatable demo data, not secrets
    owner = User.objects.get(username="sales4")
    forms = [
        services.form_save(actor=None, values={**spec, "assign_to": owner})
        for spec in FORMS
    ]
    materials = [
        services.material_save(
            actor=None,
            values={
                "kind": MaterialKind.ARTICLE,
                "title": title,
                "summary": summary,
                "body_html": "<p>%s</p><p>点击下方按钮，一分钟填写申请。</p>" % summary,
                "form": form,
            },
        )
        for (title, summary), form in zip(ARTICLES, forms, strict=True)
    ]
    sharers = list(User.objects.filter(username__in=SHARERS).order_by("username"))
    people = iter(range(10_000))
    visits = applied = 0
    for material in materials:
        for sharer in sharers:
            for _i in range(rng.randrange(4, 9)):
                visits += _share(material, sharer, notice, rng, people)
    for form in forms:
        for _i in range(8):
            _apply(form, notice, rng, next(people))
            applied += 1
    log("application forms: %d, materials: %d, visits: %d, direct applications: %d"
        % (len(forms), len(materials), visits, applied))  # fmt: skip


def _share(material, sharer, notice, rng: random.Random, people) -> int:
    """A visitor opens a salesperson's link, may pass it on (one or two hops), and
    now and then the last one applies. Returns the number of visits."""
    number = next(people)
    opened = services.material_open(
        material=material,
        visitor_key="demo-visitor-%05d" % number,
        user_agent=rng.choice(PHONES),
        sharer=sharer,
    )
    visits = 1
    while rng.random() < 0.35 and opened.node.depth < 3:
        number = next(people)
        opened = services.material_open(
            material=material,
            visitor_key="demo-visitor-%05d" % number,
            user_agent=rng.choice(PHONES),
            parent=opened.node,
        )
        visits += 1
    if rng.random() < 0.3:
        _apply(
            material.form,
            notice,
            rng,
            number,
            services.SubmitContext(
                node=opened.node, visitor=opened.visitor, user_agent=rng.choice(PHONES)
            ),
        )
    return visits


def _apply(form, notice, rng: random.Random, number: int, context=None) -> None:
    name = SURNAMES[number % len(SURNAMES)] + GIVEN[rng.randrange(len(GIVEN))]
    services.form_submit(
        form=form,
        data={
            "customer": {
                "name": name,
                "city": rng.choice(CITIES),
                "demand_amount": Decimal(rng.choice([10, 30, 50, 100, 200]) * 10000),
            },
            "phone": "1%d%08d" % (99, 40_000_000 + number * 13),
            "custom_fields": {},
            "consent_version": notice.version,
        },
        context=context or services.SubmitContext(user_agent=rng.choice(PHONES)),
    )
