"""The monthly report (月报): one printable page per department (and one for the whole
firm) for one month — targets against actuals, channel ROI, the ranking.

The numbers are read through the very selectors the pages show
(``performance.selectors.completion`` and ``ranking``, ``analytics.selectors.
channel_roi``), so a report equals the completion page and the channel dashboard of
that month. They are read as the firm sees them (a firm-wide reader), whoever asks:
a report is the firm's document about a department, the same for the team lead and the
general manager. Nothing of a customer appears: counts, sums, staff names.

The job of the 1st (``performance.monthly_reports``) makes last month's reports that
do not exist yet; regenerating one makes a new version, never replacing the old one.
The HTML is kept as it was rendered, the PDF (LibreOffice, ``reports_pdf``) encrypted
in the private media folder.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, TextChoices
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.accounts.models import Department, User, UserStatus
from lenddesk.accounts.scope import DataScope
from lenddesk.analytics.selectors import channel_roi
from lenddesk.audit.services import audit_record
from lenddesk.performance import reports_files
from lenddesk.performance.catalogue import (
    TARGET_METRICS,
    is_money,
    metric_label,
    month_end,
    month_of,
    shift,
    this_month,
)
from lenddesk.performance.errors import PerformanceError, refusal
from lenddesk.performance.models import MonthlyReport, ReportPdfState
from lenddesk.performance.reach import is_firm_wide, managed_departments
from lenddesk.performance.reports_pdf import html_to_pdf
from lenddesk.performance.selectors import completion, ranking, rate_of
from lenddesk.tenancy.context import require_current_tenant, tenant_context

RANKED = 10  # people in the ranking of one page
CHANNELS = 8  # channels listed; the rest are summed in the total
ZERO = Decimal(0)
ROI_FIELDS = (
    "spend",
    "leads",
    "signed",
    "disbursed_n",
    "disbursed_amount",
    "fees",
    "commission",
    "profit",
)


class ReportAudit(TextChoices):
    GENERATED = "performance.report_generated", gettext_lazy("Monthly report generated")


# --- reads -----------------------------------------------------------------------------


def report_list(actor: User):
    """The reports the actor may read: every one for a firm-wide reader, else those of
    the departments they manage (a team lead: their department and below)."""
    reports = MonthlyReport.objects.select_related("department")
    if is_firm_wide(actor):
        return reports
    return reports.filter(department__in=managed_departments(actor))


def report_get(actor: User, *, report_id: int) -> MonthlyReport:
    report = report_list(actor).filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


def report_versions(actor: User, report: MonthlyReport):
    """Every version of the same department's report of the same month, newest first."""
    return report_list(actor).filter(
        month=report.month, department_id=report.department_id
    )


def report_pdf(report: MonthlyReport) -> bytes:
    return reports_files.load(report.tenant_id, report.pdf_name)


def reportable_departments(actor: User) -> list[Department]:
    return list(managed_departments(actor).order_by("path"))


# --- the numbers -----------------------------------------------------------------------


def firm_reader() -> User | None:
    """Whoever reads the numbers for the firm: an active person with a firm-wide role
    (their scope is the one that matters, not who they are)."""
    return (
        User.objects.filter(status=UserStatus.ACTIVE, roles__data_scope=DataScope.ALL)
        .order_by("pk")
        .first()
    )


def _summed(rows: list[dict]) -> dict:
    """Targets and actuals of several departments added up, per metric."""
    metrics = {}
    for metric in TARGET_METRICS:
        targets = [
            r["metrics"][metric]["target"]
            for r in rows
            if r["metrics"][metric]["target"] is not None
        ]
        target = sum(targets, ZERO) if targets else None
        actual = sum((r["metrics"][metric]["actual"] for r in rows), ZERO)
        metrics[metric] = {
            "target": target,
            "actual": actual,
            "rate": rate_of(actual, target),
        }
    return metrics


