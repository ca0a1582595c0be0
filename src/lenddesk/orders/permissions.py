from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.registry import register_permissions

HANDLING = ["orders.view", "orders.move"]


@register_permissions(
    module="orders",
    grants={
        "general_manager": [
            "orders.view",
            "orders.create",
            "orders.change",
            "orders.move",
            "orders.workflow",
            "orders.submit",
            "orders.disburse",
            "orders.reveal_account",
        ],
        "team_lead": ["orders.view", "orders.create", "orders.change", "orders.move"],
        "salesperson": ["orders.view", "orders.create", "orders.move"],
        "processor": [*HANDLING, "orders.change", "orders.submit", "orders.disburse"],
        "warrant_officer": HANDLING,
        "finance": ["orders.view", "orders.disburse", "orders.reveal_account"],
    },
)
class OrderPermission(TextChoices):
    VIEW = "orders.view", _("View orders")
    CREATE = "orders.create", _("Open orders for signed customers")
    CHANGE = (
        "orders.change",
        _("Change an order's amount, products, fee terms and handlers"),
    )
    MOVE = "orders.move", _("Move orders through their workflow")
    WORKFLOW = "orders.workflow", _("Edit and publish workflows")
    SUBMIT = "orders.submit", _("Submit orders to funders and record their decisions")
    DISBURSE = (
        "orders.disburse",
        _("Record disbursements, schedules and after-loan checks"),
    )
    REVEAL_ACCOUNT = (
        "orders.reveal_account",
        _("See a disbursement's full receiving account"),
    )
