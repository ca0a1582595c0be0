from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

EVERY_SELLER = ["general_manager", "team_lead", "salesperson", "telemarketer"]


@register_permissions(
    module="customers",
    grants={
        "general_manager": [
            "customer.view",
            "customer.create",
            "customer.change",
            "customer.claim",
            "customer.assign",
            "customer.export",
            "customer.export_approve",
            "customer.reveal_phone",
            # prints the authorisations (征信查询授权书) that need the full number
            "customer.reveal_id",
            "customer.pool_rules",
        ],
        "team_lead": [
            "customer.view",
            "customer.create",
            "customer.change",
            "customer.claim",
            "customer.assign",
            "customer.reveal_phone",
            "customer.import",
        ],
        "salesperson": [
            "customer.view",
            "customer.create",
            "customer.change",
            "customer.claim",
        ],
        "telemarketer": ["customer.view", "customer.create", "customer.claim"],
        "processor": ["customer.view"],
        "warrant_officer": ["customer.view"],
        "finance": ["customer.view"],
    },
)
class CustomerPermission(TextChoices):
    VIEW = "customer.view", _("View customers")
    CREATE = "customer.create", _("Create customers")
    CHANGE = "customer.change", _("Edit customers and add follow-ups")
    CLAIM = "customer.claim", _("Claim from the public pool")
    ASSIGN = "customer.assign", _("Assign customers to colleagues")
    IMPORT = "customer.import", _("Import customers")
    EXPORT = "customer.export", _("Export customers")
    EXPORT_APPROVE = "customer.export_approve", _("Approve large customer exports")
    REVEAL_PHONE = "customer.reveal_phone", _("Reveal customer phone numbers")
    REVEAL_ID = "customer.reveal_id", _("Reveal customer ID numbers")
    POOL_RULES = "customer.pool_rules", _("Change pool rules")


@register_permissions(
    module="customers",
    grants={
        "general_manager": ["customers.credit_view", "customers.credit_log"],
        "team_lead": ["customers.credit_view"],
        "salesperson": ["customers.credit_view"],
        "processor": ["customers.credit_view"],
    },
)
class CreditPermission(TextChoices):
    """Credit reports (征信报告): looking at one (with an authorisation and a
    purpose, every look recorded) and reading or exporting the query log."""

    VIEW = "customers.credit_view", _("View credit reports (with authorisation)")
    LOG = "customers.credit_log", _("Read and export the credit-query log")
