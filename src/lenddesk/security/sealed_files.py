"""Files kept sealed in the private media folder: a random stored name, the content
encrypted with the firm's data key and bound to the firm, the kind and the name (so a
file cannot be passed off as another firm's or another kind's), read back only through
the services that audit the download."""

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


@dataclass(frozen=True)
class SealedFolder:
    folder: str  # under MEDIA_ROOT/private/
    kind: str  # bound into the encryption, never change it for stored files

    def _path(self) -> Path:
        path = Path(settings.MEDIA_ROOT) / "private" / self.folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _aad(self, tenant_id: int, name: str) -> str:
        return "%d|%s|%s" % (tenant_id, self.kind, name)

    def store(self, tenant_id: int, data: bytes) -> StoredFile:
        name = uuid.uuid4().hex
        blob = encrypt(base64.b64encode(data).decode(), aad=self._aad(tenant_id, name))
        (self._path() / name).write_bytes(blob)
        return StoredFile(
            name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data)
        )

    def load(self, tenant_id: int, name: str) -> bytes:
        blob = (self._path() / name).read_bytes()
        return base64.b64decode(decrypt(blob, aad=self._aad(tenant_id, name)))
