"""A firm's plan, enforced: a suspended firm cannot work, a module outside its plan is
refused, an expired firm is read-only.

The checks, their error codes and their messages live here, in one place, for every
door into a firm: the staff middleware (``web.tenant_middleware.PlanMiddleware``) and
the machine endpoints (traffic-platform intake) alike. The words differ only by who
reads them: the firm's own staff ("your firm") or an outside system calling a
machine endpoint ("this firm"); the codes and the status are the same for both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.modules import MODULES_BY_CODE

if TYPE_CHECKING:
    from lenddesk.tenancy.models import Tenant


class PlanRule(TextChoices):
    """The error code of each broken rule (the public API's ``error``)."""

    TENANT_SUSPENDED = "tenant_suspended"
    MODULE_NOT_IN_PLAN = "module_not_in_plan"
    TENANT_EXPIRED = "tenant_expired"


class Audience(enum.Enum):
    STAFF = "staff"  # the firm's own people, in its pages and its API
    MACHINE = "machine"  # a traffic platform delivering leads (intake)


SUSPENDED_MESSAGE = _(
    "Your firm's account is suspended. Please contact the platform operator."
)

# The words of each refusal, by audience; ``%(module)s`` and ``%(date)s`` are filled in.
MESSAGES = {
    Audience.STAFF: {
        PlanRule.TENANT_SUSPENDED: SUSPENDED_MESSAGE,
        PlanRule.MODULE_NOT_IN_PLAN: _(
            "The module “%(module)s” is not part of your firm's plan."
        ),
        PlanRule.TENANT_EXPIRED: _(
            "Your subscription expired on %(date)s. LendDesk is read-only until it "
            "is renewed; nothing has been deleted."
        ),
    },
    # Every machine endpoint belongs to the acquisition module (intake).
    Audience.MACHINE: {
        PlanRule.TENANT_SUSPENDED: _("This firm's account is suspended."),
        PlanRule.MODULE_NOT_IN_PLAN: _("Acquisition is not part of this firm's plan."),
        PlanRule.TENANT_EXPIRED: _(
            "This firm's subscription has expired; leads are not accepted."
        ),
    },
}


@dataclass(frozen=True)
class PlanRefusal:
    code: str
    detail: str
    status: int = 403


def broken_rule(tenant: Tenant, *, module: str | None, writing: bool) -> str | None:
    """The first rule of the plan this request breaks, or None: suspension first,
    then the module, then (for a write) the expiry."""
    if tenant.is_suspended:
        return PlanRule.TENANT_SUSPENDED
    if module and not tenant.has_module(module):
        return PlanRule.MODULE_NOT_IN_PLAN
    if writing and tenant.is_expired():
        return PlanRule.TENANT_EXPIRED
    return None


def plan_refusal(
    tenant: Tenant,
    *,
    module: str | None = None,
    writing: bool = False,
    audience: Audience = Audience.STAFF,
) -> PlanRefusal | None:
    """Why the firm's plan refuses this request (code, words, status), or None.

    ``module`` is the module code the request belongs to (None: a core page);
    ``writing`` whether it changes anything (an expired firm may still read)."""
    code = broken_rule(tenant, module=module, writing=writing)
    if code is None:
        return None
    detail = str(MESSAGES[audience][code]) % {
        "module": MODULES_BY_CODE[module].label if module else "",
        "date": tenant.expires_on,
    }
    return PlanRefusal(code=str(code), detail=detail)
