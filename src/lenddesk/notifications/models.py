"""In-app notifications (SPEC M14): what the bell in the header counts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
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