def _targets(reader: User, month: dt.date, department: Department | None):
    """(the headline per metric, the rows below it): a department and its direct
    sub-departments, or the firm (its top departments added up) and its top
    departments."""
    rows = completion(
        reader,
        month=month,
        department_id=department.pk if department else None,
        by="department",
    )
    rows.sort(key=lambda r: (r["depth"], r["name"], r["id"]))
    if department is None:
        top = min((r["depth"] for r in rows), default=1)
        units = [r for r in rows if r["depth"] == top]
        return _summed(units), units
    own = [r for r in rows if r["department_id"] == department.pk]
    units = [r for r in rows if r["depth"] == department.depth + 1]
    return _summed(own), units


def _channel_total(rows: list[dict]) -> dict:
    total = {key: sum((r[key] for r in rows), ZERO) for key in ROI_FIELDS}
    total["roi"] = (
        (total["profit"] / total["spend"]).quantize(Decimal("0.01"))
        if total["spend"]
        else None
    )
    return total


def report_numbers(reader: User, *, month: dt.date, department=None) -> dict:
    """Everything one report shows, as the pages compute it."""
    first, last = month, month_end(month)
    department_id = department.pk if department else None
    headline, units = _targets(reader, month, department)
    channels = channel_roi(
        reader, date_from=first, date_to=last, department_id=department_id
    )
    ranked = ranking(reader, month=month, department_id=department_id)
    return {
        "month": month,
        "department": department,
        "headline": headline,
        "units": units,
        "channels": channels,
        "channel_total": _channel_total(channels),
        "ranking": ranked[:RANKED],
        "people": len(ranked),
    }


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def report_totals(numbers: dict) -> dict:
    """The numbers kept with the report as JSON (Decimals as strings)."""
    department = numbers["department"]
    return {
        "month": numbers["month"].strftime("%Y-%m"),
        "department_id": department.pk if department else None,
        "targets": {
            metric: {key: _plain(value) for key, value in cell.items()}
            for metric, cell in numbers["headline"].items()
        },
        "channels": {
            row["channel"]: {key: _plain(row[key]) for key in (*ROI_FIELDS, "roi")}
            for row in numbers["channels"]
        },
        "channel_total": {k: _plain(v) for k, v in numbers["channel_total"].items()},
        "ranking": [
            {
                "rank": row["rank"],
                "user_id": row["user_id"],
                "kpi_score": _plain(row["kpi_score"]),
            }
            for row in numbers["ranking"]
        ],
        "people": numbers["people"],
    }


# --- the page --------------------------------------------------------------------------


def _metric_columns() -> list[dict]:
    return [
        {"code": m, "label": metric_label(m), "money": is_money(m)}
        for m in TARGET_METRICS
    ]


def render_report(numbers: dict, *, tenant_name: str, generated_at) -> str:
    """The report's body (the snapshot kept): in the firm's language, whoever asked."""
    channels = numbers["channels"]
    with translation.override(settings.LANGUAGE_CODE):
        department = numbers["department"]
        return render_to_string(
            "performance/report_body.html",
            {
                "tenant_name": tenant_name,
                "scope_name": department.name if department else _("Whole firm"),
                "month": numbers["month"],
                "generated_at": generated_at,
                "metrics": _metric_columns(),
                "headline": [
                    {"label": metric_label(m), "money": is_money(m), **cell}
                    for m, cell in numbers["headline"].items()
                ],
                "units": [
                    {
                        "name": u["name"],
                        "cells": [
                            {"money": is_money(m), **u["metrics"][m]}
                            for m in TARGET_METRICS
                        ],
                    }
                    for u in numbers["units"]
                ],
                "channels": channels[:CHANNELS],
                "channels_more": max(0, len(channels) - CHANNELS),
                "channel_total": numbers["channel_total"],
                "ranking": [
                    {**r, "rate_list": [r["rates"][m] for m in TARGET_METRICS]}
                    for r in numbers["ranking"]
                ],
                "people": numbers["people"],
            },
        )


