"""Customer documents (SECURITY T41): content checked, images cleaned, encrypted at
rest, scoped and audited downloads."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers.documents import document_upload
from lenddesk.customers.models import CustomerDocument
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _upload(tenant, actor, customer, name, data, kind="id_card"):
    with tenant_context(tenant):
        return document_upload(
            actor=actor,
            customer=customer,
            kind=kind,
            upload=SimpleUploadedFile(name, data),
        )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100),  # .exe renamed
        ("scan.pdf", b"<html><script>alert(1)</script></html>"),  # HTML as PDF
        ("logo.svg", b"<svg><script>alert(1)</script></svg>"),  # SVG refused outright
        ("big.png", b"\x89PNG" + b"\x00" * (10 * 1024 * 1024 + 10)),  # oversize
    ],
)
def test_hostile_uploads_are_refused(tenant_a, team, name, data):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"])
    with pytest.raises(ValidationError):
        _upload(tenant_a, team["s1"], customer, name, data)


def test_pixel_bomb_is_refused(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"])
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    with pytest.raises(ValidationError):
        _upload(tenant_a, team["s1"], customer, "bomb.png", out.getvalue())


def test_photo_is_cleaned_encrypted_versioned_and_downloadable(client, tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"])
    raw = jpeg_with_gps()
    first = _upload(tenant_a, team["s1"], customer, "../../etc/身份证.jpg", raw)
    second = _upload(tenant_a, team["s1"], customer, "身份证.jpg", raw)
    assert (first.version, second.version) == (1, 2)
    assert first.filename == "身份证.jpg"
    stored = (
        Path(settings.MEDIA_ROOT) / "private" / "documents" / first.stored_name
    ).read_bytes()
    assert b"JFIF" not in stored and b"Exif" not in stored  # encrypted
    force_session(client, team["s1"])
    response = client.get("/customers/documents/%d/" % first.pk)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.content)).getexif().get(0x8825) is None
    with tenant_context(tenant_a):
        assert (
            AuditEvent.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED).count()
            == 1
        )


def test_downloads_are_scoped(tenant_a, tenant_b, team, admin_b):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"])
    document = _upload(tenant_a, team["s1"], customer, "a.png", _png())
    colleague = Client()
    force_session(colleague, team["s2"])
    assert colleague.get("/customers/documents/%d/" % document.pk).status_code == 404
    stranger = Client()
    force_session(stranger, admin_b)
    assert stranger.get("/customers/documents/%d/" % document.pk).status_code == 404
    with tenant_context(tenant_a):
        assert CustomerDocument.objects.count() == 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(out, format="PNG")
    return out.getvalue()
