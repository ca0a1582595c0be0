"""Credit reports (征信报告) the customer supplies: the authorisation that allows
looking at one (the signed 征信查询授权书 or a recorded consent) and the query record
every look leaves behind (征信业管理条例 art. 22: staff, time, method, content,
purpose), refused looks included. Query records are append-only at the database
level (migration 0014)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.models.activity import CustomerDocument
from lenddesk.customers.models.customers import Customer
from lenddesk.tenancy.models import TenantModel


class AuthorisationMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed authorisation form")
    RECORDED_CONSENT = "recorded_consent", _("Recorded consent")


class CreditAuthorisation(TenantModel):
    """The customer's authorisation to look at their credit report, valid from one
    day to another unless revoked earlier."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="credit_authorisations"
    )
    method = models.CharField(_("method"), max_length=20, choices=AuthorisationMethod)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    source_label = models.CharField(_("source"), max_length=120)
    note = models.CharField(_("note"), max_length=300, blank=True)
    document = models.ForeignKey(
        CustomerDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scan"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_until", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "customer", "-valid_until"],
                name="credit_auth_customer",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="credit_auth_period",
            ),
        ]

    def __str__(self) -> str:
        return "%s %s–%s" % (self.source_label, self.valid_from, self.valid_until)

    def state_on(self, day) -> str:
        """``valid``, ``revoked``, ``expired`` or ``pending`` (not yet valid)."""
        if self.revoked_at is not None:
            return "revoked"
        if day > self.valid_until:
            return "expired"
        if day < self.valid_from:
            return "pending"
        return "valid"

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())


class CreditPurpose(models.TextChoices):
    PRE_LOAN = "pre_loan", _("Pre-loan review")
    POST_LOAN = "post_loan", _("Post-loan management")
    FUNDER_SUBMISSION = "funder_submission", _("Submission to a funder")
    CUSTOMER_REQUEST = "customer_request", _("At the customer's own request")


class QueryMethod(models.TextChoices):
    VIEW = "view", _("View the original")
    DOWNLOAD = "download", _("Download")


class QueryOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    REFUSED = "refused", _("Refused")


class RefusalReason(models.TextChoices):
    NO_PURPOSE = "no_purpose", _("No purpose given")
    NO_AUTHORISATION = "no_authorisation", _("No authorisation on file")
    EXPIRED = "authorisation_expired", _("The authorisation has expired")
    REVOKED = "authorisation_revoked", _("The authorisation was revoked")


class CreditQueryRecord(TenantModel):
    """One look at a credit report, allowed or refused (征信查询记录). Written once,
    never changed: the staff member's name is kept as it was at that moment."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="credit_queries"
    )
    document = models.ForeignKey(
        CustomerDocument, on_delete=models.PROTECT, related_name="credit_queries"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    staff_name = models.CharField(_("staff"), max_length=80)
    queried_at = models.DateTimeField(_("time"), default=timezone.now)
    method = models.CharField(_("method"), max_length=10, choices=QueryMethod)
    content = models.CharField(_("content"), max_length=200)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=CreditPurpose, blank=True
    )
    purpose_note = models.CharField(_("purpose details"), max_length=200, blank=True)
    authorisation = models.ForeignKey(
        CreditAuthorisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queries",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=QueryOutcome)
    refusal = models.CharField(
        _("reason refused"), max_length=24, choices=RefusalReason, blank=True
    )

    class Meta:
        ordering = ["-queried_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-queried_at"], name="credit_query_time"),
            models.Index(
                fields=["tenant", "customer", "-queried_at"],
                name="credit_query_customer",
            ),
        ]

    def __str__(self) -> str:
        return "%s %s %s" % (self.staff_name, self.queried_at, self.outcome)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("a credit-query record is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("a credit-query record is never deleted")


class AppendOnly(Exception):
    """A change to a row the law wants kept as written."""
