from django.conf import settings
from django.db import models
from rest_framework.utils.encoders import JSONEncoder

from lenddesk.tenancy.models import TenantModel


class IdempotencyRecord(TenantModel):
    """The answer to a command sent with an ``Idempotency-Key``: a retry of the same
    request gets the same answer without a second effect (SECURITY T40)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(encoder=JSONEncoder, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "actor", "key"], name="idempotency_key_unique"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age")]


class Counter(models.Model):
    """A named hit count that ends at ``expires_at``: the rate limits' and lockouts'
    shared counter when the cache is not Redis (``web.cache.count_hit``). A platform
    table (names carry the firm where it matters), so no row-level security."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="counter_expiry")]

    def __str__(self) -> str:
        return "%s=%d" % (self.key, self.count)
