"""Funder submission (资方进件): the completeness check names what is missing, one
pending submission per funder, the funder's answer once, re-submission to another
funder with the history kept, approval rates, and the page a processor uses."""

import io
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.documents import document_upload
from lenddesk.customers.models import TimelineEvent
from lenddesk.notifications.models import Notification
from lenddesk.orders import loan_selectors
from lenddesk.orders.models import (
    Order,
    OrderParticipant,
    OrderProduct,
    OrderStatus,
    Submission,
    Workflow,
    WorkflowNode,
    WorkflowVersion,
)
from lenddesk.orders.submissions import (
    submission_check,
    submission_create,
    submission_decide,
    submission_withdraw,
)
from lenddesk.products.models import Funder
from lenddesk.products.services import funder_save
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.customers.conftest import add_customer
from tests.factories import make_user
from tests.products.conftest import make_product

_seq = itertools.count(1)


# --- a small world: an order at 提交资方, built through the models ---------------------


def make_order(tenant, owner, customer, products, *, amount="300000", node_docs=()):
    """An open order on a one-step flow whose step needs ``node_docs``."""
    n = next(_seq)
    with tenant_context(tenant):
        workflow = Workflow.objects.create(key="loan-%d" % n, name="信用贷")
        version = WorkflowVersion.objects.create(
            workflow=workflow, number=1, status="published"
        )
        node = WorkflowNode.objects.create(
            version=version,
            position=1,
            key="submit",
            name="提交资方",
            required_documents=list(node_docs),
        )
        Workflow.objects.filter(pk=workflow.pk).update(current=version)
        order = Order.objects.create(
            number="YW%06d" % n,
            customer=customer,
            owner=owner,
            version=version,
            node=node,
            amount=Decimal(amount),
            term_months=36,
            node_entered_at=timezone.now(),
            created_by=owner,
        )
        for position, product in enumerate(products):
            OrderProduct.objects.create(order=order, product=product, position=position)
        return order


def upload(tenant, actor, customer, kind):
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with tenant_context(tenant):
        return document_upload(
            actor=actor,
            customer=customer,
            kind=kind,
            upload=SimpleUploadedFile("%s.png" % kind, png.getvalue()),
        )


def second_funder_product(tenant, actor):
    with tenant_context(tenant):
        funder = funder_save(actor=actor, data={"name": "第二银行"})
    return make_product(
        tenant,
        actor,
        funder=funder,
        name="信用快贷",
        type="credit",
        required_documents=["id_card"],
    )


@pytest.fixture
def world(tenant_a, admin_a):
    """A salesperson's customer with an ID card on file, a mortgage product that
    also needs the property certificate, and an order handled by a processor."""
    sales = make_user(tenant_a, "sales-loan", role_keys=["salesperson"])
    processor = make_user(tenant_a, "proc-loan", role_keys=["processor"])
    customer = add_customer(tenant_a, admin_a, name="王小明", owner=sales)
    product = make_product(tenant_a, admin_a)  # id_card + property_certificate
    upload(tenant_a, admin_a, customer, "id_card")
    order = make_order(tenant_a, sales, customer, [product])
    with tenant_context(tenant_a):
        OrderParticipant.objects.create(
            order=order, user=processor, role_key="processor"
        )
    return {
        "tenant": tenant_a,
        "admin": admin_a,
        "sales": sales,
        "processor": processor,
        "customer": customer,
        "product": product,
        "order": order,
    }


def _refresh(tenant, order):
    with tenant_context(tenant):
        return Order.objects.select_related("node", "customer").get(pk=order.pk)


# --- completeness ----------------------------------------------------------------------


def test_check_names_the_missing_documents_in_chinese(world):
    tenant, order = world["tenant"], world["order"]
    with tenant_context(tenant):
        check = submission_check(
            order=_refresh(tenant, order), product=world["product"]
        )
    assert not check.ok
    assert [kind for kind, _label in check.missing] == ["property_certificate"]
    assert check.missing_labels == ["房产证"] or check.missing_labels == [
        "Property certificate"
    ]


