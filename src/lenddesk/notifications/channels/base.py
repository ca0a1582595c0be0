"""What every channel adapter takes and answers.

An adapter gets one ``Delivery`` and either returns the provider's message id or
raises ``SendFailed``. ``permanent`` failures (a refused address, a template the
provider does not know) are not retried; everything else is, with back-off.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Delivery:
    to: str  # the address in full: an email, a mobile, an openid (never logged)
    subject: str
    body: str
    url: str = ""
    key: str = ""  # idempotency key: the same for every attempt of one message
    variables: dict = field(default_factory=dict)
    provider_code: str = ""  # the template's code at the provider, if it needs one


FAILURES = {
    "network": _("Provider unreachable"),
    "bad_answer": _("Provider answered something unreadable"),
    "credentials_missing": _("Provider keys missing"),
    "refused": _("Provider refused"),
    "no_template": _("No SMS template for this kind"),
    "no_provider_code": _("The SMS template has no provider code"),
    "recipient_refused": _("Recipient address refused"),
    "recipient_inactive": _("Recipient no longer active"),
    "no_email": _("Recipient has no email address"),
    "no_mobile": _("Recipient has no mobile number"),
    "no_wechat": _("Recipient has not bound WeChat"),
    "channel_off": _("Channel switched off"),
    "no_adapter": _("Provider not supported"),
    "mail_error": _("Mail server error"),
    "internal": _("Internal error"),
}


class SendFailed(Exception):
    """``reason`` is a key of ``FAILURES``; ``detail`` the provider's own code."""

    def __init__(self, reason: str, detail: str = "", *, permanent: bool = False):
        self.reason = reason if reason in FAILURES else "internal"
        self.detail = str(detail)[:120]
        self.permanent = permanent
        super().__init__(
            "%s:%s" % (self.reason, self.detail) if self.detail else self.reason
        )


def failure_text(stored: str) -> str:
    """The stored ``reason[:detail]`` as people read it."""
    reason, _sep, detail = (stored or "").partition(":")
    if not reason:
        return ""
    label = str(FAILURES.get(reason, FAILURES["internal"]))
    return "%s (%s)" % (label, detail) if detail else label


class Adapter:
    """Base of the adapters; ``credentials`` is the firm's decrypted dict."""

    name = ""

    def __init__(self, credentials: dict | None = None):
        self.credentials = credentials or {}

    def send(self, delivery: Delivery) -> str:  # pragma: no cover - interface
        raise NotImplementedError


TIMEOUT_SECONDS = 10


def http_json(url: str, *, data: bytes | None = None, headers: dict | None = None):
    """One HTTP request answered with JSON; network trouble is a retryable failure,
    an answer that is not JSON too (a proxy's error page)."""
    if not url.startswith(("https://", "http://")):
        raise SendFailed("no_adapter", "endpoint", permanent=True)
    # Endpoints come from settings (NOTIFY_*), never from a firm's input.
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            raw = answer.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendFailed("network", exc.__class__.__name__) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SendFailed("bad_answer") from None
