"""Completion and ranking as Excel workbooks: exactly the page's rows for the same
month, department and scope. Numbers are the only floats (the cells); names pass
through ``neutralise_formula``. Each export is audited."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.performance.audit import PerformanceAudit as A
from lenddesk.performance.catalogue import TARGET_METRICS, metric_label
from lenddesk.security.text import neutralise_formula


def _number(value):
    return float(value) if value is not None else None


def _write(sheet, row: int, col: int, value) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, str):
        sheet.write_string(row, col, neutralise_formula(value))
    else:
        sheet.write_number(row, col, _number(value))


def _book(title: str, headers: list[str], lines: list[list]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(title[:31])
    sheet.write_row(0, 0, headers, book.add_format({"bold": True}))
    for r, line in enumerate(lines, start=1):
        for c, value in enumerate(line):
            _write(sheet, r, c, value)
    sheet.set_column(0, 1, 16)
    book.close()
    return out.getvalue()


def _audit(actor, what: str, month: dt.date, department_id, rows: int) -> None:
    audit_record(
        actor=actor,
        action=A.EXPORTED,
        object_type="performance.%s" % what,
        object_repr=month.strftime("%Y-%m"),
        changes={"department": department_id, "rows": rows},
    )


def completion_workbook(actor, *, month: dt.date, department_id, by, rows) -> bytes:
    headers = [_("Name"), _("Department")]
    for metric in TARGET_METRICS:
        label = metric_label(metric)
        headers += [
            _("%(metric)s target") % {"metric": label},
            _("%(metric)s actual") % {"metric": label},
            _("%(metric)s completion (%%)") % {"metric": label},
        ]
    lines = []
    for row in rows:
        line = [row["name"], row["department"]]
        for metric in TARGET_METRICS:
            cell = row["metrics"][metric]
            line += [cell["target"], cell["actual"], cell["rate"]]
        lines.append(line)
    _audit(actor, "completion", month, department_id, len(lines))
    return _book(_("Completion"), headers, lines)


def ranking_workbook(actor, *, month: dt.date, department_id, rows) -> bytes:
    headers = [_("Rank"), _("Name"), _("Department"), _("KPI score")]
    headers += [
        _("%(metric)s completion (%%)") % {"metric": metric_label(m)}
        for m in TARGET_METRICS
    ]
    lines = [
        [r["rank"], r["name"], r["department"], r["kpi_score"]]
        + [r["rates"][m] for m in TARGET_METRICS]
        for r in rows
    ]
    _audit(actor, "ranking", month, department_id, len(lines))
    return _book(_("Ranking"), headers, lines)
