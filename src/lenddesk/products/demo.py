"""Demo catalogue: a dozen fictional funders and about thirty products of every type
with realistic eligibility rules, plus the personal details matching needs (ID number
for the age, credit notes, policies, licences) on the demo customers, set through the
customers' own service. Idempotent."""

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from lenddesk.accounts.models import User
from lenddesk.customers.models import Customer
from lenddesk.products import services
from lenddesk.products.models import Funder, Product

FUNDERS = (
    ("蓉城商业银行", "bank", "0.8"),
    ("天府农商银行", "bank", "1.0"),
    ("巴蜀银行", "bank", "0.6"),
    ("宏远村镇银行", "bank", "1.2"),
    ("锦江消费金融", "consumer_finance", "2.0"),
    ("长江消费金融", "consumer_finance", "1.8"),
    ("安信小额贷款", "microlender", "2.5"),
    ("融通小贷", "microlender", "3.0"),
    ("西部汽车金融", "other", "1.5"),
    ("中盛人寿保单贷服务", "other", "1.0"),
    ("金桥融资租赁", "trust", "1.2"),
    ("东方信托", "trust", "0.9"),
)
WEST = "成都, 重庆, 西安"
SOUTH = "深圳, 广州, 东莞, 佛山"
CENTRE = "武汉, 长沙, 郑州"
EAST = "杭州, 苏州"
EI, EP, IO = "equal_instalment", "equal_principal", "interest_only"


def _age(low, high):
    return [
        {"field": "age", "op": "gte", "value": low},
        {"field": "age", "op": "lte", "value": high},
    ]


def _r(field, op, value=None, message=""):
    return {"field": field, "op": op, "value": value, "message": message}


