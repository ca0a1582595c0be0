"""Two-factor log-in with an authenticator app (TOTP) and one-time recovery codes.

The code check is django-otp's RFC 6238 implementation; the secret lives in our own
tenant-scoped table, encrypted like every other secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import segno
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lenddesk.accounts.models import RecoveryCode, TotpDevice, User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.security.totp import otpauth_uri, verified_step

RECOVERY_CODES = 10


def _key(device: TotpDevice) -> bytes:
    return bytes.fromhex(device.get_secret("key"))


def provisioning_uri(device: TotpDevice, user: User) -> str:
    return otpauth_uri(
        _key(device), "LendDesk:%s@%s" % (user.username, user.tenant.slug)
    )


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5)


@transaction.atomic
def totp_begin(*, user: User) -> TotpDevice:
    """A fresh, unconfirmed secret (replaces an unconfirmed one; never a confirmed one)."""
    TotpDevice.objects.filter(user=user, confirmed=False).delete()
    device = TotpDevice(user=user)
    device.set_secret("key", secrets.token_bytes(20).hex())
    device.save()
    return device


def _check(device: TotpDevice, code: str) -> bool:
    step = verified_step(_key(device), code, device.last_t)
    if step is None:
        return False
    return bool(
        TotpDevice.objects.filter(pk=device.pk, last_t__lt=step).update(
            last_t=step, failures=0, throttled_until=None
        )
    )


def throttle_seconds(device: TotpDevice) -> int:
    if device.throttled_until is None:
        return 0
    return max(0, int((device.throttled_until - timezone.now()).total_seconds()))


def _fail(device: TotpDevice) -> None:
    failures = device.failures + 1
    delay = dt.timedelta(seconds=min(2 ** (failures - 1), 900))
    TotpDevice.objects.filter(pk=device.pk).update(
        failures=F("failures") + 1, throttled_until=timezone.now() + delay
    )


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str] | None:
    """Confirm enrolment with the first code; returns the recovery codes to show once."""
    device = TotpDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or throttle_seconds(device) or not _check(device, code):
        if device is not None:
            _fail(device)
        return None
    TotpDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
    codes = _new_recovery_codes(user)
    audit_record(actor=user, action=AuditAction.TOTP_ENROLLED, target=user)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "%s-%s" % (secrets.token_hex(3), secrets.token_hex(3))
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash(code)) for code in codes
    )
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


def has_confirmed_device(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def second_factor_verify(*, user: User, code: str) -> bool:
    """A TOTP code or an unused recovery code. Failures slow further tries down."""
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or throttle_seconds(device):
        return False
    if _check(device, code):
        return True
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if used:
        return True
    _fail(device)
    return False


@transaction.atomic
def totp_reset(*, actor: User, user: User) -> None:
    """An administrator clears a user's authenticator (lost phone)."""
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.TOTP_RESET, target=user)
