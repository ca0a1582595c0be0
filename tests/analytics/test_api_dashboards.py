"""The dashboards' API (``/api/v1/analytics/<dashboard>/``) for the mobile app: the
same numbers as the pages, inside the data scope, no customer's name or phone, bad
filters answered 400 naming the parameter, and its OpenAPI description.

The firm is ``build_world`` of test_dash_pages (its docstring tells the story)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.urls import reverse

from lenddesk.accounts.services import token_issue
from lenddesk.analytics.selectors import DASHBOARDS
from lenddesk.tenancy.context import tenant_context
from tests.analytics.test_dash_pages import PERSONAL, build_world, number, page_tables

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def call(client, user, name: str, query: dict | None = None, status: int = 200):
    with tenant_context(user.tenant):
        _token, raw = token_issue(user=user)
    response = client.get(
        reverse("api:analytics_%s" % name),
        query or {},
        HTTP_AUTHORIZATION="Bearer " + raw,
    )
    assert response.status_code == status, (name, response.content[:400])
    return response.json()


def last_month(w) -> dict:
    return {"from": w["first"].isoformat(), "to": w["last"].isoformat()}


def test_channels_answer_the_numbers_the_page_shows(world, client):
    w = world
    body = call(client, w["gm"], "channels", last_month(w))
    assert body["dashboard"] == "channels"
    assert body["date_from"] == w["first"].isoformat()
    assert body["updated_at"] is not None
    rows = {r["channel"]: r for r in body["tables"]["channels"]["rows"]}
    assert rows["抖音"]["profit"] == "-6000.00"
    assert rows["抖音"]["spend"] == "10000.00"
    assert rows["抖音"]["leads"] == 3
    assert rows["百度"]["profit"] == "5000.00"
    url = "/analytics/channels/?from=%(from)s&to=%(to)s" % last_month(w)
    page = page_tables(client, w["gm"], url)["table-channels"]
    for name in ("抖音", "百度"):
        shown = page.row(name)
        for key in ("spend", "leads", "signed", "fees", "profit", "roi"):
            assert number(shown[key][0]) == number(str(rows[name][key])), key


def test_staff_ranking_for_the_team_lead_and_only_the_team(world, client):
    w = world
    body = call(client, w["lead1"], "staff", last_month(w))
    rows = body["tables"]["people"]["rows"]
    assert [(r["rank"], r["person"], r["conversion"]) for r in rows] == [
        (1, "销售甲", "66.7"),
        (2, "销售乙", "0.0"),
    ]
    assert body["tables"]["people"]["total"]["leads"] == 4  # s1 3, s2 1
    overview = call(client, w["lead1"], "overview")
    todo = {r["person"]: r["overdue"] for r in overview["tables"]["todo"]["rows"]}
    assert todo == {"销售甲": 1, "销售乙": 1}
    tiles = {t["key"]: t for t in overview["tiles"]}
    assert tiles["overdue"]["value"] == 2 and tiles["overdue"]["live"] is True


def test_a_salesperson_gets_only_their_own_numbers(world, client):
    w = world
    for name in DASHBOARDS:
        if name == "channels":
            call(client, w["s2"], name, status=403)
            continue
        text = json.dumps(
            call(client, w["s2"], name, last_month(w)), ensure_ascii=False
        )
        for colleague in ("销售甲", "销售丙", "组长甲"):
            assert colleague not in text, (name, colleague)
    staff = call(client, w["s2"], "staff", last_month(w))
    assert [r["person"] for r in staff["tables"]["people"]["rows"]] == ["销售乙"]


def test_no_customer_name_or_phone_in_any_answer(world, client):
    w = world
    for name in DASHBOARDS:
        for query in ({}, last_month(w)):
            text = json.dumps(call(client, w["gm"], name, query), ensure_ascii=False)
            assert [v for v in PERSONAL if v in text] == [], name


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"from": "2026-02-30"}, "from", "invalid_date"),
        ({"to": "tomorrow"}, "to", "invalid_date"),
        ({"from": "2026-05-10", "to": "2026-05-01"}, "to", "invalid_range"),
        ({"department": "-1"}, "department", "invalid_id"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(world, client, query, field, code):
    body = call(client, world["gm"], "fees", query, status=400)
    assert body["error"] == code
    assert list(body["fields"]) == [field]


def test_department_outside_the_scope_is_refused(world, client):
    w = world
    query = {"department": str(w["two"].pk)}
    body = call(client, w["lead1"], "staff", query, status=400)
    assert list(body["fields"]) == ["department"]
    body = call(client, w["gm"], "staff", {**last_month(w), **query})
    assert [r["person"] for r in body["tables"]["people"]["rows"]] == ["销售丙"]


def test_refused_without_the_rights(world, client):
    w = world
    call(client, w["idle"], "overview", status=403)
    call(client, w["lead1"], "channels", status=403)
    assert client.get(reverse("api:analytics_overview")).status_code in (401, 403)
    assert call(client, w["f1"], "channels")["dashboard"] == "channels"


def test_openapi_describes_every_dashboard(world, client):
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    doc = json.loads(schema.content)
    for name in DASHBOARDS:
        operation = doc["paths"]["/api/v1/analytics/%s/" % name]["get"]
        assert operation["operationId"] == "analytics_%s" % name
        assert {"200", "400", "403"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} == {
            "from",
            "to",
            "department",
        }
    row = doc["components"]["schemas"]["AnalyticsChannelsChannelsRow"]
    assert {"spend", "leads", "profit", "roi"} <= set(row["properties"])
