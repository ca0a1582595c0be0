"""Where the monthly reports' PDFs live: the way contracts keep their files
(``contracts.files``) — a random stored name in the private media folder, the content
encrypted with the firm's data key and bound to the firm and the name, read back only
through the report's download page."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lenddesk.security.crypto import decrypt, encrypt


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "private" / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _aad(tenant_id: int, name: str) -> str:
    return "%d|monthly_report|%s" % (tenant_id, name)


def store(tenant_id: int, data: bytes) -> StoredFile:
    name = uuid.uuid4().hex
    blob = encrypt(base64.b64encode(data).decode(), aad=_aad(tenant_id, name))
    (_folder() / name).write_bytes(blob)
    return StoredFile(
        name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data)
    )


def load(tenant_id: int, name: str) -> bytes:
    blob = (_folder() / name).read_bytes()
    return base64.b64decode(decrypt(blob, aad=_aad(tenant_id, name)))
