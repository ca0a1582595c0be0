from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions


@register_permissions(
    module="org",
    grants={"general_manager": ["user.view"], "team_lead": ["user.view"]},
)
class UserPermission(TextChoices):
    VIEW = "user.view", _("View staff")
    CREATE = "user.create", _("Create staff")
    CHANGE = "user.change", _("Edit staff")
    ACTIVATE = "user.activate", _("Activate or disable staff")
    REVEAL_PHONE = "user.reveal_phone", _("Reveal staff phone numbers")
    REVEAL_ID = "user.reveal_id", _("Reveal staff ID numbers")


@register_permissions(module="org", grants={"general_manager": ["role.view"]})
class RolePermission(TextChoices):
    VIEW = "role.view", _("View roles")
    CHANGE = "role.change", _("Edit roles")


@register_permissions(
    module="platform", grants={"general_manager": ["tenant.view_plan"]}
)
class TenantPermission(TextChoices):
    VIEW_PLAN = "tenant.view_plan", _("See the plan, seats and expiry")
    SETTINGS = "tenant.settings", _("Change firm settings")


@register_permissions(
    module="org",
    grants={"general_manager": ["department.view"], "team_lead": ["department.view"]},
)
class DepartmentPermission(TextChoices):
    VIEW = "department.view", _("View departments")
    CHANGE = "department.change", _("Edit departments")
