"""Client address behind a known number of trusted proxies."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The address the last trusted proxy saw; spoofed X-Forwarded-For entries from the
    client are ignored because only the last NUM_PROXIES entries are trusted. Worked
    out once per request."""
    try:
        return request._lenddesk_client_ip
    except AttributeError:
        request._lenddesk_client_ip = _client_ip(request)
        return request._lenddesk_client_ip


def _client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.NUM_PROXIES
    if proxies > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(remote)) if remote else None
    except ValueError:
        return None
