"""Fixed-window counters in the shared cache for public form submissions: one limit
per client address, one per form."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

IP_WINDOW_SECONDS = 600


def _take(key: str, limit: int, window: int) -> bool:
    bucket = "%s:%d" % (key, int(time.time() // window))
    cache.add(bucket, 0, timeout=window + 5)
    try:
        count = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, timeout=window + 5)
        count = 1
    return count <= limit


def submission_allowed(*, tenant_id: int, form, ip: str | None) -> bool:
    """Count one attempt; False when the address or the whole form is over its limit."""
    per_ip = int(getattr(settings, "PROMOTION_FORM_IP_LIMIT", 10))
    by_ip = _take(
        "promotion:rl:ip:%d:%s" % (tenant_id, ip or "unknown"),
        per_ip,
        IP_WINDOW_SECONDS,
    )
    by_form = _take(
        "promotion:rl:form:%d:%d" % (tenant_id, form.pk), form.hourly_limit, 3600
    )
    return by_ip and by_form
