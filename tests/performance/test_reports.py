"""The monthly report (月报): its numbers are the completion page's and the channel
dashboard's, versions are kept, the job of the 1st makes last month's once, a team
lead reads only their departments' reports, the PDF is a PDF."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lenddesk.accounts.errors import AccountError
from lenddesk.accounts.services import department_create, department_delete
from lenddesk.analytics.models import DailyFact
from lenddesk.analytics.selectors import channel_roi
from lenddesk.audit.models import AuditEvent
from lenddesk.contracts.pdf import pdf_available
from lenddesk.performance.models import MonthlyReport
from lenddesk.performance.reports import ReportAudit, monthly_reports, report_generate
from lenddesk.performance.reports_tasks import monthly_reports_task
from lenddesk.performance.selectors import completion, ranking
from lenddesk.performance.services.targets import DEPARTMENT, PERSON, targets_save
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.performance.conftest import MONTH

D = Decimal
MARCH_END = dt.date(2026, 3, 31)
LIST = "/performance/reports/"
GENERATE = "/performance/reports/generate/"


@pytest.fixture(autouse=True)
def no_pdf(settings, db):
    """LibreOffice takes seconds a report: only the PDF test runs it."""
    settings.PERFORMANCE_REPORT_PDF = False


@pytest.fixture(scope="module")
def month(firm, django_db_blocker):
    """March of the performance firm, plus a channel (spend, leads and fees on 抖音)
    and targets: 销售部 calls 120, 销售一部 calls 100, 销售二部 calls 50, S1 calls 50."""
    with django_db_blocker.unblock(), tenant_context(firm["tenant"]):
        DailyFact.objects.bulk_create(
            [
                DailyFact(day=MONTH, metric="spend", channel="抖音", amount=D("5000")),
                DailyFact(
                    day=MONTH,
                    metric="new_customers",
                    channel="抖音",
                    user=firm["s1"],
                    department=firm["one"],
                    n=4,
                ),
                DailyFact(
                    day=MONTH,
                    metric="fees",
                    channel="抖音",
                    user=firm["s1"],
                    department=firm["one"],
                    n=1,
                    amount=D("2000.00"),
                ),
            ]
        )
        targets_save(
            actor=firm["gm"],
            month=MONTH,
            cells={
                (DEPARTMENT, firm["root"].pk, "calls"): "120",
                (DEPARTMENT, firm["one"].pk, "calls"): "100",
                (DEPARTMENT, firm["two"].pk, "calls"): "50",
                (PERSON, firm["s1"].pk, "calls"): "50",
            },
        )
    return firm


def _generate(f, who="gm", department="one"):
    with tenant_context(f["tenant"]):
        return report_generate(
            actor=f[who] if who else None,
            month="2026-03",
            department=f[department] if department else None,
        )


def test_a_department_report_holds_the_numbers_the_pages_show(month):
    f = month
    report = _generate(f)
    with tenant_context(f["tenant"]):
        rows = completion(
            f["gm"], month=MONTH, department_id=f["one"].pk, by="department"
        )
        own = next(r for r in rows if r["department_id"] == f["one"].pk)
        roi = channel_roi(
            f["gm"], date_from=MONTH, date_to=MARCH_END, department_id=f["one"].pk
        )
        ranked = ranking(f["gm"], month=MONTH, department_id=f["one"].pk)
    totals = report.totals
    assert (report.month, report.version, report.department_name) == (
        MONTH,
        1,
        "销售一部",
    )
    # s1 25 + 15, s2 10, lead1 5 against 100; fees 9000.50 + 2000.00 + 1000.00.
    assert totals["targets"]["calls"] == {
        "target": "100",
        "actual": "55",
        "rate": "55.0",
    }
    assert totals["targets"]["fees"]["actual"] == "12000.50"
    for metric, cell in own["metrics"].items():
        assert totals["targets"][metric]["actual"] == str(cell["actual"])
        expected = cell["target"]
        assert totals["targets"][metric]["target"] == (
            None if expected is None else str(expected)
        )
    assert set(totals["channels"]) == {row["channel"] for row in roi}
    for row in roi:
        kept = totals["channels"][row["channel"]]
        assert kept["fees"] == str(row["fees"])
        assert kept["leads"] == row["leads"]
        assert kept["profit"] == str(row["profit"])
    assert totals["channels"]["抖音"]["leads"] == 4
    assert [(r["rank"], r["user_id"]) for r in totals["ranking"]] == [
        (r["rank"], r["user_id"]) for r in ranked[:10]
    ]
    assert "S1" in report.html and "销售一部" in report.html


def test_the_firm_report_adds_up_the_top_departments_and_the_channels(month):
    f = month
    report = _generate(f, department=None)
    with tenant_context(f["tenant"]):
        roi = channel_roi(f["gm"], date_from=MONTH, date_to=MARCH_END)
    douyin = next(r for r in roi if r["channel"] == "抖音")
    assert report.department is None and report.version == 1
    # 55 in 销售一部 and 30 in 销售二部, against 销售部's 120.
    assert report.totals["targets"]["calls"] == {
        "target": "120",
        "actual": "85",
        "rate": "70.8",
    }
    kept = report.totals["channels"]["抖音"]
    assert kept["spend"] == str(douyin["spend"]) == "5000.00"
    assert kept["profit"] == str(douyin["profit"]) == "-3000.00"
    with tenant_context(f["tenant"]):
        audit = AuditEvent.objects.filter(action=ReportAudit.GENERATED).latest("id")
    assert audit.actor_id == f["gm"].pk
    assert audit.changes["version"] == 1


def test_regenerating_makes_a_new_version_and_keeps_the_old_one(month, as_user):
    f = month
    first = _generate(f, department="two")
    with tenant_context(f["tenant"]):
        DailyFact.objects.create(
            day=MONTH + dt.timedelta(days=20),
            metric="calls",
            user=f["s3"],
            department=f["two"],
            n=7,
        )
    second = _generate(f, who="lead2", department="two")
    with tenant_context(f["tenant"]):
        first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.totals["targets"]["calls"]["actual"] == "30"
    assert second.totals["targets"]["calls"]["actual"] == "37"
    assert second.generated_by_id == f["lead2"].pk
    page = as_user(f["lead2"]).get(
        reverse("performance:report_detail", args=[first.pk])
    )
    assert page.status_code == 200
    assert reverse("performance:report_detail", args=[second.pk]) in page.text
    assert 'data-testid="monthly-report"' in page.text


def test_the_job_of_the_first_makes_last_months_reports_once(month):
    f = month
    with bind_tenant(f["tenant"]):
        made = monthly_reports(today=dt.date(2026, 4, 1))
        again = monthly_reports(today=dt.date(2026, 4, 1))
    assert (made, again) == (4, 0)
    with tenant_context(f["tenant"]):
        reports = list(MonthlyReport.objects.filter(month=MONTH))
        assert {r.department_id for r in reports} == {
            None,
            f["root"].pk,
            f["one"].pk,
            f["two"].pk,
        }
        assert {(r.version, r.generated_by_id) for r in reports} == {(1, None)}
    # The scheduled task: every firm with the module, the month before this one.
    monthly_reports_task()
    with tenant_context(f["tenant"]):
        last = MonthlyReport.objects.order_by("-month").first().month
    today = dt.date.today()
    assert last == (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_a_team_lead_reads_only_their_departments_reports(month, as_user):
    f = month
    with bind_tenant(f["tenant"]):
        monthly_reports(today=dt.date(2026, 4, 1))
    with tenant_context(f["tenant"]):
        by_department = {
            r.department_id: r for r in MonthlyReport.objects.filter(month=MONTH)
        }
    lead = as_user(f["lead1"])
    listing = lead.get(LIST)
    assert listing.status_code == 200
    assert listing.text.count('data-testid="report-row"') == 1
    assert "销售一部" in listing.text and "销售二部" not in listing.text
    detail = "performance:report_detail"
    own = by_department[f["one"].pk].pk
    assert lead.get(reverse(detail, args=[own])).status_code == 200
    for other in (by_department[f["two"].pk], by_department[None]):
        assert lead.get(reverse(detail, args=[other.pk])).status_code == 404
        pdf = reverse("performance:report_pdf", args=[other.pk])
        assert lead.get(pdf).status_code == 404
    assert as_user(f["gm"]).get(LIST).text.count('data-testid="report-row"') == 4
    assert as_user(f["s1"]).get(LIST).status_code == 403


def test_generating_from_the_page_checks_the_department_and_the_month(month, as_user):
    f = month
    lead = as_user(f["lead1"])
    made = lead.post(GENERATE, {"month": "2026-03", "department": f["one"].pk})
    assert made.status_code == 302
    with tenant_context(f["tenant"]):
        report = MonthlyReport.objects.latest("id")
    assert made["Location"] == reverse("performance:report_detail", args=[report.pk])
    assert report.department_id == f["one"].pk
    assert (
        lead.post(GENERATE, {"month": "2026-03", "department": f["two"].pk}).status_code
        == 404
    )
    assert lead.post(GENERATE, {"month": "2026-03"}).status_code == 403
    for bad in ("2999-01", "March"):
        refused = lead.post(GENERATE, {"month": bad, "department": f["one"].pk})
        assert refused.status_code == 400
        assert "month" in refused.context["form"].errors
    assert as_user(f["s1"]).post(GENERATE, {"month": "2026-03"}).status_code == 403
    with tenant_context(f["tenant"]):
        assert MonthlyReport.objects.count() == 1


def test_a_department_with_reports_cannot_be_deleted_from_under_them(month):
    f = month
    with tenant_context(f["tenant"]):
        empty = department_create(actor=f["admin"], name="已撤销部", parent_id=None)
        report = report_generate(actor=f["gm"], month="2026-03", department=empty)
        with pytest.raises(ValidationError) as refused:
            department_delete(actor=f["admin"], department=empty)
        assert refused.value.code == AccountError.STILL_IN_USE
        assert MonthlyReport.objects.filter(pk=report.pk).exists()


def test_the_pdf_is_a_pdf(month, as_user, settings):
    if not pdf_available():
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) must be installed in CI")
        pytest.skip("LibreOffice is not installed here")
    settings.PERFORMANCE_REPORT_PDF = True
    report = _generate(month)
    assert report.pdf_state == "ready" and report.pdf_size > 1000
    answer = as_user(month["gm"]).get(
        reverse("performance:report_pdf", args=[report.pk])
    )
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    assert answer["Content-Type"] == "application/pdf"
    assert "no-store" in answer["Cache-Control"]
    page = as_user(month["gm"]).get(
        reverse("performance:report_detail", args=[report.pk])
    )
    assert 'data-testid="report-pdf"' in page.text
