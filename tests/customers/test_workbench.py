"""The home page is the salesperson's day: due, overdue, new and returning customers,
and this month's funnel, each count a link to a list that shows the same number."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from lenddesk.customers.models import Customer
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user


def _tile(html: str, key: str) -> int:
    match = re.search(
        r'data-testid="tile-%s".*?data-testid="count">(\d+)<' % key, html, re.S
    )
    assert match, key
    return int(match.group(1))


def _tile_url(html: str, key: str) -> str:
    match = re.search(r'href="([^"]+)" data-testid="tile-%s"' % key, html)
    return match.group(1).replace("&amp;", "&")


def _set(tenant, customer, **values):
    with tenant_context(tenant):
        Customer.objects.filter(pk=customer.pk).update(**values)


def _rows(html: str) -> int:
    return len(re.findall(r'<td><a href="/customers/\d+/">', html))


# "due later today" needs a later today: at 23:30 a follow-up due at 23:00 is overdue
@time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_salesperson_sees_today_with_counts_that_match_the_lists(
    client, tenant_a, admin_a, team
):
    s1, s2 = team["s1"], team["s2"]
    now = timezone.now()
    overdue = add_customer(tenant_a, admin_a, name="逾期客户", owner=s1)
    due = add_customer(tenant_a, admin_a, name="今日客户", owner=s1)
    returning = add_customer(tenant_a, admin_a, name="回收客户", owner=s1)
    add_customer(tenant_a, admin_a, name="别人客户", owner=s2)
    add_customer(tenant_a, admin_a, name="公海客户")
    _set(tenant_a, overdue, next_followup_at=now - dt.timedelta(days=1))
    _set(
        tenant_a,
        due,
        next_followup_at=timezone.localtime().replace(hour=23, minute=0),
        last_followup_at=now,
    )
    _set(tenant_a, returning, return_warned_at=now, last_followup_at=now)

    force_session(client, s1)
    html = client.get("/").content.decode()

    assert 'data-testid="workbench-mine"' in html
    assert 'data-testid="workbench-team"' not in html  # a salesperson has no team
    assert _tile(html, "due") == 2
    assert _tile(html, "overdue") == 1
    assert _tile(html, "fresh") == 1  # overdue customer: new and never followed up
    assert _tile(html, "returning") == 1
    assert "别人客户" not in html and "公海客户" not in html

    overdue_list = client.get(_tile_url(html, "overdue")).content.decode()
    assert "逾期客户" in overdue_list and "今日客户" not in overdue_list
    fresh_list = client.get(_tile_url(html, "fresh")).content.decode()
    assert "逾期客户" in fresh_list and "回收客户" not in fresh_list


def test_team_lead_sees_the_team_and_funnel_links_count_alike(
    client, tenant_a, admin_a, team
):
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    for owner in ("s1", "s2", "s3", "lead1"):
        customer = add_customer(
            tenant_a, admin_a, name="客户" + owner, owner=team[owner]
        )
        _set(tenant_a, customer, next_followup_at=an_hour_ago)
    force_session(client, team["lead1"])
    html = client.get("/").content.decode()
    assert 'data-testid="workbench-team"' in html
    team_part = html.split('data-testid="workbench-team"')[1]
    assert "客户s1" in team_part and "客户s2" in team_part
    assert "客户s3" not in html  # another department
    assert _tile(team_part, "overdue") == 3
    overdue = client.get(_tile_url(team_part, "overdue")).content.decode()
    assert _rows(overdue) == 3

    steps = re.findall(
        r'<a class="d-block[^"]*" href="([^"]+)" data-testid="funnel-step">'
        r".*?<strong>(\d+)</strong>",
        team_part,
        re.S,
    )
    assert steps
    for url, count in steps:
        listing = client.get(url.replace("&amp;", "&")).content.decode()
        assert _rows(listing) == int(count)


def test_another_firms_customers_never_count(client, tenant_a, tenant_b, admin_b):
    person = make_user(tenant_a, "solo")
    other = make_user(tenant_b, "solo")
    add_customer(tenant_b, admin_b, name="乙方客户", owner=other)
    force_session(client, person)
    html = client.get("/").content.decode()
    assert _tile(html, "fresh") == 0
    assert "乙方客户" not in html
