"""One log-in decision for every pathway (web form, API token, second factor).

Order: firm exists and is active → lockout → password → role restrictions (client,
hours, network) → second factor. Refusals before the password is proven say nothing
about which check failed; after it, the user is told in plain words (a role limited to
09:00–18:00 learns that at 20:00). Every refusal is audited with its reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from lenddesk.accounts import login_policy, mfa
from lenddesk.accounts.models import User
from lenddesk.accounts.services.login import record_login_refused
from lenddesk.security.net import client_ip
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.plan import SUSPENDED_MESSAGE
from lenddesk.web.cache import count_hit, hit_counts


@dataclass(frozen=True)
class Outcome:
    user: User | None = None
    code: str = ""  # "" = allowed
    message: str = ""
    needs_second_factor: bool = False
    needs_enrolment: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.code


def bad_credentials_message() -> str:
    return _("The firm code, username or password is not correct.")


def locked_message(tenant: Tenant | None = None) -> str:
    """The same words for every firm, real or not: a firm's own lockout time in the
    answer would tell a stranger that the firm code exists."""
    return _(
        "Too many failed log-ins. This account is locked for a while; try again "
        "later or ask your administrator to unlock it."
    )


def _field_default(name: str) -> int:
    return Tenant._meta.get_field(name).get_default()


def _unknown_firm_key(firm_code: str, username: str) -> str:
    raw = "%s|%s" % (firm_code.strip().lower(), username.strip().lower())
    return "login-failures-nofirm:%s" % hashlib.sha256(raw.encode()).hexdigest()[:40]


def refuse_unknown_firm(
    request, *, firm_code: str, username: str, password: str
) -> Outcome:
    """The answer for a firm code that names no firm, indistinguishable from a wrong
    password at a real firm: the same hash work, failures counted per (firm code,
    username) and, after a new firm's default limit, the same "locked" answer."""
    locked = Outcome(code="locked", message=locked_message())
    key = _unknown_firm_key(firm_code, username)
    limit = _field_default("lockout_failures")
    if _address_exhausted(request) or hit_counts([key])[key] >= limit:
        return locked
    make_password(password)
    _count_address_failure(request)
    if count_hit(key, _field_default("lockout_minutes") * 60) >= limit:
        return locked
    return Outcome(code="invalid_credentials", message=bad_credentials_message())


IP_WINDOW_SECONDS = 600


def _address_key(request) -> str:
    return "login-failures-ip:%s" % (client_ip(request) or "unknown")


def _address_exhausted(request) -> bool:
    """Password spraying: many usernames from one address. Generous (an office of 200
    shares one address), separate from the per-account lockout."""
    key = _address_key(request)
    return hit_counts([key])[key] >= settings.LOGIN_FAILURES_PER_IP


def _count_address_failure(request) -> None:
    count_hit(_address_key(request), IP_WINDOW_SECONDS)


def check_password(
    request, *, tenant: Tenant, username: str, password: str, client: str
) -> Outcome:
    """Run inside ``tenant_context(tenant)``."""
    if _address_exhausted(request):
        record_login_refused(
            username=username, reason="address rate limit (%s)" % client
        )
        return Outcome(code="locked", message=locked_message(tenant))
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        record_login_refused(username=username, reason="locked out (%s)" % client)
        return Outcome(code="locked", message=locked_message(tenant))
    if user is None:
        _count_address_failure(request)
        record_login_refused(username=username, reason="bad credentials (%s)" % client)
        return Outcome(code="invalid_credentials", message=bad_credentials_message())
    if tenant.is_suspended:
        record_login_refused(username=username, reason="firm suspended (%s)" % client)
        return Outcome(
            user=user, code="tenant_suspended", message=str(SUSPENDED_MESSAGE)
        )
    refusal = login_policy.check(user, client=client, ip=client_ip(request))
    if refusal is not None:
        record_login_refused(
            username=username, reason="%s (%s)" % (refusal.code, client)
        )
        return Outcome(user=user, code=refusal.code, message=refusal.message)
    if login_policy.requires_totp(user):
        return Outcome(
            user=user,
            needs_second_factor=mfa.has_confirmed_device(user),
            needs_enrolment=not mfa.has_confirmed_device(user),
        )
    return Outcome(user=user)
