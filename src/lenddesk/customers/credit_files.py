"""The files the credit pages and API hand out: a credit report (never cached,
never sniffed) and the credit-query log as CSV for the regulator — the rows the
page's filters show (within the actor's scope), as Excel-friendly CSV (BOM) or an
Excel workbook, watermarked,
every cell formula-neutralised, the export itself audited with its row count and
SHA-256."""

from __future__ import annotations

import csv
import hashlib
import io
from urllib.parse import quote
from zoneinfo import ZoneInfo

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.customers.credit_selectors import LogFilters, credit_log
from lenddesk.customers.models import QueryMethod
from lenddesk.customers.services.credit import AUDIT_LOG_EXPORTED
from lenddesk.security.text import neutralise_formula
from lenddesk.web.pages import private_response

BOM = "\ufeff"
EXPORT_CAP = 50_000


def _header() -> list[str]:
    return [
        _("Record no."),
        _("Time"),
        _("Staff"),
        _("Staff id"),
        _("Customer"),
        _("Customer id"),
        _("Method"),
        _("Content"),
        _("Purpose"),
        _("Purpose details"),
        _("Outcome"),
        _("Reason refused"),
        _("Authorisation"),
        _("Authorisation kind"),
        _("Authorisation valid"),
    ]


def _cells(record, zone: ZoneInfo) -> list:
    authorisation = record.authorisation
    return [
        record.pk,
        record.queried_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        record.staff_name,
        record.staff_id,
        record.customer.name,
        record.customer_id,
        record.get_method_display(),
        record.content,
        record.get_purpose_display() if record.purpose else "",
        record.purpose_note,
        record.get_outcome_display(),
        record.get_refusal_display() if record.refusal else "",
        authorisation.source_label if authorisation else "",
        authorisation.get_method_display() if authorisation else "",
        "%s – %s" % (authorisation.valid_from, authorisation.valid_until)
        if authorisation
        else "",
    ]


def credit_log_file(
    *, actor, filters: LogFilters, fmt: str = "csv"
) -> tuple[bytes, str]:
    """The file (``csv`` or ``xlsx``) and its name."""
    tenant = actor.tenant
    zone = ZoneInfo(tenant.time_zone)
    now = timezone.now()
    watermark = _(
        "Credit-query log exported by %(user)s at %(time)s — confidential"
    ) % {"user": actor.username, "time": now.astimezone(zone).isoformat("T", "seconds")}
    records = credit_log(actor=actor, filters=filters).select_related("customer")
    rows = (
        [neutralise_formula(cell) for cell in _cells(record, zone)]
        for record in records[:EXPORT_CAP].iterator(chunk_size=1000)
    )
    writer = _write_xlsx if fmt == "xlsx" else _write_csv
    data, count = writer(watermark, rows)
    audit_record(
        actor=actor,
        action=AUDIT_LOG_EXPORTED,
        object_type="customers.creditqueryrecord",
        changes={
            "filter": filters.query(),
            "format": fmt,
            "rows": count,
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    filename = "credit-queries-%s-%s.%s" % (
        tenant.slug,
        now.astimezone(zone).strftime("%Y%m%d-%H%M%S"),
        "xlsx" if fmt == "xlsx" else "csv",
    )
    return data, filename


def _write_csv(watermark: str, rows) -> tuple[bytes, int]:
    out = io.StringIO()
    out.write(BOM)
    out.write("# %s\r\n" % watermark)
    writer = csv.writer(out)
    writer.writerow([neutralise_formula(cell) for cell in _header()])
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return out.getvalue().encode("utf-8"), count


def _write_xlsx(watermark: str, rows) -> tuple[bytes, int]:
    """Every cell a string or a number as exported, never a formula or a link."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(_("Credit queries")[:31])
    sheet.set_header("&C" + watermark.replace("&", "&&"))
    sheet.write_string(0, 0, watermark)
    sheet.write_row(1, 0, _header())
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count + 1, 0, row)
    book.close()
    return out.getvalue(), count


def report_response(document, data: bytes, method: str) -> HttpResponse:
    """The report itself: never cached, never sniffed; shown in the browser (in a
    sandbox) for "view the original", saved for "download"."""
    response = HttpResponse(data, content_type=document.content_type)
    disposition = "attachment" if method == QueryMethod.DOWNLOAD else "inline"
    response["Content-Disposition"] = "%s; filename*=UTF-8''%s" % (
        disposition,
        quote(document.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return private_response(response)