# funder, name, type, amount, term, rate, methods, days, fee %, fee min,
# guarantee once %, guarantee monthly %, documents, rules
PRODUCTS = (
    (
        0,
        "蓉e房抵贷",
        "mortgage",
        (200_000, 5_000_000),
        (12, 120),
        ("3.45", "4.8"),
        [EI, EP, IO],
        15,
        "1.5",
        3000,
        "0",
        "0",
        ["id_card", "property_certificate", "bank_statement"],
        [
            *_age(22, 65),
            _r("city", "in", WEST),
            _r("has_house", "is_true"),
            _r("overdue_count", "lte", 2),
            _r("monthly_income", "gte", 5000),
        ],
    ),
    (
        0,
        "蓉e薪易贷",
        "credit",
        (30_000, 500_000),
        (12, 60),
        ("4.2", "9.6"),
        [EI],
        3,
        "2",
        1000,
        "0",
        "0",
        ["id_card", "income_proof"],
        [
            *_age(22, 55),
            _r("social_security_months", "gte", 12),
            _r("monthly_income", "gte", 8000),
            _r("overdue_count", "lte", 1),
        ],
    ),
    (
        1,
        "天府房易贷",
        "mortgage",
        (100_000, 3_000_000),
        (12, 240),
        ("3.6", "5.2"),
        [EI, EP],
        20,
        "1.2",
        3000,
        "0",
        "0",
        ["id_card", "property_certificate"],
        [
            *_age(20, 60),
            _r("city", "in", WEST),
            _r("has_house", "is_true"),
            _r("overdue_count", "lte", 2, "近两年逾期不超过2次"),
        ],
    ),
    (
        1,
        "天府公积金信用贷",
        "provident_fund",
        (10_000, 500_000),
        (12, 60),
        ("3.85", "6.5"),
        [EI],
        3,
        "1.5",
        800,
        "0",
        "0",
        ["id_card"],
        [
            *_age(22, 55),
            _r("provident_fund_months", "gte", 12),
            _r("city", "in", WEST),
            _r("overdue_count", "lte", 1),
        ],
    ),
    (
        1,
        "天府经营快贷",
        "business",
        (100_000, 2_000_000),
        (6, 36),
        ("4.5", "8.0"),
        [IO, EI],
        7,
        "2",
        2000,
        "0",
        "0",
        ["id_card", "business_licence", "bank_statement"],
        [
            *_age(25, 60),
            _r("has_business_licence", "is_true"),
            _r("overdue_count", "lte", 2),
        ],
    ),
    (
        2,
        "巴蜀按揭房抵贷",
        "mortgage",
        (300_000, 10_000_000),
        (36, 120),
        ("3.3", "4.5"),
        [EI, IO],
        25,
        "1",
        5000,
        "0",
        "0",
        ["id_card", "property_certificate", "bank_statement"],
        [
            *_age(25, 60),
            _r("city", "in", WEST + ", " + CENTRE),
            _r("has_house", "is_true"),
            _r("monthly_income", "gte", 10000),
            _r("overdue_count", "lte", 0),
        ],
    ),
    (
        2,
        "巴蜀公积金贷",
        "provident_fund",
        (20_000, 800_000),
        (12, 72),
        ("3.7", "5.8"),
        [EI, EP],
        5,
        "1.2",
        1000,
        "0",
        "0",
        ["id_card", "income_proof"],
        [
            *_age(22, 58),
            _r("provident_fund_months", "gte", 24),
            _r("monthly_income", "gte", 6000),
        ],
    ),
    (
        2,
        "巴蜀税易贷",
        "business",
        (50_000, 3_000_000),
        (12, 36),
        ("4.0", "7.2"),
        [EI, IO],
        10,
        "1.5",
        2000,
        "0",
        "0",
        ["id_card", "business_licence"],
        [*_age(25, 62), _r("has_business_licence", "is_true"), _r("city", "in", WEST)],
    ),
    (
        3,
        "宏远惠农贷",
        "credit",
        (10_000, 300_000),
        (12, 36),
        ("5.5", "12.0"),
        [EI, EP],
        7,
        "3",
        600,
        "1",
        "0",
        ["id_card", "bank_statement"],
        [
            *_age(20, 63),
            _r("overdue_count", "lte", 2),
            _r("monthly_income", "gte", 3000),
        ],
    ),
    (
        3,
        "宏远房抵周转贷",
        "mortgage",
        (100_000, 2_000_000),
        (6, 36),
        ("5.0", "8.5"),
        [IO],
        7,
        "2",
        3000,
        "0.5",
        "0",
        ["id_card", "property_certificate"],
        [*_age(20, 68), _r("has_house", "is_true"), _r("overdue_count", "lte", 4)],
    ),
    (
        4,
        "锦江随心贷",
        "credit",
        (5_000, 200_000),
        (6, 36),
        ("9.9", "23.9"),
        [EI],
        1,
        "3",
        500,
        "0",
        "0",
        ["id_card"],
        [
            *_age(20, 55),
            _r("monthly_income", "gte", 4000),
            _r("overdue_count", "lte", 2),
        ],
    ),
    (
        4,
        "锦江车主贷",
        "car",
        (20_000, 300_000),
        (12, 48),
        ("8.8", "18.0"),
        [EI],
        2,
        "3",
        800,
        "0",
        "0.3",
        ["id_card"],
        [*_age(22, 60), _r("has_car", "is_true"), _r("overdue_count", "lte", 2)],
    ),
    (
        5,
        "长江优享贷",
        "credit",
        (10_000, 300_000),
        (12, 48),
        ("7.2", "18.0"),
        [EI],
        2,
        "2.5",
        800,
        "0",
        "0",
        ["id_card", "income_proof"],
        [
            *_age(22, 50),
            _r("social_security_months", "gte", 6),
            _r("monthly_income", "gte", 6000),
            _r("overdue_count", "lte", 1),
        ],
    ),
    (
        5,
        "长江保单贷",
        "policy",
        (20_000, 500_000),
        (12, 60),
        ("6.5", "15.0"),
        [EI],
        3,
        "2",
        800,
        "0",
        "0",
        ["id_card"],
        [
            *_age(25, 60),
            _r("has_life_policy", "is_true"),
            _r("overdue_count", "lte", 2),
        ],
    ),
    (
        6,
        "安信应急贷",
        "credit",
        (5_000, 100_000),
        (3, 24),
        ("14.0", "23.9"),
        [EI, IO],
        1,
        "5",
        500,
        "2",
        "0",
        ["id_card"],
        [*_age(18, 60), _r("overdue_count", "lte", 5)],
    ),
    (
        6,
        "安信车抵贷",
        "car",
        (30_000, 500_000),
        (6, 36),
        ("10.0", "22.0"),
        [EI, IO],
        2,
        "4",
        1000,
        "1",
        "0.4",
        ["id_card"],
        [*_age(20, 65), _r("has_car", "is_true")],
    ),
    (
        7,
        "融通经营贷",
        "business",
        (50_000, 1_000_000),
        (6, 24),
        ("12.0", "23.0"),
        [IO, EI],
        3,
        "4",
        1500,
        "1.5",
        "0",
        ["id_card", "business_licence"],
        [*_age(22, 65), _r("has_business_licence", "is_true")],
    ),
    (
        7,
        "融通房产二押贷",
        "mortgage",
        (50_000, 1_500_000),
        (6, 36),
        ("10.0", "18.0"),
        [IO],
        5,
        "3",
        2000,
        "1",
        "0",
        ["id_card", "property_certificate"],
        [
            *_age(22, 70),
            _r("has_house", "is_true"),
            _r("city", "in", WEST + ", " + SOUTH),
        ],
    ),
    (
        8,
        "西部新车分期",
        "car",
        (30_000, 800_000),
        (12, 60),
        ("6.0", "12.0"),
        [EI],
        3,
        "2",
        1000,
        "0",
        "0",
        ["id_card", "income_proof"],
        [
            *_age(20, 60),
            _r("monthly_income", "gte", 5000),
            _r("overdue_count", "lte", 1),
        ],
    ),
    (
        8,
        "西部二手车抵押贷",
        "car",
        (20_000, 400_000),
        (12, 48),
        ("8.5", "16.0"),
        [EI, EP],
        3,
        "2.5",
        1000,
        "0",
        "0.2",
        ["id_card"],
        [*_age(22, 60), _r("has_car", "is_true"), _r("overdue_count", "lte", 2)],
    ),
    (
        9,
        "中盛保单融",
        "policy",
        (30_000, 1_000_000),
        (12, 60),
        ("5.8", "12.0"),
        [EI, IO],
        5,
        "1.5",
        1000,
        "0",
        "0",
        ["id_card"],
        [
            *_age(25, 65),
            _r("has_life_policy", "is_true"),
            _r("overdue_count", "lte", 1),
        ],
    ),
    (
        9,
        "中盛寿险信用贷",
        "policy",
        (10_000, 300_000),
        (12, 36),
        ("7.2", "15.0"),
        [EI],
        3,
        "2",
        800,
        "0",
        "0",
        ["id_card", "income_proof"],
        [
            *_age(25, 60),
            _r("has_life_policy", "is_true"),
            _r("monthly_income", "gte", 5000),
        ],
    ),
    (
        10,
        "金桥设备融资",
        "business",
        (200_000, 5_000_000),
        (12, 60),
        ("6.5", "12.0"),
        [EI],
        15,
        "1.5",
        3000,
        "1",
        "0.1",
        ["id_card", "business_licence", "bank_statement"],
        [
            *_age(25, 60),
            _r("has_business_licence", "is_true"),
            _r("city", "in", SOUTH + ", " + EAST),
        ],
    ),
    (
        10,
        "金桥车辆回租",
        "car",
        (50_000, 600_000),
        (12, 36),
        ("9.0", "17.0"),
        [EI],
        4,
        "3",
        1000,
        "0",
        "0.3",
        ["id_card"],
        [*_age(22, 62), _r("has_car", "is_true"), _r("city", "not_in", "东莞")],
    ),
    (
        11,
        "东方房抵信托贷",
        "mortgage",
        (500_000, 20_000_000),
        (12, 60),
        ("6.0", "10.0"),
        [IO],
        20,
        "1",
        10000,
        "0",
        "0",
        ["id_card", "property_certificate", "bank_statement"],
        [
            *_age(25, 65),
            _r("has_house", "is_true"),
            _r("monthly_income", "gte", 20000),
            _r("city", "in", SOUTH + ", " + EAST + ", " + WEST),
        ],
    ),
    (
        11,
        "东方菁英贷",
        "credit",
        (100_000, 1_000_000),
        (12, 60),
        ("5.5", "10.0"),
        [EI],
        7,
        "2",
        2000,
        "0",
        "0",
        ["id_card", "income_proof", "bank_statement"],
        [
            *_age(25, 50),
            _r("monthly_income", "gte", 20000),
            _r("provident_fund_months", "gte", 36),
            _r("overdue_count", "lte", 0),
        ],
    ),
    (
        0,
        "蓉e公积金贷",
        "provident_fund",
        (10_000, 300_000),
        (12, 60),
        ("4.0", "7.0"),
        [EI],
        2,
        "1.5",
        600,
        "0",
        "0",
        ["id_card"],
        [
            *_age(22, 58),
            _r("provident_fund_months", "gte", 6),
            _r("city", "in", "成都"),
        ],
    ),
    (
        3,
        "宏远创业贷",
        "business",
        (30_000, 500_000),
        (12, 36),
        ("4.35", "6.0"),
        [EI, IO],
        12,
        "1",
        800,
        "0",
        "0",
        ["id_card", "business_licence"],
        [*_age(20, 55), _r("has_business_licence", "is_true"), _r("city", "in", WEST)],
    ),
    (
        5,
        "长江公积金快贷",
        "provident_fund",
        (10_000, 200_000),
        (6, 36),
        ("6.0", "12.0"),
        [EI],
        1,
        "2.5",
        500,
        "0",
        "0",
        ["id_card"],
        [*_age(22, 55), _r("provident_fund_months", "gte", 6)],
    ),
    (
        6,
        "安信保单周转贷",
        "policy",
        (10_000, 200_000),
        (3, 24),
        ("12.0", "23.9"),
        [EI, IO],
        1,
        "4",
        500,
        "1",
        "0",
        ["id_card"],
        [*_age(20, 65), _r("has_life_policy", "is_true")],
    ),
)
NOTES = (
    "征信良好，无逾期",
    "征信良好，无逾期",
    "近两年有1次逾期，已结清",
    "信用卡有2次逾期",
    "征信有3次逾期，查询较多",
    "",
    "",
)


