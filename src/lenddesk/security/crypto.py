"""Field encryption, blind indexes, and the normalisation both depend on (SECURITY.md
§2.4).

Each firm has its own data keys (``TenantDataKey``), stored wrapped by a key-encryption
key from ``FIELD_ENCRYPTION_KEYS``. A value is sealed with AES-256-GCM; the stored blob is
``b"\\x01" + key_id (4 bytes, big-endian) + nonce (12) + ciphertext || tag`` and the
caller's AAD binds it to one firm, table, column and row, so a blob copied elsewhere
fails to open. Exact search uses an HMAC-SHA256 blind index with a per-firm key derived
from ``BLIND_INDEX_KEY``; neither key is ever stored in the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from lenddesk.security.errors import SecurityError
from lenddesk.security.models import DataKeyStatus, TenantDataKey
from lenddesk.tenancy.context import require_current_tenant, tenant_transaction

VERSION_AES_GCM = b"\x01"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = 1 + 4 + NONCE_BYTES
MAX_KEY_ID = 2**32 - 1
DEFAULT_REGION = "CN"

_KEK_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
_PHONE_CHARS = re.compile(r"^[+\d\s().\-/]+$")
_NATIONAL_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_CREATE_ATTEMPTS = 3
_CACHE_SIZE = 1024


class DecryptionError(Exception):
    """A ciphertext cannot be opened: it was altered, copied from another row or firm,
    or its key is missing. The message never holds key material or plaintext."""


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key; ``repr`` hides the secret so it cannot reach a log."""

    tenant_id: int
    key_id: int
    secret: bytes = field(repr=False)


# --- Key-encryption keys (environment) ---------------------------------------------


def kek_ring() -> tuple[tuple[str, bytes], ...]:
    """``((kek_id, key), …)`` from ``FIELD_ENCRYPTION_KEYS``, newest first.

    Read at call time so a deployment (or a test) can put a new key in front; the
    newest wraps new data keys, the others still unwrap old ones until ``rotate_keys``
    has re-wrapped them.
    """
    return _parse_ring(_setting_text(settings.FIELD_ENCRYPTION_KEYS))


def newest_kek_id() -> str:
    return kek_ring()[0][0]


def _setting_text(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    if not isinstance(value, str):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be a string like 'k2:BASE64,k1:BASE64'."
        )
    return value


@lru_cache(maxsize=8)
def _parse_ring(raw: str) -> tuple[tuple[str, bytes], ...]:
    if not raw.strip():
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set it to 'k1:BASE64' where BASE64 encodes "
            "32 random bytes (several keys: newest first, comma-separated)."
        )
    ring: list[tuple[str, bytes]] = []
    for position, entry in enumerate(raw.split(","), start=1):
        kek_id, separator, encoded = entry.strip().partition(":")
        kek_id = kek_id.strip()
        if not separator or not _KEK_ID.match(kek_id):
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS entry %d is malformed: each entry reads "
                "'ID:BASE64' with an ID of 1-16 letters, digits, '.', '_' or '-'; "
                "entries are comma-separated, newest first." % position
            )
        if any(kek_id == known for known, _key in ring):
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS names key %r twice." % kek_id
            )
        ring.append(
            (kek_id, _decode_key(encoded, "FIELD_ENCRYPTION_KEYS", "key %r" % kek_id))
        )
    return tuple(ring)


def _decode_key(encoded: str, setting: str, label: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(
            "%s: %s is not valid base64 (use base64 of 32 random bytes, e.g. "
            "`openssl rand -base64 32`)." % (setting, label)
        ) from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            "%s: %s must decode to %d bytes, not %d (use `openssl rand -base64 32`)."
            % (setting, label, KEY_BYTES, len(key))
        )
    return key


# --- Data keys (database, wrapped) ---------------------------------------------------

