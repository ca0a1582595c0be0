"""Real activity, counted by the facts job: each actual on the completion page equals
the count of the list its link opens, for a person and for a department."""

import re

from django.utils import timezone

from lenddesk.analytics.refresh import refresh_facts
from lenddesk.customers.services import followup_create
from lenddesk.performance.selectors import completion
from lenddesk.performance.services.targets import DEPARTMENT, PERSON, targets_save
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer


def _activity(firm):
    t, admin = firm["tenant"], firm["admin"]
    mine = [add_customer(t, admin, name="客户%d" % n, owner=firm["s1"]) for n in (1, 2)]
    add_customer(t, admin, name="客户三", owner=firm["s3"])
    with tenant_context(t):
        followup_create(
            actor=firm["s1"], customer=mine[0], kind="call", content="电话沟通"
        )
        today = timezone.localdate()
        refresh_facts(today, today)
        month = today.replace(day=1)
        targets_save(
            actor=firm["gm"],
            month=month,
            cells={
                (PERSON, firm["s1"].pk, "new_customers"): 4,
                (DEPARTMENT, firm["root"].pk, "new_customers"): 10,
            },
        )
    return month


def _count(client, url) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    return int(re.search(r'data-count="(\d+)"', page.content.decode()).group(1))


def test_each_actual_equals_the_count_of_its_list(firm, as_user):
    month = _activity(firm)
    client = as_user(firm["gm"])
    with tenant_context(firm["tenant"]):
        people = {r["user_id"]: r for r in completion(firm["gm"], month=month)}
        departments = {
            r["department_id"]: r
            for r in completion(firm["gm"], month=month, by="department")
        }
    s1 = people[firm["s1"].pk]["metrics"]
    assert (s1["new_customers"]["actual"], s1["new_customers"]["rate"]) == (2, 50)
    assert s1["followups"]["actual"] == 1
    root = departments[firm["root"].pk]["metrics"]["new_customers"]
    assert root["actual"] == 3
    for cell in (s1["new_customers"], s1["followups"], root):
        assert _count(client, cell["url"]) == cell["actual"]
    # The same link for the person themselves counts the same rows.
    seller = as_user(firm["s1"])
    assert _count(seller, s1["new_customers"]["url"]) == 2
