"""Tables as downloads: an .xlsx workbook (XlsxWriter, formula cells neutralised,
amounts as numbers) or a CSV Excel opens in Chinese (UTF-8 with BOM)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.security.text import neutralise_formula
from lenddesk.web.pages import CSV, XLSX, download_response


def _cell(value) -> str:
    return neutralise_formula("" if value is None else str(value))


def xlsx_bytes(actor, title: str, headers: list, rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    mark = _("Exported by %(user)s at %(time)s — confidential") % {
        "user": actor.username,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    book.set_properties({"title": mark, "author": actor.username})
    sheet = book.add_worksheet(title[:31])
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.write_string(0, 0, mark)
    for col, label in enumerate(headers):
        sheet.write_string(1, col, str(label))
    for index, values in enumerate(rows, start=2):
        for col, value in enumerate(values):
            if isinstance(value, Decimal):
                sheet.write_number(index, col, float(value), money)
            else:
                sheet.write_string(index, col, _cell(value))
    book.close()
    return buffer.getvalue()


def csv_bytes(headers: list, rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for values in rows:
        writer.writerow(
            [str(v) if isinstance(v, Decimal) else _cell(v) for v in values]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def download(data: bytes, filename: str, kind: str) -> HttpResponse:
    return download_response(data, filename, XLSX if kind == "xlsx" else CSV)
