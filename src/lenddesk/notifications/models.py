"""In-app notifications (SPEC M14): what the bell in the header counts."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.notifications.channels.base import failure_text
from lenddesk.security.fields import EncryptedFieldsMixin
from lenddesk.tenancy.models import TenantModel


class Notification(TenantModel):
    """One message for one staff member. ``dedupe_key`` makes scheduled senders
    idempotent: the same reminder is never stored twice for a recipient."""

    SCOPE_OWNER = "recipient"
    objects = ScopedManager()

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "recipient", "-created_at"],
                name="notification_inbox",
            ),
            models.Index(
                fields=["tenant", "recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- Channels beyond the app (issue 18): email, SMS, WeChat ------------------------


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class ChannelConfig(EncryptedFieldsMixin, TenantModel):
    """One external channel of a firm: on or off, the provider that carries it, its
    credentials (encrypted, write-only on the page) and the kinds of event it sends
    by default to people who have not chosen for themselves. Firm-wide configuration."""

    ENCRYPTED_FIELDS = {"credentials": "text"}
    REVEAL_CODES: dict[str, str] = {}

    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    enabled = models.BooleanField(_("enabled"), default=False)
    provider = models.CharField(_("provider"), max_length=24, default="simulated")
    # A JSON object of the provider's keys (AccessKey, AppSecret …), sealed.
    credentials_cipher = models.BinaryField(null=True, blank=True, editable=False)
    credentials_hint = models.CharField(max_length=80, blank=True, editable=False)
    row_key = models.UUIDField(default=uuid.uuid4, editable=False)
    default_kinds = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel"], name="channel_config_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_channel_display()


class SmsTemplate(TenantModel):
    """The firm's wording of one kind of event as an SMS, with its 【签名】 and the
    opt-out line; ``provider_code`` is the template's code at the SMS provider.
    Firm-wide configuration; kind ``*`` is the fallback for kinds without their own."""

    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=300)
    provider_code = models.CharField(
        _("provider template code"), max_length=40, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind"], name="sms_template_unique"
            )
        ]

    def __str__(self) -> str:
        return self.kind


class ChannelPreference(TenantModel):
    """A staff member's own choice for one kind of event on one channel (the matrix
    on 我的通知偏好); no row means the firm's default for that kind."""

    SCOPE_OWNER = "user"
    objects = ScopedManager()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    enabled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "kind", "channel"],
                name="channel_preference_unique",
            )
        ]


class WechatBinding(TenantModel):
    """The staff member's openid at the firm's official account (公众号)."""

    SCOPE_OWNER = "user"
    objects = ScopedManager()

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    openid = models.CharField(_("openid"), max_length=64)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(TenantModel):
    """One message for one channel, written in the same transaction as the business
    change that caused it and delivered after the commit (the transactional outbox).
    ``key`` is the idempotency key handed to providers; ``lease_until`` lets another
    sweep take over a message whose worker died mid-send."""

    SCOPE_OWNER = "recipient"
    objects = ScopedManager()

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    dedupe_key = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    address_hint = models.CharField(_("sent to"), max_length=80, blank=True)
    # The SMS exactly as handed to the provider (signature and opt-out included).
    sent_text = models.CharField(_("text sent"), max_length=300, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=80, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="outbox_due",
            ),
            models.Index(fields=["tenant", "-created_at"], name="outbox_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="outbox_key_unique"),
            models.UniqueConstraint(
                fields=["tenant", "recipient", "channel", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="outbox_dedupe_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def failure(self) -> str:
        """The last error as people read it (stored as ``reason[:provider code]``)."""
        return failure_text(self.last_error)
