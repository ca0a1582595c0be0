"""Outbound calling (外呼): the firm's provider settings, its caller-number pool
(号码池), the do-not-call list (免打扰), call records (通话记录) and the provider's
events on them.

Call records are scoped by ``staff`` (who made the call): a call is the caller's
work, counted in their statistics, and stays theirs after the customer moves to
another owner (the customer's timeline keeps a line about it for the new owner).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.customers.models import Customer
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel


class ProviderKind(models.TextChoices):
    SIMULATED = "simulated", _("Simulated (demo and tests)")
    ALIYUN = "aliyun", _("Alibaba Cloud privacy numbers")


class CallMode(models.TextChoices):
    CALLBACK = "callback", _("Callback (rings you, then the customer)")
    AXB = "axb", _("Privacy number (AXB)")


def _bounded(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class TelephonySettings(EncryptedFieldsMixin, TenantModel):
    """One row per firm: the provider, its credentials (encrypted) and the rules."""

    ENCRYPTED_FIELDS = {"access_secret": "text", "callback_secret": "text"}

    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    provider = models.CharField(
        _("provider"),
        max_length=12,
        choices=ProviderKind,
        default=ProviderKind.SIMULATED,
    )
    mode = models.CharField(
        _("calling mode"), max_length=10, choices=CallMode, default=CallMode.CALLBACK
    )
    access_key_id = models.CharField(_("AccessKey ID"), max_length=64, blank=True)
    access_secret_cipher = models.BinaryField(null=True, blank=True, editable=False)
    callback_secret_cipher = models.BinaryField(null=True, blank=True, editable=False)
    pool_key = models.CharField(_("number pool key"), max_length=64, blank=True)
    endpoint = models.URLField(
        _("API endpoint"), default="https://dyplsapi.aliyuncs.com/", max_length=200
    )
    quiet_start = models.TimeField(_("calls allowed from"), default=dt.time(9, 0))
    quiet_end = models.TimeField(_("calls allowed until"), default=dt.time(20, 0))
    user_daily_cap = models.PositiveIntegerField(
        _("calls per person per day"), default=200, validators=_bounded(1, 5000)
    )
    customer_daily_cap = models.PositiveIntegerField(
        _("calls per customer per day"), default=3, validators=_bounded(1, 100)
    )
    bench_below_percent = models.PositiveSmallIntegerField(
        _("bench a number below this connect rate (%)"),
        default=15,
        validators=_bounded(0, 100),
    )
    bench_after_calls = models.PositiveIntegerField(
        _("judge the connect rate over the last … calls"),
        default=20,
        validators=_bounded(5, 1000),
    )
    bind_minutes = models.PositiveIntegerField(
        _("privacy-number binding lasts (minutes)"),
        default=30,
        validators=_bounded(1, 1440),
    )
    recording_notice = models.BooleanField(
        _("announce the recording to the customer"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="telephony_settings_one")
        ]


class NumberStatus(models.TextChoices):
    ACTIVE = "active", _("In rotation")
    BENCHED = "benched", _("Benched")
    DISABLED = "disabled", _("Switched off")


class CallerNumber(TenantModel):
    """One of the firm's own outgoing lines. The counters of the running hour and
    day live on the row and move only by conditional UPDATEs (``services.pool``)."""

    number = models.CharField(_("number"), max_length=20)
    label = models.CharField(_("label"), max_length=40, blank=True)
    hourly_cap = models.PositiveIntegerField(
        _("calls per hour"), default=30, validators=_bounded(1, 10000)
    )
    daily_cap = models.PositiveIntegerField(
        _("calls per day"), default=150, validators=_bounded(1, 100000)
    )
    cooldown_seconds = models.PositiveIntegerField(
        _("rest between calls (seconds)"), default=30, validators=_bounded(0, 86400)
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NumberStatus, default=NumberStatus.ACTIVE
    )
    bench_reason = models.CharField(max_length=200, blank=True)
    hour_start = models.DateTimeField(null=True, blank=True, editable=False)
    hour_count = models.PositiveIntegerField(default=0, editable=False)
    day = models.DateField(null=True, blank=True, editable=False)
    day_count = models.PositiveIntegerField(default=0, editable=False)
    free_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"], name="caller_number_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.label or self.masked_number

    @property
    def masked_number(self) -> str:
        n = self.number
        return n if len(n) < 8 else "%s****%s" % (n[:3], n[-4:])


class DoNotCall(TenantModel):
    """A customer who must not be called (免打扰), with why and who said so."""

    SCOPE_OWNER = "customer__owner"
    objects = ScopedManager()

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="do_not_call"
    )
    reason = models.CharField(_("reason"), max_length=200)
    by_customer = models.BooleanField(_("asked by the customer"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class CallState(models.TextChoices):
    REQUESTED = "requested", _("Dialling")
    RINGING = "ringing", _("Ringing")
    TALKING = "talking", _("In the call")
    ENDED = "ended", _("Ended")
    FAILED = "failed", _("Failed")


class CallResult(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    STAFF_MISSED = "staff_missed", _("You did not pick up")
    FAILED = "failed", _("Failed")


class CallOutcome(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")
    CALL_AGAIN = "call_again", _("Call again later")
    VISIT = "visit", _("Visit booked")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


ENDED_STATES = (CallState.ENDED, CallState.FAILED)


class CallRecord(TenantModel):
    """One call (通话记录). Never holds the customer's number: the provider got it,
    the record keeps the caller line used and, for AXB, the middle number."""

    SCOPE_OWNER = "staff"
    objects = ScopedManager()

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="calls"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    caller_number = models.ForeignKey(
        CallerNumber, on_delete=models.SET_NULL, null=True, related_name="calls"
    )
    provider = models.CharField(max_length=12, choices=ProviderKind)
    mode = models.CharField(max_length=10, choices=CallMode)
    provider_call_id = models.CharField(max_length=64, blank=True)
    middle_number = models.CharField(max_length=20, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CallState, default=CallState.REQUESTED
    )
    result = models.CharField(
        _("result"), max_length=14, choices=CallResult, blank=True
    )
    started_at = models.DateTimeField(_("time"), auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("talk time (s)"), default=0)
    recording_name = models.CharField(max_length=40, blank=True, editable=False)
    recording_size = models.PositiveIntegerField(default=0, editable=False)
    recording_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CallOutcome, blank=True
    )
    visit_booked = models.BooleanField(default=False)
    noted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "staff", "-started_at"], name="call_staff"),
            models.Index(fields=["tenant", "started_at"], name="call_tenant_started"),
            models.Index(
                fields=["tenant", "customer", "-started_at"], name="call_customer"
            ),
            models.Index(
                fields=["tenant", "caller_number", "-started_at"], name="call_number"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider_call_id"],
                condition=~models.Q(provider_call_id=""),
                name="call_provider_id_uniq",
            )
        ]

    def __str__(self) -> str:
        return "call %s" % self.pk

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_name)


class CallEvent(TenantModel):
    """One provider event, stored once per ``event_id`` however often it arrives."""

    SCOPE_OWNER = "call__staff"
    objects = ScopedManager()

    call = models.ForeignKey(
        CallRecord, on_delete=models.CASCADE, related_name="events"
    )
    event_id = models.CharField(max_length=80)
    kind = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "event_id"], name="call_event_once"
            )
        ]
