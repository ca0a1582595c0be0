"""What happens to a customer: follow-ups (跟进), visits, the timeline and the documents of its dossier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.models.customers import Customer
from lenddesk.tenancy.models import TenantModel


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    SMS = "sms", _("SMS")
    OTHER = "other", _("Other")


class FollowUp(TenantModel):
    """One contact with a customer (跟进), with the next planned contact."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="followups"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=FollowUpKind, default=FollowUpKind.CALL
    )
    content = models.TextField(_("what happened"))
    next_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    is_system = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "customer", "-created_at"], name="fu_tenant_customer"
            ),
            models.Index(fields=["tenant", "created_at"], name="fu_tenant_created"),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.customer_id, self.kind)


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Visit(TenantModel):
    """An appointment at the office (邀约上门)."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="visits"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(_("appointment"))
    place = models.CharField(_("place"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus, default=VisitStatus.BOOKED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]
        indexes = [
            models.Index(fields=["tenant", "scheduled_at"], name="visit_tenant_when"),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.customer_id, self.scheduled_at)


class TimelineEvent(TenantModel):
    """Everything that happened to a customer, newest first (客户画像时间线)."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="timeline"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "customer", "-created_at"], name="tl_tenant_customer"
            ),
            models.Index(
                fields=["tenant", "kind", "created_at"], name="tl_tenant_kind_created"
            ),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.customer_id, self.kind)


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    BANK_STATEMENT = "bank_statement", _("Bank statement")
    PROPERTY_CERTIFICATE = "property_certificate", _("Property certificate")
    INCOME_PROOF = "income_proof", _("Proof of income")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    CONTRACT = "contract", _("Signed contract")
    CREDIT_REPORT = "credit_report", _("Credit report")
    OTHER = "other", _("Other")


class CustomerDocument(TenantModel):
    """A file in the customer's dossier (客户档案), encrypted at rest; a new upload of
    the same kind is a new version, the old ones stay."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind)
    version = models.PositiveSmallIntegerField(default=1)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer", "kind", "version"],
                name="document_version_uniq",
            )
        ]

    def __str__(self) -> str:
        return "%s v%d" % (self.get_kind_display(), self.version)
