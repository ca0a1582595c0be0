"""What every telephony provider offers LendDesk.

Two modes: **callback** (回拨: the platform rings the staff member, then the customer,
and joins the legs) and **privacy number** (AXB 隐私号: a middle number X binds the
staff member's phone A and the customer's phone B for a while; A dials X). The
provider gets the customer's full number; nothing it answers carries it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(Exception):
    """The provider refused or could not be reached (message safe to show)."""


@dataclass(frozen=True)
class CallRequest:
    reference: str  # our call record's id, echoed back by the provider (OutId)
    mode: str
    staff_phone: str
    customer_phone: str
    caller_number: str
    bind_minutes: int = 30
    record: bool = True
    announce_recording: bool = True  # the customer hears that the call is recorded

    def __repr__(self) -> str:  # never print the numbers
        return "CallRequest(reference=%r, mode=%r)" % (self.reference, self.mode)


@dataclass(frozen=True)
class Placed:
    provider_call_id: str
    middle_number: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """One thing that happened to a call. ``kind``: ringing, answered, ended,
    recording. ``result`` (on ended): a ``CallResult`` value."""

    event_id: str
    provider_call_id: str
    kind: str
    at: dt.datetime
    result: str = ""
    duration: int = 0
    recording: bytes | None = field(default=None, repr=False)
    recording_url: str = ""


class Provider(Protocol):
    kind: str
    modes: tuple[str, ...]

    def place(self, request: CallRequest) -> Placed: ...

    def release(self, provider_call_id: str, middle_number: str) -> None: ...

    def verify(self, headers, body: bytes, query) -> bool: ...

    def parse(self, body: bytes) -> list[ProviderEvent]: ...

    def fetch_recording(self, url: str) -> bytes: ...


def body_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``timestamp + "." + body`` (LendDesk's callback signature)."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    if not secret or not given or not timestamp:
        return False
    return hmac.compare_digest(body_signature(secret, timestamp, body), given)