def _pdf(body: str, title: str) -> tuple[str, bytes]:
    """The PDF of the report's page (``reports_pdf``), or why there is none."""
    if not getattr(settings, "PERFORMANCE_REPORT_PDF", True):
        return ReportPdfState.UNAVAILABLE, b""
    with translation.override(settings.LANGUAGE_CODE):
        document = render_to_string(
            "performance/report_pdf.html", {"body": body, "title": title}
        )
    result = html_to_pdf(document)
    return result.state, result.data


# --- writes ----------------------------------------------------------------------------


def _may_generate(actor: User, department: Department | None) -> None:
    if department is None:
        if not is_firm_wide(actor):
            raise PermissionDenied
    elif not managed_departments(actor).filter(pk=department.pk).exists():
        raise Http404


def _month_to_report(month) -> dt.date:
    month = month_of(month)
    if month > this_month():
        raise refusal(
            "month",
            _("A report is made for this month or one before it."),
            PerformanceError.MONTH_INVALID,
        )
    return month


def report_generate(
    *, actor: User | None, month, department: Department | None = None
) -> MonthlyReport:
    """A new version of the report of ``department`` (None: the whole firm) for
    ``month``. ``actor`` None is the job of the 1st; a person must manage the
    department (the firm's report: a firm-wide person)."""
    month = _month_to_report(month)
    if actor is not None:
        _may_generate(actor, department)
    reader = actor if actor is not None and is_firm_wide(actor) else firm_reader()
    if reader is None:
        raise PermissionDenied
    numbers = report_numbers(reader, month=month, department=department)
    generated_at = timezone.now()
    tenant = require_current_tenant()
    body = render_report(numbers, tenant_name=tenant.name, generated_at=generated_at)
    title = "%s %s" % (
        department.name if department else tenant.name,
        month.strftime("%Y-%m"),
    )
    state, pdf = _pdf(body, title)
    stored = reports_files.store(tenant.pk, pdf) if pdf else None
    return _report_save(
        actor=actor,
        department=department,
        month=month,
        generated_at=generated_at,
        body=body,
        totals=report_totals(numbers),
        pdf_state=state,
        stored=stored,
    )


@transaction.atomic
def _report_save(
    *, actor, department, month, generated_at, body, totals, pdf_state, stored
) -> MonthlyReport:
    same = MonthlyReport.objects.filter(month=month, department=department)
    for _attempt in range(3):
        version = (same.aggregate(last=Max("version"))["last"] or 0) + 1
        try:
            with transaction.atomic():
                report = MonthlyReport.objects.create(
                    department=department,
                    department_name=department.name if department else "",
                    month=month,
                    version=version,
                    generated_at=generated_at,
                    generated_by=actor,
                    html=body,
                    totals=totals,
                    pdf_state=pdf_state,
                    pdf_name=stored.name if stored else "",
                    pdf_sha256=stored.sha256 if stored else "",
                    pdf_size=stored.size if stored else None,
                )
            break
        except IntegrityError:  # another generation took this version number
            continue
    else:
        raise IntegrityError("no free version number")
    audit_record(
        actor=actor,
        action=ReportAudit.GENERATED,
        target=report,
        changes={
            "month": month.strftime("%Y-%m"),
            "department": department.pk if department else None,
            "version": version,
            "pdf": pdf_state,
        },
    )
    return report


def monthly_reports(today: dt.date | None = None) -> int:
    """The job of the 1st, in the current firm (bound, each report its own
    transaction): last month's report of the firm and of every department that has
    none yet (version 1). Run again, it makes nothing."""
    tenant = require_current_tenant()
    month = shift(this_month() if today is None else today.replace(day=1), -1)
    with tenant_context(tenant):
        if firm_reader() is None:
            return 0
        departments = [None, *Department.objects.order_by("path")]
    made = 0
    for department in departments:
        with tenant_context(tenant):
            exists = MonthlyReport.objects.filter(
                Q(department=department) if department else Q(department__isnull=True),
                month=month,
            ).exists()
            if not exists:
                report_generate(actor=None, month=month, department=department)
                made += 1
    return made
