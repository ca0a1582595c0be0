"""A firm with two salespeople, a general manager and finance; an order of s1 for a
customer with a phone and an ID number; the three sample templates uploaded; and
readers of the text inside a DOCX and a PDF."""

from __future__ import annotations

import io
import os
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from pypdf import PdfReader

from lenddesk.contracts.models import ContractKind
from lenddesk.contracts.sample_templates import SAMPLES, sample_docx
from lenddesk.contracts.services import template_upload
from lenddesk.customers.services import customer_create
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user
from tests.orders.conftest import open_order
from tests.products.conftest import make_product

IN_CI = os.environ.get("CI", "").lower() == "true"
ID_NUMBER = "110101199003074514"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_upload(data: bytes, name: str = "template.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, DOCX_TYPE)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # Line breaks inside a paragraph fall where the page width puts them.
    return "".join((page.extract_text() or "") for page in reader.pages).replace(
        "\n", ""
    )


@pytest.fixture
def people(tenant_a):
    return {
        "s1": make_user(tenant_a, "s1", name="李娜"),
        "s2": make_user(tenant_a, "s2", name="王强"),
        "gm": make_user(tenant_a, "gm", role_keys=["general_manager"], name="周总"),
        "f1": make_user(tenant_a, "f1", role_keys=["finance"]),
    }


@pytest.fixture
def product(tenant_a, admin_a):
    return make_product(tenant_a, admin_a, name="房抵贷A")


def order_for(tenant, owner, product, *, name="张三丰", id_number=ID_NUMBER, **terms):
    with tenant_context(tenant):
        customer = customer_create(
            actor=owner,
            data={"name": name, "city": "杭州"},
            phone="13812345678" if id_number == ID_NUMBER else "",
            id_number=id_number,
            owner=owner,
        ).customer
    values = {"amount": Decimal("120000"), "fee_rate": Decimal("2"), **terms}
    return open_order(tenant, owner, product=product, customer=customer, **values)


@pytest.fixture
def order(tenant_a, people, product):
    return order_for(tenant_a, people["s1"], product)


@pytest.fixture
def templates(tenant_a, admin_a):
    with tenant_context(tenant_a):
        return {
            kind: template_upload(
                actor=admin_a,
                kind=kind,
                name=title,
                upload=docx_upload(sample_docx(kind)),
            )
            for kind, (title, _paragraphs) in SAMPLES.items()
        }


BROKERAGE = ContractKind.BROKERAGE
FEE = ContractKind.FEE_CONFIRMATION
CREDIT = ContractKind.CREDIT_AUTHORISATION
