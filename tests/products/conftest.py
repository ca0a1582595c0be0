import datetime as dt
import itertools
from decimal import Decimal

import pytest
from stdnum.cn import ric

from lenddesk.products import services
from lenddesk.products.models import Funder
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer, team  # noqa: F401

_seq = itertools.count(100)
TODAY = dt.date(2026, 11, 28)


def national_id(birth: dt.date, region: str = "110105") -> str:
    body = "%s%s%03d" % (region, birth.strftime("%Y%m%d"), next(_seq) % 1000)
    return body + ric.calc_check_digit(body + "0")


def born_years_ago(years: int, today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return today.replace(year=today.year - years) - dt.timedelta(days=30)


def person(tenant, actor, *, age: int | None = None, owner=None, **data):
    """A customer of ``age`` (from a valid national ID), owned by ``owner``."""
    id_number = national_id(born_years_ago(age)) if age is not None else ""
    with tenant_context(tenant):
        from lenddesk.customers.services import customer_create
        from tests.customers.conftest import next_phone

        return customer_create(
            actor=actor,
            data={"name": data.pop("name", "王五"), **data},
            phone=next_phone(),
            id_number=id_number,
            owner=owner or actor,
        ).customer


def make_product(tenant, actor, *, funder=None, rules=(), **fields):
    with tenant_context(tenant):
        funder = funder or Funder.objects.filter(name="测试银行").first()
        if funder is None:
            funder = services.funder_save(actor=actor, data={"name": "测试银行"})
        values = {
            "funder": funder,
            "name": "房抵贷",
            "type": "mortgage",
            "amount_min": Decimal("100000"),
            "amount_max": Decimal("3000000"),
            "term_min": 12,
            "term_max": 120,
            "rate_min": Decimal("3.6"),
            "rate_max": Decimal("6.0"),
            "repayment_methods": ["equal_instalment", "interest_only"],
            "processing_days": 15,
            "service_fee_percent": Decimal("1"),
            "required_documents": ["id_card", "property_certificate"],
        }
        values.update(fields)
        product = services.product_save(actor=actor, data=values)
        if rules:
            services.rules_save(actor=actor, product=product, rows=list(rules))
        return product


MORTGAGE_RULES = (
    {"field": "age", "op": "gte", "value": "22"},
    {"field": "age", "op": "lte", "value": "60"},
    {"field": "city", "op": "in", "value": "成都, 重庆"},
    {"field": "has_house", "op": "is_true"},
    {"field": "overdue_count", "op": "lte", "value": "2"},
)


@pytest.fixture
def mortgage(tenant_a, admin_a):
    return make_product(tenant_a, admin_a, rules=MORTGAGE_RULES)


def in_english(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