def test_the_current_steps_documents_count_too(world):
    tenant, admin = world["tenant"], world["admin"]
    upload(tenant, admin, world["customer"], "property_certificate")
    order = make_order(
        tenant,
        world["sales"],
        world["customer"],
        [world["product"]],
        node_docs=["income_proof", "征信报告"],
    )
    with tenant_context(tenant):
        check = submission_check(
            order=_refresh(tenant, order), product=world["product"]
        )
    assert [kind for kind, _label in check.missing] == ["income_proof"]
    assert check.to_confirm == ["征信报告"]  # not a document kind: checked by hand


def test_submission_refused_while_documents_are_missing(world):
    tenant, admin = world["tenant"], world["admin"]
    with tenant_context(tenant), pytest.raises(ValidationError) as refused:
        submission_create(
            actor=admin,
            order=_refresh(tenant, world["order"]),
            product=world["product"],
        )
    assert refused.value.code == "documents_missing"
    assert "documents" in refused.value.message_dict
    with tenant_context(tenant):
        assert not Submission.objects.exists()


def test_submit_records_the_documents_sent_and_one_pending_per_funder(world):
    tenant, admin = world["tenant"], world["admin"]
    upload(tenant, admin, world["customer"], "property_certificate")
    upload(tenant, admin, world["customer"], "id_card")  # version 2
    order = _refresh(tenant, world["order"])
    with tenant_context(tenant):
        submission = submission_create(
            actor=admin, order=order, product=world["product"]
        )
        sent = {d["kind"]: d["version"] for d in submission.documents}
        assert sent == {"id_card": 2, "property_certificate": 1}
        assert all(d["required"] for d in submission.documents)
        with pytest.raises(ValidationError) as again:
            submission_create(actor=admin, order=order, product=world["product"])
        assert again.value.code == "conflict"
        assert Submission.objects.count() == 1
        assert AuditEvent.objects.filter(action="orders.submission_created").exists()
        assert TimelineEvent.objects.filter(
            customer=world["customer"], kind="order"
        ).exists()


def test_a_closed_order_cannot_be_submitted(world):
    tenant, admin = world["tenant"], world["admin"]
    upload(tenant, admin, world["customer"], "property_certificate")
    with tenant_context(tenant):
        Order.objects.filter(pk=world["order"].pk).update(status=OrderStatus.CANCELLED)
        with pytest.raises(ValidationError) as refused:
            submission_create(
                actor=admin,
                order=_refresh(tenant, world["order"]),
                product=world["product"],
            )
    assert refused.value.code == "order_closed"


# --- the funder's answer ---------------------------------------------------------------


@pytest.fixture
def pending(world):
    tenant, admin = world["tenant"], world["admin"]
    upload(tenant, admin, world["customer"], "property_certificate")
    with tenant_context(tenant):
        return submission_create(
            actor=admin,
            order=_refresh(tenant, world["order"]),
            product=world["product"],
        )


