"""Uploading templates: only plain .docx files, every placeholder from the
catalogue (unknown ones refused by name), nothing stored on a refusal; the
placeholder page; the numbering settings."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from lenddesk.contracts.models import ContractTemplate
from lenddesk.contracts.sample_templates import sample_docx
from lenddesk.contracts.services import setting_update, template_upload
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.contracts.conftest import BROKERAGE, CREDIT, docx_text, docx_upload

pytestmark = pytest.mark.django_db


def _upload(tenant, actor, data, name="t.docx", kind=BROKERAGE):
    with tenant_context(tenant):
        return template_upload(
            actor=actor, kind=kind, name="合同", upload=docx_upload(data, name)
        )


def _refused(tenant, actor, data, name="t.docx", kind=BROKERAGE):
    with pytest.raises(ValidationError) as caught:
        _upload(tenant, actor, data, name, kind)
    with tenant_context(tenant):
        assert not ContractTemplate.objects.exists()
    return caught.value


def _with_macro(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/'
                    b'vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(item, content)
        target.writestr("word/vbaProject.bin", b"\x00macro")
    return out.getvalue()


def test_a_sample_template_is_stored_with_its_placeholders(tenant_a, admin_a):
    template = _upload(tenant_a, admin_a, sample_docx(BROKERAGE))
    assert template.version == 1
    assert "customer.name" in template.placeholders
    assert "order.amount_words" in template.placeholders
    assert "customer.id_number" not in template.placeholders
    again = _upload(tenant_a, admin_a, sample_docx(BROKERAGE))
    assert again.version == 2  # a new version; the first stays


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"hello", "t.txt", "template_not_docx"),
        (b"not a zip", "t.docx", "template_not_docx"),
        (b"PK\x03\x04 broken", "t.docx", "template_not_docx"),
        (None, "t.docm", "template_has_macros"),
        ("macro", "t.docx", "template_has_macros"),
    ],
)
def test_not_a_plain_docx_is_refused_naming_the_file(
    tenant_a, admin_a, data, name, code
):
    if data is None:
        data = sample_docx(BROKERAGE)
    elif data == "macro":
        data = _with_macro(sample_docx(BROKERAGE))
    error = _refused(tenant_a, admin_a, data, name)
    assert error.code == code
    assert "file" in error.message_dict


def _damaged(data: bytes, how: str) -> bytes:
    if how == "truncated-xml":
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item)
                if item.filename == "word/document.xml":
                    content = content[: len(content) // 2]
                target.writestr(item, content)
        return out.getvalue()
    damaged = bytearray(data)
    at = damaged.find(b"word/document.xml")
    damaged[at + 200 : at + 260] = b"\x00" * 60
    return bytes(damaged)


@pytest.mark.parametrize("how", ["truncated-xml", "corrupt-deflate"])
def test_a_damaged_package_is_refused_not_a_server_error(tenant_a, admin_a, how):
    error = _refused(tenant_a, admin_a, _damaged(sample_docx(BROKERAGE), how))
    assert error.code == "template_not_docx"


def test_unknown_placeholders_are_refused_by_name(tenant_a, admin_a):
    data = sample_docx(
        BROKERAGE,
        extra=("{{ customer.nmae }} {{ loan.rate }} {{ customer.__class__ }}",),
    )
    error = _refused(tenant_a, admin_a, data)
    assert error.code == "unknown_placeholders"
    message = error.message_dict["file"][0]
    for name in ("customer.nmae", "loan.rate", "customer.__class__"):
        assert name in message
    assert "customer.name," not in message


def test_the_full_id_number_only_in_a_credit_query_authorisation(tenant_a, admin_a):
    data = sample_docx(BROKERAGE, extra=("{{ customer.id_number }}",))
    error = _refused(tenant_a, admin_a, data)
    assert "customer.id_number" in error.message_dict["file"][0]
    template = _upload(tenant_a, admin_a, sample_docx(CREDIT), kind=CREDIT)
    assert "customer.id_number" in template.placeholders


@pytest.mark.parametrize(
    "construct",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{{ 'x' * 999999999 }}",
        "{{ customer.name.center(999999999) }}",
        "{{ customer.name|center(999999999) }}",
        "{% set a = customer.name %}",
        "{% macro f() %}{{ f() }}{% endmacro %}",
        "{{ customer.name|safe }}",
    ],
)
def test_loops_calls_and_arithmetic_are_refused(tenant_a, admin_a, construct):
    error = _refused(tenant_a, admin_a, sample_docx(BROKERAGE, extra=(construct,)))
    assert error.code == "template_invalid"
    assert "file" in error.message_dict


def test_conditions_and_text_filters_are_allowed(tenant_a, admin_a):
    extra = (
        "{% if customer.company_name %}{{ customer.company_name|upper }}"
        "{% else %}{{ customer.name|default('') }}{% endif %}",
    )
    template = _upload(tenant_a, admin_a, sample_docx(BROKERAGE, extra=extra))
    assert "customer.company_name" in template.placeholders


def test_a_broken_expression_is_refused(tenant_a, admin_a):
    error = _refused(
        tenant_a, admin_a, sample_docx(BROKERAGE, extra=("{{ customer. }}",))
    )
    assert error.code == "template_invalid"


def test_upload_page_shows_the_refusal_and_the_placeholder_page_lists_labels(
    tenant_a, admin_a
):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    force_session(client, admin_a)
    data = sample_docx(BROKERAGE, extra=("{{ customer.nmae }}",))
    answer = client.post(
        "/contracts/templates/",
        {"kind": BROKERAGE, "name": "居间", "file": docx_upload(data)},
    )
    assert answer.status_code == 400
    assert "customer.nmae" in answer.content.decode()
    ok = client.post(
        "/contracts/templates/",
        {
            "kind": BROKERAGE,
            "name": "居间",
            "file": docx_upload(sample_docx(BROKERAGE)),
        },
    )
    assert ok.status_code == 302
    page = client.get("/contracts/templates/")
    assert page.status_code == 200 and "customer.name" in page.content.decode()
    sample = client.get("/contracts/templates/sample/?kind=credit_authorisation")
    assert sample.status_code == 200
    assert "征信查询授权书" in docx_text(sample.content)
    assert client.get("/contracts/templates/sample/?kind=x").status_code == 404
    listing = client.get("/contracts/templates/placeholders/").content.decode()
    assert "{{ customer.id_number_masked }}" in listing
    assert "{{ order.amount_words }}" in listing


def test_a_salesperson_may_not_upload_templates(tenant_a, people):
    client = Client()
    force_session(client, people["s1"])
    answer = client.post(
        "/contracts/templates/",
        {"kind": BROKERAGE, "file": docx_upload(sample_docx(BROKERAGE))},
    )
    assert answer.status_code == 403


def test_prefixes_are_checked_and_unique(tenant_a, admin_a):
    with tenant_context(tenant_a):
        setting_update(actor=admin_a, kind=BROKERAGE, prefix="jjht", valid_months=12)
        with pytest.raises(ValidationError) as caught:
            setting_update(actor=admin_a, kind=CREDIT, prefix="JJHT", valid_months=12)
        assert "prefix" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            setting_update(actor=admin_a, kind=CREDIT, prefix="ZX-1", valid_months=12)
        assert "prefix" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            setting_update(actor=admin_a, kind=CREDIT, prefix="ZX", valid_months=99)
        assert "valid_months" in caught.value.message_dict