# Unwrapped keys by (tenant_id, key_id). A key enters only once the row that holds it
# is known to be committed: a key created in a transaction that later rolls back must
# never be served for the different key that will then take its number.
_cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
_uncommitted: dict[tuple[int, int], bytes] = {}
_lock = threading.Lock()


def forget_data_keys(tenant_id: int | None = None) -> None:
    """Drop unwrapped keys from this process (after destroying a firm's keys, in tests).

    Other processes keep theirs until they restart.
    """
    with _lock:
        for entry in [k for k in _cache if tenant_id is None or k[0] == tenant_id]:
            del _cache[entry]
        for firm in [t for t in _active_ids if tenant_id is None or t == tenant_id]:
            del _active_ids[firm]
    _cipher.cache_clear()


def _cached(tenant_id: int, key_id: int) -> bytes | None:
    with _lock:
        secret = _cache.get((tenant_id, key_id))
        if secret is not None:
            _cache.move_to_end((tenant_id, key_id))
        return secret


def _remember(tenant_id: int, key_id: int, secret: bytes) -> None:
    with _lock:
        _uncommitted.pop((tenant_id, key_id), None)
        _cache[(tenant_id, key_id)] = secret
        _cache.move_to_end((tenant_id, key_id))
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _wrap_aad(tenant_id: int, key_id: int) -> bytes:
    return b"dek|%d|%d" % (tenant_id, key_id)


def wrap_data_key(secret: bytes, *, tenant_id: int, key_id: int) -> tuple[str, bytes]:
    """Seal a data key under the newest KEK: ``(kek_id, nonce + ciphertext||tag)``."""
    kek_id, kek = kek_ring()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(kek).encrypt(nonce, secret, _wrap_aad(tenant_id, key_id))
    return kek_id, nonce + sealed


def unwrap_data_key(row: TenantDataKey) -> bytes:
    kek = dict(kek_ring()).get(row.kek_id)
    if kek is None:
        raise ImproperlyConfigured(
            "Data key %d of firm %d is wrapped by key %r, which is not in "
            "FIELD_ENCRYPTION_KEYS; add it back at the end of the ring, then run "
            "rotate_keys." % (row.key_id, row.tenant_id, row.kek_id)
        )
    blob = bytes(row.wrapped)
    try:
        secret = AESGCM(kek).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _wrap_aad(row.tenant_id, row.key_id)
        )
    except InvalidTag:
        raise DecryptionError(
            "Data key %d of firm %d does not open with key %r of FIELD_ENCRYPTION_KEYS: "
            "the key ring or the stored key is wrong."
            % (row.key_id, row.tenant_id, row.kek_id)
        ) from None
    if len(secret) != KEY_BYTES:
        raise DecryptionError(
            "Data key %d of firm %d is damaged." % (row.key_id, row.tenant_id)
        )
    return secret


def _open_row(row: TenantDataKey) -> bytes:
    slot = (row.tenant_id, row.key_id)
    secret = _cached(*slot)
    if secret is not None:
        return secret
    secret = unwrap_data_key(row)
    wrapped = bytes(row.wrapped)
    with _lock:
        pending = _uncommitted.get(slot)
    if pending is None or pending != wrapped:
        _remember(row.tenant_id, row.key_id, secret)
    return secret


def data_key_create(*, key_id: int, status: str = DataKeyStatus.ACTIVE) -> DataKey:
    """Make, wrap and store a fresh data key for the current firm.

    The caller owns the transaction and the numbering; the unique constraints refuse a
    second key with the same number or a second active key.
    """
    tenant = require_current_tenant()
    if not 1 <= key_id <= MAX_KEY_ID:
        raise ValueError("Data key numbers run from 1 to %d." % MAX_KEY_ID)
    secret = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    kek_id, wrapped = wrap_data_key(secret, tenant_id=tenant.pk, key_id=key_id)
    TenantDataKey.objects.create(
        tenant=tenant, key_id=key_id, kek_id=kek_id, wrapped=wrapped, status=status
    )
    with _lock:
        _uncommitted[(tenant.pk, key_id)] = wrapped
        _active_ids.pop(tenant.pk, None)
    transaction.on_commit(lambda: _remember(tenant.pk, key_id, secret))
    return DataKey(tenant.pk, key_id, secret)


