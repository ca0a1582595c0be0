"""Panels of the home page (工作台), registered by the apps that own their data.

An app lists its panel in its own ``home.py``; a panel shows only when the firm's plan
holds its module and the user holds one of its codes. The home page thus never imports
a domain app, and a module that is not sold leaves no empty box behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from lenddesk.web.menu import offered_to


@dataclass(frozen=True)
class HomePanel:
    key: str
    module: str
    template: str
    build: Callable[..., dict]  # build(actor=user) -> the template's context
    codes: tuple[str, ...] = ()
    order: int = 100


_PANELS: dict[str, HomePanel] = {}
_discovered = False


def register_home_panel(panel: HomePanel) -> None:
    _PANELS.setdefault(panel.key, panel)


def home_panels_for(user, tenant) -> list[dict]:
    global _discovered
    if not _discovered:
        autodiscover_modules("home")
        _discovered = True
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if not offered_to(user, tenant, panel.module, panel.codes):
            continue
        shown.append(
            {"key": panel.key, "template": panel.template, **panel.build(actor=user)}
        )
    return shown


# --- The new firm's checklist (开通引导) -------------------------------------------------


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    module: str
    label: str
    url_name: str
    done: Callable[[], bool]  # runs inside the firm's tenant context
    codes: tuple[str, ...] = ()
    order: int = 100


_STEPS: dict[str, OnboardingStep] = {}


def register_onboarding_step(step: OnboardingStep) -> None:
    _STEPS.setdefault(step.key, step)


def onboarding_for(user, tenant) -> list[dict]:
    """The firm's set-up steps this user can act on, each marked done or not."""
    steps = []
    for step in sorted(_STEPS.values(), key=lambda s: (s.order, s.key)):
        if not offered_to(user, tenant, step.module, step.codes):
            continue
        steps.append(
            {
                "key": step.key,
                "label": step.label,
                "url": reverse(step.url_name),
                "done": step.done(),
            }
        )
    return steps


def _onboarding_panel(*, actor) -> dict:
    from lenddesk.tenancy.context import require_current_tenant

    steps = onboarding_for(actor, require_current_tenant())
    pending = [s for s in steps if not s["done"]]
    return {"steps": steps if pending else [], "left": len(pending)}


register_home_panel(
    HomePanel(
        key="onboarding",
        module="platform",
        template="web/_onboarding.html",
        build=_onboarding_panel,
        codes=("tenant.view_plan",),
        order=1,
    )
)
