"""The call statistics as an Excel workbook (per person, per team, per day),
exactly what the page shows for the same period and scope; the export is audited."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.security.text import neutralise_formula
from lenddesk.telephony import audit_actions as A
from lenddesk.telephony import stats


def _headers() -> list[str]:
    return [
        "",
        _("Calls"),
        _("Connected"),
        _("Connect rate (%)"),
        _("Talk time (min)"),
        _("Visits booked"),
    ]


def _sheet(book, title: str, first_header: str, lines: list[stats.Line]) -> None:
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    headers = _headers()
    headers[0] = first_header
    sheet.write_row(0, 0, headers, bold)
    for n, line in enumerate([*lines, stats.total(lines)], start=1):
        label = line.label or _("Total")
        sheet.write_string(n, 0, neutralise_formula(str(label)))
        sheet.write_row(
            n,
            1,
            [
                line.calls,
                line.connected,
                line.connect_rate,
                line.talk_minutes,
                line.visits,
            ],
        )
    sheet.set_column(0, 0, 18)


def stats_workbook(*, actor, first: dt.date, last: dt.date) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    _sheet(book, _("By person"), _("Person"), stats.by_person(actor, first, last))
    _sheet(
        book, _("By team"), _("Team"), stats.by_team(actor, first, last, _("No team"))
    )
    _sheet(book, _("By day"), _("Day"), stats.by_day(actor, first, last))
    book.close()
    audit_record(
        actor=actor,
        action=A.STATS_EXPORTED,
        object_type="telephony.stats",
        changes={"first": first.isoformat(), "last": last.isoformat()},
    )
    return out.getvalue()
