"""Customer documents: checked by content (not by name), images re-encoded so EXIF
and hidden payloads are gone, encrypted before they touch the disk, downloads audited."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import uuid
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from PIL import Image

from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.errors import CreditReportGuarded
from lenddesk.customers.models import Customer, CustomerDocument, DocumentKind
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.customers.services.timeline import timeline
from lenddesk.security.crypto import decrypt, encrypt

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# extension → the MIME type the content itself must have
ALLOWED = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "private" / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _aad(document: CustomerDocument) -> str:
    return "%d|document|%s" % (document.tenant_id, document.stored_name)


def safe_filename(name: str) -> str:
    """Only the last path part, without control characters, at most 120 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", base).strip(". ") or "file"
    return base[-120:]


def _reencode(data: bytes, mime: str) -> bytes:
    """Decode and re-encode images: drops EXIF (GPS!) and anything appended."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"file": _("The image has too many pixels.")})
            image.load()
            clean = image.convert("RGB") if mime == "image/jpeg" else image.copy()
    except Image.DecompressionBombError as exc:
        raise ValidationError({"file": _("The image has too many pixels.")}) from exc
    except (OSError, ValueError) as exc:
        raise ValidationError({"file": _("The image could not be read.")}) from exc
    out = io.BytesIO()
    clean.save(out, format="JPEG" if mime == "image/jpeg" else "PNG", quality=90)
    return out.getvalue()


@transaction.atomic
def document_upload(
    *, actor, customer: Customer, kind: str, upload
) -> CustomerDocument:
    ensure_owned(customer)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose the kind of document.")})
    name = safe_filename(upload.name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise ValidationError({"file": _("Upload a JPG, PNG or PDF file.")})
    if upload.size > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    data = upload.read()
    sniffed = filetype.guess_mime(data[:8192])
    if sniffed != ALLOWED[extension]:
        raise ValidationError(
            {"file": _("The content of this file does not match its name.")}
        )
    if sniffed.startswith("image/"):
        data = _reencode(data, sniffed)
    version = (
        CustomerDocument.objects.filter(customer=customer, kind=kind).aggregate(
            v=Max("version")
        )["v"]
        or 0
    ) + 1
    document = CustomerDocument(
        customer=customer,
        kind=kind,
        version=version,
        filename=name,
        content_type=sniffed,
        size=len(data),
        stored_name=uuid.uuid4().hex,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    document.tenant_id = customer.tenant_id
    (_folder() / document.stored_name).write_bytes(
        encrypt(base64.b64encode(data).decode(), aad=_aad(document))
    )
    document.save()
    timeline(
        customer,
        actor,
        "document",
        _("Document: %(kind)s v%(v)d")
        % {"kind": document.get_kind_display(), "v": version},
    )
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_UPLOADED,
        target=customer,
        changes={"kind": kind, "version": version, "sha256": document.sha256},
    )
    return document


def document_read(*, actor, document: CustomerDocument) -> bytes:
    """The plaintext for a download; the download is audited. A credit report is
    refused here: it opens only through ``services.credit.credit_report_open``."""
    ensure_owned(document.customer)
    if document.kind == DocumentKind.CREDIT_REPORT:
        audit_record(
            actor=actor,
            action=AuditAction.ACCESS_DENIED,
            target=document.customer,
            result="refused",
            reason="credit report through the ordinary document download",
        )
        raise CreditReportGuarded(
            _(
                "A credit report opens only through “View credit report”, with a "
                "valid authorisation and a purpose."
            )
        )
    data = document_bytes(document)
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_DOWNLOADED,
        target=document.customer,
        changes={"kind": document.kind, "version": document.version},
    )
    return data


def document_bytes(document: CustomerDocument) -> bytes:
    """The stored file, decrypted. Callers check who may read it and audit it."""
    blob = (_folder() / document.stored_name).read_bytes()
    return base64.b64decode(decrypt(blob, aad=_aad(document)))
