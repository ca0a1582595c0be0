"""Why a call may not be made now. Each refusal is a ``ValidationError`` with a code
from ``errors.TelephonyError`` and a message the 拨打 button shows as it is."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.telephony.errors import TelephonyError as E
from lenddesk.telephony.models import DoNotCall, TelephonySettings
from lenddesk.web.cache import count_hit, hit_counts

DAY = 26 * 3600  # a day's counter outlives its day a little; its key names the day


def refuse(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=code)


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


def check_callable(customer, config: TelephonySettings, now: dt.datetime) -> None:
    """The do-not-call list and calling hours: no counter is touched."""
    if DoNotCall.objects.filter(customer_id=customer.pk).exists():
        raise refuse(
            E.DO_NOT_CALL,
            _("This customer is on the do-not-call list: calls to them are blocked."),
        )
    local = timezone.localtime(now).time()
    if not config.quiet_start <= local < config.quiet_end:
        raise refuse(
            E.QUIET_HOURS,
            _("Calls are allowed only between %(start)s and %(end)s.")
            % {"start": _clock(config.quiet_start), "end": _clock(config.quiet_end)},
        )


def _day_key(kind: str, tenant_id: int, pk: int, now: dt.datetime) -> str:
    return "tel:%s:%d:%d:%s" % (
        kind,
        tenant_id,
        pk,
        timezone.localdate(now).isoformat(),
    )


def count_call(actor, customer, config: TelephonySettings, now: dt.datetime) -> None:
    """Count the call against the customer's and then the person's day (one atomic
    hit each); refuse when either is over its cap. A call refused for the customer
    does not use up the person's allowance."""
    theirs = count_hit(_day_key("customer", actor.tenant_id, customer.pk, now), DAY)
    if theirs > config.customer_daily_cap:
        raise refuse(
            E.CUSTOMER_CAP,
            _("This customer was already called %(n)d times today; try again tomorrow.")
            % {"n": config.customer_daily_cap},
        )
    mine = count_hit(_day_key("user", actor.tenant_id, actor.pk, now), DAY)
    if mine > config.user_daily_cap:
        raise refuse(
            E.USER_CAP,
            _("You have made your %(n)d calls for today (the firm's daily limit).")
            % {"n": config.user_daily_cap},
        )


def calls_left_today(actor, config: TelephonySettings, now: dt.datetime) -> int:
    key = _day_key("user", actor.tenant_id, actor.pk, now)
    return max(0, config.user_daily_cap - hit_counts([key])[key])
