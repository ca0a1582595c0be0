"""The warrant API: tasks with optimistic versions (409 on a stale one), the custody
register that only grows (PATCH/PUT/DELETE answer 405), scope and the schema."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from lenddesk.accounts.services import token_issue
from lenddesk.orders.models import OrderParticipant
from lenddesk.tenancy.context import tenant_context
from lenddesk.warrants.models import CustodyEntry, CustodyItem
from tests.factories import make_user
from tests.warrants.conftest import make_order

pytestmark = pytest.mark.django_db


def _bearer(tenant, user):
    with tenant_context(tenant):
        _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": "Bearer " + raw}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 12), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def api(tenant_a, officer_a, order_a):
    with tenant_context(tenant_a):
        OrderParticipant.objects.create(order=order_a, user=officer_a)
    client = Client()
    client.defaults.update(_bearer(tenant_a, officer_a))
    return client


def _json(client, method, url, body):
    return getattr(client, method)(url, body, content_type="application/json")


def test_tasks_create_list_patch_and_conflict(api, tenant_a, order_a, officer_a):
    url = "/api/v1/orders/%d/warrant-tasks/" % order_a.pk
    bad = _json(api, "post", url, {"kind": "nonsense"})
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    created = _json(
        api,
        "post",
        url,
        {
            "kind": "appraisal",
            "handler": officer_a.pk,
            "appointment_at": when,
            "place": "现场",
        },
    )
    assert created.status_code == 201, created.json()
    task = created.json()
    assert (task["status"], task["lock_version"], task["handler"]) == (
        "booked",
        1,
        officer_a.pk,
    )
    assert [t["id"] for t in api.get(url).json()] == [task["id"]]
    detail = "/api/v1/warrant-tasks/%d/" % task["id"]
    assert api.get(detail).json()["place"] == "现场"
    moved = _json(api, "patch", detail, {"lock_version": 1, "place": "评估公司"})
    assert moved.status_code == 200 and moved.json()["lock_version"] == 2
    stale = _json(api, "patch", detail, {"lock_version": 1, "place": "别处"})
    assert stale.status_code == 409
    assert stale.json()["error"] == "warrant_conflict"
    assert api.get(detail).json()["place"] == "评估公司"
    no_number = _json(api, "patch", detail, {"lock_version": 2, "status": "done"})
    assert no_number.status_code == 400
    assert "certificate_number" in no_number.json()["fields"]
    done = _json(
        api,
        "patch",
        detail,
        {"lock_version": 2, "status": "done", "certificate_number": "评估报告2026-001"},
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    unknown = _json(api, "patch", detail, {"lock_version": 3, "handler": 10**30})
    assert unknown.status_code == 400 and "handler" in unknown.json()["fields"]
    assert api.delete(detail).status_code == 405


def test_task_api_scope_and_permissions(
    tenant_a, admin_a, salesperson_a, order_a, officer_a
):
    other_sales = make_user(tenant_a, "sales2")
    other = make_order(tenant_a, admin_a, owner=other_sales, name="赵六")
    admin = Client()
    admin.defaults.update(_bearer(tenant_a, admin_a))
    for order in (order_a, other):
        created = _json(
            admin,
            "post",
            "/api/v1/orders/%d/warrant-tasks/" % order.pk,
            {"kind": "notary", "handler": officer_a.pk},
        )
        assert created.status_code == 201
    sales = Client()
    sales.defaults.update(_bearer(tenant_a, salesperson_a))
    own = sales.get("/api/v1/orders/%d/warrant-tasks/" % order_a.pk)
    assert own.status_code == 200 and len(own.json()) == 1
    assert sales.get("/api/v1/orders/%d/warrant-tasks/" % other.pk).status_code == 404
    refused = _json(
        sales,
        "post",
        "/api/v1/orders/%d/warrant-tasks/" % order_a.pk,
        {"kind": "notary"},
    )
    assert refused.status_code == 403
    officer = Client()
    officer.defaults.update(_bearer(tenant_a, officer_a))
    handled = officer.get("/api/v1/orders/%d/warrant-tasks/" % other.pk)
    assert handled.status_code == 200 and len(handled.json()) == 1


def test_custody_api_receive_check_out_and_no_edits(
    api, tenant_a, order_a, officer_a, officer2_a
):
    url = "/api/v1/orders/%d/originals/" % order_a.pk
    empty = _json(
        api, "post", url, {"received_from": "王五", "location": "A", "items": []}
    )
    assert empty.status_code == 400
    assert any(name.startswith("items") for name in empty.json()["fields"])
    received = _json(
        api,
        "post",
        url,
        {
            "received_from": "王五",
            "location": "保险柜A-1",
            "items": [
                {"kind": "property_certificate", "number": "沪001234", "holder": "王五"}
            ],
        },
    )
    assert received.status_code == 201, received.json()
    (item,) = received.json()
    assert (
        item["receipt_number"].startswith("SJ")
        and item["current"]["action"] == "received"
    )
    assert [i["id"] for i in api.get(url).json()] == [item["id"]]
    entries = "/api/v1/originals/%d/entries/" % item["id"]
    due = (timezone.now() + dt.timedelta(days=2)).isoformat()
    missing = _json(api, "post", entries, {"action": "check_out", "to": officer2_a.pk})
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    out = _json(
        api,
        "post",
        entries,
        {
            "action": "check_out",
            "to": officer2_a.pk,
            "reason": "抵押登记",
            "due_back_at": due,
        },
    )
    assert out.status_code == 201, out.json()
    assert out.json()["current"]["action"] == "checked_out"
    assert out.json()["current"]["custodian"] == officer2_a.pk
    again = _json(
        api,
        "post",
        entries,
        {"action": "check_out", "to": officer2_a.pk, "reason": "x", "due_back_at": due},
    )
    assert again.status_code == 400 and again.json()["error"] == "already_checked_out"
    log = api.get(entries).json()
    assert [e["action"] for e in log] == ["received", "checked_out"]
    for method in ("patch", "put", "delete"):
        assert _json(api, method, entries, {"reason": "改"}).status_code == 405
    assert _json(api, "patch", url, {"location": "x"}).status_code == 405
    with tenant_context(tenant_a):
        assert CustodyEntry.objects.count() == 2
        assert CustodyItem.objects.get().holder == "王五"


def test_return_through_the_api_needs_the_scan(api, tenant_a, order_a, officer_a):
    received = _json(
        api,
        "post",
        "/api/v1/orders/%d/originals/" % order_a.pk,
        {
            "received_from": "王五",
            "location": "A",
            "items": [{"kind": "id_card", "holder": "王五"}],
        },
    )
    entries = "/api/v1/originals/%d/entries/" % received.json()[0]["id"]
    refused = _json(api, "post", entries, {"action": "returned", "returned_to": "王五"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "return_receipt_required"
    assert "receipt_scan" in refused.json()["fields"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    done = api.post(
        entries,
        {
            "action": "returned",
            "returned_to": "王五",
            "receipt_scan": SimpleUploadedFile(
                "签收.png", _png(), content_type="image/png"
            ),
        },
    )
    assert done.status_code == 201, done.json()
    assert done.json()["current"]["action"] == "returned"
    assert done.json()["current"]["receipt_scan"] is not None


def test_other_firm_and_out_of_scope_originals_are_404(
    tenant_a, tenant_b, admin_a, admin_b, salesperson_a, order_a
):
    foreign = make_order(tenant_b, admin_b, owner=admin_b)
    admin = Client()
    admin.defaults.update(_bearer(tenant_a, admin_a))
    assert admin.get("/api/v1/orders/%d/originals/" % foreign.pk).status_code == 404
    other_sales = make_user(tenant_a, "sales2")
    other = make_order(tenant_a, admin_a, owner=other_sales, name="赵六")
    received = _json(
        admin,
        "post",
        "/api/v1/orders/%d/originals/" % other.pk,
        {
            "received_from": "赵六",
            "location": "A",
            "items": [{"kind": "other", "holder": "赵六"}],
        },
    )
    assert received.status_code == 201
    sales = Client()
    sales.defaults.update(_bearer(tenant_a, salesperson_a))
    entries = "/api/v1/originals/%d/entries/" % received.json()[0]["id"]
    assert sales.get(entries).status_code == 404
    assert sales.get("/api/v1/orders/%d/originals/" % order_a.pk).json() == []


def test_schema_documents_the_warrant_endpoints(client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/orders/{id}/warrant-tasks/",
        "/api/v1/warrant-tasks/{id}/",
        "/api/v1/orders/{id}/originals/",
        "/api/v1/originals/{id}/entries/",
    ):
        assert path in paths, sorted(paths)[:40]
    patch = paths["/api/v1/warrant-tasks/{id}/"]["patch"]
    assert "409" in patch["responses"]
