"""Demo: the simulated provider, a pool of four lines, a do-not-call entry and a week
of calls by the salespeople (with recordings, results and booked visits) for the
statistics page. Calls are played through the same event service the provider's
callbacks use, then moved back to their day."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from lenddesk.customers.models import Customer
from lenddesk.telephony.models import CallerNumber, CallOutcome, CallRecord, CallResult
from lenddesk.telephony.providers.base import Placed
from lenddesk.telephony.providers.simulated import SimulatedProvider
from lenddesk.telephony.services import (
    call_note,
    dnc_add,
    number_add,
    settings_update,
    telephony_settings,
)
from lenddesk.telephony.services.events import events_apply

LINES = (
    ("02161230001", "上海线路一"),
    ("02161230002", "上海线路二"),
    ("02161230003", "上海线路三"),
    ("075586660004", "深圳备用线"),
)
CALLS_PER_DAY = (6, 14)
SEED = 20261206


def build(tenant, log) -> None:
    if CallRecord.objects.exists():
        log("telephony: %d calls (kept)" % CallRecord.objects.count())
        return
    owners = _callers()
    if not owners:
        log("telephony: no owned customers to call")
        return
    admin = owners[0][0]
    settings_update(actor=None, values={"provider": "simulated", "mode": "callback"})
    lines = [
        number_add(actor=None, number=number, label=label, cooldown_seconds=30)
        for number, label in LINES
    ]
    made = _week_of_calls(owners, lines)
    CallerNumber.objects.update(free_at=None)
    first_customer = owners[-1][1][-1]
    dnc_add(actor=admin, customer=first_customer, reason="客户明确表示不要再来电")
    log(
        "telephony: %d calls over 7 days on %d lines, 1 on the do-not-call list"
        % (made, len(lines))
    )


def _callers() -> list[tuple]:
    by_owner: dict = {}
    for customer in Customer.objects.filter(owner__isnull=False).select_related(
        "owner"
    )[:400]:
        by_owner.setdefault(customer.owner, []).append(customer)
    return [(owner, rows) for owner, rows in by_owner.items() if len(rows) >= 2][:6]


def _week_of_calls(owners, lines) -> int:
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    config = telephony_settings()
    provider = SimulatedProvider(config.get_secret("callback_secret") or "")
    today = timezone.localdate()
    made = 0
    for back in range(6, -1, -1):
        day = today - dt.timedelta(days=back)
        for owner, customers in owners:
            for _n in range(rng.randint(*CALLS_PER_DAY) // len(owners) + 1):
                customer = rng.choice(customers)
                when = timezone.make_aware(
                    dt.datetime.combine(
                        day, dt.time(rng.randint(9, 18), rng.randint(0, 59))
                    )
                )
                if when > timezone.now():
                    continue
                call = _play(config, provider, owner, customer, rng.choice(lines), when)
                _note(call, owner, rng)
                made += 1
    return made


def _play(config, provider, staff, customer, line, when) -> CallRecord:
    call = CallRecord.objects.create(
        customer=customer,
        staff=staff,
        caller_number=line,
        provider=config.provider,
        mode=config.mode,
    )
    placed = Placed("sim-demo-%d" % call.pk)
    CallRecord.objects.filter(pk=call.pk).update(
        provider_call_id=placed.provider_call_id
    )
    events_apply(
        config=config, provider=provider, events=provider.script(placed, str(call.pk))
    )
    call.refresh_from_db()
    talk = dt.timedelta(seconds=call.duration_seconds + 5)
    CallRecord.objects.filter(pk=call.pk).update(
        started_at=when,
        answered_at=when + dt.timedelta(seconds=5) if call.answered_at else None,
        ended_at=when + talk,
    )
    call.refresh_from_db()
    return call


def _note(call: CallRecord, owner, rng: random.Random) -> None:
    if call.result != CallResult.CONNECTED or rng.random() < 0.3:
        return
    outcome = rng.choice(
        [
            CallOutcome.INTERESTED,
            CallOutcome.CALL_AGAIN,
            CallOutcome.NOT_INTERESTED,
            CallOutcome.VISIT,
        ]
    )
    visit_at = None
    if outcome == CallOutcome.VISIT:
        visit_at = timezone.now() + dt.timedelta(days=rng.randint(1, 5), hours=2)
    call_note(
        actor=owner,
        call=call,
        outcome=outcome,
        content="电话沟通贷款需求",
        visit_at=visit_at,
        visit_place="公司总部" if visit_at else "",
    )
