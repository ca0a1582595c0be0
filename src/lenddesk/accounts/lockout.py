"""django-axes hooks: lock per (firm, username) with the firm's own limits.

Failures are counted per account, never per bare IP (a brokerage office shares one
NAT address). Unknown usernames are counted and locked exactly like real ones, so the
lockout reveals nothing about who exists.
"""

import datetime as dt

from lenddesk.security.net import client_ip as trusted_client_ip
from lenddesk.tenancy.context import get_current_tenant


def lockout_username(request, credentials) -> str:
    username = (credentials or {}).get("username") or ""
    tenant = get_current_tenant()
    return "%s/%s" % (tenant.pk if tenant else "-", username.strip().lower())


def failure_limit(request, credentials) -> int:
    tenant = get_current_tenant()
    return tenant.lockout_failures if tenant else 5


def cooloff_time(request=None) -> dt.timedelta:
    tenant = get_current_tenant()
    return dt.timedelta(minutes=tenant.lockout_minutes if tenant else 30)


def client_ip(request) -> str | None:
    return trusted_client_ip(request)
