"""Excel export (SECURITY T43, T44): permission, masking, formula neutralising,
watermark and audit."""

import hashlib
import io
import zipfile

from django.test import Client

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer

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


def test_large_exports_run_in_the_background(
    client, tenant_a, admin_a, team, django_capture_on_commit_callbacks
):
    from lenddesk.customers import exports
    from lenddesk.customers.models import ExportJob

    for i in range(6):
        add_customer(
            tenant_a, admin_a, owner=admin_a, name="客户%d" % i, phone="1390000%04d" % i
        )
    original = exports.MAX_SYNC_ROWS
    exports.MAX_SYNC_ROWS = 3
    try:
        force_session(client, admin_a)
        with django_capture_on_commit_callbacks(execute=True):
            queued = client.get("/customers/export.xlsx?rating=")
    finally:
        exports.MAX_SYNC_ROWS = original
    assert queued.status_code == 302 and queued["Location"] == "/customers/exports/"
    with tenant_context(tenant_a):
        job = ExportJob.objects.get()
    assert job.status == "completed" and job.rows == 6
    listing = client.get("/customers/exports/").content.decode()
    assert "/customers/exports/%d/" % job.pk in listing
    download = client.get("/customers/exports/%d/" % job.pk)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == job.sha256
    sheet = (
        zipfile.ZipFile(io.BytesIO(download.content))
        .read("xl/worksheets/sheet1.xml")
        .decode()
    )
    assert "139****0001" in sheet and "13900000001" not in sheet
    other = Client()
    force_session(other, team["lead1"])
    assert other.get("/customers/exports/%d/" % job.pk).status_code in (403, 404)
