"""Default roles every firm starts with (SPEC: People). Idempotent: adds missing roles
and the default codes that later modules declare; never removes a firm's edits."""

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from lenddesk.accounts.models import DataScope, Role
from lenddesk.accounts.registry import default_codes_for

DEFAULT_ROLES = (
    ("admin", gettext_noop("Administrator"), DataScope.ALL),
    ("general_manager", gettext_noop("General manager"), DataScope.ALL),
    ("team_lead", gettext_noop("Team lead"), DataScope.DEPT_AND_BELOW),
    ("salesperson", gettext_noop("Salesperson"), DataScope.SELF),
    ("telemarketer", gettext_noop("Telemarketer"), DataScope.SELF),
    ("processor", gettext_noop("Processor"), DataScope.SELF),
    ("warrant_officer", gettext_noop("Warrant officer"), DataScope.SELF),
    ("finance", gettext_noop("Finance"), DataScope.ALL),
)


def seed_default_roles() -> dict[str, Role]:
    """Run inside tenant_context(tenant)."""
    roles: dict[str, Role] = {}
    for key, name, scope in DEFAULT_ROLES:
        with translation.override("zh-hans"):
            label = gettext(name)
        role, _created = Role.objects.get_or_create(
            key=key, defaults={"name": label, "data_scope": scope, "is_system": True}
        )
        wanted = default_codes_for(key)
        if not wanted.issubset(role.codes or []):
            role.codes = sorted(set(role.codes or []) | wanted)
            role.save(update_fields=["codes", "updated_at"])
        roles[key] = role
    return roles
