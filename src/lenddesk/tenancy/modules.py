"""The rentable modules of LendDesk.

A tenant's plan is the list of module codes it pays for. Core modules are always on.
Apps declare which module their URLs belong to through ``MODULE_OF_APP``. A module
whose pages are not built yet is ``available=False``: it is shown as coming soon and
never as included, so nobody is sold what does not exist.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Module:
    code: str
    label: str
    core: bool = False
    available: bool = True


MODULES: tuple[Module, ...] = (
    Module("platform", _("Platform and tenancy"), core=True),
    Module("org", _("Organisation and access"), core=True),
    Module("customers", _("Customers")),
    Module("acquisition", _("Acquisition")),
    Module("telephony", _("Outbound calling")),
    Module("products", _("Loan products and matching")),
    Module("orders", _("Orders and workflow")),
    Module("contracts", _("Contracts")),
    Module("finance", pgettext_lazy("module", "Finance")),
    Module("performance", _("Performance")),
    Module("analytics", _("Analytics")),
    Module("portal", _("Customer portal"), available=False),
    Module("compliance", _("Compliance"), available=False),
    Module("notifications", _("Notifications")),
)
MODULES_BY_CODE = {m.code: m for m in MODULES}
CORE_MODULES = frozenset(m.code for m in MODULES if m.core)
OPTIONAL_MODULES = tuple(m for m in MODULES if not m.core)
ALL_MODULE_CODES = tuple(m.code for m in MODULES)
AVAILABLE_MODULES = tuple(m for m in OPTIONAL_MODULES if m.available)

# URL namespace (Django app_name) -> module code. Namespaces not listed are core.
MODULE_OF_APP: dict[str, str] = {
    "customers": "customers",
    "acquisition": "acquisition",
    "partners": "acquisition",
    "promotion": "acquisition",
    "telephony": "telephony",
    "products": "products",
    "orders": "orders",
    "warrants": "orders",
    "contracts": "contracts",
    "finance": "finance",
    "commissions": "finance",
    "performance": "performance",
    "analytics": "analytics",
    "portal": "portal",
    "compliance": "compliance",
}


def parse_module_list(raw: str) -> list[str]:
    """Parse ``all`` or a comma list of module codes; raise ValueError naming bad ones."""
    raw = (raw or "").strip()
    if raw in ("", "all"):
        return [m.code for m in OPTIONAL_MODULES]
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    unknown = [c for c in codes if c not in MODULES_BY_CODE]
    if unknown:
        raise ValueError(
            "Unknown module(s): %s. Known: %s"
            % (", ".join(unknown), ", ".join(ALL_MODULE_CODES))
        )
    return [c for c in codes if c not in CORE_MODULES]
