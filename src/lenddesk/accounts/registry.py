"""Registry of function-permission codes (功能權限).

Each app declares its codes in its own ``permissions.py`` as a ``TextChoices`` class
decorated with ``@register_permissions(module=...)``. Roles store codes; menus, views
and the API check the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PermissionGroup:
    module: str
    choices: type[TextChoices]
    grants: dict[str, tuple[str, ...]]

    @property
    def codes(self) -> list[str]:
        return [c.value for c in self.choices]


_GROUPS: list[PermissionGroup] = []
_discovered = False


def register_permissions(*, module: str, grants: dict[str, list] | None = None):
    """``grants`` maps a default role key to the members its seed role receives;
    the admin role always receives every code."""

    def decorate(cls: type[TextChoices]) -> type[TextChoices]:
        if not any(g.choices is cls for g in _GROUPS):
            frozen = {
                role: tuple(str(c.value if hasattr(c, "value") else c) for c in codes)
                for role, codes in (grants or {}).items()
            }
            _GROUPS.append(PermissionGroup(module=module, choices=cls, grants=frozen))
        return cls

    return decorate


def permission_groups() -> list[PermissionGroup]:
    global _discovered
    if not _discovered:
        autodiscover_modules("permissions")
        _discovered = True
    return list(_GROUPS)


def all_codes() -> set[str]:
    return {code for group in permission_groups() for code in group.codes}


def codes_label(code: str) -> str:
    for group in permission_groups():
        for choice in group.choices:
            if choice.value == code:
                return str(choice.label)
    return code


def default_codes_for(role_key: str) -> set[str]:
    if role_key == "admin":
        return all_codes()
    return {
        code for group in permission_groups() for code in group.grants.get(role_key, ())
    }
