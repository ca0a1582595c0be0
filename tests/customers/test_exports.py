"""Excel export (SECURITY T43, T44): permission, masking, formula neutralising,
watermark and audit."""

import hashlib
import io
import zipfile

import pytest
from django.test import Client

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user

HOSTILE = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=x", '=HYPERLINK("http://e","x")']


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_export_needs_permission(client, tenant_a, team):
    force_session(client, team["s1"])
    assert client.get("/customers/export.xlsx").status_code == 403


def test_export_is_masked_neutralised_watermarked_and_audited(
    client, tenant_a, admin_a
):
    for i, name in enumerate(HOSTILE):
        add_customer(
            tenant_a, admin_a, owner=admin_a, name=name, phone="1390000%04d" % i
        )
    force_session(client, admin_a)
    response = client.get("/customers/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = _download(response)
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "13900000001" not in sheet and "139****0001" in sheet
    for value in HOSTILE:
        stored = value.strip()  # names are stored trimmed
        escaped = (
            stored.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        )
        assert ("'" + escaped) in sheet or ("'" + stored) in sheet
    assert "admin" in sheet  # watermark
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action=AuditAction.CUSTOMERS_EXPORTED)
    assert event.changes["rows"] == len(HOSTILE)
    assert event.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert "phone" in event.changes["fields"]


def test_full_numbers_need_reveal_right_and_purpose(client, tenant_a, admin_a, team):
    add_customer(tenant_a, admin_a, owner=admin_a, name="张三", phone="13900001234")
    force_session(client, admin_a)
    refused = client.post(
        "/customers/export.xlsx", {"full_numbers": "1", "purpose": ""}
    )
    assert refused.status_code == 302
    full = client.post(
        "/customers/export.xlsx", {"full_numbers": "1", "purpose": "银行对账"}
    )
    sheet = (
        zipfile.ZipFile(io.BytesIO(_download(full)))
        .read("xl/worksheets/sheet1.xml")
        .decode()
    )
    assert "13900001234" in sheet
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action=AuditAction.CUSTOMERS_EXPORTED)
    assert event.purpose == "银行对账" and event.changes["full_numbers"] is True


def _many_customers(tenant, owner, count=6):
    for i in range(count):
        add_customer(
            tenant, owner, owner=owner, name="客户%d" % i, phone="1390000%04d" % i
        )


@pytest.fixture
def small_limit(monkeypatch):
    from lenddesk.customers import exports

    monkeypatch.setattr(exports, "MAX_SYNC_ROWS", 3)


