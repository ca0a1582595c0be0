"""Call recordings: encrypted before they touch the disk (as customer documents
are), read back only for people allowed to hear them, every play and download
audited."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path

from django.conf import settings

from lenddesk.audit.services import audit_record
from lenddesk.security.crypto import decrypt, encrypt
from lenddesk.telephony import audit_actions as A
from lenddesk.telephony.models import CallRecord

MAX_BYTES = 20 * 1024 * 1024


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "private" / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _aad(call: CallRecord) -> str:
    return "%d|recording|%s" % (call.tenant_id, call.recording_name)


def recording_store(call: CallRecord, data: bytes) -> bool:
    """Keep the recording of a call once (a second delivery changes nothing)."""
    if not data or len(data) > MAX_BYTES or call.recording_name:
        return False
    name = uuid.uuid4().hex
    sealed = CallRecord(pk=call.pk, tenant_id=call.tenant_id, recording_name=name)
    blob = encrypt(base64.b64encode(data).decode(), aad=_aad(sealed))
    claimed = CallRecord.objects.filter(pk=call.pk, recording_name="").update(
        recording_name=name,
        recording_size=len(data),
        recording_sha256=hashlib.sha256(data).hexdigest(),
    )
    if claimed:
        (_folder() / name).write_bytes(blob)
        call.recording_name, call.recording_size = name, len(data)
    return bool(claimed)


def recording_bytes(call: CallRecord) -> bytes:
    """The decrypted recording. Callers check who may hear it (``recording_read``)."""
    blob = (_folder() / call.recording_name).read_bytes()
    return base64.b64decode(decrypt(blob, aad=_aad(call)))


def recording_read(*, actor, call: CallRecord, download: bool, first: bool) -> bytes:
    """For a permitted person (the view checked ``telephony.recordings`` and the
    scope). A download is audited every time; playing is audited on its first
    request (a player asks for many byte ranges)."""
    data = recording_bytes(call)
    if download or first:
        audit_record(
            actor=actor,
            action=A.RECORDING_DOWNLOADED if download else A.RECORDING_PLAYED,
            target=call.customer,
            changes={"call": call.pk},
        )
    return data
