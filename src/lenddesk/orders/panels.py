"""Sections of the order page contributed by the apps that own their data.

The order page (orders) shows the warrant tasks and originals (warrants, an app above
orders) and the loan's submissions and disbursement (orders' own loan modules) without
importing them: each registers a panel in its ``order_panels.py``, discovered on first
use. A panel shows when the firm's plan holds its module and the user holds one of
its codes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class OrderPanel:
    key: str
    title: str
    template: str
    # build(request=..., order=...) -> the template's context (added to the page's)
    build: Callable[..., dict]
    codes: tuple[str, ...] = ()
    order: int = 100
    module: str = ""  # the plan's module the panel belongs to ("" = orders')


_PANELS: dict[str, OrderPanel] = {}
_discovered = False


def register_order_panel(panel: OrderPanel) -> None:
    _PANELS.setdefault(panel.key, panel)


def order_panels_for(request, order) -> list[dict]:
    """The panels this user may see on this order, each with its built context."""
    global _discovered
    if not _discovered:
        autodiscover_modules("order_panels")
        _discovered = True
    user, tenant = request.user, getattr(request, "tenant", None)
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.codes and not user.has_any_code(*panel.codes):
            continue
        if panel.module and not (tenant and tenant.has_module(panel.module)):
            continue
        shown.append(
            {
                "key": panel.key,
                "title": panel.title,
                "template": panel.template,
                **panel.build(request=request, order=order),
            }
        )
    return shown
