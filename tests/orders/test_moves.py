"""Moving orders through their flow: who may move, where a move may go, what it
writes (move row, timeline, audit, stage, notices), and two movers at once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditEvent
from lenddesk.customers.models import Customer, TimelineEvent
from lenddesk.notifications.models import Notification
from lenddesk.orders.models import MoveKind, Order, OrderMove, OrderStatus
from lenddesk.orders.services import allowed_moves, order_move
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_tenant, make_user
from tests.orders.conftest import move, open_order
from tests.products.conftest import make_product

CREDIT_STEPS = ["documents", "prescreen", "submission", "approval", "disbursement"]


def _stage(tenant, order):
    with tenant_context(tenant):
        return Customer.objects.get(pk=order.customer_id).stage.key


def test_forward_moves_write_history_timeline_audit_and_notices(tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    moved = move(tenant_a, s1, order, comment="合同已签")
    with tenant_context(tenant_a):
        assert moved.node.key == "documents"
        assert moved.lock_version == 2
        last = OrderMove.objects.filter(order=order).order_by("-id").first()
        assert (last.kind, last.from_node.key, last.to_node.key) == (
            MoveKind.FORWARD,
            "signing",
            "documents",
        )
        assert (
            last.comment == "合同已签" and last.actor == s1 and last.lock_version == 2
        )
        assert AuditEvent.objects.filter(
            action="order.moved", object_id=str(order.pk)
        ).exists()
        assert (
            TimelineEvent.objects.filter(
                customer_id=order.customer_id,
                kind="order",
                summary__contains=order.number,
            ).count()
            == 2
        )
        told = Notification.objects.filter(kind="orders.moved")
        assert set(told.values_list("recipient__username", flat=True)) == {"p1"}
    assert _stage(tenant_a, order) == "processing"
    move(tenant_a, p1, order)
    with tenant_context(tenant_a):
        owner_told = Notification.objects.filter(kind="orders.moved", recipient=s1)
        assert owner_told.count() == 1  # the owner hears of moves by others


def test_a_step_for_another_role_refuses_and_names_the_role(tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, p1, order)  # signing is the salesperson's
    assert caught.value.code == "wrong_role"
    move(tenant_a, s1, order)  # → documents, the processor's
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, s1, order)
    assert caught.value.code == "wrong_role"
    with tenant_context(tenant_a):
        from lenddesk.accounts.models import Role

        processor_role = Role.objects.get(key="processor").name
        assert processor_role in caught.value.messages[0]
        order.refresh_from_db()
        assert order.node.key == "documents" and order.lock_version == 2
        assert allowed_moves(s1, order) == {}
        assert allowed_moves(p1, order)["forward"].key == "prescreen"


def test_a_manager_over_the_owner_may_move_any_step(tenant_a, crew, credit):
    s1 = crew["s1"]
    order = open_order(tenant_a, s1, product=credit)
    move(tenant_a, s1, order)
    moved = move(tenant_a, crew["lead1"], order)  # team lead over s1
    with tenant_context(tenant_a):
        assert moved.node.key == "prescreen"
    moved = move(tenant_a, crew["gm"], order)
    with tenant_context(tenant_a):
        assert moved.node.key == "submission"


def test_someone_who_cannot_see_the_order_cannot_move_it(tenant_a, crew, credit):
    order = open_order(tenant_a, crew["s1"], product=credit)
    with pytest.raises(Exception) as caught:
        move(tenant_a, crew["s2"], order)
    assert caught.type.__name__ == "PermissionDenied"


def test_return_needs_a_reason_and_an_earlier_step(tenant_a, crew, credit):
    s1, p1 = crew["s1"], crew["p1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, s1, order, "return", comment="x")  # signing: no return
    assert caught.value.code == "move_not_allowed"
    move(tenant_a, s1, order)
    move(tenant_a, p1, order)  # → prescreen
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, p1, order, "return")
    assert "comment" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, p1, order, "return", comment="缺流水", to_node="approval")
    assert "to_node" in caught.value.message_dict
    moved = move(tenant_a, p1, order, "return", comment="缺流水", to_node="documents")
    with tenant_context(tenant_a):
        assert moved.node.key == "documents"
        assert OrderMove.objects.filter(order=order).last().kind == MoveKind.RETURN


def test_forward_skipping_a_step_is_refused(tenant_a, crew, credit):
    order = open_order(tenant_a, crew["s1"], product=credit)
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, crew["s1"], order, to_node="submission")
    assert caught.value.code == "move_not_allowed"
    assert "to_node" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, crew["s1"], order, "complete")
    assert caught.value.code == "move_not_allowed"
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, crew["s1"], order, "jump")
    assert "kind" in caught.value.message_dict


def test_cancel_needs_a_reason_and_marks_the_customer_lost(tenant_a, crew, credit):
    s1 = crew["s1"]
    order = open_order(tenant_a, s1, product=credit)
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, s1, order, "cancel")
    assert "comment" in caught.value.message_dict
    moved = move(tenant_a, s1, order, "cancel", comment="客户另找渠道")
    with tenant_context(tenant_a):
        assert moved.status == OrderStatus.CANCELLED
        assert moved.cancel_reason == "客户另找渠道" and moved.closed_at
    assert _stage(tenant_a, order) == "lost"
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, s1, order)
    assert caught.value.code == "order_closed"


def test_a_second_running_order_keeps_the_customer_from_being_lost(
    tenant_a, crew, credit
):
    s1 = crew["s1"]
    first = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        customer = Customer.objects.get(pk=first.customer_id)
    open_order(tenant_a, s1, product=credit, customer=customer)
    move(tenant_a, s1, first, "cancel", comment="重复进件")
    assert _stage(tenant_a, first) == "signed"
    with tenant_context(tenant_a):
        assert Customer.objects.get(pk=customer.pk).has_open_business


def test_the_whole_credit_flow_to_completion(tenant_a, crew, credit):
    s1, p1, f1 = crew["s1"], crew["p1"], crew["f1"]
    order = open_order(tenant_a, s1, product=credit, processor=p1)
    move(tenant_a, s1, order)
    for _step in CREDIT_STEPS:
        move(tenant_a, p1, order)
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert order.node.key == "fee"
        # nobody on the order is finance: finance (who sees the firm) hears of it
        assert Notification.objects.filter(recipient=f1, kind="orders.moved").exists()
        assert allowed_moves(f1, order)["complete"] is True
        assert allowed_moves(f1, order)["cancel"] is False
    with pytest.raises(ValidationError):
        move(tenant_a, f1, order, "cancel", comment="x")  # not at 收费
    done = move(tenant_a, f1, order)  # forward into the end completes
    with tenant_context(tenant_a):
        assert done.status == OrderStatus.COMPLETED and done.node.key == "done"
        assert done.node_due_at is None and done.closed_at
        assert OrderMove.objects.filter(order=order).last().kind == MoveKind.COMPLETE
        customer = Customer.objects.get(pk=order.customer_id)
        assert customer.stage.key == "disbursed"
        assert not customer.has_open_business
    with pytest.raises(ValidationError) as caught:
        move(tenant_a, f1, order, "complete")
    assert caught.value.code == "order_closed"


def test_a_stale_version_is_a_conflict_naming_who_moved_it(tenant_a, crew, credit):
    s1, lead = crew["s1"], crew["lead1"]
    order = open_order(tenant_a, s1, product=credit)
    with tenant_context(tenant_a):
        seen_by_lead = Order.objects.get(pk=order.pk)
        seen_by_s1 = Order.objects.get(pk=order.pk)
        order_move(actor=s1, order=seen_by_s1, kind="forward", expected_version=1)
        with pytest.raises(ValidationError) as caught:
            order_move(
                actor=lead, order=seen_by_lead, kind="forward", expected_version=1
            )
        assert caught.value.code == "order_conflict"
        assert "s1" in caught.value.messages[0]
        assert caught.value.order.lock_version == 2
        # The same read without a version: the conditional UPDATE refuses it.
        with pytest.raises(ValidationError) as caught:
            order_move(actor=lead, order=seen_by_lead, kind="forward")
        assert caught.value.code == "order_conflict"
        assert OrderMove.objects.filter(order=order).count() == 2  # open + one
        assert Order.objects.get(pk=order.pk).node.key == "documents"


def _race(tenant, jobs):
    """Each (user_id, order_id, version) moves in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []
    lock = threading.Lock()

    def run(user_id, order_id, version):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            with tenant_context(tenant):
                user = User.objects.get(pk=user_id)
                order = Order.objects.select_related("node").get(pk=order_id)
                order_move(
                    actor=user, order=order, kind="forward", expected_version=version
                )
            result = ("won", user.username)
        except ValidationError as exc:
            result = (exc.code, exc.messages[0])
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_move_one_order_at_once_exactly_one_wins():
    tenant = make_tenant(slug="race-firm")
    with tenant_context(tenant):
        admin = User.objects.get(username="admin")
    owner = make_user(tenant, "owner1")
    processors = [make_user(tenant, "p%d" % i, role_keys=["processor"]) for i in (1, 2)]
    product = make_product(tenant, admin, name="信用贷A", type="credit")
    order = open_order(tenant, owner, product=product, processor=processors[0])
    move(tenant, owner, order)  # → documents, the processors' step
    with tenant_context(tenant):
        from lenddesk.orders.models import OrderParticipant

        OrderParticipant.objects.create(
            order=order, user=processors[1], role_key="processor"
        )
    outcomes = _race(tenant, [(p.pk, order.pk, 2) for p in processors])
    winners = [o for o in outcomes if o[0] == "won"]
    losers = [o for o in outcomes if o[0] != "won"]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0][0] == "order_conflict"
    assert winners[0][1] in losers[0][1]  # the message names the winner
    with tenant_context(tenant):
        order.refresh_from_db()
        assert order.node.key == "prescreen" and order.lock_version == 3
        assert OrderMove.objects.filter(order=order, kind="forward").count() == 2


def test_a_step_nobody_on_the_order_handles_tells_only_who_can_open_it(
    tenant_a, crew, mortgage
):
    s1, p1, w1 = crew["s1"], crew["p1"], crew["w1"]
    order = open_order(tenant_a, s1, product=mortgage, processor=p1)
    move(tenant_a, s1, order)
    move(tenant_a, p1, order)  # → appraisal, the warrant officer's
    with tenant_context(tenant_a):
        order.refresh_from_db()
        assert order.node.key == "appraisal"
        assert not Notification.objects.filter(recipient=w1).exists()
        assert Notification.objects.filter(recipient=s1, kind="orders.moved").exists()
