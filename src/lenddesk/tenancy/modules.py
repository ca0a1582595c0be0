"""The rentable modules of LendDesk (SPEC M1–M14).

A tenant's plan is the list of module codes it pays for. Core modules are always on.
Apps declare which module their URLs belong to through ``MODULE_OF_APP``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Module:
    code: str
    label: str
    spec: str
    core: bool = False


MODULES: tuple[Module, ...] = (
    Module("platform", _("Platform and tenancy"), "M1", core=True),
    Module("org", _("Organisation and access"), "M2", core=True),
    Module("customers", _("Customers"), "M3"),
    Module("acquisition", _("Acquisition"), "M4"),
    Module("telephony", _("Outbound calling"), "M5"),
    Module("products", _("Loan products and matching"), "M6"),
    Module("orders", _("Orders and workflow"), "M7"),
    Module("contracts", _("Contracts"), "M8"),
    Module("finance", pgettext_lazy("module", "Finance"), "M9"),
    Module("performance", _("Performance"), "M10"),
    Module("analytics", _("Analytics"), "M11"),
    Module("portal", _("Customer and partner portals"), "M12"),
    Module("compliance", _("Compliance"), "M13"),
    Module("notifications", _("Notifications"), "M14"),
)
MODULES_BY_CODE = {m.code: m for m in MODULES}
CORE_MODULES = frozenset(m.code for m in MODULES if m.core)
OPTIONAL_MODULES = tuple(m for m in MODULES if not m.core)
ALL_MODULE_CODES = tuple(m.code for m in MODULES)

# URL namespace (Django app_name) -> module code. Namespaces not listed are core.
MODULE_OF_APP: dict[str, str] = {
    "customers": "customers",
    "acquisition": "acquisition",
    "partners": "acquisition",
    "promotion": "acquisition",
    "telephony": "telephony",
    "products": "products",
    "orders": "orders",
    "contracts": "contracts",
    "finance": "finance",
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
