"""Conversion feedback (回传) to traffic platforms: per integration, which funnel
events go back to the platform and where (``ConversionConfig``), and one outbox row
per event sent (``ConversionCallback``, also the delivery log). Imported by
``acquisition.models``; the integration is named by string so this module needs
nothing of it."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel

DEFAULT_QUALIFIED_STAGE = "invited"


class ConversionEvent(models.TextChoices):
    QUALIFIED = "qualified", _("Qualified")
    SIGNED = "signed", _("Signed")
    DISBURSED = "disbursed", _("Disbursed")
    LOST = "lost", _("Lost")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


def all_events() -> list[str]:
    return list(ConversionEvent.values)


class ConversionConfig(EncryptedFieldsMixin, TenantModel):
    """An integration's conversion feedback: on or off, the platform's callback URL,
    the events it wants, the stage that counts as qualified, whether the demand's
    amount band may go with them, and the signing secret (encrypted: signing needs it
    back; shown once when issued)."""

    ENCRYPTED_FIELDS = {"secret": "text"}

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    integration = models.OneToOneField(
        "acquisition.Integration", on_delete=models.CASCADE, related_name="conversion"
    )
    enabled = models.BooleanField(_("send conversion feedback"), default=False)
    url = models.CharField(_("callback URL"), max_length=500, blank=True)
    events = models.JSONField(_("events"), default=all_events, blank=True)
    qualified_stage = models.CharField(
        _("stage that counts as qualified"),
        max_length=30,
        default=DEFAULT_QUALIFIED_STAGE,
    )
    send_amount_band = models.BooleanField(_("send the amount band"), default=False)
    secret_cipher = models.BinaryField(null=True, blank=True, editable=False)
    secret_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.integration_id)


class ConversionCallback(TenantModel):
    """One conversion event for one platform lead: written in the transaction that
    moved the customer, delivered after the commit, retried with back-off. Unique per
    (integration, lead reference, event), so an event goes out at most once however
    often the stage moves back and forth. It holds the platform's own lead reference
    and nothing personal."""

    integration = models.ForeignKey(
        "acquisition.Integration",
        on_delete=models.CASCADE,
        related_name="conversion_callbacks",
    )
    event = models.CharField(_("event"), max_length=12, choices=ConversionEvent)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    lead_ref = models.CharField(_("lead reference"), max_length=120)
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    amount_band = models.CharField(_("amount band"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CallbackStatus,
        default=CallbackStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "integration", "lead_ref", "event"],
                name="acquisition_conversion_once",
            ),
            models.UniqueConstraint(
                fields=["tenant", "event_id"], name="acquisition_conversion_event_id"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "integration", "-id"]),
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="acquisition_conversion_due",
            ),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.event, self.lead_ref)
