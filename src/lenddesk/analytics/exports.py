"""A dashboard's tables as an Excel workbook, one sheet per table, exactly the numbers
the page shows for the same filters and scope; every export is audited."""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from lenddesk.analytics.selectors import Dashboard, Table
from lenddesk.analytics.selectors.common import DECIMAL, MONEY, PERCENT, TEXT
from lenddesk.audit.services import audit_record
from lenddesk.security.text import neutralise_formula

EXPORTED = "analytics.dashboard_exported"  # the audit action (audit.models label)


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:28] or "表"
    base, n = name, 2
    while name in used:
        name = "%s%d" % (base, n)
        n += 1
    used.add(name)
    return name


def _write_row(sheet, row: int, table: Table, values: dict, formats: dict) -> None:
    for col, column in enumerate(table.columns):
        value = values.get(column.key)
        if value is None:
            sheet.write_blank(row, col, None)
        elif column.kind == TEXT:
            sheet.write_string(row, col, neutralise_formula(str(value)))
        elif isinstance(value, Decimal) or column.kind in (MONEY, DECIMAL, PERCENT):
            # The one place a float is allowed: the number cell of a workbook.
            fmt = formats["percent" if column.kind == PERCENT else "money"]
            sheet.write_number(row, col, float(value), fmt)
        else:
            sheet.write_number(row, col, value, formats["int"])


def _write_table(book, table: Table, heading: str, formats: dict, used) -> None:
    sheet = book.add_worksheet(_sheet_name(table.title, used))
    sheet.write_string(0, 0, neutralise_formula("%s · %s" % (table.title, heading)))
    sheet.write_row(1, 0, [str(c.label) for c in table.columns], formats["head"])
    row = 2
    for values in table.rows:
        _write_row(sheet, row, table, values, formats)
        row += 1
    if table.total:
        _write_row(sheet, row, table, table.total, formats)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, max(1, len(table.columns) - 1), 14)
    sheet.freeze_panes(2, 1)


def heading_of(board: Dashboard, department_name: str = "") -> str:
    f = board.filters
    text = _("%(from)s to %(to)s") % {
        "from": f.date_from.isoformat(),
        "to": f.date_to.isoformat(),
    }
    return "%s · %s" % (text, department_name) if department_name else text


def dashboard_workbook(*, actor, board: Dashboard, department_name: str = "") -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    formats = {
        "head": book.add_format({"bold": True}),
        "int": book.add_format({"num_format": "#,##0"}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "percent": book.add_format({"num_format": '0.0"%"'}),
    }
    heading = heading_of(board, department_name)
    used: set[str] = set()
    for table in board.tables:
        _write_table(book, table, heading, formats, used)
    book.close()
    f = board.filters
    audit_record(
        actor=actor,
        action=EXPORTED,
        object_type="analytics.dashboard",
        object_repr=board.key,
        changes={
            "dashboard": board.key,
            "from": f.date_from.isoformat(),
            "to": f.date_to.isoformat(),
            "department": f.department_id,
        },
    )
    return out.getvalue()
