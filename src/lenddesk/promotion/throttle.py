"""Fixed-window counters for public form submissions: one limit per client address,
one per form (atomic on every backend: ``web.cache.count_hit``)."""

from __future__ import annotations

import time

from django.conf import settings

from lenddesk.web.cache import count_hit

IP_WINDOW_SECONDS = 600


def _take(key: str, limit: int, window: int) -> bool:
    bucket = "%s:%d" % (key, int(time.time() // window))
    return count_hit(bucket, window + 5) <= limit


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
