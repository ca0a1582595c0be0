"""The one outbound request of conversion feedback: a signed POST to the URL a firm
gave for a platform, and the checks that keep such a URL from reaching into our own
network (SSRF).

Strict mode (``CONVERSION_STRICT_URLS``, on in production) takes https only and only
public addresses: a literal address is checked when the URL is saved, a name both then
and when each request is made — the request then connects to the address that was
checked (no second lookup a rebinding DNS could answer differently), with the name
kept for TLS and the Host header. Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from lenddesk.acquisition.conversion_errors import SendFailure

MAX_URL = 500
ANSWER_BYTES = 65536  # an answer is read this far, then dropped


def strict_urls() -> bool:
    return bool(getattr(settings, "CONVERSION_STRICT_URLS", settings.IS_PRODUCTION))


def timeout_seconds() -> float:
    return float(getattr(settings, "CONVERSION_TIMEOUT_SECONDS", 5))


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def _literal(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list:
    """Every address the name stands for (raises ``OSError`` when it stands for
    none)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot take callbacks, in words for its field; None when it can.
    A name that does not resolve yet is let through (checked again at each send)."""
    if len(url) > MAX_URL:
        return _("Use at most %d characters.") % MAX_URL
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return _("The port of this address is not a number from 1 to 65535.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("Enter the full address, starting with https://.")
    if strict_urls() and parts.scheme != "https":
        return _("Use an https:// address: callbacks carry signed data.")
    if parts.username is not None or parts.password is not None:
        return _("Leave user names and passwords out of the address.")
    if not strict_urls():
        return None
    literal = _literal(parts.hostname)
    try:
        addresses = [literal] if literal else _resolve(parts.hostname, port or 443)
    except OSError:
        addresses = []
    if any(not _public(address) for address in addresses):
        return _("This address is private or local: give the platform's public one.")
    return None


@dataclass(frozen=True)
class Answer:
    """What one attempt came to: the HTTP status (None when none came back) and
    why it did not deliver ("" when it did: a 2xx)."""

    status: int | None
    failure: str = ""

    @property
    def delivered(self) -> bool:
        return not self.failure


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to a checked address, keeping the name for the Host header."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to a checked address, keeping the name for TLS (SNI and the
    certificate check) and the Host header."""

    def __init__(self, host, port, *, address, timeout):
        context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _target(host: str, port: int) -> tuple[str | None, str]:
    """(address to connect to, failure): in strict mode a checked public address."""
    if not strict_urls():
        return host, ""
    literal = _literal(host)
    try:
        addresses = [literal] if literal else _resolve(host, port)
    except OSError:
        return None, SendFailure.NETWORK
    if not addresses or any(not _public(address) for address in addresses):
        return None, SendFailure.BLOCKED_ADDRESS
    return str(addresses[0]), ""


def post_signed(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``; never raises. 2xx delivers; any other status, a
    timeout or a network or TLS error is a failed attempt."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Answer(None, SendFailure.BAD_URL)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return Answer(None, SendFailure.BAD_URL)
    if strict_urls() and parts.scheme != "https":
        return Answer(None, SendFailure.BAD_URL)
    address, failure = _target(parts.hostname, port)
    if failure:
        return Answer(None, failure)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(parts.hostname, port, address=address, timeout=timeout_seconds())
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(ANSWER_BYTES)
        status = response.status
    except ssl.SSLError:
        return Answer(None, SendFailure.TLS)
    except TimeoutError:
        return Answer(None, SendFailure.TIMEOUT)
    except (OSError, http.client.HTTPException):
        return Answer(None, SendFailure.NETWORK)
    finally:
        connection.close()
    return Answer(status, "" if 200 <= status < 300 else SendFailure.HTTP_STATUS)
