"""Per-role log-in restrictions: clients, weekdays and hours (firm time zone), networks.

Several roles combine as a union, like their permissions: the user may work when at
least one of their roles allows it (a role without a restriction allows everything).
Checked at log-in and again on every request, so a session opened at 17:59 stops at
18:00.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Role, User
from lenddesk.tenancy.context import require_current_tenant

CLIENTS = ("web", "mobile", "api")


@dataclass(frozen=True)
class Refusal:
    code: str  # outside_login_hours | client_not_allowed | network_not_allowed
    message: str


def parse_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """One CIDR (or single address) per line; raises ValueError naming the bad line."""
    networks = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(
                _("Line %(n)d: “%(entry)s” is not an IP address or range.")
                % {"n": number, "entry": entry}
            ) from exc
    return networks


def _in_hours(role: Role, local: dt.datetime) -> bool:
    if role.login_weekdays and local.weekday() not in role.login_weekdays:
        return False
    start, end = role.login_start, role.login_end
    if start is None or end is None:
        return True
    now = local.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # a night shift across midnight


def _client_ok(role: Role, client: str) -> bool:
    return not role.allowed_clients or client in role.allowed_clients


def _network_ok(role: Role, ip: str | None) -> bool:
    if not role.allowed_networks.strip():
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    try:
        networks = parse_networks(role.allowed_networks)
    except ValueError:
        return False
    return any(address in network for network in networks)


def hours_text(role: Role) -> str:
    if role.login_start and role.login_end:
        return "%s–%s" % (
            role.login_start.strftime("%H:%M"),
            role.login_end.strftime("%H:%M"),
        )
    return ""


def check(
    user: User, *, client: str, ip: str | None, now: dt.datetime | None = None
) -> Refusal | None:
    """None when the user may work now, else why not (in plain words)."""
    roles = user.role_list()
    if not roles:
        return None
    zone = require_current_tenant().time_zone
    local = (now or timezone.now()).astimezone(ZoneInfo(zone))
    if not any(_client_ok(r, client) for r in roles):
        return Refusal(
            "client_not_allowed",
            _("Your role may not log in from this kind of client (%(client)s).")
            % {"client": client},
        )
    if not any(_client_ok(r, client) and _in_hours(r, local) for r in roles):
        windows = ", ".join(sorted({hours_text(r) for r in roles if hours_text(r)}))
        return Refusal(
            "outside_login_hours",
            _("Your role may log in only during working hours (%(hours)s, %(tz)s).")
            % {"hours": windows or _("set days"), "tz": zone},
        )
    if not any(
        _client_ok(r, client) and _in_hours(r, local) and _network_ok(r, ip)
        for r in roles
    ):
        return Refusal(
            "network_not_allowed",
            _(
                "Your role may not log in from this network. Use the office network or VPN."
            ),
        )
    return None


def requires_totp(user: User) -> bool:
    return any(role.require_totp for role in user.role_list())
