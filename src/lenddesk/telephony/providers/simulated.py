"""The simulated provider (demo and tests): it "rings" both legs at once, decides the
outcome from the call's reference (or from ``SimulatedProvider.scripted``, which a
test or the demo fills), and hands back the events and a small WAV recording a real
provider would push later. Its callbacks are signed like any provider's (HMAC-SHA256
of ``timestamp.body`` with the firm's callback secret)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import struct
import time
import uuid
import wave
from collections import deque

from django.utils import timezone

from lenddesk.telephony.providers.base import (
    CallRequest,
    Placed,
    ProviderError,
    ProviderEvent,
    signature_matches,
)

RATE = 8000
MAX_SKEW = 300
RESULTS = ("connected",) * 15 + ("no_answer",) * 3 + ("busy",) * 2


def tone_wav(seconds: float = 1.0, hertz: int = 440) -> bytes:
    """A valid mono 16-bit 8 kHz WAV: a quiet tone, then silence."""
    frames = int(RATE * seconds)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        samples = (
            int(3000 * math.sin(2 * math.pi * hertz * i / RATE)) if i < RATE // 2 else 0
            for i in range(frames)
        )
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return out.getvalue()


def _digest(reference: str) -> int:
    return int(hashlib.sha256(reference.encode()).hexdigest()[:8], 16)


class SimulatedProvider:
    kind = "simulated"
    modes = ("callback", "axb")
    # Outcomes to use next, in order ("connected", "no_answer", "busy",
    # "staff_missed"); when empty, the outcome follows from the reference.
    scripted: deque[str] = deque()

    def __init__(self, callback_secret: str = ""):
        self.callback_secret = callback_secret

    def place(self, request: CallRequest) -> Placed:
        if not request.customer_phone:
            raise ProviderError("no number to call")
        middle = ""
        if request.mode == "axb":
            middle = "170%08d" % (_digest(request.reference) % 10**8)
        return Placed("sim-" + uuid.uuid4().hex[:20], middle)

    def outcome(self, reference: str) -> tuple[str, int]:
        if self.scripted:
            result = self.scripted.popleft()
        else:
            result = RESULTS[_digest(reference) % len(RESULTS)]
        seconds = 15 + _digest(reference + "t") % 280 if result == "connected" else 0
        return result, seconds

    def script(self, placed: Placed, reference: str, record: bool = True):
        """The events of the whole call, as the provider would push them."""
        result, seconds = self.outcome(reference)
        # The simulated call is over the moment it is placed: it "happened" just now.
        end = timezone.now()
        start = end - dt.timedelta(seconds=seconds + 5)
        call_id = placed.provider_call_id
        events = [ProviderEvent(call_id + ":ring", call_id, "ringing", start)]
        if result == "connected":
            answered = start + dt.timedelta(seconds=5)
            events.append(
                ProviderEvent(call_id + ":answer", call_id, "answered", answered)
            )
        events.append(
            ProviderEvent(call_id + ":end", call_id, "ended", end, result, seconds)
        )
        if result == "connected" and record:
            wav = tone_wav(min(2.0, max(0.5, seconds / 100)))
            events.append(
                ProviderEvent(
                    call_id + ":rec", call_id, "recording", end, recording=wav
                )
            )
        return events

    def release(self, provider_call_id: str, middle_number: str) -> None:
        return None

    def verify(self, headers, body: bytes, query) -> bool:
        stamp = headers.get("X-Timestamp", "")
        try:
            fresh = abs(time.time() - int(stamp)) <= MAX_SKEW
        except ValueError:
            return False
        given = headers.get("X-Signature", "")
        return fresh and signature_matches(self.callback_secret, stamp, body, given)

    def parse(self, body: bytes) -> list[ProviderEvent]:
        """``{"events": [{"event_id", "call_id", "kind", "at", "result",
        "duration"}]}``; raises ValueError naming what is wrong."""
        data = json.loads(body)
        rows = data.get("events") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows or len(rows) > 100:
            raise ValueError("events: a list of 1 to 100 events")
        return [_event(row, n) for n, row in enumerate(rows)]

    def fetch_recording(self, url: str) -> bytes:
        return tone_wav()


KINDS = ("ringing", "answered", "ended", "recording")


def _event(row, n: int) -> ProviderEvent:
    if not isinstance(row, dict):
        raise ValueError("events.%d: an object" % n)
    event_id, call_id = str(row.get("event_id") or ""), str(row.get("call_id") or "")
    if not (0 < len(event_id) <= 80 and 0 < len(call_id) <= 64):
        raise ValueError("events.%d: event_id and call_id are required" % n)
    kind = row.get("kind")
    if kind not in KINDS:
        raise ValueError("events.%d.kind: one of %s" % (n, ", ".join(KINDS)))
    try:
        at = dt.datetime.fromisoformat(str(row.get("at")))
        duration = int(row.get("duration") or 0)
    except (TypeError, ValueError):
        raise ValueError(
            "events.%d: at (ISO time) and duration (seconds)" % n
        ) from None
    if at.tzinfo is None or not 0 <= duration <= 86400:
        raise ValueError("events.%d: at needs a time zone, duration ≤ 86400" % n)
    return ProviderEvent(
        event_id, call_id, kind, at, str(row.get("result") or "")[:14], duration
    )
