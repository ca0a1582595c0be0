"""Opening and changing orders through the real services: the default workflows, the
numbering, the customer's stage and timeline, the checks on input, the locks, the
data scope, the departure handover, the SLA job and the home panel."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lenddesk.accounts import handover
from lenddesk.acquisition.attribution import attribution_record
from lenddesk.acquisition.channels import channel_save
from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import Customer, TimelineEvent
from lenddesk.notifications.models import Notification
from lenddesk.orders import selectors
from lenddesk.orders.home import _build as home_build
from lenddesk.orders.models import (
    NodeKind,
    Order,
    OrderParticipant,
    OrderSequence,
    OrderStatus,
    VersionStatus,
    Workflow,
    WorkflowNode,
)
from lenddesk.orders.seed import seed_orders
from lenddesk.orders.services import flag_overdue_orders, order_open, order_update
from lenddesk.orders.services.numbering import next_order_number
from lenddesk.tenancy.context import tenant_context
from tests.customers.conftest import add_customer
from tests.orders.conftest import move, open_order

CREDIT_KEYS = [
    "signing",
    "documents",
    "prescreen",
    "submission",
    "approval",
    "disbursement",
    "fee",
    "done",
]
MORTGAGE_KEYS = [
    "signing",
    "documents",
    "appraisal",
    "prescreen",
    "submission",
    "approval",
    "bank_signing",
    "notary",
    "registration",
    "disbursement",
    "fee",
    "done",
]


def _keys(workflow):
    return list(
        WorkflowNode.objects.filter(version=workflow.current)
        .order_by("position")
        .values_list("key", flat=True)
    )


def test_every_new_firm_gets_the_three_published_workflows(tenant_a):
    with tenant_context(tenant_a):
        flows = {w.key: w for w in Workflow.objects.select_related("current")}
        assert set(flows) == {"credit", "mortgage", "refinance"}
        for flow in flows.values():
            assert flow.current.number == 1
            assert flow.current.status == VersionStatus.PUBLISHED
        assert _keys(flows["credit"]) == CREDIT_KEYS
        assert _keys(flows["mortgage"]) == MORTGAGE_KEYS
        refinance = _keys(flows["refinance"])
        assert refinance.index("release") == refinance.index("registration") - 1
        assert refinance == [*MORTGAGE_KEYS[:8], "release", *MORTGAGE_KEYS[8:]]
        assert "credit" in flows["credit"].product_types
        assert flows["mortgage"].product_types == ["mortgage"]
        submission = WorkflowNode.objects.get(
            version=flows["credit"].current, key="submission"
        )
        assert set(submission.locked_fields) == {
            "amount",
            "term_months",
            "products",
            "fee",
        }
        assert submission.role_key == "processor"
        assert "id_card" in submission.required_documents
        assert submission.checklist and submission.sla_hours
        end = WorkflowNode.objects.get(version=flows["credit"].current, key="done")
        assert end.kind == NodeKind.END and not end.can_cancel
        roles = set(
            WorkflowNode.objects.filter(version=flows["mortgage"].current)
            .exclude(kind=NodeKind.END)
            .values_list("role_key", flat=True)
        )
        assert roles == {"salesperson", "processor", "warrant_officer", "finance"}
        seed_orders()  # idempotent
        assert Workflow.objects.count() == 3
        assert WorkflowNode.objects.filter(version__workflow__key="credit").count() == 8


def test_open_an_order_from_a_signed_customer(tenant_a, admin_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    customer = add_customer(tenant_a, s1, owner=s1, name="李四")
    with tenant_context(tenant_a):
        channel = channel_save(actor=admin_a, name="抖音", kind="traffic")
        attribution_record(customer=customer, source_kind="traffic", channel=channel)
        order = order_open(
            actor=s1,
            customer=customer,
            products=[credit],
            amount="200000.005",
            term_months=36,
            fee_kind="rate",
            fee_rate="2.5",
            processor=p1,
            note="客户急用",
        )
        order.refresh_from_db()
        assert order.amount == Decimal("200000.01")  # half-up to the cent
        assert order.version.workflow.key == "credit"
        assert order.node.key == "signing"
        assert order.owner == s1 and order.processor == p1
        assert order.channel == channel
        assert order.number == timezone.localdate().strftime("%Y%m%d") + "-0001"
        assert order.node_due_at == order.node_entered_at + dt.timedelta(hours=24)
        assert set(
            OrderParticipant.objects.filter(order=order).values_list(
                "user__username", "role_key"
            )
        ) == {("s1", "salesperson"), ("p1", "processor")}
        customer.refresh_from_db()
        assert customer.stage.key == "signed"
        assert customer.has_open_business
        summaries = list(
            TimelineEvent.objects.filter(customer=customer).values_list(
                "summary", flat=True
            )
        )
        assert any(order.number in s for s in summaries)
        assert AuditEvent.objects.filter(
            action="order.opened", object_id=str(order.pk)
        ).exists()
        assert Notification.objects.filter(recipient=p1, kind="orders.opened").exists()


def test_a_mortgage_product_starts_the_mortgage_flow_and_refinance_is_chosen(
    tenant_a, crew, mortgage
):
    s1 = crew["s1"]
    order = open_order(tenant_a, s1, product=mortgage)
    with tenant_context(tenant_a):
        assert order.version.workflow.key == "mortgage"
        refinance = Workflow.objects.get(key="refinance")
    other = open_order(tenant_a, s1, product=mortgage, workflow=refinance)
    with tenant_context(tenant_a):
        assert other.version == refinance.current


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1e20"}, "amount"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 481}, "term_months"),
        ({"fee_rate": "100.01"}, "fee_rate"),
        ({"fee_rate": "-1"}, "fee_rate"),
        ({"fee_kind": "fixed", "fee_fixed": "-1"}, "fee_fixed"),
        ({"fee_kind": "fixed"}, "fee_fixed"),
        ({"fee_kind": "nope"}, "fee_kind"),
        (
            {
                "fee_kind": "tiered",
                "fee_tiers": [
                    {"up_to": "500000", "rate": "2"},
                    {"up_to": "300000", "rate": "1.5"},
                    {"up_to": None, "rate": "1"},
                ],
            },
            "fee_tiers",
        ),
        (
            {"fee_kind": "tiered", "fee_tiers": [{"up_to": "500000", "rate": "2"}]},
            "fee_tiers",
        ),
        ({"fee_kind": "tiered", "fee_tiers": []}, "fee_tiers"),
        ({"products": []}, "products"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    tenant_a, crew, credit, values, field
):
    s1 = crew["s1"]
    customer = add_customer(tenant_a, s1, owner=s1)
    terms = {
        "products": [credit],
        "amount": "100000",
        "term_months": 12,
        "fee_kind": "rate",
        "fee_rate": "2",
        **values,
    }
    with tenant_context(tenant_a):
        with pytest.raises(ValidationError) as caught:
            order_open(actor=s1, customer=customer, **terms)
        assert field in caught.value.message_dict
        assert Order.objects.count() == 0
        assert not OrderSequence.objects.filter(last__gt=0).exists()


def test_tiered_fees_are_kept_in_order(tenant_a, crew, credit):
    tiers = [
        {"up_to": "500000", "rate": "2"},
        {"up_to": "1000000", "rate": "1.5"},
        {"up_to": None, "rate": "1"},
    ]
    order = open_order(
        tenant_a, crew["s1"], product=credit, fee_kind="tiered", fee_tiers=tiers
    )
    from lenddesk.orders.services import fee_for

    assert order.fee_tiers[0] == {"up_to": "500000.00", "rate": "2.0000"}
    assert order.fee_tiers[-1]["up_to"] is None
    assert order.fee_rate is None
    assert fee_for(order, Decimal("400000")) == Decimal("8000.00")
    assert fee_for(order, Decimal("800000")) == Decimal("12000.00")
    assert fee_for(order, Decimal("2000000")) == Decimal("20000.00")


def test_a_pool_customer_or_one_out_of_reach_cannot_get_an_order(
    tenant_a, admin_a, crew, credit
):
    pooled = add_customer(tenant_a, admin_a, to_pool=True)
    theirs = add_customer(tenant_a, crew["s3"], owner=crew["s3"])
    with tenant_context(tenant_a):
        with pytest.raises(PermissionDenied):
            order_open(
                actor=admin_a,
                customer=pooled,
                products=[credit],
                amount=1000,
                term_months=12,
                fee_kind="rate",
                fee_rate=1,
            )
        with pytest.raises(ValidationError) as caught:
            order_open(
                actor=crew["s1"],
                customer=theirs,
                products=[credit],
                amount=1000,
                term_months=12,
                fee_kind="rate",
                fee_rate=1,
            )
        assert "customer" in caught.value.message_dict
        assert Order.objects.count() == 0


def test_numbers_have_no_gaps_even_when_an_opening_fails(tenant_a, crew, credit):
    s1 = crew["s1"]
    numbers = [open_order(tenant_a, s1, product=credit).number for _ in range(3)]
    with pytest.raises(ValidationError):
        open_order(tenant_a, s1, product=credit, amount="0")
    numbers.append(open_order(tenant_a, s1, product=credit).number)
    day = timezone.localdate().strftime("%Y%m%d")
    assert numbers == ["%s-%04d" % (day, n) for n in (1, 2, 3, 4)]
    with tenant_context(tenant_a):
        assert next_order_number(dt.date(2030, 1, 2)) == "20300102-0001"
        assert next_order_number(dt.date(2030, 1, 2)) == "20300102-0002"


def test_numbers_are_per_firm(tenant_a, tenant_b, crew, credit):
    open_order(tenant_a, crew["s1"], product=credit)
    with tenant_context(tenant_b):
        assert next_order_number().endswith("-0001")


def test_a_step_locks_the_amount_from_submission_on(tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    with tenant_context(tenant_a):
        order = order_update(actor=s1, order=order, data={"amount": "250000"})
        assert order.amount == Decimal("250000.00")
    move(tenant_a, s1, order)  # → documents
    move(tenant_a, p1, order)  # → prescreen
    move(tenant_a, p1, order)  # → submission
    with tenant_context(tenant_a):
        order.refresh_from_db()
        for data, field in (
            ({"amount": "260000"}, "amount"),
            ({"term_months": 48}, "term_months"),
            ({"fee_rate": "3"}, "fee_rate"),
            ({"products": [credit.pk, credit.pk + 999]}, "products"),
        ):
            with pytest.raises(ValidationError) as caught:
                order_update(actor=s1, order=order, data=data)
            assert caught.value.code == "field_locked"
            assert field in caught.value.message_dict
        order.refresh_from_db()
        assert order.amount == Decimal("250000.00")
        same = order_update(actor=s1, order=order, data={"amount": "250000"})
        assert same.amount == Decimal("250000.00")  # unchanged values pass
        order_update(actor=s1, order=order, data={"note": "资方要求补充流水"})
        order.refresh_from_db()
        assert order.note == "资方要求补充流水"
        assert AuditEvent.objects.filter(action="order.updated").count() == 2


def test_a_closed_order_cannot_change(tenant_a, crew, credit):
    order = open_order(tenant_a, crew["s1"], product=credit)
    move(tenant_a, crew["s1"], order, "cancel", comment="客户放弃")
    with tenant_context(tenant_a):
        order.refresh_from_db()
        with pytest.raises(ValidationError) as caught:
            order_update(actor=crew["s1"], order=order, data={"amount": "1"})
        assert caught.value.code == "order_closed"


def test_scope_owner_team_lead_and_handlers(tenant_a, tenant_b, crew, credit):
    s1, s2, s3, p1, p2 = (crew[k] for k in ("s1", "s2", "s3", "p1", "p2"))
    mine = open_order(tenant_a, s1, product=credit, processor=p1)
    colleague = open_order(tenant_a, s2, product=credit)
    other_team = open_order(tenant_a, s3, product=credit, processor=p2)
    with tenant_context(tenant_a):

        def seen(user):
            return set(selectors.orders_visible(user).values_list("pk", flat=True))

        assert seen(s1) == {mine.pk}
        assert seen(s2) == {colleague.pk}
        assert seen(crew["lead1"]) == {mine.pk, colleague.pk}
        assert seen(p1) == {mine.pk}
        assert seen(p2) == {other_team.pk}
        assert seen(crew["w1"]) == set()
        assert seen(crew["gm"]) == {mine.pk, colleague.pk, other_team.pk}
    with tenant_context(tenant_b):
        assert Order.objects.count() == 0


def test_departure_hands_over_running_orders_and_processing(
    tenant_a, admin_a, crew, credit
):
    s1, s2, p1, p2 = crew["s1"], crew["s2"], crew["p1"], crew["p2"]
    running = open_order(tenant_a, s1, product=credit, processor=p1)
    done = open_order(tenant_a, s1, product=credit)
    move(tenant_a, s1, done, "cancel", comment="客户放弃")
    with tenant_context(tenant_a):
        target = handover.build_target(leaver=s1, kind="colleague", colleague_id=s2.pk)
        moved = handover.user_depart(actor=admin_a, leaver=s1, target=target)
        # the customers step moved the running order with its customer already
        assert moved["orders"] == 0
        running.refresh_from_db()
        done.refresh_from_db()
        assert running.owner == s2 and running.customer.owner == s2
        assert done.owner == s1  # closed orders keep their history
        assert running.pk in set(
            selectors.orders_visible(s2).values_list("pk", flat=True)
        )
        assert not OrderParticipant.objects.filter(order=running, user=s1).exists()
        target = handover.build_target(leaver=p1, kind="colleague", colleague_id=p2.pk)
        moved = handover.user_depart(actor=admin_a, leaver=p1, target=target)
        assert moved["orders"] == 1
        running.refresh_from_db()
        assert running.processor == p2
        assert OrderParticipant.objects.filter(
            order=running, user=p2, role_key="processor"
        ).exists()
        assert AuditEvent.objects.filter(action="order.owner_followed").count() == 1
        assert AuditEvent.objects.filter(action="order.handed_over").count() == 1
        assert Notification.objects.filter(
            recipient=p2, kind="orders.handed_over"
        ).exists()


def test_overdue_job_flags_once_and_tells_handlers_and_owner(tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    move(tenant_a, s1, order)  # → documents (processor, 72 h)
    later = timezone.now() + dt.timedelta(hours=73)
    with tenant_context(tenant_a):
        assert flag_overdue_orders(now=timezone.now()) == 0
        assert flag_overdue_orders(now=later) == 1
        assert flag_overdue_orders(now=later) == 0
        order.refresh_from_db()
        assert order.is_overdue
        told = Notification.objects.filter(kind="orders.overdue")
        assert set(told.values_list("recipient__username", flat=True)) == {"s1", "p1"}
        assert told.count() == 2
        assert [
            o.pk
            for o in selectors.order_list(
                actor=s1, filters=selectors.OrderFilters(overdue=True)
            )[0]
        ] == [order.pk]
    move(tenant_a, p1, order)  # a move clears the flag
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert not order.is_overdue


def test_the_overdue_task_runs_every_active_firm(tenant_a, crew, credit):
    from lenddesk.orders.tasks import flag_overdue_orders_task

    order = open_order(tenant_a, crew["s1"], product=credit)
    with tenant_context(tenant_a):
        Order.objects.filter(pk=order.pk).update(
            node_due_at=timezone.now() - dt.timedelta(minutes=1)
        )
    assert flag_overdue_orders_task() == 1


def test_home_panel_counts_my_orders_by_step(tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    first = open_order(tenant_a, s1, product=credit, processor=p1)
    open_order(tenant_a, s1, product=credit)
    move(tenant_a, s1, first)
    with tenant_context(tenant_a):
        Order.objects.filter(pk=first.pk).update(is_overdue=True)
        mine = home_build(actor=s1)
        assert mine["order_total"] == 2 and mine["order_overdue"] == 1
        assert [s["key"] for s in mine["order_steps"]] == ["signing", "documents"]
        theirs = home_build(actor=p1)
        assert theirs["order_total"] == 1
        assert home_build(actor=crew["s2"])["order_total"] == 0


def test_completed_and_cancelled_orders_leave_the_open_count(tenant_a, crew, credit):
    order = open_order(tenant_a, crew["s1"], product=credit)
    move(tenant_a, crew["s1"], order, "cancel", comment="客户放弃")
    with tenant_context(tenant_a):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
        customer = Customer.objects.get(pk=order.customer_id)
        assert customer.stage.key == "lost"
        assert not customer.has_open_business
