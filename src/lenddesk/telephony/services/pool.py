"""The caller-number pool (号码池): which line makes the next call.

Lines rotate (least recently used first). A line is taken only by one conditional
UPDATE that also counts the call against its hour and day and starts its rest, so
two simultaneous calls never push a line past its caps. A line whose connect rate
over its last calls falls below the firm's threshold (the carriers' blocking signal)
is benched and the people who run the pool are told.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.audit.services import audit_record
from lenddesk.notifications.services import notify
from lenddesk.telephony import audit_actions as A
from lenddesk.telephony.models import (
    CallerNumber,
    CallRecord,
    CallResult,
    CallState,
    NumberStatus,
    TelephonySettings,
)

CANDIDATES = 50


def _fits(now: dt.datetime, today: dt.date, hour: dt.datetime) -> Q:
    return (
        Q(status=NumberStatus.ACTIVE)
        & (Q(day__isnull=True) | Q(day__lt=today) | Q(day_count__lt=F("daily_cap")))
        & (
            Q(hour_start__isnull=True)
            | Q(hour_start__lt=hour)
            | Q(hour_count__lt=F("hourly_cap"))
        )
        & (Q(free_at__isnull=True) | Q(free_at__lte=now))
    )


def number_take() -> CallerNumber | None:
    """The next free line, already counted; ``None`` when every line is at a cap,
    resting or benched."""
    now = timezone.now()
    today = timezone.localdate(now)
    hour = now.replace(minute=0, second=0, microsecond=0)
    fits = _fits(now, today, hour)
    candidates = CallerNumber.objects.filter(fits).order_by(
        F("last_used_at").asc(nulls_first=True), "pk"
    )[:CANDIDATES]
    for line in candidates:
        taken = CallerNumber.objects.filter(fits, pk=line.pk).update(
            day_count=Case(When(day=today, then=F("day_count") + 1), default=Value(1)),
            day=today,
            hour_count=Case(
                When(hour_start=hour, then=F("hour_count") + 1), default=Value(1)
            ),
            hour_start=hour,
            free_at=now + dt.timedelta(seconds=line.cooldown_seconds),
            last_used_at=now,
        )
        if taken:
            line.refresh_from_db()
            return line
    return None


def number_rest(line: CallerNumber | None, ended: dt.datetime) -> None:
    """The line rests its cool-down from the end of the call (never shortened)."""
    if line is None:
        return
    free = ended + dt.timedelta(seconds=line.cooldown_seconds)
    CallerNumber.objects.filter(pk=line.pk).filter(
        Q(free_at__isnull=True) | Q(free_at__lt=free)
    ).update(free_at=free)


def number_judge(line_id: int | None, config: TelephonySettings) -> bool:
    """Bench the line when its connect rate over the firm's window of last ended
    calls is below the threshold. True when this call benched it."""
    if line_id is None:
        return False
    window = config.bench_after_calls
    results = list(
        CallRecord.objects.filter(caller_number_id=line_id, state=CallState.ENDED)
        .order_by("-ended_at", "-id")
        .values_list("result", flat=True)[:window]
    )
    if len(results) < window:
        return False
    connected = sum(1 for r in results if r == CallResult.CONNECTED)
    rate = connected * 100 // window
    if rate >= config.bench_below_percent:
        return False
    reason = _("Connect rate %(rate)d%% over the last %(n)d calls") % {
        "rate": rate,
        "n": window,
    }
    benched = CallerNumber.objects.filter(
        pk=line_id, status=NumberStatus.ACTIVE
    ).update(status=NumberStatus.BENCHED, bench_reason=reason)
    if not benched:
        return False
    line = CallerNumber.objects.get(pk=line_id)
    audit_record(
        action=A.NUMBER_BENCHED, target=line, changes={"rate": rate, "window": window}
    )
    _tell_admins(line, reason)
    return True


def _tell_admins(line: CallerNumber, reason: str) -> None:
    admins = [
        u
        for u in User.objects.filter(status=UserStatus.ACTIVE).prefetch_related("roles")
        if u.has_code("telephony.settings")
    ]
    notify(
        recipients=admins,
        kind="telephony.number_benched",
        title=_("Caller line %(line)s was benched") % {"line": str(line)},
        body=reason,
        url="/telephony/numbers/",
        target=line,
        dedupe_key="benched:%d:%s" % (line.pk, timezone.now().date().isoformat()),
    )
