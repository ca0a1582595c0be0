"""Credit reports on the staff pages: the ordinary document download refuses them,
"查看征信报告" asks a purpose and checks the authorisation, consents are recorded and
revoked, and the query log (征信查询记录) is read and exported within the data scope
(SECURITY T36, T43; 征信业管理条例 art. 22)."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.credit_selectors import LogFilters, credit_log
from lenddesk.customers.models import CreditAuthorisation, CreditQueryRecord
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.customers.test_credit import PDF, backdate, credit_report, grant, open_report
from tests.factories import make_user


def _client(user) -> Client:
    client = Client()
    force_session(client, user)
    return client


@pytest.fixture
def report(tenant_a, team):
    customer = add_customer(tenant_a, team["s1"], owner=team["s1"], name="李四")
    return customer, credit_report(tenant_a, team["s1"], customer)


def test_ordinary_download_refuses_credit_reports(tenant_a, team, report):
    customer, document = report
    grant(tenant_a, team["s1"], customer)  # even with an authorisation in force
    client = _client(team["s1"])
    response = client.get("/customers/documents/%d/" % document.pk)
    assert response.status_code == 403
    assert PDF not in response.content
    assert b'data-testid="error-detail"' in response.content
    with tenant_context(tenant_a):
        assert not CreditQueryRecord.objects.exists()
        assert AuditEvent.objects.filter(
            action="access.denied", result="refused", object_id=str(customer.pk)
        ).exists()


def test_customer_page_offers_view_instead_of_download(tenant_a, team, report):
    customer, document = report
    page = _client(team["s1"]).get("/customers/%d/" % customer.pk)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/customers/documents/%d/credit/"' % document.pk in html
    assert 'href="/customers/documents/%d/"' % document.pk not in html
    assert 'data-testid="credit-panel"' in html


def test_view_flow_serves_the_file_privately_and_records_it(tenant_a, team, report):
    customer, document = report
    grant(tenant_a, team["s1"], customer)
    client = _client(team["s1"])
    form = client.get("/customers/documents/%d/credit/" % document.pk)
    assert form.status_code == 200 and 'name="purpose"' in form.content.decode()
    served = client.post(
        "/customers/documents/%d/credit/" % document.pk,
        {"purpose": "funder_submission", "purpose_note": "工行进件", "method": "view"},
    )
    assert served.status_code == 200
    assert served.content == PDF
    assert served["Cache-Control"] == "no-store, private"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline;")
    downloaded = client.post(
        "/customers/documents/%d/credit/" % document.pk,
        {"purpose": "pre_loan", "method": "download"},
    )
    assert downloaded["Content-Disposition"].startswith("attachment;")
    with tenant_context(tenant_a):
        records = list(CreditQueryRecord.objects.order_by("id"))
    assert [(r.outcome, r.method, r.purpose) for r in records] == [
        ("allowed", "view", "funder_submission"),
        ("allowed", "download", "pre_loan"),
    ]
    assert records[0].purpose_note == "工行进件"


def test_view_flow_refusals_say_why_and_are_recorded(tenant_a, team, report):
    customer, document = report
    client = _client(team["s1"])
    url = "/customers/documents/%d/credit/" % document.pk
    unauthorised = client.post(url, {"purpose": "pre_loan", "method": "view"})
    assert unauthorised.status_code == 403
    assert PDF not in unauthorised.content
    assert 'data-testid="form-errors"' in unauthorised.content.decode()
    grant(tenant_a, team["s1"], customer)
    no_purpose = client.post(url, {"purpose": "", "method": "view"})
    assert no_purpose.status_code == 400
    assert 'data-field="purpose"' in no_purpose.content.decode()
    bad = client.post(url, {"purpose": "marketing", "method": "view"})
    assert bad.status_code == 400 and 'data-field="purpose"' in bad.content.decode()
    with tenant_context(tenant_a):
        refusals = list(
            CreditQueryRecord.objects.order_by("id").values_list("outcome", "refusal")
        )
    assert refusals == [("refused", "no_authorisation"), ("refused", "no_purpose")]


def test_colleague_cannot_view_another_salespersons_report(tenant_a, team, report):
    customer, document = report
    grant(tenant_a, team["s1"], customer)
    colleague = _client(team["s2"])
    url = "/customers/documents/%d/credit/" % document.pk
    assert colleague.get(url).status_code == 404
    assert colleague.post(url, {"purpose": "pre_loan"}).status_code == 404
    assert colleague.get("/customers/documents/%d/" % document.pk).status_code == 404
    with tenant_context(tenant_a):
        assert not CreditQueryRecord.objects.exists()


def test_view_needs_the_credit_permission(tenant_a, team, report):
    customer, document = report
    grant(tenant_a, team["s1"], customer)
    finance = make_user(tenant_a, "fin1", role_keys=["finance"])
    response = _client(finance).get("/customers/documents/%d/credit/" % document.pk)
    assert response.status_code == 403


def test_consent_is_recorded_and_revoked_on_the_page(tenant_a, team, report):
    customer, document = report
    client = _client(team["s1"])
    url = "/customers/%d/credit/authorisations/" % customer.pk
    today = timezone.localdate()
    assert client.get(url).status_code == 200
    past = client.post(
        url,
        {
            "method": "recorded_consent",
            "source_label": "电话录音",
            "valid_from": today.isoformat(),
            "valid_until": (today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert past.status_code == 400
    assert 'data-field="valid_until"' in past.content.decode()
    missing = client.post(url, {"method": "recorded_consent", "source_label": "x"})
    assert missing.status_code == 400
    assert 'data-field="valid_until"' in missing.content.decode()
    with tenant_context(tenant_a):
        assert not CreditAuthorisation.objects.exists()
    saved = client.post(
        url,
        {
            "method": "recorded_consent",
            "source_label": "电话录音 R-1",
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=90)).isoformat(),
            "note": "客户在电话中同意查询征信",
        },
    )
    assert saved.status_code == 302
    with tenant_context(tenant_a):
        authorisation = CreditAuthorisation.objects.get()
    assert authorisation.method == "recorded_consent"
    assert open_report(tenant_a, team["s1"], document).allowed
    revoked = client.post(
        "/customers/%d/credit/authorisations/revoke/" % customer.pk,
        {"authorisation": authorisation.pk, "reason": "客户要求撤回"},
    )
    assert revoked.status_code == 302
    with tenant_context(tenant_a):
        authorisation.refresh_from_db()
    assert authorisation.revoked_at is not None
    assert authorisation.revoke_reason == "客户要求撤回"
    assert not open_report(tenant_a, team["s1"], document).allowed
    stranger = _client(team["s3"])
    assert stranger.get(url).status_code == 404


@pytest.fixture
def manager(tenant_a):
    return make_user(tenant_a, "gm1", role_keys=["general_manager"], name="王经理")


def _three_looks(tenant_a, team, report):
    customer, document = report
    authorisation = grant(tenant_a, team["s1"], customer)
    open_report(tenant_a, team["s1"], document, purpose_note="=HYPERLINK(1)")
    open_report(tenant_a, team["s1"], document, purpose="")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    backdate(tenant_a, authorisation, valid_from=yesterday, valid_until=yesterday)
    open_report(tenant_a, team["s1"], document)


def test_log_page_lists_filters_and_is_gated(tenant_a, team, report, manager):
    _three_looks(tenant_a, team, report)
    client = _client(manager)
    page = client.get("/customers/credit/log/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<tr>") - 1 == 3  # three rows plus the header row
    refused = client.get("/customers/credit/log/?outcome=refused")
    assert refused.content.decode().count("<tr>") - 1 == 2
    bad = client.get("/customers/credit/log/?date_from=2026-13-01")
    assert bad.status_code == 400 and 'data-field="date_from"' in bad.content.decode()
    assert _client(team["s1"]).get("/customers/credit/log/").status_code == 403
    assert _client(team["s1"]).get("/customers/credit/log.csv").status_code == 403


def test_log_is_scoped(tenant_a, team, report, manager):
    _three_looks(tenant_a, team, report)
    with tenant_context(tenant_a):
        assert credit_log(actor=manager, filters=LogFilters()).count() == 3
        assert credit_log(actor=team["s1"], filters=LogFilters()).count() == 3
        assert credit_log(actor=team["s2"], filters=LogFilters()).count() == 0
        assert credit_log(actor=team["s3"], filters=LogFilters()).count() == 0


def test_export_contents_are_complete_and_formula_safe(tenant_a, team, report, manager):
    _three_looks(tenant_a, team, report)
    customer, _document = report
    response = _client(manager).get("/customers/credit/log.csv?sort=oldest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store, private"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff# ")  # BOM and watermark
    assert "gm1" in text.splitlines()[0]
    rows = list(csv.reader(io.StringIO(text.split("\n", 1)[1])))
    header, body = rows[0], [r for r in rows[1:] if r]
    assert len(header) == 15 and len(body) == 3
    first = dict(zip(header, body[0], strict=True))
    values = list(first.values())
    assert team["s1"].display_name in values
    assert customer.name in values
    assert "'=HYPERLINK(1)" in values  # neutralised, never a formula
    assert "HT-2026-0001" in values
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action="customer.credit_log_exported")
    assert event.changes["rows"] == 3
    refused_only = _client(manager).get("/customers/credit/log.csv?outcome=refused")
    lines = [line for line in refused_only.content.decode().splitlines() if line]
    assert len(lines) == 2 + 2  # watermark, header, two refused looks


def test_colleague_cannot_revoke_or_record(tenant_a, team, report):
    customer, _document = report
    authorisation = grant(tenant_a, team["s1"], customer)
    colleague = _client(team["s2"])
    revoke = "/customers/%d/credit/authorisations/revoke/" % customer.pk
    body = {"authorisation": authorisation.pk, "reason": "x"}
    assert colleague.post(revoke, body).status_code == 404
    record = "/customers/%d/credit/authorisations/" % customer.pk
    assert colleague.post(record, {"method": "signed_form"}).status_code == 404
    with tenant_context(tenant_a):
        authorisation.refresh_from_db()
        assert authorisation.revoked_at is None
        assert CreditAuthorisation.objects.count() == 1


def test_revoke_only_through_the_authorisations_own_customer(tenant_a, team, report):
    customer, _document = report
    authorisation = grant(tenant_a, team["s1"], customer)
    other = add_customer(tenant_a, team["s1"], owner=team["s1"], name="王五")
    response = _client(team["s1"]).post(
        "/customers/%d/credit/authorisations/revoke/" % other.pk,
        {"authorisation": authorisation.pk},
    )
    assert response.status_code == 404
    bad = _client(team["s1"]).post(
        "/customers/%d/credit/authorisations/revoke/" % customer.pk,
        {"authorisation": "99999999999999999999999"},
    )
    assert bad.status_code == 302  # back to the page with the field's message
    with tenant_context(tenant_a):
        authorisation.refresh_from_db()
    assert authorisation.revoked_at is None


def test_log_page_query_count_does_not_grow_with_rows(tenant_a, team, report, manager):
    customer, document = report
    grant(tenant_a, team["s1"], customer)
    open_report(tenant_a, team["s1"], document)
    client = _client(manager)
    client.get("/customers/credit/log/")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/customers/credit/log/").status_code == 200
    for _n in range(5):
        open_report(tenant_a, team["s1"], document)
    with CaptureQueriesContext(connection) as six:
        page = client.get("/customers/credit/log/")
    assert page.content.decode().count("<tr>") - 1 == 6
    assert len(six) == len(one)


def test_export_as_excel_has_the_same_rows(tenant_a, team, report, manager):
    import openpyxl

    _three_looks(tenant_a, team, report)
    customer, _document = report
    response = _client(manager).get("/customers/credit/log.xlsx?sort=oldest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Cache-Control"] == "no-store, private"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "gm1" in rows[0][0]  # watermark
    header, body = rows[1], rows[2:]
    assert len(header) == 15 and len(body) == 3
    values = [str(v) for v in body[0]]
    assert customer.name in values
    assert "'=HYPERLINK(1)" in values  # neutralised, never a formula
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action="customer.credit_log_exported")
    assert event.changes["rows"] == 3 and event.changes["format"] == "xlsx"
