"""The warrant centre (权证中心): registration tasks and the custody register of
original papers (原件保管).

The register is append-only: an original is received once (``CustodyItem``, whose
facts never change) and everything that happens to it afterwards is a new
``CustodyEntry`` (moved, checked out, checked in, returned to the customer). Where an
item is and who has it is read from its latest entry. Database triggers refuse any
UPDATE or DELETE of either table, like the audit log's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.tenancy.models import TenantModel


class WarrantKind(models.TextChoices):
    APPRAISAL = "appraisal", _("Appraisal (评估)")
    NOTARY = "notary", _("Notarisation (公证)")
    MORTGAGE_REGISTRATION = (
        "mortgage_registration",
        _("Mortgage registration (抵押登记)"),
    )
    RELEASE = "release", _("Mortgage release (解押)")
    CERTIFICATE = (
        "certificate",
        _("Property / other-rights certificate (不动产权证/他项权证)"),
    )


class WarrantStatus(models.TextChoices):
    PENDING = "pending", _("To arrange")
    BOOKED = "booked", _("Appointment booked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class WarrantTask(TenantModel):
    """One registration errand for an order, with its appointment and handler."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="warrant_tasks"
    )
    kind = models.CharField(_("task"), max_length=24, choices=WarrantKind)
    status = models.CharField(
        _("status"), max_length=10, choices=WarrantStatus, default=WarrantStatus.PENDING
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    certificate_number = models.CharField(
        _("certificate number"), max_length=60, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    lock_version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["appointment_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "handler", "appointment_at"],
                name="warrant_handler_week_idx",
            )
        ]


class OriginalKind(models.TextChoices):
    PROPERTY_CERTIFICATE = (
        "property_certificate",
        _("Property certificate (不动产权证书)"),
    )
    LAND_CERTIFICATE = "land_certificate", _("Land certificate (土地证)")
    MORTGAGE_CERTIFICATE = (
        "mortgage_certificate",
        _("Mortgage registration certificate (他项权证)"),
    )
    ID_CARD = "id_card", _("ID card")
    HOUSEHOLD_REGISTER = "household_register", _("Household register (户口本)")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("Marriage / single certificate")
    OTHER = "other", _("Other")


class CustodyItem(TenantModel):
    """An original paper received from a customer against a receipt (收件单). Its
    facts are written once; what happens to it is in its entries."""

    SCOPE_OWNER = "order__owner"
    objects = ScopedManager()

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="originals"
    )
    kind = models.CharField(_("paper"), max_length=24, choices=OriginalKind)
    number = models.CharField(_("number on the paper"), max_length=60, blank=True)
    holder = models.CharField(_("holder named on it"), max_length=80)
    received_from = models.CharField(_("received from"), max_length=80)
    receipt_number = models.CharField(_("receipt number"), max_length=32)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "receipt_number", "kind", "number"],
                name="custody_item_uniq",
            )
        ]


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("Received into custody")
    MOVED = "moved", _("Moved to another place")
    CHECKED_OUT = "checked_out", _("Checked out")
    CHECKED_IN = "checked_in", _("Checked back in")
    RETURNED = "returned", _("Returned to the customer")


class CustodyEntry(TenantModel):
    """What happened to an original, when, by whom and why. Append-only."""

    SCOPE_OWNER = "item__order__owner"
    objects = ScopedManager()

    item = models.ForeignKey(
        CustodyItem, on_delete=models.PROTECT, related_name="entries"
    )
    action = models.CharField(_("action"), max_length=12, choices=CustodyAction)
    location = models.CharField(_("storage place"), max_length=80, blank=True)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("who has it"),
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    due_back_at = models.DateTimeField(_("due back"), null=True, blank=True)
    receipt_scan = models.ForeignKey(
        "customers.CustomerDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed return receipt"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "id"]
        indexes = [
            models.Index(fields=["tenant", "item", "-id"], name="custody_latest_idx")
        ]
