"""Disbursement (放款) and after-loan (贷后): the loan against the funder's approval,
the encrypted receiving account (masked, revealed for a purpose), the stored
schedule, repaid instalments, fund-use checks, and the daily run's reminders,
overdue flags and second-sale to-dos."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import Customer, FollowUp
from lenddesk.notifications.models import Notification
from lenddesk.orders import loan_selectors
from lenddesk.orders.afterloan import (
    afterloan_run,
    fund_use_check_record,
    instalment_mark_paid,
)
from lenddesk.orders.disbursements import (
    disbursement_record,
    disbursement_reveal_account,
)
from lenddesk.orders.loan_tasks import afterloan_remind_task
from lenddesk.orders.models import Disbursement, FundUseCheck, Instalment, Order
from lenddesk.orders.submissions import submission_create, submission_decide
from lenddesk.tenancy.context import tenant_context
from tests.conftest import force_session
from tests.factories import make_user
from tests.orders.test_submissions import upload, world  # noqa: F401

ACCOUNT = "6222 0212 3456 7890 123"


@pytest.fixture
def loan_world(world):  # noqa: F811
    """The order approved by 测试银行 for 300,000 at 4.2 % over 36 months."""
    tenant, admin = world["tenant"], world["admin"]
    upload(tenant, admin, world["customer"], "property_certificate")
    with tenant_context(tenant):
        order = Order.objects.select_related("node").get(pk=world["order"].pk)
        submission = submission_create(
            actor=admin, order=order, product=world["product"]
        )
        world["approval"] = submission_decide(
            actor=admin,
            submission=submission,
            decision="approved",
            amount=Decimal("300000"),
            rate=Decimal("4.2"),
            term=36,
        )
        world["order"] = order
    finance = make_user(tenant, "finance-loan", role_keys=["finance"])
    world["finance"] = finance
    return world


def terms(**overrides) -> dict:
    today = timezone.localdate()
    values = {
        "amount": Decimal("300000"),
        "disbursed_on": today - dt.timedelta(days=10),
        "first_due_on": today + dt.timedelta(days=20),
        "annual_rate": Decimal("4.2"),
        "term_months": 36,
        "method": "equal_instalment",
        "account_bank": "招商银行成都分行",
        "account_number": ACCOUNT,
    }
    values.update(overrides)
    return values


def disburse(w, **overrides) -> Disbursement:
    with tenant_context(w["tenant"]):
        order = Order.objects.get(pk=w["order"].pk)
        return disbursement_record(actor=w["admin"], order=order, **terms(**overrides))


def test_disbursement_stores_the_schedule_and_encrypts_the_account(loan_world):
    disbursement = disburse(loan_world)
    tenant = loan_world["tenant"]
    with tenant_context(tenant):
        row = Disbursement.objects.get(pk=disbursement.pk)
        assert b"6222021234567890123" not in bytes(row.account_number_cipher)
        assert row.get_secret("account_number") == "6222021234567890123"
        assert row.masked("account_number") == "******"
        assert row.submission_id == loan_world["approval"].pk
        assert Instalment.objects.filter(disbursement=row).count() == 36
        event = AuditEvent.objects.get(action="orders.disbursed")
        assert "6222" not in str(event.changes)
        assert Notification.objects.filter(
            recipient=loan_world["sales"], kind="orders.disbursed"
        ).exists()
        with pytest.raises(ValidationError) as again:
            disbursement_record(
                actor=loan_world["admin"],
                order=Order.objects.get(pk=loan_world["order"].pk),
                **terms(),
            )
        assert again.value.code == "already_disbursed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("300000.01")}, "amount"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 481}, "term_months"),
        ({"annual_rate": Decimal("36.5")}, "annual_rate"),
        ({"method": "balloon"}, "method"),
        ({"account_number": "12ab"}, "account_number"),
        ({"account_bank": " "}, "account_bank"),
        ({"disbursed_on": timezone.localdate() + dt.timedelta(days=1)}, "disbursed_on"),
        (
            {"first_due_on": timezone.localdate() - dt.timedelta(days=30)},
            "first_due_on",
        ),
    ],
)
def test_bad_terms_name_the_field_and_change_nothing(loan_world, overrides, field):
    with pytest.raises(ValidationError) as refused:
        disburse(loan_world, **overrides)
    assert field in refused.value.message_dict
    with tenant_context(loan_world["tenant"]):
        assert not Disbursement.objects.exists()
        assert not Instalment.objects.exists()


def test_no_disbursement_before_an_approval(world):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        disburse(world)
    assert "amount" in refused.value.message_dict


def test_reveal_needs_the_code_and_a_purpose_and_is_audited(loan_world):
    disbursement = disburse(loan_world)
    with tenant_context(loan_world["tenant"]):
        with pytest.raises(PermissionDenied):
            disbursement_reveal_account(
                actor=loan_world["processor"], disbursement=disbursement, purpose="核对"
            )
        with pytest.raises(ValidationError):
            disbursement_reveal_account(
                actor=loan_world["finance"], disbursement=disbursement, purpose=""
            )
        value = disbursement_reveal_account(
            actor=loan_world["finance"],
            disbursement=disbursement,
            purpose="核对回款账户",
        )
        assert value == "6222021234567890123"
        assert AuditEvent.objects.filter(purpose="核对回款账户").exists()


# --- after-loan ------------------------------------------------------------------------


def test_mark_paid_once_and_audited(loan_world):
    disbursement = disburse(loan_world)
    with tenant_context(loan_world["tenant"]):
        first = Instalment.objects.get(disbursement=disbursement, number=1)
        with pytest.raises(ValidationError) as early:
            instalment_mark_paid(
                actor=loan_world["admin"],
                instalment=first,
                paid_on=disbursement.disbursed_on - dt.timedelta(days=1),
            )
        assert "paid_on" in early.value.message_dict
        instalment_mark_paid(
            actor=loan_world["admin"], instalment=first, paid_on=timezone.localdate()
        )
        with pytest.raises(ValidationError) as again:
            instalment_mark_paid(
                actor=loan_world["admin"],
                instalment=first,
                paid_on=timezone.localdate(),
            )
        assert again.value.code == "conflict"
        assert AuditEvent.objects.filter(action="orders.instalment_paid").count() == 1


def test_the_daily_run_reminds_flags_and_makes_the_second_sale_todo(loan_world):
    today = timezone.localdate()
    disbursement = disburse(
        loan_world,
        disbursed_on=today - dt.timedelta(days=75),
        first_due_on=today - dt.timedelta(days=45),
        term_months=3,
    )
    tenant, sales = loan_world["tenant"], loan_world["sales"]
    with tenant_context(tenant):
        rows = list(Instalment.objects.filter(disbursement=disbursement))
        first, second, last = rows
        counts = afterloan_run(today=today)
        assert counts == {"reminded": 0, "overdue": 2, "maturing": 1}
        assert Instalment.objects.get(pk=first.pk).is_overdue
        assert Instalment.objects.get(pk=second.pk).is_overdue
        assert not Instalment.objects.get(pk=last.pk).is_overdue
        assert afterloan_run(today=today)["overdue"] == 0  # flagged once
        # A reminder for what falls due within three days, once.
        counts = afterloan_run(today=last.due_on - dt.timedelta(days=2))
        assert counts["reminded"] == 1
        assert Instalment.objects.get(pk=last.pk).reminded_at is not None
        assert afterloan_run(today=last.due_on - dt.timedelta(days=1))["reminded"] == 0
        kinds = set(
            Notification.objects.filter(recipient=sales).values_list("kind", flat=True)
        )
        assert {"orders.instalment_overdue", "orders.repayment_due"} <= kinds
        # The last instalment is within 60 days: a to-do once, on the customer.
        assert Disbursement.objects.get(pk=disbursement.pk).maturity_flagged_at
        followup = FollowUp.objects.get(customer=loan_world["customer"])
        assert loan_world["order"].number in followup.content
        assert followup.next_at > timezone.now()
        customer = Customer.objects.get(pk=loan_world["customer"].pk)
        assert customer.next_followup_at == followup.next_at
        assert list(customer.tags.values_list("name", flat=True)) == ["续贷商机"]
        assert Notification.objects.filter(kind="orders.loan_maturing").count() == 1
        assert afterloan_run(today=today)["maturing"] == 0
        assert FollowUp.objects.filter(customer=loan_world["customer"]).count() == 1
        assert last.due_on > today


def test_a_repaid_instalment_is_not_overdue(loan_world):
    today = timezone.localdate()
    disbursement = disburse(
        loan_world,
        disbursed_on=today - dt.timedelta(days=60),
        first_due_on=today - dt.timedelta(days=30),
        term_months=12,
    )
    with tenant_context(loan_world["tenant"]):
        first = Instalment.objects.get(disbursement=disbursement, number=1)
        instalment_mark_paid(actor=loan_world["admin"], instalment=first, paid_on=today)
        assert afterloan_run(today=today)["overdue"] == 0
        assert not Instalment.objects.get(pk=first.pk).is_overdue
        assert afterloan_run(today=today)["maturing"] == 0  # ends in 11 months


def test_the_task_runs_every_firm_with_orders(loan_world, tenant_b):
    today = timezone.localdate()
    disburse(
        loan_world,
        disbursed_on=today - dt.timedelta(days=60),
        first_due_on=today - dt.timedelta(days=30),
        term_months=12,
    )
    assert afterloan_remind_task() >= 1
    with tenant_context(loan_world["tenant"]):
        assert Instalment.objects.filter(is_overdue=True).count() == 1


def test_fund_use_checks(loan_world):
    tenant, admin = loan_world["tenant"], loan_world["admin"]
    with tenant_context(tenant):
        order = Order.objects.get(pk=loan_world["order"].pk)
        with pytest.raises(ValidationError) as early:
            fund_use_check_record(
                actor=admin,
                order=order,
                checked_on=timezone.localdate(),
                result="as_declared",
            )
        assert "checked_on" in early.value.message_dict
    disburse(loan_world)
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as refused:
            fund_use_check_record(
                actor=admin,
                order=order,
                checked_on=timezone.localdate(),
                result="deviated",
            )
        assert "note" in refused.value.message_dict
        fund_use_check_record(
            actor=admin,
            order=order,
            checked_on=timezone.localdate(),
            result="deviated",
            note="部分资金流入股市",
        )
        assert FundUseCheck.objects.get().note == "部分资金流入股市"
        checks = loan_selectors.fund_checks_of(
            actor=loan_world["processor"], order=order
        )
        assert len(checks) == 1


# --- pages -----------------------------------------------------------------------------


def _form(**overrides) -> dict:
    values = terms(**overrides)
    return {k: str(v) for k, v in values.items()}


def test_processor_records_the_disbursement_on_the_page(client, loan_world):
    order = loan_world["order"]
    force_session(client, loan_world["processor"])
    page = client.get("/orders/%d/loan/" % order.pk).content.decode()
    assert 'data-testid="disbursement-form"' in page
    response = client.post(
        "/orders/%d/disbursement/" % order.pk, _form(term_months="0")
    )
    assert response.status_code == 400
    assert 'data-field="term_months"' in response.content.decode()
    response = client.post("/orders/%d/disbursement/" % order.pk, _form(amount="-5"))
    assert response.status_code == 400
    assert "amount" in response.content.decode()
    response = client.post("/orders/%d/disbursement/" % order.pk, _form())
    assert response.status_code == 302
    page = client.get("/orders/%d/loan/" % order.pk).content.decode()
    assert 'data-testid="schedule-table"' in page
    assert "8,883.91" in page or "8883.91" in page
    assert "300,000.00" in page or "300000.00" in page
    assert "6222021234567890123" not in page
    assert "******" in page
    assert 'data-testid="reveal-box"' not in page  # the processor may not reveal
    schedule = client.get("/orders/%d/schedule/" % order.pk)
    assert schedule.status_code == 200
    assert (
        "19,820.77" in schedule.content.decode()
        or "19820.77" in schedule.content.decode()
    )


def test_finance_reveals_the_account_with_a_purpose(client, loan_world):
    disburse(loan_world)
    order = loan_world["order"]
    force_session(client, loan_world["finance"])
    page = client.get("/orders/%d/loan/" % order.pk).content.decode()
    assert 'data-testid="reveal-box"' in page
    url = "/orders/%d/disbursement/reveal/" % order.pk
    assert client.post(url, {"purpose": ""}).status_code == 400
    response = client.post(url, {"purpose": "核对放款账户"})
    assert response.status_code == 200
    assert "6222021234567890123" in response.content.decode()
    assert response["Cache-Control"] == "no-store, private"
    force_session(client, loan_world["processor"])
    assert client.post(url, {"purpose": "看看"}).status_code == 403


def test_mark_paid_and_fund_check_through_the_pages(client, loan_world):
    today = timezone.localdate()
    disbursement = disburse(
        loan_world,
        disbursed_on=today - dt.timedelta(days=40),
        first_due_on=today - dt.timedelta(days=5),
    )
    order = loan_world["order"]
    force_session(client, loan_world["processor"])
    with tenant_context(loan_world["tenant"]):
        first = Instalment.objects.get(disbursement=disbursement, number=1)
    url = "/orders/instalments/%d/paid/" % first.pk
    future = str(today + dt.timedelta(days=3))
    response = client.post(url, {"paid_on": future})
    assert response.status_code == 400
    assert 'data-field="paid_on"' in response.content.decode()
    assert client.post(url, {"paid_on": str(today)}).status_code == 302
    response = client.post(
        "/orders/%d/fund-checks/" % order.pk,
        {"checked_on": str(today), "result": "as_declared", "note": ""},
    )
    assert response.status_code == 302
    page = client.get("/orders/%d/loan/" % order.pk).content.decode()
    assert 'data-testid="fund-check-table"' in page


def test_afterloan_page_lists_within_the_data_scope(client, loan_world):
    today = timezone.localdate()
    disburse(
        loan_world,
        disbursed_on=today - dt.timedelta(days=60),
        first_due_on=today - dt.timedelta(days=30),
        term_months=3,
    )
    force_session(client, loan_world["sales"])
    page = client.get("/orders/afterloan/")
    assert page.status_code == 200
    text = page.content.decode()
    assert loan_world["order"].number in text
    assert 'data-testid="overdue"' in text and 'data-testid="maturing"' in text
    other = make_user(loan_world["tenant"], "sales-nobody", role_keys=["salesperson"])
    force_session(client, other)
    text = client.get("/orders/afterloan/").content.decode()
    assert loan_world["order"].number not in text
