"""Click-to-call (拨打) and the telemarketer's after-call form.

The customer's number is decrypted here, handed to the provider and to nothing
else: the call record, the audit row, the answers and the log lines name the call
by its id and the line used, never the number (SECURITY.md T30).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer, FollowUpKind
from lenddesk.customers.services.followups import followup_create, visit_book
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.customers.services.timeline import timeline
from lenddesk.telephony import audit_actions as A
from lenddesk.telephony.errors import TelephonyError as E
from lenddesk.telephony.models import CallOutcome, CallRecord
from lenddesk.telephony.providers.base import CallRequest, Placed, ProviderError
from lenddesk.telephony.providers.simulated import SimulatedProvider
from lenddesk.telephony.services.config import provider_for, telephony_settings
from lenddesk.telephony.services.events import events_apply
from lenddesk.telephony.services.guards import check_callable, count_call, refuse
from lenddesk.telephony.services.pool import number_take

log = logging.getLogger(__name__)


def _phones(actor, customer: Customer, config) -> tuple[str, str]:
    if config.mode not in provider_for(config).modes:
        raise refuse(
            E.NOT_CONFIGURED,
            _("The calling provider does not offer this calling mode; ask your admin."),
        )
    customer_phone = customer.get_secret("phone") or ""
    if not customer_phone:
        raise refuse(E.NO_CUSTOMER_PHONE, _("This customer has no phone number."))
    staff_phone = actor.get_secret("phone") or ""
    if not staff_phone and config.provider != "simulated":
        raise refuse(
            E.NO_STAFF_PHONE,
            _(
                "Add your own phone number to your profile first: the platform rings it."
            ),
        )
    return staff_phone, customer_phone


def _take_line():
    line = number_take()
    if line is None:
        raise refuse(
            E.NO_NUMBER,
            _(
                "No caller line is free right now: all are at their limit, resting "
                "or benched. Try again in a minute."
            ),
        )
    return line


def _place(provider, call: CallRecord, request: CallRequest) -> Placed:
    try:
        placed = provider.place(request)
    except ProviderError as exc:
        log.warning("call %s: provider refused (%s)", call.pk, exc)
        raise refuse(
            E.PROVIDER_FAILED,
            _("The calling provider could not place the call; try again."),
        ) from None
    CallRecord.objects.filter(pk=call.pk).update(
        provider_call_id=placed.provider_call_id, middle_number=placed.middle_number
    )
    call.provider_call_id = placed.provider_call_id
    call.middle_number = placed.middle_number
    return placed


@transaction.atomic
def call_start(*, actor, customer: Customer) -> CallRecord:
    """Start a call to ``customer`` (in the actor's scope, owned). Refusals raise
    ``ValidationError`` with the reason; the call is audited."""
    ensure_owned(customer)
    now = timezone.now()
    config = telephony_settings()
    check_callable(customer, config, now)
    staff_phone, customer_phone = _phones(actor, customer, config)
    count_call(actor, customer, config, now)
    line = _take_line()
    call = CallRecord.objects.create(
        customer=customer,
        staff=actor,
        caller_number=line,
        provider=config.provider,
        mode=config.mode,
    )
    provider = provider_for(config)
    request = CallRequest(
        reference=str(call.pk),
        mode=config.mode,
        staff_phone=staff_phone,
        customer_phone=customer_phone,
        caller_number=line.number,
        bind_minutes=config.bind_minutes,
        record=True,
        announce_recording=config.recording_notice,
    )
    placed = _place(provider, call, request)
    timeline(customer, actor, "call", _("Call started on line %s") % line)
    audit_record(
        actor=actor,
        action=A.CALL_STARTED,
        target=customer,
        changes={"call": call.pk, "line": line.pk, "mode": config.mode},
    )
    log.info("call %s started on line %s", call.pk, line.pk)
    if isinstance(provider, SimulatedProvider):
        events_apply(
            config=config,
            provider=provider,
            events=provider.script(placed, str(call.pk)),
        )
        call.refresh_from_db()
    return call


@transaction.atomic
def call_note(
    *,
    actor,
    call: CallRecord,
    outcome: str,
    content: str,
    next_at: dt.datetime | None = None,
    visit_at: dt.datetime | None = None,
    visit_place: str = "",
) -> CallRecord:
    """The after-call form: the outcome, a follow-up (with the next step) and, for a
    booked visit (邀约), the visit. Once per call."""
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call went.")})
    if outcome == CallOutcome.VISIT and visit_at is None:
        raise ValidationError({"visit_at": _("When is the visit?")})
    label = CallOutcome(outcome).label
    text = "%s%s" % (
        label,
        (": " + content.strip()) if content and content.strip() else "",
    )
    noted = CallRecord.objects.filter(pk=call.pk, noted_at__isnull=True).update(
        outcome=outcome,
        noted_at=timezone.now(),
        visit_booked=outcome == CallOutcome.VISIT,
    )
    if not noted:
        raise refuse(E.ALREADY_NOTED, _("This call already has its result."))
    followup_create(
        actor=actor,
        customer=call.customer,
        kind=FollowUpKind.CALL,
        content=text,
        next_at=next_at,
    )
    if outcome == CallOutcome.VISIT:
        visit_book(
            actor=actor,
            customer=call.customer,
            scheduled_at=visit_at,
            place=visit_place or "",
            note=_("Booked on call %d") % call.pk,
        )
    audit_record(
        actor=actor,
        action=A.CALL_NOTED,
        target=call.customer,
        changes={"call": call.pk, "outcome": outcome},
    )
    call.refresh_from_db()
    return call


def call_refusal_record(*, actor, customer: Customer, code: str) -> None:
    """Audit a refused call (its reason code). Written by the caller after
    ``call_start``'s own transaction rolled back, so the refusal stays on record."""
    audit_record(
        actor=actor,
        action=A.CALL_REFUSED,
        target=customer,
        result="refused",
        reason=str(code or "")[:60],
    )