def build(tenant, log) -> None:
    admin = User.objects.filter(username="admin").first()
    if Product.objects.exists():
        log("products: %d (kept)" % Product.objects.count())
        return
    funders = []
    for name, kind, rebate in FUNDERS:
        funder = Funder.objects.filter(name=name).first() or services.funder_save(
            actor=admin,
            data={
                "name": name,
                "kind": kind,
                "rebate_percent": Decimal(rebate),
                "contact_name": "客户经理",
                "rebate_terms": "放款后次月结算返点",
                "agreement_terms": "合作协议有效期一年，到期自动续约",
            },
        )
        funders.append(funder)
    start = timezone.localdate() - dt.timedelta(days=90)
    for spec in PRODUCTS:
        (f, name, kind, amount, term, rate, methods, days, fee, fee_min, g_once,
         g_month, documents, rules) = spec  # fmt: skip
        product = services.product_save(
            actor=admin,
            data={
                "funder": funders[f],
                "name": name,
                "type": kind,
                "amount_min": Decimal(amount[0]),
                "amount_max": Decimal(amount[1]),
                "term_min": term[0],
                "term_max": term[1],
                "rate_min": Decimal(rate[0]),
                "rate_max": Decimal(rate[1]),
                "repayment_methods": methods,
                "processing_days": days,
                "service_fee_percent": Decimal(fee),
                "service_fee_min": Decimal(fee_min),
                "guarantee_fee_percent": Decimal(g_once),
                "guarantee_fee_monthly_percent": Decimal(g_month),
                "required_documents": documents,
            },
        )
        if kind == "mortgage" and rules[1]["value"] > 60:
            # An older, stricter policy, so the version history shows a change.
            older = [dict(r) for r in rules]
            older[1]["value"] = 60
            services.rules_save(
                actor=admin,
                product=product,
                rows=older,
                effective_from=start,
                note="首版",
            )
        services.rules_save(
            actor=admin,
            product=product,
            rows=rules,
            effective_from=start + dt.timedelta(days=60),
            note="资方调整准入",
        )
    log("products: %d from %d funders" % (Product.objects.count(), len(funders)))
    log("demo customers given details for matching: %d" % _enrich(admin))