def test_approval_is_recorded_once(world, pending):
    tenant, admin = world["tenant"], world["admin"]
    with tenant_context(tenant):
        decided = submission_decide(
            actor=admin,
            submission=pending,
            decision="approved",
            amount=Decimal("280000"),
            rate=Decimal("4.2"),
            term=36,
        )
        assert decided.status == "approved"
        assert decided.approved_amount == Decimal("280000.00")
        assert decided.approved_rate == Decimal("4.2000")
        with pytest.raises(ValidationError) as again:
            submission_decide(
                actor=admin, submission=pending, decision="rejected", reason="改主意"
            )
        assert again.value.code == "already_decided"
        assert Submission.objects.get(pk=pending.pk).status == "approved"
        # The owner hears of it.
        assert Notification.objects.filter(
            recipient=world["sales"], kind="orders.submission_decided"
        ).exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": Decimal("450000.01"), "rate": Decimal("4"), "term": 36}, "amount"),
        ({"amount": Decimal("-1"), "rate": Decimal("4"), "term": 36}, "amount"),
        ({"amount": Decimal("100000"), "rate": Decimal("36.01"), "term": 36}, "rate"),
        ({"amount": Decimal("100000"), "rate": Decimal("-0.5"), "term": 36}, "rate"),
        ({"amount": Decimal("100000"), "rate": Decimal("4"), "term": 0}, "term"),
        ({"amount": Decimal("100000"), "rate": Decimal("4"), "term": 481}, "term"),
        ({"amount": None, "rate": None, "term": None}, "amount"),
    ],
)
def test_approval_terms_are_bounded_and_name_the_field(world, pending, values, field):
    with tenant_context(world["tenant"]):
        with pytest.raises(ValidationError) as refused:
            submission_decide(
                actor=world["admin"], submission=pending, decision="approved", **values
            )
        assert field in refused.value.message_dict
        assert Submission.objects.get(pk=pending.pk).status == "pending"


def test_the_sanity_ceiling_is_one_and_a_half_times_the_request(world, pending):
    with tenant_context(world["tenant"]):
        decided = submission_decide(
            actor=world["admin"],
            submission=pending,
            decision="approved",
            amount=Decimal("450000"),
            rate=Decimal("0"),
            term=480,
        )
    assert decided.approved_amount == Decimal("450000.00")


def test_rejection_needs_a_reason_then_resubmission_keeps_the_history(world, pending):
    tenant, admin = world["tenant"], world["admin"]
    other = second_funder_product(tenant, admin)
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as refused:
            submission_decide(actor=admin, submission=pending, decision="rejected")
        assert "reason" in refused.value.message_dict
        submission_decide(
            actor=admin, submission=pending, decision="rejected", reason="负债率过高"
        )
        order = _refresh(tenant, world["order"])
        again = submission_create(actor=admin, order=order, product=other)
        history = loan_selectors.submissions_of(actor=admin, order=order)
    assert [s.pk for s in history] == [again.pk, pending.pk]
    assert [s.status for s in history] == ["pending", "rejected"]
    assert history[1].rejection_reason == "负债率过高"


def test_withdraw_then_the_same_funder_again(world, pending):
    tenant, admin = world["tenant"], world["admin"]
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as refused:
            submission_withdraw(actor=admin, submission=pending, reason=" ")
        assert "reason" in refused.value.message_dict
        submission_withdraw(actor=admin, submission=pending, reason="客户改选其他银行")
        with pytest.raises(ValidationError) as late:
            submission_decide(
                actor=admin, submission=pending, decision="rejected", reason="x"
            )
        assert late.value.code == "already_decided"
        again = submission_create(
            actor=admin,
            order=_refresh(tenant, world["order"]),
            product=world["product"],
        )
        assert again.status == "pending"
        assert Submission.objects.filter(status="withdrawn").count() == 1


# --- approval rates --------------------------------------------------------------------


def test_approval_rates_per_funder_and_product_within_the_scope(world, pending):
    tenant, admin = world["tenant"], world["admin"]
    other = second_funder_product(tenant, admin)
    stranger = make_user(tenant, "sales-other", role_keys=["salesperson"])
    with tenant_context(tenant):
        submission_decide(
            actor=admin, submission=pending, decision="rejected", reason="资质不足"
        )
        order = _refresh(tenant, world["order"])
        second = submission_create(actor=admin, order=order, product=other)
        submission_decide(
            actor=admin,
            submission=second,
            decision="approved",
            amount=Decimal("200000"),
            rate=Decimal("5"),
            term=24,
        )
        today = timezone.localdate()
        rows = loan_selectors.approval_rates(actor=admin, since=today, until=today)
        by_funder = {r.funder: r for r in rows}
        assert by_funder["测试银行"].rejected == 1
        assert by_funder["测试银行"].rate == Decimal("0.0")
        assert by_funder["第二银行"].approved == 1
        assert by_funder["第二银行"].rate == Decimal("100.0")
        assert by_funder["第二银行"].product == "信用快贷"
        # The processor handles the order: sees it; a colleague does not.
        assert (
            len(
                loan_selectors.approval_rates(
                    actor=world["processor"], since=today, until=today
                )
            )
            == 2
        )
        assert (
            loan_selectors.approval_rates(actor=stranger, since=today, until=today)
            == []
        )


