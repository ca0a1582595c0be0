"""The fixed choices of orders: a flow version's state, a step's kind, an order's
state and fee terms, a move's kind and a funder submission's state."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Replaced")


class NodeKind(models.TextChoices):
    STEP = "step", _("Step")
    END = "end", _("Completed")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class FeeKind(models.TextChoices):
    RATE = "rate", _("Percent of the disbursed amount")
    FIXED = "fixed", _("Fixed amount")
    TIERED = "tiered", _("Tiered by the disbursed amount")


class MoveKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("order move", "Opened")
    FORWARD = "forward", _("Moved on")
    RETURN = "return", pgettext_lazy("order move", "Returned")
    CANCEL = "cancel", _("Cancelled")
    COMPLETE = "complete", _("Completed")


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the funder")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
