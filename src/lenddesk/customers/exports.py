"""Export of customers to Excel: permission-gated, masked unless the person may reveal
and asks for full numbers with a purpose, formula cells neutralised, watermarked,
audited with the filter, row count and the file's SHA-256."""

from __future__ import annotations

import hashlib
import tempfile

import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers.imports import neutralise
from lenddesk.customers.models import Customer
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.selectors import CustomerFilters, _search

MAX_SYNC_ROWS = 10_000
COLUMNS = (
    ("name", _("Name")),
    ("phone", _("Mobile phone")),
    ("city", _("City")),
    ("demand_amount", _("Amount wanted")),
    ("rating", _("Intent rating")),
    ("stage", _("Stage")),
    ("owner", _("Owner")),
    ("channel", _("Channel")),
    ("created_at", _("Created at")),
)


def export_queryset(actor: User, filters: CustomerFilters):
    customers = Customer.objects.visible_to(actor).filter(owner__isnull=False)
    customers = _search(customers, filters.q)
    if filters.stage:
        customers = customers.filter(stage_id=filters.stage)
    if filters.rating:
        customers = customers.filter(rating=filters.rating)
    return customers.select_related("owner", "stage").order_by("-pk")


def customers_export(
    *, actor: User, filters: CustomerFilters, full_numbers: bool, purpose: str = ""
):
    """Write the workbook to a temporary file; returns (file, filename, rows)."""
    if full_numbers:
        if not actor.has_code(P.REVEAL_PHONE):
            raise ValidationError(
                {"full_numbers": _("Your role may not export full phone numbers.")}
            )
        if len(purpose.strip()) < 2:
            raise ValidationError({"purpose": _("Say why full numbers are needed.")})
    customers = export_queryset(actor, filters)
    count = customers.count()
    if count > MAX_SYNC_ROWS:
        raise ValidationError(
            _("%(n)d rows is more than %(max)d: narrow the filters.")
            % {"n": count, "max": MAX_SYNC_ROWS}
        )
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to the caller
    book = xlsxwriter.Workbook(
        handle.name,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    watermark = _("Exported by %(user)s at %(time)s — confidential") % {
        "user": actor.username,
        "time": stamp,
    }
    book.set_properties(
        {"title": watermark, "author": actor.username, "company": actor.tenant.name}
    )
    sheet = book.add_worksheet(_("Customers")[:31])
    sheet.set_header("&C" + watermark.replace("&", "&&"))
    sheet.write_string(0, 0, watermark)
    for col, (_key, label) in enumerate(COLUMNS):
        sheet.write_string(1, col, str(label))
    row = 2
    for customer in customers.iterator(chunk_size=1000):
        phone = (
            customer.get_secret("phone") if full_numbers else customer.masked("phone")
        )
        values = {
            "name": customer.name,
            "phone": phone or "",
            "city": customer.city,
            "demand_amount": str(customer.demand_amount or ""),
            "rating": customer.rating,
            "stage": str(customer.stage or ""),
            "owner": str(customer.owner or ""),
            "channel": customer.channel,
            "created_at": timezone.localtime(customer.created_at).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }
        for col, (key, _label) in enumerate(COLUMNS):
            sheet.write_string(row, col, neutralise(values[key] or ""))
        row += 1
    book.close()
    with open(handle.name, "rb") as written:
        digest = hashlib.sha256(written.read()).hexdigest()
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMERS_EXPORTED,
        object_type="customers.customer",
        changes={
            "filter": {
                "q": bool(filters.q),
                "stage": filters.stage,
                "rating": filters.rating,
            },
            "rows": row - 2,
            "fields": [k for k, _l in COLUMNS],
            "full_numbers": full_numbers,
            "sha256": digest,
        },
        purpose=purpose[:200],
    )
    return (
        handle,
        "customers-%s.xlsx" % timezone.localtime().strftime("%Y%m%d-%H%M"),
        row - 2,
    )