def data_key_rewrap(row: TenantDataKey) -> bool:
    """Re-wrap one stored key under the newest KEK; ``False`` when it already is, or a
    concurrent run got there first."""
    newest = newest_kek_id()
    if row.kek_id == newest:
        return False
    secret = unwrap_data_key(row)
    kek_id, wrapped = wrap_data_key(secret, tenant_id=row.tenant_id, key_id=row.key_id)
    won = TenantDataKey.objects.filter(pk=row.pk, kek_id=row.kek_id).update(
        kek_id=kek_id, wrapped=wrapped
    )
    slot = (row.tenant_id, row.key_id)
    with _lock:
        if slot in _uncommitted:
            _uncommitted[slot] = wrapped
    return bool(won)


def next_key_id() -> int:
    return (TenantDataKey.objects.aggregate(top=Max("key_id"))["top"] or 0) + 1


def active_data_key() -> DataKey:
    """The current firm's key for new ciphertexts; its first key is made on first use.

    Two processes encrypting a firm's first value race on the unique constraints: the
    loser rolls back its savepoint and uses the winner's key.
    """
    tenant = require_current_tenant()
    remembered = _active_ids.get(tenant.pk)
    if remembered is not None and remembered[1] > time.monotonic():
        secret = _cached(tenant.pk, remembered[0])
        if secret is not None:
            return DataKey(tenant.pk, remembered[0], secret)
    with tenant_transaction(tenant):
        return _active_or_new_key(tenant)


def _active_or_new_key(tenant) -> DataKey:
    for _attempt in range(_CREATE_ATTEMPTS):
        row = _active_row()
        if row is not None:
            key = DataKey(tenant.pk, row.key_id, _open_row(row))
            # Used only while the unwrapped key is in the (commit-only) cache.
            _active_ids[tenant.pk] = (row.key_id, time.monotonic() + ACTIVE_KEY_TTL)
            return key
        try:
            with transaction.atomic():
                return data_key_create(key_id=next_key_id())
        except IntegrityError:
            continue
    raise RuntimeError(
        "No active data key for firm %d could be created: the key table keeps "
        "refusing new keys." % tenant.pk
    )


# Which key is active, per firm, remembered briefly: looking it up on every encryption
# cost one query per value (an import of 100k rows made 100k extra queries). After a
# rotation another process may seal with the previous key for up to this long; such
# values still decrypt, and the rotation's next run re-encrypts them.
ACTIVE_KEY_TTL = 60.0
_active_ids: dict[int, tuple[int, float]] = {}


def _active_row() -> TenantDataKey | None:
    return (
        TenantDataKey.objects.filter(status=DataKeyStatus.ACTIVE)
        .order_by("-key_id")
        .first()
    )


def _data_key(key_id: int) -> bytes:
    tenant = require_current_tenant()
    secret = _cached(tenant.pk, key_id)
    if secret is not None:
        return secret
    with tenant_transaction(tenant):
        row = TenantDataKey.objects.filter(key_id=key_id).first()
    if row is None:
        raise DecryptionError(
            "This firm has no data key %d: the value was copied from another firm, or "
            "its key was destroyed." % key_id
        )
    return _open_row(row)


# --- Values --------------------------------------------------------------------------


def ciphertext_prefix(key_id: int) -> bytes:
    """The first bytes of every blob sealed under ``key_id`` (for range queries)."""
    return VERSION_AES_GCM + key_id.to_bytes(4, "big")


