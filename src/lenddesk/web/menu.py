"""The left menu, built from permission codes and the firm's plan.

Apps register entries in their own ``menu.py``; an entry shows only when the user holds
one of its codes and the firm's plan includes its module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import autodiscover_modules


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


def menu_for(user, tenant, current_path: str = "") -> list[dict]:
    global _discovered
    if not _discovered:
        autodiscover_modules("menu")
        _discovered = True
    entries = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.url_name)):
        if not tenant.has_module(item.module):
            continue
        if item.codes and not user.has_any_code(*item.codes):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        entries.append(
            {"label": item.label, "url": url, "icon": item.icon, "active": active}
        )
    return entries
