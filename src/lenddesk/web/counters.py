"""Hit counters in the database, for every backend but Redis.

Django's ``incr`` outside Redis is a read and a write (two requests can read the same
value) and the database cache's write sets a fresh default timeout, so a window of an
hour ended after five minutes. Here one statement adds the hit and, when the window
is over, starts a new one: ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite ≥
3.35, PostgreSQL). The clock is the application's (``timezone.now()``), the same one
every other deadline uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import InterfaceError, OperationalError, connection
from django.db.models import F
from django.utils import timezone

from lenddesk.web.models import Counter

MAX_KEY = Counter._meta.get_field("key").max_length


def counter_key(name: str) -> str:
    """The row's key: the name itself, or its digest when the name is too long."""
    if len(name) <= MAX_KEY:
        return name
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


# Standard SQL (quoted names, the same on SQLite and PostgreSQL); in the SET list a
# column names the row as it was before this statement.
_UPSERT = (
    'INSERT INTO "web_counter" ("key", "count", "expires_at") VALUES (%s, 1, %s) '
    'ON CONFLICT ("key") DO UPDATE SET '
    '"count" = CASE WHEN "web_counter"."expires_at" <= %s THEN 1 '
    'ELSE "web_counter"."count" + 1 END, '
    '"expires_at" = CASE WHEN "web_counter"."expires_at" <= %s '
    'THEN excluded."expires_at" ELSE "web_counter"."expires_at" END '
    'RETURNING "count"'
)


def db_count_hit(name: str, ttl: int) -> int:
    """Add one to ``name`` (a new window of ``ttl`` seconds when none is running) and
    return the count: one atomic statement. Outside a transaction, a connection that
    turns out to be broken (a restarted server) is replaced and the statement sent
    once more, as the intake store does, instead of a health check per request."""
    for attempt in (1, 2):
        try:
            return _upsert(name, ttl)
        except (OperationalError, InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            connection.close()
    raise AssertionError("unreachable")  # pragma: no cover


def _upsert(name: str, ttl: int) -> int:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    ends, current = adapt(now + dt.timedelta(seconds=ttl)), adapt(now)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [counter_key(name), ends, current, current])
        rows = cursor.fetchall()
    return int(rows[0][0])


def db_hit_counts(names: list[str]) -> dict[str, int]:
    """The running count of each name (0 when none is running)."""
    keys = {counter_key(name): name for name in names}
    found = dict(
        Counter.objects.filter(
            key__in=list(keys), expires_at__gt=timezone.now()
        ).values_list("key", "count")
    )
    return {name: found.get(key, 0) for key, name in keys.items()}


def db_seconds_left(name: str) -> int:
    """Seconds until the running window of ``name`` ends (0 when none is running)."""
    ends = (
        Counter.objects.filter(key=counter_key(name))
        .values_list("expires_at", flat=True)
        .first()
    )
    if ends is None:
        return 0
    return max(0, int((ends - timezone.now()).total_seconds() + 0.999))


def db_give_back(name: str) -> None:
    Counter.objects.filter(
        key=counter_key(name), count__gt=0, expires_at__gt=timezone.now()
    ).update(count=F("count") - 1)


def db_forget(name: str) -> None:
    Counter.objects.filter(key=counter_key(name)).delete()


def purge_expired_counters() -> int:
    """Delete the rows whose window is over (they would start afresh anyway)."""
    deleted, _ = Counter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
