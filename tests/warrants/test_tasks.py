"""Warrant tasks: create, book, assign, done with the certificate number, cancel with
a reason; a stale change is a conflict; who sees which tasks; the handler's week."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.notifications.models import Notification
from lenddesk.orders.models import OrderParticipant
from lenddesk.tenancy.context import tenant_context
from lenddesk.warrants import selectors
from lenddesk.warrants.models import WarrantKind, WarrantStatus, WarrantTask
from lenddesk.warrants.services import warrant_task_create, warrant_task_update
from tests.conftest import force_session
from tests.factories import make_user
from tests.warrants.conftest import make_order

pytestmark = pytest.mark.django_db


def _at(days=1, hour=10):
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _task(tenant, actor, order, handler=None, **extra):
    with tenant_context(tenant):
        return warrant_task_create(
            actor=actor,
            order=order,
            kind=extra.pop("kind", WarrantKind.MORTGAGE_REGISTRATION),
            handler=handler,
            **extra,
        )


# --- services ---------------------------------------------------------------------


def test_create_assigns_the_handler_who_then_sees_the_order(
    tenant_a, admin_a, order_a, officer_a
):
    task = _task(tenant_a, admin_a, order_a, officer_a, appointment_at=_at())
    assert task.status == WarrantStatus.BOOKED
    with tenant_context(tenant_a):
        assert OrderParticipant.objects.filter(order=order_a, user=officer_a).exists()
        note = Notification.objects.get(recipient=officer_a)
        assert order_a.number in note.title and "/warrants/tasks/" in note.url
        assert AuditEvent.objects.filter(action="warrant.task_created").count() == 1
        assert [t.pk for t in selectors.tasks_visible_to(officer_a)] == [task.pk]


def test_handler_must_hold_the_warrant_code(tenant_a, admin_a, order_a, salesperson_a):
    with pytest.raises(ValidationError) as refused:
        _task(tenant_a, admin_a, order_a, salesperson_a)
    assert refused.value.code == "warrant_handler_invalid"
    assert "handler" in refused.value.message_dict
    with tenant_context(tenant_a):
        assert not WarrantTask.objects.exists()


def test_book_assign_done_and_each_change_is_audited(
    tenant_a, admin_a, order_a, officer_a, officer2_a
):
    task = _task(tenant_a, admin_a, order_a)
    assert task.status == WarrantStatus.PENDING and task.lock_version == 1
    with tenant_context(tenant_a):
        task = warrant_task_update(
            actor=admin_a,
            task=task,
            lock_version=1,
            changes={
                "appointment_at": _at(2),
                "place": "不动产登记中心",
                "handler": officer_a,
            },
        )
        assert (task.status, task.lock_version, task.handler) == (
            "booked",
            2,
            officer_a,
        )
        task = warrant_task_update(
            actor=admin_a, task=task, lock_version=2, changes={"handler": officer2_a}
        )
        with pytest.raises(ValidationError) as refused:
            warrant_task_update(
                actor=officer2_a, task=task, lock_version=3, changes={"status": "done"}
            )
        assert "certificate_number" in refused.value.message_dict
        task = warrant_task_update(
            actor=officer2_a,
            task=task,
            lock_version=3,
            changes={"status": "done", "certificate_number": "沪(2026)浦字第0012号"},
        )
        assert task.status == WarrantStatus.DONE and task.done_at is not None
        changes = list(
            AuditEvent.objects.filter(action="warrant.task_updated")
            .order_by("seq")
            .values_list("changes", flat=True)
        )
        assert len(changes) == 3 and changes[1]["handler"] == [
            officer_a.pk,
            officer2_a.pk,
        ]
        assert Notification.objects.filter(recipient=officer2_a).exists()
        with pytest.raises(ValidationError) as closed:
            warrant_task_update(
                actor=admin_a, task=task, lock_version=4, changes={"place": "x"}
            )
        assert closed.value.code == "warrant_task_closed"


def test_cancel_needs_a_reason(tenant_a, admin_a, order_a):
    task = _task(tenant_a, admin_a, order_a, kind=WarrantKind.NOTARY)
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as refused:
            warrant_task_update(
                actor=admin_a,
                task=task,
                lock_version=1,
                changes={"status": "cancelled"},
            )
        assert "reason" in refused.value.message_dict
        task = warrant_task_update(
            actor=admin_a,
            task=task,
            lock_version=1,
            changes={"status": "cancelled", "reason": "客户改为不公证"},
        )
    assert task.status == "cancelled" and task.note == "客户改为不公证"


def test_a_stale_change_is_a_conflict_and_writes_nothing(
    tenant_a, admin_a, order_a, officer_a
):
    task = _task(tenant_a, admin_a, order_a)
    with tenant_context(tenant_a):
        first = WarrantTask.objects.get(pk=task.pk)
        second = WarrantTask.objects.get(pk=task.pk)
        warrant_task_update(
            actor=admin_a, task=first, lock_version=1, changes={"place": "徐汇中心"}
        )
        with pytest.raises(ValidationError) as refused:
            warrant_task_update(
                actor=officer_a,
                task=second,
                lock_version=1,
                changes={"place": "浦东中心"},
            )
        assert refused.value.code == "warrant_conflict"
        assert (
            "version 2" in refused.value.messages[0] or "2" in refused.value.messages[0]
        )
        task.refresh_from_db()
        assert (task.place, task.lock_version) == ("徐汇中心", 2)


def test_a_lost_race_in_the_update_itself_is_a_conflict(tenant_a, admin_a, order_a):
    """The object read says version 1, but another writer got there between the read
    and the conditional UPDATE."""
    task = _task(tenant_a, admin_a, order_a)
    with tenant_context(tenant_a):
        WarrantTask.objects.filter(pk=task.pk).update(lock_version=2)
        with pytest.raises(ValidationError) as refused:
            warrant_task_update(
                actor=admin_a, task=task, lock_version=1, changes={"place": "x"}
            )
    assert refused.value.code == "warrant_conflict"


def test_cancelled_order_takes_no_new_task(tenant_a, admin_a, order_a):
    with tenant_context(tenant_a):
        type(order_a).objects.filter(pk=order_a.pk).update(status="cancelled")
        order_a.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _task(tenant_a, admin_a, order_a)
    assert refused.value.code == "warrant_order_closed"


# --- scope --------------------------------------------------------------------------


def test_salesperson_sees_tasks_of_own_orders_only_and_the_handler_theirs(
    tenant_a, admin_a, salesperson_a, order_a, officer_a, officer2_a
):
    other_sales = make_user(tenant_a, "sales2")
    other_order = make_order(tenant_a, admin_a, owner=other_sales, name="赵六")
    mine = _task(tenant_a, admin_a, order_a, officer_a)
    theirs = _task(tenant_a, admin_a, other_order, officer2_a)
    with tenant_context(tenant_a):
        assert {t.pk for t in selectors.tasks_visible_to(salesperson_a)} == {mine.pk}
        assert {t.pk for t in selectors.tasks_visible_to(officer_a)} == {mine.pk}
        assert {t.pk for t in selectors.tasks_visible_to(officer2_a)} == {theirs.pk}
        assert {t.pk for t in selectors.tasks_visible_to(admin_a)} == {
            mine.pk,
            theirs.pk,
        }


def test_task_pages_answer_404_outside_the_scope(
    client, tenant_a, admin_a, salesperson_a, officer_a
):
    other_sales = make_user(tenant_a, "sales2")
    other_order = make_order(tenant_a, admin_a, owner=other_sales, name="赵六")
    task = _task(tenant_a, admin_a, other_order, officer_a)
    force_session(client, salesperson_a)
    assert client.get("/warrants/tasks/%d/" % task.pk).status_code == 404
    listing = client.get("/warrants/tasks/")
    assert listing.status_code == 200
    assert other_order.number not in listing.content.decode()
    client.logout()
    force_session(client, officer_a)
    assert client.get("/warrants/tasks/%d/" % task.pk).status_code == 200


# --- pages --------------------------------------------------------------------------


def test_officer_creates_books_and_completes_a_task_through_the_pages(
    client, tenant_a, admin_a, order_a, officer_a
):
    with tenant_context(tenant_a):
        OrderParticipant.objects.create(order=order_a, user=officer_a)
    force_session(client, officer_a)
    url = "/warrants/orders/%d/tasks/new/" % order_a.pk
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "mortgage_registration",
            "handler": officer_a.pk,
            "appointment_at": _at(1, 9).strftime("%Y-%m-%dT%H:%M"),
            "place": "浦东不动产登记中心",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(tenant_a):
        task = WarrantTask.objects.get()
    page = client.get("/warrants/tasks/%d/" % task.pk)
    assert page.status_code == 200
    body = page.content.decode()
    assert "浦东不动产登记中心" in body and 'name="lock_version" value="1"' in body
    refused = client.post("/warrants/tasks/%d/done/" % task.pk, {"lock_version": 1})
    assert refused.status_code == 400
    assert 'data-field="certificate_number"' in refused.content.decode()
    done = client.post(
        "/warrants/tasks/%d/done/" % task.pk,
        {"lock_version": 1, "certificate_number": "沪(2026)不动产证明第001号"},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_stale_edit_on_the_page_shows_the_conflict(
    client, tenant_a, admin_a, order_a, officer_a
):
    task = _task(tenant_a, admin_a, order_a, officer_a)
    with tenant_context(tenant_a):
        warrant_task_update(
            actor=admin_a, task=task, lock_version=1, changes={"place": "一号窗口"}
        )
    force_session(client, officer_a)
    response = client.post(
        "/warrants/tasks/%d/edit/" % task.pk,
        {"lock_version": 1, "handler": officer_a.pk, "place": "二号窗口"},
    )
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert "一号窗口" in response.content.decode()  # the current state is shown
    task.refresh_from_db()
    assert task.place == "一号窗口"


def test_task_list_filters_and_counts(client, tenant_a, admin_a, order_a, officer_a):
    _task(tenant_a, admin_a, order_a, officer_a, appointment_at=_at(1))
    _task(tenant_a, admin_a, order_a, officer_a, kind=WarrantKind.APPRAISAL)
    force_session(client, admin_a)
    page = client.get("/warrants/tasks/")
    assert page.status_code == 200
    assert page.context["listing"].total == 2
    assert page.context["listing"].counts["booked"] == 1
    only = client.get("/warrants/tasks/?kind=appraisal&handler=%d" % officer_a.pk)
    assert len(only.context["listing"].page.object_list) == 1
    dated = client.get(
        "/warrants/tasks/?from=%s&to=%s" % (_at(1).date(), _at(1).date())
    )
    assert len(dated.context["listing"].page.object_list) == 1
    assert (
        client.get("/warrants/tasks/?handler=99999999999999999999").status_code == 200
    )


def test_week_view_shows_my_appointments_and_navigates(
    client, tenant_a, admin_a, order_a, officer_a
):
    now = timezone.localtime()
    monday = now.date() - dt.timedelta(days=now.weekday())
    in_week = timezone.make_aware(dt.datetime.combine(monday, dt.time(9, 30)))
    _task(
        tenant_a, admin_a, order_a, officer_a, appointment_at=in_week, place="一号窗口"
    )
    next_week = in_week + dt.timedelta(days=7)
    _task(
        tenant_a,
        admin_a,
        order_a,
        officer_a,
        appointment_at=next_week,
        place="二号窗口",
        kind=WarrantKind.NOTARY,
    )
    force_session(client, officer_a)
    page = client.get("/warrants/week/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "一号窗口" in body and "二号窗口" not in body
    assert body.count('data-testid="week-day"') == 7
    iso = (monday + dt.timedelta(days=7)).isocalendar()
    following = client.get("/warrants/week/?week=%d-W%02d" % (iso[0], iso[1]))
    assert "二号窗口" in following.content.decode()
    assert client.get("/warrants/week/?week=2026-W99").status_code == 200
    assert client.get("/warrants/week/?week=garbage").status_code == 200


def test_task_page_lists_the_customers_documents_of_its_kind(
    client, tenant_a, admin_a, order_a, officer_a
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from lenddesk.customers.documents import document_upload

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(png, format="PNG")
    with tenant_context(tenant_a):
        for kind in ("property_certificate", "bank_statement"):
            document_upload(
                actor=admin_a,
                customer=order_a.customer,
                kind=kind,
                upload=SimpleUploadedFile("%s.png" % kind, png.getvalue()),
            )
    task = _task(tenant_a, admin_a, order_a, officer_a)
    force_session(client, officer_a)
    page = client.get("/warrants/tasks/%d/" % task.pk)
    documents = page.context["documents"]
    assert [d.kind for d in documents] == ["property_certificate"]
    link = "/warrants/orders/%d/documents/%d/" % (order_a.pk, documents[0].pk)
    assert link in page.content.decode()
    assert client.get(link).status_code == 200  # the officer need not own the customer
    assert client.get("/customers/documents/%d/" % documents[0].pk).status_code == 404


def test_departure_hands_open_tasks_to_the_colleague(
    tenant_a, admin_a, order_a, officer_a, officer2_a
):
    from lenddesk.accounts.handover import HandoverTarget, TargetKind, user_depart

    open_task = _task(tenant_a, admin_a, order_a, officer_a)
    closed = _task(tenant_a, admin_a, order_a, officer_a, kind=WarrantKind.NOTARY)
    with tenant_context(tenant_a):
        warrant_task_update(
            actor=admin_a,
            task=closed,
            lock_version=1,
            changes={"status": "cancelled", "reason": "不需要"},
        )
        moved = user_depart(
            actor=admin_a,
            leaver=officer_a,
            target=HandoverTarget(kind=TargetKind.COLLEAGUE, colleague=officer2_a),
        )
        assert moved["warrants.tasks"] == 1
        open_task.refresh_from_db()
        closed.refresh_from_db()
        assert open_task.handler == officer2_a and open_task.lock_version == 2
        assert closed.handler == officer_a
        assert OrderParticipant.objects.filter(order=order_a, user=officer2_a).exists()
        assert open_task.pk in {t.pk for t in selectors.tasks_visible_to(officer2_a)}