def _enrich(admin) -> int:
    """ID numbers (so ages are known), credit notes, policies and licences for the
    demo customers, through the customers' service (encrypted, audited)."""
    rng = random.Random(20261129)  # noqa: S311 - repeatable demo data
    today = timezone.localdate()
    done = 0
    customers = Customer.objects.filter(
        birth_date__isnull=True, owner__isnull=False
    ).order_by("pk")
    from lenddesk.customers.services import customer_update

    for n, customer in enumerate(customers.iterator(chunk_size=500)):
        age = rng.choice([24, 28, 31, 35, 38, 42, 45, 48, 52, 55, 58, 62, 64, 67])
        birth = today.replace(year=today.year - age) - dt.timedelta(
            days=rng.randrange(30, 330)
        )
        body = "110105%s%03d" % (birth.strftime("%Y%m%d"), n % 1000)
        id_number = body + ric.calc_check_digit(body + "0")
        try:
            with transaction.atomic():
                customer_update(
                    actor=admin,
                    customer=customer,
                    data={
                        "credit_notes": rng.choice(NOTES),
                        "has_life_policy": rng.random() < 0.2,
                        "has_business_licence": rng.random() < 0.15,
                    },
                    id_number=id_number,
                )
        except ValidationError:
            continue
        done += 1
    return done
