"""The custody register of originals: received against a receipt, checked out and in,
moved, returned against a signed receipt scan; only appended to, never edited."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from PIL import Image

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import CustomerDocument
from lenddesk.notifications.models import Notification
from lenddesk.orders.models import OrderParticipant
from lenddesk.tenancy.context import tenant_context
from lenddesk.warrants import selectors
from lenddesk.warrants.models import CustodyAction, CustodyEntry, CustodyItem
from lenddesk.warrants.services import (
    Original,
    custody_check_in,
    custody_check_out,
    custody_move,
    custody_receive,
    custody_return,
)
from lenddesk.warrants.tasks import flag_overdue_checkouts_task
from tests.conftest import force_session
from tests.factories import make_user
from tests.warrants.conftest import make_order

pytestmark = pytest.mark.django_db

CERTIFICATE = Original(
    kind="property_certificate", number="沪(2024)浦字第001234号", holder="王五"
)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 12), "white").save(out, format="PNG")
    return out.getvalue()


def _receive(tenant, actor, order, *originals, **extra):
    with tenant_context(tenant):
        return custody_receive(
            actor=actor,
            order=order,
            originals=list(originals or [CERTIFICATE]),
            received_from=extra.pop("received_from", "王五"),
            location=extra.pop("location", "保险柜A-1"),
            **extra,
        )


def _later(hours=48):
    return timezone.now() + dt.timedelta(hours=hours)


def _state(tenant, actor, item):
    with tenant_context(tenant):
        return selectors.item_get(actor=actor, item_id=item.pk).current


# --- receiving ----------------------------------------------------------------------


def test_receipts_are_numbered_per_firm_without_gaps(
    tenant_a, tenant_b, admin_a, admin_b, order_a, officer_a
):
    year = timezone.localdate().year
    first = _receive(
        tenant_a,
        officer_a,
        order_a,
        CERTIFICATE,
        Original(kind="id_card", holder="王五"),
    )
    assert {i.receipt_number for i in first} == {"SJ%d-00001" % year}
    with pytest.raises(ValidationError):  # refused: uses no number
        _receive(tenant_a, officer_a, order_a, Original(kind="bogus", holder="x"))
    second = _receive(
        tenant_a, officer_a, order_a, Original(kind="other", holder="王五")
    )
    assert second[0].receipt_number == "SJ%d-00002" % year
    other_firm_order = make_order(tenant_b, admin_b, owner=admin_b)
    assert _receive(tenant_b, admin_b, other_firm_order)[0].receipt_number == (
        "SJ%d-00001" % year
    )
    with tenant_context(tenant_a):
        assert OrderParticipant.objects.filter(order=order_a, user=officer_a).exists()
        assert AuditEvent.objects.filter(action="custody.received").count() == 3
        first_entry = CustodyEntry.objects.filter(item=first[0]).get()
        custodian = first_entry.custodian
    assert first_entry.action == CustodyAction.RECEIVED
    assert (first_entry.location, custodian) == ("保险柜A-1", officer_a)


def test_entered_receipt_numbers(tenant_a, admin_a, order_a, officer_a):
    paper = _receive(tenant_a, officer_a, order_a, receipt_number="纸质-0088")
    assert paper[0].receipt_number == "纸质-0088"
    more = _receive(
        tenant_a,
        officer_a,
        order_a,
        Original(kind="id_card", holder="王五"),
        receipt_number="纸质-0088",
    )
    assert more[0].receipt_number == "纸质-0088"
    with pytest.raises(ValidationError) as reserved:
        _receive(
            tenant_a,
            officer_a,
            order_a,
            receipt_number="SJ%d-00077" % timezone.localdate().year,
        )
    assert reserved.value.code == "receipt_number_invalid"
    other = make_order(tenant_a, admin_a, owner=admin_a, name="赵六")
    with pytest.raises(ValidationError) as elsewhere:
        _receive(tenant_a, officer_a, other, receipt_number="纸质-0088")
    assert "receipt_number" in elsewhere.value.message_dict
    with pytest.raises(ValidationError) as twice:
        _receive(tenant_a, officer_a, order_a, receipt_number="纸质-0088")
    assert "items" in twice.value.message_dict


# --- the steps ----------------------------------------------------------------------


def test_check_out_check_in_move_and_their_refusals(
    tenant_a, admin_a, order_a, officer_a, officer2_a
):
    (item,) = _receive(tenant_a, officer_a, order_a)
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as not_out:
            custody_check_in(actor=officer_a, item=item)
        assert not_out.value.code == "not_checked_out"
        with pytest.raises(ValidationError) as past:
            custody_check_out(
                actor=officer_a,
                item=item,
                to=officer2_a,
                reason="办理抵押登记",
                due_back_at=timezone.now() - dt.timedelta(hours=1),
            )
        assert "due_back_at" in past.value.message_dict
        custody_check_out(
            actor=officer_a,
            item=item,
            to=officer2_a,
            reason="办理抵押登记",
            due_back_at=_later(),
        )
        with pytest.raises(ValidationError) as twice:
            custody_check_out(
                actor=officer_a,
                item=item,
                to=officer_a,
                reason="x",
                due_back_at=_later(),
            )
        assert twice.value.code == "already_checked_out"
        with pytest.raises(ValidationError) as moving_out:
            custody_move(actor=officer_a, item=item, location="保险柜B")
        assert moving_out.value.code == "already_checked_out"
        assert Notification.objects.filter(
            recipient=officer2_a, kind="warrants.custody"
        ).exists()
        assert OrderParticipant.objects.filter(order=order_a, user=officer2_a).exists()
    out = _state(tenant_a, officer_a, item)
    assert (out.action, out.custodian, out.location) == (
        "checked_out",
        officer2_a,
        "保险柜A-1",
    )
    with tenant_context(tenant_a):
        custody_check_in(actor=officer2_a, item=item)
        custody_move(actor=officer_a, item=item, location="档案室2号柜", reason="整理")
        actions = list(
            CustodyEntry.objects.filter(item=item)
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == ["received", "checked_out", "checked_in", "moved"]
    now = _state(tenant_a, officer_a, item)
    assert (now.location, now.custodian) == ("档案室2号柜", officer_a)


def test_return_needs_the_signed_receipt_scan(tenant_a, admin_a, order_a, officer_a):
    (item,) = _receive(tenant_a, officer_a, order_a)
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as refused:
            custody_return(actor=officer_a, item=item, returned_to="王五")
        assert refused.value.code == "return_receipt_required"
        assert "receipt_scan" in refused.value.message_dict
        assert CustodyEntry.objects.filter(item=item).count() == 1
        foreign = make_order(tenant_a, admin_a, owner=admin_a, name="赵六")
        with pytest.raises(ValidationError) as wrong_doc:
            custody_return(
                actor=officer_a,
                item=item,
                returned_to="王五",
                document_id=_scan_of(foreign, officer_a).pk,
            )
        assert wrong_doc.value.code == "return_receipt_required"
        entry = custody_return(
            actor=officer_a,
            item=item,
            returned_to="王五",
            upload=SimpleUploadedFile("签收单.png", _png()),
        )
        scan = CustomerDocument.objects.get(pk=entry.receipt_scan_id)
        assert scan.customer_id == order_a.customer_id
        assert entry.action == "returned" and "王五" in entry.reason
        with pytest.raises(ValidationError) as again:
            custody_check_out(
                actor=officer_a,
                item=item,
                to=officer_a,
                reason="x",
                due_back_at=_later(),
            )
        assert again.value.code == "already_returned"


def _scan_of(order, actor):
    from lenddesk.customers.documents import document_upload

    return document_upload(
        actor=actor,
        customer=order.customer,
        kind="other",
        upload=SimpleUploadedFile("a.png", _png()),
    )


def test_return_while_checked_out_is_refused(tenant_a, order_a, officer_a):
    (item,) = _receive(tenant_a, officer_a, order_a)
    with tenant_context(tenant_a):
        custody_check_out(
            actor=officer_a,
            item=item,
            to=officer_a,
            reason="面签",
            due_back_at=_later(),
        )
        with pytest.raises(ValidationError) as refused:
            custody_return(
                actor=officer_a,
                item=item,
                returned_to="王五",
                upload=SimpleUploadedFile("a.png", _png()),
            )
    assert refused.value.code == "not_in_custody"


def test_the_register_cannot_be_updated_or_deleted_in_the_database(
    tenant_a, order_a, officer_a
):
    (item,) = _receive(tenant_a, officer_a, order_a)
    with tenant_context(tenant_a):
        entry = CustodyEntry.objects.get(item=item)
        for attempt in (
            lambda: CustodyEntry.objects.filter(pk=entry.pk).update(location="别处"),
            lambda: CustodyEntry.objects.filter(pk=entry.pk).delete(),
            lambda: CustodyItem.objects.filter(pk=item.pk).update(holder="别人"),
            lambda: CustodyItem.objects.filter(pk=item.pk).delete(),
        ):
            # (the ORM's own PROTECT guard stops an item's delete even earlier)
            refused = pytest.raises(DatabaseError, match=r"append-only|protected")
            with refused, transaction.atomic():
                attempt()
        for sql in (
            "UPDATE warrants_custodyitem SET holder = 'x' WHERE id = %s",
            "DELETE FROM warrants_custodyitem WHERE id = %s",
        ):
            refused = pytest.raises(DatabaseError, match="append-only")
            with refused, transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [item.pk])
        entry.refresh_from_db()
        assert entry.location == "保险柜A-1"


# --- overdue ------------------------------------------------------------------------


def _overdue_entry(tenant, item, officer, to):
    """A check-out whose due-back time has passed, recorded late (补录)."""
    with tenant_context(tenant):
        return custody_check_out(
            actor=officer,
            item=item,
            to=to,
            reason="送银行",
            due_back_at=timezone.now() - dt.timedelta(hours=3),
            recorded_late=True,
        )


def test_overdue_check_outs_are_flagged_and_notified_once_a_day(
    client, tenant_a, admin_a, order_a, officer_a, officer2_a
):
    late, on_time = _receive(
        tenant_a,
        officer_a,
        order_a,
        CERTIFICATE,
        Original(kind="id_card", holder="王五"),
    )
    processor = make_user(tenant_a, "proc1", role_keys=["processor"])
    _overdue_entry(tenant_a, late, officer_a, processor)
    with tenant_context(tenant_a):
        custody_check_out(
            actor=officer_a,
            item=on_time,
            to=officer2_a,
            reason="面签",
            due_back_at=_later(),
        )
        assert [i.pk for i in selectors.overdue_checkouts()] == [late.pk]
    assert flag_overdue_checkouts_task() == 1
    assert flag_overdue_checkouts_task() == 1  # the same day: nobody hears twice
    with tenant_context(tenant_a):
        told = Notification.objects.filter(kind="warrants.overdue")
        assert sorted(told.values_list("recipient__username", flat=True)) == [
            "admin",
            "proc1",
            "warrant1",
            "warrant2",
        ]
    force_session(client, officer_a)
    page = client.get("/warrants/custody/?overdue=1")
    assert page.status_code == 200
    assert [i.pk for i in page.context["listing"].page.object_list] == [late.pk]
    assert 'data-testid="overdue"' in page.content.decode()
    assert page.context["listing"].overdue == 1
    home = client.get("/")
    assert 'data-testid="home-warrants"' in home.content.decode()
    assert home.context["panels"][0] is not None


# --- pages --------------------------------------------------------------------------


def test_officer_checks_out_a_certificate_and_the_log_shows_it_with_no_edit(
    client, tenant_a, admin_a, order_a, officer_a, officer2_a
):
    """Done-when: a warrant officer checks out an original property certificate, the
    custody log shows it, and nothing on the page edits or deletes it."""
    with tenant_context(tenant_a):
        OrderParticipant.objects.create(order=order_a, user=officer_a)
    force_session(client, officer_a)
    form = client.get("/warrants/orders/%d/originals/new/" % order_a.pk)
    assert form.status_code == 200
    received = client.post(
        "/warrants/orders/%d/originals/new/" % order_a.pk,
        {
            "received_from": "王五",
            "location": "保险柜A-1",
            "kind_0": "property_certificate",
            "number_0": "沪(2024)浦字第001234号",
            "holder_0": "王五",
            "kind_1": "id_card",
            "holder_1": "",
        },
    )
    assert received.status_code == 400
    assert 'data-field="holder_1"' in received.content.decode()
    received = client.post(
        "/warrants/orders/%d/originals/new/" % order_a.pk,
        {
            "received_from": "王五",
            "location": "保险柜A-1",
            "kind_0": "property_certificate",
            "number_0": "沪(2024)浦字第001234号",
            "holder_0": "王五",
            "kind_1": "id_card",
            "holder_1": "王五",
        },
    )
    assert received.status_code == 302
    receipt = client.get(received["Location"])
    body = receipt.content.decode()
    assert receipt.status_code == 200 and "沪(2024)浦字第001234号" in body
    assert body.count("<tr>") >= 3  # header and both papers
    with tenant_context(tenant_a):
        item = CustodyItem.objects.get(kind="property_certificate")
    url = "/warrants/originals/%d/check-out/" % item.pk
    assert client.get(url).status_code == 200
    due = timezone.localtime(_later()).strftime("%Y-%m-%dT%H:%M")
    done = client.post(
        url, {"to": officer2_a.pk, "reason": "办理抵押登记", "due_back_at": due}
    )
    assert done.status_code == 302
    page = client.get("/warrants/originals/%d/" % item.pk)
    body = page.content.decode()
    assert page.status_code == 200
    assert "办理抵押登记" in body and str(officer2_a) in body
    assert "/edit" not in body and "delete" not in body.lower()
    assert 'method="post"' not in body.split('data-testid="custody-log"')[1]
    register = client.get("/warrants/custody/?state=out")
    assert [i.pk for i in register.context["listing"].page.object_list] == [item.pk]
    again = client.post(url, {"to": officer2_a.pk, "reason": "x", "due_back_at": due})
    assert again.status_code == 400
    assert 'data-testid="form-errors"' in again.content.decode()


def test_return_page_refuses_without_a_scan_and_keeps_it_with_one(
    client, tenant_a, order_a, officer_a
):
    (item,) = _receive(tenant_a, officer_a, order_a)
    force_session(client, officer_a)
    url = "/warrants/originals/%d/return/" % item.pk
    refused = client.post(url, {"returned_to": "王五"})
    assert refused.status_code == 400
    assert 'data-field="receipt_scan"' in refused.content.decode()
    upload = SimpleUploadedFile("签收单.png", _png(), content_type="image/png")
    done = client.post(url, {"returned_to": "王五", "receipt_scan": upload})
    assert done.status_code == 302
    page = client.get("/warrants/originals/%d/" % item.pk).content.decode()
    link = "/warrants/orders/%d/documents/" % order_a.pk
    assert link in page
    scan_url = page.split(link)[1].split('"')[0]
    download = client.get(link + scan_url)
    assert (
        download.status_code == 200 and download["Cache-Control"] == "no-store, private"
    )


def test_register_scope_and_404s(
    client, tenant_a, admin_a, salesperson_a, order_a, officer_a
):
    (mine,) = _receive(tenant_a, officer_a, order_a)
    other_sales = make_user(tenant_a, "sales2")
    other = make_order(tenant_a, admin_a, owner=other_sales, name="赵六")
    (theirs,) = _receive(tenant_a, admin_a, other)
    with tenant_context(tenant_a):
        assert [i.pk for i in selectors.items_visible_to(salesperson_a)] == [mine.pk]
        assert [i.pk for i in selectors.items_visible_to(officer_a)] == [mine.pk]
    force_session(client, salesperson_a)
    assert client.get("/warrants/originals/%d/" % theirs.pk).status_code == 404
    assert client.get("/warrants/originals/%d/receipt/" % theirs.pk).status_code == 404
    assert client.get("/warrants/originals/%d/" % mine.pk).status_code == 200
    assert client.get("/warrants/originals/%d/check-out/" % mine.pk).status_code == 403
    register = client.get("/warrants/custody/")
    assert register.context["listing"].total == 1


def test_order_page_panel_lists_tasks_and_originals_with_quick_actions(
    tenant_a, admin_a, salesperson_a, order_a, officer_a
):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from lenddesk.orders.panels import order_panels_for
    from lenddesk.warrants.services import warrant_task_create

    (item,) = _receive(tenant_a, officer_a, order_a)
    with tenant_context(tenant_a):
        warrant_task_create(
            actor=officer_a,
            order=order_a,
            kind="mortgage_registration",
            handler=officer_a,
        )
    for user, manages in ((officer_a, True), (salesperson_a, False)):
        request = RequestFactory().get("/orders/%d/" % order_a.pk)
        request.user = user
        with tenant_context(tenant_a):
            panel = next(
                p for p in order_panels_for(request, order_a) if p["key"] == "warrants"
            )
            html = render_to_string(
                panel["template"], {"panel": panel, "user": user}, request=request
            )
        assert len(panel["warrant_tasks"]) == 1 and len(panel["originals"]) == 1
        assert "/warrants/originals/%d/" % item.pk in html
        assert ("/warrants/originals/%d/check-out/" % item.pk in html) is manages
        assert ("/warrants/orders/%d/tasks/new/" % order_a.pk in html) is manages


def test_the_order_page_shows_the_warrant_panel(client, tenant_a, order_a, officer_a):
    (item,) = _receive(tenant_a, officer_a, order_a)
    force_session(client, officer_a)
    page = client.get("/orders/%d/" % order_a.pk)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="panel-warrants"' in body
    assert "/warrants/originals/%d/check-out/" % item.pk in body
