"""Client address behind a known number of trusted proxies."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The address the last trusted proxy saw; spoofed X-Forwarded-For entries from the
    client are ignored because only the last NUM_PROXIES entries are trusted."""
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
