"""The import's error report reads like the page: a column's problem is prefixed with
the column's name, a problem of the whole row with nothing (never ``row:``)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import force_session
from tests.customers.test_imports import xlsx_bytes


def test_error_report_names_columns_and_never_says_row(
    client, tenant_a, admin_a, django_capture_on_commit_callbacks
):
    rows = [
        ["姓名", "手机号", "需求金额"],
        ["张三", "13800000001", "200000"],
        ["", "", ""],  # an empty row
        ["李四", "12345", ""],  # a bad phone
        ["王五", "13800000003", "很多"],  # an amount that is not a number
    ]
    force_session(client, admin_a)
    upload = client.post(
        "/customers/imports/",
        {"file": SimpleUploadedFile("客户.xlsx", xlsx_bytes(rows))},
    )
    job_url = upload["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            job_url,
            {
                "col_0": "name",
                "col_1": "phone",
                "col_2": "demand_amount",
                "duplicate_policy": "merge",
                "assignment": "pool",
            },
        )
    report = client.get(job_url + "errors.csv")
    body = b"".join(report.streaming_content).decode("utf-8")
    problems = {line[0]: line[1] for line in list(csv.reader(io.StringIO(body)))[1:]}
    assert set(problems) == {"3", "4", "5"}
    assert "row" not in body
    assert problems["3"] == "空行。"
    assert problems["4"].startswith("手机号: ")
    assert problems["5"].startswith("需求金额: ")
