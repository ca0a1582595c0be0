"""The left menu, built from permission codes and the firm's plan.

Apps register entries in their own ``menu.py``; an entry shows only when the user holds
one of its codes and the firm's plan includes its module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    module: str
    codes: tuple[str, ...] = ()
    icon: str = "circle"
    order: int = 100
    section: str = ""
    children: tuple[MenuItem, ...] = field(default=())


_ITEMS: list[MenuItem] = []
_discovered = False


def register_menu(*items: MenuItem) -> None:
    for item in items:
        if item.url_name not in {i.url_name for i in _ITEMS}:
            _ITEMS.append(item)


# Sidebar sections in display order; an item without one stands on its own (Home).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("customers", pgettext_lazy("menu section", "Customers")),
    ("acquisition", pgettext_lazy("menu section", "Acquisition and promotion")),
    ("telephony", pgettext_lazy("menu section", "Telephony")),
    ("partners", pgettext_lazy("menu section", "Partners")),
    ("products", pgettext_lazy("menu section", "Products")),
    ("orders", pgettext_lazy("menu section", "Orders")),
    ("warrants", pgettext_lazy("menu section", "Warrants")),
    ("contracts", pgettext_lazy("menu section", "Contracts")),
    ("finance", pgettext_lazy("menu section", "Finance")),
    ("analytics", pgettext_lazy("menu section", "Analytics")),
    ("performance", pgettext_lazy("menu section", "Performance")),
    ("reports", pgettext_lazy("menu section", "Reports")),
    ("settings", pgettext_lazy("menu section", "Settings")),
)


def offered_to(user, tenant, module: str, codes: tuple[str, ...]) -> bool:
    """The one rule for what the shell offers: the plan holds the module and the
    user holds one of the codes (or none is needed)."""
    return tenant.has_module(module) and (not codes or user.has_any_code(*codes))


def _visible_items(user, tenant) -> list[dict]:
    global _discovered
    if not _discovered:
        autodiscover_modules("menu")
        _discovered = True
    entries = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.url_name)):
        if not offered_to(user, tenant, item.module, item.codes):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "section": item.section,
            }
        )
    return entries


def _mark_active(entries: list[dict], current_path: str) -> None:
    """One active item: the one whose address is the longest prefix of the page's
    (``/customers/todo/`` is the to-do list, not also 'My customers')."""
    best = None
    for entry in entries:
        url = entry["url"]
        matches = current_path == url or (url != "/" and current_path.startswith(url))
        if matches and (best is None or len(url) > len(best["url"])):
            best = entry
    for entry in entries:
        entry["active"] = entry is best


def menu_for(user, tenant, current_path: str = "") -> list[dict]:
    """The sidebar: stand-alone items and sections, each section with its items and
    whether it holds the page being shown (it opens then)."""
    entries = _visible_items(user, tenant)
    _mark_active(entries, current_path)
    menu = [{**e, "items": None} for e in entries if not e["section"]]
    for key, label in SECTIONS:
        items = [e for e in entries if e["section"] == key]
        if items:
            menu.append(
                {
                    "key": key,
                    "label": label,
                    "items": items,
                    "active": any(e["active"] for e in items),
                }
            )
    return menu
