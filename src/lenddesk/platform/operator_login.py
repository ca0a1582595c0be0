"""Operators' log-in: password, then a code of their authenticator app (TOTP), with
every log-in and refusal in the platform's audit trail (``TenantEvent`` rows without
a tenant).

Attempts are counted per (username, client address), never per username alone, so a
stranger guessing from elsewhere cannot lock the real operator out. Each address gets
``FREE_ATTEMPTS`` per pause; each pause it uses up makes the next one twice as long
(up to ``LONGEST_PAUSE``), and a successful log-in clears both. The count comes
before the password check, so a burst of parallel guesses gets no more tries.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.security.crypto import kek_ring
from lenddesk.security.totp import otpauth_uri, verified_step
from lenddesk.tenancy.models import PlatformOperator, TenantEvent
from lenddesk.web.cache import count_hit, forget_count, hit_counts, seconds_left

FREE_ATTEMPTS = 5
FIRST_PAUSE = 60
LONGEST_PAUSE = 3600
STRIKES_SECONDS = 24 * 3600
NONCE_BYTES = 12


class LoginEvent:
    SUCCEEDED = "operator_login"
    REFUSED = "operator_login_refused"
    TOTP_ENROLLED = "operator_totp_enrolled"


@dataclass(frozen=True)
class Attempt:
    operator: PlatformOperator | None = None
    wait_seconds: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.operator is not None


# --- Attempts per (username, address) ------------------------------------------------


def _pair(username: str, ip: str | None) -> str:
    raw = "%s|%s" % (username.strip().lower(), ip or "unknown")
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _keys(username: str, ip: str | None) -> tuple[str, str]:
    pair = _pair(username, ip)
    return "operator-login:%s" % pair, "operator-login-strikes:%s" % pair


def take_attempt(username: str, ip: str | None) -> int:
    """Count one attempt of this username from this address: 0 when it may go on,
    else the seconds until it may try again."""
    attempts_key, strikes_key = _keys(username, ip)
    strikes = hit_counts([strikes_key])[strikes_key]
    pause = min(FIRST_PAUSE * 2**strikes, LONGEST_PAUSE)
    attempts = count_hit(attempts_key, pause)
    if attempts <= FREE_ATTEMPTS:
        return 0
    if attempts == FREE_ATTEMPTS + 1:
        count_hit(strikes_key, STRIKES_SECONDS)
    return max(1, seconds_left(attempts_key))


def clear_attempts(username: str, ip: str | None) -> None:
    for key in _keys(username, ip):
        forget_count(key)


def wait_message(seconds: int) -> str:
    return _("Too many attempts. Try again in %(seconds)d seconds.") % {
        "seconds": seconds
    }


def bad_credentials_message() -> str:
    return _("The username or password is not correct.")


def wrong_code_message() -> str:
    return _(
        "The code is not correct, or was already used. Wait a moment and try the next code."
    )


# --- The platform audit trail ---------------------------------------------------------


def record_event(
    *,
    action: str,
    username: str,
    ip: str | None,
    operator: PlatformOperator | None = None,
    reason: str = "",
) -> None:
    changes = {"username": username[:80]}
    if reason:
        changes["reason"] = reason
    TenantEvent.objects.create(
        tenant=None, operator=operator, action=action, changes=changes, ip=ip
    )


def _refused(username: str, ip: str | None, reason: str, operator=None) -> None:
    record_event(
        action=LoginEvent.REFUSED,
        username=username,
        ip=ip,
        operator=operator,
        reason=reason,
    )


# --- Step one: the password -----------------------------------------------------------


def operator_check_password(*, username: str, password: str, ip: str | None) -> Attempt:
    """The operator when the password is right and this address may still try.
    Unknown usernames cost the same hash work and are counted the same way."""
    wait = take_attempt(username, ip)
    if wait:
        _refused(username, ip, "too many attempts")
        return Attempt(wait_seconds=wait, message=wait_message(wait))
    operator = PlatformOperator.objects.filter(
        username=username, is_active=True
    ).first()
    if operator is None:
        PlatformOperator().set_password(password)
        _refused(username, ip, "bad credentials")
        return Attempt(message=bad_credentials_message())
    if not operator.check_password(password):
        _refused(username, ip, "bad credentials", operator)
        return Attempt(message=bad_credentials_message())
    return Attempt(operator=operator)


# --- Step two: the authenticator app --------------------------------------------------


def _aad(operator: PlatformOperator) -> bytes:
    return b"operator-totp|%d" % operator.pk


def _seal(operator: PlatformOperator, secret: bytes) -> tuple[str, bytes]:
    kek_id, kek = kek_ring()[0]
    nonce = os.urandom(NONCE_BYTES)
    return kek_id, nonce + AESGCM(kek).encrypt(nonce, secret, _aad(operator))


def totp_key(operator: PlatformOperator) -> bytes:
    kek = dict(kek_ring())[operator.totp_kek_id]
    blob = bytes(operator.totp_cipher)
    return AESGCM(kek).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(operator))


def has_totp(operator: PlatformOperator) -> bool:
    return operator.totp_confirmed and bool(operator.totp_cipher)


@transaction.atomic
def operator_totp_begin(*, operator: PlatformOperator) -> PlatformOperator:
    """A fresh secret to enrol (never replaces a confirmed one)."""
    kek_id, blob = _seal(operator, secrets.token_bytes(20))
    PlatformOperator.objects.filter(pk=operator.pk, totp_confirmed=False).update(
        totp_cipher=blob, totp_kek_id=kek_id, totp_last_t=-1
    )
    operator.refresh_from_db()
    return operator


def provisioning_uri(operator: PlatformOperator) -> str:
    return otpauth_uri(totp_key(operator), "LendDesk platform:%s" % operator.username)


def _take_code(operator: PlatformOperator, code: str) -> bool:
    """Check a code and mark its time step used, so no code works twice."""
    if not operator.totp_cipher:
        return False
    step = verified_step(totp_key(operator), code, operator.totp_last_t)
    return step is not None and bool(
        PlatformOperator.objects.filter(pk=operator.pk, totp_last_t__lt=step).update(
            totp_last_t=step
        )
    )


def operator_second_factor(
    *, operator: PlatformOperator, code: str, ip: str | None, enrolling: bool
) -> Attempt:
    """Finish the log-in with a code: confirms the enrolment when ``enrolling``.
    Wrong codes count against the same (username, address) attempts."""
    wait = take_attempt(operator.username, ip)
    if wait:
        _refused(operator.username, ip, "too many attempts", operator)
        return Attempt(wait_seconds=wait, message=wait_message(wait))
    if enrolling == operator.totp_confirmed or not _take_code(operator, code):
        _refused(operator.username, ip, "wrong second factor", operator)
        return Attempt(message=wrong_code_message())
    if enrolling:
        PlatformOperator.objects.filter(pk=operator.pk).update(totp_confirmed=True)
        record_event(
            action=LoginEvent.TOTP_ENROLLED,
            username=operator.username,
            ip=ip,
            operator=operator,
        )
    operator_logged_in(operator=operator, ip=ip)
    return Attempt(operator=operator)


def operator_logged_in(*, operator: PlatformOperator, ip: str | None) -> None:
    clear_attempts(operator.username, ip)
    PlatformOperator.objects.filter(pk=operator.pk).update(last_login=timezone.now())
    record_event(
        action=LoginEvent.SUCCEEDED,
        username=operator.username,
        ip=ip,
        operator=operator,
    )


@transaction.atomic
def operator_totp_reset(*, operator: PlatformOperator) -> None:
    """Clear an operator's authenticator (lost phone): the next log-in enrols anew."""
    PlatformOperator.objects.filter(pk=operator.pk).update(
        totp_cipher=None, totp_kek_id="", totp_confirmed=False, totp_last_t=-1
    )