def blob_key_id(blob: bytes) -> int:
    blob = bytes(blob)
    if len(blob) < HEADER_BYTES + TAG_BYTES or blob[:1] != VERSION_AES_GCM:
        raise DecryptionError(
            "Not a LendDesk ciphertext (unknown version or truncated)."
        )
    return int.from_bytes(blob[1:5], "big")


def encrypt(plaintext: str, *, aad: str, key: DataKey | None = None) -> bytes:
    """Seal ``plaintext`` under the current firm's active key (or ``key``, for batch
    jobs that hold one)."""
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes text; encode other values first.")
    tenant = require_current_tenant()
    key = key or active_data_key()
    if key.tenant_id != tenant.pk:
        raise ValueError("That data key belongs to another firm.")
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key.secret).encrypt(
        nonce, plaintext.encode("utf-8"), aad.encode("utf-8")
    )
    return ciphertext_prefix(key.key_id) + nonce + sealed


@lru_cache(maxsize=_CACHE_SIZE)
def _cipher(secret: bytes) -> AESGCM:
    """One AES-GCM object per data key: building it (the key schedule) cost more than
    sealing a phone number. Keyed by the secret itself, so a destroyed or replaced
    key can never be served for another."""
    return AESGCM(secret)


def decrypt(blob: bytes, *, aad: str) -> str:
    """Open a blob of the current firm. Any of its keys works, retired ones included;
    a wrong AAD (another row, column or firm) raises ``DecryptionError``."""
    blob = bytes(blob)
    key_id = blob_key_id(blob)
    secret = _data_key(key_id)
    try:
        plaintext = _cipher(secret).decrypt(
            blob[5:HEADER_BYTES], blob[HEADER_BYTES:], aad.encode("utf-8")
        )
    except InvalidTag:
        raise DecryptionError(
            "The ciphertext does not belong here (altered, or copied from another row, "
            "column or firm)."
        ) from None
    return plaintext.decode("utf-8")


# --- Blind indexes -------------------------------------------------------------------


def blind_index(value: str, *, purpose: str) -> str:
    """Hex HMAC-SHA256 of ``value`` under a key for (current firm, purpose).

    Per-firm keys mean two firms' indexes of one number never match; per-purpose keys
    keep the low-entropy last-4 index from revealing anything about the full one.
    """
    tenant = require_current_tenant()
    mac = _index_mac(settings.BLIND_INDEX_KEY, tenant.pk, purpose).copy()
    mac.update(value.encode("utf-8"))
    return mac.hexdigest()


@lru_cache(maxsize=512)
def _index_mac(raw: str, tenant_id: int, purpose: str):
    """The keyed HMAC state for (firm, purpose), copied per value: the same digest as
    ``hmac.new(key, value)`` without redoing the key setup for every row."""
    return hmac.new(_index_key(raw, tenant_id, purpose), digestmod=hashlib.sha256)


@lru_cache(maxsize=512)
def _index_key(raw: str, tenant_id: int, purpose: str) -> bytes:
    if not isinstance(raw, str):
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be base64 of 32 random bytes.")
    root = _decode_key(raw, "BLIND_INDEX_KEY", "the key")
    label = b"blind-index|%d|%s" % (tenant_id, purpose.encode("utf-8"))
    return hmac.new(root, label, hashlib.sha256).digest()


# --- Normalisation -------------------------------------------------------------------


def normalize_phone(raw: str) -> str:
    """E.164 form (``+8613800138000``) of a phone number typed any usual way: spaces,
    dashes, ``+86`` or ``86`` prefix, full-width digits. Mainland China is assumed when
    no country code is given."""
    text = unicodedata.normalize("NFKC", raw).strip() if isinstance(raw, str) else ""
    if (
        not text
        or len(text) > 40
        or text.count("+") > 1
        or not _PHONE_CHARS.match(text)
    ):
        raise _invalid_phone()
    mobile = _CN_MOBILE.match(re.sub(r"[\s\-().]", "", text))
    if mobile:
        # Mainland mobiles are valid or not by their first seven digits; asking
        # phonenumbers once per prefix keeps imports of 100k rows fast.
        digits = mobile.group(1)
        if not _mobile_prefix_valid(digits[:7]):
            raise _invalid_phone()
        return "+86" + digits
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise _invalid_phone() from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid_phone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_CN_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")
_CN_MOBILE_E164 = re.compile(r"\+861[3-9][0-9]{9}")


