"""Demo of contracts (合同): the three sample templates uploaded by the general
manager, and contracts on the demo's orders in every status — drafts, one sent,
signed ones with their scans (a signed credit-query authorisation records the
customer's authorisation), one voided and regenerated ones with two versions.

Idempotent: nothing is added when the firm has contract templates.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from lenddesk.contracts.models import Contract, ContractKind, ContractTemplate
from lenddesk.contracts.sample_templates import SAMPLES, sample_docx
from lenddesk.contracts.services import (
    contract_generate,
    contract_regenerate,
    contract_send,
    contract_sign,
    contract_void,
    template_upload,
)
from lenddesk.orders.demo import person
from lenddesk.orders.models import Order, OrderStatus

K = ContractKind


def _scan() -> SimpleUploadedFile:
    image = Image.new("RGB", (620, 877), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 580, 837), outline="black", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("signed-scan.png", out.getvalue(), "image/png")


def _upload_templates(manager) -> None:
    for kind, (title, _paragraphs) in SAMPLES.items():
        upload = SimpleUploadedFile(
            "%s.docx" % kind,
            sample_docx(kind),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        template_upload(actor=manager, kind=kind, name=title, upload=upload)


def build(tenant, log) -> None:
    if ContractTemplate.objects.exists():
        log("contracts: %d (kept)" % Contract.objects.count())
        return
    manager = person("general_manager")
    # the demo acts as the firm's people, never as the administrator (whose audit
    # trail starts empty)
    _upload_templates(manager)
    orders = list(
        Order.objects.exclude(status=OrderStatus.CANCELLED)
        .select_related("owner", "customer")
        .order_by("id")[:5]
    )
    for index, order in enumerate(orders):
        _play(index, order, manager)
    log(
        "contract templates: %d, contracts: %d"
        % (ContractTemplate.objects.count(), Contract.objects.count())
    )


def _play(index: int, order: Order, admin) -> None:
    """A brokerage contract on every order, in a different state each; the first
    two also get a credit-query authorisation, signed."""
    owner = order.owner
    contract = contract_generate(actor=owner, order=order, kind=K.BROKERAGE)
    if index == 0:
        contract = contract_send(actor=owner, contract=contract)
        contract_sign(actor=owner, contract=contract, scan=_scan())
    elif index == 1:
        contract_send(actor=owner, contract=contract)
    elif index == 2:
        contract = contract_regenerate(actor=owner, contract=contract)
    elif index == 3:
        contract_void(
            actor=owner, contract=contract, reason="客户更换贷款产品，合同重签"
        )
        contract_generate(actor=owner, order=order, kind=K.BROKERAGE)
    if index < 2:
        # The full ID number is printed by someone who may reveal it (audited).
        authorisation = contract_generate(
            actor=admin, order=order, kind=K.CREDIT_AUTHORISATION
        )
        contract_sign(actor=owner, contract=authorisation, scan=_scan())
    if index == 0:
        contract_generate(actor=owner, order=order, kind=K.FEE_CONFIRMATION)
