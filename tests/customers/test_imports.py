"""A team lead imports a spreadsheet with bad rows and duplicates, downloads the error
report, and sees the good rows spread round-robin over the team (SECURITY T42, T43, T47)."""

import io
import zipfile

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from lenddesk.customers import imports
from lenddesk.customers.models import AllocationLog, Customer, ImportJob, ImportRow
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer

HEADERS = ["姓名", "手机号", "身份证号", "城市", "需求金额", "备注"]
GOOD = [
    ["张三", "13800000001", "", "成都", "200000", "老客户介绍"],
    ["李四", "13800000002", "", "重庆", "50000", ""],
    ["王五", "13800000003", "", "成都", "", ""],
    ["赵六", "13800000004", "", "西安", "100000", ""],
]
BAD = [
    ["", "13800000005", "", "成都", "", ""],  # no name
    ["钱七", "12345", "", "", "", ""],  # bad phone
    ["孙八", "", "110105199001011239", "", "", ""],  # bad ID check digit
    [
        "周九",
        "13800000006",
        "",
        "",
        "-5",
        '=HYPERLINK("http://x","y")',
    ],  # negative amount
]


def xlsx_bytes(rows) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def test_team_lead_import_end_to_end(
    client, tenant_a, admin_a, team, django_capture_on_commit_callbacks
):
    existing = add_customer(
        tenant_a, admin_a, owner=team["s1"], name="老张", phone="13800000009"
    )
    rows = [HEADERS, *GOOD, *BAD, ["张三重复", "13800000009", "", "", "", ""]]
    force_session(client, team["lead1"])
    upload = client.post(
        "/customers/imports/",
        {"file": SimpleUploadedFile("客户.xlsx", xlsx_bytes(rows))},
    )
    assert upload.status_code == 302
    job_url = upload["Location"]
    page = client.get(job_url).content.decode()
    assert "138****0001" in page and "13800000001" not in page  # preview is masked
    with tenant_context(tenant_a):
        job = ImportJob.objects.get()
        assert (
            job.total_rows == 9
            and job.mapping["0"] == "name"
            and job.mapping["1"] == "phone"
        )
    with django_capture_on_commit_callbacks(execute=True):
        start = client.post(
            job_url,
            {
                "col_0": "name",
                "col_1": "phone",
                "col_2": "id_number",
                "col_3": "city",
                "col_4": "demand_amount",
                "col_5": "credit_notes",
                "duplicate_policy": "merge",
                "assignment": "team:%d" % team["lead1"].department_id,
            },
        )
    assert start.status_code == 302
    with tenant_context(tenant_a):
        job.refresh_from_db()
        assert job.status == "completed"
        assert (job.created_count, job.duplicate_count, job.error_count) == (4, 1, 4)
        owners = sorted(
            Customer.objects.filter(
                name__in=["张三", "李四", "王五", "赵六"]
            ).values_list("owner__username", flat=True)
        )
        assert sorted(set(owners)) == ["lead1", "s1", "s2"]  # spread over the team
        assert (
            max(owners.count(u) for u in set(owners))
            - min(owners.count(u) for u in set(owners))
            <= 1
        )
        assert AllocationLog.objects.count() == 4
        assert existing.followups.filter(content__contains="客户.xlsx").exists()
    report = client.get(job_url + "errors.csv")
    body = b"".join(report.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = body.strip().splitlines()
    assert len(lines) == 5  # header + 4 bad rows
    assert "'=HYPERLINK" in body  # formula neutralised
    assert ",6," in lines[1] or lines[1].startswith("6,")
    status = client.get(job_url).content.decode()
    assert 'data-testid="import-created">4<' in status


def test_import_resumes_without_doubling(tenant_a, admin_a, team):
    rows = [HEADERS] + [
        ["客户%d" % i, "1370000%04d" % i, "", "", "", ""] for i in range(30)
    ]
    with tenant_context(tenant_a):
        job = imports.import_upload(
            actor=admin_a,
            upload=SimpleUploadedFile(
                "a.csv", "\n".join(",".join(r) for r in rows).encode()
            ),
        )
        ImportJob.objects.filter(pk=job.pk).update(
            mapping={"0": "name", "1": "phone"}, status="queued", assignment="pool"
        )
    original = imports.BATCH
    imports.BATCH = 7
    calls = {"n": 0}
    real = imports._run_batch

    def dying(job, batch, plan):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(job, batch, plan)

    try:
        imports._run_batch = dying
        from lenddesk.tenancy.context import bind_tenant

        with bind_tenant(tenant_a), pytest.raises(RuntimeError):
            imports.import_run(job_id=job.pk)
        imports._run_batch = real
        with bind_tenant(tenant_a):
            imports.import_run(job_id=job.pk)
    finally:
        imports.BATCH = original
        imports._run_batch = real
    with tenant_context(tenant_a):
        assert ImportRow.objects.filter(job=job).count() == 30
        assert Customer.objects.filter(name__startswith="客户").count() == 30
        assert ImportJob.objects.get(pk=job.pk).created_count == 30


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("x.exe", b"MZ...", "xlsx"),
        ("x.xlsx", b"not a zip", "xlsx"),
        ("x.csv", "姓名\n".encode("utf-16"), "UTF-8"),
        ("x.csv", b"name,phone\n", "no rows"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tenant_a, admin_a, name, data, fragment):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with (
        translation.override("en"),
        tenant_context(tenant_a),
        pytest.raises(ValidationError) as info,
    ):
        imports.import_upload(actor=admin_a, upload=SimpleUploadedFile(name, data))
    assert fragment in " ".join(info.value.message_dict["file"])


def _zip(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "entries",
    [
        [
            ("[Content_Types].xml", "x"),
            ("xl/worksheets/sheet1.xml", "0" * 50_000_000),
        ],  # bomb
        [("[Content_Types].xml", "x"), ("../../etc/passwd", "x")],
        [("[Content_Types].xml", "x")] + [("xl/p%d.xml" % i, "x") for i in range(300)],
    ],
)
def test_hostile_workbooks_are_refused_fast(tenant_a, admin_a, entries):
    import time

    from django.core.exceptions import ValidationError

    data = _zip(entries)
    started = time.monotonic()
    with tenant_context(tenant_a), pytest.raises(ValidationError):
        imports.import_upload(actor=admin_a, upload=SimpleUploadedFile("x.xlsx", data))
    assert time.monotonic() - started < 5


def test_mapping_must_include_name_and_contact(client, tenant_a, team):
    force_session(client, team["lead1"])
    client.post(
        "/customers/imports/",
        {"file": SimpleUploadedFile("a.csv", b"a,b\n1,2\n")},
    )
    with tenant_context(tenant_a):
        job = ImportJob.objects.get()
    response = client.post(
        "/customers/imports/%d/" % job.pk,
        {
            "col_0": "city",
            "col_1": "",
            "duplicate_policy": "merge",
            "assignment": "pool",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()


def _queued(tenant, admin, rows, mapping, policy="merge"):
    with tenant_context(tenant):
        job = imports.import_upload(
            actor=admin, upload=SimpleUploadedFile("t.xlsx", xlsx_bytes(rows))
        )
        ImportJob.objects.filter(pk=job.pk).update(
            mapping=mapping, status="queued", assignment="pool", duplicate_policy=policy
        )
    return job


@pytest.mark.parametrize("batch", [2, 1000])
def test_twins_in_the_file_do_not_depend_on_batches(
    tenant_a, admin_a, monkeypatch, batch
):
    """A person twice in one file is reported the same way whether both rows fall in
    one batch or not (and so whether a resumed run restarted between them)."""
    from django.utils import translation

    from lenddesk.tenancy.context import bind_tenant

    add_customer(tenant_a, admin_a, name="老客户", phone="13800000050")
    rows = [
        ["姓名", "手机号", "身份证号"],
        ["甲", "13800000051", ""],
        ["乙", "13800000052", "11010519491231002X"],
        ["甲二", "138 0000 0051", ""],  # twin of row 2
        ["老客户", "13800000050", ""],  # already a customer: merged
        ["乙二", "", "11010519491231002x"],  # twin of row 3 by ID number
    ]
    job = _queued(
        tenant_a, admin_a, rows, {"0": "name", "1": "phone", "2": "id_number"}
    )
    monkeypatch.setattr(imports, "BATCH", batch)
    with translation.override("en"), bind_tenant(tenant_a):
        job = imports.import_run(job_id=job.pk)
    with tenant_context(tenant_a):
        outcomes = dict(
            ImportRow.objects.filter(job=job).values_list("row_no", "outcome")
        )
        errors = ImportRow.objects.get(job=job, row_no=4).errors
        assert Customer.objects.count() == 3
        created = Customer.objects.get(name="乙")
    assert outcomes == {
        2: "created",
        3: "created",
        4: "error",
        5: "duplicate",
        6: "error",
    }
    assert errors == {"phone": ["The same customer appears twice in the file (row 2)."]}
    assert (job.created_count, job.duplicate_count, job.error_count) == (2, 1, 2)
    # Born 1949-12-31, odd-free sequence digit 2: female, as customer_create derives.
    assert (created.birth_date.isoformat(), created.gender) == ("1949-12-31", "F")


def test_imported_customer_matches_a_normally_created_one(tenant_a, admin_a):
    """Ciphertexts, blind indexes, derived facts and name keys of an imported row are
    what ``customer_create`` produces for the same input."""
    from lenddesk.customers.services import customer_create
    from lenddesk.security.fields import exact_lookup, last4_lookup
    from lenddesk.tenancy.context import bind_tenant

    job = _queued(
        tenant_a,
        admin_a,
        [
            ["姓名", "手机号", "身份证号"],
            ["曾单仇", "+86 139-1234-5678", "11010519491231002X"],
        ],
        {"0": "name", "1": "phone", "2": "id_number"},
    )
    with bind_tenant(tenant_a):
        imports.import_run(job_id=job.pk)
    with tenant_context(tenant_a):
        imported = Customer.objects.get()
        normal = customer_create(
            actor=admin_a,
            data={"name": "曾单仇"},
            phone="13912345678",
            id_number="11010519491231002X",
            policy="flag",
        ).customer
        for field in ("phone_index", "phone_last4_index", "id_number_index"):
            assert getattr(imported, field) == getattr(normal, field)
        for field in ("birth_date", "gender", "name_pinyin", "name_initials"):
            assert getattr(imported, field) == getattr(normal, field)
        assert imported.get_secret("phone") == "+8613912345678"
        assert imported.get_secret("id_number") == "11010519491231002X"
        assert imported.row_key != normal.row_key
        assert set(
            Customer.objects.filter(exact_lookup(Customer, "phone", "139 1234 5678"))
        ) == {imported, normal}
        assert Customer.objects.filter(
            last4_lookup(Customer, "phone", "5678"), pk=imported.pk
        ).exists()


@pytest.mark.parametrize(
    "name",
    [
        "曾小单",
        "单田芳",
        "仇解",
        "朴乐缪",
        "区查盖",
        "吕女士",
        "重庆人",
        "长孙无忌",
        "Tom张三",
        "李2号",
        "〇",
        "😀王",
        "阿依古丽·买买提",
        "",
        "ABC",
    ],
)
def test_import_name_keys_equal_the_services_ones(name):
    from lenddesk.customers.services import name_keys

    assert imports.name_keys(name) == name_keys(name)