def test_large_export_waits_for_someone_elses_approval(
    client, tenant_a, admin_a, team, small_limit, django_capture_on_commit_callbacks
):
    """T44: above the limit → 202 pending approval, no file; the requester cannot
    approve; another manager approves; the worker writes a watermarked, audited file
    only the requester can download."""
    from lenddesk.customers.models import ExportJob
    from lenddesk.notifications.models import Notification

    gm = make_user(tenant_a, "gm2", role_keys=["general_manager"])
    _many_customers(tenant_a, admin_a)
    force_session(client, gm)
    queued = client.get("/customers/export.xlsx?rating=")
    assert queued.status_code == 202
    assert "需要经理审批" in queued.content.decode() or "approval" in (
        queued.content.decode()
    )
    with tenant_context(tenant_a):
        job = ExportJob.objects.get()
        assert (job.approval, job.status, job.stored_name) == ("pending", "queued", "")
        assert Notification.objects.filter(
            recipient=admin_a, kind="customers.export_approval"
        ).exists()
    assert client.get("/customers/exports/%d/" % job.pk).status_code == 404
    refused = client.post(
        "/customers/exports/%d/decide/" % job.pk, {"decision": "approve"}
    )
    assert refused.status_code == 302
    with tenant_context(tenant_a):
        job.refresh_from_db()
        assert job.approval == "pending"

    approver = Client()
    force_session(approver, admin_a)
    assert str(job.pk) in approver.get("/customers/exports/approvals/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        approver.post("/customers/exports/%d/decide/" % job.pk, {"decision": "approve"})
    with tenant_context(tenant_a):
        job.refresh_from_db()
        assert (job.approval, job.status, job.rows) == ("approved", "completed", 6)
        audit = AuditEvent.objects.filter(action=AuditAction.CUSTOMERS_EXPORTED).get()
        assert audit.changes["rows"] == 6 and audit.changes["sha256"] == job.sha256
        assert "filter" in audit.changes and "phone" in audit.changes["fields"]
        assert AuditEvent.objects.filter(
            action=AuditAction.EXPORT_APPROVED, actor=admin_a
        ).exists()
        assert Notification.objects.filter(
            recipient=gm, kind="customers.export_decided"
        ).exists()
    download = client.get("/customers/exports/%d/" % job.pk)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(download.content).hexdigest() == job.sha256
    sheet = (
        zipfile.ZipFile(io.BytesIO(download.content))
        .read("xl/worksheets/sheet1.xml")
        .decode()
    )
    assert "139****0001" in sheet and "13900000001" not in sheet
    assert "gm2" in sheet  # the watermark names the requester
    assert approver.get("/customers/exports/%d/" % job.pk).status_code == 404
    other = Client()
    force_session(other, team["lead1"])
    assert other.get("/customers/exports/%d/" % job.pk).status_code in (403, 404)


def test_rejected_export_needs_a_reason_and_never_runs(
    client, tenant_a, admin_a, small_limit, django_capture_on_commit_callbacks
):
    from lenddesk.customers.models import ExportJob

    gm = make_user(tenant_a, "gm2", role_keys=["general_manager"])
    _many_customers(tenant_a, gm)
    force_session(client, admin_a)
    assert client.get("/customers/export.xlsx").status_code == 202
    with tenant_context(tenant_a):
        job = ExportJob.objects.get()
    approver = Client()
    force_session(approver, gm)
    approver.post("/customers/exports/%d/decide/" % job.pk, {"decision": "reject"})
    with tenant_context(tenant_a):
        job.refresh_from_db()
        assert job.approval == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        approver.post(
            "/customers/exports/%d/decide/" % job.pk,
            {"decision": "reject", "note": "客户名单不得整体导出"},
        )
    with tenant_context(tenant_a):
        job.refresh_from_db()
        assert (job.approval, job.stored_name) == ("rejected", "")
    page = client.get("/customers/exports/").content.decode()
    assert "客户名单不得整体导出" in page


def test_export_api_answers_202_then_serves_the_file(
    client, tenant_a, admin_a, team, small_limit, django_capture_on_commit_callbacks
):
    from lenddesk.accounts.services import token_issue
    from lenddesk.customers.exports import export_decide
    from lenddesk.customers.models import ExportJob

    gm = make_user(tenant_a, "gm2", role_keys=["general_manager"])
    _many_customers(tenant_a, admin_a)
    with tenant_context(tenant_a):
        _t, raw = token_issue(user=gm)
        _t, seller_raw = token_issue(user=team["s1"])
    auth = {"HTTP_AUTHORIZATION": "Bearer " + raw}
    denied = client.post(
        "/api/v1/customers/exports/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + seller_raw,
    )
    assert denied.status_code == 403
    bad = client.post(
        "/api/v1/customers/exports/",
        {"rating": "Z"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and "rating" in bad.json()["fields"]
    pending = client.post(
        "/api/v1/customers/exports/", {}, content_type="application/json", **auth
    )
    assert pending.status_code == 202
    body = pending.json()
    assert body["approval"] == "pending" and body["download"] is None
    assert body["estimated_rows"] == 6
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        export_decide(actor=admin_a, job=ExportJob.objects.get(), approve=True)
    done = client.get("/api/v1/customers/exports/%d/" % body["id"], **auth).json()
    assert done["status"] == "completed" and done["rows"] == 6
    data = client.get(done["download"], **auth)
    assert data.status_code == 200
    assert hashlib.sha256(data.content).hexdigest() == done["sha256"]
