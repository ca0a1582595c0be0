"""A firm for performance tests, built once per module: 销售部 with 销售一部 (lead1,
s1, s2) and 销售二部 (lead2, s3), a general manager, and a month of facts."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import transaction

from lenddesk.accounts.models import User
from lenddesk.accounts.services import department_create, token_issue
from lenddesk.analytics.models import DailyFact
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_tenant, make_user

MONTH = dt.date(2026, 3, 1)
PREVIOUS = dt.date(2026, 2, 1)
D = Decimal

# (person, metric, day, n, amount)
FACTS = [
    ("s1", "calls", 3, 25, "0"),
    ("s1", "calls", 20, 15, "0"),
    ("s1", "signed_orders", 10, 2, "0"),
    ("s1", "disbursed", 12, 1, "300000.00"),
    ("s1", "fees", 14, 1, "9000.50"),
    ("s2", "calls", 5, 10, "0"),
    ("s2", "signed_orders", 6, 1, "0"),
    ("s2", "fees", 7, 1, "1000.00"),
    ("s3", "calls", 9, 30, "0"),
    ("lead1", "calls", 9, 5, "0"),
    # last month: the basis of a split by share (s1 30, s2 10)
    ("s1", "calls", -3, 30, "0"),
    ("s2", "calls", -3, 10, "0"),
]


def _fact_day(day: int) -> dt.date:
    return (
        MONTH + dt.timedelta(days=day - 1)
        if day > 0
        else MONTH + dt.timedelta(days=day)
    )


def build_firm(slug: str) -> dict:
    tenant = make_tenant(slug=slug, name="绩效公司")
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
        root = department_create(actor=admin, name="销售部")
        one = department_create(actor=admin, name="销售一部", parent_id=root.pk)
        two = department_create(actor=admin, name="销售二部", parent_id=root.pk)
    people = {"admin": admin}
    plan = {
        "gm": (["general_manager"], None),
        "lead1": (["team_lead"], one),
        "s1": (["salesperson"], one),
        "s2": (["salesperson"], one),
        "lead2": (["team_lead"], two),
        "s3": (["salesperson"], two),
    }
    for key, (roles, department) in plan.items():
        person = make_user(tenant, key, role_keys=roles, name=key.upper())
        with tenant_context(tenant):
            if department is not None:
                User.objects.filter(pk=person.pk).update(department=department)
            people[key] = User.objects.get(pk=person.pk)
    with tenant_context(tenant):
        DailyFact.objects.bulk_create(
            [
                DailyFact(
                    day=_fact_day(day),
                    metric=metric,
                    user=people[who],
                    department=people[who].department,
                    n=n,
                    amount=D(amount),
                )
                for who, metric, day, n, amount in FACTS
            ]
        )
    return {"tenant": tenant, "root": root, "one": one, "two": two, **people}


@pytest.fixture(scope="module")
def firm(django_db_setup, django_db_blocker, request):
    slug = "perf-" + request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_firm(slug[:40])
        transaction.set_rollback(True)


@pytest.fixture
def as_user(client, db):
    def log_in(user):
        force_session(client, user)
        return client

    return log_in


def auth(user) -> dict:
    with tenant_context(user.tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def api_send(client, method, url, body, user):
    return client.generic(
        method, url, json.dumps(body), content_type="application/json", **auth(user)
    )
