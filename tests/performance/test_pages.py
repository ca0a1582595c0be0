"""The pages answer each role as declared, the home panel shows my month and my
tasks, the targets API lists what the caller may see, and the API is documented."""

import datetime as dt

from django.utils import timezone

from lenddesk.performance.services.targets import DEPARTMENT, PERSON, targets_save
from lenddesk.performance.services.tasks import task_create
from lenddesk.tenancy.context import tenant_context
from tests.performance.conftest import api_send

PAGES = [
    "/performance/completion/",
    "/performance/completion/?by=department",
    "/performance/ranking/",
    "/performance/tasks/",
    "/performance/tasks/mine/",
    "/performance/targets/",
    "/performance/tasks/new/",
    "/performance/kpi/",
]
EXPECTED = {
    "admin": [200] * 8,
    "gm": [200] * 8,
    "lead1": [200] * 7 + [403],
    "s1": [200] * 5 + [403] * 3,
}


def test_each_page_answers_each_role_as_declared(firm, as_user):
    for who, statuses in EXPECTED.items():
        client = as_user(firm[who])
        got = [client.get(url).status_code for url in PAGES]
        assert got == statuses, who
        menu = client.get("/performance/completion/").content.decode()
        assert ('href="/performance/targets/"' in menu) == (who != "s1"), who


def test_home_panel_shows_my_month_and_my_open_tasks(firm, as_user):
    month = timezone.localdate().replace(day=1)
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["lead1"],
            month=month,
            cells={(PERSON, firm["s1"].pk, "calls"): 200},
        )
        task = task_create(
            actor=firm["lead1"],
            assignee_id=firm["s1"].pk,
            title="整理客户名单",
            due_at=timezone.now() + dt.timedelta(hours=5),
        )
    html = as_user(firm["s1"]).get("/").content.decode()
    panel = html.split('data-testid="home-performance"')[1]
    assert "/ 200" in panel
    assert 'data-testid="home-tasks-open">1<' in panel
    assert "/performance/tasks/%d/" % task.pk in panel


def test_targets_api_lists_within_the_scope(firm, client):
    with tenant_context(firm["tenant"]):
        targets_save(
            actor=firm["gm"],
            month="2026-03",
            cells={
                (PERSON, firm["s1"].pk, "fees"): "1500.5",
                (PERSON, firm["s3"].pk, "calls"): 7,
                (DEPARTMENT, firm["one"].pk, "calls"): 70,
                (DEPARTMENT, firm["two"].pk, "calls"): 30,
            },
        )
    body = api_send(
        client, "GET", "/api/v1/performance/targets/?month=2026-03", {}, firm["lead1"]
    ).json()
    assert body["people"] == [
        {
            "user": firm["s1"].pk,
            "month": "2026-03-01",
            "metric": "fees",
            "value": "1500.50",
        }
    ]
    assert [d["department"] for d in body["departments"]] == [firm["one"].pk]
    seller = api_send(
        client, "GET", "/api/v1/performance/targets/?month=2026-03", {}, firm["s3"]
    ).json()
    assert [p["user"] for p in seller["people"]] == [firm["s3"].pk]
    assert seller["departments"] == []
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("targets/", "completion/", "ranking/", "tasks/", "tasks/{task_id}/"):
        assert "/api/v1/performance/" + path in schema["paths"], path
