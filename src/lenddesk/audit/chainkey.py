"""The audit chain's key: row hashes are HMAC-SHA256 under ``AUDIT_CHAIN_KEY``.

An unkeyed hash chain stops nobody who can write the table: drop the append-only
triggers, edit a row, recompute every later hash. With the key kept off the database
that recomputation is impossible, so ``audit verify`` catches the edit by itself
(external anchors still catch someone who also holds the key).

Chains written before the key existed stay verifiable: their rows up to the firm's
cut-over (``AuditChainHead.legacy_seq``, set by migration 0004) keep their unkeyed
SHA-256 hashes, and the cut-over itself is sealed with the key, so moving it to pass
re-hashed rows off as old ones is caught too. See
docs/decisions/0004-keyed-audit-chain.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32


def keyed_digest(message: bytes) -> str:
    mac = _mac_state(settings.AUDIT_CHAIN_KEY).copy()
    mac.update(message)
    return mac.hexdigest()


def legacy_digest(message: bytes) -> str:
    """The hash of rows written before the chain was keyed."""
    return hashlib.sha256(message).hexdigest()


def cutover_seal(*, tenant_id: int, legacy_seq: int, legacy_hash: str) -> str:
    """Binds a firm's cut-over (its last unkeyed row and that row's hash) to the key."""
    return keyed_digest(
        b"audit-chain-cutover|%d|%d|%s" % (tenant_id, legacy_seq, legacy_hash.encode())
    )


def seals_match(stored: str, expected: str) -> bool:
    return hmac.compare_digest(stored.encode(), expected.encode())


@lru_cache(maxsize=4)
def _mac_state(raw: str):
    """The keyed HMAC state, copied per message (no key setup per row)."""
    return hmac.new(_decode(raw), digestmod=hashlib.sha256)


def _decode(raw: str) -> bytes:
    try:
        key = base64.b64decode(str(raw).strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEY must be base64 of 32 random bytes "
            "(e.g. `openssl rand -base64 32`)."
        )
    return key
