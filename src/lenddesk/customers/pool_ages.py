"""How long a customer has waited in a public pool, in the buckets the pool-health
dashboard counts and the pool list filters by (one definition for both).

A customer's time in the pool counts from when it went back (a return or a release
sets the cool-down: ``cooldown_until`` = that moment + the rules' cool-down days) or,
for one never owned, from its creation. Plain comparisons, so the partial index on
(tenant, pool, cooldown_until, created_at) of the pool's customers answers them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_lazy

from lenddesk.customers.models import PoolRules

# (key, label, in the pool at least this many days, and less than that many)
POOL_AGES = (
    ("age_7", gettext_lazy("Up to 7 days"), 0, 7),
    ("age_30", gettext_lazy("8–30 days"), 7, 30),
    ("age_90", gettext_lazy("31–90 days"), 30, 90),
    ("age_180", gettext_lazy("91–180 days"), 90, 180),
    ("age_more", gettext_lazy("Over 180 days"), 180, None),
)
POOL_AGE_KEYS = frozenset(key for key, _label, _low, _high in POOL_AGES)


def pool_cooldown() -> dt.timedelta:
    rules = PoolRules.objects.first()
    return dt.timedelta(days=rules.cooldown_days if rules else 7)


def entered_since(edge: dt.datetime, cooldown: dt.timedelta) -> Q:
    """In the pool since ``edge`` or later."""
    return Q(cooldown_until__isnull=True, created_at__gte=edge) | Q(
        cooldown_until__gte=edge + cooldown
    )


def pool_age_q(key: str, now: dt.datetime, cooldown: dt.timedelta) -> Q:
    """Customers whose time in the pool falls in bucket ``key``."""
    _key, _label, low, high = next(b for b in POOL_AGES if b[0] == key)
    condition = Q()
    if low:
        condition &= ~entered_since(now - dt.timedelta(days=low), cooldown)
    if high is not None:
        condition &= entered_since(now - dt.timedelta(days=high), cooldown)
    return condition
