"""RFC 6238 codes (django-otp's implementation) for every second factor: staff
devices and platform operators keep their secrets differently, but read and check
codes the same way."""

from __future__ import annotations

import base64
from urllib.parse import quote

from django_otp.oath import TOTP

TOLERANCE = 1  # one 30-second step either side for clock drift


def otpauth_uri(key: bytes, label: str) -> str:
    """What an authenticator app scans to enrol ``key`` under ``label``."""
    secret = base64.b32encode(key).decode().rstrip("=")
    return "otpauth://totp/%s?secret=%s&issuer=LendDesk&digits=6&period=30" % (
        quote(label),
        secret,
    )


def verified_step(key: bytes, code: str, last_t: int) -> int | None:
    """The time step ``code`` belongs to when it is right and newer than ``last_t``
    (the caller records it, so no code works twice); None otherwise."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = TOTP(key)
    if not totp.verify(int(digits), tolerance=TOLERANCE, min_t=last_t + 1):
        return None
    return totp.t()
