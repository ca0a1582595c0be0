"""Alibaba Cloud 号码隐私保护 (Dyplsapi, API version 2017-05-25), privacy numbers (AXB).

Requests are RPC style: every parameter in the query of a POST, signed with
HMAC-SHA1 over ``POST&%2F&`` + the percent-encoded, sorted, canonical query string,
keyed with ``AccessKeySecret + "&"`` (Alibaba Cloud's "RPC signature v1").
``BindAxb`` binds A (our staff member) and B (the customer) to a middle number X for
``Expiration``; ``UnbindSubscription`` ends it early. Call records arrive by HTTP
batch push (``SecretReport``): a JSON array of records (``call_id``, ``sub_id``,
``out_id``, ``call_time``, ``start_time``, ``release_time``, ``release_cause``,
``unconnected_cause``, ``record_url`` …).

The push itself carries no signature, so the push address the firm registers with
Alibaba Cloud carries ours: ``?token=`` the HMAC-SHA256 of the firm's slug keyed with
the firm's callback secret (``push_token``); a push without the right token is
refused and stored nowhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.utils import timezone

from lenddesk.telephony.providers.base import (
    CallRequest,
    Placed,
    ProviderError,
    ProviderEvent,
)

VERSION = "2017-05-25"
TIMEOUT = 10
MAX_RECORDING = 20 * 1024 * 1024
CHINA = dt.timezone(dt.timedelta(hours=8))


def percent_encode(value: str) -> str:
    text = urllib.parse.quote(str(value).encode("utf-8"), safe="~")
    return text.replace("+", "%20").replace("*", "%2A")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(
        "%s=%s" % (percent_encode(k), percent_encode(v))
        for k, v in sorted(params.items())
    )


def rpc_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    to_sign = "%s&%s&%s" % (
        method,
        percent_encode("/"),
        percent_encode(canonical_query(params)),
    )
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def national(phone: str) -> str:
    """Dyplsapi takes mainland numbers without the country code."""
    return phone[3:] if phone.startswith("+86") else phone


def push_token(secret: str, slug: str) -> str:
    return hmac.new(secret.encode(), slug.encode(), hashlib.sha256).hexdigest()


def _china_time(text) -> dt.datetime:
    try:
        return dt.datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=CHINA
        )
    except ValueError:
        raise ValueError("time: YYYY-MM-DD HH:MM:SS") from None


class AliyunPrivacyProvider:
    kind = "aliyun"
    modes = ("axb",)

    def __init__(
        self,
        *,
        access_key_id: str,
        access_secret: str,
        pool_key: str,
        endpoint: str,
        callback_secret: str = "",
        tenant_slug: str = "",
    ):
        self.access_key_id = access_key_id
        self.access_secret = access_secret
        self.pool_key = pool_key
        self.endpoint = endpoint
        self.callback_secret = callback_secret
        self.tenant_slug = tenant_slug

    # --- requests ----------------------------------------------------------------

    def _call(self, action: str, params: dict[str, str]) -> dict:
        query = {
            "Action": action,
            "Version": VERSION,
            "Format": "JSON",
            "AccessKeyId": self.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PoolKey": self.pool_key,
            **params,
        }
        query["Signature"] = rpc_signature(query, self.access_secret)
        url = self.endpoint.rstrip("/") + "/?" + canonical_query(query)
        request = urllib.request.Request(url, method="POST", data=b"")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
                body = json.loads(answer.read(1_000_000) or b"{}")
        except urllib.error.HTTPError as exc:
            body = _json_or_empty(exc.read(100_000))
        except (OSError, ValueError) as exc:
            raise ProviderError("the provider could not be reached") from exc
        if body.get("Code") != "OK":
            raise ProviderError(
                "the provider refused: %s" % str(body.get("Code") or "no answer")[:60]
            )
        return body

    def place(self, request: CallRequest) -> Placed:
        if request.mode != "axb":
            raise ProviderError("this provider offers privacy numbers (AXB) only")
        expires = timezone.now().astimezone(CHINA) + dt.timedelta(
            minutes=request.bind_minutes
        )
        body = self._call(
            "BindAxb",
            {
                "PhoneNoA": national(request.staff_phone),
                "PhoneNoB": national(request.customer_phone),
                "Expiration": expires.strftime("%Y-%m-%d %H:%M:%S"),
                "IsRecordingEnabled": "true" if request.record else "false",
                "OutId": request.reference,
            },
        )
        bound = body.get("SecretBindDTO") or {}
        subs_id, secret_no = (
            str(bound.get("SubsId") or ""),
            str(bound.get("SecretNo") or ""),
        )
        if not subs_id:
            raise ProviderError("the provider answered without a binding")
        return Placed(subs_id, secret_no[:20])

    def release(self, provider_call_id: str, middle_number: str) -> None:
        self._call(
            "UnbindSubscription",
            {"SubsId": provider_call_id, "SecretNo": middle_number},
        )

    # --- pushes ------------------------------------------------------------------

    def verify(self, headers, body: bytes, query) -> bool:
        given = query.get("token", "")
        if not self.callback_secret or not given:
            return False
        expected = push_token(self.callback_secret, self.tenant_slug)
        return hmac.compare_digest(expected, given)

    def parse(self, body: bytes) -> list[ProviderEvent]:
        rows = json.loads(body)
        if not isinstance(rows, list) or not rows or len(rows) > 100:
            raise ValueError("a JSON array of 1 to 100 records")
        events: list[ProviderEvent] = []
        for n, row in enumerate(rows):
            events.extend(_report_events(row, n))
        return events

    def fetch_recording(self, url: str) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise ProviderError("recording address is not http(s)")
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310
                data = answer.read(MAX_RECORDING + 1)
        except OSError as exc:
            raise ProviderError("the recording could not be fetched") from exc
        if len(data) > MAX_RECORDING:
            raise ProviderError("the recording is too large")
        return data


def _json_or_empty(raw: bytes) -> dict:
    try:
        body = json.loads(raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _report_events(row, n: int) -> list[ProviderEvent]:
    """One SecretReport record → an ``ended`` event (and ``recording`` when it has a
    recording address). The binding (``sub_id``) names our call."""
    if not isinstance(row, dict):
        raise ValueError("%d: an object" % n)
    sub_id, call_id = str(row.get("sub_id") or ""), str(row.get("call_id") or "")
    if not sub_id or not call_id or len(call_id) > 60:
        raise ValueError("%d: sub_id and call_id are required" % n)
    released = _china_time(row.get("release_time"))
    started = row.get("start_time")
    seconds = 0
    if started and str(row.get("unconnected_cause", 0)) in ("0", ""):
        seconds = max(0, int((released - _china_time(started)).total_seconds()))
    result = "connected" if seconds > 0 else "no_answer"
    events = [
        ProviderEvent(
            "ali:%s:end" % call_id, sub_id, "ended", released, result, seconds
        )
    ]
    url = str(row.get("record_url") or "")
    if url and seconds > 0:
        events.append(
            ProviderEvent(
                "ali:%s:rec" % call_id, sub_id, "recording", released, recording_url=url
            )
        )
    return events
