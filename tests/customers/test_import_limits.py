"""Issue 13, finding 11: an import with an oversized cell is refused as a whole with
the row and column named (no 500, no job, nothing imported); values beyond what a
customer holds become row errors naming the field."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from lenddesk.customers import imports
from lenddesk.customers.models import Customer, ImportJob, ImportRow
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.test_imports import xlsx_bytes

HEADERS = ["姓名", "手机号", "需求金额", "期限", "备注"]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _upload(client, name, data):
    return client.post("/customers/imports/", {"file": SimpleUploadedFile(name, data)})


def test_csv_cell_over_the_csv_module_limit_names_row_and_column(
    client, tenant_a, team
):
    rows = [
        HEADERS,
        ["张三", "13800000001", "", "", ""],
        ["李四", "13800000002", "", "", "x" * 140_000],
    ]
    force_session(client, team["lead1"])
    response = _upload(client, "客户.csv", _csv(rows))
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert any("3" in e and "E (备注)" in e for e in errors), errors
    with tenant_context(tenant_a):
        assert not ImportJob.objects.exists()
        assert not Customer.objects.exists()


def test_long_cell_in_a_workbook_is_refused_too(client, tenant_a, team):
    rows = [HEADERS, ["张三", "13800000001", "", "", "长" * (imports.MAX_CELL + 1)]]
    force_session(client, team["lead1"])
    response = _upload(client, "客户.xlsx", xlsx_bytes(rows))
    assert response.status_code == 400
    assert "E (备注)" in " ".join(response.context["form"].errors["file"])
    with tenant_context(tenant_a):
        assert not ImportJob.objects.exists()


def test_values_beyond_the_columns_are_row_errors_naming_the_field(
    client, tenant_a, team, django_capture_on_commit_callbacks
):
    rows = [
        HEADERS,
        ["好客户", "13800000001", "50000", "12", "正常"],
        ["名" * 81, "13800000002", "", "", ""],
        ["金额太大", "13800000003", "1e20", "", ""],
        ["不是数", "13800000004", "NaN", "", ""],
        ["期限太长", "13800000005", "", "99999", ""],
    ]
    force_session(client, team["lead1"])
    upload = _upload(client, "客户.csv", _csv(rows))
    assert upload.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            upload["Location"],
            {
                "col_0": "name",
                "col_1": "phone",
                "col_2": "demand_amount",
                "col_3": "demand_term_months",
                "col_4": "credit_notes",
                "duplicate_policy": "merge",
                "assignment": "pool",
            },
        )
    assert started.status_code == 302
    with tenant_context(tenant_a):
        job = ImportJob.objects.get()
        assert (job.status, job.created_count, job.error_count) == ("completed", 1, 4)
        errors = {
            r.row_no: set(r.errors)
            for r in ImportRow.objects.filter(job=job, outcome="error")
        }
        assert errors == {
            3: {"name"},
            4: {"demand_amount"},
            5: {"demand_amount"},
            6: {"demand_term_months"},
        }
        assert list(Customer.objects.values_list("name", flat=True)) == ["好客户"]