def normalize_mobile(raw: str) -> str:
    """``normalize_phone`` for a customer's mobile: only a mainland China mobile
    number (``1[3-9]`` and nine more digits, valid for its prefix) is taken; a
    landline or a foreign number is refused."""
    try:
        number = normalize_phone(raw)
    except ValidationError:
        number = ""
    if not _CN_MOBILE_E164.fullmatch(number):
        raise ValidationError(
            _("Enter a mainland China mobile number, for example 138 0013 8000."),
            code=SecurityError.INVALID_PHONE,
        )
    return number


# Validity of each seven-digit mobile prefix ``1xxxxxx``: 0 unknown, 1 valid, 2 not.
# One byte per prefix (1 MB) holds every answer; an LRU of 20,000 strings missed on
# most rows of a large import, since real numbers spread over ~700,000 prefixes.
_MOBILE_PREFIXES = bytearray(1_000_000)


def _mobile_prefix_valid(prefix: str) -> bool:
    slot = int(prefix[1:7])
    known = _MOBILE_PREFIXES[slot]
    if not known:
        # Same answer as phonenumbers.parse(prefix + "0000", "CN") for an 11-digit
        # 1xxxxxxxxxx, without the parsing.
        number = phonenumbers.PhoneNumber(
            country_code=86, national_number=int(prefix + "0000")
        )
        known = 1 if phonenumbers.is_valid_number(number) else 2
        _MOBILE_PREFIXES[slot] = known
    return known == 1


def _invalid_phone() -> ValidationError:
    return ValidationError(
        _("Enter a valid phone number, for example 138 0013 8000 or +86 10 1234 5678."),
        code=SecurityError.INVALID_PHONE,
    )


def validate_national_id(raw: str) -> str:
    """The 18-character resident ID number (居民身份证号码) in canonical form, after
    checking its format, check digit, birth date and region code."""
    text = unicodedata.normalize("NFKC", raw) if isinstance(raw, str) else ""
    number = re.sub(r"[\s-]", "", text).upper()
    if not _NATIONAL_ID.match(number):
        raise _invalid_id(
            _("Enter the 18-character ID number: 17 digits, then a digit or X.")
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise _invalid_id(
            _("The check digit of this ID number is wrong; please look for a typo.")
        )
    try:
        birth = ric.get_birth_date(number)
    except stdnum_exceptions.ValidationError:
        birth = None
    if birth is None or birth.year < 1900 or birth > timezone.localdate():
        raise _invalid_id(_("The birth date in this ID number is not possible."))
    if not _region_valid(number[:6], birth.year):
        raise _invalid_id(_("The region code of this ID number does not exist."))
    return number


@lru_cache(maxsize=65_536)
def _region_valid(region: str, year: int) -> bool:
    """Whether the county code existed in that birth year. ``ric.get_birth_place``
    reads only the first six digits and the year, and its lookup cost more than the
    rest of the check together, so it is asked once per (code, year)."""
    try:
        ric.get_birth_place("%s%04d01010000" % (region, year))
    except (stdnum_exceptions.ValidationError, KeyError, ValueError):
        return False
    return True


def _invalid_id(message: str) -> ValidationError:
    return ValidationError(message, code=SecurityError.INVALID_NATIONAL_ID)


def national_id_facts(number: str) -> tuple[dt.date, str]:
    """``(birth date, "M" or "F")`` from a resident ID number (odd sequence digit: M)."""
    number = validate_national_id(number)
    return ric.get_birth_date(number), "M" if int(number[16]) % 2 else "F"