# --- pages -----------------------------------------------------------------------------


def test_processor_submits_and_records_the_answer_through_the_pages(
    client, world, pending
):
    tenant = world["tenant"]
    order = world["order"]
    force_session(client, world["processor"])
    page = client.get("/orders/%d/loan/" % order.pk)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="submission-table"' in text
    assert "测试银行" in text and 'data-testid="decide-form"' in text
    # A bad answer shows on the form, nothing changes.
    response = client.post(
        "/orders/submissions/%d/decision/" % pending.pk,
        {"decision": "approved", "amount": "1000000", "rate": "4.2", "term": "36"},
    )
    assert response.status_code == 400
    assert 'data-field="amount"' in response.content.decode()
    response = client.post(
        "/orders/submissions/%d/decision/" % pending.pk,
        {"decision": "approved", "amount": "300000", "rate": "4.2", "term": "36"},
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        assert Submission.objects.get(pk=pending.pk).status == "approved"
    # Answering again: the refusal is shown.
    response = client.post(
        "/orders/submissions/%d/decision/" % pending.pk,
        {"decision": "rejected", "reason": "再次"},
    )
    assert response.status_code == 400
    assert 'data-testid="loan-errors"' in response.content.decode()


def test_submitting_with_missing_documents_shows_them(client, world):
    force_session(client, world["processor"])
    order = world["order"]
    response = client.post(
        "/orders/%d/submissions/" % order.pk, {"product": world["product"].pk}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "房产证" in text or "Property certificate" in text
    upload(world["tenant"], world["admin"], world["customer"], "property_certificate")
    response = client.post(
        "/orders/%d/submissions/" % order.pk, {"product": world["product"].pk}
    )
    assert response.status_code == 302


def test_a_salesperson_cannot_submit_and_a_stranger_sees_nothing(client, world):
    tenant = world["tenant"]
    order = world["order"]
    force_session(client, world["sales"])
    assert client.get("/orders/%d/loan/" % order.pk).status_code == 200
    response = client.post(
        "/orders/%d/submissions/" % order.pk, {"product": world["product"].pk}
    )
    assert response.status_code == 403
    stranger = make_user(tenant, "sales-stranger", role_keys=["processor"])
    force_session(client, stranger)
    assert client.get("/orders/%d/loan/" % order.pk).status_code == 404


def test_approval_rates_page(client, world, pending):
    with tenant_context(world["tenant"]):
        submission_decide(
            actor=world["admin"], submission=pending, decision="rejected", reason="否"
        )
    force_session(client, world["admin"])
    page = client.get("/orders/approval-rates/")
    assert page.status_code == 200
    assert "测试银行" in page.content.decode()
    assert client.get("/orders/approval-rates/?since=bad").status_code == 200


def test_another_firms_funder_is_not_offered(world, tenant_b, admin_b):
    with tenant_context(tenant_b):
        funder_save(actor=admin_b, data={"name": "乙银行"})
    with tenant_context(world["tenant"]):
        assert list(Funder.objects.values_list("name", flat=True)) == ["测试银行"]


def test_the_order_page_shows_the_loan_sections(client, world, pending):
    force_session(client, world["processor"])
    page = client.get("/orders/%d/" % world["order"].pk)
    assert page.status_code == 200
    text = page.content.decode()
    for key in ("loan_submissions", "loan_disbursement", "loan_fund_checks"):
        assert 'data-testid="panel-%s"' % key in text
    assert 'data-testid="decide-form"' in text
