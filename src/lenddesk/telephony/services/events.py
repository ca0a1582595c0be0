"""Applying a provider's events to call records: each event is stored once per
``event_id`` (a unique constraint: an event delivered twice, even at the same
moment, makes one row and one change); state only moves forward by conditional
UPDATEs."""

from __future__ import annotations

import logging

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.customers.services.timeline import timeline
from lenddesk.telephony.models import (
    ENDED_STATES,
    CallRecord,
    CallResult,
    CallState,
    TelephonySettings,
)
from lenddesk.telephony.providers.base import ProviderError, ProviderEvent
from lenddesk.telephony.services.pool import number_judge, number_rest
from lenddesk.telephony.services.recordings import recording_store

log = logging.getLogger(__name__)


LIGHT = ("ringing", "answered")  # change only the call's state


def events_apply(
    *,
    config: TelephonySettings,
    provider,
    events: list[ProviderEvent],
    stored: list[str] | None = None,
) -> int:
    """Store and apply the events; returns how many were new. Events of calls this
    firm does not know are ignored (counted as not new). ``stored`` receives the ids
    of the events that are now on record (new or already there)."""
    new = sum(_light(config, e, stored) for e in events if e.kind in LIGHT)
    heavy = [e for e in events if e.kind not in LIGHT]
    ids = {e.provider_call_id for e in heavy}
    calls = (
        {
            c.provider_call_id: c
            for c in CallRecord.objects.filter(
                provider=config.provider, provider_call_id__in=ids
            ).select_related("customer", "staff", "caller_number")
        }
        if heavy
        else {}
    )
    for event in heavy:
        call = calls.get(event.provider_call_id)
        if call is None:
            continue
        if stored is not None:
            stored.append(event.event_id)
        if not _store_once(call, event):
            continue
        new += 1
        _apply(call, event, config, provider)
    return new


# A state event in one statement: stored against the call it names (none when the
# call is unknown or the event id already there), then one conditional UPDATE.
_INSERT_BY_REFERENCE = (
    'INSERT INTO "telephony_callevent" ("tenant_id", "call_id", "event_id", "kind", '
    '"occurred_at", "received_at") SELECT "tenant_id", "id", %s, %s, %s, %s '
    'FROM "telephony_callrecord" WHERE "tenant_id" = %s AND "provider" = %s '
    'AND "provider_call_id" = %s ON CONFLICT ("tenant_id", "event_id") DO NOTHING '
    'RETURNING "call_id"'
)


def _light(config: TelephonySettings, event: ProviderEvent, stored) -> int:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_BY_REFERENCE,
            [
                event.event_id,
                event.kind,
                adapt(event.at),
                adapt(timezone.now()),
                config.tenant_id,
                config.provider,
                event.provider_call_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return 0
    if stored is not None:
        stored.append(event.event_id)
    rows = CallRecord.objects.filter(pk=row[0])
    if event.kind == "ringing":
        rows.filter(state=CallState.REQUESTED).update(state=CallState.RINGING)
    else:
        rows.filter(state__in=[CallState.REQUESTED, CallState.RINGING]).update(
            state=CallState.TALKING, answered_at=event.at
        )
    return 1


# One statement on SQLite (≥ 3.35) and PostgreSQL: the row is written, or the
# event id is already there and nothing is (no savepoint, no error to catch).
_INSERT_ONCE = (
    'INSERT INTO "telephony_callevent" ("tenant_id", "call_id", "event_id", "kind", '
    '"occurred_at", "received_at") VALUES (%s, %s, %s, %s, %s, %s) '
    'ON CONFLICT ("tenant_id", "event_id") DO NOTHING RETURNING "id"'
)


def _store_once(call: CallRecord, event: ProviderEvent) -> bool:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_ONCE,
            [
                call.tenant_id,
                call.pk,
                event.event_id,
                event.kind[:20],
                adapt(event.at),
                adapt(timezone.now()),
            ],
        )
        return bool(cursor.fetchall())


def _apply(call: CallRecord, event: ProviderEvent, config, provider) -> None:
    if event.kind == "ended":
        _end(call, event, config)
    elif event.kind == "recording":
        _keep_recording(call, event, provider)


def _end(call: CallRecord, event: ProviderEvent, config) -> None:
    result = event.result if event.result in CallResult.values else CallResult.FAILED
    state = CallState.FAILED if result == CallResult.FAILED else CallState.ENDED
    seconds = event.duration if result == CallResult.CONNECTED else 0
    ended = (
        CallRecord.objects.filter(pk=call.pk)
        .exclude(state__in=ENDED_STATES)
        .update(state=state, result=result, ended_at=event.at, duration_seconds=seconds)
    )
    if not ended:
        return
    number_rest(call.caller_number, event.at)
    number_judge(call.caller_number_id, config)
    label = CallResult(result).label
    summary = _("Call: %(result)s") % {"result": label}
    if seconds:
        summary += _(", talk time %(m)d min %(s)d s") % {
            "m": seconds // 60,
            "s": seconds % 60,
        }
    timeline(call.customer, call.staff, "call", summary)


def _keep_recording(call: CallRecord, event: ProviderEvent, provider) -> None:
    data = event.recording
    if data is None and event.recording_url:
        try:
            data = provider.fetch_recording(event.recording_url)
        except ProviderError:
            log.warning("recording of call %s could not be fetched", call.pk)
            return
    if data:
        recording_store(call, data)
