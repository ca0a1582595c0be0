"""CSV export of the audit log: Excel-friendly, watermarked, formula-safe."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from lenddesk.audit.labels import action_choices
from lenddesk.audit.models import AuditEvent
from lenddesk.audit.services import EXPORT_CAP, AuditExport
from lenddesk.security.text import neutralise_formula
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant

BOM = "\ufeff"
CHUNK = 2000


class _Echo:
    """A file-like object whose ``write`` hands the line back (csv writes to it)."""

    def write(self, value: str) -> str:
        return value


def watermark(*, username: str, tenant: Tenant, at: dt.datetime) -> str:
    return "# exported by %s at %s from %s\r\n" % (
        username,
        at.isoformat(timespec="seconds"),
        tenant.slug,
    )


def csv_stream(
    *, export: AuditExport, tenant: Tenant, username: str, at: dt.datetime
) -> Iterator[str]:
    """The export as lines of text. Headers and labels are translated now, in the
    request's language; the rows are read while the response streams, inside the
    tenant's scope (on PostgreSQL the request's transaction has ended by then)."""
    zone = ZoneInfo(tenant.time_zone)
    labels = {value: str(label) for value, label in action_choices()}
    header = [
        _("Sequence"),
        _("Time"),
        _("User id"),
        _("Who"),
        _("Action code"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Result"),
        _("Reason"),
        _("Purpose"),
        _("IP"),
        _("Client"),
        _("Request id"),
        _("Changes"),
        _("Row hash"),
    ]
    truncated = _(
        "# truncated: only the newest %(cap)d rows; narrow the filters to export the rest"
    ) % {"cap": EXPORT_CAP}
    writer = csv.writer(_Echo())
    head = BOM + watermark(username=username, tenant=tenant, at=at.astimezone(zone))
    head += writer.writerow([neutralise_formula(cell) for cell in header])

    def rows() -> Iterator[str]:
        yield head
        with tenant_context(tenant):
            events = export.events.order_by("-seq")[:EXPORT_CAP]
            for event in events.iterator(chunk_size=CHUNK):
                yield writer.writerow(
                    [neutralise_formula(cell) for cell in _cells(event, zone, labels)]
                )
        if export.capped:
            yield truncated + "\r\n"

    return rows()


def _cells(event: AuditEvent, zone: ZoneInfo, labels: dict[str, str]) -> list:
    return [
        event.seq,
        event.created_at.astimezone(zone).isoformat(timespec="seconds"),
        event.actor_id or "",
        event.actor_name,
        event.action,
        labels.get(event.action, event.action),
        event.object_type,
        event.object_id,
        event.object_repr,
        event.result,
        event.reason,
        event.purpose,
        event.ip or "",
        event.client,
        event.request_id,
        json.dumps(event.changes, ensure_ascii=False, sort_keys=True, default=str),
        event.row_hash,
    ]
