from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions


@register_permissions(module="org", grants={"general_manager": ["audit.view"]})
class AuditPermission(TextChoices):
    VIEW = "audit.view", _("View the audit log")
    EXPORT = "audit.export", _("Export the audit log")
