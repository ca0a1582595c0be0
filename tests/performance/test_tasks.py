"""Tasks: a manager assigns within their scope, the assignee marks done with a note,
overdue is flagged, reminders go out once, the list counts and filters, bulk done,
and nobody outside the scope sees a task."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.notifications.models import Notification
from lenddesk.performance.models import Task
from lenddesk.performance.services.tasks import task_create, task_reminders
from lenddesk.performance.tasks import task_reminders_task
from lenddesk.tenancy.context import tenant_context
from tests.performance.conftest import api_send


def _task(firm, who="s1", by="lead1", hours=48, title="回访张三"):
    with tenant_context(firm["tenant"]):
        return task_create(
            actor=firm[by],
            assignee_id=firm[who].pk,
            title=title,
            description="本周内回访",
            due_at=timezone.now() + dt.timedelta(hours=hours),
        )


def _notes(firm, who, kind):
    with tenant_context(firm["tenant"]):
        return list(
            Notification.objects.filter(recipient=firm[who], kind=kind).values_list(
                "title", flat=True
            )
        )


def test_lifecycle_assign_see_mark_done(firm, as_user):
    lead = as_user(firm["lead1"])
    due = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = lead.post(
        "/performance/tasks/new/",
        {"assignee": firm["s1"].pk, "title": "准备月报", "due_at": due},
    )
    assert answer.status_code == 302
    with tenant_context(firm["tenant"]):
        task = Task.objects.get(title="准备月报")
    assert task.created_by_id == firm["lead1"].pk
    assert _notes(firm, "s1", "performance.task_assigned")
    seller = as_user(firm["s1"])
    mine = seller.get("/performance/tasks/mine/")
    assert 'data-testid="task-%d"' % task.pk in mine.content.decode()
    page = seller.get("/performance/tasks/%d/" % task.pk)
    assert 'data-testid="task-done-form"' in page.content.decode()
    done = seller.post("/performance/tasks/%d/done/" % task.pk, {"note": "已完成"})
    assert done.status_code == 302
    with tenant_context(firm["tenant"]):
        task.refresh_from_db()
    assert (task.status, task.done_note) == ("done", "已完成")
    again = seller.post("/performance/tasks/%d/done/" % task.pk, {"note": "x"})
    assert again.status_code == 400


@pytest.mark.parametrize(
    "who,hours,title,field",
    [
        ("s3", 24, "跨部门", "assignee"),  # outside lead1's department
        ("lead1", 24, "自己", "assignee"),  # not themselves
        ("s1", -1, "过去", "due_at"),
        ("s1", 24, "", "title"),
    ],
)
def test_assigning_is_bounded(firm, db, who, hours, title, field):
    with pytest.raises(ValidationError) as caught:
        _task(firm, who=who, hours=hours, title=title)
    assert caught.value.code == "task_invalid"
    assert field in caught.value.message_dict


def test_tasks_are_seen_only_within_the_scope(firm, as_user):
    task = _task(firm)
    for who, status in (
        ("s1", 200),
        ("lead1", 200),
        ("gm", 200),
        ("s2", 404),
        ("lead2", 404),
    ):
        assert (
            as_user(firm[who]).get("/performance/tasks/%d/" % task.pk).status_code
            == status
        ), who
    listing = as_user(firm["lead2"]).get("/performance/tasks/").content.decode()
    assert 'data-testid="task-%d"' % task.pk not in listing
    # A colleague cannot close it either (404: out of their scope).
    assert (
        as_user(firm["s2"]).post("/performance/tasks/%d/done/" % task.pk).status_code
        == 404
    )
    assert as_user(firm["s2"]).get("/performance/tasks/new/").status_code == 403


def test_reminders_go_out_once_the_day_before_and_when_overdue(firm, db):
    soon = _task(firm, hours=10, title="明天到期")
    later = _task(firm, who="s2", hours=72, title="下周")
    with tenant_context(firm["tenant"]):
        assert task_reminders() == {"due": 1, "overdue": 0}
        assert task_reminders() == {"due": 0, "overdue": 0}
        past = soon.due_at + dt.timedelta(minutes=1)
        assert task_reminders(now=past) == {"due": 0, "overdue": 1}
        assert task_reminders(now=past + dt.timedelta(hours=1)) == {
            "due": 0,
            "overdue": 0,
        }
    assert len(_notes(firm, "s1", "performance.task_due")) == 1
    assert len(_notes(firm, "s1", "performance.task_overdue")) == 1
    assert (
        len(_notes(firm, "lead1", "performance.task_overdue")) == 1
    )  # who assigned it
    assert _notes(firm, "s2", "performance.task_due") == []
    assert task_reminders_task() == 0  # the beat job: nothing left to send now
    with tenant_context(firm["tenant"]):
        later.refresh_from_db()
    assert later.reminded_due_at is None


def test_list_counts_filters_overdue_and_bulk_done(firm, as_user):
    first = _task(firm, title="甲")
    second = _task(firm, who="s2", title="乙")
    other = _task(firm, who="s3", by="lead2", title="丙")
    with tenant_context(firm["tenant"]):
        Task.objects.filter(pk=first.pk).update(
            due_at=timezone.now() - dt.timedelta(hours=1)
        )
    lead = as_user(firm["lead1"])
    page = lead.get("/performance/tasks/")
    html = page.content.decode()
    assert 'data-testid="count-open">2<' in html
    assert 'data-testid="count-overdue">1<' in html
    overdue = lead.get("/performance/tasks/?due=overdue").content.decode()
    assert 'data-testid="task-%d"' % first.pk in overdue
    assert 'data-testid="task-%d"' % second.pk not in overdue
    only = lead.get("/performance/tasks/?assignee=%d" % firm["s2"].pk).content.decode()
    assert 'data-testid="task-%d"' % first.pk not in only
    answer = lead.post(
        "/performance/tasks/done/",
        {"task": [first.pk, second.pk, other.pk], "note": "批量"},
    )
    assert answer.status_code == 302
    with tenant_context(firm["tenant"]):
        states = dict(Task.objects.values_list("title", "status"))
    assert states == {"甲": "done", "乙": "done", "丙": "open"}  # 丙 is not lead1's


def test_tasks_api_create_list_get_done(firm, client):
    due = (timezone.now() + dt.timedelta(days=3)).isoformat()
    made = api_send(
        client,
        "POST",
        "/api/v1/performance/tasks/",
        {"assignee": firm["s1"].pk, "title": "接口任务", "due_at": due},
        firm["lead1"],
    )
    assert made.status_code == 201, made.content
    task = made.json()
    assert (task["status"], task["overdue"], task["assignee"]) == (
        "open",
        False,
        firm["s1"].pk,
    )
    refused = api_send(
        client,
        "POST",
        "/api/v1/performance/tasks/",
        {"assignee": firm["s3"].pk, "title": "越权", "due_at": due},
        firm["lead1"],
    )
    assert refused.status_code == 400 and "assignee" in refused.json()["fields"]
    listed = api_send(
        client, "GET", "/api/v1/performance/tasks/?mine=1", {}, firm["s1"]
    ).json()
    assert [t["id"] for t in listed["results"]] == [task["id"]]
    url = "/api/v1/performance/tasks/%d/" % task["id"]
    assert api_send(client, "GET", url, {}, firm["s2"]).status_code == 404
    done = api_send(client, "PATCH", url, {"status": "done", "note": "好"}, firm["s1"])
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = api_send(client, "PATCH", url, {"status": "done"}, firm["s1"])
    assert again.status_code == 409 and again.json()["error"] == "task_already_done"
    assert (
        api_send(
            client, "POST", "/api/v1/performance/tasks/", {}, firm["s1"]
        ).status_code
        == 403
    )
