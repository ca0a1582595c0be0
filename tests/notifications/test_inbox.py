"""The notification centre: what each person finds behind the bell."""

import datetime as dt

import time_machine
from django.utils import timezone

from lenddesk.accounts.services import token_issue
from lenddesk.customers import services as customer_services
from lenddesk.customers.models import PoolRules
from lenddesk.notifications.models import Notification
from lenddesk.notifications.services import notify
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer, team  # noqa: F401 - fixture
from tests.factories import make_user


def _inbox(tenant, user):
    with tenant_context(tenant):
        return list(
            Notification.objects.filter(recipient=user).values_list("kind", "title")
        )


def test_pool_return_warns_then_tells_the_owner_once(tenant_a, team):  # noqa: F811
    start = timezone.now()
    with tenant_context(tenant_a):
        PoolRules.objects.update(return_days_c=15, protection_days=0)
    add_customer(tenant_a, team["s1"], name="王五", owner=team["s1"], rating="C")
    add_customer(tenant_a, team["s1"], name="赵六", owner=team["s1"], rating="C")
    with time_machine.travel(start + dt.timedelta(days=14)), tenant_context(tenant_a):
        assert customer_services.warn_before_return() == 2
        assert customer_services.warn_before_return() == 0
    kinds = _inbox(tenant_a, team["s1"])
    assert len(kinds) == 1 and kinds[0][0] == "customers.return_warning"
    with time_machine.travel(start + dt.timedelta(days=16)), tenant_context(tenant_a):
        assert customer_services.reclaim_overdue() == 2
        assert customer_services.reclaim_overdue() == 0
        returned = Notification.objects.get(
            recipient=team["s1"], kind="customers.returned"
        )
    assert returned.title == "您有 2 位客户已退回公海"
    assert returned.url == "/customers/pool/"
    assert _inbox(tenant_a, team["s2"]) == []


def test_assignment_and_due_follow_up_reach_the_owner(tenant_a, admin_a, team):  # noqa: F811
    customer = add_customer(tenant_a, admin_a, name="钱七")
    with tenant_context(tenant_a):
        customer_services.customer_assign(
            actor=admin_a, customers=[customer], owner=team["s2"]
        )
        customer.refresh_from_db()
        customer_services.followup_create(
            actor=team["s2"],
            customer=customer,
            kind="call",
            content="约了明天回电",
            next_at=timezone.now() + dt.timedelta(minutes=10),
        )
        assert customer_services.remind_due_followups() == 1
        assert customer_services.remind_due_followups() == 0
    kinds = [kind for kind, _title in _inbox(tenant_a, team["s2"])]
    assert sorted(kinds) == ["customers.assigned", "customers.followup_due"]


def test_bell_counts_unread_and_opening_marks_read(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        notify(recipients=[admin_a], kind="test", title="请审批", url="/customers/")
        mine = Notification.objects.get(recipient=admin_a)
    force_session(client, admin_a)
    page = client.get("/notifications/").content.decode()
    assert "请审批" in page and 'data-testid="unread-count">1<' in page
    response = client.post("/notifications/%d/open/" % mine.pk)
    assert response.status_code == 302 and response["Location"] == "/customers/"
    page = client.get("/notifications/").content.decode()
    assert 'data-testid="unread-count"' not in page


def test_outside_links_are_not_followed_and_others_get_404(
    client, tenant_a, tenant_b, admin_a, admin_b
):
    colleague = make_user(tenant_a, "colleague")
    with tenant_context(tenant_a):
        notify(recipients=[admin_a], kind="x", title="外链", url="https://evil.test/")
        notify(recipients=[colleague], kind="x", title="别人的")
        mine = Notification.objects.get(recipient=admin_a)
        theirs = Notification.objects.get(recipient=colleague)
    force_session(client, admin_a)
    assert client.post("/notifications/%d/open/" % mine.pk)["Location"] == (
        "/notifications/"
    )
    assert client.post("/notifications/%d/open/" % theirs.pk).status_code == 404
    with tenant_context(tenant_a):
        theirs.refresh_from_db()
        assert theirs.read_at is None
    force_session(client, admin_b)
    assert client.post("/notifications/%d/open/" % mine.pk).status_code == 404


def test_api_lists_and_marks_read(client, tenant_a, admin_a):
    with tenant_context(tenant_a):
        notify(recipients=[admin_a], kind="x", title="一")
        notify(recipients=[admin_a], kind="x", title="二")
        _token, raw = token_issue(user=admin_a)
    auth = {"HTTP_AUTHORIZATION": "Bearer " + raw}
    body = client.get("/api/v1/notifications/?unread=1", **auth).json()
    assert [n["title"] for n in body["results"]] == ["二", "一"]
    assert body["unread"] == 2
    first = body["results"][0]["id"]
    read = client.post("/api/v1/notifications/%d/read/" % first, **auth)
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications/", **auth).json()["unread"] == 1
    assert client.post("/api/v1/notifications/999999/read/", **auth).status_code == 404


def test_dedupe_key_stores_once_per_recipient(tenant_a, admin_a):
    with tenant_context(tenant_a):
        assert notify(recipients=[admin_a], kind="x", title="a", dedupe_key="k") == 1
        assert notify(recipients=[admin_a], kind="x", title="a", dedupe_key="k") == 0
